//! The world: every agent and mechanism of a scenario, and the phases of a step.
//!
//! `World` implements [`restake_engine::Model`]. Each phase lives in its own file:
//! `build` (from a scenario), `shocks` (exogenous updates), `decide` (retail decisions in
//! parallel), `apply` (batched execution), `liquidation` (rounds), `settle` (arbitrage,
//! queues, rewards, interest), `ledger` (accounting invariants), `metrics` (run summary).

mod apply;
pub mod batch;
pub mod borrowers;
mod build;
mod decide;
mod ledger;
mod liquidation;
pub mod metrics;
mod settle;
mod shocks;
pub mod slashing;
mod suppliers;

pub use build::BuildError;
pub use metrics::{
    LOSS_QUANTILES, LrtSummary, LrtTally, MarketSummary, MarketTally, ROUND_BINS, RunSummary, StepTally,
    quantile_sorted, round_bin,
};

use crate::eth::EthMarket;
use crate::events::EventLog;
use crate::lrt::Lrt;
use crate::market::Market;
use crate::pool::LrtPool;
use crate::population::{Cohort, Intents, Population};
use crate::restaking::{Avs, Operator, RestakingProtocol};
use crate::scenario::ShockConfig;
use crate::traders::{Arbitrageur, Liquidator};
use restake_engine::{Model, StepContext};

/// Purposes of the per-step random draws.
pub mod purpose {
    use restake_engine::Purpose;
    pub const ETH_PATH: Purpose = Purpose(1);
    pub const ATTENTION: Purpose = Purpose(2);
    pub const AVS_FAULT: Purpose = Purpose(3);
    pub const LIQUIDATOR_ORDER: Purpose = Purpose(4);
    pub const VETO: Purpose = Purpose(5);
    pub const COMMON_FAULT: Purpose = Purpose(6);
    pub const COMMON_LOADING: Purpose = Purpose(7);
    pub const OPERATOR_FAULT: Purpose = Purpose(8);
}

/// Entity-id namespaces in random streams (agents use `population::RETAIL_NAMESPACE`).
pub mod entity {
    pub const WORLD: u64 = 0;
    pub const AVS: u64 = 1 << 32;
    pub const OPERATOR: u64 = 2 << 32;
}

/// The beacon chain as seen by withdrawals: yield and the churn-limited exit queue.
#[derive(Clone, Debug)]
pub struct Beacon {
    pub staking_apr: f64,
    pub exit_churn_eth_per_day: f64,
    /// ETH waiting to exit.
    pub exit_queue_eth: f64,
    pub fork: crate::beacon::Fork,
    pub total_active_eth: f64,
    /// Stake slashed in the correlation window (others' and this world's).
    pub slashed_in_window_eth: f64,
}

impl Beacon {
    /// Seconds until `extra` ETH joining the queue now has exited.
    pub fn exit_wait_seconds(&self, extra: f64) -> f64 {
        (self.exit_queue_eth + extra) / self.exit_churn_eth_per_day * 86_400.0
    }
}

/// What agents see of an LRT in a step (computed once per step, read in parallel).
#[derive(Clone, Copy, Debug, Default)]
pub struct LrtView {
    pub nav: f64,
    /// Spot price on the LRT's main pool.
    pub price: f64,
    pub pool_fee: f64,
    pub wait_years: f64,
    pub instant_capacity: f64,
    pub instant_fee: f64,
    pub redemptions_open: bool,
    /// Recent share of holders who exited (herding signal), decays with a one-day half-life.
    pub exit_pressure: f64,
    /// Price at the start of the run (agents' entry price).
    pub entry_price: f64,
}

/// A scheduled shock, resolved to indices.
#[derive(Clone, Debug)]
pub struct ScheduledShock {
    pub step: u64,
    pub config: ShockConfig,
    pub index: usize,
}

/// The latest event that moved a price, so later events can name their cause.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CauseRef {
    pub event: Option<u64>,
    /// Liquidation-chain depth of that event (0 if not a liquidation).
    pub depth: u32,
}

