//! Where yield comes from beyond staking and AVS fees, who chases it, and the portfolios an
//! investor can hold: reward tokens and their price processes, LRT points with an airdrop,
//! yield-driven flows of a retail cohort, and strategies.

use super::{Dist, Span};
use serde::{Deserialize, Serialize};

/// A token that incentives are paid in. Its price is an index that starts at 1 (an APR of
/// incentives is valued at the start price) and follows a geometric Brownian motion.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenConfig {
    pub id: String,
    /// Annual drift of the log price (emission tokens tend to bleed: negative).
    #[serde(default)]
    pub drift: f64,
    /// Annual volatility.
    pub volatility: f64,
}

/// An LRT's points programme: points accrue on every token held (not queued), at `apr` of the
/// holding's NAV in expected airdrop value at the token's start price, and are paid as the
/// token at `airdrop_at`, when its price falls by `selloff` as recipients sell. The programme
/// ends with the airdrop.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PointsConfig {
    pub apr: f64,
    /// The token the airdrop pays (none: valued at a constant start price).
    #[serde(default)]
    pub token: Option<String>,
    pub airdrop_at: Span,
    /// Share of the token's price lost when the airdrop lands, in [0, 1).
    #[serde(default)]
    pub selloff: f64,
}

/// Yield-driven flows of a retail cohort's holders: each compares the LRT's headline APY (base
/// yield, AVS fees and incentives net of fees, points at their expected value) with its own
/// hurdle. Holders whose APY falls below `hurdle - inertia` leave by their best exit; agents on
/// the sideline (`waiting_share` of the cohort, holding ETH) deposit by minting at NAV once the
/// APY they perceive reaches their hurdle, the perceived APY adding `fomo` times the recent
/// growth of the LRT's supply (momentum).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlowsConfig {
    /// Each agent's required APY.
    pub hurdle_apy: Dist,
    /// Band below the hurdle before a holder leaves (inertia), in APY.
    #[serde(default)]
    pub inertia: f64,
    /// Share of the cohort's holders that start on the sideline, in ETH.
    #[serde(default)]
    pub waiting_share: f64,
    /// APY added to the perceived APY per unit of momentum (the share of supply minted over
    /// about the last day).
    #[serde(default)]
    pub fomo: f64,
}

/// A portfolio an investor can be: legs in weights of its capital, entered at the start at
/// NAV, held passively, and valued every step (a price taker: it does not move the world).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StrategyConfig {
    pub id: String,
    /// ETH invested at the start (returns are per unit of it; only values scale).
    #[serde(default = "hundred")]
    pub capital: f64,
    pub legs: Vec<LegConfig>,
}

fn hundred() -> f64 {
    100.0
}

/// One leg of a strategy: exactly one of `lrt` (hold the LRT), `native` (a share of a native
/// restaker's position: its operators and their AVS set) or `loop` (a leveraged loop on an
/// isolated market at `health_factor`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegConfig {
    pub weight: f64,
    #[serde(default)]
    pub lrt: Option<String>,
    #[serde(default)]
    pub native: Option<String>,
    #[serde(default, rename = "loop")]
    pub loop_market: Option<String>,
    #[serde(default)]
    pub health_factor: Option<f64>,
}
