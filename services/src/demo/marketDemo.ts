import type { Address } from "viem";
import { BaseError } from "@gridledger/domain/errors";
import { loadShippedNetwork } from "@gridledger/domain/networks";
import { selectCounterparty } from "@gridledger/domain/evidence";
import { IntervalKind, ParticipantKind } from "@gridledger/protocol";
import {
  MarketWorkflow,
  type ClearedInterval,
  type MatchRecord,
  type OrderSpec,
  type PlacedOrder,
  type SettledMatch,
  type StepResult,
} from "../market/workflow.ts";
import { generateDemoDay, type DemoDay, type DemoUnit, type UnitKind } from "./profiles.ts";
import type { ChainSession } from "../chain/session.ts";
import { renderReport, type Section } from "./htmlReport.ts";
import { LiveHistory } from "../evidence/liveHistory.ts";
import type { OutageFile } from "../evidence/history.ts";

/**
 * `gridledger demo market`: one simulated trading day on a live devnet (MISSION.md section 2).
 * The operator opens one delivery period per 15-minute slot (grid prices, band, escrow bond) with a
 * day-ahead interval trading it. Day-ahead: every unit offers its day-ahead forecast for every
 * period, all intervals clear on-chain and are tallied. Intraday, rolling slot by slot: a second
 * interval per period closes 15 minutes before its delivery; units trade the difference between
 * their intraday forecast and their day-ahead position; the sellers admitted are chosen with the
 * evidence module (power-flow safety check on the IEEE 33-bus feeder, then Dempster-Shafer fusion
 * of each seller's history as indexed from the chain so far). As each period's delivery ends the
 * operator's metering head-end reports every unit's energy once, and after the metering window
 * every interval settles with forecast compensation. Choices the papers leave open are in
 * docs/decisions/0801-market-demo-flow.md; the chain steps are the market workflow's
 * (services/src/market/workflow.ts, decision 0458).
 */

/** First devnet account index of the demo's units (kept clear of the seeded cast and demos). */
const ACCOUNT_BASE = 100;
const FEEDER_ID = 33;
/** Profile prices are milli-GLT per kWh; on-chain prices are base units (10^-6 GLT) per kWh. */
const PRICE_SCALE = 1_000;
const GLT = 1_000_000n;
const DEPOSIT = 2_000n * GLT;
/** Base units (10⁻⁶ GLT) as GLT, to the base unit. */
const glt = (base: number) => Math.round(base) / 1e6;
/**
 * The day's clock. On the devnet the demo moves time, so it keeps a real market's: 15-minute
 * delivery intervals, the day-ahead gate 10 minutes ahead, a rolling intraday gate 15 minutes
 * before each delivery interval, a week of metering. On a chain that cannot move its clock it
 * waits, so everything is short: `leadS` to place orders before each gate and `intervalS` per
 * delivery interval (CLI: --lead-seconds, --interval-seconds).
 */
type DayClock = {
  daLead: number;
  deliveryLead: number;
  /** Seconds between an intraday interval's gate closure and its delivery start. */
  idGateBeforeDelivery: number;
  /** On the devnet, orders go in this long before their gate (later = more metered history). */
  placeLead: number;
  interval: number;
  metering: number;
};
const DEVNET_CLOCK: DayClock = {
  daLead: 600,
  deliveryLead: 3_600,
  idGateBeforeDelivery: 900,
  placeLead: 60,
  interval: 900,
  metering: 7 * 86_400,
};
function realChainClock(leadS: number, intervalS: number): DayClock {
  return {
    daLead: leadS,
    deliveryLead: 4 * leadS,
    idGateBeforeDelivery: leadS,
    placeLead: 0,
    interval: intervalS,
    metering: 2 * leadS,
  };
}
/** Penalty tolerance band of every period, basis points. */
const BAND_BPS = 500;
/** Minimum escrow per Wh of any order, milli-units (= 10 milli-GLT per kWh in profile units). */
const BOND_RATE = 10 * PRICE_SCALE;
/** Smallest order the periods accept, Wh (smaller forecasts and corrections are not offered). */
const MIN_ORDER_WH = 10;

const KIND: Record<UnitKind, ParticipantKind> = {
  pv: ParticipantKind.PV,
  wind: ParticipantKind.Wind,
  storage: ParticipantKind.Storage,
  load: ParticipantKind.Consumer,
  conventional: ParticipantKind.ConventionalGenerator,
};

