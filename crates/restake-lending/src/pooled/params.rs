//! Configuration of a pooled market and its checks: the per-reserve risk parameters, e-mode
//! categories and market-wide liquidation constants, validated as Aave v3's
//! `protocol/pool/PoolConfigurator.sol` does when they are set (`configureReserveAsCollateral`,
//! `setEModeCategory`, `setReserveFactor`, `setLiquidationProtocolFee`) and as
//! `ValidationLogic.sol` assumes they are.
//!
//! Each struct's `issues()` lists every problem, each an error whose `field` is the path inside the
//! struct (`reserves[1].irm.slope2`, `emodes[0].ltv`); a field is reported once, with the first check
//! it fails. `validate()` returns the first issue.

use crate::irm::{Compounding, KinkedIrm};
use crate::{LendingError, check_closed, check_half_open, first_issue, param_err, push_issue};

/// Aave v3 `CLOSE_FACTOR_HF_THRESHOLD` (0.95e18).
pub const CLOSE_FACTOR_HF_THRESHOLD: f64 = 0.95;
/// Aave v3 `DEFAULT_LIQUIDATION_CLOSE_FACTOR` (0.5e4 bps).
pub const DEFAULT_LIQUIDATION_CLOSE_FACTOR: f64 = 0.5;
/// Aave v3.3 `MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD` (2000e8, USD with 8 decimals).
pub const MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD_USD: f64 = 2000.0;

/// Risk parameters of one reserve (asset). Fractions, not bps: `ltv: 0.80`, `liquidation_bonus:
/// 0.05` (Aave stores the bonus as 10500 = 105%).
#[derive(Debug, Clone, PartialEq)]
pub struct ReserveParams {
    pub name: String,
    /// Max borrow power per unit of collateral value.
    pub ltv: f64,
    /// Collateral weight in the health factor. 0 = not usable as collateral.
    pub liquidation_threshold: f64,
    /// Extra collateral a liquidator receives, as a fraction of the repaid value.
    pub liquidation_bonus: f64,
    /// Share of the bonus that goes to the treasury instead of the liquidator.
    pub liquidation_protocol_fee: f64,
    /// Max total supply (aTokens incl. treasury), asset units; `None` = uncapped.
    pub supply_cap: Option<f64>,
    /// Max total debt, asset units; `None` = uncapped.
    pub borrow_cap: Option<f64>,
    pub irm: KinkedIrm,
    /// Share of borrow interest kept by the treasury.
    pub reserve_factor: f64,
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
    out: &mut Vec<LendingError>,
) {
    if ltv > liquidation_threshold {
        push_issue(out, Err(param_err(format!("{p}.ltv"), "<= liquidation_threshold", ltv)));
    }
    push_issue(out, check_half_open(&format!("{p}.liquidation_bonus"), liquidation_bonus, 0.0, 1.0, "in [0, 1)"));
    if liquidation_threshold * (1.0 + liquidation_bonus) > 1.0 {
        push_issue(
            out,
            Err(param_err(
                format!("{p}.liquidation_bonus"),
                "such that liquidation_threshold * (1 + liquidation_bonus) <= 1",
                liquidation_bonus,
            )),
        );
    }
}

impl ReserveParams {
    /// The first of [`ReserveParams::issues`], or `Ok`.
    pub fn validate(&self) -> Result<(), LendingError> {
        first_issue(self.issues())
    }

    /// Every problem with one reserve on its own (field paths start with `reserve.`).
    pub fn issues(&self) -> Vec<LendingError> {
        let mut out = Vec::new();
        self.issues_at("reserve", &mut out);
        out
    }

    fn issues_at(&self, p: &str, out: &mut Vec<LendingError>) {
        let lt = self.liquidation_threshold;
        push_issue(out, check_half_open(&format!("{p}.liquidation_threshold"), lt, 0.0, 1.0, "in [0, 1)"));
        push_issue(out, check_half_open(&format!("{p}.ltv"), self.ltv, 0.0, 1.0, "in [0, 1)"));
        check_risk_parameters(p, self.ltv, self.liquidation_threshold, self.liquidation_bonus, out);
        let fee = self.liquidation_protocol_fee;
        push_issue(out, check_closed(&format!("{p}.liquidation_protocol_fee"), fee, 0.0, 1.0, "in [0, 1]"));
        push_issue(out, check_closed(&format!("{p}.reserve_factor"), self.reserve_factor, 0.0, 1.0, "in [0, 1]"));
        for (name, cap) in [("supply_cap", self.supply_cap), ("borrow_cap", self.borrow_cap)] {
            if let Some(c) = cap
                && !(c.is_finite() && c >= 0.0)
            {
                push_issue(out, Err(param_err(format!("{p}.{name}"), "finite and >= 0 (or absent)", c)));
            }
        }
        self.irm.issues_at(&format!("{p}.irm"), out);
    }
}

