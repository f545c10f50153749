import { useEffect, useState } from "react";
import { useBlock, useBlockNumber } from "wagmi";
import { appChain } from "../config/wagmi.ts";

/**
 * The chain's "now" in unix seconds: the latest block's timestamp advanced by the wall-clock time
 * since it was seen, so countdowns to gate closure follow the chain (devnets can jump in time).
 */
export function useChainTime(): number | undefined {
  // The head's number is watched (polled); the block itself is read again for each new number.
  const head = useBlockNumber({ watch: true, chainId: appChain.id });
  const block = useBlock({
    blockNumber: head.data,
    chainId: appChain.id,
    query: { enabled: head.data !== undefined },
  });
  const [seen, setSeen] = useState<{ ts: number; at: number } | undefined>();
  const [, tick] = useState(0);
  const ts = block.data ? Number(block.data.timestamp) : undefined;
  useEffect(() => {
    if (ts !== undefined) setSeen({ ts, at: Date.now() });
  }, [ts]);
  useEffect(() => {
    const timer = setInterval(() => tick((n) => n + 1), 1_000);
    return () => clearInterval(timer);
  }, []);
  if (!seen) return undefined;
  return seen.ts + Math.floor((Date.now() - seen.at) / 1000);
}
