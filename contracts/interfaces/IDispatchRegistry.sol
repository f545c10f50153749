// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IMeteringLedger} from "./IMeteringLedger.sol";

/// @title IDispatchRegistry
/// @notice TDVA flexibility events (001 sections 2.3, 3.1.1, 3.3): one event is four linked stage
/// records, Trigger → Dispatch → Verify → Settle, each written when its stage completes and each
/// storing the hash of the previous record, so the chain can be walked and re-verified from any
/// stage. The operator's budget is held here in the settlement ERC-20 and paid out by pull payments.
/// @dev Units: power in W, duration in s, energy in Wh, prices in token base units per kWh, money in
/// token base units. `requestedW` is signed (positive: raise net injection, i.e. more generation or
/// less load; negative: reduce it); allocations are magnitudes in that direction.
interface IDispatchRegistry {
    /// @notice Where an event is in its life.
    enum Stage {
        None,
        Triggered,
        Dispatched,
        Verified,
        Settled,
        Cancelled
    }

    /// @notice Why the operator opened the event (001 Fig. 5c).
    enum TriggerReason {
        Unspecified,
        OverVoltage,
        UnderVoltage,
        UpperLevelInstruction,
        PeakShaving,
        Congestion,
        Other
    }

    /// @notice What the operator supplies to open an event.
    /// @param reason Why (not Unspecified).
    /// @param feederId Feeder (area) whose approved participants may offer.
    /// @param requestedW ΔP_total in W, signed, non-zero.
    /// @param start Start of the event window.
    /// @param duration Window length T in s (> 0).
    /// @param quoteDeadline Last time an offer may be signed (after now, not after `start`).
    /// @param budget Token amount pulled from the operator (or the funder, `triggerFundedBy`) and
    /// locked for this event (> 0).
    /// @param dataHash Fingerprint of the triggering data (e.g. the voltage alarm readings).
    /// @param dataCid CID of that data.
    struct TriggerParams {
        TriggerReason reason;
        uint32 feederId;
        int64 requestedW;
        uint40 start;
        uint32 duration;
        uint40 quoteDeadline;
        uint128 budget;
        bytes32 dataHash;
        string dataCid;
    }

    /// @notice The Trigger record (Ttx). `stage` is bookkeeping and not part of the record hash.
    /// Layout: slot 0 `prev`; slot 1 `operator` | `stage` | `reason` | `feederId` | `createdAt`;
    /// slot 2 `requestedW` | `start` | `duration` | `quoteDeadline` | `toleranceBps`; slot 3
    /// `budget`; slot 4 `dataHash`; then `dataCid`.
    /// @param prev Genesis link `keccak256(abi.encode(chainid, registry, eventId))`.
    /// @param operator The operator who opened the event (receives the unspent budget unless a funder paid it, `funderOf`).
    /// @param stage Current stage of the event.
    /// @param reason Trigger reason.
    /// @param feederId Feeder.
    /// @param createdAt Block time of the trigger (offers may not be signed earlier).
    /// @param requestedW ΔP_total, signed.
    /// @param start Window start.
    /// @param duration Window length T.
    /// @param quoteDeadline Last offer signing time.
    /// @param toleranceBps Under-delivery tolerance band in basis points, fixed at trigger.
    /// @param budget Locked budget.
    /// @param dataHash Fingerprint of the triggering data.
    /// @param dataCid CID of the triggering data.
    struct TriggerRecord {
        bytes32 prev;
        address operator;
        Stage stage;
        TriggerReason reason;
        uint32 feederId;
        uint40 createdAt;
        int64 requestedW;
        uint40 start;
        uint32 duration;
        uint40 quoteDeadline;
        uint16 toleranceBps;
        uint128 budget;
        bytes32 dataHash;
        string dataCid;
    }

