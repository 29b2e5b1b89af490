//! The retail population as struct-of-arrays: one vector per attribute, one index per agent.
//!
//! A million agents are a few contiguous vectors; a step touches each once in parallel
//! (decisions) and once more in parallel (applying batch results), with no allocation.

use crate::sampler::Sampler;
use crate::vocab::{Asset, entity, purpose};
use rand_distr::{Distribution, LogNormal};
use restake_engine::par::CHUNK;
use restake_engine::stream;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Strategy {
    /// Holds the LRT in a wallet.
    Holder = 0,
    /// Deposits the LRT as collateral and borrows ETH to buy more, to a target health factor.
    Looper = 1,
    /// Deposits ETH on a pooled market and borrows the USD stablecoin to buy more ETH (a
    /// leveraged ETH long): its health factor falls with ETH/USD.
    Borrower = 2,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Status {
    Active = 0,
    /// Sold, redeemed or unwound everything (may still wait for a redemption payment).
    Exited = 1,
    /// A looper whose position was liquidated to zero collateral.
    Liquidated = 2,
    /// On the sideline with ETH, waiting for a yield worth depositing for.
    Waiting = 3,
}

/// What an agent wants to do this step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[repr(u8)]
pub enum Intent {
    #[default]
    Hold = 0,
    /// Sell all wallet LRT into the pool.
    Sell = 1,
    /// Redeem all wallet LRT through the queue.
    Redeem = 2,
    /// Withdraw all wallet LRT instantly from the buffer (fee).
    Instant = 3,
    /// Sell `amount` of collateral into the pool and repay debt with the proceeds.
    Deleverage = 4,
    /// Sell all collateral, repay all debt, keep the rest.
    Unwind = 5,
    /// Deposit all wallet ETH by minting the LRT at NAV.
    Deposit = 6,
}

/// What one agent that acts intends this step (an agent that holds is not listed).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Act {
    pub agent: u32,
    pub cohort: u16,
    pub intent: Intent,
    /// Tokens the intent moves, as the agent saw them when it decided: its wallet LRT for a
    /// sale, a redemption request or an instant withdrawal; the collateral to sell for a
    /// deleverage or an unwind; 0 for a deposit (it deposits its wallet ETH).
    pub tokens: f64,
    /// Lowest pool price (LRT in ETH) the agent accepts for a sale this step.
    pub limit: f64,
}

/// A step's intents, written in parallel by `decide`: the agents that act, for each chunk of
/// [`CHUNK`] agents in agent order. Most agents hold in most steps; listing only those who act
/// lets everything after the decision cost nothing per idle agent.
#[derive(Debug, Default)]
pub struct Intents {
    pub chunks: Vec<Vec<Act>>,
}

impl Intents {
    /// Intents for `n` agents (every chunk empty: everyone holds).
    pub fn with_len(n: usize) -> Self {
        Intents { chunks: vec![Vec::new(); n.div_ceil(CHUNK)] }
    }

    /// Every act, in agent order.
    pub fn iter(&self) -> impl Iterator<Item = &Act> {
        self.chunks.iter().flatten()
    }

    /// How many agents act.
    pub fn len(&self) -> usize {
        self.chunks.iter().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.chunks.iter().all(Vec::is_empty)
    }

    /// Adds `act` (acts must come in agent order, one per agent).
    pub fn push(&mut self, act: Act) {
        let chunk = &mut self.chunks[act.agent as usize / CHUNK];
        debug_assert!(chunk.last().is_none_or(|a| a.agent < act.agent), "acts in agent order");
        chunk.push(act);
    }
}

/// What a cohort's borrowers hold in their market: the collateral asset and the debt asset, with
/// their reserve indices and the e-mode category on a pooled market (reserves are 0 on an
/// isolated market, whose collateral is the cohort's LRT and whose debt is ETH).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Leg {
    pub collateral: Asset,
    pub debt: Asset,
    pub coll_reserve: usize,
    pub debt_reserve: usize,
    pub emode: Option<usize>,
}

/// Parameters shared by a cohort (index = cohort).
#[derive(Clone, Debug)]
pub struct Cohort {
    pub id: String,
    /// The LRT the cohort holds (`usize::MAX` for ETH-collateral borrower cohorts).
    pub lrt: usize,
    pub market: Option<usize>,
    /// The LRT's main pool (`usize::MAX` for ETH-collateral borrower cohorts).
    pub pool: usize,
    /// Borrowers' position shape (None for cohorts without a market).
    pub leg: Option<Leg>,
    /// Probability of looking at the position in one step.
    pub attention: f64,
    pub range: std::ops::Range<usize>,
    /// Pool price at the start: what agents paid, the reference for their losses.
    pub entry_price: f64,
    /// Yield-driven flows of its holders (None: they leave only in panic).
    pub flows: Option<CohortFlows>,
}

impl Cohort {
    /// The cohort's agents among agents `lo..hi` (empty if none).
    pub fn agents_within(&self, lo: usize, hi: usize) -> std::ops::Range<usize> {
        self.range.start.max(lo)..self.range.end.min(hi)
    }
}

