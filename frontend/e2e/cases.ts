// The browser suite's cases, in order: each one leaves the chain as the next one expects.
import type { Page } from "playwright-core";
import type { Deployment } from "./env.ts";

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
  await s.page.evaluate((r) => (window.location.hash = r), `#/${route}`);
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
      await s.page.getByTestId("events").filter({ hasText: "ParticipantApproved" }).waitFor();
      await s.shot("explorer");
    },
  },
];
