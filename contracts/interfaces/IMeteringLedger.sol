// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IMeteringLedger
/// @notice Batches of device-signed meter readings, anchored by metering gateways as Merkle roots
/// (the batch itself, with every signature and the trusted-comparison verdicts, is in IPFS under
/// the anchored CID), and the on-chain check that turns one reading into a proven number: its leaf
/// is in an anchored batch, its meter is bound to the participant in the registry, and the meter's
/// own key signed it. A gateway therefore cannot invent or alter a reading, only carry it.
/// @dev Leaf encoding: OpenZeppelin StandardMerkleTree over
/// `(address meter, address participant, uint256 periodId, uint64 producedWh, uint64 consumedWh,
/// uint64 sequence, uint8 verdict)`, i.e. `keccak256(bytes.concat(keccak256(abi.encode(...))))`.
interface IMeteringLedger {
    /// @notice The gateway's trusted-comparison verdict on a reading (000 §IV).
    enum ReadingVerdict {
        /// Device and aggregator series agree (or no aggregator series to compare).
        Trusted,
        /// The comparison failed: the reading is held out of settlement until a dispute resolves.
        Untrusted
    }

    /// @notice Where a dispute over an Untrusted reading stands.
    enum DisputeStatus {
        /// No dispute.
        None,
        /// Opened, counter-evidence may be attached, not resolved (expires after RESOLVE_WINDOW).
        Open,
        /// The resolver accepted the reading: it counts as Trusted from now on.
        Accepted,
        /// The resolver rejected the reading: it stays refused.
        Rejected
    }

    /// @notice A dispute, keyed by the disputed reading's leaf hash.
    /// @param status Its status (an Open dispute past its deadline counts as Rejected).
    /// @param openedAt When it was opened.
    /// @param participant The participant the reading names.
    /// @param periodId The reading's period.
    struct Dispute {
        DisputeStatus status;
        uint48 openedAt;
        address participant;
        uint256 periodId;
    }

    /// @notice One interval reading as the meter signed it, with the gateway's verdict.
    struct Reading {
        address meter;
        address participant;
        uint256 periodId;
        uint64 producedWh;
        uint64 consumedWh;
        uint64 sequence;
        ReadingVerdict verdict;
    }

    /// @notice One anchored batch. Immutable once written.
    /// @dev Storage: slot 0 `root`; slot 1 `gateway` (160) | `readingCount` (32) | `anchoredAt` (48).
    struct Batch {
        bytes32 root;
        address gateway;
        uint32 readingCount;
        uint48 anchoredAt;
    }

    /// @notice A gateway anchored a batch of readings.
    /// @param batchId Sequential id, starting at 1.
    /// @param root Merkle root (StandardMerkleTree, leaf encoding above).
    /// @param gateway Account holding GATEWAY_ROLE that anchored it.
    /// @param readingCount Number of readings (leaves).
    /// @param cid CID of the batch document in IPFS (readings, signatures, verdicts).
    event BatchAnchored(
        uint256 indexed batchId,
        bytes32 indexed root,
        address indexed gateway,
        uint32 readingCount,
        string cid
    );

    /// @notice Someone disputed an Untrusted reading (000 §IV: the comparison failed).
    /// @param disputeId The reading's leaf hash.
    /// @param batchId The batch holding it.
    /// @param participant The participant it names.
    /// @param periodId Its period.
    /// @param opener Who opened the dispute.
    /// @param evidenceCid CID of the opener's evidence.
    event DisputeOpened(
        bytes32 indexed disputeId,
        uint256 indexed batchId,
        address indexed participant,
        uint256 periodId,
        address opener,
        string evidenceCid
    );

    /// @notice Counter-evidence was attached to an open dispute.
    /// @param disputeId The dispute.
    /// @param by Who attached it.
    /// @param cid CID of the evidence.
    event DisputeEvidence(bytes32 indexed disputeId, address indexed by, string cid);

    /// @notice A dispute was resolved.
    /// @param disputeId The dispute.
    /// @param accepted Whether the reading now counts as Trusted.
    /// @param resolver Who resolved it (RESOLVER_ROLE).
    /// @param reasonCid CID of the written reasons.
    event DisputeResolved(
        bytes32 indexed disputeId,
        bool accepted,
        address indexed resolver,
        string reasonCid
    );

    /// @notice Only an Untrusted reading can be disputed.
    /// @param batchId The batch.
    /// @param meter The meter.
    /// @param periodId The period.
    error MeteringNotDisputable(uint256 batchId, address meter, uint256 periodId);

    /// @notice The reading is disputed already.
    /// @param disputeId The dispute.
    error MeteringAlreadyDisputed(bytes32 disputeId);

    /// @notice The dispute window of the reading's batch has closed.
    /// @param batchId The batch.
    /// @param closedAt When disputes closed (anchoring + DISPUTE_WINDOW).
    error MeteringDisputeLate(uint256 batchId, uint256 closedAt);

    /// @notice The dispute is not open (unknown, resolved, or past its resolution deadline).
    /// @param disputeId The dispute.
    error MeteringDisputeNotOpen(bytes32 disputeId);

    /// @notice The reading's dispute is still open: it cannot be used until it is resolved.
    /// @param disputeId The dispute.
    error MeteringReadingDisputed(bytes32 disputeId);

