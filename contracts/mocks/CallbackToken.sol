// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice Hook a CallbackToken calls on the sender before, and on the recipient after, a transfer
/// (the ERC-777 pattern that makes reentrancy through a token possible).
interface ITokenHook {
    /// @notice Called by the token.
    /// @param from Sender.
    /// @param to Recipient.
    /// @param value Amount.
    function onTokenTransfer(address from, address to, uint256 value) external;
}

/// @title CallbackToken
/// @notice Test-only hostile token: calls `onTokenTransfer` on registered senders (before) and
/// recipients (after) of every transfer.
contract CallbackToken is ERC20 {
    mapping(address account => bool) private _hooked;

    constructor() ERC20("Callback", "CBT") {}

    /// @notice The caller wants `onTokenTransfer` calls.
    function registerHook() external {
        _hooked[msg.sender] = true;
    }

    /// @notice Mints `amount` to `to` (test token: anyone may mint).
    /// @param to Recipient.
    /// @param amount Amount.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function _update(address from, address to, uint256 value) internal override {
        if (_hooked[from]) ITokenHook(from).onTokenTransfer(from, to, value);
        super._update(from, to, value);
        if (_hooked[to]) ITokenHook(to).onTokenTransfer(from, to, value);
    }
}
