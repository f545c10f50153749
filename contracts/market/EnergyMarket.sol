// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IEnergyMarket} from "../interfaces/IEnergyMarket.sol";
import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {GovernedUpgradeable} from "../upgrades/GovernedUpgradeable.sol";
import {IMeteringLedger} from "../interfaces/IMeteringLedger.sol";
import {PackedOrder} from "../libraries/PackedOrder.sol";
import {MarketMath} from "../libraries/MarketMath.sol";
import {ClearingWalk} from "../libraries/ClearingWalk.sol";
import {RecordChain} from "../libraries/RecordChain.sol";

/// @title EnergyMarket
/// @notice Double auction with forecast compensation, settled per delivery period. See
/// IEnergyMarket and docs/decisions/0101-0106 for the escrow formula, rounding, list
/// verification, resumable clearing, storage layout and the settlement rule.
contract EnergyMarket is GovernedUpgradeable, ReentrancyGuardTransient, IEnergyMarket {
    using SafeERC20 for IERC20;
    using PackedOrder for uint256;

    bytes32 public constant OPERATOR_ROLE = keccak256("OPERATOR_ROLE");
    /// @notice Milli-units per token base unit.
    uint256 public constant UNIT = 1000;
    /// @notice Records between two stored hash-chain checkpoints; settlement chunks end on them.
    uint256 public constant CHECKPOINT_INTERVAL = RecordChain.CHECKPOINT_INTERVAL;
    /// @notice Bound on the intervals trading one period (day-ahead, intraday rounds, real-time),
    /// so a period's settlement readiness is two small counters.
    uint256 public constant MAX_INTERVALS_PER_PERIOD = 8;

    /// @dev One slot: 40+32+32+40+40+16+40+8+8 = 256 bits.
    struct Period {
        uint40 start;
        uint32 duration;
        uint32 meteringWindow;
        uint40 gridBuyPrice;
        uint40 feedInPrice;
        uint16 bandBps;
        uint40 bondRate;
        uint8 intervals;
        uint8 tallied;
    }

    /// @dev Slot 0 holds everything placement needs (read and written once per order), copied
    /// from the period at opening. Slots 1-3 hold the clearing cursor and the record hash chain.
    struct Interval {
        // slot 0: 40+40+40+32+8+3×32 = 256 bits
        uint40 gateClosure;
        uint40 gridBuyPrice;
        uint40 bondRate;
        uint32 minQuantity;
        IntervalStatus status;
        uint32 renewableSells;
        uint32 conventionalSells;
        uint32 buys;
        // slot 1: 32+8+8+32+32+8+32+40+40 = 232 bits
        uint32 periodId;
        IntervalKind kind;
        uint8 phase;
        uint32 epoch;
        uint32 entryCount;
        uint8 settleStage; // 0 tally, 1 pay
        uint32 settleCursor; // records processed in the current stage
        uint40 sellRem;
        uint40 buyRem;
        // slot 2: 3×32 seen + 3×32 last sequence = 192 bits
        uint32 seenR;
        uint32 seenC;
        uint32 seenB;
        uint32 lastR;
        uint32 lastC;
        uint32 lastB;
        // slot 3
        bytes32 entryHash;
    }

    /// @dev Milli-unit balances of one account in one slot.
    struct Account {
        uint128 available;
        uint128 locked;
    }

    /// @dev One slot per participant and period: 56+56+64+64+8 = 248 bits.
    struct Position {
        uint56 produced;
        uint56 consumed;
        uint64 sold;
        uint64 bought;
        bool reported;
    }

    /// @dev Wiring lives in the implementation's code (read without an SLOAD); an upgrade passes
    /// the same addresses to the new implementation's constructor (docs/decisions/0601).
    /// @custom:oz-upgrades-unsafe-allow state-variable-immutable
    IERC20 private immutable _token;
    /// @custom:oz-upgrades-unsafe-allow state-variable-immutable
    IParticipantRegistry private immutable _registry;
    /// @custom:oz-upgrades-unsafe-allow state-variable-immutable
    IMeteringLedger private immutable _ledger;
    uint256 private _periodCount;
    uint256 private _intervalCount;
    mapping(uint256 periodId => Period) private _periods;
    mapping(uint256 periodId => uint32) private _minQuantities;
    mapping(uint256 intervalId => Interval) private _intervals;
    mapping(address account => Account) private _accounts;
    mapping(uint256 periodId => mapping(address participant => Position)) private _positions;
    /// @dev Orders, consumed-order bitmaps and record checkpoints (ClearingWalk.Books).
    ClearingWalk.Books private _books;
    /// @dev Bounds for openPeriod; read only there, so the hot paths do not pay for it.
    MarketRules private _rules;

    /// @param settlementToken ERC-20 the market settles in.
    /// @param participantRegistry Registry deciding who may trade.
    /// @param ledger Metering ledger that proves each reported reading (docs/decisions/0206).
    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor(
        IERC20 settlementToken,
        IParticipantRegistry participantRegistry,
        IMeteringLedger ledger
    ) {
        if (
            address(settlementToken) == address(0) ||
            address(participantRegistry) == address(0) ||
            address(ledger) == address(0)
        ) revert MarketZeroAmount();
        _token = settlementToken;
        _registry = participantRegistry;
        _ledger = ledger;
        _disableInitializers();
    }

    /// @notice Sets up the proxy's storage once, in the proxy's deployment transaction.
    /// @param operator Receives DEFAULT_ADMIN_ROLE and OPERATOR_ROLE.
    function initialize(address operator) external initializer {
        if (operator == address(0)) revert MarketZeroAmount();
        __GovernedUpgradeable_init(operator);
        _grantRole(OPERATOR_ROLE, operator);
        // Permissive until the alliance tightens them (the deployment sets its configured rules).
        _setRules(
            MarketRules({
                maxBandBps: uint16(MarketMath.BPS),
                minMeteringWindow: 60,
                maxMeteringWindow: 30 days,
                maxGridBuyPrice: type(uint40).max,
                minBondRate: 1,
                minQuantityFloor: 1
            })
        );
    }

    // ------------------------------------------------------------------ rules

    /// @inheritdoc IEnergyMarket
    function setRules(MarketRules calldata newRules) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setRules(newRules);
    }

    /// @inheritdoc IEnergyMarket
    function rules() external view returns (MarketRules memory) {
        return _rules;
    }

    function _setRules(MarketRules memory r) private {
        if (r.maxBandBps > MarketMath.BPS) revert MarketInvalidRules(1);
        if (r.minMeteringWindow > r.maxMeteringWindow) revert MarketInvalidRules(2);
        if (r.minBondRate == 0) revert MarketInvalidRules(3);
        if (r.minQuantityFloor == 0) revert MarketInvalidRules(4);
        _rules = r;
        emit MarketRulesChanged(r);
    }

    // ------------------------------------------------------------------ money in and out

    /// @inheritdoc IEnergyMarket
    function deposit(uint256 amount) external nonReentrant {
        _deposit(amount);
    }

    /// @inheritdoc IEnergyMarket
    function depositWithPermit(
        uint256 amount,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external nonReentrant {
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

    /// @dev Credits what arrived, not what was asked: a fee-on-transfer token would otherwise
    /// leave the market owing more than it holds. The guard stops a token callback from nesting a
    /// second deposit inside the balance measurement.
    function _deposit(uint256 amount) private {
        if (amount == 0) revert MarketZeroAmount();
        uint256 before = _token.balanceOf(address(this));
        _token.safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = _token.balanceOf(address(this)) - before;
        if (received == 0) revert MarketZeroAmount();
        _accounts[msg.sender].available += SafeCast.toUint128(received * UNIT);
        emit Deposited(msg.sender, received);
    }

    /// @inheritdoc IEnergyMarket
    function withdraw(uint256 amount) external nonReentrant {
        if (amount == 0) revert MarketZeroAmount();
        Account storage acc = _accounts[msg.sender];
        uint256 milli = amount * UNIT;
        if (acc.available < milli)
            revert MarketInsufficientBalance(msg.sender, acc.available, milli);
        acc.available -= uint128(milli);
        _token.safeTransfer(msg.sender, amount);
        emit Withdrawn(msg.sender, amount);
    }

    // ------------------------------------------------------------------ periods, intervals, orders

    /// @inheritdoc IEnergyMarket
    function openPeriod(
        uint40 start,
        uint32 duration,
        uint32 meteringWindow,
        uint40 gridBuyPrice,
        uint40 feedInPrice,
        uint16 bandBps,
        uint40 bondRate,
        uint32 minQuantity
    ) external onlyRole(OPERATOR_ROLE) returns (uint256 periodId) {
        if (start <= block.timestamp) revert MarketInvalidPeriodParams(1);
        if (duration == 0) revert MarketInvalidPeriodParams(2);
        if (feedInPrice > gridBuyPrice) revert MarketInvalidPeriodParams(3);
        if (bandBps > MarketMath.BPS) revert MarketInvalidPeriodParams(4);
        if (bondRate == 0) revert MarketInvalidPeriodParams(5);
        if (minQuantity == 0) revert MarketInvalidPeriodParams(6);
        _checkRules(meteringWindow, gridBuyPrice, bandBps, bondRate, minQuantity);
        periodId = ++_periodCount;
        _periods[periodId] = Period({
            start: start,
            duration: duration,
            meteringWindow: meteringWindow,
            gridBuyPrice: gridBuyPrice,
            feedInPrice: feedInPrice,
            bandBps: bandBps,
            bondRate: bondRate,
            intervals: 0,
            tallied: 0
        });
        _minQuantities[periodId] = minQuantity;
        emit PeriodOpened(
            periodId,
            start,
            duration,
            meteringWindow,
            gridBuyPrice,
            feedInPrice,
            bandBps,
            bondRate,
            minQuantity
        );
    }

    /// @dev MarketOutsideRules for the first period parameter outside the alliance's bounds.
    function _checkRules(
        uint32 meteringWindow,
        uint40 gridBuyPrice,
        uint16 bandBps,
        uint40 bondRate,
        uint32 minQuantity
    ) private view {
        MarketRules memory r = _rules;
        if (bandBps > r.maxBandBps) revert MarketOutsideRules(1, bandBps, r.maxBandBps);
        if (meteringWindow < r.minMeteringWindow) {
            revert MarketOutsideRules(2, meteringWindow, r.minMeteringWindow);
        }
        if (meteringWindow > r.maxMeteringWindow) {
            revert MarketOutsideRules(3, meteringWindow, r.maxMeteringWindow);
        }
        if (gridBuyPrice > r.maxGridBuyPrice) {
            revert MarketOutsideRules(4, gridBuyPrice, r.maxGridBuyPrice);
        }
        if (bondRate < r.minBondRate) revert MarketOutsideRules(5, bondRate, r.minBondRate);
        if (minQuantity < r.minQuantityFloor) {
            revert MarketOutsideRules(6, minQuantity, r.minQuantityFloor);
        }
    }

    /// @inheritdoc IEnergyMarket
    function openInterval(
        uint256 periodId,
        IntervalKind kind,
        uint40 gateClosure
    ) external onlyRole(OPERATOR_ROLE) returns (uint256 intervalId) {
        Period storage p = _periods[periodId];
        if (p.duration == 0) revert MarketUnknownPeriod(periodId);
        if (gateClosure <= block.timestamp) revert MarketInvalidIntervalParams(1);
        if (gateClosure > p.start) revert MarketInvalidIntervalParams(2);
        if (p.intervals == MAX_INTERVALS_PER_PERIOD) revert MarketInvalidIntervalParams(3);
        ++p.intervals;
        intervalId = ++_intervalCount;
        Interval storage iv = _intervals[intervalId];
        iv.gateClosure = gateClosure;
        iv.gridBuyPrice = p.gridBuyPrice;
        iv.bondRate = p.bondRate;
        iv.minQuantity = _minQuantities[periodId];
        iv.status = IntervalStatus.Open;
        iv.periodId = uint32(periodId);
        iv.kind = kind;
        emit IntervalOpened(intervalId, periodId, kind, gateClosure);
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
        if (price == 0 || quantity < iv.minQuantity)
            revert MarketInvalidOrder(price, quantity, iv.minQuantity);
        (, IParticipantRegistry.ParticipantStatus status, bool renewable, , ) = _registry
            .participantCore(msg.sender);
        if (status != IParticipantRegistry.ParticipantStatus.Approved)
            revert MarketNotApproved(msg.sender);

        bool sell = side == Side.Sell;
        if (!sell) renewable = false;
        (uint256 seq, uint256 lock) = _book(iv, sell, renewable, price, quantity);
        _lock(lock);
        orderId = PackedOrder.orderId(intervalId, seq);
        _books.orders[orderId] = PackedOrder.pack(msg.sender, price, quantity, sell, renewable);
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
            lock = MarketMath.sellerRate(price, iv.gridBuyPrice, iv.bondRate) * quantity;
            if (renewable) iv.renewableSells = ++r;
            else iv.conventionalSells = ++c;
        } else {
            lock = MarketMath.buyerRate(price, iv.bondRate) * quantity;
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
        uint256 word = _books.orders[orderId];
        if (word == 0) revert MarketUnknownOrder(orderId);
        if (word.owner() != msg.sender) revert MarketNotOrderOwner(orderId, msg.sender);
        if (word.isCancelled()) revert MarketOrderAlreadyCancelled(orderId);
        uint256 intervalId = orderId >> 32;
        Interval storage iv = _intervals[intervalId];
        if (block.timestamp >= iv.gateClosure) revert MarketGateClosed(intervalId, iv.gateClosure);
        _books.orders[orderId] = word | PackedOrder.CANCELLED_BIT;
        uint256 released =
            MarketMath.lockRate(word, iv.gridBuyPrice, iv.bondRate) * word.quantity();
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

    /// @inheritdoc IEnergyMarket
    function restartClearing(uint256 intervalId, uint256 omittedOrderId) external {
        Interval storage iv = _openAfterGate(intervalId);
        uint256 word = _books.orders[omittedOrderId];
        if (word == 0 || (omittedOrderId >> 32) != intervalId)
            revert MarketNoOmission(intervalId, omittedOrderId);
        uint256 list = ClearingWalk.listOf(word);
        uint256 seq = omittedOrderId & 0xffffffff;
        uint256[3] memory seen = [uint256(iv.seenR), iv.seenC, iv.seenB];
        uint256[3] memory last = [uint256(iv.lastR), iv.lastC, iv.lastB];
        // Omitted: its key lies before the last key the walk consumed in its list, yet the
        // current attempt never consumed it (the walk only moves to strictly larger keys).
        bool passed =
            seen[list] != 0 &&
                (ClearingWalk.key(list, word) | seq) <
                    (ClearingWalk.key(
                        list,
                        _books.orders[PackedOrder.orderId(intervalId, last[list])]
                    ) | last[list]);
        if (!passed || ClearingWalk.isConsumed(_books, intervalId, iv.epoch, seq))
            revert MarketNoOmission(intervalId, omittedOrderId);
        // A partial walk changed no balance (locks move only at tally), so discarding it is safe.
        uint32 epoch = iv.epoch + 1;
        iv.epoch = epoch;
        iv.phase = ClearingWalk.PHASE_NONE;
        iv.entryCount = 0;
        iv.sellRem = 0;
        iv.buyRem = 0;
        iv.seenR = 0;
        iv.seenC = 0;
        iv.seenB = 0;
        iv.lastR = 0;
        iv.lastC = 0;
        iv.lastB = 0;
        iv.entryHash = bytes32(0);
        emit ClearingRestarted(intervalId, epoch, omittedOrderId);
    }

    function _openAfterGate(uint256 intervalId) private view returns (Interval storage iv) {
        iv = _intervals[intervalId];
        if (iv.status != IntervalStatus.Open) {
            if (iv.status == IntervalStatus.None) revert MarketUnknownInterval(intervalId);
            revert MarketAlreadyCleared(intervalId);
        }
        if (block.timestamp < iv.gateClosure) revert MarketGateOpen(intervalId, iv.gateClosure);
    }

    function _clear(
        uint256 intervalId,
        uint256[] calldata r,
        uint256[] calldata c,
        uint256[] calldata b
    ) private returns (bool) {
        Interval storage iv = _openAfterGate(intervalId);
        ClearingWalk.Walk memory w = _loadWalk(iv, intervalId);
        ClearingWalk.run(w, _books, r, c, b);
        _storeWalk(iv, w);
        if (w.phase == ClearingWalk.PHASE_DONE) {
            iv.status = IntervalStatus.Cleared;
            emit IntervalCleared(intervalId, w.entryCount, w.entryHash);
            return true;
        }
        return false;
    }

    function _loadWalk(
        Interval storage iv,
        uint256 intervalId
    ) private view returns (ClearingWalk.Walk memory w) {
        w.intervalId = intervalId;
        w.epoch = iv.epoch;
        w.total = [uint256(iv.renewableSells), iv.conventionalSells, iv.buys];
        w.seen = [uint256(iv.seenR), iv.seenC, iv.seenB];
        w.last = [uint256(iv.lastR), iv.lastC, iv.lastB];
        w.phase = iv.phase;
        w.entryCount = iv.entryCount;
        w.entryHash = iv.entryHash;
        for (uint256 list = 0; list < 3; ++list) {
            if (w.seen[list] != 0) {
                // The full key, sequence included: without it the last consumed order would
                // compare equal to itself and could be passed again after a chunk boundary.
                uint256 seq = w.last[list];
                w.lastKey[list] =
                    ClearingWalk.key(list, _books.orders[PackedOrder.orderId(intervalId, seq)]) |
                    seq;
            }
        }
        if (w.phase == ClearingWalk.PHASE_RENEWABLE || w.phase == ClearingWalk.PHASE_CONVENTIONAL) {
            w.sellRem = iv.sellRem;
            w.buyRem = iv.buyRem;
            if (w.sellRem != 0) {
                w.sellSeq = w.last[w.phase == ClearingWalk.PHASE_RENEWABLE ? 0 : 1];
                w.sellWord = _books.orders[PackedOrder.orderId(intervalId, w.sellSeq)];
            }
            if (w.buyRem != 0) {
                w.buySeq = w.last[2];
                w.buyWord = _books.orders[PackedOrder.orderId(intervalId, w.buySeq)];
            }
        }
    }

    function _storeWalk(Interval storage iv, ClearingWalk.Walk memory w) private {
        // Counters are bounded by the uint32 order counters they are compared with.
        iv.seenR = uint32(w.seen[0]);
        iv.seenC = uint32(w.seen[1]);
        iv.seenB = uint32(w.seen[2]);
        iv.lastR = uint32(w.last[0]);
        iv.lastC = uint32(w.last[1]);
        iv.lastB = uint32(w.last[2]);
        iv.phase = uint8(w.phase);
        iv.entryCount = uint32(w.entryCount);
        iv.sellRem = uint40(w.sellRem);
        iv.buyRem = uint40(w.buyRem);
        iv.entryHash = w.entryHash;
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
    function reportReadings(
        uint256 batchId,
        IMeteringLedger.Reading[] calldata readings,
        bytes[] calldata signatures,
        bytes32[][] calldata proofs
    ) external {
        uint256 n = readings.length;
        if (signatures.length != n || proofs.length != n) {
            revert MarketReadingListMismatch(n, signatures.length, proofs.length);
        }
        for (uint256 i; i < n; ++i) {
            _reportReading(batchId, readings[i], signatures[i], proofs[i]);
        }
    }

    /// @dev Checks the period's metering window, proves the reading against the ledger (device
    /// signature, binding, batch inclusion, trusted verdict), then records it once.
    function _reportReading(
        uint256 batchId,
        IMeteringLedger.Reading calldata r,
        bytes calldata signature,
        bytes32[] calldata proof
    ) private {
        uint256 periodId = r.periodId;
        Period storage p = _periods[periodId];
        if (p.duration == 0) revert MarketUnknownPeriod(periodId);
        uint256 deliveryEnd = uint256(p.start) + p.duration;
        if (block.timestamp < deliveryEnd) revert MarketNotDelivered(periodId, deliveryEnd);
        uint256 meteringEnd = deliveryEnd + p.meteringWindow;
        if (block.timestamp >= meteringEnd) revert MarketMeteringClosed(periodId, meteringEnd);
        Position storage pos = _positions[periodId][r.participant];
        if (pos.reported) revert MarketAlreadyReported(periodId, r.participant);
        _ledger.verifyReading(batchId, r, signature, proof);
        pos.produced = SafeCast.toUint56(r.producedWh);
        pos.consumed = SafeCast.toUint56(r.consumedWh);
        pos.reported = true;
        emit MeterReported(periodId, r.participant, r.meter, batchId, r.producedWh, r.consumedWh);
    }

    /// @inheritdoc IEnergyMarket
    function tally(uint256 intervalId, uint256[] calldata records) external {
        Interval storage iv = _settleable(intervalId);
        if (iv.settleStage != 0) revert MarketAlreadyTallied(intervalId);
        _requireWholeList(iv, intervalId, records);
        _settleChunk(iv, intervalId, records);
    }

    /// @inheritdoc IEnergyMarket
    function settle(uint256 intervalId, uint256[] calldata records) external {
        Interval storage iv = _settleable(intervalId);
        _requireWholeList(iv, intervalId, records);
        if (iv.settleStage == 0) _settleChunk(iv, intervalId, records); // tally
        _settleChunk(iv, intervalId, records); // pay
    }

    /// @inheritdoc IEnergyMarket
    function settleChunk(
        uint256 intervalId,
        uint256[] calldata records
    ) external returns (bool done) {
        Interval storage iv = _settleable(intervalId);
        _settleChunk(iv, intervalId, records);
        return iv.status == IntervalStatus.Settled;
    }

    function _settleable(uint256 intervalId) private view returns (Interval storage iv) {
        iv = _intervals[intervalId];
        IntervalStatus status = iv.status;
        if (status == IntervalStatus.None) revert MarketUnknownInterval(intervalId);
        if (status == IntervalStatus.Open) revert MarketNotCleared(intervalId);
        if (status == IntervalStatus.Settled) revert MarketAlreadySettled(intervalId);
    }

    function _requireWholeList(
        Interval storage iv,
        uint256 intervalId,
        uint256[] calldata records
    ) private view {
        if (iv.settleCursor != 0 || records.length != iv.entryCount) {
            revert MarketRecordListMismatch(intervalId, records.length, iv.entryCount);
        }
    }

    /// @dev Verifies that `records` is the recorded list from the stage cursor up to the next
    /// checkpoint(s) or the end, then tallies (stage 0) or pays (stage 1) them.
    function _settleChunk(
        Interval storage iv,
        uint256 intervalId,
        uint256[] calldata records
    ) private {
        uint256 periodId = iv.periodId;
        Period storage p = _periods[periodId];
        uint256 stage = iv.settleStage;
        if (stage == 1) {
            uint256 settleAfter = uint256(p.start) + p.duration + p.meteringWindow;
            if (block.timestamp < settleAfter) revert MarketMeteringOpen(intervalId, settleAfter);
            if (p.tallied != p.intervals)
                revert MarketPeriodNotTallied(periodId, p.tallied, p.intervals);
        }
        uint256 from = iv.settleCursor;
        uint256 to = from + records.length;
        uint256 count = iv.entryCount;
        if (!RecordChain.isChunkEnd(to, count)) {
            revert MarketSettlementChunkMisaligned(intervalId, from, records.length);
        }
        bytes32 h = RecordChain.fold(
            from == 0 ? bytes32(0) : _books.checkpoints[intervalId][from / CHECKPOINT_INTERVAL],
            records
        );
        bytes32 expected =
            to == count ? iv.entryHash : _books.checkpoints[intervalId][to / CHECKPOINT_INTERVAL];
        if (h != expected) revert MarketRecordListMismatch(intervalId, records.length, count);

        // [gridBuy, feedIn, bandBps, bondRate] of the period.
        uint256[4] memory prices = [uint256(p.gridBuyPrice), p.feedInPrice, p.bandBps, p.bondRate];
        if (stage == 0) {
            for (uint256 i = 0; i < records.length; ++i) {
                _tallyRecord(intervalId, periodId, records[i], prices);
            }
            if (to == count) {
                iv.settleStage = 1;
                iv.settleCursor = 0;
                ++p.tallied;
                emit IntervalTallied(intervalId, periodId);
            } else {
                iv.settleCursor = uint32(to);
            }
            return;
        }
        for (uint256 i = 0; i < records.length; ++i) {
            if (!records[i].isUnmatched()) _settleMatch(intervalId, periodId, records[i], prices);
        }
        iv.settleCursor = uint32(to);
        if (to == count) {
            iv.status = IntervalStatus.Settled;
            emit IntervalSettled(intervalId);
        }
    }

    /// @dev Stage 0: an unmatched remainder releases its lock; a match adds its energy to both
    /// sides' period positions.
    function _tallyRecord(
        uint256 intervalId,
        uint256 periodId,
        uint256 record,
        uint256[4] memory prices
    ) private {
        (uint256 sellSeq, uint256 buySeq, uint256 qty, ) = PackedOrder.unpackMatch(record);
        if (record.isUnmatched()) {
            uint256 orderId = PackedOrder.orderId(intervalId, sellSeq);
            uint256 word = _books.orders[orderId];
            uint256 released = MarketMath.lockRate(word, prices[0], prices[3]) * qty;
            _release(word.owner(), released);
            emit RemainderReleased(intervalId, orderId, qty, released);
            return;
        }
        address seller = _books.orders[PackedOrder.orderId(intervalId, sellSeq)].owner();
        address buyer = _books.orders[PackedOrder.orderId(intervalId, buySeq)].owner();
        _positions[periodId][seller].sold += uint64(qty);
        _positions[periodId][buyer].bought += uint64(qty);
    }

    /// @dev A participant's totals and deviation (MarketMath.deviationOf: missing readings).
    function _totals(
        Position storage pos
    ) private view returns (uint256 sold, uint256 bought, uint256 shortfall, uint256 underUse) {
        sold = pos.sold;
        bought = pos.bought;
        (shortfall, underUse) = MarketMath.deviationOf(
            sold,
            bought,
            pos.reported,
            pos.produced,
            pos.consumed
        );
    }

    /// @dev Money of one match, kept in memory to keep the stack shallow.
    struct Flows {
        uint256 sellId;
        uint256 buyId;
        uint256 sellWord;
        uint256 buyWord;
        uint256 value;
        uint256 sellerComp;
        uint256 buyerComp;
    }

    function _settleMatch(
        uint256 intervalId,
        uint256 periodId,
        uint256 record,
        uint256[4] memory prices
    ) private {
        (uint256 sellSeq, uint256 buySeq, uint256 qty, uint256 tradePrice) = PackedOrder
            .unpackMatch(record);
        Flows memory f;
        f.sellId = PackedOrder.orderId(intervalId, sellSeq);
        f.buyId = PackedOrder.orderId(intervalId, buySeq);
        f.sellWord = _books.orders[f.sellId];
        f.buyWord = _books.orders[f.buyId];
        _flows(f, periodId, qty, tradePrice, prices);
        // Each side's reservation for this match is its order's lock rate × qty (linear, so the
        // reservations of an order's matches plus its unmatched remainder add up exactly to its
        // lock). value + buyerComp ≤ tradePrice × qty ≤ bid × qty ≤ the buyer's reservation, and
        // sellerComp ≤ (gridBuy − ask) × qty ≤ the seller's reservation (decision 0105).
        _payOut(
            f.buyWord.owner(),
            MarketMath.lockRate(f.buyWord, prices[0], prices[3]) * qty,
            f.value + f.buyerComp,
            f.sellerComp
        );
        _payOut(
            f.sellWord.owner(),
            MarketMath.lockRate(f.sellWord, prices[0], prices[3]) * qty,
            f.sellerComp,
            f.value + f.buyerComp
        );
        emit MatchSettled(intervalId, f.sellId, f.buyId, f.value, f.sellerComp, f.buyerComp);
    }

    function _flows(
        Flows memory f,
        uint256 periodId,
        uint256 qty,
        uint256 tradePrice,
        uint256[4] memory prices
    ) private view {
        (uint256 sold, , uint256 shortfall, ) = _totals(_positions[periodId][f.sellWord.owner()]);
        (, uint256 bought, , uint256 underUse) = _totals(_positions[periodId][f.buyWord.owner()]);
        (f.value, f.sellerComp, f.buyerComp) = MarketMath.matchFlows(
            qty,
            tradePrice,
            [prices[0], prices[1], prices[2]],
            [sold, shortfall, bought, underUse]
        );
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
    function period(uint256 periodId) external view returns (PeriodView memory v) {
        Period storage p = _periods[periodId];
        v.start = p.start;
        v.duration = p.duration;
        v.meteringWindow = p.meteringWindow;
        v.gridBuyPrice = p.gridBuyPrice;
        v.feedInPrice = p.feedInPrice;
        v.bandBps = p.bandBps;
        v.bondRate = p.bondRate;
        v.minQuantity = _minQuantities[periodId];
        v.intervals = p.intervals;
        v.tallied = p.tallied;
    }

    /// @inheritdoc IEnergyMarket
    function interval(uint256 intervalId) external view returns (IntervalView memory v) {
        Interval storage iv = _intervals[intervalId];
        Period storage p = _periods[iv.periodId];
        v.kind = iv.kind;
        v.status = iv.status;
        v.periodId = iv.periodId;
        v.start = p.start;
        v.duration = p.duration;
        v.gateClosure = iv.gateClosure;
        v.meteringWindow = p.meteringWindow;
        v.gridBuyPrice = p.gridBuyPrice;
        v.feedInPrice = p.feedInPrice;
        v.bandBps = p.bandBps;
        v.renewableSells = iv.renewableSells;
        v.conventionalSells = iv.conventionalSells;
        v.buys = iv.buys;
    }

    /// @inheritdoc IEnergyMarket
    function order(uint256 orderId) external view returns (OrderView memory v) {
        uint256 word = _books.orders[orderId];
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
        v.epoch = iv.epoch;
        v.entryCount = iv.entryCount;
        v.entryHash = iv.entryHash;
        v.settleStage = iv.settleStage;
        v.settleCursor = iv.settleCursor;
    }

    /// @inheritdoc IEnergyMarket
    function position(
        uint256 periodId,
        address participantAccount
    ) external view returns (PositionView memory v) {
        Position storage p = _positions[periodId][participantAccount];
        return PositionView(p.produced, p.consumed, p.sold, p.bought, p.reported);
    }

    /// @inheritdoc IEnergyMarket
    function periodCount() external view returns (uint256) {
        return _periodCount;
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

    /// @inheritdoc IEnergyMarket
    function meteringLedger() external view returns (address) {
        return address(_ledger);
    }

    /// @notice Packs a match record as `tally` and `settle` expect it (sequence = low 32 bits of
    /// the ids).
    /// @param sellOrderId Sell order id.
    /// @param buyOrderId Buy order id.
    /// @param quantity Matched Wh.
    /// @param tradePrice Trade price.
    /// @return The packed record.
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

    /// @notice Packs an unmatched-remainder record as `tally` and `settle` expect it.
    /// @param orderId Order id.
    /// @param quantity Unmatched Wh.
    /// @return The packed record.
    function packUnmatched(uint256 orderId, uint256 quantity) external pure returns (uint256) {
        return PackedOrder.packUnmatched(orderId & 0xffffffff, quantity);
    }
}
