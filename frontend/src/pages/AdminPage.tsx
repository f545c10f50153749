import { useState } from "react";
import { useAccount, useConfig, usePublicClient } from "wagmi";
import { signTypedData } from "wagmi/actions";
import { useQuery } from "@tanstack/react-query";
import { isAddress, type Address, type Hex } from "viem";
import { appChain } from "../config/wagmi.ts";
import { contractOf, type DeployedContract } from "../hooks/contracts.ts";
import { readContractByName, useContractReads } from "../hooks/useContractRead.ts";
import { useTx } from "../hooks/useTx.ts";
import { useChainTime } from "../hooks/useChainTime.ts";
import { TxStatus } from "../components/TxStatus.tsx";
import {
  formatTime,
  formatToken,
  formatWh,
  parseKwh,
  parseToken,
  shortHex,
  TOKEN_SYMBOL,
} from "../utils/format.ts";
import { getParsedError } from "../utils/parseError.ts";
import { PARTICIPANT_KINDS, PARTICIPANT_STATUS } from "../utils/participants.ts";
import { INTERVAL_KIND } from "../utils/market.ts";
import { usePeriods } from "../hooks/useMarket.ts";
import { meterCertificateTypedData } from "@gridledger/protocol";

const ASSIGNABLE = ["PROSUMER_ROLE", "AGGREGATOR_ROLE", "SUPPLIER_ROLE"] as const;
type AssignableRole = (typeof ASSIGNABLE)[number];

/** An application as its ParticipantApplied event states it, with the hash `approve` names. */
type Application = {
  kind: number;
  renewable: boolean;
  feederId: number;
  busId: number;
  hash: Hex;
};

function useRegistryEvents(registry: DeployedContract<"ParticipantRegistry"> | undefined) {
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
      const byLogOrder = (
        a: { blockNumber: bigint | null; logIndex: number | null },
        b: { blockNumber: bigint | null; logIndex: number | null },
      ) =>
        Number((a.blockNumber ?? 0n) - (b.blockNumber ?? 0n)) ||
        (a.logIndex ?? 0) - (b.logIndex ?? 0);
      // The latest application of each account: what the operator reviews and approves by hash.
      const applications = new Map<Address, Application>();
      for (const { args: a } of [...applied].sort(byLogOrder)) {
        applications.set(a.account!, {
          kind: a.kind!,
          renewable: a.renewable!,
          feederId: a.feederId!,
          busId: a.busId!,
          hash: a.applicationHash!,
        });
      }
      const applicants = [...applications.keys()];
      const meters = new Map<Address, Address>();
      for (const l of [...bound, ...revoked].sort(byLogOrder)) {
        if (l.eventName === "MeterBound") meters.set(l.args.meter!, l.args.participant!);
        else meters.delete(l.args.meter!);
      }
      return { applicants, applications, meters: [...meters.entries()] };
    },
  });
}

