import { ethers } from "hardhat";
import { protocol } from "../helpers/protocol";
import type { Signer } from "ethers";
import type { ParticipantRegistry } from "../../typechain-types";
import { signMeterCertificate } from "../../scripts/deploy/meterCertificate";

/** ParticipantKind.PV, from the protocol package. */
export const KIND_PV = protocol.ParticipantKind.PV;

/** Applies `account` on `feederId` and has the operator approve it as a prosumer. */
export async function admit(
  registry: ParticipantRegistry,
  account: Signer,
  feederId: number,
  busId: number,
): Promise<void> {
  await registry
    .connect(account)
    .applyAsParticipant(
      KIND_PV,
      true,
      feederId,
      busId,
      ethers.id(`details:${await account.getAddress()}`),
      "",
    );
  const address = await account.getAddress();
  await registry.approve(
    address,
    await registry.PROSUMER_ROLE(),
    await registry.applicationHash(address),
  );
}

/** Binds `meter` to `participant` with a certificate signed by `operator`. */
export async function bindMeter(
  registry: ParticipantRegistry,
  operator: Signer,
  meter: string,
  participant: string,
  nonce: bigint,
): Promise<void> {
  const expiry = 2n ** 40n;
  const { chainId } = await ethers.provider.getNetwork();
  const signature = await signMeterCertificate(operator, chainId, await registry.getAddress(), {
    meter,
    participant,
    expiry,
    nonce,
  });
  await registry.bindMeter(meter, participant, expiry, nonce, signature);
}
