import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, setStorageAt, time } from "@nomicfoundation/hardhat-network-helpers";
import type { Signer } from "ethers";
import type { MeterReadings } from "../../typechain-types";
import { admit, bindMeter } from "./registryHelpers";
import { protocol } from "../helpers/protocol";
import { deployProxied } from "../../scripts/deploy/proxy";

const coder = ethers.AbiCoder.defaultAbiCoder();
const ZERO20 = ethers.ZeroHash.slice(0, 42);
const MAX_U64 = 2n ** 64n - 1n;
const SKEW = 60n;

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
      ...protocol.typedData.MeterReadings.domain,
      chainId,
      verifyingContract: await readings.getAddress(),
    },
    {
      MeterReading: protocol.typedData.MeterReadings.types.MeterReading.map((field) => ({
        ...field,
      })),
    },
    { meter, seq, readingTime, value },
  );
}

/**
 * Storage slot of `_meters[meter]` (slot 0: commitment | committedAt | seq; slot 1:
 * lastReadingTime | lastValue). The mapping's base slot is found by probing for the stored
 * commitment of `probe` (a meter that has committed), so the test does not hard-code the layout.
 */
async function meterSlot(readings: MeterReadings, meter: string, probe = meter): Promise<bigint> {
  const { commitment } = await readings.meterState(probe);
  const address = await readings.getAddress();
  const slotOf = (account: string, base: bigint) =>
    BigInt(ethers.keccak256(coder.encode(["address", "uint256"], [account, base])));
  for (let base = 0n; base < 32n; base++) {
    const word = BigInt(await ethers.provider.getStorage(address, slotOf(probe, base)));
    if (word !== 0n && word % 2n ** 160n === BigInt(commitment)) return slotOf(meter, base);
  }
  throw new Error("meter state slot not found");
}

/** Overwrite the meter's lastReadingTime (low 64 bits of slot 1), keeping lastValue. */
async function forceLastReadingTime(
  readings: MeterReadings,
  meter: string,
  t: bigint,
  probe = meter,
) {
  const slot = (await meterSlot(readings, meter, probe)) + 1n;
  const address = await readings.getAddress();
  const word = BigInt(await ethers.provider.getStorage(address, slot));
  await setStorageAt(address, slot, ((word >> 64n) << 64n) | t);
  expect((await readings.meterState(meter)).lastReadingTime).to.equal(t);
}