export type MarketDemoOptions = {
  prosumers: number;
  intervals: number;
  seed: number;
  /** On a chain without time travel: seconds before each gate (default 30). */
  leadS?: number;
  /** On a chain without time travel: seconds per delivery interval (default 60). */
  intervalS?: number;
  log: (line: string) => void;
  /** Outage records for the line-fault source (CLI --outages; none: the source stays vacuous). */
  outages?: OutageFile;
  /** Called as work completes: `done` of `total` steps. */
  progress?: (done: number, total: number, phase: string) => void;
};

export type IntervalSummary = {
  /** Delivery slot of the day (0-based). */
  period: number;
  /** On-chain delivery period id (both markets of a slot trade the same period). */
  periodId: string;
  market: "day-ahead" | "intraday";
  intervalId: string;
  orders: number;
  matches: number;
  tradedWh: number;
  renewableWh: number;
  /** Order quantity that did not trade (its escrow was released at tally), Wh. */
  unmatchedWh: number;
  /** Volume-weighted trade price, GLT per kWh (null when nothing traded). */
  averagePriceGLTPerKWh: number | null;
  gridBuyGLTPerKWh: number;
  feedInGLTPerKWh: number;
  /** What buyers paid sellers for delivered energy at settlement, GLT. */
  paidGLT: number;
  compensationGLT: number;
};

export type MarketDemoReport = {
  prosumers: number;
  intervals: number;
  seed: number;
  units: { kind: UnitKind; count: number }[];
  totals: {
    tradedKWh: number;
    renewableSharePct: number;
    dayAheadKWh: number;
    intradayKWh: number;
    /** Traded value at the clearing prices. */
    valueGLT: number;
    /** Paid for delivered energy at settlement (≤ valueGLT: undelivered energy is not paid). */
    paidGLT: number;
    compensationGLT: number;
    averagePriceGLTPerKWh: number;
    orders: number;
    matches: number;
  };
  evidence: {
    intradaySellerSlots: number;
    /** Intraday slots in which sellers were chosen (one eq. 9 selection each). */
    selections: number;
    /** Seller candidates with indexed history: the eq. (9) frame (summed over slots). */
    candidatesWithHistory: number;
    /** Seller candidates without history: safety check only, admitted (summed over slots). */
    admittedWithoutHistory: number;
    excludedUnsafe: number;
    deferredByEvidence: number;
    decisions: number;
    /** Slots without an eq. (9) decision, by the first condition that failed. */
    undecided: {
      /** No seller had history yet (nobody to rate). */
      unrated: number;
      gap: number;
      ignorance: number;
      dominance: number;
      noCandidate: number;
    };
    /** Slots whose corrections were dropped: the chain's clock reached the gate first. */
    missedGates: number;
  };
  gas: { total: number; transactions: number; perPhase: Record<string, number> };
  wallTimeS: number;
  moneyConserved: boolean;
  lockedAfterSettlement: string;
  intervalsSummary: IntervalSummary[];
};

const unitAccount = (i: number) => ACCOUNT_BASE + i;

