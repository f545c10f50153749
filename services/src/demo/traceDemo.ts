import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Address } from "viem";
import { createServices } from "../api/createContext.ts";
import type { Config } from "../config/config.ts";
import type { Verdict } from "../trace/traceService.ts";
import type { ChainSession } from "../chain/session.ts";
import { renderReport } from "./htmlReport.ts";

/**
 * `gridledger demo trace`: paper 004's supplier traceability on a live devnet. Equipment suppliers
 * make cells, glass and inverter boards; a manufacturer assembles modules and inverters; an
 * installer fits them at a prosumer's site. Every event is stored in IPFS, linked in the graph
 * and anchored on-chain as one Merkle batch; trace queries walk the graph up and down; then one
 * record is altered in the graph and the verified read reports it as tampered, and a supply edge
 * forged into the graph is caught by an auditor's verified trace.
 */

export type TraceDemoReport = {
  records: number;
  anchor: { anchorId: string; root: string; leaves: number; tx: string | null };
  upstream: { from: string; nodes: number; suppliers: string[]; depth: number };
  downstream: { from: string; nodes: number; reachesSite: boolean };
  verified: { id: string; verdict: Verdict }[];
  allVerified: boolean;
  tamper: { id: string; what: string; verdict: Verdict; reasons: string[] };
  /** An auditor's verified trace of the site's modules, before and after a forged supply edge. */
  auditedTrace: {
    from: string;
    edges: number;
    before: "verified" | "pending" | "tampered";
    forgedEdge: string;
    after: "verified" | "pending" | "tampered";
    problems: { edge: string; reasons: string[] }[];
  };
};

/** Devnet accounts of the cast (the seeded supplier is #6; the others are extra devnet keys). */
const ACTORS = { cells: 6, glass: 8, boards: 9, manufacturer: 10, installer: 19 } as const;

type Step = {
  id: string;
  type: "produced" | "shipped" | "received" | "inspected" | "assembled" | "installed";
  actor: keyof typeof ACTORS;
  inputs?: string[];
  outputs?: string[];
  location: string;
  product?: string;
  attributes?: Record<string, string | number>;
};

const STEPS: Step[] = [
  {
    id: "evt-cells-made",
    type: "produced",
    actor: "cells",
    outputs: ["B-CELL-01"],
    location: "Cell fab, Jiangsu",
    product: "mono-PERC cell",
    attributes: { efficiencyPct: 23.1, count: 6000 },
  },
  {
    id: "evt-glass-made",
    type: "produced",
    actor: "glass",
    outputs: ["B-GLASS-07"],
    location: "Glass works, Anhui",
    product: "solar glass 3.2 mm",
    attributes: { panes: 100 },
  },
  {
    id: "evt-boards-made",
    type: "produced",
    actor: "boards",
    outputs: ["B-BOARD-3"],
    location: "PCB plant, Shenzhen",
    product: "inverter control board",
    attributes: { units: 40 },
  },
  {
    id: "evt-cells-shipped",
    type: "shipped",
    actor: "cells",
    inputs: ["B-CELL-01"],
    outputs: ["B-CELL-01"],
    location: "Port of Shanghai",
  },
  {
    id: "evt-modules-assembled",
    type: "assembled",
    actor: "manufacturer",
    inputs: ["B-CELL-01", "B-GLASS-07"],
    outputs: ["B-MOD-100"],
    location: "Module plant, Zhejiang",
    product: "PV module 410 Wp",
    attributes: { modules: 100 },
  },
  {
    id: "evt-inverters-assembled",
    type: "assembled",
    actor: "manufacturer",
    inputs: ["B-BOARD-3"],
    outputs: ["B-INV-20"],
    location: "Module plant, Zhejiang",
    product: "string inverter 10 kW",
    attributes: { units: 20 },
  },
  {
    id: "evt-modules-inspected",
    type: "inspected",
    actor: "manufacturer",
    inputs: ["B-MOD-100"],
    outputs: ["B-MOD-100"],
    location: "Module plant, Zhejiang",
    attributes: { elTest: "pass", flashTestWp: 411.2 },
  },
  {
    id: "evt-kit-received",
    type: "received",
    actor: "installer",
    inputs: ["B-MOD-100", "B-INV-20"],
    outputs: ["B-KIT-SITE6"],
    location: "Installer depot",
  },
  {
    id: "evt-kit-installed",
    type: "installed",
    actor: "installer",
    inputs: ["B-KIT-SITE6"],
    outputs: ["B-SITE6-PV"],
    location: "Prosumer site, feeder 1 bus 6",
    product: "rooftop PV 8 kWp",
  },
];

