import type { Logger } from "pino";
import type { Hex } from "viem";
import type { AnchorReceipt } from "../chain/dataAnchor.ts";
import { canonicalBytes } from "@gridledger/domain/fingerprint";
import type { GraphEdge, GraphNode, GraphStore, NodeRef } from "../graph/graphStore.ts";
import type { ContentStore } from "../storage/contentStore.ts";
import { buildBatchTree, LEAF_ENCODING } from "./leaf.ts";
import type { RecordLabel } from "./schemas.ts";

/** The chain side of anchoring (DataAnchorClient satisfies it). */
export type AnchorChain = {
  anchorRoot(root: Hex, cid: string, recordCount: bigint, kind: string): Promise<AnchorReceipt>;
  anchorIdOf(root: Hex): Promise<bigint>;
  verify(anchorId: bigint, leaf: Hex, proof: readonly Hex[]): Promise<boolean>;
};

/** When a batch is anchored: as soon as `maxBatch` records wait, or the oldest waited `maxWaitMs`. */
export type AnchorPolicy = { maxBatch: number; maxWaitMs: number };

/** A record waiting for its batch. */
export type QueuedLeaf = {
  label: RecordLabel;
  id: string;
  cid: string;
  leafHash: Hex;
  queuedAt: number;
};

/** One anchored batch. */
export type AnchorBatchResult = {
  anchorId: string;
  root: Hex;
  /** CID of the batch manifest (the list of records and their leaves) in the content store. */
  manifestCid: string;
  recordCount: number;
  txHash: Hex | undefined;
  gasUsed: string | undefined;
  /** True when the root was already on-chain (a batch re-run after a crash): no transaction sent. */
  reused: boolean;
};

/** Batch kind written on-chain for trace records. */
export const TRACE_ANCHOR_KIND = "gridledger.trace";

/**
 * Collects fingerprinted records and anchors them in batches: one Merkle root per batch on the
 * DataAnchor contract, a manifest of the batch in the content store, and on each record's graph
 * node its anchor id and proof. The queue is the set of graph nodes with a leaf hash and no anchor
 * id, so it survives restarts (`loadPending`). Flushes never overlap.
 *
 * @example
 *   const batcher = new AnchorBatcher({ graph, content, chain, policy, logger })
 *   await batcher.loadPending(); batcher.start()
 *   batcher.enqueue([{ label: "Event", id, cid, leafHash, queuedAt: Date.now() }])
 *   const [batch] = await batcher.flush()
 */
export class AnchorBatcher {
  readonly #queue = new Map<string, QueuedLeaf>();
  readonly #graph: GraphStore;
  readonly #content: ContentStore;
  readonly #chain: AnchorChain;
  readonly #policy: AnchorPolicy;
  readonly #logger: Logger | undefined;
  #running: Promise<AnchorBatchResult[]> = Promise.resolve([]);
  #timer: NodeJS.Timeout | undefined;
  #lastError: string | undefined;
  #failures = 0;
  #lastSuccessAt: number | undefined;

  constructor(deps: {
    graph: GraphStore;
    content: ContentStore;
    chain: AnchorChain;
    policy: AnchorPolicy;
    logger?: Logger;
  }) {
    this.#graph = deps.graph;
    this.#content = deps.content;
    this.#chain = deps.chain;
    this.#policy = deps.policy;
    this.#logger = deps.logger;
  }

  /** Records waiting to be anchored. */
  get pending(): number {
    return this.#queue.size;
  }

  /** The last background anchoring failure, if the latest attempt failed. */
  get lastError(): string | undefined {
    return this.#lastError;
  }

  /** Anchoring attempts (background or flush) that failed since start-up. */
  get failures(): number {
    return this.#failures;
  }

  /** When (ms since the epoch) an anchoring attempt last succeeded. */
  get lastSuccessAt(): number | undefined {
    return this.#lastSuccessAt;
  }

  /** When (ms since the epoch) the oldest record still waiting was queued. */
  get oldestQueuedAt(): number | undefined {
    let oldest: number | undefined;
    for (const item of this.#queue.values()) {
      if (oldest === undefined || item.queuedAt < oldest) oldest = item.queuedAt;
    }
    return oldest;
  }

