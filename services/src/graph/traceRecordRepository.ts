import { z } from "zod";
import { parseWith } from "@gridledger/domain/validate";
import type { RepositoryPort } from "./cypherGraphStore.ts";
import type { GraphEdge, NodeRef } from "./graphStore.ts";
import { EDGE_RULES, type EdgeType, type NodeLabel } from "./model.ts";
import { EdgeSchema, EdgeTypeSchema, IdSchema, LabelSchema, RefSchema } from "./rows.ts";

/** A record waiting to be anchored: it has a leaf hash but no anchor id yet. */
export type UnanchoredRecord<L extends NodeLabel = NodeLabel> = {
  label: L;
  id: string;
  cid: string | null;
  leafHash: string;
};

/** Ids per lookup statement (one parameter list each). */
const LOOKUP_CHUNK = 5_000;
/** At most this many events are returned as possible sources of one edge. */
const CLAIMANT_LIMIT = 50;

const IdsSchema = z.array(z.string());
const CidRowSchema = z.object({ id: z.string(), cid: z.string().nullish() });
const IdRowSchema = z.object({ id: z.string() });
const PairRowSchema = z.object({ f: z.string(), t: z.string() });
const UnanchoredRowSchema = z.object({
  id: z.string(),
  cid: z.string().nullish(),
  leafHash: z.string(),
});
const IncidentRowSchema = z.object({
  type: EdgeTypeSchema,
  fl: LabelSchema,
  f: z.string(),
  tl: LabelSchema,
  t: z.string(),
});

/**
 * The graph reads of supplier traceability (paper 004) and its anchoring: which records and
 * batches exist, which events may state an edge, which edges a record's node has, and which
 * records wait for their anchor. Labels and edge types, the only parts spliced into the Cypher,
 * are checked against the model first; every id travels as a parameter.
 *
 * @example
 *   const cids = await graph.records.cidsOf("Event", ["evt-1", "evt-2"])
 *   const missing = await graph.records.missingEdges(projection.edges)
 */
export class TraceRecordRepository {
  readonly #port: RepositoryPort;

  constructor(port: RepositoryPort) {
    this.#port = port;
  }

