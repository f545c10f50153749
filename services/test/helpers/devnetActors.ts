import {
  createPublicClient,
  createWalletClient,
  http,
  keccak256,
  stringToHex,
  type Address,
  type Hex,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { abis } from "@gridledger/protocol";
import type { Devnet } from "../../src/chain/devnet.ts";

/** Drives the devnet contracts as real accounts would (for tests of the services that read them). */
export function devnetActors(devnet: Devnet) {
  const chain = { ...hardhat, rpcUrls: { default: { http: [devnet.rpcUrl] } } };
  const publicClient = createPublicClient({ chain, transport: http(devnet.rpcUrl) });
  const address = (name: string): Address => {
    const entry = devnet.deployment.contracts[name];
    if (!entry) throw new Error(`${name} not deployed`);
    return entry.address as Address;
  };
  const wallet = (key: Hex) =>
    createWalletClient({
      chain,
      transport: http(devnet.rpcUrl),
      account: privateKeyToAccount(key),
    });
  const send = async (
    key: Hex,
    call: Parameters<ReturnType<typeof wallet>["writeContract"]>[0],
  ) => {
    const hash = await wallet(key).writeContract(call);
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`transaction ${hash} reverted`);
    return receipt;
  };
  return {
    publicClient,
    address,
    /** Applies as a participant of `kind` (ParticipantKind index) from `key`. */
    apply: (key: Hex, kind: number) =>
      send(key, {
        address: address("ParticipantRegistry"),
        abi: abis.ParticipantRegistry,
        functionName: "applyAsParticipant",
        args: [kind, kind === 1, 1, 2, keccak256(stringToHex(`details-${key}`)), "bafy-details"],
      } as never),
    /**
     * The operator (#0 key) approves `account` with `role` (e.g. "SUPPLIER_ROLE"), naming the
     * application it reads just before (`applicationHash`).
     */
    approve: async (operatorKey: Hex, account: Address, role: string) => {
      const application = await publicClient.readContract({
        address: address("ParticipantRegistry"),
        abi: abis.ParticipantRegistry,
        functionName: "applicationHash",
        args: [account],
      });
      return send(operatorKey, {
        address: address("ParticipantRegistry"),
        abi: abis.ParticipantRegistry,
        functionName: "approve",
        args: [account, keccak256(stringToHex(role)), application],
      } as never);
    },
    /** Operator mints tokens to `key`'s account, which then deposits them into the market. */
    deposit: async (operatorKey: Hex, key: Hex, amount: bigint) => {
      const who = privateKeyToAccount(key).address;
      await send(operatorKey, {
        address: address("GridToken"),
        abi: abis.GridToken,
        functionName: "mint",
        args: [who, amount],
      } as never);
      await send(key, {
        address: address("GridToken"),
        abi: abis.GridToken,
        functionName: "approve",
        args: [address("EnergyMarket"), amount],
      } as never);
      return send(key, {
        address: address("EnergyMarket"),
        abi: abis.EnergyMarket,
        functionName: "deposit",
        args: [amount],
      } as never);
    },
  };
}
