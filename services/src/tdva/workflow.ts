import {
  parseEventLogs,
  type Address,
  type ContractFunctionArgs,
  type ContractEventName,
  type ContractFunctionName,
  type DecodeEventLogReturnType,
  type Hash,
  type Log,
} from "viem";
import { BaseError } from "@gridledger/domain/errors";
import type { DispatchResult } from "@gridledger/domain/dispatch";
import {
  buildMeterDataDocument,
  buildSafetyReportDocument,
  contractOffer,
  dispatchArgs,
  eventReadingsArgs,
  settleArgs,
  triggerArgs,
  type AlarmDocument,
  type OfferTerms,
  type SettleLine,
  type TriggerParams,
} from "@gridledger/domain/tdva";
import {
  abis,
  meteringReadingTypedData,
  MeterWindow,
  offerTypedData,
  ReadingVerdict,
  type MeterReading,
  type ReadingBundle,
  type SignedOffer,
} from "@gridledger/protocol";
import { contractAddress } from "../chain/deployment.ts";
import type { ChainSession } from "../chain/session.ts";
import type { ContentStore } from "../storage/contentStore.ts";
import { anchorSignedReadings } from "../metering/anchorReadings.ts";
import { saveTdvaDocument, type StoredTdvaDocument } from "./documents.ts";

type Registry = typeof abis.DispatchRegistry;
type RegistryWrite = ContractFunctionName<Registry, "nonpayable">;

/** One transaction a step sent. */
export type StepTx = { label: string; tx: Hash; block: number; gasUsed: number };

/** A registry event's arguments as viem decodes them from the ABI. */
export type RegistryEvent<name extends ContractEventName<Registry>> = DecodeEventLogReturnType<
  Registry,
  name
>["args"];

export type TriggerStep = StepTx & {
  eventId: bigint;
  record: RegistryEvent<"TdvaTriggered">["record"];
  recordHash: Hash;
  document: StoredTdvaDocument;
};
export type DispatchStep = StepTx & {
  record: RegistryEvent<"TdvaDispatched">["record"];
  accepted: RegistryEvent<"OfferAccepted">[];
  document: StoredTdvaDocument;
};
/** One provider's meter over the two windows of an event, Wh, as its device signs them. */
export type WindowReadings = {
  provider: Address;
  /** Devnet account index of the provider's bound meter (simulated device). */
  meter: number;
  baseline: { producedWh: bigint; consumedWh: bigint };
  during: { producedWh: bigint; consumedWh: bigint };
};
export type ProveStep = StepTx & { bundle: ReadingBundle; document: StoredTdvaDocument };
export type MeasureStep = StepTx & { measured: RegistryEvent<"ResponseMeasured">[] };
export type VerifyStep = StepTx & {
  record: RegistryEvent<"TdvaVerified">["record"];
  deliveredWh: readonly bigint[];
};
export type SettleStep = StepTx & {
  record: RegistryEvent<"TdvaSettled">["record"];
  providers: RegistryEvent<"ProviderSettled">[];
};
export type WithdrawStep = StepTx & { account: Address; amount: bigint };

const net = (e: { producedWh: bigint; consumedWh: bigint }) => e.producedWh - e.consumedWh;

/**
 * A provider's response as the registry measures it: the change of net injection from the
 * baseline to the event window in the requested direction, never below 0 (decision 0207).
 */
export function responseWh(requestedW: bigint, r: Pick<WindowReadings, "baseline" | "during">) {
  const change =
    requestedW > 0n ? net(r.during) - net(r.baseline) : net(r.baseline) - net(r.during);
  return change > 0n ? change : 0n;
}

/**
 * The TDVA workflow (trigger → offers → dispatch → verify → settle → withdraw) over a chain
 * datasource, one call per step so a caller (the dispatch demo, a test, an operator tool) can
 * stop, inspect or interleave. The pure parts — the documents, offer terms, the plan and every
 * call's arguments — come from @gridledger/domain/tdva, which the web app uses as well. Each
 * document whose CID goes on-chain is stored (pinned) before its transaction when a content
 * store is given.
 *
 * @example
 *   const tdva = new TdvaWorkflow(chain, { store })
 *   const t = await tdva.trigger(params, alarm)
 *   const offer = await tdva.signOffer(t.eventId, 15, terms, signedAt)
 */
export class TdvaWorkflow {
  readonly registry: Address;
  readonly token: Address;
  readonly operator: number;
  readonly #chain: ChainSession;
  readonly #store: ContentStore | undefined;

  constructor(
    chain: ChainSession,
    options: { operator?: number; store?: ContentStore | undefined } = {},
  ) {
    this.#chain = chain;
    this.#store = options.store;
    this.operator = options.operator ?? 0;
    this.registry = contractAddress(chain.deployment, "DispatchRegistry");
    this.token = contractAddress(chain.deployment, "GridToken");
  }

