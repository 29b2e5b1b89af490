//! Figures of a sweep's folder (`restake plot DIR` where DIR holds `sweep.json` and
//! `runs.parquet`): a heatmap of a run metric over two swept parameters, the metric's response to
//! one parameter (median and central bands across replications), and its distribution per point.
//! Everything is read from the saved files, so a sweep written earlier is drawn without rerunning.

use crate::risk::{quantile, upper_cvar};
use crate::table::read_parquet;
use crate::{AnalysisError, io_err};
use polars::prelude::*;
use restake_plot::{FanChart, Heatmap, LossDistribution};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Which sweep figure to draw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SweepFigure {
    Heatmap,
    Response,
    Distribution,
    /// A step series' quantiles over time across the replications of one point.
    Fan,
}

/// What to draw: the figures (none = the defaults for the design), the run metric (default: bad
/// debt, else the first metric), and the parameters on the axes (default: the first swept ones).
#[derive(Clone, Debug, Default)]
pub struct SweepPlot {
    pub figures: Vec<SweepFigure>,
    pub metric: Option<String>,
    pub x: Option<String>,
    pub y: Option<String>,
    /// The step column of a fan chart (default: the first LRT's price) and the point (default 0).
    pub series: Option<String>,
    pub point: u32,
}

/// The runs of a sweep, as the figures need them.
struct Runs {
    name: String,
    params: Vec<String>,
    /// Per parameter, each run's value as a short label.
    labels: BTreeMap<String, Vec<String>>,
    /// Per parameter, each run's value as a number, if every value is one.
    numbers: BTreeMap<String, Option<Vec<f64>>>,
    /// The metric, per run.
    values: Vec<f64>,
    metric: String,
    /// Each run's point.
    points: Vec<u32>,
    /// Each run's id.
    run_ids: Vec<i64>,
}

/// True if `dir` holds a sweep (its `sweep.json`).
pub fn is_sweep(dir: &Path) -> bool {
    dir.join("sweep.json").is_file()
}

/// A parameter value as a short label: an inline table by its `kind` (`pool-spot`), a string
/// unquoted, a number as printed; anything else shortened to 24 characters.
pub fn short_label(value: &str) -> String {
    let v = value.trim();
    if let Some(i) = v.find("kind") {
        let rest = &v[i + 4..];
        if let Some(q) = rest.find('"') {
            let rest = &rest[q + 1..];
            if let Some(e) = rest.find('"') {
                return rest[..e].to_string();
            }
        }
    }
    let v = v.trim_matches('"');
    if v.chars().count() > 24 { format!("{}…", v.chars().take(23).collect::<String>()) } else { v.to_string() }
}

/// A parameter value from a table cell as a short label: numbers by [`number`], text by
/// [`short_label`].
pub fn value_label(v: &AnyValue) -> String {
    match v {
        AnyValue::String(s) => short_label(s),
        AnyValue::StringOwned(s) => short_label(s),
        AnyValue::Null => "-".into(),
        other => other.extract::<f64>().map(number).unwrap_or_else(|| short_label(&other.to_string())),
    }
}

/// A number in at most six significant digits, trailing zeros dropped (`0.86`, `100000`,
/// `0.80286` for a sampled 0.8028602...), never `-0`.
pub fn number(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return if v == 0.0 { "0".into() } else { format!("{v}") };
    }
    let decimals = (5 - v.abs().log10().floor() as i32).clamp(0, 12) as usize;
    let s = format!("{v:.decimals$}");
    let s = if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s };
    if s == "-0" { "0".into() } else { s }
}

/// A sweep folder's `sweep.json` (the experiment: name, parameters, design).
pub(crate) fn read_meta(dir: &Path) -> Result<serde_json::Value, AnalysisError> {
    let path = dir.join("sweep.json");
    let text = std::fs::read_to_string(&path).map_err(io_err(&path))?;
    serde_json::from_str(&text).map_err(|e| AnalysisError::Data(format!("{}: {e}", path.display())))
}

