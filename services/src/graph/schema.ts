import { EDGE_RULES, EDGE_TYPES, NODE_LABELS, type EdgeType, type NodeLabel } from "./model.ts";

/**
 * The one schema of the traceability graph, for both stores. Every node label has the same
 * columns (so label-less patterns like `(m)` return the same fields from any table) and every
 * edge type one column:
 *
 * | property   | Kùzu type | Neo4j value   | holds                                        |
 * | ---------- | --------- | ------------- | -------------------------------------------- |
 * | `id`       | STRING PK | string (uniq) | id, unique within the label                  |
 * | `kind`     | STRING    | string        | sub-type (role, event type, record type)     |
 * | `name`     | STRING    | string        | display name                                 |
 * | `at`       | INT64     | integer       | Unix time, ms                                |
 * | `cid`      | STRING    | string        | CIDv1 of the source document                 |
 * | `leafHash` | STRING    | string        | Merkle leaf (0x hex)                         |
 * | `anchorId` | STRING    | string        | on-chain anchor batch id (decimal)           |
 * | `proof`    | STRING    | string        | Merkle proof as a JSON array of 0x hex       |
 * | `extra`    | STRING    | string        | every other property, as one JSON object     |
 *
 * Edges carry `extra` (JSON object) only. `proof` and `extra` are JSON text rather than native
 * lists/maps because Kùzu needs fixed column types (and turns an empty list parameter into NULL)
 * while Neo4j cannot store maps: one layout keeps shared Cypher portable.
 */
export const NODE_COLUMNS = [
  { name: "id", kuzu: "STRING PRIMARY KEY" },
  { name: "kind", kuzu: "STRING" },
  { name: "name", kuzu: "STRING" },
  { name: "at", kuzu: "INT64" },
  { name: "cid", kuzu: "STRING" },
  { name: "leafHash", kuzu: "STRING" },
  { name: "anchorId", kuzu: "STRING" },
  { name: "proof", kuzu: "STRING" },
  { name: "extra", kuzu: "STRING" },
] as const;

export type NodeColumn = (typeof NODE_COLUMNS)[number]["name"];

/** Version of this schema, stored in the database so a later change can migrate. */
export const SCHEMA_VERSION = 1;

/** Kùzu DDL: one node table per label, one rel table per edge type with all its FROM/TO pairs. */
export function kuzuSchema(): string[] {
  const nodes = NODE_LABELS.map(
    (label) =>
      `CREATE NODE TABLE IF NOT EXISTS ${label}(${NODE_COLUMNS.map((c) => `${c.name} ${c.kuzu}`).join(", ")})`,
  );
  const rels = EDGE_TYPES.map((type) => {
    const pairs = (EDGE_RULES[type] as readonly (readonly [NodeLabel, NodeLabel])[])
      .map(([from, to]) => `FROM ${from} TO ${to}`)
      .join(", ");
    return `CREATE REL TABLE IF NOT EXISTS ${type}(${pairs}, extra STRING)`;
  });
  return [...nodes, ...rels];
}

/** Neo4j DDL: a uniqueness constraint (and so an index) on `id` for every label. */
export function neo4jSchema(): string[] {
  return NODE_LABELS.map(
    (label) =>
      `CREATE CONSTRAINT ${label.toLowerCase()}_id IF NOT EXISTS FOR (n:${label}) REQUIRE n.id IS UNIQUE`,
  );
}

/** Edge types that can leave (`out`) or arrive at (`in`) a node of `label`. */
export function edgeTypesAt(label: NodeLabel, side: "out" | "in"): EdgeType[] {
  return EDGE_TYPES.filter((type) =>
    (EDGE_RULES[type] as readonly (readonly [NodeLabel, NodeLabel])[]).some(
      ([from, to]) => (side === "out" ? from : to) === label,
    ),
  );
}
