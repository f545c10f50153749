import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { getAddress, keccak256, toHex, type Address, type Hex } from "viem";
import { privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import {
  abis,
  meterCertificateTypedData,
  meteringReadingTypedData,
  meterReadingLeafValues,
  METER_READING_LEAF_TYPES,
  ParticipantKind,
  ReadingVerdict,
} from "@gridledger/protocol";
import { connectChainSession, type ChainSession } from "../../src/chain/session.ts";
import { MarketWorkflow } from "../../src/market/workflow.ts";
import { HeliaContentStore } from "../../src/storage/heliaStore.ts";
import {
  BatchMismatchError,
  MeteringGateway,
  ReadingRefusedError,
  type SignedReading,
} from "../../src/metering/gateway.ts";

const OPERATOR = 0;
const device = (label: string) => privateKeyToAccount(keccak256(toHex(`gateway spec ${label}`)));

describe("metering gateway", () => {
  let chain: ChainSession;
  let store: HeliaContentStore;
  let ledger: Address;
  const participants: Address[] = [];
  const meters: PrivateKeyAccount[] = [];

  /** A reading of meter `m` for its participant, signed by `signer` (default: the meter). */
  async function signed(
    m: number,
    periodId: bigint,
    sequence: bigint,
    producedWh: bigint,
    consumedWh = 0n,
    signer: PrivateKeyAccount = meters[m]!,
  ): Promise<SignedReading> {
    const reading = {
      meter: meters[m]!.address,
      participant: participants[m]!,
      periodId,
      producedWh,
      consumedWh,
      sequence,
    };
    const signature = await signer.signTypedData(
      meteringReadingTypedData(chain.deployment.chainId, ledger, reading),
    );
    return { reading, signature };
  }

  async function refusal(g: MeteringGateway, submission: SignedReading[]) {
    const err = await g.accept(submission).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ReadingRefusedError);
    return err as ReadingRefusedError;
  }

  beforeAll(async () => {
    chain = await connectChainSession({
      rpcUrl: "http://127.0.0.1:18571",
      deploymentFile: "/nonexistent/deployment.json",
      fallbackPort: 18570,
      log: () => {},
    });
    store = await HeliaContentStore.open(mkdtempSync(path.join(tmpdir(), "gl-gateway-ipfs-")));
    ledger = getAddress(chain.deployment.contracts.MeteringLedger!.address);
    const registry = getAddress(chain.deployment.contracts.ParticipantRegistry!.address);
    // Prosumers #1-#3, admitted, each given a fresh device key bound by certificate.
    await new MarketWorkflow(chain).register(
      [1, 2, 3].map((account) => ({
        account,
        kind: ParticipantKind.PV,
        renewable: true,
        feederId: 1,
        busId: account,
        detailsHash: keccak256(toHex(`details ${account}`)),
        detailsCid: "",
      })),
    );
    for (const i of [1, 2, 3]) {
      const participant = chain.address(i);
      const meter = device(`meter ${i}`);
      const expiry = BigInt((await chain.latestTimestamp()) + 86_400);
      const nonce = BigInt(i);
      const signature = await chain.wallet(OPERATOR).signTypedData({
        ...meterCertificateTypedData(chain.deployment.chainId, registry),
        message: { meter: meter.address, participant, expiry, nonce },
      });
      await chain.write(`bind ${i}`, OPERATOR, {
        address: registry,
        abi: abis.ParticipantRegistry,
        functionName: "bindMeter",
        args: [meter.address, participant, expiry, nonce, signature],
      });
      participants.push(participant);
      meters.push(meter);
    }
  }, 180_000);
  afterAll(async () => {
    await store?.close();
    await chain?.close();
  });

  it("seals accepted readings into an anchored batch the ledger proves, IPFS document included", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "gl-gateway-"));
    const g = await MeteringGateway.open({ chain, store, gateway: OPERATOR, journalDir: dir });
    await g.accept([await signed(0, 1n, 1n, 3_000n), await signed(1, 1n, 1n, 0n, 2_000n)]);
    await g.accept([await signed(2, 1n, 1n, 1_500n)]);
    const bundle = await g.seal();
    expect(bundle.readings).toHaveLength(3);
    expect(bundle.untrusted).toBe(0);
    expect(g.pending).toHaveLength(0);
    for (const [i, reading] of bundle.readings.entries()) {
      await chain.publicClient.readContract({
        address: ledger,
        abi: abis.MeteringLedger,
        functionName: "verifyReading",
        args: [bundle.batchId, reading, bundle.signatures[i]!, bundle.proofs[i]!],
      });
    }
    const standard = StandardMerkleTree.of(bundle.readings.map(meterReadingLeafValues), [
      ...METER_READING_LEAF_TYPES,
    ]);
    expect(bundle.root).toBe(standard.root);
    expect(bundle.proofs).toEqual(bundle.readings.map((_, i) => standard.getProof(i)));
    const audit = await g.verifyBatch(bundle.batchId);
    expect(audit).toEqual({ root: bundle.root, cid: bundle.cid, readings: 3 });
  });

  it("refuses forged, foreign, replayed, reordered and duplicate readings, keeping nothing of them", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "gl-gateway-"));
    const g = await MeteringGateway.open({ chain, store, gateway: OPERATOR, journalDir: dir });
    await g.accept([await signed(0, 2n, 5n, 1_000n)]);
    const journal = () => readFileSync(path.join(dir, "metering-journal.jsonl"), "utf8");
    const before = journal();

    const forged = await signed(0, 3n, 6n, 9_000n, 0n, device("impostor"));
    expect((await refusal(g, [forged])).reason).toBe("bad-signature");
    const garbled = { ...(await signed(0, 3n, 6n, 1n)), signature: "0x1234" as Hex };
    expect((await refusal(g, [garbled])).reason).toBe("bad-signature");
    // The same signature made malleable (s → n − s, v flipped): valid ECDSA, refused as the
    // contract refuses it.
    const genuine = await signed(0, 3n, 6n, 1_000n);
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
    const sig = genuine.signature.slice(2);
    const highS = (n - BigInt(`0x${sig.slice(64, 128)}`)).toString(16).padStart(64, "0");
    const flippedV = sig.slice(128) === "1b" ? "1c" : "1b";
    const malleable = { ...genuine, signature: `0x${sig.slice(0, 64)}${highS}${flippedV}` as Hex };
    expect((await refusal(g, [malleable])).reason).toBe("bad-signature");
    // A genuine signature over different numbers: the gateway cannot alter a reading either.
    const altered = await signed(0, 3n, 6n, 1_000n);
    altered.reading = { ...altered.reading, producedWh: 5_000n };
    expect((await refusal(g, [altered])).reason).toBe("bad-signature");
    // Meter 1 signing a reading for meter 0's participant (the participant is not in the signed
    // message: the binding decides whose reading it is).
    const foreign = await signed(1, 3n, 6n, 1_000n);
    foreign.reading = { ...foreign.reading, participant: participants[0]! };
    const e = await refusal(g, [await signed(1, 3n, 2n, 1n), foreign]);
    expect([e.reason, e.index]).toEqual(["meter-not-bound", 1]);
    const unbound = device("unbound");
    const stray = {
      reading: { ...(await signed(0, 3n, 1n, 1n)).reading, meter: unbound.address },
      signature: "0x" as Hex,
    };
    stray.signature = await unbound.signTypedData(
      meteringReadingTypedData(chain.deployment.chainId, ledger, stray.reading),
    );
    expect((await refusal(g, [stray])).reason).toBe("meter-not-bound");
    expect((await refusal(g, [await signed(0, 3n, 5n, 1n)])).reason).toBe("stale-sequence");
    const reordered = await refusal(g, [await signed(0, 4n, 8n, 1n), await signed(0, 3n, 7n, 1n)]);
    expect([reordered.reason, reordered.index]).toEqual(["stale-sequence", 1]);
    expect((await refusal(g, [await signed(0, 2n, 9n, 1n)])).reason).toBe("duplicate-period");
    const twice = await refusal(g, [await signed(2, 5n, 1n, 1n), await signed(2, 5n, 2n, 1n)]);
    expect(twice.reason).toBe("duplicate-period");
    expect((await refusal(g, [])).reason).toBe("empty");

    // All or nothing: the good readings in refused submissions were not kept either.
    expect(journal()).toBe(before);
    expect(g.pending.map((p) => p.reading.periodId)).toEqual([2n]);
    await g.accept([await signed(1, 3n, 2n, 1n)]);
    expect(g.pending).toHaveLength(2);
  });

  it("stops a revoked meter at once, though it read the binding before", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "gl-gateway-"));
    const g = await MeteringGateway.open({ chain, store, gateway: OPERATOR, journalDir: dir });
    const registry = getAddress(chain.deployment.contracts.ParticipantRegistry!.address);
    const spare = device("revoked later");
    const participant = participants[2]!;
    const expiry = BigInt((await chain.latestTimestamp()) + 86_400);
    const signature = await chain.wallet(OPERATOR).signTypedData({
      ...meterCertificateTypedData(chain.deployment.chainId, registry),
      message: { meter: spare.address, participant, expiry, nonce: 99n },
    });
    await chain.write("bind spare", OPERATOR, {
      address: registry,
      abi: abis.ParticipantRegistry,
      functionName: "bindMeter",
      args: [spare.address, participant, expiry, 99n, signature],
    });
    const read = async (periodId: bigint, sequence: bigint): Promise<SignedReading> => {
      const reading = {
        meter: spare.address,
        participant,
        periodId,
        producedWh: 1n,
        consumedWh: 0n,
        sequence,
      };
      const sig = await spare.signTypedData(
        meteringReadingTypedData(chain.deployment.chainId, ledger, reading),
      );
      return { reading, signature: sig };
    };
    await g.accept([await read(70n, 1n)]);
    await chain.write("revoke spare", OPERATOR, {
      address: registry,
      abi: abis.ParticipantRegistry,
      functionName: "revokeMeter",
      args: [spare.address],
    });
    expect((await refusal(g, [await read(71n, 2n)])).reason).toBe("meter-not-bound");
  });

  it("loses nothing across a restart: pending readings, sequences and the sealed mark", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "gl-gateway-"));
    const first = await MeteringGateway.open({ chain, store, gateway: OPERATOR, journalDir: dir });
    await first.accept([await signed(0, 10n, 20n, 100n), await signed(1, 10n, 20n, 200n)]);
    const restarted = await MeteringGateway.open({
      chain,
      store,
      gateway: OPERATOR,
      journalDir: dir,
    });
    expect(restarted.pending).toEqual(first.pending);
    const replay = await refusal(restarted, [await signed(0, 11n, 20n, 1n)]);
    expect(replay.reason).toBe("stale-sequence");
    const bundle = await restarted.seal();
    expect(bundle.readings.map((r) => r.producedWh)).toEqual([100n, 200n]);
    const again = await MeteringGateway.open({ chain, store, gateway: OPERATOR, journalDir: dir });
    expect(again.pending).toHaveLength(0);
    await expect(again.seal()).rejects.toThrow(/no pending readings/);
  });

  it("marks a reading an aggregator contradicts beyond ±10 % untrusted, and the ledger refuses it", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "gl-gateway-"));
    const g = await MeteringGateway.open({ chain, store, gateway: OPERATOR, journalDir: dir });
    await g.accept([await signed(0, 30n, 40n, 10_000n), await signed(1, 30n, 40n, 10_000n)]);
    await g.report([
      { source: "aggregator A", meter: meters[0]!.address, periodId: 30n, netWh: 10_400n },
      { source: "aggregator A", meter: meters[1]!.address, periodId: 30n, netWh: 12_500n },
    ]);
    const bundle = await g.seal();
    expect(bundle.readings.map((r) => r.verdict)).toEqual([
      ReadingVerdict.Trusted,
      ReadingVerdict.Untrusted,
    ]);
    expect(bundle.untrusted).toBe(1);
    await expect(
      chain.publicClient.readContract({
        address: ledger,
        abi: abis.MeteringLedger,
        functionName: "verifyReading",
        args: [bundle.batchId, bundle.readings[1]!, bundle.signatures[1]!, bundle.proofs[1]!],
      }),
    ).rejects.toThrow(/MeteringReadingUntrusted/);
    const doc = (await store.getJson(bundle.cid)) as { comparisons: { deviationPct: number }[] };
    expect(doc.comparisons.map((c) => c.deviationPct)).toEqual([4, 25]);
  });

  it("detects a batch whose IPFS document does not rebuild the anchored root", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "gl-gateway-"));
    const g = await MeteringGateway.open({ chain, store, gateway: OPERATOR, journalDir: dir });
    await g.accept([await signed(2, 50n, 60n, 700n)]);
    const honest = await g.seal();
    const doc = (await store.getJson(honest.cid)) as { readings: { producedWh: string }[] };
    doc.readings[0]!.producedWh = "7000";
    const { cid } = await store.putJson(doc);
    const fakeRoot = keccak256(toHex("a root the document does not rebuild"));
    await chain.write("anchor mismatched batch", OPERATOR, {
      address: ledger,
      abi: abis.MeteringLedger,
      functionName: "anchorBatch",
      args: [fakeRoot, 1, cid],
    });
    const id = await chain.publicClient.readContract({
      address: ledger,
      abi: abis.MeteringLedger,
      functionName: "batchIdOf",
      args: [fakeRoot],
    });
    await expect(g.verifyBatch(id)).rejects.toBeInstanceOf(BatchMismatchError);
    await expect(g.verifyBatch(10_000n)).rejects.toThrow(/not anchored/);
  });
});
