import { useEffect, useState } from "react";
import { useQueries, useQuery, useQueryClient } from "@tanstack/react-query";
import { TraceGraph } from "../components/TraceGraph.tsx";
import { TraceUpload } from "../components/TraceUpload.tsx";
import { apiGet } from "../utils/api.ts";
import {
  RECORD_COLLECTION,
  TRACE_COLLECTIONS,
  describeVerification,
  nodeKey,
  traceIdProblem,
  type TraceResult,
  type Verdict,
  type VerifiedRecord,
} from "../utils/trace.ts";

type Search = {
  collection: keyof typeof TRACE_COLLECTIONS;
  id: string;
  direction: "upstream" | "downstream";
  depth: number;
};

function Badge({ verdict }: { verdict?: Verdict }) {
  if (!verdict) return <span className="badge pending">checking…</span>;
  const cls = verdict === "verified" ? "verified" : verdict === "pending" ? "pending" : "tampered";
  return (
    <span className={`badge ${cls}`} data-testid="integrity-badge" data-verdict={verdict}>
      {verdict === "verified"
        ? "✓ verified on-chain"
        : verdict === "pending"
          ? "pending anchor"
          : verdict === "missing"
            ? "✗ missing"
            : "✗ tampered"}
    </span>
  );
}

function parseParam(param: string): Search | undefined {
  const [collection, ...rest] = param.split("/");
  if (!collection || !(collection in TRACE_COLLECTIONS) || rest.length === 0) return undefined;
  return {
    collection: collection as Search["collection"],
    id: rest.join("/"),
    direction: "upstream",
    depth: 5,
  };
}

