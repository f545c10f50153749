import { ethers } from "hardhat";
import { protocol } from "../helpers/protocol";
import { clearingRecords } from "../helpers/clearingRecords";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { EnergyMarket, GridToken, ParticipantRegistry } from "../../typechain-types";
import { TestMeteringHead } from "../helpers/provenReadings";
import { deployProxied } from "../../scripts/deploy/proxy";

export const { Side, IntervalKind, ParticipantKind: Kind } = protocol;
/** IntervalStatus as the typechain getters return it (bigint). */
export const Status = {
  None: BigInt(protocol.IntervalStatus.None),
  Open: BigInt(protocol.IntervalStatus.Open),
  Cleared: BigInt(protocol.IntervalStatus.Cleared),
  Settled: BigInt(protocol.IntervalStatus.Settled),
} as const;
export const UNIT = 1000n;
export const GRID_BUY = 300n;
export const FEED_IN = 80n;
export const DEPOSIT = 1_000_000_000n; // 1,000 GLT

const DETAILS = ethers.keccak256(ethers.toUtf8Bytes("participant details"));

/** Admits `account` to the registry (apply + approve as prosumer). */
export async function admit(
  registry: ParticipantRegistry,
  account: HardhatEthersSigner,
  renewable: boolean,
): Promise<void> {
  await registry
    .connect(account)
    .applyAsParticipant(
      renewable ? Kind.PV : Kind.ConventionalGenerator,
      renewable,
      1,
      2,
      DETAILS,
      "",
    );
  await registry.approve(
    account.address,
    await registry.PROSUMER_ROLE(),
    await registry.applicationHash(account.address),
  );
}

/** Mints `amount` GLT to `account` and deposits it into the market. */
export async function fund(
  token: GridToken,
  market: EnergyMarket,
  account: HardhatEthersSigner,
  amount: bigint = DEPOSIT,
): Promise<void> {
  await token.mint(account.address, amount);
  await token.connect(account).approve(await market.getAddress(), amount);
  await market.connect(account).deposit(amount);
}

/**
 * Token, registry, metering ledger and market; operator = signer 0 (also the metering gateway);
 * signers 1-5 renewable, 6-10 conventional, 11-15 consumers, all funded. `metering` signs, anchors
 * and proves readings as a gateway does (decision 0206).
 */
export async function deployMarketFixture() {
  const signers = await ethers.getSigners();
  const operator = signers[0]!;
  const token = await deployProxied(ethers, "GridToken", [], [operator.address, 0n, 0n]);
  const registry = await deployProxied(ethers, "ParticipantRegistry", [], [operator.address]);
  const ledger = await deployProxied(
    ethers,
    "MeteringLedger",
    [await registry.getAddress()],
    [operator.address],
  );
  await ledger.grantRole(await ledger.GATEWAY_ROLE(), operator.address);
  const market = await deployProxied(
    ethers,
    "EnergyMarket",
    [await token.getAddress(), await registry.getAddress(), await ledger.getAddress()],
    [operator.address],
  );
  const metering = new TestMeteringHead(ledger, registry, operator);
  const renewables = signers.slice(1, 6);
  const conventionals = signers.slice(6, 11);
  const consumers = signers.slice(11, 16);
  for (const s of renewables) await admit(registry, s, true);
  for (const s of [...conventionals, ...consumers]) await admit(registry, s, false);
  for (const s of [...renewables, ...conventionals, ...consumers]) await fund(token, market, s);
  const stranger = signers[16]!;
  return {
    token,
    registry,
    ledger,
    metering,
    market,
    operator,
    renewables,
    conventionals,
    consumers,
    stranger,
  };
}

export const DURATION = 900n;
export const METERING_WINDOW = 3600n;
export const BAND_BPS = 500n;
/** Minimum escrow per Wh of any order (milli-units): 1 base unit per kWh. */
export const BOND_RATE = 1n;
export const MIN_QUANTITY = 1n;

/** Opens a delivery period starting in 2 hours (15 min, 5 % band, 1 h metering window). */
export async function openPeriod(
  market: EnergyMarket,
  gridBuy = GRID_BUY,
  feedIn = FEED_IN,
  opts: { bandBps?: bigint; bondRate?: bigint; minQuantity?: bigint; startIn?: bigint } = {},
) {
  const now = BigInt(await time.latest());
  const start = now + (opts.startIn ?? 7200n);
  const periodId = (await market.periodCount()) + 1n;
  await market.openPeriod(
    start,
    DURATION,
    METERING_WINDOW,
    gridBuy,
    feedIn,
    opts.bandBps ?? BAND_BPS,
    opts.bondRate ?? BOND_RATE,
    opts.minQuantity ?? MIN_QUANTITY,
  );
  return { periodId, start, settleAfter: start + DURATION + METERING_WINDOW };
}

