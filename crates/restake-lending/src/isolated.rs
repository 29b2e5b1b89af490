//! Isolated, Morpho-Blue-like market: one collateral asset, one loan asset, an LLTV.
//!
//! Mirrors `morpho-org/morpho-blue` `src/Morpho.sol` (`supply`, `withdraw`, `borrow`, `repay`,
//! `withdrawCollateral`, `liquidate`, `_accrueInterest`, `_isHealthy`) in f64:
//!
//! * healthy iff `collateral * price * LLTV >= debt` (`_isHealthy`: `maxBorrow >= borrowed`), and a
//!   position is liquidatable iff it is not healthy; there is no close factor;
//! * liquidation incentive factor `LIF = min(1.15, 1 / (1 - 0.3 (1 - LLTV)))`
//!   (`MAX_LIQUIDATION_INCENTIVE_FACTOR`, `LIQUIDATION_CURSOR` in `ConstantsLib.sol`);
//!   `seized = repaid * LIF / price`, or `repaid = seized * price / LIF`;
//! * when a liquidation leaves the position with zero collateral, its remaining debt is bad debt:
//!   removed from total borrow *and* total supply assets, so every supplier's shares lose value
//!   pro rata (socialised), in the same call;
//! * interest: `interest = totalBorrowAssets * wTaylorCompounded(rate, elapsed)`, added to both total
//!   borrow and total supply assets; a fee share of it is minted to the fee recipient as supply
//!   shares.
//!
//! Differences, chosen for a simulator:
//! * Positions are not stored here. Callers hold them as plain scalars (collateral and borrow
//!   shares; supply shares) and pass `&mut f64`, so a million positions can live as
//!   struct-of-arrays elsewhere. Consequently the market cannot check that the scalars it is handed
//!   belong to it; callers must keep each market's positions separate.
//! * Debt is scaled by an explicit cumulative borrow index (`debt = shares * index`) instead of
//!   Morpho's `totalBorrowAssets / totalBorrowShares` ratio with virtual shares. The two are
//!   equivalent (bad debt removes assets and shares at the same ratio, so the index is unchanged),
//!   and the explicit index makes `total borrow assets == sum of position debts` hold by
//!   construction, up to float summation.
//! * Requests beyond what is possible are capped rather than reverting: repaying more than the debt
//!   repays the debt; a liquidation asking for more than the position has takes what there is.
//!   Borrowing beyond the LLTV or the liquidity is an error (the agent must ask for less; see
//!   [`IsolatedMarket::max_borrow`]).
//! * Withdrawals are limited by liquidity and report the unfilled part instead of reverting, so a
//!   lender run can queue the rest.
//! * The IRM is the kinked [`KinkedIrm`], not Morpho's AdaptiveCurveIrm (whose curve moves over
//!   time toward 90% target utilisation).
//! * `price` is the collateral price in loan-asset units (Morpho's oracle price without the 1e36
//!   scale).

use serde::{Deserialize, Serialize};

use crate::irm::{Compounding, KinkedIrm, utilisation};
use crate::{
    LendingError, LiquidationOutcome, WithdrawLimit, WithdrawOutcome, check_amount, check_closed, check_dt, check_open,
    check_price, check_request,
};

/// Morpho Blue `LIQUIDATION_CURSOR` (0.3e18).
pub const LIQUIDATION_CURSOR: f64 = 0.3;
/// Morpho Blue `MAX_LIQUIDATION_INCENTIVE_FACTOR` (1.15e18).
pub const MAX_LIQUIDATION_INCENTIVE_FACTOR: f64 = 1.15;
/// Morpho Blue `MAX_FEE` (0.25e18): the largest share of interest a market may take as fee.
pub const MAX_FEE: f64 = 0.25;

/// `min(1.15, 1 / (1 - 0.3 (1 - lltv)))`, as in `Morpho.liquidate`.
#[inline]
pub fn liquidation_incentive_factor(lltv: f64) -> f64 {
    MAX_LIQUIDATION_INCENTIVE_FACTOR.min(1.0 / (1.0 - LIQUIDATION_CURSOR * (1.0 - lltv)))
}

