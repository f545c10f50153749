import {
  useReadContract,
  useReadContracts,
  type Config,
  type UseReadContractReturnType,
} from "wagmi";
import { readContract } from "wagmi/actions";
import type { Abi } from "viem";
import { appChain } from "../config/wagmi.ts";
import {
  contractOf,
  type ContractAbi,
  type ContractName,
  type ReadArgs,
  type ReadFunctionName,
  type ReadResult,
} from "./contracts.ts";

/** When a read runs and how often it is repeated. */
export type ReadOptions = { enabled?: boolean; refetchInterval?: number; staleTime?: number };

// wagmi infers from a const ABI only where the ABI's type is concrete; inside these generic
// helpers it is not, so wagmi is called with the ABI as a plain `Abi` and the result's type is
// put back from the same const ABI the caller's name and arguments were checked against (wagmi
// decodes with that ABI, so the type holds). This is the only place the two meet.

/**
 * Reads view function `functionName` of the contract deployed as `name` on the app's chain;
 * the name, the arguments and the result are typed from the contract's ABI. `args` undefined
 * waits (the query is disabled until the arguments are known).
 * @example const balance = useContractRead("GridToken", "balanceOf", [account]);
 */
export function useContractRead<
  N extends ContractName,
  F extends ReadFunctionName<N>,
  const A extends ReadArgs<N, F>,
>(
  name: N,
  functionName: F,
  args: A | undefined,
  options: ReadOptions = {},
): UseReadContractReturnType<ContractAbi<N>, F, A> {
  const contract = contractOf(name, appChain.id);
  const abi: Abi | undefined = contract?.abi;
  const read = useReadContract({
    address: contract?.address,
    abi,
    functionName,
    args,
    chainId: appChain.id,
    query: {
      enabled: Boolean(contract) && args !== undefined && (options.enabled ?? true),
      refetchInterval: options.refetchInterval,
      staleTime: options.staleTime,
    },
  });
  return read as UseReadContractReturnType<ContractAbi<N>, F, A>;
}

/**
 * Reads one view function of one contract for every argument tuple in `argsList` (one batch);
 * `results[i]` answers `argsList[i]` and is undefined until read or when the call failed.
 * @example const { results } = useContractReads("EnergyMarket", "period", ids.map((id) => [id]));
 */
export function useContractReads<
  N extends ContractName,
  F extends ReadFunctionName<N>,
  const A extends ReadArgs<N, F>,
>(
  name: N,
  functionName: F,
  argsList: readonly A[],
  options: ReadOptions = {},
): { results: (ReadResult<N, F, A> | undefined)[]; isLoading: boolean } {
  const contract = contractOf(name, appChain.id);
  const abi: Abi | undefined = contract?.abi;
  const reads = useReadContracts({
    contracts: argsList.map((args) => ({
      address: contract?.address,
      abi,
      functionName,
      args,
      chainId: appChain.id,
    })),
    query: {
      enabled: Boolean(contract) && argsList.length > 0 && (options.enabled ?? true),
      refetchInterval: options.refetchInterval,
      staleTime: options.staleTime,
    },
  });
  const results = argsList.map(
    (_, i) => reads.data?.[i]?.result as ReadResult<N, F, A> | undefined,
  );
  return { results, isLoading: reads.isLoading };
}

/**
 * One read outside React's render (event handlers, query functions), typed like useContractRead.
 * Throws when the contract is not deployed on the app's chain.
 * @example const p = await readContractByName(config, "ParticipantRegistry", "participant", [a]);
 */
export async function readContractByName<
  N extends ContractName,
  F extends ReadFunctionName<N>,
  const A extends ReadArgs<N, F>,
>(config: Config, name: N, functionName: F, args: A): Promise<ReadResult<N, F, A>> {
  const contract = contractOf(name, appChain.id);
  if (!contract) throw new Error(`${name} is not deployed on ${appChain.name}.`);
  const abi: Abi = contract.abi;
  const result = await readContract(config, {
    address: contract.address,
    abi,
    functionName,
    args,
    chainId: appChain.id,
  });
  return result as ReadResult<N, F, A>;
}