/// A cohort's yield-driven flows, as its holders apply them (each has its own hurdle).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CohortFlows {
    /// Band below the hurdle before a holder leaves.
    pub inertia: f64,
    /// APY added to the perceived APY per unit of momentum.
    pub fomo: f64,
}

/// A cohort's yield-driven flows, from the scenario.
#[derive(Clone, Debug)]
pub struct FlowParams {
    pub hurdle_apy: Sampler,
    pub inertia: f64,
    pub waiting_share: f64,
    pub fomo: f64,
}

#[derive(Debug, Default)]
pub struct Population {
    pub cohort: Vec<u16>,
    pub strategy: Vec<Strategy>,
    pub status: Vec<Status>,
    /// Wallet balances.
    pub lrt: Vec<f64>,
    pub eth: Vec<f64>,
    /// The agent's position in its cohort's market, by slot (`u32::MAX` if none): the market
    /// holds the position.
    pub slot: Vec<u32>,
    /// Tokens waiting in the redemption queue (the tokens the agent's request stands for).
    pub queued: Vec<f64>,
    /// The most ETH that request may claim (`f64::INFINITY` when paid at the NAV of payment).
    pub queued_cap: Vec<f64>,
    pub target_hf: Vec<f64>,
    /// Health factor below which the agent deleverages back to target.
    pub deleverage_hf: Vec<f64>,
    // Behavioural traits are single precision (seven significant digits, for draws from
    // distributions given to two or three): a look reads half the bytes it would in f64.
    pub panic_loss: Vec<f32>,
    pub herd_sensitivity: Vec<f32>,
    pub queue_discount_rate: Vec<f32>,
    /// Largest price drop the agent accepts within one sale (DEX slippage tolerance).
    pub slippage_tolerance: Vec<f32>,
    /// Net wealth in ETH at the start (equity for loopers).
    pub initial_wealth: Vec<f64>,
    /// The step from which the agent must leave, whatever the price (an exit wave: farmers after
    /// an incentive, holders under a regulatory deadline); `u32::MAX` if none.
    pub exit_at: Vec<u32>,
    /// The earliest `exit_at` of anyone (None: no exit wave yet): before it, decisions need not
    /// read `exit_at` at all.
    pub first_exit_at: Option<u32>,
    /// The APY below which the agent does not hold (`-inf` for agents without yield flows).
    pub hurdle_apy: Vec<f32>,
    /// Incentives received (emission tokens valued when paid, and airdrops), in ETH. Not ETH
    /// the agent holds: tokens, outside the ETH books.
    pub incentives_eth: Vec<f64>,
    /// Points held, not yet airdropped.
    pub points: Vec<f64>,
    /// The step from which the agent's incentives and points are not yet in the two above
    /// (they are booked lazily: `world/accrual.rs`).
    pub booked_at: Vec<u32>,
}

/// A retail cohort's parameters, from the resolved scenario.
#[derive(Clone, Debug)]
pub struct RetailParams {
    pub agents: u32,
    /// Total wealth of the cohort in ETH, split across agents by lognormal weights.
    pub wealth_total: f64,
    pub wealth_weights: LogNormal<f64>,
    pub looper_share: f64,
    pub target_health_factor: Sampler,
    pub deleverage_at: Sampler,
    pub panic_loss: Sampler,
    pub herd_sensitivity: Sampler,
    pub queue_discount_rate: Sampler,
    pub slippage_tolerance: Sampler,
    pub flows: Option<FlowParams>,
}

/// An ETH-collateral borrower cohort's parameters.
#[derive(Clone, Debug)]
pub struct BorrowerParams {
    pub agents: u32,
    pub wealth_total: f64,
    pub wealth_weights: LogNormal<f64>,
    pub target_health_factor: Sampler,
    pub deleverage_at: Sampler,
    pub panic_loss: Sampler,
}

impl Population {
    pub fn len(&self) -> usize {
        self.cohort.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cohort.is_empty()
    }

