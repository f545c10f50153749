// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IGridToken
/// @notice The devnet settlement currency: a plain ERC-20 with EIP-2612 permit and a faucet the
/// operator controls. Production deployments settle in any ERC-20 instead.
interface IGridToken {
    /// @notice A faucet claim was paid out.
    /// @param to Receiver of the tokens.
    /// @param amount Amount paid, in base units.
    event FaucetDripped(address indexed to, uint256 amount);

    /// @notice The operator changed the faucet's per-claim amount or cooldown.
    /// @param amount New amount per claim, in base units (0 disables the faucet).
    /// @param cooldown New minimum time between two claims of one address, in seconds.
    event FaucetConfigured(uint256 amount, uint64 cooldown);

    /// @notice The faucet is disabled (amount set to 0).
    error GridTokenFaucetDisabled();

    /// @notice The caller claimed again before its cooldown ended.
    /// @param account The claimant.
    /// @param availableAt Timestamp from which the next claim is accepted.
    error GridTokenFaucetCooldown(address account, uint256 availableAt);

    /// @notice Mint `amount` to `to`. Operator only (devnet seeding and demos).
    /// @param to Receiver of the tokens.
    /// @param amount Amount in base units.
    function mint(address to, uint256 amount) external;

    /// @notice Claim the faucet amount; each address may claim once per cooldown.
    function drip() external;

    /// @notice Set the faucet's amount per claim and the cooldown. Operator only.
    /// @param amount Amount per claim in base units; 0 disables the faucet.
    /// @param cooldown Minimum seconds between two claims of one address.
    function configureFaucet(uint256 amount, uint64 cooldown) external;

    /// @notice When `account` may claim the faucet next (0 if it never claimed).
    /// @param account The claimant.
    /// @return Timestamp from which the next claim is accepted.
    function nextDripAt(address account) external view returns (uint256);
}
