import { useCallback, useState } from "react";
import { useConfig } from "wagmi";
import {
  getAccount,
  simulateContract,
  switchChain,
  waitForTransactionReceipt,
  writeContract,
} from "wagmi/actions";
import { useQueryClient } from "@tanstack/react-query";
import type { Abi, Hash, TransactionReceipt } from "viem";
import { appChain } from "../config/wagmi.ts";
import { getParsedError, type ParsedError } from "../utils/parseError.ts";
import {
  contractOf,
  type ContractName,
  type WriteArgs,
  type WriteFunctionName,
} from "./contracts.ts";

/** A contract call ready to simulate and send: contract and function by name, typed arguments. */
export type ContractCall<
  N extends ContractName,
  F extends WriteFunctionName<N>,
  A extends WriteArgs<N, F>,
> = { contract: N; functionName: F; args: A };

/** Where one transaction is: waiting for the wallet, mined, or failed (with the reason in words). */
export type TxState =
  | { status: "idle" }
  | { status: "signing"; label: string }
  | { status: "mining"; label: string; hash: Hash }
  | { status: "success"; label: string; hash: Hash; blockNumber: bigint }
  | { status: "error"; label: string; error: ParsedError };

/** Sends one typed contract call; resolves to the receipt, or undefined when it failed. */
export type SendTx = <
  N extends ContractName,
  F extends WriteFunctionName<N>,
  const A extends WriteArgs<N, F>,
>(
  label: string,
  call: ContractCall<N, F, A>,
) => Promise<TransactionReceipt | undefined>;

/**
 * Sends contract writes the safe way: switch to the app's chain if needed, simulate first (so a
 * revert is explained before anything is signed), then write, wait for the receipt and refresh
 * every query. Failures land in `state.error` as words from getParsedError().
 * @example tx.send("Cancel", { contract: "EnergyMarket", functionName: "cancelOrder", args: [id] })
 */
export function useTx(): { state: TxState; send: SendTx; reset: () => void } {
  const config = useConfig();
  const queryClient = useQueryClient();
  const [state, setState] = useState<TxState>({ status: "idle" });

  const send = useCallback<SendTx>(
    async (label, call) => {
      setState({ status: "signing", label });
      try {
        const account = getAccount(config);
        if (!account.address) throw new Error("Connect a wallet first.");
        const contract = contractOf(call.contract, appChain.id);
        if (!contract) throw new Error(`${call.contract} is not deployed on ${appChain.name}.`);
        if (account.chainId !== appChain.id) {
          await switchChain(config, { chainId: appChain.id });
        }
        // The call was checked against the const ABI by SendTx's signature; wagmi takes it as a
        // plain Abi here because its own inference stops at generic parameters.
        const abi: Abi = contract.abi;
        const { request } = await simulateContract(config, {
          address: contract.address,
          abi,
          functionName: call.functionName,
          args: call.args,
          account: account.address,
          chainId: appChain.id,
        });
        const hash = await writeContract(config, request);
        setState({ status: "mining", label, hash });
        const receipt = await waitForTransactionReceipt(config, { hash, chainId: appChain.id });
        if (receipt.status !== "success") throw new Error(`${label}: the transaction reverted.`);
        setState({ status: "success", label, hash, blockNumber: receipt.blockNumber });
        await queryClient.invalidateQueries();
        return receipt;
      } catch (error) {
        setState({ status: "error", label, error: getParsedError(error) });
        return undefined;
      }
    },
    [config, queryClient],
  );

  return { state, send, reset: useCallback(() => setState({ status: "idle" }), []) };
}
