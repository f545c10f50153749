// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {EIP712Upgradeable} from "@openzeppelin/contracts-upgradeable/utils/cryptography/EIP712Upgradeable.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IDispatchRegistry} from "../interfaces/IDispatchRegistry.sol";
import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {IMeteringLedger} from "../interfaces/IMeteringLedger.sol";
import {GovernedUpgradeable} from "../upgrades/GovernedUpgradeable.sol";
import {TdvaMath} from "../libraries/TdvaMath.sol";
import {TdvaRecords} from "../libraries/TdvaRecords.sol";

/// @title DispatchRegistry
/// @notice TDVA flexibility events: Trigger → Dispatch → Verify → Settle, hash-linked records,
/// EIP-712 offers carried by the operator, an O(k) merit-order check of 001 eq. 7, Verify
/// measured from device-signed meter readings proven against the MeteringLedger (baseline window
/// vs event window), and a pull-payment ledger in the settlement token with exact conservation of
/// every budget.
/// @dev Gas discipline: a dispatch stores no per-provider state; it stores one hash over the
/// (provider, allocation, segments) lines and emits the details. Settlement takes the lines back
/// as calldata and checks them against that hash. The only per-provider SSTORE of the cycle is the
/// provider's pull-payment balance.
contract DispatchRegistry is GovernedUpgradeable, EIP712Upgradeable, IDispatchRegistry {
    using SafeERC20 for IERC20;

    /// @notice Opens, dispatches and verifies events; sets the tolerance band.
    bytes32 public constant OPERATOR_ROLE = keccak256("OPERATOR_ROLE");
    /// @notice EIP-712 type hash of an offer.
    bytes32 public constant OFFER_TYPEHASH = keccak256(
        "Offer(uint256 eventId,address provider,uint32 maxPowerW,uint64 maxEnergyWh,uint40 signedAt,uint96[] segments)"
    );
    /// @notice Default under-delivery tolerance band: 5 % (002 section 3, the market's band).
    uint16 public constant DEFAULT_TOLERANCE_BPS = 500;
    /// @notice Most offers one dispatch may carry.
    uint256 public constant MAX_PROVIDERS = 1_024;
    /// @notice Seconds after the window's end during which every provider's readings are needed
    /// to verify; from then on anyone may verify and a provider without proven readings counts as
    /// 0 Wh delivered (docs/decisions/0207).
    uint256 public constant VERIFY_GRACE = 3_600;
    /// @notice Domain tag of the period ids TDVA window readings carry.
    bytes32 public constant TDVA_WINDOW_TAG = keccak256("GridLedger TDVA window");
    /// @dev Measurement words per storage slot (64 bits each).
    uint256 private constant WORDS_PER_SLOT = 4;

    struct TdvaEvent {
        TriggerRecord trigger;
        DispatchRecord dispatch;
        VerifyRecord verification;
        SettleRecord settlement;
    }

    /// @dev Per-settlement context and running sums.
    struct SettleContext {
        uint256 eventId;
        uint256 duration;
        uint256 toleranceBps;
        uint256 paid;
        uint256 penalties;
    }

    /// @dev Per-dispatch context kept in memory to stay clear of stack limits.
    struct Scan {
        uint256 eventId;
        uint256 feederId;
        uint256 duration;
        uint256 opensAt;
        uint256 quoteDeadline;
        uint256 allocatedW;
        uint256 cost;
        uint256 maxUsedPrice;
        uint256 maxUsedIndex;
        uint256 minUnusedPrice;
        uint256 minUnusedIndex;
        bool hasUsed;
        bool hasUnused;
        address previous;
        bytes32 allocationsHash;
    }

    /// @dev Wiring lives in the implementation's code (read without an SLOAD); an upgrade passes
    /// the same addresses to the new implementation's constructor (docs/decisions/0601).
    /// @custom:oz-upgrades-unsafe-allow state-variable-immutable
    IERC20 private immutable _TOKEN;
    /// @custom:oz-upgrades-unsafe-allow state-variable-immutable
    IParticipantRegistry private immutable _PARTICIPANTS;
    /// @custom:oz-upgrades-unsafe-allow state-variable-immutable
    IMeteringLedger private immutable _METERING;
    uint16 private _toleranceBps;
    uint256 private _eventCount;
    uint256 private _locked;
    mapping(uint256 eventId => TdvaEvent) private _events;
    mapping(address account => uint256 amount) private _balances;
    /// @dev Per event, per provider index: delivered Wh + 1 (0 = not measured), 4 per slot, so a
    /// measurement costs a quarter of a fresh slot.
    mapping(uint256 eventId => mapping(uint256 slot => uint256 words)) private _measured;
    /// @dev Who paid an event's budget when it was not the triggering operator (else unset).
    mapping(uint256 eventId => address funder) private _funders;

    /// @param settlementToken Settlement ERC-20 (GridToken on the devnet).
    /// @param participantRegistry Participant registry (eligibility: approved and on the feeder).
    /// @param ledger Anchored batches of device-signed readings (Verify's only input).
    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor(
        IERC20 settlementToken,
        IParticipantRegistry participantRegistry,
        IMeteringLedger ledger
    ) {
        _TOKEN = settlementToken;
        _PARTICIPANTS = participantRegistry;
        _METERING = ledger;
        _disableInitializers();
    }

    /// @notice Sets up the proxy's storage once, in the proxy's deployment transaction.
    /// @param operator Admin and operator.
    function initialize(address operator) external initializer {
        __GovernedUpgradeable_init(operator);
        __EIP712_init("GridLedger DispatchRegistry", "1");
        _grantRole(OPERATOR_ROLE, operator);
        _toleranceBps = DEFAULT_TOLERANCE_BPS;
        emit ToleranceBandSet(DEFAULT_TOLERANCE_BPS);
    }

    // ---------------------------------------------------------------- stage 1: Trigger

    /// @inheritdoc IDispatchRegistry
    function trigger(
        TriggerParams calldata params
    ) external onlyRole(OPERATOR_ROLE) returns (uint256 eventId) {
        return _trigger(params, msg.sender);
    }

    /// @inheritdoc IDispatchRegistry
    function triggerWithPermit(
        TriggerParams calldata params,
        uint256 permitDeadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external onlyRole(OPERATOR_ROLE) returns (uint256 eventId) {
        // A front-run permit has already set the allowance; transferFrom then decides.
        try
            IERC20Permit(address(_TOKEN)).permit(
                msg.sender,
                address(this),
                params.budget,
                permitDeadline,
                v,
                r,
                s
            )
        {} catch {} // solhint-disable-line no-empty-blocks
        return _trigger(params, msg.sender);
    }

    /// @inheritdoc IDispatchRegistry
    function triggerFundedBy(
        TriggerParams calldata params,
        address funder
    ) external onlyRole(OPERATOR_ROLE) returns (uint256 eventId) {
        if (funder == address(0)) revert TdvaZeroFunder();
        eventId = _trigger(params, funder);
        if (funder != msg.sender) {
            _funders[eventId] = funder;
            emit TdvaFunded(eventId, funder);
        }
    }

    function _trigger(TriggerParams calldata p, address funder) private returns (uint256 eventId) {
        if (p.reason == TriggerReason.Unspecified) revert TdvaInvalidReason();
        if (p.requestedW == 0) revert TdvaZeroRequest();
        if (p.budget == 0) revert TdvaZeroBudget();
        if (p.duration == 0 || p.quoteDeadline <= block.timestamp || p.start < p.quoteDeadline) {
            revert TdvaInvalidSchedule(p.quoteDeadline, p.start, p.duration);
        }
        eventId = ++_eventCount;
        TriggerRecord storage t = _events[eventId].trigger;
        t.prev = TdvaRecords.genesis(block.chainid, address(this), eventId);
        t.operator = msg.sender;
        t.stage = Stage.Triggered;
        t.reason = p.reason;
        t.feederId = p.feederId;
        t.createdAt = uint40(block.timestamp);
        t.requestedW = p.requestedW;
        t.start = p.start;
        t.duration = p.duration;
        t.quoteDeadline = p.quoteDeadline;
        t.toleranceBps = _toleranceBps;
        t.budget = p.budget;
        t.dataHash = p.dataHash;
        t.dataCid = p.dataCid;
        _locked += p.budget;
        _TOKEN.safeTransferFrom(funder, address(this), p.budget);
        TriggerRecord memory record = t;
        emit TdvaTriggered(eventId, p.feederId, record, TdvaRecords.hashTrigger(record));
    }

    // ---------------------------------------------------------------- stage 2: Dispatch

    /// @inheritdoc IDispatchRegistry
    function dispatch(
        uint256 eventId,
        Offer[] calldata offers,
        uint32[] calldata allocationsW,
        bytes32 safetyReportHash,
        string calldata safetyReportCid,
        bool meritOrder
    ) external onlyRole(OPERATOR_ROLE) {
        TriggerRecord storage t = _events[eventId].trigger;
        _requireStage(eventId, t.stage, Stage.Triggered);
        if (block.timestamp >= t.start) revert TdvaDispatchClosed(eventId, t.start);
        Scan memory scan = _scanOffers(eventId, t, offers, allocationsW);
        _checkTotals(t, scan, meritOrder);
        DispatchRecord storage d = _events[eventId].dispatch;
        d.prev = TdvaRecords.hashTrigger(t);
        d.allocationsHash = scan.allocationsHash;
        d.safetyReportHash = safetyReportHash;
        // cost ≤ budget < 2^128 and allocatedW = |int64| < 2^64 were checked in _checkTotals.
        d.cost = uint128(scan.cost);
        d.allocatedW = uint64(scan.allocatedW);
        d.providerCount = uint16(offers.length);
        d.meritOrder = meritOrder;
        d.dispatchedAt = uint40(block.timestamp);
        if (bytes(safetyReportCid).length != 0) d.safetyReportCid = safetyReportCid;
        t.stage = Stage.Dispatched;
        DispatchRecord memory record = d;
        emit TdvaDispatched(eventId, record, TdvaRecords.hashDispatch(record));
    }

    /// @dev Checks every offer and allocation and returns the folded scan.
    function _scanOffers(
        uint256 eventId,
        TriggerRecord storage t,
        Offer[] calldata offers,
        uint32[] calldata allocationsW
    ) private returns (Scan memory scan) {
        uint256 k = offers.length;
        if (k == 0 || k > MAX_PROVIDERS || k != allocationsW.length) {
            revert TdvaBadProviderCount(k, allocationsW.length);
        }
        scan.eventId = eventId;
        scan.feederId = t.feederId;
        scan.duration = t.duration;
        scan.opensAt = t.createdAt;
        scan.quoteDeadline = t.quoteDeadline < block.timestamp ? t.quoteDeadline : block.timestamp;
        scan.minUnusedPrice = type(uint256).max;
        bytes32[] memory lines = new bytes32[](k);
        for (uint256 i; i < k; ++i) {
            lines[i] = _acceptOffer(scan, i, offers[i], allocationsW[i]);
        }
        scan.allocationsHash = keccak256(abi.encodePacked(lines));
    }

    /// @dev Σ ΔP_i = |ΔP_total|, cost ≤ budget, and the merit-order rule when claimed.
    function _checkTotals(TriggerRecord storage t, Scan memory scan, bool meritOrder) private view {
        int256 requested = t.requestedW;
        uint256 requestedW = uint256(requested < 0 ? -requested : requested);
        if (scan.allocatedW != requestedW) {
            revert TdvaAllocationSumMismatch(scan.eventId, scan.allocatedW, requestedW);
        }
        if (scan.cost > t.budget) revert TdvaOverBudget(scan.eventId, scan.cost, t.budget);
        if (
            meritOrder && scan.hasUsed && scan.hasUnused && scan.maxUsedPrice > scan.minUnusedPrice
        ) {
            revert TdvaNotMeritOrder(
                scan.eventId,
                scan.maxUsedIndex,
                scan.maxUsedPrice,
                scan.minUnusedIndex,
                scan.minUnusedPrice
            );
        }
    }

    /// @dev Checks one offer and its allocation, folds it into `scan`, returns its line hash.
    function _acceptOffer(
        Scan memory scan,
        uint256 i,
        Offer calldata o,
        uint256 allocW
    ) private returns (bytes32 line) {
        address provider = o.provider;
        if (provider <= scan.previous) revert TdvaProvidersNotSorted(i, provider);
        scan.previous = provider;
        if (o.signedAt < scan.opensAt || o.signedAt > scan.quoteDeadline) {
            revert TdvaOfferOutsideQuoteWindow(
                scan.eventId,
                provider,
                o.signedAt,
                uint40(scan.quoteDeadline)
            );
        }
        bytes32 segmentsHash = TdvaRecords.segmentsHash(o.segments);
        bytes32 digest = _offerDigest(
            scan.eventId,
            provider,
            o.maxPowerW,
            o.maxEnergyWh,
            o.signedAt,
            segmentsHash
        );
        {
            address signer = ECDSA.recover(digest, o.signature);
            if (signer != provider) revert TdvaOfferBadSignature(i, provider, signer);
        }
        _requireEligible(i, provider, scan.feederId);
        uint256 cost = _fold(scan, i, o, allocW);
        line = TdvaRecords.allocationLine(provider, allocW, segmentsHash);
        emit OfferAccepted(scan.eventId, provider, i, digest, uint32(allocW), cost, o);
    }

    /// @dev Approved participant on the event's feeder, read from the participant registry.
    function _requireEligible(uint256 i, address provider, uint256 feederId) private view {
        (, IParticipantRegistry.ParticipantStatus status, , uint32 providerFeeder, ) = _PARTICIPANTS
            .participantCore(provider);
        if (
            status != IParticipantRegistry.ParticipantStatus.Approved || providerFeeder != feederId
        ) {
            revert TdvaProviderNotEligible(i, provider);
        }
    }

    /// @dev Feasibility of one allocation and its merit-order margins; returns its cost.
    function _fold(
        Scan memory scan,
        uint256 i,
        Offer calldata o,
        uint256 allocW
    ) private pure returns (uint256 cost) {
        TdvaMath.Margins memory m = TdvaMath.evaluate(
            o.segments,
            o.maxPowerW,
            o.maxEnergyWh,
            scan.duration,
            allocW
        );
        if (!m.segmentsOk) revert TdvaInvalidSegments(i, o.provider);
        if (allocW > m.capW) revert TdvaAllocationInfeasible(i, o.provider, allocW, m.capW);
        if (m.hasUsed && (!scan.hasUsed || m.usedPrice > scan.maxUsedPrice)) {
            scan.hasUsed = true;
            scan.maxUsedPrice = m.usedPrice;
            scan.maxUsedIndex = i;
        }
        if (m.hasUnused && m.unusedPrice < scan.minUnusedPrice) {
            scan.hasUnused = true;
            scan.minUnusedPrice = m.unusedPrice;
            scan.minUnusedIndex = i;
        }
        cost = (m.costNumerator * scan.duration) / TdvaMath.WS_PER_KWH;
        scan.cost += cost;
        scan.allocatedW += allocW;
    }

    // ---------------------------------------------------------------- stage 3: Verify

    /// @inheritdoc IDispatchRegistry
    function reportEventReadings(
        uint256 eventId,
        SettleLine[] calldata lines,
        ProviderReadings[] calldata entries
    ) external {
        TdvaEvent storage e = _events[eventId];
        TriggerRecord storage t = e.trigger;
        _requireStage(eventId, t.stage, Stage.Dispatched);
        _requireWindowOver(eventId, t);
        _requireLines(eventId, e, lines);
        uint256 k = lines.length;
        bool raise = t.requestedW > 0;
        uint256 baselineId = _windowPeriodId(eventId, MeterWindow.Baseline);
        uint256 eventWindowId = _windowPeriodId(eventId, MeterWindow.Event);
        for (uint256 j; j < entries.length; ++j) {
            ProviderReadings calldata entry = entries[j];
            uint256 i = entry.index;
            if (i >= k) revert TdvaBadProviderIndex(eventId, i, k);
            _measure(eventId, i, lines[i].provider, entry, raise, baselineId, eventWindowId);
        }
    }

    /// @dev Checks one provider's two readings, stores and emits its delivered Wh.
    function _measure(
        uint256 eventId,
        uint256 i,
        address provider,
        ProviderReadings calldata entry,
        bool raise,
        uint256 baselineId,
        uint256 eventWindowId
    ) private {
        uint256 slot = i / WORDS_PER_SLOT;
        uint256 shift = (i % WORDS_PER_SLOT) * 64;
        uint256 words = _measured[eventId][slot];
        if ((words >> shift) & type(uint64).max != 0) revert TdvaAlreadyMeasured(eventId, i);
        _requireReadings(eventId, i, provider, entry, baselineId, eventWindowId);
        IMeteringLedger.Reading calldata b = entry.baseline.reading;
        IMeteringLedger.Reading calldata d = entry.during.reading;
        int256 baselineNet = int256(uint256(b.producedWh)) - int256(uint256(b.consumedWh));
        int256 eventNet = int256(uint256(d.producedWh)) - int256(uint256(d.consumedWh));
        int256 change = raise ? eventNet - baselineNet : baselineNet - eventNet;
        // |change| < 2^65; capped below 2^64 − 1 so the stored word (delivered + 1) fits 64 bits.
        uint256 delivered = change <= 0 ? 0 : uint256(change);
        if (delivered > type(uint64).max - 1) delivered = type(uint64).max - 1;
        _measured[eventId][slot] = words | ((delivered + 1) << shift);
        emit ResponseMeasured(
            eventId,
            provider,
            b.meter,
            entry.baseline.batchId,
            entry.during.batchId,
            baselineNet,
            eventNet,
            uint64(delivered)
        );
    }

    /// @dev The two readings name the provider and the event's windows, come from one meter, and
    /// each is proven by the ledger (in the batch, meter bound, meter's signature, Trusted).
    function _requireReadings(
        uint256 eventId,
        uint256 i,
        address provider,
        ProviderReadings calldata entry,
        uint256 baselineId,
        uint256 eventWindowId
    ) private view {
        IMeteringLedger.Reading calldata b = entry.baseline.reading;
        IMeteringLedger.Reading calldata d = entry.during.reading;
        if (b.participant != provider) revert TdvaReadingNotProvider(eventId, i, b.participant);
        if (d.participant != provider) revert TdvaReadingNotProvider(eventId, i, d.participant);
        if (b.periodId != baselineId) {
            revert TdvaReadingWrongWindow(eventId, i, b.periodId, baselineId);
        }
        if (d.periodId != eventWindowId) {
            revert TdvaReadingWrongWindow(eventId, i, d.periodId, eventWindowId);
        }
        if (b.meter != d.meter) revert TdvaReadingMetersDiffer(eventId, i);
        _METERING.verifyReading(
            entry.baseline.batchId,
            b,
            entry.baseline.signature,
            entry.baseline.proof
        );
        _METERING.verifyReading(
            entry.during.batchId,
            d,
            entry.during.signature,
            entry.during.proof
        );
    }

    /// @inheritdoc IDispatchRegistry
    function verify(uint256 eventId) external {
        TdvaEvent storage e = _events[eventId];
        uint256 deadline = _verifiable(eventId, e.trigger);
        (uint64[] memory deliveredWh, uint256[] memory slots, uint256 total) = _deliveries(
            eventId,
            e.dispatch.providerCount
        );
        for (uint256 i; i < deliveredWh.length; ++i) {
            if (_wordAt(slots, i) == 0) revert TdvaMeasurementMissing(eventId, i, deadline);
        }
        _writeVerify(eventId, e, deliveredWh, slots, total);
    }

    /// @inheritdoc IDispatchRegistry
    function verifyWithMissing(uint256 eventId, SettleLine[] calldata lines) external {
        TdvaEvent storage e = _events[eventId];
        uint256 deadline = _verifiable(eventId, e.trigger);
        if (block.timestamp < deadline) revert TdvaVerifyDeadlineNotReached(eventId, deadline);
        _requireLines(eventId, e, lines);
        (uint64[] memory deliveredWh, uint256[] memory slots, uint256 total) = _deliveries(
            eventId,
            lines.length
        );
        uint256 baselineId = _windowPeriodId(eventId, MeterWindow.Baseline);
        uint256 eventWindowId = _windowPeriodId(eventId, MeterWindow.Event);
        for (uint256 i; i < lines.length; ++i) {
            if (_wordAt(slots, i) != 0) continue;
            address provider = lines[i].provider;
            // A provider whose window reading is under an open dispute is not counted as 0
            // before the dispute is resolved (or expires, RESOLVE_WINDOW): the event waits.
            if (
                _METERING.hasOpenDispute(provider, baselineId) ||
                _METERING.hasOpenDispute(provider, eventWindowId)
            ) revert TdvaProviderDisputed(eventId, i, provider);
        }
        _writeVerify(eventId, e, deliveredWh, slots, total);
    }

    /// @dev Stage Dispatched and the window over; returns the verification deadline.
    function _verifiable(
        uint256 eventId,
        TriggerRecord storage t
    ) private view returns (uint256 deadline) {
        _requireStage(eventId, t.stage, Stage.Dispatched);
        deadline = _requireWindowOver(eventId, t) + VERIFY_GRACE;
    }

    /// @dev The measured deliveries of an event's k providers (0 where not measured), the raw
    /// slots (the meter data hash) and their sum.
    function _deliveries(
        uint256 eventId,
        uint256 k
    ) private view returns (uint64[] memory deliveredWh, uint256[] memory slots, uint256 total) {
        deliveredWh = new uint64[](k);
        slots = new uint256[]((k + WORDS_PER_SLOT - 1) / WORDS_PER_SLOT);
        for (uint256 s; s < slots.length; ++s) slots[s] = _measured[eventId][s];
        for (uint256 i; i < k; ++i) {
            uint256 word = _wordAt(slots, i);
            if (word != 0) {
                deliveredWh[i] = uint64(word - 1);
                total += word - 1;
            }
        }
    }

    function _wordAt(uint256[] memory slots, uint256 i) private pure returns (uint256) {
        return (slots[i / WORDS_PER_SLOT] >> ((i % WORDS_PER_SLOT) * 64)) & type(uint64).max;
    }

    /// @dev Writes the Verify record and moves the event to Verified.
    function _writeVerify(
        uint256 eventId,
        TdvaEvent storage e,
        uint64[] memory deliveredWh,
        uint256[] memory slots,
        uint256 total
    ) private {
        VerifyRecord storage v = e.verification;
        v.prev = TdvaRecords.hashDispatch(e.dispatch);
        v.deliveriesHash = keccak256(abi.encodePacked(deliveredWh));
        v.meterDataHash = keccak256(abi.encodePacked(slots));
        // k ≤ 1,024 values below 2^64 each: the sum is below 2^74; stored capped to 64 bits.
        v.deliveredWh = total > type(uint64).max ? type(uint64).max : uint64(total);
        v.verifiedAt = uint40(block.timestamp);
        v.reporter = msg.sender;
        e.trigger.stage = Stage.Verified;
        VerifyRecord memory record = v;
        emit TdvaVerified(eventId, record, TdvaRecords.hashVerify(record), deliveredWh);
    }

    /// @dev The lines are the dispatch record's (its allocationsHash).
    function _requireLines(
        uint256 eventId,
        TdvaEvent storage e,
        SettleLine[] calldata lines
    ) private view {
        uint256 k = lines.length;
        bytes32[] memory lineHashes = new bytes32[](k);
        for (uint256 i; i < k; ++i) {
            lineHashes[i] = TdvaRecords.allocationLine(
                lines[i].provider,
                lines[i].allocationW,
                TdvaRecords.segmentsHash(lines[i].segments)
            );
        }
        if (keccak256(abi.encodePacked(lineHashes)) != e.dispatch.allocationsHash) {
            revert TdvaAllocationsMismatch(eventId);
        }
    }

    /// @dev Reverts unless the event window is over; returns its end.
    function _requireWindowOver(
        uint256 eventId,
        TriggerRecord storage t
    ) private view returns (uint256 endsAt) {
        endsAt = uint256(t.start) + t.duration;
        if (block.timestamp < endsAt) revert TdvaWindowNotOver(eventId, endsAt);
    }

    // ---------------------------------------------------------------- stage 4: Settle

    /// @inheritdoc IDispatchRegistry
    function settle(
        uint256 eventId,
        SettleLine[] calldata lines,
        uint64[] calldata deliveredWh
    ) external {
        TdvaEvent storage e = _events[eventId];
        TriggerRecord storage t = e.trigger;
        _requireStage(eventId, t.stage, Stage.Verified);
        uint256 k = lines.length;
        if (deliveredWh.length != k) {
            revert TdvaDeliveryCountMismatch(eventId, deliveredWh.length, e.dispatch.providerCount);
        }
        if (keccak256(abi.encodePacked(deliveredWh)) != e.verification.deliveriesHash) {
            revert TdvaDeliveriesMismatch(eventId);
        }
        SettleContext memory ctx = SettleContext(eventId, t.duration, t.toleranceBps, 0, 0);
        bytes32[] memory lineHashes = new bytes32[](k);
        uint256[] memory net = new uint256[](k);
        for (uint256 i; i < k; ++i) {
            (lineHashes[i], net[i]) = _settleLine(ctx, lines[i], deliveredWh[i]);
        }
        if (keccak256(abi.encodePacked(lineHashes)) != e.dispatch.allocationsHash) {
            revert TdvaAllocationsMismatch(eventId);
        }
        uint256 budget = t.budget;
        // Σ payments ≤ Σ allocation costs ≤ budget (checked at dispatch; delivery is capped at the
        // allocation), so the refund cannot underflow; the budget fits in 128 bits.
        uint256 paid = ctx.paid;
        uint256 refund = budget - paid;
        _balances[_funderOf(eventId, t)] += refund;
        _locked -= budget;
        SettleRecord storage a = e.settlement;
        a.prev = TdvaRecords.hashVerify(e.verification);
        a.paymentsHash = keccak256(abi.encodePacked(net));
        a.paid = uint128(paid);
        a.penalties = uint128(ctx.penalties);
        a.refund = uint128(refund);
        a.settledAt = uint40(block.timestamp);
        t.stage = Stage.Settled;
        SettleRecord memory record = a;
        emit TdvaSettled(eventId, record, TdvaRecords.hashSettle(record));
    }

    /// @dev Pays one provider: line hash, net payment credited, penalty withheld.
    function _settleLine(
        SettleContext memory ctx,
        SettleLine calldata line,
        uint64 deliveredWh
    ) private returns (bytes32 lineHash, uint256 net) {
        lineHash = TdvaRecords.allocationLine(
            line.provider,
            line.allocationW,
            TdvaRecords.segmentsHash(line.segments)
        );
        uint256 payment;
        uint256 withheld;
        uint256 penalty;
        (payment, net, withheld, penalty) = TdvaMath.settleLine(
            line.segments,
            line.allocationW,
            ctx.duration,
            deliveredWh,
            ctx.toleranceBps
        );
        ctx.paid += net;
        ctx.penalties += withheld;
        if (net != 0) _balances[line.provider] += net;
        emit ProviderSettled(ctx.eventId, line.provider, deliveredWh, payment, withheld, penalty);
    }

    /// @inheritdoc IDispatchRegistry
    function cancel(uint256 eventId) external {
        TriggerRecord storage t = _events[eventId].trigger;
        _requireStage(eventId, t.stage, Stage.Triggered);
        if (block.timestamp < t.start && !hasRole(OPERATOR_ROLE, msg.sender)) {
            revert TdvaCancelNotAllowed(eventId, msg.sender, t.start);
        }
        uint256 budget = t.budget;
        t.stage = Stage.Cancelled;
        _locked -= budget;
        _balances[_funderOf(eventId, t)] += budget;
        emit TdvaCancelled(eventId, msg.sender, budget);
    }

    /// @inheritdoc IDispatchRegistry
    function withdraw() external {
        uint256 amount = _balances[msg.sender];
        if (amount == 0) revert TdvaNothingToWithdraw(msg.sender);
        _balances[msg.sender] = 0;
        _TOKEN.safeTransfer(msg.sender, amount);
        emit Withdrawn(msg.sender, amount);
    }

    /// @inheritdoc IDispatchRegistry
    function setToleranceBand(uint16 toleranceBps) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (toleranceBps > 10_000) revert TdvaInvalidToleranceBand(toleranceBps);
        _toleranceBps = toleranceBps;
        emit ToleranceBandSet(toleranceBps);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IDispatchRegistry
    function tdvaChain(
        uint256 eventId
    )
        external
        view
        returns (
            TriggerRecord memory t,
            DispatchRecord memory d,
            VerifyRecord memory v,
            SettleRecord memory a,
            bytes32[4] memory hashes
        )
    {
        TdvaEvent storage e = _events[eventId];
        t = e.trigger;
        d = e.dispatch;
        v = e.verification;
        a = e.settlement;
        uint8 written = _recordsWritten(t.stage);
        if (written >= 1) hashes[0] = TdvaRecords.hashTrigger(t);
        if (written >= 2) hashes[1] = TdvaRecords.hashDispatch(d);
        if (written >= 3) hashes[2] = TdvaRecords.hashVerify(v);
        if (written >= 4) hashes[3] = TdvaRecords.hashSettle(a);
    }

    /// @inheritdoc IDispatchRegistry
    function checkLinks(uint256 eventId) external view returns (bool ok, uint8 stagesWritten) {
        TdvaEvent storage e = _events[eventId];
        stagesWritten = _recordsWritten(e.trigger.stage);
        if (stagesWritten == 0) return (false, 0);
        ok = e.trigger.prev == TdvaRecords.genesis(block.chainid, address(this), eventId);
        if (stagesWritten >= 2) ok = ok && e.dispatch.prev == TdvaRecords.hashTrigger(e.trigger);
        if (stagesWritten >= 3)
            ok = ok && e.verification.prev == TdvaRecords.hashDispatch(e.dispatch);
        if (stagesWritten >= 4)
            ok = ok && e.settlement.prev == TdvaRecords.hashVerify(e.verification);
    }

    /// @inheritdoc IDispatchRegistry
    function hashTrigger(TriggerRecord calldata t) external pure returns (bytes32) {
        return TdvaRecords.hashTrigger(t);
    }

    /// @inheritdoc IDispatchRegistry
    function hashDispatch(DispatchRecord calldata d) external pure returns (bytes32) {
        return TdvaRecords.hashDispatch(d);
    }

    /// @inheritdoc IDispatchRegistry
    function hashVerify(VerifyRecord calldata v) external pure returns (bytes32) {
        return TdvaRecords.hashVerify(v);
    }

    /// @inheritdoc IDispatchRegistry
    function hashSettle(SettleRecord calldata a) external pure returns (bytes32) {
        return TdvaRecords.hashSettle(a);
    }

    /// @inheritdoc IDispatchRegistry
    function offerDigest(
        uint256 eventId,
        address provider,
        uint32 maxPowerW,
        uint64 maxEnergyWh,
        uint40 signedAt,
        uint96[] calldata segments
    ) external view returns (bytes32) {
        return
            _offerDigest(
                eventId,
                provider,
                maxPowerW,
                maxEnergyWh,
                signedAt,
                TdvaRecords.segmentsHash(segments)
            );
    }

    /// @inheritdoc IDispatchRegistry
    function funderOf(uint256 eventId) external view returns (address) {
        return _funderOf(eventId, _events[eventId].trigger);
    }

    /// @inheritdoc IDispatchRegistry
    function windowPeriodId(uint256 eventId, MeterWindow window) external view returns (uint256) {
        return _windowPeriodId(eventId, window);
    }

    /// @inheritdoc IDispatchRegistry
    function measurementOf(uint256 eventId, uint256 index) external view returns (uint256) {
        return
            (_measured[eventId][index / WORDS_PER_SLOT] >> ((index % WORDS_PER_SLOT) * 64)) &
            type(uint64).max;
    }

    /// @inheritdoc IDispatchRegistry
    function balanceOf(address account) external view returns (uint256) {
        return _balances[account];
    }

    /// @inheritdoc IDispatchRegistry
    function totalBalances() external view returns (uint256) {
        return _TOKEN.balanceOf(address(this)) - _locked;
    }

    /// @inheritdoc IDispatchRegistry
    function lockedBudgets() external view returns (uint256) {
        return _locked;
    }

    /// @inheritdoc IDispatchRegistry
    function toleranceBand() external view returns (uint16) {
        return _toleranceBps;
    }

    /// @inheritdoc IDispatchRegistry
    function eventCount() external view returns (uint256) {
        return _eventCount;
    }

    /// @notice The settlement token.
    /// @return The token.
    function token() external view returns (IERC20) {
        return _TOKEN;
    }

    /// @notice The participant registry used for eligibility.
    /// @return The registry.
    function participants() external view returns (IParticipantRegistry) {
        return _PARTICIPANTS;
    }

    /// @notice The metering ledger whose anchored readings Verify consumes.
    /// @return The ledger.
    function meteringLedger() external view returns (IMeteringLedger) {
        return _METERING;
    }

    // ---------------------------------------------------------------- internals

    /// @dev Records written so far: a cancelled event has its Trigger record only.
    function _recordsWritten(Stage stage) private pure returns (uint8) {
        return stage == Stage.Cancelled ? 1 : uint8(stage);
    }

    function _funderOf(uint256 eventId, TriggerRecord storage t) private view returns (address) {
        address funder = _funders[eventId];
        return funder == address(0) ? t.operator : funder;
    }

    function _windowPeriodId(uint256 eventId, MeterWindow window) private view returns (uint256) {
        return
            uint256(
                keccak256(
                    abi.encode(TDVA_WINDOW_TAG, block.chainid, address(this), eventId, window)
                )
            );
    }

    function _requireStage(uint256 eventId, Stage actual, Stage expected) private pure {
        if (actual != expected) revert TdvaUnexpectedStage(eventId, actual, expected);
    }

    function _offerDigest(
        uint256 eventId,
        address provider,
        uint32 maxPowerW,
        uint64 maxEnergyWh,
        uint40 signedAt,
        bytes32 segmentsHash
    ) private view returns (bytes32) {
        return
            _hashTypedDataV4(
                keccak256(
                    abi.encode(
                        OFFER_TYPEHASH,
                        eventId,
                        provider,
                        maxPowerW,
                        maxEnergyWh,
                        signedAt,
                        segmentsHash
                    )
                )
            );
    }
}
