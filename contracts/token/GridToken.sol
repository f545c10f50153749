// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20Upgradeable} from "@openzeppelin/contracts-upgradeable/token/ERC20/ERC20Upgradeable.sol";
import {ERC20PermitUpgradeable} from "@openzeppelin/contracts-upgradeable/token/ERC20/extensions/ERC20PermitUpgradeable.sol";
import {IGridToken} from "../interfaces/IGridToken.sol";
import {GovernedUpgradeable} from "../upgrades/GovernedUpgradeable.sol";

/// @title GridToken
/// @notice Devnet settlement token (symbol GLT, 6 decimals like most fiat stablecoins, so a price
/// of 120 base units per kWh reads as 0.000120 GLT/kWh and token amounts stay small integers).
contract GridToken is GovernedUpgradeable, ERC20Upgradeable, ERC20PermitUpgradeable, IGridToken {
    bytes32 public constant OPERATOR_ROLE = keccak256("OPERATOR_ROLE");

    uint256 private _faucetAmount;
    uint64 private _faucetCooldown;
    mapping(address account => uint256 nextClaim) private _nextDripAt;

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @notice Sets up the proxy's storage once, in the proxy's deployment transaction.
    /// @param operator Account that may mint and configure the faucet.
    /// @param faucetAmount Initial amount per faucet claim (0 disables it).
    /// @param faucetCooldown Initial seconds between two claims of one address.
    function initialize(
        address operator,
        uint256 faucetAmount,
        uint64 faucetCooldown
    ) external initializer {
        __GovernedUpgradeable_init(operator);
        __ERC20_init("GridLedger Token", "GLT");
        __ERC20Permit_init("GridLedger Token");
        _grantRole(OPERATOR_ROLE, operator);
        _faucetAmount = faucetAmount;
        _faucetCooldown = faucetCooldown;
        emit FaucetConfigured(faucetAmount, faucetCooldown);
    }

    /// @inheritdoc ERC20Upgradeable
    function decimals() public pure override returns (uint8) {
        return 6;
    }

    /// @inheritdoc IGridToken
    function mint(address to, uint256 amount) external onlyRole(OPERATOR_ROLE) {
        _mint(to, amount);
    }

    /// @inheritdoc IGridToken
    function drip() external {
        uint256 amount = _faucetAmount;
        if (amount == 0) revert GridTokenFaucetDisabled();
        uint256 availableAt = _nextDripAt[msg.sender];
        if (block.timestamp < availableAt) revert GridTokenFaucetCooldown(msg.sender, availableAt);
        _nextDripAt[msg.sender] = block.timestamp + _faucetCooldown;
        _mint(msg.sender, amount);
        emit FaucetDripped(msg.sender, amount);
    }

    /// @inheritdoc IGridToken
    function configureFaucet(uint256 amount, uint64 cooldown) external onlyRole(OPERATOR_ROLE) {
        _faucetAmount = amount;
        _faucetCooldown = cooldown;
        emit FaucetConfigured(amount, cooldown);
    }

    /// @inheritdoc IGridToken
    function nextDripAt(address account) external view returns (uint256) {
        return _nextDripAt[account];
    }

    /// @notice Faucet settings.
    /// @return amount Amount per claim in base units.
    /// @return cooldown Seconds between two claims of one address.
    function faucet() external view returns (uint256 amount, uint64 cooldown) {
        return (_faucetAmount, _faucetCooldown);
    }
}
