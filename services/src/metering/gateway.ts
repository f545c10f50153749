import { appendFile, mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { SimpleMerkleTree } from "@openzeppelin/merkle-tree";
import createKeccak from "keccak";
import secp256k1 from "secp256k1";
import {
  getAbiItem,
  getAddress,
  hexToBytes,
  parseEventLogs,
  toHex,
  type Address,
  type Hex,
} from "viem";
import { BaseError, ConflictError, NotFoundError } from "@gridledger/domain/errors";
import {
  abis,
  meteringReadingDigester,
  meterReadingLeaf,
  ReadingVerdict,
  type MeterReading,
  type ReadingBundle,
} from "@gridledger/protocol";
import type { ChainSession } from "../chain/session.ts";
import type { MeteringGatewayMetrics } from "../monitoring/metrics.ts";
import type { ContentStore } from "../storage/contentStore.ts";

/** A reading as its device sends it: everything but the gateway's verdict, and its signature. */
export type SignedReading = { reading: Omit<MeterReading, "verdict">; signature: Hex };

/** Why the gateway refused a submission (nothing of it is kept). */
export type RefusalReason =
  "bad-signature" | "meter-not-bound" | "stale-sequence" | "duplicate-period" | "empty";

/** A submission the gateway refused, whole: its readings were not journalled. */
export class ReadingRefusedError extends ConflictError {
  override name = "ReadingRefusedError";
  constructor(
    readonly reason: RefusalReason,
    readonly index: number,
    message: string,
  ) {
    super(`reading ${index}: ${message}`);
  }
}

/** A batch whose IPFS document does not rebuild the root anchored on-chain. */
export class BatchMismatchError extends BaseError {
  override name = "BatchMismatchError";
}

/** The batch document stored in IPFS: the readings with verdicts, signatures and the root. */
export type BatchDocument = {
  kind: "gridledger/meter-batch/v1";
  chainId: number;
  ledger: Address;
  root: Hex;
  readings: (Omit<MeterReading, "periodId" | "producedWh" | "consumedWh" | "sequence"> & {
    periodId: string;
    producedWh: string;
    consumedWh: string;
    sequence: string;
  })[];
  signatures: Hex[];
  /** Aggregators' figures compared with each reading (cross-source trusted comparison). */
  comparisons: { index: number; source: string; wh: string; deviationPct: number }[];
};

/** An aggregator's figure for one meter and period (net Wh: produced − consumed). */
export type ReportedFigure = { source: string; meter: Address; periodId: bigint; netWh: bigint };

/** Cross-source tolerance of the routine comparison (000 IV.B: ±10 %). */
export const CROSS_SOURCE_PCT = 10;

type JournalLine =
  | { t: "reading"; reading: Record<string, string | number>; signature: Hex }
  | { t: "reported"; source: string; meter: Address; periodId: string; netWh: string }
  | { t: "sealed"; upTo: number; reportedUpTo: number; batchId: string; root: Hex; cid: string };

const key = (meter: Address, periodId: bigint) => `${meter}:${periodId}`;

/**
 * The metering gateway (decision 0206): takes device-signed readings, checks each signature, the
 * meter's binding to the participant and its strictly increasing sequence, journals what it
 * accepts (append-only, so a restart loses nothing and reorders nothing), and seals the pending
 * readings into a batch: a verdict per reading from the cross-source comparison with the
 * aggregators' figures, the document in IPFS, the StandardMerkleTree root anchored in the
 * MeteringLedger with its CID. It can carry, delay or withhold a reading, never alter one: the
 * market checks each device signature again.
 */
export class MeteringGateway {
  readonly #pending: SignedReading[] = [];
  readonly #reported: ReportedFigure[] = [];
  readonly #lastSequence = new Map<Address, bigint>();
  readonly #seenPeriods = new Set<string>();
  readonly #journal: string;
  /** Meter → participant as of block `#bindingsAt` (see `#bindingsOf`). */
  readonly #binding = new Map<Address, Address>();
  #bindingsAt: bigint | undefined;
  /** Journal counts: readings and aggregator figures in total, and how many are sealed. */
  #totalReadings = 0;
  #sealedReadings = 0;
  #totalReported = 0;
  #sealedReported = 0;

  private constructor(
    readonly chain: ChainSession,
    readonly store: ContentStore,
    readonly gateway: number,
    journalDir: string,
    readonly metrics: MeteringGatewayMetrics | undefined,
  ) {
    this.#journal = path.join(journalDir, "metering-journal.jsonl");
  }

  /** Opens the gateway, replaying its journal in `journalDir` (created if missing). */
  static async open(options: {
    chain: ChainSession;
    store: ContentStore;
    /** Account index of the gateway's signer (GATEWAY_ROLE in the MeteringLedger). */
    gateway: number;
    journalDir: string;
    /** Where the trusted comparison counts go (the process's monitoring registry), if any. */
    metrics?: MeteringGatewayMetrics;
  }): Promise<MeteringGateway> {
    const g = new MeteringGateway(
      options.chain,
      options.store,
      options.gateway,
      options.journalDir,
      options.metrics,
    );
    await mkdir(options.journalDir, { recursive: true });
    const text = await readFile(g.#journal, "utf8").catch(() => "");
    let sealedUpTo = 0;
    let reportedUpTo = 0;
    const readings: SignedReading[] = [];
    const reported: ReportedFigure[] = [];
    for (const line of text.split("\n")) {
      if (!line.trim()) continue;
      const entry = JSON.parse(line) as JournalLine;
      if (entry.t === "reading") {
        const r = entry.reading;
        const reading = {
          meter: r.meter as Address,
          participant: r.participant as Address,
          periodId: BigInt(r.periodId!),
          producedWh: BigInt(r.producedWh!),
          consumedWh: BigInt(r.consumedWh!),
          sequence: BigInt(r.sequence!),
        };
        readings.push({ reading, signature: entry.signature });
        g.#lastSequence.set(reading.meter, reading.sequence);
        g.#seenPeriods.add(key(reading.meter, reading.periodId));
      } else if (entry.t === "reported") {
        reported.push({ ...entry, periodId: BigInt(entry.periodId), netWh: BigInt(entry.netWh) });
      } else {
        sealedUpTo = entry.upTo;
        reportedUpTo = entry.reportedUpTo;
      }
    }
    g.#pending.push(...readings.slice(sealedUpTo));
    g.#reported.push(...reported.slice(reportedUpTo));
    g.#totalReadings = readings.length;
    g.#sealedReadings = sealedUpTo;
    g.#totalReported = reported.length;
    g.#sealedReported = reportedUpTo;
    return g;
  }

  get ledger(): Address {
    return getAddress(this.chain.deployment.contracts.MeteringLedger!.address);
  }
  get registry(): Address {
    return getAddress(this.chain.deployment.contracts.ParticipantRegistry!.address);
  }

  /** Readings accepted and not yet sealed into a batch, in arrival order. */
  get pending(): readonly SignedReading[] {
    return this.#pending;
  }

  /**
   * Accepts a submission of device-signed readings, all or nothing: each must be signed by its
   * meter, the meter bound to the participant it names, its sequence above the meter's last and
   * its (meter, period) not yet read. Journalled before it counts.
   */
  async accept(raw: readonly SignedReading[]): Promise<{ accepted: number }> {
    if (raw.length === 0) throw new ReadingRefusedError("empty", 0, "no readings");
    // Checksummed addresses from here on, so the journal and the maps hold one spelling.
    const submission = raw.map(({ reading, signature }) => ({
      reading: {
        ...reading,
        meter: getAddress(reading.meter),
        participant: getAddress(reading.participant),
      },
      signature,
    }));
    const digest = meteringReadingDigester(this.chain.deployment.chainId, this.ledger, keccak);
    const sequences = new Map(this.#lastSequence);
    const periods = new Set<string>();
    const bindings = await this.#bindingsOf([...new Set(submission.map((s) => s.reading.meter))]);
    for (const [i, { reading, signature }] of submission.entries()) {
      const { meter } = reading;
      const signer = recoverSigner(digest(reading), signature);
      if (signer === undefined) {
        throw new ReadingRefusedError("bad-signature", i, "the signature does not parse");
      }
      if (signer !== meter.toLowerCase()) {
        throw new ReadingRefusedError(
          "bad-signature",
          i,
          `signed by ${getAddress(signer)}, not meter ${meter}`,
        );
      }
      const participant = bindings.get(meter)!;
      if (participant !== reading.participant) {
        throw new ReadingRefusedError(
          "meter-not-bound",
          i,
          `meter ${meter} is bound to ${participant}, not to ${reading.participant}`,
        );
      }
      const last = sequences.get(meter) ?? 0n;
      if (reading.sequence <= last) {
        throw new ReadingRefusedError(
          "stale-sequence",
          i,
          `sequence ${reading.sequence} of meter ${meter} is not above its last ${last} (a replay or a reordering)`,
        );
      }
      const k = key(meter, reading.periodId);
      if (this.#seenPeriods.has(k) || periods.has(k)) {
        throw new ReadingRefusedError(
          "duplicate-period",
          i,
          `meter ${meter} already read period ${reading.periodId}`,
        );
      }
      sequences.set(meter, reading.sequence);
      periods.add(k);
    }
    const lines = submission.map(
      ({ reading, signature }) =>
        JSON.stringify({
          t: "reading",
          reading: {
            meter: reading.meter,
            participant: reading.participant,
            periodId: reading.periodId.toString(),
            producedWh: reading.producedWh.toString(),
            consumedWh: reading.consumedWh.toString(),
            sequence: reading.sequence.toString(),
          },
          signature,
        } satisfies JournalLine) + "\n",
    );
    await appendFile(this.#journal, lines.join(""));
    for (const s of submission) {
      this.#pending.push(s);
      this.#seenPeriods.add(key(s.reading.meter, s.reading.periodId));
    }
    for (const [m, q] of sequences) this.#lastSequence.set(m, q);
    this.#totalReadings += submission.length;
    return { accepted: submission.length };
  }

  /** Records an aggregator's figures for the cross-source comparison of the next batch. */
  async report(figures: readonly ReportedFigure[]): Promise<void> {
    if (figures.length === 0) return;
    const lines = figures.map(
      (f) =>
        JSON.stringify({
          t: "reported",
          source: f.source,
          meter: getAddress(f.meter),
          periodId: f.periodId.toString(),
          netWh: f.netWh.toString(),
        } satisfies JournalLine) + "\n",
    );
    await appendFile(this.#journal, lines.join(""));
    this.#reported.push(...figures.map((f) => ({ ...f, meter: getAddress(f.meter) })));
    this.#totalReported += figures.length;
  }

  /**
   * Seals every pending reading into one batch: verdicts, IPFS document, anchored root. Returns
   * the bundle anyone can submit to the market.
   */
  async seal(): Promise<ReadingBundle & { cid: string; untrusted: number }> {
    if (this.#pending.length === 0) throw new NotFoundError("no pending readings to seal");
    const readings: MeterReading[] = [];
    const comparisons: BatchDocument["comparisons"] = [];
    for (const [index, { reading }] of this.#pending.entries()) {
      const device = reading.producedWh - reading.consumedWh;
      let verdict: ReadingVerdict = ReadingVerdict.Trusted;
      for (const f of this.#reported) {
        if (f.meter !== reading.meter || f.periodId !== reading.periodId) continue;
        const deviationPct = deviation(f.netWh, device);
        comparisons.push({ index, source: f.source, wh: f.netWh.toString(), deviationPct });
        if (deviationPct > CROSS_SOURCE_PCT) verdict = ReadingVerdict.Untrusted;
      }
      readings.push({ ...reading, verdict });
    }
    // The StandardMerkleTree of the leaf encoding (same root and proofs, tested), built from
    // leaf hashes: a third of the time for thousands of readings.
    const tree = SimpleMerkleTree.of(readings.map(meterReadingLeaf), { sortLeaves: true });
    const root = tree.root as Hex;
    const signatures = this.#pending.map((p) => p.signature);
    const doc: BatchDocument = {
      kind: "gridledger/meter-batch/v1",
      chainId: this.chain.deployment.chainId,
      ledger: this.ledger,
      root,
      readings: readings.map((r) => ({
        ...r,
        periodId: r.periodId.toString(),
        producedWh: r.producedWh.toString(),
        consumedWh: r.consumedWh.toString(),
        sequence: r.sequence.toString(),
      })),
      signatures,
      comparisons,
    };
    const { cid } = await this.store.putJson(doc);
    // A restart between anchoring and journalling the seal finds the root already anchored.
    let batchId = await this.chain.publicClient.readContract({
      address: this.ledger,
      abi: abis.MeteringLedger,
      functionName: "batchIdOf",
      args: [root],
    });
    if (batchId === 0n) {
      const tx = await this.chain.write(`anchor meter batch ${root.slice(0, 10)}`, this.gateway, {
        address: this.ledger,
        abi: abis.MeteringLedger,
        functionName: "anchorBatch",
        args: [root, readings.length, cid],
      });
      const receipt = await this.chain.publicClient.getTransactionReceipt({ hash: tx.hash });
      const [event] = parseEventLogs({
        abi: abis.MeteringLedger,
        eventName: "BatchAnchored",
        logs: receipt.logs,
      });
      batchId = event!.args.batchId;
    }
    this.#sealedReadings = this.#totalReadings;
    this.#sealedReported = this.#totalReported;
    await appendFile(
      this.#journal,
      JSON.stringify({
        t: "sealed",
        upTo: this.#sealedReadings,
        reportedUpTo: this.#sealedReported,
        batchId: batchId.toString(),
        root,
        cid,
      } satisfies JournalLine) + "\n",
    );
    const compared = new Set(comparisons.map((c) => c.index)).size;
    const untrusted = readings.filter((r) => r.verdict !== ReadingVerdict.Trusted).length;
    this.metrics?.comparisonsSealed(compared, untrusted);
    this.#pending.length = 0;
    this.#reported.length = 0;
    return {
      chainId: this.chain.deployment.chainId,
      ledger: this.ledger,
      batchId,
      root,
      readings,
      signatures,
      proofs: allProofs(tree),
      cid,
      untrusted,
    };
  }

  /**
   * Re-verifies an anchored batch from the chain and IPFS alone (what an auditor runs): the CID
   * from its BatchAnchored event, the document from the content store, the root rebuilt from the
   * document's readings and compared with the one on-chain.
   */
  async verifyBatch(batchId: bigint): Promise<{ root: Hex; cid: string; readings: number }> {
    const events = await this.chain.publicClient.getContractEvents({
      address: this.ledger,
      abi: abis.MeteringLedger,
      eventName: "BatchAnchored",
      args: { batchId },
      fromBlock: BigInt(this.chain.deployment.contracts.MeteringLedger!.deployedOnBlock),
    });
    const event = events[0];
    if (!event) throw new NotFoundError(`meter batch ${batchId} is not anchored`);
    const { root, cid } = event.args as { root: Hex; cid: string };
    const doc = (await this.store.getJson(cid)) as BatchDocument;
    const tree = SimpleMerkleTree.of(
      doc.readings.map((r) =>
        meterReadingLeaf({
          ...r,
          periodId: BigInt(r.periodId),
          producedWh: BigInt(r.producedWh),
          consumedWh: BigInt(r.consumedWh),
          sequence: BigInt(r.sequence),
        }),
      ),
      { sortLeaves: true },
    );
    if (tree.root !== root) {
      throw new BatchMismatchError(
        `meter batch ${batchId}: its IPFS document ${cid} rebuilds root ${tree.root}, the chain anchored ${root}`,
      );
    }
    return { root, cid, readings: doc.readings.length };
  }

  /**
   * The participant each meter is bound to as of the latest block: cached, and every cached
   * meter that a MeterBound or MeterRevoked event touched since the last look is read again, so
   * a revoked meter stops at once at one log query per submission.
   */
  async #bindingsOf(meters: readonly Address[]): Promise<Map<Address, Address>> {
    const head = await this.chain.publicClient.getBlockNumber({ cacheTime: 0 });
    if (this.#bindingsAt !== undefined && head > this.#bindingsAt) {
      const logs = await this.chain.publicClient.getLogs({
        address: this.registry,
        events: [
          getAbiItem({ abi: abis.ParticipantRegistry, name: "MeterBound" }),
          getAbiItem({ abi: abis.ParticipantRegistry, name: "MeterRevoked" }),
        ],
        fromBlock: this.#bindingsAt + 1n,
        toBlock: head,
      });
      for (const log of logs) this.#binding.delete(getAddress(log.args.meter!));
    }
    this.#bindingsAt = head;
    const missing = meters.filter((m) => !this.#binding.has(m));
    const bound = await Promise.all(
      missing.map((meter) =>
        this.chain.publicClient.readContract({
          address: this.registry,
          abi: abis.ParticipantRegistry,
          functionName: "participantOfMeter",
          args: [meter],
          blockNumber: head,
        }),
      ),
    );
    missing.forEach((m, i) => this.#binding.set(m, bound[i]!));
    return new Map(meters.map((m) => [m, this.#binding.get(m)!]));
  }
}

/** |reported − device| / |device| in %, two decimals; zero device energy compares absolutely. */
function deviation(reported: bigint, device: bigint): number {
  const diff = reported > device ? reported - device : device - reported;
  if (device === 0n) return diff === 0n ? 0 : 100;
  const abs = device < 0n ? -device : device;
  return Number((diff * 10_000n) / abs) / 100;
}

/** secp256k1's group order halved: OpenZeppelin's ECDSA refuses a larger `s` (malleability). */
const HALF_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;

/**
 * The address (lower case) that signed `digest`, or undefined for a malformed or malleable signature: the
 * native secp256k1 (prebuilt for Linux x64; pure JS elsewhere), ~40× viem's pure-JS recovery,
 * with the contract's acceptance rules (65 bytes, v 27/28, low s).
 */
/**
 * Native Keccak-256 (the `keccak` package's prebuilt binding, its JS fallback elsewhere): about
 * five times viem's, and three hashes per reading (struct, digest, the signer's public key).
 */
function keccak(data: Uint8Array): Uint8Array {
  return createKeccak("keccak256")
    .update(Buffer.from(data.buffer, data.byteOffset, data.length))
    .digest();
}

function recoverSigner(digest: Hex, signature: Hex): string | undefined {
  if (!/^0x[0-9a-fA-F]{130}$/.test(signature)) return undefined;
  const bytes = hexToBytes(signature);
  const v = bytes[64]!;
  if (v !== 27 && v !== 28) return undefined;
  if (BigInt(toHex(bytes.subarray(32, 64))) > HALF_ORDER) return undefined;
  try {
    const pub = secp256k1.ecdsaRecover(bytes.subarray(0, 64), v - 27, hexToBytes(digest), false);
    return `0x${Buffer.from(keccak(pub.subarray(1)).subarray(12)).toString("hex")}`;
  } catch {
    return undefined;
  }
}

/**
 * Every value's proof from the tree's dump, in value order: `getProof` re-validates the tree per
 * call, which for thousands of readings costs more than building it. Same layout as the library
 * (node j's sibling is j ± 1, its parent ⌊(j − 1) / 2⌋).
 */
function allProofs(tree: SimpleMerkleTree): Hex[][] {
  const { tree: nodes, values } = tree.dump();
  return values.map(({ treeIndex }) => {
    const proof: Hex[] = [];
    for (let j = treeIndex; j > 0; j = Math.floor((j - 1) / 2)) {
      proof.push(nodes[j % 2 === 1 ? j + 1 : j - 1] as Hex);
    }
    return proof;
  });
}
