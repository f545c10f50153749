/**
 * Stateful fuzzer of the energy market (run by `npm run fuzz:market` and, as a slice, by
 * test/market/MarketFuzz.test.ts). Each sequence is a seeded random run of operations against one
 * market deployment — deposit, place, cancel, clear or clearChunk by anyone with hostile chunkings,
 * restartClearing, reportReadings (proven readings), tally, settle or settleChunk, withdraw, reentrancy attempts — with
 * an honest GridToken, a fee-on-transfer token or a callback token (plus ReentrantTrader). The
 * chain is reverted to one snapshot between sequences and every block gets a chosen timestamp, so
 * a sequence is reproducible from its seed alone (FUZZ_SEED=<seed> FUZZ_SEQUENCES=1).
 *
 * After every step (a market call, reverted or not) it asserts:
 * - token balance × 1000 == Σ available + Σ locked over every account that ever held a balance;
 * - every account's available balance equals a model driven by the TypeScript reference
 *   (`lockAmount`, `walkBook`, `settlePeriod`), and its locked balance equals the locks of its
 *   orders recomputed from scratch (live orders of untallied intervals, matched reservations of
 *   tallied, unsettled ones; nothing once an interval is settled);
 * - the outcome (success or revert) of every call whose outcome is determined by the model, and
 *   for clearing calls whose outcome is not (hostile chunks), the consistency of what was accepted
 *   (ClearingTracker).
 * When a period's intervals are all settled, each participant's net (from MatchSettled) equals the
 * reference's `settlePeriod` net and each match's flows equal the reference's.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { Interface, keccak256, concat, toBeHex, type Result } from "ethers";
import type {
  CallbackToken,
  EnergyMarket,
  FeeOnTransferToken,
  GridToken,
  MarketProbe,
  MeteringLedger,
  ReentrantTrader,
} from "../../typechain-types";
import {
  compareRecords,
  isUnmatchedRecord,
  lockAmount,
  lockRate,
  packReferenceRecords,
  settlePeriod,
  walkBook,
  type MeterReading,
  type PeriodSettlement,
  type SettlementOrder,
} from "../../test/market/reference";
import { admit } from "../../test/market/marketFixtures";
import { TestMeteringHead } from "../../test/helpers/provenReadings";
import { protocol } from "../../test/helpers/protocol";
import { seededRandom } from "../../test/helpers/random";
import { deployProxied } from "../deploy/proxy";

// ------------------------------------------------------------------ seeded PRNG

/** Random helpers over one PRNG. */
export class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = seededRandom(seed);
  }
  /** Float in [0, 1). */
  float(): number {
    return this.next();
  }
  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }
  /** A random element (the array must not be empty). */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
  /** A key of `weights` drawn with the given weights (zero weights never drawn). */
  weighted<K extends string>(weights: Record<K, number>): K {
    const entries = Object.entries(weights) as [K, number][];
    const total = entries.reduce((s, [, w]) => s + w, 0);
    let x = this.next() * total;
    for (const [k, w] of entries) {
      if (x < w) return k;
      x -= w;
    }
    return entries[entries.length - 1]![0];
  }
}

// ------------------------------------------------------------------ clearing tracker

const MAX40 = (1n << 40n) - 1n;
const M32 = 0xffffffffn;

/** One order of an interval as the clearing sees it. */
export type TrackedOrder = {
  id: bigint;
  seq: bigint;
  /** 0 renewable sells, 1 conventional sells, 2 buys. */
  list: number;
  price: bigint;
  quantity: bigint;
  cancelled: boolean;
};

/** What `clearingState` and `interval(id).status` return, as the tracker compares them. */
export type ClearingSnapshot = {
  seen: readonly bigint[];
  epoch: bigint;
  entryCount: bigint;
  entryHash: string;
  status: bigint;
};

/** A Matched or Unmatched log of the interval, already decoded. */
export type ClearingLog =
  | { name: "Matched"; sell: bigint; buy: bigint; quantity: bigint; price: bigint }
  | { name: "Unmatched"; order: bigint; quantity: bigint }
  | { name: "ClearingRestarted"; epoch: bigint; omitted: bigint };

/** What the clearing checks read of a receipt (an ethers receipt or a raw JSON-RPC one). */
export type ReceiptLike = {
  to?: string | null;
  logs: readonly { address: string; topics: readonly string[]; data: string }[];
};

/** Clearing logs of `intervalId` in a receipt, in log order. */
export function clearingLogs(
  market: EnergyMarket,
  receipt: ReceiptLike,
  intervalId: bigint,
): ClearingLog[] {
  const out: ClearingLog[] = [];
  const address = receipt.to?.toLowerCase();
  for (const log of receipt.logs) {
    if (address !== undefined && log.address.toLowerCase() !== address) continue;
    const parsed = market.interface.parseLog(log);
    if (!parsed || parsed.args[0] !== intervalId) continue;
    if (parsed.name === "Matched") {
      const [, sell, buy, quantity, price] = parsed.args as unknown as bigint[];
      out.push({ name: "Matched", sell: sell!, buy: buy!, quantity: quantity!, price: price! });
    } else if (parsed.name === "Unmatched") {
      const [, order, quantity] = parsed.args as unknown as bigint[];
      out.push({ name: "Unmatched", order: order!, quantity: quantity! });
    } else if (parsed.name === "ClearingRestarted") {
      const [, epoch, omitted] = parsed.args as unknown as bigint[];
      out.push({ name: "ClearingRestarted", epoch: epoch!, omitted: omitted! });
    }
  }
  return out;
}

const chainHash = (h: string, record: bigint) => keccak256(concat([h, toBeHex(record, 32)]));
const ZERO_HASH = "0x" + "00".repeat(32);

/**
 * Follows one interval's clearing from the outside: which ids the current attempt consumed (from
 * the `seen` counters after each accepted call), the records it emitted, which orders it provably
 * skipped, and checks every accepted call for consistency with the order book and, while no order
 * was skipped, with the reference walk (`walkBook`).
 */
export class ClearingTracker {
  /** The honest lists (the order the contract verifies). */
  readonly lists: bigint[][];
  /** Reference records (packed) and matches of the whole book. */
  readonly reference: bigint[];
  readonly totals: number[];
  epoch = 0;
  seen = [0, 0, 0];
  /** Index in `lists[l]` of the last id consumed by the current attempt, −1 if none. */
  last = [-1, -1, -1];
  consumed = new Set<bigint>();
  /** Records of the current attempt, packed, in log order. */
  records: bigint[] = [];
  hash = ZERO_HASH;
  done = false;
  private filled = new Map<bigint, bigint>();
  private readonly info = new Map<bigint, { order: TrackedOrder; index: number }>();
  private readonly bySeq = new Map<bigint, TrackedOrder>();

