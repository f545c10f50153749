import { Background, Controls, Position, ReactFlow, type Edge, type Node } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { treeLayout, voltageColour } from "../utils/gridView.ts";

type Props = {
  network: {
    slackBus: string;
    buses: { id: string; loadKW: number; genKW: number }[];
    branches: { id: string; from: string; to: string; inService: boolean }[];
    limits: { vMinPu: number; vMaxPu: number };
  };
  voltages: Map<string, number>;
};

/** The feeder as a graph: buses coloured by voltage (blue low, green nominal, red over the limit). */
export function FeederGraph({ network, voltages }: Props) {
  const pos = treeLayout(network);
  const small = network.buses.length <= 12;
  const nodes: Node[] = network.buses.map((b) => {
    const v = voltages.get(b.id);
    const colour =
      v === undefined ? "#9aa3ae" : voltageColour(v, network.limits.vMinPu, network.limits.vMaxPu);
    return {
      id: b.id,
      position: pos.get(b.id) ?? { x: 0, y: 0 },
      sourcePosition: Position.Right,
      targetPosition: Position.Left,
      data: {
        label: small
          ? `bus ${b.id}${b.id === network.slackBus ? " (grid)" : ""}\n${v?.toFixed(4) ?? "?"} pu${b.genKW ? `\ngen ${b.genKW} kW` : ""}`
          : b.id,
      },
      style: {
        background: colour,
        color: "#fff",
        border: "1px solid #0003",
        whiteSpace: "pre-line",
        fontSize: small ? 12 : 9,
        width: small ? 110 : 44,
        padding: small ? 6 : 2,
      },
    };
  });
  const edges: Edge[] = network.branches
    .filter((b) => b.inService)
    .map((b) => ({ id: b.id, source: b.from, target: b.to }));
  return (
    <div className="graph" data-testid="feeder-graph">
      <ReactFlow
        nodes={nodes}
        edges={edges}
        fitView
        nodesDraggable={false}
        proOptions={{ hideAttribution: true }}
      >
        <Background />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}
