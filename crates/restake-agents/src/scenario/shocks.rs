//! Shocks (scheduled stresses) and hazards (random ones), as a scenario file writes them.
//!
//! The catalogue covers the risks of restaking: compounding (slashes, correlated faults),
//! smart-contract (exploits of an LRT, a restaking vault, a bridge, a lending market, a pool),
//! liquidity (ETH crashes, pool sales, exit waves, lender runs, paused withdrawals), liquidations
//! and chain reactions (oracle failures and manipulation), and regulatory action (delisting,
//! frozen collateral, forced exits, paused deposits or withdrawals).

use super::{Dist, Span};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum ShockConfig {
    /// An AVS fault: `fraction` of the stake allocated to the AVS is slashed.
    Slash { at: Span, avs: String, fraction: f64 },
    /// One correlated fault: every listed AVS slashes `fraction` of its allocated stake.
    CorrelatedSlash { at: Span, avss: Vec<String>, fraction: f64 },
    /// Beacon-chain slashing of `validators` (fraction) of an operator's validators, with the
    /// initial and correlation penalties of the consensus specs.
    BeaconSlash { at: Span, operator: String, validators: f64 },
    /// ETH/USD falls by `fraction` on top of its path: at once, or over `over` (then along a
    /// Brownian bridge in log price with annual `volatility`, pinned to the drawdown at the end).
    EthCrash {
        at: Span,
        fraction: f64,
        #[serde(default)]
        over: Option<Span>,
        #[serde(default)]
        volatility: f64,
    },
    /// Someone outside the population sells `lrt_amount` of the LRT into a pool (a DEX-only depeg).
    PoolSell { at: Span, pool: String, lrt_amount: f64 },
    /// Oracle manipulation: an attacker sells `lrt_amount` into a thin pool at the start of a step
    /// (a pool-priced oracle follows, liquidations fire) and buys it back at its end.
    OracleManipulation { at: Span, pool: String, lrt_amount: f64 },
    /// Withdrawals of an LRT are paused (`enabled = false`) or the pause is lifted, which opens
    /// redemptions if the LRT had none.
    Redemptions { at: Span, lrt: String, enabled: bool },
    /// A protocol pauses deposits (minting) and/or withdrawals of its LRT (`true` pauses, `false`
    /// resumes, absent leaves as is).
    Pause {
        at: Span,
        lrt: String,
        #[serde(default)]
        deposits: Option<bool>,
        #[serde(default)]
        withdrawals: Option<bool>,
    },
    /// A smart-contract exploit of an LRT: `stolen_fraction` of its assets (buffer and restaked
    /// stake alike) is taken, and/or `minted` tokens are minted without backing and, if `dump`,
    /// sold into the LRT's pool at once. `freeze` pauses its deposits and withdrawals afterwards.
    Exploit {
        at: Span,
        lrt: String,
        #[serde(default)]
        stolen_fraction: f64,
        #[serde(default)]
        minted: f64,
        #[serde(default = "yes")]
        dump: bool,
        #[serde(default)]
        freeze: bool,
        #[serde(default)]
        recovery: Option<RecoveryConfig>,
    },
    /// A restaking protocol's vault is exploited: `fraction` of the stake delegated through every
    /// operator of the protocol is stolen (LRTs and native restakers on it lose in proportion).
    VaultExploit {
        at: Span,
        protocol: String,
        fraction: f64,
        #[serde(default)]
        recovery: Option<RecoveryConfig>,
    },
    /// A bridge releases `minted` LRT tokens without backing to an attacker, who deposits them as
    /// collateral in `market` (if given) and borrows as much ETH as it allows, then leaves.
    /// `allocation` decides who bears the unbacked tokens: every holder (`shared`: a haircut of
    /// NAV) or only the bridged tokens (`ring-fenced`: they are worthless, the market that took
    /// them books the attacker's debt as bad debt). `freeze` pauses the LRT afterwards. While the
    /// LRT is fully paused (deposits and withdrawals) the release reverts.
    BridgeExploit {
        at: Span,
        lrt: String,
        minted: f64,
        #[serde(default)]
        market: Option<String>,
        /// How many of the tokens the attacker deposits on `market` (default: all of them).
        #[serde(default)]
        deposited: Option<f64>,
        #[serde(default)]
        allocation: Allocation,
        #[serde(default)]
        freeze: bool,
        #[serde(default)]
        recovery: Option<RecoveryConfig>,
    },
    /// A lending market is exploited: `fraction` of every position's collateral is stolen.
    MarketExploit {
        at: Span,
        market: String,
        fraction: f64,
        #[serde(default)]
        recovery: Option<RecoveryConfig>,
    },
    /// A pool is exploited: `fraction` of both reserves is drained (LP shares lose value).
    PoolExploit {
        at: Span,
        pool: String,
        fraction: f64,
        #[serde(default)]
        recovery: Option<RecoveryConfig>,
    },
    /// An oracle fails: `freeze` (reports its last value, a stale feed), `offset` (reports
    /// `1 + offset` times the true price: misconfigured or misreporting), or `restore`.
    /// `asset` picks a pooled market's reserve (default: the market's first LRT reserve).
    Oracle {
        at: Span,
        market: String,
        #[serde(default)]
        asset: Option<String>,
        failure: OracleFailure,
        #[serde(default)]
        offset: f64,
    },
    /// A growth-capped exchange-rate oracle (Aave CAPO) gets a new snapshot: `snapshot_ratio`, as
    /// if taken `snapshot_age` ago. A snapshot set too low caps the price below the live rate.
    CapoUpdate {
        at: Span,
        market: String,
        #[serde(default)]
        asset: Option<String>,
        snapshot_ratio: f64,
        snapshot_age: Span,
    },
    /// An AVS's token incentives end (the farmers' reason to hold is gone).
    IncentiveEnd { at: Span, avs: String },
    /// A share of an LRT's holders (or of one cohort) leave over `over`, whatever the price: an
    /// incentive ends or an airdrop is paid (farmers exit), or a class of holders must exit by a
    /// deadline (a regulatory action). Each leaves by its best route; loopers unwind.
    ExitWave {
        at: Span,
        #[serde(default)]
        lrt: Option<String>,
        #[serde(default)]
        cohort: Option<String>,
        share: f64,
        over: Span,
    },
    /// A share of a market's lenders withdraw everything (utilisation to its cap, withdrawals
    /// queue for the cash that is left).
    LenderRun { at: Span, market: String, share: f64 },
    /// A venue delists an LRT: `share` of the pool's liquidity leaves it.
    Delist { at: Span, pool: String, share: f64 },
    /// A pooled market freezes a collateral: no new supply or borrowing, LTV 0.
    FreezeCollateral {
        at: Span,
        market: String,
        #[serde(default)]
        asset: Option<String>,
    },
}

