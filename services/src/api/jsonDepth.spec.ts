import { describe, expect, it } from "vitest";
import { JsonTooDeepError, assertJsonDepth } from "./jsonDepth.ts";

const depthOk = (text: string, max: number) => {
  try {
    assertJsonDepth(Buffer.from(text), max);
    return true;
  } catch (error) {
    if (error instanceof JsonTooDeepError) return false;
    throw error;
  }
};

describe("assertJsonDepth", () => {
  it("counts nested objects and arrays up to the limit, and refuses one level more", () => {
    expect(depthOk('{"a":[{"b":[]}]}', 4)).toBe(true);
    expect(depthOk('{"a":[{"b":[[]]}]}', 4)).toBe(false);
    expect(depthOk("[".repeat(5_000) + "]".repeat(5_000), 32)).toBe(false);
    expect(depthOk("[]".repeat(5_000), 1)).toBe(true);
  });

  it("ignores brackets inside strings, including after escaped quotes and backslashes", () => {
    expect(depthOk(JSON.stringify({ s: "[[[[[[{{{{" }), 1)).toBe(true);
    expect(depthOk(JSON.stringify({ s: 'say \\"[[[[' }), 1)).toBe(true);
    expect(depthOk(JSON.stringify({ s: "ends in \\", t: "[[[" }), 1)).toBe(true);
    expect(depthOk(JSON.stringify({ s: "\\", t: [[[]]] }), 3)).toBe(false);
  });

  it("names the limit in its message", () => {
    expect(() => assertJsonDepth(Buffer.from("[[[]]]"), 2)).toThrow(/deeper than 2 levels/);
  });
});
