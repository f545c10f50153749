// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712Upgradeable} from "@openzeppelin/contracts-upgradeable/utils/cryptography/EIP712Upgradeable.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {IMeteringLedger} from "../interfaces/IMeteringLedger.sol";
import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {GovernedUpgradeable} from "../upgrades/GovernedUpgradeable.sol";

/// @title MeteringLedger
/// @notice Metering gateways anchor batches of device-signed readings; settlement (market and
/// TDVA) proves each participant's reading against a batch with `verifyReading`. The check is
/// stateless, so each consumer keeps its own once-per-period bookkeeping.
contract MeteringLedger is GovernedUpgradeable, EIP712Upgradeable, IMeteringLedger {
    /// @notice May grant and revoke GATEWAY_ROLE.
    bytes32 public constant OPERATOR_ROLE = keccak256("OPERATOR_ROLE");
    /// @notice May anchor batches (metering gateways: the operator's head-end, aggregators').
    bytes32 public constant GATEWAY_ROLE = keccak256("GATEWAY_ROLE");
    /// @notice EIP-712 type a meter signs for one interval reading.
    bytes32 public constant METER_READING_TYPEHASH = keccak256(
        "MeterReading(address meter,uint256 periodId,uint64 producedWh,uint64 consumedWh,uint64 sequence)"
    );

    /// @dev Wiring lives in the implementation's code (read without an SLOAD); an upgrade passes
    /// the same addresses to the new implementation's constructor (docs/decisions/0601).
    /// @custom:oz-upgrades-unsafe-allow state-variable-immutable
    IParticipantRegistry private immutable _registry;
    uint256 private _batchCount;
    mapping(uint256 batchId => Batch) private _batches;
    mapping(bytes32 root => uint256 batchId) private _batchIdOf;

    /// @param registry Participant registry (binds meters to participants).
    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor(IParticipantRegistry registry) {
        if (address(registry) == address(0)) revert MeteringZeroAddress();
        _registry = registry;
        _disableInitializers();
    }

    /// @notice Sets up the proxy's storage once, in the proxy's deployment transaction.
    /// @param operator Admin (until the alliance takes over) and operator.
    function initialize(address operator) external initializer {
        if (operator == address(0)) revert MeteringZeroAddress();
        __GovernedUpgradeable_init(operator);
        __EIP712_init("GridLedger MeteringLedger", "1");
        _grantRole(OPERATOR_ROLE, operator);
        // GATEWAY_ROLE stays under DEFAULT_ADMIN_ROLE (the alliance): a gateway's batches settle
        // money, so admitting one is an alliance decision, not the operator's.
    }

    /// @inheritdoc IMeteringLedger
    function anchorBatch(
        bytes32 root,
        uint32 readingCount,
        string calldata cid
    ) external onlyRole(GATEWAY_ROLE) returns (uint256 batchId) {
        if (root == bytes32(0)) revert MeteringEmptyRoot();
        if (readingCount == 0) revert MeteringNoReadings();
        uint256 existing = _batchIdOf[root];
        if (existing != 0) revert MeteringRootAlreadyAnchored(root, existing);
        batchId = ++_batchCount;
        _batchIdOf[root] = batchId;
        _batches[batchId] = Batch({
            root: root,
            gateway: msg.sender,
            readingCount: readingCount,
            anchoredAt: uint48(block.timestamp)
        });
        emit BatchAnchored(batchId, root, msg.sender, readingCount, cid);
    }

    /// @inheritdoc IMeteringLedger
    function verifyReading(
        uint256 batchId,
        Reading calldata reading,
        bytes calldata signature,
        bytes32[] calldata proof
    ) external view {
        bytes32 root = _batches[batchId].root;
        if (root == bytes32(0)) revert MeteringUnknownBatch(batchId);
        if (!MerkleProof.verifyCalldata(proof, root, _leaf(reading))) {
            revert MeteringNotInBatch(batchId, reading.meter, reading.periodId);
        }
        address boundTo = _registry.participantOfMeter(reading.meter);
        if (boundTo != reading.participant || boundTo == address(0)) {
            revert MeteringMeterNotBound(reading.meter, reading.participant, boundTo);
        }
        bytes32 digest = _readingDigest(
            reading.meter,
            reading.periodId,
            reading.producedWh,
            reading.consumedWh,
            reading.sequence
        );
        (address signer, , ) = ECDSA.tryRecover(digest, signature);
        if (signer != reading.meter) revert MeteringBadSignature(reading.meter, signer);
        if (reading.verdict != ReadingVerdict.Trusted) {
            revert MeteringReadingUntrusted(batchId, reading.meter, reading.periodId);
        }
    }

    /// @inheritdoc IMeteringLedger
    function readingDigest(
        address meter,
        uint256 periodId,
        uint64 producedWh,
        uint64 consumedWh,
        uint64 sequence
    ) external view returns (bytes32) {
        return _readingDigest(meter, periodId, producedWh, consumedWh, sequence);
    }

    /// @inheritdoc IMeteringLedger
    function leafOf(Reading calldata reading) external pure returns (bytes32) {
        return _leaf(reading);
    }

    /// @inheritdoc IMeteringLedger
    function getBatch(uint256 batchId) external view returns (Batch memory batch) {
        batch = _batches[batchId];
        if (batch.root == bytes32(0)) revert MeteringUnknownBatch(batchId);
    }

    /// @inheritdoc IMeteringLedger
    function batchIdOf(bytes32 root) external view returns (uint256) {
        return _batchIdOf[root];
    }

    /// @inheritdoc IMeteringLedger
    function batchCount() external view returns (uint256) {
        return _batchCount;
    }

    function _readingDigest(
        address meter,
        uint256 periodId,
        uint64 producedWh,
        uint64 consumedWh,
        uint64 sequence
    ) private view returns (bytes32) {
        return
            _hashTypedDataV4(
                keccak256(
                    abi.encode(
                        METER_READING_TYPEHASH,
                        meter,
                        periodId,
                        producedWh,
                        consumedWh,
                        sequence
                    )
                )
            );
    }

    function _leaf(Reading calldata r) private pure returns (bytes32) {
        return
            keccak256(
                bytes.concat(
                    keccak256(
                        abi.encode(
                            r.meter,
                            r.participant,
                            r.periodId,
                            r.producedWh,
                            r.consumedWh,
                            r.sequence,
                            r.verdict
                        )
                    )
                )
            );
    }
}
