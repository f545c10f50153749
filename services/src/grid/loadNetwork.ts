import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { BaseError } from "../common/errors.ts";
import { parseNetwork, type Network } from "./network.ts";

/** Networks shipped as data in services/data/networks/. */
export const SHIPPED_NETWORKS = ["ieee33", "ieee69", "six-node"] as const;
export type ShippedNetwork = (typeof SHIPPED_NETWORKS)[number];

/** Path of a shipped network file. */
export function shippedNetworkPath(name: ShippedNetwork): string {
  return fileURLToPath(new URL(`../../data/networks/${name}.json`, import.meta.url));
}

/**
 * Loads and validates one of the shipped networks.
 *
 * @example const net = loadShippedNetwork("ieee33"); net.buses.length // 33
 */
export function loadShippedNetwork(name: ShippedNetwork): Network {
  if (!SHIPPED_NETWORKS.includes(name)) throw new BaseError(`no shipped network "${name}"`);
  return parseNetwork(JSON.parse(readFileSync(shippedNetworkPath(name), "utf8")), name);
}

/** Published reference figures some shipped networks carry (`publishedResults`). */
export function publishedResults(
  network: Network,
): { p_loss_kw: number; vmin_pu: number; vmin_bus: number } | undefined {
  const value = (network as Record<string, unknown>)["publishedResults"];
  return value as { p_loss_kw: number; vmin_pu: number; vmin_bus: number } | undefined;
}
