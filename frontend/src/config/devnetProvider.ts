import {
  createWalletClient,
  http,
  numberToHex,
  hexToBigInt,
  type Chain,
  type Hex,
  type LocalAccount,
  type EIP1193Provider,
} from "viem";

type RpcTx = {
  to?: Hex;
  data?: Hex;
  value?: Hex;
  gas?: Hex;
  nonce?: Hex;
};

type Listener = (...args: unknown[]) => void;

const AUTHORIZED_KEY = "gridledger.devnet.connected";

/**
 * An EIP-1193 provider backed by one local devnet account: it signs transactions, messages and
 * typed data in the page with the account's key and forwards every other call to the chain's
 * JSON-RPC endpoint. It lets the app run on the devnet without a browser extension.
 * @example
 * const provider = createDevnetProvider(devnetAccounts()[1]!, hardhatChain, "http://127.0.0.1:8545");
 * await provider.request({ method: "eth_requestAccounts" }); // ["0x7099…79C8"]
 */
export function createDevnetProvider(
  account: LocalAccount,
  chain: Chain,
  rpcUrl: string,
): EIP1193Provider {
  const wallet = createWalletClient({ account, chain, transport: http(rpcUrl) });
  const listeners = new Map<string, Set<Listener>>();
  // Like a real wallet, the account is exposed only after the user connected it; the choice is
  // remembered so a reload reconnects the same devnet account (and only that one).
  const storage = typeof localStorage === "undefined" ? undefined : localStorage;
  const authorized = () => storage?.getItem(AUTHORIZED_KEY) === account.address;
  const provider = {
    async request({ method, params }: { method: string; params?: unknown }): Promise<unknown> {
      const p = (params ?? []) as unknown[];
      switch (method) {
        case "eth_accounts":
          return authorized() ? [account.address] : [];
        case "eth_requestAccounts":
          storage?.setItem(AUTHORIZED_KEY, account.address);
          return [account.address];
        case "eth_chainId":
          return numberToHex(chain.id);
        case "wallet_switchEthereumChain": {
          const wanted = Number((p[0] as { chainId: Hex }).chainId);
          if (wanted !== chain.id) {
            throw Object.assign(new Error(`The devnet wallet only knows chain ${chain.id}`), {
              code: 4902,
            });
          }
          return null;
        }
        case "wallet_requestPermissions":
          storage?.setItem(AUTHORIZED_KEY, account.address);
          return [{ parentCapability: "eth_accounts" }];
        case "wallet_revokePermissions":
          if (authorized()) storage?.removeItem(AUTHORIZED_KEY);
          return null;
        case "eth_sendTransaction": {
          const tx = p[0] as RpcTx;
          return wallet.sendTransaction({
            account,
            chain,
            to: tx.to ?? null,
            ...(tx.data ? { data: tx.data } : {}),
            ...(tx.value ? { value: hexToBigInt(tx.value) } : {}),
            ...(tx.gas ? { gas: hexToBigInt(tx.gas) } : {}),
          });
        }
        case "personal_sign":
          return account.signMessage({ message: { raw: p[0] as Hex } });
        case "eth_signTypedData_v4": {
          const typed = JSON.parse(p[1] as string) as Parameters<LocalAccount["signTypedData"]>[0];
          return account.signTypedData(typed);
        }
        default: {
          // Anything else (reads, eth_chainId, ...) goes to the node unchanged; the method
          // name is only known at run time, so viem's typed request is widened here.
          const forward = wallet.request as (args: {
            method: string;
            params?: unknown;
          }) => Promise<unknown>;
          return forward({ method, params });
        }
      }
    },
    on(event: string, listener: Listener) {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event)?.add(listener);
      return provider;
    },
    removeListener(event: string, listener: Listener) {
      listeners.get(event)?.delete(listener);
      return provider;
    },
  };
  return provider as unknown as EIP1193Provider;
}
