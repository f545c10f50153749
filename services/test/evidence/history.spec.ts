import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/api/app.ts";
import type { ApiContext } from "../../src/api/context.ts";
import { SiweSessions } from "../../src/api/session.ts";
import type { GraphEdge, GraphNode } from "../../src/graph/graphStore.ts";
import { KuzuGraphStore } from "../../src/graph/kuzuGraph.ts";
import {
  UnknownParticipantError,
  candidateFromHistory,
  participantEvidence,
  readOutageFile,
} from "../../src/evidence/history.ts";

const BEST = "0x" + "a".repeat(40);
const PEERS = ["b", "c", "d", "e"].map((c) => "0x" + c.repeat(40));

/**
 * Writes what the chain indexer writes for `periods` delivery periods in which `seller` sold 10 kWh
 * and metered `produced(p)` Wh, with a 5 % band, plus TDVA responses.
 */
function seed(
  seller: string,
  produced: (p: number) => number,
  responses: { delivered: number }[],
  kind = "pv",
) {
  const nodes: GraphNode[] = [
    { label: "Participant", id: seller, kind, props: { feederId: 1, busId: 3 } },
  ];
  const edges: GraphEdge[] = [];
  const m = (id: string) => ({ label: "MarketRecord" as const, id });
  const t = (id: string) => ({ label: "TdvaRecord" as const, id });
  const party = (to: { label: "MarketRecord" | "TdvaRecord"; id: string }) =>
    edges.push({ type: "PARTY_TO", from: { label: "Participant", id: seller }, to });
  for (let p = 1; p <= 24; p++) {
    const orderId = `${p}${seller.slice(2, 6)}`;
    nodes.push(
      { ...m(`period:${p}`), kind: "period", at: p, props: { bandBps: 500 } },
      { ...m(`interval:${p}`), kind: "interval", at: p, props: { periodId: String(p) } },
      {
        ...m(`order:${p}:${orderId}`),
        kind: "order",
        at: p,
        props: { intervalId: String(p), orderId, side: 1, quantity: "10000", status: "open" },
      },
      {
        ...m(`match:${p}:${orderId}:9`),
        kind: "match",
        at: p,
        props: { sellOrderId: orderId, buyOrderId: "9", quantity: "10000" },
      },
      {
        ...m(`meter:${p}:${seller}`),
        kind: "meter-report",
        at: p,
        props: { periodId: String(p), produced: String(produced(p)), consumed: "0" },
      },
    );
    party(m(`order:${p}:${orderId}`));
    party(m(`meter:${p}:${seller}`));
    edges.push({
      type: "LEADS_TO",
      from: m(`order:${p}:${orderId}`),
      to: m(`match:${p}:${orderId}:9`),
    });
  }
  responses.forEach((r, e) => {
    nodes.push(
      {
        ...t(`tdva:${e}:trigger`),
        kind: "trigger",
        at: e,
        props: { record: { duration: 3600, toleranceBps: 1000 } },
      },
      { ...t(`tdva:${e}:offer:${seller}`), kind: "offer", at: e, props: { allocationW: 1000 } },
      {
        ...t(`tdva:${e}:settle:${seller}`),
        kind: "provider-settlement",
        at: e,
        props: { eventId: String(e), deliveredWh: String(r.delivered) },
      },
    );
    party(t(`tdva:${e}:offer:${seller}`));
    party(t(`tdva:${e}:settle:${seller}`));
  });
  return { nodes, edges };
}