  constructor(
    readonly intervalId: bigint,
    orders: readonly TrackedOrder[],
  ) {
    const key = (o: TrackedOrder) =>
      o.list === 2 ? ((MAX40 - o.price) << 32n) | o.seq : (o.price << 32n) | o.seq;
    this.lists = [0, 1, 2].map((l) =>
      orders
        .filter((o) => o.list === l)
        .sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))
        .map((o) => o.id),
    );
    this.totals = this.lists.map((l) => l.length);
    for (const o of orders) this.bySeq.set(o.seq, o);
    this.lists.forEach((ids, l) =>
      ids.forEach((id, index) => {
        const order = orders.find((o) => o.id === id)!;
        this.info.set(id, { order: { ...order, list: l }, index });
      }),
    );
    const walk = walkBook(
      [...orders]
        .sort((a, b) => (a.seq < b.seq ? -1 : 1))
        .map((o) => ({
          id: String(o.seq),
          side: o.list === 2 ? ("buy" as const) : ("sell" as const),
          price: Number(o.price),
          quantity: Number(o.quantity),
          renewable: o.list === 0,
          cancelled: o.cancelled,
        })),
    );
    this.reference = packReferenceRecords(walk.records, (label) => BigInt(label));
  }

  /** The list (0, 1, 2) of an order of this interval by sequence number. */
  listOfSeq = (seq: bigint): number => this.bySeq.get(seq)?.list ?? -1;

  /** The next `n` ids of list `l` after the last one consumed. */
  continuation(l: number, n: number): bigint[] {
    const from = this.last[l]! + 1;
    return this.lists[l]!.slice(from, from + n);
  }

  /** Every id of list `l` after the last one consumed. */
  rest(l: number): bigint[] {
    return this.lists[l]!.slice(this.last[l]! + 1);
  }

  /** Ids of list `l` consumed by the current attempt. */
  consumedIn(l: number): bigint[] {
    return this.lists[l]!.filter((id) => this.consumed.has(id));
  }

  /** Orders the current attempt provably skipped (restartClearing accepts exactly these). */
  omitted(): bigint[] {
    const out: bigint[] = [];
    for (let l = 0; l < 3; l++) {
      for (let i = 0; i < this.last[l]!; i++) {
        const id = this.lists[l]![i]!;
        if (!this.consumed.has(id)) out.push(id);
      }
    }
    return out;
  }

  isOmitted(id: bigint): boolean {
    const info = this.info.get(id);
    return info !== undefined && info.index < this.last[info.order.list]! && !this.consumed.has(id);
  }

  /** Whether every list is a prefix of its rest (what an honest caller passes). */
  isHonest(lists: readonly (readonly bigint[])[]): boolean {
    return lists.every((ids, l) => {
      const rest = this.rest(l);
      return ids.length <= rest.length && ids.every((id, i) => rest[i] === id);
    });
  }

  /** Whether `lists` are exactly every id left (what `clear` needs to succeed). */
  isWholeRest(lists: readonly (readonly bigint[])[]): boolean {
    return this.isHonest(lists) && lists.every((ids, l) => ids.length === this.rest(l).length);
  }

  /**
   * Applies an accepted clear/clearChunk call (`passed` = the lists given, `after` = the state read
   * after it, `logs` = its clearing logs). Returns the inconsistencies found (empty: consistent).
   */
  applyClear(
    passed: readonly (readonly bigint[])[],
    after: ClearingSnapshot,
    logs: readonly ClearingLog[],
  ): string[] {
    const bad: string[] = [];
    for (let l = 0; l < 3; l++) {
      const delta = Number(after.seen[l]!) - this.seen[l]!;
      if (delta < 0 || delta > passed[l]!.length) {
        bad.push(`list ${l}: seen moved by ${delta} with ${passed[l]!.length} ids passed`);
        continue;
      }
      for (const id of passed[l]!.slice(0, delta)) {
        const info = this.info.get(id);
        if (info === undefined || info.order.list !== l) {
          bad.push(`list ${l}: accepted ${id}, which does not belong to it`);
        } else if (info.index <= this.last[l]!) {
          bad.push(`list ${l}: accepted ${id} at or before the last consumed key`);
        } else {
          this.consumed.add(id);
          this.last[l] = info.index;
        }
      }
      this.seen[l] = Number(after.seen[l]!);
    }
    for (const log of logs) {
      if (log.name === "ClearingRestarted") {
        bad.push("a clearing call emitted ClearingRestarted");
        continue;
      }
      bad.push(...this.checkRecord(log));
    }
    if (BigInt(this.epoch) !== after.epoch)
      bad.push(`epoch ${after.epoch}, expected ${this.epoch}`);
    if (after.entryCount !== BigInt(this.records.length))
      bad.push(`entryCount ${after.entryCount}, ${this.records.length} records emitted`);
    if (after.entryHash !== this.hash) bad.push("entryHash is not the hash chain of the records");
    const skipped = this.omitted().length > 0;
    if (!skipped) {
      const cmp = compareRecords(this.records, this.reference, true);
      if (!cmp.ok) bad.push(`records diverge from the reference walk at ${cmp.at}: ${cmp.reason}`);
    }
    const allSeen = this.seen.every((s, l) => s === this.totals[l]);
    if (after.status === 2n) {
      this.done = true;
      if (!allSeen || skipped) bad.push("cleared without consuming every id in order");
      const cmp = compareRecords(this.records, this.reference);
      if (!cmp.ok) bad.push(`final records differ from walkBook at ${cmp.at}: ${cmp.reason}`);
    } else if (after.status !== 1n) {
      bad.push(`status ${after.status} after a clearing call`);
    } else if (allSeen) {
      bad.push("every id consumed but the interval is not cleared");
    }
    return bad;
  }

  private checkRecord(log: Exclude<ClearingLog, { name: "ClearingRestarted" }>): string[] {
    const bad: string[] = [];
    const use = (id: bigint, q: bigint) => {
      const info = this.info.get(id);
      if (info === undefined) return bad.push(`record names unknown order ${id}`);
      if (!this.consumed.has(id)) bad.push(`record names ${id}, not consumed by this attempt`);
      if (info.order.cancelled) bad.push(`record names cancelled order ${id}`);
      if (q <= 0n) bad.push(`record of ${q} Wh for ${id}`);
      const f = (this.filled.get(id) ?? 0n) + q;
      if (f > info.order.quantity) bad.push(`order ${id}: records exceed its quantity`);
      this.filled.set(id, f);
      return info.order;
    };
    let record: bigint;
    if (log.name === "Matched") {
      const s = use(log.sell, log.quantity);
      const b = use(log.buy, log.quantity);
      if (typeof s === "object" && typeof b === "object") {
        if (s.list === 2 || b.list !== 2) bad.push(`match ${log.sell}/${log.buy}: wrong sides`);
        if (s.price > b.price) bad.push(`match ${log.sell}/${log.buy}: ask above bid`);
        if (log.price !== (s.price + b.price) / 2n)
          bad.push(`match ${log.sell}/${log.buy}: price ${log.price}`);
      }
      record = protocol.packMatchRecord(log.sell, log.buy, log.quantity, log.price);
    } else {
      use(log.order, log.quantity);
      record = protocol.packUnmatchedRecord(log.order, log.quantity);
    }
    this.records.push(record);
    this.hash = chainHash(this.hash, record);
    return bad;
  }

  /** Applies an accepted restartClearing; returns inconsistencies. */
  applyRestart(omittedId: bigint, after: ClearingSnapshot, logs: readonly ClearingLog[]): string[] {
    const bad: string[] = [];
    if (!this.isOmitted(omittedId))
      bad.push(`restart accepted ${omittedId}, which was not skipped`);
    this.epoch++;
    this.seen = [0, 0, 0];
    this.last = [-1, -1, -1];
    this.consumed = new Set();
    this.records = [];
    this.hash = ZERO_HASH;
    this.filled = new Map();
    const ev = logs.find((l) => l.name === "ClearingRestarted");
    if (!ev || ev.epoch !== BigInt(this.epoch) || ev.omitted !== omittedId)
      bad.push("ClearingRestarted missing or wrong");
    if (after.epoch !== BigInt(this.epoch)) bad.push(`epoch ${after.epoch} after restart`);
    if (
      after.seen.some((s) => s !== 0n) ||
      after.entryCount !== 0n ||
      after.entryHash !== ZERO_HASH
    )
      bad.push("restart left clearing progress behind");
    if (after.status !== 1n) bad.push(`status ${after.status} after restart`);
    return bad;
  }
}

/** A hostile (or honest) chunk: what to do to list `list` of the honest continuation. */
export type ChunkAttackKind =
  | "honest"
  | "empty"
  | "replay"
  | "skip"
  | "swap"
  | "foreign"
  | "wrongClass"
  | "nonexistent"
  | "cancelled";
export const CHUNK_ATTACKS: readonly ChunkAttackKind[] = [
  "honest",
  "empty",
  "replay",
  "skip",
  "swap",
  "foreign",
  "wrongClass",
  "nonexistent",
  "cancelled",
];
export type ChunkAttack = {
  kind: ChunkAttackKind;
  list: number;
  sizes: readonly number[];
  pick: number;
};

/**
 * Builds the three lists of one clearing call: the honest continuation of each list (sizes) with
 * `attack` applied to list `list`. `foreignIds` are ids of other intervals; `cancelledIds` the
 * interval's cancelled orders.
 */
export function buildChunk(
  t: ClearingTracker,
  attack: ChunkAttack,
  foreignIds: readonly bigint[],
  cancelledIds: readonly bigint[],
): bigint[][] {
  const lists = [0, 1, 2].map((l) => t.continuation(l, attack.sizes[l] ?? 0));
  const l = attack.list % 3;
  const target = lists[l]!;
  const p = attack.pick;
  const insert = (id: bigint | undefined) => {
    if (id !== undefined) target.splice(p % (target.length + 1), 0, id);
  };
  switch (attack.kind) {
    case "honest":
      break;
    case "empty":
      return [[], [], []];
    case "replay": {
      const done = t.consumedIn(l);
      if (done.length > 0) target.unshift(done[p % done.length]!);
      else if (target.length > 0) target.unshift(target[0]!);
      break;
    }
    case "skip": {
      const cont = t.continuation(l, (attack.sizes[l] ?? 0) + 1);
      if (cont.length > 0) cont.splice(p % cont.length, 1);
      lists[l] = cont;
      break;
    }
    case "swap": {
      const cont = t.continuation(l, Math.max(2, attack.sizes[l] ?? 0));
      if (cont.length >= 2) {
        const i = p % (cont.length - 1);
        [cont[i], cont[i + 1]] = [cont[i + 1]!, cont[i]!];
      }
      lists[l] = cont;
      break;
    }
    case "foreign":
      if (foreignIds.length > 0) insert(foreignIds[p % foreignIds.length]);
      break;
    case "wrongClass": {
      const other = t.lists[(l + 1 + (p % 2)) % 3]!;
      if (other.length > 0) insert(other[p % other.length]);
      break;
    }
    case "nonexistent": {
      const total = BigInt(t.totals.reduce((a, b) => a + b, 0));
      const choices = [
        (t.intervalId << 32n) | (total + 1n + BigInt(p % 3)),
        BigInt(p % 7),
        ((t.intervalId + 1000n) << 32n) | 1n,
        t.intervalId << 32n,
      ];
      insert(choices[p % choices.length]);
      break;
    }
    case "cancelled":
      if (cancelledIds.length > 0) insert(cancelledIds[p % cancelledIds.length]);
      break;
  }
  return lists;
}

