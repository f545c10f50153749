// The EIP-712 meter certificate of the participant registry (001 eq. 5): the operator signs
// (meter, participant, expiry, nonce); anyone submits it to bindMeter. One definition for the
// deploy/seed scripts and the contract tests; domain and types come from the protocol package,
// which reads them from the contract (METER_CERTIFICATE_TYPEHASH and its EIP712 constructor).
import type { Signer, TypedDataDomain } from "ethers";
import { protocol } from "../../test/helpers/protocol";

const { domain, types } = protocol.typedData.ParticipantRegistry;
/** Mutable copy, as ethers' signTypedData takes it. */
export const METER_CERTIFICATE_TYPES = {
  MeterCertificate: types.MeterCertificate.map((field) => ({ ...field })),
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
    ...domain,
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
