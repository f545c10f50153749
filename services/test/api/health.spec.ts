import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatePrivateKey } from "viem/accounts";
import { createApp } from "../../src/api/app.ts";
import { createServices, type Services } from "../../src/api/createContext.ts";
import { startDevnet, type Devnet } from "../../src/chain/devnet.ts";
import { devnetConfig } from "../helpers/traceStack.ts";

// /v1/health must say "degraded" (503) while a part the deployment needs is off: anchoring
// without a usable key, or the chain indexer stopped (issue #16 item 6).
describe("/v1/health", () => {
  let devnet: Devnet;
  const dirs: string[] = [];
  const open: Services[] = [];

  async function serve(extra: Record<string, string> = {}, indexer = true) {
    const dir = mkdtempSync(path.join(tmpdir(), "gl-health-"));
    dirs.push(dir);
    const services = await createServices(devnetConfig(devnet, dir, extra), undefined, {
      indexer,
      anchorTimer: false,
    });
    open.push(services);
    return { services, app: createApp(services.context) };
  }

  beforeAll(async () => {
    devnet = await startDevnet(18540);
  });
  afterAll(async () => {
    for (const s of open) await s.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    await devnet?.stop();
  });

  it("is ok with anchoring and the indexer running, degraded once the indexer stops", async () => {
    const { services, app } = await serve();
    const ok = await request(app).get("/v1/health").expect(200);
    expect(ok.body.status).toBe("ok");
    expect(ok.body.checks.anchoring).toMatchObject({ ok: true });
    expect(ok.body.checks.indexer).toMatchObject({ ok: true });
    await services.context.indexer!.stop();
    const down = await request(app).get("/v1/health").expect(503);
    expect(down.body.status).toBe("degraded");
    expect(down.body.checks.indexer).toEqual({ ok: false, detail: "stopped" });
  });

  it("is degraded when the anchoring key lacks ANCHORER_ROLE or is absent", async () => {
    const { app } = await serve({ ANCHOR_PRIVATE_KEY: generatePrivateKey() }, false);
    const res = await request(app).get("/v1/health").expect(503);
    expect(res.body.status).toBe("degraded");
    expect(res.body.checks.anchoring.ok).toBe(false);
    expect(res.body.checks.anchoring.detail).toMatch(/lacks ANCHORER_ROLE/);
    // The indexer was switched off on purpose (--no-indexer): that alone is not a fault.
    expect(res.body.checks.indexer.ok).toBe(true);
    expect(res.body.checks.chain.ok).toBe(true);
  });
});
