/**
 * On-chain side of `gridledger auction clear`: runs books on the in-process Hardhat network
 * (deploy token, registry and market; fund one participant per order; place the orders in file
 * order; close the gate; clear; read the Matched events).
 *
 * Usage: ts-node scripts/market/auctionClear.ts <input.json> <output.json>
 * Input: {"orders":[...]} (one book) or {"books":[{"orders":[...]}, ...]} (several, for tests).
 * Output: {"matches":[...],"gas":{"place":mean,"clear":total}} or {"results":[...]}.
 * The input is validated by the CLI before it gets here.
 */
import { readFileSync, writeFileSync } from "node:fs";
import hre from "hardhat";
import {
  createParticipants,
  deployMarketStack,
  poolSizes,
  runBook,
  type BookOrder,
} from "./marketHarness";

/** Books above this many orders are cleared in resumable chunks (Osaka caps a transaction at 2^24 gas). */
const CHUNK = 1_000;

async function main() {
  const [inputPath, outputPath] = process.argv.slice(2);
  if (!inputPath || !outputPath)
    throw new Error("usage: auctionClear.ts <input.json> <output.json>");
  await hre.run("compile", { quiet: true });
  const input = JSON.parse(readFileSync(inputPath, "utf8")) as {
    orders?: BookOrder[];
    books?: { orders: BookOrder[] }[];
  };
  const books = input.books ? input.books.map((b) => b.orders) : [input.orders ?? []];
  const need = { renewable: 0, conventional: 0 };
  for (const b of books) {
    const p = poolSizes(b);
    need.renewable = Math.max(need.renewable, p.renewable);
    need.conventional = Math.max(need.conventional, p.conventional);
  }
  const stack = await deployMarketStack(hre);
  const pools = await createParticipants(hre, stack, need.renewable, need.conventional);
  const results = [];
  for (const book of books) {
    const res = await runBook(hre, stack, pools, book, { chunk: CHUNK });
    const placeSum = res.placeGas.reduce((a, b) => a + b, 0n);
    results.push({
      matches: res.matches,
      gas: {
        place: res.placeGas.length === 0 ? 0 : Math.round(Number(placeSum) / res.placeGas.length),
        clear: Number(res.clearGas),
      },
    });
  }
  writeFileSync(outputPath, JSON.stringify(input.books ? { results } : results[0]) + "\n");
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
