//! The resolve pass: a scenario (names, spans, optional fields) becomes a [`Resolved`]
//! description (indices, seconds and steps, validated mechanisms), or every problem at once.
//!
//! This is the only place that reads scenario types and the only place that looks a name up:
//! every check the scenario needs happens here, including those that need derived quantities
//! (the passive supply a pool sale takes from, whether an LRT has a pool, the leverage a target
//! health factor implies at the start prices), so building a world from a `Resolved` cannot
//! fail, and `restake validate` is `resolve` without building. The lending crate's own checks
//! validate market parameters; their field paths are prefixed with the market's config path.

mod agents;
mod liquidity;
mod markets;
mod restaking;
mod shocks;
mod yields;

pub(crate) use yields::{LegSpec, StrategySpec};

use crate::beacon::Beacon;
use crate::eth::EthProcess;
use crate::market::MarketSpec;
use crate::pool::LrtPool;
use crate::population::{BorrowerParams, Leg, RetailParams};
use crate::restaking::{Avs, Operator, RestakingProtocol};
use crate::sampler::Sampler;
use crate::scenario::{Dist, EthPath, Issue, Scenario, Span};
use crate::shock::ScheduledShock;
use crate::traders::{Arbitrageur, Liquidator};
use std::collections::BTreeMap;

/// Smallest and largest step lengths: one minute to one day.
pub const MIN_STEP_SECONDS: u64 = 60;
pub const MAX_STEP_SECONDS: u64 = 86_400;
/// Guard against runs that could never finish or exhaust memory by mistake.
pub const MAX_STEPS: u64 = 10_000_000;
pub const MAX_AGENTS: u32 = 50_000_000;

/// A scenario resolved to indices and checked: everything [`crate::world::World::new`] needs.
#[derive(Clone, Debug)]
pub struct Resolved {
    pub name: String,
    pub dt_seconds: f64,
    pub steps: u64,
    /// The scenario's `engine.seed` (a run's seed may differ).
    pub seed: u64,
    pub max_liquidation_rounds: u32,
    pub check_invariants: bool,
    pub(crate) eth_usd: f64,
    pub(crate) eth: EthProcess,
    pub(crate) beacon: Beacon,
    pub(crate) protocols: Vec<RestakingProtocol>,
    pub(crate) operators: Vec<Operator>,
    pub(crate) avss: Vec<Avs>,
    pub(crate) lrts: Vec<LrtSpec>,
    pub(crate) pools: Vec<LrtPool>,
    /// Main pool of each LRT (where holders trade): the first pool listed for it.
    pub(crate) lrt_pool: Vec<usize>,
    pub(crate) lps: Vec<LpSpec>,
    pub(crate) markets: Vec<MarketSpec>,
    pub(crate) retail: Vec<RetailCohortSpec>,
    pub(crate) borrowers: Vec<BorrowerCohortSpec>,
    pub(crate) natives: Vec<NativeSpec>,
    pub(crate) liquidators: Vec<Liquidator>,
    pub(crate) arbitrageurs: Vec<Arbitrageur>,
    pub(crate) shocks: Vec<ScheduledShock>,
    pub(crate) hazards: Vec<crate::shock::Hazard>,
    pub(crate) common_fault_events_per_year: f64,
    /// Steps between operators' checks for a profitable attack (None: attacks off).
    pub(crate) attack_check_steps: Option<u64>,
    pub(crate) tokens: Vec<crate::incentives::RewardToken>,
    pub(crate) strategies: Vec<yields::StrategySpec>,
}

impl Resolved {
    pub fn lrt_count(&self) -> usize {
        self.lrts.len()
    }
    pub fn pool_count(&self) -> usize {
        self.pools.len()
    }
    pub fn market_count(&self) -> usize {
        self.markets.len()
    }
    pub fn shock_count(&self) -> usize {
        self.shocks.len()
    }
    /// Retail agents and ETH-collateral borrowers.
    pub fn agent_count(&self) -> u64 {
        self.retail.iter().map(|c| c.params.agents as u64).sum::<u64>()
            + self.borrowers.iter().map(|c| c.params.agents as u64).sum::<u64>()
    }

    /// How to run it with `seed`: steps, step length, the round limit, invariant checks
    /// (`check_invariants` adds to the scenario's own setting).
    pub fn run_plan(&self, seed: u64, check_invariants: bool) -> restake_engine::RunPlan {
        restake_engine::RunPlan {
            steps: self.steps,
            dt_seconds: self.dt_seconds,
            seed,
            max_rounds: self.max_liquidation_rounds,
            check_invariants: check_invariants || self.check_invariants,
        }
    }
}

