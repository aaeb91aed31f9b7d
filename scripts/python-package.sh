#!/usr/bin/env bash
# The Python package as a user gets it: a wheel built with maturin (the binary in release), then
# installed with pytest into a fresh virtual environment, where the package's own tests run
# (python/tests), from a directory outside the clone so that only the installed package is seen.
# maturin lives in target/python-tools-venv, made on first use (PyPI).
set -euo pipefail
cd "$(dirname "$0")/.."
tools=target/python-tools-venv
if [ ! -x "$tools/bin/maturin" ]; then
  python3 -m venv "$tools"
  "$tools/bin/pip" install --quiet --disable-pip-version-check 'maturin>=1.7,<2'
fi
rm -rf target/wheels
"$tools/bin/maturin" build --release --locked --out target/wheels
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check target/wheels/*.whl 'pytest>=8,<10'
tests="$PWD/python/tests"
(cd "$work" && "$work/venv/bin/python" -m pytest -q -p no:cacheprovider "$tests")