/** Runs the trading day; throws if any on-chain step fails. */
export async function runMarketDemo(
  chain: ChainSession,
  options: MarketDemoOptions,
): Promise<MarketDemoReport> {
  const started = Date.now();
  const { prosumers, intervals, seed, log } = options;
  if (prosumers < 2 || prosumers > 400)
    throw new BaseError("--prosumers must be between 2 and 400");
  if (intervals < 1 || intervals > 96) throw new BaseError("--intervals must be between 1 and 96");
  const day = generateDemoDay({ prosumers, intervals, seed });
  const wf = new MarketWorkflow(chain);
  const gas = { perPhase: {} as Record<string, number>, transactions: 0 };
  /** Books a step's gas under a report phase. */
  const booked = <T extends StepResult>(phase: string, step: T): T => {
    gas.perPhase[phase] = (gas.perPhase[phase] ?? 0) + step.gas;
    gas.transactions += step.txs.length;
    return step;
  };
  let done = 0;
  const advance = (phase: string) => options.progress?.(++done, 5 + intervals, phase);
  const accounts = day.units.map((_, i) => unitAccount(i));
  // Market balances before this run (a rerun on the same devnet reuses the accounts).
  const held = async () => {
    const balances = await wf.balances(accounts);
    return {
      total: balances.reduce((s, b) => s + b.available + b.locked, 0n),
      locked: balances.reduce((s, b) => s + b.locked, 0n),
    };
  };
  const heldBefore = await held();

  // 1. Participants: admitted by the operator (idempotent per account), funded and deposited.
  booked(
    "setup",
    await wf.register(
      day.units.map((u, i) => ({
        account: unitAccount(i),
        kind: KIND[u.kind],
        renewable: u.renewable,
        feederId: FEEDER_ID,
        busId: u.bus,
        detailsHash: `0x${(i + 1).toString(16).padStart(64, "0")}`,
        detailsCid: `demo-market/${u.id}`,
      })),
    ),
  );
  booked(
    "setup",
    await wf.deposit(
      day.units.map((u, i) => ({ account: unitAccount(i), amount: DEPOSIT, label: u.id })),
    ),
  );
  advance("participants admitted and funded");

  // 2. Day-ahead: the operator opens one delivery period per slot (its grid prices, band and escrow
  //    bond) and the period's day-ahead interval; everyone offers its day-ahead forecast; the gate
  //    closes; every interval clears and its records are tallied (unmatched escrow comes back).
  const clock = chain.timeTravel
    ? DEVNET_CLOCK
    : realChainClock(options.leadS ?? 30, options.intervalS ?? 60);
  const now = await chain.latestTimestamp();
  const daGate = now + clock.daLead;
  const deliveryStart = now + clock.deliveryLead;
  const deliveryEnd = deliveryStart + intervals * clock.interval;
  const { periodIds } = booked(
    "open",
    await wf.openPeriods(
      day.gridBuyPrice.map((grid, t) => ({
        start: deliveryStart + t * clock.interval,
        duration: clock.interval,
        meteringWindow: clock.metering,
        gridBuyPrice: grid * PRICE_SCALE,
        feedInPrice: day.feedInPrice[t]! * PRICE_SCALE,
        bandBps: BAND_BPS,
        bondRate: BOND_RATE,
        minQuantityWh: MIN_ORDER_WH,
      })),
    ),
  );
  const openIntervals = async (kind: IntervalKind, gateClosure: number) =>
    booked(
      "open",
      await wf.openIntervals(
        periodIds.map((periodId) => ({ periodId, kind, gateClosure })),
        (t) => `open ${kind === IntervalKind.DayAhead ? "DA" : "ID"} ${t}`,
      ),
    ).intervalIds;
  const daIds = await openIntervals(IntervalKind.DayAhead, daGate);
  const daOrders: OrderSpec[] = [];
  day.units.forEach((u, i) =>
    u.dayAheadWh.forEach((wh, t) => {
      if (Math.abs(wh) >= MIN_ORDER_WH)
        daOrders.push(orderOf(day, i, daIds[t]!, wh, priceFor(day, u, t, wh > 0 ? "sell" : "buy")));
    }),
  );
  const daBooked = booked("place", await wf.placeOrders(daOrders)).orders;
  advance("day-ahead orders placed");
  await wf.waitUntil(daGate);
  const daClear = await clearAndTally(daIds, daBooked);
  advance("day-ahead cleared and tallied");

  // 3. Intraday, rolling as real intraday markets are: a second interval per period whose gate
  //    closes `idGateBeforeDelivery` before the period's delivery. Before each gate the metering
  //    head-end has reported every period delivered so far, the sellers are chosen from the
  //    indexed chain history (safety check, then evidence), their corrections go in, the gate
  //    closes and the interval clears and is tallied.
  const slotOf = new Map<bigint, number>();
  daIds.forEach((id, t) => slotOf.set(id, t));
  const ownerOf = new Map(daBooked.map((o) => [o.orderId, o]));
  const idGate = (t: number) => deliveryStart + t * clock.interval - clock.idGateBeforeDelivery;
  const idIds = booked(
    "open",
    await wf.openIntervals(
      periodIds.map((periodId, t) => ({
        periodId,
        kind: IntervalKind.Intraday,
        gateClosure: idGate(t),
      })),
      (t) => `open ID ${t}`,
    ),
  ).intervalIds;
  idIds.forEach((id, t) => slotOf.set(id, t));
  const sold = soldPerSlot(daClear.intervals, ownerOf, slotOf);
  const addressOf = (i: number) => chain.address(unitAccount(i));
  const idClear: Awaited<ReturnType<typeof clearAndTally>> = { intervals: [], released: [] };
  const idBooked: PlacedOrder[] = [];
  const evidence = emptyEvidence();
  const metered = new Set<number>();
  const live = await LiveHistory.open(chain, options.outages ? { outages: options.outages } : {});
  try {
    for (let t = 0; t < intervals; t++) {
      if (chain.timeTravel) await wf.waitUntil(idGate(t) - clock.placeLead);
      await meterDelivered(await chain.latestTimestamp());
      const slot = await intradaySlot(day, t, idIds[t]!, addressOf, sold, live);
      addEvidence(evidence, slot.evidence);
      // On a chain that waits, a slow slot can reach the next gate: its corrections are dropped.
      if ((await chain.latestTimestamp()) + 2 >= idGate(t)) evidence.missedGates++;
      else if (slot.orders.length > 0) {
        const placed = booked("place", await wf.placeOrders(slot.orders)).orders;
        for (const o of placed) ownerOf.set(o.orderId, o);
        idBooked.push(...placed);
      }
      await wf.waitUntil(idGate(t));
      const cleared = await clearAndTally(
        [idIds[t]!],
        idBooked.filter((o) => o.intervalId === idIds[t]),
      );
      idClear.intervals.push(...cleared.intervals);
      idClear.released.push(...cleared.released);
      advance(`intraday ${t + 1}/${intervals} cleared and tallied`);
    }
  } finally {
    await live.close();
  }

  // 4. The rest of delivery: the head-end reports the periods not reported yet.
  await wf.waitUntil(deliveryEnd + 1);
  await meterDelivered(deliveryEnd + 1);
  advance("meters reported");

  // 5. Settlement after the metering window: every interval of every period is tallied, so each
  //    interval pays its matches (the buyer pays for delivered energy, the harmed side is
  //    compensated) from its full record list.
  await wf.waitUntil(deliveryEnd + clock.metering + 1);
  const { settled } = booked(
    "settle",
    await wf.settle(
      [...daClear.intervals, ...idClear.intervals].map((iv) => ({
        intervalId: iv.intervalId,
        records: iv.records.map((r) => r.record),
      })),
    ),
  );
  advance("settled");

  // 6. Figures. Conservation: every deposited token is still in the market, available or locked.
  const heldAfter = await held();
  const deposited = DEPOSIT * BigInt(day.units.length) * 1000n; // milli-units
  const report = figures(day, {
    periodIds,
    markets: [
      { label: "day-ahead", ids: daIds, clear: daClear, orders: daBooked },
      { label: "intraday", ids: idIds, clear: idClear, orders: idBooked },
    ],
    ownerOf,
    settled,
  });
  log(
    `traded ${(report.tradedWh / 1000).toFixed(1)} kWh in ${report.summaries.filter((s) => s.matches > 0).length} interval auctions over ${intervals} delivery periods`,
  );
  return {
    prosumers,
    intervals,
    seed,
    units: [...new Set(day.units.map((u) => u.kind))].map((kind) => ({
      kind,
      count: day.units.filter((u) => u.kind === kind).length,
    })),
    totals: report.totals,
    evidence,
    gas: {
      total: Object.values(gas.perPhase).reduce((a, b) => a + b, 0),
      transactions: gas.transactions,
      perPhase: gas.perPhase,
    },
    wallTimeS: Math.round((Date.now() - started) / 100) / 10,
    moneyConserved:
      heldAfter.total === heldBefore.total + deposited && heldAfter.locked === heldBefore.locked,
    lockedAfterSettlement: (heldAfter.locked - heldBefore.locked).toString(),
    intervalsSummary: report.summaries,
  };

  /**
   * The operator's metering head-end, once per delivered period: the actual energy of every unit
   * that traded in it (day-ahead, intraday or both), for the periods that ended by `time`.
   */
  async function meterDelivered(time: number) {
    const due = periodIds.flatMap((periodId, t) =>
      !metered.has(t) && deliveryStart + (t + 1) * clock.interval <= time ? [{ periodId, t }] : [],
    );
    if (due.length === 0) return;
    const traded = new Set<string>(); // `${owner}:${slot}`
    for (const m of [...daClear.intervals, ...idClear.intervals].flatMap((iv) => iv.matches)) {
      const t = slotOf.get(m.intervalId)!;
      traded.add(`${ownerOf.get(m.sellOrderId)!.owner}:${t}`);
      traded.add(`${ownerOf.get(m.buyOrderId)!.owner}:${t}`);
    }
    booked(
      "meter",
      await wf.reportMeters(
        day.units.flatMap((u, i) => {
          const owner = addressOf(i);
          return due.flatMap(({ periodId, t }) =>
            traded.has(`${owner}:${t}`)
              ? [
                  {
                    periodId,
                    participant: owner,
                    producedWh: Math.max(0, u.actualWh[t]!),
                    consumedWh: Math.max(0, -u.actualWh[t]!),
                  },
                ]
              : [],
          );
        }),
      ),
    );
    for (const { t } of due) metered.add(t);
  }

  /**
   * Clears every interval, also those without orders (a period pays only once all of its
   * intervals are tallied, and tallying needs a cleared interval), then tallies each from its
   * clearing records: unmatched locks are released, traded energy enters the positions.
   */
  async function clearAndTally(ids: bigint[], orders: PlacedOrder[]) {
    const cleared = booked(
      "clear",
      await wf.clear(
        ids.map((intervalId) => ({
          intervalId,
          orders: orders.filter((o) => o.intervalId === intervalId),
        })),
      ),
    );
    const tallied = booked(
      "tally",
      await wf.tally(
        cleared.intervals.map((iv) => ({
          intervalId: iv.intervalId,
          records: iv.records.map((r) => r.record),
        })),
      ),
    );
    return { intervals: cleared.intervals, released: tallied.released };
  }
}

