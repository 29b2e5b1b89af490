//! Charts for restake results, drawn with plotters and an embedded font (DejaVu Sans, pure Rust,
//! no system fonts needed).
//!
//! The crate knows nothing of Parquet or the simulation: callers fill the plain structs below and
//! call one function per chart. Each function writes a PNG (1600×1000, see [`SIZE`]; a
//! liquidity-crisis chart with more than four panels or with notes is taller) and an SVG of the
//! same picture; both are drawn by one generic routine, and each file is written to a
//! temporary name next to the target and renamed into place, so readers never see half a file.
//!
//! Conventions:
//! - Time is in **hours** (e.g. since the start of the run). Axes with spans up to four days are
//!   ticked on round hours ("24h"), longer ones on whole days ("3d"); tick labels carry their
//!   unit, so a `time_label` such as "time since start" reads well.
//! - Non-finite points are skipped (a NaN breaks a line); empty inputs give a chart that says
//!   "no data" rather than an error.
//! - Series colours follow the entity a label names: labels are compared without generic words
//!   ("NAV", "pool", "price", "queue", "wait", "buffer", ...), so "ezETH pool price" and
//!   "ezETH NAV" share a colour; series whose label contains the word "NAV" (or "rate") are dashed.

mod cascade;
mod crisp;
mod domino;
mod fan;
mod heatmap;
mod liquidity;
mod loss;
mod panel;
mod style;

use std::fs;
use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::drawing::DrawingAreaErrorKind;
use plotters::prelude::*;

pub use style::SIZE;

/// Errors from drawing or writing a chart.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// The input is inconsistent (e.g. a heatmap whose `z` does not match `x` and `y`).
    #[error("invalid chart data: {0}")]
    InvalidData(String),
    /// plotters failed to draw (font, backend or layout error).
    #[error("drawing failed: {0}")]
    Draw(String),
    /// Writing or renaming an output file failed.
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for PlotError {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        PlotError::Draw(e.to_string())
    }
}

/// A time series: `points` are (time in hours, value).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Series {
    pub label: String,
    pub points: Vec<(f64, f64)>,
}

impl Series {
    pub fn new(label: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Series { label: label.into(), points }
    }
}

/// A shock, drawn as a vertical dashed line across all panels with its label above the top one.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ShockMarker {
    pub t: f64,
    pub label: String,
}

/// Debt repaid by liquidations in one market and cascade round at one time step.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LiquidationBar {
    pub t: f64,
    pub market: String,
    pub round: u32,
    /// Debt repaid, in ETH.
    pub debt_repaid: f64,
}

/// The liquidation domino chart.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DominoChart {
    pub title: String,
    /// x axis description, e.g. "time since start".
    pub time_label: String,
    /// LRT pool prices and NAVs in ETH (top panel; y range zoomed to the data).
    pub prices: Vec<Series>,
    /// ETH/USD, drawn in a thin middle panel when present.
    pub eth_usd: Option<Series>,
    /// Bottom panel: bars stacked by market (one colour family each) and round (round 1 darkest).
    /// When time steps are too dense for visible bars, neighbouring steps are summed into round
    /// bins (the y axis then says "per 15 min" etc.).
    pub liquidations: Vec<LiquidationBar>,
    /// Cumulative bad debt in ETH, on the bottom panel's right axis.
    pub bad_debt: Option<Series>,
    pub shocks: Vec<ShockMarker>,
}

