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

/** Asks uniform in [100, 200], bids in [150, 250]: about half the orders cross. */
function makeBook(n: number, seed: number): BookOrder[] {
  const r = rng(seed);
  const book: BookOrder[] = [];
  for (let i = 0; i < n; i++) {
    const sell = i % 2 === 0;
    book.push({
      id: `o${i}`,
      side: sell ? "sell" : "buy",
      price: sell ? 100 + Math.floor(r() * 101) : 150 + Math.floor(r() * 101),
      quantity: 1000 + Math.floor(r() * 4001),
      renewable: sell && r() < 0.5,
    });
  }
  return book;
}

const BLOCK = 30_000_000n;

async function main() {
  const sizes = (process.env.BENCH_SIZES ?? "10,100,1000,2000").split(",").map(Number);
  const extra = Number(process.env.BENCH_MAX_PROBE ?? "0");
  const need = { renewable: 0, conventional: 0 };
  for (const n of [...sizes, extra]) {
    const p = poolSizes(makeBook(n, n));
    need.renewable = Math.max(need.renewable, p.renewable + 50);
    need.conventional = Math.max(need.conventional, p.conventional + 50);
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
    const res = await runBook(hre, stack, participants, makeBook(n, n), { gasLimit: BLOCK });
    const sum = res.placeGas.reduce((a, b) => a + b, 0n);
    placeSum += sum;
    placeCount += res.placeGas.length;
    rows.push({
      n,
      placeMean: Number(sum) / res.placeGas.length,
      clearTotal: res.clearGas,
      perOrder: Number(res.clearGas) / n,
      matches: res.matches.length,
    });
  }
  // Largest N in one block: linear fit through N = 1000 and N = 2000, then confirmed on-chain
  // when BENCH_MAX_PROBE allows enough participants (otherwise the fit is reported).
  const a = rows[rows.length - 2]!;
  const b = rows[rows.length - 1]!;
  const slope = (Number(b.clearTotal) - Number(a.clearTotal)) / (b.n - a.n);
  const intercept = Number(a.clearTotal) - slope * a.n;
  let maxOrders = Math.floor((Number(BLOCK) - intercept) / slope);
  if (extra > 0) {
    let probe = Math.min(maxOrders, extra);
    probe -= probe % 2;
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const res = await runBook(hre, stack, participants, makeBook(probe, probe), {
          gasLimit: BLOCK,
        });
        process.stderr.write(`probe N=${probe}: ${res.clearGas} gas\n`);
        maxOrders = probe;
        break;
      } catch {
        probe = Math.floor(probe * 0.98);
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
  }));
  console.table(table);
  const figures = {
    place_gas_mean: Math.round(Number(placeSum) / placeCount),
    clear_gas_per_order_n1000: Math.round(a.perOrder),
    clear_gas_per_order_n2000: Math.round(b.perOrder),
    max_orders_per_30m_block: maxOrders,
  };
  console.log(figures);
  mkdirSync("bench-results", { recursive: true });
  writeFileSync("bench-results/market.json", JSON.stringify({ figures }, null, 2) + "\n");
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
