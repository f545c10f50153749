import type { Address } from "viem";

// Pure (viem types only), so the web app imports it too: one definition of what providers sign.

/** The DispatchRegistry's EIP-712 domain and Offer type (what providers sign, what it checks). */
export function offerTypedData(chainId: number, registry: Address) {
  return {
    domain: {
      name: "GridLedger DispatchRegistry",
      version: "1",
      chainId,
      verifyingContract: registry,
    },
    types: {
      Offer: [
        { name: "eventId", type: "uint256" },
        { name: "provider", type: "address" },
        { name: "maxPowerW", type: "uint32" },
        { name: "maxEnergyWh", type: "uint64" },
        { name: "signedAt", type: "uint40" },
        { name: "segments", type: "uint96[]" },
      ],
    },
    primaryType: "Offer",
  } as const;
}
