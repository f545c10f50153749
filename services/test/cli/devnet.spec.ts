import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { IntervalKind } from "@gridledger/protocol";
import { connectChainSession, type ChainSession } from "../../src/chain/session.ts";
import { MarketWorkflow } from "../../src/market/workflow.ts";
import { main } from "../../src/cli/main.ts";

/** Runs the CLI in this process against `chain` (its RPC and deployment file). */
async function cli(chain: ChainSession, ...argv: string[]) {
  const saved = { rpc: process.env.RPC_URL, file: process.env.DEPLOYMENT_FILE };
  process.env.RPC_URL = chain.rpcUrl;
  process.env.DEPLOYMENT_FILE = chain.deploymentFile;
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, "write").mockImplementation((chunk) => (out.push(String(chunk)), true));
  vi.spyOn(process.stderr, "write").mockImplementation((chunk) => (err.push(String(chunk)), true));
  try {
    const code = await main(["devnet", ...argv]);
    return { code, stdout: out.join(""), stderr: err.join("") };
  } finally {
    vi.restoreAllMocks();
    process.env.RPC_URL = saved.rpc;
    process.env.DEPLOYMENT_FILE = saved.file;
  }
}

afterEach(() => vi.restoreAllMocks());

describe("gridledger devnet", () => {
  let chain: ChainSession;
  beforeAll(async () => {
    chain = await connectChainSession({
      rpcUrl: "http://127.0.0.1:18617",
      deploymentFile: "/nonexistent/deployment.json",
      fallbackPort: 18616,
      log: () => {},
    });
  }, 120_000);
  afterAll(async () => {
    await chain?.close();
  });

  it("shows chain time, and no interval on a fresh market", async () => {
    const res = await cli(chain, "time");
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout);
    expect(out.chainTime).toBe(await chain.latestTimestamp());
    expect(out.timeTravel).toBe(true);
    expect(out.interval).toBeUndefined();
    expect((await cli(chain, "advance", "--to", "gate")).stderr).toContain("no interval yet");
  });

  it(
    "moves the clock past gate, then settlement, and never back",
    { timeout: 60_000 },
    async () => {
      const wf = new MarketWorkflow(chain);
      const start = (await chain.latestTimestamp()) + 1_800;
      const { periodIds } = await wf.openPeriods([
        {
          start,
          duration: 900,
          meteringWindow: 3_600,
          gridBuyPrice: 1_000_000,
          feedInPrice: 1,
          bandBps: 500,
          bondRate: 1,
          minQuantityWh: 1,
        },
      ]);
      const gate = start - 300;
      const { intervalIds } = await wf.openIntervals([
        { periodId: periodIds[0]!, kind: IntervalKind.DayAhead, gateClosure: gate },
      ]);

      const shown = JSON.parse((await cli(chain, "time")).stdout);
      expect(BigInt(shown.interval.id)).toBe(intervalIds[0]);
      expect(shown.interval.gate.at).toBe(gate);
      expect(shown.interval.delivery.at).toBe(start + 900);
      expect(shown.interval.settlement.at).toBe(start + 900 + 3_600);
      expect(shown.interval.gate.in).toBeGreaterThan(0);

      const toGate = JSON.parse((await cli(chain, "advance", "--to", "gate")).stdout);
      expect(toGate.after).toBeGreaterThan(gate);
      expect(toGate.after).toBeLessThan(gate + 10);
      expect(await chain.latestTimestamp()).toBe(toGate.after);

      const toSettlement = JSON.parse(
        (await cli(chain, "advance", "--to", "settlement", "--interval", String(intervalIds[0])))
          .stdout,
      );
      expect(toSettlement.after).toBeGreaterThan(start + 900 + 3_600);

      const back = JSON.parse((await cli(chain, "advance", "--to", "gate")).stdout);
      expect(back.advancedSeconds).toBe(0);

      const by = JSON.parse((await cli(chain, "advance", "--to", "120")).stdout);
      expect(by.after - by.before).toBeGreaterThanOrEqual(120);
      expect(by.after - by.before).toBeLessThan(125);
    },
  );

  it.each([
    [["advance", "--to", "tomorrow"], "--to must be"],
    [["advance", "--to", "0"], "--to must be"],
    [["advance", "--to", "-5"], "--to must be"],
    [["advance", "--to", "gate", "--interval", "x1"], "--interval must be"],
    [["advance", "--to", "gate", "--interval", "999"], "no such interval"],
    [["time", "--interval", "0"], "--interval must be"],
  ])("refuses bad arguments with a message and exit 1 (%#)", async (argv, message) => {
    const before = await chain.latestTimestamp();
    const res = await cli(chain, ...argv);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(message);
    expect(res.stdout).toBe("");
    expect(await chain.latestTimestamp()).toBe(before);
  });
});
