// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IDispatchRegistry} from "../interfaces/IDispatchRegistry.sol";

/// @title TdvaRecords
/// @notice Hashes of the four linked TDVA records and of the lines they commit to (decision
/// 0200). Each record's `prev` is the hash of the one before; the Trigger's `prev` is the
/// genesis hash binding the chain, the registry and the event id. Strings are hashed first so
/// every record hashes as a fixed-size ABI encoding.
library TdvaRecords {
    /// @notice `prev` of an event's Trigger record.
    function genesis(
        uint256 chainId,
        address registry,
        uint256 eventId
    ) internal pure returns (bytes32) {
        return keccak256(abi.encode(chainId, registry, eventId));
    }

    /// @notice Hash of packed offer segments, as signed in an offer and committed per line.
    function segmentsHash(uint96[] calldata segments) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(segments));
    }

    /// @notice One allocation line: provider, allocated W and its offer's segments hash.
    function allocationLine(
        address provider,
        uint256 allocationW,
        bytes32 segmentsHash_
    ) internal pure returns (bytes32) {
        return keccak256(abi.encode(provider, allocationW, segmentsHash_));
    }

    function hashTrigger(IDispatchRegistry.TriggerRecord memory t) internal pure returns (bytes32) {
        return
            keccak256(
                bytes.concat(
                    abi.encode(t.prev, t.operator, t.reason, t.feederId, t.createdAt, t.requestedW),
                    abi.encode(
                        t.start,
                        t.duration,
                        t.quoteDeadline,
                        t.toleranceBps,
                        t.budget,
                        t.dataHash,
                        keccak256(bytes(t.dataCid))
                    )
                )
            );
    }

    function hashDispatch(
        IDispatchRegistry.DispatchRecord memory d
    ) internal pure returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    d.prev,
                    d.allocationsHash,
                    d.safetyReportHash,
                    d.cost,
                    d.allocatedW,
                    d.providerCount,
                    d.meritOrder,
                    d.dispatchedAt,
                    keccak256(bytes(d.safetyReportCid))
                )
            );
    }

    function hashVerify(IDispatchRegistry.VerifyRecord memory v) internal pure returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    v.prev,
                    v.deliveriesHash,
                    v.meterDataHash,
                    v.deliveredWh,
                    v.verifiedAt,
                    v.reporter,
                    keccak256(bytes(v.meterDataCid))
                )
            );
    }

    function hashSettle(IDispatchRegistry.SettleRecord memory a) internal pure returns (bytes32) {
        return
            keccak256(
                abi.encode(a.prev, a.paymentsHash, a.paid, a.penalties, a.refund, a.settledAt)
            );
    }
}