async function deployFixture() {
  const [operator, meter, relayer, prosumer, boundMeter, stranger] = await ethers.getSigners();
  const registry = await deployProxied(ethers, "ParticipantRegistry", [], [operator.address]);
  const readings = await deployProxied(
    ethers,
    "MeterReadings",
    [await registry.getAddress()],
    [operator.address],
  );
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

  it("refuses readingTime 2^64 - 1 (MeterReadingsReadingInFuture) on both paths and stays usable", async () => {
    const { readings, meter, relayer, stranger } = await loadFixture(deployFixture);
    await readings.connect(meter).commit(commitmentOf(secret("m", 1)));
    // A front-runner copies the revealed r_1 with a far-future time and its own next commitment.
    const t = BigInt(await time.latest()) + 10n;
    await time.setNextBlockTimestamp(t);
    await expect(
      readings
        .connect(stranger)
        .submitWithPreimage(
          meter.address,
          MAX_U64,
          1n,
          secret("m", 1),
          commitmentOf(secret("x", 1)),
        ),
    )
      .to.be.revertedWithCustomError(readings, "MeterReadingsReadingInFuture")
      .withArgs(meter.address, MAX_U64, t + SKEW);
    const signature = await signReading(readings, meter, meter.address, 0n, MAX_U64, 1n);
    await time.setNextBlockTimestamp(t + 1n);
    await expect(readings.connect(stranger).submitSigned(meter.address, MAX_U64, 1n, signature))
      .to.be.revertedWithCustomError(readings, "MeterReadingsReadingInFuture")
      .withArgs(meter.address, MAX_U64, t + 1n + SKEW);
    // Nothing was stored: the meter's own reading with r_1 goes through.
    await expect(
      readings
        .connect(relayer)
        .submitWithPreimage(meter.address, t, 42n, secret("m", 1), commitmentOf(secret("m", 2))),
    )
      .to.emit(readings, "ReadingAccepted")
      .withArgs(meter.address, 0n, t, 42n, commitmentOf(secret("m", 2)));
    expect((await readings.meterState(meter.address)).lastReadingTime).to.equal(t);
  });

  it("accepts reading times up to block time + MAX_CLOCK_SKEW and refuses later ones", async () => {
    const { readings, meter, relayer } = await loadFixture(deployFixture);
    expect(await readings.MAX_CLOCK_SKEW()).to.equal(SKEW);
    await readings.connect(meter).commit(commitmentOf(secret("m", 1)));
    // Each call (reverted ones too) is mined in its own block: block times t, t + 1, ...
    const t = BigInt(await time.latest()) + 10n;
    const submit = async (blockTime: bigint, readingTime: bigint, value: bigint, i: number) => {
      await time.setNextBlockTimestamp(blockTime);
      return readings
        .connect(relayer)
        .submitWithPreimage(
          meter.address,
          readingTime,
          value,
          secret("m", i),
          commitmentOf(secret("m", i + 1)),
        );
    };
    // Three minutes ahead: refused, with the submitted time and the latest one allowed.
    await expect(submit(t, t + 180n, 1n, 1))
      .to.be.revertedWithCustomError(readings, "MeterReadingsReadingInFuture")
      .withArgs(meter.address, t + 180n, t + SKEW);
    // One second beyond the allowance: refused.
    await expect(submit(t + 1n, t + 1n + SKEW + 1n, 1n, 1))
      .to.be.revertedWithCustomError(readings, "MeterReadingsReadingInFuture")
      .withArgs(meter.address, t + 1n + SKEW + 1n, t + 1n + SKEW);
    // now - skew (a meter clock behind the chain) is accepted ...
    await expect(submit(t + 2n, t + 2n - SKEW, 1n, 1))
      .to.emit(readings, "ReadingAccepted")
      .withArgs(meter.address, 0n, t + 2n - SKEW, 1n, commitmentOf(secret("m", 2)));
    // ... and so is now + skew exactly (a meter clock ahead of the chain).
    await expect(submit(t + 3n, t + 3n + SKEW, 2n, 2))
      .to.emit(readings, "ReadingAccepted")
      .withArgs(meter.address, 1n, t + 3n + SKEW, 2n, commitmentOf(secret("m", 3)));
    // The signature path has the same bound.
    const ahead = t + 4n + SKEW + 1n;
    const early = await signReading(readings, meter, meter.address, 2n, ahead, 3n);
    await time.setNextBlockTimestamp(t + 4n);
    await expect(readings.connect(relayer).submitSigned(meter.address, ahead, 3n, early))
      .to.be.revertedWithCustomError(readings, "MeterReadingsReadingInFuture")
      .withArgs(meter.address, ahead, t + 4n + SKEW);
    await time.setNextBlockTimestamp(t + 5n);
    await expect(readings.connect(relayer).submitSigned(meter.address, ahead, 3n, early))
      .to.emit(readings, "ReadingAccepted")
      .withArgs(meter.address, 2n, ahead, 3n, ZERO20);
  });

  it("restarts a chain taken over by a front-runner with the meter's commit (ChainReset)", async () => {
    const { readings, meter, relayer, stranger } = await loadFixture(deployFixture);
    await readings.connect(meter).commit(commitmentOf(secret("m", 1)));
    // Documented limitation (0204): r_1 does not bind the reading, so a front-runner can submit
    // other data with it and its own next commitment; it can push the time only to now + skew.
    const t = BigInt(await time.latest()) + 10n;
    await time.setNextBlockTimestamp(t);
    const hijacked = commitmentOf(secret("x", 1));
    await readings
      .connect(stranger)
      .submitWithPreimage(meter.address, t + SKEW, -9_999n, secret("m", 1), hijacked);
    // The meter's chain is stuck: its own r_1 no longer matches, nor does r_2.
    for (const i of [1, 2]) {
      await expect(
        readings
          .connect(relayer)
          .submitWithPreimage(meter.address, t + SKEW + 1n, 5n, secret("m", i), ZERO20),
      )
        .to.be.revertedWithCustomError(readings, "MeterReadingsBadPreimage")
        .withArgs(meter.address, hijacked);
    }
    // The meter's own signed commit starts a fresh chain; seq and the time floor carry over.
    await expect(readings.connect(meter).commit(commitmentOf(secret("n", 1))))
      .to.emit(readings, "ChainReset")
      .withArgs(meter.address, hijacked, 1n, t + SKEW)
      .and.to.emit(readings, "ChainCommitted")
      .withArgs(meter.address, commitmentOf(secret("n", 1)));
    const reset = await readings.meterState(meter.address);
    expect(reset.commitment).to.equal(commitmentOf(secret("n", 1)));
    expect(reset.committedAt).to.equal(BigInt(await time.latest()));
    expect(reset.seq).to.equal(1n);
    expect(reset.lastReadingTime).to.equal(t + SKEW);
    // An old reading time cannot be replayed into the new chain.
    for (const old of [t + SKEW, t]) {
      await expect(
        readings
          .connect(relayer)
          .submitWithPreimage(meter.address, old, 5n, secret("n", 1), commitmentOf(secret("n", 2))),
      )
        .to.be.revertedWithCustomError(readings, "MeterReadingsOutOfOrder")
        .withArgs(meter.address, old, t + SKEW);
    }
    // A newer reading is accepted and the new chain advances.
    await expect(
      readings
        .connect(relayer)
        .submitWithPreimage(
          meter.address,
          t + SKEW + 1n,
          5n,
          secret("n", 1),
          commitmentOf(secret("n", 2)),
        ),
    )
      .to.emit(readings, "ReadingAccepted")
      .withArgs(meter.address, 1n, t + SKEW + 1n, 5n, commitmentOf(secret("n", 2)));
    await expect(
      readings
        .connect(relayer)
        .submitWithPreimage(
          meter.address,
          t + SKEW + 2n,
          6n,
          secret("n", 2),
          commitmentOf(secret("n", 3)),
        ),
    )
      .to.emit(readings, "ReadingAccepted")
      .withArgs(meter.address, 2n, t + SKEW + 2n, 6n, commitmentOf(secret("n", 3)));
  });

  it("lets commit() restart a meter locked at lastReadingTime 2^64 - 1 (simulated pre-fix state)", async () => {
    const { readings, meter, relayer } = await loadFixture(deployFixture);
    await readings.connect(meter).commit(commitmentOf(secret("m", 1)));
    const first = BigInt(await time.latest());
    await readings
      .connect(relayer)
      .submitWithPreimage(meter.address, first, 77n, secret("m", 1), commitmentOf(secret("m", 2)));
    // The state the old contract let a front-runner reach; unreachable through the bounded paths.
    await forceLastReadingTime(readings, meter.address, MAX_U64);
    const now = BigInt(await time.latest()) + 5n;
    await time.setNextBlockTimestamp(now);
    await expect(
      readings
        .connect(relayer)
        .submitWithPreimage(meter.address, now, 1n, secret("m", 2), commitmentOf(secret("m", 3))),
    )
      .to.be.revertedWithCustomError(readings, "MeterReadingsOutOfOrder")
      .withArgs(meter.address, now, MAX_U64);
    const signature = await signReading(readings, meter, meter.address, 1n, now + 1n, 1n);
    await time.setNextBlockTimestamp(now + 1n);
    await expect(readings.connect(relayer).submitSigned(meter.address, now + 1n, 1n, signature))
      .to.be.revertedWithCustomError(readings, "MeterReadingsOutOfOrder")
      .withArgs(meter.address, now + 1n, MAX_U64);
    // The meter's commit lowers the floor to its bound (block time + skew) and restarts the chain.
    const at = now + 2n;
    await time.setNextBlockTimestamp(at);
    await expect(readings.connect(meter).commit(commitmentOf(secret("n", 1))))
      .to.emit(readings, "ChainReset")
      .withArgs(meter.address, commitmentOf(secret("m", 2)), 1n, at + SKEW);
    const reset = await readings.meterState(meter.address);
    expect(reset.lastReadingTime).to.equal(at + SKEW);
    expect(reset.lastValue).to.equal(77n);
    // Old reading times stay refused ...
    for (const old of [first, at + SKEW]) {
      await expect(
        readings
          .connect(relayer)
          .submitWithPreimage(meter.address, old, 1n, secret("n", 1), commitmentOf(secret("n", 2))),
      )
        .to.be.revertedWithCustomError(readings, "MeterReadingsOutOfOrder")
        .withArgs(meter.address, old, at + SKEW);
    }
    // ... and submissions work again on both paths (every later block allows at + skew + 1).
    await expect(
      readings
        .connect(relayer)
        .submitWithPreimage(
          meter.address,
          at + SKEW + 1n,
          1n,
          secret("n", 1),
          commitmentOf(secret("n", 2)),
        ),
    )
      .to.emit(readings, "ReadingAccepted")
      .withArgs(meter.address, 1n, at + SKEW + 1n, 1n, commitmentOf(secret("n", 2)));
    const signed = await signReading(readings, meter, meter.address, 2n, at + SKEW + 2n, 2n);
    await expect(readings.connect(relayer).submitSigned(meter.address, at + SKEW + 2n, 2n, signed))
      .to.emit(readings, "ReadingAccepted")
      .withArgs(meter.address, 2n, at + SKEW + 2n, 2n, ZERO20);
  });

  it("emits ChainReset only when a commit discards a chain or lowers the reading-time floor", async () => {
    const { readings, meter, relayer, boundMeter } = await loadFixture(deployFixture);
    // A meter that has only used the signature path: its first commit resets nothing.
    const first = BigInt(await time.latest()) + 1n;
    const signature = await signReading(readings, meter, meter.address, 0n, first, 3n);
    await time.setNextBlockTimestamp(first);
    await readings.connect(relayer).submitSigned(meter.address, first, 3n, signature);
    await expect(readings.connect(meter).commit(commitmentOf(secret("m", 1))))
      .to.emit(readings, "ChainCommitted")
      .and.not.to.emit(readings, "ChainReset");
    // A signature-only meter locked by a simulated far-future floor: its first commit lowers the
    // floor, so it resets (previous commitment 0). The slot is located through `meter`'s chain.
    const signed = await signReading(readings, boundMeter, boundMeter.address, 0n, first + 5n, 4n);
    await readings.connect(relayer).submitSigned(boundMeter.address, first + 5n, 4n, signed);
    await forceLastReadingTime(readings, boundMeter.address, MAX_U64, meter.address);
    const at = BigInt(await time.latest()) + 1n;
    await time.setNextBlockTimestamp(at);
    await expect(readings.connect(boundMeter).commit(commitmentOf(secret("b", 1))))
      .to.emit(readings, "ChainReset")
      .withArgs(boundMeter.address, ZERO20, 1n, at + SKEW)
      .and.to.emit(readings, "ChainCommitted")
      .withArgs(boundMeter.address, commitmentOf(secret("b", 1)));
    const state = await readings.meterState(boundMeter.address);
    expect(state.lastReadingTime).to.equal(at + SKEW);
    expect(state.lastValue).to.equal(4n);
  });

  it("lets only the admin (the alliance, once deployed) set a positive window", async () => {
    const { readings, stranger } = await loadFixture(deployFixture);
    expect(await readings.validityWindow()).to.equal(600n);
    await expect(readings.connect(stranger).setValidityWindow(5))
      .to.be.revertedWithCustomError(readings, "AccessControlUnauthorizedAccount")
      .withArgs(stranger.address, await readings.DEFAULT_ADMIN_ROLE());
    await expect(readings.setValidityWindow(0)).to.be.revertedWithCustomError(
      readings,
      "MeterReadingsZeroWindow",
    );
  });
});
