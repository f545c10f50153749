import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { ValidationError } from "@gridledger/domain/errors";
import type { CypherGraphStore } from "../../src/graph/cypherGraphStore.ts";
import type { GraphEdge, GraphNode, NodeRef } from "../../src/graph/graphStore.ts";
import type { EdgeType, NodeLabel } from "../../src/graph/model.ts";

const r = (label: NodeLabel, id: string): NodeRef => ({ label, id });
const e = (type: EdgeType, from: NodeRef, to: NodeRef): GraphEdge => ({ type, from, to });
const key = (x: GraphEdge) => `${x.type}|${x.from.label}:${x.from.id}|${x.to.label}:${x.to.id}`;

/** Strings that would change the statement if they were spliced into the Cypher. */
const HOSTILE = [
  "x' }) MATCH (n) DETACH DELETE n //",
  'x" OR 1=1 RETURN n //',
  "x`) DETACH DELETE n; //",
  "$id",
  "\\' UNION ALL MATCH (n) RETURN n.id AS id //",
];

const REGISTRY = "0x" + "ab".repeat(20);
const OTHER_REGISTRY = "0x" + "cd".repeat(20);
const P1 = "0x" + "01".repeat(20);
const P2 = "0x00000000000000000000000000000000000000fF"; // sorts first, mixed case
const OfferSchema = z.strictObject({ provider: z.string(), note: z.string(), eventId: z.string() });

const LEAF = "0x" + "11".repeat(32);
const NODES: GraphNode[] = [
  { label: "Participant", id: "rp-supplier", kind: "supplier" },
  { label: "Participant", id: "rp-other" },
  { label: "Product", id: "rp-module" },
  { label: "Batch", id: "rp-b1", cid: "bafy-b1" },
  { label: "Batch", id: "rp-b2" },
  { label: "Location", id: "rp-site" },
  { label: "Event", id: "rp-e1", cid: "bafy-e1", leafHash: LEAF },
  { label: "Event", id: "rp-e2", cid: "bafy-e2", leafHash: LEAF, anchorId: "3", proof: [] },
  { label: "Event", id: "rp-e3" },
  { label: "Document", id: "rp-d1", cid: "bafy-d1", leafHash: LEAF },
];
const EDGES: GraphEdge[] = [
  e("SUPPLIES", r("Participant", "rp-supplier"), r("Product", "rp-module")),
  e("HAS_BATCH", r("Product", "rp-module"), r("Batch", "rp-b1")),
  e("FLOWS_TO", r("Batch", "rp-b1"), r("Batch", "rp-b2")),
  e("PERFORMED", r("Participant", "rp-supplier"), r("Event", "rp-e1")),
  e("HOSTS", r("Location", "rp-site"), r("Event", "rp-e1")),
  e("CONCERNS", r("Event", "rp-e1"), r("Batch", "rp-b1")),
  e("CONCERNS", r("Event", "rp-e2"), r("Batch", "rp-b1")),
  e("PERFORMED", r("Participant", "rp-other"), r("Event", "rp-e2")),
  e("DESCRIBES", r("Document", "rp-d1"), r("Batch", "rp-b1")),
  e("UPLOADED", r("Participant", "rp-other"), r("Document", "rp-d1")),
];

/**
 * The named repository methods (`offers`, `records`, `history`) on a store: results as the
 * domain expects them, empty answers for unknown ids, ValidationError for malformed arguments,
 * and hostile strings treated as plain values. `open` returns a store this suite may clear.
 */