  async #send<name extends RegistryWrite>(
    label: string,
    signer: number,
    functionName: name,
    args: ContractFunctionArgs<Registry, "nonpayable", name>,
  ): Promise<{ step: StepTx; logs: Log[] }> {
    const sent = await this.#chain.write(label, signer, {
      address: this.registry,
      abi: abis.DispatchRegistry,
      functionName,
      args,
    });
    const receipt = await this.#chain.publicClient.getTransactionReceipt({ hash: sent.hash });
    return {
      step: { label, tx: sent.hash, block: sent.block, gasUsed: sent.gasUsed },
      logs: receipt.logs,
    };
  }

  /** Lets the registry pull `budget` from the operator's token balance (trigger locks it). */
  async approveBudget(budget: bigint): Promise<StepTx> {
    const sent = await this.#chain.write("approve", this.operator, {
      address: this.token,
      abi: abis.GridToken,
      functionName: "approve",
      args: [this.registry, budget],
    });
    return { label: "approve", tx: sent.hash, block: sent.block, gasUsed: sent.gasUsed };
  }

  /** Trigger: stores the alarm document, then opens the event with its fingerprint. */
  async trigger(
    params: Omit<TriggerParams, "dataHash" | "dataCid">,
    alarm: AlarmDocument,
  ): Promise<TriggerStep> {
    const document = await saveTdvaDocument(this.#store, alarm);
    const { step, logs } = await this.#send(
      "Trigger",
      this.operator,
      "trigger",
      triggerArgs(params, document),
    );
    const [event] = parseEventLogs({
      abi: abis.DispatchRegistry,
      eventName: "TdvaTriggered",
      logs,
    }).map((l) => l.args);
    if (!event) throw new BaseError("trigger emitted no TdvaTriggered event");
    return {
      ...step,
      eventId: event.eventId,
      record: event.record,
      recordHash: event.recordHash,
      document,
    };
  }

  /** A provider (devnet account `provider`) signs its offer for the event (EIP-712). */
  async signOffer(
    eventId: bigint,
    provider: number,
    terms: OfferTerms,
    signedAt: number,
  ): Promise<SignedOffer> {
    const address = this.#chain.address(provider);
    const signature = await this.#chain.wallet(provider).signTypedData({
      ...offerTypedData(this.#chain.deployment.chainId, this.registry),
      message: { eventId, provider: address, ...terms, signedAt },
    });
    return {
      eventId: eventId.toString(),
      provider: address,
      maxPowerW: terms.maxPowerW,
      maxEnergyWh: terms.maxEnergyWh.toString(),
      signedAt,
      segments: terms.segments.map(String),
      signature,
    };
  }

  /**
   * Dispatch: stores the safety report document, then records the allocations of `plan` over
   * `offers` (already in ascending provider order, as the relay lists them).
   */
  async dispatch(
    eventId: bigint,
    offers: readonly SignedOffer[],
    plan: DispatchResult,
  ): Promise<DispatchStep> {
    const document = await saveTdvaDocument(
      this.#store,
      buildSafetyReportDocument(
        eventId,
        plan,
        offers.map((o) => o.provider),
      ),
    );
    const { step, logs } = await this.#send(
      "Dispatch",
      this.operator,
      "dispatch",
      dispatchArgs(eventId, offers.map(contractOffer), plan, document),
    );
    const [event] = parseEventLogs({
      abi: abis.DispatchRegistry,
      eventName: "TdvaDispatched",
      logs,
    }).map((l) => l.args);
    if (!event) throw new BaseError("dispatch emitted no TdvaDispatched event");
    return {
      ...step,
      record: event.record,
      accepted: parseEventLogs({
        abi: abis.DispatchRegistry,
        eventName: "OfferAccepted",
        logs,
      }).map((l) => l.args),
      document,
    };
  }

  /** Moves the devnet clock past the event's window (verify is refused before it ends). */
  async passWindow(trigger: { start: number; duration: number }): Promise<void> {
    const end = trigger.start + trigger.duration + 1;
    const now = await this.#chain.latestTimestamp();
    if (now < end) await this.#chain.increaseTime(end - now);
  }

  /** The period ids the registry expects in the readings of `eventId`'s two windows. */
  async windows(eventId: bigint): Promise<{ baseline: bigint; event: bigint }> {
    const read = (window: MeterWindow) =>
      this.#chain.publicClient.readContract({
        address: this.registry,
        abi: abis.DispatchRegistry,
        functionName: "windowPeriodId",
        args: [eventId, window],
      });
    const [baseline, event] = await Promise.all([
      read(MeterWindow.Baseline),
      read(MeterWindow.Event),
    ]);
    return { baseline, event };
  }

  /**
   * The metering side of Verify: each provider's (simulated) device signs its baseline and
   * event-window readings (EIP-712, MeteringLedger domain), the meter data document is stored
   * and the operator's head-end anchors the batch with its CID. Returns the bundle anyone can
   * submit with `reportReadings`.
   */
  async proveResponses(
    eventId: bigint,
    trigger: { start: number; duration: number; requestedW: bigint },
    readings: readonly WindowReadings[],
  ): Promise<ProveStep> {
    const windows = await this.windows(eventId);
    const chainId = this.#chain.deployment.chainId;
    const ledger = contractAddress(this.#chain.deployment, "MeteringLedger");
    const signed = [];
    for (const r of readings) {
      const meter = this.#chain.address(r.meter);
      // The device's counter follows its clock: the baseline ends at the start, the event after.
      for (const [periodId, energy, sequence] of [
        [windows.baseline, r.baseline, trigger.start],
        [windows.event, r.during, trigger.start + trigger.duration],
      ] as const) {
        const reading: MeterReading = {
          meter,
          participant: r.provider,
          periodId,
          ...energy,
          sequence: BigInt(sequence),
          verdict: ReadingVerdict.Trusted,
        };
        const signature = await this.#chain
          .wallet(r.meter)
          .signTypedData(meteringReadingTypedData(chainId, ledger, reading));
        signed.push({ reading, signature });
      }
    }
    const document = await saveTdvaDocument(
      this.#store,
      buildMeterDataDocument(
        eventId,
        readings.map((r) => ({
          provider: r.provider,
          meter: this.#chain.address(r.meter),
          deliveredWh: responseWh(trigger.requestedW, r),
        })),
      ),
    );
    const { receipts, bundle } = await anchorSignedReadings(
      this.#chain,
      this.operator,
      ledger,
      signed,
      document.cid,
    );
    const r = receipts[0]!;
    return {
      label: "Meter batch",
      tx: r.hash,
      block: r.block,
      gasUsed: r.gasUsed,
      bundle,
      document,
    };
  }

  /**
   * Submits a bundle's readings for the event's dispatched `lines` (permissionless; `from` is
   * any account, default the operator). The registry proves each and stores delivered Wh.
   */
  async reportReadings(
    eventId: bigint,
    lines: readonly SettleLine[],
    bundle: ReadingBundle,
    from: number = this.operator,
  ): Promise<MeasureStep> {
    const { step, logs } = await this.#send(
      "Readings",
      from,
      "reportEventReadings",
      eventReadingsArgs(eventId, lines, bundle, await this.windows(eventId)),
    );
    const measured = parseEventLogs({
      abi: abis.DispatchRegistry,
      eventName: "ResponseMeasured",
      logs,
    }).map((l) => l.args);
    return { ...step, measured };
  }

  /**
   * Verify from the measured responses (anyone; `from` default the operator). With `lines`,
   * after the deadline: unmeasured providers count 0 Wh (`verifyWithMissing`).
   */
  async verify(
    eventId: bigint,
    from: number = this.operator,
    missing?: { lines: readonly SettleLine[] },
  ): Promise<VerifyStep> {
    const { step, logs } = missing
      ? await this.#send("Verify", from, "verifyWithMissing", [
          eventId,
          missing.lines.map((l) => ({ ...l, segments: [...l.segments] })),
        ])
      : await this.#send("Verify", from, "verify", [eventId]);
    const [event] = parseEventLogs({
      abi: abis.DispatchRegistry,
      eventName: "TdvaVerified",
      logs,
    }).map((l) => l.args);
    if (!event) throw new BaseError("verify emitted no TdvaVerified event");
    return { ...step, record: event.record, deliveredWh: event.deliveredWh };
  }

  /** Settle: payments at the offered segment prices, penalties outside the tolerance band. */
  async settle(
    eventId: bigint,
    lines: readonly SettleLine[],
    deliveredWh: readonly bigint[],
  ): Promise<SettleStep> {
    const { step, logs } = await this.#send(
      "Settle",
      this.operator,
      "settle",
      settleArgs(eventId, lines, deliveredWh),
    );
    const [event] = parseEventLogs({
      abi: abis.DispatchRegistry,
      eventName: "TdvaSettled",
      logs,
    }).map((l) => l.args);
    if (!event) throw new BaseError("settlement emitted no TdvaSettled event");
    return {
      ...step,
      record: event.record,
      providers: parseEventLogs({
        abi: abis.DispatchRegistry,
        eventName: "ProviderSettled",
        logs,
      }).map((l) => l.args),
    };
  }

  /** Pull payments: each account with a balance in the registry withdraws it. */
  async withdraw(accounts: readonly number[]): Promise<WithdrawStep[]> {
    const done: WithdrawStep[] = [];
    for (const index of accounts) {
      const account = this.#chain.address(index);
      const owed = await this.#chain.publicClient.readContract({
        address: this.registry,
        abi: abis.DispatchRegistry,
        functionName: "balanceOf",
        args: [account],
      });
      if (owed === 0n) continue;
      const { step, logs } = await this.#send("withdraw", index, "withdraw", []);
      const [event] = parseEventLogs({
        abi: abis.DispatchRegistry,
        eventName: "Withdrawn",
        logs,
      }).map((l) => l.args);
      done.push({ ...step, account, amount: event?.amount ?? owed });
    }
    return done;
  }

  /** The registry's own check of the Trigger → Dispatch → Verify → Settle hash links. */
  async checkLinks(eventId: bigint): Promise<{ ok: boolean; stagesWritten: number }> {
    const [ok, stagesWritten] = await this.#chain.publicClient.readContract({
      address: this.registry,
      abi: abis.DispatchRegistry,
      functionName: "checkLinks",
      args: [eventId],
    });
    return { ok, stagesWritten };
  }
}
