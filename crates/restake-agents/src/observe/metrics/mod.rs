//! Run metrics, declared next to the step columns (FLAME GPU's exit log; Agents.jl's declared
//! reductions): each is a reduction over the run — of a probe read after every step, of the state
//! at the start or the end — with the tail that is bad for the risk measures, a unit and a line
//! of documentation. The runs.parquet schema, the sweep summary's tails, the printed summary and
//! the schema document all come from this one list; adding a run metric is one line in it.

mod lending;
mod liquidity;
mod outcomes;
mod restaking;
mod yields;

use super::columns::{Probe, entity_column};
use crate::world::{ROUND_BINS, World};
use std::sync::Arc;

/// Which end of a metric's distribution across runs is the bad one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tail {
    /// Larger is worse (losses, bad debt, depeg, queue length).
    Upper,
    /// Smaller is worse (minimum price, minimum or final NAV).
    Lower,
}

impl Tail {
    pub fn as_str(self) -> &'static str {
        match self {
            Tail::Upper => "upper",
            Tail::Lower => "lower",
        }
    }
}

/// The type of a metric's runs.parquet column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetricKind {
    F64,
    I64,
}

/// What a metric is computed over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// The whole run: the column is the metric's name.
    Run,
    /// One column per LRT: `lrt.<id>.<name>`.
    Lrt,
    /// One column per native restaker: `native.<id>.<name>`.
    Native,
    /// One column per lending market: `market.<id>.<name>`.
    Market,
    /// One column per pool: `pool.<id>.<name>`.
    Pool,
    /// One column per strategy: `strategy.<id>.<name>`.
    Strategy,
    /// One column per retail cohort: `cohort.<id>.<name>`.
    Cohort,
}

impl Scope {
    pub fn prefix(self) -> Option<&'static str> {
        match self {
            Scope::Run => None,
            Scope::Lrt => Some("lrt"),
            Scope::Native => Some("native"),
            Scope::Market => Some("market"),
            Scope::Pool => Some("pool"),
            Scope::Strategy => Some("strategy"),
            Scope::Cohort => Some("cohort"),
        }
    }
}

/// Where a value comes from at the start (before step 0) when a reduction needs one.
#[derive(Clone)]
pub enum Start {
    /// The reduction starts from this constant.
    Value(f64),
    /// ...or from the probe's value at the start.
    Probe,
}

/// How a metric reduces the run.
#[derive(Clone)]
pub enum Reduce {
    /// Sum over steps of the probe.
    Sum(Probe),
    /// Sum over steps of each probe in turn (a running total fed in this order every step).
    SumEach(Vec<Probe>),
    /// Largest value over the steps (and the start).
    Max(Probe, Start),
    /// Smallest value over the steps (and the start).
    Min(Probe, Start),
    /// The value after the last step (the start value if the run has no steps).
    Last(Probe),
    /// Hours during which the probe exceeds the level, at the end of each step.
    HoursAbove(Probe, f64),
    /// `1 - min / start` of the probe (0 if the start is not positive).
    Drawdown(Probe),
    /// The probe at the start.
    AtStart(Probe),
    /// The probe after the last step only (an end state too costly to read every step; NaN is
    /// undefined).
    AtEnd(Probe),
    /// The numerator over the denominator (floored), both reductions.
    Ratio(Box<Reduce>, Box<Reduce>, f64),
    /// Liquidated debt (or, with `count`, liquidations) in round bin `bin`, of one market or all.
    Rounds { market: Option<u32>, bin: usize, count: bool },
    /// A statistic of retail agents' losses (1 - wealth / initial wealth) at the end.
    RetailLoss(LossStat),
    /// Mean loss (1 - wealth / initial wealth) of the agents following one strategy, at the end
    /// (undefined if there are none).
    ClassLoss(crate::population::Strategy),
    /// Agents whose position was liquidated to nothing, at the end.
    LiquidatedAgents,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LossStat {
    Mean,
    /// Quantile (Hyndman & Fan type 7).
    Quantile(f64),
}

/// One metric of one run: its column name and how to compute it.
#[derive(Clone)]
pub struct RunMetric {
    pub name: String,
    pub tail: Tail,
    pub kind: MetricKind,
    pub reduce: Reduce,
}

/// A declared metric, before it is expanded over a world's entities.
pub struct MetricDecl {
    pub scope: Scope,
    pub name: String,
    pub tail: Tail,
    pub kind: MetricKind,
    pub unit: &'static str,
    pub doc: &'static str,
    /// The reduction for entity `index` of `scope` (0 for the run).
    build: Build,
}

type Build = Arc<dyn Fn(&World, usize) -> Reduce + Send + Sync>;

impl MetricDecl {
    /// The column name of this metric for entity `id` (ignored for run scope).
    pub fn column(&self, id: &str) -> String {
        match self.scope.prefix() {
            None => self.name.clone(),
            Some(p) => entity_column(p, id, &self.name),
        }
    }

