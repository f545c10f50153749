// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/// @title AllianceTimelock
/// @notice OpenZeppelin's TimelockController, unchanged: holds DEFAULT_ADMIN_ROLE of every
/// GridLedger contract and runs what the AllianceGovernor approved once `getMinDelay()` has passed.
/// @dev Its own contract so the protocol package gets its ABI and the deployment its name.
contract AllianceTimelock is TimelockController {
    /// @param minDelay Seconds between approval and execution.
    /// @param proposers Accounts that may schedule (the governor).
    /// @param executors Accounts that may execute (address(0): anyone, once the delay passed).
    /// @param admin Optional admin for the set-up, renounced at its end (address(0): none).
    constructor(
        uint256 minDelay,
        address[] memory proposers,
        address[] memory executors,
        address admin
    ) TimelockController(minDelay, proposers, executors, admin) {}
}
