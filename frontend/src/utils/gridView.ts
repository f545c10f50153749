/** Pure helpers of the Grid page: voltage colours and a tree layout of a radial feeder. */

type Net = {
  slackBus: string;
  buses: { id: string }[];
  branches: { from: string; to: string; inService?: boolean }[];
};

/**
 * Colour of a bus voltage: blue below the band, green at 1.0 pu, amber near a limit, red beyond
 * the upper limit. `t` runs from the lower to the upper limit.
 */
export function voltageColour(vPu: number, vMin: number, vMax: number): string {
  if (vPu < vMin) return "#1f4fd1";
  if (vPu > vMax) return "#c0262d";
  const t = (vPu - vMin) / (vMax - vMin); // 0 … 1
  const mid = (1 - vMin) / (vMax - vMin);
  if (t <= mid) {
    const u = t / mid; // blue-ish → green
    return mix([95, 140, 230], [31, 138, 76], u);
  }
  const u = (t - mid) / (1 - mid); // green → amber
  return mix([31, 138, 76], [230, 150, 20], u);
}

function mix(a: number[], b: number[], u: number): string {
  const c = a.map((x, i) => Math.round(x + ((b[i] ?? 0) - x) * Math.min(1, Math.max(0, u))));
  return `#${c.map((x) => x.toString(16).padStart(2, "0")).join("")}`;
}

/** Breadth-first layers from the slack bus: x = hops from the grid, y = order within the layer. */
export function treeLayout(net: Net, dx = 120, dy = 70): Map<string, { x: number; y: number }> {
  const adj = new Map<string, string[]>();
  for (const b of net.branches) {
    if (b.inService === false) continue;
    adj.set(b.from, [...(adj.get(b.from) ?? []), b.to]);
    adj.set(b.to, [...(adj.get(b.to) ?? []), b.from]);
  }
  const depth = new Map<string, number>([[net.slackBus, 0]]);
  const queue = [net.slackBus];
  while (queue.length) {
    const cur = queue.shift()!;
    for (const next of adj.get(cur) ?? []) {
      if (!depth.has(next)) {
        depth.set(next, depth.get(cur)! + 1);
        queue.push(next);
      }
    }
  }
  const rows = new Map<number, number>();
  const out = new Map<string, { x: number; y: number }>();
  for (const bus of net.buses) {
    const d = depth.get(bus.id) ?? -1;
    const row = rows.get(d) ?? 0;
    rows.set(d, row + 1);
    out.set(bus.id, { x: d * dx, y: row * dy });
  }
  return out;
}
