/**
 * The traceability model (MISSION §6, paper 004) shared by every GraphStore implementation:
 * node labels, edge types, and which labels each edge type may connect. Edges point from the thing
 * that contributes to the thing it contributes to (supplier → product → batch → downstream batch,
 * actor/location/document → event → batch), so "upstream" means following edges backwards and
 * "downstream" means following them forwards. `schema.ts` turns this into Kùzu DDL and Neo4j
 * constraints.
 */
export const NODE_LABELS = [
  "Product",
  "Batch",
  "Participant",
  "Location",
  "Event",
  "Document",
  "MarketRecord",
  "TdvaRecord",
  "Anchor",
] as const;
export type NodeLabel = (typeof NODE_LABELS)[number];

const ALL_BUT_ANCHOR = NODE_LABELS.filter((l) => l !== "Anchor");

/** Edge type → allowed [from, to] label pairs. */
export const EDGE_RULES = {
  /** A supplier makes or sells a product. */
  SUPPLIES: [["Participant", "Product"]],
  /** A product has a batch (lot, serial range, delivery). */
  HAS_BATCH: [["Product", "Batch"]],
  /** An input batch was consumed by, assembled into or became an output batch. */
  FLOWS_TO: [["Batch", "Batch"]],
  /** A participant performed an event (produced, shipped, received, inspected, installed, ...). */
  PERFORMED: [["Participant", "Event"]],
  /** An event concerns a batch or a product. */
  CONCERNS: [
    ["Event", "Batch"],
    ["Event", "Product"],
  ],
  /** An event happened at, or a participant is based at, a location. */
  HOSTS: [
    ["Location", "Event"],
    ["Location", "Participant"],
  ],
  /** Event order within a trace (produced → shipped → received). */
  NEXT: [["Event", "Event"]],
  /** A document (certificate, inspection report, measurement) describes a node. */
  DESCRIBES: ALL_BUT_ANCHOR.filter((l) => l !== "Document").map((l) => ["Document", l]),
  /** A data provider (or its delegate data creator) uploaded a document. */
  UPLOADED: [["Participant", "Document"]],
  /** A data provider delegates uploads to a data creator. */
  DELEGATES: [["Participant", "Participant"]],
  /** A participant is a party to a market record (order, match, settlement) or a TDVA record. */
  PARTY_TO: [
    ["Participant", "MarketRecord"],
    ["Participant", "TdvaRecord"],
  ],
  /** Market/TDVA records that follow each other (order → match → settlement; T → D → V → S). */
  LEADS_TO: [
    ["MarketRecord", "MarketRecord"],
    ["TdvaRecord", "TdvaRecord"],
  ],
  /** A node's fingerprint was anchored on-chain in this batch (points away from traces). */
  ANCHORED_IN: ALL_BUT_ANCHOR.map((l) => [l, "Anchor"]),
} as const satisfies Record<string, readonly (readonly [NodeLabel, NodeLabel])[]>;

export type EdgeType = keyof typeof EDGE_RULES;
export const EDGE_TYPES = Object.keys(EDGE_RULES) as EdgeType[];

/** Whether `type` may connect a `from` node to a `to` node. */
export function edgeAllowed(type: EdgeType, from: NodeLabel, to: NodeLabel): boolean {
  return (EDGE_RULES[type] as readonly (readonly [NodeLabel, NodeLabel])[]).some(
    ([f, t]) => f === from && t === to,
  );
}
