// `npm start`: brings GridLedger up on embedded defaults. Today: a local Hardhat node on
// 127.0.0.1:8545 with every contract deployed; later pieces (API, indexer, web app) join here.
// Ctrl-C stops everything.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";

const ROOT = path.resolve(__dirname, "..");
const HOST = process.env.DEVNET_HOST ?? "127.0.0.1";
const PORT = Number(process.env.DEVNET_PORT ?? 8545);
const RPC_URL = `http://${HOST}:${PORT}`;
const HARDHAT = path.join(ROOT, "node_modules", ".bin", "hardhat");

const children: ChildProcess[] = [];

function stopAll(code: number): never {
  for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
  process.exit(code);
}
process.on("SIGINT", () => stopAll(0));
process.on("SIGTERM", () => stopAll(0));

async function rpcReady(timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      const res = await fetch(RPC_URL, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the devnet did not answer on ${RPC_URL} within ${timeoutMs} ms`);
}

async function main(): Promise<void> {
  const compile = spawnSync(HARDHAT, ["compile", "--quiet"], { cwd: ROOT, stdio: "inherit" });
  if (compile.status !== 0) stopAll(compile.status ?? 1);

  const node = spawn(HARDHAT, ["node", "--hostname", HOST, "--port", String(PORT)], {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "inherit"],
  });
  children.push(node);
  node.on("exit", (code) => {
    process.stderr.write(`hardhat node exited (${code ?? "signal"})\n`);
    stopAll(code ?? 1);
  });
  await rpcReady(60_000);

  const deploy = spawnSync(HARDHAT, ["run", "--network", "localhost", "scripts/deploy/index.ts"], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, RPC_URL, SEED_DEVNET: "true" },
  });
  if (deploy.status !== 0) stopAll(deploy.status ?? 1);
  const deployment = JSON.parse(
    readFileSync(path.join(ROOT, "deployments", "localhost.json"), "utf8"),
  ) as {
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

  const lines = [
    "",
    "GridLedger devnet is running.",
    `  JSON-RPC   ${RPC_URL}  (chain id ${deployment.chainId})`,
    "  Contracts:",
    ...Object.entries(deployment.contracts).map(
      ([name, c]) => `    ${name.padEnd(22)} ${c.address}`,
    ),
    '  Accounts (Hardhat devnet mnemonic "test test ... junk"; 10,000 GLT each):',
    `    #0  ${"operator".padEnd(11)} ${"".padEnd(18)} 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266`,
    ...(deployment.seeded ?? []).map(
      (a) =>
        `    #${String(a.index).padEnd(2)} ${a.role.padEnd(11)} ${`${a.kind}@bus${a.bus}`.padEnd(18)} ${a.address}` +
        (a.meter ? `  meter ${a.meter}` : ""),
    ),
    "  Deployment: deployments/localhost.json",
    "Press Ctrl-C to stop.",
    "",
  ];
  process.stdout.write(lines.join("\n"));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  stopAll(1);
});