/// Parameters of an isolated market.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IsolatedParams {
    /// Liquidation loan-to-value, in (0, 1).
    pub lltv: f64,
    pub irm: KinkedIrm,
    /// Share of interest paid to the fee recipient, in [0, 0.25] (Morpho `MAX_FEE`).
    #[serde(default)]
    pub fee: f64,
    /// How the borrow rate compounds over a step (Morpho: `Taylor3`).
    #[serde(default)]
    pub borrow_compounding: Compounding,
}

impl IsolatedParams {
    pub fn validate(&self) -> Result<(), LendingError> {
        check_open("lltv", self.lltv, 0.0, 1.0, "in (0, 1)")?;
        check_closed("fee", self.fee, 0.0, MAX_FEE, "in [0, 0.25]")?;
        self.irm.validate_at("irm")
    }
}

/// Interest accrued by one call to `accrue`.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct AccrualOutcome {
    /// Interest added to total borrow (and total supply) assets.
    pub interest: f64,
    /// Part of `interest` that went to the fee recipient.
    pub fee: f64,
    /// Annual borrow rate used.
    pub borrow_rate: f64,
    /// Utilisation the rate was computed from.
    pub utilisation: f64,
}

/// What a liquidator asks for.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LiquidationRequest {
    /// Repay this much debt (loan-asset units); seize the corresponding collateral.
    Repay(f64),
    /// Seize this much collateral; repay the corresponding debt.
    Seize(f64),
    /// As much as possible: the whole debt, or all the collateral if it is worth less.
    Max,
}

/// Market totals. Positions are held by the caller.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IsolatedMarket {
    params: IsolatedParams,
    lif: f64,
    total_supply_assets: f64,
    total_supply_shares: f64,
    total_borrow_shares: f64,
    borrow_index: f64,
    total_collateral: f64,
    /// Supply shares owned by the fee recipient.
    fee_shares: f64,
    /// Cumulative bad debt socialised to suppliers.
    bad_debt_realised: f64,
}

impl IsolatedMarket {
    pub fn new(params: IsolatedParams) -> Result<Self, LendingError> {
        params.validate()?;
        Ok(IsolatedMarket {
            lif: liquidation_incentive_factor(params.lltv),
            params,
            total_supply_assets: 0.0,
            total_supply_shares: 0.0,
            total_borrow_shares: 0.0,
            borrow_index: 1.0,
            total_collateral: 0.0,
            fee_shares: 0.0,
            bad_debt_realised: 0.0,
        })
    }

    // ---- views ----

    pub fn params(&self) -> &IsolatedParams {
        &self.params
    }
    /// The liquidation incentive factor of this market's LLTV.
    pub fn lif(&self) -> f64 {
        self.lif
    }
    pub fn total_supply_assets(&self) -> f64 {
        self.total_supply_assets
    }
    pub fn total_supply_shares(&self) -> f64 {
        self.total_supply_shares
    }
    pub fn total_borrow_shares(&self) -> f64 {
        self.total_borrow_shares
    }
    pub fn borrow_index(&self) -> f64 {
        self.borrow_index
    }
    /// `total borrow shares * borrow index`.
    pub fn total_borrow_assets(&self) -> f64 {
        self.total_borrow_shares * self.borrow_index
    }
    /// Collateral deposited through this market's methods.
    pub fn total_collateral(&self) -> f64 {
        self.total_collateral
    }
    /// Idle loan assets: `supply - borrow`, floored at 0.
    pub fn liquidity(&self) -> f64 {
        (self.total_supply_assets - self.total_borrow_assets()).max(0.0)
    }
    pub fn utilisation(&self) -> f64 {
        utilisation(self.total_borrow_assets(), self.total_supply_assets)
    }
    pub fn borrow_rate(&self) -> f64 {
        self.params.irm.borrow_rate(self.utilisation())
    }
    /// Annual rate earned by suppliers: `borrow * u * (1 - fee)`.
    pub fn supply_rate(&self) -> f64 {
        self.params.irm.supply_rate(self.utilisation(), self.params.fee)
    }
    pub fn fee_shares(&self) -> f64 {
        self.fee_shares
    }
    /// Cumulative bad debt socialised to suppliers.
    pub fn bad_debt_realised(&self) -> f64 {
        self.bad_debt_realised
    }
    /// Debt of a position holding `borrow_shares`.
    #[inline]
    pub fn debt_of(&self, borrow_shares: f64) -> f64 {
        borrow_shares * self.borrow_index
    }
    /// Loan assets owed to a supplier holding `supply_shares`.
    #[inline]
    pub fn supply_assets_of(&self, supply_shares: f64) -> f64 {
        if self.total_supply_shares > 0.0 {
            supply_shares * self.total_supply_assets / self.total_supply_shares
        } else {
            0.0
        }
    }

