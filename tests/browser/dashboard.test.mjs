// The dashboard in a real headless Chromium (the system's, driven by playwright-core): what a
// person sees and does, against a real `enswitch-fake serve` on a loopback port.
//
//   cargo build && cd tests/browser && npm ci && npm test
//
// ENSWITCH_FAKE_BIN, CHROMIUM and SCREENSHOTS as harness.mjs says; the screenshots are
// dashboard-journal.png, dashboard-diagnostics.png and dashboard-world.png.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { BIN, launchChromium, screenshot } from './harness.mjs';

const AUTH = 'auth_username=reseller;auth_password=reseller-password';
const XSS_NAME = '<img src=x onerror=alert(1)>';
const XSS_DESCRIPTION = '</script><script>alert(2)</script>';

let browser;
const servers = [];

before(async () => {
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  for (const server of servers) server.kill('SIGTERM');
});

/** Starts `enswitch-fake serve` on a free loopback port; its base URL once it listens. */
async function serve(...args) {
  const server = spawn(BIN, ['serve', '--addr', '127.0.0.1:0', '--log-format', 'off', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  servers.push(server);
  const lines = createInterface({ input: server.stdout });
  for await (const line of lines) {
    const match = line.match(/^listening on (https?:\/\/\S+)/);
    if (match) {
      lines.on('line', () => {});
      return match[1];
    }
    throw new Error(`the first line is ${line}`);
  }
  throw new Error('serve printed nothing');
}

async function call(base, path) {
  const answer = await fetch(base + path);
  return answer.json();
}

/** A page that fails its test on any script error or dialog (alert, confirm, prompt). An
 * answer of 4xx is the browser's "failed to load" console error; the page expects some. */
async function open(base, hash, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, ...options });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (error) => problems.push(`script error: ${error.message}`));
  page.on('dialog', async (dialog) => {
    problems.push(`a ${dialog.type()} dialog opened: ${dialog.message()}`);
    await dialog.dismiss();
  });
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
      problems.push(`console: ${message.text()}`);
    }
  });
  await page.goto(`${base}/_fake/ui/#${hash}`);
  return { page, problems, context };
}

test('a batch created over the API appears in the live journal, and its row shows the parameters redacted', async (t) => {
  const base = await serve();
  const { page, problems, context } = await open(base, 'journal');
  await page.locator('#live.on').waitFor();
  await call(base, `/api/json/cards/batches/list/?${AUTH}`);
  await call(base, `/api/json/cards/batches/create/?${AUTH};batch_name=oops`);
  const sent = Date.now();
  await call(base, `/api/json/cards/batches/create/?${AUTH};cardgroup=123;batch_name=Summer;number=40`);
  // The code's own cell: a row's time or duration may hold "200" too (a flake once: 1.200 ms).
  const row = page.locator('#journal tbody tr', { hasText: 'cards/batches/create' })
    .filter({ has: page.locator('td:nth-child(6)', { hasText: /^200$/ }) });
  await row.waitFor({ timeout: 2000 });
  const shownAfter = Date.now() - sent;
  assert.ok(shownAfter < 2000, `shown after ${shownAfter} ms`);
  t.diagnostic(`the batch was in the journal view ${shownAfter} ms after its answer`);
  // Newest first: the batch, then the refused one, then the list.
  const functions = await page.locator('#journal tbody tr td:nth-child(5)').allTextContents();
  assert.deepEqual(functions, ['cards/batches/create', 'cards/batches/create', 'cards/batches/list']);
  const keys = await page.locator('#journal tbody tr td:nth-child(7)').allTextContents();
  assert.equal(keys[1], 'cardgroup');

  await row.click();
  const detail = page.locator('#entry');
  await detail.waitFor();
  const params = Object.fromEntries(await detail.locator('tr').evaluateAll((rows) =>
    rows.map((tr) => [tr.cells[0].textContent, tr.cells[1].textContent])));
  assert.equal(params.auth_password, '[redacted]');
  assert.equal(params.batch_name, 'Summer');
  assert.match(await page.locator('#entry-answer').textContent(), /"code": "200"/);
  assert.ok(!(await page.content()).includes('reseller-password'), 'the password is nowhere on the page');

  // Filters: errors only.
  await page.selectOption('#filter-code', 'error');
  assert.equal(await page.locator('#journal tbody tr').count(), 1);
  await page.selectOption('#filter-code', '');
  await page.fill('#filter-function', 'list');
  assert.equal(await page.locator('#journal tbody tr').count(), 1);
  await page.fill('#filter-function', '');
  await screenshot(page, 'dashboard-journal.png');
  await context.close();
  assert.deepEqual(problems, []);
});

