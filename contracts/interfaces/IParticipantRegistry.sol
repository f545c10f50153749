// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IParticipantRegistry
/// @notice Who may take part in GridLedger: participant admission by the grid operator (the
/// papers' ENO), each participant's kind, renewable flag and grid location, and the binding of
/// metering devices to participants by operator-signed EIP-712 certificates.
interface IParticipantRegistry {
    /// @notice What a participant is. `Unspecified` is never a valid application.
    enum ParticipantKind {
        Unspecified,
        PV,
        Wind,
        Hydro,
        Biomass,
        Storage,
        FlexibleLoad,
        ConventionalGenerator,
        Consumer,
        Aggregator,
        Supplier,
        Other
    }

    /// @notice Admission state of an account.
    enum ParticipantStatus {
        None,
        Applied,
        Approved,
        Rejected
    }

    /// @notice A participant record. The first six fields share one storage slot.
    /// @param kind What the participant is.
    /// @param status Admission state.
    /// @param renewable Whether its production counts as renewable (auction priority).
    /// @param feederId Distribution feeder the participant is connected to.
    /// @param busId Bus (node) of that feeder, as numbered in the feeder model.
    /// @param updatedAt Timestamp of the last admission change.
    /// @param detailsHash keccak256 fingerprint of the full application document (RFC 8785 JSON).
    /// @param detailsCid IPFS CID of that document.
    struct Participant {
        ParticipantKind kind;
        ParticipantStatus status;
        bool renewable;
        uint32 feederId;
        uint32 busId;
        uint64 updatedAt;
        bytes32 detailsHash;
        string detailsCid;
    }

    /// @notice An account applied (or re-applied) for admission.
    /// @param account The applicant.
    /// @param kind Declared kind.
    /// @param renewable Declared renewable flag.
    /// @param feederId Declared feeder.
    /// @param busId Declared bus.
    /// @param detailsHash Fingerprint of the application document.
    /// @param detailsCid IPFS CID of the application document.
    /// @param applicationHash Fingerprint of this whole application (see `hashApplication`); the
    /// operator passes it to `approve` to name the application it reviewed.
    event ParticipantApplied(
        address indexed account,
        ParticipantKind kind,
        bool renewable,
        uint32 feederId,
        uint32 busId,
        bytes32 detailsHash,
        string detailsCid,
        bytes32 applicationHash
    );

    /// @notice The operator approved an application and granted the participant a role.
    /// @param account The participant.
    /// @param role Role granted (AGGREGATOR_ROLE, PROSUMER_ROLE or SUPPLIER_ROLE).
    /// @param operator The approving operator.
    event ParticipantApproved(
        address indexed account,
        bytes32 indexed role,
        address indexed operator
    );

    /// @notice The operator rejected an application, or withdrew an approval.
    /// @param account The participant.
    /// @param reasonHash Fingerprint of the written reason (0 if none).
    /// @param operator The rejecting operator.
    event ParticipantRejected(
        address indexed account,
        bytes32 reasonHash,
        address indexed operator
    );

    /// @notice A meter was bound to a participant by an operator certificate.
    /// @param meter The metering device's address.
    /// @param participant The participant whose energy the meter measures.
    /// @param signer The operator who signed the certificate.
    /// @param nonce The certificate's nonce (consumed).
    event MeterBound(
        address indexed meter,
        address indexed participant,
        address signer,
        uint256 nonce
    );

    /// @notice A meter binding was revoked.
    /// @param meter The metering device.
    /// @param participant The participant it was bound to.
    /// @param by Who revoked it (the operator or the participant).
    event MeterRevoked(address indexed meter, address indexed participant, address by);

    /// @notice The application declared no kind.
    error ParticipantRegistryInvalidKind();

    /// @notice The application carried no details fingerprint.
    error ParticipantRegistryEmptyDetails();

    /// @notice The account is already approved; it cannot apply again.
    /// @param account The account.
    error ParticipantRegistryAlreadyApproved(address account);

    /// @notice The operation needs a different admission state.
    /// @param account The account.
    /// @param status Its current state.
    error ParticipantRegistryUnexpectedStatus(address account, ParticipantStatus status);

    /// @notice The pending application is not the one the operator approved: the applicant
    /// re-applied after the operator read it (or the operator named another application).
    /// @param account The applicant.
    /// @param expected The application hash the operator passed to `approve`.
    /// @param actual The hash of the application currently pending.
    error ParticipantRegistryApplicationChanged(address account, bytes32 expected, bytes32 actual);

    /// @notice The role cannot be granted on approval (only aggregator, prosumer, supplier).
    /// @param role The role requested.
    error ParticipantRegistryRoleNotAssignable(bytes32 role);

    /// @notice A zero address was given where an account is required.
    error ParticipantRegistryZeroAddress();

    /// @notice The meter certificate expired.
    /// @param expiry The certificate's expiry.
    /// @param nowTs The current block timestamp.
    error ParticipantRegistryCertificateExpired(uint64 expiry, uint256 nowTs);

    /// @notice The meter certificate's nonce was used before.
    /// @param nonce The nonce.
    error ParticipantRegistryNonceUsed(uint256 nonce);

    /// @notice The meter certificate is not signed by an operator.
    /// @param signer The recovered signer (0 if the signature is malformed).
    error ParticipantRegistryInvalidSigner(address signer);

    /// @notice The participant a meter is bound to must be approved.
    /// @param participant The participant.
    error ParticipantRegistryNotApproved(address participant);

