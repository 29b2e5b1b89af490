//! An isolated lending market as the world sees it: the Morpho-Blue-like mechanism from
//! `restake-lending`, its oracle, and its suppliers. Positions live in the population's
//! vectors and are passed in by reference.

use crate::pool::LrtPool;
use crate::scenario::{MarketConfig, OracleConfig};
use crate::world::BuildError;
use restake_lending::isolated::LiquidationRequest;
use restake_lending::{IsolatedMarket, IsolatedParams, KinkedIrm, LendingError, LiquidationOutcome, OracleKind, OracleParams, OracleState};

#[derive(Clone, Debug)]
pub struct Market {
    pub id: String,
    /// Collateral LRT index; the loan asset is ETH.
    pub lrt: usize,
    /// Pool whose price the oracle reads, for pool-spot and TWAP oracles.
    pub oracle_pool: Option<usize>,
    pub lltv: f64,
    pub inner: IsolatedMarket,
    pub oracle: OracleState,
    /// Price the oracle reported this step.
    pub oracle_price: f64,
    /// Supply shares of the lenders (one aggregate supplier).
    pub supplier_shares: f64,
    initial_supply: f64,
}

fn bad(i: usize, field: &str, e: LendingError) -> BuildError {
    BuildError::Invalid(vec![crate::scenario::validate::Issue { path: format!("markets[{i}].{field}"), message: e.to_string() }])
}

impl Market {
    pub fn new(i: usize, cfg: &MarketConfig, lrt: usize, oracle_pool: Option<usize>, dt_seconds: f64) -> Result<Market, BuildError> {
        let irm = KinkedIrm { base_rate: cfg.irm.base_rate, slope1: cfg.irm.slope1, slope2: cfg.irm.slope2, optimal_utilisation: cfg.irm.optimal_utilisation };
        let params = IsolatedParams { lltv: cfg.lltv, irm, fee: cfg.irm.reserve_factor, borrow_compounding: Default::default() };
        let inner = IsolatedMarket::new(params).map_err(|e| bad(i, "irm", e))?;
        let kind = match &cfg.oracle {
            OracleConfig::PoolSpot { .. } => OracleKind::PoolSpot,
            OracleConfig::Twap { window, .. } => OracleKind::Twap { window_steps: (window.seconds() / dt_seconds).round().max(1.0) as usize },
            OracleConfig::ExchangeRate { max_growth_per_year } => OracleKind::ExchangeRate { max_growth_per_year: *max_growth_per_year },
            OracleConfig::Fixed { price } => OracleKind::Fixed(*price),
        };
        let oracle = OracleState::new(OracleParams::new(kind)).map_err(|e| bad(i, "oracle", e))?;
        Ok(Market { id: cfg.id.clone(), lrt, oracle_pool, lltv: cfg.lltv, inner, oracle, oracle_price: f64::NAN, supplier_shares: 0.0, initial_supply: 0.0 })
    }

    /// The oracle price at the start, given the pool price and NAV (primes the oracle).
    pub fn initial_oracle_price(&mut self, pool_price: f64, nav: f64) -> f64 {
        if self.oracle_price.is_nan() {
            self.oracle_price = self.oracle.update(pool_price, nav, 0, 0.0).unwrap_or(pool_price);
        }
        self.oracle_price
    }

    /// Lenders supply `eth` at the start (before positions open).
    pub fn supply_at_start(&mut self, eth: f64) -> Result<(), LendingError> {
        if eth > 0.0 {
            self.inner.supply(&mut self.supplier_shares, eth)?;
            self.initial_supply += eth;
        }
        Ok(())
    }

    /// Opens a looper's position at the start. Returns the borrow shares.
    pub fn open_position(&mut self, collateral: f64, debt: f64) -> Result<f64, LendingError> {
        let mut c = 0.0;
        let mut shares = 0.0;
        self.inner.supply_collateral(&mut c, collateral)?;
        self.inner.borrow(c, &mut shares, debt, self.oracle_price)?;
        Ok(shares)
    }

    pub fn initial_supply(&self) -> f64 {
        self.initial_supply
    }

