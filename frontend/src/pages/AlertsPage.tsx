import { useQuery } from "@tanstack/react-query";
import { apiGet } from "../utils/api.ts";

/** One alert as GET /v1/alerts lists it (services/src/api/schemas.ts AlertViewSchema). */
type Alert = {
  name: string;
  severity: "critical" | "warning" | "info";
  summary: string;
  status: "firing" | "resolved";
  activeSince: string;
  startsAt: string;
  endsAt: string | null;
  value: number;
};
type Alerts = { evaluatedAt: string | null; firing: number; alerts: Alert[] };

const SEVERITY = { critical: "Critical", warning: "Warning", info: "Notice" } as const;

/** "Monitoring" words for an alert name: IndexerLagging → "Indexer lagging". */
export function alertTitle(name: string): string {
  const words = name.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const when = (iso: string) => new Date(iso).toLocaleString();

/** The Alerts panel: firing alerts, then recently resolved ones, from the API's evaluator. */
export default function AlertsPage() {
  const { data, error } = useQuery({
    queryKey: ["alerts"],
    queryFn: () => apiGet<Alerts>("/v1/alerts"),
    refetchInterval: 5_000,
  });
  if (error) {
    return (
      <section className="card">
        <p className="tx-error">Alerts are unavailable: {error.message}</p>
      </section>
    );
  }
  if (!data) return <p className="muted">Loading alerts…</p>;
  const table = (status: Alert["status"], testId: string) => {
    const rows = data.alerts.filter((a) => a.status === status);
    if (rows.length === 0) {
      return <p className="muted">{status === "firing" ? "Nothing is firing." : "None."}</p>;
    }
    return (
      <table className="table" data-testid={testId}>
        <thead>
          <tr>
            <th>Alert</th>
            <th>Severity</th>
            <th>What it means</th>
            <th>{status === "firing" ? "Since" : "Resolved"}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((a) => (
            <tr key={`${a.name}-${a.startsAt}`} data-alert={a.name}>
              <td>{alertTitle(a.name)}</td>
              <td>{SEVERITY[a.severity]}</td>
              <td>{a.summary}</td>
              <td>{when(status === "firing" ? a.activeSince : (a.endsAt ?? a.startsAt))}</td>
            </tr>
          ))}
        </tbody>
      </table>
    );
  };
  return (
    <>
      <section className="card">
        <h2>Firing ({data.firing})</h2>
        {table("firing", "alerts-firing")}
      </section>
      <section className="card">
        <h2>Recently resolved</h2>
        {table("resolved", "alerts-resolved")}
        <p className="muted">
          Last evaluated {data.evaluatedAt ? when(data.evaluatedAt) : "not yet"}.
        </p>
      </section>
    </>
  );
}
