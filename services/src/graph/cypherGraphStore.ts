import { z } from "zod";
import { BaseError, ValidationError } from "@gridledger/domain/errors";
import { parseWith } from "@gridledger/domain/validate";
import {
  GraphNodeNotFoundError,
  GraphStoreError,
  type GraphEdge,
  type GraphNode,
  type GraphStore,
  type GraphStoreKind,
  type Neighbour,
  type NeighbourOptions,
  type NodeRef,
  type TraceOptions,
  type TraceResult,
} from "./graphStore.ts";
import { HistoryRepository } from "./historyRepository.ts";
import { EDGE_TYPES, NODE_LABELS, edgeAllowed, type EdgeType, type NodeLabel } from "./model.ts";
import { OfferRepository } from "./offerRepository.ts";
import {
  EdgeSchema,
  EdgeTypeSchema,
  JsonSchema,
  LabelSchema,
  NodeSchema,
  RefSchema,
  edgeKey,
  edgeRow,
  keyOf,
  nodeColumns,
  nodeFromRow,
  parseJsonColumn,
  toRow,
} from "./rows.ts";
import { edgeTypesAt } from "./schema.ts";
import { TraceRecordRepository } from "./traceRecordRepository.ts";

/**
 * The parts of Cypher in which Kùzu and Neo4j differ. Everything else (MERGE, UNWIND, SET,
 * coalesce, variable patterns with `|` type alternatives, DETACH DELETE, count) is written once.
 */
export type Dialect = {
  /** Typed view of a parameter that may be NULL in every row (Kùzu infers STRING otherwise). */
  int(expr: string): string;
  /** Label of a node variable. */
  labelOf(variable: string): string;
  /** Type of a relationship variable. */
  typeOf(variable: string): string;
};

/** What `traceFrom` searches: direction as edge side, followed types, depth and node limits. */
export type TraceSearch = {
  side: "in" | "out";
  types: readonly EdgeType[];
  maxDepth: number;
  limit: number;
  /** Whether tree edges are wanted. */
  edges: boolean;
};

/** What a repository gets from its store: the store's own operations and read-only Cypher. */
export type RepositoryPort = {
  store: GraphStore;
  /** Runs one read-only statement with named parameters (`$name`); rows of plain values. */
  read(cypher: string, params: Record<string, unknown>): Promise<Record<string, unknown>[]>;
};

/** Rows are written in chunks of this size (one statement, one transaction each). */
const CHUNK = 2_000;

const TraceOptionsSchema = z.object({
  direction: z.enum(["upstream", "downstream"]),
  maxDepth: z.number().int().min(1).max(10),
  edgeTypes: z.array(EdgeTypeSchema).optional(),
  limit: z.number().int().min(1).max(1_000_000).optional(),
  edges: z.boolean().optional(),
});

