import {
  createPublicClient,
  encodeFunctionData,
  parseEventLogs,
  createWalletClient,
  http,
  type Abi,
  type Account,
  type Address,
  type Chain,
  type ContractFunctionArgs,
  type ContractFunctionName,
  type Hash,
  type Hex,
  type Log,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { BaseError } from "@gridledger/domain/errors";
import { chainFor, DEVNET_CHAIN_ID } from "../chain/clients.ts";
import { readDeployment, type Deployment } from "../chain/deployment.ts";
import { startDevnet, type Devnet } from "../chain/devnet.ts";

/** How many transactions (or receipt reads) a batch has in flight at once. */
const SUBMIT_CHUNK = 100;

/** Hardhat's public devnet mnemonic: its keys are known to everyone and valid on the devnet only. */
export const DEVNET_MNEMONIC = "test test test test test test test test test test test junk";

/** One transaction a demo sent, as the report shows it. */
export type SentTx = { label: string; hash: Hash; block: number; gasUsed: number };

/** One transaction of a batch: who signs, what it calls, and a gas limit (no estimation). */
export type BatchTx = {
  label: string;
  signer: number;
  address: Address;
  abi: Abi;
  functionName: string;
  args: readonly unknown[];
  gas: bigint;
};

/** What came back for one batched transaction. */
export type BatchReceipt = {
  label: string;
  hash: Hash;
  block: number;
  gasUsed: number;
  logs: Log[];
};

/** Decodes a batch's logs with `abi` (all events, or one name). */
export function decodeLogs<const abi extends Abi>(abi: abi, receipts: BatchReceipt[]) {
  return parseEventLogs({ abi, logs: receipts.flatMap((r) => r.logs) });
}

/** A connection to a live Hardhat devnet with GridLedger deployed, and the demo's signers. */
export type DemoChain = {
  rpcUrl: string;
  /** Deployment record of the contracts on this chain. */
  deploymentFile: string;
  chain: Chain;
  publicClient: PublicClient<Transport, Chain>;
  deployment: Deployment;
  /** Set when the demo started its own throwaway devnet (stopped by `close`). */
  ownDevnet: Devnet | undefined;
  /** Wallet of devnet account `index` (HD path m/44'/60'/0'/0/index). */
  wallet(index: number): WalletClient<Transport, Chain, Account>;
  address(index: number): Address;
  /** Simulates, sends and waits for a contract write; throws the decoded revert on failure. */
  write<const abi extends Abi, name extends ContractFunctionName<abi, "nonpayable" | "payable">>(
    label: string,
    signer: number,
    call: {
      address: Address;
      abi: abi;
      functionName: name;
      args: ContractFunctionArgs<abi, "nonpayable" | "payable", name>;
    },
  ): Promise<SentTx>;
  /**
   * Sends many transactions into one or more blocks at once (automine off, then mine until all are
   * included): how a busy market looks, and far faster than one block per transaction. Nonces
   * are taken per signer locally; every transaction must succeed or the batch throws naming it.
   */
  sendBatch(txs: BatchTx[]): Promise<BatchReceipt[]>;
  /** Gives a devnet account ether for gas (hardhat_setBalance). */
  fund(index: number): Promise<void>;
  /** Moves the devnet clock forward and mines a block (devnet only). */
  increaseTime(seconds: number): Promise<void>;
  latestTimestamp(): Promise<number>;
  close(): Promise<void>;
};

async function reachable(rpcUrl: string): Promise<boolean> {
  try {
    const res = await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(2_000),
    });
    return res.ok;
  } catch {
    return false;
  }
}

/**
 * Connects to the devnet at `rpcUrl` (the one `npm start` runs) when it answers and the
 * deployment file exists; otherwise starts a throwaway devnet on `fallbackPort` and deploys to it.
 * Demos sign with the devnet's well-known keys, so any other chain id is refused.
 */
