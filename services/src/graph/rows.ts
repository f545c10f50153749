import { z } from "zod";
import { parseWith } from "@gridledger/domain/validate";
import {
  GraphStoreError,
  type GraphEdge,
  type GraphNode,
  type JsonValue,
  type NodeRef,
} from "./graphStore.ts";
import { EDGE_TYPES, NODE_LABELS, type EdgeType, type NodeLabel } from "./model.ts";

// How graph values look in statements' parameters and result rows, shared by the stores
// (`cypherGraphStore.ts` and its subclasses) and the repositories (see `schema.ts` for the
// property layout). Everything read back is validated: the database is an outside system.

export const JsonSchema: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([
    z.string(),
    z.number(),
    z.boolean(),
    z.null(),
    z.array(JsonSchema),
    z.record(z.string(), JsonSchema),
  ]),
);
export const LabelSchema = z.enum(NODE_LABELS);
export const EdgeTypeSchema = z.enum(EDGE_TYPES as [EdgeType, ...EdgeType[]]);
export const IdSchema = z.string().min(1).max(256);
export const RefSchema = z.object({ label: LabelSchema, id: IdSchema });
const HexSchema = z.string().regex(/^0x[0-9a-fA-F]*$/, "expected 0x-prefixed hex");
export const NodeSchema = RefSchema.extend({
  kind: z.string().max(128).optional(),
  name: z.string().max(1024).optional(),
  at: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  cid: z.string().min(1).max(256).optional(),
  leafHash: HexSchema.optional(),
  anchorId: z.string().regex(/^\d+$/, "expected a decimal id").optional(),
  proof: z.array(HexSchema).max(256).optional(),
  props: z.record(z.string(), JsonSchema).optional(),
});
export const EdgeSchema = z.object({
  type: EdgeTypeSchema,
  from: RefSchema,
  to: RefSchema,
  props: z.record(z.string(), JsonSchema).optional(),
});

/** Columns read back for a node, aliased by name (same in every query). */
export function nodeColumns(v: string): string {
  return `${v}.id AS id, ${v}.kind AS kind, ${v}.name AS name, ${v}.at AS at, ${v}.cid AS cid, ${v}.leafHash AS leafHash, ${v}.anchorId AS anchorId, ${v}.proof AS proof, ${v}.extra AS extra`;
}

export const keyOf = (ref: NodeRef) => `${ref.label}\u0000${ref.id}`;
export const edgeKey = (e: GraphEdge) => `${e.type}\u0000${keyOf(e.from)}\u0000${keyOf(e.to)}`;

export function parseJsonColumn(text: unknown, what: string): unknown {
  if (text === null || text === undefined) return undefined;
  if (typeof text !== "string") throw new GraphStoreError(`${what} is not JSON text`);
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new GraphStoreError(`${what} holds malformed JSON`, { cause });
  }
}

const StoredNodeSchema = z.object({
  id: z.string(),
  kind: z.string().nullish(),
  name: z.string().nullish(),
  at: z.number().nullish(),
  cid: z.string().nullish(),
  leafHash: z.string().nullish(),
  anchorId: z.string().nullish(),
  proof: z.string().nullish(),
  extra: z.string().nullish(),
});

/** Turns a row of `nodeColumns` into a GraphNode (validated: the database is an outside system). */
export function nodeFromRow(label: NodeLabel, row: Record<string, unknown>): GraphNode {
  const r = parseWith(StoredNodeSchema, row, `stored ${label} node`);
  const node: GraphNode = { label, id: r.id };
  if (r.kind != null) node.kind = r.kind;
  if (r.name != null) node.name = r.name;
  if (r.at != null) node.at = r.at;
  if (r.cid != null) node.cid = r.cid;
  if (r.leafHash != null) node.leafHash = r.leafHash;
  if (r.anchorId != null) node.anchorId = r.anchorId;
  const proof = parseJsonColumn(r.proof, `proof of ${label} ${r.id}`);
  if (proof !== undefined) node.proof = parseWith(z.array(z.string()), proof, "stored proof");
  const extra = parseJsonColumn(r.extra, `props of ${label} ${r.id}`);
  if (extra !== undefined) {
    node.props = parseWith(z.record(z.string(), JsonSchema), extra, "stored props");
  }
  return node;
}

/** Parameter row for an edge write: from id, to id, props JSON. */
export function edgeRow(e: GraphEdge): { f: string; t: string; extra: string | null } {
  return {
    f: e.from.id,
    t: e.to.id,
    extra: e.props === undefined ? null : JSON.stringify(e.props),
  };
}

/** Parameter row for a node write: every column, NULL where the node leaves it unset. */
export function toRow(n: GraphNode): Record<string, unknown> {
  return {
    id: n.id,
    kind: n.kind ?? null,
    name: n.name ?? null,
    at: n.at ?? null,
    cid: n.cid ?? null,
    leafHash: n.leafHash ?? null,
    anchorId: n.anchorId ?? null,
    proof: n.proof === undefined ? null : JSON.stringify(n.proof),
    extra: n.props === undefined ? null : JSON.stringify(n.props),
  };
}
