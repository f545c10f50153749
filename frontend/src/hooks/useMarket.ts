import { usePublicClient, useReadContract, useReadContracts } from "wagmi";
import { useQuery } from "@tanstack/react-query";
import { appChain } from "../config/wagmi.ts";
import { contractOf, type DeployedContract } from "./contracts.ts";
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

/** The energy market on the app's chain, or undefined when it is not deployed. */
export function useMarketContract(): DeployedContract | undefined {
  return contractOf("EnergyMarket", appChain.id);
}

/** The most recent intervals (newest first). */
export function useIntervals(market: DeployedContract | undefined): {
  intervals: MarketInterval[];
  isLoading: boolean;
} {
  const count = useReadContract({
    address: market?.address,
    abi: market?.abi,
    functionName: "intervalCount",
    chainId: appChain.id,
    query: { enabled: Boolean(market), refetchInterval: 3_000 },
  });
  const n = Number((count.data as bigint | undefined) ?? 0n);
  const ids = Array.from({ length: Math.min(n, RECENT) }, (_, i) => BigInt(n - i));
  const reads = useReadContracts({
    contracts: ids.map((id) => ({
      address: market?.address,
      abi: market?.abi,
      functionName: "interval",
      args: [id],
      chainId: appChain.id,
    })),
    query: { enabled: Boolean(market) && ids.length > 0, refetchInterval: 3_000 },
  });
  const intervals = ids.flatMap((id, i) => {
    const r = reads.data?.[i]?.result as
      | (Omit<MarketInterval, "id" | "periodId" | "gridBuyPrice" | "feedInPrice"> & {
          periodId: number | bigint;
          gridBuyPrice: number | bigint;
          feedInPrice: number | bigint;
        })
      | undefined;
    if (!r) return [];
    return [
      {
        ...r,
        id,
        periodId: BigInt(r.periodId),
        start: Number(r.start),
        gateClosure: Number(r.gateClosure),
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

type RawPeriod = Record<keyof Omit<MarketPeriod, "id">, number | bigint>;

function toPeriod(id: bigint, r: RawPeriod): MarketPeriod {
  return {
    id,
    start: Number(r.start),
    duration: Number(r.duration),
    meteringWindow: Number(r.meteringWindow),
    gridBuyPrice: BigInt(r.gridBuyPrice),
    feedInPrice: BigInt(r.feedInPrice),
    bandBps: Number(r.bandBps),
    bondRate: BigInt(r.bondRate),
    minQuantity: BigInt(r.minQuantity),
    intervals: Number(r.intervals),
    tallied: Number(r.tallied),
  };
}

/** One delivery period (refreshed: its tally counter moves as its intervals are tallied). */
export function usePeriod(
  market: DeployedContract | undefined,
  periodId: bigint | undefined,
): MarketPeriod | undefined {
  const read = useReadContract({
    address: market?.address,
    abi: market?.abi,
    functionName: "period",
    args: periodId !== undefined ? [periodId] : undefined,
    chainId: appChain.id,
    query: { enabled: Boolean(market) && periodId !== undefined, refetchInterval: 3_000 },
  });
  const r = read.data as RawPeriod | undefined;
  return r && periodId !== undefined ? toPeriod(periodId, r) : undefined;
}

/** The most recent delivery periods (newest first). */
export function usePeriods(market: DeployedContract | undefined): MarketPeriod[] {
  const count = useReadContract({
    address: market?.address,
    abi: market?.abi,
    functionName: "periodCount",
    chainId: appChain.id,
    query: { enabled: Boolean(market), refetchInterval: 3_000 },
  });
  const n = Number((count.data as bigint | undefined) ?? 0n);
  const ids = Array.from({ length: Math.min(n, RECENT) }, (_, i) => BigInt(n - i));
  const reads = useReadContracts({
    contracts: ids.map((id) => ({
      address: market?.address,
      abi: market?.abi,
      functionName: "period",
      args: [id],
      chainId: appChain.id,
    })),
    query: { enabled: Boolean(market) && ids.length > 0, refetchInterval: 3_000 },
  });
  return ids.flatMap((id, i) => {
    const r = reads.data?.[i]?.result as RawPeriod | undefined;
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

export function useClearingState(
  market: DeployedContract | undefined,
  intervalId: bigint | undefined,
): ClearingProgress | undefined {
  const read = useReadContract({
    address: market?.address,
    abi: market?.abi,
    functionName: "clearingState",
    args: intervalId !== undefined ? [intervalId] : undefined,
    chainId: appChain.id,
    query: { enabled: Boolean(market) && intervalId !== undefined, refetchInterval: 3_000 },
  });
  const r = read.data as Record<keyof ClearingProgress, number | bigint> | undefined;
  return r
    ? {
        epoch: Number(r.epoch),
        entryCount: Number(r.entryCount),
        settleStage: Number(r.settleStage),
        settleCursor: Number(r.settleCursor),
      }
    : undefined;
}

/** Every order of an interval, read by id (ids are sequential per interval). */
export function useIntervalOrders(
  market: DeployedContract | undefined,
  interval: MarketInterval | undefined,
): MarketOrder[] {
  const total = interval ? interval.renewableSells + interval.conventionalSells + interval.buys : 0;
  const ids = Array.from({ length: total }, (_, i) => orderId(interval!.id, BigInt(i + 1)));
  const reads = useReadContracts({
    contracts: ids.map((id) => ({
      address: market?.address,
      abi: market?.abi,
      functionName: "order",
      args: [id],
      chainId: appChain.id,
    })),
    query: { enabled: Boolean(market) && total > 0, refetchInterval: 3_000 },
  });
  return ids.flatMap((id, i) => {
    const r = reads.data?.[i]?.result as
      | {
          owner: `0x${string}`;
          side: number;
          renewable: boolean;
          cancelled: boolean;
          price: number | bigint;
          quantity: number | bigint;
        }
      | undefined;
    return r
      ? [
          {
            id,
            owner: r.owner,
            side: Number(r.side),
            renewable: r.renewable,
            cancelled: r.cancelled,
            price: BigInt(r.price),
            quantity: BigInt(r.quantity),
          },
        ]
      : [];
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
  market: DeployedContract | undefined,
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
      const args = (l: unknown) => (l as { args: Record<string, bigint> }).args;
      // A walk discarded by restartClearing left records that are not part of the clearing.
      const logs = recordsAfterRestart(
        [...matched, ...unmatched, ...restarted].map((l) => {
          const x = l as unknown as {
            eventName: string;
            args: unknown;
            blockNumber: bigint | null;
            logIndex: number | null;
          };
          return {
            eventName: x.eventName,
            args: x.args,
            blockNumber: x.blockNumber,
            logIndex: x.logIndex,
          };
        }),
      );
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
      const releasedBy = new Map(released.map((l) => [args(l).orderId!, args(l).released!]));
      const remainders: UnmatchedRemainder[] = records.flatMap((r) =>
        r.kind === "unmatched"
          ? [{ orderId: r.orderId, quantity: r.quantity, released: releasedBy.get(r.orderId) }]
          : [],
      );
      const settlement: SettledMatch[] = settled.map((l) => {
        const a = args(l);
        return {
          sellOrderId: a.sellOrderId!,
          buyOrderId: a.buyOrderId!,
          value: a.value!,
          sellerCompensation: a.sellerCompensation!,
          buyerCompensation: a.buyerCompensation!,
        };
      });
      const clearedLog = cleared[0] as
        | {
            args: { entryCount: bigint; entryHash: `0x${string}` };
            blockNumber: bigint;
            transactionHash: `0x${string}`;
          }
        | undefined;
      const talliedLog = tallied[0] as { transactionHash: `0x${string}` } | undefined;
      return {
        records: records.map((r) => r.record),
        matches,
        remainders,
        settlement,
        cleared: clearedLog
          ? {
              entryCount: clearedLog.args.entryCount,
              entryHash: clearedLog.args.entryHash,
              blockNumber: clearedLog.blockNumber,
              tx: clearedLog.transactionHash,
            }
          : undefined,
        tallied: talliedLog ? { tx: talliedLog.transactionHash } : undefined,
      };
    },
  });
}
