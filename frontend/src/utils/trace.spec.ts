import { describe, expect, it } from "vitest";
import { describeVerification, layoutTrace, traceIdProblem, type TraceResult } from "./trace.ts";

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

describe("describeVerification", () => {
  const base = { recordsChecked: 4, problems: [] };
  it("says when every edge is backed by an anchored record", () => {
    const text = describeVerification({
      ...base,
      verdict: "verified",
      counts: { verified: 6, pending: 0, tampered: 0, notFromRecords: 0 },
    });
    expect(text).toBe("all 6 edges are stated by records anchored on-chain (4 records checked)");
  });
  it("counts pending records and chain-index edges", () => {
    const text = describeVerification({
      ...base,
      verdict: "pending",
      counts: { verified: 4, pending: 2, tampered: 0, notFromRecords: 1 },
    });
    expect(text).toMatch(/all 6 edges .* 2 not anchored yet; 1 edges come from the chain index/);
  });
  it("puts unbacked edges first", () => {
    const text = describeVerification({
      ...base,
      verdict: "tampered",
      counts: { verified: 4, pending: 1, tampered: 1, notFromRecords: 0 },
    });
    expect(text).toMatch(/^1 of 6 edges are not stated by any intact record/);
  });
});

describe("traceIdProblem", () => {
  it("names what to enter for a blank id, passes a real one", () => {
    expect(traceIdProblem("   ", "batches")).toBe("Enter an id to trace (one of the batches).");
    expect(traceIdProblem("", "products")).toBe("Enter an id to trace (one of the products).");
    expect(traceIdProblem(" BATCH-001 ", "batches")).toBeUndefined();
    expect(traceIdProblem("x".repeat(129), "products")).toMatch(/128 characters/);
  });
});
