//! Pooled, Aave-v3-like market: many reserves, cross-collateralised accounts, e-mode.
//!
//! Sources (aave-dao/aave-v3-origin, `src/contracts/`):
//! * `protocol/libraries/logic/LiquidationLogic.sol`: `executeLiquidationCall`,
//!   `_calculateAvailableCollateralToLiquidate`, `_burnDebtTokens`, `_burnBadDebt` (v3.3+);
//! * `protocol/libraries/logic/GenericLogic.sol`: `calculateUserAccountData` (health factor,
//!   e-mode overrides, which balances count as collateral);
//! * `protocol/libraries/logic/ValidationLogic.sol`: `validateBorrow`, `validateSupply` (caps),
//!   `validateLiquidationCall`, `validateSetUserEMode`;
//! * `protocol/libraries/logic/ReserveLogic.sol`: `_updateIndexes` (linear liquidity index,
//!   compounded borrow index), `_accrueToTreasury`, `updateInterestRatesAndVirtualBalance`
//!   (utilisation from the virtual balance; the deficit enters the supply usage as `unbacked`).
//!
//! What is kept exactly (in f64 rather than wad/ray integers):
//! * health factor `sum(collateral * price * LT) / sum(debt * price)`, collateral counted only in
//!   reserves whose own LT is non-zero; e-mode replaces LTV/LT for the category's collateral assets;
//! * borrowing needs `debt + amount <= sum(collateral * price * LTV)` and HF > 1 beforehand;
//! * close factor 50% of the account's *total* debt value while HF > 0.95
//!   (`CLOSE_FACTOR_HF_THRESHOLD`), 100% at or below; and 100% whenever the liquidated reserve's
//!   collateral or debt is worth less than $2,000 (`MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD`, v3.3);
//! * `seized = repaid * P_debt / P_coll * (1 + bonus)`, capped at the account's balance of the
//!   collateral (then `repaid = balance * P_coll / P_debt / (1 + bonus)`); the protocol fee is
//!   `(seized - seized / (1 + bonus)) * liquidation_protocol_fee`, taken out of `seized` and given to
//!   the treasury as aTokens;
//! * `MUST_NOT_LEAVE_DUST`: a partial liquidation may not leave less than $1,000
//!   (`MIN_LEFTOVER_BASE`) of the reserve's debt or collateral;
//! * deficit: when a liquidation takes all of the account's collateral, the account's remaining
//!   debt in *every* reserve is burned and added to that reserve's `deficit`. Suppliers' aToken
//!   balances are not touched (in Aave the deficit is later covered by Umbrella / the treasury via
//!   `eliminateReserveDeficit`); the deficit is the hole `aTokens - (cash + debt)`.
//!
//! Simplifications, stated so they are not mistaken for Aave:
//! * every supplied balance in a reserve with LT > 0 is collateral (no per-account
//!   "use as collateral" switch), and the LTV-0 withdrawal restriction is not modelled;
//! * no isolation mode, siloed borrowing, debt ceilings, flash loans, stable debt, price-oracle
//!   sentinel or grace periods;
//! * the liquidator always receives the underlying (`receiveAToken = false`), so seizing needs
//!   idle cash in the collateral reserve;
//! * base currency is ETH: prices are ETH per unit, and the USD thresholds use an `eth_usd` argument;
//! * withdrawals are limited by idle cash and report the unfilled part instead of reverting.
//!
//! Files, one per Aave library (in `protocol/libraries/logic/` unless noted), so that each can be
//! read next to its Solidity source:
//! * `mod.rs`: this overview, [`PooledMarket`], its constructor, getters and the argument checks
//!   the operations share;
//! * `params.rs`: [`ReserveParams`], [`EMode`], [`PooledParams`] and their checks
//!   (`protocol/pool/PoolConfigurator.sol` and the configuration checks of `ValidationLogic.sol`);
//! * `reserve.rs`: [`ReserveState`], interest rates and [`PooledMarket::accrue`] (`ReserveLogic.sol`);
//! * `account.rs`: [`Account`], [`AccountData`], health factor, collateral weights and e-mode lookups,
//!   [`PooledMarket::scan_liquidatable`], [`PooledMarket::max_borrow`] (`GenericLogic.sol`);
//! * `ops.rs`: supply, withdraw, release_collateral, borrow, repay, set e-mode (`SupplyLogic.sol`,
//!   `BorrowLogic.sol`, `EModeLogic.sol`, with their `ValidationLogic.sol` checks);
//! * `liquidation.rs`: [`PooledMarket::preview_liquidation`], [`PooledMarket::liquidate`]
//!   (`LiquidationLogic.sol`);
//! * `tests.rs`: the unit tests.

