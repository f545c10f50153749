import { hexToString, type Address, type Hex } from "viem";
import type { GraphEdge, GraphNode, JsonValue, NodeRef } from "../graph/graphStore.ts";

/** One decoded contract event with where it happened. */
export type IndexedLog = {
  contract: string;
  eventName: string;
  args: Record<string, unknown>;
  txHash: Hex;
  logIndex: number;
  blockNumber: number;
  /** Block timestamp in milliseconds. */
  at: number;
};

/** Graph writes for a log: nodes first (merged), then edges. */
export type GraphWrites = { nodes: GraphNode[]; edges: GraphEdge[] };

const PARTICIPANT_KINDS = [
  "unspecified",
  "pv",
  "wind",
  "hydro",
  "biomass",
  "storage",
  "flexible-load",
  "conventional-generator",
  "consumer",
  "aggregator",
  "supplier",
  "other",
];

/** JSON form of decoded event values: bigints as decimal strings, structs as objects. */
export function toJson(value: unknown): JsonValue {
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return value.map(toJson);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJson(v)]));
  }
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
    return value;
  }
  return null;
}

const str = (v: unknown): string => (typeof v === "bigint" ? v.toString() : String(v));
const who = (v: unknown): string => String(v).toLowerCase();
const participant = (address: unknown): NodeRef => ({ label: "Participant", id: who(address) });

function provenance(log: IndexedLog): Record<string, JsonValue> {
  return {
    contract: log.contract,
    event: log.eventName,
    txHash: log.txHash,
    logIndex: log.logIndex,
    blockNumber: log.blockNumber,
  };
}

/**
 * Maps one contract event to graph writes. Every write is an upsert keyed by a stable id (the
 * semantic id of the record, or `txHash:logIndex` for events that are records on their own), so
 * applying the same log twice changes nothing. Unknown events give no writes.
 */
