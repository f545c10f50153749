import { keccak256, stringToHex, type Address, type Hex } from "viem";
import { abis } from "@gridledger/protocol";
import { UpstreamError } from "@gridledger/domain/errors";
import type { ChainClients } from "./clients.ts";
import { contractAddress } from "./deployment.ts";

/** Roles the services act on, as named in the API. */
export type Role = "operator" | "supplier" | "aggregator" | "prosumer" | "auditor" | "anchorer";

const REGISTRY_ROLES: [Role, string][] = [
  ["operator", "OPERATOR_ROLE"],
  ["supplier", "SUPPLIER_ROLE"],
  ["aggregator", "AGGREGATOR_ROLE"],
  ["prosumer", "PROSUMER_ROLE"],
  ["auditor", "AUDITOR_ROLE"],
];

const roleId = (name: string): Hex => keccak256(stringToHex(name));

/**
 * Looks up an account's roles on-chain: AccessControl `hasRole` on the ParticipantRegistry (operator,
 * supplier, aggregator, prosumer, auditor) and on the DataAnchor (anchorer). Answers are cached for
 * `ttlMs` so a burst of requests costs one round of view calls, while a revocation takes effect
 * within that time.
 *
 * @example const roles = await new OnChainRoles(clients).rolesOf(address) // ["supplier"]
 */
export class OnChainRoles {
  readonly #clients: ChainClients;
  readonly #ttlMs: number;
  readonly #cache = new Map<string, { at: number; roles: Role[] }>();

  constructor(clients: ChainClients, ttlMs = 10_000) {
    this.#clients = clients;
    this.#ttlMs = ttlMs;
  }

  async rolesOf(account: Address): Promise<Role[]> {
    const key = account.toLowerCase();
    const hit = this.#cache.get(key);
    if (hit && Date.now() - hit.at < this.#ttlMs) return hit.roles;
    const { publicClient, deployment } = this.#clients;
    const checks: { role: Role; address: Address; id: Hex }[] = [];
    if (deployment.contracts.ParticipantRegistry) {
      const address = contractAddress(deployment, "ParticipantRegistry");
      for (const [role, name] of REGISTRY_ROLES) {
        checks.push({ role, address, id: roleId(name) });
      }
    }
    if (deployment.contracts.DataAnchor) {
      const address = contractAddress(deployment, "DataAnchor");
      checks.push({ role: "anchorer", address, id: roleId("ANCHORER_ROLE") });
    }
    let answers: boolean[];
    try {
      answers = await Promise.all(
        checks.map((c) =>
          publicClient.readContract({
            address: c.address,
            abi: abis.ParticipantRegistry,
            functionName: "hasRole",
            args: [c.id, account],
          }),
        ),
      );
    } catch (cause) {
      throw new UpstreamError("role lookup on-chain failed", { cause });
    }
    const roles = checks.filter((_, i) => answers[i]).map((c) => c.role);
    if (this.#cache.size > 10_000) this.#cache.clear();
    this.#cache.set(key, { at: Date.now(), roles });
    return roles;
  }
}