  /** Which of `ids` exist under `label`, with their CIDs (null when a node has none). */
  async cidsOf(label: NodeLabel, ids: readonly string[]): Promise<Map<string, string | null>> {
    const l = parseWith(LabelSchema, label, "label");
    const unique = [...new Set(parseWith(IdsSchema, ids, "ids"))];
    const found = new Map<string, string | null>();
    for (let start = 0; start < unique.length; start += LOOKUP_CHUNK) {
      const rows = await this.#port.read(
        `UNWIND $ids AS x MATCH (n:${l} {id: x}) RETURN n.id AS id, n.cid AS cid`,
        { ids: unique.slice(start, start + LOOKUP_CHUNK) },
      );
      for (const row of rows) {
        const r = parseWith(CidRowSchema, row, "stored node");
        found.set(r.id, r.cid ?? null);
      }
    }
    return found;
  }

  /** Events that CONCERN the batch (those that produced or handled it), at most 50. */
  async eventsConcerningBatch(batchId: string): Promise<string[]> {
    return this.#ids(
      "MATCH (e:Event)-[:CONCERNS]->(b:Batch {id: $id}) RETURN e.id AS id " +
        `LIMIT ${CLAIMANT_LIMIT}`,
      { id: parseWith(IdSchema, batchId, "batch id") },
    );
  }

  /**
   * Events the supplier PERFORMED that CONCERN a batch of the product (what states that the
   * supplier SUPPLIES it), at most 50.
   */
  async supplyEvents(supplierId: string, productId: string): Promise<string[]> {
    return this.#ids(
      "MATCH (s:Participant {id: $s})-[:PERFORMED]->(e:Event)-[:CONCERNS]->(b:Batch)" +
        "<-[:HAS_BATCH]-(p:Product {id: $p}) RETURN DISTINCT e.id AS id " +
        `LIMIT ${CLAIMANT_LIMIT}`,
      {
        s: parseWith(IdSchema, supplierId, "supplier id"),
        p: parseWith(IdSchema, productId, "product id"),
      },
    );
  }

  /**
   * The edges of the given types that leave or reach the node (props not read). One statement
   * with explicit labels per (type, from, to) combination the model allows at the node's label:
   * cheap on both stores.
   */
  async incidentEdges(ref: NodeRef, types: readonly EdgeType[]): Promise<GraphEdge[]> {
    const self = parseWith(RefSchema, ref, "node reference");
    const parts: string[] = [];
    for (const type of parseWith(z.array(EdgeTypeSchema), types, "edge types")) {
      for (const [from, to] of EDGE_RULES[type] as readonly (readonly [NodeLabel, NodeLabel])[]) {
        const columns = `RETURN '${type}' AS type, '${from}' AS fl, a.id AS f, '${to}' AS tl, b.id AS t`;
        if (from === self.label)
          parts.push(`MATCH (a:${from} {id: $id})-[:${type}]->(b:${to}) ${columns}`);
        if (to === self.label)
          parts.push(`MATCH (a:${from})-[:${type}]->(b:${to} {id: $id}) ${columns}`);
      }
    }
    if (parts.length === 0) return [];
    const rows = await this.#port.read(parts.join(" UNION ALL "), { id: self.id });
    return rows.map((row) => {
      const r = parseWith(IncidentRowSchema, row, "stored edge");
      return { type: r.type, from: { label: r.fl, id: r.f }, to: { label: r.tl, id: r.t } };
    });
  }

  /**
   * The edges of `edges` the graph does not hold (props ignored), grouped by type and end
   * labels in the order each group first occurs, in input order within a group.
   */
  async missingEdges(edges: readonly GraphEdge[]): Promise<GraphEdge[]> {
    const groups = new Map<string, GraphEdge[]>();
    for (const e of parseWith(z.array(EdgeSchema), edges, "edges") as GraphEdge[]) {
      const key = `${e.type}|${e.from.label}|${e.to.label}`;
      groups.set(key, [...(groups.get(key) ?? []), e]);
    }
    const missing: GraphEdge[] = [];
    for (const group of groups.values()) {
      const { type, from, to } = group[0]!;
      const rows = await this.#port.read(
        `UNWIND $rows AS r MATCH (a:${from.label} {id: r.f})-[:${type}]->(b:${to.label}) ` +
          `WHERE b.id = r.t RETURN a.id AS f, b.id AS t`,
        { rows: group.map((e) => ({ f: e.from.id, t: e.to.id })) },
      );
      const present = new Set(
        rows.map((row) => {
          const r = parseWith(PairRowSchema, row, "stored edge");
          return `${r.f}\u0000${r.t}`;
        }),
      );
      missing.push(...group.filter((e) => !present.has(`${e.from.id}\u0000${e.to.id}`)));
    }
    return missing;
  }

  /** Records of the given labels with a leaf hash and no anchor id (the anchoring queue). */
  async unanchored<L extends NodeLabel>(labels: readonly L[]): Promise<UnanchoredRecord<L>[]> {
    const out: UnanchoredRecord<L>[] = [];
    for (const label of labels) {
      parseWith(LabelSchema, label, "label");
      const rows = await this.#port.read(
        `MATCH (n:${label}) WHERE n.leafHash IS NOT NULL AND n.anchorId IS NULL ` +
          `RETURN n.id AS id, n.cid AS cid, n.leafHash AS leafHash`,
        {},
      );
      for (const row of rows) {
        const r = parseWith(UnanchoredRowSchema, row, `stored ${label}`);
        out.push({ label, id: r.id, cid: r.cid ?? null, leafHash: r.leafHash });
      }
    }
    return out;
  }

  async #ids(cypher: string, params: Record<string, unknown>): Promise<string[]> {
    const rows = await this.#port.read(cypher, params);
    return rows.map((row) => parseWith(IdRowSchema, row, "stored event").id);
  }
}