test('the world view shows the batch and pages through its cards on the server', async () => {
  const base = await serve();
  await call(base, `/api/json/cards/batches/create/?${AUTH};cardgroup=123;batch_name=Paged;number=120`);
  await call(base, `/api/json/cards/batches/create/?${AUTH};cardgroup=125;batch_name=Other;number=2`);
  const { page, problems, context } = await open(base, 'world');
  const batch = page.locator('#batches tbody tr', { hasText: 'Paged' });
  await batch.waitFor();
  assert.match(await batch.textContent(), /120/);
  await batch.click();
  // The seed's batches are 123 and 124; the first one made is 125.
  await page.locator('#cards-of', { hasText: 'of batch 125' }).waitFor();
  const range = page.locator('#cards-pager .range');
  await range.filter({ hasText: '1–50 of 120' }).waitFor();
  assert.equal(await page.locator('#cards tbody tr').count(), 50);
  await page.evaluate(() => window.scrollTo(0, 0));
  await screenshot(page, 'dashboard-world.png');
  const firstPage = await page.locator('#cards tbody tr td:first-child').allTextContents();
  await page.locator('#cards-pager button', { hasText: 'next' }).click();
  await range.filter({ hasText: '51–100 of 120' }).waitFor();
  const secondPage = await page.locator('#cards tbody tr td:first-child').allTextContents();
  assert.equal(secondPage.length, 50);
  assert.ok(secondPage.every((card) => !firstPage.includes(card)), 'another page of cards');
  await page.locator('#cards-pager button', { hasText: 'last' }).click();
  await range.filter({ hasText: '101–120 of 120' }).waitFor();
  assert.equal(await page.locator('#cards tbody tr').count(), 20);
  // Card group 123's fields, opened.
  await page.locator('#groups summary', { hasText: 'Example cards' }).click();
  assert.match(await page.locator('#groups details[open]').textContent(), /card_length\s*12/);
  // A card changed by cards/update shows its serial and caller in the seed's batch.
  await call(base, `/api/json/cards/update/?${AUTH};card=1234567890;serial=S-42;caller=15551234567`);
  await page.locator('#batches tbody tr', { hasText: 'Example batch' }).click();
  const card = page.locator('#cards tbody tr', { hasText: '1234567890' });
  await card.filter({ hasText: 'S-42' }).waitFor();
  assert.match(await card.textContent(), /15551234567/);
  await context.close();
  assert.deepEqual(problems, []);
});

test('a call with a typo is marked in the journal, its detail lists the diagnostic, and the filter finds it', async () => {
  const base = await serve();
  const { page, problems, context } = await open(base, 'journal');
  await page.locator('#live.on').waitFor();
  await call(base, `/api/json/cards/groups/get/?${AUTH};id=123`);
  const answer = await call(base, `/api/json/cards/batches/create/?${AUTH};cardgroup=123;batch_name=typo;numbr=5`);
  assert.equal(answer.responses[0].code, '200', 'the answer is Enswitch\'s');
  const marked = page.locator('#journal tbody tr', { hasText: 'cards/batches/create' }).locator('.diagnosed');
  await marked.waitFor({ timeout: 2000 });
  assert.equal((await marked.textContent()).trim(), '⚠ 1');
  assert.match(await marked.getAttribute('title'), /numbr is not a parameter of cards\/batches\/create/);
  // The clean call has no marker.
  const clean = page.locator('#journal tbody tr', { hasText: 'cards/groups/get' });
  assert.equal(await clean.locator('.diagnosed').count(), 0);

  await marked.click();
  const listed = page.locator('#entry-diagnostics li');
  await listed.first().waitFor();
  assert.equal(await listed.count(), 1);
  assert.equal(await listed.locator('.kind').textContent(), 'unknown');
  assert.match(await listed.textContent(), /did you mean number\?/);

  await page.check('#filter-diagnosed');
  assert.equal(await page.locator('#journal tbody tr').count(), 1);
  assert.match(await page.locator('#journal tbody tr').textContent(), /cards\/batches\/create/);
  await screenshot(page, 'dashboard-diagnostics.png');
  await page.uncheck('#filter-diagnosed');
  assert.equal(await page.locator('#journal tbody tr').count(), 2);
  await context.close();
  assert.deepEqual(problems, []);
});

