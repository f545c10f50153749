import {
  createPublicClient,
  createWalletClient,
  http,
  type Abi,
  type Account,
  type Address,
  type Chain,
  type ContractFunctionArgs,
  type ContractFunctionName,
  type Hash,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { BaseError } from "../common/errors.ts";
import { chainFor, DEVNET_CHAIN_ID } from "../chain/clients.ts";
import { readDeployment, type Deployment } from "../chain/deployment.ts";
import { startDevnet, type Devnet } from "../../test/helpers/devnet.ts";

/** Hardhat's public devnet mnemonic: its keys are known to everyone and valid on the devnet only. */
export const DEVNET_MNEMONIC = "test test test test test test test test test test test junk";

/** One transaction a demo sent, as the report shows it. */
export type SentTx = { label: string; hash: Hash; block: number; gasUsed: number };

/** A connection to a live Hardhat devnet with GridLedger deployed, and the demo's signers. */
export type DemoChain = {
  rpcUrl: string;
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
