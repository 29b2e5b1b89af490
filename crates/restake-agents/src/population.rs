//! The retail population as struct-of-arrays: one vector per attribute, one index per agent.
//!
//! A million agents are a few contiguous vectors; a step touches each once in parallel
//! (decisions) and once more in parallel (applying batch results), with no allocation.

use crate::market::Asset;
use crate::scenario::validate::Issue;
use crate::scenario::{BorrowerCohortConfig, RetailCohortConfig};
use rand_distr::{Distribution, LogNormal};
use restake_engine::{Purpose, stream};

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
}

/// Per-agent intents, written in parallel by `decide`.
#[derive(Debug, Default)]
pub struct Intents {
    pub kind: Vec<Intent>,
    /// Collateral tokens to sell for `Deleverage`.
    pub amount: Vec<f64>,
    /// Lowest pool price (LRT in ETH) the agent accepts for a sale this step.
    pub limit: Vec<f64>,
}

impl Intents {
    pub fn with_len(n: usize) -> Self {
        Intents { kind: vec![Intent::Hold; n], amount: vec![0.0; n], limit: vec![0.0; n] }
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
}

#[derive(Debug, Default)]
pub struct Population {
    pub cohort: Vec<u16>,
    pub strategy: Vec<Strategy>,
    pub status: Vec<Status>,
    /// Wallet balances.
    pub lrt: Vec<f64>,
    pub eth: Vec<f64>,
    /// Collateral in the cohort's isolated market and debt as borrow shares (debt = shares x
    /// index). Positions on pooled markets live in the market's accounts (see `slot`).
    pub collateral: Vec<f64>,
    pub borrow_shares: Vec<f64>,
    /// Index of the agent's position in its market's borrower list (`u32::MAX` if none).
    pub slot: Vec<u32>,
    /// Tokens waiting in the redemption queue.
    pub queued: Vec<f64>,
    pub target_hf: Vec<f64>,
    /// Health factor below which the agent deleverages back to target.
    pub deleverage_hf: Vec<f64>,
    pub panic_loss: Vec<f64>,
    pub herd_sensitivity: Vec<f64>,
    pub queue_discount_rate: Vec<f64>,
    /// Largest price drop the agent accepts within one sale (DEX slippage tolerance).
    pub slippage_tolerance: Vec<f64>,
    /// Net wealth in ETH at the start (equity for loopers).
    pub initial_wealth: Vec<f64>,
}

/// Purposes of random draws made while building the population.
pub const INIT_WEALTH: Purpose = Purpose(100);
pub const INIT_PARAMS: Purpose = Purpose(101);
pub const INIT_STRATEGY: Purpose = Purpose(102);
/// Entity-id namespace of retail agents in random streams.
pub const RETAIL_NAMESPACE: u64 = 1 << 40;

impl Population {
    pub fn len(&self) -> usize {
        self.cohort.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cohort.is_empty()
    }

