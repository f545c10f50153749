import { useState } from "react";
import { useAccount, useBalance } from "wagmi";
import { formatEther, keccak256, toBytes, type Address } from "viem";
import { appChain, isDevnet } from "../config/wagmi.ts";
import { contractOf } from "../hooks/contracts.ts";
import { useContractRead } from "../hooks/useContractRead.ts";
import { useRoles } from "../hooks/useRoles.ts";
import { useTx } from "../hooks/useTx.ts";
import { TxStatus } from "../components/TxStatus.tsx";
import { MarketFunds } from "../components/MarketFunds.tsx";
import { formatTime, formatToken, TOKEN_SYMBOL } from "../utils/format.ts";
import { PARTICIPANT_KINDS, PARTICIPANT_STATUS } from "../utils/participants.ts";

function Roles({ account }: { account: Address }) {
  const { grants, isLoading } = useRoles(account);
  const held = grants.filter((g) => g.held);
  if (isLoading) return <p className="muted">Reading roles…</p>;
  if (held.length === 0)
    return (
      <p className="muted" data-testid="roles">
        No roles yet.
      </p>
    );
  return (
    <ul className="chips" data-testid="roles">
      {held.map((g) => (
        <li key={`${g.contract}.${g.role}`} className="chip" title={g.contract}>
          {g.role.replace(/_ROLE$/, "").toLowerCase()} <small>@{g.contract}</small>
        </li>
      ))}
    </ul>
  );
}

function TokenCard({ account }: { account: Address }) {
  const token = contractOf("GridToken", appChain.id);
  const tx = useTx();
  const balance = useContractRead("GridToken", "balanceOf", [account], {
    refetchInterval: 4_000,
  });
  const nextDrip = useContractRead("GridToken", "nextDripAt", [account]);
  if (!token)
    return (
      <section className="card">
        <h2>GridToken</h2>
        <p className="muted">Not deployed on this chain.</p>
      </section>
    );
  const next = nextDrip.data;
  return (
    <section className="card">
      <h2>GridToken</h2>
      <p className="figure" data-testid="token-balance">
        {formatToken(balance.data)} <small>{TOKEN_SYMBOL}</small>
      </p>
      <button
        onClick={() => tx.send("Faucet", { contract: "GridToken", functionName: "drip", args: [] })}
      >
        Get test tokens (faucet)
      </button>
      {next !== undefined && next > BigInt(Math.floor(Date.now() / 1000)) ? (
        <p className="muted">Next faucet claim from {formatTime(next)}.</p>
      ) : null}
      <TxStatus state={tx.state} />
    </section>
  );
}

function ParticipantCard({ account }: { account: Address }) {
  const registry = contractOf("ParticipantRegistry", appChain.id);
  const tx = useTx();
  const [kind, setKind] = useState(1);
  const [renewable, setRenewable] = useState(true);
  const [feeder, setFeeder] = useState("1");
  const [bus, setBus] = useState("6");
  const [name, setName] = useState("");
  const participant = useContractRead("ParticipantRegistry", "participant", [account]).data;
  if (!registry) return null;
  const status = participant?.status;
  const apply = () => {
    const details = JSON.stringify({
      name: name || account,
      kind: PARTICIPANT_KINDS[kind],
      feeder,
      bus,
    });
    void tx.send("Apply", {
      contract: "ParticipantRegistry",
      functionName: "applyAsParticipant",
      args: [kind, renewable, Number(feeder), Number(bus), keccak256(toBytes(details)), ""],
    });
  };
  return (
    <section className="card">
      <h2>Participant</h2>
      <p data-testid="participant-status">
        Status: <strong>{PARTICIPANT_STATUS[status ?? 0]}</strong>
        {status
          ? ` · ${PARTICIPANT_KINDS[participant?.kind ?? 0]}${participant?.renewable ? " (renewable)" : ""} · feeder ${participant?.feederId} bus ${participant?.busId}`
          : ""}
      </p>
      {status !== 2 ? (
        <form
          className="form"
          onSubmit={(e) => {
            e.preventDefault();
            apply();
          }}
        >
          <label>
            Kind
            <select value={kind} onChange={(e) => setKind(Number(e.target.value))}>
              {PARTICIPANT_KINDS.map((label, i) =>
                i === 0 ? null : (
                  <option key={label} value={i}>
                    {label}
                  </option>
                ),
              )}
            </select>
          </label>
          <label className="inline">
            <input
              type="checkbox"
              checked={renewable}
              onChange={(e) => setRenewable(e.target.checked)}
            />{" "}
            renewable
          </label>
          <label>
            Feeder{" "}
            <input inputMode="numeric" value={feeder} onChange={(e) => setFeeder(e.target.value)} />
          </label>
          <label>
            Bus <input inputMode="numeric" value={bus} onChange={(e) => setBus(e.target.value)} />
          </label>
          <label>
            Name{" "}
            <input value={name} onChange={(e) => setName(e.target.value)} placeholder="optional" />
          </label>
          <button type="submit">{status === 1 ? "Update application" : "Apply"}</button>
        </form>
      ) : null}
      <TxStatus state={tx.state} />
    </section>
  );
}

/** The landing page: who you are on GridLedger, your tokens, escrow and admission. */
export function AccountPage() {
  const { address, isConnected } = useAccount();
  const eth = useBalance({ address, chainId: appChain.id, query: { enabled: Boolean(address) } });
  if (!isConnected || !address) {
    return (
      <section className="card intro">
        <h1>Welcome to GridLedger</h1>
        <p>
          Trade energy in 15-minute double auctions, run demand-response events and trace supplies,
          with every step recorded on-chain.
        </p>
        <p>
          Connect a browser wallet on <strong>{appChain.name}</strong>
          {isDevnet
            ? ", or pick one of the built-in devnet accounts (#0 is the operator)"
            : ""}{" "}
          from the menu above.
        </p>
      </section>
    );
  }
  return (
    <div className="grid-cards">
      <section className="card">
        <h2>Account</h2>
        <p className="mono" data-testid="account-address">
          {address}
        </p>
        <p className="muted">
          {eth.data ? `${Number(formatEther(eth.data.value)).toFixed(4)} ETH for gas` : "…"}
        </p>
        <h3>Roles</h3>
        <Roles account={address} />
      </section>
      <TokenCard account={address} />
      <MarketFunds account={address} />
      <ParticipantCard account={address} />
    </div>
  );
}
