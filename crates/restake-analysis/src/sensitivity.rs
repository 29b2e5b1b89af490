//! Variance-based sensitivity (Sobol indices) from a sweep run on Saltelli's design
//! (`[design] sampling = "sobol"`): first-order indices by Saltelli et al. (2010), total indices
//! by Jansen (1999), both as SALib's `sobol.analyze` computes them, with bootstrap confidence
//! intervals (the estimate +- z x the bootstrap standard deviation, as SALib reports them).
//!
//! Layout of the model outputs (`restake_engine::design::saltelli`): for base sample `j`,
//! `y[j (k + 2)]` = f(A_j), `y[j (k + 2) + 1 + i]` = f(AB_j^i), `y[j (k + 2) + k + 1]` = f(B_j).

use restake_engine::rng::{Purpose, uniform};

const BOOTSTRAP: Purpose = Purpose(0x5EED_50B0_0001);

/// One parameter's indices: first order and total, each with the half-width of its confidence
/// interval.
#[derive(Clone, Debug, PartialEq)]
pub struct Indices {
    pub s1: f64,
    pub s1_conf: f64,
    pub st: f64,
    pub st_conf: f64,
}

/// (S1, ST) of every parameter over the base samples `rows` (indices into the `n` samples).
fn estimate(y: &[f64], k: usize, rows: &[usize]) -> Vec<(f64, f64)> {
    let at = |j: usize, role: usize| y[j * (k + 2) + role];
    let n = rows.len() as f64;
    // Variance of the outputs at A and B together (SALib: np.r_[A, B].var()).
    let all: Vec<f64> = rows.iter().flat_map(|&j| [at(j, 0), at(j, k + 1)]).collect();
    let mean = all.iter().sum::<f64>() / all.len() as f64;
    let var = all.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / all.len() as f64;
    (0..k)
        .map(|i| {
            let (mut s1, mut st) = (0.0, 0.0);
            for &j in rows {
                let (a, b, ab) = (at(j, 0), at(j, k + 1), at(j, i + 1));
                s1 += b * (ab - a);
                st += (a - ab).powi(2);
            }
            if var > 0.0 { (s1 / n / var, 0.5 * st / n / var) } else { (0.0, 0.0) }
        })
        .collect()
}

/// Sobol indices of `k` parameters from outputs `y` in Saltelli's layout (`y.len()` must be a
/// multiple of `k + 2`), with `resamples` bootstrap resamples (keyed by `seed`) for intervals at
/// level `conf` (normal quantile `z`, 1.96 for 95%).
pub fn sobol_indices(y: &[f64], k: usize, resamples: usize, z: f64, seed: u64) -> Vec<Indices> {
    let n = y.len() / (k + 2);
    let rows: Vec<usize> = (0..n).collect();
    let point = estimate(y, k, &rows);
    let mut boot: Vec<Vec<(f64, f64)>> = Vec::with_capacity(resamples);
    let mut pick = vec![0usize; n];
    for r in 0..resamples {
        for (t, p) in pick.iter_mut().enumerate() {
            *p = ((uniform(seed, r as u64, t as u64, BOOTSTRAP) * n as f64) as usize).min(n - 1);
        }
        boot.push(estimate(y, k, &pick));
    }
    let sd = |xs: &mut dyn Iterator<Item = f64>| {
        let v: Vec<f64> = xs.collect();
        if v.len() < 2 {
            return f64::NAN;
        }
        let m = v.iter().sum::<f64>() / v.len() as f64;
        (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64).sqrt()
    };
    (0..k)
        .map(|i| Indices {
            s1: point[i].0,
            s1_conf: z * sd(&mut boot.iter().map(|b| b[i].0)),
            st: point[i].1,
            st_conf: z * sd(&mut boot.iter().map(|b| b[i].1)),
        })
        .collect()
}

