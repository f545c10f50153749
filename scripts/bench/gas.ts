// `npm run bench:gas`: runs the contract tests with hardhat-gas-reporter (its table goes to
// stdout), then condenses bench-results/gas-report.json into bench-results/gas.json:
// {"figures": {"<Contract>.<method>_mean": gas, "<Contract>_deploy": gas}} so runs can be compared.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

type GasReport = {
  data: {
    methods: Record<string, { contract: string; method: string; gasData: number[] }>;
    deployments: { name: string; gasData: number[] }[];
  };
};

const ROOT = path.resolve(__dirname, "..", "..");
const OUT = path.join(ROOT, "bench-results");
mkdirSync(OUT, { recursive: true });

const run = spawnSync(path.join(ROOT, "node_modules", ".bin", "hardhat"), ["test"], {
  cwd: ROOT,
  stdio: "inherit",
  env: { ...process.env, REPORT_GAS: "true" },
});
if (run.status !== 0) process.exit(run.status ?? 1);

const mean = (xs: number[]): number => Math.round(xs.reduce((a, b) => a + b, 0) / xs.length);
const report = JSON.parse(readFileSync(path.join(OUT, "gas-report.json"), "utf8")) as GasReport;
const figures: Record<string, number> = {};
for (const m of Object.values(report.data.methods)) {
  if (m.gasData.length > 0) figures[`${m.contract}.${m.method}_mean`] = mean(m.gasData);
}
for (const d of report.data.deployments) {
  if (d.gasData.length > 0) figures[`${d.name}_deploy`] = mean(d.gasData);
}
writeFileSync(path.join(OUT, "gas.json"), JSON.stringify({ figures }, null, 2) + "\n");
console.log(`\n${Object.keys(figures).length} gas figures written to bench-results/gas.json`);
