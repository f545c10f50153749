// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IMeteringLedger} from "./IMeteringLedger.sol";

/// @title IEnergyMarket
/// @notice Double auction with forecast compensation (003 section 2, penalty band from 002
/// section 3), settled per delivery period (two-settlement). The operator opens a delivery period
/// (its grid prices, band and escrow bond) and one or more intervals that trade it (day-ahead,
/// intraday, real-time); approved participants place bids and asks before an interval's gate
/// closure against internally deposited tokens; anyone clears an interval by passing the order ids
/// in the paper's order (the contract verifies, it does not sort); anyone tallies the clearing
/// records (unmatched locks are released, traded energy is added to each participant's period
/// position); meters report one reading per participant and period; after the metering window
/// anyone settles, paying for delivered energy and compensating the harmed side.
/// @dev Money inside the market is kept in milli-units: 1 token base unit = 1000 milli-units, so
/// the value of q Wh at p base units per kWh is exactly p × q milli-units. The settlement rule and
/// its rounding are derived in docs/decisions/0105-market-settlement.md.
interface IEnergyMarket {
    /// @notice Kind of trading interval.
    enum IntervalKind {
        DayAhead,
        Intraday,
        RealTime
    }

    /// @notice Life cycle of an interval.
    enum IntervalStatus {
        None,
        Open,
        Cleared,
        Settled
    }

    /// @notice Order side.
    enum Side {
        Buy,
        Sell
    }

    /// @notice Bounds within which the operator opens periods (000: rule parameters change only
    /// with the alliance's approval). Set by DEFAULT_ADMIN_ROLE, which the deployment hands to the
    /// alliance's TimelockController.
    /// @param maxBandBps Largest tolerance band, basis points (≤ 10000).
    /// @param minMeteringWindow Shortest metering window, seconds.
    /// @param maxMeteringWindow Longest metering window, seconds.
    /// @param maxGridBuyPrice Price cap: highest grid buy price, base units per kWh.
    /// @param minBondRate Smallest bond rate, milli-units per Wh (> 0).
    /// @param minQuantityFloor Smallest minimum order quantity, Wh (> 0).
    struct MarketRules {
        uint16 maxBandBps;
        uint32 minMeteringWindow;
        uint32 maxMeteringWindow;
        uint40 maxGridBuyPrice;
        uint40 minBondRate;
        uint32 minQuantityFloor;
    }

    /// @notice A delivery period: what every interval trading it shares.
    /// @param start Delivery start (unix seconds).
    /// @param duration Delivery length in seconds.
    /// @param meteringWindow Seconds after delivery end during which meters report.
    /// @param gridBuyPrice Grid's selling price for the period, base units per kWh.
    /// @param feedInPrice Grid's feed-in price for the period, base units per kWh.
    /// @param bandBps Penalty tolerance band in basis points.
    /// @param bondRate Minimum escrow per Wh of any order, milli-units (refunded at tally/settle).
    /// @param minQuantity Smallest order quantity, Wh.
    /// @param intervals Intervals opened for the period.
    /// @param tallied Intervals whose clearing records are tallied.
    struct PeriodView {
        uint40 start;
        uint32 duration;
        uint32 meteringWindow;
        uint40 gridBuyPrice;
        uint40 feedInPrice;
        uint16 bandBps;
        uint40 bondRate;
        uint32 minQuantity;
        uint8 intervals;
        uint8 tallied;
    }