/// The swept parameters named in a sweep's `sweep.json`, in column order.
pub(crate) fn parameters(meta: &serde_json::Value) -> Vec<String> {
    meta["parameters"].as_array().into_iter().flatten().filter_map(|p| p.as_str().map(str::to_string)).collect()
}

fn read_runs(dir: &Path, metric: Option<&str>) -> Result<Runs, AnalysisError> {
    let meta = read_meta(dir)?;
    let name = meta["name"].as_str().unwrap_or("sweep").to_string();
    let params = parameters(&meta);
    let runs = read_parquet(&dir.join("runs.parquet"))?;
    let ok = runs.column("status")?.str()?.equal("ok");
    let runs = runs.filter(&ok)?;
    if runs.height() == 0 {
        return Err(AnalysisError::Data(format!("{}: no finished runs to draw", dir.display())));
    }
    let fixed = ["run_id", "scenario", "seed", "replicate", "point", "status", "error"];
    let metrics: Vec<String> = runs
        .get_column_names()
        .iter()
        .map(|c| c.to_string())
        .filter(|c| !fixed.contains(&c.as_str()) && !params.contains(c))
        .filter(|c| runs.column(c).map(|s| s.dtype().is_primitive_numeric()).unwrap_or(false))
        .collect();
    let metric = match metric {
        Some(m) if metrics.iter().any(|x| x == m) => m.to_string(),
        Some(m) => {
            return Err(AnalysisError::Data(format!(
                "no run metric `{m}` in {}; there are: {}",
                dir.display(),
                metrics.join(", ")
            )));
        }
        None => metrics
            .iter()
            .find(|m| m.as_str() == "bad_debt_eth")
            .or(metrics.first())
            .cloned()
            .ok_or_else(|| AnalysisError::Data("the sweep has no numeric run metric".into()))?,
    };
    let values: Vec<f64> =
        runs.column(&metric)?.cast(&DataType::Float64)?.f64()?.iter().map(|v| v.unwrap_or(f64::NAN)).collect();
    let mut labels = BTreeMap::new();
    let mut numbers = BTreeMap::new();
    for p in &params {
        let col = runs.column(p)?;
        let nums = if col.dtype().is_primitive_numeric() {
            Some(col.cast(&DataType::Float64)?.f64()?.iter().map(|v| v.unwrap_or(f64::NAN)).collect::<Vec<_>>())
        } else {
            None
        };
        let text: Vec<String> = match &nums {
            Some(n) => n.iter().map(|v| number(*v)).collect(),
            None => col.cast(&DataType::String)?.str()?.iter().map(|s| short_label(s.unwrap_or(""))).collect(),
        };
        labels.insert(p.clone(), text);
        numbers.insert(p.clone(), nums);
    }
    let points: Vec<u32> =
        runs.column("point")?.cast(&DataType::UInt32)?.u32()?.iter().map(|p| p.unwrap_or(u32::MAX)).collect();
    let run_ids: Vec<i64> =
        runs.column("run_id")?.cast(&DataType::Int64)?.i64()?.iter().map(|v| v.unwrap_or(-1)).collect();
    Ok(Runs { name, params, labels, numbers, values, metric, points, run_ids })
}

/// The distinct values of parameter `p` in run order of first appearance, sorted numerically when
/// they are numbers: (label, number or index).
fn levels(r: &Runs, p: &str) -> Vec<(String, f64)> {
    let labels = &r.labels[p];
    let mut seen: Vec<(String, f64)> = Vec::new();
    for (i, l) in labels.iter().enumerate() {
        if !seen.iter().any(|(s, _)| s == l) {
            let x = r.numbers[p].as_ref().map(|n| n[i]).unwrap_or(seen.len() as f64);
            seen.push((l.clone(), x));
        }
    }
    if r.numbers[p].is_some() {
        seen.sort_by(|a, b| a.1.total_cmp(&b.1));
    }
    seen
}

fn check_param(r: &Runs, p: &str) -> Result<(), AnalysisError> {
    if r.params.iter().any(|x| x == p) {
        Ok(())
    } else {
        Err(AnalysisError::Data(format!("`{p}` is not a swept parameter; the sweep varies: {}", r.params.join(", "))))
    }
}