    /// @notice The Dispatch record (Dtx). The offers and allocations themselves are emitted
    /// (OfferAccepted) and committed to by `allocationsHash`.
    /// Layout: slots 0-2 hashes; slot 3 `cost` | `allocatedW` | `providerCount` | `meritOrder` |
    /// `dispatchedAt`; then `safetyReportCid`.
    /// @param prev Hash of the Trigger record.
    /// @param allocationsHash keccak256 of the packed line hashes
    /// `keccak256(abi.encode(provider, allocationW, keccak256(abi.encodePacked(segments))))`.
    /// @param safetyReportHash Fingerprint of the power-flow safety report.
    /// @param cost Σ cost of the allocations at the offered prices (≤ budget).
    /// @param allocatedW Σ ΔP_i (= |requestedW|).
    /// @param providerCount Number of offers carried (including zero allocations).
    /// @param meritOrder Whether the operator claimed, and the contract checked, merit order.
    /// @param dispatchedAt Block time.
    /// @param safetyReportCid CID of the safety report.
    struct DispatchRecord {
        bytes32 prev;
        bytes32 allocationsHash;
        bytes32 safetyReportHash;
        uint128 cost;
        uint64 allocatedW;
        uint16 providerCount;
        bool meritOrder;
        uint40 dispatchedAt;
        string safetyReportCid;
    }

    /// @notice The Verify record (Vtx).
    /// @param prev Hash of the Dispatch record.
    /// @param deliveriesHash `keccak256(abi.encodePacked(uint64[] deliveredWh))` in dispatch order.
    /// @param meterDataHash `keccak256` of the packed per-provider measurement words (each the
    /// delivered Wh + 1, 0 = no proven readings), recomputable from the `ResponseMeasured` events.
    /// @param deliveredWh Σ measured response energy.
    /// @param verifiedAt Block time.
    /// @param reporter Who closed verification (anyone: the numbers come from proven readings).
    /// @param meterDataCid Unused (empty): each reading's batch names its own CID.
    struct VerifyRecord {
        bytes32 prev;
        bytes32 deliveriesHash;
        bytes32 meterDataHash;
        uint64 deliveredWh;
        uint40 verifiedAt;
        address reporter;
        string meterDataCid;
    }

    /// @notice The Settle record (Atx).
    /// @param prev Hash of the Verify record.
    /// @param paymentsHash `keccak256(abi.encodePacked(uint256[] netPayments))` in dispatch order.
    /// @param paid Σ net payments credited to providers.
    /// @param penalties Σ penalties withheld from providers (they stay in the refund).
    /// @param refund Budget credited back to the funder (`funderOf`: the operator unless another account paid) (`budget − paid`).
    /// @param settledAt Block time.
    struct SettleRecord {
        bytes32 prev;
        bytes32 paymentsHash;
        uint128 paid;
        uint128 penalties;
        uint128 refund;
        uint40 settledAt;
    }

    /// @notice A provider's EIP-712 signed offer, carried by the operator into `dispatch`.
    /// Signed type: `Offer(uint256 eventId,address provider,uint32 maxPowerW,uint64 maxEnergyWh,
    /// uint40 signedAt,uint96[] segments)`.
    /// @param provider The approved participant offering.
    /// @param maxPowerW ΔP_i,max.
    /// @param maxEnergyWh W_i,max.
    /// @param signedAt When the provider signed (within [trigger, quote deadline]).
    /// @param segments Price curve, cheapest first, ≤ 8: `capacityW << 64 | pricePerKWh`.
    /// @param signature The provider's signature.
    struct Offer {
        address provider;
        uint32 maxPowerW;
        uint64 maxEnergyWh;
        uint40 signedAt;
        uint96[] segments;
        bytes signature;
    }

    /// @notice Which window of an event a TDVA meter reading covers (its `periodId` is
    /// `windowPeriodId(eventId, window)`).
    enum MeterWindow {
        /// The baseline: the `duration` seconds right before the event starts.
        Baseline,
        /// The event window itself.
        Event
    }

    /// @notice One device-signed reading with its anchored batch and Merkle proof.
    /// @param batchId The MeteringLedger batch holding the reading.
    /// @param reading The reading as signed.
    /// @param signature The meter's EIP-712 signature.
    /// @param proof Sibling hashes from the leaf to the batch root.
    struct ProvenReading {
        uint256 batchId;
        IMeteringLedger.Reading reading;
        bytes signature;
        bytes32[] proof;
    }

