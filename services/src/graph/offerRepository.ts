import { z } from "zod";
import { parseWith } from "@gridledger/domain/validate";
import type { RepositoryPort } from "./cypherGraphStore.ts";
import type { GraphNode, JsonValue } from "./graphStore.ts";
import { parseJsonColumn } from "./rows.ts";

/** Which offer: the DispatchRegistry it is signed for, the TDVA event and the provider. */
export type OfferKey = { registry: string; eventId: bigint; provider: string };

/** A stored offer document (the signed offer as the relay accepted it). */
export type OfferDocument = Record<string, JsonValue>;

const AddressSchema = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "an address");
const EventIdSchema = z.bigint().min(0n);
const OfferRowSchema = z.object({ id: z.string(), extra: z.string() });

/**
 * Flexibility offers relayed for TDVA events (MISSION §3). Each is a `TdvaRecord` node of kind
 * `offer`, id `offer:<registry>:<eventId>:<provider>` (lower-case hex), linked PARTY_TO from its
 * provider's Participant node, so it also shows in the provider's history. One offer per provider
 * and event: saving again replaces the document.
 *
 * @example
 *   await graph.offers.save({ registry, eventId: 7n, provider }, signedAt * 1000, offer)
 *   const offers = await graph.offers.forEvent(registry, 7n, SignedOfferSchema)
 */
export class OfferRepository {
  readonly #port: RepositoryPort;

  constructor(port: RepositoryPort) {
    this.#port = port;
  }

  /** Keeps `document` as the provider's offer for the event (`atMs`: when it was signed). */
  async save(key: OfferKey, atMs: number, document: OfferDocument): Promise<void> {
    const provider = parseWith(AddressSchema, key.provider, "offer provider").toLowerCase();
    const participant: GraphNode = { label: "Participant", id: provider };
    const id = idOf(key.registry, key.eventId, provider);
    await this.#port.store.upsertSubgraph(
      [participant, { label: "TdvaRecord", id, kind: "offer", at: atMs, props: document }],
      [{ type: "PARTY_TO", from: participant, to: { label: "TdvaRecord", id } }],
    );
  }

  /** The provider's kept offer for the event, checked against `schema`, or undefined. */
  async get<T>(key: OfferKey, schema: z.ZodType<T>): Promise<T | undefined> {
    const provider = parseWith(AddressSchema, key.provider, "offer provider").toLowerCase();
    const id = idOf(key.registry, key.eventId, provider);
    const rows = await this.#port.read(
      "MATCH (o:TdvaRecord) WHERE o.id = $id RETURN o.id AS id, o.extra AS extra",
      { id },
    );
    const row = rows[0];
    if (!row) return undefined;
    const r = parseWith(OfferRowSchema, row, "stored offer");
    return parseWith(schema, parseJsonColumn(r.extra, `offer ${r.id}`), "stored offer");
  }

  /**
   * The offers kept for an event, one per provider, ordered by provider address, each checked
   * against `schema` (a stored document that does not match raises ValidationError).
   */
  async forEvent<T>(registry: string, eventId: bigint, schema: z.ZodType<T>): Promise<T[]> {
    const rows = await this.#port.read(
      "MATCH (o:TdvaRecord) WHERE o.kind = 'offer' AND o.id STARTS WITH $prefix " +
        "RETURN o.id AS id, o.extra AS extra",
      { prefix: idOf(registry, eventId) },
    );
    return rows
      .map((row) => {
        const r = parseWith(OfferRowSchema, row, "stored offer");
        const provider = r.id.slice(r.id.lastIndexOf(":") + 1);
        return {
          provider: BigInt(parseWith(AddressSchema, provider, "stored offer id")),
          offer: parseWith(schema, parseJsonColumn(r.extra, `offer ${r.id}`), "stored offer"),
        };
      })
      .sort((a, b) => (a.provider < b.provider ? -1 : a.provider > b.provider ? 1 : 0))
      .map((o) => o.offer);
  }
}

/** Graph id of an offer (by registry and event, and provider when given: else the id prefix). */
function idOf(registry: string, eventId: bigint, provider = ""): string {
  const r = parseWith(AddressSchema, registry, "offer registry").toLowerCase();
  return `offer:${r}:${parseWith(EventIdSchema, eventId, "offer event id")}:${provider}`;
}
