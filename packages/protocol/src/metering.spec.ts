import { describe, expect, it } from "vitest";
import { ReadingVerdict } from "./generated/facts.js";
import { hashTypedData } from "viem";
import {
  meteringReadingDigester,
  meteringReadingTypedData,
  parseReadingBundle,
  stringifyReadingBundle,
  type ReadingBundle,
} from "./metering.js";

const bundle: ReadingBundle = {
  chainId: 31337,
  ledger: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  batchId: 7n,
  root: `0x${"ab".repeat(32)}`,
  readings: [
    {
      meter: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
      participant: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
      periodId: 1n,
      producedWh: 3_000n,
      consumedWh: 0n,
      sequence: 1n,
      verdict: ReadingVerdict.Trusted,
    },
  ],
  signatures: [`0x${"11".repeat(65)}`],
  proofs: [[`0x${"22".repeat(32)}`]],
};

// The parsed JSON, loosely typed on purpose: the cases write what a hostile sender would.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type RawBundle = Record<string, any>;

/** The bundle's JSON after `edit` changed the parsed object. */
function tampered(edit: (raw: RawBundle) => void): string {
  const raw = JSON.parse(stringifyReadingBundle(bundle));
  edit(raw);
  return JSON.stringify(raw);
}

describe("reading bundles", () => {
  it("round-trip through JSON with bigints intact", () => {
    const text = stringifyReadingBundle(bundle);
    expect(text).toContain('"producedWh": "3000"');
    expect(parseReadingBundle(text)).toEqual({ ok: true, bundle });
  });

  it("refuse malformed bundles with the field that is wrong", () => {
    const cases: [string, string][] = [
      ["{", "not JSON"],
      [tampered((r) => delete r.root), "root"],
      [tampered((r) => (r.readings = [])), "at least one reading"],
      [tampered((r) => (r.signatures = [])), "one signature and one proof per reading"],
      [tampered((r) => (r.proofs = [...r.proofs, []])), "one signature and one proof per reading"],
      [tampered((r) => (r.readings[0].meter = "0x1234")), "readings.0.meter"],
      [tampered((r) => (r.readings[0].producedWh = 3000)), "readings.0.producedWh"],
      [tampered((r) => (r.readings[0].producedWh = "-1")), "readings.0.producedWh"],
      [tampered((r) => (r.readings[0].consumedWh = (2n ** 64n).toString())), "at most 64 bits"],
      [tampered((r) => (r.readings[0].verdict = 9)), "unknown reading verdict"],
      [tampered((r) => (r.signatures[0] = "0x00")), "signatures.0"],
      [tampered((r) => (r.proofs[0][0] = "0xzz")), "proofs.0.0"],
      [tampered((r) => (r.chainId = 0)), "chainId"],
    ];
    for (const [text, reason] of cases) {
      const parsed = parseReadingBundle(text);
      expect(parsed.ok, text).toBe(false);
      if (!parsed.ok) expect(parsed.reason).toContain(reason);
    }
  });
});

describe("meteringReadingDigester", () => {
  it("gives viem's EIP-712 digest for any reading", () => {
    const ledger = bundle.ledger;
    const digest = meteringReadingDigester(31337, ledger);
    let seed = 7n;
    const next = (bits: bigint) =>
      (seed = (seed * 6364136223846793005n + 1442695040888963407n) % (1n << 64n)) % (1n << bits);
    for (let i = 0; i < 50; i++) {
      const r = {
        meter: bundle.readings[0]!.meter,
        periodId: next(64n) << 8n,
        producedWh: next(64n),
        consumedWh: next(32n),
        sequence: next(48n),
      };
      expect(digest(r)).toBe(hashTypedData(meteringReadingTypedData(31337, ledger, r)));
    }
    expect(meteringReadingDigester(1, ledger)(bundle.readings[0]!)).not.toBe(
      digest(bundle.readings[0]!),
    );
  });
});
