import type { Address } from "viem";
import { abis } from "../contracts/abis.ts";
import { contractAddress } from "../chain/deployment.ts";
import { BaseError } from "../common/errors.ts";
import { loadShippedNetwork } from "../grid/loadNetwork.ts";
import { buildClearingLists } from "../market/clearingLists.ts";
import { selectCounterparty, type Candidate } from "../evidence/selectCounterparty.ts";
import { generateDemoDay, type DemoUnit, type UnitKind } from "./profiles.ts";
import { decodeLogs, type BatchReceipt, type BatchTx, type DemoChain } from "./liveDevnet.ts";
import { renderReport, type Section } from "./htmlReport.ts";

/**
 * `gridledger demo market`: one simulated trading day on a live devnet (MISSION.md section 2).
 * Day-ahead: every unit offers its day-ahead forecast for every interval, all intervals clear
 * on-chain. Intraday: units trade the difference between their intraday forecast and their
 * day-ahead position; the sellers admitted to each intraday interval are chosen with the evidence
 * module (power-flow safety check on the IEEE 33-bus feeder, then Dempster-Shafer fusion of each
 * seller's delivery history so far). After delivery the operator's metering head-end reports every
 * unit's energy and each interval settles with forecast compensation. Choices the papers leave
 * open are in docs/decisions/0801-market-demo-flow.md.
 */