/** An order of unit `i` in an interval: `wh` > 0 sells, < 0 buys. */
function orderOf(
  day: DemoDay,
  i: number,
  intervalId: bigint,
  wh: number,
  price: number,
): OrderSpec {
  return {
    label: `order ${day.units[i]!.id} @${intervalId}`,
    account: unitAccount(i),
    intervalId,
    side: wh > 0 ? "sell" : "buy",
    price,
    quantity: Math.abs(wh),
  };
}

/**
 * Loads bid around their willingness to pay; storage buys cheap and sells dear; generators ask
 * their marginal price. A small, seeded spread keeps the book from being degenerate.
 */
function priceFor(day: DemoDay, u: DemoUnit, t: number, side: "buy" | "sell"): number {
  const wiggle = ((t * 7 + u.bus * 13) % 11) - 5;
  const base =
    side === "buy" && u.kind !== "load" ? Math.min(u.priceBase, day.gridBuyPrice[t]!) : u.priceBase;
  return (base + wiggle) * PRICE_SCALE;
}

/** Net sold Wh per owner and slot (`${owner}:${slot}`) over the matches of `cleared`. */
function soldPerSlot(
  cleared: ClearedInterval[],
  ownerOf: Map<bigint, PlacedOrder>,
  slotOf: Map<bigint, number>,
): Map<string, number> {
  const byUnitSlot = new Map<string, number>();
  const key = (o: PlacedOrder) => `${o.owner}:${slotOf.get(o.intervalId)}`;
  for (const m of cleared.flatMap((iv) => iv.matches)) {
    const sell = key(ownerOf.get(m.sellOrderId)!);
    const buy = key(ownerOf.get(m.buyOrderId)!);
    byUnitSlot.set(sell, (byUnitSlot.get(sell) ?? 0) + Number(m.quantity));
    byUnitSlot.set(buy, (byUnitSlot.get(buy) ?? 0) - Number(m.quantity));
  }
  return byUnitSlot;
}