/// ", averaged over <the parameters not on an axis>" (or pooled over, for a distribution).
fn others(r: &Runs, used: &[&str], how: &str) -> String {
    let rest: Vec<&str> = r.params.iter().map(String::as_str).filter(|p| !used.contains(p)).collect();
    if rest.is_empty() { String::new() } else { format!(", {how} over {}", rest.join(", ")) }
}

fn plot_err(e: restake_plot::PlotError) -> AnalysisError {
    AnalysisError::Plot(e.to_string())
}

fn heatmap(r: &Runs, x: &str, y: &str, dir: &Path) -> Result<PathBuf, AnalysisError> {
    let (xs, ys) = (levels(r, x), levels(r, y));
    let mut z = vec![vec![f64::NAN; xs.len()]; ys.len()];
    for (iy, (yl, _)) in ys.iter().enumerate() {
        for (ix, (xl, _)) in xs.iter().enumerate() {
            let v: Vec<f64> = (0..r.values.len())
                .filter(|&i| &r.labels[x][i] == xl && &r.labels[y][i] == yl)
                .map(|i| r.values[i])
                .filter(|v| v.is_finite())
                .collect();
            if !v.is_empty() {
                z[iy][ix] = v.iter().sum::<f64>() / v.len() as f64;
            }
        }
    }
    let c = Heatmap {
        title: format!("{}: mean {} by {x} and {y}{}", r.name, r.metric, others(r, &[x, y], "averaged")),
        x_label: x.to_string(),
        y_label: y.to_string(),
        x: xs.iter().map(|l| l.1).collect(),
        y: ys.iter().map(|l| l.1).collect(),
        z,
        z_label: r.metric.clone(),
        x_ticks: xs.into_iter().map(|l| l.0).collect(),
        y_ticks: ys.into_iter().map(|l| l.0).collect(),
    };
    let png = dir.join(format!("heatmap-{}.png", r.metric));
    restake_plot::heatmap(&c, &png, &png.with_extension("svg")).map_err(plot_err)?;
    Ok(png)
}

fn response(r: &Runs, x: &str, dir: &Path) -> Result<PathBuf, AnalysisError> {
    let xs = levels(r, x);
    let (mut t, mut median, mut b50, mut b90) = (vec![], vec![], (vec![], vec![]), (vec![], vec![]));
    for (l, pos) in &xs {
        let mut v: Vec<f64> = (0..r.values.len())
            .filter(|&i| &r.labels[x][i] == l)
            .map(|i| r.values[i])
            .filter(|v| v.is_finite())
            .collect();
        v.sort_by(f64::total_cmp);
        let q = |p: f64| quantile(&v, p).unwrap_or(f64::NAN);
        t.push(*pos);
        median.push(q(0.5));
        b50.0.push(q(0.25));
        b50.1.push(q(0.75));
        b90.0.push(q(0.05));
        b90.1.push(q(0.95));
    }
    let numeric = r.numbers[x].is_some();
    let ticks = if numeric {
        String::new()
    } else {
        format!(" ({})", xs.iter().enumerate().map(|(i, l)| format!("{i} = {}", l.0)).collect::<Vec<_>>().join(", "))
    };
    let c = FanChart {
        title: format!("{}: {} against {x}{}", r.name, r.metric, others(r, &[x], "pooled")),
        time_label: format!("{x}{ticks}"),
        y_label: r.metric.clone(),
        t,
        x_is_value: true,
        median,
        bands: vec![(0.9, b90.0, b90.1), (0.5, b50.0, b50.1)],
    };
    let png = dir.join(format!("response-{}.png", r.metric));
    restake_plot::fan_chart(&c, &png, &png.with_extension("svg")).map_err(plot_err)?;
    Ok(png)
}

