import { useState } from "react";
import { intervalMoments, secondsUntilPast, type ClockTarget } from "@gridledger/domain/market";
import { env } from "../config/env.ts";
import { isDevnet } from "../config/wagmi.ts";
import { useChainTime } from "../hooks/useChainTime.ts";
import { useContractRead } from "../hooks/useContractRead.ts";
import { formatTime } from "../utils/format.ts";

const LABELS: Record<ClockTarget, string> = {
  gate: "gate closure",
  delivery: "delivery end",
  settlement: "settlement",
};

/** Moves the devnet's clock by `seconds` and mines a block so every reader sees the new time. */
async function advanceDevnet(seconds: number): Promise<void> {
  for (const [method, params] of [
    ["evm_increaseTime", [seconds]],
    ["evm_mine", []],
  ] as const) {
    const res = await fetch(env.rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    });
    const body = (await res.json()) as { error?: { message: string } };
    if (body.error) throw new Error(`${method}: ${body.error.message}`);
  }
}

/**
 * The chain's time, always in the header (gate closures, delivery and metering windows follow
 * it, not the wall clock). On the Hardhat devnet it also moves the clock to the newest interval's
 * gate closure, delivery end or settlement, or by 15 minutes (as `gridledger devnet advance`).
 */
export function ChainClock() {
  const now = useChainTime();
  const count = useContractRead("EnergyMarket", "intervalCount", [], {
    enabled: isDevnet,
    refetchInterval: 5_000,
  });
  const newest = count.data && count.data > 0n ? count.data : undefined;
  const interval = useContractRead("EnergyMarket", "interval", newest ? [newest] : undefined, {
    enabled: isDevnet,
  });
  const [note, setNote] = useState<string>();
  const moments = interval.data ? intervalMoments(interval.data) : undefined;
  const advance = async (seconds: number, label: string) => {
    setNote(undefined);
    try {
      await advanceDevnet(seconds);
      setNote(`moved ${Math.round(seconds / 60)} min to ${label}`);
    } catch (e) {
      setNote(e instanceof Error ? e.message : String(e));
    }
  };
  return (
    <span className="chain-clock" data-testid="chain-clock">
      <span className="chain-time" data-testid="chain-time" title="the chain's time">
        {now === undefined ? "…" : formatTime(now)}
      </span>
      {isDevnet && now !== undefined ? (
        <span className="clock-controls" data-testid="clock-controls">
          {moments
            ? (Object.keys(LABELS) as ClockTarget[]).map((t) => (
                <button
                  key={t}
                  type="button"
                  data-testid={`advance-${t}`}
                  disabled={moments[t] < now}
                  title={`to interval ${newest}'s ${LABELS[t]} (${formatTime(moments[t])})`}
                  onClick={() =>
                    void advance(
                      secondsUntilPast(now, moments[t]),
                      `interval ${newest}'s ${LABELS[t]}`,
                    )
                  }
                >
                  → {LABELS[t]}
                </button>
              ))
            : null}
          <button
            type="button"
            data-testid="advance-15min"
            onClick={() => void advance(900, "+15 min")}
          >
            +15 min
          </button>
          {note ? (
            <span className="muted" data-testid="clock-note">
              {note}
            </span>
          ) : null}
        </span>
      ) : null}
    </span>
  );
}
