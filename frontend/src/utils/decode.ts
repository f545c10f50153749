import {
  decodeEventLog,
  decodeFunctionData,
  type Abi,
  type AbiEvent,
  type Address,
  type Hex,
  type Log,
} from "viem";

/** A log decoded against GridLedger's events, with its arguments as display strings. */
export type DecodedEvent = {
  contract: string;
  eventName: string;
  args: Record<string, string>;
  blockNumber: bigint;
  transactionHash: Hex;
  logIndex: number;
};

/** bigint/array/object → a short display string. */
export function displayValue(value: unknown): string {
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return `[${value.map(displayValue).join(", ")}]`;
  if (value && typeof value === "object") {
    return `{${Object.entries(value)
      .map(([k, v]) => `${k}: ${displayValue(v)}`)
      .join(", ")}}`;
  }
  return String(value);
}

function namedArgs(args: unknown): Record<string, string> {
  if (!args || typeof args !== "object") return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(args)) out[k] = displayValue(v);
  return out;
}

/**
 * Decodes logs against every GridLedger event; logs no ABI knows are dropped.
 * `names` maps lower-cased contract addresses to contract names.
 */
export function decodeLogs(
  logs: readonly Log[],
  events: AbiEvent[],
  names: Map<string, string>,
): DecodedEvent[] {
  const decoded: DecodedEvent[] = [];
  for (const log of logs) {
    try {
      const { eventName, args } = decodeEventLog({
        abi: events,
        data: log.data,
        topics: log.topics,
        strict: true,
      });
      decoded.push({
        contract: names.get(log.address.toLowerCase()) ?? log.address,
        eventName: eventName as string,
        args: namedArgs(args),
        blockNumber: log.blockNumber ?? 0n,
        transactionHash: log.transactionHash ?? "0x",
        logIndex: log.logIndex ?? 0,
      });
    } catch {
      // Not one of ours (or a topic/indexing mismatch): skip.
    }
  }
  return decoded;
}

/** `fn(a, b)` from calldata, when the target is a known contract; undefined otherwise. */
export function decodeCall(
  abi: Abi | undefined,
  input: Hex,
): { functionName: string; args: string[] } | undefined {
  if (!abi || input.length < 10) return undefined;
  try {
    const { functionName, args } = decodeFunctionData({ abi, data: input });
    return { functionName, args: (args ?? []).map(displayValue) };
  } catch {
    return undefined;
  }
}

/** Lower-cased address → contract name. */
export function addressBook(contracts: { name: string; address: Address }[]): Map<string, string> {
  return new Map(contracts.map((c) => [c.address.toLowerCase(), c.name]));
}
