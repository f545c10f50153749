// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IDataAnchor
/// @notice Anchors batches of off-chain records as Merkle roots (with the batch's CID, record
/// count and kind) and verifies one record's inclusion with an O(log n) proof. The leaf encoding is
/// the StandardMerkleTree of the OpenZeppelin merkle-tree npm package:
/// `leaf = keccak256(bytes.concat(keccak256(abi.encode(values...))))`, pairs hashed sorted.
interface IDataAnchor {
    /// @notice One anchored batch. Immutable once written.
    /// @dev Storage layout (4 slots + the CID string):
    /// slot 0 `root`; slot 1 `submitter` (160 bits) | `timestamp` (48) | `blockNumber` (48);
    /// slot 2 `recordCount` (64); slot 3 `kind`; then `cid` (a dynamic string).
    struct Anchor {
        bytes32 root;
        address submitter;
        uint48 timestamp;
        uint48 blockNumber;
        uint64 recordCount;
        bytes32 kind;
        string cid;
    }

    /// @notice A batch was anchored.
    /// @param anchorId Sequential id, starting at 1.
    /// @param root Merkle root of the batch (StandardMerkleTree encoding).
    /// @param submitter Account holding ANCHORER_ROLE that anchored it.
    /// @param kind Free-form batch kind, e.g. `bytes32("meter-readings")`.
    /// @param recordCount Number of leaves in the tree.
    /// @param cid Content identifier of the batch's off-chain file.
    event DataAnchored(
        uint256 indexed anchorId,
        bytes32 indexed root,
        address indexed submitter,
        bytes32 kind,
        uint64 recordCount,
        string cid
    );

    /// @notice The root is zero.
    error DataAnchorEmptyRoot();

    /// @notice The batch claims no records.
    error DataAnchorNoRecords();

    /// @notice The root was anchored before; anchors are immutable and never repeated.
    /// @param root The root.
    /// @param anchorId The id it was anchored under.
    error DataAnchorRootAlreadyAnchored(bytes32 root, uint256 anchorId);

    /// @notice No anchor has this id.
    /// @param anchorId The id asked for.
    error DataAnchorUnknownAnchor(uint256 anchorId);

    /// @notice Anchor a batch's Merkle root. Callers need ANCHORER_ROLE (the owners of the data;
    /// the operator grants the role).
    /// @param root Merkle root (StandardMerkleTree encoding); non-zero and never anchored before.
    /// @param cid Content identifier of the off-chain batch (may be empty if not pinned).
    /// @param recordCount Number of records (leaves) in the batch; non-zero.
    /// @param kind Batch kind, e.g. `bytes32("meter-readings")`.
    /// @return anchorId The new sequential id (first is 1).
    function anchor(
        bytes32 root,
        string calldata cid,
        uint64 recordCount,
        bytes32 kind
    ) external returns (uint256 anchorId);

    /// @notice Check that a leaf hash is included in an anchored batch.
    /// @param anchorId The batch's id.
    /// @param leaf The leaf hash, already double-hashed as StandardMerkleTree does.
    /// @param proof Sibling hashes from leaf to root (`tree.getProof(i)`).
    /// @return True if the proof leads from `leaf` to the anchored root.
    function verify(
        uint256 anchorId,
        bytes32 leaf,
        bytes32[] calldata proof
    ) external view returns (bool);

    /// @notice Check that a record is included in an anchored batch, hashing it on-chain.
    /// @param anchorId The batch's id.
    /// @param encodedRecord `abi.encode(values...)` of the record in the tree's leaf encoding.
    /// @param proof Sibling hashes from leaf to root.
    /// @return True if the record is in the batch.
    function verifyRecord(
        uint256 anchorId,
        bytes calldata encodedRecord,
        bytes32[] calldata proof
    ) external view returns (bool);

    /// @notice The StandardMerkleTree leaf hash of an abi-encoded record.
    /// @param encodedRecord `abi.encode(values...)`.
    /// @return `keccak256(bytes.concat(keccak256(encodedRecord)))`.
    function leafHash(bytes calldata encodedRecord) external pure returns (bytes32);

    /// @notice One anchor's record.
    /// @param anchorId The batch's id.
    /// @return The stored anchor; reverts with DataAnchorUnknownAnchor if absent.
    function getAnchor(uint256 anchorId) external view returns (Anchor memory);

    /// @notice The id a root was anchored under.
    /// @param root A Merkle root.
    /// @return The anchor id, or 0 if the root was never anchored.
    function anchorIdOf(bytes32 root) external view returns (uint256);

    /// @notice Number of anchors so far (also the latest id).
    /// @return The count.
    function anchorCount() external view returns (uint256);
}