    /// @notice A provider's baseline and event-window readings, from one meter.
    /// @param index The provider's position in dispatch order.
    /// @param baseline Reading over the baseline window.
    /// @param during Reading over the event window.
    struct ProviderReadings {
        uint256 index;
        ProvenReading baseline;
        ProvenReading during;
    }

    /// @notice What `settle` needs per provider, checked against `allocationsHash`.
    /// @param provider The provider.
    /// @param allocationW Its allocation.
    /// @param segments Its offered segments.
    struct SettleLine {
        address provider;
        uint32 allocationW;
        uint96[] segments;
    }

    /// @notice Stage 1 written.
    /// @param eventId The event.
    /// @param feederId Its feeder.
    /// @param record The Trigger record.
    /// @param recordHash Its hash.
    event TdvaTriggered(
        uint256 indexed eventId,
        uint32 indexed feederId,
        TriggerRecord record,
        bytes32 recordHash
    );

    /// @notice One offer was accepted into the dispatch.
    /// @param eventId The event.
    /// @param provider The provider.
    /// @param index Its position in the dispatch.
    /// @param offerDigest EIP-712 digest of the offer.
    /// @param allocationW Allocation ΔP_i.
    /// @param cost Cost of the allocation at the offered prices.
    /// @param offer The signed offer as carried (terms, segments and signature).
    event OfferAccepted(
        uint256 indexed eventId,
        address indexed provider,
        uint256 index,
        bytes32 offerDigest,
        uint32 allocationW,
        uint256 cost,
        Offer offer
    );

    /// @notice Stage 2 written.
    /// @param eventId The event.
    /// @param record The Dispatch record.
    /// @param recordHash Its hash.
    event TdvaDispatched(uint256 indexed eventId, DispatchRecord record, bytes32 recordHash);

    /// @notice Stage 3 written.
    /// @param eventId The event.
    /// @param record The Verify record.
    /// @param recordHash Its hash.
    /// @param deliveredWh Measured response per provider, in dispatch order.
    event TdvaVerified(
        uint256 indexed eventId,
        VerifyRecord record,
        bytes32 recordHash,
        uint64[] deliveredWh
    );

    /// @notice The event's budget was paid by `funder`, who also receives its refund and the
    /// withheld penalties (not the triggering operator).
    /// @param eventId The event.
    /// @param funder The account the budget was pulled from.
    event TdvaFunded(uint256 indexed eventId, address indexed funder);

    /// @notice A provider's response was measured from its proven baseline and event readings.
    /// @param eventId The event.
    /// @param provider The provider.
    /// @param meter The meter both readings came from.
    /// @param baselineBatchId Batch of the baseline reading.
    /// @param eventBatchId Batch of the event-window reading.
    /// @param baselineNetWh Net injection (produced − consumed) over the baseline window.
    /// @param eventNetWh Net injection over the event window.
    /// @param deliveredWh Response in the requested direction, never below 0.
    event ResponseMeasured(
        uint256 indexed eventId,
        address indexed provider,
        address indexed meter,
        uint256 baselineBatchId,
        uint256 eventBatchId,
        int256 baselineNetWh,
        int256 eventNetWh,
        uint64 deliveredWh
    );

    /// @notice One provider's settlement.
    /// @param eventId The event.
    /// @param provider The provider.
    /// @param deliveredWh Measured response.
    /// @param payment Payment for delivered energy before penalty.
    /// @param penalty Penalty withheld (≤ payment).
    /// @param uncollected Penalty beyond the payment that could not be withheld.
    event ProviderSettled(
        uint256 indexed eventId,
        address indexed provider,
        uint64 deliveredWh,
        uint256 payment,
        uint256 penalty,
        uint256 uncollected
    );

    /// @notice Stage 4 written.
    /// @param eventId The event.
    /// @param record The Settle record.
    /// @param recordHash Its hash.
    event TdvaSettled(uint256 indexed eventId, SettleRecord record, bytes32 recordHash);

