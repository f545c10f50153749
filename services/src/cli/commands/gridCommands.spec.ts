import { mkdtempSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { keccak256, toHex } from "viem";
import { canonicalBytes } from "@gridledger/domain/fingerprint";
import { loadShippedNetwork } from "@gridledger/domain/networks";
import { main } from "../main.ts";

/** Path of a data file the domain package ships (the CLI reads its inputs from disk). */
const shippedFile = (name: string) =>
  createRequire(import.meta.url).resolve(`@gridledger/domain/networks/${name}`);

const dir = mkdtempSync(join(tmpdir(), "gl-grid-cli-"));
function file(name: string, value: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(value));
  return path;
}

let out = "";
let err = "";
beforeEach(() => {
  out = "";
  err = "";
  vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
    err += String(chunk);
    return true;
  });
});
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

/** Runs the CLI in-process; returns the exit code main() or the command set. */
async function run(...argv: string[]): Promise<number> {
  const code = await main(argv);
  return code || Number(process.exitCode ?? 0);
}

describe("gridledger powerflow", () => {
  it("prints the IEEE 33 solution", async () => {
    expect(await run("powerflow", "--case", "ieee33")).toBe(0);
    const res = JSON.parse(out);
    expect(res).toMatchObject({ converged: true, solver: "bfs", minVoltage: { bus: "18" } });
    expect(res.totalLossKW).toBeCloseTo(202.67, 1);
    expect(out).not.toMatch(/NaN/);
  });

  it("takes a network file and a forced solver", async () => {
    expect(await run("powerflow", "--network", shippedFile("ieee69.json"), "--solver", "nr")).toBe(
      0,
    );
    expect(JSON.parse(out)).toMatchObject({ solver: "nr", minVoltage: { bus: "65" } });
  });

  it("exits 1 naming the field for a branch to an unknown bus", async () => {
    const net = loadShippedNetwork("ieee33");
    net.branches[3]!.to = "99";
    expect(await run("powerflow", "--network", file("bad.json", net))).toBe(1);
    expect(err).toMatch(/branches\.3\.to: unknown bus "99"/);
    expect(out).toBe("");
  });

  it("exits 1 for a disconnected network and for a non-convergent case", async () => {
    const net = loadShippedNetwork("ieee33");
    net.branches.find((b) => b.id === "2-3")!.inService = false;
    expect(await run("powerflow", "--network", file("split.json", net))).toBe(1);
    expect(err).toMatch(/disconnected/);
    const heavy = loadShippedNetwork("ieee33");
    for (const b of heavy.buses) b.loadKW *= 10;
    expect(await run("powerflow", "--network", file("heavy.json", heavy))).toBe(1);
    expect(err).toMatch(/did not converge/);
    expect(await run("powerflow", "--case", "ieee33", "--solver", "fast")).toBe(1);
    expect(err).toMatch(/solver/);
  });
});

describe("gridledger safety", () => {
  it("prints the report with the keccak256 of its canonical JSON", async () => {
    const input = file("safety.json", {
      network: "six-node",
      transactions: [{ id: "curtail", injections: [{ bus: "6", kw: -800 }] }],
    });
    expect(await run("safety", "--input", input)).toBe(0);
    const { fingerprint, ...report } = JSON.parse(out);
    expect(report.transactions[0].safe).toBe(true);
    expect(fingerprint.keccak256).toBe(keccak256(toHex(canonicalBytes(report))));
  });

  it("exits 1 with --fail-unsafe when a transaction is unsafe", async () => {
    const input = file("unsafe.json", {
      network: "six-node",
      transactions: [{ id: "more", injections: [{ bus: "6", kw: 300 }] }],
    });
    expect(await run("safety", "--input", input, "--fail-unsafe")).toBe(1);
  });
});