    /// @notice Parameters and counters of an interval (period fields copied in), as returned by
    /// `interval`.
    /// @param kind Day-ahead, intraday or real-time.
    /// @param status Life-cycle state.
    /// @param periodId Delivery period the interval trades.
    /// @param start Delivery start (unix seconds).
    /// @param duration Delivery length in seconds.
    /// @param gateClosure Last moment (exclusive) for placing and cancelling orders.
    /// @param meteringWindow Seconds after delivery end during which meters report.
    /// @param gridBuyPrice Grid's selling price, base units per kWh.
    /// @param feedInPrice Grid's feed-in price, base units per kWh.
    /// @param bandBps Penalty tolerance band in basis points.
    /// @param renewableSells Orders placed as renewable sells (including cancelled ones).
    /// @param conventionalSells Orders placed as conventional sells (including cancelled ones).
    /// @param buys Orders placed as buys (including cancelled ones).
    struct IntervalView {
        IntervalKind kind;
        IntervalStatus status;
        uint32 periodId;
        uint40 start;
        uint32 duration;
        uint40 gateClosure;
        uint32 meteringWindow;
        uint40 gridBuyPrice;
        uint40 feedInPrice;
        uint16 bandBps;
        uint32 renewableSells;
        uint32 conventionalSells;
        uint32 buys;
    }

    /// @notice A decoded order.
    /// @param owner Who placed it.
    /// @param side Buy or sell.
    /// @param renewable Whether the owner was renewable at placement (sells only).
    /// @param cancelled Whether it was cancelled.
    /// @param price Limit price, base units per kWh.
    /// @param quantity Quantity in Wh.
    struct OrderView {
        address owner;
        Side side;
        bool renewable;
        bool cancelled;
        uint40 price;
        uint40 quantity;
    }

    /// @notice Progress of a (possibly multi-transaction) clearing and of the settlement.
    /// @param seen Ids consumed per list (renewable sells, conventional sells, buys).
    /// @param phase 0 not started, 1 renewable walk, 2 conventional walk, 3 unmatched tail, 4 done.
    /// @param epoch Clearing attempt; raised when a walk is restarted after a proven omission.
    /// @param entryCount Clearing records (matches and unmatched remainders) so far.
    /// @param entryHash Hash chain over the records so far (input check of tally and settle).
    /// @param settleStage 0 tally (release unmatched locks, add traded energy), 1 pay.
    /// @param settleCursor Records processed in the current stage.
    struct ClearingView {
        uint32[3] seen;
        uint8 phase;
        uint32 epoch;
        uint32 entryCount;
        bytes32 entryHash;
        uint8 settleStage;
        uint32 settleCursor;
    }

    /// @notice A participant's metered energy and traded totals in a delivery period.
    /// @param produced Reported production, Wh.
    /// @param consumed Reported consumption, Wh.
    /// @param sold Matched sell quantity over the period's intervals, Wh (after tally).
    /// @param bought Matched buy quantity over the period's intervals, Wh (after tally).
    /// @param reported Whether a reading was reported.
    struct PositionView {
        uint64 produced;
        uint64 consumed;
        uint64 sold;
        uint64 bought;
        bool reported;
    }

    /// @notice Tokens entered the market.
    /// @param account Credited account.
    /// @param amount Token base units that arrived (and were credited).
    event Deposited(address indexed account, uint256 amount);

    /// @notice Tokens left the market.
    /// @param account Debited account.
    /// @param amount Token base units withdrawn.
    event Withdrawn(address indexed account, uint256 amount);

    /// @notice The alliance changed the bounds within which periods are opened.
    /// @param rules The new bounds.
    event MarketRulesChanged(MarketRules rules);

    /// @notice The operator opened a delivery period.
    /// @param periodId New period id.
    /// @param start Delivery start.
    /// @param duration Delivery length, seconds.
    /// @param meteringWindow Seconds after delivery for meter reports.
    /// @param gridBuyPrice Grid buy price, base units per kWh.
    /// @param feedInPrice Feed-in price, base units per kWh.
    /// @param bandBps Tolerance band, basis points.
    /// @param bondRate Minimum escrow per Wh of any order, milli-units.
    /// @param minQuantity Smallest order, Wh.
    event PeriodOpened(
        uint256 indexed periodId,
        uint40 start,
        uint32 duration,
        uint32 meteringWindow,
        uint40 gridBuyPrice,
        uint40 feedInPrice,
        uint16 bandBps,
        uint40 bondRate,
        uint32 minQuantity
    );

