import { useState } from "react";
import { parseEventLogs, type Address } from "viem";
import { appChain } from "../config/wagmi.ts";
import { contractOf } from "../hooks/contracts.ts";
import { useContractRead } from "../hooks/useContractRead.ts";
import { useTx } from "../hooks/useTx.ts";
import { TxStatus } from "./TxStatus.tsx";
import { formatToken, TOKEN_SYMBOL } from "../utils/format.ts";
import { getParsedError } from "../utils/parseError.ts";

// Settlement credits balances in one transaction anyone may send, so the card polls rather than
// waiting for this page's own writes (those refresh every query through useTx as well).
const POLL = { refetchInterval: 3_000 };

/**
 * The connected account's pull-payment balance in the DispatchRegistry: what settlement (or a
 * cancellation) credited it, as a provider (payments net of penalties) or as the funder of an
 * event (the unspent budget, penalties included), and the one-click withdraw to the wallet.
 */
export function DispatchBalance({ account }: { account: Address | undefined }) {
  const registry = contractOf("DispatchRegistry", appChain.id);
  const tx = useTx();
  const [done, setDone] = useState<string>();
  const owed = useContractRead(
    "DispatchRegistry",
    "balanceOf",
    account ? [account] : undefined,
    POLL,
  );
  const wallet = useContractRead("GridToken", "balanceOf", account ? [account] : undefined, POLL);
  if (!registry) return null;
  if (!account)
    return (
      <section className="card" data-testid="dispatch-balance">
        <h2>Your dispatch balance</h2>
        <p className="muted">
          Connect a wallet to see what the registry owes it from settled events.
        </p>
      </section>
    );
  const amount = owed.data;
  const nothing = amount === 0n;
  const withdraw = async () => {
    setDone(undefined);
    const receipt = await tx.send("Withdraw", {
      contract: "DispatchRegistry",
      functionName: "withdraw",
      args: [],
    });
    if (!receipt) return;
    const [log] = parseEventLogs({
      abi: registry.abi,
      eventName: "Withdrawn",
      logs: receipt.logs,
    });
    setDone(
      `Withdrew ${formatToken(log?.args.amount ?? amount)} ${TOKEN_SYMBOL} from the dispatch registry to your wallet.`,
    );
  };
  return (
    <section className="card" data-testid="dispatch-balance">
      <h2>Your dispatch balance</h2>
      <div className="figures">
        <div>
          <span>owed to you by the registry</span>
          <strong data-testid="dispatch-owed" data-units={amount?.toString() ?? ""}>
            {amount === undefined ? "–" : `${formatToken(amount)} ${TOKEN_SYMBOL}`}
          </strong>
        </div>
        <div>
          <span>in your wallet</span>
          <strong data-testid="dispatch-wallet" data-units={wallet.data?.toString() ?? ""}>
            {wallet.data === undefined ? "–" : `${formatToken(wallet.data)} ${TOKEN_SYMBOL}`}
          </strong>
        </div>
      </div>
      <p>
        <button
          data-testid="dispatch-withdraw"
          disabled={!amount}
          title={nothing ? "Nothing is owed to this account." : undefined}
          onClick={() => void withdraw()}
        >
          Withdraw{amount ? ` ${formatToken(amount)} ${TOKEN_SYMBOL} to your wallet` : ""}
        </button>
      </p>
      {nothing ? (
        <p className="muted" data-testid="dispatch-nothing-owed">
          Nothing owed to this account: no settled or cancelled event has credited it, or it has
          withdrawn everything already.
        </p>
      ) : null}
      <p className="muted">
        Settlement credits providers their payment net of penalties and the funder of an event (the
        operator, unless another account paid the budget) the unspent budget with the penalties; the
        tokens stay in the registry until each account withdraws them.
      </p>
      {done ? (
        <p className="ok" data-testid="dispatch-withdrawn">
          {done}
        </p>
      ) : null}
      {owed.error ? (
        <p className="tx-error">Could not read the balance: {getParsedError(owed.error).message}</p>
      ) : null}
      <TxStatus state={tx.state} />
    </section>
  );
}