    /// Adds a cohort of agents with parameters drawn from the cohort's distributions. Wealth
    /// follows lognormal weights normalised to the cohort's total, so the number of agents
    /// changes resolution, not the size of the economy.
    pub fn add_cohort(&mut self, index: usize, p: &RetailParams, seed: u64) -> std::ops::Range<usize> {
        let start = self.len();
        let n = p.agents as usize;
        self.reserve_exact(n);
        let wealth = wealth_split(start, n, &p.wealth_weights, p.wealth_total, seed);
        let loopers = (p.looper_share * n as f64).round() as usize;
        for (k, wealth) in wealth.into_iter().enumerate() {
            let mut rng = stream(seed, entity::retail(start + k), 0, purpose::INIT_PARAMS);
            // Loopers are spread evenly over the cohort (every n/loopers-th agent), so wealth
            // and strategy are independent.
            let strategy = if loopers > 0 && (k * loopers) / n != ((k + 1) * loopers) / n {
                Strategy::Looper
            } else {
                Strategy::Holder
            };
            let t = p.target_health_factor.sample(&mut rng);
            let delev = t * p.deleverage_at.sample(&mut rng);
            let panic = p.panic_loss.sample(&mut rng);
            let herd = p.herd_sensitivity.sample(&mut rng);
            let disc = p.queue_discount_rate.sample(&mut rng);
            let slip = p.slippage_tolerance.sample(&mut rng);
            self.push(index, strategy, wealth, [t, delev, panic, herd, disc, slip]);
            // Flows draw from a stream of their own, so cohorts without them are unchanged.
            if let (Some(f), Strategy::Holder) = (&p.flows, strategy) {
                let mut rng = stream(seed, entity::retail(start + k), 0, purpose::INIT_FLOWS);
                let i = self.len() - 1;
                self.hurdle_apy[i] = f.hurdle_apy.sample(&mut rng) as f32;
                if rand::RngExt::random::<f64>(&mut rng) < f.waiting_share {
                    self.status[i] = Status::Waiting;
                }
            }
        }
        start..self.len()
    }

    /// Adds a cohort of ETH-collateral USD borrowers (`index` is its cohort index).
    pub fn add_borrower_cohort(&mut self, index: usize, p: &BorrowerParams, seed: u64) -> std::ops::Range<usize> {
        let start = self.len();
        let n = p.agents as usize;
        self.reserve_exact(n);
        let wealth = wealth_split(start, n, &p.wealth_weights, p.wealth_total, seed);
        for (k, wealth) in wealth.into_iter().enumerate() {
            let mut rng = stream(seed, entity::retail(start + k), 0, purpose::INIT_PARAMS);
            let t = p.target_health_factor.sample(&mut rng);
            let delev = t * p.deleverage_at.sample(&mut rng);
            let panic = p.panic_loss.sample(&mut rng);
            self.push(index, Strategy::Borrower, wealth, [t, delev, panic, 0.0, 0.0, 0.0]);
        }
        start..self.len()
    }

    /// Room for `n` more agents in every vector, exactly: pushing a million agents one by one
    /// would otherwise leave each vector up to twice its length (the peak memory of a run).
    fn reserve_exact(&mut self, n: usize) {
        self.cohort.reserve_exact(n);
        self.strategy.reserve_exact(n);
        self.status.reserve_exact(n);
        for v in [
            &mut self.lrt,
            &mut self.eth,
            &mut self.queued,
            &mut self.queued_cap,
            &mut self.target_hf,
            &mut self.deleverage_hf,
            &mut self.initial_wealth,
            &mut self.incentives_eth,
            &mut self.points,
        ] {
            v.reserve_exact(n);
        }
        for v in [
            &mut self.panic_loss,
            &mut self.herd_sensitivity,
            &mut self.queue_discount_rate,
            &mut self.slippage_tolerance,
            &mut self.hurdle_apy,
        ] {
            v.reserve_exact(n);
        }
        self.slot.reserve_exact(n);
        self.exit_at.reserve_exact(n);
        self.booked_at.reserve_exact(n);
    }

    /// One agent: (target HF, deleverage HF, panic loss, herding, queue discount, slippage).
    fn push(&mut self, cohort: usize, strategy: Strategy, wealth: f64, params: [f64; 6]) {
        let [t, delev, panic, herd, disc, slip] = params;
        self.cohort.push(cohort as u16);
        self.strategy.push(strategy);
        self.status.push(Status::Active);
        self.initial_wealth.push(wealth);
        self.target_hf.push(t);
        self.deleverage_hf.push(delev);
        self.panic_loss.push(panic as f32);
        self.herd_sensitivity.push(herd as f32);
        self.queue_discount_rate.push(disc as f32);
        self.slippage_tolerance.push(slip as f32);
        self.lrt.push(0.0);
        self.eth.push(0.0);
        self.slot.push(u32::MAX);
        self.queued.push(0.0);
        self.queued_cap.push(0.0);
        self.exit_at.push(u32::MAX);
        self.hurdle_apy.push(f32::NEG_INFINITY);
        self.incentives_eth.push(0.0);
        self.points.push(0.0);
        self.booked_at.push(0);
    }
}

/// Splits `total` ETH over agents `start..start + n` by lognormal weights (sigma of log wealth),
/// so the number of agents changes resolution, not the size of the economy. Each weight comes
/// from the agent's own stream; the normalising sum runs in agent order (same bits at any
/// thread count).
fn wealth_split(start: usize, n: usize, weights: &LogNormal<f64>, total: f64, seed: u64) -> Vec<f64> {
    let w: Vec<f64> =
        (0..n).map(|k| weights.sample(&mut stream(seed, entity::retail(start + k), 0, purpose::INIT_WEALTH))).collect();
    let sum: f64 = w.iter().sum();
    w.into_iter().map(|wk| total * wk / sum).collect()
}
