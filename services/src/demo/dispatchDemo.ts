import { fingerprintJson } from "@gridledger/domain/fingerprint";
import { meterCertificateTypedData, offerTypedData } from "@gridledger/protocol";
import { parseEventLogs, type Address, type Hex } from "viem";
import { abis } from "@gridledger/protocol";
import { contractAddress } from "../chain/deployment.ts";
import { BaseError } from "@gridledger/domain/errors";
import type { ContentStore } from "../storage/contentStore.ts";
import { loadShippedNetwork } from "@gridledger/domain/networks";
import { applyInjections, solvePowerFlow, type PowerFlowResult } from "@gridledger/domain/grid";
import { optimiseDispatch, type DispatchResult } from "@gridledger/domain/dispatch";
import type { DemoChain } from "./liveDevnet.ts";
import { renderReport, type Section } from "./htmlReport.ts";

/**
 * `gridledger demo dispatch`: the demand-response event of 001 section 4 on a live devnet.
 * Node 6 of the 6-node feeder over-generates at midday and its voltage leaves the band; the
 * operator triggers an event, four DER providers (nodes 1, 2, 5, 6) sign offers, the optimiser
 * allocates the reduction in merit order under a power-flow safety check, the dispatch is
 * recorded, the meters' readings are verified (one provider under-delivers) and settlement pays
 * from the budget with a penalty. Voltages before and after show the event worked.
 */

/** Feeder id under which the demo's providers are registered (the 6-node feeder). */
export const DEMO_FEEDER_ID = 6;
/** 1 GLT = 10^6 base units: quotes in GLT/kWh become integer base units per kWh on-chain. */
const BASE_UNITS = 1_000_000;

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
] as const;

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

const pack = (capacityW: number, price: number) => (BigInt(capacityW) << 64n) | BigInt(price);

async function storeJson(
  store: ContentStore | undefined,
  value: unknown,
): Promise<{ hash: Hex; cid: string }> {
  const fp = await fingerprintJson(value);
  if (store) {
    const { cid } = await store.putJson(value);
    await store.pin(cid);
    return { hash: fp.keccak256, cid };
  }
  return { hash: fp.keccak256, cid: fp.cid };
}

/** Registers and approves the demo's providers on feeder 6 and binds their meters (idempotent). */
async function ensureProviders(chain: DemoChain, log: (l: string) => void): Promise<number> {
  const registry = contractAddress(chain.deployment, "ParticipantRegistry");
  const abi = abis.ParticipantRegistry;
  const prosumerRole = await chain.publicClient.readContract({
    address: registry,
    abi,
    functionName: "PROSUMER_ROLE",
  });
  let sent = 0;
  for (const p of PROVIDERS) {
    const account = chain.address(p.account);
    const record = await chain.publicClient.readContract({
      address: registry,
      abi,
      functionName: "participant",
      args: [account],
    });
    if (record.status === 0) {
      const details = await fingerprintJson({
        demo: "dispatch",
        bus: p.bus,
        kind: p.kind,
        feeder: DEMO_FEEDER_ID,
      });
      await chain.write("apply", p.account, {
        address: registry,
        abi,
        functionName: "applyAsParticipant",
        args: [p.kind, p.renewable, DEMO_FEEDER_ID, Number(p.bus), details.keccak256, details.cid],
      });
      sent++;
    }
    if (record.status !== 2) {
      const application = await chain.publicClient.readContract({
        address: registry,
        abi,
        functionName: "applicationHash",
        args: [account],
      });
      await chain.write("approve", 0, {
        address: registry,
        abi,
        functionName: "approve",
        args: [account, prosumerRole, application],
      });
      sent++;
    }
    const meter = chain.address(p.meter);
    const bound = await chain.publicClient.readContract({
      address: registry,
      abi,
      functionName: "participantOfMeter",
      args: [meter],
    });
    if (bound.toLowerCase() !== account.toLowerCase()) {
      const expiry = BigInt((await chain.latestTimestamp()) + 365 * 86_400);
      const nonce = BigInt(
        `0x${(await fingerprintJson({ meter, account, expiry: expiry.toString() })).keccak256.slice(2, 18)}`,
      );
      const signature = await chain.wallet(0).signTypedData({
        ...meterCertificateTypedData(chain.deployment.chainId, registry),
        message: { meter, participant: account, expiry, nonce },
      });
      // Anyone may submit the operator-signed certificate; the operator pays the gas here.
      await chain.write("bindMeter", 0, {
        address: registry,
        abi,
        functionName: "bindMeter",
        args: [meter, account, expiry, nonce, signature],
      });
      sent++;
    }
  }
  if (sent > 0)
    log(`registered the four DER providers on feeder ${DEMO_FEEDER_ID} (${sent} transactions)`);
  return sent;
}