    /// @notice The operator opened a trading interval for a period.
    /// @param intervalId New interval id.
    /// @param periodId Period it trades.
    /// @param kind Interval kind.
    /// @param gateClosure Gate closure.
    event IntervalOpened(
        uint256 indexed intervalId,
        uint256 indexed periodId,
        IntervalKind kind,
        uint40 gateClosure
    );

    /// @notice An order was placed and its worst case locked.
    /// @param intervalId Interval.
    /// @param orderId Order id (intervalId << 32 | sequence number).
    /// @param owner Participant.
    /// @param side Buy or sell.
    /// @param renewable Renewable flag (sells).
    /// @param price Limit price.
    /// @param quantity Quantity, Wh.
    /// @param locked Milli-units locked.
    event OrderPlaced(
        uint256 indexed intervalId,
        uint256 indexed orderId,
        address indexed owner,
        Side side,
        bool renewable,
        uint40 price,
        uint40 quantity,
        uint256 locked
    );

    /// @notice An order was cancelled and its lock released.
    /// @param intervalId Interval.
    /// @param orderId Order.
    /// @param released Milli-units released.
    event OrderCancelled(uint256 indexed intervalId, uint256 indexed orderId, uint256 released);

    /// @notice Clearing recorded a match of a sell and a buy order.
    /// @param intervalId Interval.
    /// @param sellOrderId Sell order.
    /// @param buyOrderId Buy order.
    /// @param quantity Matched Wh.
    /// @param price Trade price, floor((ask + bid) / 2).
    event Matched(
        uint256 indexed intervalId,
        uint256 sellOrderId,
        uint256 buyOrderId,
        uint256 quantity,
        uint256 price
    );

    /// @notice Clearing recorded an order's unmatched remainder (its lock is released at tally).
    /// @param intervalId Interval.
    /// @param orderId Order.
    /// @param quantity Unmatched Wh.
    event Unmatched(uint256 indexed intervalId, uint256 indexed orderId, uint256 quantity);

    /// @notice A partial clearing walk was discarded because it provably skipped an order.
    /// Clearing starts again from the first id of every list.
    /// @param intervalId Interval.
    /// @param epoch The new clearing attempt.
    /// @param omittedOrderId The order the discarded walk had skipped.
    event ClearingRestarted(uint256 indexed intervalId, uint32 epoch, uint256 omittedOrderId);

    /// @notice Clearing finished.
    /// @param intervalId Interval.
    /// @param entryCount Number of clearing records (matches and unmatched remainders).
    /// @param entryHash Hash chain over the records (input check of tally and settle).
    event IntervalCleared(uint256 indexed intervalId, uint256 entryCount, bytes32 entryHash);

    /// @notice An unmatched remainder's lock was released at tally.
    /// @param intervalId Interval.
    /// @param orderId Order.
    /// @param quantity Unmatched Wh.
    /// @param released Milli-units released.
    event RemainderReleased(
        uint256 indexed intervalId,
        uint256 indexed orderId,
        uint256 quantity,
        uint256 released
    );

    /// @notice All records of the interval are tallied: traded energy is in the period positions.
    /// @param intervalId Interval.
    /// @param periodId Its period.
    event IntervalTallied(uint256 indexed intervalId, uint256 indexed periodId);

    /// @notice A proven reading of a participant's energy for a delivery period was recorded.
    /// @param periodId Period.
    /// @param participant Participant.
    /// @param meter The meter that signed the reading.
    /// @param batchId MeteringLedger batch that proves it.
    /// @param produced Wh produced.
    /// @param consumed Wh consumed.
    event MeterReported(
        uint256 indexed periodId,
        address indexed participant,
        address meter,
        uint256 batchId,
        uint64 produced,
        uint64 consumed
    );

    /// @notice One match was settled.
    /// @param intervalId Interval.
    /// @param sellOrderId Sell order.
    /// @param buyOrderId Buy order.
    /// @param value Milli-units the buyer paid the seller for delivered energy.
    /// @param sellerCompensation Milli-units the seller paid the buyer for under-delivery.
    /// @param buyerCompensation Milli-units the buyer paid the seller for under-consumption.
    event MatchSettled(
        uint256 indexed intervalId,
        uint256 sellOrderId,
        uint256 buyOrderId,
        uint256 value,
        uint256 sellerCompensation,
        uint256 buyerCompensation
    );