describe("gridledger dispatch", () => {
  const example = shippedFile("six-node-dispatch.json");

  it("solves the six-node event with safety re-runs, exact and ADMM", async () => {
    for (const method of ["exact", "admm"]) {
      out = "";
      expect(await run("dispatch", "--input", example, "--method", method)).toBe(0);
      const res = JSON.parse(out);
      expect(res.status).toBe("optimal");
      expect(res.method).toBe(method);
      expect(res.allocations.reduce((s: number, a: { watts: number }) => s + a.watts, 0)).toBe(
        700_000,
      );
      expect(res.safety.withinLimits).toBe(true);
      expect(res.safetyFingerprint.keccak256).toMatch(/^0x[0-9a-f]{64}$/);
    }
  });

  it("exits 1 on an infeasible request", async () => {
    const input = file("infeasible.json", {
      deltaTotalKW: 100,
      durationH: 2,
      offers: [{ id: "a", maxKW: 80, maxKWh: 100, segments: [{ kw: 80, price: 0.1 }] }],
    });
    expect(await run("dispatch", "--input", input)).toBe(1);
    expect(err).toMatch(/infeasible: the offers can provide at most 50 kW/);
  });
});

describe("gridledger evidence", () => {
  it("prints the fused masses and decision", async () => {
    const input = file("ds.json", {
      frame: ["A", "B", "C"],
      sources: [
        {
          name: "s1",
          masses: [
            { set: ["A"], mass: 0.6 },
            { set: ["A", "B", "C"], mass: 0.4 },
          ],
        },
      ],
      epsilon1: 0.1,
      epsilon2: 0.5,
    });
    expect(await run("evidence", "--input", input)).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ conflict: 0, decision: "A" });
  });

  it("exits 1 on total conflict (K = 1), printing nothing on stdout", async () => {
    const input = file("k1.json", {
      frame: ["A", "B"],
      sources: [
        { name: "s1", masses: [{ set: ["A"], mass: 1 }] },
        { name: "s2", masses: [{ set: ["B"], mass: 1 }] },
      ],
    });
    expect(await run("evidence", "--input", input)).toBe(1);
    expect(err).toMatch(/total conflict \(K = 1\)/);
    expect(out).toBe("");
  });

  it("exits 1 when masses do not sum to 1", async () => {
    const input = file("ds-bad.json", {
      frame: ["A", "B"],
      sources: [{ name: "s1", masses: [{ set: ["A"], mass: 0.6 }] }],
    });
    expect(await run("evidence", "--input", input)).toBe(1);
    expect(err).toMatch(/sources\.0\.masses: masses must sum to 1/);
  });

  it("selects a counterparty from histories", async () => {
    const input = file("cp.json", {
      candidates: [
        {
          id: "a",
          history: {
            storage: { requests: 40, available: 39 },
            lineFaults: { periods: 100, faults: 0 },
            loadShedding: { periods: 100, sheds: 1 },
          },
        },
        {
          id: "b",
          history: {
            storage: { requests: 40, available: 10 },
            lineFaults: { periods: 100, faults: 30 },
            loadShedding: { periods: 100, sheds: 20 },
          },
        },
      ],
      epsilon1: 0.05,
      epsilon2: 0.3,
    });
    expect(await run("evidence", "--input", input)).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ decision: "a" });
  });
});

describe("gridledger trust", () => {
  it("prints trusted hours and sources", async () => {
    const readings = (f: number) =>
      Array.from({ length: 8 }, (_, q) => ({
        start: `2026-11-18T0${q >> 2}:${String((q % 4) * 15).padStart(2, "0")}:00Z`,
        kwh: 5 * f,
      }));
    const input = file("trust.json", {
      direct: { source: "terminal", readings: readings(1) },
      reported: [{ source: "agg", readings: readings(1.2) }],
    });
    expect(await run("trust", "--input", input, "--summary")).toBe(0);
    const res = JSON.parse(out);
    expect(res.trustedIntervals).toEqual([]);
    expect(res.sources.find((s: { source: string }) => s.source === "agg").trusted).toBe(false);
    expect(res.checks).toBeUndefined();
  });
});
