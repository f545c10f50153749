import { ethers } from "hardhat";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import type { Signer, Wallet } from "ethers";
import type {
  DispatchRegistry,
  EnergyMarket,
  MeteringLedger,
  ParticipantRegistry,
} from "../../typechain-types";
import { signMeterCertificate } from "../../scripts/deploy/meterCertificate";
import { protocol } from "./protocol";

/** One participant's metered energy for a period, as a test states it. */
export type MeterEntry = {
  periodId: bigint;
  participant: string;
  produced: bigint | number;
  consumed: bigint | number;
  verdict?: (typeof protocol.ReadingVerdict)[keyof typeof protocol.ReadingVerdict];
  /** Hostile cases: the device named as the reading's meter (default: the participant's own). */
  meter?: Wallet;
  /** Hostile cases: who signs (default: the reading's meter). */
  signer?: Wallet;
};

/** A batch of readings ready for `EnergyMarket.reportReadings`. */
export type ProvenBatch = {
  batchId: bigint;
  readings: {
    meter: `0x${string}`;
    participant: `0x${string}`;
    periodId: bigint;
    producedWh: bigint;
    consumedWh: bigint;
    sequence: bigint;
    verdict: (typeof protocol.ReadingVerdict)[keyof typeof protocol.ReadingVerdict];
  }[];
  signatures: string[];
  proofs: string[][];
};

/**
 * The metering head-end of a test: one device key per participant (derived from the participant
 * and the registry, bound on first use with an operator-signed certificate), device-signed
 * readings, a StandardMerkleTree batch anchored in the MeteringLedger by the operator (a
 * gateway), and the proofs the market checks. Mirrors services/src/metering's gateway.
 */
export class TestMeteringHead {
  #sequence = 0n;

  constructor(
    readonly ledger: MeteringLedger,
    readonly registry: ParticipantRegistry,
    readonly operator: Signer,
  ) {}

  /** The device key of `participant`, bound to it in the registry if it is not yet. */
  async deviceFor(participant: string): Promise<Wallet> {
    const registryAddress = await this.registry.getAddress();
    const device = new ethers.Wallet(ethers.id(`device:${registryAddress}:${participant}`));
    const bound = await this.registry.participantOfMeter(device.address);
    if (bound === ethers.ZeroAddress) {
      const { chainId } = await ethers.provider.getNetwork();
      const expiry = 2n ** 40n;
      const nonce = BigInt(ethers.hexlify(ethers.randomBytes(16)));
      const signature = await signMeterCertificate(this.operator, chainId, registryAddress, {
        meter: device.address,
        participant,
        expiry,
        nonce,
      });
      await (
        await this.registry.bindMeter(device.address, participant, expiry, nonce, signature)
      ).wait();
    }
    return device;
  }

  /** A device key that is bound to nobody. */
  static unboundDevice(label: string): Wallet {
    return new ethers.Wallet(ethers.id(`unbound device:${label}`));
  }

  /**
   * Signs each entry with its participant's device (or its `signer`) and builds the batch's tree;
   * sends nothing (binding devices aside), so a caller may anchor the root itself.
   */
  async sign(entries: readonly MeterEntry[]) {
    const { chainId } = await ethers.provider.getNetwork();
    const ledgerAddress = await this.ledger.getAddress();
    const domain = {
      ...protocol.typedData.MeteringLedger.domain,
      chainId,
      verifyingContract: ledgerAddress,
    };
    const types = {
      MeterReading: protocol.typedData.MeteringLedger.types.MeterReading.map((f) => ({ ...f })),
    };
    const readings: ProvenBatch["readings"] = [];
    const signatures: string[] = [];
    for (const e of entries) {
      const device = e.meter ?? (await this.deviceFor(e.participant));
      const reading = {
        meter: device.address as `0x${string}`,
        participant: e.participant as `0x${string}`,
        periodId: e.periodId,
        producedWh: BigInt(e.produced),
        consumedWh: BigInt(e.consumed),
        sequence: ++this.#sequence,
        verdict: e.verdict ?? protocol.ReadingVerdict.Trusted,
      };
      readings.push(reading);
      const signer = e.signer ?? device;
      signatures.push(await signer.signTypedData(domain, types, reading));
    }
    const tree = StandardMerkleTree.of(
      readings.map((r) => protocol.meterReadingLeafValues(r)),
      [...protocol.METER_READING_LEAF_TYPES],
    );
    return {
      readings,
      signatures,
      root: tree.root,
      proofs: readings.map((_, i) => tree.getProof(i)),
    };
  }

  /** Signs each entry (see `sign`), anchors the batch as the gateway, and proves every reading. */
  async prove(entries: readonly MeterEntry[]): Promise<ProvenBatch> {
    const { readings, signatures, root, proofs } = await this.sign(entries);
    const tx = await this.ledger
      .connect(this.operator)
      .anchorBatch(root, readings.length, `test-batch-${root.slice(2, 10)}`);
    await tx.wait();
    const batchId = await this.ledger.batchIdOf(root);
    return { batchId, readings, signatures, proofs };
  }

  /** Proves `entries` and reports them to `market` (from `caller`, anyone), returning the tx. */
  async report(market: EnergyMarket, entries: readonly MeterEntry[], caller?: Signer) {
    const b = await this.prove(entries);
    return (caller ? market.connect(caller) : market).reportReadings(
      b.batchId,
      b.readings,
      b.signatures,
      b.proofs,
    );
  }

  /**
   * Baseline and event-window readings for TDVA providers, anchored as one batch, shaped for
   * `DispatchRegistry.reportEventReadings`. Each provider's readings differ by exactly
   * `deliveredWh` in the requested direction (`raise`: more injection during the event).
   */
  async proveTdva(
    tdva: DispatchRegistry,
    eventId: bigint,
    rows: readonly { index: number; provider: string; deliveredWh: bigint }[],
    raise: boolean,
    overrides: { baseline?: Partial<MeterEntry>; during?: Partial<MeterEntry> } = {},
  ) {
    const baselineId = await tdva.windowPeriodId(eventId, protocol.MeterWindow.Baseline);
    const eventId_ = await tdva.windowPeriodId(eventId, protocol.MeterWindow.Event);
    const base = 50_000n; // the same load either way, so only the response differs
    const entries: MeterEntry[] = rows.flatMap((r) => [
      {
        periodId: baselineId,
        participant: r.provider,
        produced: raise ? 0n : r.deliveredWh,
        consumed: base,
        ...overrides.baseline,
      },
      {
        periodId: eventId_,
        participant: r.provider,
        produced: raise ? r.deliveredWh : 0n,
        consumed: base,
        ...overrides.during,
      },
    ]);
    const b = await this.prove(entries);
    const proven = (i: number) => ({
      batchId: b.batchId,
      reading: b.readings[i]!,
      signature: b.signatures[i]!,
      proof: b.proofs[i]!,
    });
    return rows.map((r, j) => ({
      index: BigInt(r.index),
      baseline: proven(2 * j),
      during: proven(2 * j + 1),
    }));
  }
}
