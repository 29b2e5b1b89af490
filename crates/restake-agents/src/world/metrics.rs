//! What a step and a run add up to: per-step tallies (for the time series) and the run
//! summary (one row of `runs.parquet`).

use super::*;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default)]
pub struct MarketTally {
    pub liquidations: u32,
    /// Debt repaid by liquidators, valued in ETH (USD debt at the step's ETH/USD).
    pub liquidated_debt: f64,
    /// Bad debt booked, in ETH (pooled deficits valued at the oracle).
    pub bad_debt: f64,
    /// Lenders' withdrawals, in ETH.
    pub supplier_withdrawn_eth: f64,
}

#[derive(Clone, Debug, Default)]
pub struct LrtTally {
    pub exits: u32,
}

/// Flows within one step (reset at the start of each step).
#[derive(Clone, Debug, Default)]
pub struct StepTally {
    pub market: Vec<MarketTally>,
    pub lrt: Vec<LrtTally>,
    /// Liquidation rounds that did something in this step.
    pub rounds: u32,
    /// Longest liquidation chain ending in this step.
    pub max_depth: u32,
    pub slashed_eth: f64,
    pub retail_sold_lrt: f64,
    /// Liquidated debt (ETH) and number of liquidations by (round, market) in this step.
    pub by_round: Vec<(u32, u32, f64, u32)>,
    /// Lowest price each pool reached during the step (sales inside the step included).
    pub pool_min_price: Vec<f64>,
}

impl StepTally {
    pub fn reset(&mut self, markets: usize, lrts: usize) {
        self.market.clear();
        self.market.resize(markets, MarketTally::default());
        self.lrt.clear();
        self.lrt.resize(lrts, LrtTally::default());
        self.rounds = 0;
        self.max_depth = 0;
        self.slashed_eth = 0.0;
        self.retail_sold_lrt = 0.0;
        self.by_round.clear();
        self.pool_min_price.clear();
    }

    /// Notes a pool price seen during the step.
    pub fn saw_price(&mut self, pool: usize, price: f64) {
        if self.pool_min_price.len() <= pool {
            self.pool_min_price.resize(pool + 1, f64::INFINITY);
        }
        self.pool_min_price[pool] = self.pool_min_price[pool].min(price);
    }

    pub fn record_round(&mut self, round: u32, market: usize, repaid: f64) {
        match self.by_round.iter_mut().find(|(r, m, _, _)| *r == round && *m == market as u32) {
            Some(x) => {
                x.2 += repaid;
                x.3 += 1;
            }
            None => self.by_round.push((round, market as u32, repaid, 1)),
        }
    }
}

/// Per-LRT run metrics.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LrtSummary {
    pub id: String,
    /// Largest discount of the pool price to NAV, as a fraction (0.05 = 5%), including prices
    /// reached inside a step (between liquidation rounds).
    pub max_depeg: f64,
    pub hours_depegged_1pct: f64,
    pub min_price: f64,
    pub min_nav: f64,
    pub final_nav: f64,
    pub peak_queue_eth: f64,
    pub peak_wait_days: f64,
    /// ETH of the LRT's assets lost to slashing.
    pub slashed_eth: f64,
    /// Assets at the start, for loss fractions.
    pub initial_assets_eth: f64,
    /// AVSs whose slashing can reach the LRT's stake (compounding risk), at the start.
    pub slashing_conditions: u32,
    /// Share of the LRT's restaked stake allocated to AVSs, summed over AVSs (the expected
    /// fraction exposed per unit slash across all conditions).
    pub allocated_exposure: f64,
}

/// Per native restaker run metrics.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NativeSummary {
    pub id: String,
    pub initial_eth: f64,
    pub slashed_eth: f64,
    pub slashing_conditions: u32,
    pub allocated_exposure: f64,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct MarketSummary {
    pub id: String,
    pub liquidations: u64,
    pub liquidated_debt: f64,
    pub bad_debt: f64,
    /// Bad debt as a share of suppliers' assets at the start.
    pub supplier_loss_share: f64,
    pub peak_utilisation: f64,
    /// Lenders' withdrawals over the run, in ETH.
    pub supplier_withdrawn_eth: f64,
    /// Largest value waiting in the market's withdrawal queues at the end of a step, in ETH.
    pub peak_withdrawal_queue_eth: f64,
}

