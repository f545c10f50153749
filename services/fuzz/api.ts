// `npm run fuzz:api`: Schemathesis against the REST API's own OpenAPI description, on a real
// stack: a Hardhat devnet with every contract deployed, the API with its services (embedded Helia
// + Kùzu, anchoring batcher, chain indexer) on 127.0.0.1. Two bounded runs, the same seed each
// time: unauthenticated, then with the operator's SIWE session (`Authorization: Bearer`). Checks:
// no 5xx, every status and body and content type as documented, schema-violating input refused,
// security declared where it is enforced. After the unauthenticated run, nothing may have been
// stored (every refused call stores nothing). Exits 1 on any failure, after Schemathesis's report.
// When Schemathesis is not installed it says so and exits 0 (CI installs it: infra/ci-setup.sh).
// See docs/decisions/0461-api-fuzzing.md.
//
//   FUZZ_API_EXAMPLES (default 25)   test cases per operation and phase (--max-examples)
//   FUZZ_API_SEED     (default 461)  Hypothesis seed (--seed)
//   FUZZ_API_PORT     (default 18580) the devnet's port; the API listens on the next one
//   SCHEMATHESIS      the schemathesis executable (default: the CI venv, else PATH)
import "promise.withresolvers/auto";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import { homedir, tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { privateKeyToAccount } from "viem/accounts";
import { createSiweMessage } from "viem/siwe";
import { createApp } from "../src/api/app.ts";
import { createServices, type Services } from "../src/api/createContext.ts";
import { DEVNET_KEYS, REPO_ROOT, startDevnet, type Devnet } from "../src/chain/devnet.ts";
import { loadConfig } from "../src/config/config.ts";
import { createLogger } from "../src/logging/logger.ts";

const EXAMPLES = Number(process.env.FUZZ_API_EXAMPLES ?? 25);
const SEED = Number(process.env.FUZZ_API_SEED ?? 461);
const DEVNET_PORT = Number(process.env.FUZZ_API_PORT ?? 18580);
const API_PORT = DEVNET_PORT + 1;
const HOST = "127.0.0.1";
const SIWE_DOMAIN = "gridledger.fuzz";
const REPORT_DIR = path.join(REPO_ROOT, "bench-results", "fuzz-api");
/** Where infra/ci-setup.sh installs the pinned Schemathesis (infra/requirements-fuzz.txt). */
const CI_VENV = path.join(
  process.env.GRIDLEDGER_INFRA_HOME ?? path.join(homedir(), ".cache", "gridledger", "infra"),
  "schemathesis-venv",
  "bin",
  "schemathesis",
);
const CHECKS = [
  "not_a_server_error",
  "status_code_conformance",
  "content_type_conformance",
  "response_schema_conformance",
  "response_headers_conformance",
  "negative_data_rejection",
  "missing_required_header",
  "unsupported_method",
].join(",");

const log = (m: string) => process.stderr.write(`[fuzz:api] ${m}\n`);

function findSchemathesis(): string | undefined {
  const candidates = [process.env.SCHEMATHESIS, CI_VENV, "schemathesis"].filter(
    (c): c is string => !!c,
  );
  for (const bin of candidates) {
    if (bin.includes("/") && !existsSync(bin)) continue;
    const probe = spawnSync(bin, ["--version"], { encoding: "utf8" });
    if (probe.status === 0) return bin;
  }
  return undefined;
}

/** Runs one Schemathesis pass; resolves to its exit code (its report goes to our stdout). */
function schemathesis(bin: string, name: string, headers: string[]): Promise<number> {
  const args = [
    "run",
    `http://${HOST}:${API_PORT}/openapi.json`,
    "--url",
    `http://${HOST}:${API_PORT}`,
    "--checks",
    CHECKS,
    "--phases",
    "examples,coverage,fuzzing",
    "--max-examples",
    String(EXAMPLES),
    "--seed",
    String(SEED),
    "--generation-database",
    "none",
    "--workers",
    "1",
    "--request-timeout",
    "30",
    "--no-color",
    "--report",
    "junit",
    "--report-junit-path",
    path.join(REPORT_DIR, `${name}.junit.xml`),
    ...headers.flatMap((h) => ["-H", h]),
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ["ignore", "inherit", "inherit"] });
    child.on("error", reject);
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

async function signIn(key: `0x${string}`): Promise<string> {
  const base = `http://${HOST}:${API_PORT}`;
  const nonce = (await (await fetch(`${base}/v1/auth/nonce`)).json()) as { nonce: string };
  const account = privateKeyToAccount(key);
  const message = createSiweMessage({
    address: account.address,
    chainId: 31337,
    domain: SIWE_DOMAIN,
    nonce: nonce.nonce,
    uri: `http://${SIWE_DOMAIN}/`,
    version: "1",
    issuedAt: new Date(),
  });
  const signature = await account.signMessage({ message });
  const res = await fetch(`${base}/v1/auth/verify`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ message, signature }),
  });
  const body = (await res.json()) as { token?: string; roles?: string[] };
  if (res.status !== 200 || !body.token) {
    throw new Error(`sign-in failed: ${res.status} ${JSON.stringify(body)}`);
  }
  log(`signed in as ${account.address} (${(body.roles ?? []).join(", ")})`);
  return body.token;
}

