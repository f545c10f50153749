import { mnemonicToAccount } from "viem/accounts";
import type { HDAccount } from "viem";

/**
 * Hardhat's well-known devnet mnemonic. These keys are public and hold value ONLY on the local
 * devnet (chain 31337); the app offers them nowhere else.
 */
export const DEVNET_MNEMONIC = "test test test test test test test test test test test junk";

/** How many devnet accounts the wallet menu offers (#0 is the operator who deployed). */
export const DEVNET_ACCOUNT_COUNT = 10;

let cache: HDAccount[] | undefined;

/** The first `DEVNET_ACCOUNT_COUNT` devnet accounts, derived once (m/44'/60'/0'/0/i). */
export function devnetAccounts(): HDAccount[] {
  cache ??= Array.from({ length: DEVNET_ACCOUNT_COUNT }, (_, i) =>
    mnemonicToAccount(DEVNET_MNEMONIC, { addressIndex: i }),
  );
  return cache;
}
