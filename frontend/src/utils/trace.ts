/** Shapes of the REST API's trace answers (services/src/graph/graphStore.ts, traceService.ts). */
export type TraceNode = {
  label: string;
  id: string;
  kind?: string;
  name?: string;
  at?: number;
  cid?: string;
  depth?: number;
};
export type TraceEdge = {
  type: string;
  from: { label: string; id: string };
  to: { label: string; id: string };
};
/** The API's check of every trace edge against the anchored records that state it. */
export type TraceVerification = {
  verdict: "verified" | "pending" | "tampered";
  counts: { verified: number; pending: number; tampered: number; notFromRecords: number };
  recordsChecked: number;
  problems: { edge: string; reasons: string[] }[];
};
export type TraceResult = {
  direction: string;
  depth: number;
  root: TraceNode;
  nodes: TraceNode[];
  edges: TraceEdge[];
  truncated: boolean;
  verification?: TraceVerification;
};

/** One line for a trace's edge verification, as an auditor would want it said. */
export function describeVerification(v: TraceVerification): string {
  const { verified, pending, tampered, notFromRecords } = v.counts;
  const checked = verified + pending + tampered;
  const parts: string[] = [];
  if (tampered > 0) {
    parts.push(`${tampered} of ${checked} edges are not stated by any intact record`);
  } else if (pending > 0) {
    parts.push(`all ${checked} edges are stated by intact records; ${pending} not anchored yet`);
  } else {
    parts.push(`all ${checked} edges are stated by records anchored on-chain`);
  }
  if (notFromRecords > 0) parts.push(`${notFromRecords} edges come from the chain index`);
  return `${parts.join("; ")} (${v.recordsChecked} records checked)`;
}
export type Verdict = "verified" | "pending" | "tampered" | "missing";
export type VerifiedRecord = {
  verdict: Verdict;
  reasons: string[];
  record: {
    label: string;
    id: string;
    cid: string | null;
    contentHash: string | null;
    anchorId: string | null;
  };
  document: unknown;
};

export { TRACE_COLLECTIONS } from "@gridledger/domain/trace";

/** Graph labels whose nodes are signed records with an integrity verdict (events, documents). */
export const RECORD_COLLECTION: Record<string, "events" | "documents" | undefined> = {
  Event: "events",
  Document: "documents",
};

export const nodeKey = (n: { label: string; id: string }) => `${n.label}:${n.id}`;

/**
 * Lays a trace out in columns by distance from the root (upstream to the left, downstream to the
 * right), rows in id order, so the graph reads like a supply chain.
 */
export function layoutTrace(
  result: TraceResult,
  columnWidth = 230,
  rowHeight = 90,
): { key: string; node: TraceNode; x: number; y: number }[] {
  const sign = result.direction === "upstream" ? -1 : 1;
  const all = [{ ...result.root, depth: 0 }, ...result.nodes];
  const byDepth = new Map<number, TraceNode[]>();
  for (const n of all) {
    const d = n.depth ?? 0;
    byDepth.set(d, [...(byDepth.get(d) ?? []), n]);
  }
  const out: { key: string; node: TraceNode; x: number; y: number }[] = [];
  for (const [depth, nodes] of [...byDepth.entries()].sort((a, b) => a[0] - b[0])) {
    nodes
      .sort((a, b) => nodeKey(a).localeCompare(nodeKey(b)))
      .forEach((node, row) =>
        out.push({
          key: nodeKey(node),
          node,
          x: depth === 0 ? 0 : sign * depth * columnWidth,
          y: (row - (nodes.length - 1) / 2) * rowHeight,
        }),
      );
  }
  return out;
}

/** Why a trace search cannot run (blank or over-long id), or undefined when it can. */
export function traceIdProblem(id: string, collection: string): string | undefined {
  const trimmed = id.trim();
  if (!trimmed) return `Enter an id to trace (one of the ${collection}).`;
  // The API caps ids at 128 characters; say so here rather than send a request bound to fail.
  if (trimmed.length > 128) return "That id is longer than 128 characters; check it.";
  return undefined;
}
