// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IMeterReadings
/// @notice Meter readings authenticated by a hash chain (000 section IV.D): a meter commits
/// `H(r1)` in an ordinary signed transaction; afterwards anyone (a relayer) may submit the meter's
/// reading with the preimage `r_i` and the next commitment `H(r_{i+1})`, and the contract accepts
/// it when the first 20 bytes of `keccak256(abi.encode(r_i))` equal the stored commitment and that
/// commitment is younger than the validity window. The alternative path carries an EIP-712
/// signature of the meter instead (kept for the gas comparison and for meters that lost their
/// chain).
///
/// Reading times, on both paths, must be strictly increasing per meter (across chains too) and may
/// not lie more than `MAX_CLOCK_SKEW` (60 s) after `block.timestamp`, so the last accepted reading
/// time can never be pushed far into the future to lock the meter out (0204). The preimage does
/// not commit to the reading: whoever sees `r_i` before inclusion can submit other data with it
/// (documented limitation, 0204); the meter recovers with a new signed `commit`.
interface IMeterReadings {
    /// @notice Per-meter state, two slots: slot 0 `commitment` (160) | `committedAt` (48) | `seq`
    /// (48); slot 1 `lastReadingTime` (64) | `lastValue` (96). A commitment is the first 20 bytes
    /// of `keccak256(abi.encode(r_i))` (160-bit preimage resistance, like an address), so that
    /// advancing the chain rewrites one slot together with the sequence number.
    /// @param commitment Current hash-chain commitment `bytes20(keccak256(abi.encode(r_i)))`.
    /// @param committedAt When the commitment was stored.
    /// @param seq Number of readings accepted so far (the next reading's sequence number).
    /// @param lastReadingTime Meter timestamp of the last accepted reading; never more than
    /// `MAX_CLOCK_SKEW` after the block time at which it was stored.
    /// @param lastValue Value of the last accepted reading (Wh, signed: export negative).
    struct MeterState {
        bytes20 commitment;
        uint48 committedAt;
        uint48 seq;
        uint64 lastReadingTime;
        int96 lastValue;
    }

    /// @notice A meter committed the head of a new hash chain.
    /// @param meter The meter.
    /// @param commitment `bytes20(keccak256(abi.encode(r_1)))`.
    event ChainCommitted(address indexed meter, bytes20 commitment);

    /// @notice A `commit` discarded the meter's previous chain (or lowered a reading-time floor
    /// that lay beyond the clock-skew bound) and started a fresh one; emitted before
    /// `ChainCommitted`. The sequence number and the reading-time floor carry over, so neither a
    /// signature nor an older reading can be replayed into the new chain.
    /// @param meter The meter.
    /// @param previousCommitment The discarded commitment (0 if there was none).
    /// @param seq Sequence number of the first reading of the new chain (unchanged by the reset).
    /// @param lastReadingTime Reading-time floor of the new chain: the next reading must be newer.
    event ChainReset(
        address indexed meter,
        bytes20 previousCommitment,
        uint48 seq,
        uint64 lastReadingTime
    );

    /// @notice A reading was accepted.
    /// @param meter The meter.
    /// @param seq Its sequence number (0-based).
    /// @param readingTime Meter timestamp of the reading.
    /// @param value Reading value in Wh (signed).
    /// @param nextCommitment The new commitment (0 on the signature path, which leaves it as is).
    event ReadingAccepted(
        address indexed meter,
        uint48 indexed seq,
        uint64 readingTime,
        int96 value,
        bytes20 nextCommitment
    );

    /// @notice The operator changed the validity window.
    /// @param window New window in seconds.
    event ValidityWindowSet(uint48 window);

    /// @notice The account is neither bound as a meter in the participant registry nor holds
    /// METER_ROLE here.
    /// @param meter The account.
    error MeterReadingsUnknownMeter(address meter);

    /// @notice A zero commitment, or a next commitment equal to the current one, was given.
    /// @param commitment The commitment.
    error MeterReadingsInvalidCommitment(bytes20 commitment);

    /// @notice The meter has no commitment (never committed).
    /// @param meter The meter.
    error MeterReadingsNoCommitment(address meter);

    /// @notice The preimage does not hash to the stored commitment (wrong or replayed).
    /// @param meter The meter.
    /// @param commitment The stored commitment.
    error MeterReadingsBadPreimage(address meter, bytes20 commitment);

