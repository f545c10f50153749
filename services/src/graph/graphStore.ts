import { BaseError } from "@gridledger/domain/errors";
import type { HistoryRepository } from "./historyRepository.ts";
import type { EdgeType, NodeLabel } from "./model.ts";
import type { OfferRepository } from "./offerRepository.ts";
import type { TraceRecordRepository } from "./traceRecordRepository.ts";

export type { EdgeType, NodeLabel } from "./model.ts";

/** A JSON value (what `props` may hold). */
export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A node is identified by its label and an id unique within that label. */
export type NodeRef = { label: NodeLabel; id: string };

/**
 * A node of the traceability graph. The typed fields are real columns/properties in both stores
 * (shared Cypher can filter on them: `n.kind`, `n.cid`, ...); everything else goes in `props`,
 * stored as one JSON string property `extra`.
 */
export type GraphNode = NodeRef & {
  /** Sub-type: participant role (supplier, data-provider, data-creator, data-holder, viewer,
   *  prosumer, ...), event type (produced, shipped, received, inspected, installed, ...), record
   *  type (order, match, settlement, trigger, dispatch, verify, settle, ...). */
  kind?: string;
  /** Human-readable name. */
  name?: string;
  /** When it happened or was recorded, Unix time in milliseconds (integer). */
  at?: number;
  /** CIDv1 of the document this node was created from (content store). */
  cid?: string;
  /** Merkle leaf hash (0x hex) of the document's keccak256 fingerprint. */
  leafHash?: string;
  /** Id of the on-chain anchor batch (decimal string). */
  anchorId?: string;
  /** Merkle proof (0x hex sibling hashes) from the leaf to the anchored root. */
  proof?: string[];
  /** Any other properties (kept as JSON). */
  props?: Record<string, JsonValue>;
};

/** A directed edge; at most one edge of a given type between two nodes (adding it again merges). */
export type GraphEdge = {
  type: EdgeType;
  from: NodeRef;
  to: NodeRef;
  props?: Record<string, JsonValue>;
};

export type TraceDirection = "upstream" | "downstream";

export type TraceOptions = {
  /** upstream = everything that leads to the root (edges followed backwards); downstream = forwards. */
  direction: TraceDirection;
  /** Longest path, in edges, from the root (1..10). */
  maxDepth: number;
  /** Only follow these edge types (default: all except ANCHORED_IN). */
  edgeTypes?: EdgeType[];
  /** At most this many nodes in the result (default 10,000); `truncated` says when it was hit. */
  limit?: number;
  /**
   * Whether to return the tree edges (default true). `false` returns nodes and depths only
   * (somewhat faster: no path data is read); `edges` is then empty.
   */
  edges?: boolean;
};

export type TraceResult = {
  root: GraphNode;
  /** Nodes reached (root excluded), each once, with its shortest distance in edges from the root. */
  nodes: (GraphNode & { depth: number })[];
  /**
   * For each node of `nodes`, the edge by which the trace reached it from a node one step closer
   * to the root (a shortest-path tree: `edges.length === nodes.length`, every node connected to
   * the root). Which parent is picked among equally near ones is up to the store.
   */
  edges: GraphEdge[];
  truncated: boolean;
};

export type NeighbourOptions = {
  /** out = edges leaving the node, in = edges arriving, both = either (default both). */
  direction?: "in" | "out" | "both";
  edgeTypes?: EdgeType[];
  labels?: NodeLabel[];
};

export type Neighbour = { edge: GraphEdge; node: GraphNode };

/** Which implementation a GraphStore is (chosen by `GRAPH_STORE`). */
export type GraphStoreKind = "kuzu" | "neo4j";

/**
 * Graph database for the traceability model (`model.ts`). Two real implementations:
 * `KuzuGraphStore` (embedded Kùzu, the default, database under `DATA_DIR`) and `Neo4jGraphStore`
 * (a Neo4j server through neo4j-driver). Both keep the same property layout and run the same
 * Cypher (docs/decisions/0402). Domain code reads through the generic operations below and the
 * named repository methods (`offers`, `records`, `history`); every Cypher string lives in this
 * folder (docs/decisions/0455).
 *
 * Writes are idempotent: upserting a node merges the given fields into the existing node (fields
 * not given are kept, `props` is merged key by key); adding an edge that exists merges its props.
 * Adapter failures raise `GraphStoreError`; bad input (unknown label, edge type not allowed between
 * the two labels, missing endpoint) raises `ValidationError` / `GraphNodeNotFoundError`.
 *
 * @example
 *   const graph = await createGraphStore(config)
 *   await graph.upsertNode({ label: "Batch", id: "B-7", kind: "module", cid })
 *   await graph.addEdge({ type: "FLOWS_TO", from: { label: "Batch", id: "B-3" }, to: { label: "Batch", id: "B-7" } })
 *   const up = await graph.trace({ label: "Batch", id: "B-7" }, { direction: "upstream", maxDepth: 5 })
 */
export interface GraphStore {
  readonly kind: GraphStoreKind;
  /** Creates or merges one node. */
  upsertNode(node: GraphNode): Promise<void>;
  /** Creates or merges many nodes (one transaction per chunk; the fast path for bulk loads). */
  upsertNodes(nodes: GraphNode[]): Promise<void>;
  /** Adds (or merges) one directed edge; both endpoints must exist. */
  addEdge(edge: GraphEdge): Promise<void>;
  /** Adds (or merges) many edges; every endpoint must exist. */
  addEdges(edges: GraphEdge[]): Promise<void>;
  /**
   * `upsertNodes(nodes)` then `addEdges(edges)` (endpoints may be among `nodes`): the way to write
   * a record with its neighbourhood. Kùzu runs it as one unit (no other statement in between) and
   * skips the duplicate check for edges touching a node the call itself created, which cannot
   * have edges yet; the result is the same as the two calls.
   */
  upsertSubgraph(nodes: GraphNode[], edges: GraphEdge[]): Promise<void>;
  /** The node, or undefined when there is none. */
  getNode(ref: NodeRef): Promise<GraphNode | undefined>;
  /** Nodes directly connected to `ref`, with the connecting edge. */
  neighbours(ref: NodeRef, options?: NeighbourOptions): Promise<Neighbour[]>;
  /** Everything upstream or downstream of `ref` up to `maxDepth` edges away. */
  trace(ref: NodeRef, options: TraceOptions): Promise<TraceResult>;
  /** Offers relayed for TDVA events. */
  readonly offers: OfferRepository;
  /** Traceability records: existence, edge checks, the anchoring queue. */
  readonly records: TraceRecordRepository;
  /** Participants' market and TDVA history. */
  readonly history: HistoryRepository;
  /** Number of nodes per label (all labels present, zero included). */
  countNodes(): Promise<Record<NodeLabel, number>>;
  /** Deletes every node and edge (tests and benchmarks only). */
  clear(): Promise<void>;
  close(): Promise<void>;
}

/** The graph database failed or returned something unusable (HTTP API: 502/503). */
export class GraphStoreError extends BaseError {
  override name = "GraphStoreError";
}

/** An edge endpoint or a trace root does not exist. */
export class GraphNodeNotFoundError extends BaseError {
  override name = "GraphNodeNotFoundError";
  readonly ref: NodeRef;
  constructor(ref: NodeRef) {
    super(`graph node not found: ${ref.label} ${ref.id}`);
    this.ref = ref;
  }
}