/// An efficiency-mode category (Aave v3.2+ shape): accounts that opt in get the category's
/// LTV / LT / bonus for the collateral assets listed, and may only borrow the borrowable assets.
#[derive(Debug, Clone, PartialEq)]
pub struct EMode {
    pub label: String,
    pub ltv: f64,
    pub liquidation_threshold: f64,
    pub liquidation_bonus: f64,
    /// Reserve indices whose collateral parameters the category overrides.
    pub collateral_assets: Vec<usize>,
    /// Reserve indices an account in this category may borrow.
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

    /// The first of [`EMode::issues`], or `Ok`.
    pub fn validate(&self, n_reserves: usize) -> Result<(), LendingError> {
        first_issue(self.issues(n_reserves))
    }

    /// Every problem with the category for a market with `n_reserves` reserves (asset indices must
    /// exist); field paths start with `emode.`.
    pub fn issues(&self, n_reserves: usize) -> Vec<LendingError> {
        let mut out = Vec::new();
        self.issues_at("emode", n_reserves, &mut out);
        out
    }

    fn issues_at(&self, p: &str, n_reserves: usize, out: &mut Vec<LendingError>) {
        // PoolConfigurator.setEModeCategory: ltv != 0, LT != 0, ltv <= LT, LT * bonus <= 100%.
        push_issue(
            out,
            check_half_open(
                &format!("{p}.liquidation_threshold"),
                self.liquidation_threshold,
                f64::MIN_POSITIVE,
                1.0,
                "in (0, 1)",
            ),
        );
        push_issue(out, check_half_open(&format!("{p}.ltv"), self.ltv, f64::MIN_POSITIVE, 1.0, "in (0, 1)"));
        check_risk_parameters(p, self.ltv, self.liquidation_threshold, self.liquidation_bonus, out);
        for (name, list) in
            [("collateral_assets", &self.collateral_assets), ("borrowable_assets", &self.borrowable_assets)]
        {
            if let Some(&bad) = list.iter().find(|&&i| i >= n_reserves) {
                push_issue(
                    out,
                    Err(LendingError::InvalidConfig {
                        field: format!("{p}.{name}"),
                        message: format!("reserve index {bad} out of range (market has {n_reserves} reserves)"),
                    }),
                );
            }
        }
    }
}

/// Market-wide parameters. The liquidation constants default to Aave v3.3's and are fields so that
/// sweeps can vary them.
#[derive(Debug, Clone, PartialEq)]
pub struct PooledParams {
    pub reserves: Vec<ReserveParams>,
    pub emodes: Vec<EMode>,
    /// HF at or below which the close factor is 100%.
    pub close_factor_hf_threshold: f64,
    /// Close factor above that HF.
    pub default_close_factor: f64,
    /// USD value below which a reserve's collateral or debt is fully liquidatable; 0 disables.
    pub min_base_max_close_factor_threshold_usd: f64,
    /// Minimum USD value a partial liquidation must leave of debt and collateral; 0 disables.
    pub min_leftover_base_usd: f64,
    /// Borrow index growth (Aave: `Taylor3`).
    pub borrow_compounding: Compounding,
    /// Liquidity (supply) index growth (Aave: `Linear`).
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

    /// The first of [`PooledParams::issues`], or `Ok`.
    pub fn validate(&self) -> Result<(), LendingError> {
        first_issue(self.issues())
    }

    /// Every problem with the market's parameters, in field order: `reserves`, each
    /// `reserves[i].*`, each `emodes[i].*`, then the market-wide constants.
    pub fn issues(&self) -> Vec<LendingError> {
        let mut out = Vec::new();
        if self.reserves.is_empty() {
            out.push(LendingError::InvalidConfig {
                field: "reserves".into(),
                message: "a pooled market needs at least one reserve".into(),
            });
        }
        for (i, r) in self.reserves.iter().enumerate() {
            r.issues_at(&format!("reserves[{i}]"), &mut out);
        }
        for (i, e) in self.emodes.iter().enumerate() {
            e.issues_at(&format!("emodes[{i}]"), self.reserves.len(), &mut out);
        }
        let hf = self.close_factor_hf_threshold;
        push_issue(&mut out, check_closed("close_factor_hf_threshold", hf, 0.0, 1.0, "in [0, 1]"));
        if !(self.default_close_factor > 0.0 && self.default_close_factor <= 1.0) {
            push_issue(&mut out, Err(param_err("default_close_factor", "in (0, 1]", self.default_close_factor)));
        }
        push_issue(
            &mut out,
            check_closed(
                "min_base_max_close_factor_threshold_usd",
                self.min_base_max_close_factor_threshold_usd,
                0.0,
                f64::MAX,
                "finite and >= 0",
            ),
        );
        push_issue(
            &mut out,
            check_closed("min_leftover_base_usd", self.min_leftover_base_usd, 0.0, f64::MAX, "finite and >= 0"),
        );
        out
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