fn distribution(r: &Runs, x: &str, dir: &Path) -> Result<PathBuf, AnalysisError> {
    let mut groups = vec![];
    let mut var_cvar = vec![];
    for (l, _) in levels(r, x) {
        let mut v: Vec<f64> = (0..r.values.len())
            .filter(|&i| r.labels[x][i] == l)
            .map(|i| r.values[i])
            .filter(|v| v.is_finite())
            .collect();
        v.sort_by(f64::total_cmp);
        let name = l.clone();
        var_cvar.push((name.clone(), quantile(&v, 0.95).unwrap_or(f64::NAN), upper_cvar(&v, 0.95).unwrap_or(f64::NAN)));
        groups.push((name, v));
    }
    let c = LossDistribution {
        title: format!("{}: distribution of {} per {x}{}", r.name, r.metric, others(r, &[x], "pooled")),
        x_label: r.metric.clone(),
        groups,
        var_cvar,
        quantile: 0.95,
    };
    let png = dir.join(format!("distribution-{}.png", r.metric));
    restake_plot::loss_distribution(&c, &png, &png.with_extension("svg")).map_err(plot_err)?;
    Ok(png)
}

/// Every part file of a sweep's hive-style dataset `dir/<kind>/shard=K/part-N.parquet`.
fn dataset_parts(dir: &Path, kind: &str) -> Vec<PathBuf> {
    let mut parts = vec![];
    for shard in std::fs::read_dir(dir.join(kind)).into_iter().flatten().flatten() {
        for f in std::fs::read_dir(shard.path()).into_iter().flatten().flatten() {
            let p = f.path();
            if p.extension().is_some_and(|e| e == "parquet") {
                parts.push(p);
            }
        }
    }
    parts.sort();
    parts
}

/// The step series `column` of every run of `point`: median and 50%/90% bands at each time.
fn fan(r: &Runs, dir: &Path, column: Option<&str>, point: u32, out: &Path) -> Result<PathBuf, AnalysisError> {
    let parts = dataset_parts(dir, "steps");
    if parts.is_empty() {
        return Err(AnalysisError::Data(format!(
            "{}: no step series (the sweep kept none: `[outputs] steps = true` keeps them)",
            dir.display()
        )));
    }
    let ids: Vec<i64> = r.points.iter().zip(&r.run_ids).filter(|(p, _)| **p == point).map(|(_, &id)| id).collect();
    if ids.is_empty() {
        return Err(AnalysisError::Data(format!("{}: no runs at point {point}", dir.display())));
    }
    let mut by_time: BTreeMap<i64, (f64, Vec<f64>)> = BTreeMap::new();
    let mut name = column.map(str::to_string);
    for p in parts {
        let df = read_parquet(&p)?;
        let col = match &name {
            Some(c) => c.clone(),
            None => {
                let first = df
                    .get_column_names()
                    .iter()
                    .map(|c| c.to_string())
                    .find(|c| c.starts_with("lrt.") && c.ends_with(".price"));
                let Some(c) = first else {
                    return Err(AnalysisError::Data("no LRT price column; pass --metric".into()));
                };
                name = Some(c.clone());
                c
            }
        };
        let Ok(values) = df.column(&col) else {
            let cols: Vec<String> = df.get_column_names().iter().map(|c| c.to_string()).collect();
            return Err(AnalysisError::Data(format!("no step column `{col}`; there are: {}", cols.join(", "))));
        };
        let values: Vec<f64> = values.cast(&DataType::Float64)?.f64()?.iter().map(|v| v.unwrap_or(f64::NAN)).collect();
        let run: Vec<i64> =
            df.column("run_id")?.cast(&DataType::Int64)?.i64()?.iter().map(|v| v.unwrap_or(-1)).collect();
        let step: Vec<i64> = df.column("step")?.cast(&DataType::Int64)?.i64()?.iter().map(|v| v.unwrap_or(0)).collect();
        let hours: Vec<f64> =
            df.column("hours")?.cast(&DataType::Float64)?.f64()?.iter().map(|v| v.unwrap_or(f64::NAN)).collect();
        for i in 0..df.height() {
            if ids.contains(&run[i]) && values[i].is_finite() {
                by_time.entry(step[i]).or_insert((hours[i], vec![])).1.push(values[i]);
            }
        }
    }
    let name = name.unwrap_or_default();
    let (mut t, mut median, mut b50, mut b90) = (vec![], vec![], (vec![], vec![]), (vec![], vec![]));
    for (_, (h, mut v)) in by_time {
        v.sort_by(f64::total_cmp);
        let q = |p: f64| quantile(&v, p).unwrap_or(f64::NAN);
        t.push(h);
        median.push(q(0.5));
        b50.0.push(q(0.25));
        b50.1.push(q(0.75));
        b90.0.push(q(0.05));
        b90.1.push(q(0.95));
    }
    let at: Vec<String> = r
        .params
        .iter()
        .filter_map(|p| {
            let i = (0..r.values.len()).find(|&i| r.points[i] == point)?;
            Some(r.labels[p][i].clone())
        })
        .collect();
    let c = FanChart {
        title: format!("{}: {name} across {} replications at point {point} ({})", r.name, ids.len(), at.join(", ")),
        time_label: "time since start".into(),
        y_label: name.clone(),
        t,
        x_is_value: false,
        median,
        bands: vec![(0.9, b90.0, b90.1), (0.5, b50.0, b50.1)],
    };
    let png = out.join(format!("fan-{name}-point{point}.png"));
    restake_plot::fan_chart(&c, &png, &png.with_extension("svg")).map_err(plot_err)?;
    Ok(png)
}

