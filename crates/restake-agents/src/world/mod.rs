//! The world: every agent and mechanism of a scenario, grouped by subsystem, and the phases of a
//! step.
//!
//! `World` implements [`restake_engine::Model`]. Its state is six groups — [`Restaking`],
//! [`Liquidity`], [`Lending`], [`Agents`], [`Observation`], [`Yields`] — so a phase borrows the parts it
//! touches and nothing else. Value moves between holders only through the transactions of
//! `tx.rs`, which keep the ledger, the tallies, the event and its cause in one place. Phases, one
//! file each: `shocks` (exogenous updates and scheduled shocks), `slashing`, `decide`, `apply`
//! (+ `batch`: the uniform-price clearing), `leverage` (borrowers' decisions and unwinds),
//! `liquidation` (rounds), `suppliers` (the lender run), `settle` (arbitrage, queues, rewards,
//! interest; `yields`: rewards by source, incentives, strategies); `ledger` checks the accounting invariants; `build` makes a world from a
//! [`crate::resolve::Resolved`] description.

mod accrual;
mod apply;
mod arbitrage;
pub mod batch;
mod build;
mod claims;
mod decide;
mod hazards;
mod ledger;
mod leverage;
mod liquidation;
mod lps;
mod redemption;
mod settle;
mod shocks;
mod slashing;
mod suppliers;
pub mod tally;
mod tx;
mod yields;

pub use ledger::Ledger;
pub use slashing::PendingSlash;
pub use tally::{MarketTally, ROUND_BINS, StepTally, round_bin};
pub use yields::{LrtYield, NativeYield, Yields};

use crate::beacon::Beacon;
use crate::eth::EthMarket;
use crate::events::{Entity, EventLog};
use crate::lp::LpCohort;
use crate::lrt::Lrt;
use crate::market::Market;
use crate::native::NativeRestaker;
use crate::pool::LrtPool;
use crate::population::{Cohort, Intents, Population};
use crate::restaking::{Avs, Operator, RestakingProtocol};
use crate::shock::ScheduledShock;
use crate::traders::{Arbitrageur, Liquidator};
use crate::vocab::Asset;
use restake_engine::{Model, StepContext};

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
    /// The LRT's headline APY (see [`LrtYield::headline_apy`]).
    pub headline_apy: f64,
    /// Recent growth of supply by deposits (share of supply minted, decaying with a one-day
    /// half-life): what FOMO follows.
    pub momentum: f64,
    pub deposits_open: bool,
}

/// The latest event that moved a price, so later events can name their cause.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CauseRef {
    pub event: Option<u64>,
    /// Liquidation-chain depth of that event (0 if not a liquidation).
    pub depth: u32,
}

/// Restaked stake and what can slash it.
pub struct Restaking {
    pub beacon: Beacon,
    pub protocols: Vec<RestakingProtocol>,
    pub operators: Vec<Operator>,
    pub avss: Vec<Avs>,
    pub natives: Vec<NativeRestaker>,
    pub pending_slashes: Vec<PendingSlash>,
    pub common_fault_events_per_year: f64,
    /// Steps between operators' checks for a profitable attack (None: attacks off).
    pub attack_check_steps: Option<u64>,
}

/// LRTs, the pools they trade on, their liquidity providers, and what agents see of them.
pub struct Liquidity {
    pub lrts: Vec<Lrt>,
    pub pools: Vec<LrtPool>,
    /// Liquidity providers who may leave, of the pools that have them.
    pub lps: Vec<LpCohort>,
    /// Main pool of each LRT (where holders sell).
    pub lrt_pool: Vec<usize>,
    pub views: Vec<LrtView>,
    /// Manipulators' buy-backs due at the end of this step: (pool, ETH).
    pub buy_backs: Vec<(usize, f64)>,
}

/// Lending markets (each owns its positions).
pub struct Lending {
    pub markets: Vec<Market>,
}

/// Retail agents, liquidators and arbitrageurs.
pub struct Agents {
    pub cohorts: Vec<Cohort>,
    pub pop: Population,
    pub liquidators: Vec<Liquidator>,
    pub arbitrageurs: Vec<Arbitrageur>,
}

/// What the world records about itself: events, this step's tallies, causes, the ledger.
pub struct Observation {
    pub events: EventLog,
    pub tally: StepTally,
    /// Last price-moving event per pool.
    pub pool_cause: Vec<CauseRef>,
    /// Last NAV-moving event per LRT.
    pub nav_cause: Vec<CauseRef>,
    /// Last ETH/USD crash shock (the cause of USD-debt liquidations).
    pub eth_cause: CauseRef,
    pub ledger: Ledger,
}

pub struct World {
    pub(crate) name: String,
    pub(crate) step: u64,
    pub(crate) dt_seconds: f64,
    pub(crate) eth: EthMarket,
    pub(crate) shocks: Vec<ScheduledShock>,
    pub(crate) hazards: Vec<crate::shock::Hazard>,
    pub(crate) restaking: Restaking,
    pub(crate) liquidity: Liquidity,
    pub(crate) lending: Lending,
    pub(crate) agents: Agents,
    pub(crate) obs: Observation,
    pub(crate) yields: Yields,
    /// Reused buffers of liquidation scans and sell batches.
    scratch: Scratch,
}