// ------------------------------------------------------------------ revert names

let errorIface: Interface | undefined;

/** Registers the ABIs whose custom errors `revertName` decodes. */
export function registerErrorAbis(ifaces: readonly Interface[]): void {
  const fragments = new Map<string, string>();
  for (const i of ifaces) {
    i.forEachError((e) => fragments.set(e.selector, e.format("full")));
  }
  errorIface = new Interface([...fragments.values()]);
}

/** The custom error (or reason) a failed call reverted with. */
export function revertName(error: unknown): string {
  const e = error as {
    data?: unknown;
    error?: { data?: unknown };
    info?: { error?: { data?: unknown } };
    revert?: { name?: string };
    message?: string;
  };
  if (e?.revert?.name) return e.revert.name;
  for (const data of [e?.data, e?.error?.data, e?.info?.error?.data]) {
    if (typeof data === "string" && data.startsWith("0x") && data.length >= 10 && errorIface) {
      try {
        const parsed = errorIface.parseError(data);
        if (parsed) return parsed.name;
      } catch {
        // not one of ours
      }
      if (data.startsWith("0x08c379a0")) return "Error(string)";
      if (data.startsWith("0x4e487b71")) return "Panic";
    }
  }
  const m = /reverted with custom error '(\w+)/.exec(e?.message ?? "");
  if (m) return m[1]!;
  if (/reverted without a reason/.test(e?.message ?? "")) return "(no reason)";
  if (/panic code/.test(e?.message ?? "")) return "Panic";
  return `unknown: ${(e?.message ?? String(error)).slice(0, 120)}`;
}

// ------------------------------------------------------------------ the fuzzer

export type MarketKind = "honest" | "feeOnTransfer" | "callback";
export const MARKET_KINDS: readonly MarketKind[] = ["honest", "feeOnTransfer", "callback"];

export type FuzzOptions = {
  /** Sequences to run. */
  sequences: number;
  /** Seed of the first sequence; sequence i uses seed + i. */
  seed: number;
  /** Main-loop steps per sequence (the setup and the honest finish add more). */
  minSteps?: number;
  maxSteps?: number;
  /** Progress and failure output. */
  log?: (line: string) => void;
  /** Stop after this many failing sequences (default 1). */
  maxFailures?: number;
  /** Fee of the fee-on-transfer token, basis points. */
  feeBps?: number;
};

export type FuzzFailure = {
  seed: number;
  market: MarketKind;
  step: number;
  messages: string[];
  trace: string[];
};

export type FuzzSummary = {
  sequences: number;
  steps: number;
  violations: number;
  failures: FuzzFailure[];
  reverts: Record<string, number>;
  ops: Record<string, number>;
  byMarket: Record<MarketKind, { sequences: number; steps: number }>;
  clearings: number;
  clearingsExact: number;
  restarts: number;
  /** Empty settleChunk calls accepted as no-ops. */
  emptySettleChunks: number;
  matches: number;
  settledIntervals: number;
  settledPeriods: number;
  wallMs: number;
  firstSeed: number;
};

const GAS = { gasLimit: 15_000_000n };
const UNIT = 1000n;
const INITIAL_DEPOSIT = 3000n; // token base units per account and market
const WALLET = 10n ** 15n;

type Order = {
  id: bigint;
  seq: bigint;
  owner: string;
  side: "buy" | "sell";
  list: number;
  price: bigint;
  quantity: bigint;
  lock: bigint;
  cancelled: boolean;
};

type IntervalModel = {
  id: bigint;
  period: PeriodModel;
  gate: number;
  orders: Order[];
  tracker?: ClearingTracker;
  status: "open" | "cleared" | "settled";
  stage: 0 | 1;
  /** Matched quantity per order id (after clearing). */
  matched: Map<bigint, bigint>;
};

type PeriodModel = {
  id: bigint;
  start: number;
  duration: number;
  window: number;
  gridBuy: bigint;
  feedIn: bigint;
  band: bigint;
  bond: bigint;
  minQ: bigint;
  intervals: IntervalModel[];
  tallied: number;
  meters: Map<string, MeterReading>;
  reference?: PeriodSettlement;
  /** Net per owner from MatchSettled events. */
  paidNet: Map<string, bigint>;
  settled: number;
};

type Deployment = {
  kind: MarketKind;
  market: EnergyMarket;
  token: GridToken | FeeOnTransferToken | CallbackToken;
  trader?: ReentrantTrader;
  accounts: string[];
  /** Balances at the base snapshot. */
  base: Map<string, { available: bigint; locked: bigint }>;
};

class Violation extends Error {}

/**
 * Deploys the three markets, admits and funds the participants, then runs the sequences, each
 * from the same chain snapshot. Returns the summary; `violations` > 0 means a property failed.
 */
export async function runMarketFuzz(
  hre: HardhatRuntimeEnvironment,
  options: FuzzOptions,
): Promise<FuzzSummary> {
  const started = Date.now();
  const log = options.log ?? (() => undefined);
  const { ethers } = hre;
  const provider = hre.network.provider;
  const signers = await ethers.getSigners();
  if (signers.length < 13) throw new Error("the fuzzer needs 13 signers");
  const operator = signers[0]!;
  const renewables = signers.slice(1, 5);
  const conventionals = signers.slice(5, 8);
  const consumers = signers.slice(8, 12);
  const participants = [...renewables, ...conventionals, ...consumers];
  const stranger = signers[12]!;
  const everyone = [operator, ...participants, stranger];
  const renewableSet = new Set(renewables.map((s) => s.address));

  // Every block of the run gets an explicit timestamp, so a sequence replays exactly.
  let now = Number((await ethers.provider.getBlock("latest"))!.timestamp);
  const tick = async () => {
    now += 1;
    await provider.send("evm_setNextBlockTimestamp", [now]);
  };
  // A proxied deployment is two transactions, the second with an automatic timestamp.
  const resync = async () => {
    now = Number((await ethers.provider.getBlock("latest"))!.timestamp);
  };

  // ---------------------------------------------------------------- deployment (once)
  await tick();
  const registry = await deployProxied(ethers, "ParticipantRegistry", [], [operator.address]);
  // Registry setup uses automatic timestamps; the clock is read again once deployment is done.
  for (const s of participants) await admit(registry, s, renewableSet.has(s.address));
  // One metering ledger for every market; each participant's device is bound once, here.
  const ledger = await deployProxied(
    ethers,
    "MeteringLedger",
    [await registry.getAddress()],
    [operator.address],
  );
  await ledger.grantRole(await ledger.GATEWAY_ROLE(), operator.address);
  const metering = new TestMeteringHead(ledger, registry, operator);
  for (const s of participants) await metering.deviceFor(s.address);
  now = Number((await ethers.provider.getBlock("latest"))!.timestamp);
  await tick();
  const probe = (await ethers.deployContract("MarketProbe")) as unknown as MarketProbe;

  const feeBps = BigInt(options.feeBps ?? 250);
  const deployments: Deployment[] = [];
  for (const kind of MARKET_KINDS) {
    await resync();
    await tick();
    const token =
      kind === "honest"
        ? await deployProxied(ethers, "GridToken", [], [operator.address, 0n, 0n])
        : kind === "feeOnTransfer"
          ? ((await ethers.deployContract("FeeOnTransferToken", [
              feeBps,
            ])) as unknown as FeeOnTransferToken)
          : ((await ethers.deployContract("CallbackToken")) as unknown as CallbackToken);
    await resync();
    await tick();
    const market = await deployProxied(
      ethers,
      "EnergyMarket",
      [await token.getAddress(), await registry.getAddress(), await ledger.getAddress()],
      [operator.address],
    );
    const marketAddress = await market.getAddress();
    const accounts = everyone.map((s) => s.address);
    await resync();
    let trader: ReentrantTrader | undefined;
    if (kind === "callback") {
      await tick();
      trader = (await ethers.deployContract("ReentrantTrader", [
        marketAddress,
        await token.getAddress(),
      ])) as unknown as ReentrantTrader;
      const traderAddress = await trader.getAddress();
      accounts.push(traderAddress);
      await tick();
      await token.connect(operator).mint(traderAddress, WALLET, GAS);
      await tick();
      await trader.attackDeposit(INITIAL_DEPOSIT, 0n, GAS);
    }
    for (const s of [...participants, stranger]) {
      await tick();
      await token.connect(operator).mint(s.address, WALLET, GAS);
      await tick();
      await token.connect(s).approve(marketAddress, ethers.MaxUint256, GAS);
      await tick();
      await market.connect(s).deposit(INITIAL_DEPOSIT, GAS);
    }
    const base = new Map<string, { available: bigint; locked: bigint }>();
    const [, av, lk] = await probe.balances(marketAddress, accounts);
    accounts.forEach((a, i) => base.set(a, { available: av[i]!, locked: lk[i]! }));
    deployments.push({ kind, market, token, trader, accounts, base });
  }
  registerErrorAbis([
    deployments[0]!.market.interface,
    registry.interface,
    ledger.interface,
    ...deployments.map((d) => d.token.interface),
    deployments[2]!.trader!.interface,
  ]);

  let snapshot = (await provider.send("evm_snapshot", [])) as string;
  const baseTime = now;

  const summary: FuzzSummary = {
    sequences: 0,
    steps: 0,
    violations: 0,
    failures: [],
    reverts: {},
    ops: {},
    byMarket: {
      honest: { sequences: 0, steps: 0 },
      feeOnTransfer: { sequences: 0, steps: 0 },
      callback: { sequences: 0, steps: 0 },
    },
    clearings: 0,
    clearingsExact: 0,
    restarts: 0,
    emptySettleChunks: 0,
    matches: 0,
    settledIntervals: 0,
    settledPeriods: 0,
    wallMs: 0,
    firstSeed: options.seed,
  };
  const maxFailures = options.maxFailures ?? 1;

  for (let i = 0; i < options.sequences; i++) {
    const seed = (options.seed + i) >>> 0;
    await provider.send("evm_revert", [snapshot]);
    snapshot = (await provider.send("evm_snapshot", [])) as string;
    now = baseTime;
    const rng = new Rng(seed);
    const d = rng.weighted({ honest: 2, feeOnTransfer: 1, callback: 1 });
    const dep = deployments.find((x) => x.kind === d)!;
    const seq = new Sequence(hre, rng, dep, probe, {
      operator,
      participants,
      stranger,
      ledger,
      metering,
      everyone,
      renewableSet,
      feeBps,
      tick,
      getNow: () => now,
      setNow: (t: number) => {
        now = Math.max(now, t);
      },
      summary,
    });
    let failure: FuzzFailure | undefined;
    try {
      await seq.run(options.minSteps ?? 20, options.maxSteps ?? 50);
    } catch (e) {
      const messages =
        e instanceof Violation ? e.message.split("\n") : [String((e as Error)?.stack ?? e)];
      failure = { seed, market: dep.kind, step: seq.steps, messages, trace: seq.trace };
    }
    summary.sequences++;
    summary.steps += seq.steps;
    summary.byMarket[dep.kind].sequences++;
    summary.byMarket[dep.kind].steps += seq.steps;
    if (failure) {
      summary.violations++;
      summary.failures.push(failure);
      log(`\nVIOLATION in sequence seed ${seed} (${dep.kind} market) at step ${failure.step}:`);
      for (const m of failure.messages) log(`  ${m}`);
      log(`  sequence (${failure.trace.length} steps):`);
      for (const t of failure.trace) log(`    ${t}`);
      log(`  replay: FUZZ_SEED=${seed} FUZZ_SEQUENCES=1 npm run fuzz:market\n`);
      if (summary.failures.length >= maxFailures) break;
    }
    if ((i + 1) % 100 === 0)
      log(
        `  ${i + 1}/${options.sequences} sequences, ${summary.steps} steps, ${((Date.now() - started) / 1000).toFixed(0)} s`,
      );
  }
  await provider.send("evm_revert", [snapshot]);
  summary.wallMs = Date.now() - started;
  return summary;
}

