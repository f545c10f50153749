/**
 * `npm run bench:tdva`: gas of one full TDVA cycle (trigger, dispatch, the providers' proven
 * baseline and event readings, verify, settle) with k = 4, 16, 64 providers, per stage and per
 * provider (the gateway's batch anchor is shown apart: one batch serves many events); DataAnchor anchoring gas for 10, 10,000 and
 * 1,000,000 records (tree built off-chain, build time reported) and single-proof verification
 * gas; hash-chain vs EIP-712 meter reading submission gas. Writes bench-results/tdva.json.
 *
 * Runs on the in-process Hardhat chain (Cancun, see hardhat.bench.config.ts). Deterministic: the
 * offers, deliveries and records come from seeded generators. `BENCH_RECORDS=10,10000` shortens
 * the anchoring part for a quick run (the JSON then lacks anchor_gas_1m / proof_gas_1m).
 */
import hre from "hardhat";
import { mkdirSync, writeFileSync } from "node:fs";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import type { Signer } from "ethers";
import type { DispatchRegistry, ParticipantRegistry } from "../../typechain-types";
import {
  byProvider,
  meritOrder,
  signOffer,
  type OfferTerms,
} from "../../test/dispatch/tdvaHelpers";
import { buildStandardTree, encodeReading, standardLeaf } from "../../test/data/standardTree";
import { protocol } from "../../test/helpers/protocol";
import { seededRandom as rng } from "../../test/helpers/random";
import { TestMeteringHead } from "../../test/helpers/provenReadings";
import { deployProxied } from "../deploy/proxy";

const { ethers } = hre;

const between = (r: () => number, lo: number, hi: number) =>
  BigInt(lo + Math.floor(r() * (hi - lo + 1)));

const FEEDER = 33;
const DURATION = 3_600n;
const SEGMENTS = 4;

type Row = { label: string; value: string };
const table: Row[] = [];
const figures: Record<string, number> = {};
const row = (label: string, value: bigint | number | string) =>
  table.push({ label, value: typeof value === "string" ? value : value.toLocaleString("en-US") });

async function gasOf(
  tx: Promise<{ wait(): Promise<{ gasUsed: bigint } | null> }>,
): Promise<bigint> {
  const receipt = await (await tx).wait();
  if (!receipt) throw new Error("no receipt");
  return receipt.gasUsed;
}

/** k fresh approved providers on FEEDER (fresh, so every settlement credit is a cold new slot). */
async function providers(registry: ParticipantRegistry, k: number, tag: string): Promise<Signer[]> {
  const out: Signer[] = [];
  for (let i = 0; i < k; i++) {
    const wallet = new ethers.Wallet(ethers.id(`tdva-bench:${tag}:${i}`), ethers.provider);
    await hre.network.provider.send("hardhat_setBalance", [wallet.address, "0x56BC75E2D63100000"]);
    await (
      await registry
        .connect(wallet)
        .applyAsParticipant(
          5,
          false,
          FEEDER,
          1 + (i % 32),
          ethers.id(`bench:${wallet.address}`),
          "",
        )
    ).wait();
    const application = await registry.applicationHash(wallet.address);
    await (
      await registry.approve(wallet.address, await registry.PROSUMER_ROLE(), application)
    ).wait();
    out.push(wallet);
  }
  return out;
}

