import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { EnergyMarket, GridToken, ParticipantRegistry } from "../../typechain-types";

export const Side = { Buy: 0, Sell: 1 } as const;
export const IntervalKind = { DayAhead: 0, Intraday: 1, RealTime: 2 } as const;
export const Status = { None: 0n, Open: 1n, Cleared: 2n, Settled: 3n } as const;
export const Kind = { PV: 1, Wind: 2, Storage: 5, ConventionalGenerator: 7, Consumer: 8 } as const;
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
  await registry.approve(account.address, await registry.PROSUMER_ROLE());
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

/** Token, registry and market; operator = signer 0; signers 1-5 renewable, 6-10 conventional, 11-15 consumers, all funded. */
export async function deployMarketFixture() {
  const signers = await ethers.getSigners();
  const operator = signers[0]!;
  const token = await ethers.deployContract("GridToken", [operator.address, 0n, 0n]);
  const registry = await ethers.deployContract("ParticipantRegistry", [operator.address]);
  const market = await ethers.deployContract("EnergyMarket", [
    operator.address,
    await token.getAddress(),
    await registry.getAddress(),
  ]);
  const renewables = signers.slice(1, 6);
  const conventionals = signers.slice(6, 11);
  const consumers = signers.slice(11, 16);
  for (const s of renewables) await admit(registry, s, true);
  for (const s of [...conventionals, ...consumers]) await admit(registry, s, false);
  for (const s of [...renewables, ...conventionals, ...consumers]) await fund(token, market, s);
  const stranger = signers[16]!;
  const meter = signers[17]!;
  return {
    token,
    registry,
    market,
    operator,
    renewables,
    conventionals,
    consumers,
    stranger,
    meter,
  };
}

/** Opens an interval with gate closure in 1 hour, start in 2 hours, default duration and band. */
export async function openInterval(market: EnergyMarket, gridBuy = GRID_BUY, feedIn = FEED_IN) {
  const now = BigInt(await time.latest());
  const gateClosure = now + 3600n;
  const start = now + 7200n;
  const id = (await market.intervalCount()) + 1n;
  await market.openInterval(IntervalKind.DayAhead, start, gateClosure, gridBuy, feedIn);
  return { id, gateClosure, start };
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

/** Builds the three clearing lists from decoded orders (the same rule as services/src/market). */
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

/** Packs matches the way `settle` expects them. */
export function packMatches(matches: MatchEvent[]): bigint[] {
  const m32 = 0xffffffffn;
  return matches.map(
    (m) => (m.sell & m32) | ((m.buy & m32) << 32n) | (m.quantity << 64n) | (m.price << 104n),
  );
}