type DemoEvidence = MarketDemoReport["evidence"];

function emptyEvidence(): DemoEvidence {
  return {
    intradaySellerSlots: 0,
    selections: 0,
    candidatesWithHistory: 0,
    admittedWithoutHistory: 0,
    excludedUnsafe: 0,
    deferredByEvidence: 0,
    decisions: 0,
    undecided: { unrated: 0, gap: 0, ignorance: 0, dominance: 0, noCandidate: 0 },
    missedGates: 0,
  };
}

function addEvidence(into: DemoEvidence, slot: DemoEvidence): void {
  for (const k of [
    "intradaySellerSlots",
    "selections",
    "candidatesWithHistory",
    "admittedWithoutHistory",
    "excludedUnsafe",
    "deferredByEvidence",
    "decisions",
    "missedGates",
  ] as const)
    into[k] += slot[k];
  for (const k of Object.keys(into.undecided) as (keyof DemoEvidence["undecided"])[])
    into.undecided[k] += slot.undecided[k];
}

/**
 * One slot's intraday book: every unit corrects towards its intraday forecast; buyers always
 * trade, sellers only when the safety check and their delivery evidence admit them. The evidence
 * is each seller's indexed chain history (LiveHistory: matched versus metered energy of the
 * periods metered so far, TDVA responses, outage records), as `gridledger evidence` shows it.
 */
