// The browser suite's cases, in order: each one leaves the chain as the next one expects.
import type { Page } from "playwright-core";
import { decodeFunctionResult, encodeFunctionData, type Hex } from "viem";
import { abis, ReadingVerdict } from "@gridledger/protocol";
import { fingerprintJson } from "@gridledger/domain/fingerprint";
import {
  API_URL,
  DEVNET_KEYS,
  apiPost,
  apiSignIn,
  gatewayBatch,
  gatewayBundle,
  rpc,
  tamperStoredDocument,
  tdvaWindows,
  type Deployment,
} from "./env.ts";

export type Suite = {
  page: Page;
  deployment: Deployment;
  api: boolean;
  appUrl: string;
  shot: (name: string) => Promise<void>;
};

export type Case = { name: string; needsApi?: boolean; run: (s: Suite) => Promise<void> };

/** Connects devnet account #index through the wallet menu (disconnecting whoever is connected). */
export async function connectDevnet(page: Page, index: number): Promise<void> {
  const disconnect = page.getByRole("button", { name: "Disconnect" });
  if (await disconnect.isVisible()) await disconnect.click();
  const menu = page.getByTestId("devnet-menu");
  if (!(await menu.getAttribute("open"))) await menu.locator("summary").click();
  await page.getByTestId(`devnet-${index}`).click();
  await page.getByTestId("wallet-address").waitFor();
}

async function goto(s: Suite, route: string): Promise<void> {
  if (!s.page.url().startsWith(s.appUrl)) {
    await s.page.goto(`${s.appUrl}/#/${route}`);
    return;
  }
  await s.page.evaluate((r) => (window.location.hash = r), `#/${route}`);
}

/** The card whose heading is `title`. */
function card(s: Suite, title: string) {
  return s.page.locator("section.card").filter({ has: s.page.locator("h2", { hasText: title }) });
}

/** Waits until the card's last transaction succeeded, failing fast with the decoded error. */
async function txOk(s: Suite, title: string, label: string): Promise<void> {
  const c = card(s, title);
  const ok = c.getByTestId("tx-ok").filter({ hasText: label });
  const err = c.getByTestId("tx-error");
  await Promise.race([
    ok.waitFor(),
    err.waitFor().then(async () => {
      throw new Error(`${label}: ${await err.innerText()}`);
    }),
  ]);
}

const MINUTE = 60;
/** Moves the devnet's clock forward and waits until the app has seen the new block. */
async function advance(s: Suite, seconds: number): Promise<void> {
  await rpc("evm_increaseTime", [seconds]);
  await rpc("evm_mine");
  const head = BigInt((await rpc("eth_blockNumber")) as string);
  await s.page
    .getByTestId("chain-badge")
    .filter({ hasText: `#${head}` })
    .waitFor();
}

/** An event's Trigger, Dispatch and Verify records, read straight from the devnet. */
async function tdvaChainOf(s: Suite, eventId: bigint) {
  const abi = abis.DispatchRegistry;
  const data = await rpc("eth_call", [
    {
      to: s.deployment.contracts.DispatchRegistry!.address,
      data: encodeFunctionData({ abi, functionName: "tdvaChain", args: [eventId] }),
    },
    "latest",
  ]);
  const [t, d, v] = decodeFunctionResult({ abi, functionName: "tdvaChain", data: data as Hex });
  return { t, d, v };
}

/**
 * Every CID the event's records carry on-chain (alarm, safety report, meter data) resolves
 * through the API to a document with exactly that fingerprint: the web app stored each one.
 */
async function documentsResolve(s: Suite, eventId: bigint): Promise<void> {
  const { t, d, v } = await tdvaChainOf(s, eventId);
  // Verify links no document of its own: its numbers come from proven readings in the
  // MeteringLedger's batches (decision 0207), so its CID stays empty.
  if (v.meterDataCid !== "") throw new Error(`verify names a document: ${v.meterDataCid}`);
  for (const [cid, hash] of [
    [t.dataCid, t.dataHash],
    [d.safetyReportCid, d.safetyReportHash],
  ] as const) {
    const res = await fetch(`${API_URL}/v1/dispatch/documents/${cid}`);
    if (!res.ok) throw new Error(`document ${cid} on-chain does not resolve: ${res.status}`);
    const fp = await fingerprintJson(await res.json());
    if (fp.cid !== cid || fp.keccak256 !== hash)
      throw new Error(`document ${cid} read back as ${fp.cid} / ${fp.keccak256}, recorded ${hash}`);
  }
}

