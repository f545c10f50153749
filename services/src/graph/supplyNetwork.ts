import { seededRandom } from "@gridledger/domain/random";
import type { GraphEdge, GraphNode, NodeRef, TraceDirection } from "./graphStore.ts";
import { EDGE_TYPES, type EdgeType } from "./model.ts";

/**
 * A seeded, generated supply network for tests and benchmarks, with a reference trace computed in
 * memory so graph stores can be checked against known answers.
 *
 * Shape: `tiers` tiers of batches (raw material → ... → installed product). Every batch belongs to
 * a product of one supplier, consumes `fanIn` batches of the tier below (FLOWS_TO), and has a
 * `produced` and a `shipped` event (PERFORMED by its supplier, HOSTED at the supplier's location,
 * produced NEXT shipped); every other batch has an inspection certificate (Document DESCRIBES it,
 * UPLOADED by a data provider). About 3.5 nodes per batch.
 */
export type SupplyNetworkOptions = {
  /** Approximate number of nodes to generate. */
  targetNodes: number;
  /** PRNG seed (same seed, same network). */
  seed?: number;
  /** Tiers of batches (default 8). */
  tiers?: number;
  /** Input batches per batch above tier 0 (default 2). */
  fanIn?: number;
};

export type SupplyNetwork = {
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** Batches of the top tier (good trace roots: the deepest upstream). */
  topBatches: NodeRef[];
  /** Batches of the bottom tier (good roots for downstream traces). */
  bottomBatches: NodeRef[];
};

const EVENT_BASE_MS = 1_735_689_600_000; // 2025-01-01T00:00:00Z

/**
 * Generates a supply network of about `targetNodes` nodes.
 *
 * @example const net = generateSupplyNetwork({ targetNodes: 100_000, seed: 7 })
 */
export function generateSupplyNetwork(options: SupplyNetworkOptions): SupplyNetwork {
  const rand = seededRandom(options.seed ?? 1);
  const tiers = options.tiers ?? 8;
  const fanIn = options.fanIn ?? 2;
  const pick = <T>(items: T[]): T => items[Math.floor(rand() * items.length)]!;
  const batchesTotal = Math.max(tiers, Math.round(options.targetNodes / 3.6));
  const perTier = Math.max(1, Math.floor(batchesTotal / tiers));
  const suppliersPerTier = Math.max(1, Math.round(perTier / 40));
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const ref = (n: GraphNode): NodeRef => ({ label: n.label, id: n.id });

  const locations: GraphNode[] = [];
  const locationCount = Math.max(2, Math.round(perTier / 100));
  for (let i = 0; i < locationCount; i++) {
    locations.push({ label: "Location", id: `L${i}`, kind: "site", name: `Site ${i}` });
  }
  nodes.push(...locations);
  const providers: GraphNode[] = [];
  for (let i = 0; i < Math.max(1, Math.round(locationCount / 2)); i++) {
    providers.push({ label: "Participant", id: `DP${i}`, kind: "data-provider" });
  }
  nodes.push(...providers);

  let previous: GraphNode[] = [];
  const topBatches: NodeRef[] = [];
  const bottomBatches: NodeRef[] = [];
  let documentCount = 0;
  for (let tier = 0; tier < tiers; tier++) {
    const suppliers: { node: GraphNode; products: GraphNode[]; site: GraphNode }[] = [];
    for (let s = 0; s < suppliersPerTier; s++) {
      const node: GraphNode = { label: "Participant", id: `S${tier}-${s}`, kind: "supplier" };
      const site = pick(locations);
      const products: GraphNode[] = [0, 1].map((p) => ({
        label: "Product",
        id: `P${tier}-${s}-${p}`,
        kind: `tier-${tier}`,
      }));
      nodes.push(node, ...products);
      edges.push({ type: "HOSTS", from: ref(site), to: ref(node) });
      for (const p of products) edges.push({ type: "SUPPLIES", from: ref(node), to: ref(p) });
      suppliers.push({ node, products, site });
    }
    const current: GraphNode[] = [];
    for (let b = 0; b < perTier; b++) {
      const supplier = pick(suppliers);
      const batch: GraphNode = {
        label: "Batch",
        id: `B${tier}-${b}`,
        kind: `tier-${tier}`,
        at: EVENT_BASE_MS + tier * 86_400_000 + b,
      };
      const produced: GraphNode = {
        label: "Event",
        id: `E${tier}-${b}-p`,
        kind: "produced",
        at: batch.at!,
      };
      const shipped: GraphNode = {
        label: "Event",
        id: `E${tier}-${b}-s`,
        kind: "shipped",
        at: batch.at! + 3_600_000,
      };
      nodes.push(batch, produced, shipped);
      current.push(batch);
      edges.push(
        { type: "HAS_BATCH", from: ref(pick(supplier.products)), to: ref(batch) },
        { type: "CONCERNS", from: ref(produced), to: ref(batch) },
        { type: "CONCERNS", from: ref(shipped), to: ref(batch) },
        { type: "PERFORMED", from: ref(supplier.node), to: ref(produced) },
        { type: "PERFORMED", from: ref(supplier.node), to: ref(shipped) },
        { type: "HOSTS", from: ref(supplier.site), to: ref(produced) },
        { type: "NEXT", from: ref(produced), to: ref(shipped) },
      );
      if (b % 2 === 0) {
        const doc: GraphNode = {
          label: "Document",
          id: `D${documentCount++}`,
          kind: "inspection-certificate",
        };
        nodes.push(doc);
        edges.push(
          { type: "DESCRIBES", from: ref(doc), to: ref(batch) },
          { type: "UPLOADED", from: ref(pick(providers)), to: ref(doc) },
        );
      }
      if (tier > 0) {
        const inputs = new Set<GraphNode>();
        for (let k = 0; k < fanIn; k++) inputs.add(pick(previous));
        for (const input of inputs) {
          edges.push({ type: "FLOWS_TO", from: ref(input), to: ref(batch) });
        }
      }
      if (tier === 0) bottomBatches.push(ref(batch));
      if (tier === tiers - 1) topBatches.push(ref(batch));
    }
    previous = current;
  }
  return { nodes, edges, topBatches, bottomBatches };
}

/**
 * Breadth-first trace over the generated edge list, in memory: the known answer a GraphStore's
 * `trace` must reproduce. Returns node key (`Label:id`) → shortest distance.
 */
export function referenceTrace(
  net: Pick<SupplyNetwork, "edges">,
  root: NodeRef,
  options: { direction: TraceDirection; maxDepth: number; edgeTypes?: EdgeType[] },
): Map<string, number> {
  const types = new Set(options.edgeTypes ?? EDGE_TYPES.filter((t) => t !== "ANCHORED_IN"));
  const adjacency = new Map<string, string[]>();
  const key = (r: NodeRef) => `${r.label}:${r.id}`;
  for (const e of net.edges) {
    if (!types.has(e.type)) continue;
    const [a, b] = options.direction === "upstream" ? [e.to, e.from] : [e.from, e.to];
    const list = adjacency.get(key(a));
    if (list) list.push(key(b));
    else adjacency.set(key(a), [key(b)]);
  }
  const depth = new Map<string, number>([[key(root), 0]]);
  let frontier = [key(root)];
  for (let d = 1; d <= options.maxDepth && frontier.length > 0; d++) {
    const next: string[] = [];
    for (const k of frontier) {
      for (const n of adjacency.get(k) ?? []) {
        if (!depth.has(n)) {
          depth.set(n, d);
          next.push(n);
        }
      }
    }
    frontier = next;
  }
  depth.delete(key(root));
  return depth;
}
