import type { Address } from "viem";
import { abis } from "@gridledger/protocol";
import { contractAddress } from "../chain/deployment.ts";
import { BaseError } from "@gridledger/domain/errors";
import { loadShippedNetwork } from "@gridledger/domain/networks";
import { buildClearingLists } from "@gridledger/domain/market";
import { clearingRecords, isUnmatchedRecord } from "@gridledger/protocol";
import { selectCounterparty, type Candidate } from "@gridledger/domain/evidence";
import { generateDemoDay, type DemoUnit, type UnitKind } from "./profiles.ts";
import { decodeLogs, type BatchReceipt, type BatchTx, type DemoChain } from "./liveDevnet.ts";
import { renderReport, type Section } from "./htmlReport.ts";

/**
 * `gridledger demo market`: one simulated trading day on a live devnet (MISSION.md section 2).
 * The operator opens one delivery period per 15-minute slot (grid prices, band, escrow bond) with a
 * day-ahead interval trading it. Day-ahead: every unit offers its day-ahead forecast for every
 * period, all intervals clear on-chain and are tallied. Intraday: a second interval per period;
 * units trade the difference between their intraday forecast and their day-ahead position; the
 * sellers admitted to each intraday interval are chosen with the evidence module (power-flow
 * safety check on the IEEE 33-bus feeder, then Dempster-Shafer fusion of each seller's delivery
 * history so far). After delivery the operator's metering head-end reports every unit's energy
 * once per period, and once both intervals of a period are tallied each settles with forecast
 * compensation. Choices the papers leave open are in docs/decisions/0801-market-demo-flow.md.
 */

/** First devnet account index of the demo's units (kept clear of the seeded cast and demos). */
const ACCOUNT_BASE = 100;
const FEEDER_ID = 33;
/** Profile prices are milli-GLT per kWh; on-chain prices are base units (10^-6 GLT) per kWh. */
const PRICE_SCALE = 1_000;
const GLT = 1_000_000n;
const DEPOSIT = 2_000n * GLT;
const INTERVAL_S = 900;
/** Seconds after delivery during which meters report (the demo moves the clock past it). */
const METERING_WINDOW_S = 7 * 86_400;
/** Penalty tolerance band of every period, basis points. */
const BAND_BPS = 500;
/** Minimum escrow per Wh of any order, milli-units (= 10 milli-GLT per kWh in profile units). */
const BOND_RATE = 10 * PRICE_SCALE;
/** Smallest order the periods accept, Wh (smaller forecasts and corrections are not offered). */
const MIN_ORDER_WH = 10;

const KIND_CODE: Record<UnitKind, number> = {
  pv: 1,
  wind: 2,
  storage: 5,
  load: 8,
  conventional: 7,
};

export type MarketDemoOptions = {
  prosumers: number;
  intervals: number;
  seed: number;
  log: (line: string) => void;
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
  /** Volume-weighted trade price, base units per kWh (null when nothing traded). */
  averagePrice: number | null;
  gridBuyPrice: number;
  feedInPrice: number;
  /** What buyers paid sellers for delivered energy at settlement, base units. */
  paidBaseUnits: string;
  compensationBaseUnits: string;
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
    averagePricePerKWh: number;
    orders: number;
    matches: number;
  };
  evidence: {
    intradaySellerSlots: number;
    excludedUnsafe: number;
    deferredByEvidence: number;
    decisions: number;
  };
  gas: { total: number; transactions: number; perPhase: Record<string, number> };
  wallTimeS: number;
  moneyConserved: boolean;
  lockedAfterSettlement: string;
  intervalsSummary: IntervalSummary[];
};

type Booked = {
  intervalId: bigint;
  orderId: bigint;
  owner: Address;
  side: "buy" | "sell";
  price: number;
  quantity: number;
  renewable: boolean;
};

function sumGas(receipts: BatchReceipt[]): number {
  return receipts.reduce((s, r) => s + r.gasUsed, 0);
}