    /// `collateral * price * LLTV >= debt` (Morpho `_isHealthy`). A position without debt is healthy.
    #[inline]
    pub fn is_healthy(&self, collateral: f64, borrow_shares: f64, price: f64) -> bool {
        borrow_shares <= 0.0 || collateral * price * self.params.lltv >= self.debt_of(borrow_shares)
    }

    /// Not healthy, i.e. open to liquidation.
    #[inline]
    pub fn is_liquidatable(&self, collateral: f64, borrow_shares: f64, price: f64) -> bool {
        !self.is_healthy(collateral, borrow_shares, price)
    }

    /// `collateral * price * LLTV / debt` (Morpho's health factor); `+inf` without debt.
    #[inline]
    pub fn health_factor(&self, collateral: f64, borrow_shares: f64, price: f64) -> f64 {
        let debt = self.debt_of(borrow_shares);
        if debt <= 0.0 { f64::INFINITY } else { collateral * price * self.params.lltv / debt }
    }

    /// Most that a position could borrow now: its LLTV headroom, capped by liquidity.
    pub fn max_borrow(&self, collateral: f64, borrow_shares: f64, price: f64) -> f64 {
        let headroom = collateral * price * self.params.lltv - self.debt_of(borrow_shares);
        headroom.min(self.liquidity()).max(0.0)
    }

    /// Indices of liquidatable positions, in index order, appended to `out` (cleared first).
    /// Sequential; callers wanting parallelism can call it on chunks and concatenate in order.
    pub fn scan_liquidatable(&self, collateral: &[f64], borrow_shares: &[f64], price: f64, out: &mut Vec<usize>) {
        out.clear();
        for (i, (&c, &s)) in collateral.iter().zip(borrow_shares).enumerate() {
            if self.is_liquidatable(c, s, price) {
                out.push(i);
            }
        }
    }

    // ---- supply side ----

    /// Deposit `assets`; returns the supply shares minted (added to `*supply_shares`).
    pub fn supply(&mut self, supply_shares: &mut f64, assets: f64) -> Result<f64, LendingError> {
        check_amount("supply assets", assets)?;
        let shares = if self.total_supply_shares > 0.0 {
            if self.total_supply_assets <= 0.0 {
                return Err(LendingError::SupplyWipedOut);
            }
            assets * self.total_supply_shares / self.total_supply_assets
        } else {
            // First supplier (or all shares gone): 1:1. Any residual assets accrue to the new shares.
            assets
        };
        *supply_shares += shares;
        self.total_supply_shares += shares;
        self.total_supply_assets += assets;
        Ok(shares)
    }

    /// Withdraw up to `assets` (`f64::INFINITY` = everything) from a supplier holding
    /// `*supply_shares`, limited by the supplier's balance and the market's liquidity.
    pub fn withdraw(&mut self, supply_shares: &mut f64, assets: f64) -> Result<WithdrawOutcome, LendingError> {
        check_request("withdraw assets", assets)?;
        let balance = self.supply_assets_of(*supply_shares);
        let wanted = assets.min(balance);
        let withdrawn = wanted.min(self.liquidity());
        let limited_by = if withdrawn < wanted {
            WithdrawLimit::Liquidity
        } else if assets > balance {
            WithdrawLimit::Balance
        } else {
            WithdrawLimit::None
        };
        if withdrawn > 0.0 {
            let shares = if withdrawn >= balance {
                *supply_shares
            } else {
                (withdrawn * self.total_supply_shares / self.total_supply_assets).min(*supply_shares)
            };
            *supply_shares -= shares;
            self.total_supply_shares = (self.total_supply_shares - shares).max(0.0);
            self.total_supply_assets = (self.total_supply_assets - withdrawn).max(0.0);
        }
        Ok(WithdrawOutcome { withdrawn, unfilled: wanted - withdrawn, limited_by })
    }

    // ---- collateral and borrowing ----

    pub fn supply_collateral(&mut self, collateral: &mut f64, amount: f64) -> Result<(), LendingError> {
        check_amount("collateral amount", amount)?;
        *collateral += amount;
        self.total_collateral += amount;
        Ok(())
    }

