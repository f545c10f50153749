import { BaseError } from "@gridledger/domain/errors";
import { loadShippedNetwork } from "@gridledger/domain/networks";
import { solvePowerFlow } from "@gridledger/domain/grid";
import type { DispatchResult } from "@gridledger/domain/dispatch";
import {
  budgetFor,
  buildAlarmDocument,
  byProviderAddress,
  deliveredProfile,
  expectedDeliveryWh,
  offerFromTerms,
  offerTerms,
  planDispatch,
  type Quote,
} from "@gridledger/domain/tdva";
import { abis, TriggerReason } from "@gridledger/protocol";
import type { Address, Hex } from "viem";
import type { ContentStore } from "../storage/contentStore.ts";
import { ensureProviders, type ProviderAccount } from "../tdva/providers.ts";
import { TdvaWorkflow } from "../tdva/workflow.ts";
import type { ChainSession } from "../chain/session.ts";
import { renderReport, type Section } from "./htmlReport.ts";

/**
 * `gridledger demo dispatch`: the demand-response event of 001 section 4 on a live devnet.
 * Node 6 of the 6-node feeder over-generates at midday and its voltage leaves the band; the
 * operator triggers an event, four DER providers (nodes 1, 2, 5, 6) sign offers, the optimiser
 * allocates the reduction in merit order under a power-flow safety check, the dispatch is
 * recorded, the meters' readings are verified (one provider under-delivers) and settlement pays
 * from the budget with a penalty. Voltages before and after show the event worked. The steps
 * are the TDVA workflow service's (services/src/tdva); this script sets up and reports.
 */

/** Feeder id under which the demo's providers are registered (the 6-node feeder). */
export const DEMO_FEEDER_ID = 6;

/** The four DER providers of 001 section 4, as devnet accounts, and their quotes (GLT/kWh). */
const PROVIDERS = [
  {
    account: 15,
    meter: 25,
    bus: "1",
    kind: 1,
    renewable: true,
    maxKW: 100,
    segments: [{ kw: 100, price: 0.2 }],
  },
  {
    account: 16,
    meter: 26,
    bus: "2",
    kind: 5,
    renewable: false,
    maxKW: 300,
    segments: [
      { kw: 150, price: 0.25 },
      { kw: 150, price: 0.3 },
    ],
  },
  {
    account: 17,
    meter: 27,
    bus: "5",
    kind: 2,
    renewable: true,
    maxKW: 400,
    maxKWh: 500,
    segments: [{ kw: 400, price: 0.35 }],
  },
  {
    account: 18,
    meter: 28,
    bus: "6",
    kind: 1,
    renewable: true,
    maxKW: 1200,
    segments: [
      { kw: 600, price: 0.4 },
      { kw: 600, price: 0.6 },
    ],
  },
] as const satisfies readonly (ProviderAccount & Quote)[];

export type DispatchDemoOptions = {
  /** Requested reduction of injection, kW (default: what the optimiser needs to clear node 6). */
  deltaTotalKW?: number;
  durationS?: number;
  /** Bus of the provider that under-delivers, and the share it delivers (default "2", 0.8). */
  underDelivererBus?: string;
  underDeliveryShare?: number;
  store?: ContentStore | undefined;
  log: (line: string) => void;
};

export type StageRow = { stage: string; tx: Hex; block: number; gasUsed: number };

export type DispatchDemoReport = {
  eventId: string;
  feeder: string;
  chainId: number;
  stages: StageRow[];
  setupTransactions: number;
  hashLinksVerified: boolean;
  voltages: { bus: string; beforePu: number; afterPu: number }[];
  limits: { vMinPu: number; vMaxPu: number };
  before: { maxVoltage: { bus: string; vPu: number }; violations: number };
  after: { maxVoltage: { bus: string; vPu: number }; violations: number };
  voltagesWithinLimitsAfter: boolean;
  dispatch: Pick<
    DispatchResult,
    "method" | "totalCost" | "clearingPrice" | "safetyRounds" | "status"
  >;
  providers: {
    address: Address;
    bus: string;
    allocationW: number;
    deliveredWh: number;
    paymentBaseUnits: string;
    penaltyBaseUnits: string;
    withdrawnBaseUnits: string;
  }[];
  budget: {
    lockedBaseUnits: string;
    paidBaseUnits: string;
    penaltiesBaseUnits: string;
    refundBaseUnits: string;
  };
  moneyConserved: boolean;
  fingerprints: { triggerData: Hex; safetyReport: Hex; meterData: Hex };
};

