import { useState } from "react";
import { useConfig } from "wagmi";
import { signTypedData } from "wagmi/actions";
import { parseSignature, type Address } from "viem";
import { appChain } from "../config/wagmi.ts";
import { contractOf, namedOutputs } from "../hooks/contracts.ts";
import { readContractByName, useContractRead } from "../hooks/useContractRead.ts";
import { useTx } from "../hooks/useTx.ts";
import { TxStatus } from "./TxStatus.tsx";
import { formatToken, parseToken, TOKEN_SYMBOL } from "../utils/format.ts";
import { milliToUnits } from "../utils/market.ts";
import { getParsedError } from "../utils/parseError.ts";

const PERMIT_TYPES = {
  Permit: [
    { name: "owner", type: "address" },
    { name: "spender", type: "address" },
    { name: "value", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

/** Market escrow: free and locked balance, deposit (EIP-2612 permit where the wallet signs it) and withdraw. */
export function MarketFunds({ account }: { account: Address }) {
  const config = useConfig();
  const market = contractOf("EnergyMarket", appChain.id);
  const token = contractOf("GridToken", appChain.id);
  const tx = useTx();
  const [amount, setAmount] = useState("100");
  const [note, setNote] = useState<string>();
  const balance = useContractRead("EnergyMarket", "balanceOf", [account], {
    refetchInterval: 4_000,
  });
  if (!market || !token) {
    return (
      <section className="card">
        <h2>Market balance</h2>
        <p className="muted">The energy market is not deployed on this chain yet.</p>
      </section>
    );
  }
  const { available, locked } = namedOutputs("EnergyMarket", "balanceOf", balance.data) ?? {};

  const deposit = async () => {
    setNote(undefined);
    let value: bigint;
    try {
      value = parseToken(amount);
    } catch (e) {
      setNote((e as Error).message);
      return;
    }
    // Permit first: one signature and one transaction instead of approve + deposit.
    try {
      const { name, version, chainId, verifyingContract } = namedOutputs(
        "GridToken",
        "eip712Domain",
        await readContractByName(config, "GridToken", "eip712Domain", []),
      );
      const nonce = await readContractByName(config, "GridToken", "nonces", [account]);
      const deadline = BigInt(Math.floor(Date.now() / 1000) + 3_600);
      const signature = await signTypedData(config, {
        account,
        domain: { name, version, chainId: Number(chainId), verifyingContract },
        types: PERMIT_TYPES,
        primaryType: "Permit",
        message: { owner: account, spender: market.address, value, nonce, deadline },
      });
      const { r, s, v, yParity } = parseSignature(signature);
      await tx.send("Deposit with permit", {
        contract: "EnergyMarket",
        functionName: "depositWithPermit",
        args: [value, deadline, Number(v ?? BigInt(27 + (yParity ?? 0))), r, s],
      });
      return;
    } catch (error) {
      const parsed = getParsedError(error);
      if (/rejected/.test(parsed.message)) {
        setNote(parsed.message);
        return;
      }
      setNote(`Permit unavailable (${parsed.message}); using approve + deposit.`);
    }
    const approved = await tx.send("Approve", {
      contract: "GridToken",
      functionName: "approve",
      args: [market.address, value],
    });
    if (approved)
      await tx.send("Deposit", {
        contract: "EnergyMarket",
        functionName: "deposit",
        args: [value],
      });
  };

  const withdraw = () => {
    try {
      void tx.send("Withdraw", {
        contract: "EnergyMarket",
        functionName: "withdraw",
        args: [parseToken(amount)],
      });
    } catch (e) {
      setNote((e as Error).message);
    }
  };

  return (
    <section className="card">
      <h2>Market balance</h2>
      <div className="figures">
        <div>
          <span>available</span>
          <strong data-testid="market-available">
            {available === undefined ? "–" : formatToken(milliToUnits(available))}
          </strong>
        </div>
        <div>
          <span>locked by orders and matches</span>
          <strong data-testid="market-locked">
            {locked === undefined ? "–" : formatToken(milliToUnits(locked))}
          </strong>
        </div>
        <div>
          <span>unit</span>
          <strong>{TOKEN_SYMBOL}</strong>
        </div>
      </div>
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          void deposit();
        }}
      >
        <label>
          Amount ({TOKEN_SYMBOL})
          <input
            data-testid="funds-amount"
            inputMode="decimal"
            value={amount}
            onChange={(e) => setAmount(e.target.value)}
          />
        </label>
        <button type="submit">Deposit</button>
        <button type="button" className="secondary" onClick={withdraw}>
          Withdraw
        </button>
      </form>
      {note ? <p className="muted">{note}</p> : null}
      <TxStatus state={tx.state} />
    </section>
  );
}
