import sixNode from "@gridledger/domain/networks/six-node.json";
import { parseNetwork, type Network } from "@gridledger/domain/grid";

/** The devnet's feeder (001 section 4's 6-node feeder): the one the seeded cast sits on. */
export function sixNodeFeeder(): Network {
  return parseNetwork(sixNode, "six-node feeder");
}

/** Loads a shipped feeder by name (the larger IEEE feeders are split into their own chunks). */
export async function loadFeeder(name: "six-node" | "ieee33" | "ieee69"): Promise<Network> {
  if (name === "six-node") return sixNodeFeeder();
  const json =
    name === "ieee33"
      ? await import("@gridledger/domain/networks/ieee33.json")
      : await import("@gridledger/domain/networks/ieee69.json");
  return parseNetwork(json.default, `${name} feeder`);
}