export async function connectDemoChain(options: {
  rpcUrl: string;
  deploymentFile: string;
  fallbackPort: number;
  log: (line: string) => void;
}): Promise<DemoChain> {
  let rpcUrl = options.rpcUrl;
  let deploymentFile = options.deploymentFile;
  let ownDevnet: Devnet | undefined;
  let deployment: Deployment | undefined;
  if (await reachable(rpcUrl)) {
    deployment = await readDeployment(deploymentFile).catch(() => undefined);
  }
  if (!deployment) {
    options.log(
      `no GridLedger devnet at ${rpcUrl}: starting one on 127.0.0.1:${options.fallbackPort}`,
    );
    ownDevnet = await startDevnet(options.fallbackPort);
    rpcUrl = ownDevnet.rpcUrl;
    deploymentFile = ownDevnet.deploymentFile;
    deployment = await readDeployment(deploymentFile);
  }
  if (deployment.chainId !== DEVNET_CHAIN_ID) {
    await ownDevnet?.stop();
    throw new BaseError(
      `demos run on the Hardhat devnet (chain ${DEVNET_CHAIN_ID}) only; the deployment is on chain ${deployment.chainId}`,
    );
  }
  const chain = chainFor(deployment.chainId, rpcUrl);
  const transport = http(rpcUrl, { timeout: 60_000 });
  const publicClient = createPublicClient({ chain, transport });
  const remoteId = await publicClient.getChainId();
  if (remoteId !== deployment.chainId) {
    await ownDevnet?.stop();
    throw new BaseError(
      `RPC at ${rpcUrl} is chain ${remoteId}, the deployment says ${deployment.chainId}`,
    );
  }
  const wallets = new Map<number, WalletClient<Transport, Chain, Account>>();
  const wallet = (index: number) => {
    let w = wallets.get(index);
    if (!w) {
      w = createWalletClient({
        chain,
        transport,
        account: mnemonicToAccount(DEVNET_MNEMONIC, { addressIndex: index }),
      });
      wallets.set(index, w);
    }
    return w;
  };
  const rpc = (method: string, params: unknown[]) =>
    publicClient.request({ method: method as never, params: params as never });
  return {
    rpcUrl,
    deploymentFile,
    chain,
    publicClient,
    deployment,
    ownDevnet,
    wallet,
    address: (index) => wallet(index).account.address,
    async write(label, signer, call) {
      const w = wallet(signer);
      const { request } = await publicClient.simulateContract({
        ...call,
        account: w.account,
      } as never);
      const hash = await w.writeContract(request as never);
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      if (receipt.status !== "success")
        throw new BaseError(`${label}: transaction ${hash} reverted`);
      return { label, hash, block: Number(receipt.blockNumber), gasUsed: Number(receipt.gasUsed) };
    },
    async sendBatch(txs) {
      if (txs.length === 0) return [];
      const nonces = new Map<number, number>();
      const gasPrice = await publicClient.getGasPrice();
      const hashes: Hash[] = [];
      await rpc("evm_setAutomine", [false]);
      try {
        // Sign everything first (local keys, no RPC), then submit in concurrent chunks: with
        // automine off the node queues a later nonce until the earlier one arrives.
        const raws: Hex[] = [];
        for (const tx of txs) {
          const account = wallet(tx.signer).account;
          let nonce = nonces.get(tx.signer);
          if (nonce === undefined)
            nonce = await publicClient.getTransactionCount({
              address: account.address,
              blockTag: "pending",
            });
          nonces.set(tx.signer, nonce + 1);
          const data = encodeFunctionData({
            abi: tx.abi,
            functionName: tx.functionName,
            args: tx.args,
          } as never);
          raws.push(
            await account.signTransaction!({
              chainId: chain.id,
              type: "eip1559",
              to: tx.address,
              data,
              nonce,
              gas: tx.gas,
              maxFeePerGas: gasPrice * 2n,
              maxPriorityFeePerGas: 1n,
            }),
          );
        }
        for (let i = 0; i < raws.length; i += SUBMIT_CHUNK) {
          const chunk = raws.slice(i, i + SUBMIT_CHUNK);
          const sent = await Promise.all(chunk.map((raw) => rpc("eth_sendRawTransaction", [raw])));
          hashes.push(...(sent as Hash[]));
        }
        // Mine until the pool is empty (a block holds at most 30M gas); bounded by the count.
        for (let i = 0; i <= txs.length; i++) {
          await rpc("evm_mine", []);
          const pending = (await rpc("eth_getBlockByNumber", ["pending", false])) as {
            transactions: unknown[];
          };
          if (pending.transactions.length === 0) break;
        }
      } finally {
        await rpc("evm_setAutomine", [true]);
      }
      const receipts = [];
      for (let i = 0; i < hashes.length; i += SUBMIT_CHUNK) {
        const chunk = hashes.slice(i, i + SUBMIT_CHUNK);
        receipts.push(
          ...(await Promise.all(chunk.map((hash) => publicClient.getTransactionReceipt({ hash })))),
        );
      }
      return receipts.map((r, i) => {
        if (r.status !== "success")
          throw new BaseError(`${txs[i]!.label}: transaction ${r.transactionHash} reverted`);
        return {
          label: txs[i]!.label,
          hash: r.transactionHash,
          block: Number(r.blockNumber),
          gasUsed: Number(r.gasUsed),
          logs: r.logs,
        };
      });
    },
    async fund(index) {
      await rpc("hardhat_setBalance", [wallet(index).account.address, "0x3635C9ADC5DEA00000"]); // 1,000 ETH
    },
    async increaseTime(seconds) {
      await rpc("evm_increaseTime", [seconds]);
      await rpc("evm_mine", []);
    },
    async latestTimestamp() {
      const block = await publicClient.getBlock({ blockTag: "latest" });
      return Number(block.timestamp);
    },
    async close() {
      await ownDevnet?.stop();
    },
  };
}
