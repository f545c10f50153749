// Shared pieces of the browser suite and the benchmark: the real devnet, the real app server,
// the real API (when the services provide one) and Debian's Chromium driven by playwright-core.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import {
  decodeFunctionResult,
  encodeFunctionData,
  type Abi,
  type Address,
  type ContractFunctionArgs,
  type ContractFunctionName,
  type ContractFunctionReturnType,
  type Hex,
} from "viem";
import { mnemonicToAccount, privateKeyToAccount } from "viem/accounts";
import {
  abis,
  meteringReadingTypedData,
  meterReadingLeafValues,
  METER_READING_LEAF_TYPES,
  MeterWindow,
  ReadingVerdict,
  stringifyReadingBundle,
  type MeterReading,
} from "@gridledger/protocol";
import { createSiweMessage } from "viem/siwe";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type BrowserContext } from "playwright-core";

export const FRONTEND = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const ROOT = path.resolve(FRONTEND, "..");
export const CHROMIUM = "/usr/bin/chromium";
export const DEVNET_PORT = 18645;
export const APP_PORT = 18601;
export const API_PORT = 18646;
export const RPC_URL = `http://127.0.0.1:${DEVNET_PORT}`;
export const APP_URL = `http://127.0.0.1:${APP_PORT}`;
export const API_URL = `http://127.0.0.1:${API_PORT}`;
export const OUTPUT = path.join(ROOT, "test-output", "frontend");
const BIN = path.join(ROOT, "node_modules", ".bin");

const children: ChildProcess[] = [];
const cleanups: (() => void)[] = [];

/** Stops every server this process started (by its own handle, never by name). */
export async function stopAll(): Promise<void> {
  for (const child of children.reverse()) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 3_000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
  for (const fn of cleanups) fn();
}

