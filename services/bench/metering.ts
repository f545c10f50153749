// `npm run bench:metering`: the metering gateway's throughput (sign → verify → journal → batch →
// IPFS → anchor) over READINGS device-signed readings, and the gas one participant's proven
// reading costs in settlement (`reportReadings`, 50 per transaction, amortised). Writes
// bench-results/metering.json.
import "promise.withresolvers/auto";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import secp256k1 from "secp256k1";
import { hexToBytes, keccak256, toHex, type Hex } from "viem";
import { abis, meteringReadingDigester, ParticipantKind } from "@gridledger/protocol";
import { REPO_ROOT } from "../src/chain/devnet.ts";
import { connectChainSession } from "../src/chain/session.ts";
import { MarketWorkflow } from "../src/market/workflow.ts";
import { MeteringGateway, type SignedReading } from "../src/metering/gateway.ts";
import { HeliaContentStore } from "../src/storage/heliaStore.ts";

const PARTICIPANTS = Number(process.env.BENCH_METERING_PARTICIPANTS ?? 100);
const PERIODS = Number(process.env.BENCH_METERING_PERIODS ?? 20);
const log = (m: string) => process.stderr.write(`${m}\n`);

const chain = await connectChainSession({
  rpcUrl: "http://127.0.0.1:18559",
  deploymentFile: "/nonexistent/deployment.json",
  fallbackPort: 18558,
  log,
});
const store = await HeliaContentStore.open(mkdtempSync(path.join(tmpdir(), "gl-bench-ipfs-")));
try {
  const wf = new MarketWorkflow(chain);
  const accounts = Array.from({ length: PARTICIPANTS }, (_, i) => 1 + i);
  log(`admitting ${PARTICIPANTS} participants...`);
  await wf.register(
    accounts.map((account) => ({
      account,
      kind: ParticipantKind.PV,
      renewable: true,
      feederId: 1,
      busId: 1 + (account % 33),
      detailsHash: keccak256(toHex(`bench participant ${account}`)),
      detailsCid: "",
    })),
  );
  const participants = accounts.map((a) => chain.address(a));

  // Settlement gas: one delivery period, every participant's reading proven to the market. The
  // workflow binds the devices on first use (not counted), anchors the batch, then submits.
  const start = (await chain.latestTimestamp()) + 60;
  const { periodIds } = await wf.openPeriods([
    {
      start,
      duration: 900,
      meteringWindow: 3_600,
      gridBuyPrice: 300,
      feedInPrice: 50,
      bandBps: 500,
      bondRate: 10,
      minQuantityWh: 10,
    },
  ]);
  const proven = await wf.proveReadings(
    participants.map((participant, i) => ({
      periodId: periodIds[0]!,
      participant,
      producedWh: 1_000 + i,
      consumedWh: 0,
    })),
  );
  await wf.waitUntil(start + 900);
  const submitted = await wf.submitReadings(proven.bundle);
  const reading_gas_in_settlement = Math.round(submitted.gas / PARTICIPANTS);

  // Gateway throughput: PERIODS readings from each device (sequence = period), signed, accepted
  // in submissions of one period's readings, sealed into one batch (IPFS + anchor).
  // Devices sign with the native secp256k1 as well (a meter's secure element would in hardware).
  const devices = participants.map((p) => ({
    address: wf.deviceOf(p).address,
    key: hexToBytes(wf.deviceKeyOf(p)),
  }));
  const sign = (key: Uint8Array, hash: Hex): Hex => {
    const { signature, recid } = secp256k1.ecdsaSign(hexToBytes(hash), key);
    return `${toHex(signature)}${(27 + recid).toString(16)}` as Hex;
  };
  const gateway = await MeteringGateway.open({
    chain,
    store,
    gateway: 0,
    journalDir: mkdtempSync(path.join(tmpdir(), "gl-bench-gateway-")),
  });
  const digest = meteringReadingDigester(chain.deployment.chainId, gateway.ledger);
  const t0 = performance.now();
  const submissions: SignedReading[][] = [];
  for (let period = 1; period <= PERIODS; period++) {
    submissions.push(
      participants.map((participant, i) => {
        const reading = {
          meter: devices[i]!.address,
          participant,
          periodId: 1_000n + BigInt(period),
          producedWh: BigInt(500 + i),
          consumedWh: 0n,
          sequence: 1_000n + BigInt(period),
        };
        return { reading, signature: sign(devices[i]!.key, digest(reading)) };
      }),
    );
  }
  const t1 = performance.now();
  for (const s of submissions) await gateway.accept(s);
  const t2 = performance.now();
  const sealed = await gateway.seal();
  const t3 = performance.now();
  const readings = PARTICIPANTS * PERIODS;
  if (sealed.readings.length !== readings) throw new Error("the batch lost readings");
  await gateway.verifyBatch(sealed.batchId);
  for (const i of [0, Math.floor(readings / 2), readings - 1]) {
    await chain.publicClient.readContract({
      address: gateway.ledger,
      abi: abis.MeteringLedger,
      functionName: "verifyReading",
      args: [sealed.batchId, sealed.readings[i]!, sealed.signatures[i]!, sealed.proofs[i]!],
    });
  }

  const figures = {
    gateway_readings_per_s: Math.round(readings / ((t3 - t0) / 1_000)),
    gateway_verify_readings_per_s: Math.round(readings / ((t2 - t1) / 1_000)),
    reading_gas_in_settlement,
    readings,
    sign_ms: Math.round(t1 - t0),
    accept_ms: Math.round(t2 - t1),
    seal_ms: Math.round(t3 - t2),
  };
  console.table([
    { figure: "devices sign (EIP-712)", value: figures.sign_ms, unit: "ms" },
    {
      figure: "gateway accepts (recover, binding, sequence, journal)",
      value: figures.accept_ms,
      unit: "ms",
    },
    { figure: "seal (verdicts, tree, IPFS, anchor)", value: figures.seal_ms, unit: "ms" },
    {
      figure: `end to end, ${readings} readings`,
      value: figures.gateway_readings_per_s,
      unit: "readings/s",
    },
    {
      figure: "reportReadings per participant, amortised",
      value: reading_gas_in_settlement,
      unit: "gas",
    },
  ]);
  const dir = path.join(REPO_ROOT, "bench-results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "metering.json"), JSON.stringify({ figures }, null, 2) + "\n");
  console.log(
    `targets: ≥ 2,000 readings/s: ${figures.gateway_readings_per_s >= 2_000}; ≤ 10k gas per reading in settlement: ${reading_gas_in_settlement <= 10_000}`,
  );
  console.log(`wrote ${path.join(dir, "metering.json")}`);
} finally {
  await store.close();
  await chain.close();
}