mod account;
mod liquidation;
mod ops;
mod params;
mod reserve;

#[cfg(test)]
mod tests;

pub use account::{Account, AccountData};
pub use liquidation::{PooledLiquidationOutcome, Receive, ReserveDeficit};
pub use params::{
    CLOSE_FACTOR_HF_THRESHOLD, DEFAULT_LIQUIDATION_CLOSE_FACTOR, EMode, MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD_USD,
    PooledParams, ReserveParams,
};
pub use reserve::ReserveState;

use crate::LendingError;

/// The market: parameters and per-reserve state. Accounts are held by the caller.
#[derive(Debug, Clone, PartialEq)]
pub struct PooledMarket {
    params: PooledParams,
    reserves: Vec<ReserveState>,
    /// `emode_collateral[e * n + r]`: reserve r is collateral of category e.
    emode_collateral: Vec<bool>,
    emode_borrowable: Vec<bool>,
    /// Reserves frozen by governance (`PoolConfigurator.setReserveFreeze`): no new supply or
    /// borrowing; withdrawals, repayments and liquidations go on.
    frozen: Vec<bool>,
}

impl PooledMarket {
    pub fn new(params: PooledParams) -> Result<Self, LendingError> {
        params.validate()?;
        let n = params.reserves.len();
        let mut emode_collateral = vec![false; n * params.emodes.len()];
        let mut emode_borrowable = vec![false; n * params.emodes.len()];
        for (e, cat) in params.emodes.iter().enumerate() {
            for &r in &cat.collateral_assets {
                emode_collateral[e * n + r] = true;
            }
            for &r in &cat.borrowable_assets {
                emode_borrowable[e * n + r] = true;
            }
        }
        Ok(PooledMarket {
            reserves: (0..n).map(|_| ReserveState::new()).collect(),
            params,
            emode_collateral,
            emode_borrowable,
            frozen: vec![false; n],
        })
    }

    pub fn params(&self) -> &PooledParams {
        &self.params
    }
    pub fn n_reserves(&self) -> usize {
        self.reserves.len()
    }
    pub fn reserve(&self, r: usize) -> Option<&ReserveState> {
        self.reserves.get(r)
    }
    pub fn reserves(&self) -> &[ReserveState] {
        &self.reserves
    }
    pub fn new_account(&self) -> Account {
        Account::new(self.reserves.len())
    }

    // ---- argument checks shared by the operations ----

    fn check_reserve(&self, r: usize) -> Result<(), LendingError> {
        if r < self.reserves.len() {
            Ok(())
        } else {
            Err(LendingError::UnknownReserve { index: r, count: self.reserves.len() })
        }
    }

    fn check_account(&self, acct: &Account) -> Result<(), LendingError> {
        let n = self.reserves.len();
        if acct.supplied_scaled.len() != n || acct.debt_scaled.len() != n {
            return Err(LendingError::AccountShape {
                expected: n,
                got: acct.supplied_scaled.len().min(acct.debt_scaled.len()),
            });
        }
        if let Some(e) = acct.emode
            && e >= self.params.emodes.len()
        {
            return Err(LendingError::UnknownEMode { index: e, count: self.params.emodes.len() });
        }
        Ok(())
    }

    fn check_prices(&self, prices: &[f64]) -> Result<(), LendingError> {
        if prices.len() != self.reserves.len() {
            return Err(LendingError::PricesLength { expected: self.reserves.len(), got: prices.len() });
        }
        for (i, &p) in prices.iter().enumerate() {
            if !(p.is_finite() && p > 0.0) {
                return Err(LendingError::InvalidPrice { what: self.params.reserves[i].name.clone(), got: p });
            }
        }
        Ok(())
    }
}
