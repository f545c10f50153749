import { seededRandom } from "../random.ts";
import type { Network } from "./network.ts";

export type GenerateOptions = {
  buses: number;
  /** Extra branches closing loops (0 = radial). */
  loops?: number;
  seed?: number;
};

/**
 * A synthetic 12.66 kV feeder for tests and benchmarks: a random tree where each bus hangs off one
 * of the 40 buses numbered just before it (so feeders are long, as real ones are), loads of
 * loads totalling about 4 MW (Q = 0.4 P) and impedances scaled with 1/n so the voltage drop stays
 * near the 33-bus feeder's, plus
 * `loops` extra branches between random buses for a meshed case.
 *
 * @example const net = generateNetwork({ buses: 10_000 }) // radial
 */
export function generateNetwork({ buses: n, loops = 0, seed = 1 }: GenerateOptions): Network {
  const rnd = seededRandom(seed);
  // About 4 MW in total and about 6 % voltage drop whatever the size (the path to the slack is
  // roughly n/20 branches long, so branch impedance scales with 1/n).
  const pScale = 4000 / n;
  const zScale = 130 / n;
  const buses: Network["buses"] = [];
  const branches: Network["branches"] = [];
  for (let i = 0; i < n; i++) {
    const p = i === 0 ? 0 : (0.5 + rnd()) * pScale;
    buses.push({ id: String(i + 1), loadKW: p, loadKvar: p * 0.4, genKW: 0, genKvar: 0 });
    if (i > 0) {
      const parent = Math.max(0, i - 1 - Math.floor(rnd() * 40));
      branches.push({
        id: `${parent + 1}-${i + 1}`,
        from: String(parent + 1),
        to: String(i + 1),
        rOhm: (0.5 + rnd()) * zScale,
        xOhm: (0.3 + 0.6 * rnd()) * zScale,
        inService: true,
      });
    }
  }
  for (let l = 0; l < loops; l++) {
    const a = 1 + Math.floor(rnd() * (n - 1));
    let b = 1 + Math.floor(rnd() * (n - 1));
    if (b === a) b = ((a + n / 2) % (n - 1)) + 1;
    branches.push({
      id: `tie-${l + 1}`,
      from: String(a + 1),
      to: String(b + 1),
      rOhm: (2 + 4 * rnd()) * zScale,
      xOhm: (1 + 3 * rnd()) * zScale,
      inService: true,
    });
  }
  return {
    name: `generated ${loops ? "meshed" : "radial"} ${n}-bus feeder (seed ${seed})`,
    baseKV: 12.66,
    baseMVA: 10,
    slackBus: "1",
    slackVoltagePu: 1,
    buses,
    branches,
    limits: { vMinPu: 0.9, vMaxPu: 1.1 },
  };
}
