import { useReadContracts } from "wagmi";
import { isHex, type Abi, type Address } from "viem";
import { appChain } from "../config/wagmi.ts";
import { deployedOn } from "./contracts.ts";

/** One AccessControl role held (or not) on one contract. */
export type RoleGrant = { contract: string; role: string; held: boolean };

type RoleQuery = { contract: string; role: string; address: Address; abi: Abi };

const roleId = (result: unknown) => (typeof result === "string" && isHex(result) ? result : "0x");

function roleQueries(): RoleQuery[] {
  const queries: RoleQuery[] = [];
  for (const c of deployedOn(appChain.id)) {
    const hasRole = c.abi.some((i) => i.type === "function" && i.name === "hasRole");
    if (!hasRole) continue;
    for (const item of c.abi) {
      if (item.type === "function" && /_ROLE$/.test(item.name) && item.inputs.length === 0) {
        queries.push({ contract: c.name, role: item.name, address: c.address, abi: c.abi });
      }
    }
  }
  return queries;
}

/**
 * The roles an account holds on every deployed GridLedger contract, discovered from the ABIs
 * (every `*_ROLE()` constant of an AccessControl contract), so new contracts need no UI change.
 * The one contract read whose function names are found at run time: it takes the ABIs as plain
 * `Abi` and checks what comes back instead of typing it from a name.
 */
export function useRoles(account: Address | undefined): {
  grants: RoleGrant[];
  isLoading: boolean;
} {
  const queries = roleQueries();
  const ids = useReadContracts({
    contracts: queries.map((q) => ({
      address: q.address,
      abi: q.abi,
      functionName: q.role,
      chainId: appChain.id,
    })),
    query: { staleTime: Infinity },
  });
  const held = useReadContracts({
    contracts: queries.map((q, i) => ({
      address: q.address,
      abi: q.abi,
      functionName: "hasRole",
      args: [
        roleId(ids.data?.[i]?.result),
        account ?? "0x0000000000000000000000000000000000000000",
      ],
      chainId: appChain.id,
    })),
    query: { enabled: Boolean(account && ids.data) },
  });
  const grants = queries.map((q, i) => ({
    contract: q.contract,
    role: q.role,
    held: held.data?.[i]?.result === true,
  }));
  return { grants, isLoading: ids.isLoading || held.isLoading };
}
