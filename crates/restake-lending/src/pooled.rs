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

use serde::{Deserialize, Serialize};

use crate::irm::{Compounding, KinkedIrm, utilisation};
use crate::{
    LendingError, LiquidationOutcome, WithdrawLimit, WithdrawOutcome, check_amount, check_closed, check_dt,
    check_half_open, check_price, check_request, param_err,
};

/// Aave v3 `CLOSE_FACTOR_HF_THRESHOLD` (0.95e18).
pub const CLOSE_FACTOR_HF_THRESHOLD: f64 = 0.95;
/// Aave v3 `DEFAULT_LIQUIDATION_CLOSE_FACTOR` (0.5e4 bps).
pub const DEFAULT_LIQUIDATION_CLOSE_FACTOR: f64 = 0.5;
/// Aave v3.3 `MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD` (2000e8, USD with 8 decimals).
pub const MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD_USD: f64 = 2000.0;

fn default_true() -> bool {
    true
}
fn default_close_factor_hf_threshold() -> f64 {
    CLOSE_FACTOR_HF_THRESHOLD
}
fn default_close_factor() -> f64 {
    DEFAULT_LIQUIDATION_CLOSE_FACTOR
}
fn default_min_base() -> f64 {
    MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD_USD
}
fn default_min_leftover() -> f64 {
    MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD_USD / 2.0
}
fn default_supply_compounding() -> Compounding {
    Compounding::Linear
}

/// Risk parameters of one reserve (asset). Fractions, not bps: `ltv: 0.80`, `liquidation_bonus:
/// 0.05` (Aave stores the bonus as 10500 = 105%).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReserveParams {
    pub name: String,
    /// Max borrow power per unit of collateral value.
    pub ltv: f64,
    /// Collateral weight in the health factor. 0 = not usable as collateral.
    pub liquidation_threshold: f64,
    /// Extra collateral a liquidator receives, as a fraction of the repaid value.
    pub liquidation_bonus: f64,
    /// Share of the bonus that goes to the treasury instead of the liquidator.
    #[serde(default)]
    pub liquidation_protocol_fee: f64,
    /// Max total supply (aTokens incl. treasury), asset units; `None` = uncapped.
    #[serde(default)]
    pub supply_cap: Option<f64>,
    /// Max total debt, asset units; `None` = uncapped.
    #[serde(default)]
    pub borrow_cap: Option<f64>,
    pub irm: KinkedIrm,
    /// Share of borrow interest kept by the treasury.
    #[serde(default)]
    pub reserve_factor: f64,
    #[serde(default = "default_true")]
    pub borrowing_enabled: bool,
}

/// The checks reserves and e-mode categories share: LTV at most the liquidation threshold, a
/// bonus in [0, 1), and LT x (1 + bonus) <= 100% (PoolConfigurator: so that a liquidation at
/// HF 1 does not seize more than the collateral).
fn check_risk_parameters(
    p: &str,
    ltv: f64,
    liquidation_threshold: f64,
    liquidation_bonus: f64,
) -> Result<(), LendingError> {
    if ltv > liquidation_threshold {
        return Err(param_err(format!("{p}.ltv"), "<= liquidation_threshold", ltv));
    }
    check_half_open(&format!("{p}.liquidation_bonus"), liquidation_bonus, 0.0, 1.0, "in [0, 1)")?;
    if liquidation_threshold * (1.0 + liquidation_bonus) > 1.0 {
        return Err(param_err(
            format!("{p}.liquidation_bonus"),
            "such that liquidation_threshold * (1 + liquidation_bonus) <= 1",
            liquidation_bonus,
        ));
    }
    Ok(())
}

impl ReserveParams {
    /// Check one reserve on its own (field paths start with `reserve.`).
    pub fn validate(&self) -> Result<(), LendingError> {
        self.validate_at("reserve")
    }

    fn validate_at(&self, p: &str) -> Result<(), LendingError> {
        check_half_open(&format!("{p}.liquidation_threshold"), self.liquidation_threshold, 0.0, 1.0, "in [0, 1)")?;
        check_half_open(&format!("{p}.ltv"), self.ltv, 0.0, 1.0, "in [0, 1)")?;
        check_risk_parameters(p, self.ltv, self.liquidation_threshold, self.liquidation_bonus)?;
        check_closed(&format!("{p}.liquidation_protocol_fee"), self.liquidation_protocol_fee, 0.0, 1.0, "in [0, 1]")?;
        check_closed(&format!("{p}.reserve_factor"), self.reserve_factor, 0.0, 1.0, "in [0, 1]")?;
        for (name, cap) in [("supply_cap", self.supply_cap), ("borrow_cap", self.borrow_cap)] {
            if let Some(c) = cap
                && !(c.is_finite() && c >= 0.0)
            {
                return Err(param_err(format!("{p}.{name}"), "finite and >= 0 (or absent)", c));
            }
        }
        self.irm.validate_at(&format!("{p}.irm"))
    }
}

/// An efficiency-mode category (Aave v3.2+ shape): accounts that opt in get the category's
/// LTV / LT / bonus for the collateral assets listed, and may only borrow the borrowable assets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EMode {
    pub label: String,
    pub ltv: f64,
    pub liquidation_threshold: f64,
    pub liquidation_bonus: f64,
    /// Reserve indices whose collateral parameters the category overrides.
    #[serde(default)]
    pub collateral_assets: Vec<usize>,
    /// Reserve indices an account in this category may borrow.
    #[serde(default)]
    pub borrowable_assets: Vec<usize>,
}

impl EMode {
    /// ETH-correlated category as on Aave v3 Ethereum: LTV 93%, LT 95%, bonus 1%. Add the assets
    /// with [`EMode::with_assets`].
    pub fn eth_correlated() -> Self {
        EMode {
            label: "ETH correlated".to_string(),
            ltv: 0.93,
            liquidation_threshold: 0.95,
            liquidation_bonus: 0.01,
            collateral_assets: Vec::new(),
            borrowable_assets: Vec::new(),
        }
    }

    pub fn with_assets(mut self, collateral: &[usize], borrowable: &[usize]) -> Self {
        self.collateral_assets = collateral.to_vec();
        self.borrowable_assets = borrowable.to_vec();
        self
    }

    /// Check the category for a market with `n_reserves` reserves (asset indices must exist).
    pub fn validate(&self, n_reserves: usize) -> Result<(), LendingError> {
        self.validate_at("emode", n_reserves)
    }

