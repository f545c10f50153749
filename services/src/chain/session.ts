import {
  createPublicClient,
  encodeFunctionData,
  parseEventLogs,
  createWalletClient,
  http,
  toHex,
  type Abi,
  type Account,
  type Address,
  type Chain,
  type ContractFunctionArgs,
  type ContractFunctionName,
  type EncodeFunctionDataParameters,
  type Hash,
  type Hex,
  type Log,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { BaseError } from "@gridledger/domain/errors";
import { chainFor, DEVNET_CHAIN_ID } from "./clients.ts";
import { readDeployment, type Deployment } from "./deployment.ts";
import { startDevnet, type Devnet } from "./devnet.ts";

/** How many transactions (or receipt reads) a batch has in flight at once. */
const SUBMIT_CHUNK = 100;

/** Hardhat's public devnet mnemonic: its keys are known to everyone and valid on the devnet only. */
export const DEVNET_MNEMONIC = "test test test test test test test test test test test junk";

/** One transaction a workflow sent, as reports show it. */
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

/**
 * A session on a live chain with GridLedger deployed and the signers of a workflow (the market
 * day, a TDVA event, the demos, the CLI's on-chain auction): the Hardhat devnet, or any EVM
 * JSON-RPC chain (a Geth node, a testnet) whose accounts come from a mnemonic.
 */
export type ChainSession = {
  rpcUrl: string;
  /**
   * True when the node moves its clock on request (Hardhat's evm_increaseTime, detected, not
   * assumed). Elsewhere `increaseTime` waits for real time, so workflows pick short intervals.
   */
  timeTravel: boolean;
  /** Deployment record of the contracts on this chain. */
  deploymentFile: string;
  chain: Chain;
  publicClient: PublicClient<Transport, Chain>;
  deployment: Deployment;
  /** Set when the session started its own throwaway devnet (stopped by `close`). */
  ownDevnet: Devnet | undefined;
  /** Wallet of devnet account `index` (HD path m/44'/60'/0'/0/index). */
  wallet(index: number): WalletClient<Transport, Chain, Account>;
  address(index: number): Address;
  /** Private key of account `index` (the trace demo's anchoring key is #0, the deployer). */
  privateKey(index: number): Hex;
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
  /**
   * Gives account `index` ether for gas: hardhat_setBalance on the devnet, elsewhere an ordinary
   * transfer from account #0 (the deployer) up to FUNDED_WEI.
   */
  fund(index: number): Promise<void>;
  /**
   * Lets `seconds` pass on the chain: the devnet's clock moves forward at once; on any other chain
   * this waits until a block at least that much later than the latest one has been mined.
   */
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

/** Ether an account is topped up to on a chain without hardhat_setBalance (gas for a workflow). */
const FUNDED_WEI = 10n ** 19n; // 10 ETH
/**
 * Batched transactions carry fixed gas limits measured on the Hardhat devnet. Other nodes price
 * state access differently (Geth 1.17's dev chain charges about 1.6× for a registry application),
 * so elsewhere the limit is tripled, within Osaka's 2^24 per-transaction cap: unused gas is not
 * charged, an out-of-gas revert would lose the batch.
 */
const GAS_HEADROOM = 3n;
const TX_GAS_CAP = 2n ** 24n;
const foreignGas = (gas: bigint) =>
  gas * GAS_HEADROOM < TX_GAS_CAP ? gas * GAS_HEADROOM : TX_GAS_CAP;
/** How long `increaseTime` waits beyond the requested seconds before it gives up. */
const CLOCK_SLACK_MS = 60_000;

/**
 * The mnemonic whose accounts a session signs with: Hardhat's public one on the devnet (chain
 * 31337); on any other chain DEMO_MNEMONIC or DEPLOYER_MNEMONIC, never a default.
 */
function sessionMnemonic(chainId: number, env: NodeJS.ProcessEnv): string {
  if (chainId === DEVNET_CHAIN_ID) return DEVNET_MNEMONIC;
  const mnemonic = env.DEMO_MNEMONIC || env.DEPLOYER_MNEMONIC;
  if (!mnemonic) {
    throw new BaseError(
      `chain ${chainId} is not the Hardhat devnet: set DEMO_MNEMONIC (or DEPLOYER_MNEMONIC) to the mnemonic ` +
        "the contracts were deployed with; its account #0 must be funded (it funds the others)",
    );
  }
  return mnemonic;
}

/**
 * Connects to the chain at `rpcUrl` (the one `npm start` runs, or any EVM JSON-RPC chain) when it
 * answers and the deployment file exists; otherwise starts a throwaway Hardhat devnet on
 * `fallbackPort` and deploys to it (without `fallbackPort`: throws, for commands such as
 * governance that only make sense on the deployment they were pointed at).
 */
export async function connectChainSession(options: {
  rpcUrl: string;
  deploymentFile: string;
  fallbackPort?: number;
  log: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}): Promise<ChainSession> {
  let rpcUrl = options.rpcUrl;
  let deploymentFile = options.deploymentFile;
  let ownDevnet: Devnet | undefined;
  let deployment: Deployment | undefined;
  if (await reachable(rpcUrl)) {
    deployment = await readDeployment(deploymentFile).catch(() => undefined);
  }
  if (!deployment && options.fallbackPort === undefined) {
    throw new BaseError(
      `no GridLedger deployment answers at ${rpcUrl} (${deploymentFile}): start it (npm start) or set RPC_URL and DEPLOYMENT_FILE`,
    );
  }
  if (!deployment) {
    options.log(
      `no GridLedger deployment at ${rpcUrl} (${deploymentFile}): starting a devnet on 127.0.0.1:${options.fallbackPort}`,
    );
    ownDevnet = await startDevnet(options.fallbackPort!);
    rpcUrl = ownDevnet.rpcUrl;
    deploymentFile = ownDevnet.deploymentFile;
    deployment = await readDeployment(deploymentFile);
  }
  const chain = chainFor(deployment.chainId, rpcUrl);
  const transport = http(rpcUrl, { timeout: 60_000 });
  const publicClient = createPublicClient({ chain, transport, pollingInterval: 250 });
  const remoteId = await publicClient.getChainId();
  if (remoteId !== deployment.chainId) {
    await ownDevnet?.stop();
    throw new BaseError(
      `RPC at ${rpcUrl} is chain ${remoteId}, the deployment says ${deployment.chainId}`,
    );
  }
  let mnemonic: string;
  try {
    mnemonic = sessionMnemonic(deployment.chainId, options.env ?? process.env);
  } catch (error) {
    await ownDevnet?.stop();
    throw error;
  }
  const wallets = new Map<number, WalletClient<Transport, Chain, Account>>();
  const wallet = (index: number) => {
    let w = wallets.get(index);
    if (!w) {
      w = createWalletClient({
        chain,
        transport,
        account: mnemonicToAccount(mnemonic, { addressIndex: index }),
      });
      wallets.set(index, w);
    }
    return w;
  };
  const rpc = (method: string, params: unknown[]) =>
    publicClient.request({ method: method as never, params: params as never });
  // Hardhat's node answers hardhat_metadata; Geth and others answer -32601 (method not found).
  const timeTravel = await rpc("hardhat_metadata", []).then(
    () => true,
    () => false,
  );
  const latestTimestamp = async () =>
    Number((await publicClient.getBlock({ blockTag: "latest" })).timestamp);
  const receiptsOf = async (hashes: Hash[]) => {
    const receipts = [];
    for (let i = 0; i < hashes.length; i += SUBMIT_CHUNK) {
      const chunk = hashes.slice(i, i + SUBMIT_CHUNK);
      receipts.push(
        ...(await Promise.all(
          chunk.map((hash) =>
            timeTravel
              ? publicClient.getTransactionReceipt({ hash })
              : publicClient.waitForTransactionReceipt({ hash, timeout: 300_000 }),
          ),
        )),
      );
    }
    return receipts;
  };
  return {
    rpcUrl,
    timeTravel,
    deploymentFile,
    chain,
    publicClient,
    deployment,
    ownDevnet,
    wallet,
    address: (index) => wallet(index).account.address,
    privateKey: (index) =>
      toHex(mnemonicToAccount(mnemonic, { addressIndex: index }).getHdKey().privateKey!),
    async write(label, signer, call) {
      const w = wallet(signer);
      // The call is typed at the signature; viem cannot carry a generic ABI through here.
      const { request } = await publicClient.simulateContract({
        address: call.address,
        abi: call.abi as Abi,
        functionName: call.functionName as string,
        args: call.args as readonly unknown[],
        account: w.account,
      });
      const hash = await w.writeContract(request);
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      if (receipt.status !== "success")
        throw new BaseError(`${label}: transaction ${hash} reverted`);
      return { label, hash, block: Number(receipt.blockNumber), gasUsed: Number(receipt.gasUsed) };
    },
    async sendBatch(txs) {
      if (txs.length === 0) return [];
      const nonces = new Map<number, number>();
      // Fees from the node (EIP-1559 estimate from its fee history), with headroom for the
      // base fee to rise while the batch is pending.
      const fees = await publicClient.estimateFeesPerGas();
      const hashes: Hash[] = [];
      // On the devnet the batch goes into as few blocks as possible with automine off; a real
      // chain includes the transactions at its own pace.
      if (timeTravel) await rpc("evm_setAutomine", [false]);
      try {
        // Sign everything first (local keys, no RPC), then submit in concurrent chunks: the node
        // queues a later nonce until the earlier one arrives.
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
          } as EncodeFunctionDataParameters);
          raws.push(
            await account.signTransaction!({
              chainId: chain.id,
              type: "eip1559",
              to: tx.address,
              data,
              nonce,
              gas: timeTravel ? tx.gas : foreignGas(tx.gas),
              maxFeePerGas: fees.maxFeePerGas * 2n,
              maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
            }),
          );
        }
        for (let i = 0; i < raws.length; i += SUBMIT_CHUNK) {
          const chunk = raws.slice(i, i + SUBMIT_CHUNK);
          const sent = await Promise.all(chunk.map((raw) => rpc("eth_sendRawTransaction", [raw])));
          hashes.push(...(sent as Hash[]));
        }
        // Mine until the pool is empty (a block holds at most 30M gas); bounded by the count.
        for (let i = 0; timeTravel && i <= txs.length; i++) {
          await rpc("evm_mine", []);
          const pending = (await rpc("eth_getBlockByNumber", ["pending", false])) as {
            transactions: unknown[];
          };
          if (pending.transactions.length === 0) break;
        }
      } finally {
        if (timeTravel) await rpc("evm_setAutomine", [true]);
      }
      const receipts = await receiptsOf(hashes);
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
      const address = wallet(index).account.address;
      if (timeTravel) {
        await rpc("hardhat_setBalance", [address, "0x3635C9ADC5DEA00000"]); // 1,000 ETH
        return;
      }
      if (index === 0) return; // the funder itself: funded by whoever deployed
      const balance = await publicClient.getBalance({ address });
      if (balance >= FUNDED_WEI / 2n) return;
      const hash = await wallet(0).sendTransaction({ to: address, value: FUNDED_WEI - balance });
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      if (receipt.status !== "success") throw new BaseError(`funding ${address} failed (${hash})`);
    },
    async increaseTime(seconds) {
      if (seconds <= 0) return;
      if (timeTravel) {
        await rpc("evm_increaseTime", [seconds]);
        await rpc("evm_mine", []);
        return;
      }
      const target = (await latestTimestamp()) + seconds;
      const deadline = Date.now() + seconds * 1_000 + CLOCK_SLACK_MS;
      while ((await latestTimestamp()) < target) {
        if (Date.now() > deadline) {
          throw new BaseError(
            `the chain at ${rpcUrl} mined no block at or after ${target} within ${seconds} s + ${CLOCK_SLACK_MS / 1000} s (is it producing blocks?)`,
          );
        }
        await new Promise((r) => setTimeout(r, 500));
      }
    },
    latestTimestamp,
    async close() {
      await ownDevnet?.stop();
    },
  };
}