/** First devnet account index of the demo's units (kept clear of the seeded cast and demos). */
const ACCOUNT_BASE = 100;
const FEEDER_ID = 33;
/** Profile prices are milli-GLT per kWh; on-chain prices are base units (10^-6 GLT) per kWh. */
const PRICE_SCALE = 1_000;
const GLT = 1_000_000n;
const DEPOSIT = 2_000n * GLT;
const INTERVAL_S = 900;

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
  period: number;
  market: "day-ahead" | "intraday";
  intervalId: string;
  orders: number;
  matches: number;
  tradedWh: number;
  renewableWh: number;
  /** Volume-weighted trade price, base units per kWh (null when nothing traded). */
  averagePrice: number | null;
  gridBuyPrice: number;
  feedInPrice: number;
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
    valueGLT: number;
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
              args: [chain.address(unitIndex(i)), prosumerRole],
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

  // 2. Day-ahead: open every interval, everyone offers its day-ahead forecast, gate closes, clear.
  const now = await chain.latestTimestamp();
  const daGate = now + 600;
  const idGate = now + 1_800;
  const deliveryStart = now + 3_600;
  const deliveryEnd = deliveryStart + intervals * INTERVAL_S;
  const openIntervals = async (kind: 0 | 1, gate: number) => {
    const receipts = await batch(
      "open",
      day.gridBuyPrice.map((grid, t) => ({
        label: `open ${kind === 0 ? "DA" : "ID"} ${t}`,
        signer: 0,
        address: market,
        abi: marketAbi,
        functionName: "openIntervalWithParams",
        args: [
          kind,
          deliveryStart + t * INTERVAL_S,
          INTERVAL_S,
          gate,
          7 * 86_400,
          grid * PRICE_SCALE,
          day.feedInPrice[t]! * PRICE_SCALE,
          500,
        ],
        gas: 300_000n,
      })),
    );
    return decodeLogs(marketAbi, receipts)
      .filter((l) => l.eventName === "IntervalOpened")
      .map((l) => (l.args as { intervalId: bigint }).intervalId);
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
      if (Math.abs(wh) >= 10)
        daOrders.push(orderTx(i, daIds[t]!, wh, priceFor(u, t, wh > 0 ? "sell" : "buy")));
    }),
  );
  const booked = decodeBooked(await batch("place", daOrders));
  advance("day-ahead orders placed");
  await chain.increaseTime(daGate - (await chain.latestTimestamp()));
  const daClear = await clearAll(daIds, booked);
  advance("day-ahead cleared");

  // 3. Intraday: correct towards the intraday forecast; sellers admitted by safety + evidence.
  const position = (receipts: BatchReceipt[]) => {
    const byUnitPeriod = new Map<string, number>(); // net sold Wh
    for (const l of decodeLogs(marketAbi, receipts)) {
      if (l.eventName !== "Matched") continue;
      const a = l.args as { sellOrderId: bigint; buyOrderId: bigint; quantity: bigint };
      const sell = bookedById.get(a.sellOrderId)!;
      const buy = bookedById.get(a.buyOrderId)!;
      const key = (o: Booked) => `${o.owner}:${o.intervalId}`;
      byUnitPeriod.set(key(sell), (byUnitPeriod.get(key(sell)) ?? 0) + Number(a.quantity));
      byUnitPeriod.set(key(buy), (byUnitPeriod.get(key(buy)) ?? 0) - Number(a.quantity));
    }
    return byUnitPeriod;
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
      const sold = daPosition.get(`${owner}:${daIds[t]}`) ?? 0;
      const correction = u.intradayWh[t]! - sold;
      if (Math.abs(correction) < Math.max(10, 0.02 * u.capacityKW * 250)) return;
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
  advance("intraday cleared");

  // 4. Delivery and metering: each unit's actual energy is shared over its day-ahead and intraday
  //    positions pro rata (decision 0801), reported by the operator's metering head-end.
  await chain.increaseTime(deliveryEnd + 1 - (await chain.latestTimestamp()));
  const idPosition = position(idClear.receipts);
  const reports: BatchTx[] = [];
  day.units.forEach((u, i) => {
    const owner = chain.address(unitIndex(i));
    for (let t = 0; t < intervals; t++) {
      const da = daPosition.get(`${owner}:${daIds[t]}`) ?? 0;
      const id = idPosition.get(`${owner}:${idIds[t]}`) ?? 0;
      const sold = Math.max(0, da) + Math.max(0, id);
      const bought = Math.max(0, -da) + Math.max(0, -id);
      const produced = Math.max(0, u.actualWh[t]!);
      const consumed = Math.max(0, -u.actualWh[t]!);
      for (const [intervalId, pos] of [
        [daIds[t]!, da],
        [idIds[t]!, id],
      ] as const) {
        if (pos === 0) continue;
        const p = pos > 0 ? Math.floor((produced * pos) / sold) : 0;
        const c = pos < 0 ? Math.floor((consumed * -pos) / bought) : 0;
        reports.push({
          label: `meter ${u.id} @${intervalId}`,
          signer: 0,
          address: market,
          abi: marketAbi,
          functionName: "reportMeter",
          args: [intervalId, owner, p, c],
          gas: 200_000n,
        });
      }
    }
  });
  await batch("meter", reports);
  advance("meters reported");

  // 5. Settlement after the metering window.
  await chain.increaseTime(7 * 86_400 + 1);
  const matchesOf = (receipts: BatchReceipt[]) => {
    const byInterval = new Map<bigint, bigint[]>();
    for (const l of decodeLogs(marketAbi, receipts)) {
      if (l.eventName !== "Matched") continue;
      const a = l.args as {
        intervalId: bigint;
        sellOrderId: bigint;
        buyOrderId: bigint;
        quantity: bigint;
        price: bigint;
      };
      const packed =
        (a.sellOrderId & 0xffffffffn) |
        ((a.buyOrderId & 0xffffffffn) << 32n) |
        (a.quantity << 64n) |
        (a.price << 104n);
      byInterval.set(a.intervalId, [...(byInterval.get(a.intervalId) ?? []), packed]);
    }
    return byInterval;
  };
  const allMatches = new Map([...matchesOf(daClear.receipts), ...matchesOf(idClear.receipts)]);
  const settleReceipts = await batch(
    "settle",
    [...daIds, ...idIds]
      .filter((id) => (allMatches.get(id) ?? []).length > 0)
      .map((id) => ({
        label: `settle ${id}`,
        signer: 0,
        address: market,
        abi: marketAbi,
        functionName: "settle",
        args: [id, allMatches.get(id)!],
        gas: 200_000n + 60_000n * BigInt(allMatches.get(id)!.length),
      })),
  );
  advance("settled");

  // 6. Figures.
  const compensation = new Map<bigint, bigint>();
  for (const l of decodeLogs(marketAbi, settleReceipts)) {
    if (l.eventName !== "MatchSettled") continue;
    const a = l.args as {
      intervalId: bigint;
      sellerCompensation: bigint;
      buyerCompensation: bigint;
    };
    compensation.set(
      a.intervalId,
      (compensation.get(a.intervalId) ?? 0n) + a.sellerCompensation + a.buyerCompensation,
    );
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
      let traded = 0;
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
        traded += q;
        value += q * Number(a.price);
        if (bookedById.get(a.sellOrderId)?.renewable) renewable += q;
        count++;
      }
      summaries.push({
        period: t,
        market: label,
        intervalId: intervalId.toString(),
        orders: orders.filter((o) => o.intervalId === intervalId).length,
        matches: count,
        tradedWh: traded,
        renewableWh: renewable,
        averagePrice: traded > 0 ? Math.round(value / traded) : null,
        gridBuyPrice: day.gridBuyPrice[t]! * PRICE_SCALE,
        feedInPrice: day.feedInPrice[t]! * PRICE_SCALE,
        compensationBaseUnits: ((compensation.get(intervalId) ?? 0n) / 1000n).toString(),
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
  const compensationBase = summaries.reduce((s, x) => s + Number(x.compensationBaseUnits), 0);
  const gasTotal = Object.values(gasByPhase).reduce((a, b) => a + b, 0);
  const kinds = [...new Set(day.units.map((u) => u.kind))].map((kind) => ({
    kind,
    count: day.units.filter((u) => u.kind === kind).length,
  }));
  log(
    `traded ${(tradedWh / 1000).toFixed(1)} kWh in ${summaries.filter((s) => s.matches > 0).length} interval auctions`,
  );

  async function clearAll(ids: bigint[], orders: Booked[]) {
    const txs: BatchTx[] = [];
    for (const intervalId of ids) {
      const mine = orders.filter((o) => o.intervalId === intervalId);
      if (mine.length === 0) continue;
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
    return { receipts: await batch("clear", txs) };
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