function voltageOf(result: PowerFlowResult, bus: string): number {
  return result.buses.find((b) => b.id === bus)!.vPu;
}

/** Runs the whole TDVA event and returns the report (also what the CLI prints as JSON). */
export async function runDispatchDemo(
  chain: DemoChain,
  options: DispatchDemoOptions,
): Promise<DispatchDemoReport> {
  const log = options.log;
  const durationS = options.durationS ?? 3_600;
  const durationH = durationS / 3_600;
  const underBus = options.underDelivererBus ?? "2";
  const underShare = options.underDeliveryShare ?? 0.8;
  const dispatchAddress = contractAddress(chain.deployment, "DispatchRegistry");
  const tokenAddress = contractAddress(chain.deployment, "GridToken");
  const dispatchAbi = abis.DispatchRegistry;
  const tokenAbi = abis.GridToken;

  // 1. The alarm: a power flow of the midday snapshot shows node 6 above the band.
  const network = loadShippedNetwork("six-node");
  const before = solvePowerFlow(network);
  const over = before.violations.filter((v) => v.type === "overvoltage");
  if (over.length === 0)
    throw new BaseError("the 6-node snapshot shows no over-voltage: nothing to dispatch");
  log(
    `power flow: max voltage ${before.maxVoltage.vPu.toFixed(4)} pu at node ${before.maxVoltage.bus} (limit ${network.limits.vMaxPu} pu)`,
  );

  const setupTxs = await ensureProviders(chain, log);

  // 2. Dispatch plan first (off-chain), so the trigger asks for what clears the violation.
  const offers = PROVIDERS.map((p) => ({
    id: chain.address(p.account),
    bus: p.bus,
    maxKW: p.maxKW,
    ...("maxKWh" in p ? { maxKWh: p.maxKWh } : {}),
    segments: p.segments.map((s) => ({ kw: s.kw, price: s.price })),
  }));
  const deltaTotalKW = options.deltaTotalKW ?? 700;
  const plan = optimiseDispatch({
    deltaTotalKW,
    durationH,
    injectionChange: "decrease",
    offers,
    network,
    method: "exact",
  });
  if (plan.status !== "optimal" || !plan.safety)
    throw new BaseError(`the optimiser found no safe allocation (${plan.status})`);
  log(
    `optimiser: ${plan.allocations.map((a) => `${a.bus}:${a.kw} kW`).join(", ")}; cost ${plan.totalCost.toFixed(2)} GLT; safe=${plan.safety.safe}`,
  );

  // 3. Trigger: budget locked from the operator's balance (approve, then trigger).
  const operator = chain.address(0);
  const budget = BigInt(Math.ceil(plan.totalCost * 1.25 * BASE_UNITS));
  const balance = await chain.publicClient.readContract({
    address: tokenAddress,
    abi: tokenAbi,
    functionName: "balanceOf",
    args: [operator],
  });
  if (balance < budget)
    await chain.write("mint", 0, {
      address: tokenAddress,
      abi: tokenAbi,
      functionName: "mint",
      args: [operator, budget],
    });
  await chain.write("approve", 0, {
    address: tokenAddress,
    abi: tokenAbi,
    functionName: "approve",
    args: [dispatchAddress, budget],
  });
  const alarm = await storeJson(options.store, {
    kind: "voltage-alarm",
    network: network.name,
    maxVoltage: before.maxVoltage,
    violations: before.violations,
    buses: before.buses.map((b) => ({ id: b.id, vPu: b.vPu })),
  });
  const now = await chain.latestTimestamp();
  const quoteDeadline = now + 60;
  const start = now + 120;
  const eventId = await chain.publicClient.readContract({
    address: dispatchAddress,
    abi: dispatchAbi,
    functionName: "eventCount",
  });
  const stages: StageRow[] = [];
  const triggerTx = await chain.write("trigger", 0, {
    address: dispatchAddress,
    abi: dispatchAbi,
    functionName: "trigger",
    args: [
      {
        reason: 1, // OverVoltage
        feederId: DEMO_FEEDER_ID,
        requestedW: -BigInt(Math.round(deltaTotalKW * 1000)),
        start,
        duration: durationS,
        quoteDeadline,
        budget,
        dataHash: alarm.hash,
        dataCid: alarm.cid,
      },
    ],
  });
  const eventIdFromLogs =
    parseEventLogs({
      abi: dispatchAbi,
      eventName: "TdvaTriggered",
      logs: (await chain.publicClient.getTransactionReceipt({ hash: triggerTx.hash })).logs,
    })[0]?.args.eventId ?? eventId;
  stages.push({
    stage: "Trigger",
    tx: triggerTx.hash,
    block: triggerTx.block,
    gasUsed: triggerTx.gasUsed,
  });
  log(`Trigger  event ${eventIdFromLogs}  tx ${triggerTx.hash}  block ${triggerTx.block}`);

  // 4. Offers: each provider signs its quote (EIP-712); the operator carries them into dispatch.
  const signedAt = now + 1;
  const byAddress = PROVIDERS.map((p, i) => ({ p, allocation: plan.allocations[i]! })).sort(
    (a, b) => (BigInt(chain.address(a.p.account)) < BigInt(chain.address(b.p.account)) ? -1 : 1),
  );
  const signed: {
    provider: Address;
    maxPowerW: number;
    maxEnergyWh: bigint;
    signedAt: number;
    segments: bigint[];
    signature: Hex;
  }[] = [];
  for (const { p } of byAddress) {
    const provider = chain.address(p.account);
    const segments = p.segments.map((s) => pack(s.kw * 1000, Math.round(s.price * BASE_UNITS)));
    const maxEnergyWh = BigInt(Math.round(("maxKWh" in p ? p.maxKWh : p.maxKW * durationH) * 1000));
    const signature = await chain.wallet(p.account).signTypedData({
      ...offerTypedData(chain.deployment.chainId, dispatchAddress),
      message: {
        eventId: eventIdFromLogs,
        provider,
        maxPowerW: p.maxKW * 1000,
        maxEnergyWh,
        signedAt,
        segments,
      },
    });
    signed.push({
      provider,
      maxPowerW: p.maxKW * 1000,
      maxEnergyWh,
      signedAt,
      segments,
      signature,
    });
  }

  // 5. Dispatch: allocations + the safety report's fingerprint; merit order claimed when the
  //    safety loop did not have to constrain the optimum.
  const safety = await storeJson(options.store, plan.safety);
  const dispatchTx = await chain.write("dispatch", 0, {
    address: dispatchAddress,
    abi: dispatchAbi,
    functionName: "dispatch",
    args: [
      eventIdFromLogs,
      signed,
      byAddress.map((x) => x.allocation.watts),
      safety.hash,
      safety.cid,
      plan.constraints.length === 0,
    ],
  });
  stages.push({
    stage: "Dispatch",
    tx: dispatchTx.hash,
    block: dispatchTx.block,
    gasUsed: dispatchTx.gasUsed,
  });
  log(
    `Dispatch tx ${dispatchTx.hash}  block ${dispatchTx.block}  (safety report ${safety.hash.slice(0, 10)}…)`,
  );

  // 6. The event window passes (the devnet clock is moved), meters read the delivered energy.
  await chain.increaseTime(start + durationS + 1 - (await chain.latestTimestamp()));
  const deliveredWh = byAddress.map(({ p, allocation }) =>
    Math.floor(allocation.watts * durationH * (p.bus === underBus ? underShare : 1)),
  );
  const meterData = await storeJson(options.store, {
    kind: "meter-readings",
    eventId: eventIdFromLogs.toString(),
    readings: byAddress.map(({ p }, i) => ({
      meter: chain.address(p.meter),
      provider: chain.address(p.account),
      deliveredWh: deliveredWh[i],
    })),
  });
  const verifyTx = await chain.write("verify", 0, {
    address: dispatchAddress,
    abi: dispatchAbi,
    functionName: "verify",
    args: [eventIdFromLogs, deliveredWh.map(BigInt), meterData.hash, meterData.cid],
  });
  stages.push({
    stage: "Verify",
    tx: verifyTx.hash,
    block: verifyTx.block,
    gasUsed: verifyTx.gasUsed,
  });
  log(
    `Verify   tx ${verifyTx.hash}  block ${verifyTx.block}  (node ${underBus} delivered ${underShare * 100} %)`,
  );

  // 7. Settle: subsidies at the offered segment prices, penalty for the under-delivery.
  const settleTx = await chain.write("settle", 0, {
    address: dispatchAddress,
    abi: dispatchAbi,
    functionName: "settle",
    args: [
      eventIdFromLogs,
      byAddress.map(({ allocation }, i) => ({
        provider: signed[i]!.provider,
        allocationW: allocation.watts,
        segments: signed[i]!.segments,
      })),
      deliveredWh.map(BigInt),
    ],
  });
  stages.push({
    stage: "Settle",
    tx: settleTx.hash,
    block: settleTx.block,
    gasUsed: settleTx.gasUsed,
  });
  log(`Settle   tx ${settleTx.hash}  block ${settleTx.block}`);
  const settleLogs = parseEventLogs({
    abi: dispatchAbi,
    logs: (await chain.publicClient.getTransactionReceipt({ hash: settleTx.hash })).logs,
  });
  const perProvider = new Map<string, { payment: bigint; penalty: bigint }>();
  let record: { paid: bigint; penalties: bigint; refund: bigint } | undefined;
  for (const l of settleLogs) {
    if (l.eventName === "ProviderSettled")
      perProvider.set(l.args.provider.toLowerCase(), {
        payment: l.args.payment,
        penalty: l.args.penalty,
      });
    if (l.eventName === "TdvaSettled") record = l.args.record;
  }
  if (!record) throw new BaseError("settlement emitted no TdvaSettled event");

  // 8. Pull payments: every provider and the operator withdraw what they are owed.
  const withdrawn = new Map<string, bigint>();
  const payees: [number, Address][] = [
    [0, operator],
    ...byAddress.map(({ p }) => [p.account, chain.address(p.account)] as [number, Address]),
  ];
  for (const [index, account] of payees) {
    const owed = await chain.publicClient.readContract({
      address: dispatchAddress,
      abi: dispatchAbi,
      functionName: "balanceOf",
      args: [account],
    });
    if (owed > 0n) {
      await chain.write("withdraw", index, {
        address: dispatchAddress,
        abi: dispatchAbi,
        functionName: "withdraw",
        args: [],
      });
      withdrawn.set(account.toLowerCase(), owed);
    }
  }
  const [linksOk] = await chain.publicClient.readContract({
    address: dispatchAddress,
    abi: dispatchAbi,
    functionName: "checkLinks",
    args: [eventIdFromLogs],
  });

  // 9. Voltages after: the delivered reductions applied to the snapshot.
  const afterNetwork = applyInjections(
    network,
    byAddress.map(({ p }, i) => ({ bus: p.bus, kw: -deliveredWh[i]! / durationH / 1000, kvar: 0 })),
  );
  const after = solvePowerFlow(afterNetwork);
  const voltages = before.buses.map((b) => ({
    bus: b.id,
    beforePu: b.vPu,
    afterPu: voltageOf(after, b.id),
  }));
  const within = voltages.every(
    (v) => v.afterPu >= network.limits.vMinPu && v.afterPu <= network.limits.vMaxPu,
  );
  log(
    `voltages after: max ${after.maxVoltage.vPu.toFixed(4)} pu at node ${after.maxVoltage.bus}; within limits: ${within}`,
  );

  const providers = byAddress.map(({ p, allocation }, i) => {
    const address = chain.address(p.account);
    const s = perProvider.get(address.toLowerCase()) ?? { payment: 0n, penalty: 0n };
    return {
      address,
      bus: p.bus,
      allocationW: allocation.watts,
      deliveredWh: deliveredWh[i]!,
      paymentBaseUnits: s.payment.toString(),
      penaltyBaseUnits: s.penalty.toString(),
      withdrawnBaseUnits: (withdrawn.get(address.toLowerCase()) ?? 0n).toString(),
    };
  });
  const totalWithdrawn = [...withdrawn.values()].reduce((a, b) => a + b, 0n);
  return {
    eventId: eventIdFromLogs.toString(),
    feeder: network.name,
    chainId: chain.deployment.chainId,
    stages,
    setupTransactions: setupTxs,
    hashLinksVerified: linksOk,
    voltages,
    limits: { vMinPu: network.limits.vMinPu, vMaxPu: network.limits.vMaxPu },
    before: { maxVoltage: before.maxVoltage, violations: before.violations.length },
    after: { maxVoltage: after.maxVoltage, violations: after.violations.length },
    voltagesWithinLimitsAfter: within,
    dispatch: {
      method: plan.method,
      totalCost: plan.totalCost,
      clearingPrice: plan.clearingPrice,
      safetyRounds: plan.safetyRounds,
      status: plan.status,
    },
    providers,
    budget: {
      lockedBaseUnits: budget.toString(),
      paidBaseUnits: record.paid.toString(),
      penaltiesBaseUnits: record.penalties.toString(),
      refundBaseUnits: record.refund.toString(),
    },
    // Everything locked left the contract again: payments to providers plus the refund.
    moneyConserved: totalWithdrawn === budget && record.paid + record.refund === budget,
    fingerprints: { triggerData: alarm.hash, safetyReport: safety.hash, meterData: meterData.hash },
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
