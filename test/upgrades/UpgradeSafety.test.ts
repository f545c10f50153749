import { expect } from "chai";
import path from "node:path";
import { checkUpgrades } from "../../scripts/check-upgrades";

const BUILD_INFO = path.join(__dirname, "..", "..", "artifacts", "build-info");

describe("upgrade safety (OpenZeppelin upgrades-core)", function () {
  this.timeout(60_000);

  it("passes every application contract and the market's next version", async () => {
    const { ok, checked } = await checkUpgrades(BUILD_INFO);
    expect(ok).to.equal(true);
    for (const name of [
      "GridToken",
      "ParticipantRegistry",
      "MeteringLedger",
      "EnergyMarket",
      "DataAnchor",
      "MeterReadings",
      "DispatchRegistry",
      "EnergyMarketV2",
    ]) {
      expect(
        checked.some((c) => c.endsWith(`:${name}`)),
        name,
      ).to.equal(true);
    }
  });

  it("refuses a next version whose storage layout moves the proxy's variables", async () => {
    const bad = "contracts/mocks/upgrades/bad/DataAnchorShifted.sol:DataAnchorShifted";
    const { ok, explain } = await checkUpgrades(BUILD_INFO, [], bad);
    expect(ok).to.equal(false);
    expect(explain).to.match(/DataAnchorShifted/);
    expect(explain).to.match(/Inserted `_inserted`/);
  });
});
