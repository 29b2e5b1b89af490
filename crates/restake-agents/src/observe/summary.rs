//! The summary recorder: computes the declared run metrics while the engine pushes steps into
//! it, teed with whatever else records the run. It only ever reads the world.

use super::metrics::{LossStat, MetricKind, Reduce, RunMetric, Start, run_metrics};
use crate::population::Status;
use crate::world::{World, round_bin};
use rayon::prelude::*;
use restake_engine::{Recorder, RunOutcome, StepContext};
use std::collections::BTreeMap;

/// A run metric's value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum MetricValue {
    F64(f64),
    I64(i64),
    /// Undefined for this run (e.g. loss quantiles of a run without retail agents).
    Null,
}

impl MetricValue {
    pub fn as_f64(self) -> Option<f64> {
        match self {
            MetricValue::F64(x) => Some(x),
            MetricValue::I64(x) => Some(x as f64),
            MetricValue::Null => None,
        }
    }
}

/// The run metrics of a finished run, in column order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Summary {
    pub values: Vec<(String, MetricValue)>,
}

impl Summary {
    pub fn get(&self, name: &str) -> Option<f64> {
        self.values.iter().find(|(n, _)| n == name).and_then(|(_, v)| v.as_f64())
    }

    /// The value of `name` (for printing and tests, with names the declarations define).
    ///
    /// # Panics
    /// If this run has no metric `name`: a misspelt name must not read as 0.
    pub fn f(&self, name: &str) -> f64 {
        match self.values.iter().find(|(n, _)| n == name) {
            Some((_, v)) => v.as_f64().unwrap_or(f64::NAN),
            None => panic!("no run metric `{name}` in this run"),
        }
    }
}

/// The running state of one metric.
#[derive(Clone, Debug)]
enum Acc {
    Value(f64),
    Hours(f64),
    Drawdown {
        start: f64,
        min: f64,
    },
    Ratio(Box<Acc>, Box<Acc>),
    /// Computed at the end.
    End,
}

pub struct SummaryRecorder {
    metrics: Vec<RunMetric>,
    accs: Vec<Acc>,
    /// Liquidated debt and liquidations by (round, market) over the run.
    by_round: BTreeMap<(u32, u32), (f64, u64)>,
    summary: Summary,
}

impl SummaryRecorder {
    /// A recorder of the metrics declared for `w`'s entities.
    pub fn new(w: &World) -> Self {
        SummaryRecorder {
            metrics: run_metrics(w),
            accs: Vec::new(),
            by_round: BTreeMap::new(),
            summary: Summary::default(),
        }
    }

    /// The metrics (names, kinds, tails) this recorder computes, in column order.
    pub fn metrics(&self) -> &[RunMetric] {
        &self.metrics
    }

    /// The summary, once the run has finished.
    pub fn summary(&self) -> &Summary {
        &self.summary
    }

    pub fn into_summary(self) -> Summary {
        self.summary
    }
}

fn start_acc(r: &Reduce, w: &World) -> Acc {
    match r {
        Reduce::Sum(_) | Reduce::SumEach(_) => Acc::Value(0.0),
        Reduce::Max(p, s) | Reduce::Min(p, s) => Acc::Value(match s {
            Start::Value(v) => *v,
            Start::Probe => p(w),
        }),
        Reduce::Last(p) | Reduce::AtStart(p) => Acc::Value(p(w)),
        Reduce::HoursAbove(..) => Acc::Hours(0.0),
        Reduce::Drawdown(p) => {
            let v = p(w);
            Acc::Drawdown { start: v, min: v }
        }
        Reduce::Ratio(a, b, _) => Acc::Ratio(Box::new(start_acc(a, w)), Box::new(start_acc(b, w))),
        Reduce::Rounds { .. }
        | Reduce::RetailLoss(_)
        | Reduce::ClassLoss(_)
        | Reduce::LiquidatedAgents
        | Reduce::AtEnd(_) => Acc::End,
    }
}

fn step_acc(acc: &mut Acc, r: &Reduce, w: &World, dt_hours: f64) {
    match (acc, r) {
        (Acc::Value(v), Reduce::Sum(p)) => *v += p(w),
        (Acc::Value(v), Reduce::SumEach(ps)) => {
            for p in ps {
                *v += p(w);
            }
        }
        (Acc::Value(v), Reduce::Max(p, _)) => *v = v.max(p(w)),
        (Acc::Value(v), Reduce::Min(p, _)) => *v = v.min(p(w)),
        (Acc::Value(v), Reduce::Last(p)) => *v = p(w),
        (Acc::Hours(h), Reduce::HoursAbove(p, level)) => {
            if p(w) > *level {
                *h += dt_hours;
            }
        }
        (Acc::Drawdown { min, .. }, Reduce::Drawdown(p)) => *min = min.min(p(w)),
        (Acc::Ratio(a, b), Reduce::Ratio(ra, rb, _)) => {
            step_acc(a, ra, w, dt_hours);
            step_acc(b, rb, w, dt_hours);
        }
        _ => {}
    }
}

/// Losses of retail agents, sorted (1 - wealth / initial wealth).
fn sorted_losses(w: &World) -> Vec<f64> {
    let pop = &w.agents.pop;
    // In parallel: each loss is its own agent's, and a total order sorts to one sequence.
    let mut losses: Vec<f64> =
        (0..pop.len()).into_par_iter().map(|i| 1.0 - w.wealth_of(i) / pop.initial_wealth[i]).collect();
    losses.par_sort_unstable_by(f64::total_cmp);
    losses
}