    /// @notice A constructor address is zero.
    error MeteringZeroAddress();
    /// @notice The root is zero.
    error MeteringEmptyRoot();
    /// @notice The batch claims no readings.
    error MeteringNoReadings();
    /// @notice The root was anchored before.
    /// @param root The root.
    /// @param batchId The batch it was anchored as.
    error MeteringRootAlreadyAnchored(bytes32 root, uint256 batchId);
    /// @notice No batch has this id.
    /// @param batchId The id asked for.
    error MeteringUnknownBatch(uint256 batchId);
    /// @notice The proof does not lead from the reading's leaf to the batch root.
    /// @param batchId The batch.
    /// @param meter The reading's meter.
    /// @param periodId The reading's period.
    error MeteringNotInBatch(uint256 batchId, address meter, uint256 periodId);
    /// @notice The meter is not bound to the participant the reading names.
    /// @param meter The meter.
    /// @param participant The participant the reading names.
    /// @param boundTo The participant the registry binds the meter to (zero if none).
    error MeteringMeterNotBound(address meter, address participant, address boundTo);
    /// @notice The signature was not made by the meter's key.
    /// @param meter The meter.
    /// @param signer Who signed (zero if the signature is malformed).
    error MeteringBadSignature(address meter, address signer);
    /// @notice The reading's verdict is Untrusted: it cannot be used until its dispute resolves.
    /// @param batchId The batch.
    /// @param meter The meter.
    /// @param periodId The period.
    error MeteringReadingUntrusted(uint256 batchId, address meter, uint256 periodId);
    /// @notice Array arguments differ in length.
    error MeteringLengthMismatch();

    /// @notice Dispute an Untrusted reading of an anchored batch, within DISPUTE_WINDOW of its
    /// anchoring. Anyone may (the participant, a counterparty, an auditor); the reading must be in
    /// the batch, its meter bound to the participant and the signature the meter's.
    /// @param batchId The batch.
    /// @param reading The reading (verdict Untrusted).
    /// @param signature The meter's signature.
    /// @param proof Its Merkle proof.
    /// @param evidenceCid CID of the opener's evidence (e.g. the device's own log).
    /// @return disputeId The reading's leaf hash.
    function openDispute(
        uint256 batchId,
        Reading calldata reading,
        bytes calldata signature,
        bytes32[] calldata proof,
        string calldata evidenceCid
    ) external returns (bytes32 disputeId);

    /// @notice Attach counter-evidence by CID to an open dispute. Anyone may; only emitted.
    /// @param disputeId The dispute.
    /// @param cid CID of the evidence.
    function addEvidence(bytes32 disputeId, string calldata cid) external;

    /// @notice Resolve an open dispute before its deadline. RESOLVER_ROLE (the alliance).
    /// @param disputeId The dispute.
    /// @param accept True: the reading counts as Trusted; false: it stays refused.
    /// @param reasonCid CID of the written reasons.
    function resolveDispute(bytes32 disputeId, bool accept, string calldata reasonCid) external;

    /// @notice A dispute (status None if there is none). An Open one past opening +
    /// RESOLVE_WINDOW is reported as Rejected.
    /// @param disputeId The reading's leaf hash.
    /// @return The dispute.
    function disputeOf(bytes32 disputeId) external view returns (Dispute memory);

    /// @notice Whether a reading of `participant` for `periodId` is under an open dispute that
    /// can still be resolved (settlement then waits for it).
    /// @param participant The participant.
    /// @param periodId The period.
    /// @return True while such a dispute is open.
    function hasOpenDispute(address participant, uint256 periodId) external view returns (bool);

    /// @notice Anchor a batch of readings. Callers need GATEWAY_ROLE.
    /// @param root Merkle root; non-zero and never anchored before.
    /// @param readingCount Number of readings; non-zero.
    /// @param cid CID of the batch document.
    /// @return batchId The new batch id (first is 1).
    function anchorBatch(
        bytes32 root,
        uint32 readingCount,
        string calldata cid
    ) external returns (uint256 batchId);

    /// @notice Check a reading end to end: in the batch, meter bound to the participant, signed
    /// by the meter, verdict Trusted (or Untrusted with its dispute accepted). Reverts with the
    /// failing check's error (`MeteringReadingDisputed` while a dispute is open).
    /// @param batchId The anchored batch.
    /// @param reading The reading.
    /// @param signature The meter's EIP-712 signature over `MeterReading`.
    /// @param proof Sibling hashes from the leaf to the root.
    function verifyReading(
        uint256 batchId,
        Reading calldata reading,
        bytes calldata signature,
        bytes32[] calldata proof
    ) external view;

    /// @notice The EIP-712 digest a meter signs for a reading.
    /// @param meter The meter.
    /// @param periodId The period.
    /// @param producedWh Energy produced, Wh.
    /// @param consumedWh Energy consumed, Wh.
    /// @param sequence The meter's reading counter (strictly increasing per meter).
    /// @return The digest.
    function readingDigest(
        address meter,
        uint256 periodId,
        uint64 producedWh,
        uint64 consumedWh,
        uint64 sequence
    ) external view returns (bytes32);

    /// @notice The StandardMerkleTree leaf of a reading.
    /// @param reading The reading.
    /// @return The leaf hash.
    function leafOf(Reading calldata reading) external pure returns (bytes32);

    /// @notice One batch.
    /// @param batchId The id.
    /// @return The batch; reverts with MeteringUnknownBatch if absent.
    function getBatch(uint256 batchId) external view returns (Batch memory);

    /// @notice The id a root was anchored as (0 if never).
    /// @param root A root.
    /// @return The batch id.
    function batchIdOf(bytes32 root) external view returns (uint256);

    /// @notice Number of batches anchored.
    /// @return The count.
    function batchCount() external view returns (uint256);
}
