import {
  encodePacked,
  hexToBigInt,
  keccak256,
  parseEventLogs,
  type Abi,
  type Address,
  type ContractFunctionArgs,
  type ContractFunctionName,
  type Hex,
  type LocalAccount,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { BaseError } from "@gridledger/domain/errors";
import { buildClearingLists } from "@gridledger/domain/market";
import {
  abis,
  constants,
  IntervalStatus,
  ParticipantStatus,
  Side,
  isUnmatchedRecord,
  meterCertificateTypedData,
  meteringReadingTypedData,
  ReadingVerdict,
  type MeterReading,
  type ReadingBundle,
  orderedClearingRecords,
  recordsAfterRestart,
  type IntervalKind,
  type OrderedRecord,
  type ParticipantKind,
} from "@gridledger/protocol";
import { contractAddress } from "../chain/deployment.ts";
import { anchorSignedReadings } from "../metering/anchorReadings.ts";
import type { BatchReceipt, BatchTx, ChainSession, SentTx } from "../chain/session.ts";

/**
 * The market workflow as steps over a chain (decision 0458): register and fund participants, open
 * periods and intervals, place orders, wait for the gate, clear, tally, report meters, settle,
 * withdraw. Each step sends its transactions as one batch (or a few, where a later transaction
 * needs an earlier one's effect) and returns what the chain did: the transactions, their gas and
 * the decoded events, in the order of the step's input. The caller decides who trades what; the
 * demo and the CLI's `auction clear|settle` are both callers.
 */

/** Osaka's cap on one transaction's gas (EIP-7825): no gas limit here goes above it. */
const TX_GAS_CAP = 16_777_216n;
/** Records per settlement chunk: `settleChunk` must stop at a checkpoint (or the list's end). */
const CHECKPOINT = constants.EnergyMarket.CHECKPOINT_INTERVAL;
/** Proven readings per `reportReadings` transaction. */
const READINGS_PER_TX = 50;
/** How many reads are in flight at once. */
const READ_CHUNK = 100;

const market = abis.EnergyMarket;

/** What every step returns besides its own results. */
export type StepResult = { txs: SentTx[]; gas: number };

/** A participant to admit: a chain account and its registry application. */
export type ParticipantSpec = {
  account: number;
  kind: ParticipantKind;
  renewable: boolean;
  feederId: number;
  busId: number;
  detailsHash: Hex;
  detailsCid: string;
};

/** A delivery period's terms (prices in base units per kWh, bond in milli-units per Wh). */
export type PeriodSpec = {
  start: number;
  duration: number;
  meteringWindow: number;
  gridBuyPrice: number;
  feedInPrice: number;
  bandBps: number;
  bondRate: number;
  minQuantityWh: number;
};

export type OrderSpec = {
  account: number;
  intervalId: bigint;
  side: "buy" | "sell";
  /** Base units per kWh. */
  price: number;
  /** Wh. */
  quantity: number;
  label?: string;
};

/** An order as the market booked it (from its OrderPlaced event). */
export type PlacedOrder = {
  intervalId: bigint;
  orderId: bigint;
  owner: Address;
  side: "buy" | "sell";
  /** The registry's flag at placement (sells only). */
  renewable: boolean;
  price: number;
  quantity: number;
  /** Escrow locked, milli-units. */
  locked: bigint;
  gasUsed: number;
};

export type MatchRecord = Extract<OrderedRecord, { kind: "match" }>;

/** One interval after clearing: its records in clearing order, the input of tally and settle. */
export type ClearedInterval = {
  intervalId: bigint;
  records: OrderedRecord[];
  matches: MatchRecord[];
  gas: number;
  txs: SentTx[];
};

export type SettledMatch = {
  intervalId: bigint;
  sellOrderId: bigint;
  buyOrderId: bigint;
  /** Milli-units the buyer paid the seller for delivered energy. */
  value: bigint;
  sellerCompensation: bigint;
  buyerCompensation: bigint;
};

/** Records of an interval as tally and settle take them. */
export type IntervalRecords = { intervalId: bigint; records: readonly bigint[] };

/** A batch transaction typed by its contract's ABI (the batch itself takes any call). */
function call<
  const abi extends Abi,
  name extends ContractFunctionName<abi, "nonpayable" | "payable">,
>(
  label: string,
  signer: number,
  gas: bigint,
  c: {
    address: Address;
    abi: abi;
    functionName: name;
    // The intersection lets the typed arguments stand as the batch's untyped list, no cast.
    args: ContractFunctionArgs<abi, "nonpayable" | "payable", name> & readonly unknown[];
  },
): BatchTx {
  return { label, signer, gas: gas < TX_GAS_CAP ? gas : TX_GAS_CAP, ...c };
}

function sent(receipts: BatchReceipt[]): StepResult {
  return {
    txs: receipts.map(({ label, hash, block, gasUsed }) => ({ label, hash, block, gasUsed })),
    gas: receipts.reduce((s, r) => s + r.gasUsed, 0),
  };
}

function merge(...steps: StepResult[]): StepResult {
  return { txs: steps.flatMap((s) => s.txs), gas: steps.reduce((s, x) => s + x.gas, 0) };
}

/** Maps `items` to reads, `READ_CHUNK` at a time. */
async function readAll<T, R>(items: readonly T[], read: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += READ_CHUNK)
    out.push(...(await Promise.all(items.slice(i, i + READ_CHUNK).map(read))));
  return out;
}