pub struct World {
    pub name: String,
    pub dt_seconds: f64,
    pub steps: u64,
    pub step: u64,
    pub eth: EthMarket,
    pub beacon: Beacon,
    pub protocols: Vec<RestakingProtocol>,
    pub operators: Vec<Operator>,
    pub avss: Vec<Avs>,
    pub lrts: Vec<Lrt>,
    pub pools: Vec<LrtPool>,
    /// Main pool of each LRT (where holders sell).
    pub lrt_pool: Vec<usize>,
    pub markets: Vec<Market>,
    /// Agents borrowing on each market (loopers), in agent order: liquidation scans visit
    /// only these.
    pub borrowers: Vec<Vec<u32>>,
    pub cohorts: Vec<Cohort>,
    pub pop: Population,
    pub liquidators: Vec<Liquidator>,
    pub arbitrageurs: Vec<Arbitrageur>,
    pub shocks: Vec<ScheduledShock>,
    pub natives: Vec<crate::native::NativeRestaker>,
    pub pending_slashes: Vec<slashing::PendingSlash>,
    pub common_fault_events_per_year: f64,
    /// Steps between operators' checks for a profitable attack (None: attacks off).
    pub attack_check_steps: Option<u64>,
    pub events: EventLog,
    pub lrt_views: Vec<LrtView>,
    /// Last price-moving event per pool, and last NAV-moving event per LRT.
    pub pool_cause: Vec<CauseRef>,
    pub nav_cause: Vec<CauseRef>,
    /// Last ETH/USD crash shock (the cause of USD-debt liquidations).
    pub eth_cause: CauseRef,
    pub ledger: ledger::Ledger,
    pub tally: StepTally,
    pub summary: RunSummary,
    /// Reused scratch buffers for liquidation scans and sell batches.
    scratch: liquidation::Scratch,
    scratch_orders: Vec<Vec<batch::Order>>,
}

impl World {
    /// The ETH/USD price now.
    pub fn eth_usd(&self) -> f64 {
        self.eth.usd
    }

    pub fn nav(&self, lrt: usize) -> f64 {
        self.lrts[lrt].nav(&self.operators)
    }

    /// Debt of agent `i` in its cohort's market, valued in ETH at the oracle.
    pub fn debt_of(&self, i: usize) -> f64 {
        self.position(i).map_or(0.0, |p| p.debt_value)
    }

    /// Mark-to-market net wealth of agent `i` in ETH: wallet, LRT at the pool price, queued
    /// tokens at NAV, and the equity of its position (collateral at market less debt at market).
    pub fn wealth_of(&self, i: usize) -> f64 {
        let c = &self.cohorts[self.pop.cohort[i] as usize];
        let wallet = match self.lrt_views.get(c.lrt) {
            Some(v) => self.pop.lrt[i] * v.price + self.pop.queued[i] * v.nav,
            None => 0.0,
        };
        self.pop.eth[i] + wallet + self.position_equity(i)
    }

    /// Total value locked across LRTs, in ETH.
    pub fn tvl(&self) -> f64 {
        self.lrts.iter().map(|l| l.total_assets(&self.operators)).sum()
    }
}

impl Model for World {
    type Intents = Intents;
    type Error = WorldError;

    fn new_intents(&self) -> Intents {
        Intents::with_len(self.pop.len())
    }

    fn exogenous(&mut self, ctx: &StepContext) -> Result<(), WorldError> {
        self.step = ctx.step;
        self.events.begin_step(ctx.step);
        self.tally.reset(self.markets.len(), self.lrts.len());
        self.exogenous_updates(ctx)
    }

    fn decide(&self, ctx: &StepContext, intents: &mut Intents) {
        self.decide_retail(ctx, intents);
    }

    fn apply(&mut self, ctx: &StepContext, intents: &Intents) -> Result<(), WorldError> {
        self.apply_retail(ctx, intents)
    }

    fn resolve_round(&mut self, ctx: &StepContext, round: u32) -> Result<usize, WorldError> {
        self.liquidation_round(ctx, round)
    }

    fn settle(&mut self, ctx: &StepContext) -> Result<(), WorldError> {
        self.settle_step(ctx)
    }

    fn check_invariants(&self) -> Result<(), String> {
        self.check_ledger()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum WorldError {
    #[error("pool `{pool}`: {source}")]
    Pool { pool: String, source: restake_amm::AmmError },
    #[error("market `{market}`: {source}")]
    Market { market: String, source: restake_lending::LendingError },
    #[error("non-finite value: {0}")]
    NonFinite(String),
}
