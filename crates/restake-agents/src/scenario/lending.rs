//! Scenario types of lending: markets (isolated and pooled), their reserves, e-modes, oracles,
//! suppliers, and borrower cohorts that are not LRT holders (ETH-collateral stablecoin borrowers).

use super::{Dist, Span};
use serde::{Deserialize, Serialize};

/// Name of ETH as a reserve asset of a pooled market.
pub const ASSET_ETH: &str = "ETH";
/// Name of the USD stablecoin as a reserve asset (priced at 1 / ETH_USD through an exogenous deep
/// ETH/USD market; see `world::borrowers`).
pub const ASSET_USD: &str = "USD";

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum OracleConfig {
    /// The pool's spot price now.
    PoolSpot {
        pool: String,
        /// Report the value of this long ago (a push oracle's lag); a multiple of the step.
        #[serde(default)]
        delay: Option<Span>,
        /// From this time on the feed stops updating (a dead feed) and repeats its last value.
        #[serde(default)]
        stale_after: Option<Span>,
    },
    /// Time-weighted average of the pool's spot price over a window.
    Twap {
        pool: String,
        window: Span,
        #[serde(default)]
        delay: Option<Span>,
        #[serde(default)]
        stale_after: Option<Span>,
    },
    /// The LRT's NAV (exchange rate), optionally with a growth cap per year (Aave CAPO).
    ExchangeRate {
        #[serde(default)]
        max_growth_per_year: Option<f64>,
        #[serde(default)]
        delay: Option<Span>,
        #[serde(default)]
        stale_after: Option<Span>,
    },
    /// The exogenous ETH/USD price: one USD is worth 1 / ETH_USD ETH (for a USD stablecoin).
    EthUsd {
        #[serde(default)]
        delay: Option<Span>,
        #[serde(default)]
        stale_after: Option<Span>,
    },
    /// A constant price (ETH per unit).
    Fixed {
        price: f64,
        #[serde(default)]
        delay: Option<Span>,
        #[serde(default)]
        stale_after: Option<Span>,
    },
}

impl OracleConfig {
    /// (delay, stale_after) of any kind.
    pub fn timing(&self) -> (Option<Span>, Option<Span>) {
        match self {
            OracleConfig::PoolSpot { delay, stale_after, .. }
            | OracleConfig::Twap { delay, stale_after, .. }
            | OracleConfig::ExchangeRate { delay, stale_after, .. }
            | OracleConfig::EthUsd { delay, stale_after }
            | OracleConfig::Fixed { delay, stale_after, .. } => (*delay, *stale_after),
        }
    }

