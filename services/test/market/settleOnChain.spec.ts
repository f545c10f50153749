import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { SettleInputSchema, type SettleInput, settleOffChain } from "@gridledger/domain/market";
import { abis } from "@gridledger/protocol";
import { settleBooks } from "../../src/market/settleOnChain.ts";
import { MarketWorkflow } from "../../src/market/workflow.ts";
import { connectChainSession, type ChainSession } from "../../src/chain/session.ts";

const BIN = resolve(import.meta.dirname, "../../bin/gridledger.mjs");

/** Seeded random settle inputs: a few owners, each buying or selling, with random (or no) meters. */
function randomInputs(seed: number, count: number): SettleInput[] {
  const owner = fc.constantFrom("ann", "bo", "cy", "di", "ed", "fay");
  const order = fc.record({
    owner,
    side: fc.constantFrom("buy" as const, "sell" as const),
    price: fc.integer({ min: 90, max: 130 }),
    quantity: fc.integer({ min: 1, max: 3000 }),
  });
  const book = fc.record({
    gridBuyPrice: fc.integer({ min: 100, max: 200 }),
    feedIn: fc.integer({ min: 0, max: 100 }),
    bandBps: fc.integer({ min: 0, max: 2000 }),
    orders: fc.array(order, { minLength: 1, maxLength: 16 }),
    renewableOwners: fc.subarray(["ann", "bo", "cy", "di", "ed", "fay"]),
    meters: fc.dictionary(
      owner,
      fc.record({
        producedWh: fc.integer({ min: 0, max: 6000 }),
        consumedWh: fc.integer({ min: 0, max: 6000 }),
      }),
    ),
  });
  return fc.sample(book, { seed, numRuns: count }).map((b) =>
    SettleInputSchema.parse({
      market: {
        gridBuyPrice: b.gridBuyPrice,
        feedInPrice: Math.min(b.feedIn, b.gridBuyPrice),
        bandBps: b.bandBps,
      },
      orders: b.orders.map((o, i) => ({
        ...o,
        id: `o${i}`,
        renewable: o.side === "sell" && b.renewableOwners.includes(o.owner),
      })),
      meters: Object.fromEntries(
        Object.entries(b.meters).filter(([k]) => b.orders.some((o) => o.owner === k)),
      ),
    }),
  );
}

// One throwaway devnet for the file: the differential test runs the market workflow on it, the
// spawned CLI is pointed at it.
describe("on-chain settlement equals the TypeScript reference", () => {
  let chain: ChainSession;
  beforeAll(async () => {
    chain = await connectChainSession({
      rpcUrl: "http://127.0.0.1:18564",
      deploymentFile: "/nonexistent/deployment.json",
      fallbackPort: 18563,
      log: () => {},
    });
  }, 120_000);
  afterAll(async () => {
    await chain?.close();
  });

  it(
    "agrees on 30 seeded random books with random meters, to the milli-unit",
    { timeout: 600_000 },
    async () => {
      const inputs = randomInputs(7, 30);
      const onChain = await settleBooks(chain, inputs);
      expect(onChain).toHaveLength(inputs.length);
      let compensated = 0;
      inputs.forEach((input, i) => {
        const expected = settleOffChain(input);
        expect(onChain[i], `book ${i}`).toEqual(expected);
        compensated += expected.matches.filter(
          (m) => m.sellerCompensation !== "0" || m.buyerCompensation !== "0",
        ).length;
      });
      expect(compensated).toBeGreaterThan(10); // the meters actually deviate
    },
  );

  it("runs `gridledger auction settle` on a live chain (spawned CLI)", { timeout: 180_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), "gl-settle-onchain-"));
    const file = join(dir, "in.json");
    const input = {
      market: { gridBuyPrice: 300, feedInPrice: 50, bandBps: 500 },
      orders: [
        { id: "s", owner: "alice", side: "sell", price: 100, quantity: 10_000, renewable: true },
        { id: "b", owner: "bob", side: "buy", price: 200, quantity: 10_000 },
      ],
      meters: {
        alice: { producedWh: 7_000, consumedWh: 0 },
        bob: { producedWh: 0, consumedWh: 10_000 },
      },
    };
    writeFileSync(file, JSON.stringify(input));
    const res = spawnSync(process.execPath, [BIN, "auction", "settle", "--input", file], {
      encoding: "utf8",
      timeout: 170_000,
      env: { ...process.env, RPC_URL: chain.rpcUrl, DEPLOYMENT_FILE: chain.deploymentFile },
    });
    expect(res.stderr).toBe("");
    expect(res.status).toBe(0);
    // p = 150; alice short 3 kWh: energy 150·7000 = 1 050 000, she pays (300 − 150)·2500 = 375 000.
    expect(JSON.parse(res.stdout)).toEqual({
      matches: [
        {
          sell: "s",
          buy: "b",
          quantity: 10_000,
          price: 150,
          energy: "1050000",
          sellerCompensation: "375000",
          buyerCompensation: "0",
        },
      ],
      participants: [
        { owner: "alice", net: 675, netMilliUnits: "675000" },
        { owner: "bob", net: -675, netMilliUnits: "-675000" },
      ],
    });
  });
  it("withdraws a participant's available balance after settlement (market workflow)", async () => {
    const wf = new MarketWorkflow(chain);
    // settleBooks' first conventional owner account (bob in the CLI case), settled above.
    const account = 40_000;
    const address = chain.address(account);
    const [balance] = await wf.balances([account]);
    const amount = balance!.available / 1000n;
    expect(amount).toBeGreaterThan(0n);
    const tokenBefore = await chain.publicClient.readContract({
      address: wf.token,
      abi: abis.GridToken,
      functionName: "balanceOf",
      args: [address],
    });
    const { withdrawn, gas } = await wf.withdraw([{ account, amount }]);
    expect(withdrawn).toEqual([{ address, amount }]);
    expect(gas).toBeGreaterThan(21_000);
    const tokenAfter = await chain.publicClient.readContract({
      address: wf.token,
      abi: abis.GridToken,
      functionName: "balanceOf",
      args: [address],
    });
    expect(tokenAfter - tokenBefore).toBe(amount);
  });
});
