import { z } from "zod";
import { parseWith } from "../validate.ts";

const finite = z.number().refine(Number.isFinite, "must be a finite number");
const pct = finite.refine((v) => v >= 0 && v <= 100, "must be between 0 and 100");

/** One metered interval: start time (ISO 8601) and energy in kWh. */
export const ReadingSchema = z.object({
  start: z.iso.datetime({ offset: true, message: "must be an ISO 8601 date-time" }),
  kwh: finite,
});

export const SeriesSchema = z.object({
  source: z.string().min(1),
  readings: z.array(ReadingSchema).min(1, "needs at least one reading"),
  /** The same source on a similar day (e.g. the same weekday last week), for daily comparison. */
  similarDay: z.array(ReadingSchema).optional(),
});

export const TrustInputSchema = z.object({
  /** Data the monitoring terminal put on-chain directly: the trusted reference. */
  direct: SeriesSchema,
  /** Data reported by aggregator platforms for the same meter(s). */
  reported: z.array(SeriesSchema).min(1, "needs at least one reported series"),
  /** Length of one reading in minutes (default 15). */
  intervalMinutes: z
    .number()
    .int()
    .refine((v) => v > 0 && 60 % v === 0, "must divide 60")
    .default(15),
  tolerances: z
    .object({
      /** Intra-day routine comparison, per hour (000 IV.B: ±10 %). */
      hourlyPct: pct.default(10),
      /** Daily comparison of similar days, on the total (±5 %). */
      dailyTotalPct: pct.default(5),
      /** Daily comparison of similar days, on the fluctuation (std. dev. of hourly energy, ±5 %). */
      dailyFluctuationPct: pct.default(5),
      /** Below this many kWh two values count as equal (avoids dividing by zero). */
      absoluteKWh: finite.refine((v) => v >= 0, "must be >= 0").default(0.001),
    })
    .default({ hourlyPct: 10, dailyTotalPct: 5, dailyFluctuationPct: 5, absoluteKWh: 0.001 }),
});
export type TrustInput = z.input<typeof TrustInputSchema>;

/** The three dimensions of trusted comparison (000 IV.B). */
export type Dimension = "own-history" | "internal" | "cross-source";

export type Check = {
  dimension: Dimension;
  rule: string;
  source: string;
  /** Hour start (ISO) for hourly checks, null for daily ones. */
  interval: string | null;
  value: number | null;
  reference: number | null;
  /** |value − reference| / |reference| in %, null when the reference is zero. */
  deviationPct: number | null;
  limitPct: number | null;
  pass: boolean;
  note?: string;
};

export type TrustReport = {
  hours: { start: string; trusted: boolean; reasons: string[] }[];
  sources: { source: string; role: "direct" | "reported"; trusted: boolean; reasons: string[] }[];
  trustedIntervals: string[];
  comparisons: number;
  checks: Check[];
};

type Series = z.output<typeof SeriesSchema>;
type Tolerances = z.output<typeof TrustInputSchema>["tolerances"];

const r6 = (v: number) => Math.round(v * 1e6) / 1e6;

/** Sums readings into clock hours (UTC); also reports duplicates and negative values. */
function hourly(readings: { start: string; kwh: number }[]) {
  const hours = new Map<string, { kwh: number; count: number }>();
  const seen = new Set<number>();
  let duplicates = 0;
  let negatives = 0;
  for (const r of readings) {
    const t = Date.parse(r.start);
    if (seen.has(t)) duplicates++;
    seen.add(t);
    if (r.kwh < 0) negatives++;
    const h = new Date(Math.floor(t / 3_600_000) * 3_600_000).toISOString();
    const cur = hours.get(h) ?? { kwh: 0, count: 0 };
    cur.kwh += r.kwh;
    cur.count++;
    hours.set(h, cur);
  }
  return { hours, duplicates, negatives };
}

function deviation(value: number, reference: number, tol: Tolerances): number | null {
  if (Math.abs(value - reference) <= tol.absoluteKWh) return 0;
  if (reference === 0) return null;
  return r6((Math.abs(value - reference) / Math.abs(reference)) * 100);
}

function stdDev(values: number[]): number {
  if (values.length === 0) return 0;
  const m = values.reduce((s, v) => s + v, 0) / values.length;
  return Math.sqrt(values.reduce((s, v) => s + (v - m) * (v - m), 0) / values.length);
}

function compare(
  dimension: Dimension,
  rule: string,
  source: string,
  interval: string | null,
  value: number,
  reference: number,
  limitPct: number,
  tol: Tolerances,
): Check {
  const dev = deviation(value, reference, tol);
  return {
    dimension,
    rule,
    source,
    interval,
    value: r6(value),
    reference: r6(reference),
    deviationPct: dev,
    limitPct,
    pass: dev !== null && dev <= limitPct,
    ...(dev === null ? { note: "reference is zero" } : {}),
  };
}