    /// @notice All matches of the interval were settled.
    /// @param intervalId Interval.
    event IntervalSettled(uint256 indexed intervalId);

    /// @notice A zero amount or address was given.
    error MarketZeroAmount();

    /// @notice The account's available balance does not cover the amount.
    /// @param account Account.
    /// @param available Available milli-units.
    /// @param required Required milli-units.
    error MarketInsufficientBalance(address account, uint256 available, uint256 required);

    /// @notice A period parameter lies outside the alliance's rules.
    /// @param field 1 band above maxBandBps, 2 metering window below minMeteringWindow, 3 above
    /// maxMeteringWindow, 4 grid buy price above maxGridBuyPrice, 5 bond rate below minBondRate,
    /// 6 minimum quantity below minQuantityFloor.
    /// @param value The parameter given.
    /// @param bound The rule it breaks.
    error MarketOutsideRules(uint8 field, uint256 value, uint256 bound);

    /// @notice Rules are inconsistent.
    /// @param reason 1 maxBandBps above 10000, 2 minMeteringWindow above maxMeteringWindow,
    /// 3 minBondRate 0, 4 minQuantityFloor 0.
    error MarketInvalidRules(uint8 reason);

    /// @notice Period parameters are inconsistent.
    /// @param reason 1 start not in the future, 2 duration 0, 3 feed-in above grid buy price,
    /// 4 band above 10000 bps, 5 bond rate 0, 6 minimum quantity 0.
    error MarketInvalidPeriodParams(uint8 reason);

    /// @notice Interval parameters are inconsistent.
    /// @param reason 1 gate closure not in the future, 2 gate closure after the period's start,
    /// 3 the period has the maximum number of intervals.
    error MarketInvalidIntervalParams(uint8 reason);

    /// @notice No period with this id.
    /// @param periodId Id.
    error MarketUnknownPeriod(uint256 periodId);

    /// @notice No interval with this id.
    /// @param intervalId Id.
    error MarketUnknownInterval(uint256 intervalId);

    /// @notice The gate is closed for placing or cancelling.
    /// @param intervalId Interval.
    /// @param gateClosure Gate closure time.
    error MarketGateClosed(uint256 intervalId, uint256 gateClosure);

    /// @notice Clearing is only allowed after gate closure.
    /// @param intervalId Interval.
    /// @param gateClosure Gate closure time.
    error MarketGateOpen(uint256 intervalId, uint256 gateClosure);

    /// @notice Price is zero, or quantity is below the period's minimum.
    /// @param price Price given.
    /// @param quantity Quantity given.
    /// @param minQuantity The period's minimum quantity, Wh.
    error MarketInvalidOrder(uint256 price, uint256 quantity, uint256 minQuantity);

    /// @notice The account is not an approved participant.
    /// @param account Account.
    error MarketNotApproved(address account);

    /// @notice No such order.
    /// @param orderId Id.
    error MarketUnknownOrder(uint256 orderId);

    /// @notice Only the order's owner may cancel it.
    /// @param orderId Order.
    /// @param caller Caller.
    error MarketNotOrderOwner(uint256 orderId, address caller);

    /// @notice The order is already cancelled.
    /// @param orderId Order.
    error MarketOrderAlreadyCancelled(uint256 orderId);

    /// @notice The interval is already cleared.
    /// @param intervalId Interval.
    error MarketAlreadyCleared(uint256 intervalId);

    /// @notice An id in a clearing list does not belong there (other interval, other side or
    /// renewable class, or no such order).
    /// @param list 0 renewable sells, 1 conventional sells, 2 buys.
    /// @param index Position in the full list.
    /// @param orderId The id.
    error MarketOrderNotInList(uint8 list, uint256 index, uint256 orderId);