/// `quantile_sorted` of `v` without sorting it: the two order statistics it interpolates
/// between are selected (O(n)), and are the values a sort would put there.
pub fn quantile(v: &mut [f64], q: f64) -> f64 {
    let n = v.len();
    if n == 0 {
        return f64::NAN;
    }
    let h = (n - 1) as f64 * q;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    let (_, &mut a, above) = v.select_nth_unstable_by(lo, f64::total_cmp);
    let b = if hi == lo { a } else { above.iter().copied().min_by(f64::total_cmp).unwrap_or(a) };
    a + (h - lo as f64) * (b - a)
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

impl SummaryRecorder {
    fn final_value(&self, acc: &Acc, r: &Reduce, w: &World, losses: &mut Option<Vec<f64>>) -> Option<f64> {
        Some(match (acc, r) {
            (Acc::Value(v), _) => *v,
            (Acc::Hours(h), _) => *h,
            (Acc::Drawdown { start, min }, _) => {
                if *start > 0.0 {
                    1.0 - min / start
                } else {
                    0.0
                }
            }
            (Acc::Ratio(a, b), Reduce::Ratio(ra, rb, floor)) => {
                self.final_value(a, ra, w, losses)? / self.final_value(b, rb, w, losses)?.max(*floor)
            }
            (Acc::End, Reduce::Rounds { market, bin, count }) => {
                let mut total = 0.0;
                for (&(r, m), &(x, n)) in &self.by_round {
                    if round_bin(r) == *bin && market.is_none_or(|k| k == m) {
                        total += if *count { n as f64 } else { x };
                    }
                }
                total
            }
            (Acc::End, Reduce::RetailLoss(stat)) => {
                let l = losses.get_or_insert_with(|| sorted_losses(w));
                match stat {
                    LossStat::Mean if l.is_empty() => 0.0,
                    LossStat::Mean => l.iter().sum::<f64>() / l.len() as f64,
                    LossStat::Quantile(_) if l.is_empty() => return None,
                    LossStat::Quantile(q) => quantile_sorted(l, *q),
                }
            }
            (Acc::End, Reduce::ClassLoss(class)) => {
                let pop = &w.agents.pop;
                let (mut sum, mut n) = (0.0, 0usize);
                for i in (0..pop.len()).filter(|&i| pop.strategy[i] == *class) {
                    sum += 1.0 - w.wealth_of(i) / pop.initial_wealth[i];
                    n += 1;
                }
                if n == 0 {
                    return None;
                }
                sum / n as f64
            }
            (Acc::End, Reduce::AtEnd(p)) => {
                let v = p(w);
                if !v.is_finite() {
                    return None;
                }
                v
            }
            (Acc::End, Reduce::LiquidatedAgents) => {
                w.agents.pop.status.iter().filter(|&&x| x == Status::Liquidated).count() as f64
            }
            _ => return None,
        })
    }
}

impl Recorder<World> for SummaryRecorder {
    type Error = std::convert::Infallible;

    fn start(&mut self, w: &World) -> Result<(), Self::Error> {
        self.accs = self.metrics.iter().map(|m| start_acc(&m.reduce, w)).collect();
        self.by_round.clear();
        Ok(())
    }

    fn record_step(&mut self, ctx: &StepContext, _rounds: u32, w: &World) -> Result<(), Self::Error> {
        let dt_hours = ctx.dt_seconds / 3600.0;
        for (acc, m) in self.accs.iter_mut().zip(&self.metrics) {
            step_acc(acc, &m.reduce, w, dt_hours);
        }
        for &(r, m, x, n) in &w.obs.tally.by_round {
            let e = self.by_round.entry((r, m)).or_default();
            e.0 += x;
            e.1 += n as u64;
        }
        Ok(())
    }

    fn finish(&mut self, w: &World, _outcome: &RunOutcome) -> Result<(), Self::Error> {
        let mut losses = None;
        let mut values = Vec::with_capacity(self.metrics.len());
        for (acc, m) in self.accs.iter().zip(&self.metrics) {
            let v = match (self.final_value(acc, &m.reduce, w, &mut losses), m.kind) {
                (None, _) => MetricValue::Null,
                (Some(x), MetricKind::F64) => MetricValue::F64(x),
                (Some(x), MetricKind::I64) => MetricValue::I64(x as i64),
            };
            values.push((m.name.clone(), v));
        }
        self.summary = Summary { values };
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_match_numpy_type_7() {
        // numpy.quantile([1, 2, 3, 4, 10], [0.5, 0.9, 0.95]) = [3.0, 7.6, 8.8]
        let v = [1.0, 2.0, 3.0, 4.0, 10.0];
        assert_eq!(quantile_sorted(&v, 0.5), 3.0);
        // Selecting gives the same values as sorting, from any order.
        for q in [0.0, 0.05, 0.5, 0.9, 0.95, 1.0] {
            let mut shuffled: Vec<f64> = v.iter().rev().copied().collect();
            shuffled.rotate_left(3);
            assert_eq!(quantile(&mut shuffled, q), quantile_sorted(&v, q), "q = {q}");
        }
        assert!((quantile_sorted(&v, 0.9) - 7.6).abs() < 1e-12);
        assert!((quantile_sorted(&v, 0.95) - 8.8).abs() < 1e-12);
    }
}