    /// @notice A triggered event was cancelled before dispatch; its budget went back to its funder (`funderOf`).
    /// @param eventId The event.
    /// @param by Who cancelled it.
    /// @param refund Budget credited to the operator's balance.
    event TdvaCancelled(uint256 indexed eventId, address indexed by, uint256 refund);

    /// @notice An account withdrew its balance.
    /// @param account The account.
    /// @param amount Amount transferred.
    event Withdrawn(address indexed account, uint256 amount);

    /// @notice The operator changed the default tolerance band for new events.
    /// @param toleranceBps New band in basis points.
    event ToleranceBandSet(uint16 toleranceBps);

    /// @notice The event is not at the stage this call needs.
    /// @param eventId The event.
    /// @param actual Its stage.
    /// @param expected The stage needed.
    error TdvaUnexpectedStage(uint256 eventId, Stage actual, Stage expected);

    /// @notice Trigger reason Unspecified.
    error TdvaInvalidReason();

    /// @notice ΔP_total is zero.
    error TdvaZeroRequest();

    /// @notice The budget is zero.
    error TdvaZeroBudget();

    /// @notice Schedule must satisfy now < quoteDeadline ≤ start and duration > 0.
    /// @param quoteDeadline Given deadline.
    /// @param start Given start.
    /// @param duration Given duration.
    error TdvaInvalidSchedule(uint40 quoteDeadline, uint40 start, uint32 duration);

    /// @notice Dispatch after the event started.
    /// @param eventId The event.
    /// @param start Its start.
    error TdvaDispatchClosed(uint256 eventId, uint40 start);

    /// @notice Offers and allocations differ in length, or there are none or more than 1,024.
    /// @param offers Offer count.
    /// @param allocations Allocation count.
    error TdvaBadProviderCount(uint256 offers, uint256 allocations);

    /// @notice Providers must be strictly ascending by address (no duplicates).
    /// @param index Offending position.
    /// @param provider Provider at that position.
    error TdvaProvidersNotSorted(uint256 index, address provider);

    /// @notice The offer's signedAt is outside [trigger, min(quote deadline, now)].
    /// @param eventId The event.
    /// @param provider The provider.
    /// @param signedAt Declared signing time.
    /// @param quoteDeadline The latest accepted signing time, min(the event's quote deadline, now).
    error TdvaOfferOutsideQuoteWindow(
        uint256 eventId,
        address provider,
        uint40 signedAt,
        uint40 quoteDeadline
    );

    /// @notice The offer is not signed by its provider.
    /// @param index Position.
    /// @param provider Claimed provider.
    /// @param signer Recovered signer.
    error TdvaOfferBadSignature(uint256 index, address provider, address signer);

    /// @notice The provider is not an approved participant on the event's feeder.
    /// @param index Position.
    /// @param provider The provider.
    error TdvaProviderNotEligible(uint256 index, address provider);

    /// @notice Segments must be 1..8, capacities > 0, prices non-decreasing.
    /// @param index Position.
    /// @param provider The provider.
    error TdvaInvalidSegments(uint256 index, address provider);

    /// @notice Allocation above min(ΔP_max, Σ segment capacity, W_max·3600/T).
    /// @param index Position.
    /// @param provider The provider.
    /// @param allocationW Allocation.
    /// @param limitW The provider's feasible limit.
    error TdvaAllocationInfeasible(
        uint256 index,
        address provider,
        uint256 allocationW,
        uint256 limitW
    );

    /// @notice Σ ΔP_i ≠ |ΔP_total|.
    /// @param eventId The event.
    /// @param allocatedW Σ ΔP_i.
    /// @param requestedW |ΔP_total|.
    error TdvaAllocationSumMismatch(uint256 eventId, uint256 allocatedW, uint256 requestedW);

    /// @notice The allocations cost more than the budget.
    /// @param eventId The event.
    /// @param cost Their cost.
    /// @param budget The budget.
    error TdvaOverBudget(uint256 eventId, uint256 cost, uint256 budget);

