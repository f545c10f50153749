// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IEnergyMarket} from "../interfaces/IEnergyMarket.sol";
import {CallbackToken, ITokenHook} from "./CallbackToken.sol";

/// @title ReentrantTrader
/// @notice Test-only attacker: deposits into or withdraws from the market and, from the token's
/// transfer callback, calls deposit or withdraw again to try to be credited twice.
contract ReentrantTrader is ITokenHook {
    IEnergyMarket private immutable _market;
    IERC20 private immutable _token;
    uint256 private _reenterAmount;
    bool private _reenterWithdraw;
    bool private _armed;

    /// @param market Market to attack.
    /// @param token Its settlement token.
    constructor(IEnergyMarket market, CallbackToken token) {
        _market = market;
        _token = IERC20(address(token));
        token.approve(address(market), type(uint256).max);
        token.registerHook();
    }

    /// @notice Deposit `amount`, re-entering with `reenterAmount` from the callback.
    /// @param amount Outer deposit.
    /// @param reenterAmount Inner deposit (0: no reentry).
    function attackDeposit(uint256 amount, uint256 reenterAmount) external {
        _reenterAmount = reenterAmount;
        _reenterWithdraw = false;
        _armed = reenterAmount != 0;
        _market.deposit(amount);
    }

    /// @notice Withdraw `amount`, re-entering withdraw with `reenterAmount` from the callback.
    /// @param amount Outer withdrawal.
    /// @param reenterAmount Inner withdrawal (0: no reentry).
    function attackWithdraw(uint256 amount, uint256 reenterAmount) external {
        _reenterAmount = reenterAmount;
        _reenterWithdraw = true;
        _armed = reenterAmount != 0;
        _market.withdraw(amount);
    }

    /// @inheritdoc ITokenHook
    function onTokenTransfer(address, address, uint256) external {
        if (!_armed || msg.sender != address(_token)) return;
        _armed = false;
        if (_reenterWithdraw) _market.withdraw(_reenterAmount);
        else _market.deposit(_reenterAmount);
    }
}