async function intradaySlot(
  day: DemoDay,
  t: number,
  intervalId: bigint,
  addressOf: (unit: number) => Address,
  sold: Map<string, number>,
  live: LiveHistory,
): Promise<{ orders: OrderSpec[]; evidence: DemoEvidence }> {
  const evidence = emptyEvidence();
  const orders: OrderSpec[] = [];
  const sellers: { i: number; wh: number }[] = [];
  day.units.forEach((u, i) => {
    const correction = u.intradayWh[t]! - (sold.get(`${addressOf(i)}:${t}`) ?? 0);
    if (Math.abs(correction) < Math.max(MIN_ORDER_WH, 0.02 * u.capacityKW * 250)) return;
    if (correction > 0) sellers.push({ i, wh: correction });
    else orders.push(orderOf(day, i, intervalId, correction, priceFor(day, u, t, "buy")));
  });
  evidence.intradaySellerSlots = sellers.length;
  if (sellers.length === 0) return { orders, evidence };
  const candidates = await live.candidates(
    sellers.map(({ i }) => addressOf(i)),
    new Map(sellers.map(({ i }) => [addressOf(i).toLowerCase(), String(day.units[i]!.bus)])),
  );
  evidence.selections = 1;
  // The frame is the sellers with history: a newcomer has no evidence, so it would sit in every
  // focal set and no singleton could win (0306). Newcomers get the safety check only and are
  // admitted without evidence (never ruled out, never preferred).
  const rated = candidates.filter((c) => Object.keys(c.history).length > 0);
  const newcomers = candidates.filter((c) => Object.keys(c.history).length === 0);
  evidence.candidatesWithHistory = rated.length;
  evidence.admittedWithoutHistory = newcomers.length;
  // Local generation displaces import at the substation (bus 1): the check asks whether the
  // seller's bus can take the extra injection (over-voltage, line loading).
  const trade = {
    network: loadShippedNetwork("ieee33"),
    buyerBus: "1",
    quantityKW: Math.max(...sellers.map((s) => s.wh)) / 250,
  };
  const excluded = new Set<string>();
  let ranked: ReturnType<typeof selectCounterparty>["ranking"] = [];
  if (rated.length > 0) {
    const selection = selectCounterparty({ candidates: rated, trade });
    if (selection.decision) evidence.decisions++;
    else evidence.undecided[undecidedReason(selection)]++;
    for (const e of selection.excluded) excluded.add(e.id);
    ranked = selection.ranking;
  } else evidence.undecided.unrated++;
  if (newcomers.length > 0)
    for (const e of selectCounterparty({ candidates: newcomers, trade }).excluded)
      excluded.add(e.id);
  evidence.excludedUnsafe = excluded.size;
  for (const { i, wh } of sellers) {
    const owner = addressOf(i);
    if (excluded.has(owner)) continue;
    const r = ranked.find((c) => c.id === owner);
    // Evidence preference: sellers the fused evidence all but rules out as the best
    // counterparty (plausibility < 0.05, decision 0306) are not admitted to this interval.
    if (r && ranked.length > 2 && r.plausibility < 0.05) {
      evidence.deferredByEvidence++;
      continue;
    }
    orders.push(orderOf(day, i, intervalId, wh, priceFor(day, day.units[i]!, t, "sell")));
  }
  return { orders, evidence };
}

