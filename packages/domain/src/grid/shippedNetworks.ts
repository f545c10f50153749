import { BaseError } from "../errors.ts";
import { parseNetwork, type Network } from "./network.ts";
// JSON modules rather than file reads, so Node, Vite and the browser load them the same way.
import ieee33 from "../../data/networks/ieee33.json" with { type: "json" };
import ieee69 from "../../data/networks/ieee69.json" with { type: "json" };
import sixNode from "../../data/networks/six-node.json" with { type: "json" };

/** Networks shipped as data in packages/domain/data/networks/. */
export const SHIPPED_NETWORKS = ["ieee33", "ieee69", "six-node"] as const;
export type ShippedNetwork = (typeof SHIPPED_NETWORKS)[number];

const shipped: Record<ShippedNetwork, unknown> = { ieee33, ieee69, "six-node": sixNode };

/**
 * Validates one of the shipped networks (a fresh copy each call).
 *
 * @example const net = loadShippedNetwork("ieee33"); net.buses.length // 33
 */
export function loadShippedNetwork(name: ShippedNetwork): Network {
  if (!SHIPPED_NETWORKS.includes(name)) throw new BaseError(`no shipped network "${name}"`);
  return parseNetwork(structuredClone(shipped[name]), name);
}

/** Published reference figures some shipped networks carry (`publishedResults`). */
export function publishedResults(
  network: Network,
): { p_loss_kw: number; vmin_pu: number; vmin_bus: number } | undefined {
  const value = (network as Record<string, unknown>)["publishedResults"];
  return value as { p_loss_kw: number; vmin_pu: number; vmin_bus: number } | undefined;
}
