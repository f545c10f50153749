import {
  Area,
  AreaChart,
  CartesianGrid,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import type { DepthPoint } from "../utils/market.ts";
import { formatToken } from "../utils/format.ts";

/** Order-book depth: cumulative supply (asks) and demand (bids) against price, as step areas. */
export function DepthChart({ points }: { points: DepthPoint[] }) {
  if (points.length === 0) return <p className="muted">No live orders yet.</p>;
  const data = points.map((p) => ({
    ...p,
    supply: (p.supply ?? 0) / 1000,
    demand: (p.demand ?? 0) / 1000,
  }));
  return (
    <div className="chart" data-testid="depth-chart">
      <ResponsiveContainer width="100%" height="100%">
        <AreaChart data={data} margin={{ top: 8, right: 12, bottom: 20, left: 4 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#e3e7ee" />
          <XAxis
            dataKey="price"
            tickFormatter={(v: number) => formatToken(BigInt(v), 4)}
            label={{ value: "price (GLT/kWh)", position: "insideBottom", offset: -12 }}
          />
          <YAxis label={{ value: "kWh", angle: -90, position: "insideLeft" }} width={48} />
          <Tooltip
            labelFormatter={(v) => `${formatToken(BigInt(Number(v)), 6)} GLT/kWh`}
            formatter={(v) => `${Number(v).toFixed(3)} kWh`}
          />
          <Area
            type="stepAfter"
            dataKey="demand"
            name="demand (bids)"
            stroke="#1f8a4c"
            fill="#1f8a4c33"
            isAnimationActive={false}
          />
          <Area
            type="stepBefore"
            dataKey="supply"
            name="supply (asks)"
            stroke="#c0392b"
            fill="#c0392b33"
            isAnimationActive={false}
          />
        </AreaChart>
      </ResponsiveContainer>
    </div>
  );
}