    fn validate_at(&self, p: &str, n_reserves: usize) -> Result<(), LendingError> {
        // PoolConfigurator.setEModeCategory: ltv != 0, LT != 0, ltv <= LT, LT * bonus <= 100%.
        check_half_open(
            &format!("{p}.liquidation_threshold"),
            self.liquidation_threshold,
            f64::MIN_POSITIVE,
            1.0,
            "in (0, 1)",
        )?;
        check_half_open(&format!("{p}.ltv"), self.ltv, f64::MIN_POSITIVE, 1.0, "in (0, 1)")?;
        check_risk_parameters(p, self.ltv, self.liquidation_threshold, self.liquidation_bonus)?;
        for (name, list) in
            [("collateral_assets", &self.collateral_assets), ("borrowable_assets", &self.borrowable_assets)]
        {
            if let Some(&bad) = list.iter().find(|&&i| i >= n_reserves) {
                return Err(LendingError::InvalidConfig {
                    field: format!("{p}.{name}"),
                    message: format!("reserve index {bad} out of range (market has {n_reserves} reserves)"),
                });
            }
        }
        Ok(())
    }
}

/// Market-wide parameters. The liquidation constants default to Aave v3.3's and are fields so that
/// sweeps can vary them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PooledParams {
    pub reserves: Vec<ReserveParams>,
    #[serde(default)]
    pub emodes: Vec<EMode>,
    /// HF at or below which the close factor is 100%.
    #[serde(default = "default_close_factor_hf_threshold")]
    pub close_factor_hf_threshold: f64,
    /// Close factor above that HF.
    #[serde(default = "default_close_factor")]
    pub default_close_factor: f64,
    /// USD value below which a reserve's collateral or debt is fully liquidatable; 0 disables.
    #[serde(default = "default_min_base")]
    pub min_base_max_close_factor_threshold_usd: f64,
    /// Minimum USD value a partial liquidation must leave of debt and collateral; 0 disables.
    #[serde(default = "default_min_leftover")]
    pub min_leftover_base_usd: f64,
    /// Borrow index growth (Aave: `Taylor3`).
    #[serde(default)]
    pub borrow_compounding: Compounding,
    /// Liquidity (supply) index growth (Aave: `Linear`).
    #[serde(default = "default_supply_compounding")]
    pub supply_compounding: Compounding,
}

impl PooledParams {
    /// Aave v3.3 constants around the given reserves and e-modes.
    pub fn new(reserves: Vec<ReserveParams>, emodes: Vec<EMode>) -> Self {
        PooledParams {
            reserves,
            emodes,
            close_factor_hf_threshold: CLOSE_FACTOR_HF_THRESHOLD,
            default_close_factor: DEFAULT_LIQUIDATION_CLOSE_FACTOR,
            min_base_max_close_factor_threshold_usd: MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD_USD,
            min_leftover_base_usd: MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD_USD / 2.0,
            borrow_compounding: Compounding::Taylor3,
            supply_compounding: Compounding::Linear,
        }
    }

    pub fn validate(&self) -> Result<(), LendingError> {
        if self.reserves.is_empty() {
            return Err(LendingError::InvalidConfig {
                field: "reserves".into(),
                message: "a pooled market needs at least one reserve".into(),
            });
        }
        for (i, r) in self.reserves.iter().enumerate() {
            r.validate_at(&format!("reserves[{i}]"))?;
        }
        for (i, e) in self.emodes.iter().enumerate() {
            e.validate_at(&format!("emodes[{i}]"), self.reserves.len())?;
        }
        check_closed("close_factor_hf_threshold", self.close_factor_hf_threshold, 0.0, 1.0, "in [0, 1]")?;
        if !(self.default_close_factor > 0.0 && self.default_close_factor <= 1.0) {
            return Err(param_err("default_close_factor", "in (0, 1]", self.default_close_factor));
        }
        check_closed(
            "min_base_max_close_factor_threshold_usd",
            self.min_base_max_close_factor_threshold_usd,
            0.0,
            f64::MAX,
            "finite and >= 0",
        )?;
        check_closed("min_leftover_base_usd", self.min_leftover_base_usd, 0.0, f64::MAX, "finite and >= 0")
    }

    /// The close factor for a liquidation: `default_close_factor` (50%) only if the reserve's
    /// collateral and debt are both worth at least the USD threshold *and* HF is above
    /// `close_factor_hf_threshold` (0.95); otherwise 100%. As in `executeLiquidationCall`.
    pub fn close_factor(&self, health_factor: f64, reserve_collateral_usd: f64, reserve_debt_usd: f64) -> f64 {
        if reserve_collateral_usd >= self.min_base_max_close_factor_threshold_usd
            && reserve_debt_usd >= self.min_base_max_close_factor_threshold_usd
            && health_factor > self.close_factor_hf_threshold
        {
            self.default_close_factor
        } else {
            1.0
        }
    }
}

/// Running state of one reserve. Balances are scaled: actual = scaled * index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReserveState {
    /// Idle underlying (Aave's `virtualUnderlyingBalance`).
    pub cash: f64,
    /// Sum of accounts' scaled aToken balances.
    pub scaled_supply: f64,
    /// Treasury's scaled aTokens: reserve-factor accrual and liquidation protocol fees.
    pub treasury_scaled: f64,
    pub liquidity_index: f64,
    pub scaled_debt: f64,
    pub borrow_index: f64,
    /// Bad debt booked by liquidations (Aave v3.3 `deficit`).
    pub deficit: f64,
}

impl ReserveState {
    fn new() -> Self {
        ReserveState {
            cash: 0.0,
            scaled_supply: 0.0,
            treasury_scaled: 0.0,
            liquidity_index: 1.0,
            scaled_debt: 0.0,
            borrow_index: 1.0,
            deficit: 0.0,
        }
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

/// One account: scaled supply (aToken) and scaled debt per reserve, optional e-mode category.
/// Allocated once per account with [`PooledMarket::new_account`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
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

/// Bad debt booked in one reserve by a liquidation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ReserveDeficit {
    pub reserve: usize,
    pub amount: f64,
}

/// Result of a pooled liquidation. `outcome.repaid` is in debt-reserve units, `outcome.seized`
/// (= liquidator part + protocol fee) in collateral-reserve units, `outcome.bad_debt` is the deficit
/// booked in the debt reserve; `deficits` lists every reserve's (empty, and unallocated, unless the
/// account lost all its collateral).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PooledLiquidationOutcome {
    pub outcome: LiquidationOutcome,
    pub collateral_reserve: usize,
    pub debt_reserve: usize,
    /// Close factor that applied (0.5 or 1.0 with default parameters).
    pub close_factor: f64,
    /// Most debt of the reserve that could be repaid in this call.
    pub max_liquidatable_debt: f64,
    /// The account has no collateral left: all its debt was burned into deficits.
    pub no_collateral_left: bool,
    pub deficits: Vec<ReserveDeficit>,
    /// Sum of `deficits` valued at the prices used, ETH.
    pub bad_debt_value: f64,
}