type Env = {
  operator: HardhatEthersSigner;
  participants: HardhatEthersSigner[];
  stranger: HardhatEthersSigner;
  ledger: MeteringLedger;
  metering: TestMeteringHead;
  everyone: HardhatEthersSigner[];
  renewableSet: Set<string>;
  feeBps: bigint;
  tick: () => Promise<void>;
  getNow: () => number;
  setNow: (t: number) => void;
  summary: FuzzSummary;
};

type Outcome = { ok: true; receipt: RawReceipt } | { ok: false; error: string };
type RawReceipt = ReceiptLike & { status: string };
type RawTx = { from: string; to: string; data: string };
const RAW_GAS = "0x" + (15_000_000).toString(16);

/** Expected outcome of a call: "ok", "revert" or "any" (not determined by the model). */
type Expect = "ok" | "revert" | "any";

/** One random operation sequence against one deployment. */
class Sequence {
  steps = 0;
  readonly trace: string[] = [];
  private readonly market: EnergyMarket;
  private readonly available = new Map<string, bigint>();
  private readonly periods: PeriodModel[] = [];
  private readonly intervals: IntervalModel[] = [];
  private readonly accounts: string[];
  private marketAddress = "";
  private probeAddress = "";

  constructor(
    private readonly hre: HardhatRuntimeEnvironment,
    private readonly rng: Rng,
    private readonly dep: Deployment,
    private readonly probe: MarketProbe,
    private readonly env: Env,
  ) {
    this.market = dep.market;
    this.accounts = dep.accounts;
    for (const [a, b] of dep.base) this.available.set(a, b.available);
  }

  private get now(): number {
    return this.env.getNow();
  }

  // -------------------------------------------------------------- driving

  async run(minSteps: number, maxSteps: number): Promise<void> {
    this.marketAddress = await this.market.getAddress();
    this.probeAddress = await this.probe.getAddress();
    await this.setup();
    const n = this.rng.int(minSteps, maxSteps);
    for (let k = 0; k < n; k++) await this.randomStep();
    await this.finish();
  }

  /** A transaction of `by` to `to` (the market by default) with calldata `data`. */
  private raw(by: HardhatEthersSigner, data: string, to?: string): RawTx {
    return { from: by.address, to: to ?? this.marketAddress, data };
  }

  /** Sends one call at the next timestamp (raw RPC: no ethers round trips), checks its outcome. */
  private async call(label: string, expect: Expect, build: () => RawTx): Promise<Outcome> {
    await this.env.tick();
    let outcome: Outcome;
    const provider = this.hre.network.provider;
    try {
      const tx = build();
      const hash = (await provider.send("eth_sendTransaction", [
        { ...tx, gas: RAW_GAS },
      ])) as string;
      const receipt = (await provider.send("eth_getTransactionReceipt", [hash])) as RawReceipt;
      outcome = { ok: true, receipt };
    } catch (e) {
      outcome = { ok: false, error: revertName(e) };
    }
    this.steps++;
    const s = this.env.summary;
    const op = label.split(" ")[0]!;
    s.ops[op] = (s.ops[op] ?? 0) + 1;
    if (!outcome.ok) s.reverts[outcome.error] = (s.reverts[outcome.error] ?? 0) + 1;
    this.trace.push(
      `#${this.steps} t=${this.now} ${label} -> ${outcome.ok ? "ok" : outcome.error}`,
    );
    if (expect === "ok" && !outcome.ok)
      this.fail(`expected success, reverted with ${outcome.error}`);
    if (expect === "revert" && outcome.ok) this.fail("expected a revert, the call succeeded");
    if (!outcome.ok && outcome.error.startsWith("unknown"))
      this.fail(`unexpected error ${outcome.error}`);
    return outcome;
  }

  private fail(message: string): never {
    throw new Violation(`step ${this.steps}: ${message}`);
  }

  /** Asserts the escrow identity and the per-account model after a step. */
  private async checkInvariants(context: string): Promise<void> {
    const [tokenBalance, av, lk] = await this.ethCall(
      this.probe.interface,
      this.probeAddress,
      "balances",
      this.probe.interface.encodeFunctionData("balances", [this.marketAddress, this.accounts]),
    );
    let sum = 0n;
    const bad: string[] = [];
    const expectedLocked = this.expectedLocked();
    this.accounts.forEach((a, i) => {
      sum += av[i]! + lk[i]!;
      const want = this.available.get(a) ?? 0n;
      if (av[i] !== want) bad.push(`${a}: available ${av[i]}, model ${want} (Δ ${av[i]! - want})`);
      const wantLocked = expectedLocked.get(a) ?? 0n;
      if (lk[i] !== wantLocked)
        bad.push(`${a}: locked ${lk[i]}, locks of its open orders ${wantLocked}`);
    });
    if (tokenBalance * UNIT !== sum)
      bad.unshift(`escrow: token balance ${tokenBalance} × 1000 != Σ available + locked ${sum}`);
    if (bad.length > 0) this.fail(`${context}: ${bad.join("; ")}`);
  }

  /** Locked milli-units per account recomputed from the orders (base locks included). */
  private expectedLocked(): Map<string, bigint> {
    const out = new Map<string, bigint>();
    for (const [a, b] of this.dep.base) out.set(a, b.locked);
    for (const iv of this.intervals) {
      if (iv.status === "settled") continue;
      const p = iv.period;
      for (const o of iv.orders) {
        if (o.cancelled) continue;
        const lock =
          iv.stage === 0
            ? o.lock
            : lockRate(
                { side: o.side, price: o.price },
                { gridBuyPrice: p.gridBuy, bondRate: p.bond },
              ) * (iv.matched.get(o.id) ?? 0n);
        out.set(o.owner, (out.get(o.owner) ?? 0n) + lock);
      }
    }
    return out;
  }

