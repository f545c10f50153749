import "promise.withresolvers/auto"; // Helia's dependencies use ES2024's Promise.withResolvers (Node 22+)
import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { BaseError } from "@gridledger/domain/errors";
import { registerFingerprint } from "./commands/fingerprint.ts";
import { registerAuction } from "./commands/auction.ts";
import { registerServe } from "./commands/serve.ts";
import { registerPowerflow } from "./commands/powerflow.ts";
import { registerSafety } from "./commands/safety.ts";
import { registerDispatch } from "./commands/dispatch.ts";
import { registerEvidence } from "./commands/evidence.ts";
import { registerTrust } from "./commands/trust.ts";
import { registerDemo } from "./commands/demo.ts";
import { registerGovernance } from "./commands/governance.ts";
import { registerDevnet } from "./commands/devnet.ts";

/** The package's version (services/package.json, released with the repository). */
const VERSION = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  }
).version;

/** Builds the `gridledger` command tree; each domain registers its own subcommands. */
export function buildProgram(): Command {
  const program = new Command()
    .name("gridledger")
    .description("GridLedger: smart-contract marketplace for distributed energy")
    .version(VERSION, "-V, --version")
    .showHelpAfterError()
    .exitOverride();
  registerFingerprint(program);
  registerAuction(program);
  registerServe(program);
  registerPowerflow(program);
  registerSafety(program);
  registerDispatch(program);
  registerEvidence(program);
  registerTrust(program);
  registerDemo(program);
  registerGovernance(program);
  registerDevnet(program);
  return program;
}

/** Runs the CLI; returns the process exit code (0 ok, 1 bad input or failure). */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  if (argv.length === 0) {
    program.outputHelp({ error: true });
    return 1;
  }
  try {
    await program.parseAsync(argv, { from: "user" });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit through here with code 0; usage errors with 1.
      return error.exitCode;
    }
    if (error instanceof BaseError) {
      process.stderr.write(`error: ${error.message}\n`);
      if (error.details) process.stderr.write(`${error.details}\n`);
      return 1;
    }
    // Anything else (a reverted transaction, an unreachable node): viem's short message when it
    // has one, the full stack only with DEBUG set.
    const short = (error as { shortMessage?: string }).shortMessage;
    process.stderr.write(
      `error: ${short ?? (error instanceof Error ? error.message : String(error))}\n`,
    );
    if (process.env.DEBUG) process.stderr.write(`${(error as Error).stack ?? ""}\n`);
    return 1;
  }
}