    /// Adds a cohort of agents with parameters drawn from the scenario's distributions.
    /// Wealth follows lognormal weights normalised to the cohort's total, so the number of
    /// agents changes resolution, not the size of the economy.
    pub fn add_cohort(
        &mut self,
        index: usize,
        cfg: &RetailCohortConfig,
        seed: u64,
    ) -> Result<std::ops::Range<usize>, Issue> {
        let bad = |field: &str, e: String| Issue { path: format!("retail[{index}].{field}"), message: e };
        let target = cfg.target_health_factor.sampler().map_err(|e| bad("target_health_factor", e))?;
        let delev = cfg.deleverage_at.sampler().map_err(|e| bad("deleverage_at", e))?;
        let panic = cfg.panic_loss.sampler().map_err(|e| bad("panic_loss", e))?;
        let herd = cfg.herd_sensitivity.sampler().map_err(|e| bad("herd_sensitivity", e))?;
        let disc = cfg.queue_discount_rate.sampler().map_err(|e| bad("queue_discount_rate", e))?;
        let slip = cfg.slippage_tolerance.sampler().map_err(|e| bad("slippage_tolerance", e))?;
        let start = self.len();
        let n = cfg.agents as usize;
        let wealth =
            wealth_split(start, n, cfg.wealth_sigma, cfg.wealth_total, seed).map_err(|e| bad("wealth_sigma", e))?;
        let loopers = (cfg.looper_share * n as f64).round() as usize;
        for (k, wealth) in wealth.into_iter().enumerate() {
            let entity = RETAIL_NAMESPACE + (start + k) as u64;
            let mut rng = stream(seed, entity, 0, INIT_PARAMS);
            // Loopers are spread evenly over the cohort (every n/loopers-th agent), so wealth
            // and strategy are independent.
            let strategy = if loopers > 0 && (k * loopers) / n != ((k + 1) * loopers) / n {
                Strategy::Looper
            } else {
                Strategy::Holder
            };
            self.cohort.push(index as u16);
            self.strategy.push(strategy);
            self.status.push(Status::Active);
            self.initial_wealth.push(wealth);
            let t = target.sample(&mut rng);
            self.target_hf.push(t);
            self.deleverage_hf.push(t * delev.sample(&mut rng));
            self.panic_loss.push(panic.sample(&mut rng));
            self.herd_sensitivity.push(herd.sample(&mut rng));
            self.queue_discount_rate.push(disc.sample(&mut rng));
            self.slippage_tolerance.push(slip.sample(&mut rng));
            self.lrt.push(0.0);
            self.eth.push(0.0);
            self.collateral.push(0.0);
            self.borrow_shares.push(0.0);
            self.slot.push(u32::MAX);
            self.queued.push(0.0);
        }
        Ok(start..self.len())
    }

    /// Adds a cohort of ETH-collateral USD borrowers (`index` is its cohort index; `config_index`
    /// its place in `[[borrowers]]`, for error paths).
    pub fn add_borrower_cohort(
        &mut self,
        index: usize,
        config_index: usize,
        cfg: &BorrowerCohortConfig,
        seed: u64,
    ) -> Result<std::ops::Range<usize>, Issue> {
        let bad = |field: &str, e: String| Issue { path: format!("borrowers[{config_index}].{field}"), message: e };
        let target = cfg.target_health_factor.sampler().map_err(|e| bad("target_health_factor", e))?;
        let delev = cfg.deleverage_at.sampler().map_err(|e| bad("deleverage_at", e))?;
        let panic = cfg.panic_loss.sampler().map_err(|e| bad("panic_loss", e))?;
        let start = self.len();
        let n = cfg.agents as usize;
        let wealth =
            wealth_split(start, n, cfg.wealth_sigma, cfg.wealth_total, seed).map_err(|e| bad("wealth_sigma", e))?;
        for (k, wealth) in wealth.into_iter().enumerate() {
            let entity = RETAIL_NAMESPACE + (start + k) as u64;
            let mut rng = stream(seed, entity, 0, INIT_PARAMS);
            self.cohort.push(index as u16);
            self.strategy.push(Strategy::Borrower);
            self.status.push(Status::Active);
            self.initial_wealth.push(wealth);
            let t = target.sample(&mut rng);
            self.target_hf.push(t);
            self.deleverage_hf.push(t * delev.sample(&mut rng));
            self.panic_loss.push(panic.sample(&mut rng));
            self.herd_sensitivity.push(0.0);
            self.queue_discount_rate.push(0.0);
            self.slippage_tolerance.push(0.0);
            self.lrt.push(0.0);
            self.eth.push(0.0);
            self.collateral.push(0.0);
            self.borrow_shares.push(0.0);
            self.slot.push(u32::MAX);
            self.queued.push(0.0);
        }
        Ok(start..self.len())
    }
}

/// Splits `total` ETH over agents `start..start + n` by lognormal weights (sigma of log wealth),
/// so the number of agents changes resolution, not the size of the economy. Each weight comes
/// from the agent's own stream; the normalising sum runs in agent order (same bits at any
/// thread count).
fn wealth_split(start: usize, n: usize, sigma: f64, total: f64, seed: u64) -> Result<Vec<f64>, String> {
    let weights = LogNormal::new(0.0, sigma).map_err(|e| e.to_string())?;
    let w: Vec<f64> = (0..n)
        .map(|k| weights.sample(&mut stream(seed, RETAIL_NAMESPACE + (start + k) as u64, 0, INIT_WEALTH)))
        .collect();
    let sum: f64 = w.iter().sum();
    Ok(w.into_iter().map(|wk| total * wk / sum).collect())
}