/** What the trace service has stored: records, anchors and the anchoring queue. */
async function stored(services: Services): Promise<string> {
  const counts = await services.graph.countNodes();
  const pick = ["Event", "Document", "Anchor", "Product", "Batch", "Location"] as const;
  return JSON.stringify({
    ...Object.fromEntries(pick.map((l) => [l, counts[l as keyof typeof counts] ?? 0])),
    pending: services.context.batcher.pending,
  });
}

const bin = findSchemathesis();
if (!bin) {
  log("schemathesis not installed: API fuzzing skipped");
  process.exit(0);
}
const version = spawnSync(bin, ["--version"], { encoding: "utf8" }).stdout.trim();
log(`${version}; ${EXAMPLES} examples per operation, seed ${SEED}`);
mkdirSync(REPORT_DIR, { recursive: true });

const started = performance.now();
let devnet: Devnet | undefined;
let services: Services | undefined;
let server: Server | undefined;
const dataDir = mkdtempSync(path.join(tmpdir(), "gl-fuzz-api-"));
let failed = false;
try {
  devnet = await startDevnet(DEVNET_PORT);
  const config = loadConfig({
    RPC_URL: devnet.rpcUrl,
    DEPLOYMENT_FILE: devnet.deploymentFile,
    DATA_DIR: dataDir,
    LOG_LEVEL: "error",
    SIWE_DOMAIN,
    SIWE_URI: `http://${SIWE_DOMAIN}`,
    API_HOST: HOST,
    API_PORT: String(API_PORT),
    // The fuzzer sends a few hundred requests a minute: with the default limits most would be
    // answered 429 by the limiter and never reach the handlers under test.
    AUTH_NONCE_PER_MIN: "100000",
    AUTH_SIGNIN_PER_MIN: "100000",
    OFFERS_PER_MIN: "100000",
    INDEXER_POLL_MS: "200",
  });
  services = await createServices(config, createLogger(config.LOG_LEVEL));
  const app = createApp(services.context);
  server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(API_PORT, HOST, (error?: Error) => (error ? reject(error) : resolve(s)));
  });
  log(
    `devnet ${devnet.rpcUrl}, API http://${HOST}:${API_PORT} (${((performance.now() - started) / 1000).toFixed(1)} s)`,
  );

  const before = await stored(services);
  log("run 1 of 2: unauthenticated");
  const t1 = performance.now();
  const anonymous = await schemathesis(bin, "unauthenticated", []);
  const after = await stored(services);
  log(
    `unauthenticated run: exit ${anonymous} in ${((performance.now() - t1) / 1000).toFixed(1)} s`,
  );
  if (after !== before) {
    log(`unauthenticated calls stored something: before ${before}, after ${after}`);
    failed = true;
  }

  const token = await signIn(DEVNET_KEYS[0]);
  log("run 2 of 2: with the operator's session");
  const t2 = performance.now();
  const session = await schemathesis(bin, "session", [`Authorization: Bearer ${token}`]);
  log(`session run: exit ${session} in ${((performance.now() - t2) / 1000).toFixed(1)} s`);
  failed ||= anonymous !== 0 || session !== 0;
} catch (error) {
  log(`fuzzing could not run: ${error instanceof Error ? error.stack : String(error)}`);
  failed = true;
} finally {
  if (server) {
    const s = server;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  }
  await services?.close();
  await devnet?.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
log(
  `${failed ? "FAILED" : "passed"} in ${((performance.now() - started) / 1000).toFixed(1)} s; JUnit reports in ${path.relative(REPO_ROOT, REPORT_DIR)}/`,
);
process.exit(failed ? 1 : 0);
