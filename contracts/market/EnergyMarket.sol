// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IEnergyMarket} from "../interfaces/IEnergyMarket.sol";
import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {PackedOrder} from "../libraries/PackedOrder.sol";
import {MarketMath} from "../libraries/MarketMath.sol";

/// @title EnergyMarket
/// @notice Double auction with forecast compensation. See IEnergyMarket and
/// docs/decisions/0100-0105 for the escrow formula, rounding, list verification, resumable
/// clearing and storage layout.
contract EnergyMarket is AccessControl, IEnergyMarket {
    using SafeERC20 for IERC20;
    using PackedOrder for uint256;

    bytes32 public constant OPERATOR_ROLE = keccak256("OPERATOR_ROLE");
    uint32 public constant DEFAULT_DURATION = 900;
    uint16 public constant DEFAULT_BAND_BPS = 500;
    uint32 public constant DEFAULT_METERING_WINDOW = 3600;
    /// @notice Milli-units per token base unit.
    uint256 public constant UNIT = 1000;

    uint8 private constant _PHASE_NONE = 0;
    uint8 private constant _PHASE_RENEWABLE = 1;
    uint8 private constant _PHASE_CONVENTIONAL = 2;
    uint8 private constant _PHASE_TAIL = 3;
    uint8 private constant _PHASE_DONE = 4;
    /// @notice Matches between two stored hash-chain checkpoints; settlement chunks end on them.
    uint256 public constant CHECKPOINT_INTERVAL = 256;

    /// @dev Slot 0 holds everything placement needs (read and written once per order).
    /// Slot 1 holds the schedule, slot 2 the clearing cursor, slot 3 the match hash chain.
    struct Interval {
        // slot 0: 40+40+40+8+32+32+32+16+8 = 248 bits
        uint40 gateClosure;
        uint40 gridBuyPrice;
        uint40 feedInPrice;
        IntervalStatus status;
        uint32 renewableSells;
        uint32 conventionalSells;
        uint32 buys;
        uint16 bandBps;
        IntervalKind kind;
        // slot 1: 40+32+32 = 104 bits
        uint40 start;
        uint32 duration;
        uint32 meteringWindow;
        // slot 2: 3×32 seen + 3×32 last sequence + 8 phase + 32 matches = 232 bits
        uint32 seenR;
        uint32 seenC;
        uint32 seenB;
        uint32 lastR;
        uint32 lastC;
        uint32 lastB;
        uint8 phase;
        uint32 matchCount;
        // slot 3: remainders of the current sell and buy during a resumable walk
        uint40 sellRem;
        uint40 buyRem;
        uint8 settleStage; // 0 tally, 1 pay
        uint32 settleCursor; // matches processed in the current stage
        // slot 4
        bytes32 matchHash;
    }

    /// @dev Milli-unit balances of one account in one slot.
    struct Account {
        uint128 available;
        uint128 locked;
    }

    struct Position {
        uint64 produced;
        uint64 consumed;
        uint64 sold;
        uint64 bought;
        bool reported;
    }

    /// @dev In-memory state of one clearing call.
    struct Walk {
        uint256 intervalId;
        uint256 gridBuy;
        uint256 feedIn;
        uint256[3] total;
        uint256[3] seen;
        uint256[3] last;
        uint256[3] lastKey;
        uint256 phase;
        uint256 matchCount;
        bytes32 matchHash;
        uint256 sellRem;
        uint256 sellWord;
        uint256 sellSeq;
        uint256 buyRem;
        uint256 buyWord;
        uint256 buySeq;
    }

    IERC20 private immutable _token;
    IParticipantRegistry private immutable _registry;
    uint256 private _intervalCount;
    mapping(uint256 intervalId => Interval) private _intervals;
    mapping(uint256 orderId => uint256 packedOrder) private _orders;
    mapping(address account => Account) private _accounts;
    mapping(uint256 intervalId => mapping(address participant => Position)) private _positions;
    mapping(uint256 intervalId => mapping(uint256 k => bytes32 hash)) private _checkpoints;

    /// @param operator Receives DEFAULT_ADMIN_ROLE and OPERATOR_ROLE.
    /// @param settlementToken ERC-20 the market settles in.
    /// @param participantRegistry Registry deciding who may trade and which meters report.
    constructor(
        address operator,
        IERC20 settlementToken,
        IParticipantRegistry participantRegistry
    ) {
        if (
            operator == address(0) ||
            address(settlementToken) == address(0) ||
            address(participantRegistry) == address(0)
        ) revert MarketZeroAmount();
        _token = settlementToken;
        _registry = participantRegistry;
        _grantRole(DEFAULT_ADMIN_ROLE, operator);
        _grantRole(OPERATOR_ROLE, operator);
    }

    // ------------------------------------------------------------------ money in and out

    /// @inheritdoc IEnergyMarket
    function deposit(uint256 amount) external {
        _deposit(amount);
    }

    /// @inheritdoc IEnergyMarket
    function depositWithPermit(
        uint256 amount,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external {
        // A front-run permit only consumes the nonce; the allowance is then already in place.
        try
            IERC20Permit(address(_token)).permit(
                msg.sender,
                address(this),
                amount,
                deadline,
                v,
                r,
                s
            )
        {} catch {} // solhint-disable-line no-empty-blocks
        _deposit(amount);
    }

    function _deposit(uint256 amount) private {
        if (amount == 0) revert MarketZeroAmount();
        _token.safeTransferFrom(msg.sender, address(this), amount);
        _accounts[msg.sender].available += SafeCast.toUint128(amount * UNIT);
        emit Deposited(msg.sender, amount);
    }

    /// @inheritdoc IEnergyMarket
    function withdraw(uint256 amount) external {
        if (amount == 0) revert MarketZeroAmount();
        Account storage acc = _accounts[msg.sender];
        uint256 milli = amount * UNIT;
        if (acc.available < milli)
            revert MarketInsufficientBalance(msg.sender, acc.available, milli);
        acc.available -= uint128(milli);
        _token.safeTransfer(msg.sender, amount);
        emit Withdrawn(msg.sender, amount);
    }

    // ------------------------------------------------------------------ intervals and orders

    /// @inheritdoc IEnergyMarket
    function openInterval(
        IntervalKind kind,
        uint40 start,
        uint40 gateClosure,
        uint40 gridBuyPrice,
        uint40 feedInPrice
    ) external onlyRole(OPERATOR_ROLE) returns (uint256) {
        return
            _open(
                kind,
                start,
                DEFAULT_DURATION,
                gateClosure,
                DEFAULT_METERING_WINDOW,
                gridBuyPrice,
                feedInPrice,
                DEFAULT_BAND_BPS
            );
    }

    /// @inheritdoc IEnergyMarket
    function openIntervalWithParams(
        IntervalKind kind,
        uint40 start,
        uint32 duration,
        uint40 gateClosure,
        uint32 meteringWindow,
        uint40 gridBuyPrice,
        uint40 feedInPrice,
        uint16 bandBps
    ) external onlyRole(OPERATOR_ROLE) returns (uint256) {
        return
            _open(
                kind,
                start,
                duration,
                gateClosure,
                meteringWindow,
                gridBuyPrice,
                feedInPrice,
                bandBps
            );
    }

    function _open(
        IntervalKind kind,
        uint40 start,
        uint32 duration,
        uint40 gateClosure,
        uint32 meteringWindow,
        uint40 gridBuyPrice,
        uint40 feedInPrice,
        uint16 bandBps
    ) private returns (uint256 intervalId) {
        if (gateClosure <= block.timestamp) revert MarketInvalidIntervalParams(1);
        if (gateClosure > start) revert MarketInvalidIntervalParams(2);
        if (duration == 0) revert MarketInvalidIntervalParams(3);
        if (feedInPrice > gridBuyPrice) revert MarketInvalidIntervalParams(4);
        if (bandBps > MarketMath.BPS) revert MarketInvalidIntervalParams(5);
        intervalId = ++_intervalCount;
        Interval storage iv = _intervals[intervalId];
        iv.gateClosure = gateClosure;
        iv.gridBuyPrice = gridBuyPrice;
        iv.feedInPrice = feedInPrice;
        iv.status = IntervalStatus.Open;
        iv.bandBps = bandBps;
        iv.kind = kind;
        iv.start = start;
        iv.duration = duration;
        iv.meteringWindow = meteringWindow;
        emit IntervalOpened(
            intervalId,
            kind,
            start,
            duration,
            gateClosure,
            gridBuyPrice,
            feedInPrice,
            bandBps
        );
    }

    /// @inheritdoc IEnergyMarket
    function placeOrder(
        uint256 intervalId,
        Side side,
        uint40 price,
        uint40 quantity
    ) external returns (uint256 orderId) {
        Interval storage iv = _intervals[intervalId];
        if (iv.status != IntervalStatus.Open) {
            if (iv.status == IntervalStatus.None) revert MarketUnknownInterval(intervalId);
            revert MarketGateClosed(intervalId, iv.gateClosure);
        }
        if (block.timestamp >= iv.gateClosure) revert MarketGateClosed(intervalId, iv.gateClosure);
        if (price == 0 || quantity == 0) revert MarketInvalidOrder(price, quantity);
        (, IParticipantRegistry.ParticipantStatus status, bool renewable, , ) = _registry
            .participantCore(msg.sender);
        if (status != IParticipantRegistry.ParticipantStatus.Approved)
            revert MarketNotApproved(msg.sender);

        bool sell = side == Side.Sell;
        if (!sell) renewable = false;
        (uint256 seq, uint256 lock) = _book(iv, sell, renewable, price, quantity);
        _lock(lock);
        orderId = PackedOrder.orderId(intervalId, seq);
        _orders[orderId] = PackedOrder.pack(msg.sender, price, quantity, sell, renewable);
        emit OrderPlaced(intervalId, orderId, msg.sender, side, renewable, price, quantity, lock);
    }

    /// @dev Raises the class counter and returns the order's sequence number and lock. Sequence
    /// numbers are unique across the three classes: the sum of the counters after the increment.
    function _book(
        Interval storage iv,
        bool sell,
        bool renewable,
        uint256 price,
        uint256 quantity
    ) private returns (uint256 seq, uint256 lock) {
        uint32 r = iv.renewableSells;
        uint32 c = iv.conventionalSells;
        uint32 b = iv.buys;
        if (sell) {
            lock = MarketMath.sellerRate(price, iv.gridBuyPrice) * quantity;
            if (renewable) iv.renewableSells = ++r;
            else iv.conventionalSells = ++c;
        } else {
            lock = MarketMath.buyerRate(price, iv.feedInPrice) * quantity;
            iv.buys = ++b;
        }
        seq = uint256(r) + c + b;
    }

    function _lock(uint256 lock) private {
        Account storage acc = _accounts[msg.sender];
        uint256 available = acc.available;
        if (available < lock) revert MarketInsufficientBalance(msg.sender, available, lock);
        // lock ≤ available < 2^128, and locked + lock ≤ the market's total milli-units < 2^128.
        unchecked {
            acc.available = uint128(available - lock);
            acc.locked += uint128(lock);
        }
    }

    /// @inheritdoc IEnergyMarket
    function cancelOrder(uint256 orderId) external {
        uint256 word = _orders[orderId];
        if (word == 0) revert MarketUnknownOrder(orderId);
        if (word.owner() != msg.sender) revert MarketNotOrderOwner(orderId, msg.sender);
        if (word.isCancelled()) revert MarketOrderAlreadyCancelled(orderId);
        uint256 intervalId = orderId >> 32;
        Interval storage iv = _intervals[intervalId];
        if (block.timestamp >= iv.gateClosure) revert MarketGateClosed(intervalId, iv.gateClosure);
        _orders[orderId] = word | PackedOrder.CANCELLED_BIT;
        uint256 released = _lockOf(word, iv.gridBuyPrice, iv.feedInPrice, word.quantity());
        _release(msg.sender, released);
        emit OrderCancelled(intervalId, orderId, released);
    }

    // ------------------------------------------------------------------ clearing

    /// @inheritdoc IEnergyMarket
    function clear(
        uint256 intervalId,
        uint256[] calldata renewableSells,
        uint256[] calldata conventionalSells,
        uint256[] calldata buys
    ) external {
        if (!_clear(intervalId, renewableSells, conventionalSells, buys)) {
            Interval storage iv = _intervals[intervalId];
            revert MarketIncompleteLists(
                intervalId,
                uint256(iv.seenR) + iv.seenC + iv.seenB,
                uint256(iv.renewableSells) + iv.conventionalSells + iv.buys
            );
        }
    }

    /// @inheritdoc IEnergyMarket
    function clearChunk(
        uint256 intervalId,
        uint256[] calldata renewableSells,
        uint256[] calldata conventionalSells,
        uint256[] calldata buys
    ) external returns (bool done) {
        return _clear(intervalId, renewableSells, conventionalSells, buys);
    }

    function _clear(
        uint256 intervalId,
        uint256[] calldata r,
        uint256[] calldata c,
        uint256[] calldata b
    ) private returns (bool) {
        Interval storage iv = _intervals[intervalId];
        if (iv.status != IntervalStatus.Open) {
            if (iv.status == IntervalStatus.None) revert MarketUnknownInterval(intervalId);
            revert MarketAlreadyCleared(intervalId);
        }
        if (block.timestamp < iv.gateClosure) revert MarketGateOpen(intervalId, iv.gateClosure);

        Walk memory w = _loadWalk(iv, intervalId);
        uint256[3] memory idx; // ids consumed from each calldata list in this call
        while (true) {
            if (w.phase == _PHASE_RENEWABLE || w.phase == _PHASE_CONVENTIONAL) {
                if (w.sellRem == 0) {
                    uint256 list = w.phase == _PHASE_RENEWABLE ? 0 : 1;
                    if (w.seen[list] == w.total[list]) {
                        // Stream exhausted: renewables hand over to conventionals; no sells left ends the walk.
                        w.phase = list == 0 ? _PHASE_CONVENTIONAL : _PHASE_TAIL;
                        continue;
                    }
                    uint256[] calldata ids = list == 0 ? r : c;
                    if (idx[list] == ids.length) break; // needs the next chunk
                    uint256 word = _next(w, uint8(list), ids[idx[list]++]);
                    if (word.isCancelled()) continue;
                    w.sellWord = word;
                    w.sellSeq = w.last[list];
                    w.sellRem = word.quantity();
                }
                if (w.buyRem == 0) {
                    if (w.seen[2] == w.total[2]) {
                        w.phase = _PHASE_TAIL;
                        continue;
                    }
                    if (idx[2] == b.length) break;
                    uint256 word = _next(w, 2, b[idx[2]++]);
                    if (word.isCancelled()) continue;
                    w.buyWord = word;
                    w.buySeq = w.last[2];
                    w.buyRem = word.quantity();
                }
                uint256 ask = w.sellWord.price();
                uint256 bid = w.buyWord.price();
                if (ask > bid) {
                    if (w.phase == _PHASE_RENEWABLE) {
                        // Asks only rise and bids only fall: no renewable left can trade. The
                        // current renewable's remainder is released; conventionals continue.
                        _releaseRemainder(w, w.sellWord, w.sellSeq, w.sellRem);
                        w.sellRem = 0;
                        w.phase = _PHASE_CONVENTIONAL;
                    } else {
                        w.phase = _PHASE_TAIL;
                    }
                    continue;
                }
                _match(w, ask, bid);
            } else if (w.phase == _PHASE_TAIL) {
                if (w.sellRem != 0) {
                    _releaseRemainder(w, w.sellWord, w.sellSeq, w.sellRem);
                    w.sellRem = 0;
                }
                if (w.buyRem != 0) {
                    _releaseRemainder(w, w.buyWord, w.buySeq, w.buyRem);
                    w.buyRem = 0;
                }
                _releaseTail(w, 0, r, idx[0]);
                _releaseTail(w, 1, c, idx[1]);
                _releaseTail(w, 2, b, idx[2]);
                if (w.seen[0] == w.total[0] && w.seen[1] == w.total[1] && w.seen[2] == w.total[2]) {
                    w.phase = _PHASE_DONE;
                }
                break;
            } else {
                // _PHASE_NONE: start with the renewable sellers.
                w.phase = _PHASE_RENEWABLE;
            }
        }
        _storeWalk(iv, w);
        if (w.phase == _PHASE_DONE) {
            iv.status = IntervalStatus.Cleared;
            emit IntervalCleared(intervalId, w.matchCount, w.matchHash);
            return true;
        }
        return false;
    }

    function _loadWalk(
        Interval storage iv,
        uint256 intervalId
    ) private view returns (Walk memory w) {
        w.intervalId = intervalId;
        w.gridBuy = iv.gridBuyPrice;
        w.feedIn = iv.feedInPrice;
        w.total = [uint256(iv.renewableSells), iv.conventionalSells, iv.buys];
        w.seen = [uint256(iv.seenR), iv.seenC, iv.seenB];
        w.last = [uint256(iv.lastR), iv.lastC, iv.lastB];
        w.phase = iv.phase;
        w.matchCount = iv.matchCount;
        w.matchHash = iv.matchHash;
        for (uint256 list = 0; list < 3; ++list) {
            if (w.seen[list] != 0)
                w.lastKey[list] = _key(
                    list,
                    _orders[PackedOrder.orderId(intervalId, w.last[list])]
                );
        }
        if (w.phase == _PHASE_RENEWABLE || w.phase == _PHASE_CONVENTIONAL) {
            w.sellRem = iv.sellRem;
            w.buyRem = iv.buyRem;
            if (w.sellRem != 0) {
                w.sellSeq = w.last[w.phase == _PHASE_RENEWABLE ? 0 : 1];
                w.sellWord = _orders[PackedOrder.orderId(intervalId, w.sellSeq)];
            }
            if (w.buyRem != 0) {
                w.buySeq = w.last[2];
                w.buyWord = _orders[PackedOrder.orderId(intervalId, w.buySeq)];
            }
        }
    }

    function _storeWalk(Interval storage iv, Walk memory w) private {
        // Counters are bounded by the uint32 order counters they are compared with.
        iv.seenR = uint32(w.seen[0]);
        iv.seenC = uint32(w.seen[1]);
        iv.seenB = uint32(w.seen[2]);
        iv.lastR = uint32(w.last[0]);
        iv.lastC = uint32(w.last[1]);
        iv.lastB = uint32(w.last[2]);
        iv.phase = uint8(w.phase);
        iv.matchCount = uint32(w.matchCount);
        iv.sellRem = uint40(w.sellRem);
        iv.buyRem = uint40(w.buyRem);
        iv.matchHash = w.matchHash;
    }

    /// @dev Sort key: sells ascending (price, seq); buys descending price then ascending seq,
    /// expressed as an ascending key. Strictly increasing keys also rule out duplicates.
    function _key(uint256 list, uint256 word) private pure returns (uint256) {
        uint256 p = word.price();
        return list == 2 ? ((PackedOrder.MAX40 - p) << 32) : (p << 32);
    }

    /// @dev Verifies that `orderId` is the next id of `list` and consumes it.
    function _next(Walk memory w, uint8 list, uint256 orderId) private view returns (uint256 word) {
        uint256 index = w.seen[list];
        if (index == w.total[list]) revert MarketListTooLong(list, w.total[list]);
        uint256 seq = orderId & 0xffffffff;
        word = _orders[orderId];
        bool ok = (orderId >> 32) == w.intervalId && word != 0;
        if (ok) {
            if (list == 2) ok = !word.isSell();
            else ok = word.isSell() && (word.isRenewable() == (list == 0));
        }
        if (!ok) revert MarketOrderNotInList(list, index, orderId);
        uint256 key = _key(list, word) | seq;
        if (index != 0 && key <= w.lastKey[list])
            revert MarketOrderOutOfSequence(list, index, orderId);
        w.lastKey[list] = key;
        w.last[list] = seq;
        // index < total ≤ 2^32.
        unchecked {
            w.seen[list] = index + 1;
        }
    }

    function _match(Walk memory w, uint256 ask, uint256 bid) private {
        uint256 qty = w.sellRem < w.buyRem ? w.sellRem : w.buyRem;
        // ask, bid < 2^40, so the sum cannot overflow.
        uint256 tradePrice;
        unchecked {
            tradePrice = (ask + bid) / 2;
            w.sellRem -= qty;
            w.buyRem -= qty;
            ++w.matchCount;
        }
        uint256 m = PackedOrder.packMatch(w.sellSeq, w.buySeq, qty, tradePrice);
        w.matchHash = keccak256(abi.encode(w.matchHash, m));
        // Every CHECKPOINT_INTERVAL matches the chain hash is stored (one slot per 256 matches), so
        // settlement can run in chunks that are each verified before they commit.
        if (w.matchCount % CHECKPOINT_INTERVAL == 0) {
            _checkpoints[w.intervalId][w.matchCount / CHECKPOINT_INTERVAL] = w.matchHash;
        }
        emit Matched(
            w.intervalId,
            PackedOrder.orderId(w.intervalId, w.sellSeq),
            PackedOrder.orderId(w.intervalId, w.buySeq),
            qty,
            tradePrice
        );
    }

    function _releaseTail(Walk memory w, uint8 list, uint256[] calldata ids, uint256 from) private {
        for (uint256 i = from; i < ids.length; ++i) {
            uint256 word = _next(w, list, ids[i]);
            if (!word.isCancelled()) _releaseRemainder(w, word, w.last[list], word.quantity());
        }
    }

    function _releaseRemainder(Walk memory w, uint256 word, uint256 seq, uint256 qty) private {
        uint256 released = _lockOf(word, w.gridBuy, w.feedIn, qty);
        if (released != 0) _release(word.owner(), released);
        emit RemainderReleased(w.intervalId, PackedOrder.orderId(w.intervalId, seq), qty, released);
    }

    function _lockOf(
        uint256 word,
        uint256 gridBuy,
        uint256 feedIn,
        uint256 qty
    ) private pure returns (uint256) {
        return
            word.isSell()
                ? MarketMath.sellerRate(word.price(), gridBuy) * qty
                : MarketMath.buyerRate(word.price(), feedIn) * qty;
    }

    function _release(address account, uint256 amount) private {
        Account storage acc = _accounts[account];
        // amount was locked for this account earlier, so locked ≥ amount and the sum stays < 2^128.
        unchecked {
            acc.locked -= uint128(amount);
            acc.available += uint128(amount);
        }
    }

    // ------------------------------------------------------------------ metering and settlement

    /// @inheritdoc IEnergyMarket
    function reportMeter(
        uint256 intervalId,
        address participantAccount,
        uint64 produced,
        uint64 consumed
    ) external {
        Interval storage iv = _intervals[intervalId];
        if (iv.status == IntervalStatus.None) revert MarketUnknownInterval(intervalId);
        if (iv.status == IntervalStatus.Settled) revert MarketAlreadySettled(intervalId);
        uint256 deliveryEnd = uint256(iv.start) + iv.duration;
        if (block.timestamp < deliveryEnd) revert MarketNotDelivered(intervalId, deliveryEnd);
        uint256 meteringEnd = deliveryEnd + iv.meteringWindow;
        if (block.timestamp >= meteringEnd) revert MarketMeteringClosed(intervalId, meteringEnd);
        if (
            !hasRole(OPERATOR_ROLE, msg.sender) &&
            _registry.participantOfMeter(msg.sender) != participantAccount
        ) {
            revert MarketUnknownMeter(msg.sender, participantAccount);
        }
        Position storage pos = _positions[intervalId][participantAccount];
        if (pos.reported) revert MarketAlreadyReported(intervalId, participantAccount);
        pos.produced = produced;
        pos.consumed = consumed;
        pos.reported = true;
        emit MeterReported(intervalId, participantAccount, msg.sender, produced, consumed);
    }

    /// @inheritdoc IEnergyMarket
    function settle(uint256 intervalId, uint256[] calldata matches) external {
        Interval storage iv = _intervals[intervalId];
        _checkSettleable(iv, intervalId);
        if (iv.settleStage != 0 || iv.settleCursor != 0 || matches.length != iv.matchCount) {
            revert MarketMatchListMismatch(intervalId, matches.length, iv.matchCount);
        }
        _settleChunk(iv, intervalId, matches); // tally
        _settleChunk(iv, intervalId, matches); // pay
    }

    /// @inheritdoc IEnergyMarket
    function settleChunk(
        uint256 intervalId,
        uint256[] calldata matches
    ) external returns (bool done) {
        Interval storage iv = _intervals[intervalId];
        _checkSettleable(iv, intervalId);
        _settleChunk(iv, intervalId, matches);
        return iv.status == IntervalStatus.Settled;
    }

    function _checkSettleable(Interval storage iv, uint256 intervalId) private view {
        IntervalStatus status = iv.status;
        if (status == IntervalStatus.None) revert MarketUnknownInterval(intervalId);
        if (status == IntervalStatus.Open) revert MarketNotCleared(intervalId);
        if (status == IntervalStatus.Settled) revert MarketAlreadySettled(intervalId);
        uint256 settleAfter = uint256(iv.start) + iv.duration + iv.meteringWindow;
        if (block.timestamp < settleAfter) revert MarketMeteringOpen(intervalId, settleAfter);
    }

    /// @dev Verifies that `matches` is the recorded match list from the stage cursor up to the next
    /// checkpoint(s) or the end, then tallies (stage 0) or pays (stage 1) them.
    function _settleChunk(
        Interval storage iv,
        uint256 intervalId,
        uint256[] calldata matches
    ) private {
        uint256 from = iv.settleCursor;
        uint256 to = from + matches.length;
        uint256 count = iv.matchCount;
        if (to > count || (to != count && to % CHECKPOINT_INTERVAL != 0)) {
            revert MarketSettlementChunkMisaligned(intervalId, from, matches.length);
        }
        bytes32 h = from == 0 ? bytes32(0) : _checkpoints[intervalId][from / CHECKPOINT_INTERVAL];
        for (uint256 i = 0; i < matches.length; ++i) h = keccak256(abi.encode(h, matches[i]));
        bytes32 expected =
            to == count ? iv.matchHash : _checkpoints[intervalId][to / CHECKPOINT_INTERVAL];
        if (h != expected) revert MarketMatchListMismatch(intervalId, matches.length, count);

        if (iv.settleStage == 0) {
            for (uint256 i = 0; i < matches.length; ++i) _addTrade(intervalId, matches[i]);
            if (to == count) {
                iv.settleStage = 1;
                iv.settleCursor = 0;
            } else {
                iv.settleCursor = uint32(to);
            }
            return;
        }
        uint256 gridBuy = iv.gridBuyPrice;
        uint256 feedIn = iv.feedInPrice;
        uint256 band = iv.bandBps;
        for (uint256 i = 0; i < matches.length; ++i) {
            _settleMatch(intervalId, matches[i], gridBuy, feedIn, band);
        }
        iv.settleCursor = uint32(to);
        if (to == count) {
            iv.status = IntervalStatus.Settled;
            emit IntervalSettled(intervalId);
        }
    }

    function _addTrade(uint256 intervalId, uint256 m) private {
        (uint256 sellSeq, uint256 buySeq, uint256 qty, ) = PackedOrder.unpackMatch(m);
        address seller = _orders[PackedOrder.orderId(intervalId, sellSeq)].owner();
        address buyer = _orders[PackedOrder.orderId(intervalId, buySeq)].owner();
        _positions[intervalId][seller].sold += uint64(qty);
        _positions[intervalId][buyer].bought += uint64(qty);
    }

    /// @dev Terms of one match's settlement, kept in memory to keep the stack shallow.
    struct Terms {
        uint256 sellId;
        uint256 buyId;
        uint256 qty;
        uint256 tradePrice;
        uint256 sellWord;
        uint256 buyWord;
    }

    function _settleMatch(
        uint256 intervalId,
        uint256 m,
        uint256 gridBuy,
        uint256 feedIn,
        uint256 band
    ) private {
        Terms memory t;
        {
            (uint256 sellSeq, uint256 buySeq, uint256 qty, uint256 tradePrice) = PackedOrder
                .unpackMatch(m);
            t.sellId = PackedOrder.orderId(intervalId, sellSeq);
            t.buyId = PackedOrder.orderId(intervalId, buySeq);
            t.qty = qty;
            t.tradePrice = tradePrice;
            t.sellWord = _orders[t.sellId];
            t.buyWord = _orders[t.buyId];
        }
        Position storage sp = _positions[intervalId][t.sellWord.owner()];
        Position storage bp = _positions[intervalId][t.buyWord.owner()];
        uint256 value = t.tradePrice * t.qty;
        uint256 sellerComp = MarketMath.compensation(
            gridBuy > t.tradePrice ? gridBuy - t.tradePrice : 0,
            t.qty,
            MarketMath.deficitScaled(sp.sold, sp.produced, band),
            sp.sold
        );
        uint256 buyerComp = MarketMath.compensation(
            t.tradePrice > feedIn ? t.tradePrice - feedIn : 0,
            t.qty,
            MarketMath.deficitScaled(bp.bought, bp.consumed, band),
            bp.bought
        );
        // Each side's reservation for this match is its order rate × qty (linear, so the
        // reservations of an order's matches add up exactly to what stayed locked at clearing).
        // value + buyerComp ≤ bid × qty + max(0, bid − feedIn) × qty = buyer reservation, and
        // sellerComp ≤ max(0, gridBuy − ask) × qty = seller reservation (trade price in [ask, bid]).
        _payOut(
            t.buyWord.owner(),
            MarketMath.buyerRate(t.buyWord.price(), feedIn) * t.qty,
            value + buyerComp,
            sellerComp
        );
        _payOut(
            t.sellWord.owner(),
            MarketMath.sellerRate(t.sellWord.price(), gridBuy) * t.qty,
            sellerComp,
            value + buyerComp
        );
        emit MatchSettled(intervalId, t.sellId, t.buyId, value, sellerComp, buyerComp);
    }

    /// @dev Unlocks `reserve`, pays `out` from it and credits `received`.
    function _payOut(address account, uint256 reserve, uint256 out, uint256 received) private {
        Account storage acc = _accounts[account];
        acc.locked -= uint128(reserve);
        acc.available += uint128(reserve - out + received);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IEnergyMarket
    function balanceOf(address account) external view returns (uint256 available, uint256 locked) {
        Account storage acc = _accounts[account];
        return (acc.available, acc.locked);
    }

    /// @inheritdoc IEnergyMarket
    function interval(uint256 intervalId) external view returns (IntervalView memory v) {
        Interval storage iv = _intervals[intervalId];
        v.kind = iv.kind;
        v.status = iv.status;
        v.start = iv.start;
        v.duration = iv.duration;
        v.gateClosure = iv.gateClosure;
        v.meteringWindow = iv.meteringWindow;
        v.gridBuyPrice = iv.gridBuyPrice;
        v.feedInPrice = iv.feedInPrice;
        v.bandBps = iv.bandBps;
        v.renewableSells = iv.renewableSells;
        v.conventionalSells = iv.conventionalSells;
        v.buys = iv.buys;
    }

    /// @inheritdoc IEnergyMarket
    function order(uint256 orderId) external view returns (OrderView memory v) {
        uint256 word = _orders[orderId];
        if (word == 0) revert MarketUnknownOrder(orderId);
        v.owner = word.owner();
        v.side = word.isSell() ? Side.Sell : Side.Buy;
        v.renewable = word.isRenewable();
        v.cancelled = word.isCancelled();
        v.price = uint40(word.price());
        v.quantity = uint40(word.quantity());
    }

    /// @inheritdoc IEnergyMarket
    function clearingState(uint256 intervalId) external view returns (ClearingView memory v) {
        Interval storage iv = _intervals[intervalId];
        v.seen = [iv.seenR, iv.seenC, iv.seenB];
        v.phase = iv.phase;
        v.matchCount = iv.matchCount;
        v.matchHash = iv.matchHash;
        v.settleStage = iv.settleStage;
        v.settleCursor = iv.settleCursor;
    }

    /// @inheritdoc IEnergyMarket
    function position(
        uint256 intervalId,
        address participantAccount
    ) external view returns (PositionView memory v) {
        Position storage p = _positions[intervalId][participantAccount];
        return PositionView(p.produced, p.consumed, p.sold, p.bought, p.reported);
    }

    /// @inheritdoc IEnergyMarket
    function intervalCount() external view returns (uint256) {
        return _intervalCount;
    }

    /// @inheritdoc IEnergyMarket
    function token() external view returns (address) {
        return address(_token);
    }

    /// @inheritdoc IEnergyMarket
    function registry() external view returns (address) {
        return address(_registry);
    }

    /// @notice Packs a match as `settle` expects it (sell and buy sequence = low 32 bits of the ids).
    /// @param sellOrderId Sell order id.
    /// @param buyOrderId Buy order id.
    /// @param quantity Matched Wh.
    /// @param tradePrice Trade price.
    /// @return The packed match.
    function packMatch(
        uint256 sellOrderId,
        uint256 buyOrderId,
        uint256 quantity,
        uint256 tradePrice
    ) external pure returns (uint256) {
        return
            PackedOrder.packMatch(
                sellOrderId & 0xffffffff,
                buyOrderId & 0xffffffff,
                quantity,
                tradePrice
            );
    }
}