  /** eth_call through the raw provider, decoded with the contract's interface. */
  private async ethCall(iface: Interface, to: string, fn: string, data: string): Promise<Result> {
    const out = (await this.hre.network.provider.send("eth_call", [
      { to, data },
      "latest",
    ])) as string;
    return iface.decodeFunctionResult(fn, out);
  }

  private credit(account: string, delta: bigint) {
    this.available.set(account, (this.available.get(account) ?? 0n) + delta);
  }

  private signer(): HardhatEthersSigner {
    return this.rng.pick(this.env.everyone);
  }

  // -------------------------------------------------------------- setup

  private async setup(): Promise<void> {
    const rng = this.rng;
    const t0 = this.now;
    const periodCount = rng.chance(0.35) ? 2 : 1;
    let start = t0 + rng.int(1500, 3500);
    for (let p = 0; p < periodCount; p++) {
      if (p > 0) start += rng.int(300, 4000);
      const gridBuy = BigInt(rng.pick([300, 250, 400]));
      const period: PeriodModel = {
        id: BigInt(this.periods.length + 1),
        start,
        duration: rng.pick([900, 600]),
        window: rng.int(300, 2400),
        gridBuy,
        feedIn: BigInt(rng.int(0, Number(gridBuy))),
        band: BigInt(rng.pick([0, 500, 2000, 10000])),
        bond: BigInt(rng.pick([1, 1, 5, 40])),
        minQ: BigInt(rng.pick([1, 1, 10, 100])),
        intervals: [],
        tallied: 0,
        meters: new Map(),
        paidNet: new Map(),
        settled: 0,
      };
      if (rng.chance(0.1)) {
        const by = rng.chance(0.5) ? this.env.stranger : this.env.operator;
        const feedIn = by === this.env.operator ? period.gridBuy + 1n : period.feedIn;
        await this.call(`openPeriod(bad) by ${this.name(by.address)}`, "revert", () =>
          this.raw(
            by,
            this.market.interface.encodeFunctionData("openPeriod", [
              period.start,
              period.duration,
              period.window,
              period.gridBuy,
              feedIn,
              period.band,
              period.bond,
              period.minQ,
            ]),
          ),
        );
        await this.checkInvariants("openPeriod(bad)");
      }
      await this.call(
        `openPeriod ${period.id} start=${period.start} G=${period.gridBuy} F=${period.feedIn} band=${period.band} bond=${period.bond} minQ=${period.minQ} window=${period.window}`,
        "ok",
        () =>
          this.raw(
            this.env.operator,
            this.market.interface.encodeFunctionData("openPeriod", [
              period.start,
              period.duration,
              period.window,
              period.gridBuy,
              period.feedIn,
              period.band,
              period.bond,
              period.minQ,
            ]),
          ),
      );
      this.periods.push(period);
      const intervalCount = rng.int(1, 3);
      for (let k = 0; k < intervalCount; k++) {
        const gate = rng.int(this.now + 200, period.start);
        const iv: IntervalModel = {
          id: BigInt(this.intervals.length + 1),
          period,
          gate,
          orders: [],
          status: "open",
          stage: 0,
          matched: new Map(),
        };
        await this.call(`openInterval ${iv.id} period=${period.id} gate=${gate}`, "ok", () =>
          this.raw(
            this.env.operator,
            this.market.interface.encodeFunctionData("openInterval", [period.id, k % 3, gate]),
          ),
        );
        period.intervals.push(iv);
        this.intervals.push(iv);
      }
      await this.checkInvariants("setup");
    }
    // Book building: a few orders in every interval before the random steps start.
    for (const iv of this.intervals) {
      const n = rng.int(0, 12);
      for (let k = 0; k < n; k++) await this.place(iv);
    }
  }

  // -------------------------------------------------------------- random steps

  private async randomStep(): Promise<void> {
    const callback = this.dep.kind === "callback";
    const t = this.now + 1;
    // Weights follow what the clock allows, so most calls reach the code under test; the others
    // still happen now and then and must revert.
    const gateOpen = this.intervals.some((iv) => t < iv.gate);
    const clearable = this.intervals.some((iv) => iv.status === "open" && t >= iv.gate);
    const cleared = this.intervals.some((iv) => iv.status === "cleared");
    const metering = this.periods.some(
      (p) => t >= p.start + p.duration && t < p.start + p.duration + p.window,
    );
    const op = this.rng.weighted({
      deposit: 5,
      withdraw: 4,
      place: gateOpen ? 30 : 2,
      cancel: gateOpen ? 6 : 1,
      clearChunk: clearable ? 22 : 2,
      clear: clearable ? 6 : 1,
      restart: clearable ? 7 : 1,
      reportReading: metering ? 10 : 1,
      tally: cleared ? 5 : 1,
      settle: cleared ? 6 : 1,
      advance: gateOpen || clearable ? 5 : 10,
      reentrancy: callback ? 3 : 0,
    });
    switch (op) {
      case "deposit":
        return this.deposit();
      case "withdraw":
        return this.withdraw();
      case "place":
        return this.place();
      case "cancel":
        return this.cancel();
      case "clearChunk":
        return this.clearing(false);
      case "clear":
        return this.clearing(true);
      case "restart":
        return this.restart();
      case "reportReading":
        return this.reportReading();
      case "tally":
        return this.tally();
      case "settle":
        return this.settle();
      case "advance":
        return this.advance();
      case "reentrancy":
        return this.reentrancy();
    }
  }

  private name(address: string): string {
    const i = this.env.everyone.findIndex((s) => s.address === address);
    return i === 0
      ? "operator"
      : i >= 0
        ? `s${i}`
        : address === this.dep.accounts.at(-1)
          ? "trader"
          : address.slice(0, 8);
  }

  private received(amount: bigint): bigint {
    return this.dep.kind === "feeOnTransfer"
      ? amount - (amount * this.env.feeBps) / 10_000n
      : amount;
  }

  private async deposit(): Promise<void> {
    const who = this.rng.pick([...this.env.participants, this.env.stranger]);
    const amount = this.rng.chance(0.05) ? 0n : BigInt(this.rng.int(1, 5000));
    const permit = this.dep.kind === "honest" && this.rng.chance(0.3);
    const credited = this.received(amount);
    const expect: Expect = amount === 0n || credited === 0n ? "revert" : "ok";
    const out = await this.call(
      `deposit${permit ? "WithPermit" : ""} ${this.name(who.address)} ${amount}`,
      expect,
      () =>
        permit
          ? this.raw(
              who,
              this.market.interface.encodeFunctionData("depositWithPermit", [
                amount,
                BigInt(this.now + 100),
                27,
                ZERO_HASH,
                ZERO_HASH,
              ]),
            )
          : this.raw(who, this.market.interface.encodeFunctionData("deposit", [amount])),
    );
    if (out.ok) this.credit(who.address, credited * UNIT);
    await this.checkInvariants("deposit");
  }

  private async withdraw(account?: HardhatEthersSigner, all = false): Promise<void> {
    const who = account ?? this.rng.pick([...this.env.participants, this.env.stranger]);
    const available = this.available.get(who.address) ?? 0n;
    const amount = all
      ? available / UNIT
      : this.rng.chance(0.05)
        ? 0n
        : BigInt(Math.floor(Number(available / UNIT) * this.rng.float() * 1.3));
    const expect: Expect = amount === 0n || amount * UNIT > available ? "revert" : "ok";
    const out = await this.call(`withdraw ${this.name(who.address)} ${amount}`, expect, () =>
      this.raw(who, this.market.interface.encodeFunctionData("withdraw", [amount])),
    );
    if (out.ok) this.credit(who.address, -amount * UNIT);
    await this.checkInvariants("withdraw");
  }

  private async reentrancy(): Promise<void> {
    const trader = this.dep.trader!;
    const address = this.dep.accounts.at(-1)!;
    const reenter = this.rng.chance(0.6) ? BigInt(this.rng.int(1, 500)) : 0n;
    if (this.rng.chance(0.5)) {
      const amount = BigInt(this.rng.int(0, 800));
      const expect: Expect = amount === 0n || reenter !== 0n ? "revert" : "ok";
      const out = await this.call(`attackDeposit ${amount} reenter=${reenter}`, expect, () =>
        this.raw(
          this.env.operator,
          trader.interface.encodeFunctionData("attackDeposit", [amount, reenter]),
          this.dep.accounts.at(-1)!,
        ),
      );
      if (out.ok) this.credit(address, amount * UNIT);
    } else {
      const available = this.available.get(address) ?? 0n;
      const amount = BigInt(Math.floor(Number(available / UNIT) * this.rng.float() * 1.2));
      const expect: Expect =
        amount === 0n || amount * UNIT > available || reenter !== 0n ? "revert" : "ok";
      const out = await this.call(`attackWithdraw ${amount} reenter=${reenter}`, expect, () =>
        this.raw(
          this.env.operator,
          trader.interface.encodeFunctionData("attackWithdraw", [amount, reenter]),
          this.dep.accounts.at(-1)!,
        ),
      );
      if (out.ok) this.credit(address, -amount * UNIT);
    }
    await this.checkInvariants("reentrancy");
  }