function groupBy<T, K extends string>(items: T[], key: (t: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

function chunks<T>(items: T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function mergeNodes(a: GraphNode, b: GraphNode): GraphNode {
  const props = a.props || b.props ? { ...a.props, ...b.props } : undefined;
  const merged: GraphNode = { ...a, ...b };
  if (props !== undefined) merged.props = props;
  return merged;
}

/**
 * GraphStore over any Cypher database: validation, batching, props merging, edge checks,
 * neighbours and breadth-first traces are written once here; subclasses supply `run` (execute one
 * statement with parameters and return plain rows), the dialect, `query`, `close` and start-up.
 * The repositories read through `run` too, so their Cypher goes where the store's own does.
 */
export abstract class CypherGraphStore implements GraphStore {
  abstract readonly kind: GraphStoreKind;
  protected abstract readonly dialect: Dialect;
  readonly offers: OfferRepository;
  readonly records: TraceRecordRepository;
  readonly history: HistoryRepository;

  constructor() {
    const port: RepositoryPort = {
      store: this,
      read: (cypher, params) => this.run(cypher, params, false),
    };
    this.offers = new OfferRepository(port);
    this.records = new TraceRecordRepository(port);
    this.history = new HistoryRepository(port);
  }

  /** Runs one statement (a write when `write` is true) and returns rows of plain JS values. */
  protected abstract run(
    cypher: string,
    params: Record<string, unknown>,
    write: boolean,
  ): Promise<Record<string, unknown>[]>;

  /**
   * Runs Cypher from the shared subset with named parameters (`$name`) and returns rows of plain
   * values (numbers, strings, booleans, null, arrays; integers as numbers). Return scalar
   * properties (`n.id`, `n.kind`), not whole nodes: node/relationship objects differ per store.
   * Not part of `GraphStore`: for this folder's tests and tools; domain code uses the
   * repositories.
   */
  abstract query(
    cypher: string,
    params?: Record<string, unknown>,
  ): Promise<Record<string, unknown>[]>;
  abstract close(): Promise<void>;

  async upsertNode(node: GraphNode): Promise<void> {
    await this.upsertNodes([node]);
  }

  async upsertNodes(input: GraphNode[]): Promise<void> {
    const nodes = parseWith(z.array(NodeSchema), input, "nodes") as GraphNode[];
    for (const [label, group] of groupBy(nodes, (n) => n.label)) {
      // Collapse repeated ids so each statement sees one row per node.
      const byId = new Map<string, GraphNode>();
      for (const n of group) {
        const prev = byId.get(n.id);
        byId.set(n.id, prev ? mergeNodes(prev, n) : n);
      }
      for (const part of chunks([...byId.values()], this.chunkSize)) {
        await this.writeNodes(label, part);
      }
    }
  }

  /** Rows per write statement. */
  protected readonly chunkSize: number = CHUNK;

  /** Writes one chunk of distinct nodes of one label (MERGE; props merged with stored ones). */
  protected async writeNodes(label: NodeLabel, part: GraphNode[]): Promise<void> {
    await this.mergeStoredProps(label, part);
    await this.run(this.upsertCypher(label), { rows: part.map(toRow) }, true);
  }

  /** Writes one chunk of distinct edges of one type between two labels (MERGE). */
  protected async writeEdges(
    type: EdgeType,
    from: NodeLabel,
    to: NodeLabel,
    part: GraphEdge[],
  ): Promise<void> {
    await this.mergeStoredEdgeProps(type, from, to, part);
    const result = await this.run(
      `UNWIND $rows AS r MATCH (a:${from} {id: r.f}), (b:${to} {id: r.t}) ` +
        `MERGE (a)-[e:${type}]->(b) SET e.extra = coalesce(r.extra, e.extra) RETURN count(*) AS n`,
      { rows: part.map(edgeRow) },
      true,
    );
    if (Number(result[0]?.n ?? 0) !== part.length) await this.reportMissingEndpoint(part);
  }

  async upsertSubgraph(nodes: GraphNode[], edges: GraphEdge[]): Promise<void> {
    await this.upsertNodes(nodes);
    await this.addEdges(edges);
  }

  async addEdge(edge: GraphEdge): Promise<void> {
    await this.addEdges([edge]);
  }

  async addEdges(input: GraphEdge[]): Promise<void> {
    const edges = parseWith(z.array(EdgeSchema), input, "edges") as GraphEdge[];
    edges.forEach((e, i) => {
      if (!edgeAllowed(e.type, e.from.label, e.to.label)) {
        throw new ValidationError(
          [
            {
              path: `edges.${i}.type`,
              message: `${e.type} cannot connect ${e.from.label} to ${e.to.label}`,
            },
          ],
          "edges",
        );
      }
    });
    const unique = new Map<string, GraphEdge>();
    for (const e of edges) {
      const prev = unique.get(edgeKey(e));
      unique.set(edgeKey(e), prev ? { ...e, props: { ...prev.props, ...e.props } } : e);
    }
    const groups = groupBy([...unique.values()], (e) => `${e.type}:${e.from.label}:${e.to.label}`);
    for (const group of groups.values()) {
      const { type, from, to } = group[0]!;
      for (const part of chunks(group, this.chunkSize)) {
        await this.writeEdges(type, from.label, to.label, part);
      }
    }
  }

  async getNode(ref: NodeRef): Promise<GraphNode | undefined> {
    const r = parseWith(RefSchema, ref, "node reference");
    const rows = await this.run(
      `MATCH (n:${r.label} {id: $id}) RETURN ${nodeColumns("n")}`,
      { id: r.id },
      false,
    );
    return rows[0] === undefined ? undefined : nodeFromRow(r.label, rows[0]);
  }

  async neighbours(ref: NodeRef, options: NeighbourOptions = {}): Promise<Neighbour[]> {
    const r = parseWith(RefSchema, ref, "node reference");
    const direction = options.direction ?? "both";
    const types = options.edgeTypes ?? EDGE_TYPES;
    const labels = options.labels ? new Set(options.labels) : undefined;
    if (!(await this.getNode(r))) throw new GraphNodeNotFoundError(r);
    const out: Neighbour[] = [];
    for (const side of direction === "both" ? (["out", "in"] as const) : [direction]) {
      for (const hop of await this.#expand(r.label, [r.id], side, types)) {
        if (labels && !labels.has(hop.node.label)) continue;
        out.push({ edge: hop.edge, node: hop.node });
      }
    }
    return out;
  }

  async trace(ref: NodeRef, options: TraceOptions): Promise<TraceResult> {
    return this.#trace(ref, options, (root, o) => this.traceFrom(root, o));
  }

  /**
   * `trace` by the portable level-by-level search, whatever the store's native form: the
   * reference the native traces are tested against.
   */
  async traceByLevels(ref: NodeRef, options: TraceOptions): Promise<TraceResult> {
    return this.#trace(ref, options, (root, o) => this.breadthFirst(root, o));
  }

  async #trace(
    ref: NodeRef,
    options: TraceOptions,
    search: (root: NodeRef, o: TraceSearch) => Promise<Omit<TraceResult, "root">>,
  ): Promise<TraceResult> {
    const r = parseWith(RefSchema, ref, "node reference");
    const o = parseWith(TraceOptionsSchema, options, "trace options");
    const root = await this.getNode(r);
    if (!root) throw new GraphNodeNotFoundError(r);
    const found = await search(root, {
      side: o.direction === "upstream" ? "in" : "out",
      types: o.edgeTypes ?? EDGE_TYPES.filter((t) => t !== "ANCHORED_IN"),
      maxDepth: o.maxDepth,
      limit: o.limit ?? 10_000,
      edges: o.edges ?? true,
    });
    return { root, ...found };
  }

  /** The trace search a store uses; the portable breadth-first search unless overridden. */
  protected traceFrom(root: NodeRef, o: TraceSearch): Promise<Omit<TraceResult, "root">> {
    return this.breadthFirst(root, o);
  }

  /**
   * Breadth-first search from `root`, one statement per depth and frontier label (portable
   * Cypher). Each node is reported once, at its shortest distance, with the edge it was first
   * reached by. Correct everywhere but a round trip per depth and label, so both stores override
   * `traceFrom` with a native single-statement form and keep this as the tested reference.
   */
  protected async breadthFirst(root: NodeRef, o: TraceSearch): Promise<Omit<TraceResult, "root">> {
    const seen = new Set([keyOf(root)]);
    const nodes: TraceResult["nodes"] = [];
    const edges: GraphEdge[] = [];
    let frontier: NodeRef[] = [root];
    let truncated = false;
    for (let depth = 1; depth <= o.maxDepth && frontier.length > 0 && !truncated; depth++) {
      const next: NodeRef[] = [];
      for (const [label, group] of groupBy(frontier, (n) => n.label)) {
        const hops = await this.#expand(
          label,
          group.map((n) => n.id),
          o.side,
          o.types,
        );
        for (const hop of hops) {
          const key = keyOf(hop.node);
          if (seen.has(key)) continue;
          if (nodes.length >= o.limit) {
            truncated = true;
            break;
          }
          seen.add(key);
          nodes.push({ ...hop.node, depth });
          edges.push(hop.edge);
          next.push(hop.node);
        }
      }
      frontier = next;
    }
    return { nodes, edges: o.edges ? edges : [], truncated };
  }

  async countNodes(): Promise<Record<NodeLabel, number>> {
    const counts = {} as Record<NodeLabel, number>;
    for (const label of NODE_LABELS) {
      const rows = await this.run(`MATCH (n:${label}) RETURN count(n) AS c`, {}, false);
      counts[label] = Number(rows[0]?.c ?? 0);
    }
    return counts;
  }

  async clear(): Promise<void> {
    for (const label of NODE_LABELS) {
      // Bounded batches keep each transaction small on both stores.
      for (let i = 0; i < 10_000; i++) {
        const rows = await this.run(
          `MATCH (n:${label}) WITH n LIMIT 20000 DETACH DELETE n RETURN count(*) AS c`,
          {},
          true,
        );
        if (Number(rows[0]?.c ?? 0) === 0) break;
      }
    }
  }

  /** One hop from nodes of `label` with the given ids, along `types`, leaving (`out`) or arriving (`in`). */
  async #expand(
    label: NodeLabel,
    ids: string[],
    side: "out" | "in",
    types: readonly EdgeType[],
  ): Promise<{ edge: GraphEdge; node: GraphNode }[]> {
    const possible = edgeTypesAt(label, side).filter((t) => types.includes(t));
    if (possible.length === 0) return [];
    const pattern =
      side === "out" ? `-[e:${possible.join("|")}]->(b)` : `<-[e:${possible.join("|")}]-(b)`;
    const out: { edge: GraphEdge; node: GraphNode }[] = [];
    for (const part of chunks(ids)) {
      const rows = await this.run(
        `UNWIND $ids AS x MATCH (a:${label} {id: x})${pattern} ` +
          `RETURN x AS src, ${this.dialect.typeOf("e")} AS etype, e.extra AS eextra, ` +
          `${this.dialect.labelOf("b")} AS blabel, ${nodeColumns("b")}`,
        { ids: part },
        false,
      );
      for (const row of rows) {
        const blabel = parseWith(LabelSchema, row.blabel, "stored node label");
        const node = nodeFromRow(blabel, row);
        const etype = parseWith(EdgeTypeSchema, row.etype, "stored edge type");
        const here: NodeRef = { label, id: String(row.src) };
        const there: NodeRef = { label: blabel, id: node.id };
        const edge: GraphEdge =
          side === "out"
            ? { type: etype, from: here, to: there }
            : { type: etype, from: there, to: here };
        const props = parseJsonColumn(row.eextra, `props of a ${etype} edge`);
        if (props !== undefined) {
          edge.props = parseWith(z.record(z.string(), JsonSchema), props, "stored edge props");
        }
        out.push({ edge, node });
      }
    }
    return out;
  }

  protected upsertCypher(label: NodeLabel): string {
    const set = ["kind", "name", "cid", "leafHash", "anchorId", "proof", "extra"]
      .map((c) => `n.${c} = coalesce(r.${c}, n.${c})`)
      .concat(`n.at = coalesce(${this.dialect.int("r.at")}, n.at)`)
      .join(", ");
    return `UNWIND $rows AS r MERGE (n:${label} {id: r.id}) SET ${set}`;
  }

  /** Folds the props already stored into the rows that bring props (props merge key by key). */
  protected async mergeStoredProps(label: NodeLabel, part: GraphNode[]): Promise<void> {
    const withProps = part.filter((n) => n.props !== undefined);
    if (withProps.length === 0) return;
    const rows = await this.run(
      `UNWIND $ids AS x MATCH (n:${label} {id: x}) WHERE n.extra IS NOT NULL RETURN n.id AS id, n.extra AS extra`,
      { ids: withProps.map((n) => n.id) },
      false,
    );
    const stored = new Map(rows.map((r) => [String(r.id), r.extra]));
    for (const n of withProps) {
      const old = parseJsonColumn(stored.get(n.id), `props of ${label} ${n.id}`);
      if (old && typeof old === "object") n.props = { ...(old as object), ...n.props };
    }
  }

  protected async mergeStoredEdgeProps(
    type: EdgeType,
    from: NodeLabel,
    to: NodeLabel,
    part: GraphEdge[],
  ): Promise<void> {
    const withProps = part.filter((e) => e.props !== undefined);
    if (withProps.length === 0) return;
    const rows = await this.run(
      `UNWIND $rows AS r MATCH (a:${from} {id: r.f})-[e:${type}]->(b:${to} {id: r.t}) ` +
        `WHERE e.extra IS NOT NULL RETURN r.f AS f, r.t AS t, e.extra AS extra`,
      { rows: withProps.map((e) => ({ f: e.from.id, t: e.to.id })) },
      false,
    );
    const stored = new Map(rows.map((r) => [`${String(r.f)}\u0000${String(r.t)}`, r.extra]));
    for (const e of withProps) {
      const old = parseJsonColumn(stored.get(`${e.from.id}\u0000${e.to.id}`), `${type} props`);
      if (old && typeof old === "object") e.props = { ...(old as object), ...e.props };
    }
  }

  protected async reportMissingEndpoint(part: GraphEdge[]): Promise<never> {
    for (const e of part) {
      for (const ref of [e.from, e.to]) {
        if (!(await this.getNode(ref))) throw new GraphNodeNotFoundError(ref);
      }
    }
    throw new GraphStoreError("some edges were not written although both endpoints exist");
  }
}

/** Wraps a driver failure in GraphStoreError (our own errors pass through). */
export function wrapGraphError(what: string, cause: unknown): BaseError {
  if (cause instanceof BaseError) return cause;
  const message = cause instanceof Error ? cause.message : String(cause);
  return new GraphStoreError(`${what} failed: ${message}`, { cause });
}