    /// @notice Merit order claimed but a cheaper available segment was left unused while a dearer
    /// one was used.
    /// @param eventId The event.
    /// @param usedIndex Provider with the dearest used marginal segment.
    /// @param usedPrice Its price.
    /// @param unusedIndex Provider with the cheapest available unused segment.
    /// @param unusedPrice Its price.
    error TdvaNotMeritOrder(
        uint256 eventId,
        uint256 usedIndex,
        uint256 usedPrice,
        uint256 unusedIndex,
        uint256 unusedPrice
    );

    /// @notice Verification before the event window ended.
    /// @param eventId The event.
    /// @param endsAt Window end.
    error TdvaWindowNotOver(uint256 eventId, uint256 endsAt);

    /// @notice The funder is the zero address.
    error TdvaZeroFunder();

    /// @notice A reading names another participant than the provider at that index.
    /// @param eventId The event.
    /// @param index The provider's index.
    /// @param participant The participant the reading names.
    error TdvaReadingNotProvider(uint256 eventId, uint256 index, address participant);

    /// @notice A reading's period is not the event window it was given for.
    /// @param eventId The event.
    /// @param index The provider's index.
    /// @param periodId The reading's period.
    /// @param expected `windowPeriodId(eventId, window)`.
    error TdvaReadingWrongWindow(
        uint256 eventId,
        uint256 index,
        uint256 periodId,
        uint256 expected
    );

    /// @notice The baseline and event readings come from different meters.
    /// @param eventId The event.
    /// @param index The provider's index.
    error TdvaReadingMetersDiffer(uint256 eventId, uint256 index);

    /// @notice No dispatched provider has this index.
    /// @param eventId The event.
    /// @param index The index given.
    /// @param providerCount Providers dispatched.
    error TdvaBadProviderIndex(uint256 eventId, uint256 index, uint256 providerCount);

    /// @notice The provider's response was already measured.
    /// @param eventId The event.
    /// @param index The provider's index.
    error TdvaAlreadyMeasured(uint256 eventId, uint256 index);

    /// @notice `verifyWithMissing` before the verification deadline.
    /// @param eventId The event.
    /// @param deadline When it becomes possible.
    error TdvaVerifyDeadlineNotReached(uint256 eventId, uint256 deadline);

    /// @notice An unmeasured provider's window reading is under an open metering dispute.
    /// @param eventId The event.
    /// @param index The provider's index.
    /// @param provider The provider.
    error TdvaProviderDisputed(uint256 eventId, uint256 index, address provider);

    /// @notice Verification while a provider has no measured response.
    /// @param eventId The event.
    /// @param index The first provider without one.
    /// @param deadline From then on `verifyWithMissing` counts a missing response as 0 Wh.
    error TdvaMeasurementMissing(uint256 eventId, uint256 index, uint256 deadline);

    /// @notice The delivered list does not have one entry per dispatched provider.
    /// @param eventId The event.
    /// @param count Entries given.
    /// @param expected Providers dispatched.
    error TdvaDeliveryCountMismatch(uint256 eventId, uint256 count, uint256 expected);

    /// @notice The settlement lines do not hash to the dispatch record.
    /// @param eventId The event.
    error TdvaAllocationsMismatch(uint256 eventId);

    /// @notice The deliveries do not hash to the verify record.
    /// @param eventId The event.
    error TdvaDeliveriesMismatch(uint256 eventId);

    /// @notice Before the window starts only an operator may cancel an event.
    /// @param eventId The event.
    /// @param caller The caller.
    /// @param start When anyone may cancel it.
    error TdvaCancelNotAllowed(uint256 eventId, address caller, uint40 start);

    /// @notice The account has nothing to withdraw.
    /// @param account The account.
    error TdvaNothingToWithdraw(address account);

    /// @notice Tolerance band above 10,000 bps.
    /// @param toleranceBps Given band.
    error TdvaInvalidToleranceBand(uint16 toleranceBps);

