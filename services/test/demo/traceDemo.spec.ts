import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadConfig } from "../../src/config/config.ts";
import { connectChainSession, type ChainSession } from "../../src/chain/session.ts";
import { renderTraceReport, runTraceDemo, type TraceDemoReport } from "../../src/demo/traceDemo.ts";

// The 004 scenario on a real throwaway devnet with the embedded stores (Helia + Kùzu).
describe("demo trace", () => {
  let chain: ChainSession;
  let report: TraceDemoReport;

  beforeAll(async () => {
    chain = await connectChainSession({
      rpcUrl: "http://127.0.0.1:18796",
      deploymentFile: "/nonexistent/deployment.json",
      fallbackPort: 18795,
      log: () => {},
    });
    const dataDir = mkdtempSync(path.join(tmpdir(), "gl-trace-spec-"));
    report = await runTraceDemo(
      chain,
      loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: "silent" }),
      () => {},
    );
  }, 240_000);

  afterAll(async () => {
    await chain?.close();
  });

  it("verifies every stored record against the on-chain Merkle root", () => {
    expect(report.verified).toHaveLength(report.records);
    expect(report.verified.every((v) => v.verdict === "verified")).toBe(true);
    expect(report.allVerified).toBe(true);
    expect(report.anchor.root).toMatch(/^0x[0-9a-f]{64}$/);
  });

  it("traces the installed system back to all three equipment suppliers", () => {
    expect(report.downstream.reachesSite).toBe(true);
    // cells, glass and board suppliers, the manufacturer and the installer
    expect(report.upstream.suppliers).toHaveLength(5);
    expect(report.upstream.depth).toBeGreaterThanOrEqual(3);
  });

  it("reports the record edited in the graph as tampered, with the reason", () => {
    expect(report.tamper.verdict).toBe("tampered");
    expect(report.tamper.reasons.join(" ")).toMatch(/differs from the document/);
  });

  it("catches a supply edge forged into the graph with the auditor's verified trace", () => {
    expect(report.auditedTrace.before).toBe("verified");
    expect(report.auditedTrace.edges).toBeGreaterThan(10);
    expect(report.auditedTrace.after).toBe("tampered");
    expect(report.auditedTrace.problems).toEqual([
      { edge: report.auditedTrace.forgedEdge, reasons: ["no record states this edge"] },
    ]);
  });

  it("renders the HTML report", () => {
    expect(renderTraceReport(report)).toContain("tampered");
  });
});
