import type { Command } from "commander";
import { BaseError } from "@gridledger/domain/errors";
import { withConfiguredSession } from "../configuredSession.ts";
import { AllianceService } from "../../governance/alliance.ts";
import { readJsonFile } from "../io.ts";

type AccountOption = { account: string };

/** The account index a command signs with (HD index of the session's mnemonic). */
function accountIndex(raw: string): number {
  if (!/^[0-9]{1,3}$/.test(raw))
    throw new BaseError(`--account must be an account index (got ${raw})`);
  return Number(raw);
}

/** Runs `body` with the alliance of the configured deployment (never a throwaway devnet). */
async function withAlliance<T>(body: (alliance: AllianceService) => Promise<T>): Promise<void> {
  await withConfiguredSession(async (session) => {
    if (!session.deployment.contracts["AllianceGovernor"]) {
      throw new BaseError(
        `${session.deploymentFile} has no AllianceGovernor: redeploy (npm run deploy) to hand the contracts to an alliance`,
      );
    }
    return body(new AllianceService(session));
  });
}

/**
 * `gridledger governance status|propose|approve|execute`: the alliance's k-of-n approval of role
 * grants, rule changes and membership (docs/decisions/0600), on the deployment at RPC_URL /
 * DEPLOYMENT_FILE. Signers are account indices of the devnet mnemonic, or of DEMO_MNEMONIC /
 * DEPLOYER_MNEMONIC on other chains.
 */
export function registerGovernance(program: Command): void {
  const governance = program
    .command("governance")
    .description("alliance approval of roles, rules and membership (Governor + timelock)");
  governance
    .command("status")
    .description("members, approval rule, timelock and every proposal with its votes")
    .action(async () => withAlliance((a) => a.status()));
  governance
    .command("propose")
    .description("propose calls on the deployed contracts (a member's account)")
    .requiredOption(
      "--input <file>",
      'JSON {"description": "...", "calls": [{"contract": "EnergyMarket", "function": "setRules", "args": [...]}]}',
    )
    .requiredOption("--account <index>", "member account that proposes")
    .action(async (options: { input: string } & AccountOption) => {
      const input = await readJsonFile(options.input);
      const signer = accountIndex(options.account);
      await withAlliance((a) => a.propose(signer, input));
    });
  governance
    .command("approve")
    .description("vote For a proposal (or Against with --against)")
    .requiredOption("--proposal <id>", "proposal id (from propose or status)")
    .requiredOption("--account <index>", "member account that votes")
    .option("--against", "vote against instead")
    .action(async (options: { proposal: string; against?: boolean } & AccountOption) => {
      const signer = accountIndex(options.account);
      await withAlliance((a) =>
        a.approve(signer, options.proposal, options.against ? "Against" : "For"),
      );
    });
  governance
    .command("execute")
    .description("queue an approved proposal in the timelock, or run it once its delay passed")
    .requiredOption("--proposal <id>", "proposal id")
    .option("--account <index>", "account that sends the transaction (anyone may)", "0")
    .action(async (options: { proposal: string } & AccountOption) => {
      const signer = accountIndex(options.account);
      await withAlliance((a) => a.execute(signer, options.proposal));
    });
}