/// Buffers allocated once and reused every step.
#[derive(Debug, Default)]
struct Scratch {
    liquidation: liquidation::Scratch,
    orders: Vec<Vec<batch::Order>>,
    /// Which orders of an auction can be filled (`clear_feasible`).
    keep: Vec<bool>,
}

impl World {
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The step the world is in (the last one run, once a step has run).
    pub fn step(&self) -> u64 {
        self.step
    }

    /// Seconds since the start at the beginning of the current step.
    pub fn time_seconds(&self) -> f64 {
        self.step as f64 * self.dt_seconds
    }

    /// The ETH/USD price now.
    pub fn eth_usd(&self) -> f64 {
        self.eth.usd
    }

    pub fn nav(&self, lrt: usize) -> f64 {
        self.liquidity.lrts[lrt].nav(&self.restaking.operators)
    }

    /// ETH one unit of `asset` fetches when sold now, before fees (LRT: its main pool's spot).
    #[inline]
    pub fn market_price(&self, asset: Asset) -> f64 {
        match asset {
            Asset::Eth => 1.0,
            Asset::Usd => 1.0 / self.eth.usd,
            Asset::Lrt(l) => self.liquidity.views[l].price,
        }
    }

    /// The ETH value of one unit of `asset` at its backing: an LRT at its NAV.
    pub fn nav_price(&self, asset: Asset) -> f64 {
        match asset {
            Asset::Lrt(l) => self.liquidity.views[l].nav,
            other => self.market_price(other),
        }
    }

    /// Total value locked across LRTs, in ETH.
    pub fn tvl(&self) -> f64 {
        self.liquidity.lrts.iter().map(|l| l.total_assets(&self.restaking.operators)).sum()
    }

    // ---- read access, for recorders, analysis and tests ----

    /// The events of the current step.
    pub fn events(&self) -> &EventLog {
        &self.obs.events
    }
    pub fn tally(&self) -> &StepTally {
        &self.obs.tally
    }
    pub fn ledger(&self) -> &Ledger {
        &self.obs.ledger
    }
    pub fn lrts(&self) -> &[Lrt] {
        &self.liquidity.lrts
    }
    pub fn views(&self) -> &[LrtView] {
        &self.liquidity.views
    }
    pub fn pools(&self) -> &[LrtPool] {
        &self.liquidity.pools
    }
    pub fn lp_cohorts(&self) -> &[LpCohort] {
        &self.liquidity.lps
    }
    /// The main pool of LRT `l` (`usize::MAX` if it has none).
    pub fn main_pool(&self, l: usize) -> usize {
        self.liquidity.lrt_pool[l]
    }
    pub fn markets(&self) -> &[Market] {
        &self.lending.markets
    }
    pub fn operators(&self) -> &[Operator] {
        &self.restaking.operators
    }
    pub fn avss(&self) -> &[Avs] {
        &self.restaking.avss
    }
    pub fn natives(&self) -> &[NativeRestaker] {
        &self.restaking.natives
    }
    pub fn beacon(&self) -> &Beacon {
        &self.restaking.beacon
    }
    pub fn population(&self) -> &Population {
        &self.agents.pop
    }
    pub fn cohorts(&self) -> &[Cohort] {
        &self.agents.cohorts
    }
    pub fn liquidators(&self) -> &[Liquidator] {
        &self.agents.liquidators
    }
    pub fn arbitrageurs(&self) -> &[Arbitrageur] {
        &self.agents.arbitrageurs
    }
    pub fn yields(&self) -> &Yields {
        &self.yields
    }

    /// (kind, id) of an event's entity, as `events.parquet` names it.
    pub fn entity_name(&self, e: Entity) -> (&'static str, String) {
        match e {
            Entity::World => ("world", String::new()),
            Entity::Avs(i) => ("avs", self.restaking.avss[i as usize].id.clone()),
            Entity::Operator(i) => ("operator", self.restaking.operators[i as usize].id.clone()),
            Entity::Lrt(i) => ("lrt", self.liquidity.lrts[i as usize].id.clone()),
            Entity::Pool(i) => ("pool", self.liquidity.pools[i as usize].id.clone()),
            Entity::Market(i) => ("market", self.lending.markets[i as usize].id.clone()),
            Entity::Liquidator(i) => ("liquidator", self.agents.liquidators[i as usize].kind.clone()),
            Entity::Arbitrageur(i) => ("arbitrageur", self.agents.arbitrageurs[i as usize].kind.clone()),
            Entity::Native(i) => ("native", self.restaking.natives[i as usize].id.clone()),
        }
    }
}

impl Model for World {
    type Intents = Intents;
    type Error = WorldError;

    fn new_intents(&self) -> Intents {
        Intents::with_len(self.agents.pop.len())
    }

    fn exogenous(&mut self, ctx: &StepContext) -> Result<(), WorldError> {
        self.step = ctx.step;
        self.obs.events.begin_step(ctx.step);
        self.obs.tally.reset(self.lending.markets.len(), self.liquidity.lrts.len());
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

#[cfg(test)]
mod tests;
