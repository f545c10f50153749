import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";

/** Voltage per bus before and after a dispatch, with the band limits (the seed's Figs. 6 and 7). */
export function VoltageChart({
  rows,
  vMin,
  vMax,
}: {
  rows: { bus: string; before: number; after?: number }[];
  vMin: number;
  vMax: number;
}) {
  const values = rows.flatMap((r) => [r.before, r.after ?? r.before]);
  const lo = Math.min(vMin, ...values) - 0.01;
  const hi = Math.max(vMax, ...values) + 0.01;
  return (
    <div className="chart" data-testid="voltage-chart">
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={rows} margin={{ top: 8, right: 12, bottom: 20, left: 4 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#e3e7ee" />
          <XAxis dataKey="bus" label={{ value: "bus", position: "insideBottom", offset: -12 }} />
          <YAxis
            domain={[Number(lo.toFixed(3)), Number(hi.toFixed(3))]}
            tickFormatter={(v: number) => v.toFixed(3)}
            width={56}
          />
          <Tooltip formatter={(v) => `${Number(v).toFixed(4)} pu`} />
          <Legend verticalAlign="top" />
          <ReferenceLine
            y={vMax}
            stroke="#c0262d"
            strokeDasharray="4 4"
            // Inside the plot: "right" fell into the 12-px margin and was cut to "1".
            label={{ value: `Vmax ${vMax} pu`, position: "insideTopRight", fontSize: 11 }}
          />
          <ReferenceLine
            y={vMin}
            stroke="#1f4fd1"
            strokeDasharray="4 4"
            label={{ value: `Vmin ${vMin} pu`, position: "insideBottomRight", fontSize: 11 }}
          />
          <Line
            type="monotone"
            dataKey="before"
            name="before"
            stroke="#c0392b"
            dot
            isAnimationActive={false}
          />
          {rows.some((r) => r.after !== undefined) ? (
            <Line
              type="monotone"
              dataKey="after"
              name="after dispatch"
              stroke="#1f8a4c"
              dot
              isAnimationActive={false}
            />
          ) : null}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
