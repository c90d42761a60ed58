// Debian's chromium driven by playwright-core, for the web chat's browser tests: a fresh profile per
// launch, headless, and every wait bounded.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";

export interface LaunchedBrowser {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/** A phone as the browser shows it to the page: a touch screen with no mouse, a mobile user agent, 3 device pixels a CSS pixel. */
export const PHONE_PROFILE = {
  isMobile: true,
  hasTouch: true,
  deviceScaleFactor: 3,
  userAgent: "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36",
} as const;

/**
 * `waitMs` bounds every browser wait (playwright's default is 30 s); `viewport` defaults to a desktop window (a phone: 390×844);
 * `phone`: the page sees a phone (PHONE_PROFILE: touch, no hover, `page.tap` works).
 */
export async function launchChromium(options: { profilePrefix: string; waitMs?: number; viewport?: { width: number; height: number }; phone?: boolean }): Promise<LaunchedBrowser> {
  if (!existsSync(CHROMIUM)) throw new Error(`the browser test needs Debian's chromium at ${CHROMIUM}: apt-get install -y chromium (.ci/run does)`);
  const userDataDir = mkdtempSync(join(tmpdir(), options.profilePrefix));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    viewport: options.viewport ?? { width: 1360, height: 860 },
    ...(options.phone ? PHONE_PROFILE : {}),
    ...(options.waitMs ? { timeout: options.waitMs } : {}),
  });
  if (options.waitMs) context.setDefaultTimeout(options.waitMs);
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    close: async () => {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