/** Trace a product, batch, participant, ...: its upstream or downstream graph, each record checked against its on-chain anchor. */
export default function TracePage({ param }: { param: string }) {
  const [form, setForm] = useState<Search>(
    () => parseParam(param) ?? { collection: "products", id: "", direction: "upstream", depth: 5 },
  );
  const [search, setSearch] = useState<Search | undefined>(() => parseParam(param));
  const [selected, setSelected] = useState<string>();
  const [idProblem, setIdProblem] = useState<string>();
  const queryClient = useQueryClient();
  useEffect(() => {
    const parsed = parseParam(param);
    if (parsed) {
      setForm(parsed);
      setSearch(parsed);
    }
  }, [param]);
  const trace = useQuery({
    queryKey: ["trace", search],
    enabled: Boolean(search?.id),
    retry: false,
    queryFn: () =>
      apiGet<TraceResult>(
        `/v1/trace/${search!.collection}/${encodeURIComponent(search!.id)}?direction=${search!.direction}&depth=${search!.depth}&verify=true`,
      ),
  });
  const records = trace.data
    ? [trace.data.root, ...trace.data.nodes].filter((n) => RECORD_COLLECTION[n.label])
    : [];
  const verdicts = useQueries({
    queries: records.map((n) => ({
      queryKey: ["record", n.label, n.id],
      retry: false,
      queryFn: () =>
        apiGet<VerifiedRecord>(
          `/v1/records/${RECORD_COLLECTION[n.label]}/${encodeURIComponent(n.id)}`,
        ),
    })),
  });
  const verdictOf = new Map<string, Verdict>();
  const recordOf = new Map<string, VerifiedRecord>();
  records.forEach((n, i) => {
    const r = verdicts[i]?.data;
    if (r) {
      verdictOf.set(nodeKey(n), r.verdict);
      recordOf.set(nodeKey(n), r);
    }
  });
  const open = selected ? recordOf.get(selected) : undefined;
  return (
    <div className="page">
      <h1>Trace</h1>
      <section className="card">
        <form
          className="form"
          onSubmit={(e) => {
            e.preventDefault();
            // A blank id used to do nothing at all; say what is missing instead.
            const problem = traceIdProblem(form.id, form.collection);
            setIdProblem(problem);
            if (problem) return;
            setSelected(undefined);
            // Every search re-reads and re-verifies: integrity is never taken from a cache.
            void queryClient.invalidateQueries({ queryKey: ["record"] });
            void queryClient.invalidateQueries({ queryKey: ["trace"] });
            window.location.hash = `#/trace/${form.collection}/${encodeURIComponent(form.id.trim())}`;
            setSearch({ ...form, id: form.id.trim() });
          }}
        >
          <label>
            What
            <select
              value={form.collection}
              onChange={(e) =>
                setForm({ ...form, collection: e.target.value as Search["collection"] })
              }
            >
              {Object.keys(TRACE_COLLECTIONS).map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          </label>
          <label>
            Id
            <input
              data-testid="trace-id"
              value={form.id}
              onChange={(e) => setForm({ ...form, id: e.target.value })}
              placeholder="e.g. PANEL-2026-001"
            />
          </label>
          <label>
            Direction
            <select
              value={form.direction}
              onChange={(e) =>
                setForm({ ...form, direction: e.target.value as Search["direction"] })
              }
            >
              <option value="upstream">upstream (where it came from)</option>
              <option value="downstream">downstream (where it went)</option>
            </select>
          </label>
          <label>
            Depth{" "}
            <input
              type="number"
              min={1}
              max={10}
              value={form.depth}
              onChange={(e) => setForm({ ...form, depth: Number(e.target.value) })}
            />
          </label>
          <button type="submit" data-testid="trace-search">
            Trace
          </button>
        </form>
        {idProblem ? (
          <p className="tx-error" role="alert" data-testid="trace-id-problem">
            {idProblem}
          </p>
        ) : null}
        {trace.error ? (
          <p className="tx-error" role="alert">
            {trace.error.message}
          </p>
        ) : null}
      </section>
      <TraceUpload />
      {trace.data ? (
        <div className="two-col">
          <section className="card">
            <h2>
              {trace.data.root.label} {trace.data.root.name ?? trace.data.root.id} ·{" "}
              {trace.data.direction}
            </h2>
            {trace.data.verification ? (
              <div
                className="trace-verification"
                data-testid="trace-verification"
                data-verdict={trace.data.verification.verdict}
              >
                <Badge verdict={trace.data.verification.verdict} />{" "}
                {describeVerification(trace.data.verification)}
                {trace.data.verification.problems.length > 0 ? (
                  <ul>
                    {trace.data.verification.problems.map((p) => (
                      <li key={p.edge}>
                        <span className="mono">{p.edge}</span>: {p.reasons.join("; ")}
                      </li>
                    ))}
                  </ul>
                ) : null}
              </div>
            ) : null}
            <TraceGraph result={trace.data} verdicts={verdictOf} onSelect={setSelected} />
            {trace.data.truncated ? (
              <p className="muted">The trace was truncated; narrow the depth.</p>
            ) : null}
          </section>
          <section className="card">
            <h2>Records and integrity</h2>
            <table className="table" data-testid="trace-records">
              <thead>
                <tr>
                  <th>Record</th>
                  <th>Kind</th>
                  <th>Integrity</th>
                  <th></th>
                </tr>
              </thead>
              <tbody>
                {records.map((n) => (
                  <tr key={nodeKey(n)} className={selected === nodeKey(n) ? "selected" : ""}>
                    <td className="mono">{n.id}</td>
                    <td>
                      {n.label} {n.kind ?? ""}
                    </td>
                    <td>
                      <Badge verdict={verdictOf.get(nodeKey(n))} />
                    </td>
                    <td>
                      <button className="secondary" onClick={() => setSelected(nodeKey(n))}>
                        Open
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {records.length === 0 ? (
              <p className="muted">No event or document records in this trace.</p>
            ) : null}
            {open ? (
              <div data-testid="record-detail">
                <h3>
                  {open.record.label} {open.record.id} <Badge verdict={open.verdict} />
                </h3>
                <dl className="kv">
                  <dt>CID</dt>
                  <dd className="mono">{open.record.cid ?? "–"}</dd>
                  <dt>keccak256</dt>
                  <dd className="mono">{open.record.contentHash ?? "–"}</dd>
                  <dt>Anchor</dt>
                  <dd>
                    {open.record.anchorId
                      ? `#${open.record.anchorId} (DataAnchor)`
                      : "not anchored yet"}
                  </dd>
                </dl>
                {open.reasons.length > 0 ? (
                  <ul className="tx-error">
                    {open.reasons.map((r) => (
                      <li key={r}>{r}</li>
                    ))}
                  </ul>
                ) : null}
                {open.document ? (
                  <pre className="doc">{JSON.stringify(open.document, null, 2)}</pre>
                ) : (
                  <p className="muted">No document is served for a record that fails its check.</p>
                )}
              </div>
            ) : null}
          </section>
        </div>
      ) : null}
    </div>
  );
}