/// The liquidity-crisis chart: up to seven stacked panels sharing time (panels without data are
/// left out): pool imbalance; discount to NAV; redemption queue (ETH, solid, left axis) with
/// expected wait (days, dashed, right axis); liquid buffer; lending utilisation; net insolvent
/// debt; exit cost and LP withdrawals. Headline `notes` go in a strip under the title.
///
/// With the first four panels only and no notes the canvas is [`SIZE`]; further panels and the
/// notes strip make it taller (same width), so that every panel keeps the height it has in the
/// four-panel chart.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LiquidityCrisisChart {
    pub title: String,
    pub time_label: String,
    /// Short headline figures, one line each under the title (e.g. "rstETH: longest realised
    /// wait 14.0 d, lowest buffer 812 ETH, 25 h beyond 1%, 0 h beyond 5%"); too long lines are
    /// shortened with an ellipsis and blank ones skipped. At most six lines: with more notes the
    /// sixth counts those left out. No notes, no strip.
    pub notes: Vec<String>,
    /// LRT share of pool reserves (0..1).
    pub pool_imbalance: Vec<Series>,
    /// Discount of each LRT's pool price to its NAV, as a fraction of NAV (0.02 = 2% below NAV;
    /// negative for a premium), drawn against reference lines at 1% and 5% below NAV.
    pub depeg: Vec<Series>,
    /// Redemption queue length in ETH.
    pub queue: Vec<Series>,
    /// Expected redemption wait in days.
    pub queue_wait: Vec<Series>,
    /// LRT liquid buffer in ETH.
    pub buffer: Vec<Series>,
    /// Lending market utilisation (0..1).
    pub utilisation: Vec<Series>,
    /// Net insolvent debt in ETH: debt whose collateral is worth less than the debt but that
    /// nobody has liquidated, one series per market and valuation. Labels of the form
    /// "`<market> at <valuation>`" (e.g. "aave-core at oracle", "aave-core at pool") give one
    /// colour per market, the market's colour elsewhere in the chart, and a dash per valuation
    /// (first listed solid, second dashed, third dotted).
    pub insolvent: Vec<Series>,
    /// Cumulative ETH that sellers lost by selling an LRT below its NAV, per LRT (solid, in the
    /// bottom panel).
    pub exit_cost: Vec<Series>,
    /// Cumulative ETH of liquidity withdrawn by liquidity providers, per pool (dashed, in the
    /// bottom panel with `exit_cost`).
    pub lp_withdrawn: Vec<Series>,
    pub shocks: Vec<ShockMarker>,
}

/// A metric over a two-parameter grid: `z[iy][ix]` at (`x[ix]`, `y[iy]`); cells are annotated
/// with their values when they are large enough, and a colour bar shows the scale.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Heatmap {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub x: Vec<f64>,
    pub y: Vec<f64>,
    pub z: Vec<Vec<f64>>,
    pub z_label: String,
    /// Tick labels for the columns and rows (categorical parameters: `pool-spot`); empty = the
    /// values of `x` and `y`.
    pub x_ticks: Vec<String>,
    pub y_ticks: Vec<String>,
}

/// Quantiles across replications over time: a median line and shaded central bands.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FanChart {
    pub title: String,
    pub time_label: String,
    pub y_label: String,
    /// Times in hours (or, with `x_is_value`, the values of a swept parameter).
    pub t: Vec<f64>,
    /// The x axis is a plain value axis (a parameter), not time.
    pub x_is_value: bool,
    pub median: Vec<f64>,
    /// (coverage, e.g. 0.9, lower, upper), each as long as `t`.
    pub bands: Vec<(f64, Vec<f64>, Vec<f64>)>,
}

/// Overlaid loss histograms (share of runs per bin) with VaR and CVaR markers per group.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LossDistribution {
    pub title: String,
    /// e.g. "loss (ETH)".
    pub x_label: String,
    /// (group name, one loss per run).
    pub groups: Vec<(String, Vec<f64>)>,
    /// (group name, VaR, CVaR) at level `quantile`; matched to `groups` by name for colour.
    pub var_cvar: Vec<(String, f64, f64)>,
    /// The VaR/CVaR level, e.g. 0.95.
    pub quantile: f64,
}

/// One link of a causal cascade: the events of one kind at one depth of the chain.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CascadeRow {
    /// Links from the root shock (0 = the shock).
    pub depth: u32,
    /// What the events were, e.g. "liquidation round 3" or "nav_loss rstETH".
    pub label: String,
    pub amount_eth: f64,
    pub events: u32,
}

/// The causal cascade (events.parquet's `cause` chain) as a waterfall, rows in causal order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CascadeChart {
    pub title: String,
    pub rows: Vec<CascadeRow>,
}

/// Renders the cascade waterfall to `png` and `svg`.
pub fn cascade_chart(c: &CascadeChart, png: &Path, svg: &Path) -> Result<(), PlotError> {
    render(png, svg, SIZE, |r| cascade::draw(c, r), |r| cascade::draw(c, r))
}

