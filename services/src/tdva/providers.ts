import { fingerprintJson } from "@gridledger/domain/fingerprint";
import { abis, meterCertificateTypedData } from "@gridledger/protocol";
import { contractAddress } from "../chain/deployment.ts";
import type { ChainSession } from "../chain/session.ts";

/** A DER provider as a devnet account with its meter, registered on a feeder at a bus. */
export type ProviderAccount = {
  account: number;
  meter: number;
  bus: string;
  kind: number;
  renewable: boolean;
};

/**
 * Registers and approves `providers` on `feederId` and binds their meters with operator-signed
 * certificates (idempotent: what is already in place is left alone). Returns how many
 * transactions it sent. The operator is devnet account 0.
 */
export async function ensureProviders(
  chain: ChainSession,
  feederId: number,
  providers: readonly ProviderAccount[],
): Promise<number> {
  const registry = contractAddress(chain.deployment, "ParticipantRegistry");
  const abi = abis.ParticipantRegistry;
  const prosumerRole = await chain.publicClient.readContract({
    address: registry,
    abi,
    functionName: "PROSUMER_ROLE",
  });
  let sent = 0;
  for (const p of providers) {
    const account = chain.address(p.account);
    // Providers send their own transactions (apply, withdraw): gas money first, on any chain.
    await chain.fund(p.account);
    const record = await chain.publicClient.readContract({
      address: registry,
      abi,
      functionName: "participant",
      args: [account],
    });
    if (record.status === 0) {
      const details = await fingerprintJson({
        demo: "dispatch",
        bus: p.bus,
        kind: p.kind,
        feeder: feederId,
      });
      await chain.write("apply", p.account, {
        address: registry,
        abi,
        functionName: "applyAsParticipant",
        args: [p.kind, p.renewable, feederId, Number(p.bus), details.keccak256, details.cid],
      });
      sent++;
    }
    if (record.status !== 2) {
      const application = await chain.publicClient.readContract({
        address: registry,
        abi,
        functionName: "applicationHash",
        args: [account],
      });
      await chain.write("approve", 0, {
        address: registry,
        abi,
        functionName: "approve",
        args: [account, prosumerRole, application],
      });
      sent++;
    }
    const meter = chain.address(p.meter);
    const bound = await chain.publicClient.readContract({
      address: registry,
      abi,
      functionName: "participantOfMeter",
      args: [meter],
    });
    if (bound.toLowerCase() !== account.toLowerCase()) {
      const expiry = BigInt((await chain.latestTimestamp()) + 365 * 86_400);
      const nonce = BigInt(
        `0x${(await fingerprintJson({ meter, account, expiry: expiry.toString() })).keccak256.slice(2, 18)}`,
      );
      const signature = await chain.wallet(0).signTypedData({
        ...meterCertificateTypedData(chain.deployment.chainId, registry),
        message: { meter, participant: account, expiry, nonce },
      });
      // Anyone may submit the operator-signed certificate; the operator pays the gas here.
      await chain.write("bindMeter", 0, {
        address: registry,
        abi,
        functionName: "bindMeter",
        args: [meter, account, expiry, nonce, signature],
      });
      sent++;
    }
  }
  return sent;
}
