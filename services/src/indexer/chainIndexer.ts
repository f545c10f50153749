import type { Logger } from "pino";
import type { Address, Log } from "viem";
import type { ChainClients } from "../chain/clients.ts";
import { ConflictError, UpstreamError } from "@gridledger/domain/errors";
import type { GraphStore } from "../graph/graphStore.ts";
import type { FileCursor } from "./cursor.ts";
import {
  decodeContractLog,
  graphWritesFor,
  INDEXED_CONTRACTS,
  type IndexedContract,
  type IndexedLog,
} from "./handlers.ts";

/** The graph writes the indexer makes (idempotent upserts). */
export type IndexerGraph = Pick<GraphStore, "upsertNodes" | "addEdges">;

export type IndexerOptions = {
  /** Blocks that must be mined on top of a block before it is read. */
  confirmations: number;
  /** Largest block range per eth_getLogs call. */
  batchBlocks: number;
  /** Poll interval of `start()`. */
  pollMs: number;
};

export type IndexerStatus = {
  lastBlock: number;
  /** The chain head at the last poll (before confirmations are subtracted). */
  head: number | undefined;
  safeHead: number | undefined;
  logsApplied: number;
  running: boolean;
  lastError: string | undefined;
  /** Set when the last indexed block is no longer on the chain: indexing has stopped. */
  reorg: ChainReorgError["detail"] | undefined;
};

/**
 * The block the cursor ends at is no longer part of the chain: a reorganisation deeper than
 * `confirmations`, or a different chain (a reset devnet) behind the same RPC and chain id. The
 * graph may hold records of blocks that are gone, so the indexer stops instead of mixing both.
 */
export class ChainReorgError extends ConflictError {
  override name = "ChainReorgError";
  readonly detail: { block: number; indexedHash: string; chainHash: string };
  constructor(detail: { block: number; indexedHash: string; chainHash: string }) {
    super(
      `block ${detail.block} was indexed with hash ${detail.indexedHash} but the chain now has ` +
        `${detail.chainHash}: a reorganisation deeper than the configured confirmations, or a ` +
        "different chain. Indexing is stopped; re-index into a fresh DATA_DIR.",
    );
    this.detail = detail;
  }
}

/**
 * Follows the GridLedger contracts' events into the graph: participants, orders, matches,
 * settlements, TDVA stages and anchors; each log is decoded with its contract's ABI and
 * `handlers/<contract>.ts` says what each event becomes. Reads block ranges of at most
 * `batchBlocks` up to `head - confirmations`, applies each range's logs in chain order as
 * idempotent upserts, then moves the cursor. After a restart it continues from the
 * cursor, so there are no gaps, and a range applied twice leaves the graph unchanged.
 *
 * @example
 *   const indexer = new ChainIndexer({ clients, graph, cursor, options, logger })
 *   await indexer.runOnce()  // catch up to the confirmed head
 *   indexer.start()          // keep following
 */
export class ChainIndexer {
  readonly #clients: ChainClients;
  readonly #graph: IndexerGraph;
  readonly #cursor: FileCursor;
  readonly #options: IndexerOptions;
  readonly #logger: Logger | undefined;
  readonly #contracts: { name: IndexedContract; address: Address; fromBlock: number }[];
  #lastBlock: number | undefined;
  /** Hash of #lastBlock when it was indexed (null for a cursor written before hashes were kept). */
  #lastBlockHash: string | null = null;
  #reorg: ChainReorgError | undefined;
  #safeHead: number | undefined;
  #head: number | undefined;
  #logsApplied = 0;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> = Promise.resolve();
  #stopped = true;
  #lastError: string | undefined;