/** Runs the trading day; throws if any on-chain step fails. */
export async function runMarketDemo(
  chain: DemoChain,
  options: MarketDemoOptions,
): Promise<MarketDemoReport> {
  const started = Date.now();
  const { prosumers, intervals, seed, log } = options;
  if (prosumers < 2 || prosumers > 400)
    throw new BaseError("--prosumers must be between 2 and 400");
  if (intervals < 1 || intervals > 96) throw new BaseError("--intervals must be between 1 and 96");
  const day = generateDemoDay({ prosumers, intervals, seed });
  const network = loadShippedNetwork("ieee33");
  const market = contractAddress(chain.deployment, "EnergyMarket");
  const registry = contractAddress(chain.deployment, "ParticipantRegistry");
  const token = contractAddress(chain.deployment, "GridToken");
  const marketAbi = abis.EnergyMarket;
  const gasByPhase: Record<string, number> = {};
  let txCount = 0;
  const totalSteps = 7;
  let step = 0;
  const advance = (phase: string) => options.progress?.(++step, totalSteps, phase);
  const batch = async (phase: string, txs: BatchTx[]) => {
    const receipts = await chain.sendBatch(txs);
    gasByPhase[phase] = (gasByPhase[phase] ?? 0) + sumGas(receipts);
    txCount += receipts.length;
    return receipts;
  };
  const unitIndex = (i: number) => ACCOUNT_BASE + i;
  const addressOf = new Map<Address, DemoUnit>();
  day.units.forEach((u, i) => addressOf.set(chain.address(unitIndex(i)), u));

  // Market balances before this run (a rerun on the same devnet reuses the accounts).
  const held = async () => {
    let total = 0n;
    let locked = 0n;
    for (let i = 0; i < day.units.length; i++) {
      const [available, lock] = await chain.publicClient.readContract({
        address: market,
        abi: marketAbi,
        functionName: "balanceOf",
        args: [chain.address(unitIndex(i))],
      });
      total += available + lock;
      locked += lock;
    }
    return { total, locked };
  };
  const heldBefore = await held();

  // 1. Participants: admitted by the operator, funded and deposited (idempotent per account).
  for (let i = 0; i < day.units.length; i++) await chain.fund(unitIndex(i));
  const prosumerRole = await chain.publicClient.readContract({
    address: registry,
    abi: abis.ParticipantRegistry,
    functionName: "PROSUMER_ROLE",
  });
  const statuses = await Promise.all(
    day.units.map((_, i) =>
      chain.publicClient.readContract({
        address: registry,
        abi: abis.ParticipantRegistry,
        functionName: "participant",
        args: [chain.address(unitIndex(i))],
      }),
    ),
  );
  await batch(
    "setup",
    day.units.flatMap((u, i) =>
      statuses[i]!.status === 0
        ? [
            {
              label: `apply ${u.id}`,
              signer: unitIndex(i),
              address: registry,
              abi: abis.ParticipantRegistry,
              functionName: "applyAsParticipant",
              args: [
                KIND_CODE[u.kind],
                u.renewable,
                FEEDER_ID,
                u.bus,
                `0x${(i + 1).toString(16).padStart(64, "0")}`,
                `demo-market/${u.id}`,
              ],
              gas: 300_000n,
            },
          ]
        : [],
    ),
  );
  // The operator approves the application it reads now (approve names it by its hash).
  const applications = await Promise.all(
    day.units.map((_, i) =>
      chain.publicClient.readContract({
        address: registry,
        abi: abis.ParticipantRegistry,
        functionName: "applicationHash",
        args: [chain.address(unitIndex(i))],
      }),
    ),
  );
  await batch(
    "setup",
    day.units.flatMap((u, i) => [
      ...(statuses[i]!.status !== 2
        ? [
            {
              label: `approve ${u.id}`,
              signer: 0,
              address: registry,
              abi: abis.ParticipantRegistry,
              functionName: "approve",
              args: [chain.address(unitIndex(i)), prosumerRole, applications[i]!],
              gas: 200_000n,
            },
          ]
        : []),
      {
        label: `mint ${u.id}`,
        signer: 0,
        address: token,
        abi: abis.GridToken,
        functionName: "mint",
        args: [chain.address(unitIndex(i)), DEPOSIT],
        gas: 100_000n,
      },
    ]),
  );
  await batch(
    "setup",
    day.units.flatMap((u, i) => [
      {
        label: `allow ${u.id}`,
        signer: unitIndex(i),
        address: token,
        abi: abis.GridToken,
        functionName: "approve",
        args: [market, DEPOSIT],
        gas: 100_000n,
      },
      {
        label: `deposit ${u.id}`,
        signer: unitIndex(i),
        address: market,
        abi: marketAbi,
        functionName: "deposit",
        args: [DEPOSIT],
        gas: 150_000n,
      },
    ]),
  );
  advance("participants admitted and funded");

  // 2. Day-ahead: the operator opens one delivery period per slot (its grid prices, band and escrow
  //    bond) and the period's day-ahead interval; everyone offers its day-ahead forecast; the gate
  //    closes; every interval clears and its records are tallied (unmatched escrow comes back).
  const now = await chain.latestTimestamp();
  const daGate = now + 600;
  const idGate = now + 1_800;
  const deliveryStart = now + 3_600;
  const deliveryEnd = deliveryStart + intervals * INTERVAL_S;
  const slotStart = (t: number) => deliveryStart + t * INTERVAL_S;
  const periodReceipts = await batch(
    "open",
    day.gridBuyPrice.map((grid, t) => ({
      label: `open period ${t}`,
      signer: 0,
      address: market,
      abi: marketAbi,
      functionName: "openPeriod",
      args: [
        slotStart(t),
        INTERVAL_S,
        METERING_WINDOW_S,
        grid * PRICE_SCALE,
        day.feedInPrice[t]! * PRICE_SCALE,
        BAND_BPS,
        BOND_RATE,
        MIN_ORDER_WH,
      ],
      gas: 250_000n,
    })),
  );
  const periodByStart = new Map<number, bigint>();
  for (const l of decodeLogs(marketAbi, periodReceipts)) {
    if (l.eventName !== "PeriodOpened") continue;
    const a = l.args as { periodId: bigint; start: number };
    periodByStart.set(Number(a.start), a.periodId);
  }
  const periodIds = day.gridBuyPrice.map((_, t) => periodByStart.get(slotStart(t))!);
  /** Slot index of every interval the demo opened (day-ahead and intraday). */
  const slotOf = new Map<bigint, number>();
  const openIntervals = async (kind: 0 | 1, gate: number) => {
    const receipts = await batch(
      "open",
      periodIds.map((periodId, t) => ({
        label: `open ${kind === 0 ? "DA" : "ID"} ${t}`,
        signer: 0,
        address: market,
        abi: marketAbi,
        functionName: "openInterval",
        args: [periodId, kind, gate],
        gas: 250_000n,
      })),
    );
    const byPeriod = new Map<bigint, bigint>();
    for (const l of decodeLogs(marketAbi, receipts)) {
      if (l.eventName !== "IntervalOpened") continue;
      const a = l.args as { intervalId: bigint; periodId: bigint };
      byPeriod.set(a.periodId, a.intervalId);
    }
    return periodIds.map((periodId, t) => {
      const id = byPeriod.get(periodId)!;
      slotOf.set(id, t);
      return id;
    });
  };
  const daIds = await openIntervals(0, daGate);
  const orderTx = (unit: number, intervalId: bigint, wh: number, price: number): BatchTx => ({
    label: `order ${day.units[unit]!.id} @${intervalId}`,
    signer: unitIndex(unit),
    address: market,
    abi: marketAbi,
    functionName: "placeOrder",
    args: [intervalId, wh > 0 ? 1 : 0, price, Math.abs(wh)],
    gas: 200_000n,
  });
  const priceFor = (u: DemoUnit, t: number, side: "buy" | "sell") => {
    // Loads bid around their willingness to pay; storage buys cheap and sells dear; generators ask
    // their marginal price. A small, seeded spread keeps the book from being degenerate.
    const wiggle = ((t * 7 + u.bus * 13) % 11) - 5;
    const base =
      side === "buy" && u.kind !== "load"
        ? Math.min(u.priceBase, day.gridBuyPrice[t]!)
        : u.priceBase;
    return (base + wiggle) * PRICE_SCALE;
  };
  const daOrders: BatchTx[] = [];
  day.units.forEach((u, i) =>
    u.dayAheadWh.forEach((wh, t) => {
      if (Math.abs(wh) >= MIN_ORDER_WH)
        daOrders.push(orderTx(i, daIds[t]!, wh, priceFor(u, t, wh > 0 ? "sell" : "buy")));
    }),
  );
  const booked = decodeBooked(await batch("place", daOrders));
  advance("day-ahead orders placed");
  await chain.increaseTime(daGate - (await chain.latestTimestamp()));
  const daClear = await clearAll(daIds, booked);
  const daTally = await tallyAll(daIds, daClear.records);
  advance("day-ahead cleared and tallied");

  // 3. Intraday: a second interval for every period, correcting towards the intraday forecast;
  //    sellers admitted by safety + evidence.
  const position = (receipts: BatchReceipt[]) => {
    const byUnitSlot = new Map<string, number>(); // net sold Wh per owner and slot
    for (const l of decodeLogs(marketAbi, receipts)) {
      if (l.eventName !== "Matched") continue;
      const a = l.args as { sellOrderId: bigint; buyOrderId: bigint; quantity: bigint };
      const sell = bookedById.get(a.sellOrderId)!;
      const buy = bookedById.get(a.buyOrderId)!;
      const key = (o: Booked) => `${o.owner}:${slotOf.get(o.intervalId)}`;
      byUnitSlot.set(key(sell), (byUnitSlot.get(key(sell)) ?? 0) + Number(a.quantity));
      byUnitSlot.set(key(buy), (byUnitSlot.get(key(buy)) ?? 0) - Number(a.quantity));
    }
    return byUnitSlot;
  };
  const bookedById = new Map<bigint, Booked>();
  for (const o of booked) bookedById.set(o.orderId, o);
  const daPosition = position(daClear.receipts);
  const idIds = await openIntervals(1, idGate);
  const history = new Map<Address, { forecastKWh: number; actualKWh: number }[]>();
  const evidenceStats = {
    intradaySellerSlots: 0,
    excludedUnsafe: 0,
    deferredByEvidence: 0,
    decisions: 0,
  };
  const idOrders: BatchTx[] = [];
  for (let t = 0; t < intervals; t++) {
    const sellers: { i: number; wh: number }[] = [];
    day.units.forEach((u, i) => {
      const owner = chain.address(unitIndex(i));
      const sold = daPosition.get(`${owner}:${t}`) ?? 0;
      const correction = u.intradayWh[t]! - sold;
      if (Math.abs(correction) < Math.max(MIN_ORDER_WH, 0.02 * u.capacityKW * 250)) return;
      if (correction > 0) sellers.push({ i, wh: correction });
      else idOrders.push(orderTx(i, idIds[t]!, correction, priceFor(u, t, "buy")));
    });
    evidenceStats.intradaySellerSlots += sellers.length;
    if (sellers.length > 0) {
      const candidates: Candidate[] = sellers.map(({ i }) => {
        const owner = chain.address(unitIndex(i));
        const past = history.get(owner) ?? [];
        return {
          id: owner,
          bus: String(day.units[i]!.bus),
          history: past.length > 0 ? { forecasts: past.slice(-16) } : {},
        };
      });
      // Local generation displaces import at the substation (bus 1): the check asks whether the
      // seller's bus can take the extra injection (over-voltage, line loading).
      const buyerBus = "1";
      const quantityKW = Math.max(...sellers.map((s) => s.wh)) / 250;
      const selection = selectCounterparty({
        candidates,
        trade: { network, buyerBus, quantityKW },
      });
      if (selection.decision) evidenceStats.decisions++;
      const excluded = new Set(selection.excluded.map((e) => e.id));
      evidenceStats.excludedUnsafe += excluded.size;
      const ranked = selection.ranking;
      const meanMass = ranked.reduce((s, r) => s + r.mass, 0) / Math.max(1, ranked.length);
      for (const { i, wh } of sellers) {
        const owner = chain.address(unitIndex(i));
        if (excluded.has(owner)) continue;
        const r = ranked.find((c) => c.id === owner);
        // Evidence preference: sellers whose fused reliability mass is far below the field's are
        // not admitted to this intraday interval (buyers would not pick them as counterparties).
        if (r && ranked.length > 2 && r.mass < 0.5 * meanMass) {
          evidenceStats.deferredByEvidence++;
          continue;
        }
        idOrders.push(orderTx(i, idIds[t]!, wh, priceFor(day.units[i]!, t, "sell")));
      }
    }
    // This interval's delivery becomes history for the next one (forecast accuracy evidence).
    day.units.forEach((u, i) => {
      if (u.dayAheadWh[t]! <= 0) return;
      const owner = chain.address(unitIndex(i));
      const past = history.get(owner) ?? [];
      past.push({
        forecastKWh: u.dayAheadWh[t]! / 1000,
        actualKWh: Math.max(0, u.actualWh[t]!) / 1000,
      });
      history.set(owner, past);
    });
  }
  const idBooked = decodeBooked(await batch("place", idOrders));
  for (const o of idBooked) bookedById.set(o.orderId, o);
  advance("intraday orders placed");
  await chain.increaseTime(idGate - (await chain.latestTimestamp()));
  const idClear = await clearAll(idIds, idBooked);
  const idTally = await tallyAll(idIds, idClear.records);
  advance("intraday cleared and tallied");

  // 4. Delivery and metering: the operator's metering head-end reports, once per period, the
  //    actual energy of every unit that traded in it (day-ahead, intraday or both).
  await chain.increaseTime(deliveryEnd + 1 - (await chain.latestTimestamp()));
  const traded = new Set<string>(); // `${owner}:${slot}`
  for (const l of decodeLogs(marketAbi, [...daClear.receipts, ...idClear.receipts])) {
    if (l.eventName !== "Matched") continue;
    const a = l.args as { intervalId: bigint; sellOrderId: bigint; buyOrderId: bigint };
    const t = slotOf.get(a.intervalId)!;
    traded.add(`${bookedById.get(a.sellOrderId)!.owner}:${t}`);
    traded.add(`${bookedById.get(a.buyOrderId)!.owner}:${t}`);
  }
  const reports: BatchTx[] = [];
  day.units.forEach((u, i) => {
    const owner = chain.address(unitIndex(i));
    for (let t = 0; t < intervals; t++) {
      if (!traded.has(`${owner}:${t}`)) continue;
      reports.push({
        label: `meter ${u.id} @period ${periodIds[t]}`,
        signer: 0,
        address: market,
        abi: marketAbi,
        functionName: "reportMeter",
        args: [periodIds[t]!, owner, Math.max(0, u.actualWh[t]!), Math.max(0, -u.actualWh[t]!)],
        gas: 200_000n,
      });
    }
  });
  await batch("meter", reports);
  advance("meters reported");

  // 5. Settlement after the metering window: every interval of every period is tallied, so each
  //    interval pays its matches (the buyer pays for delivered energy, the harmed side is
  //    compensated) from its full record list.
  await chain.increaseTime(METERING_WINDOW_S + 1);
  const allRecords = new Map([...daClear.records, ...idClear.records]);
  const settleReceipts = await batch(
    "settle",
    [...daIds, ...idIds].map((id) => {
      const records = allRecords.get(id) ?? [];
      const matches = records.filter((r) => !isUnmatchedRecord(r)).length;
      return {
        label: `settle ${id}`,
        signer: 0,
        address: market,
        abi: marketAbi,
        functionName: "settle",
        args: [id, records],
        gas: 200_000n + 60_000n * BigInt(matches) + 5_000n * BigInt(records.length),
      };
    }),
  );
  advance("settled");

  // 6. Figures.
  const paid = new Map<bigint, { value: bigint; compensation: bigint }>();
  for (const l of decodeLogs(marketAbi, settleReceipts)) {
    if (l.eventName !== "MatchSettled") continue;
    const a = l.args as {
      intervalId: bigint;
      value: bigint;
      sellerCompensation: bigint;
      buyerCompensation: bigint;
    };
    const p = paid.get(a.intervalId) ?? { value: 0n, compensation: 0n };
    p.value += a.value;
    p.compensation += a.sellerCompensation + a.buyerCompensation;
    paid.set(a.intervalId, p);
  }
  const released = new Map<bigint, bigint>();
  for (const l of decodeLogs(marketAbi, [...daTally, ...idTally])) {
    if (l.eventName !== "RemainderReleased") continue;
    const a = l.args as { intervalId: bigint; quantity: bigint };
    released.set(a.intervalId, (released.get(a.intervalId) ?? 0n) + a.quantity);
  }
  const summaries: IntervalSummary[] = [];
  const summarise = (
    ids: bigint[],
    receipts: BatchReceipt[],
    orders: Booked[],
    label: IntervalSummary["market"],
  ) => {
    const matched = decodeLogs(marketAbi, receipts).filter((l) => l.eventName === "Matched");
    ids.forEach((intervalId, t) => {
      let tradedWh = 0;
      let renewable = 0;
      let value = 0;
      let count = 0;
      for (const l of matched) {
        const a = l.args as {
          intervalId: bigint;
          sellOrderId: bigint;
          quantity: bigint;
          price: bigint;
        };
        if (a.intervalId !== intervalId) continue;
        const q = Number(a.quantity);
        tradedWh += q;
        value += q * Number(a.price);
        if (bookedById.get(a.sellOrderId)?.renewable) renewable += q;
        count++;
      }
      const money = paid.get(intervalId) ?? { value: 0n, compensation: 0n };
      summaries.push({
        period: t,
        periodId: periodIds[t]!.toString(),
        market: label,
        intervalId: intervalId.toString(),
        orders: orders.filter((o) => o.intervalId === intervalId).length,
        matches: count,
        tradedWh,
        renewableWh: renewable,
        unmatchedWh: Number(released.get(intervalId) ?? 0n),
        averagePrice: tradedWh > 0 ? Math.round(value / tradedWh) : null,
        gridBuyPrice: day.gridBuyPrice[t]! * PRICE_SCALE,
        feedInPrice: day.feedInPrice[t]! * PRICE_SCALE,
        paidBaseUnits: (money.value / 1000n).toString(),
        compensationBaseUnits: (money.compensation / 1000n).toString(),
      });
    });
  };
  summarise(daIds, daClear.receipts, booked, "day-ahead");
  summarise(idIds, idClear.receipts, idBooked, "intraday");

  // Conservation: every deposited token is still in the market, as available or locked balance.
  const heldAfter = await held();
  const deposited = DEPOSIT * BigInt(day.units.length) * 1000n; // milli-units
  const tradedWh = summaries.reduce((s, x) => s + x.tradedWh, 0);
  const valueBase = summaries.reduce((s, x) => s + (x.averagePrice ?? 0) * x.tradedWh, 0) / 1000;
  const paidBase = summaries.reduce((s, x) => s + Number(x.paidBaseUnits), 0);
  const compensationBase = summaries.reduce((s, x) => s + Number(x.compensationBaseUnits), 0);
  const gasTotal = Object.values(gasByPhase).reduce((a, b) => a + b, 0);
  const kinds = [...new Set(day.units.map((u) => u.kind))].map((kind) => ({
    kind,
    count: day.units.filter((u) => u.kind === kind).length,
  }));
  log(
    `traded ${(tradedWh / 1000).toFixed(1)} kWh in ${summaries.filter((s) => s.matches > 0).length} interval auctions over ${intervals} delivery periods`,
  );

  /**
   * Clears every interval, also those without orders: a period pays only once all of its
   * intervals are tallied, and tallying needs a cleared interval. Returns each interval's
   * clearing records (Matched and Unmatched in log order), the input of `tally` and `settle`.
   */
  async function clearAll(ids: bigint[], orders: Booked[]) {
    const txs: BatchTx[] = [];
    for (const intervalId of ids) {
      const mine = orders.filter((o) => o.intervalId === intervalId);
      const lists = buildClearingLists(
        mine.map((o) => ({
          id: o.orderId,
          seq: Number(o.orderId & 0xffffffffn),
          side: o.side,
          price: o.price,
          renewable: o.renewable,
        })),
      );
      txs.push({
        label: `clear ${intervalId}`,
        signer: 0,
        address: market,
        abi: marketAbi,
        functionName: "clear",
        args: [intervalId, lists.renewableSells, lists.conventionalSells, lists.buys],
        gas: 300_000n + 40_000n * BigInt(mine.length),
      });
    }
    const receipts = await batch("clear", txs);
    return { receipts, records: clearingRecords(decodeLogs(marketAbi, receipts)) };
  }

  /** Tallies every interval: unmatched locks are released, traded energy enters the positions. */
  async function tallyAll(ids: bigint[], records: Map<bigint, bigint[]>) {
    return batch(
      "tally",
      ids.map((intervalId) => {
        const list = records.get(intervalId) ?? [];
        return {
          label: `tally ${intervalId}`,
          signer: 0,
          address: market,
          abi: marketAbi,
          functionName: "tally",
          args: [intervalId, list],
          gas: 150_000n + 60_000n * BigInt(list.length),
        };
      }),
    );
  }

  return {
    prosumers,
    intervals,
    seed,
    units: kinds,
    totals: {
      tradedKWh: Math.round(tradedWh) / 1000,
      renewableSharePct:
        tradedWh > 0
          ? Math.round((1000 * summaries.reduce((s, x) => s + x.renewableWh, 0)) / tradedWh) / 10
          : 0,
      dayAheadKWh:
        summaries.filter((s) => s.market === "day-ahead").reduce((s, x) => s + x.tradedWh, 0) /
        1000,
      intradayKWh:
        summaries.filter((s) => s.market === "intraday").reduce((s, x) => s + x.tradedWh, 0) / 1000,
      valueGLT: Math.round(valueBase) / 1e6,
      paidGLT: paidBase / 1e6,
      compensationGLT: compensationBase / 1e6,
      averagePricePerKWh: tradedWh > 0 ? Math.round((valueBase * 1000) / tradedWh) : 0,
      orders: booked.length + idBooked.length,
      matches: summaries.reduce((s, x) => s + x.matches, 0),
    },
    evidence: evidenceStats,
    gas: { total: gasTotal, transactions: txCount, perPhase: gasByPhase },
    wallTimeS: Math.round((Date.now() - started) / 100) / 10,
    moneyConserved:
      heldAfter.total === heldBefore.total + deposited && heldAfter.locked === heldBefore.locked,
    lockedAfterSettlement: (heldAfter.locked - heldBefore.locked).toString(),
    intervalsSummary: summaries,
  };
}

