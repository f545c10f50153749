// `npm run bench:grid`: power flow, dispatch and Dempster-Shafer timings (medians over repeated
// runs, after a warm-up), printed as a table and written to bench-results/grid.json.
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { admmDispatch, capacityW, type Offer, meritOrder } from "@gridledger/domain/dispatch";
import {
  combineMasses,
  fullSet,
  selectCounterparty,
  type MassFunction,
  type SelectionInput,
} from "@gridledger/domain/evidence";
import { generateNetwork, type Network, solvePowerFlow } from "@gridledger/domain/grid";
import { seededRandom } from "@gridledger/domain/random";
import { loadShippedNetwork } from "@gridledger/domain/networks";

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Median wall time in ms of `fn` over `runs` runs after `warmup` unmeasured ones. */
function time(fn: () => unknown, runs: number, warmup = Math.max(3, runs >> 2)): number {
  for (let i = 0; i < warmup; i++) fn();
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    t.push(performance.now() - t0);
  }
  return median(t);
}

const rows: { case: string; median_ms: number; note: string }[] = [];
const row = (name: string, ms: number, note = "") => {
  rows.push({ case: name, median_ms: Math.round(ms * 1000) / 1000, note });
  return ms;
};

function flow(name: string, net: Network, runs: number): number {
  const res = solvePowerFlow(net);
  return row(
    name,
    time(() => solvePowerFlow(net), runs),
    `${res.solver}, ${res.iterations} it, ${net.buses.length} buses, loss ${res.totalLossKW.toFixed(2)} kW`,
  );
}

const ieee33_ms = flow("power flow IEEE 33", loadShippedNetwork("ieee33"), 500);
const radial1k_ms = flow("power flow radial 1,000", generateNetwork({ buses: 1000 }), 100);
const radial10k_ms = flow("power flow radial 10,000", generateNetwork({ buses: 10_000 }), 40);
const meshed300_ms = flow(
  "power flow meshed 300 (NR)",
  generateNetwork({ buses: 300, loops: 30 }),
  40,
);

function offers(n: number, seed: number): Offer[] {
  const rnd = seededRandom(seed);
  return Array.from({ length: n }, (_, i) => {
    let p = 0.05 + rnd() * 0.5;
    const segments = Array.from({ length: 3 }, () => ({
      kw: Math.round(10 + rnd() * 90),
      price: Math.round((p += rnd() * 0.3) * 1000) / 1000,
    }));
    return { id: `p${i}`, maxKW: 200, maxKWh: 100 + rnd() * 300, segments };
  });
}

const dispatch: Record<number, { exact: number; admm: number }> = {};
for (const n of [10, 100, 1000]) {
  const o = offers(n, n);
  const T = 2;
  const request = Math.floor(o.reduce((s, x) => s + capacityW(x, T), 0) * 0.5);
  const exact = row(
    `dispatch exact ${n} offers`,
    time(() => meritOrder(o, request, T), 50),
  );
  const probe = admmDispatch(o, request, T);
  const admm = row(
    `dispatch ADMM ${n} offers`,
    time(() => admmDispatch(o, request, T), n === 1000 ? 15 : 30),
    `${probe.iterations} iterations, converged ${probe.converged}`,
  );
  dispatch[n] = { exact, admm };
}

