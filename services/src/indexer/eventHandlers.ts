import type { Abi, ContractEventName, DecodeEventLogReturnType, Hex } from "viem";
import type { GraphEdge, GraphNode, JsonValue, NodeRef } from "../graph/graphStore.ts";

/** Arguments of `eventName` as viem decodes them from a log with `abi` (every field, by name). */
export type EventArgs<
  abi extends Abi,
  eventName extends ContractEventName<abi>,
> = DecodeEventLogReturnType<abi, eventName>["args"];

/**
 * One decoded event of `abi`: a union over the event names whose `args` follow from `eventName`.
 * Written as a mapped type indexed by its keys so generic code can pair a handler with its args.
 */
export type DecodedEvent<
  abi extends Abi,
  eventName extends ContractEventName<abi> = ContractEventName<abi>,
> = { [name in eventName]: { eventName: name; args: EventArgs<abi, name> } }[eventName];

/** Where a log happened. */
export type LogMeta = {
  txHash: Hex;
  logIndex: number;
  blockNumber: number;
  /** Block timestamp in milliseconds. */
  at: number;
};

/** Graph writes for a log: nodes first (merged), then edges. */
export type GraphWrites = { nodes: GraphNode[]; edges: GraphEdge[] };

/** What a handler knows about its log and how it writes to the graph. */
export type EventContext = LogMeta & {
  contract: string;
  eventName: string;
  /** `txHash:logIndex`, the id of an event that is a record on its own. */
  logId: string;
  /** Adds a node. */
  node(node: GraphNode): void;
  /** Adds a MarketRecord with the log's provenance and `props`. */
  market(id: string, kind: string, props?: Record<string, JsonValue>): NodeRef;
  /** Adds a TdvaRecord with the log's provenance and `props`. */
  tdva(id: string, kind: string, props?: Record<string, JsonValue>): NodeRef;
  /** Makes `address` a party to `record` (PARTY_TO). */
  party(address: string, record: NodeRef): void;
  /** Links a record to the one it follows from (LEADS_TO). */
  leads(from: NodeRef, to: NodeRef): void;
};

/**
 * What each event of one contract becomes in the graph. Keys are the ABI's event names and each
 * handler receives that event's decoded arguments, so a misspelt event or field does not compile.
 * Events without a handler give no writes.
 */
export type EventHandlers<abi extends Abi> = {
  [name in ContractEventName<abi>]?: (args: EventArgs<abi, name>, ctx: EventContext) => void;
};

/** JSON form of decoded event values: bigints as decimal strings, structs as objects. */
export function toJson(value: unknown): JsonValue {
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return value.map(toJson);
  if (value !== null && typeof value === "object") return jsonProps(value);
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
    return value;
  }
  return null;
}

/** Decoded event arguments (or any struct) as graph props. */
export function jsonProps(args: object): Record<string, JsonValue> {
  return Object.fromEntries(Object.entries(args).map(([k, v]) => [k, toJson(v)]));
}

/** Participant ids are lower-case addresses. */
export const who = (address: string): string => address.toLowerCase();
export const participant = (address: string): NodeRef => ({
  label: "Participant",
  id: who(address),
});

/**
 * Runs the handler of `event` (if `handlers` has one) and returns its graph writes. Every write is
 * an upsert keyed by a stable id (the semantic id of the record, or `txHash:logIndex` for events
 * that are records on their own), so applying the same log twice changes nothing.
 */
export function applyHandler<abi extends Abi, eventName extends ContractEventName<abi>>(
  contract: string,
  handlers: EventHandlers<abi>,
  event: DecodedEvent<abi, eventName>,
  meta: LogMeta,
): GraphWrites {
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const handler = handlers[event.eventName];
  if (!handler) return { nodes, edges };
  const provenance = {
    contract,
    event: event.eventName,
    txHash: meta.txHash,
    logIndex: meta.logIndex,
    blockNumber: meta.blockNumber,
  };
  const record =
    (label: "MarketRecord" | "TdvaRecord") =>
    (id: string, kind: string, props: Record<string, JsonValue> = {}): NodeRef => {
      const ref: NodeRef = { label, id };
      nodes.push({ ...ref, kind, at: meta.at, props: { ...provenance, ...props } });
      return ref;
    };
  handler(event.args, {
    ...meta,
    contract,
    eventName: event.eventName,
    logId: `${meta.txHash}:${meta.logIndex}`,
    node: (node) => nodes.push(node),
    market: record("MarketRecord"),
    tdva: record("TdvaRecord"),
    party: (address, to) => {
      const from = participant(address);
      nodes.unshift({ ...from });
      edges.push({ type: "PARTY_TO", from, to });
    },
    leads: (from, to) => {
      nodes.unshift({ ...from });
      edges.push({ type: "LEADS_TO", from, to });
    },
  });
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
