import { describe, expect, it } from "vitest";
import {
  BaseError,
  ContractFunctionExecutionError,
  ContractFunctionRevertedError,
  UserRejectedRequestError,
  encodeErrorResult,
  type Abi,
} from "viem";
import { decodeRevertData, getParsedError, words } from "./parseError.ts";
import { abis } from "@gridledger/protocol";
import { allErrors } from "../hooks/contracts.ts";

const cooldownAbi = [
  {
    type: "error",
    name: "GridTokenFaucetCooldown",
    inputs: [
      { name: "account", type: "address" },
      { name: "availableAt", type: "uint256" },
    ],
  },
] as const satisfies Abi;
const account = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

describe("words", () => {
  it("splits contract identifiers into a sentence", () => {
    expect(words("MarketGateClosed")).toBe("Market gate closed");
    expect(words("GridTokenFaucetCooldown")).toBe("Grid token faucet cooldown");
    expect(words("TDVAStageOutOfOrder")).toBe("Tdva stage out of order");
  });
});

describe("getParsedError", () => {
  const data = encodeErrorResult({
    abi: cooldownAbi,
    errorName: "GridTokenFaucetCooldown",
    args: [account, 1_800_000_000n],
  });

  it("decodes a custom error from viem's revert into words with named arguments", () => {
    const reverted = new ContractFunctionRevertedError({
      abi: cooldownAbi,
      data,
      functionName: "drip",
    });
    const error = new ContractFunctionExecutionError(reverted, {
      abi: cooldownAbi,
      functionName: "drip",
      contractAddress: account,
      args: [],
    });
    const parsed = getParsedError(error);
    expect(parsed.errorName).toBe("GridTokenFaucetCooldown");
    expect(parsed.message).toContain("Grid token faucet cooldown");
    expect(parsed.message).toContain(account);
    expect(parsed.args?.availableAt).toBe("2027-01-15T08:00:00Z");
  });

  it("decodes raw revert data buried in a cause chain against every GridLedger ABI", () => {
    expect(allErrors.some((e) => e.type === "error" && e.name === "GridTokenFaucetCooldown")).toBe(
      true,
    );
    const wrapped = new BaseError("call failed", {
      cause: Object.assign(new Error("rpc"), { data }),
    });
    expect(getParsedError(wrapped).errorName).toBe("GridTokenFaucetCooldown");
    expect(decodeRevertData("0xdeadbeef")).toBeUndefined();
  });

  it("explains a dispatch withdraw with nothing owed from the registry's ABI", () => {
    const nothing = encodeErrorResult({
      abi: abis.DispatchRegistry,
      errorName: "TdvaNothingToWithdraw",
      args: [account],
    });
    const wrapped = new BaseError("call failed", {
      cause: Object.assign(new Error("rpc"), { data: nothing }),
    });
    const parsed = getParsedError(wrapped);
    expect(parsed.errorName).toBe("TdvaNothingToWithdraw");
    expect(parsed.message).toContain("Tdva nothing to withdraw");
    expect(parsed.message).toContain(account);
  });

  it("names a rejected signature and passes plain errors through", () => {
    const rejected = new BaseError("wallet", {
      cause: new UserRejectedRequestError(new Error("User denied")),
    });
    expect(getParsedError(rejected).message).toMatch(/rejected the request/);
    expect(getParsedError({ code: 4001 }).message).toMatch(/rejected/);
    expect(getParsedError(new Error("boom")).message).toBe("boom");
  });
});