/** Record slices `settleChunk` accepts: up to each checkpoint, then the rest. */
function checkpointChunks(records: readonly bigint[]): bigint[][] {
  const chunks: bigint[][] = [];
  for (let from = 0; from < records.length; from += CHECKPOINT)
    chunks.push(records.slice(from, from + CHECKPOINT));
  return chunks;
}

/**
 * Net of every owner key over settled matches, milli-units: the seller receives the energy value
 * and the buyer's compensation and pays its own; the buyer the reverse.
 */
export function netsOf<K>(
  settled: readonly SettledMatch[],
  ownerOf: (orderId: bigint) => K,
): Map<K, bigint> {
  const net = new Map<K, bigint>();
  const add = (k: K, v: bigint) => net.set(k, (net.get(k) ?? 0n) + v);
  for (const m of settled) {
    const flow = m.value + m.buyerCompensation - m.sellerCompensation;
    add(ownerOf(m.sellOrderId), flow);
    add(ownerOf(m.buyOrderId), -flow);
  }
  return net;
}

/**
 * The market workflow on `chain`, signed by the operator (account `operator`, default 0) where the
 * operator acts. Steps are independent calls: a caller runs them one by one and keeps what it
 * needs from each result.
 *
 * @example const wf = new MarketWorkflow(chain); await wf.register([...]); await wf.deposit([...])
 */
export class MarketWorkflow {
  readonly market: Address;
  readonly registry: Address;
  readonly token: Address;
  readonly ledger: Address;

  constructor(
    readonly chain: ChainSession,
    readonly operator = 0,
  ) {
    this.market = contractAddress(chain.deployment, "EnergyMarket");
    this.registry = contractAddress(chain.deployment, "ParticipantRegistry");
    this.token = contractAddress(chain.deployment, "GridToken");
    this.ledger = contractAddress(chain.deployment, "MeteringLedger");
  }

