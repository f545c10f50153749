import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ValidationError } from "@gridledger/domain/errors";
import { CypherGraphStore } from "../../src/graph/cypherGraphStore.ts";
import {
  GraphNodeNotFoundError,
  GraphStoreError,
  type GraphEdge,
  type GraphNode,
  type NodeRef,
  type TraceOptions,
  type TraceResult,
} from "../../src/graph/graphStore.ts";
import type { EdgeType, NodeLabel } from "../../src/graph/model.ts";
import { generateSupplyNetwork, referenceTrace } from "../../src/graph/supplyNetwork.ts";

const r = (label: NodeLabel, id: string): NodeRef => ({ label, id });
const e = (type: EdgeType, from: NodeRef, to: NodeRef): GraphEdge => ({ type, from, to });
/** Each result node has one edge, to a node one step nearer the root (upstream or downstream). */
function expectShortestPathTree(t: TraceResult): void {
  const depth = new Map<string, number>([[`${t.root.label}:${t.root.id}`, 0]]);
  for (const n of t.nodes) depth.set(`${n.label}:${n.id}`, n.depth);
  expect(t.edges).toHaveLength(t.nodes.length);
  const covered = new Set<string>();
  for (const x of t.edges) {
    const from = depth.get(`${x.from.label}:${x.from.id}`);
    const to = depth.get(`${x.to.label}:${x.to.id}`);
    expect(from).toBeDefined();
    expect(to).toBeDefined();
    expect(Math.abs(from! - to!)).toBe(1);
    const child = from! > to! ? x.from : x.to;
    covered.add(`${child.label}:${child.id}`);
  }
  expect(covered.size).toBe(t.nodes.length);
}

const keys = (t: TraceResult) => new Map(t.nodes.map((n) => [`${n.label}:${n.id}`, n.depth]));

/** A small solar-module supply chain whose traces are worked out by hand below. */
const SMALL_NODES: GraphNode[] = [
  { label: "Participant", id: "S1", kind: "supplier", name: "Cell maker" },
  { label: "Participant", id: "S2", kind: "supplier", name: "Module assembler" },
  { label: "Participant", id: "I1", kind: "supplier", name: "Installer" },
  { label: "Participant", id: "DP", kind: "data-provider" },
  { label: "Product", id: "cell", kind: "pv-cell" },
  { label: "Product", id: "module", kind: "pv-module" },
  { label: "Batch", id: "cells-1", kind: "lot" },
  { label: "Batch", id: "glass-1", kind: "lot" },
  { label: "Batch", id: "mod-1", kind: "lot" },
  { label: "Batch", id: "install-1", kind: "installation" },
  { label: "Event", id: "ev-prod", kind: "produced", at: 1_760_000_000_000 },
  { label: "Event", id: "ev-inst", kind: "installed", at: 1_760_100_000_000 },
  { label: "Location", id: "wuxi", name: "Wuxi" },
  { label: "Document", id: "cert", kind: "inspection-certificate" },
  { label: "Anchor", id: "A1" },
];
const SMALL_EDGES: GraphEdge[] = [
  e("SUPPLIES", r("Participant", "S1"), r("Product", "cell")),
  e("SUPPLIES", r("Participant", "S2"), r("Product", "module")),
  e("HAS_BATCH", r("Product", "cell"), r("Batch", "cells-1")),
  e("HAS_BATCH", r("Product", "module"), r("Batch", "mod-1")),
  e("FLOWS_TO", r("Batch", "cells-1"), r("Batch", "mod-1")),
  e("FLOWS_TO", r("Batch", "glass-1"), r("Batch", "mod-1")),
  e("FLOWS_TO", r("Batch", "mod-1"), r("Batch", "install-1")),
  e("CONCERNS", r("Event", "ev-prod"), r("Batch", "mod-1")),
  e("PERFORMED", r("Participant", "S2"), r("Event", "ev-prod")),
  e("HOSTS", r("Location", "wuxi"), r("Event", "ev-prod")),
  e("CONCERNS", r("Event", "ev-inst"), r("Batch", "install-1")),
  e("PERFORMED", r("Participant", "I1"), r("Event", "ev-inst")),
  e("DESCRIBES", r("Document", "cert"), r("Batch", "cells-1")),
  e("UPLOADED", r("Participant", "DP"), r("Document", "cert")),
  e("ANCHORED_IN", r("Document", "cert"), r("Anchor", "A1")),
];

/**
 * The contract every GraphStore implementation must meet. `open` returns an empty store (the
 * suite calls `clear()` first anyway, since a Neo4j server is shared).
 */