  /** Queues records; starts a background flush when a full batch is waiting. */
  enqueue(items: readonly QueuedLeaf[]): void {
    for (const item of items) this.#queue.set(`${item.label}:${item.id}`, item);
    if (this.#queue.size >= this.#policy.maxBatch) this.#background();
  }

  /** Re-reads the queue from the graph (records with a leaf hash but no anchor id). */
  async loadPending(): Promise<number> {
    for (const r of await this.#graph.records.unanchored<RecordLabel>(["Event", "Document"])) {
      this.#queue.set(`${r.label}:${r.id}`, {
        label: r.label,
        id: r.id,
        // A record node without CID (a tampered graph) is queued as before; reads report it.
        cid: String(r.cid),
        leafHash: r.leafHash as Hex,
        queuedAt: Date.now(),
      });
    }
    return this.#queue.size;
  }

  /** Anchors every queued record now (in batches of at most maxBatch); waits for a running flush. */
  flush(): Promise<AnchorBatchResult[]> {
    const next = this.#running.catch(() => []).then(() => this.#flushAll());
    this.#running = next;
    // Monitoring counts every attempt, whether the timer or a caller started it.
    next.then(
      () => {
        this.#lastSuccessAt = Date.now();
        this.#lastError = undefined;
      },
      (error: unknown) => {
        this.#failures += 1;
        this.#lastError = error instanceof Error ? error.message : String(error);
      },
    );
    return next;
  }

  /** Checks the age of the oldest queued record every second (or maxWaitMs, if shorter). */
  start(): void {
    if (this.#timer) return;
    const every = Math.min(1_000, this.#policy.maxWaitMs);
    this.#timer = setInterval(() => {
      const oldest = this.#queue.values().next().value;
      if (oldest && Date.now() - oldest.queuedAt >= this.#policy.maxWaitMs) this.#background();
    }, every);
    this.#timer.unref();
  }

  /** Stops the timer and waits for a running flush. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running.catch(() => undefined);
  }

  #background(): void {
    this.flush().then(
      () => undefined,
      (error: unknown) => {
        this.#logger?.error({ err: error }, "anchoring batch failed; records stay queued");
      },
    );
  }

  async #flushAll(): Promise<AnchorBatchResult[]> {
    const results: AnchorBatchResult[] = [];
    while (this.#queue.size > 0) {
      const batch = [...this.#queue.values()].slice(0, this.#policy.maxBatch);
      results.push(await this.#anchorBatch(batch));
      for (const item of batch) {
        const key = `${item.label}:${item.id}`;
        if (this.#queue.get(key) === item) this.#queue.delete(key);
      }
    }
    return results;
  }

  async #anchorBatch(batch: QueuedLeaf[]): Promise<AnchorBatchResult> {
    const started = Date.now();
    const { root, proofs } = buildBatchTree(batch.map((b) => b.leafHash));
    const manifest = {
      schema: "gridledger.trace.batch/1",
      leafEncoding: LEAF_ENCODING,
      leafValue: "keccak256 of the record's RFC 8785 canonical bytes",
      root,
      records: batch.map((b) => [b.label, b.id, b.cid, b.leafHash]),
    };
    const { cid: manifestCid } = await this.#content.putBytes(canonicalBytes(manifest));
    await this.#content.pin(manifestCid);

    // A root already on-chain means an earlier run anchored this very batch and stopped before
    // updating the graph: reuse its id instead of sending a transaction that would revert.
    const existing = await this.#chain.anchorIdOf(root);
    let receipt: AnchorReceipt | undefined;
    if (existing === 0n) {
      receipt = await this.#chain.anchorRoot(
        root,
        manifestCid,
        BigInt(batch.length),
        TRACE_ANCHOR_KIND,
      );
    }
    const anchorId = (receipt?.anchorId ?? existing).toString();

    const anchorRef: NodeRef = { label: "Anchor", id: anchorId };
    const anchorNode: GraphNode = {
      ...anchorRef,
      kind: TRACE_ANCHOR_KIND,
      cid: manifestCid,
      at: Date.now(),
      props: {
        root,
        recordCount: batch.length,
        ...(receipt ? { txHash: receipt.txHash, blockNumber: Number(receipt.blockNumber) } : {}),
      },
    };
    const edges: GraphEdge[] = batch.map((b) => ({
      type: "ANCHORED_IN",
      from: { label: b.label, id: b.id },
      to: anchorRef,
    }));
    await this.#graph.upsertSubgraph(
      [
        anchorNode,
        ...batch.map((b, i) => ({ label: b.label, id: b.id, anchorId, proof: proofs[i] ?? [] })),
      ],
      edges,
    );
    this.#logger?.info(
      { anchorId, root, records: batch.length, ms: Date.now() - started, reused: !receipt },
      "anchored trace batch",
    );
    return {
      anchorId,
      root,
      manifestCid,
      recordCount: batch.length,
      txHash: receipt?.txHash,
      gasUsed: receipt?.gasUsed.toString(),
      reused: !receipt,
    };
  }
}