/// Liquidation rounds reported one by one in run summaries; later rounds are pooled in the last
/// bin ("6+").
pub const ROUND_BINS: usize = 6;

/// The bin of liquidation round `round` (1-based): rounds 1-5 have their own, 6+ share the last.
pub fn round_bin(round: u32) -> usize {
    (round.max(1) as usize - 1).min(ROUND_BINS - 1)
}

/// Everything one row of `runs.parquet` holds about a run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunSummary {
    pub liquidations: u64,
    pub liquidated_debt: f64,
    pub bad_debt: f64,
    pub slashed_eth: f64,
    /// Most liquidation rounds in any one step.
    pub cascade_rounds: u32,
    /// Longest causal chain of liquidations.
    pub cascade_depth: u32,
    pub tvl_start: f64,
    pub tvl_min: f64,
    pub retail_exits: u64,
    pub lrts: Vec<LrtSummary>,
    pub markets: Vec<MarketSummary>,
    /// Liquidated debt by (round, market index) over the run.
    pub by_round: BTreeMap<(u32, u32), f64>,
    /// Liquidations by (round, market index) over the run.
    pub count_by_round: BTreeMap<(u32, u32), u64>,
    /// Retail loss quantiles (fraction of initial wealth), filled by [`World::final_summary`].
    pub retail_loss_quantiles: Vec<(f64, f64)>,
    pub retail_mean_loss: f64,
    pub liquidated_agents: u64,
    pub natives: Vec<NativeSummary>,
    /// Attacks operators carried out, and the profit from corruption they took.
    pub attacks: u32,
    pub profit_from_corruption: f64,
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

impl RunSummary {
    /// Liquidated debt (ETH) in rounds 1, 2, 3, 4, 5 and 6+ (summed over the run's steps), of
    /// market `market` or of all markets.
    pub fn liquidated_debt_by_round(&self, market: Option<u32>) -> [f64; ROUND_BINS] {
        let mut out = [0.0; ROUND_BINS];
        for (&(r, m), &x) in &self.by_round {
            if market.is_none_or(|k| k == m) {
                out[round_bin(r)] += x;
            }
        }
        out
    }

    /// Liquidations in rounds 1, 2, 3, 4, 5 and 6+, of market `market` or of all markets.
    pub fn liquidations_by_round(&self, market: Option<u32>) -> [u64; ROUND_BINS] {
        let mut out = [0; ROUND_BINS];
        for (&(r, m), &n) in &self.count_by_round {
            if market.is_none_or(|k| k == m) {
                out[round_bin(r)] += n;
            }
        }
        out
    }

    pub fn tvl_drawdown(&self) -> f64 {
        if self.tvl_start > 0.0 { 1.0 - self.tvl_min / self.tvl_start } else { 0.0 }
    }

    pub(super) fn start(&mut self, w: &World) {
        self.tvl_start = w.tvl();
        self.tvl_min = self.tvl_start;
        self.lrts = w
            .lrts
            .iter()
            .enumerate()
            .map(|(l, x)| {
                let (conditions, exposed) = exposure(&x.shares, &w.operators);
                LrtSummary {
                    id: x.id.clone(),
                    min_price: w.lrt_views[l].price,
                    min_nav: w.lrt_views[l].nav,
                    final_nav: w.lrt_views[l].nav,
                    initial_assets_eth: x.total_assets(&w.operators),
                    slashing_conditions: conditions,
                    allocated_exposure: exposed,
                    ..Default::default()
                }
            })
            .collect();
        self.natives = w
            .natives
            .iter()
            .map(|n| {
                let (conditions, exposed) = exposure(&n.shares, &w.operators);
                NativeSummary {
                    id: n.id.clone(),
                    initial_eth: n.initial_eth,
                    slashing_conditions: conditions,
                    allocated_exposure: exposed,
                    ..Default::default()
                }
            })
            .collect();
        self.markets = w
            .markets
            .iter()
            .map(|m| MarketSummary { id: m.id.clone(), peak_utilisation: m.utilisation(), ..Default::default() })
            .collect();
    }

