import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import fc from "fast-check";
import { type AuctionInput, type AuctionOrder, matchOrders } from "@gridledger/domain/market";
import { clearBooks } from "../../src/market/clearOnChain.ts";
import { connectChainSession, type ChainSession } from "../../src/chain/session.ts";
import { main } from "../../src/cli/main.ts";

const BIN = resolve(import.meta.dirname, "../../bin/gridledger.mjs");
const dir = mkdtempSync(join(tmpdir(), "gl-auction-spec-"));

/** Runs the CLI in a child process against `chain` (its RPC and deployment file). */
function cli(chain: ChainSession, input: unknown, ...flags: string[]) {
  const file = join(dir, `in-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, typeof input === "string" ? input : JSON.stringify(input));
  const res = spawnSync(process.execPath, [BIN, "auction", "clear", "--input", file, ...flags], {
    encoding: "utf8",
    timeout: 120_000,
    env: { ...process.env, RPC_URL: chain.rpcUrl, DEPLOYMENT_FILE: chain.deploymentFile },
  });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

/** Runs the CLI in this process (fast path for the off-chain and bad-input cases). */
async function cliInProcess(input: unknown, ...flags: string[]) {
  const file = join(dir, `in-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, typeof input === "string" ? input : JSON.stringify(input));
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, "write").mockImplementation((chunk) => (out.push(String(chunk)), true));
  vi.spyOn(process.stderr, "write").mockImplementation((chunk) => (err.push(String(chunk)), true));
  const code = await main(["auction", "clear", "--input", file, ...flags]);
  vi.restoreAllMocks();
  return { code, stdout: out.join(""), stderr: err.join("") };
}

afterEach(() => vi.restoreAllMocks());

const worked: AuctionOrder[] = [
  { id: "R1", side: "sell", price: 100, quantity: 5000, renewable: true },
  { id: "R2", side: "sell", price: 150, quantity: 3000, renewable: true },
  { id: "C1", side: "sell", price: 90, quantity: 4000 },
  { id: "C2", side: "sell", price: 200, quantity: 2000 },
  { id: "B1", side: "buy", price: 250, quantity: 4000 },
  { id: "B2", side: "buy", price: 180, quantity: 3000 },
  { id: "B3", side: "buy", price: 120, quantity: 2000 },
];

describe("gridledger auction clear", () => {
  it("prints the reference matches with --offchain", async () => {
    const res = await cliInProcess({ orders: worked }, "--offchain");
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual({ matches: matchOrders(worked) });
    expect(matchOrders(worked)).toHaveLength(4);
  });

  it.each([
    [{ orders: [{ id: "a", side: "sell", price: 0, quantity: 5 }] }, "orders.0.price"],
    [{ orders: [{ id: "a", side: "hold", price: 1, quantity: 5 }] }, "orders.0.side"],
    [{ orders: [{ id: "a", side: "buy", price: 1, quantity: 1.5 }] }, "orders.0.quantity"],
    [
      { orders: [{ id: "a", side: "buy", price: 1, quantity: 1, renewable: "yes" }] },
      "orders.0.renewable",
    ],
    [
      {
        orders: [
          { id: "a", side: "buy", price: 1, quantity: 1 },
          { id: "a", side: "sell", price: 1, quantity: 1 },
        ],
      },
      "orders.1.id",
    ],
    [{ order: [] }, "orders"],
  ])("rejects malformed input naming the field (%#)", async (input, field) => {
    const res = await cliInProcess(input, "--offchain");
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(field);
  });

  it("rejects a file that is not JSON", async () => {
    const res = await cliInProcess("{orders:", "--offchain");
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("not valid JSON");
  });
});

// One throwaway devnet for the file: the spawned CLI is pointed at it, the differential test
// runs the market workflow on it directly.
describe("on-chain clearing", () => {
  let chain: ChainSession;
  beforeAll(async () => {
    chain = await connectChainSession({
      rpcUrl: "http://127.0.0.1:18562",
      deploymentFile: "/nonexistent/deployment.json",
      fallbackPort: 18561,
      log: () => {},
    });
  }, 120_000);
  afterAll(async () => {
    await chain?.close();
  });

  it("runs the book on a live chain and reports gas (spawned CLI)", { timeout: 180_000 }, () => {
    const res = cli(chain, { orders: worked });
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout) as {
      matches: unknown;
      gas: { place: number; clear: number };
    };
    expect(out.matches).toEqual(matchOrders(worked));
    expect(out.gas.place).toBeGreaterThan(21_000);
    // A sanity bound only (a proxied placeOrder is ~75k); the gas target lives in bench:market.
    expect(out.gas.place).toBeLessThanOrEqual(100_000);
    expect(out.gas.clear).toBeGreaterThan(21_000);
  });

  it(
    "equals the TypeScript reference on 30 random books (seeded)",
    { timeout: 300_000 },
    async () => {
      const order = fc.record({
        side: fc.constantFrom("buy" as const, "sell" as const),
        price: fc.integer({ min: 90, max: 130 }), // narrow range: many ties and crossings
        quantity: fc.integer({ min: 1, max: 3000 }),
        renewable: fc.boolean(),
      });
      const books: AuctionInput[] = fc
        .sample(fc.array(order, { minLength: 0, maxLength: 24 }), { seed: 42, numRuns: 30 })
        .map((raw) => ({ orders: raw.map((o, i) => ({ ...o, id: `o${i}` })) }));
      const onChain = await clearBooks(chain, books);
      expect(onChain).toHaveLength(books.length);
      let total = 0;
      books.forEach((book, i) => {
        const expected = matchOrders(book.orders);
        total += expected.length;
        expect(onChain[i]!.matches, `book ${i}`).toEqual(expected);
      });
      expect(total).toBeGreaterThan(30); // the books actually trade
    },
  );

  it("clears in resumable chunks to the same matches", { timeout: 300_000 }, async () => {
    const order = fc.record({
      side: fc.constantFrom("buy" as const, "sell" as const),
      price: fc.integer({ min: 90, max: 130 }),
      quantity: fc.integer({ min: 1, max: 3000 }),
      renewable: fc.boolean(),
    });
    const books: AuctionInput[] = fc
      .sample(fc.array(order, { minLength: 12, maxLength: 24 }), { seed: 9, numRuns: 5 })
      .map((raw) => ({ orders: raw.map((o, i) => ({ ...o, id: `o${i}` })) }));
    const onChain = await clearBooks(chain, books, { chunk: 4 });
    books.forEach((book, i) =>
      expect(onChain[i]!.matches, `book ${i}`).toEqual(matchOrders(book.orders)),
    );
    expect(books.flatMap((b) => matchOrders(b.orders)).length).toBeGreaterThan(5);
  });
});