    /// Whether `column` is this metric (of some entity).
    pub fn matches(&self, column: &str) -> bool {
        match self.scope.prefix() {
            None => column == self.name,
            Some(p) => column
                .strip_prefix(p)
                .and_then(|r| r.strip_prefix('.'))
                .and_then(|r| r.strip_suffix(self.name.as_str()))
                .is_some_and(|id| id.len() > 1 && id.ends_with('.')),
        }
    }

    /// The pattern of its column names, for documents: `lrt.<id>.max_depeg`.
    pub fn pattern(&self) -> String {
        self.column("<id>")
    }
}

/// Names of run metrics that other code reads back (the printed summary, the sweep report,
/// notebooks): declared once here.
pub mod names {
    pub const LIQUIDATIONS: &str = "liquidations";
    pub const LIQUIDATED_DEBT: &str = "liquidated_debt_eth";
    pub const BAD_DEBT: &str = "bad_debt_eth";
    pub const COLLATERAL_SEIZED: &str = "collateral_seized_eth";
    pub const LRT_SEIZED: &str = "lrt_seized";
    pub const PEAK_UTILISATION: &str = "peak_utilisation";
    pub const FINAL_NET_INSOLVENT: &str = "final_net_insolvent_debt_eth";
    pub const FINAL_NET_INSOLVENT_NAV: &str = "final_net_insolvent_debt_nav_eth";
    pub const MIN_PRICE: &str = "min_price";
    pub const MIN_ETH_RESERVE: &str = "min_eth_reserve";
    pub const MAX_LRT_RESERVE: &str = "max_lrt_reserve";
    pub const SLASHED: &str = "slashed_eth";
    pub const CASCADE_ROUNDS: &str = "cascade_rounds";
    pub const CASCADE_DEPTH: &str = "cascade_depth";
    pub const RETAIL_EXITS: &str = "retail_exits";
    pub const RETAIL_LOSS_MEAN: &str = "retail_loss_mean";
    pub const LOSS_HOLDERS: &str = "loss_holders_mean";
    pub const LOSS_LOOPERS: &str = "loss_loopers_mean";
    pub const LOSS_BORROWERS: &str = "loss_borrowers_mean";
    pub const RETAIL_LOSS_P95: &str = "retail_loss_p95";
    pub const MAX_DEPEG: &str = "max_depeg";
    pub const HOURS_DEPEGGED_1PCT: &str = "hours_depegged_1pct";
    pub const HOURS_DEPEGGED_5PCT: &str = "hours_depegged_5pct";
    pub const HOURS_TOUCHING_1PCT: &str = "hours_touching_1pct";
    pub const HOURS_TOUCHING_5PCT: &str = "hours_touching_5pct";
    pub const LONGEST_REALISED_WAIT: &str = "longest_realised_wait_days";
    pub const LOWEST_BUFFER: &str = "lowest_buffer_eth";
    pub const SOLD_BELOW_NAV: &str = "sold_below_nav";
    pub const DISCOUNT_COST: &str = "discount_cost_eth";
    pub const PEAK_QUEUE: &str = "peak_queue_eth";
    pub const PEAK_POOL_IMBALANCE: &str = "peak_lrt_share";
    pub const LP_WITHDRAWN: &str = "lp_withdrawn_eth";
    pub const PEAK_NET_INSOLVENT: &str = "peak_net_insolvent_debt_eth";
    pub const PEAK_NET_INSOLVENT_POOL: &str = "peak_net_insolvent_debt_pool_eth";
    pub const MIN_NAV: &str = "min_nav";
    pub const FINAL_NAV: &str = "final_nav";
    pub const SLASH_LOSS: &str = "slash_loss";
}

/// The loss quantiles reported for retail agents (1.0 is reported as `retail_loss_max`).
pub const LOSS_QUANTILES: [f64; 5] = [0.5, 0.9, 0.95, 0.99, 1.0];

/// Suffixes of the per-round columns: `round_1` ... `round_5`, `round_6plus`.
pub fn round_bin_names() -> Vec<String> {
    (1..=ROUND_BINS).map(|r| if r == ROUND_BINS { format!("round_{r}plus") } else { format!("round_{r}") }).collect()
}

fn probe(f: impl Fn(&World) -> f64 + Send + Sync + 'static) -> Probe {
    Arc::new(f)
}

/// (number of AVSs that can slash, allocated exposure) of a holder of `shares` per operator.
pub fn exposure(shares: &[f64], operators: &[crate::restaking::Operator]) -> (u32, f64) {
    let total: f64 = shares.iter().zip(operators).map(|(s, o)| s * o.share_value()).sum();
    let mut avss = std::collections::BTreeSet::new();
    let mut exposed = 0.0;
    for (s, o) in shares.iter().zip(operators) {
        if *s <= 0.0 {
            continue;
        }
        for a in o.allocations.iter().filter(|a| a.magnitude > 0.0) {
            avss.insert(a.avs);
            if total > 0.0 {
                exposed += s * o.share_value() / total * a.magnitude / o.max_magnitude.max(1e-300);
            }
        }
    }
    (avss.len() as u32, exposed)
}

/// Lowest pool price of LRT `l` seen during the step (sales between liquidation rounds
/// included) and at its end.
pub(crate) fn step_low(w: &World, l: usize) -> f64 {
    let v = &w.liquidity.views[l];
    w.obs.tally.pool_min_price.get(w.liquidity.lrt_pool[l]).copied().unwrap_or(f64::INFINITY).min(v.price)
}

/// The redemption queue of LRT `l` in ETH: what its requests would be paid now.
pub fn queue_eth(w: &World, l: usize) -> f64 {
    let v = &w.liquidity.views[l];
    w.liquidity.lrts[l].queue_due(v.nav)
}

/// A declaration (for the files of this module).
fn d(
    scope: Scope,
    name: &str,
    tail: Tail,
    kind: MetricKind,
    unit: &'static str,
    doc: &'static str,
    build: impl Fn(&World, usize) -> Reduce + Send + Sync + 'static,
) -> MetricDecl {
    MetricDecl { scope, name: name.to_string(), tail, kind, unit, doc, build: Arc::new(build) }
}

/// Every declared run metric, in column order: outcomes, liquidity, restaking, lending.
pub fn declarations() -> Vec<MetricDecl> {
    let mut out = outcomes::declarations();
    out.extend(liquidity::declarations());
    out.extend(restaking::declarations());
    out.extend(lending::declarations());
    out.extend(yields::declarations());
    out
}

/// The run metrics of this world, in column order: the declarations expanded over its entities.
pub fn run_metrics(w: &World) -> Vec<RunMetric> {
    let decls = declarations();
    let mut out = Vec::new();
    // Declarations come in sections of one scope; a section expands entity by entity.
    let mut k = 0;
    while k < decls.len() {
        let scope = decls[k].scope;
        let end = (k..decls.len()).find(|&j| decls[j].scope != scope).unwrap_or(decls.len());
        let ids: Vec<String> = match scope {
            Scope::Run => vec![String::new()],
            Scope::Lrt => w.liquidity.lrts.iter().map(|x| x.id.clone()).collect(),
            Scope::Native => w.restaking.natives.iter().map(|x| x.id.clone()).collect(),
            Scope::Market => w.lending.markets.iter().map(|x| x.id.clone()).collect(),
            Scope::Pool => w.liquidity.pools.iter().map(|x| x.id.clone()).collect(),
            Scope::Strategy => w.yields.strategies.iter().map(|x| x.id.clone()).collect(),
            // Retail cohorts come first among the cohorts (borrower cohorts follow).
            Scope::Cohort => w.agents.cohorts.iter().filter(|c| c.lrt != usize::MAX).map(|c| c.id.clone()).collect(),
        };
        for (index, id) in ids.iter().enumerate() {
            for d in &decls[k..end] {
                out.push(RunMetric { name: d.column(id), tail: d.tail, kind: d.kind, reduce: (d.build)(w, index) });
            }
        }
        k = end;
    }
    out
}

/// The declaration a runs.parquet column belongs to, if it is a run metric.
pub fn declaration_of(column: &str) -> Option<MetricDecl> {
    declarations().into_iter().find(|d| d.matches(column))
}

/// The bad tail of a runs.parquet column (Upper for anything that is not a declared metric).
pub fn tail_of(column: &str) -> Tail {
    declaration_of(column).map_or(Tail::Upper, |d| d.tail)
}
