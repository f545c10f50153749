// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IEnergyMarket} from "../interfaces/IEnergyMarket.sol";
import {PackedOrder} from "./PackedOrder.sol";
import {RecordChain} from "./RecordChain.sol";

/// @title ClearingWalk
/// @notice The double-auction walk over caller-supplied, verified order lists (decision 0103):
/// renewable sells first, then conventional sells, each ascending by (ask, sequence), against
/// buys descending by bid then ascending by sequence. Every match and every unmatched remainder
/// becomes one record in the interval's hash chain (RecordChain); no balance moves here.
/// @dev The market keeps the storage (orders, consumed-order bitmap, checkpoints) and the
/// resumable cursor; this library only walks, so it can be tested on its own (ClearingWalkHarness).
library ClearingWalk {
    using PackedOrder for uint256;

    uint8 internal constant PHASE_NONE = 0;
    uint8 internal constant PHASE_RENEWABLE = 1;
    uint8 internal constant PHASE_CONVENTIONAL = 2;
    uint8 internal constant PHASE_TAIL = 3;
    uint8 internal constant PHASE_DONE = 4;

    /// @dev In-memory state of one clearing call, loaded from and stored back to the interval.
    struct Walk {
        uint256 intervalId;
        uint256 epoch;
        uint256[3] total;
        uint256[3] seen;
        uint256[3] last;
        uint256[3] lastKey;
        uint256 phase;
        uint256 entryCount;
        bytes32 entryHash;
        uint256 sellRem;
        uint256 sellWord;
        uint256 sellSeq;
        uint256 buyRem;
        uint256 buyWord;
        uint256 buySeq;
    }

    /// @dev The storage the walk reads and writes; one instance in the market, so the library
    /// gets one storage pointer (a constant slot) instead of three mapping arguments.
    struct Books {
        mapping(uint256 orderId => uint256 packedOrder) orders;
        /// Bit per order consumed by the current clearing attempt: key epoch << 24 | seq >> 8.
        mapping(uint256 intervalId => mapping(uint256 key => uint256 bits)) consumed;
        /// Running record hash after every CHECKPOINT_INTERVAL records.
        mapping(uint256 intervalId => mapping(uint256 k => bytes32 hash)) checkpoints;
    }

    /// @notice Walks as far as the given lists reach; `w.phase == PHASE_DONE` when the book is
    /// exhausted. Reverts on any id that is not the next one of its list.
    function run(
        Walk memory w,
        Books storage books,
        uint256[] calldata r,
        uint256[] calldata c,
        uint256[] calldata b
    ) internal {
        uint256[3] memory idx; // ids consumed from each calldata list in this call
        while (true) {
            if (w.phase == PHASE_RENEWABLE || w.phase == PHASE_CONVENTIONAL) {
                if (w.sellRem == 0) {
                    uint256 list = w.phase == PHASE_RENEWABLE ? 0 : 1;
                    if (w.seen[list] == w.total[list]) {
                        // Stream exhausted: renewables hand over to conventionals; no sells left ends the walk.
                        w.phase = list == 0 ? PHASE_CONVENTIONAL : PHASE_TAIL;
                        continue;
                    }
                    uint256[] calldata ids = list == 0 ? r : c;
                    if (idx[list] == ids.length) break; // needs the next chunk
                    uint256 word = next(w, books, uint8(list), ids[idx[list]++]);
                    if (word.isCancelled()) continue;
                    w.sellWord = word;
                    w.sellSeq = w.last[list];
                    w.sellRem = word.quantity();
                }
                if (w.buyRem == 0) {
                    if (w.seen[2] == w.total[2]) {
                        w.phase = PHASE_TAIL;
                        continue;
                    }
                    if (idx[2] == b.length) break;
                    uint256 word = next(w, books, 2, b[idx[2]++]);
                    if (word.isCancelled()) continue;
                    w.buyWord = word;
                    w.buySeq = w.last[2];
                    w.buyRem = word.quantity();
                }
                uint256 ask = w.sellWord.price();
                uint256 bid = w.buyWord.price();
                if (ask > bid) {
                    if (w.phase == PHASE_RENEWABLE) {
                        // Asks only rise and bids only fall: no renewable left can trade. The
                        // current renewable's remainder is recorded; conventionals continue.
                        _recordUnmatched(w, books, w.sellSeq, w.sellRem);
                        w.sellRem = 0;
                        w.phase = PHASE_CONVENTIONAL;
                    } else {
                        w.phase = PHASE_TAIL;
                    }
                    continue;
                }
                _match(w, books, ask, bid);
            } else if (w.phase == PHASE_TAIL) {
                if (w.sellRem != 0) {
                    _recordUnmatched(w, books, w.sellSeq, w.sellRem);
                    w.sellRem = 0;
                }
                if (w.buyRem != 0) {
                    _recordUnmatched(w, books, w.buySeq, w.buyRem);
                    w.buyRem = 0;
                }
                // List by list, whatever the chunking: the records (and their hash) are then a
                // function of the book alone. Ids of a later list wait for the next call.
                _recordTail(w, books, 0, r, idx[0]);
                if (w.seen[0] == w.total[0]) _recordTail(w, books, 1, c, idx[1]);
                if (w.seen[0] == w.total[0] && w.seen[1] == w.total[1]) {
                    _recordTail(w, books, 2, b, idx[2]);
                }
                if (w.seen[0] == w.total[0] && w.seen[1] == w.total[1] && w.seen[2] == w.total[2]) {
                    w.phase = PHASE_DONE;
                }
                break;
            } else {
                // PHASE_NONE: start with the renewable sellers.
                w.phase = PHASE_RENEWABLE;
            }
        }
    }

    /// @notice Sort key: sells ascending (price, seq); buys descending price then ascending seq,
    /// expressed as an ascending key (the sequence is or-ed in by the caller). Strictly
    /// increasing keys also rule out duplicates.
    function key(uint256 list, uint256 word) internal pure returns (uint256) {
        uint256 p = word.price();
        return list == 2 ? ((PackedOrder.MAX40 - p) << 32) : (p << 32);
    }

    /// @notice 0 renewable sells, 1 conventional sells, 2 buys.
    function listOf(uint256 word) internal pure returns (uint256) {
        if (!word.isSell()) return 2;
        return word.isRenewable() ? 0 : 1;
    }

    /// @notice Whether clearing attempt `epoch` of `intervalId` consumed sequence `seq`.
    function isConsumed(
        Books storage books,
        uint256 intervalId,
        uint256 epoch,
        uint256 seq
    ) internal view returns (bool) {
        return (books.consumed[intervalId][(epoch << 24) | (seq >> 8)] >> (seq & 255)) & 1 == 1;
    }

    /// @notice Verifies that `orderId` is the next id of `list` and consumes it.
    function next(
        Walk memory w,
        Books storage books,
        uint8 list,
        uint256 orderId
    ) internal returns (uint256 word) {
        uint256 index = w.seen[list];
        if (index == w.total[list]) revert IEnergyMarket.MarketListTooLong(list, w.total[list]);
        uint256 seq = orderId & 0xffffffff;
        word = books.orders[orderId];
        if ((orderId >> 32) != w.intervalId || word == 0 || listOf(word) != list)
            revert IEnergyMarket.MarketOrderNotInList(list, index, orderId);
        uint256 k = key(list, word) | seq;
        if (index != 0 && k <= w.lastKey[list])
            revert IEnergyMarket.MarketOrderOutOfSequence(list, index, orderId);
        w.lastKey[list] = k;
        w.last[list] = seq;
        // Remember the consumption, so a skipped order can later be told from a replayed one.
        books.consumed[w.intervalId][(w.epoch << 24) | (seq >> 8)] |= 1 << (seq & 255);
        // index < total ≤ 2^32.
        unchecked {
            w.seen[list] = index + 1;
        }
    }

    function _match(Walk memory w, Books storage books, uint256 ask, uint256 bid) private {
        uint256 qty = w.sellRem < w.buyRem ? w.sellRem : w.buyRem;
        // ask, bid < 2^40, so the sum cannot overflow.
        uint256 tradePrice;
        unchecked {
            tradePrice = (ask + bid) / 2;
            w.sellRem -= qty;
            w.buyRem -= qty;
        }
        _append(w, books, PackedOrder.packMatch(w.sellSeq, w.buySeq, qty, tradePrice));
        emit IEnergyMarket.Matched(
            w.intervalId,
            PackedOrder.orderId(w.intervalId, w.sellSeq),
            PackedOrder.orderId(w.intervalId, w.buySeq),
            qty,
            tradePrice
        );
    }

    function _recordUnmatched(
        Walk memory w,
        Books storage books,
        uint256 seq,
        uint256 qty
    ) private {
        _append(w, books, PackedOrder.packUnmatched(seq, qty));
        emit IEnergyMarket.Unmatched(w.intervalId, PackedOrder.orderId(w.intervalId, seq), qty);
    }

    /// @dev Appends a record to the hash chain and stores the chain hash at every checkpoint, so
    /// tally and settlement can run in verified chunks.
    function _append(Walk memory w, Books storage books, uint256 record) private {
        w.entryHash = RecordChain.append(w.entryHash, record);
        unchecked {
            ++w.entryCount;
        }
        if (RecordChain.isCheckpoint(w.entryCount)) {
            books.checkpoints[w.intervalId][w.entryCount / RecordChain.CHECKPOINT_INTERVAL] = w
                .entryHash;
        }
    }

    function _recordTail(
        Walk memory w,
        Books storage books,
        uint8 list,
        uint256[] calldata ids,
        uint256 from
    ) private {
        for (uint256 i = from; i < ids.length; ++i) {
            uint256 word = next(w, books, list, ids[i]);
            if (!word.isCancelled()) _recordUnmatched(w, books, w.last[list], word.quantity());
        }
    }
}
