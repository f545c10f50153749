import { z } from "zod";
import { BaseError } from "../errors.ts";
import { parseWith } from "../validate.ts";

const finite = z.number().refine(Number.isFinite, "must be a finite number");
const nonNegative = finite.refine((v) => v >= 0, "must be >= 0");
const positive = finite.refine((v) => v > 0, "must be > 0");
const id = z.string().min(1, "must be a non-empty string");

/** One bus: constant-power load and generation in kW / kvar (generation counts as negative load). */
export const BusSchema = z.object({
  id,
  loadKW: finite.default(0),
  loadKvar: finite.default(0),
  genKW: finite.default(0),
  genKvar: finite.default(0),
});

/** One series branch (line or transformer) as an R + jX impedance in ohms. */
export const BranchSchema = z.object({
  id,
  from: id,
  to: id,
  rOhm: nonNegative,
  xOhm: finite,
  maxCurrentA: positive.optional(),
  inService: z.boolean().default(true),
});

export const LimitsSchema = z.object({
  vMinPu: positive.default(0.94),
  vMaxPu: positive.default(1.06),
});

/** The network model every grid function takes (the format of data/networks/*.json). */
export const NetworkSchema = z
  .object({
    name: z.string().default("network"),
    baseKV: positive,
    baseMVA: positive,
    slackBus: id,
    slackVoltagePu: positive.default(1),
    buses: z.array(BusSchema).min(1, "needs at least one bus"),
    branches: z.array(BranchSchema),
    limits: LimitsSchema.default({ vMinPu: 0.94, vMaxPu: 1.06 }),
  })
  .loose()
  .superRefine((net, ctx) => {
    const seen = new Map<string, number>();
    net.buses.forEach((bus, i) => {
      if (seen.has(bus.id))
        ctx.addIssue({
          code: "custom",
          path: ["buses", i, "id"],
          message: `duplicate bus id "${bus.id}"`,
        });
      seen.set(bus.id, i);
    });
    if (!seen.has(net.slackBus))
      ctx.addIssue({
        code: "custom",
        path: ["slackBus"],
        message: `unknown bus "${net.slackBus}"`,
      });
    const branchIds = new Set<string>();
    net.branches.forEach((br, i) => {
      if (branchIds.has(br.id))
        ctx.addIssue({
          code: "custom",
          path: ["branches", i, "id"],
          message: `duplicate branch id "${br.id}"`,
        });
      branchIds.add(br.id);
      for (const end of ["from", "to"] as const) {
        if (!seen.has(br[end]))
          ctx.addIssue({
            code: "custom",
            path: ["branches", i, end],
            message: `unknown bus "${br[end]}"`,
          });
      }
      if (br.from === br.to)
        ctx.addIssue({
          code: "custom",
          path: ["branches", i, "to"],
          message: "a branch cannot connect a bus to itself",
        });
      if (br.rOhm === 0 && br.xOhm === 0)
        ctx.addIssue({
          code: "custom",
          path: ["branches", i, "xOhm"],
          message: "branch impedance must not be zero",
        });
    });
    if (net.limits.vMinPu >= net.limits.vMaxPu)
      ctx.addIssue({
        code: "custom",
        path: ["limits", "vMinPu"],
        message: "must be below limits.vMaxPu",
      });
  });

export type Network = z.output<typeof NetworkSchema>;
export type NetworkInput = z.input<typeof NetworkSchema>;
export type Bus = z.output<typeof BusSchema>;
export type Branch = z.output<typeof BranchSchema>;

/** Validates a network document; throws a ValidationError naming the bad field. */
export function parseNetwork(value: unknown, context = "network"): Network {
  return parseWith(NetworkSchema, value, context);
}

/** Some buses cannot be reached from the slack bus through in-service branches. */
export class NetworkDisconnectedError extends BaseError {
  override name = "NetworkDisconnectedError";
  constructor(readonly unreachable: string[]) {
    super(
      `network is disconnected: ${unreachable.length} bus(es) cannot be reached from the slack bus (${unreachable
        .slice(0, 10)
        .join(", ")}${unreachable.length > 10 ? ", ..." : ""})`,
    );
  }
}

/**
 * Index form of a validated network that both solvers share: buses numbered 0..n-1 (slack first is
 * NOT assumed), in-service branches as typed arrays in per unit, and per-bus net injections in pu.
 */
