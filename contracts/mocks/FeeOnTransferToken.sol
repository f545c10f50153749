// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title FeeOnTransferToken
/// @notice Test-only hostile token: every transfer burns `feeBps` of the amount, so the
/// recipient receives less than was sent.
contract FeeOnTransferToken is ERC20 {
    uint256 private immutable _feeBps;

    /// @param feeBps Fee burnt from every transfer, basis points.
    constructor(uint256 feeBps) ERC20("Fee on transfer", "FOT") {
        _feeBps = feeBps;
    }

    /// @notice Mints `amount` to `to` (test token: anyone may mint).
    /// @param to Recipient.
    /// @param amount Amount.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from == address(0) || to == address(0)) return super._update(from, to, value);
        uint256 fee = (value * _feeBps) / 10_000;
        super._update(from, address(0), fee);
        super._update(from, to, value - fee);
    }
}
