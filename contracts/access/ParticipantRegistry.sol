// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {EIP712Upgradeable} from "@openzeppelin/contracts-upgradeable/utils/cryptography/EIP712Upgradeable.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {GovernedUpgradeable} from "../upgrades/GovernedUpgradeable.sol";

/// @title ParticipantRegistry
/// @notice Participant admission, roles and meter certificates. The operator (OPERATOR_ROLE)
/// approves applications and signs meter certificates; it administers every other role.
contract ParticipantRegistry is GovernedUpgradeable, EIP712Upgradeable, IParticipantRegistry {
    bytes32 public constant OPERATOR_ROLE = keccak256("OPERATOR_ROLE");
    bytes32 public constant AGGREGATOR_ROLE = keccak256("AGGREGATOR_ROLE");
    bytes32 public constant PROSUMER_ROLE = keccak256("PROSUMER_ROLE");
    bytes32 public constant METER_ROLE = keccak256("METER_ROLE");
    bytes32 public constant SUPPLIER_ROLE = keccak256("SUPPLIER_ROLE");
    bytes32 public constant AUDITOR_ROLE = keccak256("AUDITOR_ROLE");

    /// @notice EIP-712 type hash of a meter certificate (001 eq. 5: the operator attests the
    /// device identity and whose energy it measures).
    bytes32 public constant METER_CERTIFICATE_TYPEHASH = keccak256(
        "MeterCertificate(address meter,address participant,uint64 expiry,uint256 nonce)"
    );

    mapping(address account => Participant) private _participants;
    mapping(address account => bytes32 role) private _grantedRole;
    mapping(address meter => address participant) private _meterParticipant;
    mapping(uint256 nonce => bool used) private _nonceUsed;
    mapping(address account => bytes32 applicationHash) private _applicationHash;

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @notice Sets up the proxy's storage once, in the proxy's deployment transaction.
    /// @param operator Account that receives DEFAULT_ADMIN_ROLE and OPERATOR_ROLE.
    function initialize(address operator) external initializer {
        if (operator == address(0)) revert ParticipantRegistryZeroAddress();
        __GovernedUpgradeable_init(operator);
        __EIP712_init("GridLedger ParticipantRegistry", "1");
        _grantRole(OPERATOR_ROLE, operator);
        _setRoleAdmin(AGGREGATOR_ROLE, OPERATOR_ROLE);
        _setRoleAdmin(PROSUMER_ROLE, OPERATOR_ROLE);
        _setRoleAdmin(METER_ROLE, OPERATOR_ROLE);
        _setRoleAdmin(SUPPLIER_ROLE, OPERATOR_ROLE);
        // AUDITOR_ROLE stays under DEFAULT_ADMIN_ROLE (the alliance): auditors check the operator,
        // so the operator must not pick them alone.
    }

    /// @inheritdoc IParticipantRegistry
    function applyAsParticipant(
        ParticipantKind kind,
        bool renewable,
        uint32 feederId,
        uint32 busId,
        bytes32 detailsHash,
        string calldata detailsCid
    ) external {
        if (kind == ParticipantKind.Unspecified) revert ParticipantRegistryInvalidKind();
        if (detailsHash == bytes32(0)) revert ParticipantRegistryEmptyDetails();
        Participant storage p = _participants[msg.sender];
        if (p.status == ParticipantStatus.Approved)
            revert ParticipantRegistryAlreadyApproved(msg.sender);
        p.kind = kind;
        p.status = ParticipantStatus.Applied;
        p.renewable = renewable;
        p.feederId = feederId;
        p.busId = busId;
        p.updatedAt = uint64(block.timestamp);
        p.detailsHash = detailsHash;
        p.detailsCid = detailsCid;
        bytes32 appHash = hashApplication(
            msg.sender,
            kind,
            renewable,
            feederId,
            busId,
            detailsHash,
            detailsCid
        );
        _applicationHash[msg.sender] = appHash;
        emit ParticipantApplied(
            msg.sender,
            kind,
            renewable,
            feederId,
            busId,
            detailsHash,
            detailsCid,
            appHash
        );
    }

    /// @inheritdoc IParticipantRegistry
    function approve(
        address account,
        bytes32 role,
        bytes32 reviewedApplicationHash
    ) external onlyRole(OPERATOR_ROLE) {
        if (role != AGGREGATOR_ROLE && role != PROSUMER_ROLE && role != SUPPLIER_ROLE) {
            revert ParticipantRegistryRoleNotAssignable(role);
        }
        Participant storage p = _participants[account];
        if (p.status != ParticipantStatus.Applied)
            revert ParticipantRegistryUnexpectedStatus(account, p.status);
        bytes32 pending = _applicationHash[account];
        if (pending != reviewedApplicationHash) {
            revert ParticipantRegistryApplicationChanged(account, reviewedApplicationHash, pending);
        }
        p.status = ParticipantStatus.Approved;
        p.updatedAt = uint64(block.timestamp);
        _grantedRole[account] = role;
        _grantRole(role, account);
        emit ParticipantApproved(account, role, msg.sender);
    }

    /// @inheritdoc IParticipantRegistry
    function reject(address account, bytes32 reasonHash) external onlyRole(OPERATOR_ROLE) {
        Participant storage p = _participants[account];
        ParticipantStatus status = p.status;
        if (status != ParticipantStatus.Applied && status != ParticipantStatus.Approved) {
            revert ParticipantRegistryUnexpectedStatus(account, status);
        }
        p.status = ParticipantStatus.Rejected;
        p.updatedAt = uint64(block.timestamp);
        if (status == ParticipantStatus.Approved) {
            _revokeRole(_grantedRole[account], account);
            delete _grantedRole[account];
        }
        emit ParticipantRejected(account, reasonHash, msg.sender);
    }

    /// @inheritdoc IParticipantRegistry
    function bindMeter(
        address meter,
        address participantAccount,
        uint64 expiry,
        uint256 nonce,
        bytes calldata signature
    ) external {
        if (meter == address(0) || participantAccount == address(0))
            revert ParticipantRegistryZeroAddress();
        if (block.timestamp > expiry)
            revert ParticipantRegistryCertificateExpired(expiry, block.timestamp);
        if (_nonceUsed[nonce]) revert ParticipantRegistryNonceUsed(nonce);
        bytes32 digest = meterCertificateDigest(meter, participantAccount, expiry, nonce);
        (address signer, , ) = ECDSA.tryRecover(digest, signature);
        if (signer == address(0) || !hasRole(OPERATOR_ROLE, signer))
            revert ParticipantRegistryInvalidSigner(signer);
        if (_participants[participantAccount].status != ParticipantStatus.Approved) {
            revert ParticipantRegistryNotApproved(participantAccount);
        }
        address current = _meterParticipant[meter];
        if (current != address(0)) revert ParticipantRegistryMeterAlreadyBound(meter, current);
        _nonceUsed[nonce] = true;
        _meterParticipant[meter] = participantAccount;
        _grantRole(METER_ROLE, meter);
        emit MeterBound(meter, participantAccount, signer, nonce);
    }

    /// @inheritdoc IParticipantRegistry
    function revokeMeter(address meter) external {
        address current = _meterParticipant[meter];
        if (current == address(0)) revert ParticipantRegistryMeterNotBound(meter);
        if (msg.sender != current && !hasRole(OPERATOR_ROLE, msg.sender)) {
            revert ParticipantRegistryUnauthorizedRevoke(msg.sender, meter);
        }
        delete _meterParticipant[meter];
        _revokeRole(METER_ROLE, meter);
        emit MeterRevoked(meter, current, msg.sender);
    }

    /// @inheritdoc IParticipantRegistry
    function isApproved(address account) external view returns (bool) {
        return _participants[account].status == ParticipantStatus.Approved;
    }

    /// @inheritdoc IParticipantRegistry
    function participant(address account) external view returns (Participant memory) {
        return _participants[account];
    }

    /// @inheritdoc IParticipantRegistry
    function applicationHash(address account) external view returns (bytes32) {
        return _applicationHash[account];
    }

    /// @inheritdoc IParticipantRegistry
    function hashApplication(
        address account,
        ParticipantKind kind,
        bool renewable,
        uint32 feederId,
        uint32 busId,
        bytes32 detailsHash,
        string calldata detailsCid
    ) public pure returns (bytes32) {
        return
            keccak256(
                abi.encode(account, kind, renewable, feederId, busId, detailsHash, detailsCid)
            );
    }

    /// @inheritdoc IParticipantRegistry
    function participantCore(
        address account
    )
        external
        view
        returns (
            ParticipantKind kind,
            ParticipantStatus status,
            bool renewable,
            uint32 feederId,
            uint32 busId
        )
    {
        Participant storage p = _participants[account];
        return (p.kind, p.status, p.renewable, p.feederId, p.busId);
    }

    /// @inheritdoc IParticipantRegistry
    function participantOfMeter(address meter) external view returns (address) {
        return _meterParticipant[meter];
    }

    /// @inheritdoc IParticipantRegistry
    function nonceUsed(uint256 nonce) external view returns (bool) {
        return _nonceUsed[nonce];
    }

    /// @inheritdoc IParticipantRegistry
    function meterCertificateDigest(
        address meter,
        address participantAccount,
        uint64 expiry,
        uint256 nonce
    ) public view returns (bytes32) {
        return
            _hashTypedDataV4(
                keccak256(
                    abi.encode(METER_CERTIFICATE_TYPEHASH, meter, participantAccount, expiry, nonce)
                )
            );
    }
}
