import { describe, expect, it } from "vitest";
import { intervalMoments, secondsUntilPast } from "./clock.ts";

describe("interval clock", () => {
  it("derives gate, delivery end and settlement from the interval's fields", () => {
    expect(
      intervalMoments({ gateClosure: 900, start: 1_800, duration: 900, meteringWindow: 3_600 }),
    ).toEqual({ gate: 900, delivery: 2_700, settlement: 6_300 });
  });

  it("moves one second past a moment, never backwards", () => {
    expect(secondsUntilPast(100, 900)).toBe(801);
    expect(secondsUntilPast(900, 900)).toBe(1);
    expect(secondsUntilPast(1_000, 900)).toBe(0);
  });
});
