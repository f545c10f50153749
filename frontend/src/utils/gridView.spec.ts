import { describe, expect, it } from "vitest";
import { treeLayout, voltageColour } from "./gridView.ts";

describe("voltageColour", () => {
  it("flags out-of-band voltages and is green at 1.0 pu", () => {
    expect(voltageColour(1.07, 0.94, 1.06)).toBe("#c0262d");
    expect(voltageColour(0.93, 0.94, 1.06)).toBe("#1f4fd1");
    expect(voltageColour(1.0, 0.94, 1.06)).toBe("#1f8a4c");
  });
});

describe("treeLayout", () => {
  it("places buses by hops from the slack bus", () => {
    const pos = treeLayout(
      {
        slackBus: "1",
        buses: [{ id: "1" }, { id: "2" }, { id: "3" }, { id: "4" }],
        branches: [
          { from: "1", to: "2" },
          { from: "2", to: "3" },
          { from: "2", to: "4" },
        ],
      },
      100,
      10,
    );
    expect(pos.get("1")).toEqual({ x: 0, y: 0 });
    expect(pos.get("2")).toEqual({ x: 100, y: 0 });
    expect(pos.get("3")).toEqual({ x: 200, y: 0 });
    expect(pos.get("4")).toEqual({ x: 200, y: 10 });
  });
});
