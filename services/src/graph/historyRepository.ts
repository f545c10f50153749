import type { RepositoryPort } from "./cypherGraphStore.ts";
import type { GraphNode } from "./graphStore.ts";

/** A participant's node and the market and TDVA records it is a party to, oldest first. */
export type ParticipantHistory = {
  participant: GraphNode;
  market: GraphNode[];
  tdva: GraphNode[];
};

/**
 * Participants' trading and flexibility history: the MarketRecord and TdvaRecord nodes (orders,
 * matches, settlements, TDVA records, relayed offers) linked PARTY_TO from their Participant node
 * by the chain indexer and the offer relay.
 *
 * @example const history = await graph.history.ofParticipant("0xab…") // undefined: unknown
 */
export class HistoryRepository {
  readonly #port: RepositoryPort;

  constructor(port: RepositoryPort) {
    this.#port = port;
  }

  /** The participant's records by time (records without a time first), or undefined. */
  async ofParticipant(id: string): Promise<ParticipantHistory | undefined> {
    const ref = { label: "Participant", id } as const;
    const participant = await this.#port.store.getNode(ref);
    if (!participant) return undefined;
    const records = await this.#port.store.neighbours(ref, {
      direction: "out",
      edgeTypes: ["PARTY_TO"],
    });
    const byTime = records.map((r) => r.node).sort((x, y) => (x.at ?? 0) - (y.at ?? 0));
    return {
      participant,
      market: byTime.filter((n) => n.label === "MarketRecord"),
      tdva: byTime.filter((n) => n.label === "TdvaRecord"),
    };
  }
}