  /**
   * Gives every participant gas, has it apply (unless it applied or is admitted already) and the
   * operator approve it as a prosumer. Returns each participant's renewable flag as the registry
   * holds it: an account that applied earlier keeps the flag of that application.
   */
  async register(
    participants: readonly ParticipantSpec[],
  ): Promise<StepResult & { participants: { address: Address; renewable: boolean }[] }> {
    const { chain, registry } = this;
    for (const p of participants) await chain.fund(p.account);
    const before = await readAll(participants, (p) =>
      chain.publicClient.readContract({
        address: registry,
        abi: abis.ParticipantRegistry,
        functionName: "participant",
        args: [chain.address(p.account)],
      }),
    );
    const known = (i: number) =>
      before[i]!.status === ParticipantStatus.Applied ||
      before[i]!.status === ParticipantStatus.Approved;
    const applying = participants.filter((_, i) => !known(i));
    const applied = await chain.sendBatch(
      applying.map((p) =>
        call(`apply ${p.detailsCid || p.account}`, p.account, 300_000n, {
          address: registry,
          abi: abis.ParticipantRegistry,
          functionName: "applyAsParticipant",
          args: [p.kind, p.renewable, p.feederId, p.busId, p.detailsHash, p.detailsCid],
        }),
      ),
    );
    // The operator approves the application it reads now (approve names it by its hash).
    const approving = participants.filter(
      (_, i) => before[i]!.status !== ParticipantStatus.Approved,
    );
    const prosumerRole = await chain.publicClient.readContract({
      address: registry,
      abi: abis.ParticipantRegistry,
      functionName: "PROSUMER_ROLE",
    });
    const applications = await readAll(approving, (p) =>
      chain.publicClient.readContract({
        address: registry,
        abi: abis.ParticipantRegistry,
        functionName: "applicationHash",
        args: [chain.address(p.account)],
      }),
    );
    const approved = await chain.sendBatch(
      approving.map((p, i) =>
        call(`approve ${p.detailsCid || p.account}`, this.operator, 200_000n, {
          address: registry,
          abi: abis.ParticipantRegistry,
          functionName: "approve",
          args: [chain.address(p.account), prosumerRole, applications[i]!],
        }),
      ),
    );
    return {
      ...merge(sent(applied), sent(approved)),
      participants: participants.map((p, i) => ({
        address: chain.address(p.account),
        renewable: known(i) ? before[i]!.renewable : p.renewable,
      })),
    };
  }

  /** Market balances of `accounts`, milli-units. */
  async balances(
    accounts: readonly number[],
  ): Promise<{ address: Address; available: bigint; locked: bigint }[]> {
    return readAll(accounts, async (account) => {
      const address = this.chain.address(account);
      const [available, locked] = await this.chain.publicClient.readContract({
        address: this.market,
        abi: market,
        functionName: "balanceOf",
        args: [address],
      });
      return { address, available, locked };
    });
  }

  /**
   * Escrow money: the operator mints each participant `amount` GLT base units, which the
   * participant approves and deposits into the market (available balance).
   */
  async deposit(
    items: readonly { account: number; amount: bigint; label?: string }[],
  ): Promise<StepResult & { deposited: { address: Address; amount: bigint }[] }> {
    const { chain } = this;
    const funded = items.filter((d) => d.amount > 0n);
    const label = (d: (typeof funded)[number]) => d.label ?? String(d.account);
    const minted = await chain.sendBatch(
      funded.map((d) =>
        call(`mint ${label(d)}`, this.operator, 100_000n, {
          address: this.token,
          abi: abis.GridToken,
          functionName: "mint",
          args: [chain.address(d.account), d.amount],
        }),
      ),
    );
    const deposited = await chain.sendBatch(
      funded.flatMap((d) => [
        call(`allow ${label(d)}`, d.account, 100_000n, {
          address: this.token,
          abi: abis.GridToken,
          functionName: "approve",
          args: [this.market, d.amount],
        }),
        call(`deposit ${label(d)}`, d.account, 150_000n, {
          address: this.market,
          abi: market,
          functionName: "deposit",
          args: [d.amount],
        }),
      ]),
    );
    return {
      ...merge(sent(minted), sent(deposited)),
      deposited: parseEventLogs({
        abi: market,
        eventName: "Deposited",
        logs: deposited.flatMap((r) => r.logs),
      }).map((l) => ({ address: l.args.account, amount: l.args.amount })),
    };
  }

  /** The operator opens one delivery period per spec; ids in input order. */
  async openPeriods(
    periods: readonly PeriodSpec[],
    label = (i: number) => `open period ${i}`,
  ): Promise<StepResult & { periodIds: bigint[] }> {
    const receipts = await this.chain.sendBatch(
      periods.map((p, i) =>
        call(label(i), this.operator, 250_000n, {
          address: this.market,
          abi: market,
          functionName: "openPeriod",
          args: [
            p.start,
            p.duration,
            p.meteringWindow,
            p.gridBuyPrice,
            p.feedInPrice,
            p.bandBps,
            p.bondRate,
            p.minQuantityWh,
          ],
        }),
      ),
    );
    return {
      ...sent(receipts),
      periodIds: receipts.map(
        (r) =>
          parseEventLogs({ abi: market, eventName: "PeriodOpened", logs: r.logs })[0]!.args
            .periodId,
      ),
    };
  }

