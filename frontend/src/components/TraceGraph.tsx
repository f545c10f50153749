import { Background, Controls, Position, ReactFlow, type Edge, type Node } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { shortHex } from "../utils/format.ts";
import { layoutTrace, nodeKey, type TraceResult, type Verdict } from "../utils/trace.ts";

const COLOURS: Record<string, string> = {
  Product: "#e8f0fd",
  Batch: "#fff1d6",
  Participant: "#eee7fb",
  Location: "#e3f5f1",
  Event: "#f2f4f7",
  Document: "#fdf0e8",
};
const VERDICT_BORDER: Record<Verdict, string> = {
  verified: "#14804a",
  pending: "#b86e00",
  tampered: "#c0262d",
  missing: "#c0262d",
};

/** The upstream/downstream trace as a graph; record nodes are outlined by their integrity verdict. */
export function TraceGraph({
  result,
  verdicts,
  onSelect,
}: {
  result: TraceResult;
  verdicts: Map<string, Verdict>;
  onSelect: (key: string) => void;
}) {
  const nodes: Node[] = layoutTrace(result).map(({ key, node, x, y }) => {
    const verdict = verdicts.get(key);
    return {
      id: key,
      position: { x, y },
      sourcePosition: Position.Right,
      targetPosition: Position.Left,
      data: {
        label: `${node.label}${node.kind ? ` · ${node.kind}` : ""}\n${node.name ?? (node.id.startsWith("0x") ? shortHex(node.id) : node.id)}${verdict ? `\n${verdict === "verified" ? "✓ verified" : verdict === "pending" ? "… pending" : "✗ " + verdict}` : ""}`,
      },
      style: {
        background: COLOURS[node.label] ?? "#fff",
        border: `2px solid ${verdict ? VERDICT_BORDER[verdict] : "#9aa3ae"}`,
        whiteSpace: "pre-line",
        fontSize: 12,
        width: 190,
      },
    };
  });
  const edges: Edge[] = result.edges.map((e, i) => ({
    id: `${i}`,
    source: nodeKey(e.from),
    target: nodeKey(e.to),
    label: e.type.toLowerCase(),
    labelStyle: { fontSize: 10 },
  }));
  return (
    <div className="graph" data-testid="trace-graph">
      <ReactFlow
        nodes={nodes}
        edges={edges}
        fitView
        onNodeClick={(_, n) => onSelect(n.id)}
        nodesDraggable={false}
        proOptions={{ hideAttribution: true }}
      >
        <Background />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}