    /// The pool a market-price oracle reads.
    pub fn pool(&self) -> Option<&str> {
        match self {
            OracleConfig::PoolSpot { pool, .. } | OracleConfig::Twap { pool, .. } => Some(pool),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IrmConfig {
    pub base_rate: f64,
    pub slope1: f64,
    pub slope2: f64,
    pub optimal_utilisation: f64,
    #[serde(default)]
    pub reserve_factor: f64,
}

impl Default for IrmConfig {
    fn default() -> Self {
        // Aave v3 WETH on Ethereum (2024): 0% base, 2.7% slope1, 80% slope2, 90% optimal.
        Self { base_rate: 0.0, slope1: 0.027, slope2: 0.80, optimal_utilisation: 0.90, reserve_factor: 0.15 }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MarketKind {
    /// Morpho-Blue-like: one LRT collateral, ETH loan, LLTV, no close factor.
    Isolated,
    /// Aave-v3-like: several reserves (ETH, LRTs, USD), cross-collateral accounts, e-mode,
    /// close factor, liquidation bonus with a protocol fee, caps, deficits.
    Pooled,
}

/// A lending market. Isolated markets use `collateral`, `lltv`, `oracle`, `idle_supply` and
/// `irm`; pooled markets use `reserves`, `emodes` and the close-factor fields. `suppliers` applies
/// to both (for a pooled market, to each reserve that can be borrowed).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarketConfig {
    pub id: String,
    pub kind: MarketKind,
    /// Isolated: the LRT taken as collateral; the loan asset is ETH.
    #[serde(default)]
    pub collateral: Option<String>,
    /// Isolated: liquidation loan-to-value.
    #[serde(default)]
    pub lltv: Option<f64>,
    /// Isolated: the collateral's price feed.
    #[serde(default)]
    pub oracle: Option<OracleConfig>,
    /// Isolated: ETH supplied by lenders beyond what the simulated borrowers borrow at the start.
    #[serde(default)]
    pub idle_supply: f64,
    /// Isolated: interest-rate model and fee (default: Aave v3 WETH's curve).
    #[serde(default)]
    pub irm: Option<IrmConfig>,
    /// Pooled: the assets of the market.
    #[serde(default)]
    pub reserves: Vec<ReserveConfig>,
    /// Pooled: efficiency-mode categories.
    #[serde(default)]
    pub emodes: Vec<EModeConfig>,
    /// Pooled: close factor while HF is above `close_factor_hf_threshold` (Aave 50%).
    #[serde(default)]
    pub close_factor: Option<f64>,
    /// Pooled: HF at or below which the close factor is 100% (Aave 0.95).
    #[serde(default)]
    pub close_factor_hf_threshold: Option<f64>,
    /// Pooled: positions whose collateral or debt in the liquidated reserve is worth less than
    /// this (USD) can be liquidated in full (Aave v3.3: $2,000; 0 disables).
    #[serde(default)]
    pub small_position_usd: Option<f64>,
    /// Pooled: a partial liquidation may not leave less than this (USD) of debt or collateral
    /// (Aave v3.3 `MIN_LEFTOVER_BASE`: $1,000; 0 disables).
    #[serde(default)]
    pub min_leftover_usd: Option<f64>,
    /// Lenders: who they are and when they run.
    #[serde(default)]
    pub suppliers: SupplierConfig,
}

/// One asset of a pooled market.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReserveConfig {
    /// "ETH", "USD", or the id of an LRT.
    pub asset: String,
    /// Borrowing power per unit of collateral value (0: not for borrowing against).
    #[serde(default)]
    pub ltv: f64,
    /// Weight of the collateral in the health factor (0: not collateral).
    #[serde(default)]
    pub liquidation_threshold: f64,
    /// Extra collateral a liquidator receives, as a fraction of the debt repaid (0.05 = 5%).
    #[serde(default)]
    pub liquidation_bonus: f64,
    /// Share of the bonus that goes to the protocol's treasury (Aave: 10% on most assets).
    #[serde(default)]
    pub liquidation_protocol_fee: f64,
    #[serde(default)]
    pub supply_cap: Option<f64>,
    #[serde(default)]
    pub borrow_cap: Option<f64>,
    /// Whether the asset can be borrowed (only ETH and USD can).
    #[serde(default)]
    pub borrowing_enabled: bool,
    #[serde(default)]
    pub irm: IrmConfig,
    /// Price feed. ETH defaults to fixed 1, USD to `eth-usd`; an LRT must name one.
    #[serde(default)]
    pub oracle: Option<OracleConfig>,
    /// Supplied by lenders outside the population at the start (asset units), on top of what
    /// the simulated borrowers borrow.
    #[serde(default)]
    pub idle_supply: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EModePreset {
    /// Aave v3 Ethereum's ETH-correlated category: LTV 93%, LT 95%, bonus 1%.
    EthCorrelated,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EModeConfig {
    pub label: String,
    #[serde(default)]
    pub preset: Option<EModePreset>,
    #[serde(default)]
    pub ltv: Option<f64>,
    #[serde(default)]
    pub liquidation_threshold: Option<f64>,
    #[serde(default)]
    pub liquidation_bonus: Option<f64>,
    /// Assets whose collateral parameters the category replaces.
    pub collateral: Vec<String>,
    /// Assets an account in the category may borrow.
    pub borrowable: Vec<String>,
}

/// Lenders of a market (of each borrowable reserve of a pooled market). Their supply at the
/// start is what borrowers borrow plus the idle supply. With `count` = 0 all of it is passive
/// (never withdrawn). Otherwise `passive_share` of it never moves and the rest is split evenly
/// over `count` suppliers, each of whom withdraws everything when utilisation or the market's bad
/// debt (as a share of the supply at the start) reaches a personal threshold drawn from the
/// distributions. Withdrawals beyond the market's idle cash wait in a FIFO queue per reserve.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SupplierConfig {
    pub count: u32,
    pub passive_share: f64,
    pub utilisation_threshold: Dist,
    pub bad_debt_threshold: Dist,
    /// How often a supplier looks at the market, per day.
    pub attention_per_day: f64,
}

impl Default for SupplierConfig {
    fn default() -> Self {
        SupplierConfig {
            count: 0,
            passive_share: 0.0,
            utilisation_threshold: Dist::Fixed { value: 1.0 },
            bad_debt_threshold: Dist::Fixed { value: 1.0 },
            attention_per_day: 24.0,
        }
    }
}

/// Borrowers who post ETH as collateral on a pooled market and borrow the USD stablecoin, buying
/// more ETH with it (a leveraged ETH long): their health factor falls with ETH/USD.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BorrowerCohortConfig {
    pub id: String,
    pub agents: u32,
    /// A pooled market with an ETH reserve (collateral) and a USD reserve (borrowable).
    pub market: String,
    /// Total equity of the cohort in ETH, split across agents by `wealth_sigma`.
    pub wealth_total: f64,
    pub wealth_sigma: f64,
    /// Health factor each borrower levers up to (at least LT / LTV of the ETH reserve).
    pub target_health_factor: Dist,
    /// Deleverage back to target when HF falls below this multiple of the target.
    pub deleverage_at: Dist,
    /// Loss of equity (in ETH, from the start) at which a borrower unwinds in panic.
    pub panic_loss: Dist,
    pub attention_per_day: f64,
}
