/**
 * `npm run bench:market`: gas per placement, clearing gas for N = 10, 100, 1000, 2000 orders
 * (half bids, half asks, about half crossing; one participant per order) and the largest N that
 * clears in one 30,000,000-gas block. Writes bench-results/market.json.
 */
import hre from "hardhat";
import { mkdirSync, writeFileSync } from "node:fs";
import {
  createParticipants,
  deployMarketStack,
  poolSizes,
  runBook,
  type BookOrder,
} from "../market/marketHarness";

/** Deterministic PRNG (mulberry32) so runs are comparable. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Asks and bids uniform in [100, 200]: the clearing price lands near 150 and about half the orders cross. */
function makeBook(n: number, seed: number): BookOrder[] {
  const r = rng(seed);
  const book: BookOrder[] = [];
  for (let i = 0; i < n; i++) {
    const sell = i % 2 === 0;
    book.push({
      id: `o${i}`,
      side: sell ? "sell" : "buy",
      price: 100 + Math.floor(r() * 101),
      quantity: 1000 + Math.floor(r() * 4001),
      renewable: sell && r() < 0.5,
    });
  }
  return book;
}

const BLOCK = 30_000_000n;

async function main() {
  const sizes = (process.env.BENCH_SIZES ?? "10,100,1000,2000").split(",").map(Number);
  const probeEnabled = process.env.BENCH_MAX_PROBE !== "0";
  const need = { renewable: 0, conventional: 0 };
  for (const n of sizes) {
    const p = poolSizes(makeBook(n, n));
    need.renewable = Math.max(need.renewable, p.renewable);
    need.conventional = Math.max(need.conventional, p.conventional);
  }
  const stack = await deployMarketStack(hre);
  process.stderr.write(`creating ${need.renewable + need.conventional} participants...\n`);
  const participants = await createParticipants(hre, stack, need.renewable, need.conventional);
  const rows: {
    n: number;
    placeMean: number;
    clearTotal: bigint;
    perOrder: number;
    matches: number;
  }[] = [];
  let placeSum = 0n;
  let placeCount = 0;
  for (const n of sizes) {
    process.stderr.write(`N=${n}...\n`);
    const book = makeBook(n, n);
    const res = await runBook(hre, stack, participants, book, { gasLimit: BLOCK, settle: true });
    const traded = new Set(res.matches.flatMap((m) => [m.sell, m.buy]));
    const sum = res.placeGas.reduce((a, b) => a + b, 0n);
    placeSum += sum;
    placeCount += res.placeGas.length;
    rows.push({
      n,
      placeMean: Number(sum) / res.placeGas.length,
      clearTotal: res.clearGas,
      perOrder: Number(res.clearGas) / n,
      matches: res.matches.length,
      crossing: traded.size / n,
      settlePerMatch:
        res.matches.length === 0 ? 0 : Number(res.settleGas ?? 0n) / res.matches.length,
    });
  }
  // Largest N in one block: linear fit through N = 1000 and N = 2000, then confirmed on-chain
  // when BENCH_MAX_PROBE allows enough participants (otherwise the fit is reported).
  const a = rows[rows.length - 2]!;
  const b = rows[rows.length - 1]!;
  const slope = (Number(b.clearTotal) - Number(a.clearTotal)) / (b.n - a.n);
  const intercept = Number(a.clearTotal) - slope * a.n;
  let maxOrders = Math.floor((Number(BLOCK) - intercept) / slope);
  let confirmed = false;
  if (probeEnabled) {
    // Confirm on-chain: clear a fresh book of the estimated size in one 30M-gas transaction,
    // stepping down 1 % at a time if it runs out of gas (bounded).
    let probe = maxOrders - (maxOrders % 2);
    for (let attempt = 0; attempt < 5 && !confirmed; attempt++) {
      const book = makeBook(probe, probe);
      const p = poolSizes(book);
      const more = {
        renewable: Math.max(0, p.renewable - participants.renewable.length),
        conventional: Math.max(0, p.conventional - participants.conventional.length),
      };
      process.stderr.write(
        `probe N=${probe} (creating ${more.renewable + more.conventional} more participants)...\n`,
      );
      const extra = await createParticipants(hre, stack, more.renewable, more.conventional);
      participants.renewable.push(...extra.renewable);
      participants.conventional.push(...extra.conventional);
      try {
        const res = await runBook(hre, stack, participants, book, { gasLimit: BLOCK });
        process.stderr.write(`probe N=${probe}: ${res.clearGas} gas in one transaction\n`);
        maxOrders = probe;
        confirmed = true;
      } catch {
        probe = Math.floor(probe * 0.99);
        probe -= probe % 2;
      }
    }
  }
  const table = rows.map((r) => ({
    N: r.n,
    "place gas (mean)": Math.round(r.placeMean),
    "clear gas total": Number(r.clearTotal),
    "clear gas / order": Math.round(r.perOrder),
    matches: r.matches,
    "orders crossing": `${Math.round(r.crossing * 100)} %`,
    "settle gas / match": Math.round(r.settlePerMatch),
  }));
  console.table(table);
  const figures = {
    place_gas_mean: Math.round(Number(placeSum) / placeCount),
    clear_gas_per_order_n1000: Math.round(a.perOrder),
    clear_gas_per_order_n2000: Math.round(b.perOrder),
    max_orders_per_30m_block: maxOrders,
  };
  console.log(figures);
  console.log(
    confirmed
      ? `max_orders_per_30m_block confirmed on-chain (one clear transaction, gas limit 30,000,000)`
      : `max_orders_per_30m_block extrapolated linearly from N = ${a.n} and N = ${b.n} (not confirmed)`,
  );
  mkdirSync("bench-results", { recursive: true });
  writeFileSync("bench-results/market.json", JSON.stringify({ figures }, null, 2) + "\n");
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