/** Runs the scenario against the services built from `config` on `chain`. */
export async function runTraceDemo(
  chain: ChainSession,
  config: Config,
  log: (l: string) => void,
): Promise<TraceDemoReport> {
  // The demo writes into a fresh data folder so reruns never collide with earlier records.
  const dataDir = await mkdtemp(
    path.join(
      config.DATA_DIR === ".gridledger/data" ? tmpdir() : config.DATA_DIR,
      "gl-trace-demo-",
    ),
  );
  const services = await createServices(
    {
      ...config,
      RPC_URL: chain.rpcUrl,
      DEPLOYMENT_FILE: chain.deploymentFile,
      DATA_DIR: dataDir,
      // The deployer (#0) holds ANCHORER_ROLE on every chain the deploy script ran on.
      ANCHOR_PRIVATE_KEY: config.ANCHOR_PRIVATE_KEY ?? chain.privateKey(0),
    },
    undefined,
    { indexer: false, anchorTimer: false },
  );
  try {
    const { trace, batcher, graph } = services.context;
    const actor = (name: keyof typeof ACTORS): Address => chain.address(ACTORS[name]);
    // The manufacturer uploads for the small suppliers as their delegate data creator (004).
    for (const supplier of ["glass", "boards"] as const)
      await trace.delegate(actor(supplier), actor("manufacturer"));
    const start = Date.parse("2026-10-01T08:00:00Z");
    for (const [i, step] of STEPS.entries()) {
      const uploaderName =
        step.actor === "glass" || step.actor === "boards" ? "manufacturer" : step.actor;
      await trace.recordEvents(
        [
          {
            id: step.id,
            type: step.type,
            at: new Date(start + i * 86_400_000).toISOString(),
            actor: actor(step.actor),
            location: {
              id: step.location.toLowerCase().replace(/[^a-z0-9]+/g, "-"),
              name: step.location,
            },
            ...(step.product
              ? {
                  product: {
                    id: step.product.toLowerCase().replace(/[^a-z0-9]+/g, "-"),
                    name: step.product,
                  },
                }
              : {}),
            inputs: step.inputs ?? [],
            outputs: step.outputs ?? [],
            ...(step.attributes ? { attributes: step.attributes } : {}),
          },
        ],
        { address: actor(uploaderName), isOperator: false },
      );
    }
    log(`stored ${STEPS.length} supply-chain events in IPFS and the graph`);
    const [batch] = await batcher.flush();
    if (!batch) throw new Error("nothing was anchored");
    log(
      `anchored ${batch.recordCount} records as Merkle root ${String(batch.root).slice(0, 18)}… (anchor ${batch.anchorId})`,
    );

    const up = await trace.trace({ label: "Batch", id: "B-SITE6-PV" }, "upstream", 10);
    const suppliers = [
      ...new Set(up.nodes.filter((n) => n.label === "Participant").map((n) => n.id)),
    ];
    const down = await trace.trace({ label: "Batch", id: "B-CELL-01" }, "downstream", 10);
    log(
      `upstream of B-SITE6-PV: ${up.nodes.length} nodes, ${suppliers.length} participants; downstream of B-CELL-01: ${down.nodes.length} nodes`,
    );

    const verified: { id: string; verdict: Verdict }[] = [];
    for (const step of STEPS)
      verified.push({ id: step.id, verdict: (await trace.getRecord("Event", step.id)).verdict });
    log(
      `verified reads: ${verified.filter((v) => v.verdict === "verified").length}/${verified.length} verified against the on-chain root`,
    );

    // Tamper: someone with database access rewrites where the modules were inspected.
    const target = "evt-modules-inspected";
    const node = await graph.getNode({ label: "Event", id: target });
    await graph.upsertNode({
      ...node!,
      label: "Event",
      id: target,
      name: "inspected (flash test 450 Wp)",
      kind: "repaired",
    });
    const tampered = await trace.getRecord("Event", target);
    log(
      `after editing ${target} in the graph: verdict ${tampered.verdict} (${tampered.reasons.join("; ")})`,
    );

    // Forgery: a batch from an unvetted supplier is claimed to have gone into the site's modules.
    // No record states that edge, so no record read fails; the verified trace catches it.
    const audit = { label: "Batch" as const, id: "B-SITE6-PV" };
    const clean = await trace.verifiedTrace(audit, "upstream", 10);
    const forged = { label: "Batch" as const, id: "B-CELL-GREY-99" };
    await graph.upsertNode({ ...forged, kind: "lot" });
    await graph.addEdge({
      type: "FLOWS_TO",
      from: forged,
      to: { label: "Batch", id: "B-MOD-100" },
    });
    const dirty = await trace.verifiedTrace(audit, "upstream", 10);
    log(
      `verified trace of ${audit.id}: ${clean.verification.verdict} (${clean.edges.length} edges); ` +
        `after forging FLOWS_TO ${forged.id} -> B-MOD-100: ${dirty.verification.verdict} ` +
        `(${dirty.verification.problems.map((p) => p.edge).join(", ")})`,
    );

    return {
      records: STEPS.length,
      anchor: {
        anchorId: String(batch.anchorId),
        root: String(batch.root),
        leaves: batch.recordCount,
        tx: batch.txHash ?? null,
      },
      upstream: {
        from: "B-SITE6-PV",
        nodes: up.nodes.length,
        suppliers,
        depth: Math.max(0, ...up.nodes.map((n) => n.depth)),
      },
      downstream: {
        from: "B-CELL-01",
        nodes: down.nodes.length,
        reachesSite: down.nodes.some((n) => n.id === "B-SITE6-PV"),
      },
      verified,
      allVerified: verified.every((v) => v.verdict === "verified"),
      tamper: {
        id: target,
        what: "graph node kind and name rewritten",
        verdict: tampered.verdict,
        reasons: tampered.reasons,
      },
      auditedTrace: {
        from: audit.id,
        edges: clean.edges.length,
        before: clean.verification.verdict,
        forgedEdge: `FLOWS_TO|Batch:${forged.id}|Batch:B-MOD-100`,
        after: dirty.verification.verdict,
        problems: dirty.verification.problems,
      },
    };
  } finally {
    await services.close();
  }
}