  private pickInterval(prefer: (iv: IntervalModel) => boolean): IntervalModel {
    const good = this.intervals.filter(prefer);
    return good.length > 0 && this.rng.chance(0.9)
      ? this.rng.pick(good)
      : this.rng.pick(this.intervals);
  }

  private async place(target?: IntervalModel): Promise<void> {
    const rng = this.rng;
    const iv = target ?? this.pickInterval((x) => x.status === "open" && this.now + 1 < x.gate);
    const p = iv.period;
    const who = rng.chance(0.04) ? this.env.stranger : rng.pick(this.env.participants);
    const sell = rng.chance(0.5);
    const price = rng.chance(0.03)
      ? 0n
      : rng.chance(0.1)
        ? BigInt(rng.int(1, Number(p.gridBuy) + 100))
        : BigInt(rng.int(80, 220));
    const quantity = rng.chance(0.05)
      ? BigInt(rng.int(1, Number(p.minQ)))
      : BigInt(rng.int(Number(p.minQ), 5000));
    const side = sell ? "sell" : "buy";
    const lock = lockAmount(
      { side, price, quantity },
      { gridBuyPrice: p.gridBuy, bondRate: p.bond },
    );
    const t = this.now + 1;
    const approved = who !== this.env.stranger;
    const available = this.available.get(who.address) ?? 0n;
    const ok =
      iv.status === "open" &&
      t < iv.gate &&
      price > 0n &&
      quantity >= p.minQ &&
      approved &&
      available >= lock;
    const seq = BigInt(iv.orders.length + 1);
    const id = (iv.id << 32n) | seq;
    const out = await this.call(
      `place ${this.name(who.address)} iv=${iv.id} ${side} ${price}@${quantity} lock=${lock}`,
      ok ? "ok" : "revert",
      () =>
        this.raw(
          who,
          this.market.interface.encodeFunctionData("placeOrder", [
            iv.id,
            sell ? 1 : 0,
            price,
            quantity,
          ]),
        ),
    );
    if (out.ok) {
      const ev = out.receipt.logs
        .map((l) => this.market.interface.parseLog(l))
        .find((l) => l?.name === "OrderPlaced");
      if (!ev || ev.args[1] !== id || ev.args[7] !== lock)
        this.fail(`OrderPlaced ${ev?.args[1]} lock ${ev?.args[7]}, expected ${id} lock ${lock}`);
      const renewable = sell && this.env.renewableSet.has(who.address);
      iv.orders.push({
        id,
        seq,
        owner: who.address,
        side,
        list: sell ? (renewable ? 0 : 1) : 2,
        price,
        quantity,
        lock,
        cancelled: false,
      });
      this.credit(who.address, -lock);
    }
    await this.checkInvariants("place");
  }

  private allOrders(): { iv: IntervalModel; o: Order }[] {
    return this.intervals.flatMap((iv) => iv.orders.map((o) => ({ iv, o })));
  }

  private async cancel(): Promise<void> {
    const all = this.allOrders();
    if (all.length === 0) return this.place();
    const { iv, o } = this.rng.pick(all);
    const by = this.rng.chance(0.85)
      ? this.env.everyone.find((s) => s.address === o.owner)!
      : this.signer();
    const t = this.now + 1;
    const ok = by.address === o.owner && !o.cancelled && t < iv.gate;
    const out = await this.call(
      `cancel ${o.id} by ${this.name(by.address)}`,
      ok ? "ok" : "revert",
      () => this.raw(by, this.market.interface.encodeFunctionData("cancelOrder", [o.id])),
    );
    if (out.ok) {
      o.cancelled = true;
      this.credit(o.owner, o.lock);
    }
    await this.checkInvariants("cancel");
  }

  /** The tracker of an interval whose gate has passed (the book is final then). */
  private trackerOf(iv: IntervalModel): ClearingTracker {
    iv.tracker ??= new ClearingTracker(
      iv.id,
      iv.orders.map((o) => ({
        id: o.id,
        seq: o.seq,
        list: o.list,
        price: o.price,
        quantity: o.quantity,
        cancelled: o.cancelled,
      })),
    );
    return iv.tracker;
  }

  private async clearingSnapshot(iv: IntervalModel): Promise<ClearingSnapshot> {
    const [st] = await this.ethCall(
      this.market.interface,
      this.marketAddress,
      "clearingState",
      this.market.interface.encodeFunctionData("clearingState", [iv.id]),
    );
    const [view] = await this.ethCall(
      this.market.interface,
      this.marketAddress,
      "interval",
      this.market.interface.encodeFunctionData("interval", [iv.id]),
    );
    return {
      seen: [st.seen[0], st.seen[1], st.seen[2]],
      epoch: st.epoch,
      entryCount: st.entryCount,
      entryHash: st.entryHash,
      status: view.status,
    };
  }

  private foreignIds(iv: IntervalModel): bigint[] {
    return this.intervals.filter((x) => x !== iv).flatMap((x) => x.orders.map((o) => o.id));
  }

  /** A random clear (whole) or clearChunk call, honest or hostile, by a random signer. */
  private async clearing(
    whole: boolean,
    attack?: ChunkAttack,
    target?: IntervalModel,
  ): Promise<void> {
    const rng = this.rng;
    const iv = target ?? this.pickInterval((x) => x.status === "open" && this.now + 1 >= x.gate);
    const t = this.now + 1;
    const by = this.signer();
    const open = iv.status === "open" && t >= iv.gate;
    if (!open) {
      const out = await this.call(
        `${whole ? "clear" : "clearChunk"} iv=${iv.id} (closed) by ${this.name(by.address)}`,
        "revert",
        () =>
          whole
            ? this.raw(by, this.market.interface.encodeFunctionData("clear", [iv.id, [], [], []]))
            : this.raw(
                by,
                this.market.interface.encodeFunctionData("clearChunk", [iv.id, [], [], []]),
              ),
      );
      void out;
      await this.checkInvariants("clear");
      return;
    }
    const tracker = this.trackerOf(iv);
    const a: ChunkAttack = attack ?? {
      kind: rng.chance(0.4) ? "honest" : rng.chance(0.3) ? "skip" : rng.pick(CHUNK_ATTACKS),
      list: rng.int(0, 2),
      sizes:
        whole && rng.chance(0.7) ? [1e9, 1e9, 1e9] : [rng.int(0, 5), rng.int(0, 5), rng.int(0, 5)],
      pick: rng.int(0, 1e6),
    };
    const cancelled = iv.orders.filter((o) => o.cancelled).map((o) => o.id);
    const lists = buildChunk(tracker, a, this.foreignIds(iv), cancelled);
    const honest = tracker.isHonest(lists);
    const skipped = tracker.omitted().length > 0;
    let expect: Expect = "any";
    if (!whole && honest) expect = "ok";
    if (whole && honest) expect = tracker.isWholeRest(lists) && !skipped ? "ok" : "revert";
    const fmt = (l: bigint[]) =>
      `[${l.map((x) => (x >> 32n === iv.id ? String(x & M32) : `${x >> 32n}:${x & M32}`)).join(",")}]`;
    const out = await this.call(
      `${whole ? "clear" : "clearChunk"} iv=${iv.id} ${a.kind} ${lists.map(fmt).join(" ")} by ${this.name(by.address)}`,
      expect,
      () =>
        whole
          ? this.raw(
              by,
              this.market.interface.encodeFunctionData("clear", [
                iv.id,
                lists[0]!,
                lists[1]!,
                lists[2]!,
              ]),
            )
          : this.raw(
              by,
              this.market.interface.encodeFunctionData("clearChunk", [
                iv.id,
                lists[0]!,
                lists[1]!,
                lists[2]!,
              ]),
            ),
    );
    if (out.ok) {
      const after = await this.clearingSnapshot(iv);
      const bad = tracker.applyClear(lists, after, clearingLogs(this.market, out.receipt, iv.id));
      if (bad.length > 0) this.fail(`clearing of interval ${iv.id}: ${bad.join("; ")}`);
      if (tracker.done) this.onCleared(iv, tracker);
    }
    await this.checkInvariants("clear");
  }

  private onCleared(iv: IntervalModel, tracker: ClearingTracker): void {
    iv.status = "cleared";
    const s = this.env.summary;
    s.clearings++;
    s.clearingsExact++;
    for (const r of tracker.records) {
      if (isUnmatchedRecord(r)) continue;
      s.matches++;
      const q = (r >> 64n) & MAX40;
      for (const seq of [r & M32, (r >> 32n) & M32]) {
        const id = (iv.id << 32n) | seq;
        iv.matched.set(id, (iv.matched.get(id) ?? 0n) + q);
      }
    }
  }