function start(
  name: string,
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd = ROOT,
): ChildProcess {
  const child = spawn(cmd, args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let tail = "";
  const keep = (d: Buffer) => {
    tail = (tail + d.toString()).slice(-4_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  child.on("exit", (code) => {
    if (code && code !== 143) process.stderr.write(`[${name}] exited ${code}\n${tail}\n`);
  });
  children.push(child);
  return child;
}

async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  child?: ChildProcess,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null)
      throw new Error(`${what}: process exited with ${child.exitCode}`);
    try {
      if (await check()) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} not ready after ${timeoutMs} ms`);
}

/** JSON-RPC call to the devnet (evm_increaseTime, evm_mine, ...). */
export async function rpc(method: string, params: unknown[] = []): Promise<unknown> {
  const res = await fetch(RPC_URL, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await res.json()) as { result?: unknown; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

/** The deployment the devnet got (deployments/31337.json, written by the deploy script). */
export type Deployment = {
  chainId: number;
  contracts: Record<string, { address: `0x${string}`; deployedOnBlock: number }>;
};

/**
 * Starts `hardhat node` on 127.0.0.1:18645 and deploys with scripts/deploy/index.ts (seeded cast),
 * which also regenerates frontend/src/contracts with the addresses.
 */
export async function startDevnet(): Promise<Deployment> {
  if (!existsSync(path.join(ROOT, "artifacts", "contracts"))) {
    const compiled = spawnSync(path.join(BIN, "hardhat"), ["compile", "--quiet"], {
      cwd: ROOT,
      stdio: "inherit",
    });
    if (compiled.status !== 0) throw new Error("hardhat compile failed");
  }
  const node = start(
    "hardhat node",
    path.join(BIN, "hardhat"),
    ["node", "--hostname", "127.0.0.1", "--port", String(DEVNET_PORT)],
    {},
  );
  await waitFor("devnet", async () => Boolean(await rpc("eth_chainId")), 60_000, node);
  const deploy = spawnSync(
    path.join(BIN, "hardhat"),
    ["run", "--no-compile", "--network", "localhost", "scripts/deploy/index.ts"],
    {
      cwd: ROOT,
      env: { ...process.env, RPC_URL, SEED_DEVNET: "true" },
      encoding: "utf8",
      timeout: 180_000,
    },
  );
  if (deploy.status !== 0) throw new Error(`deploy failed:\n${deploy.stderr}\n${deploy.stdout}`);
  return JSON.parse(
    readFileSync(path.join(ROOT, "deployments", "31337.json"), "utf8"),
  ) as Deployment;
}

let apiDataDir: string | undefined;

/** Hardhat's well-known devnet keys (public; devnet only): #0 operator, #6 supplier. */
export const DEVNET_KEYS = {
  operator: "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
  supplier: "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
} as const;

/** Signs in to the API with SIWE and returns the bearer token. */
export async function apiSignIn(key: `0x${string}`): Promise<string> {
  const account = privateKeyToAccount(key);
  const { nonce } = (await (await fetch(`${API_URL}/v1/auth/nonce`)).json()) as { nonce: string };
  const message = createSiweMessage({
    address: account.address,
    chainId: 31337,
    domain: new URL(APP_URL).host,
    nonce,
    uri: `${APP_URL}/`,
    version: "1",
    issuedAt: new Date(),
  });
  const signature = await account.signMessage({ message });
  const res = await fetch(`${API_URL}/v1/auth/verify`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ message, signature }),
  });
  const body = (await res.json()) as { token?: string };
  if (!res.ok || !body.token)
    throw new Error(`sign-in failed: ${res.status} ${JSON.stringify(body)}`);
  return body.token;
}

/** POSTs JSON to the API with a bearer token; throws on a non-2xx answer. */
export async function apiPost(path: string, token: string, body: unknown): Promise<unknown> {
  const res = await fetch(`${API_URL}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as unknown;
  if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** Hardhat's public devnet mnemonic: the seeded meters are its accounts #11-#14. */
const DEVNET_MNEMONIC = "test test test test test test test test test test test junk";

/**
 * The devnet's metering gateway, node-side as a real one is: each seeded meter (devnet
 * `meterIndex`) signs its reading for its participant, the operator anchors the batch in the
 * MeteringLedger, and the bundle JSON comes back for anyone to submit.
 */
export async function gatewayBundle(
  deployment: Deployment,
  meterIndex: number,
  reading: Omit<MeterReading, "meter" | "verdict">,
): Promise<string> {
  return gatewayBatch(deployment, [{ meterIndex, reading }]);
}

/** `gatewayBundle` for several meters' readings in one batch. */
export async function gatewayBatch(
  deployment: Deployment,
  entries: readonly {
    meterIndex: number;
    reading: Omit<MeterReading, "meter" | "verdict">;
    verdict?: MeterReading["verdict"];
  }[],
): Promise<string> {
  const ledger = deployment.contracts.MeteringLedger!.address;
  const signed: MeterReading[] = [];
  const signatures: Hex[] = [];
  for (const e of entries) {
    const meter = mnemonicToAccount(DEVNET_MNEMONIC, { addressIndex: e.meterIndex });
    const r: MeterReading = {
      ...e.reading,
      meter: meter.address,
      verdict: e.verdict ?? ReadingVerdict.Trusted,
    };
    signed.push(r);
    signatures.push(
      await meter.signTypedData(meteringReadingTypedData(deployment.chainId, ledger, r)),
    );
  }
  const tree = StandardMerkleTree.of(signed.map(meterReadingLeafValues), [
    ...METER_READING_LEAF_TYPES,
  ]);
  const root = tree.root as Hex;
  const operator = privateKeyToAccount(DEVNET_KEYS.operator).address;
  const hash = await rpc("eth_sendTransaction", [
    {
      from: operator,
      to: ledger,
      data: encodeFunctionData({
        abi: abis.MeteringLedger,
        functionName: "anchorBatch",
        args: [root, signed.length, "e2e gateway"],
      }),
    },
  ]);
  const receipt = (await rpc("eth_getTransactionReceipt", [hash])) as { status: string } | null;
  if (receipt?.status !== "0x1") throw new Error("anchorBatch failed");
  const batchId = await viewCall(ledger as Address, abis.MeteringLedger, "batchIdOf", [root]);
  return stringifyReadingBundle({
    chainId: deployment.chainId,
    ledger: ledger as Address,
    batchId,
    root,
    readings: signed,
    signatures,
    proofs: signed.map((_, i) => tree.getProof(i) as Hex[]),
  });
}

/** The period ids of a TDVA event's baseline and event windows, as the registry names them. */
export async function tdvaWindows(
  deployment: Deployment,
  eventId: bigint,
): Promise<{ baseline: bigint; event: bigint }> {
  const registry = deployment.contracts.DispatchRegistry!.address as Address;
  const read = (w: MeterWindow) =>
    viewCall(registry, abis.DispatchRegistry, "windowPeriodId", [eventId, w]);
  return { baseline: await read(MeterWindow.Baseline), event: await read(MeterWindow.Event) };
}

async function viewCall<const abi extends Abi, name extends ContractFunctionName<abi, "view">>(
  to: Address,
  abi: abi,
  functionName: name,
  args: ContractFunctionArgs<abi, "view", name>,
): Promise<ContractFunctionReturnType<abi, "view", name>> {
  const data = encodeFunctionData({ abi, functionName, args } as never);
  const out = (await rpc("eth_call", [{ to, data }, "latest"])) as Hex;
  return decodeFunctionResult({ abi, functionName, data: out } as never) as never;
}

/**
 * Tampers a stored record behind the API's back: rewrites the content-store block (the embedded
 * IPFS blockstore on disk) that holds the document containing `marker`, changing one value.
 */
export function tamperStoredDocument(marker: string, from: string, to: string): string {
  if (!apiDataDir) throw new Error("the API is not running");
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.name.endsWith(".data")) files.push(full);
    }
  };
  walk(apiDataDir);
  for (const file of files) {
    const text = readFileSync(file, "latin1");
    if (text.includes(marker) && text.includes(from)) {
      writeFileSync(file, Buffer.from(text.replace(from, to), "latin1"));
      return file;
    }
  }
  throw new Error(
    `no stored block contains ${marker} and ${from} (${files.length} blocks searched)`,
  );
}

