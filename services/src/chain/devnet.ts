import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** Repository root (services/src/chain → ../../..). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const HARDHAT = path.join(REPO_ROOT, "node_modules", ".bin", "hardhat");

/** Hardhat's well-known devnet accounts #0-#6 (keys of a public mnemonic; devnet only). */
export const DEVNET_KEYS = [
  "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
  "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
  "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
  "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
  "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
  "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
  "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
] as const;

/** A running throwaway chain with GridLedger deployed on it. */
export type Devnet = {
  rpcUrl: string;
  port: number;
  /** deployments JSON written for this chain (outside the repository's deployments/ folder). */
  deploymentFile: string;
  deployment: {
    chainId: number;
    contracts: Record<string, { address: string; deployedOnBlock: number }>;
  };
  /** Scratch directory for this devnet (deployment record; callers may put data dirs here). */
  dir: string;
  stop(): Promise<void>;
};

function run(args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(HARDHAT, args, { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`hardhat ${args.join(" ")} timed out after ${timeoutMs} ms\n${err}`));
    }, timeoutMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`hardhat ${args.join(" ")} exited ${code}\n${err}\n${out}`));
    });
  });
}

async function rpcReady(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`hardhat node exited with ${child.exitCode}`);
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`hardhat node at ${url} not ready after ${timeoutMs} ms`);
}

/** An artifact every deployment needs: when it is missing the contracts were never compiled. */
const MARKET_ARTIFACT = path.join(
  REPO_ROOT,
  "artifacts/contracts/market/EnergyMarket.sol/EnergyMarket.json",
);

/**
 * Starts a real `hardhat node` on 127.0.0.1:`port` (use your suite's own port in 18500-18599) and
 * deploys every GridLedger contract with scripts/deploy/index.ts. The contracts are compiled first
 * only when they never were (a fresh `npm ci`: about a minute); tests compile beforehand
 * (`npm run compile`), so they take no Hardhat lock here.
 *
 * @example const devnet = await startDevnet(18510); ...; await devnet.stop()
 */
export async function startDevnet(port: number): Promise<Devnet> {
  if (!existsSync(MARKET_ARTIFACT)) await run(["compile", "--quiet"], process.env, 600_000);
  const dir = mkdtempSync(path.join(tmpdir(), `gl-devnet-${port}-`));
  const rpcUrl = `http://127.0.0.1:${port}`;
  const env = { ...process.env, RPC_URL: rpcUrl };
  const child = spawn(HARDHAT, ["node", "--hostname", "127.0.0.1", "--port", String(port)], {
    cwd: REPO_ROOT,
    env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3_000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await rpcReady(rpcUrl, child, 30_000);
    const deploymentFile = path.join(dir, "deployment.json");
    await run(
      ["run", "--no-compile", "--network", "localhost", "scripts/deploy/index.ts"],
      { ...env, DEPLOYMENT_OUT: deploymentFile },
      90_000,
    );
    const deployment = JSON.parse(readFileSync(deploymentFile, "utf8")) as Devnet["deployment"];
    return { rpcUrl, port, deploymentFile, deployment, dir, stop };
  } catch (error) {
    await stop();
    throw new Error(`devnet on port ${port} failed: ${String(error)}\n${stderr}`, { cause: error });
  }
}

/** Calls a JSON-RPC method on a node (Hardhat's evm_mine, evm_snapshot, ...; or any eth_*). */
export async function devnetRpc(
  rpcUrl: string,
  method: string,
  params: unknown[] = [],
): Promise<unknown> {
  const res = await fetch(rpcUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await res.json()) as { result?: unknown; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}
