import { useState } from "react";
import { useAccount, useConfig, usePublicClient, useReadContracts } from "wagmi";
import { readContract, signTypedData } from "wagmi/actions";
import { useQuery } from "@tanstack/react-query";
import { isAddress, type Address, type Hex } from "viem";
import { appChain } from "../config/wagmi.ts";
import { contractOf, type DeployedContract } from "../hooks/contracts.ts";
import { useTx } from "../hooks/useTx.ts";
import { useChainTime } from "../hooks/useChainTime.ts";
import { TxStatus } from "../components/TxStatus.tsx";
import { parseKwh, parseToken, shortHex, TOKEN_SYMBOL } from "../utils/format.ts";
import { getParsedError } from "../utils/parseError.ts";
import { PARTICIPANT_KINDS, PARTICIPANT_STATUS } from "../utils/participants.ts";
import { INTERVAL_KIND } from "../utils/market.ts";

const ASSIGNABLE = ["PROSUMER_ROLE", "AGGREGATOR_ROLE", "SUPPLIER_ROLE"] as const;

function useRegistryEvents(registry: DeployedContract | undefined) {
  const client = usePublicClient({ chainId: appChain.id });
  return useQuery({
    queryKey: ["registry-events", registry?.address],
    enabled: Boolean(client && registry),
    refetchInterval: 4_000,
    queryFn: async () => {
      const common = {
        address: registry!.address,
        abi: registry!.abi,
        fromBlock: registry!.deployedOnBlock,
      } as const;
      const [applied, bound, revoked] = await Promise.all([
        client!.getContractEvents({ ...common, eventName: "ParticipantApplied" }),
        client!.getContractEvents({ ...common, eventName: "MeterBound" }),
        client!.getContractEvents({ ...common, eventName: "MeterRevoked" }),
      ]);
      const args = (l: unknown) => (l as { args: Record<string, unknown> }).args;
      const applicants = [...new Set(applied.map((l) => args(l).account as Address))];
      const meters = new Map<string, Address>();
      for (const l of [...bound, ...revoked].sort(
        (a, b) =>
          Number((a.blockNumber ?? 0n) - (b.blockNumber ?? 0n)) ||
          (a.logIndex ?? 0) - (b.logIndex ?? 0),
      )) {
        const a = args(l);
        if ((l as { eventName: string }).eventName === "MeterBound")
          meters.set(a.meter as string, a.participant as Address);
        else meters.delete(a.meter as string);
      }
      return { applicants, meters: [...meters.entries()] };
    },
  });
}

