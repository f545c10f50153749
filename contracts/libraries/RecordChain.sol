// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title RecordChain
/// @notice The hash chain over an interval's clearing records: h₀ = 0, hᵢ = keccak256(hᵢ₋₁ ‖ rᵢ)
/// with both words ABI-encoded. The market stores the final hash and, every CHECKPOINT_INTERVAL
/// records, the running hash, so tally and settlement can take the records back as calldata in
/// chunks and verify each against the stored hashes (decision 0104).
library RecordChain {
    /// @notice Records between two stored checkpoints; settlement chunks end on them.
    uint256 internal constant CHECKPOINT_INTERVAL = 256;

    /// @notice The chain hash after appending `record` to a chain ending in `h`.
    function append(bytes32 h, uint256 record) internal pure returns (bytes32) {
        return keccak256(abi.encode(h, record));
    }

    /// @notice The chain hash after appending all of `records` to a chain ending in `h`.
    function fold(bytes32 h, uint256[] calldata records) internal pure returns (bytes32) {
        // append() written out: the IR optimiser then keeps the loop as tight as a hand-inlined one.
        for (uint256 i = 0; i < records.length; ++i) h = keccak256(abi.encode(h, records[i]));
        return h;
    }

    /// @notice Whether the running hash after `count` records is stored as a checkpoint.
    function isCheckpoint(uint256 count) internal pure returns (bool) {
        return count % CHECKPOINT_INTERVAL == 0;
    }

    /// @notice Whether a chunk ending after record `to` of `count` may be verified: it must end at
    /// the last record or on a checkpoint.
    function isChunkEnd(uint256 to, uint256 count) internal pure returns (bool) {
        return to <= count && (to == count || isCheckpoint(to));
    }
}