export function graphWritesFor(log: IndexedLog): GraphWrites {
  const a = log.args;
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const market = (id: string, kind: string, extra: Record<string, JsonValue> = {}): NodeRef => {
    const ref: NodeRef = { label: "MarketRecord", id };
    nodes.push({ ...ref, kind, at: log.at, props: { ...provenance(log), ...extra } });
    return ref;
  };
  const tdva = (id: string, kind: string, extra: Record<string, JsonValue> = {}): NodeRef => {
    const ref: NodeRef = { label: "TdvaRecord", id };
    nodes.push({ ...ref, kind, at: log.at, props: { ...provenance(log), ...extra } });
    return ref;
  };
  const party = (address: unknown, record: NodeRef): void => {
    const p = participant(address);
    nodes.unshift({ ...p });
    edges.push({ type: "PARTY_TO", from: p, to: record });
  };
  const leads = (from: NodeRef, to: NodeRef): void => {
    nodes.unshift({ ...from });
    edges.push({ type: "LEADS_TO", from, to });
  };
  const args = toJson(a) as Record<string, JsonValue>;
  const logId = `${log.txHash}:${log.logIndex}`;

  switch (`${log.contract}.${log.eventName}`) {
    // Participants (ParticipantRegistry)
    case "ParticipantRegistry.ParticipantApplied": {
      const kind = PARTICIPANT_KINDS[Number(a.kind)] ?? "other";
      nodes.push({
        ...participant(a.account),
        kind,
        at: log.at,
        props: {
          status: "applied",
          renewable: Boolean(a.renewable),
          feederId: Number(a.feederId),
          busId: Number(a.busId),
          detailsHash: str(a.detailsHash),
          detailsCid: str(a.detailsCid),
          appliedTx: log.txHash,
        },
      });
      break;
    }
    case "ParticipantRegistry.ParticipantApproved":
      nodes.push({
        ...participant(a.account),
        props: { status: "approved", role: str(a.role), approvedTx: log.txHash },
      });
      break;
    case "ParticipantRegistry.ParticipantRejected":
      nodes.push({
        ...participant(a.account),
        props: { status: "rejected", rejectedTx: log.txHash },
      });
      break;
    case "ParticipantRegistry.MeterBound":
      nodes.push({ ...participant(a.participant) });
      nodes.push({
        ...participant(a.meter),
        kind: "meter",
        props: { meterOf: who(a.participant), boundTx: log.txHash, revoked: false },
      });
      break;
    case "ParticipantRegistry.MeterRevoked":
      nodes.push({ ...participant(a.meter), kind: "meter", props: { revoked: true } });
      break;

    // Market (EnergyMarket)
    case "EnergyMarket.Deposited":
    case "EnergyMarket.Withdrawn":
      party(a.account, market(logId, log.eventName.toLowerCase(), args));
      break;
    case "EnergyMarket.PeriodOpened":
      market(`period:${str(a.periodId)}`, "period", { ...args, status: "open" });
      break;
    case "EnergyMarket.IntervalOpened": {
      // Several intervals (day-ahead, intraday, real-time) may trade one delivery period.
      const interval = market(`interval:${str(a.intervalId)}`, "interval", {
        ...args,
        status: "open",
      });
      leads({ label: "MarketRecord", id: `period:${str(a.periodId)}` }, interval);
      break;
    }
    case "EnergyMarket.IntervalCleared":
      market(`interval:${str(a.intervalId)}`, "interval", {
        status: "cleared",
        entryCount: str(a.entryCount),
        entryHash: str(a.entryHash),
      });
      break;
    case "EnergyMarket.ClearingRestarted":
      // The partial walk before this log was discarded: its Matched and Unmatched records (those
      // of this interval logged before restartedAt) are void; the next walk rewrites the ones it
      // repeats under the same ids.
      market(`interval:${str(a.intervalId)}`, "interval", {
        clearingEpoch: Number(a.epoch),
        omittedOrderId: str(a.omittedOrderId),
        restartedAt: { blockNumber: log.blockNumber, logIndex: log.logIndex },
      });
      break;
    case "EnergyMarket.IntervalTallied":
      market(`interval:${str(a.intervalId)}`, "interval", {
        status: "tallied",
        periodId: str(a.periodId),
        talliedTx: log.txHash,
      });
      break;
    case "EnergyMarket.IntervalSettled":
      market(`interval:${str(a.intervalId)}`, "interval", { status: "settled" });
      break;
    case "EnergyMarket.OrderPlaced": {
      const order = market(`order:${str(a.intervalId)}:${str(a.orderId)}`, "order", {
        ...args,
        owner: who(a.owner),
        status: "open",
      });
      party(a.owner, order);
      leads({ label: "MarketRecord", id: `interval:${str(a.intervalId)}` }, order);
      break;
    }
    case "EnergyMarket.OrderCancelled":
      market(`order:${str(a.intervalId)}:${str(a.orderId)}`, "order", { status: "cancelled" });
      break;
    case "EnergyMarket.Unmatched":
      // A clearing record: the order's remainder that did not trade (its lock is freed at tally).
      market(`order:${str(a.intervalId)}:${str(a.orderId)}`, "order", {
        unmatched: str(a.quantity),
        unmatchedAt: { blockNumber: log.blockNumber, logIndex: log.logIndex },
      });
      break;
    case "EnergyMarket.RemainderReleased":
      market(`order:${str(a.intervalId)}:${str(a.orderId)}`, "order", {
        unmatched: str(a.quantity),
        released: str(a.released),
        releasedTx: log.txHash,
      });
      break;
    case "EnergyMarket.Matched": {
      const i = str(a.intervalId);
      const match = market(`match:${i}:${str(a.sellOrderId)}:${str(a.buyOrderId)}`, "match", args);
      leads({ label: "MarketRecord", id: `order:${i}:${str(a.sellOrderId)}` }, match);
      leads({ label: "MarketRecord", id: `order:${i}:${str(a.buyOrderId)}` }, match);
      break;
    }
    case "EnergyMarket.MeterReported": {
      // One reading per participant and delivery period (covers every interval trading it).
      const report = market(`meter:${str(a.periodId)}:${who(a.participant)}`, "meter-report", {
        ...args,
        participant: who(a.participant),
        reporter: who(a.reporter),
      });
      party(a.participant, report);
      leads({ label: "MarketRecord", id: `period:${str(a.periodId)}` }, report);
      break;
    }
    case "EnergyMarket.MatchSettled": {
      const key = `${str(a.intervalId)}:${str(a.sellOrderId)}:${str(a.buyOrderId)}`;
      const settlement = market(`settlement:${key}`, "settlement", args);
      leads({ label: "MarketRecord", id: `match:${key}` }, settlement);
      break;
    }

    // TDVA dispatch records (DispatchRegistry)
    case "DispatchRegistry.TdvaTriggered":
      tdva(`tdva:${str(a.eventId)}:trigger`, "trigger", args);
      break;
    case "DispatchRegistry.OfferAccepted": {
      const offer = tdva(`tdva:${str(a.eventId)}:offer:${who(a.provider)}`, "offer", args);
      party(a.provider, offer);
      leads({ label: "TdvaRecord", id: `tdva:${str(a.eventId)}:trigger` }, offer);
      break;
    }
    case "DispatchRegistry.TdvaDispatched": {
      const d = tdva(`tdva:${str(a.eventId)}:dispatch`, "dispatch", args);
      leads({ label: "TdvaRecord", id: `tdva:${str(a.eventId)}:trigger` }, d);
      break;
    }
    case "DispatchRegistry.TdvaVerified": {
      const v = tdva(`tdva:${str(a.eventId)}:verify`, "verify", args);
      leads({ label: "TdvaRecord", id: `tdva:${str(a.eventId)}:dispatch` }, v);
      break;
    }
    case "DispatchRegistry.ProviderSettled": {
      const s = tdva(
        `tdva:${str(a.eventId)}:settle:${who(a.provider)}`,
        "provider-settlement",
        args,
      );
      party(a.provider, s);
      leads({ label: "TdvaRecord", id: `tdva:${str(a.eventId)}:verify` }, s);
      break;
    }
    case "DispatchRegistry.TdvaSettled": {
      const s = tdva(`tdva:${str(a.eventId)}:settle`, "settle", args);
      leads({ label: "TdvaRecord", id: `tdva:${str(a.eventId)}:verify` }, s);
      break;
    }

    // Anchors (DataAnchor)
    case "DataAnchor.DataAnchored": {
      let kind = str(a.kind);
      try {
        kind = hexToString(a.kind as Hex, { size: 32 }).replace(/\0+$/, "");
      } catch {
        // keep the hex form
      }
      nodes.push({
        label: "Anchor",
        id: str(a.anchorId),
        kind,
        at: log.at,
        ...(a.cid ? { cid: str(a.cid) } : {}),
        props: {
          root: str(a.root),
          submitter: who(a.submitter as Address),
          recordCount: Number(a.recordCount),
          txHash: log.txHash,
          blockNumber: log.blockNumber,
        },
      });
      break;
    }
    default:
      break;
  }
  return { nodes: mergeNodes(nodes), edges };
}

/** Merges repeated nodes of one log's writes (fields and props of later entries win). */
function mergeNodes(nodes: GraphNode[]): GraphNode[] {
  const merged = new Map<string, GraphNode>();
  for (const n of nodes) {
    const key = `${n.label}\u0000${n.id}`;
    const prev = merged.get(key);
    merged.set(
      key,
      prev ? { ...prev, ...n, props: { ...(prev.props ?? {}), ...(n.props ?? {}) } } : n,
    );
  }
  return [...merged.values()];
}
