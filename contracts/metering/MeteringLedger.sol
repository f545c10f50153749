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
    /// @notice Resolves disputes over Untrusted readings (the alliance; decision 0208).
    bytes32 public constant RESOLVER_ROLE = keccak256("RESOLVER_ROLE");
    /// @notice Seconds after a batch is anchored during which its readings may be disputed.
    uint256 public constant DISPUTE_WINDOW = 86_400;
    /// @notice Seconds after opening within which a dispute must be resolved; later it counts as
    /// rejected, so no settlement waits for ever.
    uint256 public constant RESOLVE_WINDOW = 259_200;
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
    mapping(bytes32 disputeId => Dispute) private _disputes;
    /// @dev The latest dispute over a reading of (participant, period): what settlement waits for.
    mapping(address participant => mapping(uint256 periodId => bytes32 disputeId))
        private _disputeOfPeriod;

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
        // Until the hand-over to the alliance the deployer resolves disputes (decision 0208).
        _grantRole(RESOLVER_ROLE, operator);
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
        _requireSigned(reading, signature);
        if (reading.verdict != ReadingVerdict.Trusted) {
            bytes32 disputeId = _leaf(reading);
            DisputeStatus status = _statusOf(_disputes[disputeId]);
            if (status == DisputeStatus.Open) revert MeteringReadingDisputed(disputeId);
            if (status != DisputeStatus.Accepted) {
                revert MeteringReadingUntrusted(batchId, reading.meter, reading.periodId);
            }
        }
    }

    /// @inheritdoc IMeteringLedger
    function openDispute(
        uint256 batchId,
        Reading calldata reading,
        bytes calldata signature,
        bytes32[] calldata proof,
        string calldata evidenceCid
    ) external returns (bytes32 disputeId) {
        Batch storage batch = _batches[batchId];
        if (batch.root == bytes32(0)) revert MeteringUnknownBatch(batchId);
        uint256 closesAt = uint256(batch.anchoredAt) + DISPUTE_WINDOW;
        if (block.timestamp >= closesAt) revert MeteringDisputeLate(batchId, closesAt);
        disputeId = _leaf(reading);
        if (!MerkleProof.verifyCalldata(proof, batch.root, disputeId)) {
            revert MeteringNotInBatch(batchId, reading.meter, reading.periodId);
        }
        _requireSigned(reading, signature);
        if (reading.verdict != ReadingVerdict.Untrusted) {
            revert MeteringNotDisputable(batchId, reading.meter, reading.periodId);
        }
        if (_disputes[disputeId].status != DisputeStatus.None) {
            revert MeteringAlreadyDisputed(disputeId);
        }
        _disputes[disputeId] = Dispute({
            status: DisputeStatus.Open,
            openedAt: uint48(block.timestamp),
            participant: reading.participant,
            periodId: reading.periodId
        });
        _disputeOfPeriod[reading.participant][reading.periodId] = disputeId;
        emit DisputeOpened(
            disputeId,
            batchId,
            reading.participant,
            reading.periodId,
            msg.sender,
            evidenceCid
        );
    }

    /// @inheritdoc IMeteringLedger
    function addEvidence(bytes32 disputeId, string calldata cid) external {
        if (_statusOf(_disputes[disputeId]) != DisputeStatus.Open) {
            revert MeteringDisputeNotOpen(disputeId);
        }
        emit DisputeEvidence(disputeId, msg.sender, cid);
    }

    /// @inheritdoc IMeteringLedger
    function resolveDispute(
        bytes32 disputeId,
        bool accept,
        string calldata reasonCid
    ) external onlyRole(RESOLVER_ROLE) {
        Dispute storage d = _disputes[disputeId];
        if (_statusOf(d) != DisputeStatus.Open) revert MeteringDisputeNotOpen(disputeId);
        d.status = accept ? DisputeStatus.Accepted : DisputeStatus.Rejected;
        emit DisputeResolved(disputeId, accept, msg.sender, reasonCid);
    }

    /// @inheritdoc IMeteringLedger
    function disputeOf(bytes32 disputeId) external view returns (Dispute memory d) {
        d = _disputes[disputeId];
        d.status = _statusOf(_disputes[disputeId]);
    }

    /// @inheritdoc IMeteringLedger
    function hasOpenDispute(address participant, uint256 periodId) external view returns (bool) {
        bytes32 disputeId = _disputeOfPeriod[participant][periodId];
        return disputeId != bytes32(0) && _statusOf(_disputes[disputeId]) == DisputeStatus.Open;
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

    /// @dev The meter is bound to the participant the reading names and signed it.
    function _requireSigned(Reading calldata reading, bytes calldata signature) private view {
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
    }

    /// @dev An Open dispute past its resolution deadline counts as Rejected.
    function _statusOf(Dispute storage d) private view returns (DisputeStatus) {
        if (
            d.status == DisputeStatus.Open &&
            block.timestamp >= uint256(d.openedAt) + RESOLVE_WINDOW
        ) return DisputeStatus.Rejected;
        return d.status;
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
