import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { Signer } from "ethers";
import type { MeterReadings } from "../../typechain-types";
import { admit, bindMeter } from "./registryHelpers";

const coder = ethers.AbiCoder.defaultAbiCoder();
const ZERO20 = ethers.ZeroHash.slice(0, 42);

/** A meter's secret chain r_1, r_2, ... derived from a seed, and the commitments H(r_i). */
function secret(seed: string, i: number): string {
  return ethers.id(`${seed}:${i}`);
}
/** The 20-byte commitment: the first 20 bytes of keccak256(abi.encode(r_i)). */
function commitmentOf(preimage: string): string {
  return ethers.dataSlice(ethers.keccak256(coder.encode(["bytes32"], [preimage])), 0, 20);
}

async function signReading(
  readings: MeterReadings,
  signer: Signer,
  meter: string,
  seq: bigint,
  readingTime: bigint,
  value: bigint,
): Promise<string> {
  const { chainId } = await ethers.provider.getNetwork();
  return signer.signTypedData(
    {
      name: "GridLedger MeterReadings",
      version: "1",
      chainId,
      verifyingContract: await readings.getAddress(),
    },
    {
      MeterReading: [
        { name: "meter", type: "address" },
        { name: "seq", type: "uint48" },
        { name: "readingTime", type: "uint64" },
        { name: "value", type: "int96" },
      ],
    },
    { meter, seq, readingTime, value },
  );
}

async function deployFixture() {
  const [operator, meter, relayer, prosumer, boundMeter, stranger] = await ethers.getSigners();
  const registry = await ethers.deployContract("ParticipantRegistry", [operator.address]);
  const readings = await ethers.deployContract("MeterReadings", [
    operator.address,
    await registry.getAddress(),
  ]);
  await readings.grantRole(await readings.METER_ROLE(), meter.address);
  await admit(registry, prosumer!, 33, 6);
  await bindMeter(registry, operator!, boundMeter!.address, prosumer!.address, 1n);
  return { readings, registry, operator, meter, relayer, prosumer, boundMeter, stranger };
}

