import { usePublicClient, useReadContract, useReadContracts } from "wagmi";
import { useQuery } from "@tanstack/react-query";
import type { Address, Hex } from "viem";
import { appChain } from "../config/wagmi.ts";
import { contractOf, type DeployedContract } from "./contracts.ts";
import type { DispatchRecord, SettleRecord, TriggerRecord, VerifyRecord } from "../utils/tdva.ts";

/** One TDVA event as `tdvaChain` returns it. */
export type TdvaEvent = {
  id: bigint;
  trigger: TriggerRecord;
  dispatch: DispatchRecord;
  verify: VerifyRecord;
  settle: SettleRecord;
  hashes: readonly Hex[];
};

export function useDispatchContract(): DeployedContract | undefined {
  return contractOf("DispatchRegistry", appChain.id);
}

const norm = <T>(r: Record<string, unknown>): T => {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r))
    out[k] =
      typeof v === "number" || typeof v === "bigint"
        ? [
            "requestedW",
            "budget",
            "cost",
            "allocatedW",
            "deliveredWh",
            "paid",
            "penalties",
            "refund",
          ].includes(k)
          ? BigInt(v)
          : Number(v)
        : v;
  return out as T;
};

/** The most recent TDVA events (newest first). */
export function useTdvaEvents(registry: DeployedContract | undefined): TdvaEvent[] {
  const count = useReadContract({
    address: registry?.address,
    abi: registry?.abi,
    functionName: "eventCount",
    chainId: appChain.id,
    query: { enabled: Boolean(registry), refetchInterval: 3_000 },
  });
  const n = Number((count.data as bigint | undefined) ?? 0n);
  const ids = Array.from({ length: Math.min(n, 12) }, (_, i) => BigInt(n - i));
  const reads = useReadContracts({
    contracts: ids.map((id) => ({
      address: registry?.address,
      abi: registry?.abi,
      functionName: "tdvaChain",
      args: [id],
      chainId: appChain.id,
    })),
    query: { enabled: Boolean(registry) && ids.length > 0, refetchInterval: 3_000 },
  });
  return ids.flatMap((id, i) => {
    const r = reads.data?.[i]?.result as
      | readonly [
          Record<string, unknown>,
          Record<string, unknown>,
          Record<string, unknown>,
          Record<string, unknown>,
          readonly Hex[],
        ]
      | undefined;
    if (!r) return [];
    return [
      {
        id,
        trigger: norm<TriggerRecord>(r[0]),
        dispatch: norm<DispatchRecord>(r[1]),
        verify: norm<VerifyRecord>(r[2]),
        settle: norm<SettleRecord>(r[3]),
        hashes: r[4],
      },
    ];
  });
}

/** Per-stage transactions and per-provider lines of one event, from the registry's events. */
export function useTdvaLogs(
  registry: DeployedContract | undefined,
  eventId: bigint | undefined,
  stage: number | undefined,
) {
  const client = usePublicClient({ chainId: appChain.id });
  return useQuery({
    queryKey: ["tdva-logs", registry?.address, eventId?.toString(), stage],
    enabled: Boolean(client && registry && eventId !== undefined),
    queryFn: async () => {
      const common = {
        address: registry!.address,
        abi: registry!.abi,
        args: { eventId },
        fromBlock: registry!.deployedOnBlock,
      } as const;
      const names = ["TdvaTriggered", "TdvaDispatched", "TdvaVerified", "TdvaSettled"] as const;
      const [stageLogs, offers, settled] = await Promise.all([
        Promise.all(names.map((eventName) => client!.getContractEvents({ ...common, eventName }))),
        client!.getContractEvents({ ...common, eventName: "OfferAccepted" }),
        client!.getContractEvents({ ...common, eventName: "ProviderSettled" }),
      ]);
      const a = (l: unknown) => (l as { args: Record<string, unknown> }).args;
      const stages = stageLogs.map((logs) =>
        logs[0] ? { block: logs[0].blockNumber, tx: logs[0].transactionHash } : undefined,
      );
      const delivered =
        (stageLogs[2]?.[0] ? (a(stageLogs[2][0]).deliveredWh as readonly bigint[]) : []) ?? [];
      const lines = offers
        .map((l) => a(l))
        .sort((x, y) => Number((x.index as bigint) - (y.index as bigint)))
        .map((x, i) => {
          const offer = x.offer as {
            maxPowerW: number;
            maxEnergyWh: bigint;
            segments: readonly bigint[];
          };
          const s = settled
            .map(a)
            .find(
              (p) => (p.provider as string).toLowerCase() === (x.provider as string).toLowerCase(),
            );
          return {
            provider: x.provider as Address,
            allocationW: Number(x.allocationW),
            cost: x.cost as bigint,
            maxPowerW: Number(offer.maxPowerW),
            segments: [...offer.segments],
            deliveredWh: delivered[i],
            payment: s?.payment as bigint | undefined,
            penalty: s?.penalty as bigint | undefined,
          };
        });
      return { stages, lines };
    },
  });
}