/** A uint256 view of a deployed contract, read straight from the devnet (not through the app). */
async function readUint(
  s: Suite,
  name: "DispatchRegistry" | "GridToken",
  account: Hex,
): Promise<bigint> {
  const abi = abis[name];
  const data = await rpc("eth_call", [
    {
      to: s.deployment.contracts[name]!.address,
      data: encodeFunctionData({ abi, functionName: "balanceOf", args: [account] }),
    },
    "latest",
  ]);
  return BigInt(data as string);
}

/**
 * The connected account withdraws its dispatch balance from the card: the card's figure goes to
 * 0, the registry's balance is 0 and the wallet's token balance rose by exactly what was owed.
 */
async function withdrawDispatch(s: Suite, account: Hex): Promise<bigint> {
  const c = card(s, "Your dispatch balance");
  const owed = await readUint(s, "DispatchRegistry", account);
  if (owed === 0n) throw new Error(`${account} is owed nothing to withdraw`);
  const before = await readUint(s, "GridToken", account);
  await c.locator(`[data-testid="dispatch-owed"][data-units="${owed}"]`).waitFor();
  await c.getByTestId("dispatch-withdraw").click();
  await txOk(s, "Your dispatch balance", "Withdraw");
  await c.getByTestId("dispatch-withdrawn").filter({ hasText: "Withdrew" }).waitFor();
  await c.locator('[data-testid="dispatch-owed"][data-units="0"]').waitFor();
  await c.getByTestId("dispatch-nothing-owed").waitFor();
  if (!(await c.getByTestId("dispatch-withdraw").isDisabled()))
    throw new Error("Withdraw stays enabled with nothing owed");
  const after = await readUint(s, "GridToken", account);
  if (after - before !== owed)
    throw new Error(`wallet rose by ${after - before}, ${owed} was owed`);
  await c.locator(`[data-testid="dispatch-wallet"][data-units="${after}"]`).waitFor();
  if ((await readUint(s, "DispatchRegistry", account)) !== 0n)
    throw new Error(`${account} still has a dispatch balance after withdrawing`);
  return owed;
}

async function deposit(s: Suite, amount: string): Promise<void> {
  await goto(s, "account");
  const c = card(s, "Market balance");
  await c.getByTestId("funds-amount").fill(amount);
  await c.getByRole("button", { name: "Deposit", exact: true }).click();
  await txOk(s, "Market balance", "Deposit with permit");
  await c.getByTestId("market-available").filter({ hasText: amount }).waitFor();
}

async function placeOrder(
  s: Suite,
  side: "0" | "1",
  price: string,
  kwh: string,
  escrow: string,
): Promise<void> {
  await goto(s, "market");
  const c = card(s, "Place an order");
  await c.getByTestId("order-side").selectOption(side);
  await c.getByTestId("order-price").fill(price);
  await c.getByTestId("order-kwh").fill(kwh);
  await c
    .getByTestId("escrow-preview")
    .filter({ hasText: `${escrow} GLT` })
    .waitFor();
  await c.getByRole("button", { name: "Sign and place" }).click();
  await txOk(s, "Place an order", side === "0" ? "Bid" : "Ask");
}

