import { useMemo, useState, type ReactNode } from "react";
import { useQuery } from "@tanstack/react-query";
import { useAccount, useConfig } from "wagmi";
import { getBlock, signTypedData } from "wagmi/actions";
import type { Address, Hex } from "viem";
import { constants, MeterWindow, offerTypedData, parseReadingBundle } from "@gridledger/protocol";
import { solvePowerFlow, type PowerFlowResult, type Violation } from "@gridledger/domain/grid";
import type { DispatchResult } from "@gridledger/domain/dispatch";
import {
  buildAlarmDocument,
  buildSafetyReportDocument,
  contractOffer,
  dispatchArgs,
  offerFromTerms,
  offerTerms,
  parseCurve,
  planDispatch,
  settleArgs,
  termsOfSigned,
  triggerArgs,
  eventReadingsArgs,
} from "@gridledger/domain/tdva";
import { appChain } from "../config/wagmi.ts";
import { contractOf, type DeployedContract } from "../hooks/contracts.ts";
import { readContractByName } from "../hooks/useContractRead.ts";
import { useChainTime } from "../hooks/useChainTime.ts";
import {
  useDispatchContract,
  useTdvaEvents,
  useTdvaLogs,
  type TdvaEvent,
} from "../hooks/useDispatch.ts";
import { useTx } from "../hooks/useTx.ts";
import { TxStatus } from "../components/TxStatus.tsx";
import { DispatchBalance } from "../components/DispatchBalance.tsx";
import {
  formatCountdown,
  formatTime,
  formatToken,
  parseToken,
  shortHex,
  TOKEN_SYMBOL,
} from "../utils/format.ts";
import { apiGet, apiPost } from "../utils/api.ts";
import { getParsedError } from "../utils/parseError.ts";
import { sixNodeFeeder } from "../utils/feeders.ts";
import {
  alarmStatus,
  TDVA_REASONS,
  TDVA_STAGES,
  storeTdvaDocument,
  unpackSegment,
  verifyLinks,
  type SignedOffer,
} from "../utils/tdva.ts";

/** The devnet feeder's id in trigger records (the six-node feeder the seeded cast sits on). */
const SIX_NODE_FEEDER_ID = 1;

/** "over-voltage at bus 6" / "over-current on line 3-4" / "under-frequency". */
function describeViolation(v: Violation): string {
  const kind = v.type.replace(/^(over|under)/, "$1-");
  if (v.type.endsWith("voltage")) return `${kind} at bus ${v.element}`;
  if (v.type.endsWith("current")) return `${kind} on line ${v.element}`;
  return kind;
}

/**
 * The six-node feeder's alarm as it stands now: red while a violation has no event handling it,
 * amber while an event on the feeder runs, neutral once an event has settled it.
 */
function AlarmPanel({ alarm, events }: { alarm: PowerFlowResult; events: TdvaEvent[] }) {
  const status = alarmStatus({
    violations: alarm.violations.length,
    feederId: SIX_NODE_FEEDER_ID,
    events: events.map((e) => ({
      id: e.id,
      trigger: { stage: Number(e.trigger.stage), feederId: Number(e.trigger.feederId) },
    })),
  });
  const peak = `${alarm.maxVoltage.vPu.toFixed(4)} pu at bus ${alarm.maxVoltage.bus}`;
  const what = alarm.violations.map(describeViolation).join(", ");
  const link = (id: bigint) => <a href={`#/dispatch/${id}`}>event {id.toString()}</a>;
  const [className, text] = ((): [string, ReactNode] => {
    switch (status.kind) {
      case "clear":
        return ["ok", <>Six-node feeder: within limits; max voltage {peak}.</>];
      case "open":
        return [
          "tx-error",
          <>
            Alarm on the six-node feeder: {what}; max voltage {peak}. No event handles it yet.
          </>,
        ];
      case "handling":
        return [
          "tx-pending",
          <>
            Alarm on the six-node feeder ({what}; max voltage {peak}) is being handled by{" "}
            {link(status.eventId)} ({["", "triggered", "dispatched", "verified"][status.stage]}).
          </>,
        ];
      case "resolved":
        return [
          "ok",
          <>
            ✓ Resolved by {link(status.eventId)} (settled): {what}, max voltage {peak} before the
            dispatch.
          </>,
        ];
    }
  })();
  return (
    <p className={`alarm ${className}`} data-testid="alarm-panel" data-state={status.kind}>
      {text}
    </p>
  );
}

