import type { abis } from "@gridledger/protocol";
import type { NodeRef } from "../../graph/graphStore.ts";
import { jsonProps, who, type EventHandlers } from "../eventHandlers.ts";

const record = (id: string): NodeRef => ({ label: "MarketRecord", id });

/**
 * The market: deposits, delivery periods and the intervals (auctions) trading them, orders,
 * clearing records (Matched, Unmatched), tally, meter readings and settlement.
 */
export const energyMarketHandlers = {
  Deposited: (a, ctx) => {
    ctx.party(a.account, ctx.market(ctx.logId, "deposited", jsonProps(a)));
  },
  Withdrawn: (a, ctx) => {
    ctx.party(a.account, ctx.market(ctx.logId, "withdrawn", jsonProps(a)));
  },
  PeriodOpened: (a, ctx) => {
    ctx.market(`period:${a.periodId}`, "period", { ...jsonProps(a), status: "open" });
  },
  IntervalOpened: (a, ctx) => {
    // Several intervals (day-ahead, intraday, real-time) may trade one delivery period.
    const interval = ctx.market(`interval:${a.intervalId}`, "interval", {
      ...jsonProps(a),
      status: "open",
    });
    ctx.leads(record(`period:${a.periodId}`), interval);
  },
  IntervalCleared: (a, ctx) => {
    ctx.market(`interval:${a.intervalId}`, "interval", {
      status: "cleared",
      entryCount: a.entryCount.toString(),
      entryHash: a.entryHash,
    });
  },
  ClearingRestarted: (a, ctx) => {
    // The partial walk before this log was discarded: its Matched and Unmatched records (those
    // of this interval logged before restartedAt) are void; the next walk rewrites the ones it
    // repeats under the same ids.
    ctx.market(`interval:${a.intervalId}`, "interval", {
      clearingEpoch: a.epoch,
      omittedOrderId: a.omittedOrderId.toString(),
      restartedAt: { blockNumber: ctx.blockNumber, logIndex: ctx.logIndex },
    });
  },
  IntervalTallied: (a, ctx) => {
    ctx.market(`interval:${a.intervalId}`, "interval", {
      status: "tallied",
      periodId: a.periodId.toString(),
      talliedTx: ctx.txHash,
    });
  },
  IntervalSettled: (a, ctx) => {
    ctx.market(`interval:${a.intervalId}`, "interval", { status: "settled" });
  },
  OrderPlaced: (a, ctx) => {
    const order = ctx.market(`order:${a.intervalId}:${a.orderId}`, "order", {
      ...jsonProps(a),
      owner: who(a.owner),
      status: "open",
    });
    ctx.party(a.owner, order);
    ctx.leads(record(`interval:${a.intervalId}`), order);
  },
  OrderCancelled: (a, ctx) => {
    ctx.market(`order:${a.intervalId}:${a.orderId}`, "order", { status: "cancelled" });
  },
  Unmatched: (a, ctx) => {
    // A clearing record: the order's remainder that did not trade (its lock is freed at tally).
    ctx.market(`order:${a.intervalId}:${a.orderId}`, "order", {
      unmatched: a.quantity.toString(),
      unmatchedAt: { blockNumber: ctx.blockNumber, logIndex: ctx.logIndex },
    });
  },
  RemainderReleased: (a, ctx) => {
    ctx.market(`order:${a.intervalId}:${a.orderId}`, "order", {
      unmatched: a.quantity.toString(),
      released: a.released.toString(),
      releasedTx: ctx.txHash,
    });
  },
  Matched: (a, ctx) => {
    const i = a.intervalId;
    const match = ctx.market(`match:${i}:${a.sellOrderId}:${a.buyOrderId}`, "match", jsonProps(a));
    ctx.leads(record(`order:${i}:${a.sellOrderId}`), match);
    ctx.leads(record(`order:${i}:${a.buyOrderId}`), match);
  },
  MeterReported: (a, ctx) => {
    // One proven reading per participant and delivery period (covers every interval trading
    // it); `batchId` names the MeteringLedger batch an auditor re-verifies it against.
    const report = ctx.market(`meter:${a.periodId}:${who(a.participant)}`, "meter-report", {
      ...jsonProps(a),
      participant: who(a.participant),
      meter: who(a.meter),
    });
    ctx.party(a.participant, report);
    ctx.leads(record(`period:${a.periodId}`), report);
  },
  MatchSettled: (a, ctx) => {
    const key = `${a.intervalId}:${a.sellOrderId}:${a.buyOrderId}`;
    const settlement = ctx.market(`settlement:${key}`, "settlement", jsonProps(a));
    ctx.leads(record(`match:${key}`), settlement);
  },
} satisfies EventHandlers<typeof abis.EnergyMarket>;
