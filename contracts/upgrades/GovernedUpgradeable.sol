// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {AccessControlUpgradeable} from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";

/// @title GovernedUpgradeable
/// @notice Base of every GridLedger application contract: an OpenZeppelin UUPS implementation
/// behind an ERC1967Proxy whose upgrades need DEFAULT_ADMIN_ROLE. After the deployment's
/// hand-over that role is held by the alliance's timelock alone, so an upgrade is a governance
/// proposal approved k of n (docs/decisions/0601-upgrades.md).
abstract contract GovernedUpgradeable is Initializable, AccessControlUpgradeable, UUPSUpgradeable {
    /// @dev Initialises the inherited parts and makes `admin` the first DEFAULT_ADMIN_ROLE holder.
    // solhint-disable-next-line func-name-mixedcase
    function __GovernedUpgradeable_init(address admin) internal onlyInitializing {
        __AccessControl_init();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @dev UUPS hook: only the admin (the alliance's timelock) may point the proxy elsewhere.
    function _authorizeUpgrade(address) internal override onlyRole(DEFAULT_ADMIN_ROLE) {}
}
