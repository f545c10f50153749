// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IEnergyMarket
/// @notice Double auction with forecast compensation (003 section 2, penalty band from 002
/// section 3). The operator opens delivery intervals; approved participants place bids and asks
/// before gate closure against internally deposited tokens; anyone clears the interval by passing
/// the order ids in the paper's order (the contract verifies, it does not sort); meters report
/// energy; anyone settles with make-whole compensation.
/// @dev Money inside the market is kept in milli-units: 1 token base unit = 1000 milli-units, so
/// the value of q Wh at p base units per kWh is exactly p × q milli-units. Rounding is described
/// in docs/decisions/0101-market-rounding.md.
interface IEnergyMarket {
    /// @notice Kind of delivery interval.
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

    /// @notice Parameters and counters of an interval, as returned by `interval`.
    /// @param kind Day-ahead, intraday or real-time.
    /// @param status Life-cycle state.
    /// @param start Delivery start (unix seconds).
    /// @param duration Delivery length in seconds.
    /// @param gateClosure Last moment (exclusive) for placing and cancelling orders.
    /// @param meteringWindow Seconds after delivery end during which meters report.
    /// @param gridBuyPrice Grid's selling price for the interval, base units per kWh.
    /// @param feedInPrice Grid's feed-in price for the interval, base units per kWh.
    /// @param bandBps Penalty tolerance band in basis points.
    /// @param renewableSells Orders placed as renewable sells (including cancelled ones).
    /// @param conventionalSells Orders placed as conventional sells (including cancelled ones).
    /// @param buys Orders placed as buys (including cancelled ones).
    struct IntervalView {
        IntervalKind kind;
        IntervalStatus status;
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

    /// @notice Progress of a (possibly multi-transaction) clearing.
    /// @param seen How many ids of each list (renewable sells, conventional sells, buys) were consumed.
    /// @param phase 0 not started, 1 renewable walk, 2 conventional walk, 3 unmatched tail, 4 done.
    /// @param matchCount Matches recorded so far.
    /// @param matchHash Hash chain over the packed matches so far.
    /// @param settleStage Settlement stage: 0 tally, 1 pay.
    /// @param settleCursor Matches processed in the current settlement stage.
    struct ClearingView {
        uint32[3] seen;
        uint8 phase;
        uint32 matchCount;
        bytes32 matchHash;
        uint8 settleStage;
        uint32 settleCursor;
    }

    /// @notice Metered energy and traded totals of a participant in an interval.
    /// @param produced Reported production, Wh.
    /// @param consumed Reported consumption, Wh.
    /// @param sold Matched sell quantity, Wh (known after settlement).
    /// @param bought Matched buy quantity, Wh (known after settlement).
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
    /// @param amount Token base units deposited.
    event Deposited(address indexed account, uint256 amount);

    /// @notice Tokens left the market.
    /// @param account Debited account.
    /// @param amount Token base units withdrawn.
    event Withdrawn(address indexed account, uint256 amount);

