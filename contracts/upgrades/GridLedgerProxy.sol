// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";

/// @title GridLedgerProxy
/// @notice OpenZeppelin's ERC1967Proxy, unchanged, under a GridLedger name so that the deployment
/// and the tests get an artifact for it. Every application contract is deployed as one of these
/// in front of its UUPS implementation; the implementation's initialize() runs in the same
/// transaction (docs/decisions/0601-upgrades.md).
contract GridLedgerProxy is ERC1967Proxy {
    /// @param implementation The UUPS implementation (a GovernedUpgradeable contract).
    /// @param data The initialize(...) call, run by the proxy's constructor.
    constructor(
        address implementation,
        bytes memory data
    ) payable ERC1967Proxy(implementation, data) {}
}
