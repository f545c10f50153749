import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Candidate } from "@gridledger/domain/evidence";
import type { ChainSession } from "../chain/session.ts";
import { KuzuGraphStore } from "../graph/kuzuGraph.ts";
import { ChainIndexer } from "../indexer/chainIndexer.ts";
import { FileCursor } from "../indexer/cursor.ts";
import { candidateFromHistory, type OutageFile } from "./history.ts";

/**
 * The demos' view of the chain's history (decision 0306): an embedded graph in a throwaway folder
 * that a ChainIndexer fills from the session's chain, the same handlers the API's indexer uses.
 * `candidates` first catches up to the chain head, then builds each address's four sources with
 * `candidateFromHistory`, so a choice sees every record mined so far, this run's and earlier
 * runs' on the same chain. Its own folder keeps it clear of a running API's graph (Kùzu allows
 * one writer per database).
 *
 * @example
 *   const live = await LiveHistory.open(chain)
 *   const candidates = await live.candidates([seller1, seller2])
 *   await live.close()
 */
export class LiveHistory {
  readonly #graph: KuzuGraphStore;
  readonly #indexer: ChainIndexer;
  readonly #dir: string;
  readonly #chain: ChainSession;
  readonly #outages: OutageFile | undefined;

  private constructor(deps: {
    graph: KuzuGraphStore;
    indexer: ChainIndexer;
    dir: string;
    chain: ChainSession;
    outages: OutageFile | undefined;
  }) {
    this.#graph = deps.graph;
    this.#indexer = deps.indexer;
    this.#dir = deps.dir;
    this.#chain = deps.chain;
    this.#outages = deps.outages;
  }

  static async open(
    chain: ChainSession,
    options: { outages?: OutageFile } = {},
  ): Promise<LiveHistory> {
    const dir = await mkdtemp(path.join(tmpdir(), "gridledger-history-"));
    let graph: KuzuGraphStore | undefined;
    try {
      graph = await KuzuGraphStore.open({ dataDir: dir, bufferPoolMb: 128 });
      const indexer = new ChainIndexer({
        clients: {
          chain: chain.chain,
          publicClient: chain.publicClient,
          walletClient: undefined,
          deployment: chain.deployment,
        },
        graph,
        cursor: new FileCursor(dir, chain.deployment.chainId),
        // The demo reads what it has just mined: no confirmations on its own chain session.
        options: { confirmations: 0, batchBlocks: 2_000, pollMs: 1_000 },
      });
      return new LiveHistory({ graph, indexer, dir, chain, outages: options.outages });
    } catch (error) {
      await graph?.close();
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** Indexes up to the chain head; returns the last block now in the graph. */
  refresh(): Promise<number> {
    return this.#indexer.runOnce();
  }

  /**
   * Each address as a selection candidate built from its indexed history (an address the graph
   * does not know yet gets an empty history: vacuous sources). `now` for the outage window is
   * the chain's clock, which the devnet moves.
   */
  async candidates(addresses: string[], buses?: Map<string, string>): Promise<Candidate[]> {
    await this.refresh();
    const now = (await this.#chain.latestTimestamp()) * 1000;
    const out: Candidate[] = [];
    for (const address of addresses) {
      const c = await candidateFromHistory(this.#graph, address, {
        now,
        ...(this.#outages ? { outages: this.#outages } : {}),
      });
      const bus = buses?.get(address.toLowerCase()) ?? c?.bus;
      out.push({
        id: address,
        ...(bus !== undefined ? { bus } : {}),
        history: c?.history ?? {},
      });
    }
    return out;
  }

  async close(): Promise<void> {
    await this.#indexer.stop();
    await this.#graph.close();
    await rm(this.#dir, { recursive: true, force: true });
  }
}
