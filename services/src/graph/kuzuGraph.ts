import { AsyncLocalStorage } from "node:async_hooks";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import kuzu from "kuzu";
import { z } from "zod";
import { parseWith } from "@gridledger/domain/validate";
import {
  GraphStoreError,
  type GraphEdge,
  type GraphNode,
  type NodeRef,
  type TraceResult,
} from "./graphStore.ts";
import { EDGE_TYPES, type EdgeType, type NodeLabel } from "./model.ts";
import {
  CypherGraphStore,
  wrapGraphError,
  type Dialect,
  type TraceSearch,
} from "./cypherGraphStore.ts";
import {
  EdgeTypeSchema,
  JsonSchema,
  LabelSchema,
  edgeRow,
  nodeColumns,
  nodeFromRow,
  parseJsonColumn,
  toRow,
} from "./rows.ts";
import { kuzuSchema } from "./schema.ts";

export type KuzuGraphOptions = {
  /** Folder the database file goes in (`<dataDir>/graph.kuzu`). */
  dataDir: string;
  /** Buffer pool in MiB (default 512; Kùzu would otherwise take 80 % of the machine's memory). */
  bufferPoolMb?: number;
};

const KUZU_DIALECT: Dialect = {
  int: (expr) => `CAST(${expr} AS INT64)`,
  labelOf: (v) => `label(${v})`,
  typeOf: (v) => `label(${v})`,
};

type Row = Record<string, unknown>;

/** Kùzu internal node/relationship id. */
const InternalIdSchema = z.object({ table: z.number().int(), offset: z.number().int() });
type InternalId = z.infer<typeof InternalIdSchema>;

/** The tree-edge part of a trace row: root and node internal ids, and the path's last relationship. */
const TreeRowSchema = z.object({
  aid: InternalIdSchema,
  bid: InternalIdSchema,
  rel: z.object({
    _src: InternalIdSchema,
    _dst: InternalIdSchema,
    _label: z.string(),
    extra: z.string().nullish(),
  }),
});

function internalKey(id: InternalId): string {
  return `${id.table}:${id.offset}`;
}

/** Cypher that may write (`query` then forgets which edge types hold props). */
const MAY_WRITE = /\b(CREATE|MERGE|SET|DELETE|REMOVE|COPY|ALTER|DROP|IMPORT|CALL)\b/i;

/**
 * Embedded graph store: Kùzu 0.11 (npm `kuzu`) with its database file in `<dataDir>/graph.kuzu`.
 * The schema (`schema.ts`) is created on open. Statements run one at a time through a single
 * connection (Kùzu allows one writer; queuing here keeps reads and writes from tripping over each
 * other). Kùzu's maintained fork LadybugDB (`lbug`) needs glibc ≥ 2.38, which Debian 12 lacks,
 * hence Kùzu 0.11 (docs/decisions/0401-graph-store.md).
 *
 * @example
 *   const graph = await KuzuGraphStore.open({ dataDir: ".gridledger/data" })
 */
export class KuzuGraphStore extends CypherGraphStore {
  readonly kind = "kuzu" as const;
  protected readonly dialect = KUZU_DIALECT;
  readonly #db: kuzu.Database;
  readonly #conn: kuzu.Connection;
  readonly #prepared = new Map<string, kuzu.PreparedStatement>();
  #queue: Promise<unknown> = Promise.resolve();
  /**
   * Set inside an `upsertSubgraph`, which holds the statement queue for its whole run: its own
   * statements then execute directly, and it collects the nodes it CREATEd ("label\0id").
   */
  readonly #unit = new AsyncLocalStorage<{ created: Set<string>; queue: Promise<unknown> }>();
  /** Edge types that may carry props; undefined = not known (see `#edgeTypesWithProps`). */
  #propTypes: Set<EdgeType> | undefined;
  #propGeneration = 0;
  #closed = false;

  private constructor(db: kuzu.Database, conn: kuzu.Connection) {
    super();
    this.#db = db;
    this.#conn = conn;
  }

  static async open(options: KuzuGraphOptions): Promise<KuzuGraphStore> {
    const file = path.resolve(options.dataDir, "graph.kuzu");
    try {
      await mkdir(path.dirname(file), { recursive: true });
      const db = new kuzu.Database(file, (options.bufferPoolMb ?? 512) * 1024 * 1024);
      await db.init();
      const conn = new kuzu.Connection(db);
      await conn.init();
      const store = new KuzuGraphStore(db, conn);
      for (const ddl of kuzuSchema()) await store.#exec(ddl, {});
      return store;
    } catch (cause) {
      throw wrapGraphError(`opening the Kùzu database ${file}`, cause);
    }
  }

