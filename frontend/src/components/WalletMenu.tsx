import { useAccount, useConnect, useDisconnect, useSwitchChain } from "wagmi";
import { appChain } from "../config/wagmi.ts";
import { shortHex } from "../utils/format.ts";
import { getParsedError } from "../utils/parseError.ts";

/** Connect / switch / disconnect: injected wallets everywhere, built-in accounts on the devnet. */
export function WalletMenu() {
  const { address, chainId, connector, isConnected } = useAccount();
  const { connectors, connect, error, isPending } = useConnect();
  const { disconnect } = useDisconnect();
  const { switchChain } = useSwitchChain();

  if (isConnected && address) {
    const wrongChain = chainId !== appChain.id;
    return (
      <div className="wallet">
        {wrongChain ? (
          <button className="warn" onClick={() => switchChain({ chainId: appChain.id })}>
            Wrong network ({chainId}): switch to {appChain.name}
          </button>
        ) : null}
        <span className="wallet-address" title={address} data-testid="wallet-address">
          {connector?.name ?? "wallet"} · {shortHex(address)}
        </span>
        <button className="secondary" onClick={() => disconnect()}>
          Disconnect
        </button>
      </div>
    );
  }

  const injectedWallets = connectors.filter((c) => !c.id.startsWith("devnet-"));
  const devnet = connectors.filter((c) => c.id.startsWith("devnet-"));
  return (
    <div className="wallet">
      {injectedWallets.map((c) => (
        <button
          key={c.uid}
          disabled={isPending}
          onClick={() => connect({ connector: c, chainId: appChain.id })}
        >
          {c.name === "Injected" ? "Browser wallet" : c.name}
        </button>
      ))}
      {devnet.length > 0 ? (
        <details className="devnet-menu" data-testid="devnet-menu">
          <summary>Devnet accounts</summary>
          <div className="devnet-list">
            {devnet.map((c) => (
              <button
                key={c.uid}
                className="secondary"
                data-testid={c.id}
                disabled={isPending}
                onClick={() => connect({ connector: c, chainId: appChain.id })}
              >
                {c.name}
              </button>
            ))}
          </div>
        </details>
      ) : null}
      {error ? <span className="tx-error">{getParsedError(error).message}</span> : null}
    </div>
  );
}