let dir: string;
let graph: KuzuGraphStore;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "gl-evidence-"));
  graph = await KuzuGraphStore.open({ dataDir: dir });
  const writes = [
    seed(
      BEST,
      () => 10_100,
      Array.from({ length: 20 }, () => ({ delivered: 1000 })),
    ),
    ...PEERS.map((a, i) =>
      seed(
        a,
        (p) => (p % 4 === i % 4 ? 6000 : 10_000),
        Array.from({ length: 20 }, (_, e) => ({ delivered: e % 5 === 0 ? 500 : 1000 })),
      ),
    ),
  ];
  for (const w of writes) {
    await graph.upsertNode(w.nodes[0]!); // the Participant, without a time like the indexer's
    await graph.upsertSubgraph(w.nodes.slice(1), w.edges);
  }
}, 120_000);
afterAll(async () => {
  await graph?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("evidence from the indexed history", () => {
  it("counts matched vs metered periods within the band and TDVA responses", async () => {
    const c = await candidateFromHistory(graph, PEERS[0]!);
    expect(c!.history.forecasts).toHaveLength(24);
    expect(c!.history.forecasts!.filter((f) => f.actualKWh === 6)).toHaveLength(6);
    expect(c!.history.forecasts![0]!.tolerance).toBe(0.05);
    expect(c!.history.loadShedding).toEqual({ periods: 20, sheds: 4 });
    expect(c!.bus).toBe("3");
  });

  it("rates a buyer's consumption forecast and nets day-ahead and intraday of one period", async () => {
    const buyer = "0x" + "9".repeat(40);
    const m = (id: string) => ({ label: "MarketRecord" as const, id });
    const nodes: GraphNode[] = [];
    const edges: GraphEdge[] = [];
    const party = (id: string) =>
      edges.push({ type: "PARTY_TO", from: { label: "Participant", id: buyer }, to: m(id) });
    // Periods 101-103: bought 8 kWh; metered 8 kWh, 4 kWh, and a net export of 1 kWh. Period 104:
    // bought 8 kWh day-ahead and sold 3 kWh back intraday, metered 5 kWh: net 5 kWh, on target.
    const orders: { period: number; side: number; qty: number }[] = [
      { period: 101, side: 0, qty: 8000 },
      { period: 102, side: 0, qty: 8000 },
      { period: 103, side: 0, qty: 8000 },
      { period: 104, side: 0, qty: 8000 },
      { period: 104, side: 1, qty: 3000 },
    ];
    const metered: Record<number, [number, number]> = {
      101: [0, 8000],
      102: [0, 4000],
      103: [2000, 1000],
      104: [0, 5000],
    };
    orders.forEach((o, i) => {
      const interval = `${o.period}${i}`;
      const orderId = `77${i}`;
      const matchId = `match:${interval}:${o.side ? orderId : "1"}:${o.side ? "1" : orderId}`;
      nodes.push(
        {
          ...m(`interval:${interval}`),
          kind: "interval",
          at: o.period,
          props: { periodId: String(o.period) },
        },
        {
          ...m(`order:${interval}:${orderId}`),
          kind: "order",
          at: o.period,
          props: { intervalId: interval, orderId, side: o.side, status: "open" },
        },
        {
          ...m(matchId),
          kind: "match",
          at: o.period,
          props: o.side
            ? { sellOrderId: orderId, buyOrderId: "1", quantity: String(o.qty) }
            : { sellOrderId: "1", buyOrderId: orderId, quantity: String(o.qty) },
        },
      );
      party(`order:${interval}:${orderId}`);
      edges.push({ type: "LEADS_TO", from: m(`order:${interval}:${orderId}`), to: m(matchId) });
    });
    for (const [period, [produced, consumed]] of Object.entries(metered)) {
      nodes.push(
        { ...m(`period:${period}`), kind: "period", at: Number(period), props: { bandBps: 500 } },
        {
          ...m(`meter:${period}:${buyer}`),
          kind: "meter-report",
          at: Number(period),
          props: { periodId: period, produced: String(produced), consumed: String(consumed) },
        },
      );
      party(`meter:${period}:${buyer}`);
    }
    await graph.upsertNode({ label: "Participant", id: buyer, kind: "consumer", props: {} });
    await graph.upsertSubgraph(nodes, edges);
    const c = await candidateFromHistory(graph, buyer);
    expect(c!.history.forecasts).toEqual([
      { forecastKWh: 8, actualKWh: 8, tolerance: 0.05 },
      { forecastKWh: 8, actualKWh: 4, tolerance: 0.05 },
      { forecastKWh: 8, actualKWh: 0, tolerance: 0.05 },
      { forecastKWh: 5, actualKWh: 5, tolerance: 0.05 },
    ]);
  });

  it("decides for the unit that delivered every period and every response", async () => {
    const res = await participantEvidence(graph, BEST, PEERS);
    expect(res.selection.decision).toBe(BEST);
    expect(res.selection.sources.map((s) => s.name)).toEqual([
      "forecast",
      "lineFaults",
      "storage",
      "loadShedding",
    ]);
    expect(res.selection.reasons[0]).toMatch(/^gap .* > ε1/);
  });

  it("does not decide between peers with equal records", async () => {
    const res = await participantEvidence(graph, PEERS[0]!, PEERS.slice(1));
    expect(res.selection.decision).toBeNull();
    expect(res.selection.reasons.join(" ")).toMatch(/M\(Ω\) = 1\.000 ≥ ε2/);
  });

  it("counts outage days on the unit's feeder and bus from a validated file", async () => {
    const file = path.join(dir, "outages.json");
    await writeFile(
      file,
      JSON.stringify({
        records: [
          { feederId: 1, busId: 3, start: "2026-11-20T08:00:00Z", end: "2026-11-20T09:00:00Z" },
          { feederId: 1, busId: 4, start: "2026-11-21T08:00:00Z", end: "2026-11-21T09:00:00Z" },
          { feederId: 1, start: "2026-11-22T08:00:00Z", end: "2026-11-23T09:00:00Z" },
          { feederId: 2, start: "2026-11-24T08:00:00Z", end: "2026-11-24T09:00:00Z" },
        ],
      }),
    );
    const outages = await readOutageFile(file);
    const c = await candidateFromHistory(graph, BEST, {
      outages,
      now: Date.parse("2026-12-01T00:00:00Z"),
    });
    expect(c!.history.lineFaults).toEqual({ periods: 30, faults: 3 });
    await writeFile(
      file,
      JSON.stringify({ records: [{ feederId: 1, start: "2026-11-22T08:00:00Z", end: "x" }] }),
    );
    await expect(readOutageFile(file)).rejects.toThrow(/records\.0\.end/);
    await expect(
      readOutageFile(fileURLToPath(new URL("../../../examples/outages.json", import.meta.url))),
    ).resolves.toBeDefined();
  });

  it("names an unknown participant", async () => {
    await expect(participantEvidence(graph, "0x" + "f".repeat(40))).rejects.toThrow(
      UnknownParticipantError,
    );
  });

  it("serves GET /v1/participants/:address/evidence with 400/404 for bad input", async () => {
    // Only the graph is used by this route; the rest of the context stays out of the way.
    const app = createApp({
      reads: "open",
      bodyLimit: 100_000,
      limits: {
        noncePerMin: 60,
        signInPerMin: 60,
        offersPerMin: 60,
        jsonDepth: 32,
        trustProxy: "false",
      },
      chainId: 31337,
      // Real sessions; no chain client is needed as these requests carry no token.
      sessions: new SiweSessions({
        ttlS: 60,
        chainId: 31337,
        client: undefined as never,
        domain: "localhost",
        uri: "http://localhost",
      }),
      graph,
      indexer: undefined,
      logger: undefined,
    } as unknown as ApiContext);
    const ok = await request(app)
      .get(`/v1/participants/${BEST}/evidence`)
      .query({ peers: PEERS.join(",") })
      .expect(200);
    expect(ok.body.selection.decision).toBe(BEST);
    expect(ok.body.selection.sources).toHaveLength(4);
    expect((await request(app).get("/v1/participants/0x12/evidence")).status).toBe(400);
    const bad = await request(app).get(`/v1/participants/${BEST}/evidence`).query({ peers: "x" });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toMatch(/peers/);
    const unknown = await request(app)
      .get(`/v1/participants/${BEST}/evidence`)
      .query({
        peers: "0x" + "f".repeat(40),
      });
    expect(unknown.status).toBe(404);
    expect(JSON.stringify(unknown.body)).toMatch(/not found/);
    // With OUTAGES_FILE configured the route counts the outage days on each unit's feeder/bus.
    const lineFaults = (body: { candidates: { history: { lineFaults?: unknown } }[] }) =>
      body.candidates.map((c) => c.history.lineFaults);
    const day = new Date(Date.now() - 2 * 86_400_000).toISOString();
    const withOutages = createApp({
      reads: "open",
      bodyLimit: 100_000,
      limits: {
        noncePerMin: 60,
        signInPerMin: 60,
        offersPerMin: 60,
        jsonDepth: 32,
        trustProxy: "false",
      },
      chainId: 31337,
      sessions: new SiweSessions({
        ttlS: 60,
        chainId: 31337,
        client: undefined as never,
        domain: "localhost",
        uri: "http://localhost",
      }),
      graph,
      indexer: undefined,
      logger: undefined,
      outages: { records: [{ feederId: 1, busId: 3, start: day, end: day }] },
    } as unknown as ApiContext);
    const faulty = await request(withOutages)
      .get(`/v1/participants/${BEST}/evidence`)
      .query({ peers: PEERS.join(",") })
      .expect(200);
    expect(lineFaults(ok.body).every((f) => f === undefined)).toBe(true);
    expect(lineFaults(faulty.body)).toEqual(
      PEERS.concat(BEST).map(() => ({ periods: 30, faults: 1 })),
    );
  });
});
