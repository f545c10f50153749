import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { deployGridTokenFixture, FAUCET_AMOUNT, FAUCET_COOLDOWN } from "../helpers/fixtures";

describe("GridToken", () => {
  it("has six decimals and the GLT symbol", async () => {
    const { token } = await loadFixture(deployGridTokenFixture);
    expect(await token.decimals()).to.equal(6);
    expect(await token.symbol()).to.equal("GLT");
  });

  it("lets the operator mint", async () => {
    const { token, alice } = await loadFixture(deployGridTokenFixture);
    await expect(token.mint(alice.address, 5n))
      .to.emit(token, "Transfer")
      .withArgs(ethers.ZeroAddress, alice.address, 5n);
    expect(await token.balanceOf(alice.address)).to.equal(5n);
  });

  it("reverts with AccessControlUnauthorizedAccount when a non-operator mints", async () => {
    const { token, alice } = await loadFixture(deployGridTokenFixture);
    await expect(token.connect(alice).mint(alice.address, 5n))
      .to.be.revertedWithCustomError(token, "AccessControlUnauthorizedAccount")
      .withArgs(alice.address, await token.OPERATOR_ROLE());
  });

  it("drips once per cooldown and reverts with GridTokenFaucetCooldown before it ends", async () => {
    const { token, alice } = await loadFixture(deployGridTokenFixture);
    await expect(token.connect(alice).drip())
      .to.emit(token, "FaucetDripped")
      .withArgs(alice.address, FAUCET_AMOUNT);
    const availableAt = await token.nextDripAt(alice.address);
    expect(availableAt).to.equal(BigInt(await time.latest()) + FAUCET_COOLDOWN);
    await expect(token.connect(alice).drip())
      .to.be.revertedWithCustomError(token, "GridTokenFaucetCooldown")
      .withArgs(alice.address, availableAt);
    await time.increaseTo(availableAt);
    await token.connect(alice).drip();
    expect(await token.balanceOf(alice.address)).to.equal(2n * FAUCET_AMOUNT);
  });

  it("reverts with GridTokenFaucetDisabled after the operator sets the amount to zero", async () => {
    const { token, alice } = await loadFixture(deployGridTokenFixture);
    await expect(token.configureFaucet(0n, 0n)).to.emit(token, "FaucetConfigured").withArgs(0n, 0n);
    await expect(token.connect(alice).drip()).to.be.revertedWithCustomError(
      token,
      "GridTokenFaucetDisabled",
    );
  });

  it("accepts an EIP-2612 permit signed by the holder", async () => {
    const { token, alice, bob } = await loadFixture(deployGridTokenFixture);
    await token.mint(alice.address, 100n);
    const deadline = BigInt(await time.latest()) + 600n;
    const { chainId } = await ethers.provider.getNetwork();
    const signature = await alice.signTypedData(
      {
        name: "GridLedger Token",
        version: "1",
        chainId,
        verifyingContract: await token.getAddress(),
      },
      {
        Permit: [
          { name: "owner", type: "address" },
          { name: "spender", type: "address" },
          { name: "value", type: "uint256" },
          { name: "nonce", type: "uint256" },
          { name: "deadline", type: "uint256" },
        ],
      },
      { owner: alice.address, spender: bob.address, value: 60n, nonce: 0n, deadline },
    );
    const { v, r, s } = ethers.Signature.from(signature);
    await token.permit(alice.address, bob.address, 60n, deadline, v, r, s);
    expect(await token.allowance(alice.address, bob.address)).to.equal(60n);
    await expect(
      token.permit(alice.address, bob.address, 60n, deadline, v, r, s),
    ).to.be.revertedWithCustomError(token, "ERC2612InvalidSigner");
  });
});
