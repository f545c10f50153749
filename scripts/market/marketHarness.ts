import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { HDNodeWallet, Signer, TransactionReceipt } from "ethers";
import type {
  EnergyMarket,
  GridToken,
  MeteringLedger,
  ParticipantRegistry,
} from "../../typechain-types";
import { clearingRecords } from "../../test/helpers/clearingRecords";
import { TestMeteringHead } from "../../test/helpers/provenReadings";
import { deployProxied } from "../deploy/proxy";

/** One order of a book, as the CLI input and the benchmark describe it. */
export type BookOrder = {
  id: string;
  side: "buy" | "sell";
  price: number;
  quantity: number;
  renewable?: boolean;
};

/** One match as the CLI prints it. */
export type BookMatch = { sell: string; buy: string; quantity: number; price: number };

export type MarketStack = {
  token: GridToken;
  registry: ParticipantRegistry;
  market: EnergyMarket;
  ledger: MeteringLedger;
  /** Device-signed readings, anchored by the operator as the metering gateway. */
  metering: TestMeteringHead;
  operator: Signer;
};

const DETAILS = "0x" + "11".repeat(32);
const FUNDING = 10n ** 15n; // token base units per participant, far above any worst case here
const GRID_BUY = 1_000_000n;
const FEED_IN = 1n;
const DURATION = 900;
const METERING_WINDOW = 3600;
/** Osaka's cap on one transaction's gas (EIP-7825). */
export const TX_GAS_CAP = 16_777_216n;

/** Deploys token, registry, metering ledger and market on the current (in-process) network. */
export async function deployMarketStack(hre: HardhatRuntimeEnvironment): Promise<MarketStack> {
  const [operator] = await hre.ethers.getSigners();
  if (!operator) throw new Error("no signer");
  const ethers = hre.ethers;
  const token = await deployProxied(ethers, "GridToken", [], [operator.address, 0n, 0n]);
  const registry = await deployProxied(ethers, "ParticipantRegistry", [], [operator.address]);
  const ledger = await deployProxied(
    ethers,
    "MeteringLedger",
    [await registry.getAddress()],
    [operator.address],
  );
  await (await ledger.grantRole(await ledger.GATEWAY_ROLE(), operator.address)).wait();
  const market = await deployProxied(
    ethers,
    "EnergyMarket",
    [await token.getAddress(), await registry.getAddress(), await ledger.getAddress()],
    [operator.address],
  );
  const metering = new TestMeteringHead(ledger, registry, operator);
  return { token, registry, market, ledger, metering, operator };
}

/** Participants by renewable flag (the registry's flag decides an ask's renewable class). */
export type ParticipantPools = { renewable: HDNodeWallet[]; conventional: HDNodeWallet[] };

/**
 * Creates funded, approved participants: fresh wallets (ETH via hardhat_setBalance), admitted in
 * the registry as PV (renewable) or conventional generators, with tokens deposited in the market.
 */
export async function createParticipants(
  hre: HardhatRuntimeEnvironment,
  stack: MarketStack,
  renewableCount: number,
  conventionalCount: number,
): Promise<ParticipantPools> {
  const { token, registry, market } = stack;
  const prosumer = await registry.PROSUMER_ROLE();
  const marketAddress = await market.getAddress();
  const pools: ParticipantPools = { renewable: [], conventional: [] };
  // Explicit gas limits skip one estimation round trip per transaction.
  const gasLimit = 300_000n;
  for (let i = 0; i < renewableCount + conventionalCount; i++) {
    const w = hre.ethers.Wallet.createRandom().connect(hre.ethers.provider);
    await hre.network.provider.send("hardhat_setBalance", [w.address, "0x56BC75E2D63100000"]);
    const renewable = i < renewableCount;
    await registry
      .connect(w)
      .applyAsParticipant(renewable ? 1 : 7, renewable, 1, 1 + (i % 33), DETAILS, "", {
        gasLimit,
        nonce: 0,
      });
    const application = await registry.applicationHash(w.address);
    await registry.approve(w.address, prosumer, application, { gasLimit });
    await token.mint(w.address, FUNDING, { gasLimit });
    await token.connect(w).approve(marketAddress, FUNDING, { gasLimit, nonce: 1 });
    await market.connect(w).deposit(FUNDING, { gasLimit, nonce: 2 });
    (renewable ? pools.renewable : pools.conventional).push(w);
  }
  // Automine reports reverts as errors; the balances are checked once more at the end.
  for (const w of [...pools.renewable, ...pools.conventional]) {
    const [available] = await market.balanceOf(w.address);
    if (available !== FUNDING * 1000n) throw new Error(`participant ${w.address} not funded`);
  }
  return pools;
}

