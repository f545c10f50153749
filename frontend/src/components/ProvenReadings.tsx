import { useMemo, useState } from "react";
import { parseReadingBundle, ReadingVerdict } from "@gridledger/protocol";
import { useTx } from "../hooks/useTx.ts";
import { TxStatus } from "./TxStatus.tsx";
import { formatWh, shortHex } from "../utils/format.ts";

/** Readings per reportReadings transaction (as the services' MarketWorkflow sends them). */
const READINGS_PER_TX = 50;
const VERDICT = Object.fromEntries(Object.entries(ReadingVerdict).map(([k, v]) => [v, k]));

/**
 * Submits a metering gateway's reading bundle to the market. Anyone may: the market checks each
 * reading against the anchored batch, the meter bound to the participant and the meter's own
 * signature (decision 0206), so no operator has to be trusted to type the numbers in.
 */
export function ProvenReadings({ chainId }: { chainId: number }) {
  const tx = useTx();
  const [text, setText] = useState("");
  const [progress, setProgress] = useState<string>();
  const [evidence, setEvidence] = useState("");
  const parsed = useMemo(() => (text.trim() ? parseReadingBundle(text) : undefined), [text]);
  const reason =
    parsed && !parsed.ok
      ? parsed.reason
      : parsed?.ok && parsed.bundle.chainId !== chainId
        ? `the bundle is for chain ${parsed.bundle.chainId}, the app is on ${chainId}`
        : undefined;
  const submit = async () => {
    if (!parsed?.ok || reason) return;
    const { batchId, readings, signatures, proofs } = parsed.bundle;
    const parts = Math.ceil(readings.length / READINGS_PER_TX);
    for (let k = 0; k < parts; k++) {
      const [from, to] = [k * READINGS_PER_TX, (k + 1) * READINGS_PER_TX];
      setProgress(parts > 1 ? `transaction ${k + 1} of ${parts}` : undefined);
      const receipt = await tx.send("Report readings", {
        contract: "EnergyMarket",
        functionName: "reportReadings",
        args: [
          batchId,
          readings.slice(from, to),
          signatures.slice(from, to),
          proofs.slice(from, to),
        ],
      });
      if (!receipt) return;
    }
    setProgress(undefined);
  };
  // An untrusted reading cannot settle; anyone may dispute it with evidence (decision 0208).
  const dispute = (i: number) => {
    if (!parsed?.ok) return;
    const b = parsed.bundle;
    void tx.send("Open dispute", {
      contract: "MeteringLedger",
      functionName: "openDispute",
      args: [b.batchId, b.readings[i]!, b.signatures[i]!, b.proofs[i]!, evidence.trim()],
    });
  };
  const untrusted = parsed?.ok
    ? parsed.bundle.readings.some((r) => r.verdict !== ReadingVerdict.Trusted)
    : false;
  return (
    <section className="card">
      <h2>Proven meter readings</h2>
      <p className="muted">
        Paste the bundle a metering gateway published for an anchored batch. Each reading counts
        only if it is in the batch, signed by the participant's bound meter and judged trusted; any
        wallet may submit it.
      </p>
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <textarea
          data-testid="reading-bundle"
          rows={6}
          value={text}
          onChange={(e) => setText(e.target.value)}
          placeholder='{"chainId": …, "batchId": "…", "readings": [ … ], …}'
        />
        <button type="submit" data-testid="report-readings" disabled={!parsed?.ok || !!reason}>
          Submit readings
        </button>
      </form>
      {reason ? (
        <p className="tx-error" data-testid="bundle-error">
          {reason}
        </p>
      ) : null}
      {parsed?.ok && !reason ? (
        <table className="table" data-testid="bundle-readings">
          <thead>
            <tr>
              <th>Batch</th>
              <th>Period</th>
              <th>Participant</th>
              <th>Meter</th>
              <th className="num">Produced</th>
              <th className="num">Consumed</th>
              <th>Verdict</th>
              {untrusted ? <th /> : null}
            </tr>
          </thead>
          <tbody>
            {parsed.bundle.readings.map((r, i) => (
              <tr key={i}>
                <td>{parsed.bundle.batchId.toString()}</td>
                <td>{r.periodId.toString()}</td>
                <td>{shortHex(r.participant)}</td>
                <td>{shortHex(r.meter)}</td>
                <td className="num">{formatWh(r.producedWh)}</td>
                <td className="num">{formatWh(r.consumedWh)}</td>
                <td>{VERDICT[r.verdict]}</td>
                {untrusted ? (
                  <td>
                    {r.verdict !== ReadingVerdict.Trusted ? (
                      <button type="button" data-testid={`dispute-${i}`} onClick={() => dispute(i)}>
                        Dispute
                      </button>
                    ) : null}
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {untrusted ? (
        <label>
          Evidence CID for a dispute (the device log, a second meter, an inspection)
          <input
            data-testid="dispute-evidence"
            value={evidence}
            onChange={(e) => setEvidence(e.target.value)}
            placeholder="bafy…"
          />
        </label>
      ) : null}
      {progress ? <p className="muted">{progress}</p> : null}
      <TxStatus state={tx.state} />
    </section>
  );
}
