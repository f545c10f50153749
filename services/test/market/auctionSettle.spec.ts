import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.ts";
import { SettleInputSchema, type SettleOutput } from "@gridledger/domain/market";
import { settleOnChain } from "../../src/market/settleOnChain.ts";

// The on-chain path is replaced by a canned result here: this file tests the CLI wiring and the
// off-chain reference, not the contracts.
vi.mock("../../src/market/settleOnChain.ts", () => ({ settleOnChain: vi.fn() }));

const dir = mkdtempSync(join(tmpdir(), "gl-auction-settle-spec-"));

/** Runs `gridledger auction settle --input <file> ...flags` in this process. */
async function settle(input: unknown, ...flags: string[]) {
  const file = join(dir, `in-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, typeof input === "string" ? input : JSON.stringify(input));
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, "write").mockImplementation((chunk) => (out.push(String(chunk)), true));
  vi.spyOn(process.stderr, "write").mockImplementation((chunk) => (err.push(String(chunk)), true));
  const code = await main(["auction", "settle", "--input", file, ...flags]);
  vi.restoreAllMocks();
  return { code, stdout: out.join(""), stderr: err.join("") };
}

afterEach(() => vi.restoreAllMocks());

const market = { gridBuyPrice: 300, feedInPrice: 50, bandBps: 500 };

/**
 * One book: zed (short 30 %) sells 10 000 Wh at 100 to bob (exact, bid 200): p = 150, E = 1 050 000,
 * sellerComp = 375 000 (see settlement.spec.ts). s sells 5 000 at 102 to b1 (3 001 at 199,
 * p = 150) and b2 (1 999 at 196, p = 149) after bob is filled; s produces 3 333 of 5 000.
 */
const input = {
  market,
  orders: [
    { id: "z-sell", owner: "zed", side: "sell", price: 100, quantity: 10_000 },
    { id: "s-sell", owner: "s", side: "sell", price: 102, quantity: 5_000 },
    { id: "bob-buy", owner: "bob", side: "buy", price: 200, quantity: 10_000 },
    { id: "b1-buy", owner: "b1", side: "buy", price: 199, quantity: 3_001 },
    { id: "b2-buy", owner: "b2", side: "buy", price: 196, quantity: 1_999 },
  ],
  meters: {
    zed: { producedWh: 7_000, consumedWh: 0 },
    bob: { producedWh: 0, consumedWh: 10_000 },
    s: { producedWh: 3_333, consumedWh: 0 },
    b1: { producedWh: 0, consumedWh: 3_001 },
    b2: { producedWh: 0, consumedWh: 1_999 },
  },
};

describe("gridledger auction settle --offchain", () => {
  it("prints each match's payments and every participant's net, sorted by owner", async () => {
    const res = await settle(input, "--offchain");
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    // s–b1: p = floor((102 + 199) / 2) = 150, q = 3 001, S = 5 000, A = 1 667:
    //   E = floor(150·3 001·3 333/5 000) = 300 069, sellerComp = floor(150·3 001·0.2834) = 127 572.
    // s–b2: p = floor((102 + 196) / 2) = 149, q = 1 999:
    //   E = floor(149·1 999·3 333/5 000) = 198 547, sellerComp = floor(151·1 999·0.2834) = 85 544.
    expect(JSON.parse(res.stdout)).toEqual({
      matches: [
        {
          sell: "z-sell",
          buy: "bob-buy",
          quantity: 10_000,
          price: 150,
          energy: "1050000",
          sellerCompensation: "375000",
          buyerCompensation: "0",
        },
        {
          sell: "s-sell",
          buy: "b1-buy",
          quantity: 3_001,
          price: 150,
          energy: "300069",
          sellerCompensation: "127572",
          buyerCompensation: "0",
        },
        {
          sell: "s-sell",
          buy: "b2-buy",
          quantity: 1_999,
          price: 149,
          energy: "198547",
          sellerCompensation: "85544",
          buyerCompensation: "0",
        },
      ],
      participants: [
        { owner: "b1", net: -172.497, netMilliUnits: "-172497" },
        { owner: "b2", net: -113.003, netMilliUnits: "-113003" },
        { owner: "bob", net: -675, netMilliUnits: "-675000" },
        { owner: "s", net: 285.5, netMilliUnits: "285500" },
        { owner: "zed", net: 675, netMilliUnits: "675000" },
      ],
    } satisfies SettleOutput);
  });

  it("settles owners without a reading as missing and omitted meters as none", async () => {
    const { meters: _m, ...noMeters } = input;
    const res = await settle(noMeters, "--offchain");
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout) as SettleOutput;
    // Every seller is fully short: no energy paid, 95 % of the shortfall compensated.
    expect(out.matches.map((m) => m.energy)).toEqual(["0", "0", "0"]);
    expect(out.participants.find((p) => p.owner === "zed")).toEqual({
      owner: "zed",
      net: -1425,
      netMilliUnits: "-1425000",
    });
  });

  it("applies the defaults of bondRate and minQuantityWh", () => {
    expect(SettleInputSchema.parse(input).market).toEqual({
      ...market,
      bondRate: 1,
      minQuantityWh: 1,
    });
  });
});

describe("gridledger auction settle (on-chain path)", () => {
  it("hands the parsed input to settleOnChain and prints its result", async () => {
    const canned: SettleOutput = { matches: [], participants: [] };
    vi.mocked(settleOnChain).mockResolvedValueOnce(canned);
    const res = await settle(input);
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual(canned);
    expect(settleOnChain).toHaveBeenCalledWith(SettleInputSchema.parse(input));
  });

  it("exits 1 with the on-chain error", async () => {
    vi.mocked(settleOnChain).mockRejectedValueOnce(new Error("on-chain settle not wired yet"));
    const res = await settle(input);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("on-chain settle not wired yet");
  });
});

describe("gridledger auction settle: bad input", () => {
  const withOrder = (i: number, patch: Record<string, unknown>) => ({
    ...input,
    orders: input.orders.map((o, k) => (k === i ? { ...o, ...patch } : o)),
  });
  const withMarket = (patch: Record<string, unknown>) => ({
    ...input,
    market: { ...market, ...patch },
  });

  it.each([
    [withMarket({ feedInPrice: 301 }), "market.feedInPrice"],
    [withMarket({ bandBps: 10_001 }), "market.bandBps"],
    [withMarket({ gridBuyPrice: -1 }), "market.gridBuyPrice"],
    [withMarket({ bondRate: 1.5 }), "market.bondRate"],
    [withMarket({ minQuantityWh: 2_000 }), "orders.4.quantity"],
    [{ ...input, market: undefined }, "market"],
    [withOrder(3, { owner: "" }), "orders.3.owner"],
    [withOrder(3, { owner: "x".repeat(65) }), "orders.3.owner"],
    [withOrder(3, { owner: undefined }), "orders.3.owner"],
    [withOrder(1, { id: "z-sell" }), "orders.1.id"],
    [withOrder(2, { price: 0 }), "orders.2.price"],
    [
      { ...input, orders: [...input.orders, { ...input.orders[0]!, id: "z2", renewable: true }] },
      "orders.5.renewable",
    ],
    [
      { ...input, meters: { ...input.meters, nobody: { producedWh: 1, consumedWh: 1 } } },
      "meters.nobody",
    ],
    [{ ...input, meters: { zed: { producedWh: -1, consumedWh: 0 } } }, "meters.zed.producedWh"],
    [{ ...input, meters: { zed: { producedWh: 1 } } }, "meters.zed.consumedWh"],
  ])("rejects malformed input naming the field (%#)", async (bad, field) => {
    const res = await settle(bad, "--offchain");
    expect(res.code).toBe(1);
    expect(res.stdout).toBe("");
    expect(res.stderr).toContain(field);
  });

  it("accepts one owner's buys next to its renewable sells", async () => {
    const mixed = {
      ...input,
      orders: [
        ...input.orders.map((o) => (o.owner === "zed" ? { ...o, renewable: true } : o)),
        { id: "z-buy", owner: "zed", side: "buy", price: 1, quantity: 10 },
      ],
    };
    expect((await settle(mixed, "--offchain")).code).toBe(0);
  });
});