    /// Withdraw collateral; the position must stay healthy (Morpho `withdrawCollateral`).
    pub fn withdraw_collateral(
        &mut self,
        collateral: &mut f64,
        borrow_shares: f64,
        amount: f64,
        price: f64,
    ) -> Result<(), LendingError> {
        check_amount("collateral amount", amount)?;
        check_price("collateral", price)?;
        if amount > *collateral {
            return Err(LendingError::InvalidAmount {
                what: "collateral withdrawal",
                allowed: "<= the position's collateral",
                got: amount,
            });
        }
        let left = *collateral - amount;
        if !self.is_healthy(left, borrow_shares, price) {
            return Err(LendingError::InsufficientCollateral {
                debt_after: self.debt_of(borrow_shares),
                limit: left * price * self.params.lltv,
            });
        }
        *collateral = left;
        self.total_collateral = (self.total_collateral - amount).max(0.0);
        Ok(())
    }

    /// Remove collateral *without* the health check of [`IsolatedMarket::withdraw_collateral`].
    ///
    /// For a caller that models an atomic flash-loan deleverage (borrow, repay, withdraw, swap,
    /// return in one transaction on chain) and has already repaid the debt that makes the
    /// withdrawal safe. Clamped to the position's collateral; NaN or negative amounts release
    /// nothing. Returns the amount released. Keeps `total_collateral` in step with the positions.
    pub fn release_collateral(&mut self, collateral: &mut f64, amount: f64) -> f64 {
        let amount = if amount > 0.0 { amount.min(*collateral) } else { 0.0 };
        if amount >= *collateral {
            self.total_collateral = (self.total_collateral - *collateral).max(0.0);
            *collateral = 0.0;
        } else {
            *collateral -= amount;
            self.total_collateral = (self.total_collateral - amount).max(0.0);
        }
        amount
    }

    /// Borrow `assets`; returns the borrow shares minted. Fails if the position would be unhealthy
    /// or the market lacks liquidity (Morpho reverts in both cases).
    pub fn borrow(
        &mut self,
        collateral: f64,
        borrow_shares: &mut f64,
        assets: f64,
        price: f64,
    ) -> Result<f64, LendingError> {
        check_amount("borrow assets", assets)?;
        check_price("collateral", price)?;
        let debt_after = self.debt_of(*borrow_shares) + assets;
        let limit = collateral * price * self.params.lltv;
        if debt_after > limit {
            return Err(LendingError::InsufficientCollateral { debt_after, limit });
        }
        let available = self.liquidity();
        if assets > available {
            return Err(LendingError::InsufficientLiquidity { requested: assets, available });
        }
        let shares = assets / self.borrow_index;
        *borrow_shares += shares;
        self.total_borrow_shares += shares;
        Ok(shares)
    }

    /// Repay up to `assets` (`f64::INFINITY` = all) of a position's debt; returns the amount repaid.
    pub fn repay(&mut self, borrow_shares: &mut f64, assets: f64) -> Result<f64, LendingError> {
        check_request("repay assets", assets)?;
        let debt = self.debt_of(*borrow_shares);
        let repaid = assets.min(debt);
        self.burn_debt(borrow_shares, repaid, debt);
        Ok(repaid)
    }

    /// Remove `amount` of a position's debt (`debt` is its current debt): exactly all shares when the
    /// whole debt goes, so no dust shares survive a full repayment.
    fn burn_debt(&mut self, borrow_shares: &mut f64, amount: f64, debt: f64) {
        let shares = if amount >= debt { *borrow_shares } else { (amount / self.borrow_index).min(*borrow_shares) };
        *borrow_shares -= shares;
        self.total_borrow_shares = (self.total_borrow_shares - shares).max(0.0);
    }

    // ---- interest ----

