import { usePublicClient } from "wagmi";
import { useQuery } from "@tanstack/react-query";
import { appChain } from "../config/wagmi.ts";
import { contractOf, type DeployedContract, type ReadResult } from "./contracts.ts";
import { useContractRead, useContractReads } from "./useContractRead.ts";
import {
  orderId,
  orderedClearingRecords,
  recordsAfterRestart,
  type MarketMatch,
  type MarketOrder,
  type OrderedRecord,
} from "../utils/market.ts";

/** An interval as `interval(id)` returns it (period fields copied in), with its id. */
export type MarketInterval = {
  id: bigint;
  kind: number;
  status: number;
  /** The delivery period the interval trades. */
  periodId: bigint;
  start: number;
  duration: number;
  gateClosure: number;
  meteringWindow: number;
  gridBuyPrice: bigint;
  feedInPrice: bigint;
  bandBps: number;
  renewableSells: number;
  conventionalSells: number;
  buys: number;
};

const RECENT = 20;
const POLL = { refetchInterval: 3_000 };

/** The energy market on the app's chain, or undefined when it is not deployed. */
export function useMarketContract(): DeployedContract<"EnergyMarket"> | undefined {
  return contractOf("EnergyMarket", appChain.id);
}

/** Ids n, n-1, … of the newest `RECENT` entries of a 1-based sequence of n. */
const newest = (count: bigint | undefined): bigint[] => {
  const n = Number(count ?? 0n);
  return Array.from({ length: Math.min(n, RECENT) }, (_, i) => BigInt(n - i));
};

/** The most recent intervals (newest first). */
export function useIntervals(): { intervals: MarketInterval[]; isLoading: boolean } {
  const count = useContractRead("EnergyMarket", "intervalCount", [], POLL);
  const ids = newest(count.data);
  const reads = useContractReads(
    "EnergyMarket",
    "interval",
    ids.map((id) => [id]),
    POLL,
  );
  const intervals = ids.flatMap((id, i) => {
    const r = reads.results[i];
    if (!r) return [];
    return [
      {
        ...r,
        id,
        periodId: BigInt(r.periodId),
        gridBuyPrice: BigInt(r.gridBuyPrice),
        feedInPrice: BigInt(r.feedInPrice),
      },
    ];
  });
  return { intervals, isLoading: count.isLoading || reads.isLoading };
}
/** A delivery period as `period(id)` returns it, with its id. */
export type MarketPeriod = {
  id: bigint;
  start: number;
  duration: number;
  meteringWindow: number;
  gridBuyPrice: bigint;
  feedInPrice: bigint;
  bandBps: number;
  /** Minimum escrow per Wh of any order, milli-units. */
  bondRate: bigint;
  /** Smallest order, Wh. */
  minQuantity: bigint;
  /** Intervals opened for the period, and how many of them are tallied. */
  intervals: number;
  tallied: number;
};

function toPeriod(id: bigint, r: ReadResult<"EnergyMarket", "period">): MarketPeriod {
  return {
    ...r,
    id,
    gridBuyPrice: BigInt(r.gridBuyPrice),
    feedInPrice: BigInt(r.feedInPrice),
    bondRate: BigInt(r.bondRate),
    minQuantity: BigInt(r.minQuantity),
  };
}

/** One delivery period (refreshed: its tally counter moves as its intervals are tallied). */
export function usePeriod(periodId: bigint | undefined): MarketPeriod | undefined {
  const read = useContractRead(
    "EnergyMarket",
    "period",
    periodId !== undefined ? [periodId] : undefined,
    POLL,
  );
  return read.data && periodId !== undefined ? toPeriod(periodId, read.data) : undefined;
}

/** The most recent delivery periods (newest first). */
export function usePeriods(): MarketPeriod[] {
  const count = useContractRead("EnergyMarket", "periodCount", [], POLL);
  const ids = newest(count.data);
  const reads = useContractReads(
    "EnergyMarket",
    "period",
    ids.map((id) => [id]),
    POLL,
  );
  return ids.flatMap((id, i) => {
    const r = reads.results[i];
    return r ? [toPeriod(id, r)] : [];
  });
}

/** Clearing and settlement progress of an interval (`clearingState`). */
export type ClearingProgress = {
  epoch: number;
  entryCount: number;
  /** 0 records not yet tallied, 1 tallied (paying). */
  settleStage: number;
  settleCursor: number;
};

export function useClearingState(intervalId: bigint | undefined): ClearingProgress | undefined {
  const read = useContractRead(
    "EnergyMarket",
    "clearingState",
    intervalId !== undefined ? [intervalId] : undefined,
    POLL,
  );
  const r = read.data;
  return r
    ? {
        epoch: r.epoch,
        entryCount: r.entryCount,
        settleStage: r.settleStage,
        settleCursor: r.settleCursor,
      }
    : undefined;
}

