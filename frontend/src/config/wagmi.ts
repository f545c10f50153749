import { createConfig, http, injected } from "wagmi";
import { defineChain, type Chain } from "viem";
import { hardhat } from "viem/chains";
import type { CreateConnectorFn } from "wagmi";
import { env, DEVNET_CHAIN_ID } from "./env.ts";
import { devnetAccounts } from "./devnetAccounts.ts";
import { createDevnetProvider } from "./devnetProvider.ts";

/** The one chain the app is configured for (the devnet unless VITE_CHAIN_ID says otherwise). */
export const appChain: Chain =
  env.chainId === DEVNET_CHAIN_ID
    ? { ...hardhat, rpcUrls: { default: { http: [env.rpcUrl] } } }
    : defineChain({
        id: env.chainId,
        name: `Chain ${env.chainId}`,
        nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
        rpcUrls: { default: { http: [env.rpcUrl] } },
      });

export const isDevnet = appChain.id === DEVNET_CHAIN_ID;

/** Connector id of devnet account #i (used by the wallet menu and the browser tests). */
export const devnetConnectorId = (index: number): string => `devnet-${index}`;

function devnetConnectors(): CreateConnectorFn[] {
  if (!isDevnet) return [];
  return devnetAccounts().map((account, index) =>
    injected({
      shimDisconnect: true,
      target: () => ({
        id: devnetConnectorId(index),
        name: `Devnet #${index}${index === 0 ? " (operator)" : ""}`,
        provider: createDevnetProvider(account, appChain, env.rpcUrl),
      }),
    }),
  );
}

/**
 * wagmi config: injected wallets (MetaMask and the like, discovered through EIP-6963) on the
 * configured chain, plus, on the devnet only, one built-in connector per well-known devnet account.
 */
export const wagmiConfig = createConfig({
  chains: [appChain],
  connectors: [injected(), ...devnetConnectors()],
  transports: { [appChain.id]: http(env.rpcUrl, { batch: false }) },
  pollingInterval: 1_000,
});

declare module "wagmi" {
  interface Register {
    config: typeof wagmiConfig;
  }
}
