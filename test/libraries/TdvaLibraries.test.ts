// Unit tests of the TDVA libraries on their own (through TdvaLibrariesHarness): settlement
// arithmetic against the test reference of decision 0201 on seeded random offers, and the record
// hashes against their ABI encodings.
import { expect } from "chai";
import { ethers } from "hardhat";
import fc from "fast-check";
import { loadFixture } from "@nomicfoundation/hardhat-toolbox/network-helpers";
import type { TdvaLibrariesHarness } from "../../typechain-types";
import { packSegment, settleReference, type Segment } from "../dispatch/tdvaHelpers";

const coder = ethers.AbiCoder.defaultAbiCoder();

async function deployHarness() {
  return (await (
    await ethers.getContractFactory("TdvaLibrariesHarness")
  ).deploy()) as unknown as TdvaLibrariesHarness;
}

describe("TdvaMath.settleLine (library)", function () {
  it("pays, withholds and carries the penalty exactly as the reference, for any offer and delivery", async function () {
    const harness = await loadFixture(deployHarness);
    const segmentArb = fc.record({
      capacityW: fc.bigInt({ min: 1n, max: 100_000n }),
      pricePerKWh: fc.bigInt({ min: 0n, max: 1_000_000n }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(segmentArb, { minLength: 1, maxLength: 8 }),
        fc.bigInt({ min: 0n, max: 400_000n }),
        fc.bigInt({ min: 60n, max: 14_400n }),
        fc.bigInt({ min: 0n, max: 2_000_000n }),
        fc.bigInt({ min: 0n, max: 10_000n }),
        async (raw, allocationW, durationS, deliveredWh, toleranceBps) => {
          // Cheapest first, as dispatch validates.
          const segments: Segment[] = [...raw].sort((a, b) =>
            a.pricePerKWh < b.pricePerKWh ? -1 : a.pricePerKWh > b.pricePerKWh ? 1 : 0,
          );
          const ref = settleReference(
            {
              provider: ethers.ZeroAddress,
              maxPowerW: 0n,
              maxEnergyWh: 0n,
              signedAt: 0n,
              segments,
            },
            allocationW,
            durationS,
            deliveredWh,
            toleranceBps,
          );
          const [payment, net, withheld, unpaid] = await harness.settleLine(
            segments.map(packSegment),
            allocationW,
            durationS,
            deliveredWh,
            toleranceBps,
          );
          expect({ payment, net, withheld, unpaid }).to.deep.equal({
            payment: ref.payment,
            net: ref.net,
            withheld: ref.withheld,
            unpaid: ref.penalty - ref.withheld,
          });
        },
      ),
      { seed: 18, numRuns: 60 },
    );
  });
});

describe("TdvaRecords (library)", function () {
  it("hashes the genesis link, allocation lines and the Settle record as their ABI encodings", async function () {
    const harness = await loadFixture(deployHarness);
    const registry = ethers.Wallet.createRandom().address;
    const provider = ethers.Wallet.createRandom().address;
    expect(await harness.genesis(31337n, registry, 42n)).to.equal(
      ethers.keccak256(coder.encode(["uint256", "address", "uint256"], [31337n, registry, 42n])),
    );
    const segments = [packSegment({ capacityW: 5_000n, pricePerKWh: 120n }), 1n << 64n];
    const segmentsHash = ethers.solidityPackedKeccak256(["uint96[]"], [segments]);
    expect(await harness.allocationLine(provider, 4_000n, segments)).to.equal(
      ethers.keccak256(
        coder.encode(["address", "uint256", "bytes32"], [provider, 4_000n, segmentsHash]),
      ),
    );
    const settle = {
      prev: ethers.id("verify"),
      paymentsHash: ethers.id("payments"),
      paid: 10n,
      penalties: 2n,
      refund: 88n,
      settledAt: 1_700_000_000n,
    };
    expect(await harness.hashSettle(settle)).to.equal(
      ethers.keccak256(
        coder.encode(
          ["bytes32", "bytes32", "uint128", "uint128", "uint128", "uint40"],
          Object.values(settle),
        ),
      ),
    );
    // A different CID changes the Trigger hash: strings are committed, not dropped.
    const trigger = {
      prev: ethers.ZeroHash,
      operator: registry,
      stage: 1,
      reason: 0,
      feederId: 1,
      createdAt: 1n,
      requestedW: -5_000n,
      start: 2n,
      duration: 900,
      quoteDeadline: 1n,
      toleranceBps: 500,
      budget: 1_000n,
      dataHash: ethers.ZeroHash,
      dataCid: "bafy-a",
    };
    expect(await harness.hashTrigger(trigger)).not.to.equal(
      await harness.hashTrigger({ ...trigger, dataCid: "bafy-b" }),
    );
  });
});