/// One parameter's Morris elementary effects (metric units per full range of the parameter):
/// mu* = mean |EE| with the half-width of its bootstrap interval, mu = mean EE, sigma = sd EE.
#[derive(Clone, Debug, PartialEq)]
pub struct Effects {
    pub mu_star: f64,
    pub mu_star_conf: f64,
    pub mu: f64,
    pub sigma: f64,
}

/// Elementary effects from `n` Morris trajectories of `k + 1` points: `u[p]` the point's
/// coordinates scaled to [0, 1], `y[p]` the output. Each move changes one coordinate; its effect
/// is the change in `y` over the change in that coordinate (Morris 1991; mu* of Campolongo et al.
/// 2007).
pub fn morris_effects(y: &[f64], u: &[Vec<f64>], k: usize, resamples: usize, z: f64, seed: u64) -> Vec<Effects> {
    let n = y.len() / (k + 1);
    // ee[i][j]: the effect of parameter i in trajectory j.
    let mut ee = vec![vec![f64::NAN; n]; k];
    for j in 0..n {
        for s in 0..k {
            let (a, b) = (j * (k + 1) + s, j * (k + 1) + s + 1);
            let moved = (0..k).max_by(|&c, &d| (u[a][c] - u[b][c]).abs().total_cmp(&(u[a][d] - u[b][d]).abs()));
            if let Some(i) = moved {
                let du = u[b][i] - u[a][i];
                if du.abs() > 1e-12 {
                    ee[i][j] = (y[b] - y[a]) / du;
                }
            }
        }
    }
    let stats = |e: &[f64], rows: &[usize]| -> (f64, f64, f64) {
        let v: Vec<f64> = rows.iter().map(|&j| e[j]).filter(|x| x.is_finite()).collect();
        let m = v.len().max(1) as f64;
        let mu = v.iter().sum::<f64>() / m;
        let mu_star = v.iter().map(|x| x.abs()).sum::<f64>() / m;
        let sigma = if v.len() > 1 {
            (v.iter().map(|x| (x - mu).powi(2)).sum::<f64>() / (v.len() - 1) as f64).sqrt()
        } else {
            0.0
        };
        (mu_star, mu, sigma)
    };
    let rows: Vec<usize> = (0..n).collect();
    (0..k)
        .map(|i| {
            let (mu_star, mu, sigma) = stats(&ee[i], &rows);
            let boot: Vec<f64> = (0..resamples)
                .map(|r| {
                    let pick: Vec<usize> = (0..n)
                        .map(|t| ((uniform(seed, r as u64, t as u64, BOOTSTRAP) * n as f64) as usize).min(n - 1))
                        .collect();
                    stats(&ee[i], &pick).0
                })
                .collect();
            let bm = boot.iter().sum::<f64>() / boot.len().max(1) as f64;
            let bsd = if boot.len() > 1 {
                (boot.iter().map(|x| (x - bm).powi(2)).sum::<f64>() / (boot.len() - 1) as f64).sqrt()
            } else {
                f64::NAN
            };
            Effects { mu_star, mu_star_conf: z * bsd, mu, sigma }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use restake_engine::design::saltelli;
    use std::f64::consts::PI;

    /// Ishigami & Homma (1990): f = sin x1 + a sin^2 x2 + b x3^4 sin x1 on [-pi, pi]^3. With
    /// a = 7, b = 0.1 the indices are analytic (SALib's test values): S1 = 0.3139, 0.4424, 0;
    /// ST = 0.5576, 0.4424, 0.2437.
    fn ishigami(x: &[f64]) -> f64 {
        let (a, b) = (7.0, 0.1);
        x[0].sin() + a * x[1].sin().powi(2) + b * x[2].powi(4) * x[0].sin()
    }

    #[test]
    fn ishigami_indices_match_the_analytic_values() {
        let k = 3;
        let draws = saltelli(2026, 8192, k);
        let y: Vec<f64> =
            draws.iter().map(|u| ishigami(&u.iter().map(|v| -PI + 2.0 * PI * v).collect::<Vec<_>>())).collect();
        let ix = sobol_indices(&y, k, 200, 1.959964, 7);
        let s1 = [0.3139, 0.4424, 0.0];
        let st = [0.5576, 0.4424, 0.2437];
        for i in 0..k {
            assert!((ix[i].s1 - s1[i]).abs() < 0.02, "S1[{i}] = {} vs {}", ix[i].s1, s1[i]);
            assert!((ix[i].st - st[i]).abs() < 0.02, "ST[{i}] = {} vs {}", ix[i].st, st[i]);
            // The intervals are honest: small at this N, and the analytic value lies inside.
            assert!(ix[i].s1_conf > 0.0 && ix[i].s1_conf < 0.05, "S1 conf {}", ix[i].s1_conf);
            assert!((ix[i].st - st[i]).abs() < 2.0 * ix[i].st_conf + 0.005, "ST[{i}] within its interval");
        }
    }

    #[test]
    fn morris_effects_of_a_known_function() {
        use restake_engine::design::morris;
        // f = 3 u1 - 2 u2 + u3^2 (u4 unused): EE1 = 3 and EE2 = -2 on every move (linear), EE3 =
        // ((x + D)^2 - x^2) / D = 2x + D with D = 2/3 from x in {0, 1/3}: 2/3 or 4/3 (so sigma > 0),
        // EE4 = 0.
        let k = 4;
        let u = morris(3, 50, k);
        let y: Vec<f64> = u.iter().map(|x| 3.0 * x[0] - 2.0 * x[1] + x[2].powi(2)).collect();
        let e = morris_effects(&y, &u, k, 100, 1.959964, 1);
        assert!((e[0].mu_star - 3.0).abs() < 1e-9 && (e[0].mu - 3.0).abs() < 1e-9 && e[0].sigma < 1e-9, "{:?}", e[0]);
        assert!((e[1].mu_star - 2.0).abs() < 1e-9 && (e[1].mu + 2.0).abs() < 1e-9, "{:?}", e[1]);
        assert!(e[2].mu_star > 2.0 / 3.0 - 1e-9 && e[2].mu_star < 4.0 / 3.0 + 1e-9 && e[2].sigma > 0.1, "{:?}", e[2]);
        assert_eq!((e[3].mu_star, e[3].sigma), (0.0, 0.0));
    }

    #[test]
    fn a_parameter_the_output_ignores_has_zero_indices() {
        // f = x1 + 2 x2 (x3 unused): S1 = ST = 1/5, 4/5, 0 (variances 1/12 and 4/12).
        let draws = saltelli(1, 1024, 3);
        let y: Vec<f64> = draws.iter().map(|u| u[0] + 2.0 * u[1]).collect();
        let ix = sobol_indices(&y, 3, 100, 1.959964, 3);
        assert!((ix[0].st - 0.2).abs() < 0.02 && (ix[1].st - 0.8).abs() < 0.03, "{ix:?}");
        assert_eq!(ix[2].st, 0.0);
        assert_eq!(ix[2].s1, 0.0);
    }
}

/// The Sobol indices of run metric `metric` from a sweep folder run on Saltelli's design: the
/// metric averaged over each point's replications, then [`sobol_indices`]. Writes
/// `sensitivity-<metric>.parquet` (parameter, S1, S1_conf, ST, ST_conf) in `dir` and a chart of
/// the indices in `dir/plots/`; returns the table as text and the files written.
pub fn sweep_sensitivity(
    dir: &std::path::Path,
    metric: &str,
    resamples: usize,
    conf: f64,
) -> Result<(String, Vec<std::path::PathBuf>), crate::AnalysisError> {
    use crate::AnalysisError::Data;
    use polars::prelude::*;
    use statrs::distribution::{ContinuousCDF, Normal};
    use std::fmt::Write;
    let meta = crate::sweep_plots::read_meta(dir)?;
    let sobol = match meta["sampling"].as_str() {
        Some("sobol") => true,
        Some("morris") => false,
        other => {
            return Err(Data(format!(
                "{}: sensitivity needs a sweep on Saltelli's design (`[design] sampling = \"sobol\"`) or Morris \
                 trajectories (`sampling = \"morris\"`); this one is {}",
                dir.display(),
                other.unwrap_or("a grid or a table")
            )));
        }
    };
    let params = crate::sweep_plots::parameters(&meta);
    let k = params.len();
    let points = meta["points"].as_u64().unwrap_or(0) as usize;
    let runs = crate::table::read_parquet(&dir.join("runs.parquet"))?;
    if runs.column(metric).is_err() {
        return Err(Data(format!("no run metric `{metric}` in {}", dir.display())));
    }
    let point: Vec<u64> =
        runs.column("point")?.cast(&DataType::UInt64)?.u64()?.iter().map(|p| p.unwrap_or(0)).collect();
    let ok: Vec<bool> = runs.column("status")?.str()?.iter().map(|s| s == Some("ok")).collect();
    let v: Vec<f64> =
        runs.column(metric)?.cast(&DataType::Float64)?.f64()?.iter().map(|x| x.unwrap_or(f64::NAN)).collect();
    let (mut sum, mut n) = (vec![0.0; points], vec![0usize; points]);
    for i in 0..runs.height() {
        let p = point[i] as usize;
        if ok[i] && v[i].is_finite() && p < points {
            sum[p] += v[i];
            n[p] += 1;
        }
    }
    let missing: Vec<usize> = (0..points).filter(|&p| n[p] == 0).collect();
    let per = if sobol { k + 2 } else { k + 1 };
    if !missing.is_empty() || points % per != 0 {
        return Err(Data(format!(
            "{}: every point of the design needs a finished run; {} have none (first: {:?})",
            dir.display(),
            missing.len(),
            &missing[..missing.len().min(5)]
        )));
    }
    let y: Vec<f64> = (0..points).map(|p| sum[p] / n[p] as f64).collect();
    let z = Normal::new(0.0, 1.0).map_err(|e| Data(e.to_string()))?.inverse_cdf(0.5 + conf / 2.0);
    let plots = dir.join("plots");
    std::fs::create_dir_all(&plots).map_err(crate::io_err(&plots))?;
    let y_ticks: Vec<String> = params.iter().map(|p| crate::sweep_plots::short_label(p)).collect();
    if !sobol {
        // Each point's coordinates, scaled to [0, 1] by the design's own extremes (its grid
        // reaches both ends of every range; a log-scale range is scaled linearly here).
        let mut u = vec![vec![0.0; k]; points];
        for (c, p) in params.iter().enumerate() {
            let col: Vec<f64> =
                runs.column(p)?.cast(&DataType::Float64)?.f64()?.iter().map(|x| x.unwrap_or(f64::NAN)).collect();
            let (lo, hi) = col.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| (a.min(x), b.max(x)));
            for i in 0..runs.height() {
                let q = point[i] as usize;
                if q < points && hi > lo {
                    u[q][c] = (col[i] - lo) / (hi - lo);
                }
            }
        }
        let e = morris_effects(&y, &u, k, resamples, z, 0x5EED);
        let mut t = String::new();
        let _ = writeln!(
            t,
            "Morris elementary effects of {metric} per full range ({} trajectories, {} runs; +- at {:.0}%)",
            points / per,
            runs.height(),
            conf * 100.0
        );
        let _ = writeln!(t, "  {:<40} {:>18} {:>12} {:>12}", "parameter", "mu*", "mu", "sigma");
        for (p, x) in params.iter().zip(&e) {
            let _ =
                writeln!(t, "  {p:<40} {:>9.3} +- {:<6.3} {:>12.3} {:>12.3}", x.mu_star, x.mu_star_conf, x.mu, x.sigma);
        }
        let files = IndexTable {
            stem: "morris",
            title: format!("Morris elementary effects of {metric}"),
            x_label: "statistic",
            z_label: format!("{metric} per full range"),
            columns: vec![
                ("mu_star", e.iter().map(|x| x.mu_star).collect()),
                ("mu_star_conf", e.iter().map(|x| x.mu_star_conf).collect()),
                ("mu", e.iter().map(|x| x.mu).collect()),
                ("sigma", e.iter().map(|x| x.sigma).collect()),
            ],
            drawn: [(0, "mu* (mean |effect|)"), (3, "sigma (interactions)")],
        }
        .write(dir, metric, &params, y_ticks)?;
        return Ok((t, files));
    }
    let ix = sobol_indices(&y, k, resamples, z, 0x5EED);

    let mut t = String::new();
    let _ = writeln!(
        t,
        "Sobol indices of {metric} ({} base samples, {} runs; +- at {:.0}%, {resamples} bootstrap resamples)",
        points / (k + 2),
        runs.height(),
        conf * 100.0
    );
    let _ = writeln!(t, "  {:<40} {:>16} {:>16}", "parameter", "first order S1", "total ST");
    for (p, i) in params.iter().zip(&ix) {
        let _ = writeln!(t, "  {p:<40} {:>7.3} +- {:<5.3} {:>7.3} +- {:<5.3}", i.s1, i.s1_conf, i.st, i.st_conf);
    }
    let files = IndexTable {
        stem: "sensitivity",
        title: format!("Sobol indices of {metric}"),
        x_label: "index",
        z_label: "share of variance".into(),
        columns: vec![
            ("S1", ix.iter().map(|i| i.s1).collect()),
            ("S1_conf", ix.iter().map(|i| i.s1_conf).collect()),
            ("ST", ix.iter().map(|i| i.st).collect()),
            ("ST_conf", ix.iter().map(|i| i.st_conf).collect()),
        ],
        drawn: [(0, "first order S1"), (2, "total ST")],
    }
    .write(dir, metric, &params, y_ticks)?;
    Ok((t, files))
}

/// A sensitivity result per parameter: written as `<stem>-<metric>.parquet` (metric, parameter,
/// then `columns`) and drawn as an annotated matrix of two of its columns in `plots/`.
struct IndexTable {
    stem: &'static str,
    title: String,
    x_label: &'static str,
    z_label: String,
    columns: Vec<(&'static str, Vec<f64>)>,
    /// The columns drawn, by index into `columns`, with their tick labels.
    drawn: [(usize, &'static str); 2],
}

impl IndexTable {
    fn write(
        self,
        dir: &std::path::Path,
        metric: &str,
        params: &[String],
        y_ticks: Vec<String>,
    ) -> Result<Vec<std::path::PathBuf>, crate::AnalysisError> {
        use polars::prelude::*;
        let k = params.len();
        let mut cols =
            vec![Column::new("metric".into(), vec![metric; k]), Column::new("parameter".into(), params.to_vec())];
        cols.extend(self.columns.iter().map(|(name, v)| Column::new((*name).into(), v.clone())));
        let mut df = DataFrame::new(k, cols)?;
        let parquet = dir.join(format!("{}-{metric}.parquet", self.stem));
        crate::table::write_parquet(&parquet, &mut df)?;
        let png = dir.join("plots").join(format!("{}-{metric}.png", self.stem));
        let [(a, ta), (b, tb)] = self.drawn;
        let chart = restake_plot::Heatmap {
            title: self.title,
            x_label: self.x_label.into(),
            y_label: "parameter".into(),
            x: vec![0.0, 1.0],
            y: (0..k).map(|i| i as f64).collect(),
            z: (0..k).map(|i| vec![self.columns[a].1[i], self.columns[b].1[i]]).collect(),
            z_label: self.z_label,
            x_ticks: vec![ta.into(), tb.into()],
            y_ticks,
        };
        restake_plot::heatmap(&chart, &png, &png.with_extension("svg"))
            .map_err(|e| crate::AnalysisError::Plot(e.to_string()))?;
        Ok(vec![parquet, png])
    }
}
