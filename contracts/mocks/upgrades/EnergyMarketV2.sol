// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {EnergyMarket} from "../../market/EnergyMarket.sol";
import {IParticipantRegistry} from "../../interfaces/IParticipantRegistry.sol";
import {IMeteringLedger} from "../../interfaces/IMeteringLedger.sol";

/// @title EnergyMarketV2 (test only)
/// @notice A next market version for the upgrade test: same storage, one new function.
/// check:upgrades validates its layout against EnergyMarket's.
/// @custom:oz-upgrades-from contracts/market/EnergyMarket.sol:EnergyMarket
/// @dev A fresh proxy of this version runs the inherited initialize(); an upgraded one runs
/// initializeV2() in the upgrade transaction.
/// @custom:oz-upgrades-unsafe-allow missing-initializer
contract EnergyMarketV2 is EnergyMarket {
    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor(
        IERC20 settlementToken,
        IParticipantRegistry participantRegistry,
        IMeteringLedger ledger
    ) EnergyMarket(settlementToken, participantRegistry, ledger) {}

    /// @notice Runs once, in the upgrade's own transaction (upgradeToAndCall).
    function initializeV2() external reinitializer(2) {}

    /// @notice The implementation's version.
    /// @return Always 2.
    function version() external pure returns (uint256) {
        return 2;
    }
}
