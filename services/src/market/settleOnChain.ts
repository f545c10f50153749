import { BaseError } from "@gridledger/domain/errors";
import {
  formatMilliUnits,
  lockAmount,
  type SettleInput,
  type SettleOutput,
} from "@gridledger/domain/market";
import { IntervalKind, ParticipantKind } from "@gridledger/protocol";
import type { ChainSession } from "../chain/session.ts";
import { admitAndFund, poolAccount, type AccountPools } from "./auctionAccounts.ts";
import { withMarketChain } from "./marketChain.ts";
import { MarketWorkflow, netsOf } from "./workflow.ts";

/** One participant per owner label: renewable sellers from the renewable pool. */
const POOLS: AccountPools = {
  renewableBase: 30_000,
  conventionalBase: 40_000,
  renewableKind: ParticipantKind.PV,
  conventionalKind: ParticipantKind.Consumer,
  detailsHash: `0x${"22".repeat(32)}`,
};
/** Seconds from opening to gate closure (room to place every order); delivery starts then. */
const GATE_LEAD_S = 600;
const DURATION_S = 900;
const METERING_WINDOW_S = 3_600;

/**
 * Settles `auction settle` inputs through the market workflow on `chain`, one delivery period
 * (with the input's market terms) and day-ahead interval each: admit and fund one participant
 * per owner, place the orders in file order, clear, tally, report the meters after delivery
 * (owners without a reading stay unreported), settle after the metering window, and sum what
 * each owner received and paid from the MatchSettled events. Same shape as `settleOffChain`.
 *
 * @example const [{ matches, participants }] = await settleBooks(chain, [input])
 */
export async function settleBooks(
  chain: ChainSession,
  inputs: readonly SettleInput[],
): Promise<SettleOutput[]> {
  const wf = new MarketWorkflow(chain);
  const counts = { renewable: 0, conventional: 0 };
  const accountOf = inputs.map((input) => {
    const next = { renewable: 0, conventional: 0 };
    const byOwner = new Map<string, number>();
    for (const { owner } of input.orders) {
      if (byOwner.has(owner)) continue;
      const renewable = input.orders.some(
        (o) => o.owner === owner && o.side === "sell" && o.renewable === true,
      );
      const k = renewable ? next.renewable++ : next.conventional++;
      byOwner.set(owner, poolAccount(POOLS, renewable, k));
    }
    counts.renewable = Math.max(counts.renewable, next.renewable);
    counts.conventional = Math.max(counts.conventional, next.conventional);
    return byOwner;
  });
  const need = new Map<number, bigint>();
  inputs.forEach((input, i) =>
    input.orders.forEach((o) => {
      const account = accountOf[i]!.get(o.owner)!;
      need.set(account, (need.get(account) ?? 0n) + lockAmount(o, input.market));
    }),
  );
  const lockedBefore = await admitAndFund(wf, POOLS, counts, need);

  const start = (await chain.latestTimestamp()) + GATE_LEAD_S;
  const deliveryEnd = start + DURATION_S;
  const { periodIds } = await wf.openPeriods(
    inputs.map(({ market: m }) => ({
      start,
      duration: DURATION_S,
      meteringWindow: METERING_WINDOW_S,
      gridBuyPrice: m.gridBuyPrice,
      feedInPrice: m.feedInPrice,
      bandBps: m.bandBps,
      bondRate: m.bondRate,
      minQuantityWh: m.minQuantityWh,
    })),
  );
  const { intervalIds } = await wf.openIntervals(
    periodIds.map((periodId) => ({ periodId, kind: IntervalKind.DayAhead, gateClosure: start })),
  );
  const { books: placedOf } = await wf.placeBooks(
    inputs.map((input, i) => ({
      intervalId: intervalIds[i]!,
      orders: input.orders.map((o) => ({
        account: accountOf[i]!.get(o.owner)!,
        side: o.side,
        price: o.price,
        quantity: o.quantity,
        label: `order ${o.id} (book ${i})`,
      })),
    })),
  );
  await wf.waitUntil(start);
  const cleared = await wf.clear(
    placedOf.map((orders, i) => ({ intervalId: intervalIds[i]!, orders })),
  );
  const records = cleared.intervals.map((iv) => ({
    intervalId: iv.intervalId,
    records: iv.records.map((r) => r.record),
  }));
  await wf.tally(records);
  await wf.waitUntil(deliveryEnd);
  await wf.reportMeters(
    inputs.flatMap((input, i) =>
      Object.entries(input.meters).map(([owner, reading]) => ({
        periodId: periodIds[i]!,
        participant: chain.address(accountOf[i]!.get(owner)!),
        producedWh: reading.producedWh,
        consumedWh: reading.consumedWh,
      })),
    ),
  );
  await wf.waitUntil(deliveryEnd + METERING_WINDOW_S);
  const { settled } = await wf.settle(records);

  const lockedAfter = await wf.balances([...lockedBefore.keys()]);
  [...lockedBefore].forEach(([, before], k) => {
    const after = lockedAfter[k]!;
    if (after.locked !== before)
      throw new BaseError(`lock left behind for ${after.address}: ${after.locked - before}`);
  });

  return inputs.map((input, i) => {
    const orderOf = new Map(placedOf[i]!.map((p, k) => [p.orderId, input.orders[k]!]));
    const matches = cleared.intervals[i]!.matches;
    const paid = settled.filter((s) => s.intervalId === intervalIds[i]);
    // Settlement pays the records in clearing order: the n-th MatchSettled is the n-th match.
    const rows = matches.map((m, k) => {
      const s = paid[k];
      if (!s || s.sellOrderId !== m.sellOrderId || s.buyOrderId !== m.buyOrderId)
        throw new BaseError(`interval ${m.intervalId}: settlement ${k} is not match ${k}`);
      return {
        sell: orderOf.get(m.sellOrderId)!.id,
        buy: orderOf.get(m.buyOrderId)!.id,
        quantity: Number(m.quantity),
        price: Number(m.price),
        energy: s.value.toString(),
        sellerCompensation: s.sellerCompensation.toString(),
        buyerCompensation: s.buyerCompensation.toString(),
      };
    });
    const net = netsOf(paid, (orderId) => orderOf.get(orderId)!.owner);
    return {
      matches: rows,
      participants: [...accountOf[i]!.keys()]
        .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
        .map((owner) => {
          const n = net.get(owner) ?? 0n;
          return { owner, net: Number(formatMilliUnits(n)), netMilliUnits: n.toString() };
        }),
    };
  });
}

/**
 * `gridledger auction settle` on-chain: one input on the configured chain, or a throwaway devnet.
 *
 * @example const { matches, participants } = await settleOnChain(input)
 */
export async function settleOnChain(input: SettleInput): Promise<SettleOutput> {
  return withMarketChain(async (chain) => (await settleBooks(chain, [input]))[0]!);
}
