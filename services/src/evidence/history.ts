import { readFile } from "node:fs/promises";
import { z } from "zod";
import { selectCounterparty, type Candidate } from "@gridledger/domain/evidence";
import type { GraphNode, GraphStore } from "../graph/graphStore.ts";
import type { HistoryRepository } from "../graph/historyRepository.ts";

/** Windows of docs/decisions/0306: recent delivery periods, TDVA responses and outage days. */
export const EVIDENCE_WINDOWS = { periods: 24, responses: 20, outageDays: 30 } as const;

const DAY_MS = 86_400_000;

/**
 * Outage records per feeder/bus (the chain has none): `{ records: [{ feederId, busId?, start,
 * end, cause? }] }`, times ISO 8601; a record without busId is an outage of the whole feeder.
 */
export const OutageFileSchema = z.object({
  records: z.array(
    z
      .object({
        feederId: z.number().int().min(0),
        busId: z.number().int().min(0).optional(),
        start: z.iso.datetime(),
        end: z.iso.datetime(),
        cause: z.string().optional(),
      })
      .refine((r) => Date.parse(r.end) >= Date.parse(r.start), {
        message: "end is before start",
        path: ["end"],
      }),
  ),
});
export type OutageFile = z.output<typeof OutageFileSchema>;

/** Reads and validates an outage file; errors name the file and the bad field. */
export async function readOutageFile(file: string): Promise<OutageFile> {
  const raw = JSON.parse(await readFile(file, "utf8")) as unknown;
  const parsed = OutageFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${file}: ${issue.path.join(".")}: ${issue.message}`);
  }
  return parsed.data;
}

type Graph = Pick<GraphStore, "getNode" | "neighbours"> & { history: HistoryRepository };

const num = (v: unknown): number => (v === undefined || v === null ? 0 : Number(v));
const props = (n: GraphNode | undefined) => (n?.props ?? {}) as Record<string, unknown>;

/**
 * Net matched energy (Wh, sold minus bought) per delivery period over the participant's orders:
 * day-ahead and intraday intervals of one period add up to one position (decision 0105: one imbalance per period).
 */
async function matchedNet(graph: Graph, orders: GraphNode[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const order of orders) {
    const p = props(order);
    if (p["status"] === "cancelled") continue;
    const sell = num(p["side"]) === 1;
    const interval = await graph.getNode({
      label: "MarketRecord",
      id: `interval:${String(p["intervalId"])}`,
    });
    const period = String(props(interval)["periodId"] ?? "");
    if (!period) continue;
    const next = await graph.neighbours(
      { label: "MarketRecord", id: order.id },
      { direction: "out", edgeTypes: ["LEADS_TO"] },
    );
    const key = sell ? "sellOrderId" : "buyOrderId";
    for (const { node } of next)
      if (node.kind === "match" && String(props(node)[key]) === String(p["orderId"])) {
        const q = num(props(node)["quantity"]);
        out.set(period, (out.get(period) ?? 0) + (sell ? q : -q));
      }
  }
  return out;
}

/**
 * One participant as a selection candidate: forecast accuracy from its net matched position vs
 * its metered net energy in the same direction in its last delivery periods (a seller's
 * production forecast, a buyer's consumption forecast; tolerance = the period's band), TDVA responses (storage units →
 * storage source, others → load shedding) and outage days on its feeder/bus. Undefined when the
 * graph does not know the address.
 */
export async function candidateFromHistory(
  graph: Graph,
  address: string,
  options: { outages?: OutageFile; now?: number } = {},
): Promise<Candidate | undefined> {
  const id = address.toLowerCase();
  const h = await graph.history.ofParticipant(id);
  if (!h) return undefined;
  const pp = props(h.participant);
  const positions = await matchedNet(
    graph,
    h.market.filter((n) => n.kind === "order"),
  );
  const forecasts: NonNullable<Candidate["history"]["forecasts"]> = [];
  const meters = h.market.filter((n) => n.kind === "meter-report").slice(-EVIDENCE_WINDOWS.periods);
  for (const m of meters) {
    const period = String(props(m)["periodId"]);
    const net = positions.get(period);
    if (!net) continue;
    const periodNode = await graph.getNode({ label: "MarketRecord", id: `period:${period}` });
    const meteredNet = num(props(m)["produced"]) - num(props(m)["consumed"]);
    forecasts.push({
      forecastKWh: Math.abs(net) / 1000,
      // Energy in the traded direction; the other direction delivered nothing of it.
      actualKWh: Math.max(0, net > 0 ? meteredNet : -meteredNet) / 1000,
      tolerance: num(props(periodNode)["bandBps"]) / 10_000,
    });
  }
  let trials = 0;
  let ok = 0;
  const settled = h.tdva.filter((n) => n.kind === "provider-settlement");
  for (const s of settled.slice(-EVIDENCE_WINDOWS.responses)) {
    const event = String(props(s)["eventId"]);
    const offer = await graph.getNode({ label: "TdvaRecord", id: `tdva:${event}:offer:${id}` });
    const trigger = await graph.getNode({ label: "TdvaRecord", id: `tdva:${event}:trigger` });
    const record = (props(trigger)["record"] ?? {}) as Record<string, unknown>;
    const dueWh = (num(props(offer)["allocationW"]) * num(record["duration"])) / 3600;
    trials++;
    if (num(props(s)["deliveredWh"]) >= dueWh * (1 - num(record["toleranceBps"]) / 10_000)) ok++;
  }
  const history: Candidate["history"] = {};
  if (forecasts.length > 0) history.forecasts = forecasts;
  if (trials > 0) {
    if (h.participant.kind === "storage") history.storage = { requests: trials, available: ok };
    else history.loadShedding = { periods: trials, sheds: trials - ok };
  }
  if (options.outages && pp["feederId"] !== undefined) {
    const now = options.now ?? Date.now();
    const from = now - EVIDENCE_WINDOWS.outageDays * DAY_MS;
    const days = new Set<number>();
    for (const r of options.outages.records) {
      if (r.feederId !== num(pp["feederId"])) continue;
      if (r.busId !== undefined && r.busId !== num(pp["busId"])) continue;
      const start = Math.max(from, Date.parse(r.start));
      const end = Math.min(now, Date.parse(r.end));
      for (let d = Math.floor(start / DAY_MS); d * DAY_MS <= end; d++) days.add(d);
    }
    history.lineFaults = { periods: EVIDENCE_WINDOWS.outageDays, faults: days.size };
  }
  return {
    id,
    ...(pp["busId"] !== undefined ? { bus: String(pp["busId"]) } : {}),
    history,
  };
}

/** The participant is not in the indexed graph (API: 404). */
export class UnknownParticipantError extends Error {
  override name = "UnknownParticipantError";
}

/**
 * Evidence for choosing `address` against `peers` (002 §2.3): each candidate built from the
 * indexed history, the four sources' masses, the fused result and the eq. (9) decision with its
 * reasons. Throws UnknownParticipantError naming the first address the graph does not know.
 *
 * @example (await participantEvidence(graph, "0xab…", ["0xcd…"])).selection.decision
 */
export async function participantEvidence(
  graph: Graph,
  address: string,
  peers: string[] = [],
  options: { outages?: OutageFile; now?: number } = {},
) {
  const ids = [...new Set([address, ...peers].map((a) => a.toLowerCase()))];
  const candidates: Candidate[] = [];
  for (const a of ids) {
    const c = await candidateFromHistory(graph, a, options);
    if (!c) throw new UnknownParticipantError(`participant ${a} not found`);
    candidates.push(c);
  }
  const selection = selectCounterparty({ candidates });
  return { participant: ids[0]!, windows: EVIDENCE_WINDOWS, candidates, selection };
}