/** The first eq. (9) condition that failed, for a selection among rated sellers without a decision. */
function undecidedReason(
  selection: ReturnType<typeof selectCounterparty>,
): keyof DemoEvidence["undecided"] {
  if (!selection.rule) return "noCandidate";
  if (!selection.rule.checks.gap) return "gap";
  if (!selection.rule.checks.uncertainty) return "ignorance";
  return "dominance";
}

/** Per-interval summaries and the day's totals from what clearing, tally and settlement did. */
function figures(
  day: DemoDay,
  run: {
    periodIds: bigint[];
    markets: {
      label: IntervalSummary["market"];
      ids: bigint[];
      clear: { intervals: ClearedInterval[]; released: { intervalId: bigint; quantity: bigint }[] };
      orders: PlacedOrder[];
    }[];
    ownerOf: Map<bigint, PlacedOrder>;
    settled: SettledMatch[];
  },
) {
  const paid = new Map<bigint, { value: bigint; compensation: bigint }>();
  for (const s of run.settled) {
    const p = paid.get(s.intervalId) ?? { value: 0n, compensation: 0n };
    p.value += s.value;
    p.compensation += s.sellerCompensation + s.buyerCompensation;
    paid.set(s.intervalId, p);
  }
  const summaries: IntervalSummary[] = [];
  let valueBase = 0; // base units at clearing prices
  for (const { label, ids, clear, orders } of run.markets) {
    const released = new Map<bigint, bigint>();
    for (const r of clear.released)
      released.set(r.intervalId, (released.get(r.intervalId) ?? 0n) + r.quantity);
    const matched: MatchRecord[] = clear.intervals.flatMap((iv) => iv.matches);
    ids.forEach((intervalId, t) => {
      let tradedWh = 0;
      let renewable = 0;
      let value = 0;
      let count = 0;
      for (const m of matched) {
        if (m.intervalId !== intervalId) continue;
        const q = Number(m.quantity);
        tradedWh += q;
        value += q * Number(m.price);
        if (run.ownerOf.get(m.sellOrderId)?.renewable) renewable += q;
        count++;
      }
      const money = paid.get(intervalId) ?? { value: 0n, compensation: 0n };
      summaries.push({
        period: t,
        periodId: run.periodIds[t]!.toString(),
        market: label,
        intervalId: intervalId.toString(),
        orders: orders.filter((o) => o.intervalId === intervalId).length,
        matches: count,
        tradedWh,
        renewableWh: renewable,
        unmatchedWh: Number(released.get(intervalId) ?? 0n),
        averagePriceGLTPerKWh: tradedWh > 0 ? glt(value / tradedWh) : null,
        gridBuyGLTPerKWh: glt(day.gridBuyPrice[t]! * PRICE_SCALE),
        feedInGLTPerKWh: glt(day.feedInPrice[t]! * PRICE_SCALE),
        paidGLT: glt(Number(money.value / 1000n)),
        compensationGLT: glt(Number(money.compensation / 1000n)),
      });
      valueBase += value / 1000;
    });
  }
  const tradedWh = summaries.reduce((s, x) => s + x.tradedWh, 0);
  const sum = (pick: (x: IntervalSummary) => number) => summaries.reduce((a, x) => a + pick(x), 0);
  const marketWh = (m: IntervalSummary["market"]) =>
    summaries.filter((s) => s.market === m).reduce((s, x) => s + x.tradedWh, 0) / 1000;
  return {
    summaries,
    tradedWh,
    totals: {
      tradedKWh: Math.round(tradedWh) / 1000,
      renewableSharePct:
        tradedWh > 0
          ? Math.round((1000 * summaries.reduce((s, x) => s + x.renewableWh, 0)) / tradedWh) / 10
          : 0,
      dayAheadKWh: marketWh("day-ahead"),
      intradayKWh: marketWh("intraday"),
      valueGLT: glt(valueBase),
      paidGLT: glt(sum((x) => x.paidGLT) * 1e6),
      compensationGLT: glt(sum((x) => x.compensationGLT) * 1e6),
      averagePriceGLTPerKWh: tradedWh > 0 ? glt((valueBase * 1000) / tradedWh) : 0,
      orders: run.markets.reduce((s, m) => s + m.orders.length, 0),
      matches: summaries.reduce((s, x) => s + x.matches, 0),
    },
  };
}

