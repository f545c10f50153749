import type { Command } from "commander";
import { compareSeries, type TrustInput } from "@gridledger/domain/trust";
import { printJson, readJsonFile } from "../io.ts";

/**
 * `gridledger trust --input series.json`: trusted comparison (000 IV.B) of device-direct against
 * aggregator-reported series; prints which hours and sources are trusted and why.
 */
export function registerTrust(program: Command): void {
  program
    .command("trust")
    .description(
      "compare device-direct with aggregator-reported series (hourly ±10 %, similar day ±5 %)",
    )
    .requiredOption(
      "--input <file>",
      "JSON: {direct: {source, readings, similarDay?}, reported: [...], intervalMinutes?, tolerances?}",
    )
    .option("--summary", "omit the list of individual checks")
    .action(async (options: { input: string; summary?: boolean }) => {
      const report = compareSeries((await readJsonFile(options.input)) as TrustInput);
      if (options.summary) {
        const { checks: _checks, ...rest } = report;
        printJson(rest);
      } else printJson(report);
    });
}
