# enswitch-fake as a container image: the fake (or the conformance runner) without a Rust
# toolchain. Two stages: a static (musl) build, then an image holding that one file and nothing
# else (no shell, no libc, no package manager), run as an unprivileged user.
#
#   docker build -t enswitch-fake .
#   docker run --rm -p 8080:8080 enswitch-fake                 # serve on the container's 0.0.0.0:8080
#   docker run --rm --network host enswitch-fake check --target http://127.0.0.1:8080/api/json/
#
# Where no base image can be pulled, build the binary on the host and let the image take it
# (the final stage is the same; only where the binary comes from differs):
#
#   cargo build --release --locked --target x86_64-unknown-linux-musl --bin enswitch-fake
#   DOCKER_BUILDKIT=1 docker build --build-arg BINARY=prebuilt -t enswitch-fake .

ARG BINARY=compiled

# The binary, compiled here against musl, so that it needs nothing from the image it runs in.
FROM rust:1-alpine AS compiled
RUN apk add --no-cache musl-dev
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin enswitch-fake \
 && cp target/release/enswitch-fake /enswitch-fake

# The binary, built on the host with the command above (.dockerignore lets only it through).
FROM scratch AS prebuilt
COPY target/x86_64-unknown-linux-musl/release/enswitch-fake /enswitch-fake

FROM ${BINARY} AS binary

FROM scratch
COPY --from=binary /enswitch-fake /usr/local/bin/enswitch-fake
# nobody:nogroup; the image has no /etc/passwd, so the ids are numeric.
USER 65534:65534
# Made after USER, so it belongs to that user: `serve --state /data/state.db`, with a volume
# mounted there to keep it.
WORKDIR /data
# Reachable from outside the container; on the host, publish it (`-p 8080:8080`) or share the
# host's network (`--network host`).
ENV ENSWITCH_FAKE_ADDR=0.0.0.0:8080
EXPOSE 8080
# `health` asks the API what `check` asks first (an envelope from cards/groups/get without
# credentials); no curl needed.
HEALTHCHECK --interval=10s --timeout=5s --start-period=5s --retries=3 \
  CMD ["/usr/local/bin/enswitch-fake", "health", "--url", "http://127.0.0.1:8080/api/json/"]
ENTRYPOINT ["/usr/local/bin/enswitch-fake"]
CMD ["serve"]