export function repositoryContract(name: string, open: () => Promise<CypherGraphStore>): void {
  describe(`graph repositories: ${name}`, () => {
    let graph: CypherGraphStore;
    beforeAll(async () => {
      graph = await open();
      await graph.clear();
      await graph.upsertSubgraph(NODES, EDGES);
    });
    afterAll(async () => {
      await graph.clear();
      await graph.close();
    });

    /** Every hostile call leaves the graph exactly as it was. */
    const unchanged = async () => {
      const counts = await graph.countNodes();
      expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(NODES.length);
      expect(await graph.getNode(r("Event", "rp-e1"))).toMatchObject({ cid: "bafy-e1" });
    };

    describe("offers", () => {
      const doc = (provider: string, eventId: string, note: string) => ({
        provider,
        eventId,
        note,
      });

      it("keeps one offer per provider and event, lists them by provider address", async () => {
        await graph.offers.save(
          { registry: REGISTRY, eventId: 1n, provider: P1 },
          1_000,
          doc(P1, "1", "first"),
        );
        await graph.offers.save(
          { registry: REGISTRY, eventId: 1n, provider: P2 },
          2_000,
          doc(P2, "1", "b"),
        );
        await graph.offers.save(
          { registry: REGISTRY, eventId: 1n, provider: P1 },
          3_000,
          doc(P1, "1", "newer"),
        );
        // Other events and registries stay apart (event 12 shares the prefix digits of event 1).
        await graph.offers.save(
          { registry: REGISTRY, eventId: 12n, provider: P1 },
          4_000,
          doc(P1, "12", "x"),
        );
        await graph.offers.save(
          { registry: OTHER_REGISTRY, eventId: 1n, provider: P1 },
          5_000,
          doc(P1, "1", "y"),
        );
        expect(await graph.offers.forEvent(REGISTRY, 1n, OfferSchema)).toEqual([
          doc(P2, "1", "b"),
          doc(P1, "1", "newer"),
        ]);
        expect(
          await graph.offers.forEvent(REGISTRY.toUpperCase().replace("0X", "0x"), 12n, OfferSchema),
        ).toEqual([doc(P1, "12", "x")]);
      });

      it("links each offer from its provider, so it shows in the provider's history", async () => {
        const history = await graph.history.ofParticipant(P1.toLowerCase());
        expect(history?.tdva.map((n) => [n.kind, n.at])).toEqual([
          ["offer", 3_000],
          ["offer", 4_000],
          ["offer", 5_000],
        ]);
      });

      it("returns an empty list for an event without offers", async () => {
        expect(await graph.offers.forEvent(REGISTRY, 999n, OfferSchema)).toEqual([]);
      });

      it("keeps documents with quotes and Cypher in their strings as they are", async () => {
        for (const [i, note] of HOSTILE.entries()) {
          await graph.offers.save(
            { registry: REGISTRY, eventId: 50n + BigInt(i), provider: P1 },
            1,
            doc(P1, "5", note),
          );
          expect(await graph.offers.forEvent(REGISTRY, 50n + BigInt(i), OfferSchema)).toEqual([
            doc(P1, "5", note),
          ]);
        }
        await unchanged();
      });

      it("rejects malformed keys with ValidationError and writes nothing", async () => {
        const before = await graph.countNodes();
        for (const bad of [...HOSTILE, "", "0x1234", REGISTRY + "00"]) {
          await expect(graph.offers.forEvent(bad, 1n, OfferSchema)).rejects.toBeInstanceOf(
            ValidationError,
          );
          await expect(
            graph.offers.save(
              { registry: REGISTRY, eventId: 1n, provider: bad },
              1,
              doc(P1, "1", "z"),
            ),
          ).rejects.toBeInstanceOf(ValidationError);
          await expect(
            graph.offers.save({ registry: bad, eventId: 1n, provider: P1 }, 1, doc(P1, "1", "z")),
          ).rejects.toBeInstanceOf(ValidationError);
        }
        await expect(graph.offers.forEvent(REGISTRY, -1n, OfferSchema)).rejects.toBeInstanceOf(
          ValidationError,
        );
        expect(await graph.countNodes()).toEqual(before);
      });

      it("raises ValidationError when a stored offer does not match the caller's schema", async () => {
        await expect(
          graph.offers.forEvent(REGISTRY, 1n, z.strictObject({ provider: z.string() })),
        ).rejects.toBeInstanceOf(ValidationError);
      });
    });

    describe("trace records", () => {
      it("finds which ids exist, with their CIDs (null when a node has none)", async () => {
        const found = await graph.records.cidsOf("Batch", ["rp-b1", "rp-b2", "rp-nope", "rp-b1"]);
        expect(found).toEqual(
          new Map([
            ["rp-b1", "bafy-b1"],
            ["rp-b2", null],
          ]),
        );
        expect(await graph.records.cidsOf("Event", [])).toEqual(new Map());
      });

      it("looks up more ids than one statement takes", async () => {
        const ids = Array.from({ length: 5_003 }, (_, i) => `rp-missing-${i}`);
        ids.push("rp-e1");
        expect(await graph.records.cidsOf("Event", ids)).toEqual(new Map([["rp-e1", "bafy-e1"]]));
      });

      it("treats hostile ids as plain values: nothing found, nothing changed", async () => {
        expect(await graph.records.cidsOf("Event", HOSTILE)).toEqual(new Map());
        for (const id of HOSTILE) {
          expect(await graph.records.eventsConcerningBatch(id)).toEqual([]);
          expect(await graph.records.supplyEvents(id, "rp-module")).toEqual([]);
          expect(await graph.records.supplyEvents("rp-supplier", id)).toEqual([]);
          expect(await graph.records.incidentEdges(r("Event", id), ["PERFORMED"])).toEqual([]);
          expect(await graph.history.ofParticipant(id)).toBeUndefined();
        }
        const forged = HOSTILE.map((id) => e("FLOWS_TO", r("Batch", id), r("Batch", "rp-b2")));
        expect(await graph.records.missingEdges(forged)).toEqual(forged);
        await unchanged();
      });

      it("rejects labels and edge types outside the model with ValidationError", async () => {
        const label = "Event {id: 'x'}) DETACH DELETE n //" as NodeLabel;
        const type = "CONCERNS]->() DETACH DELETE n //" as EdgeType;
        await expect(graph.records.cidsOf(label, ["rp-e1"])).rejects.toBeInstanceOf(
          ValidationError,
        );
        await expect(graph.records.unanchored([label])).rejects.toBeInstanceOf(ValidationError);
        await expect(
          graph.records.incidentEdges(r(label, "rp-e1"), ["PERFORMED"]),
        ).rejects.toBeInstanceOf(ValidationError);
        await expect(
          graph.records.incidentEdges(r("Event", "rp-e1"), [type]),
        ).rejects.toBeInstanceOf(ValidationError);
        await expect(
          graph.records.missingEdges([e(type, r("Event", "rp-e1"), r("Batch", "rp-b1"))]),
        ).rejects.toBeInstanceOf(ValidationError);
        await expect(graph.records.eventsConcerningBatch("")).rejects.toBeInstanceOf(
          ValidationError,
        );
        await unchanged();
      });

      it("lists the events that may state a batch's or a supplier's edges", async () => {
        expect((await graph.records.eventsConcerningBatch("rp-b1")).sort()).toEqual([
          "rp-e1",
          "rp-e2",
        ]);
        expect(await graph.records.eventsConcerningBatch("rp-b2")).toEqual([]);
        expect(await graph.records.supplyEvents("rp-supplier", "rp-module")).toEqual(["rp-e1"]);
        expect(await graph.records.supplyEvents("rp-other", "rp-module")).toEqual(["rp-e2"]);
        expect(await graph.records.supplyEvents("rp-supplier", "rp-nope")).toEqual([]);
      });

      it("returns at most 50 candidate events", async () => {
        const many = Array.from({ length: 60 }, (_, i): GraphNode => ({
          label: "Event",
          id: `rp-many-${i}`,
        }));
        await graph.upsertSubgraph(
          [{ label: "Batch", id: "rp-busy" }, ...many],
          many.map((n) => e("CONCERNS", r("Event", n.id), r("Batch", "rp-busy"))),
        );
        const found = await graph.records.eventsConcerningBatch("rp-busy");
        expect(found).toHaveLength(50);
        expect(new Set(found).size).toBe(50);
      });

      it("reads the edges of given types at a record, both ways", async () => {
        const at = await graph.records.incidentEdges(r("Event", "rp-e1"), [
          "PERFORMED",
          "HOSTS",
          "CONCERNS",
        ]);
        expect(at.map(key).sort()).toEqual([EDGES[3]!, EDGES[4]!, EDGES[5]!].map(key).sort());
        const doc = await graph.records.incidentEdges(r("Document", "rp-d1"), [
          "DESCRIBES",
          "UPLOADED",
        ]);
        expect(doc.map(key).sort()).toEqual([EDGES[8]!, EDGES[9]!].map(key).sort());
        expect(await graph.records.incidentEdges(r("Event", "rp-e3"), ["PERFORMED"])).toEqual([]);
        // No PERFORMED edge can touch a Batch: nothing to ask.
        expect(await graph.records.incidentEdges(r("Batch", "rp-b1"), ["PERFORMED"])).toEqual([]);
        expect(await graph.records.incidentEdges(r("Event", "rp-e1"), [])).toEqual([]);
      });

      it("names the edges the graph does not hold, in group order", async () => {
        const absent1 = e("FLOWS_TO", r("Batch", "rp-b2"), r("Batch", "rp-b1"));
        const absent2 = e("HAS_BATCH", r("Product", "rp-module"), r("Batch", "rp-b2"));
        const absent3 = e("FLOWS_TO", r("Batch", "rp-nope"), r("Batch", "rp-b1"));
        const input = [absent1, EDGES[2]!, absent2, EDGES[1]!, absent3];
        expect(await graph.records.missingEdges(input)).toEqual([absent1, absent3, absent2]);
        expect(await graph.records.missingEdges([])).toEqual([]);
      });

      it("lists the records waiting for their anchor", async () => {
        const pending = await graph.records.unanchored(["Event", "Document"]);
        expect(pending).toEqual([
          { label: "Event", id: "rp-e1", cid: "bafy-e1", leafHash: LEAF },
          { label: "Document", id: "rp-d1", cid: "bafy-d1", leafHash: LEAF },
        ]);
        expect(await graph.records.unanchored(["Batch"])).toEqual([]);
        expect(await graph.records.unanchored([])).toEqual([]);
      });
    });

    describe("history", () => {
      it("returns a participant's market and TDVA records by time", async () => {
        const who = r("Participant", "rp-trader");
        const records: GraphNode[] = [
          { label: "MarketRecord", id: "rp-m2", kind: "match", at: 20 },
          { label: "MarketRecord", id: "rp-m1", kind: "order", at: 10 },
          { label: "TdvaRecord", id: "rp-t1", kind: "trigger", at: 15 },
          { label: "MarketRecord", id: "rp-m0", kind: "order" },
        ];
        await graph.upsertSubgraph(
          [{ ...who, name: 'Trader\'s "desk"' }, ...records],
          records.map((n) => e("PARTY_TO", who, r(n.label, n.id))),
        );
        const history = await graph.history.ofParticipant("rp-trader");
        expect(history?.participant).toEqual({ ...who, name: 'Trader\'s "desk"' });
        expect(history?.market.map((n) => n.id)).toEqual(["rp-m0", "rp-m1", "rp-m2"]);
        expect(history?.tdva).toEqual([records[2]]);
      });

      it("returns empty lists for a participant without records, undefined for an unknown one", async () => {
        expect(await graph.history.ofParticipant("rp-site-less")).toBeUndefined();
        expect(await graph.history.ofParticipant("rp-supplier")).toEqual({
          participant: NODES[0],
          market: [],
          tdva: [],
        });
        await expect(graph.history.ofParticipant("")).rejects.toBeInstanceOf(ValidationError);
      });
    });
  });
}
