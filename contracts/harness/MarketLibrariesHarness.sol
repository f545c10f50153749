// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ClearingWalk} from "../libraries/ClearingWalk.sol";
import {MarketMath} from "../libraries/MarketMath.sol";
import {PackedOrder} from "../libraries/PackedOrder.sol";
import {RecordChain} from "../libraries/RecordChain.sol";

/// @title MarketLibrariesHarness
/// @notice Test-only: exposes the market's libraries (walk, record chain, settlement arithmetic)
/// so test/libraries can check them on their own, against the TypeScript reference. Not deployed.
contract MarketLibrariesHarness {
    ClearingWalk.Books private _books;

    /// @notice Stores packed order words under their ids, as placement would.
    function store(uint256[] calldata ids, uint256[] calldata words) external {
        for (uint256 i = 0; i < ids.length; ++i) _books.orders[ids[i]] = words[i];
    }

    /// @notice One walk of a whole book in one call, from an empty cursor.
    /// @param totals Orders booked per list: renewable sells, conventional sells, buys.
    /// @return phase Final phase (ClearingWalk.PHASE_DONE when the lists covered the book).
    /// @return entryCount Records appended.
    /// @return entryHash The record chain's hash.
    function walk(
        uint256 intervalId,
        uint256 epoch,
        uint256[3] calldata totals,
        uint256[] calldata r,
        uint256[] calldata c,
        uint256[] calldata b
    ) external returns (uint256 phase, uint256 entryCount, bytes32 entryHash) {
        ClearingWalk.Walk memory w;
        w.intervalId = intervalId;
        w.epoch = epoch;
        w.total = totals;
        ClearingWalk.run(w, _books, r, c, b);
        return (w.phase, w.entryCount, w.entryHash);
    }

    /// @notice Whether attempt `epoch` of `intervalId` consumed sequence `seq`.
    function isConsumed(
        uint256 intervalId,
        uint256 epoch,
        uint256 seq
    ) external view returns (bool) {
        return ClearingWalk.isConsumed(_books, intervalId, epoch, seq);
    }

    /// @notice The stored checkpoint `k` of `intervalId` (hash after k × 256 records).
    function checkpoint(uint256 intervalId, uint256 k) external view returns (bytes32) {
        return _books.checkpoints[intervalId][k];
    }

    /// @notice ClearingWalk.key.
    function key(uint256 list, uint256 word) external pure returns (uint256) {
        return ClearingWalk.key(list, word);
    }

    /// @notice ClearingWalk.listOf.
    function listOf(uint256 word) external pure returns (uint256) {
        return ClearingWalk.listOf(word);
    }

    /// @notice PackedOrder.pack.
    function pack(
        address account,
        uint256 limitPrice,
        uint256 wh,
        bool sell,
        bool renewable
    ) external pure returns (uint256) {
        return PackedOrder.pack(account, limitPrice, wh, sell, renewable);
    }

    /// @notice RecordChain.fold.
    function fold(bytes32 h, uint256[] calldata records) external pure returns (bytes32) {
        return RecordChain.fold(h, records);
    }

    /// @notice RecordChain.isChunkEnd.
    function isChunkEnd(uint256 to, uint256 count) external pure returns (bool) {
        return RecordChain.isChunkEnd(to, count);
    }

    /// @notice MarketMath.lockRate.
    function lockRate(uint256 word, uint256 gridBuy, uint256 bond) external pure returns (uint256) {
        return MarketMath.lockRate(word, gridBuy, bond);
    }

    /// @notice MarketMath.deviationOf.
    function deviationOf(
        uint256 sold,
        uint256 bought,
        bool reported,
        uint256 produced,
        uint256 consumed
    ) external pure returns (uint256 shortfall, uint256 underUse) {
        return MarketMath.deviationOf(sold, bought, reported, produced, consumed);
    }

    /// @notice MarketMath.matchFlows.
    function matchFlows(
        uint256 q,
        uint256 p,
        uint256[3] memory prices,
        uint256[4] memory totals
    ) external pure returns (uint256 energy, uint256 sellerComp, uint256 buyerComp) {
        return MarketMath.matchFlows(q, p, prices, totals);
    }
}
