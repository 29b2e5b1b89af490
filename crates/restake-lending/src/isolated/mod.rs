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

use crate::exact::ExactSum;
use crate::irm::{Compounding, KinkedIrm, utilisation};
use crate::{
    LendingError, LiquidationOutcome, WithdrawLimit, WithdrawOutcome, check_amount, check_closed, check_dt, check_open,
    check_price, check_request, first_issue, push_issue,
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
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IsolatedParams {
    /// Liquidation loan-to-value, in (0, 1).
    pub lltv: f64,
    pub irm: KinkedIrm,
    /// Share of interest paid to the fee recipient, in [0, 0.25] (Morpho `MAX_FEE`).
    pub fee: f64,
    /// How the borrow rate compounds over a step (Morpho: `Taylor3`).
    pub borrow_compounding: Compounding,
}

impl IsolatedParams {
    /// The first of [`IsolatedParams::issues`], or `Ok`.
    pub fn validate(&self) -> Result<(), LendingError> {
        first_issue(self.issues())
    }

    /// Every problem with the parameters: `lltv`, `fee`, then `irm.*`.
    pub fn issues(&self) -> Vec<LendingError> {
        let mut out = Vec::new();
        push_issue(&mut out, check_open("lltv", self.lltv, 0.0, 1.0, "in (0, 1)"));
        push_issue(&mut out, check_closed("fee", self.fee, 0.0, MAX_FEE, "in [0, 0.25]"));
        self.irm.issues_at("irm", &mut out);
        out
    }
}

/// Interest accrued by one call to `accrue`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
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
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LiquidationRequest {
    /// Repay this much debt (loan-asset units); seize the corresponding collateral.
    Repay(f64),
    /// Seize this much collateral; repay the corresponding debt.
    Seize(f64),
    /// As much as possible: the whole debt, or all the collateral if it is worth less.
    Max,
}

/// Market totals. Positions are held by the caller.
#[derive(Debug, Clone, PartialEq)]
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
    /// Exact sums behind `total_supply_shares`, `total_borrow_shares` and `total_collateral`
    /// (their f64 views): the totals equal the positions exactly (see [`ExactSum`]).
    supply_share_sum: ExactSum,
    borrow_share_sum: ExactSum,
    collateral_sum: ExactSum,
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
            supply_share_sum: ExactSum::default(),
            borrow_share_sum: ExactSum::default(),
            collateral_sum: ExactSum::default(),
            bad_debt_realised: 0.0,
        })
    }

    // ---- totals ----

    /// A supplier's shares went from `old` to `new`.
    fn move_supply_shares(&mut self, old: f64, new: f64) {
        self.supply_share_sum.replace(old, new);
        self.total_supply_shares = self.supply_share_sum.value();
    }

    /// A position's borrow shares went from `old` to `new`.
    fn move_borrow_shares(&mut self, old: f64, new: f64) {
        self.borrow_share_sum.replace(old, new);
        self.total_borrow_shares = self.borrow_share_sum.value();
    }

    /// A position's collateral went from `old` to `new`.
    fn move_collateral(&mut self, old: f64, new: f64) {
        self.collateral_sum.replace(old, new);
        self.total_collateral = self.collateral_sum.value();
    }

    /// The exact sums of (supply shares incl. the fee recipient's, borrow shares, collateral).
    pub fn exact_totals(&self) -> (ExactSum, ExactSum, ExactSum) {
        (self.supply_share_sum, self.borrow_share_sum, self.collateral_sum)
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
        if self.total_supply_shares > 0.0 && self.total_supply_assets <= 0.0 {
            return Err(LendingError::SupplyWipedOut);
        }
        Ok(self.mint_supply(supply_shares, assets))
    }

    /// Mints the supply shares of `assets` at the current share price (1:1 for the first
    /// supplier, or once all shares are gone: residual assets accrue to the new shares).
    fn mint_supply(&mut self, supply_shares: &mut f64, assets: f64) -> f64 {
        let shares = if self.total_supply_shares > 0.0 && self.total_supply_assets > 0.0 {
            assets * self.total_supply_shares / self.total_supply_assets
        } else {
            assets
        };
        let old = *supply_shares;
        *supply_shares += shares;
        self.move_supply_shares(old, *supply_shares);
        self.total_supply_assets += assets;
        shares
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
            let old = *supply_shares;
            *supply_shares -= shares;
            self.move_supply_shares(old, *supply_shares);
            self.total_supply_assets = (self.total_supply_assets - withdrawn).max(0.0);
        }
        Ok(WithdrawOutcome { withdrawn, unfilled: wanted - withdrawn, limited_by })
    }

    // ---- the state at the start ----

    /// Supply `assets` as part of the state a run starts from: the arithmetic of
    /// [`IsolatedMarket::supply`] without its checks (the caller's amounts are validated and
    /// non-negative, and nothing has been wiped out yet).
    pub fn genesis_supply(&mut self, supply_shares: &mut f64, assets: f64) {
        self.mint_supply(supply_shares, assets);
    }

    /// Open a position as part of the state a run starts from: deposit `collateral_amount` and
    /// borrow `debt` (the arithmetic of `supply_collateral` and `borrow`, without the health and
    /// liquidity checks: the start state is given).
    pub fn genesis_position(
        &mut self,
        collateral: &mut f64,
        borrow_shares: &mut f64,
        collateral_amount: f64,
        debt: f64,
    ) {
        let old = *collateral;
        *collateral += collateral_amount;
        self.move_collateral(old, *collateral);
        let shares = debt / self.borrow_index;
        let old = *borrow_shares;
        *borrow_shares += shares;
        self.move_borrow_shares(old, *borrow_shares);
    }

    // ---- collateral and borrowing ----

    pub fn supply_collateral(&mut self, collateral: &mut f64, amount: f64) -> Result<(), LendingError> {
        check_amount("collateral amount", amount)?;
        let old = *collateral;
        *collateral += amount;
        self.move_collateral(old, *collateral);
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
        let old = *collateral;
        *collateral = left;
        self.move_collateral(old, left);
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
        let old = *collateral;
        if amount >= *collateral {
            *collateral = 0.0;
        } else {
            *collateral -= amount;
        }
        self.move_collateral(old, *collateral);
        amount
    }

    /// Takes a position's collateral and books its whole debt as bad debt (Morpho's bad-debt
    /// realisation, for a position whose collateral turned out worthless). Returns (collateral
    /// taken, bad debt).
    pub fn forfeit(&mut self, collateral: &mut f64, borrow_shares: &mut f64) -> (f64, f64) {
        let taken = self.release_collateral(collateral, f64::INFINITY);
        let bad = self.debt_of(*borrow_shares);
        if *borrow_shares > 0.0 {
            self.move_borrow_shares(*borrow_shares, 0.0);
            *borrow_shares = 0.0;
            self.total_supply_assets = (self.total_supply_assets - bad).max(0.0);
            self.bad_debt_realised += bad;
        }
        (taken, bad)
    }

    /// `assets` given to the suppliers (a bail-out or funds an attacker returned): supply assets
    /// grow, shares do not, so every supplier's claim is worth more. Returns what was taken in.
    pub fn donate(&mut self, assets: f64) -> f64 {
        if !(assets > 0.0 && assets.is_finite()) {
            return 0.0;
        }
        self.total_supply_assets += assets;
        assets
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
        let old = *borrow_shares;
        *borrow_shares += shares;
        self.move_borrow_shares(old, *borrow_shares);
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
        let old = *borrow_shares;
        *borrow_shares -= shares;
        self.move_borrow_shares(old, *borrow_shares);
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
            let old = self.fee_shares;
            self.fee_shares += shares;
            self.move_supply_shares(old, self.fee_shares);
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
        let old = *collateral;
        if out.seized >= *collateral {
            *collateral = 0.0;
        } else {
            *collateral -= out.seized;
        }
        self.move_collateral(old, *collateral);
        if *collateral == 0.0 && *borrow_shares > 0.0 {
            // Morpho: badDebt = remaining shares' assets; both totals fall by it.
            let bad = self.debt_of(*borrow_shares);
            self.move_borrow_shares(*borrow_shares, 0.0);
            *borrow_shares = 0.0;
            self.total_supply_assets = (self.total_supply_assets - bad).max(0.0);
            self.bad_debt_realised += bad;
            return Ok(LiquidationOutcome { bad_debt: bad, ..out });
        }
        Ok(LiquidationOutcome { bad_debt: 0.0, ..out })
    }
}

#[cfg(test)]
mod tests;
