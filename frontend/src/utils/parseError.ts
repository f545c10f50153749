import {
  BaseError,
  ContractFunctionRevertedError,
  UserRejectedRequestError,
  ChainMismatchError,
  decodeErrorResult,
  type Abi,
  type Hex,
} from "viem";
import { allErrors } from "../hooks/contracts.ts";

/** One failure explained for a person: a headline and, when known, the decoded contract error. */
export type ParsedError = {
  /** A sentence a user can act on. */
  message: string;
  /** The custom error's name, e.g. `MarketGateClosed`, when the contract reverted with one. */
  errorName?: string;
  /** The custom error's arguments by name. */
  args?: Record<string, string>;
};

/** `MarketGateClosed` → `Market gate closed`. */
export function words(identifier: string): string {
  const spaced = identifier
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .replace(/_/g, " ")
    .toLowerCase();
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

function formatArg(name: string, value: unknown): string {
  if (typeof value === "bigint") {
    // Unix timestamps in seconds read better as dates.
    if (
      /(At|Time|Deadline|closes|opens|until)$/i.test(name) &&
      value > 1_000_000_000n &&
      value < 10_000_000_000n
    ) {
      return new Date(Number(value) * 1000).toISOString().replace(".000Z", "Z");
    }
    return value.toString();
  }
  if (Array.isArray(value)) return `[${value.map((v) => formatArg("", v)).join(", ")}]`;
  return String(value);
}

function describe(errorName: string, abi: Abi, args: readonly unknown[] | undefined): ParsedError {
  const item = abi.find((i) => i.type === "error" && i.name === errorName);
  const inputs = item && item.type === "error" ? item.inputs : [];
  const named: Record<string, string> = {};
  (args ?? []).forEach((value, i) => {
    named[inputs[i]?.name || `arg${i}`] = formatArg(inputs[i]?.name ?? "", value);
  });
  const detail = Object.entries(named)
    .map(([k, v]) => `${words(k).toLowerCase()} ${v}`)
    .join(", ");
  return {
    message: `${words(errorName)}${detail ? ` (${detail})` : ""}.`,
    errorName,
    args: named,
  };
}

/** Decodes raw revert data against every GridLedger error, or undefined if none matches. */
export function decodeRevertData(data: Hex, abi: Abi = allErrors): ParsedError | undefined {
  if (data === "0x" || data.length < 10) return undefined;
  try {
    const decoded = decodeErrorResult({ abi, data });
    return describe(decoded.errorName, abi, decoded.args as readonly unknown[] | undefined);
  } catch {
    return undefined;
  }
}

function findRevertData(error: unknown): Hex | undefined {
  let current: unknown = error;
  for (let depth = 0; current && depth < 12; depth++) {
    const data = (current as { data?: unknown }).data;
    if (typeof data === "string" && /^0x[0-9a-fA-F]{8,}$/.test(data)) return data as Hex;
    if (data && typeof data === "object" && typeof (data as { data?: unknown }).data === "string") {
      const inner = (data as { data: string }).data;
      if (/^0x[0-9a-fA-F]{8,}$/.test(inner)) return inner as Hex;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Turns anything a wallet, viem or a contract throws into words: walks viem's error chain to
 * the contract's custom error (decoded against every GridLedger ABI), and names the common
 * wallet failures (rejected signature, wrong network).
 * @example
 * getParsedError(err).message // "Grid token faucet cooldown (account 0xf39F…, available at 2026-…Z)."
 */
export function getParsedError(error: unknown): ParsedError {
  if (error instanceof BaseError) {
    const rejected = error.walk((e) => e instanceof UserRejectedRequestError);
    if (rejected || (error as { code?: number }).code === 4001) {
      return { message: "You rejected the request in your wallet; nothing was sent." };
    }
    const mismatch = error.walk((e) => e instanceof ChainMismatchError);
    if (mismatch) {
      return { message: `Wrong network: ${(mismatch as BaseError).shortMessage}` };
    }
    const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
    if (reverted instanceof ContractFunctionRevertedError) {
      if (reverted.data?.errorName && reverted.data.abiItem) {
        const known = describe(
          reverted.data.errorName,
          [reverted.data.abiItem] as Abi,
          reverted.data.args as readonly unknown[] | undefined,
        );
        if (reverted.data.errorName === "Error" || reverted.data.errorName === "Panic") {
          return { ...known, message: reverted.shortMessage };
        }
        return known;
      }
      if (reverted.raw) {
        const decoded = decodeRevertData(reverted.raw);
        if (decoded) return decoded;
      }
      if (reverted.reason) return { message: `The contract refused: ${reverted.reason}.` };
    }
    const data = findRevertData(error);
    const decoded = data ? decodeRevertData(data) : undefined;
    if (decoded) return decoded;
    return { message: error.shortMessage || error.message };
  }
  if ((error as { code?: number } | null)?.code === 4001) {
    return { message: "You rejected the request in your wallet; nothing was sent." };
  }
  const data = findRevertData(error);
  const decoded = data ? decodeRevertData(data) : undefined;
  if (decoded) return decoded;
  return { message: error instanceof Error ? error.message : String(error) };
}
