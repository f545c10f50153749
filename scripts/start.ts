// `npm start`: brings the whole marketplace up on embedded defaults, on loopback only:
//   1. a Hardhat node (127.0.0.1:8545) with every contract deployed and the devnet cast seeded,
//   2. the REST API with the anchoring batcher and the chain indexer (127.0.0.1:8787; embedded
//      Helia + Kùzu under .gridledger/devnet-data, or Kubo / Neo4j when configured),
//   3. the web app (Vite, 127.0.0.1:5173), which proxies /rpc and /api to the two above.
// With CHAIN=geth the chain is a local Geth dev node instead (infra/geth.sh) whose state, the
// deployment (deployments/1337.json) and DATA_DIR survive a restart: the persistent local chain.
// With RPC_URL set (any EVM JSON-RPC endpoint) and DEPLOYMENT_FILE naming its deployment, no
// local node is started and nothing is deployed: the API and web app attach to that chain.
// Ctrl-C stops everything. See README "Running GridLedger" and docs/decisions/0802-npm-start.md.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { toHex } from "viem";
import { english, generateMnemonic, mnemonicToAccount } from "viem/accounts";

const ROOT = path.resolve(__dirname, "..");
const BIN = path.join(ROOT, "node_modules", ".bin");
const EXTERNAL_RPC = process.env.RPC_URL;
const GETH = process.env.CHAIN === "geth";
if (process.env.CHAIN && !GETH) {
  process.stderr.write(
    `CHAIN=${process.env.CHAIN}: only CHAIN=geth (or no CHAIN, the Hardhat devnet)\n`,
  );
  process.exit(2);
}
const DEVNET_PORT = Number(process.env.DEVNET_PORT ?? 8545);
const RPC_URL = EXTERNAL_RPC ?? `http://127.0.0.1:${DEVNET_PORT}`;
const DEPLOYMENT_FILE =
  process.env.DEPLOYMENT_FILE ?? (GETH ? "deployments/1337.json" : "deployments/31337.json");
/** The persistent Geth chain's folder: node state, its deployer mnemonic, the node's pid. */
const GETH_HOME = path.join(ROOT, ".gridledger", "geth");
const API_PORT = Number(process.env.API_PORT ?? 8787);
const WEB_PORT = Number(process.env.WEB_PORT ?? 5173);
// The devnet forgets its state when it stops, so its embedded stores start afresh with it (the
// previous run's folder is kept as .gridledger/devnet-data.previous). Against an external chain
// DATA_DIR persists across restarts.
const DATA_DIR =
  process.env.DATA_DIR ??
  (GETH ? ".gridledger/geth-data" : EXTERNAL_RPC ? ".gridledger/data" : ".gridledger/devnet-data");

type Deployment = {
  chainId: number;
  contracts: Record<string, { address: string }>;
  seeded?: {
    index: number;
    address: string;
    role: string;
    kind: string;
    bus: number;
    meter?: string;
  }[];
};

const children: ChildProcess[] = [];
let stopping = false;

function stopAll(code: number): void {
  if (stopping) return;
  stopping = true;
  if (GETH && !EXTERNAL_RPC) gethScript("stop");
  // Stop in reverse order: web app, API (flushes its stores), then the chain.
  for (const child of [...children].reverse()) if (child.exitCode === null) child.kill("SIGTERM");
  setTimeout(() => process.exit(code), 3_000).unref();
  Promise.all(
    children.map((c) => (c.exitCode === null ? new Promise((r) => c.once("exit", r)) : null)),
  ).then(() => process.exit(code));
}
process.on("SIGINT", () => stopAll(0));
process.on("SIGTERM", () => stopAll(0));

function run(
  name: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): ChildProcess {
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let tail = "";
  const keep = (d: Buffer) => (tail = (tail + d.toString()).slice(-4_000));
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  child.on("exit", (code) => {
    if (stopping) return;
    process.stderr.write(`\n${name} stopped unexpectedly (exit ${code ?? "signal"}):\n${tail}\n`);
    stopAll(1);
  });
  return child;
}

async function waitFor(
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (stopping) throw new Error("stopped");
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`${what} did not come up within ${timeoutMs / 1000} s`);
}

const rpcAnswers = async () =>
  (
    await fetch(RPC_URL, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
    })
  ).ok;

