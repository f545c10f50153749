import { describe, expect, it } from "vitest";
import { ValidationError } from "../errors.ts";
import { generateNetwork } from "./generateNetwork.ts";
import { loadShippedNetwork, publishedResults } from "./shippedNetworks.ts";
import { NetworkDisconnectedError, parseNetwork, type Network } from "./network.ts";
import { PowerFlowNotConvergedError } from "./powerFlowTypes.ts";
import { solvePowerFlow, type PowerFlowResult } from "./solvePowerFlow.ts";

const ieee33 = loadShippedNetwork("ieee33");
const ieee69 = loadShippedNetwork("ieee69");
const sixNode = loadShippedNetwork("six-node");

function expectSameVoltages(a: PowerFlowResult, b: PowerFlowResult, tol = 1e-6) {
  expect(a.buses.length).toBe(b.buses.length);
  a.buses.forEach((bus, i) => {
    expect(Math.abs(bus.vPu - b.buses[i]!.vPu)).toBeLessThan(tol);
    expect(Math.abs(bus.angleDeg - b.buses[i]!.angleDeg)).toBeLessThan(tol * 60);
  });
  expect(Math.abs(a.totalLossKW - b.totalLossKW)).toBeLessThan(1e-3);
}

/** Slack supply must equal total net load plus losses (conservation of active power). */
function expectPowerBalance(net: Network, res: PowerFlowResult) {
  const netLoad = net.buses.reduce((s, b) => s + b.loadKW - b.genKW, 0);
  expect(Math.abs(res.slackKW - (netLoad + res.totalLossKW))).toBeLessThan(1e-2);
}

describe("power flow against published results", () => {
  it("IEEE 33-bus (Baran & Wu): 202.67 kW losses, 0.9131 pu at bus 18", () => {
    const pub = publishedResults(ieee33)!;
    expect(pub.p_loss_kw).toBe(202.67);
    const res = solvePowerFlow(ieee33);
    expect(res.solver).toBe("bfs");
    expect(Math.abs(res.totalLossKW - pub.p_loss_kw)).toBeLessThan(0.05);
    expect(res.minVoltage.bus).toBe(String(pub.vmin_bus));
    expect(Math.abs(res.minVoltage.vPu - pub.vmin_pu)).toBeLessThan(1e-4);
    expectPowerBalance(ieee33, res);
  });

  it("IEEE 69-bus: 224.95 kW losses (within 0.05 %), 0.9092 pu at bus 65", () => {
    const pub = publishedResults(ieee69)!;
    const res = solvePowerFlow(ieee69);
    expect(res.solver).toBe("bfs");
    expect(Math.abs(res.totalLossKW - pub.p_loss_kw) / pub.p_loss_kw).toBeLessThan(5e-4);
    expect(res.minVoltage.bus).toBe(String(pub.vmin_bus));
    expect(Math.abs(res.minVoltage.vPu - pub.vmin_pu)).toBeLessThan(1e-4);
    expectPowerBalance(ieee69, res);
  });

  it("reports the 33-bus undervoltages against a 0.94 pu band", () => {
    const res = solvePowerFlow({ ...ieee33, limits: { vMinPu: 0.94, vMaxPu: 1.06 } });
    const under = res.violations.filter((v) => v.type === "undervoltage").map((v) => v.element);
    expect(under).toContain("18");
    expect(under).not.toContain("2");
    for (const v of res.violations) expect(v.value).toBeLessThan(0.94);
  });
});

describe("branch results and solver options", () => {
  it("reports loading against maxCurrentA and null where a branch has no limit", () => {
    const res = solvePowerFlow(sixNode);
    sixNode.branches.forEach((br, i) => {
      const b = res.branches[i]!;
      expect(b.id).toBe(br.id);
      expect(b.loadingPct).toBeCloseTo((b.currentA / br.maxCurrentA!) * 100, 2);
    });
    expect(solvePowerFlow(ieee33).branches[0]!.loadingPct).toBeNull();
    // Out-of-service tie lines are not reported.
    expect(solvePowerFlow(ieee33).branches).toHaveLength(32);
  });

  it("stops earlier with a looser tolerance", () => {
    const tight = solvePowerFlow(ieee33, { tolerance: 1e-10 });
    const loose = solvePowerFlow(ieee33, { tolerance: 1e-4 });
    expect(loose.iterations).toBeLessThan(tight.iterations);
    expect(Math.abs(loose.minVoltage.vPu - tight.minVoltage.vPu)).toBeLessThan(1e-3);
  });
});