/** Runs the whole TDVA event and returns the report (also what the CLI prints as JSON). */
export async function runDispatchDemo(
  chain: ChainSession,
  options: DispatchDemoOptions,
): Promise<DispatchDemoReport> {
  const log = options.log;
  // On a chain that cannot move its clock the demo waits for the event window: one minute then.
  const durationS = options.durationS ?? (chain.timeTravel ? 3_600 : 60);
  const leadS = chain.timeTravel ? 120 : 30;
  const underBus = options.underDelivererBus ?? "2";
  const underShare = options.underDeliveryShare ?? 0.8;
  const tdva = new TdvaWorkflow(chain, { store: options.store });
  const operator = chain.address(tdva.operator);

  // 1. The alarm: a power flow of the midday snapshot shows node 6 above the band.
  const network = loadShippedNetwork("six-node");
  const before = solvePowerFlow(network);
  if (!before.violations.some((v) => v.type === "overvoltage"))
    throw new BaseError("the 6-node snapshot shows no over-voltage: nothing to dispatch");
  log(
    `power flow: max voltage ${before.maxVoltage.vPu.toFixed(4)} pu at node ${before.maxVoltage.bus} (limit ${network.limits.vMaxPu} pu)`,
  );

  const setupTxs = await ensureProviders(chain, DEMO_FEEDER_ID, PROVIDERS);
  if (setupTxs > 0)
    log(`registered the four DER providers on feeder ${DEMO_FEEDER_ID} (${setupTxs} transactions)`);

  // 2. Dispatch plan first (off-chain, from the terms the providers will sign), so the trigger
  //    asks for what clears the violation and locks a budget that covers it.
  const providers = byProviderAddress(
    PROVIDERS.map((p) => ({
      ...p,
      provider: chain.address(p.account),
      terms: offerTerms(p, durationS),
    })),
  );
  const requestedW = -BigInt(Math.round((options.deltaTotalKW ?? 700) * 1000));
  const plan = planDispatch({
    network,
    requestedW,
    durationS,
    offers: providers.map((p) => offerFromTerms(p.provider, p.bus, p.terms)),
  });
  if (plan.status !== "optimal" || !plan.safety)
    throw new BaseError(`the optimiser found no safe allocation (${plan.status})`);
  log(
    `optimiser: ${plan.allocations.map((a) => `${a.bus}:${a.kw} kW`).join(", ")}; cost ${plan.totalCost.toFixed(2)} GLT; safe=${plan.safety.safe}`,
  );

  // 3. Trigger: the budget is locked from the operator's balance (minted on the devnet if short).
  const budget = budgetFor(plan);
  const balance = await chain.publicClient.readContract({
    address: tdva.token,
    abi: abis.GridToken,
    functionName: "balanceOf",
    args: [operator],
  });
  if (balance < budget)
    await chain.write("mint", tdva.operator, {
      address: tdva.token,
      abi: abis.GridToken,
      functionName: "mint",
      args: [operator, budget],
    });
  await tdva.approveBudget(budget);
  const now = await chain.latestTimestamp();
  const schedule = { start: now + leadS, duration: durationS };
  const trigger = await tdva.trigger(
    {
      reason: TriggerReason.OverVoltage,
      feederId: DEMO_FEEDER_ID,
      requestedW,
      ...schedule,
      quoteDeadline: now + leadS / 2,
      budget,
    },
    buildAlarmDocument(network.name, before),
  );
  const eventId = trigger.eventId;
  log(`Trigger  event ${eventId}  tx ${trigger.tx}  block ${trigger.block}`);

  // 4. Offers: each provider signs its terms (EIP-712); the operator carries them into dispatch.
  const offers = [];
  for (const p of providers)
    offers.push(await tdva.signOffer(eventId, p.account, p.terms, now + 1));

  // 5. Dispatch: allocations and the safety report's fingerprint.
  const dispatch = await tdva.dispatch(eventId, offers, plan);
  log(
    `Dispatch tx ${dispatch.tx}  block ${dispatch.block}  (safety report ${dispatch.document.keccak256.slice(0, 10)}…)`,
  );

  // 6. The event window passes, the meters read the delivered energy (one provider short).
  await tdva.passWindow(schedule);
  const lines = [...dispatch.accepted].sort((a, b) => Number(a.index - b.index));
  const byAddress = new Map(providers.map((p) => [p.provider.toLowerCase(), p]));
  const providerOf = (l: { provider: Address }) => byAddress.get(l.provider.toLowerCase())!;
  const deliveredWh = lines.map((l) =>
    expectedDeliveryWh(l.allocationW, durationS, providerOf(l).bus === underBus ? underShare : 1),
  );
  // Each provider's meter signs its baseline (the hour before) and event-window readings; the
  // head-end anchors them; a provider, not the operator, submits the proofs; anyone verifies.
  const settleLines = lines.map((l) => ({
    provider: l.provider,
    allocationW: l.allocationW,
    segments: l.offer.segments,
  }));
  const proven = await tdva.proveResponses(
    eventId,
    { ...schedule, requestedW },
    lines.map((l, i) => {
      const response = deliveredWh[i]!;
      // A DER producing `response` + 1 kWh more in the baseline hour than during the event.
      const high = { producedWh: response + 1_000n, consumedWh: 500n };
      const low = { producedWh: 1_000n, consumedWh: 500n };
      return {
        provider: l.provider,
        meter: providerOf(l).meter,
        ...(requestedW < 0n ? { baseline: high, during: low } : { baseline: low, during: high }),
      };
    }),
  );
  log(
    `Readings batch ${proven.bundle.batchId} anchored  tx ${proven.tx}  (${proven.bundle.readings.length} device-signed readings)`,
  );
  const measured = await tdva.reportReadings(
    eventId,
    settleLines,
    proven.bundle,
    providers[0]!.account,
  );
  log(
    `Measured ${measured.measured.length} responses  tx ${measured.tx}  (submitted by a provider)`,
  );
  const verify = await tdva.verify(eventId, providers[0]!.account);
  log(
    `Verify   tx ${verify.tx}  block ${verify.block}  (node ${underBus} delivered ${underShare * 100} %)`,
  );

  // 7. Settle: subsidies at the offered segment prices, penalty for the under-delivery.
  const settle = await tdva.settle(eventId, settleLines, verify.deliveredWh);
  log(`Settle   tx ${settle.tx}  block ${settle.block}`);

  // 8. Pull payments: every provider and the operator withdraw what they are owed.
  const withdrawals = await tdva.withdraw([tdva.operator, ...providers.map((p) => p.account)]);
  const links = await tdva.checkLinks(eventId);

  // 9. Voltages after: the delivered reductions applied to the snapshot.
  const profile = deliveredProfile(
    network,
    before,
    lines.map((l, i) => ({ bus: providerOf(l).bus, deliveredWh: deliveredWh[i]! })),
    durationS,
  );
  log(
    `voltages after: max ${profile.after.maxVoltage.vPu.toFixed(4)} pu at node ${profile.after.maxVoltage.bus}; within limits: ${profile.withinLimits}`,
  );

  const key = (a: Address) => a.toLowerCase();
  const withdrawn = new Map(withdrawals.map((w) => [key(w.account), w.amount]));
  const settled = new Map(settle.providers.map((s) => [key(s.provider), s]));
  const totalWithdrawn = withdrawals.reduce((a, w) => a + w.amount, 0n);
  const { record } = settle;
  return {
    eventId: eventId.toString(),
    feeder: network.name,
    chainId: chain.deployment.chainId,
    stages: [trigger, dispatch, proven, measured, verify, settle].map((s) => ({
      stage: s.label,
      tx: s.tx,
      block: s.block,
      gasUsed: s.gasUsed,
    })),
    setupTransactions: setupTxs,
    hashLinksVerified: links.ok,
    voltages: profile.voltages,
    limits: { vMinPu: network.limits.vMinPu, vMaxPu: network.limits.vMaxPu },
    before: { maxVoltage: before.maxVoltage, violations: before.violations.length },
    after: { maxVoltage: profile.after.maxVoltage, violations: profile.after.violations.length },
    voltagesWithinLimitsAfter: profile.withinLimits,
    dispatch: {
      method: plan.method,
      totalCost: plan.totalCost,
      clearingPrice: plan.clearingPrice,
      safetyRounds: plan.safetyRounds,
      status: plan.status,
    },
    providers: lines.map((l, i) => ({
      address: l.provider,
      bus: providerOf(l).bus,
      allocationW: l.allocationW,
      deliveredWh: Number(deliveredWh[i]!),
      paymentBaseUnits: (settled.get(key(l.provider))?.payment ?? 0n).toString(),
      penaltyBaseUnits: (settled.get(key(l.provider))?.penalty ?? 0n).toString(),
      withdrawnBaseUnits: (withdrawn.get(key(l.provider)) ?? 0n).toString(),
    })),
    budget: {
      lockedBaseUnits: budget.toString(),
      paidBaseUnits: record.paid.toString(),
      penaltiesBaseUnits: record.penalties.toString(),
      refundBaseUnits: record.refund.toString(),
    },
    // Everything locked left the contract again: payments to providers plus the refund.
    moneyConserved: totalWithdrawn === budget && record.paid + record.refund === budget,
    fingerprints: {
      triggerData: trigger.document.keccak256,
      safetyReport: dispatch.document.keccak256,
      meterData: proven.document.keccak256,
    },
  };
}