export type CompiledNetwork = {
  network: Network;
  n: number;
  slack: number;
  busIndex: Map<string, number>;
  /** Net injection (generation - load) per bus, pu on baseMVA. */
  pInj: Float64Array;
  qInj: Float64Array;
  /** In-service branches: indices into network.branches, endpoints and series impedance in pu. */
  branchRef: Int32Array;
  from: Int32Array;
  to: Int32Array;
  r: Float64Array;
  x: Float64Array;
  /** Base current in A (baseMVA / (sqrt(3) baseKV)). */
  baseCurrentA: number;
  /** True when the in-service branches form a spanning tree (radial feeder). */
  radial: boolean;
  /** Buses in breadth-first order from the slack bus (order[0] = slack). */
  order: Int32Array;
  /** For each bus, the in-service branch (index into from/to) through which BFS reached it; -1 for the slack. */
  parentBranch: Int32Array;
  /** For each bus, the bus BFS came from; -1 for the slack. */
  parent: Int32Array;
};

/**
 * Numbers the buses, converts impedances and injections to per unit and checks connectivity.
 *
 * @example const compiled = compileNetwork(parseNetwork(json)); compiled.radial // true for IEEE 33
 */
export function compileNetwork(network: Network): CompiledNetwork {
  const n = network.buses.length;
  const busIndex = new Map<string, number>();
  network.buses.forEach((b, i) => busIndex.set(b.id, i));
  const slack = busIndex.get(network.slackBus);
  if (slack === undefined) throw new BaseError(`slack bus "${network.slackBus}" is not a bus`);
  const zBase = (network.baseKV * network.baseKV) / network.baseMVA;
  const sBaseKW = network.baseMVA * 1000;
  const pInj = new Float64Array(n);
  const qInj = new Float64Array(n);
  network.buses.forEach((b, i) => {
    pInj[i] = (b.genKW - b.loadKW) / sBaseKW;
    qInj[i] = (b.genKvar - b.loadKvar) / sBaseKW;
  });
  const active: number[] = [];
  network.branches.forEach((br, i) => {
    if (br.inService) active.push(i);
  });
  const m = active.length;
  const branchRef = new Int32Array(m);
  const from = new Int32Array(m);
  const to = new Int32Array(m);
  const r = new Float64Array(m);
  const x = new Float64Array(m);
  active.forEach((bi, k) => {
    const br = network.branches[bi]!;
    const f = busIndex.get(br.from);
    const t = busIndex.get(br.to);
    if (f === undefined || t === undefined)
      throw new BaseError(`branch "${br.id}" connects to an unknown bus`);
    branchRef[k] = bi;
    from[k] = f;
    to[k] = t;
    r[k] = br.rOhm / zBase;
    x[k] = br.xOhm / zBase;
  });
  // Connectivity from the slack bus over in-service branches (iterative BFS, CSR adjacency).
  const deg = new Int32Array(n + 1);
  for (let k = 0; k < m; k++) {
    deg[from[k]! + 1]!++;
    deg[to[k]! + 1]!++;
  }
  for (let i = 0; i < n; i++) deg[i + 1]! += deg[i]!;
  const adj = new Int32Array(2 * m);
  const adjBranch = new Int32Array(2 * m);
  const fill = deg.slice(0, n);
  for (let k = 0; k < m; k++) {
    adjBranch[fill[from[k]!]!] = k;
    adj[fill[from[k]!]!++] = to[k]!;
    adjBranch[fill[to[k]!]!] = k;
    adj[fill[to[k]!]!++] = from[k]!;
  }
  const parentBranch = new Int32Array(n).fill(-1);
  const parent = new Int32Array(n).fill(-1);
  const seen = new Uint8Array(n);
  const queue = new Int32Array(n);
  let head = 0;
  let tail = 0;
  queue[tail++] = slack;
  seen[slack] = 1;
  while (head < tail) {
    const u = queue[head++]!;
    for (let p = deg[u]!; p < deg[u + 1]!; p++) {
      const v = adj[p]!;
      if (!seen[v]) {
        seen[v] = 1;
        parent[v] = u;
        parentBranch[v] = adjBranch[p]!;
        queue[tail++] = v;
      }
    }
  }
  if (tail < n) {
    const unreachable: string[] = [];
    for (let i = 0; i < n; i++) if (!seen[i]) unreachable.push(network.buses[i]!.id);
    throw new NetworkDisconnectedError(unreachable);
  }
  return {
    network,
    n,
    slack,
    busIndex,
    pInj,
    qInj,
    branchRef,
    from,
    to,
    r,
    x,
    baseCurrentA: (network.baseMVA * 1e3) / (Math.sqrt(3) * network.baseKV),
    radial: m === n - 1,
    order: queue,
    parentBranch,
    parent,
  };
}