function Participants({ registry }: { registry: DeployedContract<"ParticipantRegistry"> }) {
  const config = useConfig();
  const tx = useTx();
  const events = useRegistryEvents(registry);
  const applicants = events.data?.applicants ?? [];
  const applications = events.data?.applications;
  const participants = useContractReads(
    "ParticipantRegistry",
    "participant",
    applicants.map((a) => [a]),
  ).results;
  const [roles, setRoles] = useState<Record<string, AssignableRole>>({});
  // Approves the application shown in the table: its hash goes with the approval, so the
  // contract refuses (ParticipantRegistryApplicationChanged) if the applicant re-applied since.
  const approve = async (account: Address, applicationHash: Hex) => {
    const roleName = roles[account] ?? "PROSUMER_ROLE";
    const role = await readContractByName(config, "ParticipantRegistry", roleName, []);
    await tx.send("Approve", {
      contract: "ParticipantRegistry",
      functionName: "approve",
      args: [account, role, applicationHash],
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
            <th>Application</th>
            <th>Action</th>
          </tr>
        </thead>
        <tbody>
          {applicants.map((a, i) => {
            const core = participants[i];
            const status = core?.status ?? 0;
            const app = applications?.get(a);
            return (
              <tr key={a}>
                <td className="mono">{shortHex(a)}</td>
                <td>
                  {PARTICIPANT_KINDS[app?.kind ?? core?.kind ?? 0]}
                  {(app?.renewable ?? core?.renewable) ? " ♻" : ""}
                </td>
                <td>
                  {app
                    ? `${app.feederId}/${app.busId}`
                    : core
                      ? `${core.feederId}/${core.busId}`
                      : ""}
                </td>
                <td>{PARTICIPANT_STATUS[status]}</td>
                <td className="mono" data-testid={`application-${a}`} title={app?.hash}>
                  {app ? shortHex(app.hash) : ""}
                </td>
                <td>
                  {status === 1 && app ? (
                    <span className="form">
                      <select
                        aria-label="Role"
                        value={roles[a] ?? "PROSUMER_ROLE"}
                        onChange={(e) => {
                          const role = ASSIGNABLE.find((r) => r === e.target.value);
                          if (role) setRoles({ ...roles, [a]: role });
                        }}
                      >
                        {ASSIGNABLE.map((r) => (
                          <option key={r} value={r}>
                            {r.replace("_ROLE", "").toLowerCase()}
                          </option>
                        ))}
                      </select>
                      <button
                        data-testid={`approve-${a}`}
                        title={`Approve application ${app.hash}`}
                        onClick={() => void approve(a, app.hash)}
                      >
                        Approve
                      </button>
                      <button
                        className="danger"
                        onClick={() =>
                          void tx.send("Reject", {
                            contract: "ParticipantRegistry",
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

function Meters({
  registry,
  operator,
}: {
  registry: DeployedContract<"ParticipantRegistry">;
  operator?: Address;
}) {
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
        ...meterCertificateTypedData(appChain.id, registry.address),
        message: { meter, participant, expiry, nonce },
      });
      await tx.send("Bind meter", {
        contract: "ParticipantRegistry",
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
                      contract: "ParticipantRegistry",
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

function OpenPeriod() {
  const tx = useTx();
  const now = useChainTime();
  const [startsIn, setStartsIn] = useState("30");
  const [duration, setDuration] = useState("15");
  const [metering, setMetering] = useState("60");
  const [gridPrice, setGridPrice] = useState("0.25");
  const [feedIn, setFeedIn] = useState("0.05");
  const [band, setBand] = useState("5");
  const [bond, setBond] = useState("0.01");
  const [minOrder, setMinOrder] = useState("0.01");
  const [note, setNote] = useState<string>();
  const open = () => {
    setNote(undefined);
    try {
      const base = now ?? Math.floor(Date.now() / 1000);
      const start = base + Math.round(Number(startsIn) * 60);
      void tx.send("Open period", {
        contract: "EnergyMarket",
        functionName: "openPeriod",
        args: [
          start,
          Math.round(Number(duration) * 60),
          Math.round(Number(metering) * 60),
          // uint40 prices: viem takes integers below 2^48 as numbers, and these are exact.
          Number(parseToken(gridPrice)),
          Number(parseToken(feedIn)),
          Math.round(Number(band) * 100),
          // GLT per kWh in base units = milli-units per Wh, the unit of the bond rate.
          Number(parseToken(bond)),
          Number(parseKwh(minOrder)),
        ],
      });
    } catch (e) {
      setNote((e as Error).message);
    }
  };
  return (
    <section className="card">
      <h2>Open a delivery period</h2>
      <p className="muted">
        A period fixes what every interval trading it shares: delivery time, grid prices, penalty
        band, the escrow bond (the least an order locks per kWh) and the smallest order.
      </p>
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          open();
        }}
      >
        <label>
          Starts in (min){" "}
          <input
            data-testid="period-starts"
            value={startsIn}
            onChange={(e) => setStartsIn(e.target.value)}
          />
        </label>
        <label>
          Duration (min) <input value={duration} onChange={(e) => setDuration(e.target.value)} />
        </label>
        <label>
          Metering window (min){" "}
          <input value={metering} onChange={(e) => setMetering(e.target.value)} />
        </label>
        <label>
          Grid price ({TOKEN_SYMBOL}/kWh){" "}
          <input
            data-testid="period-grid"
            value={gridPrice}
            onChange={(e) => setGridPrice(e.target.value)}
          />
        </label>
        <label>
          Feed-in ({TOKEN_SYMBOL}/kWh){" "}
          <input
            data-testid="period-feedin"
            value={feedIn}
            onChange={(e) => setFeedIn(e.target.value)}
          />
        </label>
        <label>
          Band (%) <input value={band} onChange={(e) => setBand(e.target.value)} />
        </label>
        <label>
          Escrow bond ({TOKEN_SYMBOL}/kWh){" "}
          <input data-testid="period-bond" value={bond} onChange={(e) => setBond(e.target.value)} />
        </label>
        <label>
          Minimum order (kWh){" "}
          <input
            data-testid="period-min"
            value={minOrder}
            onChange={(e) => setMinOrder(e.target.value)}
          />
        </label>
        <button type="submit" data-testid="open-period">
          Open period
        </button>
      </form>
      {note ? <p className="tx-error">{note}</p> : null}
      <TxStatus state={tx.state} />
    </section>
  );
}

function OpenInterval() {
  const tx = useTx();
  const periods = usePeriods();
  const [choice, setChoice] = useState<string>();
  const [kind, setKind] = useState(0);
  const [gateBefore, setGateBefore] = useState("10");
  const [note, setNote] = useState<string>();
  // The newest period unless the operator picked another one.
  const period = periods.find((p) => p.id.toString() === choice) ?? periods[0];
  const open = () => {
    setNote(undefined);
    try {
      if (!period) throw new Error("open a delivery period first");
      const gate = period.start - Math.round(Number(gateBefore) * 60);
      void tx.send("Open interval", {
        contract: "EnergyMarket",
        functionName: "openInterval",
        args: [period.id, kind, gate],
      });
    } catch (e) {
      setNote((e as Error).message);
    }
  };
  return (
    <section className="card">
      <h2>Open an interval</h2>
      <p className="muted">
        Several intervals (day-ahead, intraday, real-time) may trade one period; it settles once all
        of them are tallied.
      </p>
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          open();
        }}
      >
        <label>
          Period{" "}
          <select
            data-testid="interval-period"
            value={period?.id.toString() ?? ""}
            onChange={(e) => setChoice(e.target.value)}
          >
            {periods.map((p) => (
              <option key={p.id.toString()} value={p.id.toString()}>
                {p.id.toString()} · {formatTime(p.start).slice(5, 16)}
              </option>
            ))}
          </select>
        </label>
        <label>
          Kind
          <select
            data-testid="interval-kind"
            value={kind}
            onChange={(e) => setKind(Number(e.target.value))}
          >
            {INTERVAL_KIND.map((k, i) => (
              <option key={k} value={i}>
                {k}
              </option>
            ))}
          </select>
        </label>
        <label>
          Gate closes (min before delivery){" "}
          <input
            data-testid="interval-gate"
            value={gateBefore}
            onChange={(e) => setGateBefore(e.target.value)}
          />
        </label>
        <button type="submit" data-testid="open-interval" disabled={!period}>
          Open interval
        </button>
      </form>
      {note ? <p className="tx-error">{note}</p> : null}
      <TxStatus state={tx.state} />
      <table className="table" data-testid="periods">
        <thead>
          <tr>
            <th>Period</th>
            <th>Delivery</th>
            <th className="num">Grid / feed-in</th>
            <th className="num">Bond</th>
            <th className="num">Min. order</th>
            <th className="num">Intervals (tallied)</th>
          </tr>
        </thead>
        <tbody>
          {periods.map((p) => (
            <tr key={p.id.toString()}>
              <td>{p.id.toString()}</td>
              <td>
                {formatTime(p.start).slice(5, 16)} · {p.duration / 60} min
              </td>
              <td className="num">
                {formatToken(p.gridBuyPrice)} / {formatToken(p.feedInPrice)}
              </td>
              <td className="num">{formatToken(p.bondRate)}</td>
              <td className="num">{formatWh(p.minQuantity)}</td>
              <td className="num">
                {p.intervals} ({p.tallied})
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** Operator admin: admission, meters, delivery periods and their intervals. */
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
        {market ? <OpenPeriod /> : null}
        {market ? <OpenInterval /> : null}
      </div>
    </div>
  );
}