export function graphStoreContract(name: string, open: () => Promise<CypherGraphStore>): void {
  describe(`GraphStore contract: ${name}`, () => {
    let graph: CypherGraphStore;
    beforeAll(async () => {
      graph = await open();
      await graph.clear();
    });
    afterAll(async () => {
      await graph.clear();
      await graph.close();
    });

    describe("nodes", () => {
      it("round-trips every field of a node, including an empty proof and nested props", async () => {
        const node: GraphNode = {
          label: "Event",
          id: "n-roundtrip",
          kind: "inspected",
          name: "Inspection ✓",
          at: 1_760_000_123_456,
          cid: "bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq",
          leafHash: "0x" + "ab".repeat(32),
          anchorId: "42",
          proof: [],
          props: { passed: true, readings: [1.5, 2], site: { code: "NL-1" }, note: null },
        };
        await graph.upsertNode(node);
        expect(await graph.getNode(r("Event", "n-roundtrip"))).toEqual(node);
      });

      it("merges an upsert into the stored node: given fields overwrite, others stay, props merge by key", async () => {
        await graph.upsertNode({
          label: "Batch",
          id: "n-merge",
          kind: "lot",
          at: 5,
          props: { a: 1, b: 2 },
        });
        await graph.upsertNode({
          label: "Batch",
          id: "n-merge",
          anchorId: "7",
          proof: ["0x01", "0x02"],
          props: { b: 3, c: 4 },
        });
        expect(await graph.getNode(r("Batch", "n-merge"))).toEqual({
          label: "Batch",
          id: "n-merge",
          kind: "lot",
          at: 5,
          anchorId: "7",
          proof: ["0x01", "0x02"],
          props: { a: 1, b: 3, c: 4 },
        });
      });

      it("keeps ids separate per label", async () => {
        await graph.upsertNodes([
          { label: "Product", id: "same", kind: "p" },
          { label: "Batch", id: "same", kind: "b" },
        ]);
        expect((await graph.getNode(r("Product", "same")))?.kind).toBe("p");
        expect((await graph.getNode(r("Batch", "same")))?.kind).toBe("b");
      });

      it("collapses repeated ids within one batch", async () => {
        await graph.upsertNodes([
          { label: "Location", id: "n-dup", name: "first", props: { x: 1 } },
          { label: "Location", id: "n-dup", kind: "site", props: { y: 2 } },
        ]);
        expect(await graph.getNode(r("Location", "n-dup"))).toEqual({
          label: "Location",
          id: "n-dup",
          name: "first",
          kind: "site",
          props: { x: 1, y: 2 },
        });
      });

      it("writes a subgraph of new and existing nodes once, however often and concurrently it is written", async () => {
        await graph.upsertNodes([{ label: "Participant", id: "sg-supplier" }]);
        const nodes: GraphNode[] = [
          { label: "Participant", id: "sg-supplier", name: "Supplier" },
          { label: "Event", id: "sg-ev", kind: "produced" },
          { label: "Batch", id: "sg-b", kind: "lot" },
        ];
        const edges: GraphEdge[] = [
          e("PERFORMED", r("Participant", "sg-supplier"), r("Event", "sg-ev")),
          { ...e("CONCERNS", r("Event", "sg-ev"), r("Batch", "sg-b")), props: { qty: 1 } },
        ];
        // A concurrent write of an edge to a node the subgraph is about to create must not
        // produce a second copy of that edge. It may fail, depending on which write runs first
        // (endpoint not there yet; on Neo4j also "not written" when the endpoint appears between
        // its MATCH and its check), but never with anything else than a graph-store error.
        await Promise.all([
          graph.upsertSubgraph(nodes, edges),
          graph
            .addEdge(edges[0]!)
            .catch((x: unknown) =>
              expect(x instanceof GraphNodeNotFoundError || x instanceof GraphStoreError).toBe(
                true,
              ),
            ),
        ]);
        await graph.upsertSubgraph(nodes, [{ ...edges[1]!, props: { unit: "pcs" } }]);
        const count = await graph.query(
          "MATCH (a)-[x]->(b) WHERE a.id STARTS WITH 'sg-' OR b.id STARTS WITH 'sg-' " +
            "RETURN a.id AS f, b.id AS t",
        );
        expect(count.map((row) => `${String(row.f)}>${String(row.t)}`).sort()).toEqual([
          "sg-ev>sg-b",
          "sg-supplier>sg-ev",
        ]);
        const out = await graph.neighbours(r("Event", "sg-ev"), { direction: "out" });
        expect(out.map((n) => n.edge.props)).toEqual([{ qty: 1, unit: "pcs" }]);
        expect((await graph.getNode(r("Participant", "sg-supplier")))?.name).toBe("Supplier");
        await expect(
          graph.upsertSubgraph(
            [{ label: "Batch", id: "sg-c" }],
            [e("FLOWS_TO", r("Batch", "sg-c"), r("Batch", "sg-ghost"))],
          ),
        ).rejects.toBeInstanceOf(GraphNodeNotFoundError);
      });

      it("returns undefined for an unknown node", async () => {
        expect(await graph.getNode(r("Batch", "no-such-batch"))).toBeUndefined();
      });

      it("rejects bad nodes with a ValidationError naming the field", async () => {
        await expect(graph.upsertNode({ label: "Widget" as NodeLabel, id: "x" })).rejects.toThrow(
          /invalid nodes: 0\.label/,
        );
        await expect(graph.upsertNode({ label: "Batch", id: "" })).rejects.toThrow(
          /invalid nodes: 0\.id/,
        );
        await expect(graph.upsertNode({ label: "Batch", id: "x", at: 1.5 })).rejects.toThrow(
          /invalid nodes: 0\.at/,
        );
        await expect(
          graph.upsertNode({ label: "Batch", id: "x", proof: ["nothex"] }),
        ).rejects.toBeInstanceOf(ValidationError);
      });
    });

    describe("edges, neighbours and traces on a hand-built chain", () => {
      beforeAll(async () => {
        await graph.upsertNodes(SMALL_NODES);
        await graph.addEdges(SMALL_EDGES);
      });

      it("adds an edge once however often it is added, merging its props", async () => {
        const edge: GraphEdge = { ...SMALL_EDGES[4]!, props: { share: 0.6 } };
        await graph.addEdge(edge);
        await graph.addEdge({ ...edge, props: { unit: "pcs" } });
        const into = await graph.neighbours(r("Batch", "mod-1"), {
          direction: "in",
          edgeTypes: ["FLOWS_TO"],
        });
        expect(into.map((n) => n.node.id).sort()).toEqual(["cells-1", "glass-1"]);
        const cells = into.find((n) => n.node.id === "cells-1")!;
        expect(cells.edge).toEqual({ ...SMALL_EDGES[4], props: { share: 0.6, unit: "pcs" } });
      });

      it("refuses an edge type between labels it does not connect", async () => {
        await expect(
          graph.addEdge(e("FLOWS_TO", r("Batch", "mod-1"), r("Event", "ev-prod"))),
        ).rejects.toThrow(/FLOWS_TO cannot connect Batch to Event/);
      });

      it("refuses an edge to a node that does not exist", async () => {
        const err = await graph
          .addEdge(e("FLOWS_TO", r("Batch", "mod-1"), r("Batch", "ghost")))
          .catch((x: unknown) => x);
        expect(err).toBeInstanceOf(GraphNodeNotFoundError);
        expect((err as GraphNodeNotFoundError).ref).toEqual(r("Batch", "ghost"));
      });

      it("lists neighbours by direction, edge type and label", async () => {
        const all = await graph.neighbours(r("Batch", "mod-1"));
        expect(all.map((n) => `${n.edge.type}:${n.node.id}`).sort()).toEqual([
          "CONCERNS:ev-prod",
          "FLOWS_TO:cells-1",
          "FLOWS_TO:glass-1",
          "FLOWS_TO:install-1",
          "HAS_BATCH:module",
        ]);
        const out = await graph.neighbours(r("Batch", "mod-1"), { direction: "out" });
        expect(out.map((n) => n.node.id)).toEqual(["install-1"]);
        expect(out[0]!.edge.from).toEqual(r("Batch", "mod-1"));
        const events = await graph.neighbours(r("Batch", "mod-1"), { labels: ["Event"] });
        expect(events.map((n) => n.node)).toEqual([
          { label: "Event", id: "ev-prod", kind: "produced", at: 1_760_000_000_000 },
        ]);
        await expect(graph.neighbours(r("Batch", "ghost"))).rejects.toBeInstanceOf(
          GraphNodeNotFoundError,
        );
      });

      it("traces upstream from an installation to every supplier, event and document", async () => {
        const t = await graph.trace(r("Batch", "install-1"), {
          direction: "upstream",
          maxDepth: 5,
        });
        expect(t.root.id).toBe("install-1");
        expect(t.truncated).toBe(false);
        expect(Object.fromEntries(keys(t))).toEqual({
          "Batch:mod-1": 1,
          "Event:ev-inst": 1,
          "Batch:cells-1": 2,
          "Batch:glass-1": 2,
          "Product:module": 2,
          "Event:ev-prod": 2,
          "Participant:I1": 2,
          "Product:cell": 3,
          "Document:cert": 3,
          "Participant:S2": 3,
          "Location:wuxi": 3,
          "Participant:S1": 4,
          "Participant:DP": 4,
        });
        expectShortestPathTree(t);
        expect(t.edges.some((x) => x.type === "ANCHORED_IN")).toBe(false);
        const s1 = t.edges.find((x) => x.from.id === "S1");
        expect(s1).toEqual(e("SUPPLIES", r("Participant", "S1"), r("Product", "cell")));
      });

      it("returns the props of tree edges, also after they are set through query", async () => {
        const upstream = { direction: "upstream", maxDepth: 5 } as const;
        const before = await graph.trace(r("Batch", "install-1"), upstream);
        expect(before.edges.find((x) => x.from.id === "cells-1")).toEqual({
          ...SMALL_EDGES[4],
          props: { share: 0.6, unit: "pcs" },
        });
        const setExtra = (extra: string | null) =>
          graph.query(
            "MATCH (a:Participant)-[x:SUPPLIES]->(b:Product) WHERE a.id = $id SET x.extra = $extra",
            { id: "S1", extra },
          );
        // Only SUPPLIES followed: no edge of that type had props until now.
        const supplies: TraceOptions = {
          direction: "upstream",
          maxDepth: 1,
          edgeTypes: ["SUPPLIES"],
        };
        const supplier = async () => (await graph.trace(r("Product", "cell"), supplies)).edges;
        expect(await supplier()).toEqual([
          e("SUPPLIES", r("Participant", "S1"), r("Product", "cell")),
        ]);
        await setExtra(JSON.stringify({ since: 2020 }));
        try {
          expect(await supplier()).toEqual([
            {
              ...e("SUPPLIES", r("Participant", "S1"), r("Product", "cell")),
              props: { since: 2020 },
            },
          ]);
        } finally {
          await setExtra(null);
        }
        expect((await supplier())[0]?.props).toBeUndefined();
      });

      it("stops at maxDepth", async () => {
        const t = await graph.trace(r("Batch", "install-1"), {
          direction: "upstream",
          maxDepth: 2,
        });
        expect([...keys(t).keys()].sort()).toEqual(
          [
            "Batch:cells-1",
            "Batch:glass-1",
            "Batch:mod-1",
            "Event:ev-inst",
            "Event:ev-prod",
            "Participant:I1",
            "Product:module",
          ].sort(),
        );
      });

      it("traces downstream from a supplier to where its goods went", async () => {
        const t = await graph.trace(r("Participant", "S2"), {
          direction: "downstream",
          maxDepth: 5,
        });
        expectShortestPathTree(t);
        expect(Object.fromEntries(keys(t))).toEqual({
          "Product:module": 1,
          "Event:ev-prod": 1,
          "Batch:mod-1": 2,
          "Batch:install-1": 3,
        });
      });

      it("follows only the edge types asked for (anchors are opt-in)", async () => {
        const flows = await graph.trace(r("Batch", "install-1"), {
          direction: "upstream",
          maxDepth: 5,
          edgeTypes: ["FLOWS_TO"],
        });
        expect([...keys(flows).keys()].sort()).toEqual([
          "Batch:cells-1",
          "Batch:glass-1",
          "Batch:mod-1",
        ]);
        const anchor = await graph.trace(r("Document", "cert"), {
          direction: "downstream",
          maxDepth: 1,
          edgeTypes: ["ANCHORED_IN"],
        });
        expect([...keys(anchor).keys()]).toEqual(["Anchor:A1"]);
      });

      it("truncates at the node limit and says so", async () => {
        const t = await graph.trace(r("Batch", "install-1"), {
          direction: "upstream",
          maxDepth: 5,
          limit: 3,
        });
        expect(t.nodes).toHaveLength(3);
        expect(t.truncated).toBe(true);
        for (const edge of t.edges) {
          const ids = new Set(["install-1", ...t.nodes.map((n) => n.id)]);
          expect(ids.has(edge.from.id) && ids.has(edge.to.id)).toBe(true);
        }
      });

      it("rejects an unknown root and bad options", async () => {
        await expect(
          graph.trace(r("Batch", "ghost"), { direction: "upstream", maxDepth: 2 }),
        ).rejects.toBeInstanceOf(GraphNodeNotFoundError);
        await expect(
          graph.trace(r("Batch", "mod-1"), { direction: "upstream", maxDepth: 0 }),
        ).rejects.toThrow(/maxDepth/);
        await expect(
          graph.trace(r("Batch", "mod-1"), { direction: "sideways" as "upstream", maxDepth: 2 }),
        ).rejects.toThrow(/direction/);
      });

      it("runs shared Cypher with parameters and returns plain values", async () => {
        const rows = await graph.query(
          "MATCH (p:Participant)-[:PERFORMED]->(ev:Event) WHERE ev.at >= $since " +
            "RETURN p.id AS who, ev.kind AS what, ev.at AS at ORDER BY at",
          { since: 1_760_000_000_000 },
        );
        expect(rows).toEqual([
          { who: "S2", what: "produced", at: 1_760_000_000_000 },
          { who: "I1", what: "installed", at: 1_760_100_000_000 },
        ]);
        const counts = await graph.query(
          "MATCH (b:Batch)<-[:FLOWS_TO*1..3]-(x:Batch) WHERE b.id = $id RETURN count(DISTINCT x) AS n",
          { id: "install-1" },
        );
        expect(counts).toEqual([{ n: 3 }]);
      });
    });

    describe("a generated supply network against its in-memory reference", () => {
      const net = generateSupplyNetwork({ targetNodes: 3_000, seed: 11, tiers: 7, fanIn: 2 });

      beforeAll(async () => {
        await graph.clear();
        await graph.upsertNodes(net.nodes);
        await graph.addEdges(net.edges);
      });

      it("stores every node", async () => {
        const counts = await graph.countNodes();
        const total = Object.values(counts).reduce((a, b) => a + b, 0);
        expect(total).toBe(net.nodes.length);
        expect(counts.Batch).toBe(net.nodes.filter((n) => n.label === "Batch").length);
      });

      it("gives the reference answer for upstream traces at depths 1-5", async () => {
        for (const [i, root] of net.topBatches.slice(0, 4).entries()) {
          const maxDepth = i + 2;
          const t = await graph.trace(root, { direction: "upstream", maxDepth });
          const expected = referenceTrace(net, root, { direction: "upstream", maxDepth });
          expect(expected.size).toBeGreaterThan(5);
          expect(Object.fromEntries(keys(t))).toEqual(Object.fromEntries(expected));
        }
      });

      it("gives the reference answer for downstream traces", async () => {
        for (const root of net.bottomBatches.slice(0, 3)) {
          const t = await graph.trace(root, { direction: "downstream", maxDepth: 5 });
          const expected = referenceTrace(net, root, { direction: "downstream", maxDepth: 5 });
          expect(Object.fromEntries(keys(t))).toEqual(Object.fromEntries(expected));
        }
      });

      it("returns a shortest-path tree of edges that exist in the network", async () => {
        const existing = new Set(
          net.edges.map((x) => `${x.type}|${x.from.label}:${x.from.id}|${x.to.label}:${x.to.id}`),
        );
        for (const [root, direction] of [
          [net.topBatches[5]!, "upstream"],
          [net.bottomBatches[5]!, "downstream"],
        ] as const) {
          const t = await graph.trace(root, { direction, maxDepth: 5 });
          expectShortestPathTree(t);
          for (const x of t.edges) {
            expect(
              existing.has(`${x.type}|${x.from.label}:${x.from.id}|${x.to.label}:${x.to.id}`),
            ).toBe(true);
          }
        }
      });

      it("gives the same nodes and depths natively as the portable level-by-level search", async () => {
        if (!(graph instanceof CypherGraphStore)) return;
        for (const [root, direction] of [
          [net.topBatches[7]!, "upstream"],
          [net.bottomBatches[7]!, "downstream"],
          [{ label: "Participant", id: "DP0" } as NodeRef, "downstream"],
        ] as const) {
          const native = await graph.trace(root, { direction, maxDepth: 4 });
          const bare = await graph.trace(root, { direction, maxDepth: 4, edges: false });
          expect(bare.edges).toEqual([]);
          expect(Object.fromEntries(keys(bare))).toEqual(Object.fromEntries(keys(native)));
          const portable = await graph.traceByLevels(root, { direction, maxDepth: 4 });
          expect(Object.fromEntries(keys(native))).toEqual(Object.fromEntries(keys(portable)));
          expectShortestPathTree(portable);
          const limited = await graph.traceByLevels(root, { direction, maxDepth: 4, limit: 5 });
          expect(limited.nodes).toHaveLength(5);
          expect(limited.truncated).toBe(true);
        }
      });

      it("clears everything", async () => {
        await graph.clear();
        const counts = await graph.countNodes();
        expect(Object.values(counts).every((c) => c === 0)).toBe(true);
      });
    });
  });
}
