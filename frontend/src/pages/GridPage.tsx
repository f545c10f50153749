import { useMemo, useState } from "react";
import { useConfig } from "wagmi";
import { useQuery } from "@tanstack/react-query";
import type { Address } from "viem";
import {
  solvePowerFlow,
  type PowerFlowResult,
  applyInjections,
  type Network,
} from "@gridledger/domain/grid";
import { readContractByName } from "../hooks/useContractRead.ts";
import { useDispatchContract, useTdvaEvents, useTdvaLogs } from "../hooks/useDispatch.ts";
import { FeederGraph } from "../components/FeederGraph.tsx";
import { VoltageChart } from "../components/VoltageChart.tsx";
import { loadFeeder } from "../utils/feeders.ts";
import { getParsedError } from "../utils/parseError.ts";

type FeederName = "six-node" | "ieee33" | "ieee69";

function Violations({ title, result }: { title: string; result?: PowerFlowResult }) {
  if (!result) return null;
  return (
    <div>
      <h3>
        {title}: {result.violations.length} violation(s)
      </h3>
      {result.violations.length ? (
        <ul className="tx-error" data-testid={`violations-${title.split(" ")[0]!.toLowerCase()}`}>
          {result.violations.map((v) => (
            <li key={`${v.type}-${v.element}`}>
              {v.type} at {v.element}: {v.value.toFixed(4)} (limit {v.limit})
            </li>
          ))}
        </ul>
      ) : (
        <p className="ok" data-testid={`violations-${title.split(" ")[0]!.toLowerCase()}`}>
          All buses and lines within limits.
        </p>
      )}
    </div>
  );
}

/** Grid: the feeder coloured by voltage, the voltage profile before/after a dispatch event, violations. */
export default function GridPage(_props: { param: string }) {
  const config = useConfig();
  const [feeder, setFeeder] = useState<FeederName>("six-node");
  const [eventId, setEventId] = useState<string>("");
  const registry = useDispatchContract();
  const events = useTdvaEvents().filter(
    (e) => Number(e.trigger.stage) >= 2 && Number(e.trigger.stage) <= 4,
  );
  const chosen = events.find((e) => e.id.toString() === eventId);
  const logs = useTdvaLogs(registry, chosen?.id, chosen ? Number(chosen.trigger.stage) : undefined);
  const net = useQuery({
    queryKey: ["feeder", feeder],
    queryFn: () => loadFeeder(feeder),
    staleTime: Infinity,
  });
  const before = useMemo(() => (net.data ? solvePowerFlow(net.data) : undefined), [net.data]);
  const after = useQuery({
    queryKey: ["grid-after", feeder, eventId, logs.data?.lines.length],
    enabled: Boolean(net.data && chosen && logs.data && feeder === "six-node"),
    queryFn: async () => {
      const sign = chosen!.trigger.requestedW < 0n ? -1 : 1;
      const injections = await Promise.all(
        logs.data!.lines.map(async (l: { provider: Address; allocationW: number }) => {
          const { busId } = await readContractByName(config, "ParticipantRegistry", "participant", [
            l.provider,
          ]);
          return { bus: String(busId), kw: (sign * l.allocationW) / 1000, kvar: 0 };
        }),
      );
      return solvePowerFlow(applyInjections(net.data as Network, injections));
    },
  });
  const shown = after.data ?? before;
  const voltages = new Map((shown?.buses ?? []).map((b) => [b.id, b.vPu]));
  const afterBy = new Map((after.data?.buses ?? []).map((b) => [b.id, b.vPu]));
  const rows = (before?.buses ?? []).map((b) => ({
    bus: b.id,
    before: b.vPu,
    ...(after.data ? { after: afterBy.get(b.id) ?? b.vPu } : {}),
  }));
  return (
    <div className="page">
      <h1>Grid</h1>
      <section className="card">
        <form className="form" onSubmit={(e) => e.preventDefault()}>
          <label>
            Feeder
            <select
              data-testid="feeder-select"
              value={feeder}
              onChange={(e) => {
                setFeeder(e.target.value as FeederName);
                setEventId("");
              }}
            >
              <option value="six-node">6-node feeder (devnet, 001 §4)</option>
              <option value="ieee33">IEEE 33-bus</option>
              <option value="ieee69">IEEE 69-bus</option>
            </select>
          </label>
          <label>
            After dispatch event
            <select
              data-testid="event-select"
              value={eventId}
              disabled={feeder !== "six-node"}
              onChange={(e) => setEventId(e.target.value)}
            >
              <option value="">— none (as is) —</option>
              {events.map((e) => (
                <option key={e.id.toString()} value={e.id.toString()}>
                  event {e.id.toString()} ({Number(-e.trigger.requestedW) / 1000} kW)
                </option>
              ))}
            </select>
          </label>
        </form>
        {net.error ? <p className="tx-error">{getParsedError(net.error).message}</p> : null}
        {after.error ? <p className="tx-error">{getParsedError(after.error).message}</p> : null}
        {before ? (
          <div className="figures">
            <div>
              <span>solver</span>
              <strong>
                {before.solver.toUpperCase()}, {before.iterations} it.
              </strong>
            </div>
            <div>
              <span>max voltage before</span>
              <strong>
                {before.maxVoltage.vPu.toFixed(4)} pu @ {before.maxVoltage.bus}
              </strong>
            </div>
            {after.data ? (
              <div>
                <span>max voltage after</span>
                <strong data-testid="max-after">
                  {after.data.maxVoltage.vPu.toFixed(4)} pu @ {after.data.maxVoltage.bus}
                </strong>
              </div>
            ) : null}
            <div>
              <span>losses</span>
              <strong>{(after.data ?? before).totalLossKW.toFixed(1)} kW</strong>
            </div>
          </div>
        ) : null}
      </section>
      {net.data && shown ? (
        <div className="two-col">
          <section className="card">
            <h2>
              {net.data.name}: bus voltages {after.data ? "after the dispatch" : "as is"}
            </h2>
            <FeederGraph network={net.data} voltages={voltages} />
          </section>
          <section className="card">
            <h2>Voltage profile</h2>
            <VoltageChart rows={rows} vMin={net.data.limits.vMinPu} vMax={net.data.limits.vMaxPu} />
            <Violations title="Before dispatch" result={before} />
            {after.data ? <Violations title="After dispatch" result={after.data} /> : null}
          </section>
        </div>
      ) : null}
    </div>
  );
}