/** The HTML twin of the report: voltage profile before/after (001 Figs. 6-7) and the TDVA tables. */
export function renderDispatchReport(report: DispatchDemoReport): string {
  const busNo = (id: string) => Number(id);
  const sections: Section[] = [
    {
      heading: "Voltage profile",
      text: `Node ${report.before.maxVoltage.bus} was at ${report.before.maxVoltage.vPu.toFixed(4)} pu before the event and the feeder's maximum is ${report.after.maxVoltage.vPu.toFixed(4)} pu after it; within limits after: ${report.voltagesWithinLimitsAfter ? "yes" : "NO"}.`,
      charts: [
        {
          title: "Bus voltages before and after dispatch",
          xLabel: "node",
          yLabel: "voltage (pu)",
          series: [
            { name: "before", points: report.voltages.map((v) => [busNo(v.bus), v.beforePu]) },
            { name: "after", points: report.voltages.map((v) => [busNo(v.bus), v.afterPu]) },
          ],
          guides: [
            { y: report.limits.vMaxPu, label: `max ${report.limits.vMaxPu} pu` },
            { y: report.limits.vMinPu, label: `min ${report.limits.vMinPu} pu` },
          ],
        },
      ],
      tables: [
        {
          title: "Voltages (pu)",
          columns: ["node", "before", "after"],
          rows: report.voltages.map((v) => [v.bus, v.beforePu.toFixed(4), v.afterPu.toFixed(4)]),
        },
      ],
    },
    {
      heading: `TDVA event ${report.eventId}`,
      text: `Hash links Trigger → Dispatch → Verify → Settle verified on-chain: ${report.hashLinksVerified ? "yes" : "NO"}.`,
      tables: [
        {
          title: "Stages",
          columns: ["stage", "block", "gas", "transaction"],
          rows: report.stages.map((s) => [s.stage, s.block, s.gasUsed, s.tx]),
        },
        {
          title: "Providers (amounts in GLT base units, 10^-6 GLT)",
          columns: [
            "node",
            "provider",
            "allocated W",
            "delivered Wh",
            "payment",
            "penalty",
            "withdrawn",
          ],
          rows: report.providers.map((p) => [
            p.bus,
            p.address,
            p.allocationW,
            p.deliveredWh,
            p.paymentBaseUnits,
            p.penaltyBaseUnits,
            p.withdrawnBaseUnits,
          ]),
        },
        {
          title: "Budget (GLT base units)",
          columns: ["locked", "paid", "penalties", "refunded", "conserved"],
          rows: [
            [
              report.budget.lockedBaseUnits,
              report.budget.paidBaseUnits,
              report.budget.penaltiesBaseUnits,
              report.budget.refundBaseUnits,
              report.moneyConserved ? "yes" : "NO",
            ],
          ],
        },
      ],
    },
  ];
  return renderReport("GridLedger demo: demand-response dispatch on the 6-node feeder", sections);
}
