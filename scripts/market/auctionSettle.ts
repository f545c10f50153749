/**
 * On-chain side of `gridledger auction settle`: for each book, on the in-process Hardhat network,
 * admit one account per owner label (renewable if its sells are), place every order from its
 * owner's account in file order, clear, report the meters (owners without one stay unreported),
 * tally and settle after the metering window, and sum what each owner received and paid through
 * the market from the MatchSettled events.
 *
 * Usage: ts-node scripts/market/auctionSettle.ts <input.json> <output.json>
 * Input: {"books":[settle input, ...]} (validated by the CLI before it gets here).
 * Output: {"results":[{"matches":[...],"participants":[{"owner","netMilliUnits"}]}]}.
 */
import { readFileSync, writeFileSync } from "node:fs";
import hre from "hardhat";
import type { TransactionReceipt } from "ethers";
import {
  TX_GAS_CAP,
  buildLists,
  deployMarketStack,
  recordsFromReceipts,
  type MarketStack,
} from "./marketHarness";

type SettleBook = {
  market: {
    gridBuyPrice: number;
    feedInPrice: number;
    bandBps: number;
    bondRate: number;
    minQuantityWh: number;
  };
  orders: {
    id: string;
    owner: string;
    side: "buy" | "sell";
    price: number;
    quantity: number;
    renewable?: boolean;
  }[];
  meters: Record<string, { producedWh: number; consumedWh: number }>;
};

const DETAILS = "0x" + "22".repeat(32);
const DURATION = 900;
const WINDOW = 3600;

async function settleBook(stack: MarketStack, book: SettleBook) {
  const { token, registry, market } = stack;
  const { ethers, network } = hre;
  const prosumer = await registry.PROSUMER_ROLE();
  const marketAddress = await market.getAddress();
  // One funded, admitted account per owner; the worst case of its orders plus room to spare.
  const owners = [...new Set(book.orders.map((o) => o.owner))];
  const wallets = new Map<string, Awaited<ReturnType<typeof ethers.Wallet.createRandom>>>();
  for (const owner of owners) {
    const w = ethers.Wallet.createRandom().connect(ethers.provider);
    await network.provider.send("hardhat_setBalance", [w.address, "0x56BC75E2D63100000"]);
    const renewable = book.orders.some((o) => o.owner === owner && o.renewable === true);
    await registry.connect(w).applyAsParticipant(renewable ? 1 : 8, renewable, 1, 1, DETAILS, "");
    await registry.approve(w.address, prosumer, await registry.applicationHash(w.address));
    const need = book.orders
      .filter((o) => o.owner === owner)
      .reduce(
        (sum, o) =>
          sum +
          BigInt(Math.max(o.price, book.market.gridBuyPrice, book.market.bondRate)) *
            BigInt(o.quantity),
        0n,
      );
    const funding = need / 1000n + 1n;
    await token.mint(w.address, funding);
    await token.connect(w).approve(marketAddress, funding);
    await market.connect(w).deposit(funding);
    wallets.set(owner, w);
  }
  const now = (await ethers.provider.getBlock("latest"))!.timestamp;
  const start = now + 7200;
  const gate = now + 3600;
  const m = book.market;
  await market.openPeriod(
    start,
    DURATION,
    WINDOW,
    m.gridBuyPrice,
    m.feedInPrice,
    m.bandBps,
    m.bondRate,
    m.minQuantityWh,
  );
  const periodId = await market.periodCount();
  await market.openInterval(periodId, 0, gate);
  const intervalId = await market.intervalCount();
  const placed = [];
  for (let i = 0; i < book.orders.length; i++) {
    const o = book.orders[i]!;
    const w = wallets.get(o.owner)!;
    await market.connect(w).placeOrder(intervalId, o.side === "sell" ? 1 : 0, o.price, o.quantity);
    const renewable = o.side === "sell" && o.renewable === true;
    placed.push({
      orderId: (intervalId << 32n) | BigInt(i + 1),
      seq: i + 1,
      side: o.side,
      price: o.price,
      renewable,
    });
  }
  await network.provider.send("evm_setNextBlockTimestamp", [gate]);
  const lists = buildLists(placed);
  const receipts: TransactionReceipt[] = [];
  const tx = await market.clear(intervalId, lists.renewable, lists.conventional, lists.buys, {
    gasLimit: TX_GAS_CAP,
  });
  receipts.push((await tx.wait()) as TransactionReceipt);
  const records = recordsFromReceipts(market, receipts);
  await market.tally(intervalId, records);
  await network.provider.send("evm_setNextBlockTimestamp", [start + DURATION]);
  for (const [owner, reading] of Object.entries(book.meters)) {
    const w = wallets.get(owner);
    if (w) await market.reportMeter(periodId, w.address, reading.producedWh, reading.consumedWh);
  }
  await network.provider.send("evm_setNextBlockTimestamp", [start + DURATION + WINDOW]);
  const settleTx = await market.settle(intervalId, records, { gasLimit: TX_GAS_CAP });
  const settleReceipt = (await settleTx.wait()) as TransactionReceipt;

  const label = new Map([...wallets].map(([owner, w]) => [w.address, owner]));
  const ownerOfOrder = new Map(placed.map((p, i) => [p.orderId, book.orders[i]!]));
  const net = new Map(owners.map((o) => [o, 0n]));
  const matches = [];
  for (const log of settleReceipt.logs) {
    const parsed = market.interface.parseLog(log);
    if (parsed?.name !== "MatchSettled") continue;
    const [, sellId, buyId, value, sellerComp, buyerComp] = parsed.args as unknown as bigint[];
    const sell = ownerOfOrder.get(sellId!)!;
    const buy = ownerOfOrder.get(buyId!)!;
    net.set(sell.owner, net.get(sell.owner)! + value! + buyerComp! - sellerComp!);
    net.set(buy.owner, net.get(buy.owner)! - value! - buyerComp! + sellerComp!);
    matches.push({
      sell: sell.id,
      buy: buy.id,
      energy: value!.toString(),
      sellerCompensation: sellerComp!.toString(),
      buyerCompensation: buyerComp!.toString(),
    });
  }
  // The Matched events carry quantity and price; MatchSettled comes in the same order.
  let k = 0;
  for (const log of receipts.flatMap((r) => r.logs)) {
    const parsed = market.interface.parseLog(log);
    if (parsed?.name !== "Matched") continue;
    const [, , , q, p] = parsed.args as unknown as bigint[];
    Object.assign(matches[k++]!, { quantity: Number(q), price: Number(p) });
  }
  for (const [address, owner] of label) {
    const [, locked] = await market.balanceOf(address);
    if (locked !== 0n) throw new Error(`lock left behind for ${owner}: ${locked}`);
  }
  return {
    matches: matches.map((x) => ({ sell: x.sell, buy: x.buy, ...x })),
    participants: [...net].map(([owner, n]) => ({ owner, netMilliUnits: n.toString() })),
  };
}

async function main() {
  const [inputPath, outputPath] = process.argv.slice(2);
  if (!inputPath || !outputPath)
    throw new Error("usage: auctionSettle.ts <input.json> <output.json>");
  await hre.run("compile", { quiet: true });
  const input = JSON.parse(readFileSync(inputPath, "utf8")) as { books: SettleBook[] };
  const stack = await deployMarketStack(hre);
  const results = [];
  for (const book of input.books) results.push(await settleBook(stack, book));
  writeFileSync(outputPath, JSON.stringify({ results }) + "\n");
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