/** Runs infra/geth.sh with the persistent chain's folders. */
function gethScript(...args: string[]): ReturnType<typeof spawnSync> {
  return spawnSync("bash", [path.join(ROOT, "infra/geth.sh"), ...args], {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "inherit"],
    env: {
      ...process.env,
      GETH_HTTP_PORT: String(DEVNET_PORT),
      GETH_DATADIR: path.join(GETH_HOME, "data"),
      GRIDLEDGER_INFRA_RUN: path.join(GETH_HOME, "run"),
    },
  });
}

/**
 * The persistent chain's deployer mnemonic: DEPLOYER_MNEMONIC, or one generated on the first run
 * and kept in .gridledger/geth/mnemonic (mode 600) — never a well-known one.
 */
function gethMnemonic(): string {
  if (process.env.DEPLOYER_MNEMONIC) return process.env.DEPLOYER_MNEMONIC;
  const file = path.join(GETH_HOME, "mnemonic");
  if (!existsSync(file)) {
    mkdirSync(GETH_HOME, { recursive: true });
    writeFileSync(file, generateMnemonic(english) + "\n", { mode: 0o600 });
  }
  return readFileSync(file, "utf8").trim();
}

/** CHAIN=geth: start (or restart) the local Geth node, fund the deployer, deploy or resume. */
async function startGeth(step: (text: string) => void): Promise<number | undefined> {
  step("compiling contracts");
  const compile = spawnSync(path.join(BIN, "hardhat"), ["compile", "--quiet"], {
    cwd: ROOT,
    stdio: "inherit",
  });
  if (compile.status !== 0) return compile.status ?? 1;
  step(`starting the persistent Geth dev chain on ${RPC_URL} (state in .gridledger/geth)`);
  const started = gethScript("start", "--persist");
  if (started.status !== 0) return started.status ?? 1;
  await waitFor("Geth", rpcAnswers, 60_000);
  const mnemonic = gethMnemonic();
  const deployer = mnemonicToAccount(mnemonic).address;
  const balance = await rpcCall("eth_getBalance", [deployer, "latest"]);
  if (BigInt(balance as string) < 10n ** 20n) {
    step(`funding the deployer ${deployer} from the dev account`);
    const funded = gethScript("fund", deployer);
    if (funded.status !== 0) return funded.status ?? 1;
  }
  step("deploying the contracts and seeding the cast (resumes; kept contracts are not redeployed)");
  const deploy = spawnSync(
    path.join(BIN, "hardhat"),
    ["run", "--no-compile", "--network", "chain", "scripts/deploy/index.ts"],
    {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "inherit"],
      env: {
        ...process.env,
        RPC_URL,
        DEPLOYER_MNEMONIC: mnemonic,
        SEED_DEVNET: "true",
        // The local alliance: accounts #0 (operator), #5 (aggregator), #7 (auditor) of the mnemonic.
        ALLIANCE_MEMBERS:
          process.env.ALLIANCE_MEMBERS ??
          [0, 5, 7].map((i) => mnemonicToAccount(mnemonic, { addressIndex: i }).address).join(","),
      },
    },
  );
  if (deploy.status !== 0) return deploy.status ?? 1;
  return undefined;
}

