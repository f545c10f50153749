import { formatUnits, parseUnits } from "viem";

/** GridToken has 6 decimals (1 GLT = 1,000,000 units). */
export const TOKEN_DECIMALS = 6;
export const TOKEN_SYMBOL = "GLT";

/** `0x1234…abcd`. */
export function shortHex(hex: string, chars = 4): string {
  return hex.length <= 2 + chars * 2 ? hex : `${hex.slice(0, 2 + chars)}…${hex.slice(-chars)}`;
}

/** 1234500000n → "1,234.5" (token units to GLT with thousands separators). */
export function formatToken(units: bigint | undefined, maxFraction = 6): string {
  if (units === undefined) return "–";
  const [whole = "0", fraction = ""] = formatUnits(units, TOKEN_DECIMALS).split(".");
  const negative = whole.startsWith("-");
  const digits = negative ? whole.slice(1) : whole;
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const frac = fraction.slice(0, maxFraction).replace(/0+$/, "");
  return `${negative ? "-" : ""}${grouped}${frac ? `.${frac}` : ""}`;
}

/** "12.5" GLT → 12500000n; throws on malformed input or more than 6 decimals. */
export function parseToken(text: string): bigint {
  const trimmed = text.trim();
  if (!/^\d+(\.\d{1,6})?$/.test(trimmed)) {
    throw new Error(`"${text}" is not an amount with at most ${TOKEN_DECIMALS} decimals`);
  }
  return parseUnits(trimmed, TOKEN_DECIMALS);
}

/** Seconds → "1h 02m 03s" / "4m 05s" / "7s"; "closed" at or below zero. */
export function formatCountdown(seconds: number): string {
  if (seconds <= 0) return "closed";
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.floor(seconds % 60);
  const pad = (n: number) => n.toString().padStart(2, "0");
  if (h > 0) return `${h}h ${pad(m)}m ${pad(s)}s`;
  if (m > 0) return `${m}m ${pad(s)}s`;
  return `${s}s`;
}

/** Unix seconds → local "YYYY-MM-DD HH:MM:SS". */
export function formatTime(unixSeconds: bigint | number): string {
  const d = new Date(Number(unixSeconds) * 1000);
  const pad = (n: number) => n.toString().padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** "1.5" kWh → 1500n Wh; throws on malformed input or more than 3 decimals. */
export function parseKwh(text: string): bigint {
  const trimmed = text.trim();
  if (!/^\d+(\.\d{1,3})?$/.test(trimmed))
    throw new Error(`"${text}" is not a kWh amount with at most 3 decimals`);
  return parseUnits(trimmed, 3);
}

/** 1500n Wh → "1.5 kWh". */
export function formatWh(wh: bigint | number): string {
  return `${formatUnits(BigInt(wh), 3)} kWh`;
}