  constructor(deps: {
    clients: ChainClients;
    graph: IndexerGraph;
    cursor: FileCursor;
    options: IndexerOptions;
    logger?: Logger;
  }) {
    this.#clients = deps.clients;
    this.#graph = deps.graph;
    this.#cursor = deps.cursor;
    this.#options = deps.options;
    this.#logger = deps.logger;
    this.#contracts = INDEXED_CONTRACTS.flatMap((name) => {
      const entry = deps.clients.deployment.contracts[name];
      return entry ? [{ name, address: entry.address, fromBlock: entry.deployedOnBlock }] : [];
    });
  }

  /** Names of the contracts being followed. */
  get contracts(): string[] {
    return this.#contracts.map((c) => c.name);
  }

  status(): IndexerStatus {
    return {
      lastBlock: this.#lastBlock ?? -1,
      head: this.#head,
      safeHead: this.#safeHead,
      logsApplied: this.#logsApplied,
      running: !this.#stopped,
      lastError: this.#lastError,
      reorg: this.#reorg?.detail,
    };
  }

  /**
   * Indexes from the cursor up to the confirmed head (or at most `maxRanges` block ranges, for
   * tests that stop mid-stream). Returns the last block now in the graph.
   */
  async runOnce(maxRanges = Number.POSITIVE_INFINITY): Promise<number> {
    const run = this.#running.catch(() => undefined).then(() => this.#catchUp(maxRanges));
    this.#running = run;
    return run;
  }

  /** Polls every `pollMs` until `stop()`. Failures are logged and retried on the next poll. */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    const tick = async (): Promise<void> => {
      try {
        await this.runOnce();
        this.#lastError = undefined;
      } catch (error) {
        this.#lastError = error instanceof Error ? error.message : String(error);
        this.#logger?.warn({ err: error }, "indexer poll failed; retrying");
      }
      if (!this.#stopped) this.#timer = setTimeout(() => void tick(), this.#options.pollMs);
    };
    void tick();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#running.catch(() => undefined);
  }

  async #catchUp(maxRanges: number): Promise<number> {
    if (this.#contracts.length === 0) return -1;
    const { publicClient, deployment } = this.#clients;
    if (this.#reorg) throw this.#reorg;
    if (this.#lastBlock === undefined) {
      const saved = await this.#cursor.load();
      const start = Math.min(...this.#contracts.map((c) => c.fromBlock));
      const mine = saved && saved.chainId === deployment.chainId;
      this.#lastBlock = mine ? saved.lastBlock : start - 1;
      this.#lastBlockHash = mine ? saved.lastBlockHash : null;
    }
    let head: bigint;
    try {
      head = await publicClient.getBlockNumber({ cacheTime: 0 });
    } catch (cause) {
      throw new UpstreamError("indexer cannot read the chain head", { cause });
    }
    this.#head = Number(head);
    await this.#checkStillOnChain(head);
    const safeHead = Number(head) - this.#options.confirmations;
    this.#safeHead = safeHead;
    let ranges = 0;
    while (this.#lastBlock < safeHead && ranges < maxRanges) {
      const from = this.#lastBlock + 1;
      const to = Math.min(from + this.#options.batchBlocks - 1, safeHead);
      const applied = await this.#indexRange(from, to);
      const block = await publicClient.getBlock({ blockNumber: BigInt(to) });
      await this.#cursor.save({
        chainId: deployment.chainId,
        lastBlock: to,
        lastBlockHash: block.hash,
      });
      this.#lastBlock = to;
      this.#lastBlockHash = block.hash;
      this.#logsApplied += applied;
      ranges += 1;
      this.#logger?.debug({ from, to, logs: applied }, "indexed block range");
    }
    return this.#lastBlock;
  }

  /** Compares the hash the last indexed block had with the chain's block at that height now. */
  async #checkStillOnChain(head: bigint): Promise<void> {
    const block = this.#lastBlock;
    const indexedHash = this.#lastBlockHash;
    if (indexedHash === null || block === undefined || block < 0) return;
    const { publicClient } = this.#clients;
    let chainHash: string;
    try {
      chainHash =
        head < BigInt(block)
          ? `none (the chain ends at block ${head})`
          : (await publicClient.getBlock({ blockNumber: BigInt(block) })).hash;
    } catch (cause) {
      throw new UpstreamError(`indexer cannot read block ${block}`, { cause });
    }
    if (chainHash !== indexedHash) {
      this.#reorg = new ChainReorgError({ block, indexedHash, chainHash });
      this.#logger?.error({ ...this.#reorg.detail }, this.#reorg.message);
      throw this.#reorg;
    }
  }

  async #indexRange(from: number, to: number): Promise<number> {
    const { publicClient } = this.#clients;
    let logs: Log[];
    try {
      logs = await publicClient.getLogs({
        address: this.#contracts.map((c) => c.address),
        fromBlock: BigInt(from),
        toBlock: BigInt(to),
      });
    } catch (cause) {
      throw new UpstreamError(`eth_getLogs ${from}-${to} failed`, { cause });
    }
    logs.sort((x, y) =>
      x.blockNumber === y.blockNumber
        ? (x.logIndex ?? 0) - (y.logIndex ?? 0)
        : Number((x.blockNumber ?? 0n) - (y.blockNumber ?? 0n)),
    );
    const timestamps = new Map<bigint, number>();
    let applied = 0;
    for (const log of logs) {
      const contract = this.#contracts.find(
        (c) => c.address.toLowerCase() === log.address.toLowerCase(),
      );
      if (!contract || log.blockNumber === null || log.transactionHash === null) continue;
      // A log its contract's ABI does not decode (an unknown signature, or topics and data that
      // do not fit the event) is not ours to interpret: skipped like events without a handler.
      const decoded = decodeContractLog(contract.name, log);
      if (!decoded) continue;
      let at = timestamps.get(log.blockNumber);
      if (at === undefined) {
        const block = await publicClient.getBlock({ blockNumber: log.blockNumber });
        at = Number(block.timestamp) * 1000;
        timestamps.set(log.blockNumber, at);
      }
      const indexed: IndexedLog = {
        ...decoded,
        txHash: log.transactionHash,
        logIndex: log.logIndex ?? 0,
        blockNumber: Number(log.blockNumber),
        at,
      };
      const writes = graphWritesFor(indexed);
      if (writes.nodes.length === 0) continue;
      await this.#graph.upsertNodes(writes.nodes);
      if (writes.edges.length > 0) await this.#graph.addEdges(writes.edges);
      applied += 1;
    }
    return applied;
  }
}
