//! Risk measures across the replications of one sweep point, with confidence intervals, and
//! `summary.parquet` built from a sweep's `runs.parquet`.
//!
//! Definitions (all on the finite values of one metric at one sweep point; `n` of them):
//!
//! - **Quantile** `q`: the inverse empirical CDF, `x_(ceil(n q))` (Hyndman & Fan type 1), the
//!   definition that order-statistic confidence intervals and the CVaR integral are exact for.
//! - **VaR** at level `a` (95%, 99%): the `a`-quantile of the *loss*. Most metrics are losses as
//!   they stand (bad debt, liquidated debt, depeg: larger is worse, [`Tail::Upper`]); for those
//!   where smaller is worse (minimum price, minimum and final NAV: [`Tail::Lower`]) the loss is
//!   the negated metric, so VaR is reported in the metric's own units as `-q_a(-x)`.
//!   *Liquidations-at-risk* (LaR) is VaR of `liquidated_debt_eth` (ETH) and of `liquidations`
//!   (count).
//! - **CVaR** (expected shortfall) at `a`: `1/(1-a) * integral_a^1 VaR_u du` with the empirical
//!   quantile function: `(sum_{i>k} x_(i) + (k - n a) x_(k)) / (n (1 - a))` with `k = ceil(n a)`
//!   (Acerbi & Tasche 2002). For `n (1 - a) < 1` it is the sample maximum.
//! - **Mean CI**: Student-t, `mean +- t_{(1+c)/2, n-1} s / sqrt(n)` (needs `n >= 2`).
//! - **Quantile / VaR CI**: distribution-free, from order statistics (e.g. Conover, *Practical
//!   Nonparametric Statistics*, §3.2): with `B ~ Binomial(n, q)`, the interval
//!   `[x_(l), x_(u)]` with `l` the largest rank with `P(B <= l-1) <= (1-c)/2` and `u` the smallest
//!   with `P(B <= u-1) >= 1-(1-c)/2` covers the true quantile with probability at least `c`.
//!   A side with no such rank (too few replications, e.g. the 99% VaR upper bound with fewer than
//!   about 300 runs) is null: the data cannot bound it at that confidence.

use crate::AnalysisError;
use polars::prelude::*;
use statrs::distribution::{Binomial, ContinuousCDF, DiscreteCDF, StudentsT};

/// Confidence level of every interval in `summary.parquet`.
pub const CONFIDENCE: f64 = 0.95;

pub use restake_agents::observe::Tail;
use restake_agents::observe::tail_of;

/// `n q`, snapped to the nearest integer when it is one up to rounding (100 * 0.95 is not
/// exactly 95 in binary), so that ranks follow the exact definition.
fn mass(n: usize, q: f64) -> f64 {
    let x = n as f64 * q;
    let r = x.round();
    if (x - r).abs() <= 1e-9 * (n as f64).max(1.0) { r } else { x }
}

/// Inverse empirical CDF of ascending `sorted` at `q` in [0, 1]: `x_(ceil(n q))`.
pub fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let k = (mass(n, q).ceil() as usize).clamp(1, n);
    Some(sorted[k - 1])
}

/// Expected shortfall of the upper tail of ascending `sorted` beyond level `a` (see module docs).
pub fn upper_cvar(sorted: &[f64], a: f64) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let na = mass(n, a);
    let k = (na.ceil() as usize).clamp(1, n);
    let tail_mass = n as f64 - na;
    if tail_mass <= 0.0 {
        return Some(sorted[n - 1]);
    }
    let beyond: f64 = sorted[k..].iter().sum();
    Some((beyond + (k as f64 - na) * sorted[k - 1]) / tail_mass)
}

