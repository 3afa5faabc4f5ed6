// Shared test harness: the built dashboard on a local server, driven in headless Chromium
// (/usr/bin/chromium) by playwright-core. Every console error, page error and failed request is
// recorded; `assertClean` fails the test on any of them.
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { serve } from "./server.mjs";

export const ARTIFACTS = resolve(fileURLToPath(new URL("../../artifacts/www/", import.meta.url)));

export const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
  "--no-first-run", "--disable-component-update", "--disable-sync",
];

/**
 * Samples the JS heap of the page and every Web Worker it has started (CDP Runtime.getHeapUsage
 * on each target) every `everyMs`; `stop()` gives the peak of their sum, in bytes. Wasm memory
 * is not JS heap and is not counted.
 */
export async function heapSampler(session, everyMs = 50) {
  const cdp = await session.context.browser().newBrowserCDPSession();
  let next = 1;
  const waiting = new Map();
  cdp.on("Target.receivedMessageFromTarget", ({ message }) => {
    const m = JSON.parse(message);
    waiting.get(m.id)?.(m.result ?? null);
    waiting.delete(m.id);
  });
  const sessions = new Map();
  const ask = (sessionId) => {
    const id = next++;
    const answer = new Promise((ok) => waiting.set(id, ok));
    cdp.send("Target.sendMessageToTarget", { sessionId, message: JSON.stringify({ id, method: "Runtime.getHeapUsage" }) }).catch(() => waiting.get(id)?.(null));
    return answer;
  };
  let peak = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const { targetInfos } = await cdp.send("Target.getTargets");
      for (const t of targetInfos) {
        if ((t.type === "page" || t.type === "worker") && !sessions.has(t.targetId)) {
          const { sessionId } = await cdp.send("Target.attachToTarget", { targetId: t.targetId, flatten: false }).catch(() => ({}));
          if (sessionId) sessions.set(t.targetId, sessionId);
        }
      }
      const used = await Promise.all([...sessions.values()].map(ask));
      peak = Math.max(peak, used.reduce((sum, u) => sum + (u?.usedSize ?? 0), 0));
      await new Promise((ok) => setTimeout(ok, everyMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      await cdp.detach().catch(() => {});
      return peak;
    },
  };
}

/** `init`: a script run in the page before its own (context.addInitScript). `server`: where the
 *  dashboard is served (`{ url, close }`, e.g. a real worker); default: www/dist on a local server. */
/** The audience panel checks the file at `path`, chosen as a merchant would once the page's
 *  workers are ready; resolves with the peak JS heap (page + workers) while it ran. */
export async function checkAudienceFile(session, path) {
  const { page } = session;
  await page.waitForFunction(() => document.getElementById("audience").dataset.workersReady === "true", null, { timeout: 30_000 });
  const heap = await heapSampler(session);
  await page.locator("#aud-file").setInputFiles(path);
  await page.locator('#audience[data-state="done"]').waitFor({ timeout: 180_000 });
  return heap.stop();
}

export async function open({ viewport = { width: 1280, height: 900 }, query = "", init = null, server: given = null } = {}) {
  await mkdir(ARTIFACTS, { recursive: true });
  const server = given ?? (await serve());
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: CHROMIUM_ARGS });
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  const page = await context.newPage();
  const problems = [];
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console error: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  // The audience Web Workers run under the same CSP (their script's own headers).
  page.on("worker", (w) => w.on("console", (m) => {
    if (m.type() === "error") problems.push(`worker console error: ${m.text()}`);
  }));
  page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ""}`));
  page.on("response", (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  // Nothing may leave the machine: any request not to our server is a failure.
  await page.route("**/*", (route) => {
    const u = route.request().url();
    if (u.startsWith(server.url) || u.startsWith("blob:") || u.startsWith("data:")) return route.continue();
    problems.push(`external request: ${u}`);
    return route.abort();
  });
  if (init) await context.addInitScript(init);
  const response = await page.goto(server.url + query);
  await page.waitForSelector("body[data-ready=true], .boot-error", { state: "attached", timeout: 20_000 }).catch(() => {});
  const bootError = await page.locator(".boot-error").count() ? await page.locator(".boot-error").innerText() : null;
  if (bootError || !(await page.locator("body[data-ready=true]").count())) {
    await browser.close(); await server.close();
    throw new Error(`the dashboard did not start: ${bootError ?? "timeout"}; ${problems.join("; ")}`);
  }
  return {
    page,
    context,
    server,
    problems,
    /** The page's own (document) response. */
    response,
    assertClean() {
      assert.deepEqual(problems, [], "console errors or failed requests");
    },
    async screenshot(name, selector) {
      const path = resolve(ARTIFACTS, `${name}.png`);
      // The sticky top bar would cover part of a scrolled element: unstick it for the picture,
      // through CSSOM (the CSP refuses the <style> that Playwright's `style` option injects).
      const unstick = (on) => page.evaluate((on) => {
        const top = document.querySelector(".top");
        if (on) top?.style.setProperty("position", "static", "important");
        else top?.style.removeProperty("position");
      }, on);
      await unstick(true);
      try {
        if (selector) await page.locator(selector).screenshot({ path });
        else await page.screenshot({ path, fullPage: true });
      } finally {
        await unstick(false);
      }
      return path;
    },
    async close() {
      await browser.close();
      await server.close();
    },
  };
}
