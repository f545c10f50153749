/**
 * `npm run bench:market`: gas per placement, clearing and tally + settlement gas for N = 10, 100,
 * 1000, 2000 orders (half bids, half asks, about half crossing; one participant per order) and
 * the largest N whose clearing fits one 30,000,000-gas block under Osaka's 2^24 per-transaction
 * cap. Writes bench-results/market.json.
 */
import hre from "hardhat";
import { mkdirSync, writeFileSync } from "node:fs";
import {
  TX_GAS_CAP,
  createParticipants,
  deployMarketStack,
  poolSizes,
  runBook,
  type BookOrder,
  type ParticipantPools,
} from "../market/marketHarness";
import { seededRandom as rng } from "../../test/helpers/random";

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

const BLOCK = 30_000_000;
/** Ids per list per clearChunk call: ≤ 3 × 500 ids stays below Osaka's 2^24 gas per transaction. */
const CHUNK = 500;

/** Seeded meter readings: each participant meters 80-105 % of its order's quantity. */
function makeMeters(book: BookOrder[], seed: number): Map<string, number> {
  const r = rng(seed ^ 0x5eed);
  return new Map(book.map((o) => [o.id, Math.floor(o.quantity * (0.8 + 0.25 * r()))]));
}

/**
 * Runs on Hardhat's default hardfork (Osaka: at most 2^24 gas per transaction) with its 30M
 * block gas limit, so every clearing is a series of clearChunk transactions.
 */
async function main() {
  const sizes = (process.env.BENCH_SIZES ?? "10,100,1000,2000").split(",").map(Number);
  const probeFrom = Number(process.env.BENCH_PROBE_FROM ?? 3000);
  const probeStep = Number(process.env.BENCH_PROBE_STEP ?? 250);
  const probeEnabled = process.env.BENCH_MAX_PROBE !== "0";
  const stack = await deployMarketStack(hre);
  const participants: ParticipantPools = { renewable: [], conventional: [] };
  const ensure = async (book: BookOrder[]) => {
    const p = poolSizes(book);
    const more = {
      renewable: Math.max(0, p.renewable - participants.renewable.length),
      conventional: Math.max(0, p.conventional - participants.conventional.length),
    };
    if (more.renewable + more.conventional === 0) return;
    process.stderr.write(`creating ${more.renewable + more.conventional} participants...\n`);
    const extra = await createParticipants(hre, stack, more.renewable, more.conventional);
    participants.renewable.push(...extra.renewable);
    participants.conventional.push(...extra.conventional);
  };
  const rows: {
    n: number;
    placeMean: number;
    clearTotal: bigint;
    clearTxs: number;
    settleTotal: bigint;
    matches: number;
    crossing: number;
  }[] = [];
  let placeSum = 0n;
  let placeCount = 0;
  for (const n of sizes) {
    process.stderr.write(`N=${n}...\n`);
    const book = makeBook(n, n);
    await ensure(book);
    const res = await runBook(hre, stack, participants, book, {
      gasLimit: TX_GAS_CAP,
      chunk: CHUNK,
      settle: true,
      meters: makeMeters(book, n),
    });
    const traded = new Set(res.matches.flatMap((m) => [m.sell, m.buy]));
    const sum = res.placeGas.reduce((a, b) => a + b, 0n);
    placeSum += sum;
    placeCount += res.placeGas.length;
    rows.push({
      n,
      placeMean: Number(sum) / res.placeGas.length,
      clearTotal: res.clearGas,
      clearTxs: res.clearTxs,
      settleTotal: res.settleGas ?? 0n,
      matches: res.matches.length,
      crossing: traded.size / n,
    });
  }
  // Largest book whose chunked clearing fits one 30M-gas block: step N up until the sum of its
  // clearChunk transactions (each ≤ 2^24 gas) exceeds the block, measured on-chain each time.
  let maxOrders = 0;
  let firstMiss = 0;
  if (probeEnabled) {
    for (let n = probeFrom; n <= 20_000; n += probeStep) {
      const book = makeBook(n, n);
      await ensure(book);
      const res = await runBook(hre, stack, participants, book, {
        gasLimit: TX_GAS_CAP,
        chunk: CHUNK,
      });
      process.stderr.write(`probe N=${n}: ${res.clearGas} gas in ${res.clearTxs} transactions\n`);
      if (res.clearGas > BigInt(BLOCK)) {
        firstMiss = n;
        break;
      }
      maxOrders = n;
    }
  }
  const table = rows.map((r) => ({
    N: r.n,
    "place gas (mean)": Math.round(r.placeMean),
    "clear gas / order": Math.round(Number(r.clearTotal) / r.n),
    "clear txs": r.clearTxs,
    "tally + settle gas / order": Math.round(Number(r.settleTotal) / r.n),
    matches: r.matches,
    "orders crossing": `${Math.round(r.crossing * 100)} %`,
  }));
  console.table(table);
  const at = (n: number) => rows.find((r) => r.n === n);
  const r1000 = at(1000);
  const r2000 = at(2000);
  const figures: Record<string, number> = {
    place_gas_mean: Math.round(Number(placeSum) / placeCount),
  };
  if (r1000) {
    figures.clear_gas_per_order_n1000 = Math.round(Number(r1000.clearTotal) / 1000);
    figures.settle_gas_per_order = Math.round(Number(r1000.settleTotal) / 1000);
    figures.clear_settle_gas_per_order = Math.round(
      Number(r1000.clearTotal + r1000.settleTotal) / 1000,
    );
  }
  if (r2000) figures.clear_gas_per_order_n2000 = Math.round(Number(r2000.clearTotal) / 2000);
  if (probeEnabled) figures.max_orders_per_block_osaka = maxOrders;
  console.log(figures);
  if (probeEnabled)
    console.log(
      `max_orders_per_block_osaka: N = ${maxOrders} cleared in ≤ 2^24-gas clearChunk transactions summing to ≤ 30,000,000 gas; N = ${firstMiss} did not (step ${probeStep}, measured on-chain)`,
    );
  mkdirSync("bench-results", { recursive: true });
  writeFileSync("bench-results/market.json", JSON.stringify({ figures }, null, 2) + "\n");
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