/// Renders the liquidation domino chart to `png` and `svg`.
pub fn domino_chart(c: &DominoChart, png: &Path, svg: &Path) -> Result<(), PlotError> {
    render(png, svg, SIZE, |r| domino::draw(c, r), |r| domino::draw(c, r))
}

/// Renders the liquidity-crisis chart to `png` and `svg` ([`SIZE`], or taller with more than
/// four panels or with notes; see [`LiquidityCrisisChart`]).
pub fn liquidity_crisis_chart(c: &LiquidityCrisisChart, png: &Path, svg: &Path) -> Result<(), PlotError> {
    render(png, svg, liquidity::size(c), |r| liquidity::draw(c, r), |r| liquidity::draw(c, r))
}

/// Renders a heatmap to `png` and `svg`. Fails with [`PlotError::InvalidData`] when `z` is not
/// `y.len()` rows of `x.len()` values.
pub fn heatmap(c: &Heatmap, png: &Path, svg: &Path) -> Result<(), PlotError> {
    heatmap::check(c)?;
    render(png, svg, SIZE, |r| heatmap::draw(c, r), |r| heatmap::draw(c, r))
}

/// Renders a fan chart to `png` and `svg`.
pub fn fan_chart(c: &FanChart, png: &Path, svg: &Path) -> Result<(), PlotError> {
    render(png, svg, SIZE, |r| fan::draw(c, r), |r| fan::draw(c, r))
}

/// Renders a loss distribution to `png` and `svg`.
pub fn loss_distribution(c: &LossDistribution, png: &Path, svg: &Path) -> Result<(), PlotError> {
    render(png, svg, SIZE, |r| loss::draw(c, r), |r| loss::draw(c, r))
}

/// Draws one chart on both backends, on a canvas of `size` pixels. The drawing code is generic
/// over the backend; the two closures are the same generic function instantiated for each.
fn render<FP, FS>(png: &Path, svg: &Path, size: (u32, u32), draw_png: FP, draw_svg: FS) -> Result<(), PlotError>
where
    FP: FnOnce(&DrawingArea<crisp::Crisp<BitMapBackend<'_>>, Shift>) -> Result<(), PlotError>,
    FS: FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> Result<(), PlotError>,
{
    style::ensure_fonts();

    // PNG: the bitmap encoder picks the format from the extension, so the temporary file keeps
    // ".png" at the end.
    let tmp_png = tmp_name(png, "tmp.png");
    ensure_parent(png)?;
    let r = (|| {
        let root = crisp::Crisp(BitMapBackend::new(&tmp_png, size)).into_drawing_area();
        root.fill(&WHITE)?;
        draw_png(&root)?;
        root.present()?;
        Ok(())
    })();
    finish(r, &tmp_png, png)?;

    // SVG: drawn into a string, then written and renamed.
    let tmp_svg = tmp_name(svg, "tmp");
    ensure_parent(svg)?;
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, size).into_drawing_area();
        root.fill(&WHITE)?;
        draw_svg(&root)?;
        root.present()?;
    }
    let r = fs::write(&tmp_svg, text.as_bytes()).map_err(|source| PlotError::Io { path: tmp_svg.clone(), source });
    finish(r, &tmp_svg, svg)
}

/// `dir/name.ext` -> `dir/name.ext.<suffix>`.
fn tmp_name(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_else(|| "chart".into());
    name.push(".");
    name.push(suffix);
    path.with_file_name(name)
}

fn ensure_parent(path: &Path) -> Result<(), PlotError> {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => {
            fs::create_dir_all(p).map_err(|source| PlotError::Io { path: p.to_path_buf(), source })
        }
        _ => Ok(()),
    }
}

/// Renames the temporary file into place on success, removes it on failure.
fn finish(r: Result<(), PlotError>, tmp: &Path, target: &Path) -> Result<(), PlotError> {
    match r {
        Ok(()) => fs::rename(tmp, target).map_err(|source| {
            let _ = fs::remove_file(tmp);
            PlotError::Io { path: target.to_path_buf(), source }
        }),
        Err(e) => {
            let _ = fs::remove_file(tmp);
            Err(e)
        }
    }
}
