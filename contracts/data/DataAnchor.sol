// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {IDataAnchor} from "../interfaces/IDataAnchor.sol";
import {GovernedUpgradeable} from "../upgrades/GovernedUpgradeable.sol";

/// @title DataAnchor
/// @notice Immutable Merkle-root anchors for batches of off-chain records (meter readings,
/// power-flow reports, evidence bundles). Anchoring gas is independent of the batch size; one
/// record's inclusion is checked in O(log n) with OpenZeppelin's MerkleProof.
contract DataAnchor is GovernedUpgradeable, IDataAnchor {
    /// @notice May grant and revoke ANCHORER_ROLE.
    bytes32 public constant OPERATOR_ROLE = keccak256("OPERATOR_ROLE");
    /// @notice May anchor batches (the owners of the data).
    bytes32 public constant ANCHORER_ROLE = keccak256("ANCHORER_ROLE");

    uint256 private _anchorCount;
    mapping(uint256 anchorId => Anchor) private _anchors;
    mapping(bytes32 root => uint256 anchorId) private _anchorIdOf;

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @notice Sets up the proxy's storage once, in the proxy's deployment transaction.
    /// @param operator Admin and operator; grants ANCHORER_ROLE to data owners.
    function initialize(address operator) external initializer {
        __GovernedUpgradeable_init(operator);
        _grantRole(OPERATOR_ROLE, operator);
        _setRoleAdmin(ANCHORER_ROLE, OPERATOR_ROLE);
    }

    /// @inheritdoc IDataAnchor
    function anchor(
        bytes32 root,
        string calldata cid,
        uint64 recordCount,
        bytes32 kind
    ) external onlyRole(ANCHORER_ROLE) returns (uint256 anchorId) {
        if (root == bytes32(0)) revert DataAnchorEmptyRoot();
        if (recordCount == 0) revert DataAnchorNoRecords();
        uint256 existing = _anchorIdOf[root];
        if (existing != 0) revert DataAnchorRootAlreadyAnchored(root, existing);
        anchorId = ++_anchorCount;
        _anchorIdOf[root] = anchorId;
        _anchors[anchorId] = Anchor({
            root: root,
            submitter: msg.sender,
            timestamp: uint48(block.timestamp),
            blockNumber: uint48(block.number),
            recordCount: recordCount,
            kind: kind,
            cid: cid
        });
        emit DataAnchored(anchorId, root, msg.sender, kind, recordCount, cid);
    }

    /// @inheritdoc IDataAnchor
    function verify(
        uint256 anchorId,
        bytes32 leaf,
        bytes32[] calldata proof
    ) external view returns (bool) {
        return MerkleProof.verifyCalldata(proof, _rootOf(anchorId), leaf);
    }

    /// @inheritdoc IDataAnchor
    function verifyRecord(
        uint256 anchorId,
        bytes calldata encodedRecord,
        bytes32[] calldata proof
    ) external view returns (bool) {
        return MerkleProof.verifyCalldata(proof, _rootOf(anchorId), _leafHash(encodedRecord));
    }

    /// @inheritdoc IDataAnchor
    function leafHash(bytes calldata encodedRecord) external pure returns (bytes32) {
        return _leafHash(encodedRecord);
    }

    /// @inheritdoc IDataAnchor
    function getAnchor(uint256 anchorId) external view returns (Anchor memory) {
        _rootOf(anchorId);
        return _anchors[anchorId];
    }

    /// @inheritdoc IDataAnchor
    function anchorIdOf(bytes32 root) external view returns (uint256) {
        return _anchorIdOf[root];
    }

    /// @inheritdoc IDataAnchor
    function anchorCount() external view returns (uint256) {
        return _anchorCount;
    }

    function _rootOf(uint256 anchorId) private view returns (bytes32 root) {
        root = _anchors[anchorId].root;
        if (root == bytes32(0)) revert DataAnchorUnknownAnchor(anchorId);
    }

    function _leafHash(bytes calldata encodedRecord) private pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(encodedRecord)));
    }
}