    pub(super) fn observe_step(&mut self, t: &StepTally, views: &[LrtView], w: &World, ctx: &StepContext) {
        for (m, mt) in t.market.iter().enumerate() {
            let s = &mut self.markets[m];
            s.liquidations += mt.liquidations as u64;
            s.liquidated_debt += mt.liquidated_debt;
            s.bad_debt += mt.bad_debt;
            s.supplier_loss_share = s.bad_debt / w.markets[m].initial_supply().max(1e-12);
            s.peak_utilisation = s.peak_utilisation.max(w.markets[m].utilisation());
            s.supplier_withdrawn_eth += mt.supplier_withdrawn_eth;
            s.peak_withdrawal_queue_eth = s.peak_withdrawal_queue_eth.max(w.withdrawal_queue_eth(m));
            self.liquidations += mt.liquidations as u64;
            self.liquidated_debt += mt.liquidated_debt;
            self.bad_debt += mt.bad_debt;
        }
        for &(r, m, x, n) in &t.by_round {
            *self.by_round.entry((r, m)).or_default() += x;
            *self.count_by_round.entry((r, m)).or_default() += n as u64;
        }
        self.slashed_eth += t.slashed_eth;
        self.cascade_rounds = self.cascade_rounds.max(t.rounds);
        self.cascade_depth = self.cascade_depth.max(t.max_depth);
        self.tvl_min = self.tvl_min.min(w.tvl());
        for (l, v) in views.iter().enumerate() {
            let s = &mut self.lrts[l];
            let low = t.pool_min_price.get(w.lrt_pool[l]).copied().unwrap_or(f64::INFINITY).min(v.price);
            s.max_depeg = s.max_depeg.max(1.0 - low / v.nav);
            s.min_price = s.min_price.min(low);
            let depeg = 1.0 - v.price / v.nav;
            s.max_depeg = s.max_depeg.max(depeg);
            if depeg > 0.01 {
                s.hours_depegged_1pct += ctx.dt_seconds / 3600.0;
            }
            s.min_nav = s.min_nav.min(v.nav);
            s.final_nav = v.nav;
            s.peak_queue_eth = s.peak_queue_eth.max(w.lrts[l].queued_tokens * v.nav);
            s.peak_wait_days = s.peak_wait_days.max(v.wait_years * 365.0);
            self.retail_exits += t.lrt[l].exits as u64;
        }
    }
}

/// The loss quantiles reported for retail agents.
pub const LOSS_QUANTILES: [f64; 5] = [0.5, 0.9, 0.95, 0.99, 1.0];

impl World {
    /// The run summary with retail loss quantiles (a pass over the population).
    pub fn final_summary(&self) -> RunSummary {
        let mut s = self.summary.clone();
        let mut losses: Vec<f64> =
            (0..self.pop.len()).map(|i| 1.0 - self.wealth_of(i) / self.pop.initial_wealth[i]).collect();
        losses.sort_by(f64::total_cmp);
        if !losses.is_empty() {
            s.retail_mean_loss = losses.iter().sum::<f64>() / losses.len() as f64;
            s.retail_loss_quantiles = LOSS_QUANTILES.iter().map(|&q| (q, quantile_sorted(&losses, q))).collect();
        }
        s.liquidated_agents =
            self.pop.status.iter().filter(|&&x| x == crate::population::Status::Liquidated).count() as u64;
        for (k, n) in self.natives.iter().enumerate() {
            s.natives[k].slashed_eth = n.slashed_eth;
        }
        s
    }
}

/// Quantile by linear interpolation between order statistics (Hyndman & Fan type 7, the
/// default of R and numpy).
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    let h = (n - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_match_numpy_type_7() {
        // numpy.quantile([1, 2, 3, 4, 10], [0.5, 0.9, 0.95]) = [3.0, 7.6, 8.8]
        let v = [1.0, 2.0, 3.0, 4.0, 10.0];
        assert_eq!(quantile_sorted(&v, 0.5), 3.0);
        assert!((quantile_sorted(&v, 0.9) - 7.6).abs() < 1e-12);
        assert!((quantile_sorted(&v, 0.95) - 8.8).abs() < 1e-12);
    }
}