/// An LRT protocol at the start.
#[derive(Clone, Debug)]
pub(crate) struct LrtSpec {
    pub id: String,
    pub protocol: usize,
    pub nav: f64,
    pub passive_supply: f64,
    pub buffer_fraction: f64,
    pub redemptions_open: bool,
    pub cooldown_steps: u64,
    pub claim: crate::lrt::ClaimRule,
    pub backing: crate::lrt::Backing,
    pub instant: Option<crate::lrt::InstantRoute>,
    pub protocol_fee: f64,
    /// Delegation weight per operator (index = operator).
    pub delegation: Vec<f64>,
    pub points: Option<crate::incentives::Points>,
}

/// A pool's liquidity providers who may leave.
#[derive(Clone, Debug)]
pub(crate) struct LpSpec {
    pub pool: usize,
    pub share: f64,
    pub count: u32,
    pub imbalance: Sampler,
    pub depeg: Sampler,
    pub volatility: Sampler,
    pub calm: f64,
    pub attention: f64,
    pub vol_decay: f64,
}

/// A retail cohort: who they are, what they hold and where they borrow.
#[derive(Clone, Debug)]
pub(crate) struct RetailCohortSpec {
    pub id: String,
    /// What the cohort paid per token (None: the pool price at the start).
    pub entry_price: Option<f64>,
    pub lrt: usize,
    pub pool: usize,
    pub market: Option<usize>,
    pub leg: Option<Leg>,
    pub params: RetailParams,
    /// Probability of looking at the position in one step.
    pub attention: f64,
}

/// ETH-collateral USD borrowers on a pooled market.
#[derive(Clone, Debug)]
pub(crate) struct BorrowerCohortSpec {
    pub id: String,
    pub market: usize,
    pub leg: Leg,
    pub params: BorrowerParams,
    pub attention: f64,
}

/// A native restaker: stake delegated per operator.
#[derive(Clone, Debug)]
pub(crate) struct NativeSpec {
    pub id: String,
    pub protocol: usize,
    pub stake: f64,
    pub delegation: Vec<(usize, f64)>,
}

/// Collects issues; lookups by name go through it, so a missing name is an issue, never a panic.
pub(crate) struct Checker {
    pub issues: Vec<Issue>,
}

/// Ids of one section, by index.
pub(crate) struct Ids<'a> {
    what: &'static str,
    index: BTreeMap<&'a str, usize>,
}

impl<'a> Ids<'a> {
    pub fn get(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }
}

impl Checker {
    pub fn push(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.issues.push(Issue { path: path.into(), message: message.into() });
    }

    /// `lo <= v <= hi` (or strict at either end), with the allowed range in the message.
    pub fn range(&mut self, path: impl Into<String>, v: f64, lo: f64, hi: f64, lo_open: bool, hi_open: bool) {
        let ok = v.is_finite() && if lo_open { v > lo } else { v >= lo } && if hi_open { v < hi } else { v <= hi };
        if !ok {
            let l = if lo_open { "(" } else { "[" };
            let h = if hi_open { ")" } else { "]" };
            let hi_s = if hi.is_infinite() { "inf".to_string() } else { hi.to_string() };
            self.push(path, format!("must be in {l}{lo}, {hi_s}{h}, got {v}"));
        }
    }

    /// A distribution whose values must lie in [lo, hi]; its sampler if it is valid.
    pub fn dist(&mut self, path: &str, d: &Dist, lo: f64, hi: f64) -> Option<Sampler> {
        match sampler(d) {
            Err(e) => {
                self.push(path, e);
                None
            }
            Ok(s) => {
                let (a, b) = d.support();
                if a < lo || b > hi {
                    self.push(path, format!("values must lie in [{lo}, {hi}], but this distribution spans [{a}, {b}]"));
                    return None;
                }
                Some(s)
            }
        }
    }

    /// The ids of a section: non-empty and unique.
    pub fn ids<'a>(&mut self, section: &str, what: &'static str, ids: impl Iterator<Item = &'a str>) -> Ids<'a> {
        let mut index = BTreeMap::new();
        for (i, id) in ids.enumerate() {
            if id.is_empty() {
                self.push(format!("{section}[{i}].id"), "must not be empty");
            } else if index.contains_key(id) {
                self.push(format!("{section}[{i}].id"), format!("`{id}` is used twice in [[{section}]]"));
            } else {
                index.insert(id, i);
            }
        }
        Ids { what, index }
    }

    /// The index of `id` in `ids`, or an issue at `path` listing what exists.
    pub fn lookup(&mut self, path: impl Into<String>, id: &str, ids: &Ids) -> Option<usize> {
        if let Some(i) = ids.get(id) {
            return Some(i);
        }
        let known: Vec<&str> = ids.index.keys().copied().collect();
        self.push(path, format!("no {} named `{id}`; defined: [{}]", ids.what, known.join(", ")));
        None
    }

