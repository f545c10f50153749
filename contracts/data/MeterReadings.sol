// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {EIP712Upgradeable} from "@openzeppelin/contracts-upgradeable/utils/cryptography/EIP712Upgradeable.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {IMeterReadings} from "../interfaces/IMeterReadings.sol";
import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {GovernedUpgradeable} from "../upgrades/GovernedUpgradeable.sol";

/// @title MeterReadings
/// @notice Hash-chain authenticated meter readings (000 IV.D) with an EIP-712 signature path for
/// comparison. Meter identity is pluggable: a meter bound in the participant registry
/// (`participantOfMeter(meter) != 0`) or an account the operator granted METER_ROLE here.
contract MeterReadings is GovernedUpgradeable, EIP712Upgradeable, IMeterReadings {
    /// @notice Sets the validity window and grants METER_ROLE.
    bytes32 public constant OPERATOR_ROLE = keccak256("OPERATOR_ROLE");
    /// @notice Meters admitted here directly (used when no registry binding exists).
    bytes32 public constant METER_ROLE = keccak256("METER_ROLE");
    /// @notice EIP-712 type hash of a signed reading.
    bytes32 public constant READING_TYPEHASH = keccak256(
        "MeterReading(address meter,uint48 seq,uint64 readingTime,int96 value)"
    );
    /// @notice Default validity window of a commitment: 10 minutes (000 IV.D).
    uint48 public constant DEFAULT_VALIDITY_WINDOW = 600;
    /// @notice How far (seconds) a reading time may lie after `block.timestamp`: allowance for
    /// the meter's clock running ahead of the block producer's (0204). Bounds the reading-time
    /// floor, so a far-future reading time can no longer lock a meter out.
    uint64 public constant MAX_CLOCK_SKEW = 60;

    /// @dev Wiring lives in the implementation's code (read without an SLOAD); an upgrade passes
    /// the same address to the new implementation's constructor (docs/decisions/0601).
    /// @custom:oz-upgrades-unsafe-allow state-variable-immutable
    IParticipantRegistry private immutable _REGISTRY;
    uint48 private _validityWindow;
    mapping(address meter => MeterState) private _meters;

    /// @param participantRegistry Participant registry for meter bindings (zero: METER_ROLE only).
    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor(IParticipantRegistry participantRegistry) {
        _REGISTRY = participantRegistry;
        _disableInitializers();
    }

    /// @notice Sets up the proxy's storage once, in the proxy's deployment transaction.
    /// @param operator Admin and operator.
    function initialize(address operator) external initializer {
        __GovernedUpgradeable_init(operator);
        __EIP712_init("GridLedger MeterReadings", "1");
        _grantRole(OPERATOR_ROLE, operator);
        _setRoleAdmin(METER_ROLE, OPERATOR_ROLE);
        _validityWindow = DEFAULT_VALIDITY_WINDOW;
        emit ValidityWindowSet(DEFAULT_VALIDITY_WINDOW);
    }

    /// @inheritdoc IMeterReadings
    function commit(bytes20 commitment) external {
        _requireMeter(msg.sender);
        if (commitment == bytes20(0)) revert MeterReadingsInvalidCommitment(commitment);
        MeterState storage state = _meters[msg.sender];
        bytes20 previous = state.commitment;
        // A fresh chain keeps seq (the EIP-712 nonce) and the reading-time floor, so nothing
        // accepted before can be accepted again. The floor is only lowered when it lies beyond
        // the skew bound, which accepted readings never leave behind (defence in depth: it makes
        // any such lock recoverable by the meter's own commit).
        uint64 last = state.lastReadingTime;
        uint64 latestAllowed = _latestAllowed();
        bool lowered = last > latestAllowed;
        if (lowered) {
            last = latestAllowed;
            state.lastReadingTime = last;
        }
        state.commitment = commitment;
        state.committedAt = uint48(block.timestamp);
        if (previous != bytes20(0) || lowered) {
            emit ChainReset(msg.sender, previous, state.seq, last);
        }
        emit ChainCommitted(msg.sender, commitment);
    }

    /// @inheritdoc IMeterReadings
    function submitWithPreimage(
        address meter,
        uint64 readingTime,
        int96 value,
        bytes32 preimage,
        bytes20 nextCommitment
    ) external {
        _requireMeter(meter);
        MeterState storage state = _meters[meter];
        bytes20 commitment = state.commitment;
        if (commitment == bytes20(0)) revert MeterReadingsNoCommitment(meter);
        if (bytes20(keccak256(abi.encode(preimage))) != commitment) {
            revert MeterReadingsBadPreimage(meter, commitment);
        }
        uint256 expiredAt = uint256(state.committedAt) + _validityWindow;
        if (block.timestamp > expiredAt) {
            revert MeterReadingsCommitmentExpired(meter, state.committedAt, expiredAt);
        }
        if (nextCommitment == bytes20(0) || nextCommitment == commitment) {
            revert MeterReadingsInvalidCommitment(nextCommitment);
        }
        state.commitment = nextCommitment;
        _accept(state, meter, readingTime, value, nextCommitment);
    }

    /// @inheritdoc IMeterReadings
    function submitSigned(
        address meter,
        uint64 readingTime,
        int96 value,
        bytes calldata signature
    ) external {
        _requireMeter(meter);
        MeterState storage state = _meters[meter];
        address signer = ECDSA.recover(
            _readingDigest(meter, state.seq, readingTime, value),
            signature
        );
        if (signer != meter) revert MeterReadingsInvalidSignature(meter, signer);
        _accept(state, meter, readingTime, value, bytes20(0));
    }

    /// @inheritdoc IMeterReadings
    function setValidityWindow(uint48 window) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (window == 0) revert MeterReadingsZeroWindow();
        _validityWindow = window;
        emit ValidityWindowSet(window);
    }

    /// @inheritdoc IMeterReadings
    function validityWindow() external view returns (uint48) {
        return _validityWindow;
    }

    /// @inheritdoc IMeterReadings
    function meterState(address meter) external view returns (MeterState memory) {
        return _meters[meter];
    }

    /// @inheritdoc IMeterReadings
    function isMeter(address account) public view returns (bool) {
        if (hasRole(METER_ROLE, account)) return true;
        return
            address(_REGISTRY) != address(0) && _REGISTRY.participantOfMeter(account) != address(0);
    }

    /// @inheritdoc IMeterReadings
    function readingDigest(
        address meter,
        uint48 seq,
        uint64 readingTime,
        int96 value
    ) external view returns (bytes32) {
        return _readingDigest(meter, seq, readingTime, value);
    }

    /// @notice The participant registry used for meter bindings (zero if none).
    /// @return The registry.
    function registry() external view returns (IParticipantRegistry) {
        return _REGISTRY;
    }

    /// @dev Updates both state slots (one SSTORE each) and emits the reading.
    function _accept(
        MeterState storage state,
        address meter,
        uint64 readingTime,
        int96 value,
        bytes20 nextCommitment
    ) private {
        uint64 latestAllowed = _latestAllowed();
        if (readingTime > latestAllowed) {
            revert MeterReadingsReadingInFuture(meter, readingTime, latestAllowed);
        }
        uint64 last = state.lastReadingTime;
        if (readingTime <= last) revert MeterReadingsOutOfOrder(meter, readingTime, last);
        uint48 seq = state.seq;
        // committedAt moves on the hash-chain path only: the new commitment starts its window now.
        if (nextCommitment != bytes20(0)) state.committedAt = uint48(block.timestamp);
        // seq counts transactions; 2^48 readings per meter cannot be reached.
        unchecked {
            state.seq = seq + 1;
        }
        state.lastReadingTime = readingTime;
        state.lastValue = value;
        emit ReadingAccepted(meter, seq, readingTime, value, nextCommitment);
    }

    function _readingDigest(
        address meter,
        uint48 seq,
        uint64 readingTime,
        int96 value
    ) private view returns (bytes32) {
        return
            _hashTypedDataV4(
                keccak256(abi.encode(READING_TYPEHASH, meter, seq, readingTime, value))
            );
    }

    /// @dev The latest reading time accepted in this block: block time plus the clock skew.
    function _latestAllowed() private view returns (uint64) {
        // block.timestamp stays far below 2^64 - MAX_CLOCK_SKEW, so neither the cast nor the
        // addition can wrap.
        unchecked {
            return uint64(block.timestamp) + MAX_CLOCK_SKEW;
        }
    }

    function _requireMeter(address account) private view {
        if (!isMeter(account)) revert MeterReadingsUnknownMeter(account);
    }
}