export const cases: Case[] = [
  {
    name: "account page shows the connected devnet account, its roles and token balance",
    async run(s) {
      await s.page.goto(`${s.appUrl}/#/account`);
      await s.page.getByTestId("chain-badge").filter({ hasText: "#" }).waitFor();
      await connectDevnet(s.page, 1);
      await s.page
        .getByTestId("account-address")
        .filter({ hasText: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" })
        .waitFor();
      await s.page.getByTestId("roles").filter({ hasText: "prosumer" }).waitFor();
      await s.page.getByTestId("token-balance").filter({ hasText: "10,000" }).waitFor();
      await s.shot("account");
    },
  },
  {
    name: "faucet drips once and the second claim shows the decoded cooldown error",
    async run(s) {
      await s.page.getByRole("button", { name: /faucet/ }).click();
      await s.page.getByTestId("tx-ok").waitFor();
      await s.page.getByTestId("token-balance").filter({ hasText: "11,000" }).waitFor();
      await s.page.getByRole("button", { name: /faucet/ }).click();
      await s.page
        .getByTestId("tx-error")
        .filter({ hasText: "Grid token faucet cooldown" })
        .waitFor();
      await s.shot("account-faucet-error");
    },
  },
  {
    name: "explorer lists recent blocks and decoded GridLedger events",
    async run(s) {
      await goto(s, "explorer");
      await s.page.getByTestId("events").filter({ hasText: "FaucetDripped" }).waitFor();
      // Paged: 10 events a page, newest first; the seeded approvals are on a later page.
      const pager = s.page.getByTestId("events-pager");
      await pager.getByText(/Page 1 of ([2-9]|\d{2,})$/).waitFor();
      const rows = s.page.getByTestId("events").locator("tbody tr");
      if ((await rows.count()) !== 10)
        throw new Error(`page 1 shows ${await rows.count()} events, not 10`);
      await s.shot("explorer");
      const approved = s.page.getByTestId("events").filter({ hasText: "ParticipantApproved" });
      for (let i = 0; i < 20 && !(await approved.isVisible()); i++)
        await pager.getByRole("button", { name: "Next" }).click();
      await approved.waitFor();
      await pager.getByRole("combobox").selectOption("25");
      await pager.getByText(/Page 1 of/).waitFor();
    },
  },

  {
    name: "a newcomer applies, the operator approves it and binds, then revokes, its meter",
    async run(s) {
      const newcomer = "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f"; // devnet #8
      const meter = "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720"; // devnet #9
      await goto(s, "account");
      await connectDevnet(s.page, 8);
      const c = card(s, "Participant");
      await c.getByRole("button", { name: "Apply" }).click();
      await txOk(s, "Participant", "Apply");
      await s.page.getByTestId("participant-status").filter({ hasText: "Applied" }).waitFor();
      await connectDevnet(s.page, 0);
      await goto(s, "admin");
      await s.page.getByTestId(`approve-${newcomer}`).click();
      await txOk(s, "Participants", "Approve");
      await s.page
        .getByTestId("participants")
        .locator("tr", { hasText: "0x2361" })
        .filter({ hasText: "Approved" })
        .waitFor();
      const m = card(s, "Meters");
      await m.getByPlaceholder("0x…").first().fill(meter);
      await m.getByPlaceholder("0x…").nth(1).fill(newcomer);
      await m.getByRole("button", { name: "Sign certificate and bind" }).click();
      await txOk(s, "Meters", "Bind meter");
      const row = s.page.getByTestId("meters").locator("tr", { hasText: "0xa0Ee" });
      await row.waitFor();
      await row.getByRole("button", { name: "Revoke" }).click();
      await txOk(s, "Meters", "Revoke meter");
      await row.waitFor({ state: "detached" });
    },
  },
  {
    name: "operator opens a delivery period with grid prices and bond, then its day-ahead interval",
    async run(s) {
      await connectDevnet(s.page, 0);
      await goto(s, "admin");
      const p = card(s, "Open a delivery period");
      await p.getByTestId("period-starts").fill("30");
      await p.getByTestId("period-grid").fill("0.25");
      await p.getByTestId("period-feedin").fill("0.05");
      await p.getByTestId("period-bond").fill("0.01");
      await p.getByTestId("period-min").fill("0.01");
      await p.getByTestId("open-period").click();
      await txOk(s, "Open a delivery period", "Open period");
      const c = card(s, "Open an interval");
      await c.getByTestId("periods").locator("tbody tr", { hasText: "0.25 / 0.05" }).waitFor();
      await c.getByTestId("interval-period").selectOption("1");
      await c.getByTestId("interval-kind").selectOption("0");
      await c.getByTestId("interval-gate").fill("10");
      await c.getByTestId("open-interval").click();
      await txOk(s, "Open an interval", "Open interval");
      await c.getByTestId("periods").locator("tbody tr", { hasText: "1 (0)" }).waitFor();
      await s.shot("operator");
    },
  },
  {
    name: "a seller and a buyer deposit with permit and place crossing orders with the escrow shown first",
    async run(s) {
      await connectDevnet(s.page, 1);
      await deposit(s, "100");
      await placeOrder(s, "1", "0.10", "5", "0.75");
      await connectDevnet(s.page, 4);
      await deposit(s, "100");
      await placeOrder(s, "0", "0.15", "4", "0.6"); // max(bid, bond) × 4 kWh
      await s.page.getByTestId("order-book").locator("tbody tr").nth(1).waitFor();
      await card(s, "Market balance").count();
      await s.page.getByTestId("depth-chart").waitFor();
      await s.shot("market-book");
    },
  },
  {
    name: "operator clears after gate closure and the match appears with its price",
    async run(s) {
      await advance(s, 25 * MINUTE);
      await connectDevnet(s.page, 0);
      await goto(s, "market");
      await s.page.getByTestId("clear-button").click();
      await txOk(s, "Clearing and settlement", "Clear");
      const row = s.page.getByTestId("matches").locator("tbody tr").first();
      await row.filter({ hasText: "4 kWh" }).filter({ hasText: "0.125" }).waitFor();
      await s.page.getByTestId("clearing-summary").filter({ hasText: "0.5 GLT" }).waitFor();
      // Tally: the seller's unmatched 1 kWh frees its escrow, (0.25 − 0.10) × 1 = 0.15 GLT.
      await s.page.getByTestId("tally-button").click();
      await txOk(s, "Clearing and settlement", "Tally");
      await s.page.getByTestId("tally-status").filter({ hasText: "yes" }).waitFor();
      await s.page
        .getByTestId("unmatched")
        .locator("tbody tr")
        .filter({ hasText: "1 kWh" })
        .filter({ hasText: "0.15 GLT" })
        .waitFor();
      await s.shot("market-cleared");
    },
  },
  {
    name: "metering and settlement show the seller's under-delivery compensation",
    async run(s) {
      // The header's devnet clock moves past the newest interval's delivery end (as
      // `gridledger devnet advance --to delivery` would).
      await s.page.getByTestId("chain-time").filter({ hasText: "20" }).waitFor();
      await s.page.getByTestId("advance-delivery").click();
      await s.page.getByTestId("clock-note").filter({ hasText: "delivery end" }).waitFor();
      await s.shot("devnet-clock");
      // The seller's seeded meter (devnet #11) reports 3 kWh through the gateway; the buyer, not
      // the operator, submits the bundle: the proof, not the sender, makes it count.
      const bundle = await gatewayBundle(s.deployment, 11, {
        participant: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
        periodId: 1n,
        producedWh: 3_000n,
        consumedWh: 0n,
        sequence: 1n,
      });
      await connectDevnet(s.page, 4);
      await goto(s, "market");
      const c = card(s, "Proven meter readings");
      await c
        .getByTestId("reading-bundle")
        .fill(bundle.replace('"chainId": 31337', '"chainId": 1'));
      await c.getByTestId("bundle-error").filter({ hasText: "chain 1" }).waitFor();
      await c.getByTestId("reading-bundle").fill(bundle);
      await c.getByTestId("bundle-readings").filter({ hasText: "3 kWh" }).waitFor();
      await c.getByTestId("report-readings").click();
      await txOk(s, "Proven meter readings", "Report readings");
      // The same bundle again is a replay: the market names it.
      await c.getByTestId("report-readings").click();
      await c.getByTestId("tx-error").filter({ hasText: "Market already reported" }).waitFor();
      // A reading the gateway's comparison did not trust cannot settle; anyone may dispute it
      // with evidence, and while the dispute is open the reading stays held.
      const doubted = await gatewayBatch(s.deployment, [
        {
          meterIndex: 12,
          reading: {
            participant: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
            periodId: 1n,
            producedWh: 9_000n,
            consumedWh: 0n,
            sequence: 1n,
          },
          verdict: ReadingVerdict.Untrusted,
        },
      ]);
      await c.getByTestId("reading-bundle").fill(doubted);
      await c.getByTestId("bundle-readings").filter({ hasText: "Untrusted" }).waitFor();
      await c.getByTestId("report-readings").click();
      await c.getByTestId("tx-error").filter({ hasText: "Metering reading untrusted" }).waitFor();
      await c.getByTestId("dispute-evidence").fill("bafkreidevicelog");
      await c.getByTestId("dispute-0").click();
      await c.getByTestId("tx-error").waitFor({ state: "detached" });
      await txOk(s, "Proven meter readings", "Open dispute");
      await c.getByTestId("report-readings").click();
      await c.getByTestId("tx-error").filter({ hasText: "Metering reading disputed" }).waitFor();
      await s.shot("reading-disputed");
      await connectDevnet(s.page, 0);
      await s.page.getByTestId("advance-settlement").click();
      await s.page.getByTestId("clock-note").filter({ hasText: "settlement" }).waitFor();
      await goto(s, "market");
      await s.page.getByTestId("settle-button").click();
      await txOk(s, "Clearing and settlement", "Settle");
      // Seller delivered 3 of 4 kWh (the buyer, without a reading, took what it bought): the buyer
      // pays 3 kWh × 0.125 = 0.375 GLT, and the seller (1 − 0.05 × 4) kWh × (0.25 − 0.125) = 0.1.
      await s.page
        .getByTestId("matches")
        .locator("tbody tr")
        .first()
        .filter({ hasText: "0.375 GLT" })
        .filter({ hasText: "0.1 GLT" })
        .waitFor();
      await s.shot("market-settled");
    },
  },

  {
    name: "trace a seeded product: verified badges, then a tampered record shows the tampered badge",
    needsApi: true,
    async run(s) {
      const supplier = "0x976EA74026E726554dB657fA54763abd0C3a0aa9";
      const token = await apiSignIn(DEVNET_KEYS.supplier);
      const at = (h: number) => new Date(Date.UTC(2026, 10, 1, h)).toISOString();
      await apiPost("/v1/trace/events", token, {
        events: [
          {
            id: "EV-PROD-1",
            type: "produced",
            at: at(8),
            actor: supplier,
            product: { id: "PANEL-X1", name: "PV panel X1" },
            location: { id: "FAB-1", name: "Panel factory" },
            outputs: ["BATCH-001"],
            attributes: { modules: 40, wattPeak: 410 },
          },
          {
            id: "EV-SHIP-1",
            type: "shipped",
            at: at(12),
            actor: supplier,
            inputs: ["BATCH-001"],
            location: { id: "PORT-1", name: "Harbour" },
            attributes: { carrier: "rail" },
          },
          {
            id: "EV-INST-1",
            type: "installed",
            at: at(16),
            actor: supplier,
            inputs: ["BATCH-001"],
            location: { id: "SITE-6", name: "Bus 6 rooftop" },
            attributes: { inverter: "INV-6" },
          },
        ],
      });
      const operator = await apiSignIn(DEVNET_KEYS.operator);
      await apiPost("/v1/anchors/flush", operator, {});
      await goto(s, "trace");
      await s.page.getByTestId("trace-id").fill("BATCH-001");
      await s.page.locator("select").first().selectOption("batches");
      await s.page.getByTestId("trace-search").click();
      const badges = s.page.getByTestId("trace-records").getByTestId("integrity-badge");
      await badges.nth(2).waitFor();
      await s.page
        .getByTestId("trace-records")
        .locator('[data-verdict="verified"]')
        .nth(2)
        .waitFor();
      await s.page
        .getByTestId("trace-records")
        .getByRole("button", { name: "Open" })
        .first()
        .click();
      await s.page.getByTestId("record-detail").filter({ hasText: "Anchor" }).waitFor();
      await s.page.locator('[data-testid="trace-verification"][data-verdict="verified"]').waitFor();
      await s.shot("trace-verified");
      tamperStoredDocument("EV-SHIP-1", '"rail"', '"road"');
      await s.page.getByTestId("trace-search").click();
      await s.page
        .getByTestId("trace-records")
        .locator('[data-verdict="tampered"]')
        .first()
        .waitFor();
      const verified = await s.page
        .getByTestId("trace-records")
        .locator('[data-verdict="verified"]')
        .count();
      if (verified !== 2)
        throw new Error(`expected the 2 untouched records still verified, saw ${verified}`);
      // The trace itself: the edge only the altered record states is no longer vouched for.
      const traceCheck = s.page.locator(
        '[data-testid="trace-verification"][data-verdict="tampered"]',
      );
      await traceCheck.waitFor();
      if (!(await traceCheck.innerText()).includes("CONCERNS|Event:EV-SHIP-1|Batch:BATCH-001"))
        throw new Error(`tampered edge not listed: ${await traceCheck.innerText()}`);
      await s.page
        .getByTestId("trace-records")
        .locator("tr", { has: s.page.locator('[data-verdict="tampered"]') })
        .getByRole("button", { name: "Open" })
        .click();
      await s.page.getByTestId("record-detail").filter({ hasText: "tampered" }).waitFor();
      await s.shot("trace-tampered");
    },
  },
  {
    name: "trace upload: a supplier uploads an events JSON file, traces it verified; a bad file says why",
    needsApi: true,
    async run(s) {
      const supplier = "0x976EA74026E726554dB657fA54763abd0C3a0aa9";
      await goto(s, "trace");
      // A blank id used to do nothing; now it says what is missing.
      await s.page.getByTestId("trace-id").fill("");
      await s.page.getByTestId("trace-search").click();
      await s.page.getByTestId("trace-id-problem").filter({ hasText: "Enter an id" }).waitFor();
      await connectDevnet(s.page, 6);
      const file = s.page.getByTestId("trace-upload-file");
      const status = s.page.getByTestId("trace-upload-status");
      await file.setInputFiles({
        name: "broken.json",
        mimeType: "application/json",
        buffer: Buffer.from('{"events": [ {"id": "EV-UP-1", '),
      });
      await status.filter({ hasText: "not valid JSON" }).waitFor();
      await s.shot("trace-upload-invalid-json");
      // Schema errors come from the API's zod validation, field by field; nothing is stored.
      await file.setInputFiles({
        name: "no-type.json",
        mimeType: "application/json",
        buffer: Buffer.from(JSON.stringify([{ id: "EV-UP-BAD", actor: supplier }])),
      });
      await status.filter({ hasText: "no-type.json: API error" }).waitFor();
      await s.shot("trace-upload-schema-error");
      const at = new Date(Date.UTC(2026, 10, 2, 9)).toISOString();
      await file.setInputFiles({
        name: "events.json",
        mimeType: "application/json",
        buffer: Buffer.from(
          JSON.stringify({
            events: [
              {
                id: "EV-UP-1",
                type: "produced",
                at,
                actor: supplier,
                product: { id: "PANEL-UP", name: "PV panel uploaded" },
                location: { id: "FAB-1", name: "Panel factory" },
                outputs: ["BATCH-UP-1"],
              },
            ],
          }),
        ),
      });
      await status.filter({ hasText: "Stored 1 event(s)" }).waitFor();
      // The form: the batch is shipped on (an input of a "shipped" event).
      await s.page.getByTestId("upload-event-id").fill("EV-UP-2");
      await s.page.getByTestId("trace-upload").locator("select").selectOption("shipped");
      await s.page.getByTestId("upload-event-batch").fill("BATCH-UP-1");
      await s.page.getByTestId("upload-event-submit").click();
      await status.filter({ hasText: "Stored 1 event(s) from the form" }).waitFor();
      const operator = await apiSignIn(DEVNET_KEYS.operator);
      await apiPost("/v1/anchors/flush", operator, {});
      await s.page.getByTestId("trace-id").fill("BATCH-UP-1");
      await s.page.locator("select").first().selectOption("batches");
      await s.page.getByTestId("trace-search").click();
      await s.page
        .getByTestId("trace-records")
        .locator('[data-verdict="verified"]')
        .nth(1)
        .waitFor();
      await s.shot("trace-upload-verified");
      // The rejected file stored nothing.
      const bad = await fetch(`${API_URL}/v1/records/events/EV-UP-BAD`);
      if (bad.status !== 404) throw new Error(`rejected upload was stored: ${bad.status}`);
    },
  },

  {
    name: "a dispatch event runs Trigger, Dispatch, Verify and Settle with every hash link checked",
    async run(s) {
      await goto(s, "dispatch");
      await connectDevnet(s.page, 0);
      // The modelled over-voltage is an open alarm (red) until an event handles it.
      const alarm = s.page.getByTestId("alarm-panel");
      await alarm.and(s.page.locator('[data-state="open"].tx-error')).waitFor();
      // Nobody has been credited yet: the operator's card explains that nothing is owed.
      await card(s, "Your dispatch balance").getByTestId("dispatch-nothing-owed").waitFor();
      await s.page.getByTestId("trigger-kw").fill("700");
      await s.page.getByTestId("trigger-button").click();
      await txOk(s, "Trigger an event", "Trigger");
      await alarm.and(s.page.locator('[data-state="handling"]')).waitFor();
      await s.page
        .getByTestId("stage-Trigger")
        .and(s.page.locator('[data-linked="true"]'))
        .waitFor();
      // Two providers on the 6-node feeder sign offers (bus 6: PV #1, bus 5: wind #2).
      for (const [index, kw, curve] of [
        [1, "1200", "600@0.40, 600@0.60"],
        [2, "400", "400@0.35"],
      ] as const) {
        await connectDevnet(s.page, index);
        await s.page.getByTestId("offer-kw").fill(kw);
        await s.page.getByTestId("offer-segments").fill(curve);
        await s.page.getByTestId("offer-sign").click();
        await s.page.getByTestId("offer-note").filter({ hasText: "Offer signed" }).waitFor();
      }
      await connectDevnet(s.page, 0);
      // The operator sees both offers arrive through the API's relay.
      await s.page.locator('[data-testid="offers-received"][data-count="2"]').waitFor();
      await s.page.getByTestId("review-button").click();
      await s.page.getByTestId("safety-report").waitFor();
      await s.shot("dispatch-proposal");
      await s.page.getByTestId("submit-dispatch").click();
      await s.page
        .getByTestId("stage-Dispatch")
        .and(s.page.locator('[data-linked="true"]'))
        .waitFor();
      await advance(s, 80 * MINUTE);
      // The providers' seeded meters (#11, #12) sign baseline and event-window readings; the
      // registry computes each response (less injection: baseline − event) and nobody types one.
      const windows = await tdvaWindows(s.deployment, 1n);
      const pv = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" as const;
      const wind = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC" as const;
      const pair = (meterIndex: number, participant: `0x${string}`, responseWh: bigint) =>
        [
          [windows.baseline, 10_000n + responseWh, 1n],
          [windows.event, 10_000n, 2n],
        ].map(([periodId, producedWh, sequence]) => ({
          meterIndex,
          reading: {
            participant,
            periodId: periodId!,
            producedWh: producedWh!,
            consumedWh: 0n,
            sequence: sequence!,
          },
        }));
      const event = card(s, "Event 1");
      await event.getByTestId("tdva-reading-bundle").waitFor();
      await event.getByTestId("tdva-reading-bundle").fill("{ not json");
      await event.getByTestId("tdva-bundle-error").waitFor();
      const pvBundle = await gatewayBatch(s.deployment, pair(11, pv, 200_000n));
      await event.getByTestId("tdva-reading-bundle").fill(pvBundle);
      await event.getByTestId("tdva-report-readings").click();
      await txOk(s, "Event 1", "Report readings");
      await event.getByTestId("meter-proof").filter({ hasText: "✓ meter" }).first().waitFor();
      await event.getByTestId("meter-proof").filter({ hasText: "awaiting readings" }).waitFor();
      await s.shot("dispatch-measured");
      // One provider is still unmeasured: before the deadline Verify is refused with its reason.
      await event.getByTestId("verify-button").click();
      await event.getByTestId("tx-error").filter({ hasText: "Tdva measurement missing" }).waitFor();
      // A replay of the same readings is refused too.
      await event.getByTestId("tdva-report-readings").click();
      await event.getByTestId("tx-error").filter({ hasText: "Tdva already measured" }).waitFor();
      await event
        .getByTestId("tdva-reading-bundle")
        .fill(await gatewayBatch(s.deployment, pair(12, wind, 300_000n)));
      await event.getByTestId("tdva-report-readings").click();
      await event.getByTestId("tx-error").waitFor({ state: "detached" });
      await txOk(s, "Event 1", "Report readings");
      await event.getByTestId("verify-button").click();
      await s.page
        .getByTestId("stage-Verify")
        .and(s.page.locator('[data-linked="true"]'))
        .waitFor();
      await s.page.getByTestId("tdva-settle").click();
      await s.page
        .getByTestId("stage-Settle")
        .and(s.page.locator('[data-linked="true"]'))
        .waitFor();
      await s.page.getByTestId("settle-summary").waitFor();
      // Settled: the alarm reads as resolved by event 1, no longer in red.
      await alarm
        .and(s.page.locator('[data-state="resolved"].ok'))
        .filter({ hasText: "Resolved by event 1" })
        .waitFor();
      if ((await alarm.getAttribute("class"))?.includes("tx-error"))
        throw new Error("the settled alarm is still shown in red");
      await s.shot("dispatch-settled");
      await documentsResolve(s, 1n);
      // Pull payments: a provider and the operator (the event's funder) withdraw what settlement
      // credited them; together they take out the whole budget.
      const budget = (await tdvaChainOf(s, 1n)).t.budget;
      await connectDevnet(s.page, 1);
      await card(s, "Your dispatch balance")
        .locator('[data-testid="dispatch-owed"]:not([data-units="0"]):not([data-units=""])')
        .waitFor();
      await s.shot("dispatch-provider-balance");
      const paidPv = await withdrawDispatch(s, pv);
      await s.shot("dispatch-provider-withdrawn");
      await connectDevnet(s.page, 2);
      const paidWind = await withdrawDispatch(s, wind);
      await connectDevnet(s.page, 0);
      const operator = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266" as const;
      const refund = await withdrawDispatch(s, operator);
      if (paidPv + paidWind + refund !== budget)
        throw new Error(`withdrawn ${paidPv} + ${paidWind} + ${refund}, budget ${budget}`);
      await alarm.and(s.page.locator('[data-state="resolved"]')).waitFor();
      await s.shot("dispatch-withdrawn");
    },
  },

  {
    name: "grid page colours the feeder and shows the voltage profile back inside limits after the dispatch",
    async run(s) {
      await goto(s, "grid");
      await s.page.getByTestId("feeder-graph").waitFor();
      await s.page
        .getByTestId("violations-before")
        .filter({ hasText: "overvoltage at 6" })
        .waitFor();
      await s.page.getByTestId("event-select").selectOption("1");
      await s.page.getByTestId("max-after").waitFor();
      await s.page.getByTestId("violations-after").filter({ hasText: "within limits" }).waitFor();
      await s.shot("grid");
    },
  },
  {
    name: "the alliance approves a rule change 2 of 3, it waits in the timelock, then anyone runs it",
    async run(s) {
      const governor = s.deployment.contracts["AllianceGovernor"]!.address;
      const registry = s.deployment.contracts["DispatchRegistry"]!.address;
      const description = "TDVA tolerance band 8 %";
      const call = encodeFunctionData({
        abi: abis.DispatchRegistry,
        functionName: "setToleranceBand",
        args: [800],
      });
      // Member #0 proposes from the node (as `gridledger governance propose` would).
      await rpc("eth_sendTransaction", [
        {
          from: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
          to: governor,
          data: encodeFunctionData({
            abi: abis.AllianceGovernor,
            functionName: "propose",
            args: [[registry], [0n], [call], description],
          }),
        },
      ]);
      await advance(s, 2);
      const row = s.page.getByTestId("proposal-row").filter({ hasText: description });
      // A non-member sees the proposal but has no vote.
      await connectDevnet(s.page, 4);
      await goto(s, "alliance");
      await s.page.getByTestId("alliance-members").filter({ hasText: "not a member" }).waitFor();
      await row.filter({ hasText: "members vote" }).waitFor();
      for (const member of [5, 7]) {
        await connectDevnet(s.page, member);
        await row.getByRole("button", { name: "Approve" }).click();
        await txOk(s, "Pending proposals", "Approve");
      }
      await row.getByTestId("proposal-state").filter({ hasText: "Succeeded" }).waitFor();
      await row.filter({ hasText: "2 of 2" }).waitFor();
      await row.getByRole("button", { name: "Queue in the timelock" }).click();
      await txOk(s, "Pending proposals", "Queue");
      await row.getByTestId("timelock-countdown").waitFor();
      await s.shot("alliance-timelock");
      // A queued proposal waits: the Alerts page shows it firing, in words, with its severity.
      await goto(s, "alerts");
      await s.page
        .getByTestId("alerts-firing")
        .locator('[data-alert="GovernanceProposalsWaiting"]')
        .filter({ hasText: "Governance proposals waiting" })
        .filter({ hasText: "Notice" })
        .waitFor();
      await s.shot("alerts-firing");
      await goto(s, "alliance");
      await advance(s, 61);
      await connectDevnet(s.page, 4); // anyone may execute
      await row.getByRole("button", { name: "Execute" }).click();
      await txOk(s, "Pending proposals", "Execute");
      await s.page
        .getByTestId("proposal-history")
        .getByTestId("proposal-row")
        .filter({ hasText: description })
        .filter({ hasText: "Executed" })
        .waitFor();
      const band = decodeFunctionResult({
        abi: abis.DispatchRegistry,
        functionName: "toleranceBand",
        data: (await rpc("eth_call", [
          {
            to: registry,
            data: encodeFunctionData({ abi: abis.DispatchRegistry, functionName: "toleranceBand" }),
          },
          "latest",
        ])) as Hex,
      });
      if (band !== 800) throw new Error(`tolerance band is ${band}, expected 800`);
      await s.shot("alliance-executed");
    },
  },
  {
    name: "the layout works on a phone-sized screen",
    async run(s) {
      await s.page.setViewportSize({ width: 390, height: 844 });
      try {
        for (const route of ["account", "market", "dispatch"]) {
          await goto(s, route);
          await s.page.locator("main h1, main h2").first().waitFor();
          const overflow = await s.page.evaluate(
            () => document.documentElement.scrollWidth - window.innerWidth,
          );
          if (overflow > 2)
            throw new Error(`${route}: the page is ${overflow}px wider than the phone screen`);
          await s.shot(`phone-${route}`);
        }
      } finally {
        await s.page.setViewportSize({ width: 1280, height: 860 });
      }
    },
  },
];