async function rpcCall(method: string, params: unknown[]): Promise<unknown> {
  const res = await fetch(RPC_URL, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  return ((await res.json()) as { result: unknown }).result;
}

async function main(): Promise<void> {
  const step = (text: string) => process.stdout.write(`• ${text}\n`);
  if (GETH && !EXTERNAL_RPC) {
    const failed = await startGeth(step);
    if (failed !== undefined) return stopAll(failed);
  } else if (!EXTERNAL_RPC) {
    step("compiling contracts");
    const compile = spawnSync(path.join(BIN, "hardhat"), ["compile", "--quiet"], {
      cwd: ROOT,
      stdio: "inherit",
    });
    if (compile.status !== 0) return stopAll(compile.status ?? 1);
    step(`starting the Hardhat devnet on ${RPC_URL}`);
    run("hardhat node", path.join(BIN, "hardhat"), [
      "node",
      "--hostname",
      "127.0.0.1",
      "--port",
      String(DEVNET_PORT),
    ]);
    await waitFor("the devnet", rpcAnswers, 60_000);
    step("deploying the contracts and seeding the devnet cast");
    const deploy = spawnSync(
      path.join(BIN, "hardhat"),
      ["run", "--no-compile", "--network", "localhost", "scripts/deploy/index.ts"],
      {
        cwd: ROOT,
        stdio: ["ignore", "pipe", "inherit"],
        env: { ...process.env, RPC_URL, SEED_DEVNET: "true" },
      },
    );
    if (deploy.status !== 0) return stopAll(deploy.status ?? 1);
    const dataDir = path.resolve(ROOT, DATA_DIR);
    if (existsSync(dataDir)) {
      const previous = `${dataDir}.previous`;
      spawnSync("rm", ["-rf", previous]);
      renameSync(dataDir, previous);
    }
  } else {
    step(`attaching to the chain at ${RPC_URL} (deployment ${DEPLOYMENT_FILE})`);
    await waitFor(`the chain at ${RPC_URL}`, rpcAnswers, 30_000);
  }
  mkdirSync(path.resolve(ROOT, DATA_DIR), { recursive: true });
  const deployment = JSON.parse(
    readFileSync(path.resolve(ROOT, DEPLOYMENT_FILE), "utf8"),
  ) as Deployment;

  step(`starting the REST API and chain indexer on 127.0.0.1:${API_PORT}`);
  run("REST API", path.join(BIN, "gridledger"), ["serve", "--port", String(API_PORT)], {
    RPC_URL,
    DEPLOYMENT_FILE,
    DATA_DIR,
    // On the local Geth chain the deployer (#0 of its mnemonic) anchors, as on the devnet.
    ...(GETH && !EXTERNAL_RPC && !process.env.ANCHOR_PRIVATE_KEY
      ? { ANCHOR_PRIVATE_KEY: toHex(mnemonicToAccount(gethMnemonic()).getHdKey().privateKey!) }
      : {}),
    LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
  });
  await waitFor(
    "the REST API",
    async () => (await fetch(`http://127.0.0.1:${API_PORT}/v1/health`)).status < 500,
    120_000,
  );

  step(`starting the web app on 127.0.0.1:${WEB_PORT}`);
  run(
    "web app",
    path.join(BIN, "vite"),
    [
      "--config",
      "frontend/vite.config.ts",
      "frontend",
      "--host",
      "127.0.0.1",
      "--port",
      String(WEB_PORT),
      "--strictPort",
    ],
    { RPC_URL, API_URL: `http://127.0.0.1:${API_PORT}`, VITE_CHAIN_ID: String(deployment.chainId) },
  );
  await waitFor(
    "the web app",
    async () => (await fetch(`http://127.0.0.1:${WEB_PORT}/`)).ok,
    120_000,
  );

  const lines = [
    "",
    "GridLedger is running.",
    `  Web app     http://127.0.0.1:${WEB_PORT}`,
    `  REST API    http://127.0.0.1:${API_PORT}  (OpenAPI: /openapi.json, health: /v1/health)`,
    `  JSON-RPC    ${RPC_URL}  (chain id ${deployment.chainId})`,
    `  Data        ${DATA_DIR}`,
    "  Contracts:",
    ...Object.entries(deployment.contracts).map(
      ([name, c]) => `    ${name.padEnd(22)} ${c.address}`,
    ),
  ];
  if (deployment.seeded && GETH && !EXTERNAL_RPC) {
    lines.push(
      "  Seeded accounts: #0-#14 of the mnemonic in .gridledger/geth/mnemonic (10,000 GLT each).",
      '  Demos here: DEMO_MNEMONIC="$(cat .gridledger/geth/mnemonic)" RPC_URL=' +
        `${RPC_URL} DEPLOYMENT_FILE=${DEPLOYMENT_FILE} npx gridledger demo dispatch`,
      "  State, deployment and data survive Ctrl-C; run CHAIN=geth npm start again to resume.",
    );
  } else if (deployment.seeded) {
    lines.push(
      '  Devnet accounts (mnemonic "test test ... junk"; 10,000 GLT each; pick one in the web app):',
      `    #0  ${"operator".padEnd(11)} ${"".padEnd(18)} 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266`,
      ...deployment.seeded.map(
        (a) =>
          `    #${String(a.index).padEnd(2)} ${a.role.padEnd(11)} ${`${a.kind}@bus${a.bus}`.padEnd(18)} ${a.address}` +
          (a.meter ? `  meter ${a.meter}` : ""),
      ),
      "  Try: npx gridledger demo dispatch | demo market --prosumers 20 --intervals 8 | demo trace",
    );
  }
  lines.push("Press Ctrl-C to stop.", "");
  process.stdout.write(lines.join("\n"));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  stopAll(1);
});
