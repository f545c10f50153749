/**
 * The moments of a market interval a person waits for (docs/decisions/0803): gate closure
 * (orders stop, clearing may start), delivery end (meters may report) and the end of the
 * metering window (the period may be settled). The CLI's `devnet advance` and the web app's
 * clock controls both move the devnet's clock to these.
 */
export const CLOCK_TARGETS = ["gate", "delivery", "settlement"] as const;
export type ClockTarget = (typeof CLOCK_TARGETS)[number];

export type IntervalMoments = Record<ClockTarget, number>;

/** An interval's moments, unix seconds, from its on-chain fields. */
export function intervalMoments(iv: {
  gateClosure: number;
  start: number;
  duration: number;
  meteringWindow: number;
}): IntervalMoments {
  const delivery = iv.start + iv.duration;
  return { gate: iv.gateClosure, delivery, settlement: delivery + iv.meteringWindow };
}

/**
 * Seconds to move a clock at `now` so that `moment` has passed: the moment itself still lies
 * inside its window (the gate is exclusive), so one second past it; 0 if it has passed.
 */
export function secondsUntilPast(now: number, moment: number): number {
  return Math.max(0, moment + 1 - now);
}
