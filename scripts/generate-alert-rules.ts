// Writes monitoring/alerts.rules.yml from the rules table (services/src/monitoring/rules.ts) with
// the default thresholds; `--check` exits 1 when the committed file differs from the generated one.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../services/src/config/config.ts";
import { alertRulesYaml } from "../services/src/monitoring/rules.ts";

const file = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../monitoring/alerts.rules.yml",
);
const yaml = alertRulesYaml(loadConfig({}));
if (process.argv.includes("--check")) {
  const committed = readFileSync(file, "utf8");
  if (committed !== yaml) {
    console.error(`${file} is stale: run npx tsx scripts/generate-alert-rules.ts`);
    process.exit(1);
  }
} else {
  writeFileSync(file, yaml);
}