/** How many participants of each pool a book needs (one participant per order). */
export function poolSizes(book: BookOrder[]): { renewable: number; conventional: number } {
  const renewable = book.filter((o) => o.side === "sell" && o.renewable === true).length;
  return { renewable, conventional: book.length - renewable };
}

/**
 * Opens a delivery period and its day-ahead interval; the gate closes in a day, so large books
 * (one block per placement, each a second later) are placed before it.
 */
export async function openTestInterval(
  hre: HardhatRuntimeEnvironment,
  market: EnergyMarket,
  params: { gridBuy?: bigint; feedIn?: bigint; bandBps?: number; bondRate?: bigint } = {},
) {
  const block = await hre.ethers.provider.getBlock("latest");
  const now = BigInt(block!.timestamp);
  const gateClosure = now + 86_400n;
  const start = gateClosure + 3600n;
  await market.openPeriod(
    start,
    DURATION,
    METERING_WINDOW,
    params.gridBuy ?? GRID_BUY,
    params.feedIn ?? FEED_IN,
    params.bandBps ?? 500,
    params.bondRate ?? 1n,
    1,
  );
  const periodId = await market.periodCount();
  await market.openInterval(periodId, 0, gateClosure);
  return { id: await market.intervalCount(), periodId, gateClosure, start };
}

/** Sort helper: the three clearing lists in the paper's order (ties by earlier sequence). */
function buildLists(
  orders: {
    orderId: bigint;
    seq: number;
    side: "buy" | "sell";
    price: number;
    renewable: boolean;
  }[],
) {
  const asc = (a: (typeof orders)[number], b: (typeof orders)[number]) =>
    a.price - b.price || a.seq - b.seq;
  const desc = (a: (typeof orders)[number], b: (typeof orders)[number]) =>
    b.price - a.price || a.seq - b.seq;
  return {
    renewable: orders
      .filter((o) => o.side === "sell" && o.renewable)
      .sort(asc)
      .map((o) => o.orderId),
    conventional: orders
      .filter((o) => o.side === "sell" && !o.renewable)
      .sort(asc)
      .map((o) => o.orderId),
    buys: orders
      .filter((o) => o.side === "buy")
      .sort(desc)
      .map((o) => o.orderId),
  };
}

export type RunResult = {
  matches: BookMatch[];
  placeGas: bigint[];
  clearGas: bigint;
  clearTxs: number;
  /** Total tally + settlement gas (readings reported beforehand, not counted). */
  settleGas?: bigint;
};

/**
 * Runs a whole book on-chain: opens an interval, places the orders in file order (order i by
 * participant i), closes the gate, clears (in one transaction, or in chunks if `chunk` is set)
 * and reads the Matched events.
 */
