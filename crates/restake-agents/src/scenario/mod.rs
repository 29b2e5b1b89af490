//! Scenario description: what a TOML file says, as plain serde types.
//!
//! These types only describe, and they are the only schema of a scenario file: the resolve pass
//! ([`crate::resolve`]) checks them and turns them into index-typed data, from which
//! [`crate::world::World::new`] builds the state. Unknown fields are errors everywhere
//! (`deny_unknown_fields`), so a typo never silently falls back to a default.

mod dist;
mod duration;
mod lending;
mod shocks;
mod yields;

pub use dist::Dist;
pub use duration::Span;
pub use lending::*;
pub use shocks::*;
pub use yields::*;

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One problem in a scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Issue {
    /// Config path of the offending field, e.g. `markets[0].lltv` or `lrts[1].delegations.op-x`.
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for Issue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

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
    /// Borrowers outside the LRT population (ETH-collateral stablecoin borrowers).
    #[serde(default)]
    pub borrowers: Vec<BorrowerCohortConfig>,
    #[serde(default)]
    pub liquidators: Vec<LiquidatorConfig>,
    #[serde(default)]
    pub arbitrageurs: Vec<ArbitrageurConfig>,
    #[serde(default)]
    pub shocks: Vec<ShockConfig>,
    /// Random hazards: layers that fail at random in Monte Carlo runs.
    #[serde(default)]
    pub hazards: Vec<HazardConfig>,
    /// Stakers who restake natively (no LRT): delegated stake that can be slashed.
    #[serde(default)]
    pub native_restakers: Vec<NativeRestakerConfig>,
    #[serde(default)]
    pub faults: FaultsConfig,
    #[serde(default)]
    pub security: SecurityConfig,
    /// Tokens that incentives and airdrops are paid in, each with its price process.
    #[serde(default)]
    pub tokens: Vec<TokenConfig>,
    /// Portfolios whose yield is accounted step by step (price takers).
    #[serde(default)]
    pub strategies: Vec<StrategyConfig>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NativeRestakerConfig {
    pub id: String,
    pub protocol: String,
    /// ETH restaked.
    pub stake: f64,
    /// Share of the stake delegated to each operator (sums to 1).
    pub delegations: BTreeMap<String, f64>,
}

/// Faults that hit many AVSs at once (a shared client bug, a common dependency).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FaultsConfig {
    /// Common fault events per year; each AVS faults in one with its `common_fault_loading`.
    pub common_events_per_year: f64,
}

/// Attacks by operators inside the simulation (Durvasula & Roughgarden's model).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SecurityConfig {
    /// Operators attack AVSs whenever a valid attack exists (profit from corruption exceeds
    /// the stake they lose). Needs every AVS's profit_from_corruption and attack_threshold.
    pub operator_attacks: bool,
    /// How often the operators look for a profitable attack.
    pub check_every: Span,
}