/** Starts the REST API (`gridledger serve`) against the devnet, if the services provide it. */
export async function startApi(): Promise<boolean> {
  const help = spawnSync(path.join(ROOT, "services", "bin", "gridledger.mjs"), ["--help"], {
    cwd: ROOT,
    encoding: "utf8",
  });
  if (!/\bserve\b/.test(help.stdout)) return false;
  // One retry: on a 2-core machine the API's start-up probe of the chain can time out once.
  for (let attempt = 1; ; attempt++) {
    const dataDir = mkdtempSync(path.join(tmpdir(), "gl-frontend-api-"));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const api = start("api", path.join(ROOT, "services", "bin", "gridledger.mjs"), ["serve"], {
      RPC_URL,
      API_HOST: "127.0.0.1",
      API_PORT: String(API_PORT),
      DEPLOYMENT_FILE: path.join(ROOT, "deployments", "31337.json"),
      DATA_DIR: dataDir,
      LOG_LEVEL: "warn",
      INDEXER_POLL_MS: "200",
      ANCHOR_MAX_WAIT_MS: "500",
      // Alerts evaluated every second and fired at once, for the Alerts page case.
      ALERT_EVAL_INTERVAL_MS: "1000",
      ALERT_FOR_S: "0",
      // Users sign in from the web app's origin; the API never takes the domain from Host.
      SIWE_DOMAIN: new URL(APP_URL).host,
      SIWE_URI: APP_URL,
    });
    try {
      await waitFor(
        "api",
        async () => (await fetch(`${API_URL}/v1/health`)).status > 0,
        60_000,
        api,
      );
      apiDataDir = dataDir;
      return true;
    } catch (error) {
      if (api.exitCode === null) api.kill("SIGKILL");
      if (attempt >= 2) throw error;
    }
  }
}

/** Builds the app (with the fresh bindings) and serves it with `vite preview` on 127.0.0.1:18601. */
export async function startApp(): Promise<void> {
  const built = spawnSync(path.join(BIN, "vite"), ["build", "--logLevel", "warn"], {
    cwd: FRONTEND,
    encoding: "utf8",
  });
  if (built.status !== 0) throw new Error(`vite build failed:\n${built.stderr}\n${built.stdout}`);
  const app = start(
    "vite preview",
    path.join(BIN, "vite"),
    ["preview", "--host", "127.0.0.1", "--port", String(APP_PORT), "--strictPort"],
    { RPC_URL, API_URL },
    FRONTEND,
  );
  await waitFor("app", async () => (await fetch(APP_URL)).ok, 30_000, app);
}

/** Launches Debian's Chromium headless with a fresh profile (never a downloaded browser). */
export async function launchChromium(): Promise<BrowserContext> {
  const profile = mkdtempSync(path.join(tmpdir(), "gl-chromium-"));
  cleanups.push(() => rmSync(profile, { recursive: true, force: true }));
  mkdirSync(OUTPUT, { recursive: true });
  // playwright-core takes the fresh profile as launchPersistentContext's userDataDir, which it
  // passes to Chromium as --user-data-dir.
  return chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    viewport: { width: 1280, height: 860 },
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
