/**
 * Headless Chromium for the browser tests: the system browser (Debian's `chromium`, installed by
 * scripts/ensure-chromium.ts when missing), driven by playwright-core. Never a downloaded browser.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, ensureChromium } from '../../scripts/ensure-chromium';

/**
 * Screenshots go to test-results/ on every run; with UPDATE_SCREENSHOTS=1 they replace the README's
 * pictures in docs/screenshots/ (tests never change tracked files otherwise).
 */
export const SCREENSHOT_DIR =
  process.env.UPDATE_SCREENSHOTS === '1' ? join(__dirname, '..', '..', 'docs', 'screenshots') : join(__dirname, '..', '..', 'test-results', 'screenshots');

/** Generous: the first launch after an install, a busy two-core CI machine. */
export const UI_TIMEOUT_MS = 60_000;

export async function launchBrowser(): Promise<Browser> {
  const executablePath = ensureChromium((line) => console.log(`[ensure-chromium] ${line}`));
  // A default launch uses a fresh temporary profile, removed when the browser closes.
  return chromium.launch({ executablePath, args: CHROMIUM_ARGS, timeout: UI_TIMEOUT_MS });
}

export async function newPage(browser: Browser, width = 1280, height = 900): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  page.setDefaultTimeout(UI_TIMEOUT_MS);
  return page;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, name);
  await page.screenshot({ path, fullPage: true });
  return path;
}

