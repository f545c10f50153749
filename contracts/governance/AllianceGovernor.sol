// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IGovernor, Governor} from "@openzeppelin/contracts/governance/Governor.sol";
import {GovernorCountingSimple} from "@openzeppelin/contracts/governance/extensions/GovernorCountingSimple.sol";
import {GovernorSettings} from "@openzeppelin/contracts/governance/extensions/GovernorSettings.sol";
import {GovernorStorage} from "@openzeppelin/contracts/governance/extensions/GovernorStorage.sol";
import {GovernorSuperQuorum} from "@openzeppelin/contracts/governance/extensions/GovernorSuperQuorum.sol";
import {GovernorTimelockControl} from "@openzeppelin/contracts/governance/extensions/GovernorTimelockControl.sol";
import {GovernorVotes} from "@openzeppelin/contracts/governance/extensions/GovernorVotes.sol";
import {GovernorVotesQuorumFraction} from "@openzeppelin/contracts/governance/extensions/GovernorVotesQuorumFraction.sol";
import {GovernorVotesSuperQuorumFraction} from "@openzeppelin/contracts/governance/extensions/GovernorVotesSuperQuorumFraction.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/// @title AllianceGovernor
/// @notice k-of-n approval of the alliance (000: members approve contract deployment and upgrade,
/// role grants and rule changes). Built only from OpenZeppelin's Governor parts:
/// - one vote per member (AllianceMembership, ERC721Votes), proposals by members only;
/// - a proposal is approved the moment ⌊n · q / 100⌋ members have voted For (super quorum, `q`
///   = the quorum numerator, 67 by default: 2 of 3), or at the voting deadline with that quorum;
/// - approved proposals wait in a TimelockController for its delay before anyone may execute.
/// The timelock holds DEFAULT_ADMIN_ROLE of every GridLedger contract; the operator keeps its
/// day-to-day roles but cannot change roles or rules alone.
/// @dev GovernorStorage keeps proposals enumerable on-chain (CLI `governance status`, the web
/// app) and lets queue/execute take only the proposal id.
contract AllianceGovernor is
    Governor,
    GovernorSettings,
    GovernorCountingSimple,
    GovernorStorage,
    GovernorVotes,
    GovernorVotesSuperQuorumFraction,
    GovernorTimelockControl
{
    /// @param members The membership token (one vote per member).
    /// @param timelock The TimelockController that executes approved proposals.
    /// @param votingPeriod Seconds a proposal stays open for votes.
    /// @param quorumPercent Share of members (in %) whose For votes approve a proposal.
    constructor(
        IVotes members,
        TimelockController timelock,
        uint32 votingPeriod,
        uint256 quorumPercent
    )
        Governor("GridLedger Alliance")
        GovernorSettings(1, votingPeriod, 1)
        GovernorVotes(members)
        GovernorVotesQuorumFraction(quorumPercent)
        GovernorVotesSuperQuorumFraction(quorumPercent)
        GovernorTimelockControl(timelock)
    {}

    // ------------------------------------------------------------ overrides Solidity requires

    /// @inheritdoc Governor
    function proposalThreshold()
        public
        view
        override(Governor, GovernorSettings)
        returns (uint256)
    {
        return super.proposalThreshold();
    }

    /// @inheritdoc Governor
    function state(
        uint256 proposalId
    )
        public
        view
        override(Governor, GovernorVotesSuperQuorumFraction, GovernorTimelockControl)
        returns (ProposalState)
    {
        return super.state(proposalId);
    }

    /// @inheritdoc GovernorSuperQuorum
    function proposalVotes(
        uint256 proposalId
    )
        public
        view
        override(GovernorCountingSimple, GovernorSuperQuorum)
        returns (uint256 againstVotes, uint256 forVotes, uint256 abstainVotes)
    {
        return super.proposalVotes(proposalId);
    }

    /// @inheritdoc IGovernor
    function proposalNeedsQueuing(
        uint256 proposalId
    ) public view override(Governor, GovernorTimelockControl) returns (bool) {
        return super.proposalNeedsQueuing(proposalId);
    }

    function _propose(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        string memory description,
        address proposer
    ) internal override(Governor, GovernorStorage) returns (uint256) {
        return super._propose(targets, values, calldatas, description, proposer);
    }

    function _queueOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) returns (uint48) {
        return super._queueOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _executeOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) {
        super._executeOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _cancel(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) returns (uint256) {
        return super._cancel(targets, values, calldatas, descriptionHash);
    }

    function _executor()
        internal
        view
        override(Governor, GovernorTimelockControl)
        returns (address)
    {
        return super._executor();
    }
}
