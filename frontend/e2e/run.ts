// Browser suite: the real app (vite preview) on a real Hardhat devnet with the real API, driven
// by playwright-core in Debian's Chromium. Prints "N passed, N failed"; skipped without Chromium.
import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import path from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import {
  APP_URL,
  CHROMIUM,
  OUTPUT,
  launchChromium,
  startApi,
  startApp,
  startDevnet,
  stopAll,
  type Deployment,
} from "./env.ts";
import { cases, type Suite } from "./cases.ts";

async function main(): Promise<number> {
  if (!existsSync(CHROMIUM)) {
    console.log(`browser suite skipped: ${CHROMIUM} is not installed (apt-get install chromium)`);
    console.log("0 passed, 0 failed, 1 skipped");
    return 0;
  }
  mkdirSync(OUTPUT, { recursive: true });
  for (const old of readdirSync(OUTPUT))
    if (old.startsWith("FAILED-")) rmSync(path.join(OUTPUT, old));
  let passed = 0;
  let failed = 0;
  let context: BrowserContext | undefined;
  try {
    const deployment: Deployment = await startDevnet();
    const api = await startApi();
    await startApp();
    context = await launchChromium();
    const page: Page = await context.newPage();
    page.setDefaultTimeout(20_000);
    const consoleErrors: string[] = [];
    page.on("pageerror", (e) => consoleErrors.push(e.message));
    const suite: Suite = {
      page,
      deployment,
      api,
      appUrl: APP_URL,
      // From the top: a full-page shot of a scrolled page draws the sticky header mid-page.
      shot: (name) =>
        page
          .evaluate(() => window.scrollTo(0, 0))
          .then(() => page.screenshot({ path: path.join(OUTPUT, `${name}.png`), fullPage: true }))
          .then(() => undefined),
    };
    const only = process.env.E2E_ONLY;
    for (const c of cases) {
      if (only && !c.name.includes(only)) continue;
      const started = Date.now();
      try {
        if (c.needsApi && !api) {
          console.log(`- skipped ${c.name} (the REST API is not available)`);
          continue;
        }
        await c.run(suite);
        passed++;
        console.log(`✓ ${c.name} (${Date.now() - started} ms)`);
      } catch (error) {
        failed++;
        console.log(
          `✗ ${c.name}\n    ${(error as Error).message.split("\n").slice(0, 6).join("\n    ")}`,
        );
        await page
          .screenshot({
            path: path.join(OUTPUT, `FAILED-${c.name.replace(/\W+/g, "-")}.png`),
            fullPage: true,
          })
          .catch(() => {});
      }
    }
    if (consoleErrors.length)
      console.log(`page errors:\n  ${consoleErrors.slice(0, 5).join("\n  ")}`);
  } catch (error) {
    failed++;
    console.log(`✗ suite setup\n    ${(error as Error).message}`);
  } finally {
    await context?.close().catch(() => {});
    await stopAll();
  }
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
