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
import type { Abi, Address, Hash, TransactionReceipt } from "viem";
import { appChain } from "../config/wagmi.ts";
import { getParsedError, type ParsedError } from "../utils/parseError.ts";

/** A contract call ready to simulate and send. */
export type ContractCall = {
  address: Address;
  abi: Abi;
  functionName: string;
  args?: readonly unknown[];
  value?: bigint;
};

/** Where one transaction is: waiting for the wallet, mined, or failed (with the reason in words). */
export type TxState =
  | { status: "idle" }
  | { status: "signing"; label: string }
  | { status: "mining"; label: string; hash: Hash }
  | { status: "success"; label: string; hash: Hash; blockNumber: bigint }
  | { status: "error"; label: string; error: ParsedError };

/**
 * Sends contract writes the safe way: switch to the app's chain if needed, simulate first (so a
 * revert is explained before anything is signed), then write, wait for the receipt and refresh
 * every query. Failures land in `state.error` as words from getParsedError().
 */
export function useTx(): {
  state: TxState;
  send: (label: string, call: ContractCall) => Promise<TransactionReceipt | undefined>;
  reset: () => void;
} {
  const config = useConfig();
  const queryClient = useQueryClient();
  const [state, setState] = useState<TxState>({ status: "idle" });

  const send = useCallback(
    async (label: string, call: ContractCall) => {
      setState({ status: "signing", label });
      try {
        const account = getAccount(config);
        if (!account.address) throw new Error("Connect a wallet first.");
        if (account.chainId !== appChain.id) {
          await switchChain(config, { chainId: appChain.id });
        }
        const { request } = await simulateContract(config, {
          ...call,
          account: account.address,
          chainId: appChain.id,
        } as never);
        const hash = await writeContract(config, request as never);
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