  private async restart(target?: IntervalModel, chosen?: bigint): Promise<void> {
    const rng = this.rng;
    const iv = target ?? this.pickInterval((x) => x.status === "open" && this.now + 1 >= x.gate);
    const t = this.now + 1;
    const open = iv.status === "open" && t >= iv.gate;
    const tracker = open ? this.trackerOf(iv) : undefined;
    let id = chosen;
    if (id === undefined) {
      const omitted = tracker?.omitted() ?? [];
      const pool = [
        ...iv.orders.map((o) => o.id),
        ...this.foreignIds(iv),
        (iv.id << 32n) | BigInt(iv.orders.length + 1),
        0n,
      ];
      id = omitted.length > 0 && rng.chance(0.6) ? rng.pick(omitted) : rng.pick(pool);
    }
    const ok = open && tracker!.isOmitted(id);
    const by = this.signer();
    const out = await this.call(
      `restartClearing iv=${iv.id} ${id >> 32n}:${id & M32} by ${this.name(by.address)}`,
      ok ? "ok" : "revert",
      () => this.raw(by, this.market.interface.encodeFunctionData("restartClearing", [iv.id, id])),
    );
    if (out.ok) {
      const after = await this.clearingSnapshot(iv);
      const bad = tracker!.applyRestart(id, after, clearingLogs(this.market, out.receipt, iv.id));
      if (bad.length > 0) this.fail(`restart of interval ${iv.id}: ${bad.join("; ")}`);
      this.env.summary.restarts++;
    }
    await this.checkInvariants("restart");
  }

  /**
   * A reading of `participant` proven through the metering ledger and reported by anyone: the
   * device signs, the gateway anchors a one-reading batch, a random account submits the proof.
   * Hostile variants: another device signs (forged), another participant's meter (foreign), an
   * Untrusted verdict, a reading altered after anchoring, a value too large for a position.
   */
  private async reportReading(
    period?: PeriodModel,
    participant?: string,
    honest = false,
  ): Promise<void> {
    const rng = this.rng;
    const { metering, ledger, operator, stranger, participants } = this.env;
    const p = period ?? rng.pick(this.periods);
    const who = participant ?? rng.pick(participants).address;
    const other = rng.pick(participants.filter((s) => s.address !== who)).address;
    const by = honest ? operator : rng.pick([operator, stranger, ...participants]);
    const attack = honest
      ? "none"
      : rng.weighted({ none: 80, forged: 4, foreign: 4, untrusted: 4, altered: 4, huge: 2 });
    const produced = attack === "huge" ? 1n << 56n : BigInt(rng.int(0, 12000));
    const consumed = BigInt(rng.int(0, 12000));
    const batch = await metering.sign([
      {
        periodId: p.id,
        participant: who,
        produced,
        consumed,
        ...(attack === "forged" ? { signer: await metering.deviceFor(other) } : {}),
        ...(attack === "foreign" ? { meter: await metering.deviceFor(other) } : {}),
        ...(attack === "untrusted" ? { verdict: protocol.ReadingVerdict.Untrusted } : {}),
      },
    ]);
    const ledgerAddress = await ledger.getAddress();
    await this.call(`anchorBatch ${batch.root.slice(0, 10)}`, "ok", () =>
      this.raw(
        operator,
        ledger.interface.encodeFunctionData("anchorBatch", [batch.root, 1, ""]),
        ledgerAddress,
      ),
    );
    const [batchId] = await this.ethCall(
      ledger.interface,
      ledgerAddress,
      "batchIdOf",
      ledger.interface.encodeFunctionData("batchIdOf", [batch.root]),
    );
    const reading = { ...batch.readings[0]! };
    if (attack === "altered") reading.producedWh += 1n;
    const t = this.now + 1;
    const end = p.start + p.duration;
    const ok = t >= end && t < end + p.window && !p.meters.has(who) && attack === "none";
    const out = await this.call(
      `reportReadings period=${p.id} ${this.name(who)} ${produced}/${consumed} ${attack} by ${this.name(by.address)}`,
      ok ? "ok" : "revert",
      () =>
        this.raw(
          by,
          this.market.interface.encodeFunctionData("reportReadings", [
            batchId,
            [reading],
            batch.signatures,
            batch.proofs,
          ]),
        ),
    );
    if (out.ok) p.meters.set(who, { producedWh: produced, consumedWh: consumed });
    await this.checkInvariants("reportReadings");
  }

  /** Honest records of a cleared interval, or a tampered copy. */
  private recordsFor(iv: IntervalModel, tamper: boolean): { records: bigint[]; honest: boolean } {
    const honest = iv.tracker?.done ? [...iv.tracker.records] : [];
    if (!tamper || honest.length === 0)
      return { records: honest, honest: iv.tracker?.done === true };
    const r = [...honest];
    const k = this.rng.int(0, r.length - 1);
    switch (this.rng.int(0, 4)) {
      case 0:
        r.splice(k, 1);
        break;
      case 1:
        r[k] = r[k]! + (1n << 64n); // one more Wh
        break;
      case 2:
        r.push(r[k]!);
        break;
      case 3:
        if (r.length >= 2) [r[0], r[r.length - 1]] = [r[r.length - 1]!, r[0]!];
        else r[0] = r[0]! ^ 1n;
        break;
      default:
        r.length = Math.max(0, Math.floor(r.length / 2));
    }
    const same = r.length === honest.length && r.every((x, i) => x === honest[i]);
    return { records: r, honest: same };
  }

  private applyTally(iv: IntervalModel): void {
    const p = iv.period;
    iv.stage = 1;
    p.tallied++;
    for (const r of iv.tracker!.records) {
      if (!isUnmatchedRecord(r)) continue;
      const id = (iv.id << 32n) | (r & M32);
      const o = iv.orders.find((x) => x.id === id)!;
      const q = (r >> 64n) & MAX40;
      this.credit(
        o.owner,
        lockRate({ side: o.side, price: o.price }, { gridBuyPrice: p.gridBuy, bondRate: p.bond }) *
          q,
      );
    }
  }

  private async tally(target?: IntervalModel, honestOnly = false): Promise<void> {
    const iv = target ?? this.pickInterval((x) => x.status === "cleared" && x.stage === 0);
    const { records, honest } = this.recordsFor(iv, !honestOnly && this.rng.chance(0.2));
    // settleChunk tallies only in stage 0 (in stage 1 it pays, which is the settle operation).
    const chunk = iv.status === "cleared" && iv.stage === 0 && this.rng.chance(0.4);
    // An empty settleChunk at a checkpoint (the cursor always is one) is an accepted no-op.
    const noop = chunk && records.length === 0 && !honest;
    const ok = iv.status === "cleared" && iv.stage === 0 && (honest || noop);
    const out = await this.call(
      `${chunk ? "settleChunk(tally)" : "tally"} iv=${iv.id} ${records.length} records${honest ? "" : " (tampered)"}`,
      ok ? "ok" : "revert",
      () =>
        chunk
          ? this.raw(
              this.signer(),
              this.market.interface.encodeFunctionData("settleChunk", [iv.id, records]),
            )
          : this.raw(
              this.signer(),
              this.market.interface.encodeFunctionData("tally", [iv.id, records]),
            ),
    );
    if (out.ok && noop) this.env.summary.emptySettleChunks++;
    if (out.ok && !noop) this.applyTally(iv);
    await this.checkInvariants("tally");
  }

  private async settle(target?: IntervalModel, honestOnly = false): Promise<void> {
    const iv = target ?? this.pickInterval((x) => x.status === "cleared");
    const p = iv.period;
    const { records, honest } = this.recordsFor(iv, !honestOnly && this.rng.chance(0.2));
    const chunk = this.rng.chance(0.5);
    const t = this.now + 1;
    const payable = t >= p.start + p.duration + p.window;
    const talliedAfter = p.tallied + (iv.stage === 0 ? 1 : 0);
    let expect: Expect;
    let pays = false;
    // An empty settleChunk at a checkpoint (the cursor always is one) is an accepted no-op.
    const noop = chunk && records.length === 0 && !honest && iv.status === "cleared";
    if (noop)
      expect = iv.stage === 0 || (payable && p.tallied === p.intervals.length) ? "ok" : "revert";
    else if (iv.status !== "cleared" || !honest) expect = "revert";
    else if (chunk && iv.stage === 0)
      expect = "ok"; // a settleChunk in stage 0 only tallies
    else if (chunk) {
      pays = payable && p.tallied === p.intervals.length;
      expect = pays ? "ok" : "revert";
    } else {
      pays = payable && talliedAfter === p.intervals.length;
      expect = pays ? "ok" : "revert";
    }
    const out = await this.call(
      `${chunk ? "settleChunk" : "settle"} iv=${iv.id} ${records.length} records${honest ? "" : " (tampered)"}`,
      expect,
      () =>
        chunk
          ? this.raw(
              this.signer(),
              this.market.interface.encodeFunctionData("settleChunk", [iv.id, records]),
            )
          : this.raw(
              this.signer(),
              this.market.interface.encodeFunctionData("settle", [iv.id, records]),
            ),
    );
    if (out.ok && noop) this.env.summary.emptySettleChunks++;
    if (out.ok && !noop) {
      if (iv.stage === 0) this.applyTally(iv);
      if (pays) this.applyPay(iv, out.receipt);
    }
    // After a payment the locked check of checkInvariants is the "no lock survives" property:
    // every owner of this interval's orders holds exactly the locks of its other open orders.
    await this.checkInvariants(pays && out.ok ? `settle of interval ${iv.id}` : "settle");
  }