    /// Accrue interest over `dt_years` at the borrow rate of the current utilisation
    /// (Morpho `_accrueInterest`): O(1), via the borrow index.
    pub fn accrue(&mut self, dt_years: f64) -> Result<AccrualOutcome, LendingError> {
        check_dt(dt_years)?;
        let u = self.utilisation();
        let rate = self.params.irm.borrow_rate(u);
        let borrow_before = self.total_borrow_assets();
        if borrow_before <= 0.0 || dt_years == 0.0 {
            return Ok(AccrualOutcome { interest: 0.0, fee: 0.0, borrow_rate: rate, utilisation: u });
        }
        let growth = self.params.borrow_compounding.growth_factor(rate, dt_years);
        self.borrow_index *= growth;
        let interest = self.total_borrow_assets() - borrow_before;
        self.total_supply_assets += interest;
        let mut fee = 0.0;
        if self.params.fee > 0.0 && interest > 0.0 {
            fee = interest * self.params.fee;
            // As Morpho: total supply already includes the fee, so price the new shares against
            // the supply without it.
            let base = self.total_supply_assets - fee;
            let shares =
                if self.total_supply_shares > 0.0 && base > 0.0 { fee * self.total_supply_shares / base } else { fee };
            self.fee_shares += shares;
            self.total_supply_shares += shares;
        }
        Ok(AccrualOutcome { interest, fee, borrow_rate: rate, utilisation: u })
    }

    // ---- liquidation ----

    /// What `liquidate` would do, without doing it.
    pub fn preview_liquidation(
        &self,
        collateral: f64,
        borrow_shares: f64,
        price: f64,
        request: LiquidationRequest,
    ) -> Result<LiquidationOutcome, LendingError> {
        check_price("collateral", price)?;
        match request {
            LiquidationRequest::Repay(x) => check_request("liquidation repay amount", x)?,
            LiquidationRequest::Seize(x) => check_request("liquidation seize amount", x)?,
            LiquidationRequest::Max => {}
        }
        let health_factor_before = self.health_factor(collateral, borrow_shares, price);
        if self.is_healthy(collateral, borrow_shares, price) {
            return Err(LendingError::HealthyPosition { health_factor: health_factor_before });
        }
        let debt = self.debt_of(borrow_shares);
        let lif = self.lif;
        let (mut repaid, mut seized) = match request {
            LiquidationRequest::Seize(s) => (s * price / lif, s),
            LiquidationRequest::Repay(r) => (r, r * lif / price),
            LiquidationRequest::Max => (debt, debt * lif / price),
        };
        // Cap at the position's debt, then at its collateral (repaid recomputed from what is seized).
        if repaid > debt {
            repaid = debt;
            seized = debt * lif / price;
        }
        if seized >= collateral {
            seized = collateral;
            repaid = repaid.min(collateral * price / lif);
        }
        let bad_debt = if seized >= collateral { (debt - repaid).max(0.0) } else { 0.0 };
        Ok(LiquidationOutcome {
            repaid,
            seized,
            liquidator_seized: seized,
            protocol_fee: 0.0,
            bad_debt,
            health_factor_before,
        })
    }