function sources(count: number, frameSize: number, seed: number): MassFunction[] {
  const rnd = seededRandom(seed);
  const frame = Array.from({ length: frameSize }, (_, i) => `h${i}`);
  return Array.from({ length: count }, () => {
    const masses = new Map<number, number>();
    // One singleton among a few favourites (so sources partly agree), four random subsets of a
    // quarter to a half of the frame, and 30-50 % ignorance on Ω: moderate conflict.
    const focal: number[] = [(1 << Math.floor(rnd() * 4)) >>> 0];
    for (let k = 0; k < 4; k++) {
      let set = 0;
      const size = Math.ceil(frameSize / 4 + (rnd() * frameSize) / 4);
      for (let j = 0; j < size; j++) set = (set | (1 << Math.floor(rnd() * frameSize))) >>> 0;
      focal.push(set);
    }
    const w = focal.map(() => rnd());
    const omega = 0.3 + 0.2 * rnd();
    const total = w.reduce((s, v) => s + v, 0);
    focal.forEach((set, i) =>
      masses.set(set, (masses.get(set) ?? 0) + ((1 - omega) * w[i]!) / total),
    );
    masses.set(fullSet(frameSize), omega);
    return { frame, masses };
  });
}
const ds16 = sources(10, 16, 16);
const ds32 = sources(10, 32, 32);
const ds_10x16_ms = row(
  "Dempster 10 sources x 16 hypotheses",
  time(() => combineMasses(ds16), 200),
  `${combineMasses(ds16).mass.masses.size} focal sets, K = ${combineMasses(ds16).conflict.toFixed(4)}`,
);
const ds_10x32_ms = row(
  "Dempster 10 sources x 32 hypotheses",
  time(() => combineMasses(ds32), 200),
  `${combineMasses(ds32).mass.masses.size} focal sets, K = ${combineMasses(ds32).conflict.toFixed(4)}`,
);

// 50 candidates on the six-node feeder's buses with seeded histories in all four sources; every
// candidate's 50 kW sale is power-flow checked (decision 0305) before the frame is built (0306).
const sixNode = loadShippedNetwork("six-node");
const rand = seededRandom(50);
const counts = (n: number, p: number) => Math.round(n * Math.min(1, Math.max(0, p)));
const selection: SelectionInput = {
  candidates: Array.from({ length: 50 }, (_, i) => {
    const q = i === 0 ? 0.97 : 0.75 + 0.15 * rand();
    return {
      id: `unit-${i}`,
      bus: String(2 + (i % 5)),
      history: {
        forecasts: Array.from({ length: 24 }, (_, k) => ({
          forecastKWh: 10,
          actualKWh: k < counts(24, q) ? 10 : 6,
        })),
        lineFaults: { periods: 30, faults: 30 - counts(30, q + 0.05) },
        storage: { requests: 20, available: counts(20, q) },
        loadShedding: { periods: 20, sheds: 20 - counts(20, q) },
      },
    };
  }),
  trade: { network: sixNode, buyerBus: "4", quantityKW: 50 },
};
const picked = selectCounterparty(selection);
const select_counterparty_50_ms = row(
  "Counterparty: 50 candidates, 4 sources, safety check",
  time(() => selectCounterparty(selection), 30),
  `decision ${picked.decision ?? "none"}, ${picked.excluded.length} excluded, K = ${picked.conflict?.toFixed(4)}`,
);

console.table(rows);
const figures = {
  ieee33_ms,
  radial1k_ms,
  radial10k_ms,
  meshed300_ms,
  dispatch_exact_1000_ms: dispatch[1000]!.exact,
  dispatch_admm_1000_ms: dispatch[1000]!.admm,
  ds_10x16_ms,
  ds_10x32_ms,
  select_counterparty_50_ms,
};
const rounded = Object.fromEntries(
  Object.entries(figures).map(([k, v]) => [k, Math.round(v * 1000) / 1000]),
);
const dir = fileURLToPath(new URL("../../bench-results/", import.meta.url));
mkdirSync(dir, { recursive: true });
writeFileSync(`${dir}grid.json`, JSON.stringify({ figures: rounded }, null, 2) + "\n");
console.log(
  `targets: IEEE 33 < 1 ms: ${ieee33_ms < 1}; 10,000-bus radial < 100 ms: ${radial10k_ms < 100}; 1,000 offers exact < 10 ms: ${dispatch[1000]!.exact < 10}`,
);
console.log(`wrote ${dir}grid.json`);