  /** Pays an interval in the model from the reference and checks MatchSettled against it. */
  private applyPay(iv: IntervalModel, receipt: RawReceipt): void {
    const p = iv.period;
    p.reference ??= this.referenceOf(p);
    const k = p.intervals.indexOf(iv);
    const flows = p.reference.intervals[k]!.flows;
    const events = receipt.logs
      .map((l) => this.market.interface.parseLog(l))
      .filter((l) => l?.name === "MatchSettled" && l.args[0] === iv.id);
    if (events.length !== flows.length)
      this.fail(
        `interval ${iv.id}: ${events.length} MatchSettled, reference ${flows.length} matches`,
      );
    const rate = (o: Order) =>
      lockRate({ side: o.side, price: o.price }, { gridBuyPrice: p.gridBuy, bondRate: p.bond });
    flows.forEach((f, i) => {
      const ev = events[i]!;
      const [, sellId, buyId, value, sellerComp, buyerComp] = ev.args as unknown as bigint[];
      const sell = iv.orders.find((o) => o.id === sellId)!;
      const buy = iv.orders.find((o) => o.id === buyId)!;
      if (
        String(sell?.seq) !== f.sell ||
        String(buy?.seq) !== f.buy ||
        value !== f.energy ||
        sellerComp !== f.sellerCompensation ||
        buyerComp !== f.buyerCompensation
      ) {
        this.fail(
          `interval ${iv.id} match ${i}: chain ${sellId}/${buyId} value ${value} sellerComp ${sellerComp} buyerComp ${buyerComp}, reference ${f.sell}/${f.buy} ${f.energy} ${f.sellerCompensation} ${f.buyerCompensation}`,
        );
      }
      const q = BigInt(f.quantity);
      this.credit(
        buy.owner,
        rate(buy) * q - (f.energy + f.buyerCompensation) + f.sellerCompensation,
      );
      this.credit(
        sell.owner,
        rate(sell) * q - f.sellerCompensation + f.energy + f.buyerCompensation,
      );
      const add = (owner: string, x: bigint) =>
        p.paidNet.set(owner, (p.paidNet.get(owner) ?? 0n) + x);
      add(sell.owner, value! + buyerComp! - sellerComp!);
      add(buy.owner, sellerComp! - value! - buyerComp!);
    });
    iv.status = "settled";
    p.settled++;
    this.env.summary.settledIntervals++;
    if (p.settled === p.intervals.length) {
      this.env.summary.settledPeriods++;
      const bad: string[] = [];
      for (const part of p.reference.participants) {
        const got = p.paidNet.get(part.owner) ?? 0n;
        if (got !== part.net)
          bad.push(`${this.name(part.owner)} net ${got}, reference ${part.net}`);
      }
      for (const [owner, net] of p.paidNet) {
        if (!p.reference.participants.some((x) => x.owner === owner) && net !== 0n)
          bad.push(`${this.name(owner)} net ${net}, not a reference participant`);
      }
      if (bad.length > 0) this.fail(`period ${p.id} net: ${bad.join("; ")}`);
    }
  }

  private referenceOf(p: PeriodModel): PeriodSettlement {
    const intervals = p.intervals.map((iv) => ({
      orders: iv.orders.map((o): SettlementOrder => ({
        id: String(o.seq),
        owner: o.owner,
        side: o.side,
        price: Number(o.price),
        quantity: Number(o.quantity),
        renewable: o.list === 0,
        cancelled: o.cancelled,
      })),
    }));
    return settlePeriod(
      { gridBuyPrice: p.gridBuy, feedInPrice: p.feedIn, bandBps: p.band },
      intervals,
      Object.fromEntries(p.meters),
    );
  }

  private async advance(): Promise<void> {
    const rng = this.rng;
    const milestones = [
      ...this.intervals.map((iv) => iv.gate),
      ...this.periods.flatMap((p) => [p.start + p.duration, p.start + p.duration + p.window]),
    ]
      .filter((m) => m > this.now + 1)
      .sort((a, b) => a - b);
    let target: number;
    if (milestones.length > 0 && rng.chance(0.75)) {
      // The next transaction lands on the milestone or one second before it.
      target = milestones[0]! - 1 - rng.int(0, 1);
    } else {
      target = this.now + rng.int(1, 900);
    }
    this.env.setNow(target);
    this.trace.push(`   advance to t=${this.now}`);
  }

  // -------------------------------------------------------------- honest finish

  /** Anyone can always finish: restart a provably wrong walk, clear, tally, meter, settle, withdraw. */
  private async finish(): Promise<void> {
    const rng = this.rng;
    this.trace.push("   -- honest finish --");
    const lastGate = Math.max(...this.intervals.map((iv) => iv.gate));
    this.env.setNow(lastGate);
    for (const iv of this.intervals) {
      if (iv.status !== "open") continue;
      const tracker = this.trackerOf(iv);
      const omitted = tracker.omitted();
      if (omitted.length > 0) await this.restart(iv, rng.pick(omitted));
      if (rng.chance(0.3)) {
        await this.clearing(true, { kind: "honest", list: 0, sizes: [1e9, 1e9, 1e9], pick: 0 }, iv);
      } else {
        for (let guard = 0; iv.status === "open"; guard++) {
          if (guard > 10_000)
            this.fail(`interval ${iv.id}: honest chunks never finish the clearing`);
          const sizes = [rng.int(0, 4), rng.int(0, 4), rng.int(0, 4)];
          await this.clearing(false, { kind: "honest", list: 0, sizes, pick: 0 }, iv);
        }
      }
    }
    for (const iv of this.intervals) if (iv.stage === 0) await this.tally(iv, true);
    for (const p of [...this.periods].sort((a, b) => a.start - b.start)) {
      const end = p.start + p.duration;
      if (this.now + 1 < end) this.env.setNow(end - 1);
      if (this.now + 1 < end + p.window) {
        for (const s of this.env.participants) {
          if (!p.meters.has(s.address) && rng.chance(0.6))
            await this.reportReading(p, s.address, true);
        }
      }
      this.env.setNow(end + p.window - 1);
      for (const iv of p.intervals) if (iv.status === "cleared") await this.settle(iv, true);
    }
    // Nothing may stay locked, and everything can be withdrawn.
    const locked = this.expectedLocked();
    for (const [a, l] of locked) {
      const base = this.dep.base.get(a)?.locked ?? 0n;
      if (l !== base) this.fail(`after settlement ${this.name(a)} still has ${l - base} locked`);
    }
    for (const s of [...this.env.participants, this.env.stranger]) {
      if ((this.available.get(s.address) ?? 0n) >= UNIT && rng.chance(0.5))
        await this.withdraw(s, true);
    }
  }
}

/** The summary as a table for the console. */
export function formatSummary(s: FuzzSummary): string {
  const rows: [string, string][] = [
    ["sequences", String(s.sequences)],
    ["steps (market calls)", String(s.steps)],
    ["violations", String(s.violations)],
    ["wall time", `${(s.wallMs / 1000).toFixed(1)} s`],
    ["steps / s", (s.steps / Math.max(1e-3, s.wallMs / 1000)).toFixed(0)],
    ...MARKET_KINDS.map((k): [string, string] => [
      `  ${k} market`,
      `${s.byMarket[k].sequences} sequences, ${s.byMarket[k].steps} steps`,
    ]),
    ["clearings completed", String(s.clearings)],
    ["  records == walkBook exactly", String(s.clearingsExact)],
    ["restartClearing accepted", String(s.restarts)],
    ["empty settleChunk no-ops", String(s.emptySettleChunks)],
    ["matches", String(s.matches)],
    ["intervals settled", String(s.settledIntervals)],
    ["periods settled", String(s.settledPeriods)],
  ];
  const reverts = Object.entries(s.reverts).sort((a, b) => b[1] - a[1]);
  const ops = Object.entries(s.ops).sort((a, b) => b[1] - a[1]);
  const width =
    Math.max(...rows.map(([k]) => k.length), ...[...reverts, ...ops].map(([k]) => k.length + 2)) +
    2;
  const line = (k: string, v: string) => `${k.padEnd(width)}${v}`;
  return [
    "market fuzz",
    ...rows.map(([k, v]) => line(k, v)),
    "calls by operation",
    ...ops.map(([k, v]) => line(`  ${k}`, String(v))),
    "reverts by error",
    ...reverts.map(([k, v]) => line(`  ${k}`, String(v))),
  ].join("\n");
}
