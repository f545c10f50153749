import { describe, expect, it } from "vitest";
import { contractOf, deployedOn, namedOutputs } from "./contracts.ts";

describe("namedOutputs", () => {
  it("names the outputs of a function that returns several values", () => {
    expect(namedOutputs("EnergyMarket", "balanceOf", [5n, 7n])).toEqual({
      available: 5n,
      locked: 7n,
    });
    expect(namedOutputs("ParticipantRegistry", "participantCore", [1, 2, true, 3, 4])?.busId).toBe(
      4,
    );
  });

  it("passes undefined through (a read not answered yet)", () => {
    expect(namedOutputs("EnergyMarket", "balanceOf", undefined)).toBeUndefined();
  });

  it("refuses a result that does not match the function's outputs", () => {
    expect(() => namedOutputs("EnergyMarket", "balanceOf", [5n])).toThrow(
      "EnergyMarket.balanceOf: no such function",
    );
  });
});

describe("contractOf", () => {
  it("is undefined on a chain without a deployment", () => {
    expect(contractOf("EnergyMarket", 1)).toBeUndefined();
    expect(deployedOn(1)).toEqual([]);
  });

  it("carries the const ABI of every contract deployed on a chain", () => {
    for (const c of deployedOn(31337)) {
      expect(contractOf(c.name, 31337)?.abi).toBe(c.abi);
    }
  });
});