fn yes() -> bool {
    true
}

/// Who bears tokens a bridge released without backing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Allocation {
    /// Every holder of the LRT (NAV falls by the dilution).
    #[default]
    Shared,
    /// Only the bridged tokens: worthless, their holders (and the markets that took them) lose.
    RingFenced,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OracleFailure {
    Freeze,
    Offset,
    Restore,
}

/// Part of what an exploit took comes back later (the attacker returns it, a bail-out pays it).
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecoveryConfig {
    pub after: Span,
    pub fraction: f64,
}

impl ShockConfig {
    pub fn at(&self) -> Span {
        use ShockConfig::*;
        match self {
            Slash { at, .. }
            | CorrelatedSlash { at, .. }
            | BeaconSlash { at, .. }
            | EthCrash { at, .. }
            | PoolSell { at, .. }
            | OracleManipulation { at, .. }
            | Redemptions { at, .. }
            | Pause { at, .. }
            | Exploit { at, .. }
            | VaultExploit { at, .. }
            | BridgeExploit { at, .. }
            | MarketExploit { at, .. }
            | PoolExploit { at, .. }
            | Oracle { at, .. }
            | CapoUpdate { at, .. }
            | IncentiveEnd { at, .. }
            | ExitWave { at, .. }
            | LenderRun { at, .. }
            | Delist { at, .. }
            | FreezeCollateral { at, .. } => *at,
        }
    }

    /// Moves the shock to `at` (stress files and sweeps place shocks in time).
    pub fn set_at(&mut self, t: Span) {
        use ShockConfig::*;
        match self {
            Slash { at, .. }
            | CorrelatedSlash { at, .. }
            | BeaconSlash { at, .. }
            | EthCrash { at, .. }
            | PoolSell { at, .. }
            | OracleManipulation { at, .. }
            | Redemptions { at, .. }
            | Pause { at, .. }
            | Exploit { at, .. }
            | VaultExploit { at, .. }
            | BridgeExploit { at, .. }
            | MarketExploit { at, .. }
            | PoolExploit { at, .. }
            | Oracle { at, .. }
            | CapoUpdate { at, .. }
            | IncentiveEnd { at, .. }
            | ExitWave { at, .. }
            | LenderRun { at, .. }
            | Delist { at, .. }
            | FreezeCollateral { at, .. } => *at = t,
        }
    }
}

/// A random hazard: a layer that fails at random, `events_per_year` on average (a Poisson
/// process), each time losing a fraction drawn from `loss`. Hazards with the same `group` share
/// their draws (common code, shared operators or one oracle): they fail together.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HazardConfig {
    pub layer: HazardLayer,
    /// The LRT, restaking protocol, AVS, lending market, LRT (for a bridge), pool or market (for
    /// an oracle) that fails.
    pub target: String,
    pub events_per_year: f64,
    /// The loss when it fails: share of assets stolen (LRT, vault, market collateral, pool
    /// reserves), share of allocated stake slashed (AVS), unbacked tokens as a share of supply
    /// (bridge), error of the price reported (oracle, for an hour).
    pub loss: Dist,
    #[serde(default)]
    pub group: Option<String>,
    /// Bridge hazards: where the attacker borrows against the unbacked tokens.
    #[serde(default)]
    pub market: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HazardLayer {
    Lrt,
    Protocol,
    Avs,
    Market,
    Bridge,
    Pool,
    Oracle,
}
