// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IDispatchRegistry} from "../interfaces/IDispatchRegistry.sol";
import {TdvaMath} from "../libraries/TdvaMath.sol";
import {TdvaRecords} from "../libraries/TdvaRecords.sol";

/// @title TdvaLibrariesHarness
/// @notice Test-only: exposes the TDVA record hashing and settlement arithmetic so
/// test/libraries can check them on their own. Not deployed.
contract TdvaLibrariesHarness {
    /// @notice TdvaRecords.genesis.
    function genesis(
        uint256 chainId,
        address registry,
        uint256 eventId
    ) external pure returns (bytes32) {
        return TdvaRecords.genesis(chainId, registry, eventId);
    }

    /// @notice TdvaRecords.allocationLine over TdvaRecords.segmentsHash.
    function allocationLine(
        address provider,
        uint256 allocationW,
        uint96[] calldata segments
    ) external pure returns (bytes32) {
        return
            TdvaRecords.allocationLine(provider, allocationW, TdvaRecords.segmentsHash(segments));
    }

    /// @notice TdvaRecords.hashTrigger.
    function hashTrigger(
        IDispatchRegistry.TriggerRecord calldata t
    ) external pure returns (bytes32) {
        return TdvaRecords.hashTrigger(t);
    }

    /// @notice TdvaRecords.hashSettle.
    function hashSettle(IDispatchRegistry.SettleRecord calldata a) external pure returns (bytes32) {
        return TdvaRecords.hashSettle(a);
    }

    /// @notice TdvaMath.settleLine.
    function settleLine(
        uint96[] calldata segments,
        uint256 allocW,
        uint256 durationS,
        uint256 deliveredWh,
        uint256 toleranceBps
    )
        external
        pure
        returns (uint256 payment, uint256 net, uint256 withheld, uint256 unpaidPenalty)
    {
        return TdvaMath.settleLine(segments, allocW, durationS, deliveredWh, toleranceBps);
    }
}