impl Default for SecurityConfig {
    fn default() -> Self {
        SecurityConfig { operator_attacks: false, check_every: Span::hours(24) }
    }
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
    /// Penalty rules: "electra" (initial 1/4096) or "bellatrix" (1/32).
    pub fork: BeaconFork,
    /// Total active stake, for the correlation penalty.
    pub total_active_eth: f64,
    /// Stake slashed by others in the correlation window (adds to this world's slashings).
    pub slashed_in_window_eth: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BeaconFork {
    Bellatrix,
    Electra,
}

impl Default for BeaconConfig {
    fn default() -> Self {
        Self {
            staking_apr: 0.03,
            exit_churn_eth_per_day: 57_600.0,
            exit_queue_eth: 0.0,
            fork: BeaconFork::Electra,
            total_active_eth: 34_000_000.0,
            slashed_in_window_eth: 0.0,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RestakingProtocolConfig {
    pub id: String,
    /// Parameter set to start from; fields below override it.
    #[serde(default)]
    pub preset: Option<ProtocolPreset>,
    /// Fixed withdrawal delay (after the beacon exit).
    #[serde(default)]
    pub withdrawal_delay: Option<Span>,
    /// Epoch length for epoch-based withdrawals (Symbiotic): a withdrawal completes at the end
    /// of the epoch after the one it was requested in (a wait in [E, 2E)).
    #[serde(default)]
    pub epoch: Option<Span>,
    /// Time a slash waits before it executes, during which it can be vetoed.
    #[serde(default)]
    pub veto_window: Option<Span>,
    /// The protocol's token emissions to restakers, as an APR on their stake at the token's
    /// start price (EIGEN's programmatic incentives); operators and LRTs take their fees.
    #[serde(default)]
    pub incentive_apr: f64,
    /// When the emissions stop (none: never).
    #[serde(default)]
    pub incentive_end: Option<Span>,
    /// The token they are paid in (none: valued at a constant start price).
    #[serde(default)]
    pub incentive_token: Option<String>,
}

/// Ready parameter sets of the one restaking mechanism.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProtocolPreset {
    /// EigenLayer since April 2025: 14-day withdrawal delay, no veto.
    Eigenlayer,
    /// EigenLayer before April 2025: 7-day withdrawal delay.
    Eigenlayer2024,
    /// Symbiotic: epoch-based delay in [E, 2E) with E = 7 days; a resolver veto is optional.
    Symbiotic,
    /// Karak: 9-day withdrawal delay, 7-day slashing window, 2-day veto.
    Karak,
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
    /// Operator faults per year; a fault slashes it in every AVS it is allocated to (at that
    /// AVS's slash_fraction).
    #[serde(default)]
    pub fault_hazard_per_year: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AvsConfig {
    pub id: String,
    /// Fee revenue as an APR on stake allocated to it, in ETH.
    #[serde(default)]
    pub fee_apr: f64,
    /// Token incentives as an APR on allocated stake, valued at the token's start price; paid
    /// to the stake's holders through operators and LRTs, with their fees.
    #[serde(default)]
    pub incentive_apr: f64,
    /// The token incentives are paid in (none: valued at a constant start price).
    #[serde(default)]
    pub incentive_token: Option<String>,
    /// When incentives stop (none: never).
    #[serde(default)]
    pub incentive_end: Option<Span>,
    /// Faults per year (Poisson); 0 means faults happen only as scheduled shocks.
    #[serde(default)]
    pub fault_hazard_per_year: f64,
    /// Fraction of allocated stake slashed on a random fault.
    #[serde(default = "default_slash_fraction")]
    pub slash_fraction: f64,
    /// Incentives halve every this long (none: constant until `incentive_end`).
    #[serde(default)]
    pub incentive_half_life: Option<Span>,
    /// Probability that a slash of this AVS is vetoed during the protocol's veto window.
    #[serde(default)]
    pub veto_probability: f64,
    /// Probability that this AVS faults when a common fault event happens (correlation).
    #[serde(default)]
    pub common_fault_loading: f64,
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
    /// Whether holders can queue redemptions ("queue") or not at all ("disabled").
    pub redemptions: RedemptionMode,
    /// A request is claimable no sooner than this after it is made, even when the buffer holds
    /// the ETH (Renzo: 3 days in 2024, 7 later, up to 15 by 2025).
    #[serde(default = "default_cooldown")]
    pub cooldown: Span,
    /// What a request is paid: its tokens at the NAV of the day of payment, the ETH fixed at the
    /// request, or the lower of the two (Renzo).
    #[serde(default)]
    pub claim: ClaimConfig,
    /// What backs the restaked assets: natively restaked ETH (withdrawals also wait for the
    /// beacon-chain exit queue) or liquid tokens (LSTs, ERC-20 vaults: only the protocol's delay).
    #[serde(default)]
    pub backing: BackingConfig,
    /// The instant route from the buffer, if the LRT offers one (even with redemptions disabled).
    #[serde(default)]
    pub instant: Option<InstantConfig>,
    /// Share of rewards the LRT protocol keeps.
    #[serde(default)]
    pub protocol_fee: f64,
    /// Share of restaked assets delegated to each operator (sums to 1).
    pub delegations: BTreeMap<String, f64>,
    /// A points programme with an expected airdrop.
    #[serde(default)]
    pub points: Option<PointsConfig>,
}

fn default_cooldown() -> Span {
    Span::hours(7 * 24)
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClaimConfig {
    #[default]
    AtPayment,
    AtRequest,
    LowerOf,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BackingConfig {
    #[default]
    Native,
    Liquid,
}

/// The instant route (Renzo's `InstantWithdrawer`): `min_fee` while the buffer is at or above
/// its target, rising linearly to `max_fee` as it falls to `floor` x target, below which no
/// instant withdrawal is paid.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstantConfig {
    pub min_fee: f64,
    pub max_fee: f64,
    /// Share of the buffer target instant withdrawals may not use (0.9: a tenth is usable).
    #[serde(default)]
    pub floor: f64,
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
    /// What the invariant counts one LRT as: one ETH (`none`, a plain pool) or its NAV (`nav`: a
    /// rate oracle, as Curve stableswap-ng and Balancer composable stable pools have), so a NAV
    /// change moves the price without a trade. Stableswap pools only.
    #[serde(default)]
    pub rate: PoolRate,
    /// Liquidity providers who withdraw as imbalance, depeg or volatility rise, and come back as
    /// they calm (the rest of the liquidity never moves).
    #[serde(default)]
    pub lps: Option<LpConfig>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PoolRate {
    #[default]
    None,
    Nav,
}

/// A pool's liquidity providers who may leave: `count` of them hold `share` of the liquidity in
/// equal parts, each with its own thresholds.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LpConfig {
    /// Share of the pool's liquidity they hold, in (0, 1).
    pub share: f64,
    pub count: u32,
    /// Leaves when the LRT's share of the pool's value exceeds this (0.5 is balanced).
    pub imbalance: Dist,
    /// ...or when the pool price is more than this below NAV.
    pub depeg: Dist,
    /// ...or when the pool price's annualised volatility exceeds this.
    pub volatility: Dist,
    /// Comes back once all three are below `calm` x its thresholds.
    #[serde(default = "half")]
    pub calm: f64,
    /// How often a provider looks at the pool, per day.
    #[serde(default = "daily_24")]
    pub attention_per_day: f64,
    /// Half-life of the volatility estimate (an EWMA of squared log price changes).
    #[serde(default = "six_hours")]
    pub volatility_half_life: Span,
}

fn half() -> f64 {
    0.5
}
fn daily_24() -> f64 {
    24.0
}
fn six_hours() -> Span {
    Span::hours(6)
}

// Lending types (markets, reserves, e-modes, oracles, suppliers, borrower cohorts) live in
// `lending.rs`.

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetailCohortConfig {
    pub id: String,
    pub agents: u32,
    pub lrt: String,
    /// The market loopers borrow on (required when `looper_share` > 0).
    #[serde(default)]
    pub market: Option<String>,
    /// E-mode category (by label) loopers enter on a pooled market.
    #[serde(default)]
    pub emode: Option<String>,
    /// What the cohort paid per token, the reference of its losses (default: the pool price at
    /// the start; a replay that starts mid-crisis sets what holders paid before it).
    #[serde(default)]
    pub entry_price: Option<f64>,
    /// What loopers borrow: `ETH` (default: a leveraged staking loop) or `USD` on a pooled
    /// market (a stablecoin loan against the LRT, as Celsius held against stETH in 2022: its
    /// health falls with ETH/USD as well as with the LRT's price).
    #[serde(default)]
    pub debt: Option<String>,
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
    /// Holders who come and go with the yield (none: holders leave only in panic).
    #[serde(default)]
    pub flows: Option<FlowsConfig>,
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
    /// How long a liquidator expects to wait to withdraw collateral seized as aTokens (when the
    /// collateral reserve has no cash), for its profit sums.
    #[serde(default = "one_day")]
    pub atoken_wait: Span,
}

fn default_carry() -> f64 {
    0.2
}

fn one_day() -> Span {
    Span::hours(24)
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArbitrageurConfig {
    pub id: String,
    pub count: u32,
    pub capital: f64,
    /// Annual cost of capital tied up in the redemption queue.
    pub carry_rate: f64,
    /// Whether they may mint at NAV to sell above it (false: deposits are closed to them, e.g.
    /// paused after a slash; they only buy below NAV and redeem).
    #[serde(default = "yes")]
    pub mint: bool,
    /// Most ETH outside capital brings to this kind (in all) when the return on offer is high:
    /// the deeper and longer a discount lasts, the more arrives.
    #[serde(default)]
    pub outside_capital: f64,
    /// Annualised return at which outside capital starts to arrive; at twice it, all of it does.
    #[serde(default = "default_hurdle")]
    pub hurdle_apr: f64,
    /// How fast outside capital arrives and leaves (time constant).
    #[serde(default = "default_arrival")]
    pub arrival: Span,
    /// With redemptions closed, how long they expect a discount to take to close (they buy
    /// the dip and sell when the price is back within `take_profit` of NAV).
    #[serde(default = "default_recovery")]
    pub recovery: Span,
    #[serde(default = "default_take_profit")]
    pub take_profit: f64,
}

fn default_hurdle() -> f64 {
    0.2
}
fn default_arrival() -> Span {
    Span::hours(12)
}
fn default_recovery() -> Span {
    Span::hours(30 * 24)
}
fn default_take_profit() -> f64 {
    0.01
}
