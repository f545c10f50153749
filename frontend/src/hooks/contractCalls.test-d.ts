// Type-level tests of the typed contract calls, checked by `npm -w frontend run typecheck` (tsc
// includes src/); nothing here runs. Each @ts-expect-error must meet an error, so a misspelt
// function name or a wrong argument that type-checked would fail the typecheck.
import { expectTypeOf } from "vitest";
import type { Address, Hex } from "viem";
import type { Config } from "wagmi";
import { namedOutputs, type ReadResult } from "./contracts.ts";
import { readContractByName, useContractRead, useContractReads } from "./useContractRead.ts";
import type { SendTx } from "./useTx.ts";

declare const account: Address;
declare const config: Config;
declare const send: SendTx;

export function reads() {
  // Results are inferred from the ABI: a uint256, a struct as an object, several outputs as a tuple.
  expectTypeOf(useContractRead("GridToken", "balanceOf", [account]).data).toEqualTypeOf<
    bigint | undefined
  >();
  expectTypeOf(useContractRead("EnergyMarket", "period", [1n]).data?.start).toEqualTypeOf<
    number | undefined
  >();
  expectTypeOf(useContractRead("EnergyMarket", "balanceOf", [account]).data).toEqualTypeOf<
    readonly [bigint, bigint] | undefined
  >();
  expectTypeOf(
    useContractReads("EnergyMarket", "order", [[1n], [2n]]).results[0]?.owner,
  ).toEqualTypeOf<Address | undefined>();

  // @ts-expect-error misspelt function name
  useContractRead("GridToken", "balanceOff", [account]);
  // @ts-expect-error unknown contract
  useContractRead("GridTokens", "balanceOf", [account]);
  // @ts-expect-error a write is not a read
  useContractRead("EnergyMarket", "withdraw", [1n]);
  // @ts-expect-error wrong argument type (uint256 wants a bigint)
  useContractRead("EnergyMarket", "period", ["1"]);
  // @ts-expect-error missing argument
  useContractRead("EnergyMarket", "position", [1n]);
  // @ts-expect-error wrong argument type in a batch
  useContractReads("EnergyMarket", "order", [["1"]]);
}

export async function oneOffRead() {
  const p = await readContractByName(config, "ParticipantRegistry", "participant", [account]);
  expectTypeOf(p.busId).toEqualTypeOf<number>();
  expectTypeOf(p.detailsHash).toEqualTypeOf<Hex>();
  const core = await readContractByName(config, "ParticipantRegistry", "participantCore", [
    account,
  ]);
  // @ts-expect-error participantCore returns a tuple: no named fields without namedOutputs
  void core.busId;
  expectTypeOf(
    namedOutputs("ParticipantRegistry", "participantCore", core).busId,
  ).toEqualTypeOf<number>();
}

export function outputs(balance: ReadResult<"EnergyMarket", "balanceOf"> | undefined) {
  const named = namedOutputs("EnergyMarket", "balanceOf", balance);
  expectTypeOf(named).toEqualTypeOf<{ available: bigint; locked: bigint } | undefined>();
  // @ts-expect-error no such output
  void named?.free;
}

export async function writes() {
  await send("Cancel", { contract: "EnergyMarket", functionName: "cancelOrder", args: [1n] });
  await send("Faucet", { contract: "GridToken", functionName: "drip", args: [] });
  // @ts-expect-error misspelt function name
  await send("Cancel", { contract: "EnergyMarket", functionName: "cancelOrders", args: [1n] });
  // @ts-expect-error a view is not a write
  await send("Read", { contract: "EnergyMarket", functionName: "periodCount", args: [] });
  // @ts-expect-error wrong argument type (uint8 side wants a number)
  await send("Bid", { contract: "EnergyMarket", functionName: "placeOrder", args: [1n, 0n, 1, 1] });
  await send("Trigger", {
    contract: "DispatchRegistry",
    functionName: "trigger",
    args: [
      {
        reason: 1,
        feederId: 1,
        requestedW: -1n,
        start: 0,
        duration: 1,
        quoteDeadline: 0,
        budget: 1n,
        dataHash: "0x",
        // @ts-expect-error a struct argument with a misspelt field
        dataCids: "",
      },
    ],
  });
}