describe("MeterReadings", () => {
  it("accepts a relayed chain of readings authenticated by successive preimages", async () => {
    const { readings, meter, relayer } = await loadFixture(deployFixture);
    await expect(readings.connect(meter).commit(commitmentOf(secret("m", 1))))
      .to.emit(readings, "ChainCommitted")
      .withArgs(meter.address, commitmentOf(secret("m", 1)));
    for (let i = 1; i <= 3; i++) {
      const next = commitmentOf(secret("m", i + 1));
      await expect(
        readings
          .connect(relayer)
          .submitWithPreimage(
            meter.address,
            1_000n + BigInt(i),
            500n * BigInt(i),
            secret("m", i),
            next,
          ),
      )
        .to.emit(readings, "ReadingAccepted")
        .withArgs(meter.address, BigInt(i - 1), 1_000n + BigInt(i), 500n * BigInt(i), next);
      await time.increase(300);
    }
    const state = await readings.meterState(meter.address);
    expect(state.seq).to.equal(3n);
    expect(state.commitment).to.equal(commitmentOf(secret("m", 4)));
    expect(state.lastValue).to.equal(1_500n);
  });

  it("reverts with MeterReadingsBadPreimage when a used preimage is replayed", async () => {
    const { readings, meter, relayer } = await loadFixture(deployFixture);
    await readings.connect(meter).commit(commitmentOf(secret("m", 1)));
    await readings
      .connect(relayer)
      .submitWithPreimage(meter.address, 1n, 10n, secret("m", 1), commitmentOf(secret("m", 2)));
    await expect(
      readings
        .connect(relayer)
        .submitWithPreimage(meter.address, 2n, 10n, secret("m", 1), commitmentOf(secret("m", 2))),
    )
      .to.be.revertedWithCustomError(readings, "MeterReadingsBadPreimage")
      .withArgs(meter.address, commitmentOf(secret("m", 2)));
  });

  it("reverts with MeterReadingsCommitmentExpired after the window and accepts after a re-commit", async () => {
    const { readings, meter, relayer } = await loadFixture(deployFixture);
    await readings.connect(meter).commit(commitmentOf(secret("m", 1)));
    const committedAt = BigInt(await time.latest());
    await time.increaseTo(committedAt + 601n);
    await expect(
      readings
        .connect(relayer)
        .submitWithPreimage(meter.address, 1n, 10n, secret("m", 1), commitmentOf(secret("m", 2))),
    )
      .to.be.revertedWithCustomError(readings, "MeterReadingsCommitmentExpired")
      .withArgs(meter.address, committedAt, committedAt + 600n);
    await readings.connect(meter).commit(commitmentOf(secret("n", 1)));
    await expect(
      readings
        .connect(relayer)
        .submitWithPreimage(meter.address, 1n, 10n, secret("n", 1), commitmentOf(secret("n", 2))),
    ).to.emit(readings, "ReadingAccepted");
  });

  it("accepts at exactly the window's end with an operator-configured window", async () => {
    const { readings, meter, relayer } = await loadFixture(deployFixture);
    await expect(readings.setValidityWindow(60))
      .to.emit(readings, "ValidityWindowSet")
      .withArgs(60);
    await readings.connect(meter).commit(commitmentOf(secret("m", 1)));
    await time.setNextBlockTimestamp(BigInt(await time.latest()) + 60n);
    await readings
      .connect(relayer)
      .submitWithPreimage(meter.address, 1n, 10n, secret("m", 1), commitmentOf(secret("m", 2)));
    await time.setNextBlockTimestamp(BigInt(await time.latest()) + 61n);
    await expect(
      readings
        .connect(relayer)
        .submitWithPreimage(meter.address, 2n, 10n, secret("m", 2), commitmentOf(secret("m", 3))),
    ).to.be.revertedWithCustomError(readings, "MeterReadingsCommitmentExpired");
  });

  it("reverts on a zero or repeated next commitment, a missing chain and out-of-order readings", async () => {
    const { readings, meter, relayer } = await loadFixture(deployFixture);
    await expect(
      readings.connect(relayer).submitWithPreimage(meter.address, 1n, 1n, secret("m", 1), ZERO20),
    )
      .to.be.revertedWithCustomError(readings, "MeterReadingsNoCommitment")
      .withArgs(meter.address);
    await expect(readings.connect(meter).commit(ZERO20))
      .to.be.revertedWithCustomError(readings, "MeterReadingsInvalidCommitment")
      .withArgs(ZERO20);
    const head = commitmentOf(secret("m", 1));
    await readings.connect(meter).commit(head);
    await expect(
      readings.connect(relayer).submitWithPreimage(meter.address, 1n, 1n, secret("m", 1), head),
    )
      .to.be.revertedWithCustomError(readings, "MeterReadingsInvalidCommitment")
      .withArgs(head);
    await readings
      .connect(relayer)
      .submitWithPreimage(meter.address, 5n, 1n, secret("m", 1), commitmentOf(secret("m", 2)));
    await expect(
      readings
        .connect(relayer)
        .submitWithPreimage(meter.address, 5n, 1n, secret("m", 2), commitmentOf(secret("m", 3))),
    )
      .to.be.revertedWithCustomError(readings, "MeterReadingsOutOfOrder")
      .withArgs(meter.address, 5n, 5n);
  });

  it("accepts a meter bound in the participant registry and refuses unknown accounts", async () => {
    const { readings, registry, boundMeter, stranger, relayer, prosumer } =
      await loadFixture(deployFixture);
    expect(await readings.isMeter(boundMeter.address)).to.equal(true);
    await readings.connect(boundMeter).commit(commitmentOf(secret("b", 1)));
    await readings
      .connect(relayer)
      .submitWithPreimage(boundMeter.address, 1n, 7n, secret("b", 1), commitmentOf(secret("b", 2)));
    await expect(readings.connect(stranger).commit(commitmentOf(secret("s", 1))))
      .to.be.revertedWithCustomError(readings, "MeterReadingsUnknownMeter")
      .withArgs(stranger.address);
    // Revoking the binding in the registry stops the meter here too.
    await registry.connect(prosumer).revokeMeter(boundMeter.address);
    await expect(
      readings
        .connect(relayer)
        .submitWithPreimage(
          boundMeter.address,
          2n,
          7n,
          secret("b", 2),
          commitmentOf(secret("b", 3)),
        ),
    )
      .to.be.revertedWithCustomError(readings, "MeterReadingsUnknownMeter")
      .withArgs(boundMeter.address);
  });

  it("accepts a relayed EIP-712 signed reading once and refuses its replay", async () => {
    const { readings, meter, relayer, stranger } = await loadFixture(deployFixture);
    const signature = await signReading(readings, meter, meter.address, 0n, 100n, -250n);
    await expect(readings.connect(relayer).submitSigned(meter.address, 100n, -250n, signature))
      .to.emit(readings, "ReadingAccepted")
      .withArgs(meter.address, 0n, 100n, -250n, ZERO20);
    // Replay: the digest now uses seq 1, so the recovered signer is someone else.
    await expect(
      readings.connect(relayer).submitSigned(meter.address, 100n, -250n, signature),
    ).to.be.revertedWithCustomError(readings, "MeterReadingsInvalidSignature");
    const forged = await signReading(readings, stranger, meter.address, 1n, 200n, 1n);
    await expect(readings.connect(relayer).submitSigned(meter.address, 200n, 1n, forged))
      .to.be.revertedWithCustomError(readings, "MeterReadingsInvalidSignature")
      .withArgs(meter.address, stranger.address);
  });

  it("lets only the operator set a positive window", async () => {
    const { readings, stranger } = await loadFixture(deployFixture);
    expect(await readings.validityWindow()).to.equal(600n);
    await expect(readings.connect(stranger).setValidityWindow(5))
      .to.be.revertedWithCustomError(readings, "AccessControlUnauthorizedAccount")
      .withArgs(stranger.address, await readings.OPERATOR_ROLE());
    await expect(readings.setValidityWindow(0)).to.be.revertedWithCustomError(
      readings,
      "MeterReadingsZeroWindow",
    );
  });
});
