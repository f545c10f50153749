/**
 * The web app's build-time settings (Vite `VITE_*` variables), read once here and nowhere else.
 *   VITE_CHAIN_ID  chain the app works on (31337 = local Hardhat devnet, the default)
 *   VITE_RPC_URL   JSON-RPC endpoint; default `/rpc` on the app's own origin (proxied by Vite)
 *   VITE_API_URL   REST API base; default `/api` on the app's own origin (proxied by Vite)
 */
export type AppEnv = { chainId: number; rpcUrl: string; apiUrl: string };

function absolute(url: string): string {
  if (/^https?:\/\//.test(url)) return url;
  const origin = typeof window === "undefined" ? "http://127.0.0.1" : window.location.origin;
  return new URL(url, origin).href.replace(/\/$/, "");
}

/** Parses the raw variables; throws a readable error on a malformed chain id. */
export function parseEnv(raw: Record<string, string | undefined>): AppEnv {
  const chainId = Number(raw.VITE_CHAIN_ID ?? "31337");
  if (!Number.isSafeInteger(chainId) || chainId <= 0) {
    throw new Error(`VITE_CHAIN_ID: expected a positive integer, got "${raw.VITE_CHAIN_ID}"`);
  }
  return {
    chainId,
    rpcUrl: absolute(raw.VITE_RPC_URL ?? "/rpc"),
    apiUrl: absolute(raw.VITE_API_URL ?? "/api"),
  };
}

export const env: AppEnv = parseEnv(import.meta.env as Record<string, string | undefined>);

/** The local Hardhat devnet's chain id: only there does the app offer built-in accounts. */
export const DEVNET_CHAIN_ID = 31337;
