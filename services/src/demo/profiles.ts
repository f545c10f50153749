import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";

/**
 * Synthetic but physically shaped profiles for the market demo: one day of PV, wind, storage,
 * household load and conventional generation in fixed-length intervals, with day-ahead and
 * intraday forecasts whose errors shrink as delivery approaches. Every number comes from a seeded
 * generator, so the same seed gives the same day. The shapes and parameters are documented in
 * docs/decisions/0800-market-demo-profiles.md.
 */

export type UnitKind = "pv" | "wind" | "storage" | "load" | "conventional";

export type DemoUnit = {
  id: string;
  kind: UnitKind;
  renewable: boolean;
  /** Bus of the IEEE 33-bus feeder the unit sits on (2..33; bus 1 is the substation). */
  bus: number;
  /** Nameplate: kWp for PV, kW for wind/conventional/storage power, kW peak for loads. */
  capacityKW: number;
  /** Marginal price the unit asks or bids around, in token base units per kWh. */
  priceBase: number;
  /** Net energy per interval in Wh: > 0 exports (sells), < 0 imports (buys). */
  actualWh: number[];
  dayAheadWh: number[];
  intradayWh: number[];
};

export type DemoDay = {
  seed: number;
  intervals: number;
  intervalMinutes: number;
  units: DemoUnit[];
  /** Grid prices per interval (base units per kWh): what a buyer pays the grid for a shortfall. */
  gridBuyPrice: number[];
  /** Grid feed-in price per interval (base units per kWh): what the grid pays for a surplus. */
  feedInPrice: number[];
};

export type DemoDayOptions = { prosumers: number; intervals: number; seed: number };

/** Share of each kind among the units, in the order units are assigned. */
const MIX: [UnitKind, number][] = [
  ["pv", 0.35],
  ["load", 0.3],
  ["wind", 0.12],
  ["storage", 0.11],
  ["conventional", 0.12],
];

/** Forecast error (one standard deviation, relative to capacity) day-ahead / intraday. */
const FORECAST_SIGMA: Record<UnitKind, [number, number]> = {
  pv: [0.12, 0.05],
  wind: [0.2, 0.08],
  load: [0.08, 0.03],
  storage: [0.02, 0.01],
  conventional: [0.01, 0.005],
};

type Rng = () => number;

function makeRng(seed: number): Rng {
  const generator = xoroshiro128plus(seed); // advanced in place by each draw
  return () => uniformFloat64(generator);
}