function decodeBooked(receipts: BatchReceipt[]): Booked[] {
  return decodeLogs(abis.EnergyMarket, receipts)
    .filter((l) => l.eventName === "OrderPlaced")
    .map((l) => {
      const a = l.args as {
        intervalId: bigint;
        orderId: bigint;
        owner: Address;
        side: number;
        renewable: boolean;
        price: number;
        quantity: number;
      };
      return {
        intervalId: a.intervalId,
        orderId: a.orderId,
        owner: a.owner,
        side: a.side === 1 ? "sell" : "buy",
        price: Number(a.price),
        quantity: Number(a.quantity),
        renewable: a.renewable,
      };
    });
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
            "avg price (base units/kWh)",
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
              t.averagePricePerKWh,
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
            "excluded by safety check",
            "deferred by evidence",
            "eq. (9) decisions",
          ],
          rows: [
            [
              report.evidence.intradaySellerSlots,
              report.evidence.excludedUnsafe,
              report.evidence.deferredByEvidence,
              report.evidence.decisions,
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
          yLabel: "base units per kWh",
          series: [
            { name: "day-ahead", points: series("day-ahead", (s) => s.averagePrice) },
            { name: "intraday", points: series("intraday", (s) => s.averagePrice) },
            { name: "grid buy", points: series("day-ahead", (s) => s.gridBuyPrice) },
            { name: "feed-in", points: series("day-ahead", (s) => s.feedInPrice) },
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
          yLabel: "Wh",
          bars: true,
          series: [{ name: "day-ahead", points: series("day-ahead", (s) => s.tradedWh) }],
        },
        {
          title: "Energy traded intraday per interval",
          xLabel: "hour of day",
          yLabel: "Wh",
          bars: true,
          series: [{ name: "intraday", points: series("intraday", (s) => s.tradedWh) }],
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