    /// Liquidate an unhealthy position (Morpho `liquidate`). The liquidator pays `repaid` loan
    /// assets and receives `seized` collateral. If the position is left without collateral, its
    /// remaining debt is written off against total supply assets (bad debt socialised to suppliers).
    pub fn liquidate(
        &mut self,
        collateral: &mut f64,
        borrow_shares: &mut f64,
        price: f64,
        request: LiquidationRequest,
    ) -> Result<LiquidationOutcome, LendingError> {
        let out = self.preview_liquidation(*collateral, *borrow_shares, price, request)?;
        let debt = self.debt_of(*borrow_shares);
        self.burn_debt(borrow_shares, out.repaid, debt);
        if out.seized >= *collateral {
            self.total_collateral = (self.total_collateral - *collateral).max(0.0);
            *collateral = 0.0;
        } else {
            *collateral -= out.seized;
            self.total_collateral = (self.total_collateral - out.seized).max(0.0);
        }
        if *collateral == 0.0 && *borrow_shares > 0.0 {
            // Morpho: badDebt = remaining shares' assets; both totals fall by it.
            let bad = self.debt_of(*borrow_shares);
            self.total_borrow_shares = (self.total_borrow_shares - *borrow_shares).max(0.0);
            *borrow_shares = 0.0;
            self.total_supply_assets = (self.total_supply_assets - bad).max(0.0);
            self.bad_debt_realised += bad;
            return Ok(LiquidationOutcome { bad_debt: bad, ..out });
        }
        Ok(LiquidationOutcome { bad_debt: 0.0, ..out })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn irm() -> KinkedIrm {
        KinkedIrm { base_rate: 0.0, slope1: 0.04, slope2: 0.60, optimal_utilisation: 0.90 }
    }

    fn market(lltv: f64) -> IsolatedMarket {
        IsolatedMarket::new(IsolatedParams { lltv, irm: irm(), fee: 0.0, borrow_compounding: Compounding::Taylor3 })
            .unwrap()
    }

    fn round4(x: f64) -> f64 {
        (x * 1e4).round() / 1e4
    }

    /// Source: Morpho docs, "Liquidation" (docs.morpho.org/learn/concepts/liquidation), LIF table;
    /// formula from `Morpho.liquidate`.
    #[test]
    fn incentive_table() {
        for (lltv, lif) in [
            (0.86, 1.0438),
            (0.77, 1.0741),
            (0.945, 1.0168),
            (0.625, 1.1268),
            (0.80, 1.0638),
            (0.915, 1.0262),
            (0.965, 1.0106),
        ] {
            assert_eq!(round4(liquidation_incentive_factor(lltv)), lif, "lltv {lltv}");
        }
        // 1/(1 - 0.3 * 0.5) = 1.1765 > 1.15: capped. The cap binds below LLTV = 1 - (1 - 1/1.15)/0.3.
        assert_eq!(liquidation_incentive_factor(0.5), 1.15);
        assert_eq!(liquidation_incentive_factor(0.3), 1.15);
        let boundary = 1.0 - (1.0 - 1.0 / 1.15) / 0.3; // ~0.5652
        assert!(liquidation_incentive_factor(boundary + 1e-6) < 1.15);
    }

    #[test]
    fn validate_messages() {
        let p = IsolatedParams { lltv: 1.2, irm: irm(), fee: 0.0, borrow_compounding: Compounding::Taylor3 };
        assert_eq!(p.validate().unwrap_err().to_string(), "lltv must be in (0, 1), got 1.2");
        let p = IsolatedParams { lltv: 0.86, fee: 0.3, ..p };
        assert_eq!(p.validate().unwrap_err().to_string(), "fee must be in [0, 0.25], got 0.3");
        assert!(IsolatedMarket::new(p).is_err());
    }

    /// A market with 100 supplied, one position with 10 collateral and 8 debt at LLTV 0.86.
    fn setup() -> (IsolatedMarket, f64, f64, f64) {
        let mut m = market(0.86);
        let mut lender = 0.0;
        m.supply(&mut lender, 100.0).unwrap();
        let (mut c, mut s) = (0.0, 0.0);
        m.supply_collateral(&mut c, 10.0).unwrap();
        m.borrow(c, &mut s, 8.0, 1.0).unwrap();
        (m, lender, c, s)
    }

    #[test]
    fn health_and_borrow_limits() {
        let (mut m, _lender, c, mut s) = setup();
        assert!(m.is_healthy(c, s, 1.0));
        assert!((m.health_factor(c, s, 1.0) - 10.0 * 0.86 / 8.0).abs() < 1e-15);
        // Max borrow: 8.6 - 8 = 0.6 (floating).
        assert!((m.max_borrow(c, s, 1.0) - 0.6).abs() < 1e-12);
        assert!(matches!(m.borrow(c, &mut s, 0.7, 1.0), Err(LendingError::InsufficientCollateral { .. })));
        // Exactly at the limit is healthy: collateral * price * LLTV >= debt.
        // price 0.930232558.. makes 10 * p * 0.86 == 8 up to rounding; check both sides of it.
        assert!(m.is_healthy(c, s, 8.0 / 8.6 + 1e-12));
        assert!(m.is_liquidatable(c, s, 8.0 / 8.6 - 1e-12));
        // Liquidity limit.
        let mut c2 = 0.0;
        let mut s2 = 0.0;
        m.supply_collateral(&mut c2, 1000.0).unwrap();
        assert!(matches!(m.borrow(c2, &mut s2, 93.0, 1.0), Err(LendingError::InsufficientLiquidity { .. })));
        m.borrow(c2, &mut s2, 92.0, 1.0).unwrap();
        assert_eq!(m.liquidity(), 0.0);
    }

    #[test]
    fn withdraw_limited_by_liquidity() {
        let (mut m, mut lender, _c, _s) = setup();
        // 100 supplied, 8 borrowed: 92 idle.
        let w = m.withdraw(&mut lender, 95.0).unwrap();
        assert_eq!(w.withdrawn, 92.0);
        assert_eq!(w.unfilled, 3.0);
        assert_eq!(w.limited_by, WithdrawLimit::Liquidity);
        assert!((m.supply_assets_of(lender) - 8.0).abs() < 1e-12);
        assert_eq!(m.utilisation(), 1.0);
    }

    #[test]
    fn healthy_position_cannot_be_liquidated() {
        let (mut m, _l, mut c, mut s) = setup();
        let e = m.liquidate(&mut c, &mut s, 1.0, LiquidationRequest::Max).unwrap_err();
        assert!(matches!(e, LendingError::HealthyPosition { .. }));
    }

    /// Worked example. LLTV 0.86 -> LIF = 1/(1 - 0.3 * 0.14) = 1/0.958. Price falls to 0.9:
    /// 10 * 0.9 * 0.86 = 7.74 < 8 debt. Repay 4: seized = 4 * LIF / 0.9 = 4.6392..; collateral
    /// is left, so no bad debt, and the position is healthy again (HF 1.037).
    #[test]
    fn partial_liquidation_no_bad_debt() {
        let (mut m, lender, mut c, mut s) = setup();
        let lif = 1.0 / 0.958;
        assert!((m.lif() - lif).abs() < 1e-15);
        // Seize form: seizing 1 collateral repays 1 * 0.9 / LIF.
        let o = m.preview_liquidation(c, s, 0.9, LiquidationRequest::Seize(1.0)).unwrap();
        assert!((o.repaid - 0.9 / lif).abs() < 1e-15);
        assert_eq!(o.seized, 1.0);
        let supply_before = m.total_supply_assets();
        let o = m.liquidate(&mut c, &mut s, 0.9, LiquidationRequest::Repay(4.0)).unwrap();
        assert_eq!(o.repaid, 4.0);
        assert!((o.seized - 4.0 * lif / 0.9).abs() < 1e-12);
        assert_eq!(o.liquidator_seized, o.seized);
        assert_eq!(o.bad_debt, 0.0);
        assert!((c - (10.0 - 4.0 * lif / 0.9)).abs() < 1e-12);
        assert!((m.debt_of(s) - 4.0).abs() < 1e-12);
        assert_eq!(m.total_supply_assets(), supply_before);
        assert!((m.supply_assets_of(lender) - 100.0).abs() < 1e-12);
        assert!(m.is_healthy(c, s, 0.9));
    }

    /// Collateral worth less than the debt: Max takes all of it, repays `collateral * price / LIF`,
    /// and the rest is bad debt that comes out of total supply assets (suppliers' shares lose value).
    #[test]
    fn bad_debt_socialised_when_collateral_reaches_zero() {
        let (mut m, lender, mut c, mut s) = setup();
        let lif = m.lif();
        let price = 0.5; // collateral worth 5 against 8 debt
        let o = m.liquidate(&mut c, &mut s, price, LiquidationRequest::Max).unwrap();
        assert_eq!(o.seized, 10.0);
        assert!((o.repaid - 10.0 * price / lif).abs() < 1e-12);
        let expected_bad = 8.0 - 10.0 * price / lif;
        assert!((o.bad_debt - expected_bad).abs() < 1e-12);
        assert_eq!(c, 0.0);
        assert_eq!(s, 0.0);
        assert!(m.total_borrow_assets().abs() < 1e-12);
        assert!((m.total_supply_assets() - (100.0 - expected_bad)).abs() < 1e-12);
        assert!((m.supply_assets_of(lender) - (100.0 - expected_bad)).abs() < 1e-12);
        assert!((m.bad_debt_realised() - expected_bad).abs() < 1e-12);
        assert_eq!(m.total_collateral(), 0.0);
    }

    /// Two steps: the first leaves a sliver of collateral (no bad debt yet), the second takes it
    /// and books the remainder.
    #[test]
    fn bad_debt_not_before_collateral_is_zero() {
        let (mut m, _lender, mut c, mut s) = setup();
        let price = 0.5;
        let o1 = m.liquidate(&mut c, &mut s, price, LiquidationRequest::Seize(9.0)).unwrap();
        assert_eq!(o1.bad_debt, 0.0);
        assert_eq!(c, 1.0);
        assert_eq!(m.total_supply_assets(), 100.0);
        let o2 = m.liquidate(&mut c, &mut s, price, LiquidationRequest::Seize(5.0)).unwrap();
        assert_eq!(o2.seized, 1.0); // capped at the position's collateral
        assert!(o2.bad_debt > 0.0);
        let total_bad = 8.0 - 10.0 * price / m.lif();
        assert!((o2.bad_debt - total_bad).abs() < 1e-12);
        assert!((m.total_supply_assets() - (100.0 - total_bad)).abs() < 1e-12);
    }

    #[test]
    fn repay_more_than_debt_caps() {
        let (mut m, _l, _c, mut s) = setup();
        let r = m.repay(&mut s, f64::INFINITY).unwrap();
        assert_eq!(r, 8.0);
        assert_eq!(s, 0.0);
        assert_eq!(m.total_borrow_shares(), 0.0);
    }

    #[test]
    fn accrual_with_index() {
        let (mut m, lender, _c, s) = setup();
        // u = 8/100 = 0.08 -> rate = 0.04 * 0.08 / 0.9.
        let rate = 0.04 * 0.08 / 0.9;
        let a = m.accrue(1.0).unwrap();
        assert!((a.borrow_rate - rate).abs() < 1e-15);
        let g = 1.0 + rate + rate * rate / 2.0 + rate * rate * rate / 6.0;
        assert!((m.borrow_index() - g).abs() < 1e-15);
        assert!((m.debt_of(s) - 8.0 * g).abs() < 1e-12);
        assert!((a.interest - 8.0 * (g - 1.0)).abs() < 1e-12);
        // All interest goes to suppliers when fee = 0.
        assert!((m.supply_assets_of(lender) - (100.0 + a.interest)).abs() < 1e-12);
    }

    #[test]
    fn fee_shares_minted() {
        let mut m = IsolatedMarket::new(IsolatedParams {
            lltv: 0.86,
            irm: irm(),
            fee: 0.1,
            borrow_compounding: Compounding::Linear,
        })
        .unwrap();
        let mut lender = 0.0;
        m.supply(&mut lender, 100.0).unwrap();
        let (mut c, mut s) = (0.0, 0.0);
        m.supply_collateral(&mut c, 100.0).unwrap();
        m.borrow(c, &mut s, 50.0, 1.0).unwrap();
        let a = m.accrue(1.0).unwrap();
        assert!((a.fee - 0.1 * a.interest).abs() < 1e-15);
        assert!((m.supply_assets_of(m.fee_shares()) - a.fee).abs() < 1e-12);
        assert!((m.supply_assets_of(lender) - (100.0 + 0.9 * a.interest)).abs() < 1e-12);
    }

    #[test]
    fn bad_inputs_are_errors() {
        let (mut m, mut lender, mut c, mut s) = setup();
        assert!(m.supply(&mut lender, f64::NAN).is_err());
        assert!(m.supply(&mut lender, -1.0).is_err());
        assert!(m.borrow(c, &mut s, 1.0, 0.0).is_err());
        assert!(m.liquidate(&mut c, &mut s, f64::NAN, LiquidationRequest::Max).is_err());
        assert!(m.liquidate(&mut c, &mut s, 0.5, LiquidationRequest::Repay(-1.0)).is_err());
        assert!(m.accrue(f64::INFINITY).is_err());
    }

    #[test]
    fn release_collateral_skips_health_check_but_clamps() {
        let (mut m, _l, mut c, s) = setup();
        // Withdrawing 5 of 10 would break the LLTV (5 * 0.86 < 8): refused by withdraw_collateral...
        assert!(m.withdraw_collateral(&mut c, s, 5.0, 1.0).is_err());
        // ...but released when the caller vouches for it.
        assert_eq!(m.release_collateral(&mut c, 5.0), 5.0);
        assert_eq!(c, 5.0);
        assert_eq!(m.total_collateral(), 5.0);
        assert_eq!(m.release_collateral(&mut c, f64::NAN), 0.0);
        assert_eq!(m.release_collateral(&mut c, -1.0), 0.0);
        assert_eq!(m.release_collateral(&mut c, 99.0), 5.0);
        assert_eq!(c, 0.0);
        assert_eq!(m.total_collateral(), 0.0);
    }

    #[test]
    fn scan_finds_unhealthy() {
        let (m, _l, c, s) = setup();
        let coll = [c, 20.0, c];
        let shares = [s, s, 0.0];
        let mut out = Vec::new();
        m.scan_liquidatable(&coll, &shares, 0.9, &mut out);
        assert_eq!(out, vec![0]);
    }
}