    pub fn debt(&self, borrow_shares: f64) -> f64 {
        self.inner.debt_of(borrow_shares)
    }

    /// ETH held by the market (supplied and not lent).
    pub fn cash(&self) -> f64 {
        self.inner.liquidity()
    }

    pub fn utilisation(&self) -> f64 {
        self.inner.utilisation()
    }

    pub fn update_oracle(&mut self, spot: f64, nav: f64, step: u64, dt_years: f64) -> Result<(), crate::world::WorldError> {
        self.oracle_price = self.oracle.update(spot, nav, step, dt_years).map_err(|source| crate::world::WorldError::Market { market: self.id.clone(), source })?;
        Ok(())
    }

    /// The price liquidations use in a round: a pool-spot oracle sees the pool as it is now
    /// (including earlier rounds' sales); other oracles report once per step.
    pub fn round_price(&self, pools: &[LrtPool]) -> f64 {
        match (self.oracle.params().kind, self.oracle_pool) {
            (OracleKind::PoolSpot, Some(p)) => pools[p].price(),
            _ => self.oracle_price,
        }
    }

    /// (debt repaid, collateral seized) if a liquidator repays up to `max_repay`.
    pub fn liquidation_amounts(&self, collateral: f64, borrow_shares: f64, max_repay: f64, price: f64) -> (f64, f64) {
        self.inner
            .preview_liquidation(collateral, borrow_shares, price, LiquidationRequest::Repay(max_repay))
            .map_or((0.0, 0.0), |o| (o.repaid, o.seized))
    }

    pub fn liquidate(&mut self, collateral: &mut f64, borrow_shares: &mut f64, repay: f64, price: f64) -> Result<LiquidationOutcome, LendingError> {
        self.inner.liquidate(collateral, borrow_shares, price, LiquidationRequest::Repay(repay))
    }

    /// Writes off the debt of a position with no collateral left (Morpho books it on the next
    /// liquidation call, which anyone can make with zero repayment). Returns the bad debt.
    pub fn realize_bad_debt(&mut self, collateral: &mut f64, borrow_shares: &mut f64, price: f64) -> f64 {
        self.inner.release_collateral(collateral, *collateral);
        self.inner.liquidate(collateral, borrow_shares, price, LiquidationRequest::Max).map_or(0.0, |o| o.bad_debt)
    }

    /// Repays up to `eth` of a position's debt; returns what was used.
    pub fn repay(&mut self, borrow_shares: &mut f64, eth: f64) -> f64 {
        if eth <= 0.0 {
            return 0.0;
        }
        self.inner.repay(borrow_shares, eth).unwrap_or(0.0)
    }

    /// Releases collateral sold in a deleveraging batch. The agent's flash-loan deleverage
    /// (borrow, repay, withdraw, swap, return) is atomic on chain; here the swap clears in the
    /// step's batch first and the proceeds repay debt before this call, so the health check
    /// of `withdrawCollateral` is not repeated.
    pub fn withdraw_collateral(&mut self, collateral: &mut f64, amount: f64) {
        self.inner.release_collateral(collateral, amount);
    }

    pub fn accrue(&mut self, dt_years: f64) {
        // dt is validated positive and finite; accrual cannot fail.
        let _ = self.inner.accrue(dt_years);
    }

    /// Books of the market against the positions the population holds.
    pub fn check_books(&self, sum_debts: f64, sum_collateral: f64) -> Result<(), String> {
        let scale = self.inner.total_supply_assets().max(1.0);
        let borrow = self.inner.total_borrow_assets();
        if (borrow - sum_debts).abs() > 1e-9 * scale {
            return Err(format!("total borrow {borrow} but positions owe {sum_debts}"));
        }
        let coll = self.inner.total_collateral();
        if (coll - sum_collateral).abs() > 1e-9 * coll.max(1.0) {
            return Err(format!("total collateral {coll} but positions hold {sum_collateral}"));
        }
        if self.cash() < -1e-9 * scale {
            return Err(format!("negative cash {}", self.cash()));
        }
        Ok(())
    }
}
