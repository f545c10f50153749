// The EIP-712 meter certificate of the participant registry (001 eq. 5): the operator signs
// (meter, participant, expiry, nonce); anyone submits it to bindMeter. One definition for the
// deploy/seed scripts and the contract tests, matching METER_CERTIFICATE_TYPEHASH.
import type { Signer, TypedDataDomain } from "ethers";

export const METER_CERTIFICATE_TYPES = {
  MeterCertificate: [
    { name: "meter", type: "address" },
    { name: "participant", type: "address" },
    { name: "expiry", type: "uint64" },
    { name: "nonce", type: "uint256" },
  ],
};

export type MeterCertificate = {
  meter: string;
  participant: string;
  expiry: bigint;
  nonce: bigint;
};

/** The registry's EIP-712 domain on `chainId` at `registry`. */
export function meterCertificateDomain(chainId: bigint, registry: string): TypedDataDomain {
  return {
    name: "GridLedger ParticipantRegistry",
    version: "1",
    chainId,
    verifyingContract: registry,
  };
}

/** Signs a meter certificate with `signer` (the operator, for a valid one). */
export function signMeterCertificate(
  signer: Signer,
  chainId: bigint,
  registry: string,
  certificate: MeterCertificate,
): Promise<string> {
  return signer.signTypedData(
    meterCertificateDomain(chainId, registry),
    METER_CERTIFICATE_TYPES,
    certificate,
  );
}
