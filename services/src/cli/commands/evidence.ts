import type { Command } from "commander";
import {
  evaluateEvidence,
  selectCounterparty,
  type SelectionInput,
} from "@gridledger/domain/evidence";
import { loadConfig } from "../../config/config.ts";
import { participantEvidence, readOutageFile } from "../../evidence/history.ts";
import { createGraphStore } from "../../graph/createGraphStore.ts";
import { printJson, readJsonFile } from "../io.ts";
import { resolveNetwork } from "./powerflow.ts";

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/**
 * `gridledger evidence --input ds.json`: Dempster-Shafer fusion and the eq. (9) decision.
 * Input is either {frame, sources, epsilon1, epsilon2} (explicit masses) or
 * {candidates: [{id, bus, history}], trade?: {network, buyerBus, quantityKW}} (counterparty choice).
 * `gridledger evidence --participant 0x… --peers 0x…,0x…`: the same from the indexed chain history
 * in the configured graph store (decision 0306).
 */
export function registerEvidence(program: Command): void {
  program
    .command("evidence")
    .description(
      "fuse evidence with Dempster's rule and decide (002 eq. 6-9), or pick a counterparty from trading histories",
    )
    .option("--input <file>", "JSON: {frame, sources, epsilon1, epsilon2} or {candidates, trade?}")
    .option("--participant <address>", "build the four sources from this participant's history")
    .option("--peers <addresses>", "comma-separated competitors in the frame (with --participant)")
    .option("--outages <file>", "outage records per feeder/bus (examples/outages.json)")
    .action(
      async (options: {
        input?: string;
        participant?: string;
        peers?: string;
        outages?: string;
      }) => {
        if ((options.input === undefined) === (options.participant === undefined))
          throw new Error("give exactly one of --input <file> or --participant <address>");
        if (options.participant !== undefined) {
          const peers = options.peers ? options.peers.split(",").map((p) => p.trim()) : [];
          for (const a of [options.participant, ...peers])
            if (!ADDRESS.test(a)) throw new Error(`not an address: "${a}"`);
          const outages = options.outages ? await readOutageFile(options.outages) : undefined;
          const graph = await createGraphStore(loadConfig());
          try {
            printJson(
              await participantEvidence(graph, options.participant, peers, {
                ...(outages ? { outages } : {}),
              }),
            );
          } finally {
            await graph.close();
          }
          return;
        }
        const raw = await readJsonFile(options.input!);
        if (raw && typeof raw === "object" && "candidates" in raw) {
          const input = { ...(raw as Record<string, unknown>) };
          const trade = input["trade"] as Record<string, unknown> | undefined;
          if (trade && typeof trade === "object" && typeof trade["network"] === "string")
            input["trade"] = { ...trade, network: resolveNetwork(trade["network"]) };
          printJson(selectCounterparty(input as SelectionInput));
        } else printJson(evaluateEvidence(raw));
      },
    );
}