test('a fault added in the form makes the next API call fail as it says, and can be removed', async () => {
  const base = await serve();
  const { page, problems, context } = await open(base, 'faults');
  const form = page.locator('#fault-form');
  await form.locator('input[name=function]').fill('cards/groups/get');
  await form.locator('select[name=action]').selectOption('error');
  await form.locator('input[name=code]').fill('403');
  await form.locator('input[name=key]').fill('id');
  await form.locator('input[name=message]').fill('Injected from the dashboard.');
  await form.locator('input[name=times]').fill('1');
  await form.locator('button[type=submit]').click();
  await page.locator('#fault-result', { hasText: 'added' }).waitFor();
  await page.locator('#faults tbody tr', { hasText: 'cards/groups/get' }).waitFor();

  const failed = await call(base, `/api/json/cards/groups/get/?${AUTH};id=123`);
  assert.deepEqual(failed.responses[0], { code: '403', key: 'id', message: 'Injected from the dashboard.' });
  const next = await call(base, `/api/json/cards/groups/get/?${AUTH};id=123`);
  assert.equal(next.responses[0].code, '200', 'times 1: only the first call');

  // A bad rule is refused with the server's reason.
  await form.locator('input[name=function]').fill('cards/nothing');
  await form.locator('button[type=submit]').click();
  await page.locator('#fault-result.error', { hasText: 'no function' }).waitFor();

  const row = page.locator('#faults tbody tr', { hasText: 'cards/groups/get' });
  await row.locator('button', { hasText: 'Remove' }).click();
  await page.locator('#faults tbody td.empty').waitFor();
  const rules = await call(base, '/_fake/faults');
  assert.deepEqual(rules.faults, []);
  await context.close();
  assert.deepEqual(problems, []);
});

test('hostile names and descriptions show as text and run nothing', async () => {
  const base = await serve();
  const name = encodeURIComponent(XSS_NAME);
  const description = encodeURIComponent(XSS_DESCRIPTION);
  await call(base, `/api/json/cards/groups/update/?${AUTH};id=123;description=${description}`);
  await call(base, `/api/json/cards/batches/create/?${AUTH};cardgroup=123;batch_name=${name};number=1`);
  await call(base, `/_ns/${'x'.repeat(3)}/api/json/cards/batches/create/?${AUTH};cardgroup=123;batch_name=${name}`);

  const { page, problems, context } = await open(base, 'world');
  const batch = page.locator('#batches tbody tr td:nth-child(2)');
  await batch.first().waitFor();
  assert.equal(await batch.first().textContent(), XSS_NAME);
  assert.equal(await page.locator('#batches img, #groups script, #journal img').count(), 0);
  assert.match(await page.locator('#groups').textContent(), /<\/script><script>alert\(2\)<\/script>/);

  await page.goto(`${base}/_fake/ui/#journal`);
  const row = page.locator('#journal tbody tr', { hasText: 'cards/batches/create' }).first();
  await row.waitFor();
  await row.click();
  const params = await page.locator('#entry td').allTextContents();
  assert.ok(params.includes(XSS_NAME), params.join(' | '));
  assert.equal(await page.locator('#entry img').count(), 0);
  await page.waitForTimeout(300);
  await context.close();
  assert.deepEqual(problems, [], 'no dialog, no script error');
});

test('namespaces are listed, switched to, reset and dropped', async () => {
  const base = await serve();
  await call(base, `/_ns/team-a/api/json/cards/batches/create/?${AUTH};cardgroup=123;batch_name=TeamA;number=3`);
  const { page, problems, context } = await open(base, 'namespaces');
  const team = page.locator('#namespaces tbody tr', { hasText: 'team-a' });
  await team.waitFor();
  // The seed's 4 groups, 2 batches and 4 cards, and the new batch of 3.
  assert.deepEqual((await team.locator('td').allTextContents()).slice(0, 4), ['team-a', '4', '3', '7']);
  await team.locator('button', { hasText: 'Show' }).click();
  await page.locator('#world-name', { hasText: 'team-a' }).waitFor();
  await page.locator('#batches tbody tr', { hasText: 'TeamA' }).waitFor();
  assert.equal(await page.locator('#world').inputValue(), 'team-a');

  // Save downloads the world as the seed GET /_fake/seed writes.
  await page.goto(`${base}/_fake/ui/#namespaces`);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    team.locator('button', { hasText: 'Save' }).click(),
  ]);
  assert.equal(download.suggestedFilename(), 'team-a-seed.yaml');
  const saved = await readFile(await download.path(), 'utf8');
  const written = await (await fetch(`${base}/_ns/team-a/_fake/seed`)).text();
  assert.equal(saved, written);
  assert.match(saved, /name: "TeamA"/);
  await page.locator('#namespaces-result', { hasText: 'Saved team-a as team-a-seed.yaml.' }).waitFor();

  await team.locator('button', { hasText: 'Reset' }).click();
  await page.locator('#namespaces tbody tr', { hasText: 'team-a' }).filter({ hasText: /team-a\s*4\s*2\s*4/ }).waitFor();

  // Load… puts the saved world back, byte for byte; a broken file changes nothing and says why.
  const file = team.locator('input[type=file]');
  await file.setInputFiles({ name: 'broken.yaml', mimeType: 'application/yaml', buffer: Buffer.from('users: [\n') });
  await page.locator('#namespaces-result', { hasText: 'broken.yaml: the seed has 1 problem(s); the world is as it was; seed:' }).waitFor();
  await file.setInputFiles({ name: 'team-a-seed.yaml', mimeType: 'application/yaml', buffer: Buffer.from(saved) });
  await page.locator('#namespaces-result', { hasText: 'Loaded team-a-seed.yaml into team-a.' }).waitFor();
  await page.locator('#namespaces tbody tr', { hasText: 'team-a' }).filter({ hasText: /team-a\s*4\s*3\s*7/ }).waitFor();
  assert.equal(await (await fetch(`${base}/_ns/team-a/_fake/seed`)).text(), saved);

  await team.locator('button', { hasText: 'Reset' }).click();
  await page.locator('#namespaces tbody tr', { hasText: 'team-a' }).filter({ hasText: /team-a\s*4\s*2\s*4/ }).waitFor();
  await team.locator('button', { hasText: 'Drop' }).click();
  await team.locator('button', { hasText: 'Really drop?' }).click();
  await page.locator('#namespaces-result', { hasText: 'Dropped team-a' }).waitFor();
  await page.locator('#namespaces tbody tr', { hasText: 'team-a' }).waitFor({ state: 'detached', timeout: 2000 });
  assert.deepEqual((await call(base, '/_fake/ns')).namespaces, []);

  await page.goto(`${base}/_fake/ui/#overview`);
  await page.locator('#overview dt', { hasText: 'Card groups' }).waitFor();
  assert.equal(await page.locator('#overview dt:text("Namespaces") + dd').textContent(), '0');
  await context.close();
  assert.deepEqual(problems, []);
});