  /** The operator opens one interval per spec (its period, kind and gate); ids in input order. */
  async openIntervals(
    intervals: readonly { periodId: bigint; kind: IntervalKind; gateClosure: number }[],
    label = (i: number) => `open interval ${i}`,
  ): Promise<StepResult & { intervalIds: bigint[] }> {
    const receipts = await this.chain.sendBatch(
      intervals.map((iv, i) =>
        call(label(i), this.operator, 250_000n, {
          address: this.market,
          abi: market,
          functionName: "openInterval",
          args: [iv.periodId, iv.kind, iv.gateClosure],
        }),
      ),
    );
    return {
      ...sent(receipts),
      intervalIds: receipts.map(
        (r) =>
          parseEventLogs({ abi: market, eventName: "IntervalOpened", logs: r.logs })[0]!.args
            .intervalId,
      ),
    };
  }

  /**
   * Places several books (each one interval's orders, in the book's order) with `placeOrders`
   * in order, and hands each book back its placed orders.
   */
  async placeBooks(
    books: readonly { intervalId: bigint; orders: readonly Omit<OrderSpec, "intervalId">[] }[],
  ): Promise<StepResult & { books: PlacedOrder[][] }> {
    const placed = await this.placeOrders(
      books.flatMap((b) => b.orders.map((o) => ({ ...o, intervalId: b.intervalId }))),
      { inOrder: true },
    );
    let from = 0;
    const perBook = books.map((b) => placed.orders.slice(from, (from += b.orders.length)));
    return { txs: placed.txs, gas: placed.gas, books: perBook };
  }

  /**
   * Places every order from its account (escrow locked at placement); results in input order.
   * One batch leaves the order of different senders' transactions to the node, so an interval's
   * sequence numbers (the clearing walk's tie-break) need not follow the input. With `inOrder`,
   * the n-th order of every interval goes in the n-th batch: each interval's orders are booked
   * in input order, at the price of one batch per order rank.
   */
  async placeOrders(
    orders: readonly OrderSpec[],
    options: { inOrder?: boolean } = {},
  ): Promise<StepResult & { orders: PlacedOrder[] }> {
    const tx = (o: OrderSpec) =>
      call(o.label ?? `order ${o.account} @${o.intervalId}`, o.account, 200_000n, {
        address: this.market,
        abi: market,
        functionName: "placeOrder",
        args: [o.intervalId, o.side === "sell" ? Side.Sell : Side.Buy, o.price, o.quantity],
      });
    const waves: number[][] = [];
    if (options.inOrder) {
      const rank = new Map<bigint, number>();
      orders.forEach((o, i) => {
        const r = rank.get(o.intervalId) ?? 0;
        rank.set(o.intervalId, r + 1);
        (waves[r] ??= []).push(i);
      });
    } else waves.push(orders.map((_, i) => i));
    const receipts: BatchReceipt[] = [];
    for (const wave of waves) {
      const got = await this.chain.sendBatch(wave.map((i) => tx(orders[i]!)));
      wave.forEach((i, k) => (receipts[i] = got[k]!));
    }
    return {
      ...sent(receipts),
      orders: receipts.map((r) => {
        const a = parseEventLogs({ abi: market, eventName: "OrderPlaced", logs: r.logs })[0]!.args;
        return {
          intervalId: a.intervalId,
          orderId: a.orderId,
          owner: a.owner,
          side: a.side === Side.Sell ? "sell" : "buy",
          renewable: a.renewable,
          price: a.price,
          quantity: a.quantity,
          locked: a.locked,
          gasUsed: r.gasUsed,
        };
      }),
    };
  }

  /**
   * Waits until the chain's latest block is at `timestamp` or later (a gate closure, the end of
   * delivery or of the metering window). Time goes through the chain only; bounded retries cover
   * a clock that moves less than asked.
   */
  async waitUntil(timestamp: number): Promise<void> {
    for (let i = 0; i < 10; i++) {
      const now = await this.chain.latestTimestamp();
      if (now >= timestamp) return;
      await this.chain.increaseTime(timestamp - now);
    }
    throw new BaseError(`the chain's clock did not reach ${timestamp}`);
  }

