//! Run metrics, declared next to the step columns (FLAME GPU's exit log; Agents.jl's declared
//! reductions): each is a reduction over the run — of a probe read after every step, of the state
//! at the start or the end — with the tail that is bad for the risk measures, a unit and a line
//! of documentation. The runs.parquet schema, the sweep summary's tails, the printed summary and
//! the schema document all come from this one list; adding a run metric is one line in it.

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
}

impl Scope {
    pub fn prefix(self) -> Option<&'static str> {
        match self {
            Scope::Run => None,
            Scope::Lrt => Some("lrt"),
            Scope::Native => Some("native"),
            Scope::Market => Some("market"),
            Scope::Pool => Some("pool"),
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
    /// The numerator over the denominator (floored), both reductions.
    Ratio(Box<Reduce>, Box<Reduce>, f64),
    /// Liquidated debt (or, with `count`, liquidations) in round bin `bin`, of one market or all.
    Rounds { market: Option<u32>, bin: usize, count: bool },
    /// A statistic of retail agents' losses (1 - wealth / initial wealth) at the end.
    RetailLoss(LossStat),
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
    pub const SLASHED: &str = "slashed_eth";
    pub const CASCADE_ROUNDS: &str = "cascade_rounds";
    pub const CASCADE_DEPTH: &str = "cascade_depth";
    pub const RETAIL_EXITS: &str = "retail_exits";
    pub const RETAIL_LOSS_MEAN: &str = "retail_loss_mean";
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

/// Every declared run metric, in column order.
pub fn declarations() -> Vec<MetricDecl> {
    use MetricKind::{F64, I64};
    use Scope::*;
    use Tail::{Lower, Upper};
    use names::*;
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
    let mut out = vec![
        d(Run, LIQUIDATIONS, Upper, I64, "count", "liquidations over the run, all markets", |w, _| {
            let n = w.lending.markets.len();
            Reduce::SumEach((0..n).map(|m| probe(move |w| w.obs.tally.market[m].liquidations as f64)).collect())
        }),
        d(
            Run,
            LIQUIDATED_DEBT,
            Upper,
            F64,
            "ETH",
            "debt repaid by liquidators (USD debt at the step's ETH/USD)",
            |w, _| {
                let n = w.lending.markets.len();
                Reduce::SumEach((0..n).map(|m| probe(move |w| w.obs.tally.market[m].liquidated_debt)).collect())
            },
        ),
        d(Run, BAD_DEBT, Upper, F64, "ETH", "bad debt booked, all markets (pooled deficits at the oracle)", |w, _| {
            let n = w.lending.markets.len();
            Reduce::SumEach((0..n).map(|m| probe(move |w| w.obs.tally.market[m].bad_debt)).collect())
        }),
        d(Run, SLASHED, Upper, F64, "ETH", "restaked stake slashed (AVS and beacon chain)", |_, _| {
            Reduce::Sum(probe(|w| w.obs.tally.slashed_eth))
        }),
        d(Run, CASCADE_ROUNDS, Upper, I64, "rounds", "most liquidation rounds in one step", |_, _| {
            Reduce::Max(probe(|w| w.obs.tally.rounds as f64), Start::Value(0.0))
        }),
        d(Run, CASCADE_DEPTH, Upper, I64, "liquidations", "longest causal chain of liquidations", |_, _| {
            Reduce::Max(probe(|w| w.obs.tally.max_depth as f64), Start::Value(0.0))
        }),
        d(Run, "tvl_drawdown", Upper, F64, "fraction", "1 - lowest TVL / TVL at the start", |_, _| {
            Reduce::Drawdown(probe(|w| w.tvl()))
        }),
        d(Run, RETAIL_EXITS, Upper, I64, "agents", "retail agents who sold, redeemed or unwound everything", |w, _| {
            let n = w.liquidity.lrts.len();
            Reduce::SumEach((0..n).map(|l| probe(move |w| w.obs.tally.lrt[l].exits as f64)).collect())
        }),
        d(Run, "liquidated_agents", Upper, I64, "agents", "agents whose position was liquidated to nothing", |_, _| {
            Reduce::LiquidatedAgents
        }),
        d(
            Run,
            RETAIL_LOSS_MEAN,
            Upper,
            F64,
            "fraction",
            "mean retail loss, 1 - wealth / initial wealth (mark to market)",
            |_, _| Reduce::RetailLoss(LossStat::Mean),
        ),
    ];
    for q in LOSS_QUANTILES {
        let name = if q == 1.0 {
            "retail_loss_max".to_string()
        } else {
            format!("retail_loss_p{}", (q * 100.0).round() as u32)
        };
        let doc = "quantile of retail losses across agents (type 7)";
        out.push(d(Run, &name, Upper, F64, "fraction", doc, move |_, _| Reduce::RetailLoss(LossStat::Quantile(q))));
    }
    out.extend([
        d(
            Lrt,
            MAX_DEPEG,
            Upper,
            F64,
            "fraction",
            "largest discount of the pool price to NAV, inside steps included",
            |_, l| {
                Reduce::Max(
                    probe(move |w| {
                        let v = &w.liquidity.views[l];
                        (1.0 - step_low(w, l) / v.nav).max(1.0 - v.price / v.nav)
                    }),
                    Start::Value(0.0),
                )
            },
        ),
        d(
            Lrt,
            HOURS_DEPEGGED_1PCT,
            Upper,
            F64,
            "hours",
            "hours ending with the pool price more than 1% below NAV",
            |_, l| {
                Reduce::HoursAbove(probe(move |w| 1.0 - w.liquidity.views[l].price / w.liquidity.views[l].nav), 0.01)
            },
        ),
        d(Lrt, "min_price", Lower, F64, "ETH", "lowest pool price, inside steps included", |_, l| {
            Reduce::Min(probe(move |w| step_low(w, l)), Start::Probe)
        }),
        d(Lrt, MIN_NAV, Lower, F64, "ETH", "lowest NAV per token", |_, l| {
            Reduce::Min(probe(move |w| w.liquidity.views[l].nav), Start::Probe)
        }),
        d(Lrt, FINAL_NAV, Lower, F64, "ETH", "NAV per token at the end", |_, l| {
            Reduce::Last(probe(move |w| w.liquidity.views[l].nav))
        }),
        d(
            Lrt,
            HOURS_DEPEGGED_5PCT,
            Upper,
            F64,
            "hours",
            "hours ending with the pool price more than 5% below NAV",
            |_, l| {
                Reduce::HoursAbove(probe(move |w| 1.0 - w.liquidity.views[l].price / w.liquidity.views[l].nav), 0.05)
            },
        ),
        d(
            Lrt,
            HOURS_TOUCHING_1PCT,
            Upper,
            F64,
            "hours",
            "hours in steps during which the pool price went more than 1% below NAV (intra-step lows)",
            |_, l| Reduce::HoursAbove(probe(move |w| 1.0 - step_low(w, l) / w.liquidity.views[l].nav), 0.01),
        ),
        d(
            Lrt,
            HOURS_TOUCHING_5PCT,
            Upper,
            F64,
            "hours",
            "hours in steps during which the pool price went more than 5% below NAV (intra-step lows)",
            |_, l| Reduce::HoursAbove(probe(move |w| 1.0 - step_low(w, l) / w.liquidity.views[l].nav), 0.05),
        ),
        d(Lrt, LONGEST_REALISED_WAIT, Upper, F64, "days", "longest wait of a redemption paid in full", |_, l| {
            Reduce::Max(probe(move |w| w.obs.tally.lrt[l].longest_wait_seconds / 86_400.0), Start::Value(0.0))
        }),
        d(Lrt, LOWEST_BUFFER, Lower, F64, "ETH", "smallest liquid buffer at the end of a step", |_, l| {
            Reduce::Min(probe(move |w| w.liquidity.lrts[l].buffer_eth), Start::Probe)
        }),
        d(Lrt, "redeemed_eth", Upper, F64, "ETH", "redemptions paid out of the queue", |_, l| {
            Reduce::Sum(probe(move |w| w.obs.tally.lrt[l].redeemed_eth))
        }),
        d(Lrt, "instant_eth", Upper, F64, "ETH", "instant withdrawals from the buffer (before fees)", |_, l| {
            Reduce::Sum(probe(move |w| w.obs.tally.lrt[l].instant_eth))
        }),
        d(Lrt, "instant_fees_eth", Upper, F64, "ETH", "fees paid for instant withdrawals", |_, l| {
            Reduce::Sum(probe(move |w| w.obs.tally.lrt[l].instant_fees))
        }),
        d(Lrt, SOLD_BELOW_NAV, Upper, F64, "tokens", "tokens sold into pools for less than NAV", |_, l| {
            Reduce::Sum(probe(move |w| w.obs.tally.lrt[l].sold_below_nav))
        }),
        d(
            Lrt,
            DISCOUNT_COST,
            Upper,
            F64,
            "ETH",
            "what selling below NAV cost the sellers (tokens x NAV - proceeds)",
            |_, l| Reduce::Sum(probe(move |w| w.obs.tally.lrt[l].discount_cost_eth)),
        ),
        d(Lrt, PEAK_QUEUE, Upper, F64, "ETH", "largest redemption queue (at NAV)", |_, l| {
            Reduce::Max(probe(move |w| queue_eth(w, l)), Start::Value(0.0))
        }),
        d(
            Lrt,
            "peak_wait_days",
            Upper,
            F64,
            "days",
            "longest expected redemption wait while requests are accepted",
            |_, l| {
                // NaN while closed: the maximum skips it.
                Reduce::Max(
                    probe(move |w| {
                        Some(w.liquidity.views[l].wait_years * 365.0).filter(|d| d.is_finite()).unwrap_or(f64::NAN)
                    }),
                    Start::Value(0.0),
                )
            },
        ),
        d(Lrt, SLASHED, Upper, F64, "ETH", "assets lost to slashing", |_, l| {
            Reduce::Last(probe(move |w| w.liquidity.lrts[l].slashed_eth))
        }),
        d(Lrt, SLASH_LOSS, Upper, F64, "fraction", "assets lost to slashing / assets at the start", |_, l| {
            Reduce::Ratio(
                Box::new(Reduce::Last(probe(move |w| w.liquidity.lrts[l].slashed_eth))),
                Box::new(Reduce::AtStart(probe(move |w| w.liquidity.lrts[l].total_assets(&w.restaking.operators)))),
                1e-300,
            )
        }),
        d(
            Lrt,
            "slashing_conditions",
            Upper,
            I64,
            "AVSs",
            "AVSs whose slashing can reach the LRT's stake (compounding risk)",
            |_, l| {
                Reduce::AtStart(probe(move |w| exposure(&w.liquidity.lrts[l].shares, &w.restaking.operators).0 as f64))
            },
        ),
        d(
            Lrt,
            "allocated_exposure",
            Upper,
            F64,
            "fraction",
            "share of stake allocated to AVSs, summed over AVSs",
            |_, l| Reduce::AtStart(probe(move |w| exposure(&w.liquidity.lrts[l].shares, &w.restaking.operators).1)),
        ),
        d(Native, SLASHED, Upper, F64, "ETH", "stake lost to slashing", |_, n| {
            Reduce::Last(probe(move |w| w.restaking.natives[n].slashed_eth))
        }),
        d(Native, SLASH_LOSS, Upper, F64, "fraction", "stake lost to slashing / stake at the start", |_, n| {
            Reduce::Ratio(
                Box::new(Reduce::Last(probe(move |w| w.restaking.natives[n].slashed_eth))),
                Box::new(Reduce::AtStart(probe(move |w| w.restaking.natives[n].initial_eth))),
                1e-300,
            )
        }),
        d(Native, "slashing_conditions", Upper, I64, "AVSs", "AVSs whose slashing can reach the stake", |_, n| {
            Reduce::AtStart(probe(move |w| exposure(&w.restaking.natives[n].shares, &w.restaking.operators).0 as f64))
        }),
        d(
            Native,
            "allocated_exposure",
            Upper,
            F64,
            "fraction",
            "share of stake allocated to AVSs, summed over AVSs",
            |_, n| Reduce::AtStart(probe(move |w| exposure(&w.restaking.natives[n].shares, &w.restaking.operators).1)),
        ),
        d(
            Pool,
            PEAK_POOL_IMBALANCE,
            Upper,
            F64,
            "fraction",
            "largest LRT share of the pool's value (0.5 balanced)",
            |_, p| Reduce::Max(probe(move |w| w.liquidity.pools[p].lrt_share()), Start::Probe),
        ),
        d(
            Pool,
            LP_WITHDRAWN,
            Upper,
            F64,
            "ETH",
            "liquidity withdrawn by providers who may leave (at the pool price)",
            |_, p| Reduce::Sum(probe(move |w| w.obs.tally.pool(p).lp_withdrawn_eth)),
        ),
        d(Pool, "lp_returned_eth", Lower, F64, "ETH", "liquidity those providers deposited back", |_, p| {
            Reduce::Sum(probe(move |w| w.obs.tally.pool(p).lp_returned_eth))
        }),
        d(
            Run,
            "reverted_deleverages",
            Upper,
            I64,
            "count",
            "deleverages and unwinds that could not repay and did not happen",
            |_, _| Reduce::Sum(probe(|w| w.obs.tally.reverted_deleverages as f64)),
        ),
        d(Run, "peak_outside_capital_eth", Upper, F64, "ETH", "most outside capital held by arbitrageurs", |_, _| {
            Reduce::Max(probe(|w| w.agents.arbitrageurs.iter().map(|a| a.outside_in).sum()), Start::Value(0.0))
        }),
        d(
            Run,
            PEAK_NET_INSOLVENT,
            Upper,
            F64,
            "ETH",
            "largest net insolvent debt over all markets, collateral at the oracle",
            |w, _| {
                let n = w.lending.markets.len();
                Reduce::Max(
                    probe(move |w| (0..n).map(|m| w.obs.tally.market[m].insolvent_at_oracle).sum()),
                    Start::Value(0.0),
                )
            },
        ),
        d(
            Run,
            PEAK_NET_INSOLVENT_POOL,
            Upper,
            F64,
            "ETH",
            "largest net insolvent debt over all markets, collateral at the pool",
            |w, _| {
                let n = w.lending.markets.len();
                Reduce::Max(
                    probe(move |w| (0..n).map(|m| w.obs.tally.market[m].insolvent_at_pool).sum()),
                    Start::Value(0.0),
                )
            },
        ),
        d(Run, "attacks", Upper, I64, "count", "attacks operators carried out (security.operator_attacks)", |_, _| {
            Reduce::Sum(probe(|w| w.obs.tally.attacks as f64))
        }),
        d(Run, "profit_from_corruption_eth", Upper, F64, "ETH", "profit from corruption the attackers took", |_, _| {
            Reduce::Sum(probe(|w| w.obs.tally.profit_from_corruption))
        }),
        d(Market, LIQUIDATIONS, Upper, I64, "count", "liquidations on the market", |_, m| {
            Reduce::Sum(probe(move |w| w.obs.tally.market[m].liquidations as f64))
        }),
        d(Market, LIQUIDATED_DEBT, Upper, F64, "ETH", "debt repaid by liquidators on the market", |_, m| {
            Reduce::Sum(probe(move |w| w.obs.tally.market[m].liquidated_debt))
        }),
        d(Market, BAD_DEBT, Upper, F64, "ETH", "bad debt booked on the market", |_, m| {
            Reduce::Sum(probe(move |w| w.obs.tally.market[m].bad_debt))
        }),
        d(
            Market,
            "supplier_loss_share",
            Upper,
            F64,
            "fraction",
            "bad debt / suppliers' assets at the start",
            |_, m| {
                Reduce::Ratio(
                    Box::new(Reduce::Sum(probe(move |w| w.obs.tally.market[m].bad_debt))),
                    Box::new(Reduce::AtStart(probe(move |w| w.lending.markets[m].initial_supply()))),
                    1e-12,
                )
            },
        ),
        d(Market, "peak_utilisation", Upper, F64, "fraction", "highest utilisation of a loan reserve", |_, m| {
            Reduce::Max(probe(move |w| w.lending.markets[m].utilisation()), Start::Probe)
        }),
        d(Market, "supplier_withdrawn_eth", Upper, F64, "ETH", "lenders' withdrawals", |_, m| {
            Reduce::Sum(probe(move |w| w.obs.tally.market[m].supplier_withdrawn_eth))
        }),
        d(
            Market,
            PEAK_NET_INSOLVENT,
            Upper,
            F64,
            "ETH",
            "largest net insolvent debt: debt less collateral (at the oracle) of positions worth less than their debt",
            |_, m| Reduce::Max(probe(move |w| w.obs.tally.market[m].insolvent_at_oracle), Start::Value(0.0)),
        ),
        d(
            Market,
            PEAK_NET_INSOLVENT_POOL,
            Upper,
            F64,
            "ETH",
            "largest net insolvent debt with collateral at the pool price",
            |_, m| Reduce::Max(probe(move |w| w.obs.tally.market[m].insolvent_at_pool), Start::Value(0.0)),
        ),
        d(
            Market,
            "final_net_insolvent_debt_eth",
            Upper,
            F64,
            "ETH",
            "net insolvent debt at the end (at the oracle): losses waiting to be booked",
            |_, m| Reduce::Last(probe(move |w| w.obs.tally.market[m].insolvent_at_oracle)),
        ),
        d(
            Market,
            "peak_withdrawal_queue_eth",
            Upper,
            F64,
            "ETH",
            "largest value waiting in the lenders' withdrawal queues",
            |_, m| Reduce::Max(probe(move |w| w.withdrawal_queue_eth(m)), Start::Value(0.0)),
        ),
    ]);
    // Liquidated debt by cascade round: rounds 1-5 and 6+, for all markets, then per market.
    for scope in [Run, Market] {
        for (bin, name) in round_bin_names().into_iter().enumerate() {
            for count in [false, true] {
                let (metric, unit, doc, kind) = if count {
                    (format!("liquidations_{name}"), "count", "liquidations in this cascade round bin", I64)
                } else {
                    (format!("{LIQUIDATED_DEBT}_{name}"), "ETH", "debt repaid in this cascade round bin", F64)
                };
                out.push(d(scope, &metric, Upper, kind, unit, doc, move |_, m| Reduce::Rounds {
                    market: (scope == Market).then_some(m as u32),
                    bin,
                    count,
                }));
            }
        }
    }
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
