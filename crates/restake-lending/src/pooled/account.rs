//! Accounts and their aggregates (Aave v3 `GenericLogic.sol`, `calculateUserAccountData`): which
//! balances count as collateral, the e-mode overrides of LTV / LT / bonus, the health factor, and
//! the views built on it (liquidatable scan, borrow headroom).

use super::PooledMarket;
use crate::LendingError;

/// One account: scaled supply (aToken) and scaled debt per reserve, optional e-mode category.
/// Allocated once per account with [`PooledMarket::new_account`].
#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    pub supplied_scaled: Vec<f64>,
    pub debt_scaled: Vec<f64>,
    pub emode: Option<usize>,
}

impl Account {
    pub fn new(n_reserves: usize) -> Self {
        Account { supplied_scaled: vec![0.0; n_reserves], debt_scaled: vec![0.0; n_reserves], emode: None }
    }
    pub fn has_debt(&self) -> bool {
        self.debt_scaled.iter().any(|&d| d > 0.0)
    }
}

/// Account aggregates, in ETH.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct AccountData {
    /// Value of balances that count as collateral (reserve LT > 0).
    pub total_collateral: f64,
    pub total_debt: f64,
    /// `sum(collateral * price * LTV)`.
    pub borrow_limit: f64,
    /// `sum(collateral * price * LT)`.
    pub liquidation_limit: f64,
    /// `liquidation_limit / total_debt`, `+inf` without debt.
    pub health_factor: f64,
}

impl PooledMarket {
    /// Actual aToken balance of an account in reserve `r`.
    pub fn supplied(&self, acct: &Account, r: usize) -> f64 {
        match (acct.supplied_scaled.get(r), self.reserves.get(r)) {
            (Some(&s), Some(st)) => s * st.liquidity_index,
            _ => 0.0,
        }
    }

    /// Actual debt of an account in reserve `r`.
    pub fn debt(&self, acct: &Account, r: usize) -> f64 {
        match (acct.debt_scaled.get(r), self.reserves.get(r)) {
            (Some(&s), Some(st)) => s * st.borrow_index,
            _ => 0.0,
        }
    }

    // ---- collateral weights and e-mode lookups ----

    #[inline]
    fn in_emode_collateral(&self, emode: Option<usize>, r: usize) -> bool {
        emode.is_some_and(|e| self.emode_collateral[e * self.reserves.len() + r])
    }

    /// Effective (LTV, LT) of reserve `r` as collateral for an account in `emode`, following
    /// `GenericLogic.calculateUserAccountData`: a reserve counts only if its own LT is non-zero; its
    /// LTV counts only if its own LTV is non-zero; the e-mode values replace both for the category's
    /// collateral assets.
    #[inline]
    pub(super) fn collateral_weights(&self, emode: Option<usize>, r: usize) -> (f64, f64) {
        let p = &self.params.reserves[r];
        if p.liquidation_threshold == 0.0 {
            return (0.0, 0.0);
        }
        if self.in_emode_collateral(emode, r) {
            let cat = &self.params.emodes[emode.unwrap_or(0)];
            (if p.ltv != 0.0 { cat.ltv } else { 0.0 }, cat.liquidation_threshold)
        } else {
            (p.ltv, p.liquidation_threshold)
        }
    }

    /// Effective (LTV, liquidation threshold) of reserve `r` as collateral of an account in
    /// `emode` (0 if the reserve is not collateral); (0, 0) for an unknown reserve.
    pub fn collateral_params(&self, emode: Option<usize>, r: usize) -> (f64, f64) {
        if r >= self.reserves.len() || emode.is_some_and(|e| e >= self.params.emodes.len()) {
            return (0.0, 0.0);
        }
        self.collateral_weights(emode, r)
    }

    /// Effective liquidation bonus when reserve `r` is seized from an account in `emode`.
    pub fn bonus_of(&self, emode: Option<usize>, r: usize) -> f64 {
        if r >= self.reserves.len() || emode.is_some_and(|e| e >= self.params.emodes.len()) {
            return 0.0;
        }
        self.liquidation_bonus(emode, r)
    }

    pub(super) fn liquidation_bonus(&self, emode: Option<usize>, r: usize) -> f64 {
        if self.in_emode_collateral(emode, r) {
            self.params.emodes[emode.unwrap_or(0)].liquidation_bonus
        } else {
            self.params.reserves[r].liquidation_bonus
        }
    }

    // ---- account views ----

    /// Aggregates of an account at `prices` (ETH per unit, one per reserve).
    pub fn account_data(&self, acct: &Account, prices: &[f64]) -> Result<AccountData, LendingError> {
        self.check_account(acct)?;
        self.check_prices(prices)?;
        Ok(self.account_data_unchecked(acct, prices))
    }

    pub(super) fn account_data_unchecked(&self, acct: &Account, prices: &[f64]) -> AccountData {
        let mut d = AccountData::default();
        for (r, st) in self.reserves.iter().enumerate() {
            let sup = acct.supplied_scaled[r];
            if sup > 0.0 {
                let (ltv, lt) = self.collateral_weights(acct.emode, r);
                if lt > 0.0 {
                    let v = sup * st.liquidity_index * prices[r];
                    d.total_collateral += v;
                    d.borrow_limit += v * ltv;
                    d.liquidation_limit += v * lt;
                }
            }
            let debt = acct.debt_scaled[r];
            if debt > 0.0 {
                d.total_debt += debt * st.borrow_index * prices[r];
            }
        }
        d.health_factor = if d.total_debt > 0.0 { d.liquidation_limit / d.total_debt } else { f64::INFINITY };
        d
    }

    pub fn health_factor(&self, acct: &Account, prices: &[f64]) -> Result<f64, LendingError> {
        Ok(self.account_data(acct, prices)?.health_factor)
    }

    /// Indices (in order) of accounts with HF < 1, into `out` (cleared first).
    pub fn scan_liquidatable(
        &self,
        accounts: &[Account],
        prices: &[f64],
        out: &mut Vec<usize>,
    ) -> Result<(), LendingError> {
        self.check_prices(prices)?;
        out.clear();
        for (i, a) in accounts.iter().enumerate() {
            self.check_account(a)?;
            if self.account_data_unchecked(a, prices).health_factor < 1.0 {
                out.push(i);
            }
        }
        Ok(())
    }

    /// Most of reserve `r` the account could borrow now (LTV headroom, cash, borrow cap); 0 if it
    /// may not borrow it at all.
    pub fn max_borrow(&self, acct: &Account, r: usize, prices: &[f64]) -> Result<f64, LendingError> {
        self.check_reserve(r)?;
        let d = self.account_data(acct, prices)?;
        let p = &self.params.reserves[r];
        if !p.borrowing_enabled || !self.borrowable_in_emode(acct.emode, r) || d.health_factor <= 1.0 {
            return Ok(0.0);
        }
        let st = &self.reserves[r];
        let mut m = ((d.borrow_limit - d.total_debt) / prices[r]).min(st.cash);
        if let Some(cap) = p.borrow_cap {
            m = m.min(cap - st.total_debt());
        }
        Ok(m.max(0.0))
    }

    pub(super) fn borrowable_in_emode(&self, emode: Option<usize>, r: usize) -> bool {
        match emode {
            None => true,
            Some(e) => self.emode_borrowable[e * self.reserves.len() + r],
        }
    }
}
