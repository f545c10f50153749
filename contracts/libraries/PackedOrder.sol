// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title PackedOrder
/// @notice One order in one storage word, and one match in one word.
/// @dev Order word, from the least significant bit:
///   [0, 160)   owner address
///   [160, 200) price, base units per kWh (uint40)
///   [200, 240) quantity, Wh (uint40)
///   240        sell flag (0 buy, 1 sell)
///   241        renewable flag (sells only)
///   242        cancelled flag
/// A zero word means "no order". Order ids are `intervalId << 32 | sequence` (sequence from 1).
/// Clearing records, one word each: a match is [0,32) sell sequence, [32,64) buy sequence,
/// [64,104) quantity, [104,144) price; an unmatched remainder is [0,32) sequence, [64,104)
/// quantity and bit 255 set.
library PackedOrder {
    uint256 internal constant MAX40 = (1 << 40) - 1;
    uint256 internal constant SELL_BIT = 1 << 240;
    uint256 internal constant RENEWABLE_BIT = 1 << 241;
    uint256 internal constant CANCELLED_BIT = 1 << 242;
    uint256 internal constant UNMATCHED_FLAG = 1 << 255;

    function pack(
        address account,
        uint256 limitPrice,
        uint256 wh,
        bool sell,
        bool renewable
    ) internal pure returns (uint256 word) {
        word = uint256(uint160(account)) | (limitPrice << 160) | (wh << 200);
        if (sell) word |= SELL_BIT;
        if (renewable) word |= RENEWABLE_BIT;
    }

    function owner(uint256 word) internal pure returns (address) {
        return address(uint160(word));
    }

    function price(uint256 word) internal pure returns (uint256) {
        return (word >> 160) & MAX40;
    }

    function quantity(uint256 word) internal pure returns (uint256) {
        return (word >> 200) & MAX40;
    }

    function isSell(uint256 word) internal pure returns (bool) {
        return word & SELL_BIT != 0;
    }

    function isRenewable(uint256 word) internal pure returns (bool) {
        return word & RENEWABLE_BIT != 0;
    }

    function isCancelled(uint256 word) internal pure returns (bool) {
        return word & CANCELLED_BIT != 0;
    }

    /// @notice The order id of sequence `seq` in interval `intervalId`.
    function orderId(uint256 intervalId, uint256 seq) internal pure returns (uint256) {
        return (intervalId << 32) | seq;
    }

    function packMatch(
        uint256 sellSeq,
        uint256 buySeq,
        uint256 qty,
        uint256 tradePrice
    ) internal pure returns (uint256) {
        return sellSeq | (buySeq << 32) | (qty << 64) | (tradePrice << 104);
    }

    function packUnmatched(uint256 seq, uint256 qty) internal pure returns (uint256) {
        return seq | (qty << 64) | UNMATCHED_FLAG;
    }

    function isUnmatched(uint256 record) internal pure returns (bool) {
        return record & UNMATCHED_FLAG != 0;
    }

    function unpackMatch(
        uint256 m
    ) internal pure returns (uint256 sellSeq, uint256 buySeq, uint256 qty, uint256 tradePrice) {
        sellSeq = m & 0xffffffff;
        buySeq = (m >> 32) & 0xffffffff;
        qty = (m >> 64) & MAX40;
        tradePrice = (m >> 104) & MAX40;
    }
}
