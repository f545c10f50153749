import { ProposalStateNames, abis, type ProposalStateName } from "@gridledger/protocol";
import type { ChainClients } from "../chain/clients.ts";
import type { IndexerStatus } from "../indexer/chainIndexer.ts";
import { WAITING_PROPOSAL_STATES, type MonitorSample } from "./metrics.ts";

/** IDispatchRegistry.Stage, in declaration order. */
const STAGE = { None: 0, Triggered: 1, Dispatched: 2, Verified: 3, Settled: 4, Cancelled: 5 };

/** What the collector reads; each part is optional so a process reports what it runs. */
export type CollectorSources = {
  clients: ChainClients;
  indexer: { status(): IndexerStatus } | undefined;
  batcher: {
    pending: number;
    lastError: string | undefined;
    failures: number;
    lastSuccessAt: number | undefined;
    oldestQueuedAt: number | undefined;
  };
  trustMismatchesTotal(): Promise<number>;
  /** TDVA verification grace after an event's window ends (s). */
  tdvaVerifyGraceS: number;
  /** Latest TDVA events and governance proposals read per refresh. */
  scanLimit: number;
};

/**
 * Takes one `MonitorSample`: indexer and anchoring state from this process, and from the chain
 * the head, TDVA events (overdue verification, budgets) and alliance proposals by state. TDVA and
 * governance reads cover the latest `scanLimit` events and proposals; chain time (the latest
 * block's timestamp) decides what is overdue, so a devnet's moved clock counts.
 *
 * @example const sample = await collectSample(sources)
 */
export async function collectSample(src: CollectorSources): Promise<MonitorSample> {
  const at = Date.now();
  const { publicClient } = src.clients;
  const block = await publicClient.getBlock({ blockTag: "latest" });
  const head = Number(block.number);
  const chainNow = Number(block.timestamp);

  const status = src.indexer?.status();
  const indexedBlock = status?.lastBlock ?? -1;
  const b = src.batcher;
  const [tdva, governance, mismatches] = await Promise.all([
    tdvaFigures(src, chainNow),
    governanceFigures(src),
    src.trustMismatchesTotal(),
  ]);
  return {
    at,
    indexer: {
      up: status ? (status.running ? 1 : 0) : -1,
      head,
      indexedBlock,
      lagBlocks: status ? Math.max(0, head - Math.max(indexedBlock, 0)) : 0,
      reorg: status?.reorg ? 1 : 0,
    },
    anchoring: {
      queued: b.pending,
      oldestQueuedAgeS: b.oldestQueuedAt === undefined ? 0 : (at - b.oldestQueuedAt) / 1000,
      failing: b.lastError === undefined ? 0 : 1,
      failuresTotal: b.failures,
      lastSuccessS: b.lastSuccessAt === undefined ? 0 : b.lastSuccessAt / 1000,
    },
    trust: { mismatchesTotal: mismatches },
    tdva,
    governance,
  };
}

async function tdvaFigures(
  src: CollectorSources,
  chainNow: number,
): Promise<MonitorSample["tdva"]> {
  const none = { overdue: 0, budgetLocked: 0, budgetRemaining: 0, minRemainingRatio: 1 };
  const registry = src.clients.deployment.contracts.DispatchRegistry;
  if (!registry) return none;
  const client = src.clients.publicClient;
  const count = await client.readContract({
    address: registry.address,
    abi: abis.DispatchRegistry,
    functionName: "eventCount",
  });
  const first = count > BigInt(src.scanLimit) ? count - BigInt(src.scanLimit) + 1n : 1n;
  const ids: bigint[] = [];
  for (let id = first; id <= count; id++) ids.push(id);
  const chains = await Promise.all(
    ids.map((id) =>
      client.readContract({
        address: registry.address,
        abi: abis.DispatchRegistry,
        functionName: "tdvaChain",
        args: [id],
      }),
    ),
  );
  let overdue = 0;
  let locked = 0n;
  let remaining = 0n;
  let minRatio = 1;
  for (const [t, d] of chains) {
    if (t.stage !== STAGE.Triggered && t.stage !== STAGE.Dispatched && t.stage !== STAGE.Verified)
      continue;
    const cost = t.stage === STAGE.Triggered ? 0n : d.cost;
    locked += t.budget;
    remaining += t.budget - cost;
    const windowEnd = Number(t.start) + Number(t.duration);
    if (t.stage !== STAGE.Verified && chainNow > windowEnd + src.tdvaVerifyGraceS) overdue += 1;
    if (t.stage === STAGE.Dispatched && t.budget > 0n) {
      // Ratio in parts per million, exact in bigint before it becomes a float.
      const ratio = Number(((t.budget - cost) * 1_000_000n) / t.budget) / 1_000_000;
      minRatio = Math.min(minRatio, ratio);
    }
  }
  return {
    overdue,
    budgetLocked: Number(locked),
    budgetRemaining: Number(remaining),
    minRemainingRatio: minRatio,
  };
}

async function governanceFigures(src: CollectorSources): Promise<MonitorSample["governance"]> {
  const byState = Object.fromEntries(ProposalStateNames.map((s) => [s, 0])) as Record<
    ProposalStateName,
    number
  >;
  const governor = src.clients.deployment.contracts.AllianceGovernor;
  if (governor) {
    const gov = { address: governor.address, abi: abis.AllianceGovernor } as const;
    const client = src.clients.publicClient;
    const count = await client.readContract({ ...gov, functionName: "proposalCount" });
    const first = count > BigInt(src.scanLimit) ? count - BigInt(src.scanLimit) : 0n;
    const indexes: bigint[] = [];
    for (let i = first; i < count; i++) indexes.push(i);
    const states = await Promise.all(
      indexes.map(async (i) => {
        const [proposalId] = await client.readContract({
          ...gov,
          functionName: "proposalDetailsAt",
          args: [i],
        });
        return client.readContract({ ...gov, functionName: "state", args: [proposalId] });
      }),
    );
    for (const s of states) {
      const name = ProposalStateNames[s];
      if (name) byState[name] += 1;
    }
  }
  const waiting = WAITING_PROPOSAL_STATES.reduce((n, s) => n + byState[s], 0);
  return { byState, waiting };
}
