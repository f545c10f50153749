// `npm run check:upgrades`: OpenZeppelin's upgrades-core validates every upgradeable contract in
// the build (no constructor state, initializers called, UUPS upgrade function present) and the
// storage layout of every next version against the version it names in
// @custom:oz-upgrades-from. Run after `hardhat compile` (docs/decisions/0601-upgrades.md).
import { cpSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { validateUpgradeSafety } from "@openzeppelin/upgrades-core";

/** Deliberately broken versions that test/upgrades expects upgrades-core to refuse. */
export const KNOWN_BAD = ["contracts/mocks/upgrades/bad/**"];
/** The application contracts behind proxies (scripts/deploy/proxy.ts): all must be checked. */
const EXPECTED = 7;

/**
 * Validates each compilation job's build info on its own: Hardhat compiles files with different
 * compiler settings in separate jobs, and a file shared by two jobs would otherwise appear twice.
 */
export async function checkUpgrades(
  buildInfoDir: string,
  exclude: string[] = KNOWN_BAD,
  contract?: string,
): Promise<{ ok: boolean; checked: string[]; explain: string }> {
  const checked: string[] = [];
  const explained: string[] = [];
  let ok = true;
  for (const file of readdirSync(buildInfoDir).filter((f) => f.endsWith(".json"))) {
    const dir = mkdtempSync(path.join(tmpdir(), "gridledger-build-info-"));
    try {
      cpSync(path.join(buildInfoDir, file), path.join(dir, file));
      const report = await validateUpgradeSafety(dir, contract, undefined, {}, [], exclude).catch(
        (error: unknown) => {
          // A named contract lives in one job only; the other jobs do not know it.
          if (contract && String(error).includes("Could not find contract")) return undefined;
          throw error;
        },
      );
      if (!report || report.numTotal === 0) continue;
      ok &&= report.ok;
      explained.push(report.explain());
      const names = report.explain().match(/contracts\/[^\s]+\.sol:\w+/g) ?? [];
      checked.push(...names.filter((n) => !checked.includes(n)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return { ok, checked, explain: explained.join("\n") };
}

async function main(): Promise<void> {
  const dir = path.join(__dirname, "..", "artifacts", "build-info");
  const { ok, checked, explain } = await checkUpgrades(dir);
  process.stdout.write(`${explain}\n`);
  const proxied = checked.filter((n) => !n.includes("/mocks/"));
  if (!ok) throw new Error("upgrade safety check failed (see above)");
  if (proxied.length < EXPECTED) {
    throw new Error(`expected ${EXPECTED} upgradeable contracts, found ${proxied.join(", ")}`);
  }
  process.stdout.write(`check:upgrades: ${checked.length} contracts upgrade-safe\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(`check:upgrades: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
}