describe("backward/forward sweep equals Newton-Raphson on radial networks", () => {
  for (const [name, net] of [
    ["IEEE 33", ieee33],
    ["IEEE 69", ieee69],
    ["six-node", sixNode],
    ["generated 500-bus", generateNetwork({ buses: 500, seed: 7 })],
  ] as const) {
    it(name, () => {
      const bfs = solvePowerFlow(net, { solver: "bfs" });
      const nr = solvePowerFlow(net, { solver: "nr" });
      expect(bfs.solver).toBe("bfs");
      expect(nr.solver).toBe("nr");
      expectSameVoltages(bfs, nr);
      nr.branches.forEach((b, i) => {
        expect(Math.abs(b.pFromKW - bfs.branches[i]!.pFromKW)).toBeLessThan(1e-2);
        expect(Math.abs(b.currentA - bfs.branches[i]!.currentA)).toBeLessThan(1e-2);
      });
    });
  }
});

describe("meshed networks", () => {
  const meshed33: Network = {
    ...ieee33,
    branches: ieee33.branches.map((b) => ({ ...b, inService: true })),
  };

  it("solves IEEE 33 with its five tie lines closed by Newton-Raphson", () => {
    const res = solvePowerFlow(meshed33);
    expect(res.solver).toBe("nr");
    expect(res.branches).toHaveLength(37);
    // Closing the loops shortens the electrical paths: fewer losses, better voltages.
    expect(res.totalLossKW).toBeLessThan(202);
    expect(res.totalLossKW).toBeGreaterThan(100);
    expect(res.minVoltage.vPu).toBeGreaterThan(0.9131);
    expectPowerBalance(meshed33, res);
    // Kirchhoff's current law at every non-slack bus, from the reported branch flows.
    const inflow = new Map<string, number>();
    meshed33.branches.forEach((br, i) => {
      const b = res.branches[i]!;
      inflow.set(br.from, (inflow.get(br.from) ?? 0) - b.pFromKW);
      inflow.set(br.to, (inflow.get(br.to) ?? 0) + b.pFromKW - b.lossKW);
    });
    for (const bus of meshed33.buses.slice(1))
      expect(Math.abs(inflow.get(bus.id)! - bus.loadKW)).toBeLessThan(1e-2);
  });

  it("refuses the sweep on a meshed network", () => {
    expect(() => solvePowerFlow(meshed33, { solver: "bfs" })).toThrow(/radial/);
  });

  it("solves a generated 300-bus meshed case and agrees with the radial solution when ties carry nothing", () => {
    const net = generateNetwork({ buses: 300, loops: 30, seed: 3 });
    const res = solvePowerFlow(net);
    expect(res.solver).toBe("nr");
    expectPowerBalance(net, res);
  });
});

describe("bad networks", () => {
  it("names a branch to an unknown bus", () => {
    const bad = structuredClone(ieee33);
    bad.branches[3]!.to = "99";
    expect(() => parseNetwork(bad)).toThrow(ValidationError);
    expect(() => parseNetwork(bad)).toThrow(/branches\.3\.to: unknown bus "99"/);
  });

  it("names a missing or non-numeric field", () => {
    const bad = structuredClone(ieee33) as unknown as { branches: { rOhm: unknown }[] };
    bad.branches[0]!.rOhm = "0.1";
    expect(() => parseNetwork(bad)).toThrow(/branches\.0\.rOhm/);
    expect(() => parseNetwork({ ...ieee33, baseKV: -1 })).toThrow(/baseKV: must be > 0/);
    expect(() => parseNetwork({ ...ieee33, slackBus: "x" })).toThrow(/slackBus: unknown bus/);
  });

  it("reports a disconnected network with the unreachable buses", () => {
    const net = structuredClone(ieee33);
    net.branches.find((b) => b.id === "6-7")!.inService = false;
    try {
      solvePowerFlow(net);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(NetworkDisconnectedError);
      expect((error as NetworkDisconnectedError).unreachable).toContain("18");
      expect((error as NetworkDisconnectedError).unreachable).not.toContain("26");
    }
  });

  it("throws PowerFlowNotConvergedError, not NaN, when the load is too heavy", () => {
    const heavy = {
      ...ieee33,
      buses: ieee33.buses.map((b) => ({ ...b, loadKW: b.loadKW * 8, loadKvar: b.loadKvar * 8 })),
    };
    expect(() => solvePowerFlow(heavy, { solver: "bfs" })).toThrow(PowerFlowNotConvergedError);
    expect(() => solvePowerFlow(heavy, { solver: "nr" })).toThrow(PowerFlowNotConvergedError);
  });

  it("throws when the iteration limit is too small", () => {
    expect(() => solvePowerFlow(ieee33, { maxIterations: 2 })).toThrow(/did not converge/);
  });
});