export async function runBook(
  hre: HardhatRuntimeEnvironment,
  stack: MarketStack,
  participants: ParticipantPools,
  book: BookOrder[],
  opts: {
    gasLimit?: bigint;
    chunk?: number;
    settle?: boolean;
    /** Meter readings by book order id: Wh produced (sells) or consumed (buys); none: no reading. */
    meters?: Map<string, number>;
  } = {},
): Promise<RunResult> {
  const { market } = stack;
  const { id: intervalId, periodId, gateClosure, start } = await openTestInterval(hre, market);
  const placed: {
    orderId: bigint;
    seq: number;
    side: "buy" | "sell";
    price: number;
    renewable: boolean;
    name: string;
    owner: string;
  }[] = [];
  const placeGas: bigint[] = [];
  let nextR = 0;
  let nextC = 0;
  for (let i = 0; i < book.length; i++) {
    const o = book[i]!;
    const renewable = o.side === "sell" && o.renewable === true;
    const who = renewable ? participants.renewable[nextR++] : participants.conventional[nextC++];
    if (!who) throw new Error(`not enough participants for order ${i}`);
    const tx = await market
      .connect(who)
      .placeOrder(intervalId, o.side === "sell" ? 1 : 0, o.price, o.quantity);
    const receipt = (await tx.wait()) as TransactionReceipt;
    placeGas.push(receipt.gasUsed);
    const seq = i + 1;
    placed.push({
      orderId: (intervalId << 32n) | BigInt(seq),
      seq,
      side: o.side,
      price: o.price,
      renewable,
      name: o.id,
      owner: who.address,
    });
  }
  await hre.network.provider.send("evm_setNextBlockTimestamp", [Number(gateClosure)]);
  const lists = buildLists(placed);
  const receipts: TransactionReceipt[] = [];
  if (opts.chunk === undefined || book.length <= opts.chunk) {
    const tx = await market.clear(intervalId, lists.renewable, lists.conventional, lists.buys, {
      gasLimit: opts.gasLimit ?? 16_000_000n,
    });
    receipts.push((await tx.wait()) as TransactionReceipt);
  } else {
    // Resumable clearing: each call continues every list where the last call stopped consuming.
    const maxRounds = 3 * Math.ceil(book.length / opts.chunk) + 10;
    for (let round = 0; round < maxRounds; round++) {
      const st = await market.clearingState(intervalId);
      const next = (l: bigint[], k: 0 | 1 | 2) =>
        l.slice(Number(st.seen[k]), Number(st.seen[k]) + opts.chunk!);
      const tx = await market.clearChunk(
        intervalId,
        next(lists.renewable, 0),
        next(lists.conventional, 1),
        next(lists.buys, 2),
        { gasLimit: opts.gasLimit ?? 16_000_000n },
      );
      receipts.push((await tx.wait()) as TransactionReceipt);
      if ((await market.interval(intervalId)).status === 2n) break;
    }
  }
  const nameOf = new Map(placed.map((p) => [p.orderId, p.name]));
  const matches: BookMatch[] = [];
  for (const log of receipts.flatMap((r) => r.logs)) {
    const parsed = market.interface.parseLog(log);
    if (parsed?.name !== "Matched") continue;
    matches.push({
      sell: nameOf.get(parsed.args[1] as bigint) ?? "?",
      buy: nameOf.get(parsed.args[2] as bigint) ?? "?",
      quantity: Number(parsed.args[3] as bigint),
      price: Number(parsed.args[4] as bigint),
    });
  }
  const clearGas = receipts.reduce((a, r) => a + r.gasUsed, 0n);
  if (!opts.settle) return { matches, placeGas, clearGas, clearTxs: receipts.length };

  // Readings (one device-signed reading per participant and period, anchored in one batch and
  // proven to the market: not counted), then tally and pay in 256-record chunks after the
  // metering window.
  await hre.network.provider.send("evm_setNextBlockTimestamp", [Number(start) + DURATION]);
  const whoOf = new Map(placed.map((p) => [p.name, p.owner]));
  const entries = [];
  for (const [name, wh] of opts.meters ?? []) {
    const owner = whoOf.get(name);
    if (!owner) continue;
    const sell = placed.find((p) => p.name === name)!.side === "sell";
    entries.push({
      periodId,
      participant: owner,
      produced: sell ? wh : 0,
      consumed: sell ? 0 : wh,
    });
  }
  if (entries.length > 0) {
    const batch = await stack.metering.prove(entries);
    for (let from = 0; from < entries.length; from += 50) {
      const to = from + 50;
      await (
        await market.reportReadings(
          batch.batchId,
          batch.readings.slice(from, to),
          batch.signatures.slice(from, to),
          batch.proofs.slice(from, to),
          { gasLimit: TX_GAS_CAP },
        )
      ).wait();
    }
  }
  await hre.network.provider.send("evm_setNextBlockTimestamp", [
    Number(start) + DURATION + METERING_WINDOW,
  ]);
  const records = clearingRecords(market, receipts);
  let settleGas = 0n;
  const step = 256;
  for (let stage = 0; stage < 2; stage++) {
    for (let from = 0; from < Math.max(records.length, 1); from += step) {
      const tx = await market.settleChunk(intervalId, records.slice(from, from + step), {
        gasLimit: TX_GAS_CAP,
      });
      settleGas += ((await tx.wait()) as TransactionReceipt).gasUsed;
    }
  }
  if ((await market.interval(intervalId)).status !== 3n) throw new Error("interval not settled");
  return { matches, placeGas, clearGas, clearTxs: receipts.length, settleGas };
}
