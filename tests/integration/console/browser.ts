/**
 * Headless Chromium (Debian's package, installed by scripts/console/chromium.ts when missing) driven by
 * playwright-core, for the console's page tests; screenshots go to .cache/console-screenshots/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ensureChromium } from '../../../scripts/console/chromium.js';
import { testenv } from '../../harness/kube.js';

export async function launchChromium(): Promise<Browser> {
  const executablePath = await ensureChromium();
  // --no-sandbox: the tests run as root, where Chromium's sandbox refuses to start.
  return chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
}

export function screenshotDir(): string {
  const dir = join(testenv().root, '.cache', 'console-screenshots');
  mkdirSync(dir, { recursive: true });
  return dir;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  const path = join(screenshotDir(), `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Fails the test on any error the page's script throws (a page that renders half is a broken page). */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  return errors;
}
