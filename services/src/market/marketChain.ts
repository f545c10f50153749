import { createServer } from "node:net";
import { loadConfig } from "../config/config.ts";
import { connectChainSession, type ChainSession } from "../chain/session.ts";

/** A free TCP port on the loopback interface (for a throwaway devnet). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address
          ? resolve(address.port)
          : reject(new Error("no port")),
      );
    });
  });
}

/**
 * Runs `body` on the configured chain (RPC_URL and DEPLOYMENT_FILE) when it answers, else on a
 * throwaway devnet deployed with the repository's deploy script on a free port; the devnet is
 * stopped afterwards whatever happens. Silent: the CLI's stdout and stderr carry only its result.
 */
export async function withMarketChain<T>(body: (chain: ChainSession) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const chain = await connectChainSession({
    rpcUrl: config.RPC_URL,
    deploymentFile: config.DEPLOYMENT_FILE,
    fallbackPort: await freePort(),
    log: () => {},
  });
  try {
    return await body(chain);
  } finally {
    await chain.close();
  }
}