/** Every order of an interval, read by id (ids are sequential per interval). */
export function useIntervalOrders(interval: MarketInterval | undefined): MarketOrder[] {
  const total = interval ? interval.renewableSells + interval.conventionalSells + interval.buys : 0;
  const ids = Array.from({ length: total }, (_, i) => orderId(interval!.id, BigInt(i + 1)));
  const reads = useContractReads(
    "EnergyMarket",
    "order",
    ids.map((id) => [id]),
    POLL,
  );
  return ids.flatMap((id, i) => {
    const r = reads.results[i];
    return r ? [{ ...r, id, price: BigInt(r.price), quantity: BigInt(r.quantity) }] : [];
  });
}

/** One settled match (from `MatchSettled`). */
export type SettledMatch = {
  sellOrderId: bigint;
  buyOrderId: bigint;
  value: bigint;
  sellerCompensation: bigint;
  buyerCompensation: bigint;
};

/** An unmatched remainder (from `Unmatched`), with the lock `tally` released for it, if any. */
export type UnmatchedRemainder = { orderId: bigint; quantity: bigint; released?: bigint };

/**
 * Clearing records (matches and unmatched remainders, in log order: the list `tally` and `settle`
 * take), the clearing, tally and settlement of an interval, read from the market's events.
 * `stage` (clearingState.settleStage) is part of the key, so a tally refreshes it.
 */
export function useIntervalEvents(
  market: DeployedContract<"EnergyMarket"> | undefined,
  intervalId: bigint | undefined,
  status: number | undefined,
  stage?: number,
) {
  const client = usePublicClient({ chainId: appChain.id });
  return useQuery({
    queryKey: ["market-events", market?.address, intervalId?.toString(), status, stage],
    enabled: Boolean(
      client && market && intervalId !== undefined && status !== undefined && status >= 2,
    ),
    queryFn: async () => {
      const common = {
        address: market!.address,
        abi: market!.abi,
        args: { intervalId },
        fromBlock: market!.deployedOnBlock,
      } as const;
      const [matched, unmatched, restarted, cleared, released, tallied, settled] =
        await Promise.all([
          client!.getContractEvents({ ...common, eventName: "Matched" }),
          client!.getContractEvents({ ...common, eventName: "Unmatched" }),
          client!.getContractEvents({ ...common, eventName: "ClearingRestarted" }),
          client!.getContractEvents({ ...common, eventName: "IntervalCleared" }),
          client!.getContractEvents({ ...common, eventName: "RemainderReleased" }),
          client!.getContractEvents({ ...common, eventName: "IntervalTallied" }),
          client!.getContractEvents({ ...common, eventName: "MatchSettled" }),
        ]);
      // A walk discarded by restartClearing left records that are not part of the clearing.
      const logs = recordsAfterRestart([...matched, ...unmatched, ...restarted]);
      const records: OrderedRecord[] = orderedClearingRecords(logs).get(intervalId!) ?? [];
      const matches: MarketMatch[] = records.flatMap((r) =>
        r.kind === "match"
          ? [
              {
                sellOrderId: r.sellOrderId,
                buyOrderId: r.buyOrderId,
                quantity: r.quantity,
                price: r.price,
              },
            ]
          : [],
      );
      const releasedBy = new Map(released.map((l) => [l.args.orderId!, l.args.released!]));
      const remainders: UnmatchedRemainder[] = records.flatMap((r) =>
        r.kind === "unmatched"
          ? [{ orderId: r.orderId, quantity: r.quantity, released: releasedBy.get(r.orderId) }]
          : [],
      );
      const settlement: SettledMatch[] = settled.map(({ args: a }) => ({
        sellOrderId: a.sellOrderId!,
        buyOrderId: a.buyOrderId!,
        value: a.value!,
        sellerCompensation: a.sellerCompensation!,
        buyerCompensation: a.buyerCompensation!,
      }));
      const clearedLog = cleared[0];
      const talliedLog = tallied[0];
      return {
        records: records.map((r) => r.record),
        matches,
        remainders,
        settlement,
        cleared: clearedLog
          ? {
              entryCount: clearedLog.args.entryCount!,
              entryHash: clearedLog.args.entryHash!,
              blockNumber: clearedLog.blockNumber,
              tx: clearedLog.transactionHash,
            }
          : undefined,
        tallied: talliedLog ? { tx: talliedLog.transactionHash } : undefined,
      };
    },
  });
}