    /// @notice The operator opened an interval.
    /// @param intervalId New interval id.
    /// @param kind Interval kind.
    /// @param start Delivery start.
    /// @param duration Delivery length, seconds.
    /// @param gateClosure Gate closure.
    /// @param gridBuyPrice Grid buy price, base units per kWh.
    /// @param feedInPrice Feed-in price, base units per kWh.
    /// @param bandBps Tolerance band, basis points.
    event IntervalOpened(
        uint256 indexed intervalId,
        IntervalKind kind,
        uint40 start,
        uint32 duration,
        uint40 gateClosure,
        uint40 gridBuyPrice,
        uint40 feedInPrice,
        uint16 bandBps
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

    /// @notice A sell and a buy order were matched.
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

    /// @notice An unmatched remainder's lock was released at clearing.
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

    /// @notice Clearing finished.
    /// @param intervalId Interval.
    /// @param matchCount Number of matches.
    /// @param matchHash Hash chain over the packed matches (input of `settle`).
    event IntervalCleared(uint256 indexed intervalId, uint256 matchCount, bytes32 matchHash);

    /// @notice A meter (or the operator) reported a participant's energy.
    /// @param intervalId Interval.
    /// @param participant Participant.
    /// @param reporter Meter or operator.
    /// @param produced Wh produced.
    /// @param consumed Wh consumed.
    event MeterReported(
        uint256 indexed intervalId,
        address indexed participant,
        address reporter,
        uint64 produced,
        uint64 consumed
    );

    /// @notice One match was settled.
    /// @param intervalId Interval.
    /// @param sellOrderId Sell order.
    /// @param buyOrderId Buy order.
    /// @param value Milli-units the buyer paid the seller for the energy.
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

    /// @notice Interval parameters are inconsistent.
    /// @param reason 1 gate closure not in the future, 2 gate closure after start, 3 duration 0,
    /// 4 feed-in above grid buy price, 5 band above 10000 bps.
    error MarketInvalidIntervalParams(uint8 reason);

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

    /// @notice Price or quantity is zero or exceeds 2^40 − 1.
    /// @param price Price given.
    /// @param quantity Quantity given.
    error MarketInvalidOrder(uint256 price, uint256 quantity);

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

    /// @notice An id is not strictly after its predecessor in the list's order.
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

    /// @notice The interval is not cleared yet.
    /// @param intervalId Interval.
    error MarketNotCleared(uint256 intervalId);

    /// @notice The interval is already settled.
    /// @param intervalId Interval.
    error MarketAlreadySettled(uint256 intervalId);

    /// @notice Meter readings are accepted only after delivery ended.
    /// @param intervalId Interval.
    /// @param deliveryEnd End of delivery.
    error MarketNotDelivered(uint256 intervalId, uint256 deliveryEnd);

    /// @notice The caller is neither the operator nor a meter bound to the participant.
    /// @param caller Caller.
    /// @param participant Participant named.
    error MarketUnknownMeter(address caller, address participant);

    /// @notice The participant's reading for this interval was already reported.
    /// @param intervalId Interval.
    /// @param participant Participant.
    error MarketAlreadyReported(uint256 intervalId, address participant);

    /// @notice Meter readings are accepted only within the metering window.
    /// @param intervalId Interval.
    /// @param meteringEnd End of the metering window.
    error MarketMeteringClosed(uint256 intervalId, uint256 meteringEnd);

    /// @notice A settlement chunk must end on a checkpoint (a multiple of CHECKPOINT_INTERVAL
    /// matches) or at the last match.
    /// @param intervalId Interval.
    /// @param from Matches already processed in the current stage.
    /// @param length Matches given.
    error MarketSettlementChunkMisaligned(uint256 intervalId, uint256 from, uint256 length);

    /// @notice Settlement waits for the metering window to close.
    /// @param intervalId Interval.
    /// @param settleAfter First timestamp at which settlement is accepted.
    error MarketMeteringOpen(uint256 intervalId, uint256 settleAfter);

    /// @notice The match list given to `settle` is not the one recorded at clearing.
    /// @param intervalId Interval.
    /// @param given Number of matches given.
    /// @param recorded Number recorded.
    error MarketMatchListMismatch(uint256 intervalId, uint256 given, uint256 recorded);

    /// @notice Deposit `amount` token base units (needs an ERC-20 allowance).
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

    /// @notice Open an interval with the default 15-minute duration, 5 % band and 1-hour metering
    /// window. Operator only.
    /// @param kind Interval kind.
    /// @param start Delivery start.
    /// @param gateClosure Gate closure (in the future, not after start).
    /// @param gridBuyPrice Grid buy price, base units per kWh.
    /// @param feedInPrice Feed-in price, base units per kWh (not above the grid buy price).
    /// @return intervalId The new interval's id.
    function openInterval(
        IntervalKind kind,
        uint40 start,
        uint40 gateClosure,
        uint40 gridBuyPrice,
        uint40 feedInPrice
    ) external returns (uint256 intervalId);

    /// @notice Open an interval with explicit duration, band and metering window. Operator only.
    /// @param kind Interval kind.
    /// @param start Delivery start.
    /// @param duration Delivery length, seconds (> 0).
    /// @param gateClosure Gate closure.
    /// @param meteringWindow Seconds after delivery end for meter reports.
    /// @param gridBuyPrice Grid buy price.
    /// @param feedInPrice Feed-in price.
    /// @param bandBps Tolerance band (≤ 10000).
    /// @return intervalId The new interval's id.
    function openIntervalWithParams(
        IntervalKind kind,
        uint40 start,
        uint32 duration,
        uint40 gateClosure,
        uint32 meteringWindow,
        uint40 gridBuyPrice,
        uint40 feedInPrice,
        uint16 bandBps
    ) external returns (uint256 intervalId);

    /// @notice Place a bid or ask; locks the worst case from the available balance.
    /// Buyer: q × (bid + max(0, bid − feedIn)); seller: q × max(0, gridBuy − ask) milli-units.
    /// @param intervalId Interval (gate open).
    /// @param side Buy or sell.
    /// @param price Limit price, base units per kWh (1 … 2^40 − 1).
    /// @param quantity Wh (1 … 2^40 − 1).
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

    /// @notice Report a participant's metered energy for a delivered interval, within the metering
    /// window after delivery. A meter bound to the participant in the registry, or the operator,
    /// may call; once per participant.
    /// @param intervalId Interval (delivery ended).
    /// @param participant Participant.
    /// @param produced Wh produced.
    /// @param consumed Wh consumed.
    function reportMeter(
        uint256 intervalId,
        address participant,
        uint64 produced,
        uint64 consumed
    ) external;

    /// @notice Settle every match of a cleared interval after the metering window, in one
    /// transaction. `matches` are the packed matches in clearing order (from the Matched events,
    /// see `packMatch`).
    /// @param intervalId Interval.
    /// @param matches Packed matches.
    function settle(uint256 intervalId, uint256[] calldata matches) external;

    /// @notice Resumable settlement: two stages (tally traded energy, then pay), each fed the
    /// match list in chunks from the stage cursor; each chunk must end at a multiple of
    /// CHECKPOINT_INTERVAL matches or at the last match and is verified against the hash-chain
    /// checkpoint stored at clearing before it takes effect.
    /// @param intervalId Interval.
    /// @param matches Next packed matches.
    /// @return done Whether the interval is now settled.
    function settleChunk(
        uint256 intervalId,
        uint256[] calldata matches
    ) external returns (bool done);

    /// @notice Available and locked balance in milli-units.
    /// @param account Account.
    /// @return available Milli-units free to lock or withdraw.
    /// @return locked Milli-units locked by orders and unsettled matches.
    function balanceOf(address account) external view returns (uint256 available, uint256 locked);

    /// @notice Interval parameters and counters.
    /// @param intervalId Interval.
    /// @return The interval.
    function interval(uint256 intervalId) external view returns (IntervalView memory);

    /// @notice Decoded order.
    /// @param orderId Order.
    /// @return The order.
    function order(uint256 orderId) external view returns (OrderView memory);

    /// @notice Clearing progress.
    /// @param intervalId Interval.
    /// @return The clearing state.
    function clearingState(uint256 intervalId) external view returns (ClearingView memory);

    /// @notice A participant's position in an interval.
    /// @param intervalId Interval.
    /// @param participant Participant.
    /// @return The position.
    function position(
        uint256 intervalId,
        address participant
    ) external view returns (PositionView memory);

    /// @notice Number of intervals opened.
    /// @return The count (ids run from 1).
    function intervalCount() external view returns (uint256);

    /// @notice The settlement token.
    /// @return Its address.
    function token() external view returns (address);

    /// @notice The participant registry.
    /// @return Its address.
    function registry() external view returns (address);
}