/// Draws the sweep figures of `dir` into `dir/plots/`; returns the PNGs written. Defaults: a
/// heatmap over the first two parameters when there are two or more, the response to the first
/// parameter, the distribution per value of the first parameter, and when the sweep kept step
/// series a fan chart of the first LRT's price at point 0.
pub fn plot_sweep(dir: &Path, opts: &SweepPlot) -> Result<Vec<PathBuf>, AnalysisError> {
    let r = read_runs(dir, opts.metric.as_deref())?;
    if r.params.is_empty() {
        return Err(AnalysisError::Data(format!("{}: the sweep varies no parameter", dir.display())));
    }
    let x = opts.x.clone().unwrap_or_else(|| r.params[0].clone());
    check_param(&r, &x)?;
    let y = match &opts.y {
        Some(y) => Some(y.clone()),
        None => r.params.iter().find(|p| **p != x).cloned(),
    };
    if let Some(y) = &y {
        check_param(&r, y)?;
    }
    let figures = if opts.figures.is_empty() {
        let mut f = vec![SweepFigure::Response, SweepFigure::Distribution];
        if y.is_some() {
            f.insert(0, SweepFigure::Heatmap);
        }
        if !dataset_parts(dir, "steps").is_empty() {
            f.push(SweepFigure::Fan);
        }
        f
    } else {
        opts.figures.clone()
    };
    let out = dir.join("plots");
    std::fs::create_dir_all(&out).map_err(io_err(&out))?;
    let mut written = vec![];
    for f in figures {
        written.push(match f {
            SweepFigure::Heatmap => {
                let Some(y) = &y else {
                    return Err(AnalysisError::Data("a heatmap needs two swept parameters; this sweep has one".into()));
                };
                heatmap(&r, &x, y, &out)?
            }
            SweepFigure::Response => response(&r, &x, &out)?,
            SweepFigure::Distribution => distribution(&r, &x, &out)?,
            SweepFigure::Fan => fan(&r, dir, opts.series.as_deref(), opts.point, &out)?,
        });
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::short_label;

    #[test]
    fn labels_are_short() {
        assert_eq!(short_label(r#"{ kind = "exchange-rate" }"#), "exchange-rate");
        assert_eq!(short_label(r#"{ kind = "pool-spot", pool = "curve-rstETH-ETH" }"#), "pool-spot");
        assert_eq!(short_label("\"shared\""), "shared");
        assert_eq!(short_label("0.86"), "0.86");
        assert_eq!(short_label(&"x".repeat(30)).chars().count(), 24);
        assert_eq!(super::number(0.8028602236509323), "0.80286");
        assert_eq!(super::number(48887.85362243652), "48887.9");
        assert_eq!(super::number(100000.0), "100000");
        assert_eq!(super::number(-0.125), "-0.125");
        assert_eq!(super::number(-1e-12), "-0.000000000001");
    }
}
