// What the browser tests share: the binary under test, the system's Chromium launched headless
// (with a fresh profile of playwright's making each time), and the README's screenshots.
//
// ENSWITCH_FAKE_BIN names the binary (default: ../../target/debug/enswitch-fake), CHROMIUM the
// browser (default: chromium on the PATH); SCREENSHOTS=DIR saves the screenshots there.

import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const here = new URL('.', import.meta.url).pathname;

export const BIN = process.env.ENSWITCH_FAKE_BIN || resolve(here, '../../target/debug/enswitch-fake');

const CHROMIUM = process.env.CHROMIUM || execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim();

/** The system's Chromium, headless, without the background traffic this machine refuses. */
export function launchChromium() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync',
    ],
  });
}

/** Saves a screenshot of `what` (a page or one element) as `name` when SCREENSHOTS is set. */
export async function screenshot(what, name) {
  if (process.env.SCREENSHOTS) {
    await what.screenshot({ path: join(process.env.SCREENSHOTS, name) });
  }
}