/** HTML twin of the trace report. */
export function renderTraceReport(report: TraceDemoReport): string {
  return renderReport("GridLedger demo: supplier traceability", [
    {
      heading: "Anchoring",
      text: `${report.records} records anchored in one Merkle batch (anchor ${report.anchor.anchorId}, root ${report.anchor.root}).`,
    },
    {
      heading: "Trace queries",
      tables: [
        {
          title: "Queries",
          columns: ["query", "from", "nodes reached", "detail"],
          rows: [
            [
              "upstream",
              report.upstream.from,
              report.upstream.nodes,
              `participants: ${report.upstream.suppliers.length}, depth ${report.upstream.depth}`,
            ],
            [
              "downstream",
              report.downstream.from,
              report.downstream.nodes,
              report.downstream.reachesSite
                ? "reaches the prosumer site"
                : "does NOT reach the site",
            ],
          ],
        },
      ],
    },
    {
      heading: "Integrity",
      tables: [
        {
          title: "Verified reads",
          columns: ["record", "verdict"],
          rows: report.verified.map((v) => [v.id, v.verdict]),
        },
        {
          title: "Tamper test",
          columns: ["record", "change", "verdict", "reasons"],
          rows: [
            [
              report.tamper.id,
              report.tamper.what,
              report.tamper.verdict,
              report.tamper.reasons.join("; "),
            ],
          ],
        },
        {
          title: "Audited trace (every edge checked against the anchored records)",
          columns: ["trace", "edges", "before", "forged edge", "after", "reasons"],
          rows: [
            [
              `upstream of ${report.auditedTrace.from}`,
              report.auditedTrace.edges,
              report.auditedTrace.before,
              report.auditedTrace.forgedEdge,
              report.auditedTrace.after,
              report.auditedTrace.problems
                .map((p) => `${p.edge}: ${p.reasons.join("; ")}`)
                .join("; "),
            ],
          ],
        },
      ],
    },
  ]);
}
