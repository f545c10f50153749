import { usePublicClient } from "wagmi";
import { useQuery } from "@tanstack/react-query";
import type { Hex } from "viem";
import { appChain } from "../config/wagmi.ts";
import { contractOf, namedOutputs, type DeployedContract } from "./contracts.ts";
import { useContractRead, useContractReads } from "./useContractRead.ts";
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

export function useDispatchContract(): DeployedContract<"DispatchRegistry"> | undefined {
  return contractOf("DispatchRegistry", appChain.id);
}

const POLL = { refetchInterval: 3_000 };

/** The most recent TDVA events (newest first). */
export function useTdvaEvents(): TdvaEvent[] {
  const count = useContractRead("DispatchRegistry", "eventCount", [], POLL);
  const n = Number(count.data ?? 0n);
  const ids = Array.from({ length: Math.min(n, 12) }, (_, i) => BigInt(n - i));
  const reads = useContractReads(
    "DispatchRegistry",
    "tdvaChain",
    ids.map((id) => [id]),
    POLL,
  );
  return ids.flatMap((id, i) => {
    const chain = namedOutputs("DispatchRegistry", "tdvaChain", reads.results[i]);
    if (!chain) return [];
    return [
      {
        id,
        trigger: chain.t,
        dispatch: chain.d,
        verify: chain.v,
        settle: chain.a,
        hashes: chain.hashes,
      },
    ];
  });
}

/** Per-stage transactions and per-provider lines of one event, from the registry's events. */
export function useTdvaLogs(
  registry: DeployedContract<"DispatchRegistry"> | undefined,
  eventId: bigint | undefined,
  stage: number | undefined,
) {
  const client = usePublicClient({ chainId: appChain.id });
  return useQuery({
    queryKey: ["tdva-logs", registry?.address, eventId?.toString(), stage],
    enabled: Boolean(client && registry && eventId !== undefined),
    // While dispatched, anyone may prove providers' readings at any moment: keep polling.
    refetchInterval: stage === 2 ? 4_000 : false,
    queryFn: async () => {
      const common = {
        address: registry!.address,
        abi: registry!.abi,
        args: { eventId },
        fromBlock: registry!.deployedOnBlock,
      } as const;
      const [triggered, dispatched, verified, settledStage, offers, settled, measured] =
        await Promise.all([
          client!.getContractEvents({ ...common, eventName: "TdvaTriggered" }),
          client!.getContractEvents({ ...common, eventName: "TdvaDispatched" }),
          client!.getContractEvents({ ...common, eventName: "TdvaVerified" }),
          client!.getContractEvents({ ...common, eventName: "TdvaSettled" }),
          client!.getContractEvents({ ...common, eventName: "OfferAccepted" }),
          client!.getContractEvents({ ...common, eventName: "ProviderSettled" }),
          client!.getContractEvents({ ...common, eventName: "ResponseMeasured" }),
        ]);
      const stages = [triggered, dispatched, verified, settledStage].map((logs) =>
        logs[0] ? { block: logs[0].blockNumber, tx: logs[0].transactionHash } : undefined,
      );
      const delivered = verified[0]?.args.deliveredWh ?? [];
      const lines = offers
        .map((l) => l.args)
        .sort((x, y) => Number(x.index! - y.index!))
        .map((x, i) => {
          const s = settled.find(
            (p) => p.args.provider!.toLowerCase() === x.provider!.toLowerCase(),
          )?.args;
          return {
            provider: x.provider!,
            allocationW: x.allocationW!,
            cost: x.cost!,
            maxPowerW: x.offer!.maxPowerW,
            segments: [...x.offer!.segments],
            deliveredWh: delivered[i],
            measured: measured.find(
              (m) => m.args.provider!.toLowerCase() === x.provider!.toLowerCase(),
            )?.args,
            payment: s?.payment,
            penalty: s?.penalty,
          };
        });
      return { stages, lines };
    },
  });
}