    /// @notice Open an event (stage Trigger). Operator only; pulls `budget` with transferFrom.
    /// @param params Trigger parameters.
    /// @return eventId The new event id (first is 1).
    function trigger(TriggerParams calldata params) external returns (uint256 eventId);

    /// @notice Like `trigger`, with an EIP-2612 permit for the budget in the same transaction.
    /// @param params Trigger parameters.
    /// @param permitDeadline Permit deadline.
    /// @param v Permit signature v.
    /// @param r Permit signature r.
    /// @param s Permit signature s.
    /// @return eventId The new event id.
    function triggerWithPermit(
        TriggerParams calldata params,
        uint256 permitDeadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external returns (uint256 eventId);

    /// @notice Record the dispatch (stage Dispatch). Operator only, before the window starts.
    /// Checks every offer's signature, signing time, eligibility and segments, feasibility of every
    /// allocation, Σ ΔP_i = |ΔP_total|, cost ≤ budget and, if `meritOrder`, O(k) optimality.
    /// @param eventId The event.
    /// @param offers Signed offers, providers strictly ascending by address.
    /// @param allocationsW ΔP_i per offer (0 allowed).
    /// @param safetyReportHash Fingerprint of the power-flow safety report.
    /// @param safetyReportCid CID of the safety report.
    /// @param meritOrder Whether to check merit-order optimality.
    function dispatch(
        uint256 eventId,
        Offer[] calldata offers,
        uint32[] calldata allocationsW,
        bytes32 safetyReportHash,
        string calldata safetyReportCid,
        bool meritOrder
    ) external;

    /// @notice Open an event whose budget is paid by `funder` (who approved the registry), e.g. a
    /// DSO's flexibility fund: the unspent budget and the withheld penalties go back to it, never
    /// to the operator's balance. Operator only.
    /// @param params Trigger parameters.
    /// @param funder The account the budget is pulled from; non-zero.
    /// @return eventId The new event id.
    function triggerFundedBy(
        TriggerParams calldata params,
        address funder
    ) external returns (uint256 eventId);

    /// @notice Who receives an event's refund: its funder, or the operator who paid it.
    /// @param eventId The event.
    /// @return The account.
    function funderOf(uint256 eventId) external view returns (address);

    /// @notice Measure providers' responses from proven meter readings (stage Dispatched, after
    /// the window ended). Anyone may call, for any providers, in as many calls as needed: each
    /// provider's baseline and event readings must come from one meter bound to it, signed by
    /// that meter and in an anchored batch with a Trusted verdict. Delivered Wh is the change of
    /// net injection from the baseline to the event window in the requested direction, at least 0.
    /// @param eventId The event.
    /// @param lines Every dispatched line, in dispatch order (checked against the dispatch record).
    /// @param entries The providers measured in this call.
    function reportEventReadings(
        uint256 eventId,
        SettleLine[] calldata lines,
        ProviderReadings[] calldata entries
    ) external;

    /// @notice Close verification (stage Verify) once every provider is measured. Anyone may.
    /// @param eventId The event.
    function verify(uint256 eventId) external;

    /// @notice Close verification after the deadline (window end + `VERIFY_GRACE`) with providers
    /// unmeasured: each counts as 0 Wh delivered, unless a reading of its windows is under an open
    /// dispute (`TdvaProviderDisputed`: the event waits for the resolution). Anyone may.
    /// @param eventId The event.
    /// @param lines Every dispatched line, in dispatch order.
    function verifyWithMissing(uint256 eventId, SettleLine[] calldata lines) external;

    /// @notice The period id a TDVA reading of `window` of `eventId` carries in its leaf.
    /// @param eventId The event.
    /// @param window Baseline or Event.
    /// @return `uint256(keccak256(abi.encode("GridLedger TDVA window", chainid, registry, eventId, window)))`.
    function windowPeriodId(uint256 eventId, MeterWindow window) external view returns (uint256);

    /// @notice Measured response of one provider: delivered Wh + 1, or 0 if not measured yet.
    /// @param eventId The event.
    /// @param index The provider's index in dispatch order.
    /// @return The measurement word.
    function measurementOf(uint256 eventId, uint256 index) external view returns (uint256);

    /// @notice Settle the event (stage Settle). Anyone may call with the dispatch lines and the
    /// deliveries; both are checked against the stored hashes. Credits pull-payment balances.
    /// @param eventId The event.
    /// @param lines Provider, allocation and segments in dispatch order.
    /// @param deliveredWh The verified deliveries in dispatch order.
    function settle(
        uint256 eventId,
        SettleLine[] calldata lines,
        uint64[] calldata deliveredWh
    ) external;

    /// @notice Cancel an event that was triggered but not dispatched, crediting its whole budget to
    /// the operator who opened it. An operator may cancel at any time before dispatch; anyone may
    /// cancel once the window started (dispatch is then impossible), so no budget stays locked.
    /// @param eventId The event (stage Triggered).
    function cancel(uint256 eventId) external;

    /// @notice Withdraw the caller's whole balance in the settlement token.
    function withdraw() external;

    /// @notice Set the default tolerance band for events triggered from now on. DEFAULT_ADMIN_ROLE
    /// only (the alliance's timelock): a rule parameter.
    /// @param toleranceBps Band in basis points (≤ 10,000; default 500).
    function setToleranceBand(uint16 toleranceBps) external;

    /// @notice The whole TDVA chain of an event and the hash of each record.
    /// @param eventId The event.
    /// @return t Trigger record.
    /// @return d Dispatch record (zero until written).
    /// @return v Verify record (zero until written).
    /// @return a Settle record (zero until written).
    /// @return hashes Record hashes (zero for stages not yet written).
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
        );