    /// @notice The commitment is older than the validity window; the meter must commit again.
    /// @param meter The meter.
    /// @param committedAt When it was committed.
    /// @param expiredAt When it stopped being accepted.
    error MeterReadingsCommitmentExpired(address meter, uint256 committedAt, uint256 expiredAt);

    /// @notice The reading is not newer than the last accepted one.
    /// @param meter The meter.
    /// @param readingTime The submitted reading time.
    /// @param lastReadingTime The last accepted reading time.
    error MeterReadingsOutOfOrder(address meter, uint64 readingTime, uint64 lastReadingTime);

    /// @notice The reading time lies further in the future than the clock-skew allowance.
    /// @param meter The meter.
    /// @param readingTime The submitted reading time.
    /// @param latestAllowed `block.timestamp + MAX_CLOCK_SKEW`, the latest time accepted now.
    error MeterReadingsReadingInFuture(address meter, uint64 readingTime, uint64 latestAllowed);

    /// @notice The EIP-712 signature was not made by the meter (or was for another sequence).
    /// @param meter The meter.
    /// @param signer The recovered signer.
    error MeterReadingsInvalidSignature(address meter, address signer);

    /// @notice The validity window must be positive.
    error MeterReadingsZeroWindow();

    /// @notice Start (or restart) the meter's hash chain. Called by the meter itself (an ordinary
    /// signed transaction). A restart discards the previous commitment (a compromised, expired or
    /// lost chain), starts a new validity window and emits `ChainReset`; the sequence number and
    /// the last reading time carry over (the latter lowered to `block.timestamp + MAX_CLOCK_SKEW`
    /// if it lies beyond), so reading times stay strictly increasing across chains.
    /// @param commitment `bytes20(keccak256(abi.encode(r_1)))`, non-zero.
    function commit(bytes20 commitment) external;

    /// @notice Submit a reading authenticated by the hash chain. Anyone may relay it. The preimage
    /// does not bind the reading: a front-runner who sees `r_i` can submit other data (0204).
    /// @param meter The meter.
    /// @param readingTime Meter timestamp of the reading: newer than the last one and not after
    /// `block.timestamp + MAX_CLOCK_SKEW`.
    /// @param value Reading in Wh.
    /// @param preimage `r_i`, whose hash starts with the stored commitment.
    /// @param nextCommitment `bytes20(keccak256(abi.encode(r_{i+1})))`, non-zero and different.
    function submitWithPreimage(
        address meter,
        uint64 readingTime,
        int96 value,
        bytes32 preimage,
        bytes20 nextCommitment
    ) external;

    /// @notice Submit a reading authenticated by the meter's EIP-712 signature over
    /// `MeterReading(address meter,uint48 seq,uint64 readingTime,int96 value)`; `seq` must be the
    /// meter's next sequence number, so a signature is accepted once. Anyone may relay it.
    /// @param meter The meter.
    /// @param readingTime Meter timestamp of the reading: newer than the last one and not after
    /// `block.timestamp + MAX_CLOCK_SKEW`.
    /// @param value Reading in Wh.
    /// @param signature The meter's signature.
    function submitSigned(
        address meter,
        uint64 readingTime,
        int96 value,
        bytes calldata signature
    ) external;

    /// @notice Set the hash-chain validity window. DEFAULT_ADMIN_ROLE only (the alliance's timelock).
    /// @param window Seconds a commitment stays valid (default 600).
    function setValidityWindow(uint48 window) external;

    /// @notice The hash-chain validity window in seconds.
    /// @return The window.
    function validityWindow() external view returns (uint48);

    /// @notice A meter's state.
    /// @param meter The meter.
    /// @return The state.
    function meterState(address meter) external view returns (MeterState memory);

    /// @notice Whether the account counts as a meter (bound in the registry or METER_ROLE here).
    /// @param account The account.
    /// @return True if it is a meter.
    function isMeter(address account) external view returns (bool);

    /// @notice The EIP-712 digest a meter signs for `submitSigned`.
    /// @param meter The meter.
    /// @param seq The sequence number.
    /// @param readingTime Meter timestamp of the reading.
    /// @param value Reading in Wh.
    /// @return The digest.
    function readingDigest(
        address meter,
        uint48 seq,
        uint64 readingTime,
        int96 value
    ) external view returns (bytes32);
}