/** One full TDVA event with the given providers; returns the gas of each stage. */
async function tdvaCycle(
  tdva: DispatchRegistry,
  head: TestMeteringHead,
  signers: Signer[],
  seed: number,
) {
  const k = signers.length;
  const r = rng(seed);
  const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
  const terms: OfferTerms[] = [];
  for (const signer of signers) {
    let price = between(r, 30_000, 60_000);
    const segments = Array.from({ length: SEGMENTS }, () => {
      const segment = { capacityW: between(r, 5_000, 20_000), pricePerKWh: price };
      price += between(r, 0, 30_000);
      return segment;
    });
    const total = segments.reduce((s, x) => s + x.capacityW, 0n);
    terms.push({
      provider: await signer.getAddress(),
      maxPowerW: total,
      // about a quarter of the providers are energy-capped below their power for the hour
      maxEnergyWh: r() < 0.25 ? (total * 3n) / 4n : total,
      signedAt: now + 2n,
      segments,
    });
  }
  const order = byProvider(terms.map((t, i) => ({ provider: t.provider, t, signer: signers[i]! })));
  const capacity = terms.reduce(
    (s, t) =>
      s + [t.maxPowerW, (t.maxEnergyWh * 3_600n) / DURATION].reduce((a, b) => (a < b ? a : b)),
    0n,
  );
  const requestedW = (capacity * 6n) / 10n;
  const allocations = meritOrder(
    order.map((o) => o.t),
    requestedW,
    DURATION,
  );
  const budget = 10n ** 12n;
  const params = {
    reason: 1,
    feederId: FEEDER,
    requestedW: -requestedW,
    start: now + 900n,
    duration: DURATION,
    quoteDeadline: now + 600n,
    budget,
    dataHash: ethers.id(`alarm k=${k}`),
    dataCid: "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku",
  };
  const trigger = await gasOf(tdva.trigger(params));
  const eventId = await tdva.eventCount();
  const offers = [];
  for (const o of order) offers.push(await signOffer(tdva, o.signer, eventId, o.t));
  const dispatch = await gasOf(
    tdva.dispatch(
      eventId,
      offers,
      allocations,
      ethers.id(`safety k=${k}`),
      "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku",
      true,
    ),
  );
  await hre.network.provider.send("evm_setNextBlockTimestamp", [Number(params.start + DURATION)]);
  // 90 % deliver 95-105 % of their energy, 10 % deliver 60-90 % (penalised).
  const delivered = allocations.map((w) => {
    const pct = r() < 0.9 ? between(r, 95, 105) : between(r, 60, 90);
    return (w * pct) / 100n;
  });
  const lines = order.map((o, i) => ({
    provider: o.provider,
    allocationW: allocations[i]!,
    segments: offers[i]!.segments,
  }));
  // Each provider's device signs a baseline and an event-window reading; the gateway anchors them.
  const batchesBefore = await head.ledger.batchCount();
  const rows = order.map((o, index) => ({
    index,
    provider: o.provider,
    deliveredWh: delivered[index]!,
  }));
  const entries = await head.proveTdva(tdva, eventId, rows, false);
  const anchorBlock = await ethers.provider.getBlock("latest");
  const anchorReceipt = await ethers.provider.getTransactionReceipt(
    anchorBlock!.transactions.at(-1)!,
  );
  if ((await head.ledger.batchCount()) !== batchesBefore + 1n) throw new Error("no batch anchored");
  const anchor = anchorReceipt!.gasUsed;
  const readings = await gasOf(tdva.reportEventReadings(eventId, lines, entries));
  const verify = await gasOf(tdva.verify(eventId));
  const settle = await gasOf(tdva.settle(eventId, lines, delivered));
  const [ok] = await tdva.checkLinks(eventId);
  if (!ok) throw new Error("hash links broken");
  const total = trigger + dispatch + readings + verify + settle;
  return {
    trigger,
    dispatch,
    anchor,
    readingCount: 2 * k,
    readings,
    verify,
    settle,
    total,
    perProvider: total / BigInt(k),
  };
}

/** Mean gas of each provider withdrawing its pull-payment balance. */
async function withdrawAll(tdva: DispatchRegistry, signers: Signer[]): Promise<bigint> {
  let gas = 0n;
  let count = 0n;
  for (const signer of signers) {
    if ((await tdva.balanceOf(await signer.getAddress())) === 0n) continue;
    gas += await gasOf(tdva.connect(signer).withdraw());
    count++;
  }
  return count === 0n ? 0n : gas / count;
}