    /// Issues of the lending crate's checks, at `base` + their field path (renamed to the
    /// scenario's field names by `rename`).
    pub fn lending(&mut self, base: &str, errors: Vec<restake_lending::LendingError>, rename: impl Fn(&str) -> String) {
        use restake_lending::LendingError as E;
        for e in errors {
            let (field, message) = match &e {
                E::InvalidParam { field, allowed, got } => (field.clone(), format!("must be {allowed}, got {got}")),
                E::InvalidConfig { field, message } => (field.clone(), message.clone()),
                other => (String::new(), other.to_string()),
            };
            let path = if field.is_empty() { base.to_string() } else { format!("{base}.{}", rename(&field)) };
            self.push(path, message);
        }
    }
}

/// Checks a distribution's parameters and returns a sampler, or what is wrong and allowed.
fn sampler(d: &Dist) -> Result<Sampler, String> {
    use rand_distr::{Beta, LogNormal, Normal, Triangular, Uniform};
    let finite = |v: f64, name: &str| if v.is_finite() { Ok(()) } else { Err(format!("{name} must be finite")) };
    match *d {
        Dist::Fixed { value } => finite(value, "value").map(|_| Sampler::Fixed(value)),
        Dist::Uniform { low, high } => {
            finite(low, "low")?;
            finite(high, "high")?;
            if low > high {
                return Err(format!("low ({low}) must be <= high ({high})"));
            }
            if low == high {
                return Ok(Sampler::Fixed(low));
            }
            Uniform::new(low, high).map(Sampler::Uniform).map_err(|e| e.to_string())
        }
        Dist::Normal { mean, std, low, high } => {
            if low > high {
                return Err(format!("low ({low}) must be <= high ({high})"));
            }
            Normal::new(mean, std)
                .map(|n| Sampler::Normal(n, low, high))
                .map_err(|e| format!("std must be finite and >= 0 ({e})"))
        }
        Dist::LogNormal { mu, sigma } => LogNormal::new(mu, sigma)
            .map(Sampler::LogNormal)
            .map_err(|e| format!("sigma must be finite and >= 0 ({e})")),
        Dist::Beta { alpha, beta, low, high } => {
            if !(low < high) {
                return Err(format!("low ({low}) must be < high ({high})"));
            }
            Beta::new(alpha, beta)
                .map(|b| Sampler::Beta(b, low, high))
                .map_err(|e| format!("alpha and beta must be > 0 ({e})"))
        }
        Dist::Triangular { low, mode, high } => Triangular::new(low, high, mode)
            .map(Sampler::Triangular)
            .map_err(|e| format!("need low <= mode <= high, low < high ({e})")),
    }
}

/// Lognormal weights of log wealth with dispersion `sigma` (checked in [0, 5] by the caller).
fn wealth_weights(c: &mut Checker, path: String, sigma: f64) -> Option<rand_distr::LogNormal<f64>> {
    match rand_distr::LogNormal::new(0.0, sigma) {
        Ok(w) => Some(w),
        Err(e) => {
            c.push(path, e.to_string());
            None
        }
    }
}

/// Probability of looking at least once in a step, for `per_day` looks a day (Poisson).
fn attention(per_day: f64, dt_seconds: f64) -> f64 {
    1.0 - (-per_day * dt_seconds / 86_400.0).exp()
}

/// Steps in a span (rounded), at least `min`.
fn steps_of(span: Span, dt_seconds: f64) -> f64 {
    (span.seconds() / dt_seconds).round()
}

