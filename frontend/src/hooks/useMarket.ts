import { usePublicClient, useReadContract, useReadContracts } from "wagmi";
import { useQuery } from "@tanstack/react-query";
import { appChain } from "../config/wagmi.ts";
import { contractOf, type DeployedContract } from "./contracts.ts";
import { orderId, type MarketMatch, type MarketOrder } from "../utils/market.ts";

/** An interval as `interval(id)` returns it, with its id. */
export type MarketInterval = {
  id: bigint;
  kind: number;
  status: number;
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
      | (Omit<MarketInterval, "id" | "gridBuyPrice" | "feedInPrice"> & {
          gridBuyPrice: number | bigint;
          feedInPrice: number | bigint;
        })
      | undefined;
    if (!r) return [];
    return [
      {
        ...r,
        id,
        start: Number(r.start),
        gateClosure: Number(r.gateClosure),
        gridBuyPrice: BigInt(r.gridBuyPrice),
        feedInPrice: BigInt(r.feedInPrice),
      },
    ];
  });
  return { intervals, isLoading: count.isLoading || reads.isLoading };
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

/** Matches, clearing record and settlement of an interval, read from the market's events. */
export function useIntervalEvents(
  market: DeployedContract | undefined,
  intervalId: bigint | undefined,
  status: number | undefined,
) {
  const client = usePublicClient({ chainId: appChain.id });
  return useQuery({
    queryKey: ["market-events", market?.address, intervalId?.toString(), status],
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
      const [matched, cleared, settled] = await Promise.all([
        client!.getContractEvents({ ...common, eventName: "Matched" }),
        client!.getContractEvents({ ...common, eventName: "IntervalCleared" }),
        client!.getContractEvents({ ...common, eventName: "MatchSettled" }),
      ]);
      const args = (l: unknown) => (l as { args: Record<string, bigint> }).args;
      const matches: MarketMatch[] = matched.map((l) => {
        const a = args(l);
        return {
          sellOrderId: a.sellOrderId!,
          buyOrderId: a.buyOrderId!,
          quantity: a.quantity!,
          price: a.price!,
        };
      });
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
            args: { matchHash: `0x${string}` };
            blockNumber: bigint;
            transactionHash: `0x${string}`;
          }
        | undefined;
      return {
        matches,
        settlement,
        cleared: clearedLog
          ? {
              matchHash: clearedLog.args.matchHash,
              blockNumber: clearedLog.blockNumber,
              tx: clearedLog.transactionHash,
            }
          : undefined,
      };
    },
  });
}
