// `npm run bench:trace`: ingest rate, anchoring of 10,000 records (time, gas), trace latency at
// depth 5 on a 100,000-node supply network (Kùzu, and Neo4j when NEO4J_URI is set) and
// verified-read latency. Writes bench-results/trace.json.
import "promise.withresolvers/auto";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Address } from "viem";
import { loadConfig } from "../src/config/config.ts";
import { seededRandom } from "@gridledger/domain/random";
import type { Uploader } from "../src/trace/traceService.ts";
import { REPO_ROOT, startDevnet } from "../src/chain/devnet.ts";
import { openTraceStack } from "../test/helpers/traceStack.ts";
import { benchTraceStores, percentile, traceBenchTable } from "./traceGraph.ts";

const RECORDS = Number(process.env.BENCH_TRACE_RECORDS ?? 10_000);
const UPLOAD_SIZE = 1_000;
const READS = 200;
const PORT = 18550;
const SUPPLIER = "0x70997970c51812dc3a010c7d01b50e20d4dc79c8" as Address;
const log = (m: string) => process.stderr.write(`${m}\n`);

/** A supply chain of RECORDS events: raw batches first, then transformations of earlier batches. */
function makeEvents(n: number): Record<string, unknown>[] {
  const rand = seededRandom(42);
  const events: Record<string, unknown>[] = [];
  for (let i = 0; i < n; i++) {
    const inputs =
      i < 100 ? [] : [...new Set([0, 1].map(() => `b-${Math.floor(rand() * (i - 1))}`))];
    events.push({
      id: `e-${i}`,
      type: inputs.length === 0 ? "produced" : "transformed",
      at: new Date(1_767_225_600_000 + i * 60_000).toISOString(),
      actor: SUPPLIER,
      product: { id: `p-${i % 50}` },
      location: { id: `l-${i % 20}` },
      inputs,
      outputs: [`b-${i}`],
      attributes: { kWh: Math.round(rand() * 1000), lot: i },
    });
  }
  return events;
}

