import {
  BaseError as ViemBaseError,
  ContractFunctionRevertedError,
  decodeEventLog,
  getContract,
  stringToHex,
  type Address,
  type Hex,
} from "viem";
import { abis, constants } from "@gridledger/protocol";
import { UnavailableError, UpstreamError } from "@gridledger/domain/errors";
import type { ChainClients } from "./clients.ts";
import { contractAddress } from "./deployment.ts";

/** What one `anchor` transaction produced. */
export type AnchorReceipt = {
  anchorId: bigint;
  txHash: Hex;
  blockNumber: bigint;
  gasUsed: bigint;
};

/** One anchored batch as the contract stores it. */
export type OnChainAnchor = {
  root: Hex;
  submitter: Address;
  timestamp: number;
  blockNumber: number;
  recordCount: bigint;
  kind: Hex;
  cid: string;
};

/** `bytes32` batch kind from a short ASCII label (right-padded, as Solidity's bytes32("...")). */
export function kindToBytes32(kind: string): Hex {
  return stringToHex(kind, { size: 32 });
}

/**
 * Datasource for the DataAnchor contract: anchor Merkle roots (with the anchoring wallet) and
 * check proofs against the on-chain roots with view calls. RPC failures become UpstreamError.
 *
 * @example
 *   const anchor = new DataAnchorClient(clients)
 *   const { anchorId } = await anchor.anchorRoot(root, cid, 10_000n, "gridledger.trace")
 *   const ok = await anchor.verify(anchorId, leaf, proof)
 */
export class DataAnchorClient {
  readonly address: Address;
  readonly #clients: ChainClients;

  constructor(clients: ChainClients) {
    this.#clients = clients;
    this.address = contractAddress(clients.deployment, "DataAnchor");
  }

  #read() {
    return getContract({
      address: this.address,
      abi: abis.DataAnchor,
      client: this.#clients.publicClient,
    });
  }

  /** The id under which `root` was anchored, or 0n if never. */
  async anchorIdOf(root: Hex): Promise<bigint> {
    return this.#call("anchorIdOf", () => this.#read().read.anchorIdOf([root]));
  }

  /** The anchored batch, or undefined when no anchor has this id. */
  async getAnchor(anchorId: bigint): Promise<OnChainAnchor | undefined> {
    try {
      const a = await this.#read().read.getAnchor([anchorId]);
      return { ...a, timestamp: Number(a.timestamp), blockNumber: Number(a.blockNumber) };
    } catch (error) {
      if (revertName(error) === "DataAnchorUnknownAnchor") return undefined;
      throw wrap("getAnchor", error);
    }
  }

  /**
   * Whether `proof` leads from `leaf` to the root anchored under `anchorId`, asked of the contract
   * (a view call, so the answer is the chain's, not ours). An unknown anchor id is `false`.
   */
  async verify(anchorId: bigint, leaf: Hex, proof: readonly Hex[]): Promise<boolean> {
    try {
      return await this.#read().read.verify([anchorId, leaf, proof]);
    } catch (error) {
      if (revertName(error) === "DataAnchorUnknownAnchor") return false;
      throw wrap("verify", error);
    }
  }

  /**
   * Whether this process can anchor: a key is configured, it holds ANCHORER_ROLE on the
   * DataAnchor contract and it has ether for gas. Throws (for /v1/health) naming what is missing.
   */
  async anchoringStatus(): Promise<{ account: Address; balanceWei: string }> {
    const wallet = this.#clients.walletClient;
    if (!wallet)
      throw new UnavailableError("anchoring is disabled: no ANCHOR_PRIVATE_KEY configured");
    const account = wallet.account.address;
    const [holdsRole, balance] = await Promise.all([
      this.#read().read.hasRole([constants.DataAnchor.ANCHORER_ROLE, account]),
      this.#clients.publicClient.getBalance({ address: account }),
    ]);
    if (!holdsRole) throw new UnavailableError(`anchoring key ${account} lacks ANCHORER_ROLE`);
    if (balance === 0n) throw new UnavailableError(`anchoring key ${account} has no ether for gas`);
    return { account, balanceWei: balance.toString() };
  }

  /** Anchors a root with the configured anchoring key; waits for the receipt. */
  async anchorRoot(
    root: Hex,
    cid: string,
    recordCount: bigint,
    kind: string,
  ): Promise<AnchorReceipt> {
    const wallet = this.#clients.walletClient;
    if (!wallet) {
      throw new UnavailableError("anchoring is disabled: no ANCHOR_PRIVATE_KEY configured");
    }
    const { publicClient } = this.#clients;
    try {
      const { request } = await publicClient.simulateContract({
        address: this.address,
        abi: abis.DataAnchor,
        functionName: "anchor",
        args: [root, cid, recordCount, kindToBytes32(kind)],
        account: wallet.account,
      });
      const txHash = await wallet.writeContract(request);
      const receipt = await publicClient.waitForTransactionReceipt({
        hash: txHash,
        timeout: 120_000,
      });
      if (receipt.status !== "success") throw new Error(`anchor transaction ${txHash} reverted`);
      for (const log of receipt.logs) {
        if (log.address.toLowerCase() !== this.address.toLowerCase()) continue;
        const event = decodeEventLog({ abi: abis.DataAnchor, data: log.data, topics: log.topics });
        if (event.eventName === "DataAnchored") {
          return {
            anchorId: event.args.anchorId,
            txHash,
            blockNumber: receipt.blockNumber,
            gasUsed: receipt.gasUsed,
          };
        }
      }
      throw new Error(`anchor transaction ${txHash} emitted no DataAnchored event`);
    } catch (error) {
      throw wrap("anchor", error);
    }
  }

  async #call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw wrap(what, error);
    }
  }
}

/** The custom error name of a reverted contract call, if that is what `error` is. */
export function revertName(error: unknown): string | undefined {
  if (!(error instanceof ViemBaseError)) return undefined;
  const revert = error.walk((e) => e instanceof ContractFunctionRevertedError);
  return revert instanceof ContractFunctionRevertedError ? revert.data?.errorName : undefined;
}

function wrap(what: string, error: unknown): UpstreamError {
  const name = revertName(error);
  const short = error instanceof ViemBaseError ? error.shortMessage : String(error);
  return new UpstreamError(`DataAnchor.${what} failed${name ? `: ${name}` : ""}`, {
    details: short,
    cause: error,
  });
}
