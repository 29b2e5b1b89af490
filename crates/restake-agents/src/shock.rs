//! Shocks as the resolved scenario schedules them: what happens, to which entity (by index),
//! and when; and the random hazards that fire them.

use crate::sampler::Sampler;

/// Part of what an exploit took that comes back, `after_steps` later.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Recovery {
    pub after_steps: u64,
    pub fraction: f64,
}

/// Whose holders an exit wave moves.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ExitScope {
    /// Every cohort holding the LRT.
    Lrt(usize),
    Cohort(usize),
}

/// What an oracle shock does to a feed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum OracleFault {
    /// Report the last value (stale).
    Freeze,
    /// Report `1 + offset` times the true price.
    Offset(f64),
    /// Back to normal.
    Restore,
}

/// Where recovered value goes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum RecoveryTo {
    /// ETH back to an LRT's buffer.
    Lrt(usize),
    /// Share value back to a restaking protocol's operators: `fraction` of what each lost.
    Protocol(usize),
    /// ETH to a market's lenders (the ETH loan reserve).
    Market(usize),
    /// Coins back into a pool.
    Pool(usize),
}

/// One shock.
#[derive(Clone, Debug, PartialEq)]
pub enum Shock {
    /// An AVS fault: `fraction` of the stake allocated to the AVS is slashed.
    Slash { avs: usize, fraction: f64 },
    /// One correlated fault: every listed AVS slashes `fraction` of its allocated stake.
    CorrelatedSlash { avss: Vec<usize>, fraction: f64 },
    /// Beacon-chain slashing of `validators` (fraction) of an operator's validators.
    BeaconSlash { operator: usize, validators: f64 },
    /// ETH/USD falls by `fraction` on top of its path, over `steps` (0: at once) along a Brownian
    /// bridge of annual `volatility`.
    EthCrash { fraction: f64, steps: u64, volatility: f64 },
    /// Someone outside the population sells `lrt_amount` of the LRT into a pool; with
    /// `buy_back`, buys it back at the end of the step (an oracle manipulation).
    PoolSell { pool: usize, lrt_amount: f64, buy_back: bool },
    /// Withdrawals of an LRT are paused, or the pause is lifted (and redemptions opened).
    Redemptions { lrt: usize, enabled: bool },
    /// Deposits and/or withdrawals of an LRT are paused (true) or resumed (false).
    Pause { lrt: usize, deposits: Option<bool>, withdrawals: Option<bool> },
    /// A smart-contract exploit of an LRT: assets stolen and/or unbacked tokens minted (and
    /// dumped into its pool if `dump`); `freeze` pauses the LRT afterwards.
    Exploit { lrt: usize, stolen_fraction: f64, minted: f64, dump: bool, freeze: bool, recovery: Option<Recovery> },
    /// `fraction` of the stake of every operator of a restaking protocol is stolen.
    VaultExploit { protocol: usize, fraction: f64, recovery: Option<Recovery> },
    /// Unbacked LRT released by a bridge to an attacker who borrows against it on `market`.
    BridgeExploit {
        lrt: usize,
        minted: f64,
        market: Option<usize>,
        /// Tokens deposited on `market` (the rest the attacker keeps, or dumps when shared).
        deposited: f64,
        ring_fenced: bool,
        freeze: bool,
        recovery: Option<Recovery>,
    },
    /// `fraction` of every position's collateral on a market is stolen.
    MarketExploit { market: usize, fraction: f64, recovery: Option<Recovery> },
    /// `fraction` of both reserves of a pool is drained.
    PoolExploit { pool: usize, fraction: f64, recovery: Option<Recovery> },
    /// An oracle (feed `feed` of `market`: the reserve index, 0 on an isolated market) fails.
    Oracle { market: usize, feed: usize, fault: OracleFault },
    /// A CAPO oracle gets a new snapshot `ratio`, as if taken `age_years` ago.
    CapoUpdate { market: usize, feed: usize, ratio: f64, age_years: f64 },
    /// An AVS's incentives end.
    IncentiveEnd { avs: usize },
    /// `share` of the holders in `scope` leave over `steps`.
    ExitWave { scope: ExitScope, share: f64, steps: u64 },
    /// `share` of a market's lenders withdraw everything.
    LenderRun { market: usize, share: f64 },
    /// `share` of a pool's liquidity leaves it.
    Delist { pool: usize, share: f64 },
    /// A pooled market freezes reserve `reserve`.
    FreezeCollateral { market: usize, reserve: usize },
    /// Value an earlier exploit took comes back (scheduled by the exploit when it fires).
    Recover { to: RecoveryTo, eth: f64, fraction: f64 },
}

impl Shock {
    /// Whether this is an exploit (for the count of exploits a run suffered).
    pub fn is_exploit(&self) -> bool {
        matches!(
            self,
            Shock::Exploit { .. }
                | Shock::VaultExploit { .. }
                | Shock::BridgeExploit { .. }
                | Shock::MarketExploit { .. }
                | Shock::PoolExploit { .. }
        )
    }
}

/// A shock at a step, with the label its event carries.
#[derive(Clone, Debug, PartialEq)]
pub struct ScheduledShock {
    pub step: u64,
    pub shock: Shock,
    pub label: String,
}

/// What a hazard breaks when it fires (its target resolved).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum HazardTarget {
    Lrt(usize),
    Protocol(usize),
    Avs(usize),
    Market(usize),
    /// An LRT's bridge, and where the attacker borrows.
    Bridge {
        lrt: usize,
        market: Option<usize>,
    },
    Pool(usize),
    /// A market's oracle (feed index).
    Oracle {
        market: usize,
        feed: usize,
    },
}

/// A random hazard: fires with probability `per_step` in a step (drawn once per `group`), losing
/// a fraction drawn from `loss`.
#[derive(Clone, Debug)]
pub struct Hazard {
    pub target: HazardTarget,
    pub per_step: f64,
    pub loss: Sampler,
    /// Correlation group: hazards of one group share their draw.
    pub group: usize,
    pub label: String,
}