/// Student-t confidence interval for the mean at confidence `c`; None with fewer than 2 values.
pub fn mean_ci(values: &[f64], c: f64) -> Option<(f64, f64)> {
    let n = values.len();
    if n < 2 {
        return None;
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    let sd = sample_std(values, mean);
    let t = StudentsT::new(0.0, 1.0, (n - 1) as f64).ok()?.inverse_cdf(0.5 + c / 2.0);
    let half = t * sd / (n as f64).sqrt();
    Some((mean - half, mean + half))
}

fn sample_std(values: &[f64], mean: f64) -> f64 {
    let n = values.len();
    if n < 2 {
        return f64::NAN;
    }
    (values.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt()
}

/// Ranks (1-based) `(l, u)` of the order-statistic confidence interval `[x_(l), x_(u)]` for the
/// `q`-quantile of `n` values at confidence `c`; a side is None when no rank achieves it.
pub fn quantile_ci_ranks(n: usize, q: f64, c: f64) -> (Option<usize>, Option<usize>) {
    if n == 0 {
        return (None, None);
    }
    let Ok(b) = Binomial::new(q.clamp(0.0, 1.0), n as u64) else { return (None, None) };
    let alpha = (1.0 - c) / 2.0;
    // P(B <= j - 1) for rank j = 1..=n; P(B <= -1) = 0.
    let below = |j: usize| if j == 0 { 0.0 } else { b.cdf((j - 1) as u64) };
    let l = (1..=n).filter(|&j| below(j) <= alpha).max();
    let u = (1..=n).find(|&j| below(j) >= 1.0 - alpha);
    (l, u)
}

/// The order-statistic confidence interval of the `q`-quantile of ascending `sorted`.
pub fn quantile_ci(sorted: &[f64], q: f64, c: f64) -> (Option<f64>, Option<f64>) {
    let (l, u) = quantile_ci_ranks(sorted.len(), q, c);
    (l.map(|j| sorted[j - 1]), u.map(|j| sorted[j - 1]))
}

/// VaR at `level` with its confidence interval, and CVaR, in the metric's own units.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TailRisk {
    pub var: Option<f64>,
    pub var_ci: (Option<f64>, Option<f64>),
    pub cvar: Option<f64>,
}

/// Tail risk of ascending `sorted` at `level` on `tail`.
pub fn tail_risk(sorted: &[f64], level: f64, tail: Tail) -> TailRisk {
    match tail {
        Tail::Upper => TailRisk {
            var: quantile(sorted, level),
            var_ci: quantile_ci(sorted, level, CONFIDENCE),
            cvar: upper_cvar(sorted, level),
        },
        Tail::Lower => {
            // The loss is -x; its ascending order is the reverse of x's.
            let losses: Vec<f64> = sorted.iter().rev().map(|x| -x).collect();
            let (lo, hi) = quantile_ci(&losses, level, CONFIDENCE);
            TailRisk {
                var: quantile(&losses, level).map(|v| -v),
                // Negation swaps the ends: the interval in metric units is [-hi, -lo].
                var_ci: (hi.map(|v| -v), lo.map(|v| -v)),
                cvar: upper_cvar(&losses, level).map(|v| -v),
            }
        }
    }
}

/// Every statistic of one metric at one sweep point (one row of `summary.parquet`).
#[derive(Clone, Debug, PartialEq)]
pub struct MetricSummary {
    pub n: usize,
    pub mean: Option<f64>,
    pub std: Option<f64>,
    pub mean_ci: (Option<f64>, Option<f64>),
    pub min: Option<f64>,
    pub p05: Option<f64>,
    pub p50: Option<f64>,
    pub p95: Option<f64>,
    pub p99: Option<f64>,
    pub max: Option<f64>,
    pub r95: TailRisk,
    pub r99: TailRisk,
}

impl MetricSummary {
    /// Statistics of `values` (non-finite values are left out: `n` counts the rest).
    pub fn of(values: &[f64], tail: Tail) -> MetricSummary {
        let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let mean = (n > 0).then(|| v.iter().sum::<f64>() / n as f64);
        let ci = mean_ci(&v, CONFIDENCE);
        MetricSummary {
            n,
            mean,
            std: mean.filter(|_| n >= 2).map(|m| sample_std(&v, m)),
            mean_ci: (ci.map(|c| c.0), ci.map(|c| c.1)),
            min: v.first().copied(),
            p05: quantile(&v, 0.05),
            p50: quantile(&v, 0.50),
            p95: quantile(&v, 0.95),
            p99: quantile(&v, 0.99),
            max: v.last().copied(),
            r95: tail_risk(&v, 0.95, tail),
            r99: tail_risk(&v, 0.99, tail),
        }
    }
}

/// Columns of `runs.parquet` that identify a run rather than measure it.
const ID_COLUMNS: [&str; 6] = ["run_id", "scenario", "seed", "replicate", "point", "shard"];

/// Builds `summary.parquet` (long format: one row per sweep point and metric) from a sweep's
/// runs table. `params` are the varied parameters' columns (carried into every row); metrics are
/// every other numeric column. Failed runs (`status != "ok"`) are counted in `failed` and left out
/// of the statistics.
pub fn summary_frame(runs: &DataFrame, params: &[String]) -> Result<DataFrame, AnalysisError> {
    let point: Vec<u64> =
        runs.column("point")?.cast(&DataType::UInt64)?.u64()?.iter().map(|p| p.unwrap_or(0)).collect();
    let ok: Vec<bool> = match runs.column("status") {
        Ok(c) => c.str()?.iter().map(|s| s == Some("ok")).collect(),
        Err(_) => vec![true; runs.height()],
    };
    let metrics: Vec<String> = runs
        .columns()
        .iter()
        .filter(|c| c.dtype().is_primitive_numeric())
        .map(|c| c.name().to_string())
        .filter(|n| !ID_COLUMNS.contains(&n.as_str()) && !params.contains(n))
        .collect();
    // Rows of each point, in point order.
    let mut points: std::collections::BTreeMap<u64, Vec<usize>> = Default::default();
    for (i, &p) in point.iter().enumerate() {
        points.entry(p).or_default().push(i);
    }
    let mut out = SummaryColumns::default();
    let metric_values: Vec<Vec<Option<f64>>> = metrics
        .iter()
        .map(|m| Ok(runs.column(m)?.cast(&DataType::Float64)?.f64()?.iter().collect()))
        .collect::<Result<_, AnalysisError>>()?;
    let mut param_rows: Vec<usize> = Vec::new();
    for (&p, rows) in &points {
        let failed = rows.iter().filter(|&&i| !ok[i]).count();
        for (m, name) in metrics.iter().enumerate() {
            let values: Vec<f64> = rows.iter().filter(|&&i| ok[i]).filter_map(|&i| metric_values[m][i]).collect();
            let tail = tail_of(name);
            out.push(p, name, tail, failed, &MetricSummary::of(&values, tail));
            param_rows.push(rows[0]);
        }
    }
    let idx = IdxCa::from_vec("idx".into(), param_rows.iter().map(|&i| i as IdxSize).collect());
    let mut cols: Vec<Column> = vec![Column::new("point".into(), std::mem::take(&mut out.point))];
    for p in params {
        cols.push(runs.column(p)?.take(&idx)?);
    }
    cols.extend(out.into_columns());
    let height = cols[0].len();
    Ok(DataFrame::new(height, cols)?)
}

#[derive(Default)]
struct SummaryColumns {
    point: Vec<u64>,
    metric: Vec<String>,
    tail: Vec<&'static str>,
    n: Vec<u32>,
    failed: Vec<u32>,
    f: Vec<(&'static str, Vec<Option<f64>>)>,
}

impl SummaryColumns {
    fn push(&mut self, point: u64, metric: &str, tail: Tail, failed: usize, s: &MetricSummary) {
        self.point.push(point);
        self.metric.push(metric.to_string());
        self.tail.push(tail.as_str());
        self.n.push(s.n as u32);
        self.failed.push(failed as u32);
        let vals: [(&'static str, Option<f64>); 19] = [
            ("mean", s.mean),
            ("std", s.std),
            ("mean_ci_low", s.mean_ci.0),
            ("mean_ci_high", s.mean_ci.1),
            ("min", s.min),
            ("p05", s.p05),
            ("p50", s.p50),
            ("p95", s.p95),
            ("p99", s.p99),
            ("max", s.max),
            ("var95", s.r95.var),
            ("var95_ci_low", s.r95.var_ci.0),
            ("var95_ci_high", s.r95.var_ci.1),
            ("cvar95", s.r95.cvar),
            ("var99", s.r99.var),
            ("var99_ci_low", s.r99.var_ci.0),
            ("var99_ci_high", s.r99.var_ci.1),
            ("cvar99", s.r99.cvar),
            ("ci_level", Some(CONFIDENCE)),
        ];
        if self.f.is_empty() {
            self.f = vals.iter().map(|(k, _)| (*k, Vec::new())).collect();
        }
        for ((_, col), (_, v)) in self.f.iter_mut().zip(vals) {
            col.push(v);
        }
    }

    fn into_columns(self) -> Vec<Column> {
        let mut cols = vec![
            Column::new("metric".into(), self.metric),
            Column::new("tail".into(), self.tail),
            Column::new("n".into(), self.n),
            Column::new("failed".into(), self.failed),
        ];
        if self.f.is_empty() {
            return cols;
        }
        cols.extend(self.f.into_iter().map(|(k, v)| Column::new(k.into(), v)));
        cols
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_to(n: usize) -> Vec<f64> {
        (1..=n).map(|i| i as f64).collect()
    }

    #[test]
    fn var_and_cvar_of_one_to_a_hundred() {
        let x = one_to(100);
        // k = ceil(100 * 0.95) = 95; ES = mean of 96..=100 = 98.
        assert_eq!(quantile(&x, 0.95), Some(95.0));
        assert_eq!(upper_cvar(&x, 0.95), Some(98.0));
        assert_eq!(quantile(&x, 0.99), Some(99.0));
        assert_eq!(upper_cvar(&x, 0.99), Some(100.0));
    }

    #[test]
    fn cvar_weights_the_partial_order_statistic() {
        // n = 10, a = 0.95: k = 10, n a = 9.5, tail mass 0.5: ES = 0.5 x_(10) / 0.5 = x_(10).
        let x = one_to(10);
        assert_eq!(quantile(&x, 0.95), Some(10.0));
        assert_eq!(upper_cvar(&x, 0.95), Some(10.0));
        // n = 30, a = 0.95: k = ceil(28.5) = 29, tail mass 1.5:
        // ES = (x_30 + (29 - 28.5) x_29) / 1.5 = (30 + 14.5) / 1.5 = 29.666...
        let x = one_to(30);
        assert_eq!(quantile(&x, 0.95), Some(29.0));
        assert!((upper_cvar(&x, 0.95).unwrap() - 44.5 / 1.5).abs() < 1e-12);
        // A known loss sample: losses 0,0,0,0,0,0,0,0,1,5 (n = 10) at 80%:
        // k = 8, tail mass 2: ES = (1 + 5 + 0 * 0) / 2 = 3; VaR = x_(8) = 0.
        let losses = [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 5.0];
        assert_eq!(quantile(&losses, 0.8), Some(0.0));
        assert_eq!(upper_cvar(&losses, 0.8), Some(3.0));
    }

    #[test]
    fn lower_tail_risk_is_in_metric_units() {
        // Minimum NAV over 20 runs: 0.81, 0.82, ..., 1.00. The loss is -x; the 95% VaR of the
        // loss is its 19th smallest value, -0.82, so VaR in NAV units is 0.82. n a = 19 exactly,
        // so the tail holds only the single worst run and CVaR is 0.81.
        let x: Vec<f64> = (81..=100).map(|i| i as f64 / 100.0).collect();
        let r = tail_risk(&x, 0.95, Tail::Lower);
        assert_eq!(r.var, Some(0.82));
        assert!((r.cvar.unwrap() - 0.81).abs() < 1e-12);
        // The tail comes from the metric's declaration.
        assert_eq!(tail_of("lrt.rstETH.min_nav"), Tail::Lower);
        assert_eq!(tail_of("lrt.rstETH.min_price"), Tail::Lower);
        assert_eq!(tail_of("bad_debt_eth"), Tail::Upper);
        assert_eq!(tail_of("markets[0].lltv"), Tail::Upper);
    }

    #[test]
    fn t_quantile_matches_the_table() {
        // Student-t table: t_{0.975, 9} = 2.262, t_{0.975, 29} = 2.045, t_{0.995, 9} = 3.250.
        let t = |df: f64, p: f64| StudentsT::new(0.0, 1.0, df).unwrap().inverse_cdf(p);
        assert!((t(9.0, 0.975) - 2.262157).abs() < 1e-5, "{}", t(9.0, 0.975));
        assert!((t(29.0, 0.975) - 2.045230).abs() < 1e-5);
        assert!((t(9.0, 0.995) - 3.249836).abs() < 1e-5);
        // Mean CI of 1..=10: mean 5.5, s = sqrt(55/6) = 3.02765, half = 2.262157 * s / sqrt(10).
        let (lo, hi) = mean_ci(&one_to(10), 0.95).unwrap();
        let half = 2.262157 * (55.0f64 / 6.0).sqrt() / 10f64.sqrt();
        assert!((lo - (5.5 - half)).abs() < 1e-5 && (hi - (5.5 + half)).abs() < 1e-5, "{lo} {hi}");
        assert!(mean_ci(&[1.0], 0.95).is_none());
    }

    #[test]
    fn order_statistic_ci_for_the_median_of_twenty() {
        // Classic table value: for n = 20 the 95% CI of the median is [x_(6), x_(15)]
        // (coverage 1 - 2 * 0.0207 = 0.9586).
        assert_eq!(quantile_ci_ranks(20, 0.5, 0.95), (Some(6), Some(15)));
        // For n = 100 and the 95th percentile, Binomial(100, 0.95): P(B <= 89) = 0.0115 and
        // P(B <= 90) = 0.0282, so l = 90; P(B <= 98) = 0.963 and P(B <= 99) = 0.994, so u = 100.
        assert_eq!(quantile_ci_ranks(100, 0.95, 0.95), (Some(90), Some(100)));
        // 20 values cannot bound the 99th percentile from above at 95%.
        assert_eq!(quantile_ci_ranks(20, 0.99, 0.95).1, None);
        let x = one_to(20);
        assert_eq!(quantile_ci(&x, 0.5, 0.95), (Some(6.0), Some(15.0)));
    }

    #[test]
    fn summary_has_one_row_per_point_and_metric() {
        let df = df!(
            "run_id" => [0i64, 1, 2, 3],
            "point" => [0i64, 0, 1, 1],
            "markets[0].lltv" => [0.9, 0.9, 0.8, 0.8],
            "status" => ["ok", "ok", "ok", "failed"],
            "bad_debt_eth" => [Some(1.0), Some(3.0), Some(2.0), None],
        )
        .unwrap();
        let s = summary_frame(&df, &["markets[0].lltv".to_string()]).unwrap();
        assert_eq!(s.height(), 2);
        assert_eq!(s.column("metric").unwrap().str().unwrap().get(0), Some("bad_debt_eth"));
        assert_eq!(s.column("mean").unwrap().f64().unwrap().get(0), Some(2.0));
        assert_eq!(s.column("n").unwrap().u32().unwrap().get(1), Some(1));
        assert_eq!(s.column("failed").unwrap().u32().unwrap().get(1), Some(1));
        assert_eq!(s.column("markets[0].lltv").unwrap().f64().unwrap().get(1), Some(0.8));
    }
}
