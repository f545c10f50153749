import type { Command } from "commander";
import { BaseError } from "@gridledger/domain/errors";
import { fingerprintJson } from "@gridledger/domain/fingerprint";
import { optimiseDispatch, type DispatchRequestInput } from "@gridledger/domain/dispatch";
import { printJson, readJsonFile } from "../io.ts";
import { resolveNetwork } from "./powerflow.ts";

/**
 * `gridledger dispatch --input req.json`: allocations (integer watts and kW), cost, method,
 * iterations and the safety report (with its keccak256) when the request carries a network.
 */
export function registerDispatch(program: Command): void {
  program
    .command("dispatch")
    .description(
      "optimise a flexibility dispatch (001 eq. 7): exact merit order or ADMM, with safety re-runs",
    )
    .requiredOption(
      "--input <file>",
      "JSON: {deltaTotalKW, durationH, offers: [{id, bus, maxKW, maxKWh, segments: [{kw, price}]}], network?}",
    )
    .option("--method <method>", "exact | admm (overrides the input's method)")
    .action(async (options: { input: string; method?: string }) => {
      const raw = await readJsonFile(options.input);
      if (!raw || typeof raw !== "object" || Array.isArray(raw))
        throw new BaseError(`invalid dispatch request: ${options.input} must hold a JSON object`);
      const request = { ...(raw as Record<string, unknown>) };
      if (typeof request["network"] === "string")
        request["network"] = resolveNetwork(request["network"]);
      if (options.method) request["method"] = options.method;
      const result = optimiseDispatch(request as DispatchRequestInput);
      printJson({
        ...result,
        safetyFingerprint: result.safety ? await fingerprintJson(result.safety) : null,
      });
      if (result.status !== "optimal") {
        process.stderr.write(
          `error: no allocation within the network limits after ${result.safetyRounds} safety round(s)\n`,
        );
        process.exitCode = 1;
      }
    });
}