function TriggerForm({
  registry,
  events,
}: {
  registry: DeployedContract<"DispatchRegistry">;
  events: TdvaEvent[];
}) {
  const config = useConfig();
  const tx = useTx();
  const now = useChainTime();
  const token = contractOf("GridToken", appChain.id);
  const feeder = useMemo(() => sixNodeFeeder(), []);
  const alarm = useMemo(() => solvePowerFlow(feeder), [feeder]);
  const [f, setF] = useState({
    kw: "700",
    reason: 1,
    feeder: String(SIX_NODE_FEEDER_ID),
    quoteMin: "10",
    startMin: "15",
    durationMin: "60",
    budget: "500",
  });
  const [note, setNote] = useState<string>();
  const trigger = async () => {
    setNote(undefined);
    try {
      if (!token || now === undefined) throw new Error("waiting for the chain");
      const budget = parseToken(f.budget);
      // The trigger data is stored before any transaction, so the CID it records resolves.
      const data = await storeTdvaDocument(config, buildAlarmDocument(feeder.name, alarm));
      const approved = await tx.send("Approve budget", {
        contract: "GridToken",
        functionName: "approve",
        args: [registry.address, budget],
      });
      if (!approved) return;
      const start = now + Math.round(Number(f.startMin) * 60);
      await tx.send("Trigger", {
        contract: "DispatchRegistry",
        functionName: "trigger",
        args: triggerArgs(
          {
            reason: f.reason,
            feederId: Number(f.feeder),
            requestedW: -BigInt(Math.round(Number(f.kw) * 1000)),
            start,
            duration: Math.round(Number(f.durationMin) * 60),
            quoteDeadline: now + Math.round(Number(f.quoteMin) * 60),
            budget,
          },
          data,
        ),
      });
    } catch (e) {
      setNote(getParsedError(e).message);
    }
  };
  const set = (k: keyof typeof f) => (e: { target: { value: string } }) =>
    setF({ ...f, [k]: k === "reason" ? Number(e.target.value) : e.target.value });
  return (
    <section className="card">
      <h2>Trigger an event (operator)</h2>
      <AlarmPanel alarm={alarm} events={events} />
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          void trigger();
        }}
      >
        <label>
          Reason{" "}
          <select value={f.reason} onChange={set("reason")}>
            {TDVA_REASONS.map((r, i) =>
              i ? (
                <option key={r} value={i}>
                  {r}
                </option>
              ) : null,
            )}
          </select>
        </label>
        <label>
          Reduce by (kW) <input data-testid="trigger-kw" value={f.kw} onChange={set("kw")} />
        </label>
        <label>
          Feeder <input value={f.feeder} onChange={set("feeder")} />
        </label>
        <label>
          Quotes for (min) <input value={f.quoteMin} onChange={set("quoteMin")} />
        </label>
        <label>
          Starts in (min) <input value={f.startMin} onChange={set("startMin")} />
        </label>
        <label>
          Duration (min) <input value={f.durationMin} onChange={set("durationMin")} />
        </label>
        <label>
          Budget ({TOKEN_SYMBOL}) <input value={f.budget} onChange={set("budget")} />
        </label>
        <button type="submit" data-testid="trigger-button">
          Approve budget and trigger
        </button>
      </form>
      {note ? <p className="tx-error">{note}</p> : null}
      <TxStatus state={tx.state} />
    </section>
  );
}