    /// @notice Re-verify an event's hash links: each written record's `prev` equals the hash of
    /// the record before it (and the Trigger's the genesis link).
    /// @param eventId The event.
    /// @return ok True if every written link holds.
    /// @return stagesWritten Number of records written (0-4; a cancelled event has 1).
    function checkLinks(uint256 eventId) external view returns (bool ok, uint8 stagesWritten);

    /// @notice Hash of a Trigger record as used in the links.
    /// @param t The record.
    /// @return The hash.
    function hashTrigger(TriggerRecord calldata t) external pure returns (bytes32);

    /// @notice Hash of a Dispatch record.
    /// @param d The record.
    /// @return The hash.
    function hashDispatch(DispatchRecord calldata d) external pure returns (bytes32);

    /// @notice Hash of a Verify record.
    /// @param v The record.
    /// @return The hash.
    function hashVerify(VerifyRecord calldata v) external pure returns (bytes32);

    /// @notice Hash of a Settle record.
    /// @param a The record.
    /// @return The hash.
    function hashSettle(SettleRecord calldata a) external pure returns (bytes32);

    /// @notice The EIP-712 digest a provider signs for an offer.
    /// @param eventId The event.
    /// @param provider The provider.
    /// @param maxPowerW ΔP_i,max.
    /// @param maxEnergyWh W_i,max.
    /// @param signedAt Signing time.
    /// @param segments Packed segments.
    /// @return The digest.
    function offerDigest(
        uint256 eventId,
        address provider,
        uint32 maxPowerW,
        uint64 maxEnergyWh,
        uint40 signedAt,
        uint96[] calldata segments
    ) external view returns (bytes32);

    /// @notice Pull-payment balance of an account.
    /// @param account The account.
    /// @return Amount withdrawable.
    function balanceOf(address account) external view returns (uint256);

    /// @notice Σ of all balances (equals the token held by this contract minus locked budgets).
    /// @return The total.
    function totalBalances() external view returns (uint256);

    /// @notice Budget locked in events not yet settled.
    /// @return The total.
    function lockedBudgets() external view returns (uint256);

    /// @notice Default tolerance band for new events, in basis points.
    /// @return The band.
    function toleranceBand() external view returns (uint16);

    /// @notice Number of events so far (also the latest id).
    /// @return The count.
    function eventCount() external view returns (uint256);
}
