// The one way the tests start Chromium (Debian's, driven by playwright-core).
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox'] });
}

const SCREENSHOTS = join(process.env.DATA_DIR ?? '.data', 'screenshots');

/** A page's picture for people to look at (.data/screenshots, git-ignored; Playwright makes the folder). */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
