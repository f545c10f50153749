import { useQuery } from "@tanstack/react-query";
import { apiGet } from "../utils/api.ts";
import { shortHex } from "../utils/format.ts";

type Evidence = {
  selection: {
    decision: string | null;
    reasons: string[];
    ranking: { id: string; mass: number; plausibility: number }[];
  };
};

/**
 * The sellers of the order book compared by their indexed history (GET
 * /v1/participants/{address}/evidence, decision 0306): eq. (9)'s decision, or why there is none,
 * and each seller's fused mass and plausibility of being the best counterparty.
 */
export function CounterpartyEvidence({ sellers }: { sellers: string[] }) {
  const ids = [...new Set(sellers.map((s) => s.toLowerCase()))].slice(0, 50);
  const q = useQuery({
    queryKey: ["evidence", ids],
    enabled: ids.length > 0,
    queryFn: () =>
      apiGet<Evidence>(
        `/v1/participants/${ids[0]}/evidence` +
          (ids.length > 1 ? `?peers=${ids.slice(1).join(",")}` : ""),
      ),
  });
  if (ids.length === 0) return null;
  if (q.error) return <p className="muted">Counterparty evidence unavailable: {q.error.message}</p>;
  if (!q.data) return <p className="muted">Loading counterparty evidence…</p>;
  const s = q.data.selection;
  return (
    <div data-testid="counterparty-evidence">
      <h3>Counterparty evidence</h3>
      <p>
        eq. (9):{" "}
        {s.decision ? <strong className="mono">{shortHex(s.decision)}</strong> : "no decision"}
      </p>
      <ul>
        {s.reasons.map((r) => (
          <li key={r}>{r}</li>
        ))}
      </ul>
      <table className="table">
        <thead>
          <tr>
            <th>Seller</th>
            <th className="num">M(&#123;seller&#125;)</th>
            <th className="num">Pl(seller)</th>
          </tr>
        </thead>
        <tbody>
          {s.ranking.map((c) => (
            <tr key={c.id}>
              <td className="mono">{shortHex(c.id)}</td>
              <td className="num">{c.mass.toFixed(3)}</td>
              <td className="num">{c.plausibility.toFixed(3)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
