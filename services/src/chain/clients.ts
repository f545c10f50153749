import {
  createPublicClient,
  createWalletClient,
  defineChain,
  http,
  type Account,
  type Chain,
  type Hex,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { BaseError, UpstreamError } from "@gridledger/domain/errors";
import type { Config } from "../config/config.ts";
import { readDeployment, type Deployment } from "./deployment.ts";

/** Hardhat's well-known account #0 key: public knowledge, valid ONLY on the local devnet. */
export const HARDHAT_ACCOUNT_0_KEY: Hex =
  "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

/** Chain id of the Hardhat devnet: the only chain on which a signing key is ever defaulted. */
export const DEVNET_CHAIN_ID = 31337;

/** The chain connection every datasource shares. */
export type ChainClients = {
  chain: Chain;
  publicClient: PublicClient<Transport, Chain>;
  /** Signs anchoring transactions; undefined when no key is configured off the devnet. */
  walletClient: WalletClient<Transport, Chain, Account> | undefined;
  deployment: Deployment;
};

/** Chain definition for `chainId` at `rpcUrl` (viem's Hardhat chain for 31337). */
export function chainFor(chainId: number, rpcUrl: string): Chain {
  if (chainId === DEVNET_CHAIN_ID) return { ...hardhat, rpcUrls: { default: { http: [rpcUrl] } } };
  return defineChain({
    id: chainId,
    name: `chain-${chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
}

/**
 * The anchoring key from configuration; on chain 31337 only, Hardhat's account #0 when unset.
 * Elsewhere an unset key means "read-only": no anchoring.
 */
export function anchorKeyFor(config: Pick<Config, "ANCHOR_PRIVATE_KEY">, chainId: number) {
  if (config.ANCHOR_PRIVATE_KEY) return config.ANCHOR_PRIVATE_KEY as Hex;
  return chainId === DEVNET_CHAIN_ID ? HARDHAT_ACCOUNT_0_KEY : undefined;
}

/**
 * Connects to RPC_URL, checks that the node's chain id equals the deployment's, and builds the
 * public client plus (when a key is available) the anchoring wallet client.
 *
 * @example const { publicClient, walletClient, deployment } = await createChainClients(config)
 */
export async function createChainClients(
  config: Pick<Config, "RPC_URL" | "DEPLOYMENT_FILE" | "ANCHOR_PRIVATE_KEY">,
): Promise<ChainClients> {
  const deployment = await readDeployment(config.DEPLOYMENT_FILE);
  const chain = chainFor(deployment.chainId, config.RPC_URL);
  const transport = http(config.RPC_URL, { retryCount: 2, timeout: 20_000 });
  const publicClient = createPublicClient({ chain, transport, batch: { multicall: false } });
  let remoteChainId: number;
  try {
    remoteChainId = await publicClient.getChainId();
  } catch (cause) {
    throw new UpstreamError(`chain RPC not reachable at ${config.RPC_URL}`, { cause });
  }
  if (remoteChainId !== deployment.chainId) {
    throw new BaseError(
      `RPC chain id ${remoteChainId} differs from the deployment's chain id ${deployment.chainId}`,
      { details: `RPC_URL=${config.RPC_URL} DEPLOYMENT_FILE=${config.DEPLOYMENT_FILE}` },
    );
  }
  const key = anchorKeyFor(config, deployment.chainId);
  const walletClient = key
    ? createWalletClient({ chain, transport, account: privateKeyToAccount(key) })
    : undefined;
  return { chain, publicClient, walletClient, deployment };
}
