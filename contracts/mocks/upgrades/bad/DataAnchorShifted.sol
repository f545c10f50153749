// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {DataAnchor} from "../../../data/DataAnchor.sol";

/// @dev Storage declared ahead of DataAnchor's own in the linearisation.
abstract contract ShiftingPrefix {
    uint256 internal _inserted;
}

/// @title DataAnchorShifted (test only, excluded from npm run check:upgrades)
/// @notice A broken next version: its layout moves every DataAnchor variable one slot on, so
/// the proxy's anchors would be read from the wrong slots. test/upgrades checks that
/// OpenZeppelin upgrades-core refuses it.
/// @custom:oz-upgrades-from contracts/data/DataAnchor.sol:DataAnchor
contract DataAnchorShifted is ShiftingPrefix, DataAnchor {
    /// @notice Sets the inserted variable (gives the contract a reason to hold it).
    /// @param value The new value.
    function setInserted(uint256 value) external {
        _inserted = value;
    }
}
