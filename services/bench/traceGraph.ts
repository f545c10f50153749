import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { GraphStore } from "../src/graph/graphStore.ts";
import { KuzuGraphStore } from "../src/graph/kuzuGraph.ts";
import { Neo4jGraphStore } from "../src/graph/neo4jGraph.ts";
import { seededRandom } from "@gridledger/domain/random";
import { generateSupplyNetwork } from "../src/graph/supplyNetwork.ts";

/**
 * Trace-query latency on a generated supply network (the graph-store part of `npm run
 * bench:trace`). Loads a seeded network of `targetNodes` nodes into a store, then times upstream
 * traces at `depth` from random top-tier batches (the deepest supply chains) after a warm-up.
 *
 * Used by services/bench/trace.ts; runs alone too:
 *   npx tsx services/bench/traceGraph.ts            (Kùzu, and Neo4j when NEO4J_URI answers)
 */
export type TraceBenchOptions = {
  /** Nodes in the generated network (default 100,000). */
  targetNodes?: number;
  /** Timed traces (default 200). */
  queries?: number;
  /** Untimed traces first, to warm caches and query plans (default 20). */
  warmup?: number;
  /** Trace depth (default 5). */
  depth?: number;
  seed?: number;
  /** Progress messages (default: none). */
  log?: (message: string) => void;
};

export type TraceBenchResult = {
  store: "kuzu" | "neo4j";
  nodes: number;
  edges: number;
  /** Time to load the network (upsertNodes + addEdges), ms. */
  loadMs: number;
  queries: number;
  depth: number;
  p50Ms: number;
  p95Ms: number;
  meanMs: number;
  /** Average number of nodes a trace returned. */
  meanResultNodes: number;
  /** Same traces with `edges: false` (nodes and depths only, no path data). */
  p50NodesOnlyMs: number;
  p95NodesOnlyMs: number;
};

/** Nearest-rank percentile of already sorted values. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/**
 * Loads the generated network into `store` (cleared first) and measures trace latency.
 *
 * @example const r = await benchTraceLatency(await KuzuGraphStore.open({ dataDir }))
 */
export async function benchTraceLatency(
  store: GraphStore,
  options: TraceBenchOptions = {},
): Promise<TraceBenchResult> {
  const targetNodes = options.targetNodes ?? 100_000;
  const queries = options.queries ?? 200;
  const warmup = options.warmup ?? 20;
  const depth = options.depth ?? 5;
  const log = options.log ?? (() => undefined);
  const net = generateSupplyNetwork({ targetNodes, seed: options.seed ?? 2026 });
  log(`${store.kind}: loading ${net.nodes.length} nodes and ${net.edges.length} edges`);
  await store.clear();
  const loadStart = performance.now();
  await store.upsertNodes(net.nodes);
  await store.addEdges(net.edges);
  const loadMs = performance.now() - loadStart;
  log(`${store.kind}: loaded in ${(loadMs / 1000).toFixed(1)} s; tracing`);

  const rand = seededRandom(options.seed ?? 2026);
  const roots = net.topBatches;
  const pickRoot = () => roots[Math.floor(rand() * roots.length)]!;
  for (let i = 0; i < warmup; i++) {
    await store.trace(pickRoot(), { direction: "upstream", maxDepth: depth });
  }
  const times: number[] = [];
  let resultNodes = 0;
  for (let i = 0; i < queries; i++) {
    const started = performance.now();
    const t = await store.trace(pickRoot(), { direction: "upstream", maxDepth: depth });
    times.push(performance.now() - started);
    resultNodes += t.nodes.length;
  }
  times.sort((a, b) => a - b);
  const bare: number[] = [];
  const rand2 = seededRandom((options.seed ?? 2026) + 1);
  for (let i = 0; i < queries; i++) {
    const root = roots[Math.floor(rand2() * roots.length)]!;
    const started = performance.now();
    await store.trace(root, { direction: "upstream", maxDepth: depth, edges: false });
    bare.push(performance.now() - started);
  }
  bare.sort((a, b) => a - b);
  return {
    store: store.kind,
    nodes: net.nodes.length,
    edges: net.edges.length,
    loadMs: Math.round(loadMs),
    queries,
    depth,
    p50Ms: round2(percentile(times, 50)),
    p95Ms: round2(percentile(times, 95)),
    meanMs: round2(times.reduce((a, b) => a + b, 0) / times.length),
    meanResultNodes: Math.round(resultNodes / queries),
    p50NodesOnlyMs: round2(percentile(bare, 50)),
    p95NodesOnlyMs: round2(percentile(bare, 95)),
  };
}

export type TraceBenchStores = {
  /** Embedded Kùzu result (always measured, in a throwaway directory). */
  kuzu: TraceBenchResult;
  /** Neo4j result when a server was given. */
  neo4j?: TraceBenchResult;
};

/**
 * Runs the benchmark on embedded Kùzu (in a temporary directory) and, when `neo4j` is given, on
 * that server (its graph is cleared before and after: use a scratch server such as
 * infra/neo4j.sh's).
 */
export async function benchTraceStores(
  options: TraceBenchOptions & {
    neo4j?: { uri: string; user: string; password?: string | undefined } | undefined;
  } = {},
): Promise<TraceBenchStores> {
  const dir = await mkdtemp(path.join(tmpdir(), "gl-bench-trace-"));
  let kuzu: TraceBenchResult;
  try {
    const store = await KuzuGraphStore.open({ dataDir: dir, bufferPoolMb: 1024 });
    try {
      kuzu = await benchTraceLatency(store, options);
    } finally {
      await store.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  if (!options.neo4j) return { kuzu };
  const store = await Neo4jGraphStore.connect(options.neo4j);
  try {
    const neo4j = await benchTraceLatency(store, options);
    await store.clear();
    return { kuzu, neo4j };
  } finally {
    await store.close();
  }
}

/** The results as table rows (for console.table). */
export function traceBenchTable(results: TraceBenchStores): Record<string, unknown>[] {
  return [results.kuzu, results.neo4j]
    .filter((r): r is TraceBenchResult => r !== undefined)
    .map((r) => ({
      store: r.store,
      nodes: r.nodes,
      edges: r.edges,
      "load s": +(r.loadMs / 1000).toFixed(1),
      depth: r.depth,
      queries: r.queries,
      "p50 ms": r.p50Ms,
      "p95 ms": r.p95Ms,
      "mean ms": r.meanMs,
      "nodes/trace": r.meanResultNodes,
      "p50 ms, no edges": r.p50NodesOnlyMs,
      "p95 ms, no edges": r.p95NodesOnlyMs,
    }));
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { loadConfig } = await import("../src/config/config.ts");
  const config = loadConfig();
  const neo4j =
    config.NEO4J_URI === undefined
      ? undefined
      : { uri: config.NEO4J_URI, user: config.NEO4J_USER, password: config.NEO4J_PASSWORD };
  const results = await benchTraceStores({
    neo4j,
    log: (m) => process.stderr.write(`${m}\n`),
  });
  console.table(traceBenchTable(results));
}