function OfferForm({
  registry,
  event,
  account,
}: {
  registry: DeployedContract<"DispatchRegistry">;
  event: TdvaEvent;
  account: Address;
}) {
  const config = useConfig();
  const [maxKW, setMaxKW] = useState("400");
  const [segments, setSegments] = useState("400@0.35");
  const [note, setNote] = useState<string>();
  const sign = async () => {
    setNote(undefined);
    try {
      const terms = offerTerms(
        { maxKW: Number(maxKW), segments: parseCurve(segments) },
        event.trigger.duration,
      );
      // The head block's time: never before the trigger block, never after the dispatch block.
      const signedAt = Number((await getBlock(config, { chainId: appChain.id })).timestamp);
      const signature = await signTypedData(config, {
        account,
        ...offerTypedData(appChain.id, registry.address),
        message: { eventId: event.id, provider: account, ...terms, signedAt },
      });
      // The API's offer relay checks the signature and the quote window, then keeps the offer
      // for the operator (one per provider: a newer offer replaces this one).
      await apiPost(`/v1/dispatch/events/${event.id}/offers`, {
        provider: account,
        maxPowerW: terms.maxPowerW,
        maxEnergyWh: terms.maxEnergyWh.toString(),
        signedAt,
        segments: terms.segments.map(String),
        signature,
      });
      setNote(`Offer signed (${shortHex(signature)}) and handed to the operator.`);
    } catch (e) {
      setNote(getParsedError(e).message);
    }
  };
  return (
    <div>
      <h3>Offer flexibility (provider)</h3>
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          void sign();
        }}
      >
        <label>
          Max reduction (kW){" "}
          <input data-testid="offer-kw" value={maxKW} onChange={(e) => setMaxKW(e.target.value)} />
        </label>
        <label>
          Price curve (kW@{TOKEN_SYMBOL}/kWh, …){" "}
          <input
            data-testid="offer-segments"
            value={segments}
            onChange={(e) => setSegments(e.target.value)}
          />
        </label>
        <button type="submit" data-testid="offer-sign">
          Sign offer
        </button>
      </form>
      {note ? (
        <p className="muted" data-testid="offer-note">
          {note}
        </p>
      ) : null}
    </div>
  );
}