/** Standard normal variate (Box-Muller). */
function gaussian(rng: Rng): number {
  const u = Math.max(rng(), Number.EPSILON);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/** Hour of day (0..24) at the middle of interval t. */
function hourOf(t: number, intervals: number): number {
  return ((t + 0.5) * 24) / intervals;
}

/** Clear-sky PV shape: a sine bell from 06:00 to 18:00, 0 at night, peak 1 at 12:00. */
export function pvShape(hour: number): number {
  return hour <= 6 || hour >= 18 ? 0 : Math.sin((Math.PI * (hour - 6)) / 12);
}

/** Household load shape: night base, morning and evening peaks (fraction of peak). */
export function loadShape(hour: number): number {
  const bump = (centre: number, width: number) => Math.exp(-(((hour - centre) / width) ** 2));
  return 0.3 + 0.45 * bump(8, 1.5) + 0.7 * bump(19.5, 2);
}

/** Wind turbine power curve: cut-in 3 m/s, rated at 12 m/s, cut-out 25 m/s (fraction of rated). */
export function windPowerCurve(speed: number): number {
  if (speed < 3 || speed >= 25) return 0;
  if (speed >= 12) return 1;
  return (speed ** 3 - 27) / (12 ** 3 - 27);
}

/**
 * Generates one seeded demo day.
 *
 * @example const day = generateDemoDay({ prosumers: 50, intervals: 96, seed: 7 })
 */
export function generateDemoDay(options: DemoDayOptions): DemoDay {
  const { prosumers, intervals, seed } = options;
  const rng = makeRng(seed);
  const hours = 24 / intervals;
  const units: DemoUnit[] = [];
  const counts = MIX.map(
    ([kind, share]) => [kind, Math.max(1, Math.round(share * prosumers))] as const,
  );
  let total = counts.reduce((sum, [, n]) => sum + n, 0);
  // Trim or pad loads so the mix adds up to exactly `prosumers` units.
  const adjusted = counts.map(([kind, n]) => [kind, n] as [UnitKind, number]);
  const loadEntry = adjusted.find(([kind]) => kind === "load")!;
  while (total > prosumers && loadEntry[1] > 1) {
    loadEntry[1]--;
    total--;
  }
  while (total < prosumers) {
    loadEntry[1]++;
    total++;
  }

  // Shared weather: one cloudiness and one wind-speed path for the whole feeder (it is small).
  const cloud: number[] = [];
  const wind: number[] = [];
  let c = 0.2 + 0.3 * rng();
  let w = 6 + 4 * rng();
  for (let t = 0; t < intervals; t++) {
    c = Math.min(0.9, Math.max(0, 0.9 * c + 0.1 * 0.3 + 0.05 * gaussian(rng)));
    w = Math.max(0, 0.92 * w + 0.08 * 8 + 0.9 * gaussian(rng));
    cloud.push(c);
    wind.push(w);
  }

  let index = 0;
  for (const [kind, n] of adjusted) {
    for (let k = 0; k < n && units.length < prosumers; k++) {
      const id = `${kind}-${String(k + 1).padStart(2, "0")}`;
      const bus = 2 + (index++ % 32);
      units.push(makeUnit(kind, id, bus, rng, { intervals, hours, cloud, wind }));
    }
  }

  const gridBuyPrice: number[] = [];
  const feedInPrice: number[] = [];
  for (let t = 0; t < intervals; t++) {
    const hour = hourOf(t, intervals);
    const peak = (hour >= 17 && hour < 21) || (hour >= 7 && hour < 9);
    gridBuyPrice.push(peak ? 260 : hour >= 23 || hour < 6 ? 140 : 200);
    feedInPrice.push(peak ? 60 : 40);
  }
  return { seed, intervals, intervalMinutes: 1440 / intervals, units, gridBuyPrice, feedInPrice };
}

type Weather = { intervals: number; hours: number; cloud: number[]; wind: number[] };

function makeUnit(kind: UnitKind, id: string, bus: number, rng: Rng, weather: Weather): DemoUnit {
  const { intervals, hours, cloud, wind } = weather;
  const capacityKW =
    kind === "pv"
      ? 5 + 10 * rng()
      : kind === "wind"
        ? 20 + 30 * rng()
        : kind === "storage"
          ? 10 + 10 * rng()
          : kind === "conventional"
            ? 30 + 30 * rng()
            : 3 + 4 * rng();
  const priceBase =
    kind === "pv"
      ? 60 + 30 * rng()
      : kind === "wind"
        ? 70 + 30 * rng()
        : kind === "storage"
          ? 110 + 30 * rng()
          : kind === "conventional"
            ? 130 + 40 * rng()
            : 150 + 60 * rng();
  const ownLoadKW = kind === "pv" ? 2 + 3 * rng() : 0;
  const actualKW: number[] = [];
  for (let t = 0; t < intervals; t++) {
    const hour = hourOf(t, intervals);
    let kw: number;
    switch (kind) {
      case "pv":
        kw = capacityKW * pvShape(hour) * (1 - 0.75 * cloud[t]!) - ownLoadKW * loadShape(hour);
        break;
      case "wind":
        kw = capacityKW * windPowerCurve(wind[t]!);
        break;
      case "storage":
        // Charge (buy) late morning to early afternoon, discharge (sell) in the evening peak.
        kw =
          hour >= 10 && hour < 14
            ? -0.8 * capacityKW
            : hour >= 17 && hour < 21
              ? 0.8 * capacityKW
              : 0;
        break;
      case "conventional":
        kw = capacityKW * (hour >= 6 && hour < 23 ? 0.8 : 0.4);
        break;
      case "load":
        kw = -capacityKW * loadShape(hour) * (1 + 0.1 * gaussian(rng));
        break;
    }
    actualKW.push(kw);
  }
  const [sigmaDA, sigmaID] = FORECAST_SIGMA[kind];
  const toWh = (kw: number) => Math.round(kw * hours * 1000);
  // A forecast keeps the sign a unit can physically have: loads only import, wind and
  // conventional units only export; PV prosumers (net of their own load) and storage do both.
  const clamp = (kw: number) =>
    kind === "load"
      ? Math.min(0, kw)
      : kind === "wind" || kind === "conventional"
        ? Math.max(0, kw)
        : kw;
  const forecast = (sigma: number) =>
    actualKW.map((kw) => toWh(clamp(kw + sigma * capacityKW * gaussian(rng))));
  return {
    id,
    kind,
    renewable: kind === "pv" || kind === "wind",
    bus,
    capacityKW: Math.round(capacityKW * 10) / 10,
    priceBase: Math.round(priceBase),
    actualWh: actualKW.map(toWh),
    dayAheadWh: forecast(sigmaDA),
    intradayWh: forecast(sigmaID),
  };
}