async function main(): Promise<void> {
  const config = loadConfig();
  log(`starting a devnet on 127.0.0.1:${PORT}`);
  const devnet = await startDevnet(PORT);
  const stack = await openTraceStack(devnet, { ANCHOR_BATCH_MAX: String(RECORDS * 2) });
  const uploader: Uploader = { address: SUPPLIER, isOperator: false };
  try {
    // 1. Ingest: stored and pinned in the content store, graph-linked, queued for anchoring.
    const events = makeEvents(RECORDS);
    log(`ingesting ${RECORDS} events in uploads of ${UPLOAD_SIZE}`);
    const ingestStart = performance.now();
    for (let i = 0; i < events.length; i += UPLOAD_SIZE) {
      await stack.trace.recordEvents(events.slice(i, i + UPLOAD_SIZE), uploader);
    }
    const ingestMs = performance.now() - ingestStart;
    const ingestRps = RECORDS / (ingestMs / 1000);
    log(
      `ingest: ${RECORDS} records in ${Math.round(ingestMs)} ms = ${Math.round(ingestRps)} records/s`,
    );

    // 2. Anchor all of them as one batch.
    log(`anchoring ${stack.batcher.pending} records`);
    const anchorStart = performance.now();
    const batches = await stack.batcher.flush();
    const anchorMs = performance.now() - anchorStart;
    const anchorGas = batches.reduce((sum, b) => sum + Number(b.gasUsed ?? 0), 0);
    log(`anchor: ${Math.round(anchorMs)} ms, ${anchorGas} gas`);
    if (batches.length !== 1 || batches[0]?.recordCount !== RECORDS) {
      throw new Error(`expected one batch of ${RECORDS}, got ${JSON.stringify(batches)}`);
    }

    // 3. Verified reads: re-fetch, re-hash, compare with the graph, check the proof on-chain.
    const rand = seededRandom(7);
    const readTimes: number[] = [];
    for (let i = 0; i < READS; i++) {
      const id = `e-${Math.floor(rand() * RECORDS)}`;
      const started = performance.now();
      const read = await stack.trace.getRecord("Event", id);
      readTimes.push(performance.now() - started);
      if (read.verdict !== "verified")
        throw new Error(`${id}: ${read.verdict} ${read.reasons.join("; ")}`);
    }
    readTimes.sort((a, b) => a - b);
    log(
      `verified read: p50 ${percentile(readTimes, 50).toFixed(2)} ms, p95 ${percentile(readTimes, 95).toFixed(2)} ms`,
    );

    // 3b. Verified traces: every edge of an upstream trace checked against its anchored records.
    const traceTimes: number[] = [];
    let tracedEdges = 0;
    for (let i = 0; i < 50; i++) {
      const id = `b-${RECORDS - 1 - Math.floor(rand() * (RECORDS / 2))}`;
      const started = performance.now();
      const t = await stack.trace.verifiedTrace({ label: "Batch", id }, "upstream", 5);
      traceTimes.push(performance.now() - started);
      tracedEdges += t.edges.length;
      if (t.verification.verdict !== "verified") {
        throw new Error(
          `${id}: ${t.verification.verdict} ${JSON.stringify(t.verification.problems)}`,
        );
      }
    }
    traceTimes.sort((a, b) => a - b);
    log(
      `verified trace (depth 5, ${Math.round(tracedEdges / 50)} edges on average): ` +
        `p50 ${percentile(traceTimes, 50).toFixed(1)} ms, p95 ${percentile(traceTimes, 95).toFixed(1)} ms`,
    );

    // 4. Trace latency on 100,000 nodes (the storage suite's generator and measurement).
    log("trace latency on a generated 100,000-node supply network");
    const neo4j =
      config.NEO4J_URI === undefined
        ? undefined
        : { uri: config.NEO4J_URI, user: config.NEO4J_USER, password: config.NEO4J_PASSWORD };
    const traces = await benchTraceStores({ targetNodes: 100_000, depth: 5, neo4j, log });

    const figures = {
      ingest_rps: Math.round(ingestRps),
      anchor_10k_ms: Math.round(anchorMs),
      anchor_10k_gas: anchorGas,
      trace_p50_ms_100k: traces.kuzu.p50Ms,
      trace_p95_ms_100k: traces.kuzu.p95Ms,
      verified_read_p95_ms: Math.round(percentile(readTimes, 95) * 100) / 100,
      verified_trace_p95_ms: Math.round(percentile(traceTimes, 95) * 10) / 10,
    };
    console.table([
      {
        measure: "ingest (stored + graph-linked + queued)",
        value: figures.ingest_rps,
        unit: "records/s",
        target: ">= 500",
      },
      {
        measure: `anchor ${RECORDS} records: time`,
        value: figures.anchor_10k_ms,
        unit: "ms",
        target: "",
      },
      {
        measure: `anchor ${RECORDS} records: gas`,
        value: figures.anchor_10k_gas,
        unit: "gas",
        target: "",
      },
      {
        measure: "verified read p50",
        value: Math.round(percentile(readTimes, 50) * 100) / 100,
        unit: "ms",
        target: "",
      },
      { measure: "verified read p95", value: figures.verified_read_p95_ms, unit: "ms", target: "" },
      {
        measure: `verified trace, depth 5 (${Math.round(tracedEdges / 50)} edges)`,
        value: figures.verified_trace_p95_ms,
        unit: "ms p95",
        target: "",
      },
      {
        measure: "trace depth 5, 100k nodes, Kùzu p50",
        value: figures.trace_p50_ms_100k,
        unit: "ms",
        target: "",
      },
      {
        measure: "trace depth 5, 100k nodes, Kùzu p95",
        value: figures.trace_p95_ms_100k,
        unit: "ms",
        target: "<= 50",
      },
    ]);
    console.table(traceBenchTable(traces));
    const out = path.join(REPO_ROOT, "bench-results");
    mkdirSync(out, { recursive: true });
    writeFileSync(
      path.join(out, "trace.json"),
      JSON.stringify(
        {
          figures,
          details: {
            records: RECORDS,
            uploadSize: UPLOAD_SIZE,
            verifiedReads: READS,
            verifiedReadP50Ms: Math.round(percentile(readTimes, 50) * 100) / 100,
            verifiedTraceP50Ms: Math.round(percentile(traceTimes, 50) * 10) / 10,
            verifiedTraceMeanEdges: Math.round(tracedEdges / 50),
            traces,
          },
        },
        null,
        2,
      ) + "\n",
    );
    log(`wrote ${path.join(out, "trace.json")}`);
  } finally {
    await stack.close();
    await devnet.stop();
  }
}

await main();
