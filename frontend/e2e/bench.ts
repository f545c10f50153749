// `npm run bench:frontend`: production bundle size of the initial route (gzip) and the time to
// first render of the market page in headless Chromium against a real devnet. Writes
// bench-results/frontend.json as {"figures": {"initial_route_gzip_kb", "market_first_render_ms"}}.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import {
  APP_URL,
  CHROMIUM,
  FRONTEND,
  ROOT,
  launchChromium,
  startApp,
  startDevnet,
  stopAll,
} from "./env.ts";

const RUNS = 5;

/** gzip size of everything index.html loads before the first page renders (scripts, preloads, CSS). */
function initialRouteGzipKb(): { kb: number; files: { file: string; gzipKb: number }[] } {
  const dist = path.join(FRONTEND, "dist");
  const html = readFileSync(path.join(dist, "index.html"), "utf8");
  const refs = [...html.matchAll(/(?:src|href)="\/?(assets\/[^"]+\.(?:js|css))"/g)].map(
    (m) => m[1]!,
  );
  const files = [
    { file: "index.html", bytes: readFileSync(path.join(dist, "index.html")) },
    ...[...new Set(refs)].map((f) => ({ file: f, bytes: readFileSync(path.join(dist, f)) })),
  ];
  const sized = files.map((f) => ({
    file: f.file,
    gzipKb: gzipSync(f.bytes, { level: 9 }).length / 1024,
  }));
  return { kb: sized.reduce((s, f) => s + f.gzipKb, 0), files: sized };
}

async function main(): Promise<void> {
  await startDevnet();
  await startApp();
  const size = initialRouteGzipKb();
  let renders: number[] = [];
  if (existsSync(CHROMIUM)) {
    const context = await launchChromium();
    for (let i = 0; i < RUNS; i++) {
      const page = await context.newPage();
      await page.route("**/*", (route) =>
        route.continue({ headers: { ...route.request().headers(), "cache-control": "no-cache" } }),
      );
      const started = Date.now();
      await page.goto(`${APP_URL}/#/market`);
      await page.getByTestId("intervals").waitFor();
      renders.push(Date.now() - started);
      await page.close();
    }
    await context.close();
  } else {
    console.log(`${CHROMIUM} is not installed: market_first_render_ms not measured`);
  }
  renders = renders.sort((a, b) => a - b);
  const median = renders.length ? renders[Math.floor(renders.length / 2)]! : -1;
  const figures = {
    initial_route_gzip_kb: Number(size.kb.toFixed(1)),
    market_first_render_ms: median,
  };
  console.log("\ninitial route (gzip):");
  console.table(size.files.map((f) => ({ file: f.file, "gzip kB": f.gzipKb.toFixed(1) })));
  console.log(`market page first render, ${renders.length} loads (ms): ${renders.join(", ")}`);
  console.table(figures);
  mkdirSync(path.join(ROOT, "bench-results"), { recursive: true });
  writeFileSync(
    path.join(ROOT, "bench-results", "frontend.json"),
    JSON.stringify({ figures }, null, 2) + "\n",
  );
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => void stopAll());