test('with --admin-token the page asks for the token once, then works', async () => {
  const base = await serve('--admin-token', 'dashboard-s3cret');
  const { page, problems, context } = await open(base, 'journal');
  const dialog = page.locator('#token-dialog');
  await dialog.waitFor();
  assert.ok(await dialog.evaluate((d) => d.open));
  await page.fill('#token', 'wrong');
  await page.click('#token-form button[type=submit]');
  await page.locator('#token-error').waitFor();
  await page.fill('#token', 'dashboard-s3cret');
  await page.click('#token-form button[type=submit]');
  await page.locator('#live.on').waitFor();
  assert.ok(!(await dialog.evaluate((d) => d.open)));

  await call(base, `/api/json/cards/groups/get/?${AUTH};id=123`);
  await page.locator('#journal tbody tr', { hasText: 'cards/groups/get' }).waitFor({ timeout: 2000 });
  // Once per tab: a reload does not ask again.
  await page.reload();
  await page.locator('#live.on').waitFor();
  assert.ok(!(await dialog.evaluate((d) => d.open)));
  await context.close();
  assert.deepEqual(problems, []);
});

test('a mutant is announced on every view', async () => {
  const base = await serve('--mutant', 'required-dropped');
  const { page, problems, context } = await open(base, 'faults');
  const banner = page.locator('#mutant');
  await banner.waitFor();
  assert.match(await banner.textContent(), /Mutant required-dropped is active/);
  await context.close();
  assert.deepEqual(problems, []);
});

test('over HTTPS (serve --tls) the dashboard works as over HTTP, and its certificate is really checked', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'enswitch-fake-tls-'));
  const base = await serve('--tls', '--tls-ca-file', join(dir, 'ca.pem'));
  assert.match(base, /^https:\/\/127\.0\.0\.1:/);
  // A browser that has not been told to trust the private CA refuses the page.
  const strict = await browser.newContext();
  const refused = await strict.newPage().then((page) => page.goto(`${base}/_fake/ui/`)).then(
    () => null,
    (error) => error.message,
  );
  await strict.close();
  assert.match(refused ?? 'the page loaded', /ERR_CERT_AUTHORITY_INVALID/);

  // Told to accept it (as a browser trusting ca.pem would), the dashboard runs over HTTPS: its
  // live journal (an event stream) shows a call the page itself makes to the API.
  const { page, problems, context } = await open(base, 'journal', { ignoreHTTPSErrors: true });
  await page.locator('#live.on').waitFor();
  const envelope = await page.evaluate(async (path) => (await fetch(path)).json(),
    `/api/json/cards/groups/get/?${AUTH};id=123`);
  assert.equal(envelope.responses[0].code, '200');
  await page.locator('#journal tbody tr', { hasText: 'cards/groups/get' }).waitFor({ timeout: 2000 });
  await context.close();
  assert.deepEqual(problems, []);
});