/** Opens a trading interval of `periodId` whose gate closes `gateIn` seconds from now. */
export async function openIntervalFor(
  market: EnergyMarket,
  periodId: bigint,
  kind: number = IntervalKind.DayAhead,
  gateIn = 3600n,
) {
  const gateClosure = BigInt(await time.latest()) + gateIn;
  const id = (await market.intervalCount()) + 1n;
  await market.openInterval(periodId, kind, gateClosure);
  return { id, gateClosure };
}

/** A period and its one day-ahead interval: gate closure in 1 hour, delivery in 2 hours. */
export async function openInterval(market: EnergyMarket, gridBuy = GRID_BUY, feedIn = FEED_IN) {
  const { periodId, start, settleAfter } = await openPeriod(market, gridBuy, feedIn);
  const { id, gateClosure } = await openIntervalFor(market, periodId);
  return { id, periodId, gateClosure, start, settleAfter };
}

export type PlacedOrder = {
  id: bigint;
  owner: HardhatEthersSigner;
  side: number;
  price: bigint;
  quantity: bigint;
};

export async function place(
  market: EnergyMarket,
  intervalId: bigint,
  owner: HardhatEthersSigner,
  side: number,
  price: bigint,
  quantity: bigint,
): Promise<PlacedOrder> {
  const id = await market.connect(owner).placeOrder.staticCall(intervalId, side, price, quantity);
  await market.connect(owner).placeOrder(intervalId, side, price, quantity);
  return { id, owner, side, price, quantity };
}

/** Builds the three clearing lists from decoded orders (the same rule as @gridledger/domain/market). */
export async function clearingLists(market: EnergyMarket, intervalId: bigint) {
  const iv = await market.interval(intervalId);
  const total = Number(iv.renewableSells + iv.conventionalSells + iv.buys);
  const orders: { id: bigint; seq: number; sell: boolean; renewable: boolean; price: bigint }[] =
    [];
  for (let seq = 1; seq <= total; seq++) {
    const id = (intervalId << 32n) | BigInt(seq);
    const o = await market.order(id);
    orders.push({ id, seq, sell: o.side === 1n, renewable: o.renewable, price: o.price });
  }
  const asc = (a: (typeof orders)[number], b: (typeof orders)[number]) =>
    a.price === b.price ? a.seq - b.seq : a.price < b.price ? -1 : 1;
  const desc = (a: (typeof orders)[number], b: (typeof orders)[number]) =>
    a.price === b.price ? a.seq - b.seq : a.price > b.price ? -1 : 1;
  return {
    renewable: orders
      .filter((o) => o.sell && o.renewable)
      .sort(asc)
      .map((o) => o.id),
    conventional: orders
      .filter((o) => o.sell && !o.renewable)
      .sort(asc)
      .map((o) => o.id),
    buys: orders
      .filter((o) => !o.sell)
      .sort(desc)
      .map((o) => o.id),
  };
}

export type MatchEvent = { sell: bigint; buy: bigint; quantity: bigint; price: bigint };

/** Reads the Matched events of a clearing transaction receipt. */
export async function matchesOf(market: EnergyMarket, txHash: string): Promise<MatchEvent[]> {
  const receipt = await ethers.provider.getTransactionReceipt(txHash);
  const out: MatchEvent[] = [];
  for (const log of receipt!.logs) {
    const parsed = market.interface.parseLog(log);
    if (parsed?.name === "Matched") {
      out.push({
        sell: parsed.args[1] as bigint,
        buy: parsed.args[2] as bigint,
        quantity: parsed.args[3] as bigint,
        price: parsed.args[4] as bigint,
      });
    }
  }
  return out;
}

/** Packs matches the way `tally` and `settle` expect them. */
export function packMatches(matches: MatchEvent[]): bigint[] {
  return matches.map((m) => protocol.packMatchRecord(m.sell, m.buy, m.quantity, m.price));
}

/** The clearing records (packed, in log order) of the given transactions. */
export async function recordsOf(market: EnergyMarket, txHashes: string[]): Promise<bigint[]> {
  const receipts = await Promise.all(
    txHashes.map(async (hash) => (await ethers.provider.getTransactionReceipt(hash))!),
  );
  return clearingRecords(market, receipts);
}

/** Σ available + Σ locked over `accounts` must equal the market's token balance × 1000. */
export async function escrowGap(
  token: GridToken,
  market: EnergyMarket,
  accounts: string[],
): Promise<bigint> {
  let sum = 0n;
  for (const a of accounts) {
    const [available, locked] = await market.balanceOf(a);
    sum += available + locked;
  }
  return (await token.balanceOf(await market.getAddress())) * UNIT - sum;
}
