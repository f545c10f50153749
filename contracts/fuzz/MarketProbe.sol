// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IEnergyMarket} from "../interfaces/IEnergyMarket.sol";

/// @title MarketProbe
/// @notice Test-only view helper for the market fuzzer (scripts/fuzz/marketFuzz.ts): reads the
/// market's token balance and the milli-unit balances of many accounts in one call, so the escrow
/// invariant can be checked after every step without one RPC round trip per account.
contract MarketProbe {
    /// @notice The market's token balance and each account's available and locked milli-units.
    /// @param market Market to read.
    /// @param accounts Accounts to read.
    /// @return tokenBalance Token base units the market holds.
    /// @return available Available milli-units per account.
    /// @return locked Locked milli-units per account.
    function balances(
        IEnergyMarket market,
        address[] calldata accounts
    )
        external
        view
        returns (uint256 tokenBalance, uint256[] memory available, uint256[] memory locked)
    {
        tokenBalance = IERC20(market.token()).balanceOf(address(market));
        available = new uint256[](accounts.length);
        locked = new uint256[](accounts.length);
        for (uint256 i = 0; i < accounts.length; ++i) {
            (available[i], locked[i]) = market.balanceOf(accounts[i]);
        }
    }
}