/** HTML twin of the market report: prices and volumes per interval, totals, compensation. */
export function renderMarketReport(report: MarketDemoReport): string {
  const hour = (p: number) => (p * 24) / report.intervals;
  const series = (market: IntervalSummary["market"], pick: (s: IntervalSummary) => number | null) =>
    report.intervalsSummary
      .filter((s) => s.market === market && pick(s) !== null)
      .map((s) => [hour(s.period), pick(s)!] as [number, number]);
  const t = report.totals;
  const sections: Section[] = [
    {
      heading: "The day in figures",
      tables: [
        {
          title: "Totals",
          columns: [
            "prosumers",
            "intervals",
            "traded kWh",
            "day-ahead kWh",
            "intraday kWh",
            "renewable %",
            "value GLT",
            "paid GLT (delivered)",
            "compensation GLT",
            "avg price (GLT/kWh)",
            "orders",
            "matches",
            "gas",
            "transactions",
            "wall time s",
            "money conserved",
          ],
          rows: [
            [
              report.prosumers,
              report.intervals,
              t.tradedKWh,
              t.dayAheadKWh,
              t.intradayKWh,
              t.renewableSharePct,
              t.valueGLT,
              t.paidGLT,
              t.compensationGLT,
              t.averagePriceGLTPerKWh,
              t.orders,
              t.matches,
              report.gas.total,
              report.gas.transactions,
              report.wallTimeS,
              report.moneyConserved ? "yes" : "NO",
            ],
          ],
        },
        {
          title: "Units",
          columns: ["kind", "count"],
          rows: report.units.map((u) => [u.kind, u.count]),
        },
        {
          title: "Counterparty evidence (intraday)",
          columns: [
            "seller slots",
            "selections",
            "sellers with chain history (frame)",
            "newcomers admitted",
            "excluded by safety check",
            "deferred by evidence",
            "eq. (9) decisions",
            "undecided: no seller has history",
            "undecided: gap ≤ ε1",
            "undecided: M(Ω) ≥ ε2",
            "undecided: M(x) ≤ M(Ω)",
            "gates missed",
          ],
          rows: [
            [
              report.evidence.intradaySellerSlots,
              report.evidence.selections,
              report.evidence.candidatesWithHistory,
              report.evidence.admittedWithoutHistory,
              report.evidence.excludedUnsafe,
              report.evidence.deferredByEvidence,
              report.evidence.decisions,
              report.evidence.undecided.unrated,
              report.evidence.undecided.gap,
              report.evidence.undecided.ignorance,
              report.evidence.undecided.dominance,
              report.evidence.missedGates,
            ],
          ],
        },
      ],
    },
    {
      heading: "Prices",
      charts: [
        {
          title: "Volume-weighted trade price and grid prices",
          xLabel: "hour of day",
          yLabel: "GLT per kWh",
          series: [
            { name: "day-ahead", points: series("day-ahead", (s) => s.averagePriceGLTPerKWh) },
            { name: "intraday", points: series("intraday", (s) => s.averagePriceGLTPerKWh) },
            { name: "grid buy", points: series("day-ahead", (s) => s.gridBuyGLTPerKWh) },
            { name: "feed-in", points: series("day-ahead", (s) => s.feedInGLTPerKWh) },
          ],
        },
      ],
    },
    {
      heading: "Energy",
      charts: [
        {
          title: "Energy traded day-ahead per interval",
          xLabel: "hour of day",
          yLabel: "kWh",
          bars: true,
          series: [{ name: "day-ahead", points: series("day-ahead", (s) => s.tradedWh / 1000) }],
        },
        {
          title: "Energy traded intraday per interval",
          xLabel: "hour of day",
          yLabel: "kWh",
          bars: true,
          series: [{ name: "intraday", points: series("intraday", (s) => s.tradedWh / 1000) }],
        },
      ],
    },
    {
      heading: "Gas by phase",
      tables: [
        {
          title: "Gas",
          columns: ["phase", "gas"],
          rows: Object.entries(report.gas.perPhase).map(([k, v]) => [k, v]),
        },
      ],
    },
  ];
  return renderReport(
    `GridLedger demo: a trading day with ${report.prosumers} prosumers`,
    sections,
  );
}
