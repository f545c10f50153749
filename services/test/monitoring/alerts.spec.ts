import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/api/app.ts";
import { createServices, type Services } from "../../src/api/createContext.ts";
import { startDevnet, type Devnet } from "../../src/chain/devnet.ts";
import { connectChainSession, type ChainSession } from "../../src/chain/session.ts";
import { AllianceService } from "../../src/governance/alliance.ts";
import type { WebhookPayload } from "../../src/monitoring/alertEvaluator.ts";
import { devnetConfig } from "../helpers/traceStack.ts";

// Issue #14 item 4: the in-process alerts fire, reach the webhook and resolve, on a real devnet.
describe("in-process alerts on a devnet", () => {
  let devnet: Devnet;
  let session: ChainSession;
  let services: Services;
  let hook: Server;
  const received: WebhookPayload[] = [];
  const dir = mkdtempSync(path.join(tmpdir(), "gl-alerts-"));

  beforeAll(async () => {
    hook = createServer((req, res) => {
      let text = "";
      req.on("data", (d: Buffer) => (text += d.toString()));
      req.on("end", () => {
        received.push(JSON.parse(text) as WebhookPayload);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => hook.listen(18591, "127.0.0.1", r));
    devnet = await startDevnet(18590);
    session = await connectChainSession({
      rpcUrl: devnet.rpcUrl,
      deploymentFile: devnet.deploymentFile,
      log: () => {},
    });
    services = await createServices(
      devnetConfig(devnet, dir, {
        ALERT_FOR_S: "0",
        ALERT_ANCHOR_QUEUE_AGE_S: "1",
        ALERT_WEBHOOK_URL: "http://127.0.0.1:18591/hook",
      }),
      undefined,
      { anchorTimer: false, alertTimer: false },
    );
  }, 240_000);
  afterAll(async () => {
    await services?.close();
    await session?.close();
    await devnet?.stop();
    await new Promise((r) => hook?.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  const statusOf = (name: string) =>
    received.flatMap((p) =>
      p.alerts.filter((a) => a.labels.alertname === name).map((a) => a.status),
    );

  it("raises GovernanceProposalsWaiting for an open proposal and resolves it once defeated", async () => {
    const monitor = services.context.monitor!;
    const app = createApp(services.context);
    await monitor.refresh();
    expect(monitor.evaluator.firing).not.toContain("GovernanceProposalsWaiting");
    await session.increaseTime(1);
    await new AllianceService(session).propose(0, {
      description: "TDVA tolerance band 700 bps",
      calls: [{ contract: "DispatchRegistry", function: "setToleranceBand", args: [700] }],
    });
    await monitor.refresh();
    await monitor.evaluator.drain();
    expect(statusOf("GovernanceProposalsWaiting")).toEqual(["firing"]);
    const listed = await request(app).get("/v1/alerts?status=firing").expect(200);
    expect(listed.body.alerts).toContainEqual(
      expect.objectContaining({ name: "GovernanceProposalsWaiting", severity: "info", value: 1 }),
    );
    const metrics = await request(app).get("/metrics").expect(200);
    expect(metrics.text).toMatch(/gridledger_governance_proposals\{state="Pending"\} 1/);
    expect(metrics.text).toMatch(
      /gridledger_api_requests_total\{method="GET",route="\/v1\/alerts",status="200"\} 1/,
    );
    // No votes and the voting period over: Defeated, nothing waits any more.
    await session.increaseTime(3_700);
    await monitor.refresh();
    await monitor.evaluator.drain();
    expect(statusOf("GovernanceProposalsWaiting")).toEqual(["firing", "resolved"]);
    const after = await request(app).get("/v1/alerts").expect(200);
    expect(after.body.alerts).toContainEqual(
      expect.objectContaining({ name: "GovernanceProposalsWaiting", status: "resolved" }),
    );
    await request(app).get("/v1/alerts?status=nope").expect(400);
  }, 120_000);

  it("raises AnchoringQueueTooOld while a record waits and resolves it once anchored", async () => {
    const monitor = services.context.monitor!;
    await services.context.trace.recordEvents(
      [
        {
          id: "evt-alert-1",
          type: "produced",
          at: "2026-01-05T10:00:00Z",
          actor: session.address(0),
          outputs: ["B-alert-1"],
        },
      ],
      { address: session.address(0), isOperator: true },
    );
    await new Promise((r) => setTimeout(r, 1_200));
    await monitor.refresh();
    await monitor.evaluator.drain();
    expect(statusOf("AnchoringQueueTooOld")).toEqual(["firing"]);
    await services.context.batcher.flush();
    await monitor.refresh();
    await monitor.evaluator.drain();
    expect(statusOf("AnchoringQueueTooOld")).toEqual(["firing", "resolved"]);
    const last = received.at(-1)!;
    expect(last).toMatchObject({ version: "4", receiver: "gridledger", status: "resolved" });
  }, 120_000);
});
