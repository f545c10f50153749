// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {PackedOrder} from "./PackedOrder.sol";

/// @title MarketMath
/// @notice Escrow and settlement formulas of the energy market, in milli-units (1 token base
/// unit = 1000 milli-units), so p base units/kWh × q Wh is exactly p × q milli-units. The rule is
/// derived in docs/decisions/0105-market-settlement.md; services/src/market/settlement.ts is the
/// same arithmetic in TypeScript.
library MarketMath {
    using PackedOrder for uint256;

    uint256 internal constant BPS = 10_000;

    /// @notice Lock per Wh of a packed order (buyerRate or sellerRate by its side).
    function lockRate(uint256 word, uint256 gridBuy, uint256 bond) internal pure returns (uint256) {
        return
            word.isSell() ? sellerRate(word.price(), gridBuy, bond) : buyerRate(word.price(), bond);
    }

    /// @notice Lock per Wh of a buy: the most it can pay per Wh is its bid (energy plus any
    /// under-use compensation never exceeds the trade price), and at least the period's bond.
    function buyerRate(uint256 bid, uint256 bond) internal pure returns (uint256) {
        return bid > bond ? bid : bond;
    }

    /// @notice Lock per Wh of a sell: the most it can owe per Wh is max(0, gridBuy − ask) (the
    /// trade price is never below the ask), and at least the period's bond.
    function sellerRate(
        uint256 ask,
        uint256 gridBuy,
        uint256 bond
    ) internal pure returns (uint256) {
        uint256 rate = gridBuy > ask ? gridBuy - ask : 0;
        return rate > bond ? rate : bond;
    }

    /// @notice A participant's deviation from its net plan in a period, in Wh.
    /// Planned net export X = sold − bought, metered Y = produced − consumed.
    /// @return shortfall min(sold, max(0, X − Y)): sold energy that was not delivered.
    /// @return underUse min(bought, max(0, Y − X)): bought energy that was not taken.
    function deviation(
        uint256 sold,
        uint256 bought,
        uint256 produced,
        uint256 consumed
    ) internal pure returns (uint256 shortfall, uint256 underUse) {
        uint256 planned = sold + consumed; // X − Y = (sold + consumed) − (bought + produced)
        uint256 actual = bought + produced;
        if (planned > actual) shortfall = Math.min(sold, planned - actual);
        else underUse = Math.min(bought, actual - planned);
    }

    /// @notice deviation() of a participant whose reading may be missing: a missing reading counts
    /// as producing nothing and consuming everything bought, so it is never cheaper than an honest
    /// one (decision 0105).
    function deviationOf(
        uint256 sold,
        uint256 bought,
        bool reported,
        uint256 produced,
        uint256 consumed
    ) internal pure returns (uint256 shortfall, uint256 underUse) {
        if (!reported) (produced, consumed) = (0, bought);
        return deviation(sold, bought, produced, consumed);
    }

    /// @notice Money of one match of q Wh at price p between a seller with totals (S, shortfall
    /// A) and a buyer with totals (B, under-use U). Shares: a = q·A/S, c = q·U/B.
    /// @param prices [gridBuy, feedIn, bandBps].
    /// @param totals [S, A, B, U].
    /// @return energy p × (q − max(a, c)), paid by the buyer to the seller.
    /// @return sellerComp max(0, gridBuy − p) per Wh of max(0, (a − c) − band·q), seller to buyer.
    /// @return buyerComp max(0, p − feedIn) per Wh of max(0, (c − a) − band·q), buyer to seller.
    /// Every division rounds down, so the payer keeps the remainder.
    function matchFlows(
        uint256 q,
        uint256 p,
        uint256[3] memory prices,
        uint256[4] memory totals
    ) internal pure returns (uint256 energy, uint256 sellerComp, uint256 buyerComp) {
        uint256 aB = totals[1] * totals[2]; // a ≥ c ⇔ A·B ≥ U·S
        uint256 uS = totals[3] * totals[0];
        energy =
            aB >= uS
                ? Math.mulDiv(p * q, totals[0] - totals[1], totals[0])
                : Math.mulDiv(p * q, totals[2] - totals[3], totals[2]);
        if (aB > uS) {
            if (prices[0] > p)
                sellerComp = _excess((prices[0] - p) * q, aB - uS, prices[2], totals);
        } else if (uS > aB) {
            if (p > prices[1]) buyerComp = _excess((p - prices[1]) * q, uS - aB, prices[2], totals);
        }
    }

    /// @dev floor(rateTimesQ × max(0, gap·10^4 − band·S·B) / (S·B·10^4)), where gap/(S·B) = |a − c|/q.
    function _excess(
        uint256 rateTimesQ,
        uint256 gap,
        uint256 bandBps,
        uint256[4] memory totals
    ) private pure returns (uint256) {
        uint256 sb = totals[0] * totals[2];
        uint256 scaled = gap * BPS;
        uint256 tolerance = bandBps * sb;
        if (scaled <= tolerance) return 0;
        return Math.mulDiv(rateTimesQ, scaled - tolerance, sb * BPS);
    }
}
