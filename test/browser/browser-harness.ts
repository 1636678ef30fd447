import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { type ServerType, serve } from "@hono/node-server";
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect } from "vitest";
import { freePort } from "../free-port";
import { createHarness, type Harness } from "../harness";
import { describeMissingTools } from "../missing-tools";

/** Debian's Chromium (CI installs it with apt); never a browser downloaded by Playwright. */
const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const chromiumFound = existsSync(CHROMIUM_PATH);
export const SCREENSHOT_DIR = path.resolve("test-results", "screenshots");

/** A suite of browser stories; without Chromium, skipped with the reason (and failing in CI). */
export function describeInChromium(name: string, stories: () => void): void {
  if (chromiumFound) describe(name, stories);
  else describeMissingTools(name, `no Chromium at ${CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_PATH)`);
}

/** The sheet a flow opens over the chat (a dialog). */
export const sheet = (page: Page) => page.getByRole("dialog");

/** A guard against a hung page, not a sleep: waits end as soon as the page shows what they wait for. */
export const UI_WAIT_MS = 20_000;
/** How long one story (or opening and closing its world) may take. */
export const STORY_TIMEOUT_MS = 120_000;

const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

export type BrowserWorld = {
  h: Harness;
  /** http://localhost:<port>: passkeys need a host name, not 127.0.0.1. */
  baseUrl: string;
  browser: Browser;
  /** Uncaught script errors from any page: a story asserts there were none. */
  pageErrors: string[];
  /** A fresh profile (its own localStorage, cookies, authenticators) for one person. */
  person(options?: { width?: number; height?: number }): Promise<{ context: BrowserContext; page: Page }>;
  close(): Promise<void>;
};

/**
 * The real app on a real listener (the harness's app: its own database, the Stripe emulator,
 * webhooks delivered in-process) and a headless Chromium driving it over HTTP. `open` builds the
 * harness (a variant with more emulators, say) from the environment the world needs.
 */
export async function openBrowserWorld<H extends Harness = Harness>(
  open: (env: Record<string, string>) => Promise<H> = createHarness as (env: Record<string, string>) => Promise<H>,
): Promise<BrowserWorld & { h: H }> {
  const port = await freePort();
  const baseUrl = `http://localhost:${port}`;
  const h = await open({ WEBAUTHN_ORIGINS: baseUrl });
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: h.app.fetch, hostname: "127.0.0.1", port }, () => resolve(s));
  });
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    // Chromium would also try ::1 for localhost, where nothing listens.
    args: [...CHROMIUM_ARGS, "--host-resolver-rules=MAP localhost 127.0.0.1"],
  });
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];
  return {
    h,
    baseUrl,
    browser,
    pageErrors,
    async person(options = {}) {
      const context = await browser.newContext({
        viewport: { width: options.width ?? 390, height: options.height ?? 844 },
        locale: "en-US",
        timezoneId: "UTC",
      });
      contexts.push(context);
      context.setDefaultTimeout(UI_WAIT_MS);
      const page = await context.newPage();
      page.on("pageerror", (err) => pageErrors.push(err.message));
      await page.goto(baseUrl);
      return { context, page };
    },
    async close() {
      for (const context of contexts) await context.close().catch(() => undefined);
      await browser.close();
      // Open event streams would keep the listener from closing.
      h.deps.events.closeAll();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        "closeAllConnections" in server && server.closeAllConnections();
      });
      await h.close();
    },
  };
}

/**
 * A describe block's world: opened before its stories (setUp then opens the people's pages),
 * closed after them, and each story fails if any page threw an uncaught script error. Returns
 * the world once opened.
 */
export function useBrowserWorld<H extends Harness = Harness>(
  setUp: (world: BrowserWorld & { h: H }) => Promise<void>,
  open?: (env: Record<string, string>) => Promise<H>,
): () => BrowserWorld & { h: H } {
  let world: (BrowserWorld & { h: H }) | undefined;
  beforeAll(async () => {
    world = await openBrowserWorld(open);
    await setUp(world);
  }, STORY_TIMEOUT_MS);
  afterAll(async () => {
    await world?.close();
  }, STORY_TIMEOUT_MS);
  afterEach(() => {
    expect(world?.pageErrors).toEqual([]);
  });
  return () => {
    if (!world) throw new Error("the browser world did not open");
    return world;
  };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: false });
}

/** Waits until the locator is visible and returns it. */
export async function visible(locator: Locator): Promise<Locator> {
  await locator.first().waitFor({ state: "visible" });
  return locator.first();
}

/**
 * From now on, notes the label of every PIN pad the page shows, in order (read back with
 * pinPadsShown): how a story tells how many times a person was asked for their PIN. A string,
 * because it runs in the page, whose DOM types this Node-side code does not have.
 */
export async function recordPinPads(page: Page): Promise<void> {
  await page.evaluate(`(() => {
    const shown = [];
    window.pinPadsShown = shown;
    new MutationObserver((records) => {
      for (const record of records) {
        for (const node of record.addedNodes) {
          if (!(node instanceof Element)) continue;
          const pads = node.matches(".pin-pad") ? [node] : [...node.querySelectorAll(".pin-pad")];
          for (const pad of pads) shown.push(pad.querySelector("label")?.textContent ?? "");
        }
      }
    }).observe(document.body, { childList: true, subtree: true });
  })()`);
}

export async function pinPadsShown(page: Page): Promise<string[]> {
  return (await page.evaluate("window.pinPadsShown")) as string[];
}

/** Whether the chat's newest message is wholly on screen: above the composer and inside the viewport. */
export async function newestMessageInView(page: Page): Promise<boolean> {
  const [last, composer] = await Promise.all([
    page.locator(".messages > li").last().boundingBox(),
    page.locator("form.composer").boundingBox(),
  ]);
  const viewport = page.viewportSize();
  if (!last || !composer || !viewport) return false;
  const bottom = last.y + last.height;
  return last.y >= 0 && bottom <= composer.y && bottom <= viewport.height;
}

/** Whether two elements' boxes are apart (a toast and the card it must not cover). */
export async function apart(a: Locator, b: Locator): Promise<boolean> {
  const [boxA, boxB] = await Promise.all([a.boundingBox(), b.boundingBox()]);
  if (!boxA || !boxB) return false;
  return (
    boxA.y + boxA.height <= boxB.y ||
    boxB.y + boxB.height <= boxA.y ||
    boxA.x + boxA.width <= boxB.x ||
    boxB.x + boxB.width <= boxA.x
  );
}

/** Signs in as a demo person and agrees on the first-run screen (the terms and payments), as a new person does. */
export async function signInAs(page: Page, name: string): Promise<void> {
  await page.getByRole("button", { name: `Sign in as ${name}` }).click();
  await visible(page.getByRole("heading", { name: "Before you start" }));
  await page.getByRole("button", { name: "Agree and continue" }).click();
}