/// The market: parameters and per-reserve state. Accounts are held by the caller.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PooledMarket {
    params: PooledParams,
    reserves: Vec<ReserveState>,
    /// `emode_collateral[e * n + r]`: reserve r is collateral of category e.
    emode_collateral: Vec<bool>,
    emode_borrowable: Vec<bool>,
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

    // ---- checks ----

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

    #[inline]
    fn in_emode_collateral(&self, emode: Option<usize>, r: usize) -> bool {
        emode.is_some_and(|e| self.emode_collateral[e * self.reserves.len() + r])
    }

    /// Effective (LTV, LT) of reserve `r` as collateral for an account in `emode`, following
    /// `GenericLogic.calculateUserAccountData`: a reserve counts only if its own LT is non-zero; its
    /// LTV counts only if its own LTV is non-zero; the e-mode values replace both for the category's
    /// collateral assets.
    #[inline]
    fn collateral_weights(&self, emode: Option<usize>, r: usize) -> (f64, f64) {
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

    fn liquidation_bonus(&self, emode: Option<usize>, r: usize) -> f64 {
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

    fn account_data_unchecked(&self, acct: &Account, prices: &[f64]) -> AccountData {
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

    fn borrowable_in_emode(&self, emode: Option<usize>, r: usize) -> bool {
        match emode {
            None => true,
            Some(e) => self.emode_borrowable[e * self.reserves.len() + r],
        }
    }

    // ---- actions ----

    /// Supply `amount` of reserve `r`; returns the scaled aTokens minted.
    pub fn supply(&mut self, acct: &mut Account, r: usize, amount: f64) -> Result<f64, LendingError> {
        self.check_reserve(r)?;
        self.check_account(acct)?;
        check_amount("supply amount", amount)?;
        let st = &self.reserves[r];
        if let Some(cap) = self.params.reserves[r].supply_cap {
            let would_be = st.total_supply() + amount;
            if would_be > cap {
                return Err(LendingError::SupplyCapExceeded { reserve: r, would_be, cap });
            }
        }
        let st = &mut self.reserves[r];
        let scaled = amount / st.liquidity_index;
        acct.supplied_scaled[r] += scaled;
        st.scaled_supply += scaled;
        st.cash += amount;
        Ok(scaled)
    }

    /// Withdraw up to `amount` (`f64::INFINITY` = all) of reserve `r`, limited by the balance and
    /// idle cash. If the account has debt, the health factor after the withdrawal must stay >= 1
    /// (`validateHFAndLtv`), otherwise it is an error.
    pub fn withdraw(
        &mut self,
        acct: &mut Account,
        r: usize,
        amount: f64,
        prices: &[f64],
    ) -> Result<WithdrawOutcome, LendingError> {
        self.check_reserve(r)?;
        self.check_account(acct)?;
        check_request("withdraw amount", amount)?;
        let st = &self.reserves[r];
        let balance = acct.supplied_scaled[r] * st.liquidity_index;
        let wanted = amount.min(balance);
        let withdrawn = wanted.min(st.cash);
        let limited_by = if withdrawn < wanted {
            WithdrawLimit::Liquidity
        } else if amount > balance {
            WithdrawLimit::Balance
        } else {
            WithdrawLimit::None
        };
        if withdrawn <= 0.0 {
            return Ok(WithdrawOutcome { withdrawn: 0.0, unfilled: wanted, limited_by });
        }
        if acct.has_debt() {
            self.check_prices(prices)?;
            let (_, lt) = self.collateral_weights(acct.emode, r);
            if lt > 0.0 {
                let d = self.account_data_unchecked(acct, prices);
                let limit = d.liquidation_limit - withdrawn * prices[r] * lt;
                if limit < d.total_debt {
                    return Err(LendingError::InsufficientCollateral { debt_after: d.total_debt, limit });
                }
            }
        }
        let st = &mut self.reserves[r];
        let scaled = if withdrawn >= balance {
            acct.supplied_scaled[r]
        } else {
            (withdrawn / st.liquidity_index).min(acct.supplied_scaled[r])
        };
        acct.supplied_scaled[r] -= scaled;
        st.scaled_supply = (st.scaled_supply - scaled).max(0.0);
        st.cash -= withdrawn;
        Ok(WithdrawOutcome { withdrawn, unfilled: wanted - withdrawn, limited_by })
    }

    /// Remove up to `amount` of an account's supply of reserve `r` *without* the health-factor
    /// check of [`PooledMarket::withdraw`]: for a caller that models an atomic flash-loan
    /// deleverage (flash-borrow, repay, withdraw, swap, return in one transaction) and has already
    /// repaid the debt that makes the withdrawal safe. Limited by the balance and the reserve's
    /// idle cash; NaN or negative amounts release nothing. Returns the amount released.
    pub fn release_collateral(&mut self, acct: &mut Account, r: usize, amount: f64) -> f64 {
        // (`amount > 0.0` is false for NaN.)
        if self.check_reserve(r).is_err() || self.check_account(acct).is_err() || amount.is_nan() || amount <= 0.0 {
            return 0.0;
        }
        let st = &mut self.reserves[r];
        let balance = acct.supplied_scaled[r] * st.liquidity_index;
        let out = amount.min(balance).min(st.cash.max(0.0));
        if out <= 0.0 {
            return 0.0;
        }
        let scaled = if out >= balance {
            acct.supplied_scaled[r]
        } else {
            (out / st.liquidity_index).min(acct.supplied_scaled[r])
        };
        acct.supplied_scaled[r] -= scaled;
        st.scaled_supply = (st.scaled_supply - scaled).max(0.0);
        st.cash -= out;
        out
    }

    /// Borrow `amount` of reserve `r` (`validateBorrow`); returns the scaled debt minted.
    pub fn borrow(&mut self, acct: &mut Account, r: usize, amount: f64, prices: &[f64]) -> Result<f64, LendingError> {
        self.check_reserve(r)?;
        self.check_account(acct)?;
        self.check_prices(prices)?;
        check_amount("borrow amount", amount)?;
        let p = &self.params.reserves[r];
        if !p.borrowing_enabled {
            return Err(LendingError::BorrowingNotEnabled { reserve: r });
        }
        if let Some(e) = acct.emode
            && !self.borrowable_in_emode(Some(e), r)
        {
            return Err(LendingError::NotBorrowableInEMode { reserve: r, emode: e });
        }
        let st = &self.reserves[r];
        if let Some(cap) = p.borrow_cap {
            let would_be = st.total_debt() + amount;
            if would_be > cap {
                return Err(LendingError::BorrowCapExceeded { reserve: r, would_be, cap });
            }
        }
        if amount > st.cash {
            return Err(LendingError::InsufficientLiquidity { requested: amount, available: st.cash });
        }
        let d = self.account_data_unchecked(acct, prices);
        let debt_after = d.total_debt + amount * prices[r];
        // validateBorrow: collateral != 0, LTV != 0, HF > 1, (debt + amount) / LTV <= collateral.
        if d.total_collateral <= 0.0 || d.borrow_limit <= 0.0 || d.health_factor <= 1.0 || debt_after > d.borrow_limit {
            return Err(LendingError::InsufficientCollateral { debt_after, limit: d.borrow_limit });
        }
        let st = &mut self.reserves[r];
        let scaled = amount / st.borrow_index;
        acct.debt_scaled[r] += scaled;
        st.scaled_debt += scaled;
        st.cash -= amount;
        Ok(scaled)
    }

    /// Repay up to `amount` (`f64::INFINITY` = all) of the account's debt in reserve `r`; returns
    /// the amount repaid.
    pub fn repay(&mut self, acct: &mut Account, r: usize, amount: f64) -> Result<f64, LendingError> {
        self.check_reserve(r)?;
        self.check_account(acct)?;
        check_request("repay amount", amount)?;
        let debt = acct.debt_scaled[r] * self.reserves[r].borrow_index;
        let repaid = amount.min(debt);
        self.burn_debt(acct, r, repaid, debt);
        self.reserves[r].cash += repaid;
        Ok(repaid)
    }

    fn burn_debt(&mut self, acct: &mut Account, r: usize, amount: f64, debt: f64) {
        let st = &mut self.reserves[r];
        let scaled =
            if amount >= debt { acct.debt_scaled[r] } else { (amount / st.borrow_index).min(acct.debt_scaled[r]) };
        acct.debt_scaled[r] -= scaled;
        st.scaled_debt = (st.scaled_debt - scaled).max(0.0);
    }

    /// Enter (`Some(e)`) or leave (`None`) an e-mode category (`validateSetUserEMode`): every
    /// reserve the account borrows must be borrowable in the category, and HF must stay >= 1.
    pub fn set_emode(&mut self, acct: &mut Account, emode: Option<usize>, prices: &[f64]) -> Result<(), LendingError> {
        self.check_account(acct)?;
        if let Some(e) = emode {
            if e >= self.params.emodes.len() {
                return Err(LendingError::UnknownEMode { index: e, count: self.params.emodes.len() });
            }
            if let Some(r) =
                (0..self.reserves.len()).find(|&r| acct.debt_scaled[r] > 0.0 && !self.borrowable_in_emode(Some(e), r))
            {
                return Err(LendingError::NotBorrowableInEMode { reserve: r, emode: e });
            }
        }
        let old = acct.emode;
        acct.emode = emode;
        if acct.has_debt() {
            if let Err(err) = self.check_prices(prices) {
                acct.emode = old;
                return Err(err);
            }
            let d = self.account_data_unchecked(acct, prices);
            if d.health_factor < 1.0 {
                acct.emode = old;
                return Err(LendingError::InsufficientCollateral {
                    debt_after: d.total_debt,
                    limit: d.liquidation_limit,
                });
            }
        }
        Ok(())
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

    // ---- liquidation ----

    /// What `liquidate` would do, without doing it. `debt_to_cover` may be `f64::INFINITY` (Aave's
    /// `type(uint256).max`): the most the close factor allows.
    pub fn preview_liquidation(
        &self,
        acct: &Account,
        collateral_reserve: usize,
        debt_reserve: usize,
        debt_to_cover: f64,
        prices: &[f64],
        eth_usd: f64,
    ) -> Result<PooledLiquidationOutcome, LendingError> {
        let (c, d) = (collateral_reserve, debt_reserve);
        self.check_reserve(c)?;
        self.check_reserve(d)?;
        self.check_account(acct)?;
        self.check_prices(prices)?;
        check_price("ETH in USD", eth_usd)?;
        check_request("debt_to_cover", debt_to_cover)?;

        let data = self.account_data_unchecked(acct, prices);
        let hf = data.health_factor;
        // Aave: HF must be below HEALTH_FACTOR_LIQUIDATION_THRESHOLD (1.0).
        if hf >= 1.0 || hf.is_nan() {
            return Err(LendingError::HealthyPosition { health_factor: hf });
        }
        let balance = acct.supplied_scaled[c] * self.reserves[c].liquidity_index;
        if self.params.reserves[c].liquidation_threshold == 0.0 || balance <= 0.0 {
            return Err(LendingError::CollateralCannotBeLiquidated { reserve: c });
        }
        let reserve_debt = acct.debt_scaled[d] * self.reserves[d].borrow_index;
        if reserve_debt <= 0.0 {
            return Err(LendingError::NoDebtInReserve { reserve: d });
        }
        let bonus = self.liquidation_bonus(acct.emode, c);
        let (pc, pd) = (prices[c], prices[d]);

        // Close factor (executeLiquidationCall): 50% of the account's total debt value, unless
        // HF <= 0.95 or this reserve's collateral or debt is below the USD threshold.
        let close_factor = self.params.close_factor(hf, balance * pc * eth_usd, reserve_debt * pd * eth_usd);
        let mut max_liquidatable_debt = reserve_debt;
        if close_factor < 1.0 {
            let default_liquidatable_value = data.total_debt * close_factor;
            if reserve_debt * pd > default_liquidatable_value {
                max_liquidatable_debt = default_liquidatable_value / pd;
            }
        }
        let to_liquidate = debt_to_cover.min(max_liquidatable_debt);

        // _calculateAvailableCollateralToLiquidate.
        let base_collateral = to_liquidate * pd / pc;
        let max_collateral = base_collateral * (1.0 + bonus);
        // A seizure within float rounding of the whole balance takes the whole balance (in wad
        // integers Aave has no such residue; in f64 `repaid * P_d / P_c * (1 + bonus)` computed
        // back from a capped `repaid` can fall 1 ulp short and leave 1e-17 of "dust").
        let (seized, repaid) = if max_collateral > balance * (1.0 - 1e-12) {
            (balance, balance * pc / pd / (1.0 + bonus))
        } else {
            (max_collateral, to_liquidate)
        };
        let fee_share = self.params.reserves[c].liquidation_protocol_fee;
        let protocol_fee = if fee_share != 0.0 { (seized - seized / (1.0 + bonus)) * fee_share } else { 0.0 };
        let liquidator_seized = seized - protocol_fee;

        // MUST_NOT_LEAVE_DUST.
        let min_left = self.params.min_leftover_base_usd;
        if repaid < reserve_debt && seized < balance {
            let leftover_debt_usd = (reserve_debt - repaid) * pd * eth_usd;
            let leftover_collateral_usd = (balance - seized) * pc * eth_usd;
            if leftover_debt_usd < min_left || leftover_collateral_usd < min_left {
                return Err(LendingError::MustNotLeaveDust {
                    leftover_debt_usd,
                    leftover_collateral_usd,
                    min_leftover_usd: min_left,
                });
            }
        }

        // Liquidator receives the underlying: the collateral reserve needs the cash (plus what this
        // call repays into it if debt and collateral are the same asset).
        let available = self.reserves[c].cash + if c == d { repaid } else { 0.0 };
        if liquidator_seized > available {
            return Err(LendingError::InsufficientLiquidity { requested: liquidator_seized, available });
        }

        // hasNoCollateralLeft: all of the account's counted collateral is taken by this call.
        let no_collateral_left = seized >= balance
            && (0..self.reserves.len()).all(|j| {
                j == c || acct.supplied_scaled[j] <= 0.0 || self.params.reserves[j].liquidation_threshold == 0.0
            });
        let mut deficits = Vec::new();
        let mut bad_debt = 0.0;
        let mut bad_debt_value = 0.0;
        if no_collateral_left {
            for (j, (st, &price)) in self.reserves.iter().zip(prices).enumerate() {
                let debt_j = acct.debt_scaled[j] * st.borrow_index;
                let amount = if j == d { (debt_j - repaid).max(0.0) } else { debt_j };
                if amount > 0.0 {
                    deficits.push(ReserveDeficit { reserve: j, amount });
                    bad_debt_value += amount * price;
                    if j == d {
                        bad_debt = amount;
                    }
                }
            }
        }
        Ok(PooledLiquidationOutcome {
            outcome: LiquidationOutcome {
                repaid,
                seized,
                liquidator_seized,
                protocol_fee,
                bad_debt,
                health_factor_before: hf,
            },
            collateral_reserve: c,
            debt_reserve: d,
            close_factor,
            max_liquidatable_debt,
            no_collateral_left,
            deficits,
            bad_debt_value,
        })
    }

    /// Liquidate an account with HF < 1 (`LiquidationLogic.executeLiquidationCall`): the liquidator
    /// repays `outcome.repaid` of `debt_reserve` and receives `outcome.liquidator_seized` of
    /// `collateral_reserve`; the treasury receives `outcome.protocol_fee` as aTokens. If the account
    /// has no collateral left, all its remaining debt becomes reserve deficits.
    pub fn liquidate(
        &mut self,
        acct: &mut Account,
        collateral_reserve: usize,
        debt_reserve: usize,
        debt_to_cover: f64,
        prices: &[f64],
        eth_usd: f64,
    ) -> Result<PooledLiquidationOutcome, LendingError> {
        let out = self.preview_liquidation(acct, collateral_reserve, debt_reserve, debt_to_cover, prices, eth_usd)?;
        let (c, d) = (collateral_reserve, debt_reserve);
        let o = out.outcome;

        // Debt: burn what was repaid (everything if the account is wiped out; the rest is deficit).
        let reserve_debt = acct.debt_scaled[d] * self.reserves[d].borrow_index;
        self.burn_debt(acct, d, o.repaid, reserve_debt);
        self.reserves[d].cash += o.repaid;

        // Collateral: the borrower loses `seized`; the liquidator takes `liquidator_seized` out as
        // underlying, the treasury gets `protocol_fee` as aTokens.
        let balance = acct.supplied_scaled[c] * self.reserves[c].liquidity_index;
        let st = &mut self.reserves[c];
        let scaled_seized = if o.seized >= balance {
            acct.supplied_scaled[c]
        } else {
            (o.seized / st.liquidity_index).min(acct.supplied_scaled[c])
        };
        let scaled_fee = (o.protocol_fee / st.liquidity_index).min(scaled_seized);
        acct.supplied_scaled[c] -= scaled_seized;
        st.scaled_supply = (st.scaled_supply - scaled_seized).max(0.0);
        st.treasury_scaled += scaled_fee;
        st.cash -= o.liquidator_seized;

        // Deficits (_burnDebtTokens with hasNoCollateralLeft, _burnBadDebt).
        for def in &out.deficits {
            let j = def.reserve;
            let st = &mut self.reserves[j];
            st.scaled_debt = (st.scaled_debt - acct.debt_scaled[j]).max(0.0);
            acct.debt_scaled[j] = 0.0;
            st.deficit += def.amount;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WETH: usize = 0;
    const WSTETH: usize = 1;
    const USDC: usize = 2;
    const ETH_USD: f64 = 3000.0;

    fn irm() -> KinkedIrm {
        KinkedIrm { base_rate: 0.0, slope1: 0.03, slope2: 0.80, optimal_utilisation: 0.90 }
    }

    fn reserve(name: &str, ltv: f64, lt: f64, bonus: f64, fee: f64) -> ReserveParams {
        ReserveParams {
            name: name.into(),
            ltv,
            liquidation_threshold: lt,
            liquidation_bonus: bonus,
            liquidation_protocol_fee: fee,
            supply_cap: None,
            borrow_cap: None,
            irm: irm(),
            reserve_factor: 0.10,
            borrowing_enabled: true,
        }
    }

    /// WETH (price 1), wstETH (LTV 75 / LT 80 / bonus 5% / fee 10%), USDC (price 1/3000 ETH);
    /// e-mode 0 = ETH correlated over WETH and wstETH.
    fn market() -> PooledMarket {
        let reserves = vec![
            reserve("WETH", 0.80, 0.83, 0.05, 0.10),
            reserve("wstETH", 0.75, 0.80, 0.05, 0.10),
            reserve("USDC", 0.75, 0.78, 0.045, 0.10),
        ];
        let emodes = vec![EMode::eth_correlated().with_assets(&[WETH, WSTETH], &[WETH])];
        PooledMarket::new(PooledParams::new(reserves, emodes)).unwrap()
    }

    fn prices(wsteth: f64) -> Vec<f64> {
        vec![1.0, wsteth, 1.0 / ETH_USD]
    }

    /// Market with deep WETH and USDC liquidity and idle wstETH cash (so liquidators can be paid in
    /// underlying), plus a borrower with `coll` wstETH borrowing `debt` WETH at a wstETH price of 2.
    fn setup(coll: f64, debt: f64) -> (PooledMarket, Account, Account) {
        let mut m = market();
        let mut lender = m.new_account();
        m.supply(&mut lender, WETH, 10_000.0).unwrap();
        m.supply(&mut lender, USDC, 30_000_000.0).unwrap();
        m.supply(&mut lender, WSTETH, 1_000.0).unwrap();
        let mut b = m.new_account();
        m.supply(&mut b, WSTETH, coll).unwrap();
        if debt > 0.0 {
            m.borrow(&mut b, WETH, debt, &prices(2.0)).unwrap();
        }
        (m, lender, b)
    }

    #[test]
    fn close_factor_switches_exactly_at_0_95() {
        let p = market().params().clone();
        let big = 1e6;
        assert_eq!(p.close_factor(0.9500001, big, big), 0.5);
        assert_eq!(p.close_factor(0.95, big, big), 1.0);
        assert_eq!(p.close_factor(0.94, big, big), 1.0);
        assert_eq!(p.close_factor(0.99, big, big), 0.5);
        // v3.3 small-position rule: either side under $2,000 -> 100% even at HF 0.99.
        assert_eq!(p.close_factor(0.99, 1999.99, big), 1.0);
        assert_eq!(p.close_factor(0.99, big, 1999.99), 1.0);
        assert_eq!(p.close_factor(0.99, 2000.0, 2000.0), 0.5);
    }

    #[test]
    fn close_factor_in_liquidation() {
        // 100 wstETH, 100 WETH debt. At wstETH = 1.2: HF = 120 * 0.8 / 100 = 0.96 > 0.95 -> 50%.
        let (m, _l, b) = setup(100.0, 100.0);
        let o = m.preview_liquidation(&b, WSTETH, WETH, f64::INFINITY, &prices(1.2), ETH_USD).unwrap();
        assert!((o.outcome.health_factor_before - 0.96).abs() < 1e-12);
        assert_eq!(o.close_factor, 0.5);
        assert!((o.outcome.repaid - 50.0).abs() < 1e-12);
        // At 1.1: HF = 0.88 <= 0.95 -> 100%: all 100 could be repaid (collateral 110 ETH covers
        // 100 * 1.05 = 105 ETH of seizure).
        let o = m.preview_liquidation(&b, WSTETH, WETH, f64::INFINITY, &prices(1.1), ETH_USD).unwrap();
        assert_eq!(o.close_factor, 1.0);
        assert!((o.outcome.repaid - 100.0).abs() < 1e-12);
        // Small position (0.6 wstETH, 0.5 WETH: $1,500 debt) at HF 0.96: 100%.
        let (m, _l, b) = setup(0.6, 0.5);
        let o = m.preview_liquidation(&b, WSTETH, WETH, f64::INFINITY, &prices(1.0), ETH_USD).unwrap();
        assert!((o.outcome.health_factor_before - 0.96).abs() < 1e-12);
        assert_eq!(o.close_factor, 1.0);
        assert!((o.outcome.repaid - 0.5).abs() < 1e-12);
    }

    /// Worked example: repay 10 WETH against wstETH at 1.2 ETH, bonus 5%, protocol fee 10%.
    /// seized = 10 * 1 / 1.2 * 1.05 = 8.75 wstETH; bonus part = 8.75 - 8.75 / 1.05 = 0.41666..;
    /// fee = 0.041666.. wstETH; liquidator gets 8.708333.. wstETH = 10.45 ETH = repaid * 1.045,
    /// treasury 0.05 ETH = repaid * 0.005.
    #[test]
    fn seized_collateral_bonus_and_fee() {
        let (mut m, _l, mut b) = setup(100.0, 100.0);
        let p = prices(1.2);
        let cash_before = m.reserve(WSTETH).unwrap().cash;
        let o = m.liquidate(&mut b, WSTETH, WETH, 10.0, &p, ETH_USD).unwrap().outcome;
        assert_eq!(o.repaid, 10.0);
        assert!((o.seized - 8.75).abs() < 1e-12);
        assert!((o.protocol_fee - (8.75 - 8.75 / 1.05) * 0.1).abs() < 1e-12);
        assert!((o.protocol_fee - 0.041666666666666664).abs() < 1e-12);
        assert!((o.liquidator_seized - 8.708333333333334).abs() < 1e-12);
        assert!((o.liquidator_seized * 1.2 - 10.0 * 1.045).abs() < 1e-12);
        assert!((o.protocol_fee * 1.2 - 10.0 * 0.005).abs() < 1e-12);
        assert_eq!(o.bad_debt, 0.0);
        // Borrower: 91.25 wstETH and 90 WETH left; treasury holds the fee; cash paid the liquidator.
        assert!((m.supplied(&b, WSTETH) - 91.25).abs() < 1e-12);
        assert!((m.debt(&b, WETH) - 90.0).abs() < 1e-12);
        assert!((m.reserve(WSTETH).unwrap().treasury_balance() - o.protocol_fee).abs() < 1e-12);
        assert!((cash_before - m.reserve(WSTETH).unwrap().cash - o.liquidator_seized).abs() < 1e-12);
    }

    /// Collateral worth less than debt * (1 + bonus): all 10 wstETH are taken, repaid is recomputed
    /// as 10 * 0.5 / 1.05, and (no other collateral) the rest of the debt becomes deficit.
    #[test]
    fn cap_when_collateral_insufficient_and_deficit() {
        let (mut m, _l, mut b) = setup(10.0, 8.0);
        let p = prices(0.5); // collateral 5 ETH vs debt 8: HF = 0.5
        let out = m.liquidate(&mut b, WSTETH, WETH, f64::INFINITY, &p, ETH_USD).unwrap();
        let o = out.outcome;
        assert_eq!(out.close_factor, 1.0);
        assert_eq!(o.seized, 10.0);
        let repaid = 10.0 * 0.5 / 1.05;
        assert!((o.repaid - repaid).abs() < 1e-12);
        assert!((o.protocol_fee - (10.0 - 10.0 / 1.05) * 0.1).abs() < 1e-12);
        assert!(out.no_collateral_left);
        assert!((o.bad_debt - (8.0 - repaid)).abs() < 1e-12);
        assert_eq!(out.deficits, vec![ReserveDeficit { reserve: WETH, amount: o.bad_debt }]);
        assert!((m.reserve(WETH).unwrap().deficit - (8.0 - repaid)).abs() < 1e-12);
        assert_eq!(b.debt_scaled[WETH], 0.0);
        assert_eq!(b.supplied_scaled[WSTETH], 0.0);
        assert!(m.reserve(WETH).unwrap().total_debt().abs() < 1e-12);
    }

    /// Deficit is booked in every debt reserve once the collateral is gone, and not before.
    #[test]
    fn deficit_only_when_collateral_reaches_zero() {
        let (mut m, _l, mut b) = setup(10.0, 5.0);
        // Also borrow 9,000 USDC (3 ETH): total debt 8 ETH against 20 ETH collateral at price 2.
        m.borrow(&mut b, USDC, 9_000.0, &prices(2.0)).unwrap();
        let p = prices(0.5); // collateral 5 ETH, HF = 5 * 0.8 / 8 = 0.5
        // Partial: repay 2 WETH, seize 2 / 0.5 * 1.05 = 4.2 wstETH. Underwater, but collateral
        // remains: no deficit.
        let out = m.liquidate(&mut b, WSTETH, WETH, 2.0, &p, ETH_USD).unwrap();
        assert!(!out.no_collateral_left);
        assert_eq!(out.outcome.bad_debt, 0.0);
        assert!(out.deficits.is_empty());
        assert_eq!(m.reserve(WETH).unwrap().deficit, 0.0);
        assert_eq!(m.reserve(USDC).unwrap().deficit, 0.0);
        // Second call takes the remaining 5.8 wstETH: repaid = 5.8 * 0.5 / 1.05 WETH; the rest of
        // the WETH debt and all 9,000 USDC become deficits.
        let out = m.liquidate(&mut b, WSTETH, WETH, f64::INFINITY, &p, ETH_USD).unwrap();
        assert!(out.no_collateral_left);
        let repaid = 5.8 * 0.5 / 1.05;
        assert!((out.outcome.repaid - repaid).abs() < 1e-12);
        let weth_def = 3.0 - repaid;
        assert!((m.reserve(WETH).unwrap().deficit - weth_def).abs() < 1e-12);
        assert!((m.reserve(USDC).unwrap().deficit - 9_000.0).abs() < 1e-9);
        assert_eq!(out.deficits.len(), 2);
        assert!((out.bad_debt_value - (weth_def + 3.0)).abs() < 1e-12);
        assert!(!b.has_debt());
        assert!(m.reserve(USDC).unwrap().total_debt().abs() < 1e-9);
        // The suppliers' aTokens are untouched: the deficit is the hole cash + debt + deficit = supply.
        let u = m.reserve(USDC).unwrap();
        assert!((u.cash + u.total_debt() + u.deficit - u.total_supply()).abs() < 1e-6);
    }

    #[test]
    fn other_collateral_prevents_deficit() {
        let (mut m, _l, mut b) = setup(10.0, 8.0);
        m.supply(&mut b, USDC, 3_000.0).unwrap(); // 1 ETH of other collateral
        let out = m.liquidate(&mut b, WSTETH, WETH, f64::INFINITY, &prices(0.5), ETH_USD).unwrap();
        assert_eq!(out.outcome.seized, 10.0);
        assert!(!out.no_collateral_left);
        assert_eq!(m.reserve(WETH).unwrap().deficit, 0.0);
        assert!(m.debt(&b, WETH) > 0.0);
    }

    #[test]
    fn dust_rule() {
        // 100 wstETH / 100 WETH at 1.1: HF 0.88, 100% close factor. Repaying 99.9 WETH would leave
        // 0.1 WETH = $300 of debt: MUST_NOT_LEAVE_DUST.
        let (m, _l, b) = setup(100.0, 100.0);
        let e = m.preview_liquidation(&b, WSTETH, WETH, 99.9, &prices(1.1), ETH_USD).unwrap_err();
        assert!(matches!(e, LendingError::MustNotLeaveDust { .. }));
        // Repaying everything is fine, and so is leaving >= $1,000.
        assert!(m.preview_liquidation(&b, WSTETH, WETH, 100.0, &prices(1.1), ETH_USD).is_ok());
        assert!(m.preview_liquidation(&b, WSTETH, WETH, 99.0, &prices(1.1), ETH_USD).is_ok());
    }

    #[test]
    fn liquidation_preconditions() {
        let (m, _l, b) = setup(100.0, 100.0);
        assert!(matches!(
            m.preview_liquidation(&b, WSTETH, WETH, 1.0, &prices(2.0), ETH_USD),
            Err(LendingError::HealthyPosition { .. })
        ));
        assert!(matches!(
            m.preview_liquidation(&b, WETH, WETH, 1.0, &prices(1.0), ETH_USD),
            Err(LendingError::CollateralCannotBeLiquidated { .. })
        ));
        assert!(matches!(
            m.preview_liquidation(&b, WSTETH, USDC, 1.0, &prices(1.0), ETH_USD),
            Err(LendingError::NoDebtInReserve { .. })
        ));
        assert!(m.preview_liquidation(&b, WSTETH, WETH, f64::NAN, &prices(1.0), ETH_USD).is_err());
        assert!(m.preview_liquidation(&b, WSTETH, WETH, 1.0, &prices(1.0), 0.0).is_err());
        assert!(m.preview_liquidation(&b, WSTETH, WETH, 1.0, &[1.0, 1.0], ETH_USD).is_err());
    }

    #[test]
    fn borrow_limits_and_emode() {
        let (mut m, _l, mut b) = setup(10.0, 0.0);
        let p = prices(1.0);
        // Outside e-mode: LTV 75% of 10 ETH.
        assert!((m.max_borrow(&b, WETH, &p).unwrap() - 7.5).abs() < 1e-12);
        assert!(matches!(m.borrow(&mut b, WETH, 7.6, &p), Err(LendingError::InsufficientCollateral { .. })));
        m.borrow(&mut b, WETH, 7.0, &p).unwrap();
        assert!((m.health_factor(&b, &p).unwrap() - 8.0 / 7.0).abs() < 1e-12);
        // E-mode: LTV 93%, LT 95%, bonus 1%.
        m.set_emode(&mut b, Some(0), &p).unwrap();
        assert!((m.health_factor(&b, &p).unwrap() - 9.5 / 7.0).abs() < 1e-12);
        assert!((m.max_borrow(&b, WETH, &p).unwrap() - 2.3).abs() < 1e-12);
        m.borrow(&mut b, WETH, 2.29, &p).unwrap();
        // USDC is not borrowable in the ETH-correlated category.
        assert!(matches!(m.borrow(&mut b, USDC, 1.0, &p), Err(LendingError::NotBorrowableInEMode { .. })));
        // Leaving e-mode would make HF 8 / 9.29 < 1: refused, e-mode kept.
        assert!(m.set_emode(&mut b, None, &p).is_err());
        assert_eq!(b.emode, Some(0));
        // E-mode liquidation uses the 1% bonus: at 0.97, HF = 9.7 * 0.95 / 9.29 < 1.
        let o = m.preview_liquidation(&b, WSTETH, WETH, 1.0, &prices(0.97), ETH_USD).unwrap().outcome;
        assert!((o.seized - 1.0 / 0.97 * 1.01).abs() < 1e-12);
    }

    #[test]
    fn caps_and_liquidity() {
        let mut params = market().params().clone();
        params.reserves[WETH].supply_cap = Some(100.0);
        params.reserves[WETH].borrow_cap = Some(10.0);
        let mut m = PooledMarket::new(params).unwrap();
        let mut l = m.new_account();
        m.supply(&mut l, WETH, 100.0).unwrap();
        assert!(matches!(m.supply(&mut l, WETH, 0.5), Err(LendingError::SupplyCapExceeded { .. })));
        let mut b = m.new_account();
        m.supply(&mut b, WSTETH, 100.0).unwrap();
        assert!(matches!(m.borrow(&mut b, WETH, 11.0, &prices(1.0)), Err(LendingError::BorrowCapExceeded { .. })));
        m.borrow(&mut b, WETH, 10.0, &prices(1.0)).unwrap();
        // 90 idle: the lender's 100 can only partly leave.
        let w = m.withdraw(&mut l, WETH, f64::INFINITY, &prices(1.0)).unwrap();
        assert_eq!(w.withdrawn, 90.0);
        assert_eq!(w.unfilled, 10.0);
        assert_eq!(w.limited_by, WithdrawLimit::Liquidity);
        assert_eq!(m.reserve(WETH).unwrap().utilisation(), 1.0);
        // Collateral withdrawal that would break HF is refused.
        assert!(matches!(
            m.withdraw(&mut b, WSTETH, 95.0, &prices(1.0)),
            Err(LendingError::InsufficientCollateral { .. })
        ));
    }

    #[test]
    fn accrual_indexes_and_treasury() {
        let (mut m, lender, b) = setup(100.0, 100.0);
        let st = m.reserve(WETH).unwrap().clone();
        // u = 100 / 10_000 = 0.01.
        let u = 0.01;
        let br = 0.03 * u / 0.9;
        let sr = br * u * 0.9;
        assert!((m.borrow_rate(WETH).unwrap() - br).abs() < 1e-15);
        assert!((m.supply_rate(WETH).unwrap() - sr).abs() < 1e-15);
        m.accrue(0.5).unwrap();
        let x = br * 0.5;
        let g = 1.0 + x + x * x / 2.0 + x * x * x / 6.0;
        let r = m.reserve(WETH).unwrap();
        assert!((r.borrow_index - g).abs() < 1e-15);
        assert!((r.liquidity_index - (1.0 + sr * 0.5)).abs() < 1e-15);
        assert!((m.debt(&b, WETH) - 100.0 * g).abs() < 1e-12);
        assert!((m.supplied(&lender, WETH) - 10_000.0 * (1.0 + sr * 0.5)).abs() < 1e-9);
        // Treasury: 10% of the debt interest.
        assert!((r.treasury_balance() - 100.0 * (g - 1.0) * 0.1).abs() < 1e-12);
        assert_eq!(r.cash, st.cash);
    }

    /// Aave v3.4+: the deficit is passed to the IRM as `unbacked`, so suppliers earn the borrow
    /// rate over `debt / (cash + debt + deficit)` while the borrow rate uses `debt / (cash + debt)`.
    #[test]
    fn deficit_enters_supply_usage() {
        let (mut m, _l, mut b) = setup(10.0, 8.0);
        let mut whale = m.new_account();
        m.supply(&mut whale, WSTETH, 5_000.0).unwrap();
        m.borrow(&mut whale, WETH, 5_000.0, &prices(2.0)).unwrap();
        m.liquidate(&mut b, WSTETH, WETH, f64::INFINITY, &prices(0.5), ETH_USD).unwrap();
        let r = m.reserve(WETH).unwrap();
        assert!(r.deficit > 0.0);
        let d = r.total_debt();
        let bu = d / (r.cash + d);
        let su = d / (r.cash + d + r.deficit);
        let br = irm().borrow_rate(bu);
        assert!((m.borrow_rate(WETH).unwrap() - br).abs() < 1e-15);
        assert!((m.supply_rate(WETH).unwrap() - br * su * 0.9).abs() < 1e-15);
        assert!(su < bu);
    }

    #[test]
    fn validate_messages() {
        let mut p = market().params().clone();
        p.reserves[1].ltv = 0.85;
        assert_eq!(p.validate().unwrap_err().to_string(), "reserves[1].ltv must be <= liquidation_threshold, got 0.85");
        let mut p = market().params().clone();
        p.reserves[0].liquidation_bonus = 0.25;
        assert!(p.validate().unwrap_err().to_string().starts_with("reserves[0].liquidation_bonus must be such that"));
        let mut p = market().params().clone();
        p.emodes[0].collateral_assets.push(7);
        assert!(p.validate().unwrap_err().to_string().contains("emodes[0].collateral_assets"));
        let mut p = market().params().clone();
        p.reserves[2].irm.optimal_utilisation = 0.0;
        assert_eq!(
            p.validate().unwrap_err().to_string(),
            "reserves[2].irm.optimal_utilisation must be in (0, 1), got 0"
        );
        assert!(EMode::eth_correlated().validate(3).is_ok());
        let e = EMode::eth_correlated().with_assets(&[5], &[]).validate(3).unwrap_err();
        assert_eq!(e.to_string(), "emode.collateral_assets: reserve index 5 out of range (market has 3 reserves)");
        let mut r = market().params().reserves[0].clone();
        r.liquidation_threshold = 1.2;
        assert_eq!(r.validate().unwrap_err().to_string(), "reserve.liquidation_threshold must be in [0, 1), got 1.2");
    }

    #[test]
    fn release_collateral_skips_health_check_but_clamps() {
        let (mut m, _l, mut b) = setup(10.0, 8.0);
        // HF at price 1: 10 * 0.8 / 8 = 1.0 -> withdraw() refuses even a little...
        assert!(m.withdraw(&mut b, WSTETH, 1.0, &prices(1.0)).is_err());
        // ...release does not check, and clamps to the balance.
        let cash = m.reserve(WSTETH).unwrap().cash;
        assert_eq!(m.release_collateral(&mut b, WSTETH, 4.0), 4.0);
        assert!((m.supplied(&b, WSTETH) - 6.0).abs() < 1e-12);
        assert_eq!(m.release_collateral(&mut b, WSTETH, 100.0), 6.0);
        assert_eq!(m.supplied(&b, WSTETH), 0.0);
        assert!((cash - m.reserve(WSTETH).unwrap().cash - 10.0).abs() < 1e-12);
        assert_eq!(m.release_collateral(&mut b, WSTETH, f64::NAN), 0.0);
        // E-mode parameters as seen by callers.
        assert_eq!(m.collateral_params(None, WSTETH), (0.75, 0.80));
        assert_eq!(m.collateral_params(Some(0), WSTETH), (0.93, 0.95));
        assert_eq!(m.bonus_of(Some(0), WSTETH), 0.01);
        assert_eq!(m.bonus_of(None, WSTETH), 0.05);
        assert_eq!(m.collateral_params(Some(0), USDC), (0.75, 0.78));
    }

    #[test]
    fn account_shape_checked() {
        let (mut m, _l, _b) = setup(1.0, 0.0);
        let mut bad = Account::new(2);
        assert!(matches!(m.supply(&mut bad, WETH, 1.0), Err(LendingError::AccountShape { .. })));
        let mut a = m.new_account();
        assert!(matches!(m.supply(&mut a, 9, 1.0), Err(LendingError::UnknownReserve { .. })));
    }
}
