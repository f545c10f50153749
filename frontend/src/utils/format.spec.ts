import { describe, expect, it } from "vitest";
import { formatCountdown, formatToken, parseToken, shortHex } from "./format.ts";

describe("formatToken / parseToken", () => {
  it("formats 6-decimal units with separators and trims trailing zeros", () => {
    expect(formatToken(1_234_500_000n)).toBe("1,234.5");
    expect(formatToken(0n)).toBe("0");
    expect(formatToken(-2_000_001n)).toBe("-2.000001");
    expect(formatToken(undefined)).toBe("–");
  });
  it("round-trips amounts and refuses more than 6 decimals", () => {
    expect(parseToken("12.5")).toBe(12_500_000n);
    expect(formatToken(parseToken("1000000.000001"))).toBe("1,000,000.000001");
    expect(() => parseToken("1.0000001")).toThrow(/at most 6 decimals/);
    expect(() => parseToken("-1")).toThrow();
  });
});

describe("formatCountdown", () => {
  it("counts down in h/m/s and says closed at zero", () => {
    expect(formatCountdown(3_723)).toBe("1h 02m 03s");
    expect(formatCountdown(65)).toBe("1m 05s");
    expect(formatCountdown(7)).toBe("7s");
    expect(formatCountdown(0)).toBe("closed");
  });
});

describe("shortHex", () => {
  it("keeps both ends of long hex", () => {
    expect(shortHex("0x70997970C51812dc3A010C7d01b50e0d17dc79C8")).toBe("0x7099…79C8");
    expect(shortHex("0x1234")).toBe("0x1234");
  });
});
