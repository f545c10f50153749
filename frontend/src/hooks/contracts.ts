import type {
  Abi,
  AbiEvent,
  AbiParameterToPrimitiveType,
  Address,
  ContractFunctionArgs,
  ContractFunctionName,
  ContractFunctionReturnType,
} from "viem";
import { toEventSelector, toFunctionSelector, formatAbiItem } from "viem/utils";
import { abis, type ContractName } from "@gridledger/protocol";
import { deployedContracts } from "@gridledger/protocol/deployments";

export type { ContractName };

/** The const ABI of a compiled contract: what viem and wagmi infer names, arguments and results from. */
export type ContractAbi<N extends ContractName> = (typeof abis)[N];

/** A deployed GridLedger contract on one chain, as recorded by the deploy script. */
export type DeployedContract<N extends ContractName> = {
  name: N;
  address: Address;
  abi: ContractAbi<N>;
  deployedOnBlock: bigint;
};

/** A deployed contract whose ABI is only known at run time (the explorer and role discovery walk it). */
export type AnyDeployedContract = {
  name: ContractName;
  address: Address;
  abi: Abi;
  deployedOnBlock: bigint;
};

type AbiError = Extract<Abi[number], { type: "error" }>;
type ReadMutability = "pure" | "view";
type WriteMutability = "nonpayable" | "payable";

/** Names of the view and pure functions of contract N. */
export type ReadFunctionName<N extends ContractName> = ContractFunctionName<
  ContractAbi<N>,
  ReadMutability
>;
/**
 * Arguments of read function F of contract N, as a tuple typed from the ABI. (Every argument
 * list is an array; saying so lets generic code hand it to wagmi, which takes any list.)
 */
export type ReadArgs<N extends ContractName, F extends ReadFunctionName<N>> = ContractFunctionArgs<
  ContractAbi<N>,
  ReadMutability,
  F
> &
  readonly unknown[];
/** What read function F of contract N returns, decoded (a struct is an object, several outputs a tuple). */
export type ReadResult<
  N extends ContractName,
  F extends ReadFunctionName<N>,
  A extends ReadArgs<N, F> = ReadArgs<N, F>,
> = ContractFunctionReturnType<ContractAbi<N>, ReadMutability, F, A>;
/** Names of the state-changing functions of contract N. */
export type WriteFunctionName<N extends ContractName> = ContractFunctionName<
  ContractAbi<N>,
  WriteMutability
>;
/** Arguments of write function F of contract N, as a tuple typed from the ABI (see ReadArgs). */
export type WriteArgs<
  N extends ContractName,
  F extends WriteFunctionName<N>,
> = ContractFunctionArgs<ContractAbi<N>, WriteMutability, F> & readonly unknown[];

type Deployment = { readonly address: Address; readonly deployedOnBlock: number };
// The generated object names the chains of the last build; a lookup by a run-time chain id widens it.
const deployments: Readonly<
  Partial<Record<string, Readonly<Partial<Record<ContractName, Deployment>>>>>
> = deployedContracts;

const isContractName = (name: string): name is ContractName => Object.hasOwn(abis, name);

/** Looks a deployed contract up by name and chain (generated bindings only, never pasted). */
export function contractOf<N extends ContractName>(
  name: N,
  chainId: number,
): DeployedContract<N> | undefined {
  const record = deployments[String(chainId)]?.[name];
  if (!record) return undefined;
  return {
    name,
    address: record.address,
    abi: abis[name],
    deployedOnBlock: BigInt(record.deployedOnBlock),
  };
}

/** Every GridLedger contract deployed on the chain. */
export function deployedOn(chainId: number): AnyDeployedContract[] {
  return Object.keys(deployments[String(chainId)] ?? {})
    .filter(isContractName)
    .flatMap((name) => contractOf(name, chainId) ?? []);
}

type FunctionOutputs<N extends ContractName, F extends string> = Extract<
  ContractAbi<N>[number],
  { type: "function"; name: F }
>["outputs"];

/** The outputs of function F of contract N as an object keyed by the ABI's output names. */
export type NamedOutputs<N extends ContractName, F extends ReadFunctionName<N>> = {
  [P in FunctionOutputs<N, F>[number] as P["name"]]: AbiParameterToPrimitiveType<P>;
};

/**
 * Names the outputs of a function that returns several values (viem decodes them as a tuple),
 * so callers read `balance.locked` rather than `balance[1]`.
 * @example namedOutputs("EnergyMarket", "balanceOf", data)?.available
 */
export function namedOutputs<N extends ContractName, F extends ReadFunctionName<N>>(
  name: N,
  functionName: F,
  result: readonly unknown[],
): NamedOutputs<N, F>;
export function namedOutputs<N extends ContractName, F extends ReadFunctionName<N>>(
  name: N,
  functionName: F,
  result: readonly unknown[] | undefined,
): NamedOutputs<N, F> | undefined;
export function namedOutputs<N extends ContractName, F extends ReadFunctionName<N>>(
  name: N,
  functionName: F,
  result: readonly unknown[] | undefined,
): NamedOutputs<N, F> | undefined {
  if (result === undefined) return undefined;
  const abi: Abi = abis[name];
  const fn = abi.find(
    (i) => i.type === "function" && i.name === functionName && i.outputs.length === result.length,
  );
  if (fn?.type !== "function") throw new Error(`${name}.${functionName}: no such function`);
  return Object.fromEntries(fn.outputs.map((o, i) => [o.name, result[i]])) as NamedOutputs<N, F>;
}

function uniqueBy<T>(items: T[], key: (item: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const item of items) if (!seen.has(key(item))) seen.set(key(item), item);
  return [...seen.values()];
}

const everyItem = Object.values<Abi>(abis).flat();

/** Every custom error declared by any GridLedger contract or interface (deduplicated). */
export const allErrors: AbiError[] = uniqueBy(
  everyItem.filter((i): i is AbiError => i.type === "error"),
  (i) => toFunctionSelector(formatAbiItem(i)),
);

/** Every event declared by any GridLedger contract or interface (deduplicated by topic0). */
export const allEvents: AbiEvent[] = uniqueBy(
  everyItem.filter((i): i is AbiEvent => i.type === "event"),
  (i) => `${toEventSelector(i)}:${i.inputs.filter((x) => x.indexed).length}`,
);
