/**
 * EIP-712 typed data of every signature a contract verifies, built from the generated facts
 * (domain name and version from the contract's constructor, types from its *_TYPEHASH string),
 * so what a wallet signs can never drift from what the contract hashes.
 */
import type { Address } from "viem";
import { typedData } from "./generated/facts.js";

type Signing = typeof typedData;

/** Domain, types and primary type for signing against `contract` at `verifyingContract`. */
export function typedDataOf<C extends keyof Signing>(
  contract: C,
  chainId: number,
  verifyingContract: Address,
) {
  const fact = typedData[contract];
  const primaryType = Object.keys(fact.types)[0] as keyof Signing[C]["types"] & string;
  return {
    domain: { ...fact.domain, chainId, verifyingContract },
    types: fact.types as Signing[C]["types"],
    primaryType,
  } as const;
}

/** What a provider signs for the DispatchRegistry (Offer). */
export const offerTypedData = (chainId: number, registry: Address) =>
  typedDataOf("DispatchRegistry", chainId, registry);

/** What a participant signs to bind a meter in the ParticipantRegistry (MeterCertificate). */
export const meterCertificateTypedData = (chainId: number, registry: Address) =>
  typedDataOf("ParticipantRegistry", chainId, registry);

/** What a meter signs for MeterReadings (MeterReading). */
export const meterReadingTypedData = (chainId: number, readings: Address) =>
  typedDataOf("MeterReadings", chainId, readings);
