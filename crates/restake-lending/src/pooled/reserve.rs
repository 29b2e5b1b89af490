//! Reserve state and interest (Aave v3 `ReserveLogic.sol`): `_updateIndexes` (linear liquidity
//! index, compounded borrow index), `_accrueToTreasury`, and the rates of
//! `updateInterestRatesAndVirtualBalance` (utilisation from the virtual balance; the deficit enters
//! the supply usage as `unbacked`).

use super::PooledMarket;
use crate::exact::ExactSum;
use crate::irm::utilisation;
use crate::{LendingError, check_dt};

/// Running state of one reserve. Balances are scaled: actual = scaled * index.
#[derive(Debug, Clone, PartialEq)]
pub struct ReserveState {
    /// Idle underlying (Aave's `virtualUnderlyingBalance`).
    pub cash: f64,
    /// Sum of accounts' scaled aToken balances (the f64 view of `supply_sum`).
    pub scaled_supply: f64,
    /// Treasury's scaled aTokens: reserve-factor accrual and liquidation protocol fees.
    pub treasury_scaled: f64,
    pub liquidity_index: f64,
    /// Sum of accounts' scaled debt (the f64 view of `debt_sum`).
    pub scaled_debt: f64,
    pub borrow_index: f64,
    /// Bad debt booked by liquidations (Aave v3.3 `deficit`).
    pub deficit: f64,
    /// The exact sums of the accounts' scaled balances (see [`ExactSum`]): the books close
    /// exactly, as Aave's integer balances do.
    supply_sum: ExactSum,
    debt_sum: ExactSum,
}

impl ReserveState {
    pub(super) fn new() -> Self {
        ReserveState {
            cash: 0.0,
            scaled_supply: 0.0,
            treasury_scaled: 0.0,
            liquidity_index: 1.0,
            scaled_debt: 0.0,
            borrow_index: 1.0,
            deficit: 0.0,
            supply_sum: ExactSum::default(),
            debt_sum: ExactSum::default(),
        }
    }

    /// An account's scaled supply went from `old` to `new`.
    #[inline]
    pub(super) fn move_supply(&mut self, old: f64, new: f64) {
        self.supply_sum.replace(old, new);
        self.scaled_supply = self.supply_sum.value();
    }

    /// An account's scaled debt went from `old` to `new`.
    #[inline]
    pub(super) fn move_debt(&mut self, old: f64, new: f64) {
        self.debt_sum.replace(old, new);
        self.scaled_debt = self.debt_sum.value();
    }

    /// The exact sum of the accounts' scaled supply.
    pub fn supply_sum(&self) -> ExactSum {
        self.supply_sum
    }

    /// The exact sum of the accounts' scaled debt.
    pub fn debt_sum(&self) -> ExactSum {
        self.debt_sum
    }
    /// aToken supply including the treasury's.
    pub fn total_supply(&self) -> f64 {
        (self.scaled_supply + self.treasury_scaled) * self.liquidity_index
    }
    pub fn total_debt(&self) -> f64 {
        self.scaled_debt * self.borrow_index
    }
    /// Borrow usage `debt / (cash + debt)`.
    pub fn utilisation(&self) -> f64 {
        let d = self.total_debt();
        utilisation(d, self.cash + d)
    }
    pub fn treasury_balance(&self) -> f64 {
        self.treasury_scaled * self.liquidity_index
    }
}

impl PooledMarket {
    /// Annual borrow rate of reserve `r` now.
    pub fn borrow_rate(&self, r: usize) -> Option<f64> {
        let s = self.reserves.get(r)?;
        Some(self.params.reserves[r].irm.borrow_rate(s.utilisation()))
    }

    /// Annual supply rate of reserve `r` now (deficit included in the supply usage).
    pub fn supply_rate(&self, r: usize) -> Option<f64> {
        let s = self.reserves.get(r)?;
        Some(self.rates(r, s).1)
    }

    fn rates(&self, r: usize, s: &ReserveState) -> (f64, f64) {
        let p = &self.params.reserves[r];
        let debt = s.total_debt();
        if debt <= 0.0 {
            return (p.irm.base_rate, 0.0);
        }
        let bu = utilisation(debt, s.cash + debt);
        let su = utilisation(debt, s.cash + debt + s.deficit);
        (p.irm.borrow_rate(bu), p.irm.supply_rate_with_usage(bu, su, p.reserve_factor))
    }

    /// Accrue interest on every reserve over `dt_years` (`ReserveLogic.updateState`): the borrow
    /// index compounds at the borrow rate, the liquidity index grows at the supply rate, and the
    /// reserve factor's share of the new debt interest is minted to the treasury. Rates come from the
    /// state at the time of the call, as Aave's come from the last action.
    pub fn accrue(&mut self, dt_years: f64) -> Result<(), LendingError> {
        check_dt(dt_years)?;
        if dt_years == 0.0 {
            return Ok(());
        }
        for r in 0..self.reserves.len() {
            let (br, sr) = self.rates(r, &self.reserves[r]);
            let rf = self.params.reserves[r].reserve_factor;
            let (bc, sc) = (self.params.borrow_compounding, self.params.supply_compounding);
            let st = &mut self.reserves[r];
            if sr != 0.0 {
                st.liquidity_index *= sc.growth_factor(sr, dt_years);
            }
            if st.scaled_debt > 0.0 {
                let old = st.borrow_index;
                st.borrow_index *= bc.growth_factor(br, dt_years);
                if rf > 0.0 {
                    let accrued = st.scaled_debt * (st.borrow_index - old);
                    st.treasury_scaled += accrued * rf / st.liquidity_index;
                }
            }
        }
        Ok(())
    }
}