function Proposal({
  registry,
  event,
}: {
  registry: DeployedContract<"DispatchRegistry">;
  event: TdvaEvent;
}) {
  const config = useConfig();
  const tx = useTx();
  const [plan, setPlan] = useState<{ result: DispatchResult; offers: SignedOffer[] }>();
  const [note, setNote] = useState<string>();
  const review = async () => {
    setNote(undefined);
    try {
      // Sorted by provider address by the API, the order the registry requires.
      const { offers } = await apiGet<{ offers: SignedOffer[] }>(
        `/v1/dispatch/events/${event.id}/offers`,
      );
      if (offers.length === 0) throw new Error("No signed offers for this event yet.");
      const buses = await Promise.all(
        offers.map(
          async (o) =>
            (await readContractByName(config, "ParticipantRegistry", "participant", [o.provider]))
              .busId,
        ),
      );
      const result = planDispatch({
        network: sixNodeFeeder(),
        requestedW: event.trigger.requestedW,
        durationS: event.trigger.duration,
        offers: offers.map((o, i) =>
          offerFromTerms(o.provider, String(buses[i]), termsOfSigned(o)),
        ),
      });
      setPlan({ result, offers });
    } catch (e) {
      setNote(getParsedError(e).message);
    }
  };
  const submit = async () => {
    if (!plan?.result.safety) return;
    setNote(undefined);
    try {
      const report = await storeTdvaDocument(
        config,
        buildSafetyReportDocument(
          event.id,
          plan.result,
          plan.offers.map((o) => o.provider),
        ),
      );
      await tx.send("Dispatch", {
        contract: "DispatchRegistry",
        functionName: "dispatch",
        args: dispatchArgs(event.id, plan.offers.map(contractOffer), plan.result, report),
      });
    } catch (e) {
      setNote(getParsedError(e).message);
    }
  };
  const safety = plan?.result.safety;
  // What the relay holds right now (refreshed while the event takes offers).
  const received = useQuery({
    queryKey: ["offers", registry.address, event.id.toString()],
    queryFn: () =>
      apiGet<{ offers: SignedOffer[] }>(`/v1/dispatch/events/${event.id}/offers`).then(
        (r) => r.offers,
      ),
    refetchInterval: 3_000,
    retry: false,
  });
  return (
    <div>
      <h3>Optimiser proposal (operator)</h3>
      <p className="muted" data-testid="offers-received" data-count={received.data?.length ?? 0}>
        {received.error
          ? `Offers: ${received.error.message}`
          : `Signed offers received: ${received.data?.length ?? "…"}` +
            (received.data?.length
              ? ` (${received.data.map((o) => `${shortHex(o.provider)} ${o.maxPowerW / 1000} kW`).join(", ")})`
              : "")}
      </p>
      <button onClick={() => void review()} data-testid="review-button">
        Review offers and run the optimiser
      </button>
      {note ? <p className="tx-error">{note}</p> : null}
      {plan ? (
        <div data-testid="proposal">
          <p>
            {plan.result.status === "optimal" ? "Optimal" : "Unsafe"} merit-order allocation: cost{" "}
            {plan.result.totalCost.toFixed(2)} {TOKEN_SYMBOL}, clearing price{" "}
            {plan.result.clearingPrice} {TOKEN_SYMBOL}/kWh, {plan.result.safetyRounds} safety
            round(s).
          </p>
          <table className="table">
            <thead>
              <tr>
                <th>Provider</th>
                <th>Bus</th>
                <th className="num">Allocation</th>
                <th className="num">Cost</th>
              </tr>
            </thead>
            <tbody>
              {plan.result.allocations.map((a) => (
                <tr key={a.id}>
                  <td className="mono">{shortHex(a.id)}</td>
                  <td>{a.bus}</td>
                  <td className="num">{a.kw} kW</td>
                  <td className="num">{a.cost.toFixed(2)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {safety ? (
            <p data-testid="safety-report" className={safety.safe ? "ok" : "tx-error"}>
              Safety report: {safety.safe ? "safe" : "UNSAFE"}; max voltage{" "}
              {safety.before.maxVoltage?.vPu.toFixed(4) ?? "?"} →{" "}
              {safety.after.maxVoltage?.vPu.toFixed(4) ?? "?"} pu; violations{" "}
              {safety.before.violations.length} → {safety.after.violations.length}; within limits
              after: {safety.withinLimits ? "yes" : "no"}.
            </p>
          ) : null}
          <button
            onClick={() => void submit()}
            disabled={plan.result.status !== "optimal"}
            data-testid="submit-dispatch"
          >
            Submit dispatch
          </button>
        </div>
      ) : null}
      <TxStatus state={tx.state} />
    </div>
  );
}

/**
 * Verify from meter data (decision 0207): anyone pastes the metering gateway's bundle of the
 * providers' baseline and event-window readings; the registry proves each against the anchored
 * batch and the meter's signature and computes the delivered energy itself. Verify then needs
 * no typed number: it closes once every provider is measured, or after the deadline.
 */
function VerifyForm({
  event,
  lines,
}: {
  event: TdvaEvent;
  lines: { provider: Address; allocationW: number; segments: readonly bigint[] }[];
}) {
  const config = useConfig();
  const tx = useTx();
  const [text, setText] = useState("");
  const [note, setNote] = useState<string>();
  const parsed = useMemo(() => (text.trim() ? parseReadingBundle(text) : undefined), [text]);
  const deadline =
    event.trigger.start + event.trigger.duration + Number(constants.DispatchRegistry.VERIFY_GRACE);
  const report = async () => {
    setNote(undefined);
    try {
      if (!parsed?.ok) return;
      if (parsed.bundle.chainId !== appChain.id)
        throw new Error(
          `the bundle is for chain ${parsed.bundle.chainId}, the app is on ${appChain.id}`,
        );
      const read = (window: MeterWindow) =>
        readContractByName(config, "DispatchRegistry", "windowPeriodId", [event.id, window]);
      const windows = {
        baseline: await read(MeterWindow.Baseline),
        event: await read(MeterWindow.Event),
      };
      await tx.send("Report readings", {
        contract: "DispatchRegistry",
        functionName: "reportEventReadings",
        args: eventReadingsArgs(
          event.id,
          lines.map((l) => ({ ...l, segments: [...l.segments] })),
          parsed.bundle,
          windows,
        ),
      });
    } catch (e) {
      setNote(getParsedError(e).message);
    }
  };
  const now = useChainTime();
  // After the deadline an unmeasured provider counts as 0 kWh (unless its reading is disputed).
  const verify = () =>
    void (now !== undefined && now >= deadline
      ? tx.send("Verify", {
          contract: "DispatchRegistry",
          functionName: "verifyWithMissing",
          args: [event.id, lines.map((l) => ({ ...l, segments: [...l.segments] }))],
        })
      : tx.send("Verify", {
          contract: "DispatchRegistry",
          functionName: "verify",
          args: [event.id],
        }));
  return (
    <div data-testid="tdva-verify">
      <h3>Verify from proven meter readings</h3>
      <p className="muted">
        Paste the gateway&apos;s bundle of baseline and event-window readings (any wallet may submit
        it; the registry checks every proof and signature). Until {formatTime(deadline)} every
        provider needs its readings; after that anyone can verify and a provider without them counts
        as 0 kWh delivered.
      </p>
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          void report();
        }}
      >
        <textarea
          data-testid="tdva-reading-bundle"
          rows={5}
          value={text}
          onChange={(e) => setText(e.target.value)}
          placeholder='{"chainId": …, "batchId": "…", "readings": [ … ], …}'
        />
        <button type="submit" data-testid="tdva-report-readings" disabled={!parsed?.ok}>
          Submit readings
        </button>
        <button type="button" data-testid="verify-button" onClick={verify}>
          Verify
        </button>
      </form>
      {parsed && !parsed.ok ? (
        <p className="tx-error" data-testid="tdva-bundle-error">
          {parsed.reason}
        </p>
      ) : null}
      {note ? <p className="tx-error">{note}</p> : null}
      <TxStatus state={tx.state} />
    </div>
  );
}

function EventDetail({
  registry,
  event,
  account,
}: {
  registry: DeployedContract<"DispatchRegistry">;
  event: TdvaEvent;
  account?: Address;
}) {
  const now = useChainTime();
  const tx = useTx();
  const stage = Number(event.trigger.stage);
  const logs = useTdvaLogs(registry, event.id, stage);
  const links = verifyLinks(
    { chainId: appChain.id, registry: registry.address, eventId: event.id },
    stage,
    event.trigger,
    event.dispatch,
    event.verify,
    event.settle,
  );
  const lines = logs.data?.lines ?? [];
  const windowEnd = event.trigger.start + event.trigger.duration;
  const settle = () =>
    void tx.send("Settle", {
      contract: "DispatchRegistry",
      functionName: "settle",
      args: settleArgs(
        event.id,
        lines,
        lines.map((l) => l.deliveredWh ?? 0n),
      ),
    });
  return (
    <section className="card" data-testid="tdva-detail">
      <h2>
        Event {event.id.toString()} · {TDVA_REASONS[event.trigger.reason]} · feeder{" "}
        {event.trigger.feederId} · {Number(-event.trigger.requestedW) / 1000} kW
      </h2>
      <ol className="timeline" data-testid="timeline">
        {TDVA_STAGES.map((name, i) => {
          const written = stage >= i + 1 && stage <= 4;
          const ok = links[i];
          const at = logs.data?.stages[i];
          return (
            <li
              key={name}
              className={written ? (ok ? "done" : "broken") : ""}
              data-testid={`stage-${name}`}
              data-linked={written ? String(ok) : "pending"}
            >
              <strong>
                {written ? (ok ? "✓ " : "✗ ") : "○ "}
                {name}
              </strong>
              <div className="muted">
                {at ? (
                  <>
                    block {at.block.toString()} ·{" "}
                    <a href={`#/explorer/${at.tx}`}>{shortHex(at.tx)}</a>
                  </>
                ) : written ? (
                  "…"
                ) : (
                  "not yet"
                )}
              </div>
              {written ? (
                <div className="mono muted" title="record hash">
                  {shortHex(event.hashes[i] as Hex)}
                </div>
              ) : null}
            </li>
          );
        })}
      </ol>
      {stage === 5 ? (
        <p className="muted">
          Cancelled before dispatch; the budget was credited to its funder&apos;s dispatch balance
          (withdraw it under &ldquo;Your dispatch balance&rdquo;).
        </p>
      ) : null}
      <dl className="kv">
        <dt>Window</dt>
        <dd>
          {formatTime(event.trigger.start)} for {event.trigger.duration / 60} min{" "}
          {now !== undefined && now < event.trigger.start
            ? `(starts in ${formatCountdown(event.trigger.start - now)})`
            : ""}
        </dd>
        <dt>Quotes until</dt>
        <dd>{formatTime(event.trigger.quoteDeadline)}</dd>
        <dt>Budget</dt>
        <dd>
          {formatToken(event.trigger.budget)} {TOKEN_SYMBOL}
        </dd>
        {stage >= 4 && stage <= 4 ? (
          <>
            <dt>Paid / penalties / refund</dt>
            <dd data-testid="settle-summary">
              {formatToken(event.settle.paid)} / {formatToken(event.settle.penalties)} /{" "}
              {formatToken(event.settle.refund)} {TOKEN_SYMBOL}{" "}
              <span className="muted">
                (credited to the providers and the funder; each withdraws under &ldquo;Your dispatch
                balance&rdquo;)
              </span>
            </dd>
          </>
        ) : null}
      </dl>
      {lines.length ? (
        <table className="table" data-testid="providers">
          <thead>
            <tr>
              <th>Provider</th>
              <th className="num">Offer</th>
              <th className="num">Allocated</th>
              <th className="num">Delivered</th>
              <th>Meter proof</th>
              <th className="num">Payment</th>
              <th className="num">Penalty</th>
            </tr>
          </thead>
          <tbody>
            {lines.map((l) => (
              <tr key={l.provider}>
                <td className="mono">{shortHex(l.provider)}</td>
                <td className="num">
                  {l.maxPowerW / 1000} kW @{" "}
                  {l.segments.map((s) => formatToken(unpackSegment(s).pricePerKWh)).join("/")}
                </td>
                <td className="num">{l.allocationW / 1000} kW</td>
                <td className="num">
                  {l.deliveredWh !== undefined
                    ? `${Number(l.deliveredWh) / 1000} kWh`
                    : l.measured
                      ? `${Number(l.measured.deliveredWh) / 1000} kWh`
                      : "–"}
                </td>
                <td data-testid="meter-proof">
                  {l.measured ? (
                    <span
                      title={`baseline ${l.measured.baselineNetWh} Wh, event ${l.measured.eventNetWh} Wh net injection`}
                    >
                      ✓ meter {shortHex(l.measured.meter!)}, batch{" "}
                      {l.measured.baselineBatchId === l.measured.eventBatchId
                        ? `#${l.measured.eventBatchId}`
                        : `#${l.measured.baselineBatchId}/#${l.measured.eventBatchId}`}
                    </span>
                  ) : stage >= 2 && stage <= 4 ? (
                    <span className="muted">
                      {stage === 2 ? "awaiting readings" : "no readings (0 kWh)"}
                    </span>
                  ) : (
                    "–"
                  )}
                </td>
                <td className="num">{l.payment === undefined ? "–" : formatToken(l.payment)}</td>
                <td className="num">{l.penalty === undefined ? "–" : formatToken(l.penalty)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {stage === 1 && account && now !== undefined && now <= event.trigger.quoteDeadline ? (
        <OfferForm registry={registry} event={event} account={account} />
      ) : null}
      {stage === 1 ? <Proposal registry={registry} event={event} /> : null}
      {stage === 2 && lines.length > 0 ? (
        now !== undefined && now >= windowEnd ? (
          <VerifyForm event={event} lines={lines} />
        ) : (
          <p className="muted">
            Verification opens when the window ends ({formatTime(windowEnd)}).
          </p>
        )
      ) : null}
      {/* Settle re-states the verified deliveries: offer it only once they are read back, or an
          empty line list would be sent (and refused as a deliveries mismatch). */}
      {stage === 3 && lines.length > 0 && lines.every((l) => l.deliveredWh !== undefined) ? (
        <p>
          <button onClick={settle} data-testid="tdva-settle">
            Settle
          </button>
        </p>
      ) : null}
      <TxStatus state={tx.state} />
    </section>
  );
}

/** TDVA dispatch: the four linked stages per event, offers, allocations, delivery and payments. */
export default function DispatchPage({ param }: { param: string }) {
  const registry = useDispatchContract();
  const { address } = useAccount();
  const events = useTdvaEvents();
  const selected = /^\d+$/.test(param) ? events.find((e) => e.id === BigInt(param)) : events[0];
  if (!registry)
    return (
      <section className="card">
        <h1>Dispatch</h1>
        <p className="muted">The TDVA registry is not deployed on this chain.</p>
      </section>
    );
  return (
    <div className="page">
      <h1>Dispatch</h1>
      <div className="market-layout">
        <div>
          <section className="card">
            <h2>Events</h2>
            <table className="table" data-testid="tdva-events">
              <thead>
                <tr>
                  <th>#</th>
                  <th>Reason</th>
                  <th className="num">ΔP</th>
                  <th>Stage</th>
                </tr>
              </thead>
              <tbody>
                {events.map((e) => (
                  <tr key={e.id.toString()} className={e.id === selected?.id ? "selected" : ""}>
                    <td>
                      <a href={`#/dispatch/${e.id}`}>{e.id.toString()}</a>
                    </td>
                    <td>{TDVA_REASONS[e.trigger.reason]}</td>
                    <td className="num">{Number(e.trigger.requestedW) / 1000} kW</td>
                    <td>
                      {
                        ["–", "Triggered", "Dispatched", "Verified", "Settled", "Cancelled"][
                          Number(e.trigger.stage)
                        ]
                      }
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {events.length === 0 ? <p className="muted">No event yet.</p> : null}
          </section>
          <DispatchBalance account={address} />
          <TriggerForm registry={registry} events={events} />
        </div>
        <div>
          {selected ? (
            <EventDetail
              key={selected.id.toString()}
              registry={registry}
              event={selected}
              account={address}
            />
          ) : null}
        </div>
      </div>
    </div>
  );
}
