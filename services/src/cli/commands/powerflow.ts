import type { Command } from "commander";
import { z } from "zod";
import { BaseError } from "@gridledger/domain/errors";
import { parseWith } from "@gridledger/domain/validate";
import {
  SHIPPED_NETWORKS,
  loadShippedNetwork,
  type ShippedNetwork,
} from "@gridledger/domain/networks";
import { parseNetwork, type Network, solvePowerFlow } from "@gridledger/domain/grid";
import { printJson, readJsonFile } from "../io.ts";

/** A network given either inline or as the name of a shipped one ("ieee33", "ieee69", "six-node"). */
export function resolveNetwork(value: unknown, context = "network"): Network {
  if (typeof value === "string") {
    if (!(SHIPPED_NETWORKS as readonly string[]).includes(value))
      throw new BaseError(
        `invalid ${context}: unknown shipped network "${value}" (one of ${SHIPPED_NETWORKS.join(", ")})`,
      );
    return loadShippedNetwork(value as ShippedNetwork);
  }
  return parseNetwork(value, context);
}

/** Reads --network <file> or --case <name>. */
export async function networkFromOptions(options: {
  network?: string;
  case?: string;
}): Promise<Network> {
  if (options.network && options.case) throw new BaseError("give either --network or --case");
  if (options.case) return resolveNetwork(options.case, "--case");
  if (!options.network) throw new BaseError("missing --network <file> (or --case <name>)");
  return parseNetwork(await readJsonFile(options.network), options.network);
}

const SolverOptionsSchema = z.object({
  solver: z.enum(["auto", "bfs", "nr"]),
  tolerance: z.coerce.number().positive().optional(),
  maxIterations: z.coerce.number().int().positive().max(10_000).optional(),
});

/** `gridledger powerflow --network net.json`: voltages, branch flows, losses and violations. */
export function registerPowerflow(program: Command): void {
  program
    .command("powerflow")
    .description(
      "solve the power flow of a network (backward/forward sweep if radial, Newton-Raphson if meshed)",
    )
    .option("--network <file>", "network JSON file")
    .option("--case <name>", `a shipped network: ${SHIPPED_NETWORKS.join(", ")}`)
    .option("--solver <solver>", "auto | bfs | nr", "auto")
    .option("--tolerance <pu>", "convergence tolerance in pu (default 1e-9)")
    .option("--max-iterations <n>", "iteration limit")
    .action(
      async (options: {
        network?: string;
        case?: string;
        solver: string;
        tolerance?: string;
        maxIterations?: string;
      }) => {
        const network = await networkFromOptions(options);
        const solverOptions = parseWith(
          SolverOptionsSchema,
          {
            solver: options.solver,
            tolerance: options.tolerance,
            maxIterations: options.maxIterations,
          },
          "options",
        );
        printJson(solvePowerFlow(network, solverOptions));
      },
    );
}