async function main() {
  const [operator, relayer] = await ethers.getSigners();
  if (!operator || !relayer) throw new Error("need two signers");
  const token = await deployProxied(ethers, "GridToken", [], [operator.address, 0n, 0n]);
  const registry = await deployProxied(ethers, "ParticipantRegistry", [], [operator.address]);
  const ledger = await deployProxied(
    ethers,
    "MeteringLedger",
    [await registry.getAddress()],
    [operator.address],
  );
  await (await ledger.grantRole(await ledger.GATEWAY_ROLE(), operator.address)).wait();
  const head = new TestMeteringHead(ledger, registry, operator);
  const tdva = await deployProxied(
    ethers,
    "DispatchRegistry",
    [await token.getAddress(), await registry.getAddress(), await ledger.getAddress()],
    [operator.address],
  );
  await (await token.mint(operator.address, 10n ** 15n)).wait();
  await (await token.approve(await tdva.getAddress(), ethers.MaxUint256)).wait();

  // ---- TDVA cycles (fresh providers: every settlement credit writes a new storage slot)
  const cycleRows = (label: string, c: Awaited<ReturnType<typeof tdvaCycle>>) => {
    row(`${label}: trigger`, c.trigger);
    row(`${label}: dispatch (${SEGMENTS} segments/offer)`, c.dispatch);
    row(`${label}: gateway batch anchor (${c.readingCount} readings; not in the cycle)`, c.anchor);
    row(`${label}: reportEventReadings (2 proven readings/provider)`, c.readings);
    row(`${label}: verify`, c.verify);
    row(`${label}: settle`, c.settle);
    row(`${label}: full cycle`, c.total);
    row(`${label}: full cycle per provider`, c.perProvider);
  };
  for (const k of [4, 16, 64]) {
    process.stderr.write(`TDVA cycle k=${k}...\n`);
    const signers = await providers(registry, k, `k${k}`);
    const c = await tdvaCycle(tdva, head, signers, 1_000 + k);
    cycleRows(`TDVA k=${k}`, c);
    if (k === 4) figures.tdva_gas_per_provider_k4 = Number(c.perProvider);
    if (k === 64) {
      figures.tdva_gas_per_provider_k64 = Number(c.perProvider);
      figures.tdva_reading_gas_per_provider_k64 = Number(c.readings / 64n);
      // The same providers again before they withdraw: their balance slots already exist.
      process.stderr.write(`TDVA cycle k=64, recurring providers...\n`);
      cycleRows("TDVA k=64 recurring providers", await tdvaCycle(tdva, head, signers, 2_064));
    }
    row(
      `TDVA k=${k}: withdraw per provider (own tx, not in the cycle)`,
      await withdrawAll(tdva, signers),
    );
  }

  // ---- Data anchoring
  const anchors = await deployProxied(ethers, "DataAnchor", [], [operator.address]);
  await (await anchors.grantRole(await anchors.ANCHORER_ROLE(), operator.address)).wait();
  // Warm-up: the very first anchor also initialises the id counter (a one-off 17,100 gas).
  await (await anchors.anchor(ethers.id("warm-up"), "", 1n, ethers.ZeroHash)).wait();
  const sizes = (process.env.BENCH_RECORDS ?? "10,10000,1000000").split(",").map(Number);
  const suffix = (n: number) => (n === 10 ? "10" : n === 1_000_000 ? "1m" : String(n));
  const coder = ethers.AbiCoder.defaultAbiCoder();
  for (const n of sizes) {
    process.stderr.write(`anchoring ${n} records...\n`);
    const record = (i: number): [string, bigint, bigint] => [
      ethers.getAddress(ethers.zeroPadValue(ethers.toBeHex(0x1000 + (i % 997)), 20)),
      1_700_000_000n + BigInt(i) * 60n,
      BigInt(((i * 7919) % 4001) - 2000),
    ];
    let t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const leaves: Uint8Array[] = new Array(n);
    for (let i = 0; i < n; i++) leaves[i] = standardLeaf(encodeReading(...record(i)));
    const tree = buildStandardTree(leaves);
    const buildMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    row(
      `anchor n=${n}: flat tree build (leaf hashing + tree), wall / CPU`,
      `${(buildMs / 1000).toFixed(2)} s / ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s`,
    );
    if (n <= 10_000) {
      t0 = performance.now();
      const reference = StandardMerkleTree.of(
        Array.from({ length: n }, (_, i) => record(i)),
        ["address", "uint64", "int256"],
      );
      row(
        `anchor n=${n}: StandardMerkleTree.of build`,
        `${((performance.now() - t0) / 1000).toFixed(2)} s`,
      );
      if (reference.root !== tree.root)
        throw new Error(`flat tree differs from StandardMerkleTree at n=${n}`);
    }
    const anchorGas = await gasOf(
      anchors.anchor(
        tree.root,
        "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku",
        BigInt(n),
        ethers.encodeBytes32String("meter-readings"),
      ),
    );
    const anchorId = await anchors.anchorCount();
    const i = Math.floor(n / 2);
    const encoded = coder.encode(["address", "uint64", "int256"], record(i));
    const proof = tree.getProof("0x" + Buffer.from(leaves[i]!).toString("hex"));
    if (!(await anchors.verifyRecord(anchorId, encoded, proof))) throw new Error("proof rejected");
    // Gas a transaction would spend on the check: estimate minus the 21,000 intrinsic base.
    const proofGas = (await anchors.verifyRecord.estimateGas(anchorId, encoded, proof)) - 21_000n;
    row(`anchor n=${n}: anchor() gas`, anchorGas);
    row(`anchor n=${n}: verifyRecord gas (proof length ${proof.length})`, proofGas);
    if (n === 10 || n === 1_000_000) {
      figures[`anchor_gas_${suffix(n)}`] = Number(anchorGas);
      figures[`proof_gas_${suffix(n)}`] = Number(proofGas);
    }
  }

  // ---- Hash chain vs EIP-712 signature
  const readings = await deployProxied(
    ethers,
    "MeterReadings",
    [await registry.getAddress()],
    [operator.address],
  );
  const chainMeter = new ethers.Wallet(ethers.id("tdva-bench:meter:chain"), ethers.provider);
  const signMeter = new ethers.Wallet(ethers.id("tdva-bench:meter:sign"), ethers.provider);
  for (const m of [chainMeter, signMeter]) {
    await hre.network.provider.send("hardhat_setBalance", [m.address, "0x56BC75E2D63100000"]);
    await (await readings.grantRole(await readings.METER_ROLE(), m.address)).wait();
  }
  const secret = (i: number) => ethers.id(`chain secret ${i}`);
  const commitment = (i: number) =>
    ethers.dataSlice(ethers.keccak256(coder.encode(["bytes32"], [secret(i)])), 0, 20);
  const commitGas = await gasOf(readings.connect(chainMeter).commit(commitment(1)));
  const ROUNDS = 6;
  const { chainId } = await ethers.provider.getNetwork();
  const signing = protocol.typedData.MeterReadings;
  const domain = { ...signing.domain, chainId, verifyingContract: await readings.getAddress() };
  const types = { MeterReading: signing.types.MeterReading.map((field) => ({ ...field })) };
  let chainGas = 0n;
  let signedGas = 0n;
  for (let i = 1; i <= ROUNDS; i++) {
    const value = 1_000n + BigInt(i);
    const g1 = await gasOf(
      readings
        .connect(relayer)
        .submitWithPreimage(chainMeter.address, BigInt(i), value, secret(i), commitment(i + 1)),
    );
    const signature = await signMeter.signTypedData(domain, types, {
      meter: signMeter.address,
      seq: BigInt(i - 1),
      readingTime: BigInt(i),
      value,
    });
    const g2 = await gasOf(
      readings.connect(relayer).submitSigned(signMeter.address, BigInt(i), value, signature),
    );
    // The first submission of each meter writes fresh slots; steady state is what counts.
    if (i > 1) {
      chainGas += g1;
      signedGas += g2;
    }
  }
  chainGas /= BigInt(ROUNDS - 1);
  signedGas /= BigInt(ROUNDS - 1);
  row("meter: commit H(r1) (signed tx, once per chain)", commitGas);
  row("meter: hash-chain submit (relayed, steady state)", chainGas);
  row("meter: EIP-712 signed submit (relayed, steady state)", signedGas);
  figures.hashchain_submit_gas = Number(chainGas);
  figures.signed_submit_gas = Number(signedGas);

  const width = Math.max(...table.map((r) => r.label.length));
  process.stdout.write(
    `\n${"figure".padEnd(width)}  value\n${"-".repeat(width)}  ${"-".repeat(14)}\n`,
  );
  for (const r of table)
    process.stdout.write(`${r.label.padEnd(width)}  ${r.value.padStart(14)}\n`);
  mkdirSync("bench-results", { recursive: true });
  writeFileSync("bench-results/tdva.json", JSON.stringify({ figures }, null, 2) + "\n");
  process.stdout.write(`\nwrote bench-results/tdva.json\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
