//! Scenario description: what a TOML file says, as plain serde types.
//!
//! These types only describe; [`crate::world::World::new`] builds the state from them after
//! [`validate`](crate::scenario::validate::validate) has accepted them. Unknown fields are
//! errors everywhere (`deny_unknown_fields`), so a typo never silently falls back to a default.

mod dist;
mod duration;
pub mod validate;

pub use dist::Dist;
pub use duration::Span;

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub time: TimeConfig,
    #[serde(default)]
    pub engine: EngineConfig,
    pub eth: EthConfig,
    #[serde(default)]
    pub beacon: BeaconConfig,
    pub restaking_protocols: Vec<RestakingProtocolConfig>,
    pub operators: Vec<OperatorConfig>,
    pub avss: Vec<AvsConfig>,
    pub lrts: Vec<LrtConfig>,
    pub pools: Vec<PoolConfig>,
    #[serde(default)]
    pub markets: Vec<MarketConfig>,
    #[serde(default)]
    pub retail: Vec<RetailCohortConfig>,
    #[serde(default)]
    pub liquidators: Vec<LiquidatorConfig>,
    #[serde(default)]
    pub arbitrageurs: Vec<ArbitrageurConfig>,
    #[serde(default)]
    pub shocks: Vec<ShockConfig>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeConfig {
    /// Length of one step ("1m" to "1d").
    pub step: Span,
    /// Length of the run.
    pub duration: Span,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EngineConfig {
    pub seed: u64,
    /// Liquidation rounds allowed inside one step before the rest waits for the next step.
    pub max_liquidation_rounds: u32,
    /// Check accounting invariants after every step (slower; always on in tests).
    pub check_invariants: bool,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self { seed: 1, max_liquidation_rounds: 50, check_invariants: false }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EthConfig {
    /// ETH/USD at the start.
    pub usd: f64,
    pub path: EthPath,
}

/// The exogenous ETH/USD process.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "model", rename_all = "kebab-case", deny_unknown_fields)]
pub enum EthPath {
    /// Geometric Brownian motion with lognormal jumps (Merton 1976); annual parameters.
    Gbm {
        #[serde(default)]
        drift: f64,
        volatility: f64,
        #[serde(default)]
        jumps_per_year: f64,
        #[serde(default)]
        jump_mean: f64,
        #[serde(default)]
        jump_std: f64,
    },
    /// Piecewise-linear path through (hours since start, USD) points.
    Scripted { points: Vec<[f64; 2]> },
    /// A Brownian bridge in log price pinned to `usd * (1 - drawdown)` at `at`, then GBM.
    Bridge { drawdown: f64, at: Span, volatility: f64 },
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BeaconConfig {
    /// Consensus + execution staking yield.
    pub staking_apr: f64,
    /// Exit churn in ETH per day (256 ETH per epoch after Pectra x 225 epochs = 57,600).
    pub exit_churn_eth_per_day: f64,
    /// ETH already waiting in the exit queue at the start (other stakers').
    pub exit_queue_eth: f64,
}

impl Default for BeaconConfig {
    fn default() -> Self {
        Self { staking_apr: 0.03, exit_churn_eth_per_day: 57_600.0, exit_queue_eth: 0.0 }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RestakingProtocolConfig {
    pub id: String,
    /// Withdrawal delay after the beacon exit (EigenLayer 14 days since April 2025).
    pub withdrawal_delay: Span,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperatorConfig {
    pub id: String,
    pub protocol: String,
    /// Share of rewards the operator keeps.
    #[serde(default)]
    pub commission: f64,
    /// Unique-stake allocations: fraction of the operator's magnitude allocated to each AVS.
    /// Only allocated stake is slashable by that AVS. The fractions sum to at most 1.
    pub allocations: BTreeMap<String, f64>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AvsConfig {
    pub id: String,
    /// Fee revenue as an APR on stake allocated to it, in ETH.
    #[serde(default)]
    pub fee_apr: f64,
    /// Token incentives as an APR on allocated stake, valued in ETH.
    #[serde(default)]
    pub incentive_apr: f64,
    /// When incentives stop (none: never).
    #[serde(default)]
    pub incentive_end: Option<Span>,
    /// Faults per year (Poisson); 0 means faults happen only as scheduled shocks.
    #[serde(default)]
    pub fault_hazard_per_year: f64,
    /// Fraction of allocated stake slashed on a random fault.
    #[serde(default = "default_slash_fraction")]
    pub slash_fraction: f64,
    /// What a coalition gains by corrupting this AVS, in ETH (security analysis, §6).
    #[serde(default)]
    pub profit_from_corruption: Option<f64>,
    /// Share of the AVS's stake a coalition needs to corrupt it (e.g. 1/3 or 2/3 for BFT).
    #[serde(default)]
    pub attack_threshold: Option<f64>,
}

fn default_slash_fraction() -> f64 {
    0.1
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RedemptionMode {
    /// Requests wait in a FIFO queue until the buffer or matured withdrawals pay them.
    Queue,
    /// No redemptions: holders can only sell (ezETH in April 2024).
    Disabled,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LrtConfig {
    pub id: String,
    pub protocol: String,
    /// ETH per token at the start.
    #[serde(default = "one")]
    pub nav: f64,
    /// Tokens held outside the simulated population (they never trade).
    pub passive_supply: f64,
    /// Target share of assets kept as liquid ETH.
    pub buffer_fraction: f64,
    /// Fee for instant withdrawal from the buffer (0 disables instant withdrawal? no: free).
    #[serde(default)]
    pub instant_withdrawal_fee: f64,
    /// Whether instant withdrawals from the buffer are offered.
    #[serde(default = "yes")]
    pub instant_withdrawals: bool,
    pub redemptions: RedemptionMode,
    /// Share of rewards the LRT protocol keeps.
    #[serde(default)]
    pub protocol_fee: f64,
    /// Share of restaked assets delegated to each operator (sums to 1).
    pub delegations: BTreeMap<String, f64>,
}

fn one() -> f64 {
    1.0
}
fn yes() -> bool {
    true
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PoolKind {
    /// Curve StableSwap; `amp` is the A that pools expose on chain.
    Stableswap,
    ConstantProduct,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoolConfig {
    pub id: String,
    pub kind: PoolKind,
    /// The LRT traded against ETH.
    pub lrt: String,
    #[serde(default)]
    pub amp: Option<f64>,
    pub fee: f64,
    /// ETH reserve at the start.
    pub eth: f64,
    /// LRT reserve at the start.
    pub lrt_reserve: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum OracleConfig {
    /// The pool's spot price now.
    PoolSpot { pool: String },
    /// Time-weighted average of the pool's spot price over a window.
    Twap { pool: String, window: Span },
    /// The LRT's NAV (exchange rate), optionally with a growth cap per year.
    ExchangeRate {
        #[serde(default)]
        max_growth_per_year: Option<f64>,
    },
    /// A constant price.
    Fixed { price: f64 },
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

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarketConfig {
    pub id: String,
    /// Only isolated (Morpho-Blue-like) markets in this version.
    pub kind: MarketKind,
    /// The LRT taken as collateral; the loan asset is ETH.
    pub collateral: String,
    pub lltv: f64,
    pub oracle: OracleConfig,
    /// ETH supplied by lenders beyond what the simulated borrowers borrow at the start.
    pub idle_supply: f64,
    #[serde(default)]
    pub irm: IrmConfig,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MarketKind {
    Isolated,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetailCohortConfig {
    pub id: String,
    pub agents: u32,
    pub lrt: String,
    /// The market loopers borrow on (required when `looper_share` > 0).
    #[serde(default)]
    pub market: Option<String>,
    /// Total wealth of the cohort in ETH, split across agents by `wealth_sigma`.
    pub wealth_total: f64,
    /// Dispersion of log wealth (lognormal weights).
    pub wealth_sigma: f64,
    /// Share of agents that loop LRT collateral against ETH debt.
    pub looper_share: f64,
    /// Loopers' target health factor (leverage 1 / (1 - LLTV / HF)).
    pub target_health_factor: Dist,
    /// Loopers deleverage back to target when the health factor falls below this multiple
    /// of the target (e.g. 0.97).
    pub deleverage_at: Dist,
    /// Loss from entry, as a fraction of value, at which an agent exits in panic.
    pub panic_loss: Dist,
    /// How much the exit share of the previous step lowers panic thresholds (herding).
    pub herd_sensitivity: Dist,
    /// Annual rate at which an agent discounts waiting in a redemption queue.
    pub queue_discount_rate: Dist,
    /// Largest drop below the current pool price an agent accepts in one sale (slippage
    /// tolerance): sales that would clear lower wait for the next step.
    pub slippage_tolerance: Dist,
    /// How often an agent looks at its position, per day.
    pub attention_per_day: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LiquidatorConfig {
    pub id: String,
    /// Liquidators of this kind.
    pub count: u32,
    /// ETH each can spend on repaying debt.
    pub capital: f64,
    /// Gas cost per liquidation, in ETH.
    pub gas_eth: f64,
    /// Minimum profit to act, in ETH.
    #[serde(default)]
    pub min_profit: f64,
    /// Hold seized collateral and redeem it when the queue pays more than the pool.
    #[serde(default)]
    pub may_redeem: bool,
    /// Annual cost of capital locked while waiting for a redemption.
    #[serde(default = "default_carry")]
    pub carry_rate: f64,
}

fn default_carry() -> f64 {
    0.2
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArbitrageurConfig {
    pub id: String,
    pub count: u32,
    pub capital: f64,
    /// Annual cost of capital tied up in the redemption queue.
    pub carry_rate: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum ShockConfig {
    /// An AVS fault: `fraction` of the stake allocated to the AVS is slashed.
    Slash { at: Span, avs: String, fraction: f64 },
    /// ETH/USD falls by `fraction` at `at`, on top of its path.
    EthCrash { at: Span, fraction: f64 },
    /// Someone outside the population sells `lrt_amount` of the LRT into a pool (a DEX-only depeg).
    PoolSell { at: Span, pool: String, lrt_amount: f64 },
    /// Redemptions of an LRT are switched off (or on) at `at`.
    Redemptions { at: Span, lrt: String, enabled: bool },
}

impl ShockConfig {
    pub fn at(&self) -> Span {
        match self {
            ShockConfig::Slash { at, .. }
            | ShockConfig::EthCrash { at, .. }
            | ShockConfig::PoolSell { at, .. }
            | ShockConfig::Redemptions { at, .. } => *at,
        }
    }
}