function Participants({ registry }: { registry: DeployedContract }) {
  const config = useConfig();
  const tx = useTx();
  const events = useRegistryEvents(registry);
  const applicants = events.data?.applicants ?? [];
  const cores = useReadContracts({
    contracts: applicants.map((a) => ({
      address: registry.address,
      abi: registry.abi,
      functionName: "participantCore",
      args: [a],
      chainId: appChain.id,
    })),
    query: { enabled: applicants.length > 0 },
  });
  const [roles, setRoles] = useState<Record<string, string>>({});
  const approve = async (account: Address) => {
    const roleName = roles[account] ?? "PROSUMER_ROLE";
    const role = (await readContract(config, {
      address: registry.address,
      abi: registry.abi,
      functionName: roleName,
      chainId: appChain.id,
    })) as Hex;
    await tx.send("Approve", {
      address: registry.address,
      abi: registry.abi,
      functionName: "approve",
      args: [account, role],
    });
  };
  return (
    <section className="card">
      <h2>Participants</h2>
      <table className="table" data-testid="participants">
        <thead>
          <tr>
            <th>Account</th>
            <th>Kind</th>
            <th>Bus</th>
            <th>Status</th>
            <th>Action</th>
          </tr>
        </thead>
        <tbody>
          {applicants.map((a, i) => {
            const core = cores.data?.[i]?.result as
              readonly [number, number, boolean, number, number] | undefined;
            const status = core?.[1] ?? 0;
            return (
              <tr key={a}>
                <td className="mono">{shortHex(a)}</td>
                <td>
                  {PARTICIPANT_KINDS[core?.[0] ?? 0]}
                  {core?.[2] ? " ♻" : ""}
                </td>
                <td>{core ? `${core[3]}/${core[4]}` : ""}</td>
                <td>{PARTICIPANT_STATUS[status]}</td>
                <td>
                  {status === 1 ? (
                    <span className="form">
                      <select
                        aria-label="Role"
                        value={roles[a] ?? "PROSUMER_ROLE"}
                        onChange={(e) => setRoles({ ...roles, [a]: e.target.value })}
                      >
                        {ASSIGNABLE.map((r) => (
                          <option key={r} value={r}>
                            {r.replace("_ROLE", "").toLowerCase()}
                          </option>
                        ))}
                      </select>
                      <button data-testid={`approve-${a}`} onClick={() => void approve(a)}>
                        Approve
                      </button>
                      <button
                        className="danger"
                        onClick={() =>
                          void tx.send("Reject", {
                            address: registry.address,
                            abi: registry.abi,
                            functionName: "reject",
                            args: [a, `0x${"0".repeat(64)}`],
                          })
                        }
                      >
                        Reject
                      </button>
                    </span>
                  ) : null}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <TxStatus state={tx.state} />
    </section>
  );
}

function Meters({ registry, operator }: { registry: DeployedContract; operator?: Address }) {
  const config = useConfig();
  const tx = useTx();
  const events = useRegistryEvents(registry);
  const now = useChainTime();
  const [meter, setMeter] = useState("");
  const [participant, setParticipant] = useState("");
  const [note, setNote] = useState<string>();
  const bind = async () => {
    setNote(undefined);
    if (!operator || !isAddress(meter) || !isAddress(participant)) {
      setNote("Enter the meter's and the participant's addresses.");
      return;
    }
    const expiry = BigInt((now ?? Math.floor(Date.now() / 1000)) + 365 * 24 * 3600);
    const nonce = BigInt(Date.now()) * 1000n + BigInt(Math.floor(Math.random() * 1000));
    try {
      const signature = await signTypedData(config, {
        account: operator,
        domain: {
          name: "GridLedger ParticipantRegistry",
          version: "1",
          chainId: appChain.id,
          verifyingContract: registry.address,
        },
        types: {
          MeterCertificate: [
            { name: "meter", type: "address" },
            { name: "participant", type: "address" },
            { name: "expiry", type: "uint64" },
            { name: "nonce", type: "uint256" },
          ],
        },
        primaryType: "MeterCertificate",
        message: { meter, participant, expiry, nonce },
      });
      await tx.send("Bind meter", {
        address: registry.address,
        abi: registry.abi,
        functionName: "bindMeter",
        args: [meter, participant, expiry, nonce, signature],
      });
    } catch (e) {
      setNote(getParsedError(e).message);
    }
  };
  return (
    <section className="card">
      <h2>Meters</h2>
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          void bind();
        }}
      >
        <label>
          Meter <input value={meter} onChange={(e) => setMeter(e.target.value)} placeholder="0x…" />
        </label>
        <label>
          Participant{" "}
          <input
            value={participant}
            onChange={(e) => setParticipant(e.target.value)}
            placeholder="0x…"
          />
        </label>
        <button type="submit">Sign certificate and bind</button>
      </form>
      {note ? <p className="tx-error">{note}</p> : null}
      <table className="table" data-testid="meters">
        <thead>
          <tr>
            <th>Meter</th>
            <th>Participant</th>
            <th></th>
          </tr>
        </thead>
        <tbody>
          {(events.data?.meters ?? []).map(([m, p]) => (
            <tr key={m}>
              <td className="mono">{shortHex(m)}</td>
              <td className="mono">{shortHex(p)}</td>
              <td>
                <button
                  className="danger"
                  onClick={() =>
                    void tx.send("Revoke meter", {
                      address: registry.address,
                      abi: registry.abi,
                      functionName: "revokeMeter",
                      args: [m],
                    })
                  }
                >
                  Revoke
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <TxStatus state={tx.state} />
    </section>
  );
}

function OpenInterval({ market }: { market: DeployedContract }) {
  const tx = useTx();
  const now = useChainTime();
  const [kind, setKind] = useState(1);
  const [startsIn, setStartsIn] = useState("30");
  const [gateBefore, setGateBefore] = useState("10");
  const [duration, setDuration] = useState("15");
  const [gridPrice, setGridPrice] = useState("0.25");
  const [feedIn, setFeedIn] = useState("0.05");
  const [band, setBand] = useState("5");
  const [note, setNote] = useState<string>();
  const open = () => {
    setNote(undefined);
    try {
      const base = now ?? Math.floor(Date.now() / 1000);
      const start = base + Math.round(Number(startsIn) * 60);
      const gate = start - Math.round(Number(gateBefore) * 60);
      void tx.send("Open interval", {
        address: market.address,
        abi: market.abi,
        functionName: "openIntervalWithParams",
        args: [
          kind,
          start,
          Math.round(Number(duration) * 60),
          gate,
          3_600,
          parseToken(gridPrice),
          parseToken(feedIn),
          Math.round(Number(band) * 100),
        ],
      });
    } catch (e) {
      setNote((e as Error).message);
    }
  };
  return (
    <section className="card">
      <h2>Open an interval and set its grid prices</h2>
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          open();
        }}
      >
        <label>
          Kind
          <select value={kind} onChange={(e) => setKind(Number(e.target.value))}>
            {INTERVAL_KIND.map((k, i) => (
              <option key={k} value={i}>
                {k}
              </option>
            ))}
          </select>
        </label>
        <label>
          Starts in (min){" "}
          <input
            data-testid="open-starts"
            value={startsIn}
            onChange={(e) => setStartsIn(e.target.value)}
          />
        </label>
        <label>
          Gate closes (min before){" "}
          <input value={gateBefore} onChange={(e) => setGateBefore(e.target.value)} />
        </label>
        <label>
          Duration (min) <input value={duration} onChange={(e) => setDuration(e.target.value)} />
        </label>
        <label>
          Grid price ({TOKEN_SYMBOL}/kWh){" "}
          <input
            data-testid="open-grid"
            value={gridPrice}
            onChange={(e) => setGridPrice(e.target.value)}
          />
        </label>
        <label>
          Feed-in ({TOKEN_SYMBOL}/kWh){" "}
          <input
            data-testid="open-feedin"
            value={feedIn}
            onChange={(e) => setFeedIn(e.target.value)}
          />
        </label>
        <label>
          Band (%) <input value={band} onChange={(e) => setBand(e.target.value)} />
        </label>
        <button type="submit" data-testid="open-interval">
          Open interval
        </button>
      </form>
      {note ? <p className="tx-error">{note}</p> : null}
      <TxStatus state={tx.state} />
    </section>
  );
}

function ReportMeter({ market }: { market: DeployedContract }) {
  const tx = useTx();
  const [intervalId, setIntervalId] = useState("1");
  const [participant, setParticipant] = useState("");
  const [produced, setProduced] = useState("0");
  const [consumed, setConsumed] = useState("0");
  const [note, setNote] = useState<string>();
  const report = () => {
    setNote(undefined);
    try {
      if (!isAddress(participant)) throw new Error("participant: expected an address");
      void tx.send("Report meter", {
        address: market.address,
        abi: market.abi,
        functionName: "reportMeter",
        args: [BigInt(intervalId), participant, parseKwh(produced), parseKwh(consumed)],
      });
    } catch (e) {
      setNote((e as Error).message);
    }
  };
  return (
    <section className="card">
      <h2>Report metered energy</h2>
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          report();
        }}
      >
        <label>
          Interval{" "}
          <input
            data-testid="report-interval"
            value={intervalId}
            onChange={(e) => setIntervalId(e.target.value)}
          />
        </label>
        <label>
          Participant{" "}
          <input
            data-testid="report-participant"
            value={participant}
            onChange={(e) => setParticipant(e.target.value)}
            placeholder="0x…"
          />
        </label>
        <label>
          Produced (kWh){" "}
          <input
            data-testid="report-produced"
            value={produced}
            onChange={(e) => setProduced(e.target.value)}
          />
        </label>
        <label>
          Consumed (kWh){" "}
          <input
            data-testid="report-consumed"
            value={consumed}
            onChange={(e) => setConsumed(e.target.value)}
          />
        </label>
        <button type="submit" data-testid="report-meter">
          Report
        </button>
      </form>
      {note ? <p className="tx-error">{note}</p> : null}
      <TxStatus state={tx.state} />
    </section>
  );
}

/** Operator admin: admission, meters, intervals and grid prices, metering. */
export default function AdminPage(_props: { param: string }) {
  const { address } = useAccount();
  const registry = contractOf("ParticipantRegistry", appChain.id);
  const market = contractOf("EnergyMarket", appChain.id);
  return (
    <div className="page">
      <h1>Operator</h1>
      {!address ? (
        <p className="muted">
          Connect the operator's wallet (devnet #0) to act; the contracts refuse anyone else.
        </p>
      ) : null}
      <div className="two-col">
        {registry ? <Participants registry={registry} /> : null}
        {registry ? <Meters registry={registry} operator={address} /> : null}
        {market ? <OpenInterval market={market} /> : null}
        {market ? <ReportMeter market={market} /> : null}
      </div>
    </div>
  );
}