  protected run(cypher: string, params: Record<string, unknown>): Promise<Row[]> {
    const unit = this.#unit.getStore();
    if (unit) {
      // Inside the unit's queue slot, statements still run one at a time (the connection and
      // its cached prepared statements must not be used concurrently).
      const next = unit.queue.then(() => this.#exec(cypher, params));
      unit.queue = next.catch(() => undefined);
      return next;
    }
    return this.#enqueue(() => this.#exec(cypher, params));
  }

  /**
   * One queue slot for the whole write, so no other statement can add an edge to a node between
   * its CREATE and this call's edges: an edge touching a node created here is then certainly new
   * and goes straight to COPY. (Checking it would cost a scan of the relationship table per edge
   * type: Kùzu plans `UNWIND ... MATCH (a {id})-[e]->(b {id})` as a hash join over the whole table,
   * most of an upload's time once the graph is large.)
   */
  override upsertSubgraph(nodes: GraphNode[], edges: GraphEdge[]): Promise<void> {
    return this.#enqueue(() =>
      this.#unit.run({ created: new Set(), queue: Promise.resolve() }, async () => {
        await this.upsertNodes(nodes);
        await this.addEdges(edges);
      }),
    );
  }

  query(cypher: string, params: Record<string, unknown> = {}): Promise<Row[]> {
    if (MAY_WRITE.test(cypher)) {
      this.#propTypes = undefined;
      this.#propGeneration++;
    }
    return this.#enqueue(() => this.#exec(cypher, params, false));
  }

  /** Bulk writes: one existence check and one CREATE/COPY per 20,000 rows. */
  protected override readonly chunkSize = 20_000;

  /**
   * Kùzu plans `UNWIND ... MERGE` as a join against a scan of the whole table, which makes
   * MERGE-only bulk loads quadratic. New nodes are therefore CREATEd and only nodes that already
   * exist go through MERGE.
   */
  protected override async writeNodes(label: NodeLabel, part: GraphNode[]): Promise<void> {
    const existing = await this.run(
      `UNWIND $ids AS x MATCH (n:${label} {id: x}) RETURN n.id AS id`,
      { ids: part.map((n) => n.id) },
    );
    const known = new Set(existing.map((r) => String(r.id)));
    const fresh = part.filter((n) => !known.has(n.id));
    const old = part.filter((n) => known.has(n.id));
    if (fresh.length > 0) {
      const created = this.#unit.getStore()?.created;
      for (const n of fresh) created?.add(`${label}\u0000${n.id}`);
      const columns = Object.keys(toRow(fresh[0]!))
        .map((c) => (c === "at" ? `at: CAST(r.at AS INT64)` : `${c}: r.${c}`))
        .join(", ");
      await this.run(`UNWIND $rows AS r CREATE (n:${label} {${columns}})`, {
        rows: fresh.map(toRow),
      });
    }
    if (old.length > 0) await this.#updateNodes(label, old);
  }

  /**
   * Updates existing nodes, setting only the columns whose value changes (nodes grouped by that
   * column set; a node with nothing new is not written). Rewriting a string column with its own
   * value, as the shared `SET n.x = coalesce(r.x, n.x)` does, trips a Kùzu 0.11 checkpoint bug: at
   * the next checkpoint other rows of the node group read back the rewritten rows' strings
   * (decision 0401).
   */
  async #updateNodes(label: NodeLabel, part: GraphNode[]): Promise<void> {
    const columns = ["kind", "name", "at", "cid", "leafHash", "anchorId", "proof", "extra"];
    const stored = new Map(
      (
        await this.run(
          `UNWIND $ids AS x MATCH (n:${label} {id: x}) RETURN n.id AS id, ` +
            columns.map((c) => `n.${c} AS ${c}`).join(", "),
          { ids: part.map((n) => n.id) },
        )
      ).map((r) => [String(r.id), r]),
    );
    const groups = new Map<string, Record<string, unknown>[]>();
    for (const n of part) {
      const before = stored.get(n.id) ?? {};
      // Props merge key by key with the stored ones (the same read serves both purposes).
      const old = n.props ? parseJsonColumn(before.extra, `props of ${label} ${n.id}`) : undefined;
      const row = toRow(
        old && typeof old === "object" ? { ...n, props: { ...old, ...n.props } } : n,
      );
      const changed = columns.filter((c) => row[c] !== null && row[c] !== before[c]);
      if (changed.length === 0) continue; // nothing new: leave the row alone
      const key = changed.join(",");
      const group = groups.get(key);
      if (group) group.push(row);
      else groups.set(key, [row]);
    }
    for (const [key, rows] of groups) {
      const set = key
        .split(",")
        .map((c) => (c === "at" ? `n.at = CAST(r.at AS INT64)` : `n.${c} = r.${c}`))
        .join(", ");
      await this.run(`UNWIND $rows AS r MATCH (n:${label} {id: r.id}) SET ${set}`, { rows });
    }
  }

  /**
   * New edges go in with `COPY ... FROM (UNWIND ...)` (Kùzu's bulk path, about twenty times
   * faster than MATCH + MERGE here); edges that already exist only get their props merged.
   */
  protected override async writeEdges(
    type: EdgeType,
    from: NodeLabel,
    to: NodeLabel,
    part: GraphEdge[],
  ): Promise<void> {
    // Before anything is queued, so a trace queued after this write reads the props.
    if (part.some((e) => e.props !== undefined)) this.#propTypes?.add(type);
    const created = this.#unit.getStore()?.created;
    const certainlyNew = (e: GraphEdge) =>
      created !== undefined &&
      (created.has(`${from}\u0000${e.from.id}`) || created.has(`${to}\u0000${e.to.id}`));
    const unsure = part.filter((e) => !certainlyNew(e));
    const known = new Set<string>();
    if (unsure.length > 0) {
      // Start the existence check from the endpoint side with more distinct ids in this chunk: a
      // hub that recurs in every row (one supplier PERFORMED 10,000 events, one Anchor that 10,000
      // records are ANCHORED_IN) would otherwise have its whole adjacency list expanded per row.
      const fromIds = new Set(unsure.map((e) => e.from.id)).size;
      const toIds = new Set(unsure.map((e) => e.to.id)).size;
      const existing = await this.run(
        fromIds >= toIds
          ? `UNWIND $rows AS r MATCH (a:${from} {id: r.f})-[e:${type}]->(b:${to}) WHERE b.id = r.t ` +
              `RETURN r.f AS f, r.t AS t`
          : `UNWIND $rows AS r MATCH (b:${to} {id: r.t})<-[e:${type}]-(a:${from}) WHERE a.id = r.f ` +
              `RETURN r.f AS f, r.t AS t`,
        { rows: unsure.map((e) => ({ f: e.from.id, t: e.to.id })) },
      );
      for (const r of existing) known.add(`${String(r.f)}\u0000${String(r.t)}`);
    }
    const fresh = part.filter((e) => !known.has(`${e.from.id}\u0000${e.to.id}`));
    const old = part.filter((e) => known.has(`${e.from.id}\u0000${e.to.id}`));
    if (fresh.length > 0) {
      try {
        await this.run(
          `COPY ${type} FROM (UNWIND $rows AS r RETURN r.f, r.t, r.extra) (from='${from}', to='${to}')`,
          { rows: fresh.map(edgeRow) },
        );
      } catch (error) {
        if (error instanceof GraphStoreError && /primary key/i.test(error.message)) {
          await this.reportMissingEndpoint(fresh);
        }
        throw error;
      }
    }
    const withProps = old.filter((e) => e.props !== undefined);
    if (withProps.length > 0) await super.writeEdges(type, from, to, withProps);
  }

  /**
   * One recursive statement instead of a query per level: Kùzu's `* SHORTEST 1..n` walks the
   * adjacency lists breadth-first inside the engine and yields each reachable node once with one
   * shortest path, whose last relationship is the node's tree edge. (Kùzu-only syntax; Neo4j uses
   * its own `ANY SHORTEST` form.)
   *
   * The path is projected to bare relationships (`(r, n | {}, {})`: internal ids and type, no
   * properties): reading the `extra` column of every relationship the search touches, or any node
   * property along the path, costs two to three times the search itself. Each tree edge's far end
   * is then found among the returned nodes (or is the root) by internal id. Edge props are read in
   * the search only when an edge of a followed type may carry them (`#edgeTypesWithProps`).
   */
  protected override async traceFrom(
    root: NodeRef,
    o: TraceSearch,
  ): Promise<Omit<TraceResult, "root">> {
    if (o.types.length === 0) return { nodes: [], edges: [], truncated: false };
    const withProps = o.edges ? await this.#edgeTypesWithProps() : new Set<EdgeType>();
    const readExtra = o.types.some((t) => withProps.has(t));
    const range =
      `* SHORTEST 1..${o.maxDepth}` + (readExtra ? ` (r, n | {r.extra}, {})` : ` (r, n | {}, {})`);
    const arrow =
      o.side === "in"
        ? `<-[e:${o.types.join("|")}${range}]-`
        : `-[e:${o.types.join("|")}${range}]->`;
    const rows = await this.run(
      `MATCH (a:${root.label} {id: $id})${arrow}(b) ` +
        `RETURN label(b) AS blabel, ${nodeColumns("b")}, length(e) AS depth` +
        (o.edges ? `, id(a) AS aid, id(b) AS bid, rels(e)[length(e)] AS rel` : "") +
        ` ORDER BY depth LIMIT $limit`,
      { id: root.id, limit: o.limit + 1 },
    );
    const truncated = rows.length > o.limit;
    const kept = rows.slice(0, o.limit);
    const nodes: TraceResult["nodes"] = [];
    const edges: GraphEdge[] = [];
    const byInternalId = new Map<string, NodeRef>();
    const found: { node: GraphNode; rel: z.infer<typeof TreeRowSchema>["rel"] }[] = [];
    for (const row of kept) {
      const node = nodeFromRow(parseWith(LabelSchema, row.blabel, "stored node label"), row);
      const depth = parseWith(z.number().int().min(1), row.depth, "stored depth");
      nodes.push({ ...node, depth });
      if (!o.edges) continue;
      const ids = parseWith(TreeRowSchema, row, "stored trace row");
      byInternalId.set(internalKey(ids.aid), { label: root.label, id: root.id });
      byInternalId.set(internalKey(ids.bid), { label: node.label, id: node.id });
      found.push({ node, rel: ids.rel });
    }
    // Rows come in depth order, so every tree edge's near end (one step closer to the root) is
    // the root or a node already in the map.
    for (const { node, rel } of found) {
      const from = byInternalId.get(internalKey(rel._src));
      const to = byInternalId.get(internalKey(rel._dst));
      if (!from || !to) {
        throw new GraphStoreError(`trace edge of ${node.label} ${node.id} has an unknown end`);
      }
      const type = parseWith(EdgeTypeSchema, rel._label, "stored edge type");
      const edge: GraphEdge = { type, from, to };
      const props = parseJsonColumn(rel.extra, `props of a ${type} edge`);
      if (props !== undefined) {
        edge.props = parseWith(z.record(z.string(), JsonSchema), props, "stored edge props");
      }
      edges.push(edge);
    }
    return { nodes, edges, truncated };
  }

  /**
   * Edge types that may hold props (`extra` not NULL). Found by one scan per type on first use,
   * then kept up to date by this store's own edge writes (a type is added before any edge with
   * props is written); `query`, which may run any write, makes it unknown again. Kùzu is embedded
   * and locks its database file, so no other process writes behind the store's back.
   */
  async #edgeTypesWithProps(): Promise<Set<EdgeType>> {
    if (this.#propTypes) return this.#propTypes;
    const generation = this.#propGeneration;
    const types = new Set<EdgeType>();
    for (const type of EDGE_TYPES) {
      const rows = await this.run(
        `MATCH ()-[r:${type}]->() WHERE r.extra IS NOT NULL RETURN 1 AS x LIMIT 1`,
        {},
      );
      if (rows.length > 0) types.add(type);
    }
    // A write through `query` while scanning: the answer may be stale, so read props everywhere.
    if (generation !== this.#propGeneration) return new Set(EDGE_TYPES);
    this.#propTypes = types;
    return types;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#queue.catch(() => undefined);
    await this.#conn.close();
    await this.#db.close();
  }

  #enqueue<T>(op: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new GraphStoreError("graph store is closed"));
    const next = this.#queue.then(op, op);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  /** Prepares (cached for the store's own statements), executes and reads all rows. */
  async #exec(cypher: string, params: Record<string, unknown>, cache = true): Promise<Row[]> {
    try {
      let statement = cache ? this.#prepared.get(cypher) : undefined;
      if (!statement) {
        statement = await this.#conn.prepare(cypher);
        if (!statement.isSuccess()) throw new Error(statement.getErrorMessage());
        if (cache) this.#prepared.set(cypher, statement);
      }
      const result = await this.#conn.execute(statement, params as Record<string, kuzu.KuzuValue>);
      const results = Array.isArray(result) ? result : [result];
      const last = results[results.length - 1];
      // The result is already materialised by execute(); getAll() would fetch each row as its own
      // libuv thread-pool job, queued behind every pending file operation (IPFS writes, pins),
      // which made a 2,000-row lookup take 0.5-1.8 s during ingest. Converting rows here is µs each.
      const rows = last ? (last.getAllSync() as Row[]) : [];
      for (const r of results) r.close();
      return rows.map(plain);
    } catch (cause) {
      throw wrapGraphError(`Kùzu query (${cypher.slice(0, 80)})`, cause);
    }
  }
}

/** Kùzu returns INT64 as number and may return bigint for larger types: make rows plain. */
function plain(row: Row): Row {
  const out: Row = {};
  for (const [k, v] of Object.entries(row)) out[k] = typeof v === "bigint" ? Number(v) : v;
  return out;
}
