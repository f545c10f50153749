// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title TdvaMath
/// @notice Pure arithmetic of TDVA flexibility offers (001 eq. 7): segmented price curves packed
/// as `uint96` words (`capacityW << 64 | pricePerKWh`), allocation cost, the merit-order margins
/// used by the O(k) optimality check, and the delivered-energy payment.
/// @dev Units: power in W, duration in s, energy in Wh, prices in token base units per kWh. Money is
/// accumulated as `W·s × price` and divided by 3,600,000 (W·s per kWh) once per provider, rounding
/// down, so a provider is never paid more than its curve says.
library TdvaMath {
    /// @notice Watt-seconds in one kWh.
    uint256 internal constant WS_PER_KWH = 3_600_000;
    /// @notice Seconds per hour (Wh → W·s).
    uint256 internal constant S_PER_H = 3_600;
    /// @notice Maximum number of price segments per offer.
    uint256 internal constant MAX_SEGMENTS = 8;

    /// @notice What one allocation means against one offer.
    /// @param capW Largest feasible allocation: min(ΔP_max, Σ segment capacities, W_max·3600/T).
    /// @param costNumerator Σ used W per segment × price (multiply by T, divide by WS_PER_KWH).
    /// @param usedPrice Price of the segment holding the allocation's last watt (if `hasUsed`).
    /// @param unusedPrice Price of the segment holding the next watt (if `hasUnused`).
    /// @param hasUsed Allocation > 0.
    /// @param hasUnused Allocation < capW (the provider could have given more).
    /// @param segmentsOk Segments are 1..8, each with capacity > 0, prices non-decreasing.
    struct Margins {
        uint256 capW;
        uint256 costNumerator;
        uint64 usedPrice;
        uint64 unusedPrice;
        bool hasUsed;
        bool hasUnused;
        bool segmentsOk;
    }

    /// @notice Capacity in W of a packed segment.
    /// @param segment Packed segment.
    /// @return The capacity.
    function capacityOf(uint96 segment) internal pure returns (uint256) {
        return uint32(segment >> 64);
    }

    /// @notice Price per kWh of a packed segment.
    /// @param segment Packed segment.
    /// @return The price.
    function priceOf(uint96 segment) internal pure returns (uint256) {
        return uint64(segment);
    }

    /// @notice Evaluate allocation `allocW` against an offer, in one pass over its segments.
    /// @param segments Packed segments, cheapest first.
    /// @param maxPowerW Offered ΔP_max.
    /// @param maxEnergyWh Offered W_max.
    /// @param durationS Event duration T.
    /// @param allocW Allocation ΔP_i.
    /// @return m The margins (see `Margins`).
    function evaluate(
        uint96[] calldata segments,
        uint256 maxPowerW,
        uint256 maxEnergyWh,
        uint256 durationS,
        uint256 allocW
    ) internal pure returns (Margins memory m) {
        uint256 n = segments.length;
        if (n == 0 || n > MAX_SEGMENTS) return m;
        uint256 cumulative;
        uint256 lastPrice;
        for (uint256 j; j < n; ++j) {
            uint96 segment = segments[j];
            uint256 cap = capacityOf(segment);
            uint256 price = priceOf(segment);
            if (cap == 0 || price < lastPrice) return m;
            lastPrice = price;
            if (allocW > cumulative) {
                uint256 used = allocW - cumulative < cap ? allocW - cumulative : cap;
                m.costNumerator += used * price;
                if (allocW <= cumulative + cap) {
                    m.usedPrice = uint64(price);
                    m.hasUsed = true;
                }
            }
            if (!m.hasUnused && allocW < cumulative + cap) {
                m.unusedPrice = uint64(price);
                m.hasUnused = true;
            }
            cumulative += cap;
        }
        m.segmentsOk = true;
        uint256 capW = cumulative < maxPowerW ? cumulative : maxPowerW;
        uint256 energyCapW = (maxEnergyWh * S_PER_H) / durationS;
        m.capW = capW < energyCapW ? capW : energyCapW;
        // The next watt only counts as available if the caps leave room for it.
        if (allocW >= m.capW) m.hasUnused = false;
    }

    /// @notice Pay for delivered energy at the offer's segment prices, capped at the allocation:
    /// the delivered W·s fill the allocation's segments cheapest first.
    /// @param segments Packed segments, cheapest first (validated at dispatch).
    /// @param allocW Allocation ΔP_i.
    /// @param durationS Event duration T.
    /// @param deliveredWh Measured response energy.
    /// @return payment Token amount (rounded down).
    /// @return marginalPrice Price of the segment holding the allocation's last watt.
    function deliveredPayment(
        uint96[] calldata segments,
        uint256 allocW,
        uint256 durationS,
        uint256 deliveredWh
    ) internal pure returns (uint256 payment, uint256 marginalPrice) {
        uint256 remainingWs = deliveredWh * S_PER_H;
        uint256 allocLeftW = allocW;
        for (uint256 j; j < segments.length && allocLeftW != 0; ++j) {
            uint256 cap = capacityOf(segments[j]);
            if (cap > allocLeftW) cap = allocLeftW;
            marginalPrice = priceOf(segments[j]);
            uint256 take = cap * durationS;
            if (remainingWs < take) take = remainingWs;
            payment += take * marginalPrice;
            remainingWs -= take;
            allocLeftW -= cap;
        }
        payment /= WS_PER_KWH;
    }

    /// @notice One provider's settlement: pay for delivered energy, and a penalty for the
    /// shortfall below the band at the marginal segment price, withheld from the payment as far
    /// as it reaches (decision 0201).
    /// @return payment deliveredPayment().
    /// @return net What the provider is credited: payment − withheld.
    /// @return withheld min(payment, penalty).
    /// @return unpaidPenalty The part of the penalty the payment could not cover.
    function settleLine(
        uint96[] calldata segments,
        uint256 allocW,
        uint256 durationS,
        uint256 deliveredWh,
        uint256 toleranceBps
    )
        internal
        pure
        returns (uint256 payment, uint256 net, uint256 withheld, uint256 unpaidPenalty)
    {
        uint256 marginalPrice;
        (payment, marginalPrice) = deliveredPayment(segments, allocW, durationS, deliveredWh);
        uint256 penalty =
            (shortfallWs(allocW, durationS, deliveredWh, toleranceBps) * marginalPrice) /
                WS_PER_KWH;
        withheld = penalty < payment ? penalty : payment;
        // withheld ≤ payment and withheld ≤ penalty, so neither subtraction can underflow.
        unchecked {
            net = payment - withheld;
            unpaidPenalty = penalty - withheld;
        }
    }

    /// @notice Energy missing below the tolerance band: max(0, allocW·T·(1 − band) − delivered).
    /// @param allocW Allocation ΔP_i.
    /// @param durationS Event duration T.
    /// @param deliveredWh Measured response energy.
    /// @param toleranceBps Band in basis points.
    /// @return Shortfall in W·s.
    function shortfallWs(
        uint256 allocW,
        uint256 durationS,
        uint256 deliveredWh,
        uint256 toleranceBps
    ) internal pure returns (uint256) {
        uint256 bandWs = (allocW * durationS * (10_000 - toleranceBps)) / 10_000;
        uint256 deliveredWs = deliveredWh * S_PER_H;
        return deliveredWs < bandWs ? bandWs - deliveredWs : 0;
    }
}
