import { ValidationError } from "@gridledger/domain/errors";
import type { Config } from "../config/config.ts";
import type { ContentStore } from "./contentStore.ts";

/**
 * Opens the content store the configuration names: the embedded Helia node under `DATA_DIR`
 * (CONTENT_STORE=helia, the default) or the Kubo daemon at `IPFS_API` (CONTENT_STORE=kubo).
 * Implementations are imported on demand, so choosing one never loads the other.
 *
 * @example const store = await createContentStore(loadConfig())
 */
export async function createContentStore(
  config: Pick<Config, "CONTENT_STORE" | "IPFS_API" | "DATA_DIR">,
): Promise<ContentStore> {
  if (config.CONTENT_STORE === "kubo") {
    if (config.IPFS_API === undefined) {
      throw new ValidationError(
        [{ path: "IPFS_API", message: "required when CONTENT_STORE=kubo" }],
        "configuration",
      );
    }
    const { KuboContentStore } = await import("./kuboStore.ts");
    return KuboContentStore.connect({ url: config.IPFS_API });
  }
  const { HeliaContentStore } = await import("./heliaStore.ts");
  return HeliaContentStore.open(config.DATA_DIR);
}