    /// @notice The meter is already bound (revoke it first).
    /// @param meter The meter.
    /// @param participant Its current participant.
    error ParticipantRegistryMeterAlreadyBound(address meter, address participant);

    /// @notice The meter is not bound to anyone.
    /// @param meter The meter.
    error ParticipantRegistryMeterNotBound(address meter);

    /// @notice Only the operator or the bound participant may revoke a meter.
    /// @param caller The caller.
    /// @param meter The meter.
    error ParticipantRegistryUnauthorizedRevoke(address caller, address meter);

    /// @notice Apply for admission (or update a pending or rejected application).
    /// @param kind What the applicant is (not `Unspecified`).
    /// @param renewable Whether its production is renewable.
    /// @param feederId Feeder the applicant is connected to.
    /// @param busId Bus of that feeder.
    /// @param detailsHash keccak256 fingerprint of the full application document (non-zero).
    /// @param detailsCid IPFS CID of that document.
    function applyAsParticipant(
        ParticipantKind kind,
        bool renewable,
        uint32 feederId,
        uint32 busId,
        bytes32 detailsHash,
        string calldata detailsCid
    ) external;

    /// @notice Approve a pending application and grant a participant role. Operator only.
    /// The operator names the application it reviewed by its hash (read it with
    /// `applicationHash(account)` or from the ParticipantApplied event), so an applicant who
    /// re-applies in the meantime (e.g. front-running the approval with another feeder or
    /// renewable flag) is not approved with data nobody reviewed.
    /// @param account The applicant (status Applied).
    /// @param role AGGREGATOR_ROLE, PROSUMER_ROLE or SUPPLIER_ROLE.
    /// @param reviewedApplicationHash Hash of the application the operator reviewed; must equal
    /// `applicationHash(account)`, else ParticipantRegistryApplicationChanged.
    function approve(address account, bytes32 role, bytes32 reviewedApplicationHash) external;

    /// @notice Reject a pending application, or withdraw an approval (revoking the participant
    /// roles). Operator only.
    /// @param account The applicant (status Applied or Approved).
    /// @param reasonHash Fingerprint of the written reason (may be 0).
    function reject(address account, bytes32 reasonHash) external;

    /// @notice Bind a meter to an approved participant with an operator-signed EIP-712
    /// certificate `MeterCertificate(address meter,address participant,uint64 expiry,uint256 nonce)`.
    /// Anyone may submit it; the meter receives METER_ROLE.
    /// @param meter The metering device.
    /// @param participant The participant it measures.
    /// @param expiry Last timestamp at which the certificate is accepted.
    /// @param nonce Single-use nonce chosen by the operator.
    /// @param signature The operator's signature over the certificate.
    function bindMeter(
        address meter,
        address participant,
        uint64 expiry,
        uint256 nonce,
        bytes calldata signature
    ) external;

    /// @notice Revoke a meter binding. The operator or the bound participant may call.
    /// @param meter The metering device.
    function revokeMeter(address meter) external;

    /// @notice Whether `account` is an approved participant.
    /// @param account The account.
    /// @return True if approved.
    function isApproved(address account) external view returns (bool);

    /// @notice The full participant record of `account` (all-zero if it never applied).
    /// @param account The account.
    /// @return The record.
    function participant(address account) external view returns (Participant memory);

    /// @notice Hash of the application `account` last submitted (pending, approved or rejected);
    /// zero if it never applied. Equals `hashApplication` of the submitted fields.
    /// @param account The account.
    /// @return The application hash.
    function applicationHash(address account) external view returns (bytes32);

    /// @notice How an application is hashed: `keccak256(abi.encode(account, kind, renewable,
    /// feederId, busId, detailsHash, detailsCid))`, so it can be recomputed off-chain (e.g. ethers
    /// `AbiCoder.encode(["address","uint8","bool","uint32","uint32","bytes32","string"], ...)`).
    /// @param account The applicant.
    /// @param kind Declared kind.
    /// @param renewable Declared renewable flag.
    /// @param feederId Declared feeder.
    /// @param busId Declared bus.
    /// @param detailsHash Fingerprint of the application document.
    /// @param detailsCid IPFS CID of the application document.
    /// @return The application hash.
    function hashApplication(
        address account,
        ParticipantKind kind,
        bool renewable,
        uint32 feederId,
        uint32 busId,
        bytes32 detailsHash,
        string calldata detailsCid
    ) external pure returns (bytes32);

    /// @notice The one-slot part of a participant record (cheap for other contracts).
    /// @param account The account.
    /// @return kind Its kind.
    /// @return status Its admission state.
    /// @return renewable Its renewable flag.
    /// @return feederId Its feeder.
    /// @return busId Its bus.
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
        );

    /// @notice The participant a meter is bound to.
    /// @param meter The metering device.
    /// @return The participant, or the zero address if unbound or revoked.
    function participantOfMeter(address meter) external view returns (address);

    /// @notice Whether a meter certificate nonce has been consumed.
    /// @param nonce The nonce.
    /// @return True if used.
    function nonceUsed(uint256 nonce) external view returns (bool);

    /// @notice The EIP-712 digest an operator signs to certify a meter.
    /// @param meter The metering device.
    /// @param participant The participant.
    /// @param expiry Last accepted timestamp.
    /// @param nonce Single-use nonce.
    /// @return The digest.
    function meterCertificateDigest(
        address meter,
        address participant,
        uint64 expiry,
        uint256 nonce
    ) external view returns (bytes32);
}
