import type { TxState } from "../hooks/useTx.ts";
import { shortHex } from "../utils/format.ts";

/** One line telling where the last transaction is, with the reason in words when it failed. */
export function TxStatus({ state }: { state: TxState }) {
  switch (state.status) {
    case "idle":
      return null;
    case "signing":
      return (
        <p className="tx tx-pending" role="status">
          {state.label}: confirm in your wallet…
        </p>
      );
    case "mining":
      return (
        <p className="tx tx-pending" role="status">
          {state.label}: waiting for {shortHex(state.hash)}…
        </p>
      );
    case "success":
      return (
        <p className="tx tx-ok" role="status" data-testid="tx-ok">
          {state.label}: done in block {state.blockNumber.toString()} (
          <a href={`#/explorer/${state.hash}`}>{shortHex(state.hash)}</a>)
        </p>
      );
    case "error":
      return (
        <p className="tx tx-error" role="alert" data-testid="tx-error">
          {state.label} failed: {state.error.message}
        </p>
      );
  }
}