/** Daily totals and fluctuation of a series against its similar day (dimension: own history). */
function ownHistory(series: Series, tol: Tolerances): Check[] {
  if (!series.similarDay) return [];
  const today = [...hourly(series.readings).hours.values()].map((h) => h.kwh);
  const before = [...hourly(series.similarDay).hours.values()].map((h) => h.kwh);
  const sum = (a: number[]) => a.reduce((s, v) => s + v, 0);
  return [
    compare(
      "own-history",
      "daily total vs similar day",
      series.source,
      null,
      sum(today),
      sum(before),
      tol.dailyTotalPct,
      tol,
    ),
    compare(
      "own-history",
      "daily fluctuation vs similar day",
      series.source,
      null,
      stdDev(today),
      stdDev(before),
      tol.dailyFluctuationPct,
      tol,
    ),
  ];
}

/** Completeness, duplicates and sign of one series (dimension: the source internally). */
function internal(series: Series, intervalMinutes: number): Check[] {
  const { hours, duplicates, negatives } = hourly(series.readings);
  const expected = 60 / intervalMinutes;
  const checks: Check[] = [];
  for (const [start, h] of hours)
    checks.push({
      dimension: "internal",
      rule: `${expected} readings per hour`,
      source: series.source,
      interval: start,
      value: h.count,
      reference: expected,
      deviationPct: null,
      limitPct: null,
      pass: h.count === expected,
    });
  checks.push({
    dimension: "internal",
    rule: "no duplicate or negative readings",
    source: series.source,
    interval: null,
    value: duplicates + negatives,
    reference: 0,
    deviationPct: null,
    limitPct: null,
    pass: duplicates === 0 && negatives === 0,
    ...(duplicates + negatives > 0
      ? { note: `${duplicates} duplicate(s), ${negatives} negative value(s)` }
      : {}),
  });
  return checks;
}

function describe(c: Check): string {
  const at = c.interval ? ` at ${c.interval}` : "";
  if (c.deviationPct !== null && c.limitPct !== null)
    return `${c.rule}${at}: ${c.deviationPct} % > ${c.limitPct} % (${c.value} vs ${c.reference})`;
  return `${c.rule}${at}: ${c.note ?? `${c.value} vs ${c.reference}`}`;
}

/**
 * Trusted comparison of 000 §IV.B: device-direct data (the monitoring terminal's on-chain series)
 * against aggregator-reported series, intra-day per hour (±10 % by default) and daily against a
 * similar day (±5 % on the total and on the fluctuation), along three dimensions: a source against
 * its own history, a source internally (completeness, duplicates, sign), and across sources.
 * An hour is trusted when every reported source agrees with the direct data within the hourly
 * tolerance and the direct data is internally complete; a source is trusted when all its checks pass.
 *
 * @example compareSeries({ direct, reported: [agg] }).trustedIntervals
 */
export function compareSeries(value: TrustInput): TrustReport {
  const input = parseWith(TrustInputSchema, value, "trust input");
  const tol = input.tolerances;
  const checks: Check[] = [];
  const all = [input.direct, ...input.reported];
  for (const s of all) checks.push(...internal(s, input.intervalMinutes), ...ownHistory(s, tol));
  const direct = hourly(input.direct.readings).hours;
  const directHours = [...direct.keys()].sort();
  for (const rep of input.reported) {
    const h = hourly(rep.readings).hours;
    for (const start of directHours) {
      const ref = direct.get(start)!.kwh;
      const got = h.get(start);
      if (!got) {
        checks.push({
          dimension: "cross-source",
          rule: "hourly energy vs direct",
          source: rep.source,
          interval: start,
          value: null,
          reference: r6(ref),
          deviationPct: null,
          limitPct: tol.hourlyPct,
          pass: false,
          note: "missing in the reported series",
        });
      } else
        checks.push(
          compare(
            "cross-source",
            "hourly energy vs direct",
            rep.source,
            start,
            got.kwh,
            ref,
            tol.hourlyPct,
            tol,
          ),
        );
    }
    const repDaily = [...h.entries()].filter(([k]) => direct.has(k)).map(([, v]) => v.kwh);
    const dirDaily = directHours.map((k) => direct.get(k)!.kwh);
    checks.push(
      compare(
        "cross-source",
        "daily total vs direct",
        rep.source,
        null,
        repDaily.reduce((s, v) => s + v, 0),
        dirDaily.reduce((s, v) => s + v, 0),
        tol.dailyTotalPct,
        tol,
      ),
      compare(
        "cross-source",
        "daily fluctuation vs direct",
        rep.source,
        null,
        stdDev(repDaily),
        stdDev(dirDaily),
        tol.dailyFluctuationPct,
        tol,
      ),
    );
  }
  const failed = checks.filter((c) => !c.pass);
  const hours = directHours.map((start) => {
    const reasons = failed
      .filter(
        (c) =>
          c.interval === start &&
          (c.dimension === "cross-source" || c.source === input.direct.source),
      )
      .map((c) => `${c.source}: ${describe(c)}`);
    return { start, trusted: reasons.length === 0, reasons };
  });
  const sources = all.map((s, i) => {
    const reasons = failed.filter((c) => c.source === s.source).map(describe);
    return {
      source: s.source,
      role: (i === 0 ? "direct" : "reported") as "direct" | "reported",
      trusted: reasons.length === 0,
      reasons,
    };
  });
  return {
    hours,
    sources,
    trustedIntervals: hours.filter((h) => h.trusted).map((h) => h.start),
    comparisons: checks.length,
    checks,
  };
}
