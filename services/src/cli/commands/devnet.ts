import type { Command } from "commander";
import { abis } from "@gridledger/protocol";
import { BaseError } from "@gridledger/domain/errors";
import {
  CLOCK_TARGETS,
  intervalMoments,
  secondsUntilPast,
  type ClockTarget,
} from "@gridledger/domain/market";
import { contractAddress } from "../../chain/deployment.ts";
import type { ChainSession } from "../../chain/session.ts";
import { withConfiguredSession } from "../configuredSession.ts";

/** The chain's clock and the moments of one interval that a person waits for. */
export type IntervalClock = {
  intervalId: bigint;
  /** Gate closure: orders stop, clearing may start. */
  gate: number;
  /** Delivery end: meters may report. */
  delivery: number;
  /** End of the metering window: the period may be settled. */
  settlement: number;
};

/** Reads an interval's moments; `intervalId` undefined means the newest interval. */
export async function intervalClock(
  session: ChainSession,
  intervalId: bigint | undefined,
): Promise<IntervalClock | undefined> {
  const address = contractAddress(session.deployment, "EnergyMarket");
  const abi = abis.EnergyMarket;
  const id =
    intervalId ??
    (await session.publicClient.readContract({ address, abi, functionName: "intervalCount" }));
  if (id === 0n) return undefined;
  const iv = await session.publicClient.readContract({
    address,
    abi,
    functionName: "interval",
    args: [id],
  });
  if (iv.start === 0) throw new BaseError(`--interval ${id}: no such interval on this market`);
  return { intervalId: id, ...intervalMoments(iv) };
}

/** Parses `--to`: a named moment of the interval or a number of seconds. */
export function parseClockTarget(raw: string): ClockTarget | number {
  if ((CLOCK_TARGETS as readonly string[]).includes(raw)) return raw as ClockTarget;
  if (/^[0-9]{1,9}$/.test(raw) && Number(raw) > 0) return Number(raw);
  throw new BaseError(
    `--to must be ${CLOCK_TARGETS.join(", ")} or a positive number of seconds (got ${JSON.stringify(raw)})`,
  );
}

function parseIntervalId(raw: string | undefined): bigint | undefined {
  if (raw === undefined) return undefined;
  if (!/^[1-9][0-9]{0,9}$/.test(raw))
    throw new BaseError(`--interval must be an interval id (got ${JSON.stringify(raw)})`);
  return BigInt(raw);
}

const iso = (t: number) => new Date(t * 1_000).toISOString();

/**
 * `gridledger devnet time|advance`: the devnet's clock. Clearing waits for gate closure and
 * settlement for the metering window; on the Hardhat devnet a person moves the clock instead of
 * waiting. Other chains are refused: their clock is real time.
 */
export function registerDevnet(program: Command): void {
  const devnet = program
    .command("devnet")
    .description(
      "the devnet's clock: show chain time, move it to an interval's gate or settlement",
    );
  devnet
    .command("time")
    .description(
      "chain time and the newest (or given) interval's gate, delivery end and settlement",
    )
    .option("--interval <id>", "interval id (default: the newest)")
    .action(async (options: { interval?: string }) => {
      const intervalId = parseIntervalId(options.interval);
      await withConfiguredSession(async (session) => {
        const now = await session.latestTimestamp();
        const clock = await intervalClock(session, intervalId);
        return {
          chainTime: now,
          chainTimeIso: iso(now),
          timeTravel: session.timeTravel,
          interval: clock && {
            id: clock.intervalId,
            ...Object.fromEntries(
              CLOCK_TARGETS.map((t) => [t, { at: clock[t], in: Math.max(0, clock[t] - now) }]),
            ),
          },
        };
      });
    });
  devnet
    .command("advance")
    .description("move the devnet's clock forward to an interval's moment or by seconds")
    .requiredOption("--to <target>", `${CLOCK_TARGETS.join(" | ")} | <seconds>`)
    .option("--interval <id>", "interval id for a named target (default: the newest)")
    .action(async (options: { to: string; interval?: string }) => {
      const target = parseClockTarget(options.to);
      const intervalId = parseIntervalId(options.interval);
      await withConfiguredSession(async (session) => {
        if (!session.timeTravel) {
          throw new BaseError(
            `the chain at ${session.rpcUrl} keeps real time (no evm_increaseTime): the clock moves only on the Hardhat devnet`,
          );
        }
        const before = await session.latestTimestamp();
        let at: number;
        let clock: IntervalClock | undefined;
        if (typeof target === "number") {
          at = before + target;
        } else {
          clock = await intervalClock(session, intervalId);
          if (!clock) throw new BaseError(`--to ${target}: the market has no interval yet`);
          at = clock[target];
        }
        const seconds = typeof target === "number" ? target : secondsUntilPast(before, at);
        await session.increaseTime(seconds);
        const after = await session.latestTimestamp();
        return {
          target: options.to,
          ...(clock && { interval: clock.intervalId, at }),
          before,
          after,
          afterIso: iso(after),
          advancedSeconds: after - before,
        };
      });
    });
}
