import type { Abi, AbiEvent, AbiItem, Address } from "viem";
import { toEventSelector, toFunctionSelector, formatAbiItem } from "viem/utils";
import { abis } from "@gridledger/protocol";
import { deployedContracts } from "@gridledger/protocol/deployments";

/** A deployed GridLedger contract on one chain, as recorded by the deploy script. */
export type DeployedContract = {
  name: string;
  address: Address;
  abi: Abi;
  deployedOnBlock: bigint;
};

const abiByName = abis as unknown as Record<string, Abi>;
const deployments = deployedContracts as unknown as Record<
  string,
  Record<string, { address: Address; deployedOnBlock: number }>
>;

/** The ABI of a compiled contract or interface by name, or undefined if it is not in the build. */
export function abiOf(name: string): Abi | undefined {
  return abiByName[name];
}

/** Looks a deployed contract up by name and chain (generated bindings only, never pasted). */
export function contractOf(name: string, chainId: number): DeployedContract | undefined {
  const record = deployments[String(chainId)]?.[name];
  const abi = abiByName[name];
  if (!record || !abi) return undefined;
  return { name, address: record.address, abi, deployedOnBlock: BigInt(record.deployedOnBlock) };
}

/** Every GridLedger contract deployed on the chain. */
export function deployedOn(chainId: number): DeployedContract[] {
  return Object.keys(deployments[String(chainId)] ?? {})
    .map((name) => contractOf(name, chainId))
    .filter((c): c is DeployedContract => c !== undefined);
}

function uniqueBy<T extends AbiItem>(items: T[], key: (item: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const item of items) if (!seen.has(key(item))) seen.set(key(item), item);
  return [...seen.values()];
}

const everyItem = Object.values(abiByName).flat() as AbiItem[];

/** Every custom error declared by any GridLedger contract or interface (deduplicated). */
export const allErrors: Abi = uniqueBy(
  everyItem.filter((i) => i.type === "error"),
  (i) => toFunctionSelector(formatAbiItem(i as never)),
);

/** Every event declared by any GridLedger contract or interface (deduplicated by topic0). */
export const allEvents: AbiEvent[] = uniqueBy(
  everyItem.filter((i): i is AbiEvent => i.type === "event"),
  (i) => `${toEventSelector(i)}:${i.inputs.filter((x) => x.indexed).length}`,
);