  /**
   * Clears every interval with its orders (also intervals without any: a period pays only once all
   * its intervals are tallied, and tallying needs a cleared interval). An interval with more than
   * `chunk` orders is cleared in resumable chunks (`clearChunk`, each continuing where the chain's
   * clearing state says the last one stopped), the others in one `clear` each.
   */
  async clear(
    books: readonly { intervalId: bigint; orders: readonly PlacedOrder[] }[],
    options: { chunk?: number } = {},
  ): Promise<StepResult & { intervals: ClearedInterval[] }> {
    const chunk = options.chunk ?? Infinity;
    const lists = books.map((b) => {
      // Placement order is order id order within an interval: ties go to the earlier order.
      const sorted = [...b.orders].sort((x, y) => (x.orderId < y.orderId ? -1 : 1));
      return buildClearingLists(
        sorted.map((o, seq) => ({
          id: o.orderId,
          seq,
          side: o.side,
          price: o.price,
          renewable: o.renewable,
        })),
      );
    });
    const gasFor = (orders: number) => 300_000n + 40_000n * BigInt(orders);
    const receiptsOf = books.map((): BatchReceipt[] => []);
    const whole = books.flatMap((b, i) => (b.orders.length <= chunk ? [i] : []));
    const wholeReceipts = await this.chain.sendBatch(
      whole.map((i) => {
        const { intervalId, orders } = books[i]!;
        const l = lists[i]!;
        return call(`clear ${intervalId}`, this.operator, gasFor(orders.length), {
          address: this.market,
          abi: market,
          functionName: "clear",
          args: [intervalId, l.renewableSells, l.conventionalSells, l.buys],
        });
      }),
    );
    whole.forEach((i, k) => receiptsOf[i]!.push(wholeReceipts[k]!));
    let open = books.flatMap((b, i) => (b.orders.length > chunk ? [i] : []));
    const maxOrders = Math.max(0, ...open.map((i) => books[i]!.orders.length));
    const maxRounds = 3 * Math.ceil(maxOrders / chunk) + 10;
    for (let round = 0; open.length > 0; round++) {
      if (round === maxRounds) throw new BaseError(`clearing did not finish in ${round} rounds`);
      const states = await readAll(open, (i) =>
        this.chain.publicClient.readContract({
          address: this.market,
          abi: market,
          functionName: "clearingState",
          args: [books[i]!.intervalId],
        }),
      );
      const receipts = await this.chain.sendBatch(
        open.map((i, k) => {
          const { seen } = states[k]!;
          const l = lists[i]!;
          const next = (list: bigint[], at: number) => list.slice(at, at + chunk);
          const args = [
            next(l.renewableSells, seen[0]),
            next(l.conventionalSells, seen[1]),
            next(l.buys, seen[2]),
          ] as const;
          const n = args.reduce((s, a) => s + a.length, 0);
          return call(`clear chunk ${books[i]!.intervalId}`, this.operator, gasFor(n), {
            address: this.market,
            abi: market,
            functionName: "clearChunk",
            args: [books[i]!.intervalId, ...args],
          });
        }),
      );
      open.forEach((i, k) => receiptsOf[i]!.push(receipts[k]!));
      const status = await readAll(open, (i) =>
        this.chain.publicClient.readContract({
          address: this.market,
          abi: market,
          functionName: "interval",
          args: [books[i]!.intervalId],
        }),
      );
      open = open.filter((_, k) => status[k]!.status !== IntervalStatus.Cleared);
    }
    const intervals = books.map((b, i): ClearedInterval => {
      const receipts = receiptsOf[i]!;
      const logs = recordsAfterRestart(
        parseEventLogs({ abi: market, logs: receipts.flatMap((r) => r.logs) }),
      );
      const records = orderedClearingRecords(logs).get(b.intervalId) ?? [];
      return {
        intervalId: b.intervalId,
        records,
        matches: records.filter((r): r is MatchRecord => r.kind === "match"),
        ...sent(receipts),
      };
    });
    return { ...merge(...intervals), intervals };
  }