    /// @notice An id is not strictly after its predecessor in the list's order (a replay, a
    /// duplicate or a reordering).
    /// @param list 0 renewable sells, 1 conventional sells, 2 buys.
    /// @param index Position in the full list.
    /// @param orderId The id.
    error MarketOrderOutOfSequence(uint8 list, uint256 index, uint256 orderId);

    /// @notice A list holds more ids than the interval has orders of that class.
    /// @param list 0 renewable sells, 1 conventional sells, 2 buys.
    /// @param total Orders of that class.
    error MarketListTooLong(uint8 list, uint256 total);

    /// @notice `clear` was not given every order of the interval.
    /// @param intervalId Interval.
    /// @param seen Ids consumed so far.
    /// @param total Orders in the interval.
    error MarketIncompleteLists(uint256 intervalId, uint256 seen, uint256 total);

    /// @notice `restartClearing` was given an order the current walk did not skip.
    /// @param intervalId Interval.
    /// @param orderId The order named.
    error MarketNoOmission(uint256 intervalId, uint256 orderId);

    /// @notice The interval is not cleared yet.
    /// @param intervalId Interval.
    error MarketNotCleared(uint256 intervalId);

    /// @notice The interval is already settled.
    /// @param intervalId Interval.
    error MarketAlreadySettled(uint256 intervalId);

    /// @notice The interval's records are already tallied.
    /// @param intervalId Interval.
    error MarketAlreadyTallied(uint256 intervalId);

    /// @notice Meter readings are accepted only after delivery ended.
    /// @param periodId Period.
    /// @param deliveryEnd End of delivery.
    error MarketNotDelivered(uint256 periodId, uint256 deliveryEnd);
    /// @notice The reading, signature and proof lists differ in length.
    /// @param readings Readings given.
    /// @param signatures Signatures given.
    /// @param proofs Proofs given.
    error MarketReadingListMismatch(uint256 readings, uint256 signatures, uint256 proofs);

    /// @notice The participant's reading for this period was already reported.
    /// @param periodId Period.
    /// @param participant Participant.
    error MarketAlreadyReported(uint256 periodId, address participant);

    /// @notice Meter readings are accepted only within the metering window.
    /// @param periodId Period.
    /// @param meteringEnd End of the metering window.
    error MarketMeteringClosed(uint256 periodId, uint256 meteringEnd);

    /// @notice A settlement chunk must end on a checkpoint (a multiple of CHECKPOINT_INTERVAL
    /// records) or at the last record.
    /// @param intervalId Interval.
    /// @param from Records already processed in the current stage.
    /// @param length Records given.
    error MarketSettlementChunkMisaligned(uint256 intervalId, uint256 from, uint256 length);

    /// @notice Payment waits for the metering window to close.
    /// @param intervalId Interval.
    /// @param settleAfter First timestamp at which payment is accepted.
    error MarketMeteringOpen(uint256 intervalId, uint256 settleAfter);

    /// @notice Payment waits until every interval of the period is tallied.
    /// @param periodId Period.
    /// @param tallied Intervals tallied.
    /// @param intervals Intervals of the period.
    error MarketPeriodNotTallied(uint256 periodId, uint256 tallied, uint256 intervals);

    /// @notice The record list given is not the one recorded at clearing.
    /// @param intervalId Interval.
    /// @param given Number of records given.
    /// @param recorded Number recorded.
    error MarketRecordListMismatch(uint256 intervalId, uint256 given, uint256 recorded);

    /// @notice Deposit `amount` token base units (needs an ERC-20 allowance). What actually
    /// arrives is credited (a fee-on-transfer token credits less).
    /// @param amount Base units.
    function deposit(uint256 amount) external;

