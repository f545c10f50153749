import { describe, expect, it } from "vitest";
import { layoutTrace, type TraceResult } from "./trace.ts";

describe("layoutTrace", () => {
  it("puts upstream nodes in columns to the left by depth, centred per column", () => {
    const result: TraceResult = {
      direction: "upstream",
      depth: 5,
      truncated: false,
      root: { label: "Batch", id: "B1" },
      nodes: [
        { label: "Event", id: "E2", depth: 1 },
        { label: "Event", id: "E1", depth: 1 },
        { label: "Participant", id: "0xabc", depth: 2 },
      ],
      edges: [],
    };
    const placed = layoutTrace(result, 100, 50);
    expect(placed.find((p) => p.key === "Batch:B1")).toMatchObject({ x: 0, y: 0 });
    expect(placed.find((p) => p.key === "Event:E1")).toMatchObject({ x: -100, y: -25 });
    expect(placed.find((p) => p.key === "Event:E2")).toMatchObject({ x: -100, y: 25 });
    expect(placed.find((p) => p.key === "Participant:0xabc")).toMatchObject({ x: -200, y: 0 });
  });
});