  /**
   * Tallies every interval: unmatched escrow comes back and traded energy enters the positions.
   * Lists longer than a checkpoint go in checkpoint-sized `settleChunk` calls.
   */
  async tally(
    intervals: readonly IntervalRecords[],
  ): Promise<
    StepResult & { released: { intervalId: bigint; orderId: bigint; quantity: bigint }[] }
  > {
    const receipts = await this.chain.sendBatch(
      this.#settlementStage(
        "tally",
        intervals,
        (records) => 150_000n + 60_000n * BigInt(records.length),
      ),
    );
    return {
      ...sent(receipts),
      released: parseEventLogs({
        abi: market,
        eventName: "RemainderReleased",
        logs: receipts.flatMap((r) => r.logs),
      }).map(({ args: { intervalId, orderId, quantity } }) => ({ intervalId, orderId, quantity })),
    };
  }

  /**
   * One settlement stage's transactions: `tally` or `settle` with the whole list where it fits
   * one checkpoint, else checkpoint-sized `settleChunk` calls (the contract knows the stage).
   */
  #settlementStage(
    stage: "tally" | "settle",
    intervals: readonly IntervalRecords[],
    gasFor: (records: readonly bigint[]) => bigint,
  ): BatchTx[] {
    return intervals.flatMap(({ intervalId, records }) =>
      records.length <= CHECKPOINT
        ? [
            call(`${stage} ${intervalId}`, this.operator, gasFor(records), {
              address: this.market,
              abi: market,
              functionName: stage,
              args: [intervalId, records],
            }),
          ]
        : checkpointChunks(records).map((part, k) =>
            call(`${stage} ${intervalId} #${k}`, this.operator, gasFor(part), {
              address: this.market,
              abi: market,
              functionName: "settleChunk",
              args: [intervalId, part],
            }),
          ),
    );
  }

  /**
   * Meters report each participant's energy for a period, Wh, as the market accepts it: only as
   * proven readings (decision 0206). Each participant's device key (derived here from the
   * operator's key and the participant: the workflow simulates the devices, real meters keep
   * their own keys) is bound to it by an operator-signed certificate on first use, signs its
   * readings (EIP-712), the operator's head-end anchors them as one MeteringLedger batch, and the
   * proofs go to `reportReadings`, which anyone may call.
   */
  async reportMeters(
    readings: Parameters<MarketWorkflow["proveReadings"]>[0],
  ): Promise<StepResult & { batchId: bigint | undefined }> {
    if (readings.length === 0) return { ...sent([]), batchId: undefined };
    const proven = await this.proveReadings(readings);
    const reported = await this.submitReadings(proven.bundle);
    return { ...sent([...proven.receipts, ...reported.receipts]), batchId: proven.bundle.batchId };
  }

  /**
   * The head-end half of `reportMeters`: binds the devices, has them sign, anchors the batch and
   * returns the bundle (`stringifyReadingBundle` writes it for whoever submits it).
   */
  async proveReadings(
    readings: readonly {
      periodId: bigint;
      participant: Address;
      producedWh: number;
      consumedWh: number;
    }[],
  ): Promise<StepResult & { receipts: BatchReceipt[]; bundle: ReadingBundle }> {
    if (readings.length === 0) throw new BaseError("no readings to prove");
    const { chain } = this;
    const chainId = chain.deployment.chainId;
    const devices = new Map<Address, LocalAccount>();
    for (const r of readings)
      if (!devices.has(r.participant)) devices.set(r.participant, this.deviceOf(r.participant));
    const bound = await readAll([...devices], ([, device]) =>
      chain.publicClient.readContract({
        address: this.registry,
        abi: abis.ParticipantRegistry,
        functionName: "participantOfMeter",
        args: [device.address],
      }),
    );
    const unbound = [...devices].filter(([participant], i) => bound[i] !== participant);
    const expiry = BigInt((await chain.latestTimestamp()) + 365 * 86_400);
    const certificates = await Promise.all(
      unbound.map(async ([participant, device]) => {
        const nonce = hexToBigInt(
          keccak256(encodePacked(["address", "uint64"], [device.address, expiry])),
        );
        const signature = await chain.wallet(this.operator).signTypedData({
          ...meterCertificateTypedData(chainId, this.registry),
          message: { meter: device.address, participant, expiry, nonce },
        });
        return call(`bind meter of ${participant}`, this.operator, 200_000n, {
          address: this.registry,
          abi: abis.ParticipantRegistry,
          functionName: "bindMeter",
          args: [device.address, participant, expiry, nonce, signature],
        });
      }),
    );
    const binds = await chain.sendBatch(certificates);
    // The device's reading counter: periods only move forward, so the period id serves.
    const signedReadings = await Promise.all(
      readings.map(async (r) => {
        const device = devices.get(r.participant)!;
        const reading: MeterReading = {
          meter: device.address,
          participant: r.participant,
          periodId: r.periodId,
          producedWh: BigInt(r.producedWh),
          consumedWh: BigInt(r.consumedWh),
          sequence: r.periodId,
          verdict: ReadingVerdict.Trusted,
        };
        const signature = await device.signTypedData(
          meteringReadingTypedData(chainId, this.ledger, reading),
        );
        return { reading, signature };
      }),
    );
    const { receipts: anchored, bundle } = await anchorSignedReadings(
      chain,
      this.operator,
      this.ledger,
      signedReadings,
    );
    const receipts = [...binds, ...anchored];
    return { ...sent(receipts), receipts, bundle };
  }

  /**
   * Proves a bundle's readings to the market (`reportReadings`, permissionless) in transactions
   * of at most READINGS_PER_TX readings, sent by `from` (default: the operator).
   */
  async submitReadings(
    bundle: ReadingBundle,
    from: number = this.operator,
  ): Promise<StepResult & { receipts: BatchReceipt[] }> {
    const reports: BatchTx[] = [];
    for (let start = 0; start < bundle.readings.length; start += READINGS_PER_TX) {
      const end = start + READINGS_PER_TX;
      const part = bundle.readings.slice(start, end);
      const first = part[0]!;
      const label = `meter ${first.participant} @${first.periodId}`;
      reports.push(
        call(
          part.length === 1 ? label : `${label} (+${part.length - 1})`,
          from,
          80_000n + 60_000n * BigInt(part.length),
          {
            address: this.market,
            abi: market,
            functionName: "reportReadings",
            args: [
              bundle.batchId,
              part,
              bundle.signatures.slice(start, end),
              bundle.proofs.slice(start, end),
            ],
          },
        ),
      );
    }
    const receipts = await this.chain.sendBatch(reports);
    return { ...sent(receipts), receipts };
  }

  /**
   * The simulated device key of `participant`: derived from the operator's key, so the same
   * participant gets the same meter on every run against this chain.
   */
  deviceOf(participant: Address): LocalAccount {
    return privateKeyToAccount(this.deviceKeyOf(participant));
  }

  /** The private key behind `deviceOf(participant)` (simulated devices only). */
  deviceKeyOf(participant: Address): Hex {
    return keccak256(
      encodePacked(
        ["bytes32", "string", "address"],
        [this.chain.privateKey(this.operator), "gridledger/device", participant],
      ),
    );
  }

  /**
   * Pays every tallied interval after its period's metering window: buyers pay for delivered
   * energy, the harmed side is compensated. Lists longer than a checkpoint go in chunks.
   */
  async settle(
    intervals: readonly IntervalRecords[],
  ): Promise<StepResult & { settled: SettledMatch[] }> {
    const gasFor = (records: readonly bigint[]) =>
      200_000n +
      60_000n * BigInt(records.filter((r) => !isUnmatchedRecord(r)).length) +
      5_000n * BigInt(records.length);
    const receipts = await this.chain.sendBatch(this.#settlementStage("settle", intervals, gasFor));
    return {
      ...sent(receipts),
      settled: parseEventLogs({
        abi: market,
        eventName: "MatchSettled",
        logs: receipts.flatMap((r) => r.logs),
      }).map(({ args }) => ({ ...args })),
    };
  }

  /** Each participant takes `amount` GLT base units of its available balance out of the market. */
  async withdraw(
    items: readonly { account: number; amount: bigint }[],
  ): Promise<StepResult & { withdrawn: { address: Address; amount: bigint }[] }> {
    const receipts = await this.chain.sendBatch(
      items.map((w) =>
        call(`withdraw ${w.account}`, w.account, 150_000n, {
          address: this.market,
          abi: market,
          functionName: "withdraw",
          args: [w.amount],
        }),
      ),
    );
    return {
      ...sent(receipts),
      withdrawn: parseEventLogs({
        abi: market,
        eventName: "Withdrawn",
        logs: receipts.flatMap((r) => r.logs),
      }).map((l) => ({ address: l.args.account, amount: l.args.amount })),
    };
  }
}
