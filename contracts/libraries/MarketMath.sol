// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title MarketMath
/// @notice Escrow and compensation formulas of the energy market, in milli-units (1 token base
/// unit = 1000 milli-units), so p base units/kWh × q Wh is exactly p × q milli-units.
library MarketMath {
    uint256 internal constant BPS = 10_000;

    /// @notice Worst case a buyer can owe per Wh: its bid (the energy) plus max(0, bid − feedIn)
    /// (compensation to the seller if the buyer consumes nothing).
    function buyerRate(uint256 bid, uint256 feedIn) internal pure returns (uint256) {
        return bid > feedIn ? 2 * bid - feedIn : bid;
    }

    /// @notice Worst case a seller can owe per Wh: max(0, gridBuy − ask) (compensation to the
    /// buyer if the seller delivers nothing; the trade price is never below the ask).
    function sellerRate(uint256 ask, uint256 gridBuy) internal pure returns (uint256) {
        return gridBuy > ask ? gridBuy - ask : 0;
    }

    /// @notice Shortfall beyond the band, scaled by 10^4: max(0, planned × (1 − band) − actual).
    /// @param planned Matched Wh of the participant on this side.
    /// @param actual Metered Wh.
    /// @param bandBps Tolerance band.
    function deficitScaled(
        uint256 planned,
        uint256 actual,
        uint256 bandBps
    ) internal pure returns (uint256) {
        uint256 allowed = planned * (BPS - bandBps);
        uint256 got = actual * BPS;
        return allowed > got ? allowed - got : 0;
    }

    /// @notice Compensation for one match, rounded down (the remainder stays with the payer):
    /// floor(rate × q × deficitScaled / (planned × 10^4)) = rate × (q's pro-rata share of the
    /// participant's deficit).
    function compensation(
        uint256 rate,
        uint256 qty,
        uint256 deficit,
        uint256 planned
    ) internal pure returns (uint256) {
        if (rate == 0 || deficit == 0) return 0;
        return (rate * qty * deficit) / (planned * BPS);
    }
}