/// Resolves and checks `s`. Every problem is reported, each with its config path.
pub fn resolve(s: &Scenario) -> Result<Resolved, Vec<Issue>> {
    let mut c = Checker { issues: Vec::new() };
    if s.name.trim().is_empty() {
        c.push("name", "must not be empty");
    }
    let step = s.time.step.0.as_secs();
    if s.time.step.0.subsec_nanos() != 0 || !(MIN_STEP_SECONDS..=MAX_STEP_SECONDS).contains(&step) {
        c.push("time.step", format!("must be a whole number of seconds from 1m to 1d, got {}", s.time.step));
    }
    let duration = s.time.duration.seconds();
    let dt = s.time.step.seconds().max(1.0);
    let steps = (duration / dt).round();
    if step > 0 && !(1.0..=MAX_STEPS as f64).contains(&(duration / step as f64)) {
        c.push(
            "time.duration",
            format!("must cover 1 to {MAX_STEPS} steps of {}, got {:.1}", s.time.step, duration / step as f64),
        );
    }
    if !(1..=100_000).contains(&s.engine.max_liquidation_rounds) {
        c.push(
            "engine.max_liquidation_rounds",
            format!("must be in [1, 100000], got {}", s.engine.max_liquidation_rounds),
        );
    }
    let eth = resolve_eth(&mut c, s, duration);
    let mut restaking = restaking::resolve(&mut c, s, dt);
    let mut liquidity = liquidity::resolve(&mut c, s, dt, &restaking);
    let markets = markets::resolve(&mut c, s, dt, &liquidity);
    let (tokens, strategies) = yields::resolve(&mut c, s, &mut restaking, &mut liquidity, &markets);
    let agents = agents::resolve(&mut c, s, dt, &liquidity, &markets);
    let names = shocks::Names { r: &restaking, l: &liquidity, m: &markets };
    let shocks = shocks::resolve(&mut c, s, dt, &names);
    let hazards = shocks::hazards(&mut c, s, dt, &names);
    if s.security.check_every.seconds() < s.time.step.seconds() {
        c.push("security.check_every", format!("must be at least one step ({})", s.time.step));
    }
    if s.security.operator_attacks {
        for (i, a) in s.avss.iter().enumerate() {
            if a.profit_from_corruption.is_none() || a.attack_threshold.is_none() {
                c.push(
                    format!("avss[{i}]"),
                    "security.operator_attacks needs profit_from_corruption and attack_threshold on every AVS",
                );
            }
        }
    }
    if !c.issues.is_empty() {
        return Err(c.issues);
    }
    Ok(Resolved {
        name: s.name.clone(),
        dt_seconds: dt,
        steps: steps as u64,
        seed: s.engine.seed,
        max_liquidation_rounds: s.engine.max_liquidation_rounds,
        check_invariants: s.engine.check_invariants,
        eth_usd: s.eth.usd,
        eth,
        beacon: restaking.beacon,
        protocols: restaking.protocols,
        operators: restaking.operators,
        avss: restaking.avss,
        natives: restaking.natives,
        lrts: liquidity.lrts,
        pools: liquidity.pools,
        lrt_pool: liquidity.lrt_pool,
        lps: liquidity.lps,
        markets: markets.specs,
        retail: agents.retail,
        borrowers: agents.borrowers,
        liquidators: agents.liquidators,
        arbitrageurs: agents.arbitrageurs,
        shocks,
        hazards,
        common_fault_events_per_year: s.faults.common_events_per_year,
        attack_check_steps: s.security.operator_attacks.then(|| (steps_of(s.security.check_every, dt) as u64).max(1)),
        tokens,
        strategies,
    })
}

fn resolve_eth(c: &mut Checker, s: &Scenario, duration: f64) -> EthProcess {
    c.range("eth.usd", s.eth.usd, 0.0, f64::INFINITY, true, true);
    match &s.eth.path {
        EthPath::Gbm { drift, volatility, jumps_per_year, jump_mean, jump_std } => {
            c.range("eth.path.drift", *drift, -5.0, 5.0, false, false);
            c.range("eth.path.volatility", *volatility, 0.0, 5.0, false, false);
            c.range("eth.path.jumps_per_year", *jumps_per_year, 0.0, 1000.0, false, false);
            c.range("eth.path.jump_mean", *jump_mean, -5.0, 5.0, false, false);
            c.range("eth.path.jump_std", *jump_std, 0.0, 5.0, false, false);
            EthProcess::Gbm {
                drift: *drift,
                volatility: *volatility,
                jumps_per_year: *jumps_per_year,
                jump_mean: *jump_mean,
                jump_std: *jump_std,
            }
        }
        EthPath::Scripted { points } => {
            if points.is_empty() {
                c.push("eth.path.points", "needs at least one [hours, usd] point");
            }
            for (i, p) in points.iter().enumerate() {
                c.range(format!("eth.path.points[{i}]"), p[1], 0.0, f64::INFINITY, true, true);
                if i > 0 && !(p[0] > points[i - 1][0]) {
                    c.push(format!("eth.path.points[{i}]"), "hours must increase strictly from point to point");
                }
            }
            EthProcess::Scripted { points: points.clone() }
        }
        EthPath::Bridge { drawdown, at, volatility } => {
            c.range("eth.path.drawdown", *drawdown, -1.0, 1.0, false, true);
            c.range("eth.path.volatility", *volatility, 0.0, 5.0, false, false);
            if at.seconds() <= 0.0 || at.seconds() > duration {
                c.push(
                    "eth.path.at",
                    format!("must be after the start and within time.duration ({})", s.time.duration),
                );
            }
            EthProcess::Bridge { drawdown: *drawdown, at_seconds: at.seconds(), volatility: *volatility }
        }
    }
}

#[cfg(test)]
mod tests;
