// The HTML report of `check --format html` in a real headless Chromium, opened from disk as a
// person opens a file someone sent them: it must render everything without asking the network
// for anything, for a passing run and for a run against a mutant.
//
//   cargo build && cd tests/browser && npm ci && npm test
//
// ENSWITCH_FAKE_BIN, CHROMIUM and SCREENSHOTS as harness.mjs says; the screenshots are
// report-passed.png (the top of the page), report-coverage.png (one function's coverage) and
// report-mutant.png (a failed case).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BIN, launchChromium, screenshot } from './harness.mjs';

const here = new URL('.', import.meta.url).pathname;
const FIXTURES = resolve(here, '../../fixtures');

let browser;
let dir;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'enswitch-report-'));
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs `check --in-process` with `args`, writing the HTML report; its path and exit code. */
function report(name, ...args) {
  const file = join(dir, name);
  const run = spawnSync(BIN, [
    'check', '--in-process', '--fixtures', FIXTURES, '--update', 'no',
    '--format', 'html', '--output', file, ...args,
  ], { encoding: 'utf8' });
  return { file, status: run.status };
}

/** Opens `file` in a fresh page `width` pixels wide; the page and every URL it asked for. */
async function open(file, width = 1280) {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  const asked = [];
  page.on('request', (request) => asked.push(request.url()));
  await page.goto(pathToFileURL(file).href);
  return { page, asked };
}

test('a passing run: the verdict, the table by function and the coverage, from disk alone', async () => {
  const { file, status } = report('passed.html');
  assert.equal(status, 0);
  const { page, asked } = await open(file);
  assert.deepEqual(asked, [pathToFileURL(file).href], 'nothing but the file itself is loaded');
  assert.equal(await page.locator('.verdict').innerText(), 'PASSED');
  // The style sheet is in the page: the verdict is green, not unstyled.
  const colour = await page.locator('.verdict').evaluate((e) => getComputedStyle(e).backgroundColor);
  assert.equal(colour, 'rgb(26, 127, 55)');
  assert.match(await page.locator('#cases').innerText(), /\(0\)/);
  const functions = await page.locator('#functions + table tr').count();
  assert.equal(functions, 1 + 11 + 1, 'a header, 11 functions and the total');
  assert.match(await page.locator('#coverage').innerText(), /^Coverage: \d+(\.\d)?% \(\d+ of \d+\)$/);
  await screenshot(page, 'report-passed.png');
  // cards/groups/get: its id's rules, its own, and its codes, each with the cases that ran.
  const get = page.locator('[id="coverage-cards/groups/get"]');
  const id = get.locator('tr', { hasText: /^id/ });
  assert.match(await id.innerText(), /passed/);
  await get.scrollIntoViewIfNeeded();
  await screenshot(get, 'report-coverage.png');
  await page.close();
});

test('a mutant: each way of going wrong shows a request, both answers and the diff, and names every case it covers', async () => {
  const { file, status } = report('mutant.html', '--mutant', 'code-as-number');
  assert.equal(status, 1);
  const { page, asked } = await open(file);
  assert.deepEqual(asked, [pathToFileURL(file).href]);
  assert.equal(await page.locator('.verdict').innerText(), 'FAILED');
  const failed = page.locator('.case').filter({ hasText: 'cards/groups/update/missing/id' }).first();
  await failed.scrollIntoViewIfNeeded();
  const text = await failed.innerText();
  // The block of the cases whose code became a number beside a 400: it shows the first of them.
  assert.match(text, /Rule \(documented\): \w+ is required/);
  assert.match(text, /The same difference in \d+ cases/);
  assert.match(text, /Expected \(the reviewed snapshot\)/);
  assert.match(text, /"code": "400"/);
  assert.match(text, /400 \(not a string\)/);
  // The diff's removed line is shaded red.
  const removed = failed.locator('.diff .del').first();
  assert.equal(await removed.evaluate((e) => getComputedStyle(e).backgroundColor), 'rgb(255, 235, 233)');
  await screenshot(failed, 'report-mutant.png');
  await page.close();
});

test('a failing run reads in a window 1400 pixels wide: nothing scrolls sideways, and each way of going wrong is shown once', async () => {
  const { file, status } = report('wide.html', '--mutant', 'empty-key-on-400');
  assert.equal(status, 1);
  const { page } = await open(file, 1400);
  const sideways = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(sideways <= 0, `the page is ${sideways} px wider than the window`);
  // No block of the page is wider than the page: the answers side by side wrap their lines.
  const widest = await page.evaluate(() => Math.max(...[...document.querySelectorAll('pre, table, .cols')]
    .map((e) => e.getBoundingClientRect().right)));
  assert.ok(widest <= 1400, `a block reaches ${widest} px`);
  const grouped = page.locator('.case details summary').first();
  assert.match(await grouped.innerText(), /^The same difference in \d+ cases$/);
  await page.close();
});