    /// @notice Deposit with an EIP-2612 permit in the same call.
    /// @param amount Base units.
    /// @param deadline Permit deadline.
    /// @param v Signature v.
    /// @param r Signature r.
    /// @param s Signature s.
    function depositWithPermit(
        uint256 amount,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external;

    /// @notice Withdraw `amount` token base units from the available balance (pull payment).
    /// @param amount Base units.
    function withdraw(uint256 amount) external;

    /// @notice Replace the bounds within which periods are opened. DEFAULT_ADMIN_ROLE only (the
    /// alliance's timelock); periods already open keep their parameters.
    /// @param newRules The new bounds.
    function setRules(MarketRules calldata newRules) external;

    /// @notice The bounds within which periods are opened.
    /// @return The current rules.
    function rules() external view returns (MarketRules memory);

    /// @notice Open a delivery period. Operator only, within `rules()`.
    /// @param start Delivery start (in the future).
    /// @param duration Delivery length, seconds (> 0).
    /// @param meteringWindow Seconds after delivery end for meter reports.
    /// @param gridBuyPrice Grid buy price, base units per kWh.
    /// @param feedInPrice Feed-in price, base units per kWh (not above the grid buy price).
    /// @param bandBps Tolerance band (≤ 10000).
    /// @param bondRate Minimum escrow per Wh of any order, milli-units (> 0).
    /// @param minQuantity Smallest order, Wh (> 0).
    /// @return periodId The new period's id.
    function openPeriod(
        uint40 start,
        uint32 duration,
        uint32 meteringWindow,
        uint40 gridBuyPrice,
        uint40 feedInPrice,
        uint16 bandBps,
        uint40 bondRate,
        uint32 minQuantity
    ) external returns (uint256 periodId);

    /// @notice Open a trading interval for a period. Operator only; at most MAX_INTERVALS_PER_PERIOD.
    /// @param periodId Period (not started).
    /// @param kind Interval kind.
    /// @param gateClosure Gate closure (in the future, not after the period's start).
    /// @return intervalId The new interval's id.
    function openInterval(
        uint256 periodId,
        IntervalKind kind,
        uint40 gateClosure
    ) external returns (uint256 intervalId);

    /// @notice Place a bid or ask; locks the worst case from the available balance, at least the
    /// period's bond: buyer q × max(bid, bond); seller q × max(gridBuy − ask, bond) milli-units.
    /// @param intervalId Interval (gate open).
    /// @param side Buy or sell.
    /// @param price Limit price, base units per kWh (1 … 2^40 − 1).
    /// @param quantity Wh (the period's minimum … 2^40 − 1).
    /// @return orderId The order id.
    function placeOrder(
        uint256 intervalId,
        Side side,
        uint40 price,
        uint40 quantity
    ) external returns (uint256 orderId);

    /// @notice Cancel an own order before gate closure; releases its lock. Cancelled orders stay in
    /// the clearing lists.
    /// @param orderId Order.
    function cancelOrder(uint256 orderId) external;

    /// @notice Clear an interval in one transaction. Lists: renewable sells by ascending
    /// (price, id), conventional sells by ascending (price, id), buys by descending price then
    /// ascending id; every order of the interval exactly once. Reverts if incomplete.
    /// @param intervalId Interval (after gate closure).
    /// @param renewableSells Renewable sell order ids.
    /// @param conventionalSells Conventional sell order ids.
    /// @param buys Buy order ids.
    function clear(
        uint256 intervalId,
        uint256[] calldata renewableSells,
        uint256[] calldata conventionalSells,
        uint256[] calldata buys
    ) external;

    /// @notice Resumable clearing: each call continues each list where the previous call's
    /// consumption stopped (see `clearingState`). Ids not consumed by a call must be passed again.
    /// A partial walk changes no balance, so one that skipped an order can be discarded with
    /// `restartClearing`.
    /// @param intervalId Interval.
    /// @param renewableSells Next renewable sell ids.
    /// @param conventionalSells Next conventional sell ids.
    /// @param buys Next buy ids.
    /// @return done Whether the interval is now cleared.
    function clearChunk(
        uint256 intervalId,
        uint256[] calldata renewableSells,
        uint256[] calldata conventionalSells,
        uint256[] calldata buys
    ) external returns (bool done);

    /// @notice Discard a partial clearing walk that skipped `omittedOrderId`: the order belongs to
    /// a list whose walk has already passed its key, and the current attempt never consumed it.
    /// Anyone may call; clearing then starts again from the first id of every list.
    /// @param intervalId Interval (clearing in progress).
    /// @param omittedOrderId The skipped order.
    function restartClearing(uint256 intervalId, uint256 omittedOrderId) external;

    /// @notice Report proven meter readings for delivered periods, within each period's metering
    /// window after delivery. Anyone may call: each reading must pass
    /// `IMeteringLedger.verifyReading` (in an anchored batch, meter bound to the participant,
    /// signed by the meter, verdict Trusted), so nobody can enter a reading for another
    /// participant. Once per participant and period. A participant without a reading counts as
    /// producing 0 and consuming what it bought.
    /// @param batchId MeteringLedger batch holding every reading of the call.
    /// @param readings Readings (`periodId` is the market period).
    /// @param signatures The meters' EIP-712 signatures, one per reading.
    /// @param proofs Merkle proofs, one per reading.
    function reportReadings(
        uint256 batchId,
        IMeteringLedger.Reading[] calldata readings,
        bytes[] calldata signatures,
        bytes32[][] calldata proofs
    ) external;

    /// @notice Tally a cleared interval in one transaction: release every unmatched lock and add
    /// the traded energy to the period positions. `records` are the clearing records in order
    /// (from the Matched and Unmatched events, see `packMatch` and `packUnmatched`).
    /// @param intervalId Interval (cleared, not tallied).
    /// @param records Packed records.
    function tally(uint256 intervalId, uint256[] calldata records) external;

    /// @notice Tally (if not yet done) and pay every match of a cleared interval in one
    /// transaction, after the metering window and once every interval of its period is tallied.
    /// @param intervalId Interval.
    /// @param records Packed records, all of them.
    function settle(uint256 intervalId, uint256[] calldata records) external;

    /// @notice Resumable tally and payment: two stages (tally, then pay), each fed the record list
    /// in chunks from the stage cursor; each chunk must end at a multiple of CHECKPOINT_INTERVAL
    /// records or at the last one and is verified against the hash-chain checkpoint stored at
    /// clearing before it takes effect.
    /// @param intervalId Interval.
    /// @param records Next packed records.
    /// @return done Whether the interval is now settled.
    function settleChunk(
        uint256 intervalId,
        uint256[] calldata records
    ) external returns (bool done);

    /// @notice Available and locked balance in milli-units.
    /// @param account Account.
    /// @return available Milli-units free to lock or withdraw.
    /// @return locked Milli-units locked by orders and untallied or unsettled records.
    function balanceOf(address account) external view returns (uint256 available, uint256 locked);

    /// @notice Delivery period parameters and counters.
    /// @param periodId Period.
    /// @return The period.
    function period(uint256 periodId) external view returns (PeriodView memory);

    /// @notice Interval parameters and counters.
    /// @param intervalId Interval.
    /// @return The interval.
    function interval(uint256 intervalId) external view returns (IntervalView memory);

    /// @notice Decoded order.
    /// @param orderId Order.
    /// @return The order.
    function order(uint256 orderId) external view returns (OrderView memory);

    /// @notice Clearing and settlement progress.
    /// @param intervalId Interval.
    /// @return The clearing state.
    function clearingState(uint256 intervalId) external view returns (ClearingView memory);

    /// @notice A participant's position in a delivery period.
    /// @param periodId Period.
    /// @param participant Participant.
    /// @return The position.
    function position(
        uint256 periodId,
        address participant
    ) external view returns (PositionView memory);

    /// @notice Number of periods opened.
    /// @return The count (ids run from 1).
    function periodCount() external view returns (uint256);

    /// @notice Number of intervals opened.
    /// @return The count (ids run from 1).
    function intervalCount() external view returns (uint256);

    /// @notice The settlement token.
    /// @return Its address.
    function token() external view returns (address);

    /// @notice The participant registry.
    /// @return Its address.
    function registry() external view returns (address);

    /// @notice The metering ledger that proves readings.
    /// @return Its address.
    function meteringLedger() external view returns (address);
}
