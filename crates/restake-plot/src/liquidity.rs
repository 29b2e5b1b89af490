//! The liquidity-crisis chart: stacked panels sharing time — pool imbalance, discount to NAV,
//! redemption queue and expected wait, liquid buffer, lending utilisation, net insolvent debt,
//! exit cost and LP withdrawals — with headline notes under the title and shock markers
//! throughout.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::panel::*;
use crate::style::*;
use crate::{LiquidityCrisisChart, PlotError, Series};

enum Kind<'a> {
    Imbalance(Vec<&'a Series>),
    Depeg(Vec<&'a Series>),
    Queue(Vec<&'a Series>, Vec<&'a Series>),
    Buffer(Vec<&'a Series>),
    Utilisation(Vec<&'a Series>),
    Insolvent(Vec<&'a Series>),
    /// Exit cost (solid) and LP withdrawals (dashed).
    Exits(Vec<&'a Series>, Vec<&'a Series>),
}

/// Discounts to NAV marked with a dashed line in the discount panel (value, legend label,
/// colour): the thresholds a depeg is read against, the graver one darker but still lighter
/// than the data.
const DEPEG_LINES: [(f64, &str, RGBColor); 2] =
    [(0.01, "1% below NAV", MUTED), (0.05, "5% below NAV", RGBColor(100, 100, 100))];

/// The chart had these many panels on a canvas of [`SIZE`]; each panel beyond them adds
/// [`EXTRA_PANEL_H`] to the height rather than squeezing the others.
const CLASSIC_PANELS: usize = 4;
/// About the height a panel gets in the four-panel chart.
const EXTRA_PANEL_H: u32 = 200;

fn nonempty(v: &[Series]) -> Vec<&Series> {
    v.iter().filter(|s| has_finite(s)).collect()
}

/// The panels that have data, top to bottom, with their relative heights.
fn panels(c: &LiquidityCrisisChart) -> Vec<(Kind<'_>, f64)> {
    let mut out = Vec::new();
    let imb = nonempty(&c.pool_imbalance);
    if !imb.is_empty() {
        out.push((Kind::Imbalance(imb), 1.0));
    }
    let depeg = nonempty(&c.depeg);
    if !depeg.is_empty() {
        out.push((Kind::Depeg(depeg), 1.0));
    }
    let (q, w) = (nonempty(&c.queue), nonempty(&c.queue_wait));
    if !q.is_empty() || !w.is_empty() {
        out.push((Kind::Queue(q, w), 1.15));
    }
    let buf = nonempty(&c.buffer);
    if !buf.is_empty() {
        out.push((Kind::Buffer(buf), 0.9));
    }
    let util = nonempty(&c.utilisation);
    if !util.is_empty() {
        out.push((Kind::Utilisation(util), 1.0));
    }
    let insolvent = nonempty(&c.insolvent);
    if !insolvent.is_empty() {
        out.push((Kind::Insolvent(insolvent), 0.9));
    }
    let (cost, lp) = (nonempty(&c.exit_cost), nonempty(&c.lp_withdrawn));
    if !cost.is_empty() || !lp.is_empty() {
        out.push((Kind::Exits(cost, lp), 1.0));
    }
    out
}

/// The canvas: [`SIZE`], taller by the notes strip and by [`EXTRA_PANEL_H`] for each panel
/// beyond [`CLASSIC_PANELS`].
pub(crate) fn size(c: &LiquidityCrisisChart) -> (u32, u32) {
    let extra = panels(c).len().saturating_sub(CLASSIC_PANELS) as u32 * EXTRA_PANEL_H;
    (SIZE.0, SIZE.1 + extra + notes_height(&c.notes))
}

pub(crate) fn draw<DB: DrawingBackend>(
    c: &LiquidityCrisisChart,
    root: &DrawingArea<DB, Shift>,
) -> Result<(), PlotError> {
    let body = title_strip(root, &c.title)?;
    let body = notes_strip(&body, &c.notes, PLOT_LEFT)?;
    let (kinds, weights): (Vec<_>, Vec<_>) = panels(c).into_iter().unzip();
    let all = [
        &c.pool_imbalance,
        &c.depeg,
        &c.queue,
        &c.queue_wait,
        &c.buffer,
        &c.utilisation,
        &c.insolvent,
        &c.exit_cost,
        &c.lp_withdrawn,
    ]
    .into_iter()
    .flatten();
    let Some(t_ext) = series_extent(all).0 else {
        return no_data(&body, "", true);
    };
    let t_ext = merge(Some(t_ext), extent(c.shocks.iter().map(|s| s.t))).unwrap_or(t_ext);
    let x = Axis::time(t_ext.0, t_ext.1);

    let st = stack(&body, &x, &c.shocks, &weights)?;
    draw_lane(&st.lane, &st.placed)?;
    let mut colors = ColorMap::default();
    let n = kinds.len();
    for (i, (kind, p)) in kinds.iter().zip(&st.panels).enumerate() {
        let bottom = i + 1 == n;
        let x_desc = bottom.then_some(c.time_label.as_str());
        let mut legend = Vec::new();
        match kind {
            Kind::Imbalance(ss) => {
                let (lo, hi) = series_extent(ss.iter().copied()).1.unwrap_or((0.0, 1.0));
                // Keep the balanced point (50%) in view: imbalance is read against it.
                let y = Axis::unit(lo.min(0.5), hi.max(0.5), 0.08);
                let mut chart = build(&p.chart, &x, &y, bottom, false)?;
                mesh(&mut chart, &x, &y, x_desc, "LRT share of pool")?;
                shock_lines(root, &chart, &x, &y, &c.shocks)?;
                draw_line(root, &chart, &[(x.lo, 0.5), (x.hi, 0.5)], MUTED, 1, Dash::Dotted)?;
                legend.push(LegendEntry::heading("LRT share of pool reserves"));
                lines(root, &chart, &mut colors, ss, Dash::Solid, &mut legend)?;
                legend.push(LegendEntry::line("balanced (50%)", MUTED, 1, Dash::Dotted));
            }
            Kind::Depeg(ss) => {
                let (lo, hi) = series_extent(ss.iter().copied()).1.unwrap_or((0.0, 0.0));
                // Keep parity and both reference lines in view: a discount is read against them.
                let top = DEPEG_LINES.iter().map(|l| l.0).fold(hi, f64::max);
                let y = Axis::unit(lo.min(0.0), top, 0.08);
                let mut chart = build(&p.chart, &x, &y, bottom, false)?;
                mesh(&mut chart, &x, &y, x_desc, "discount to NAV")?;
                shock_lines(root, &chart, &x, &y, &c.shocks)?;
                for (v, _, col) in DEPEG_LINES {
                    draw_line(root, &chart, &[(x.lo, v), (x.hi, v)], col, 2, Dash::Dashed)?;
                }
                legend.push(LegendEntry::heading("LRT pool price below NAV"));
                lines(root, &chart, &mut colors, ss, Dash::Solid, &mut legend)?;
                for (_, label, col) in DEPEG_LINES {
                    legend.push(LegendEntry::line(label, col, 2, Dash::Dashed));
                }
            }
            Kind::Queue(q, w) => {
                // The queue on the left axis and the wait on the right; with no queue, the wait
                // takes the left axis.
                let (primary, secondary, primary_desc) = if q.is_empty() {
                    (w, None, "expected wait (days)")
                } else {
                    (q, (!w.is_empty()).then_some(w), "queue (ETH)")
                };
                let (lo, hi) = series_extent(primary.iter().copied()).1.unwrap_or((0.0, 1.0));
                let y = Axis::value(lo, hi, 0.08, true, false);
                let mut chart = build(&p.chart, &x, &y, bottom, secondary.is_some())?;
                let primary_dash = if q.is_empty() { Dash::Dashed } else { Dash::Solid };
                if let Some(w) = secondary {
                    let (lo2, hi2) = series_extent(w.iter().copied()).1.unwrap_or((0.0, 1.0));
                    let y2 = Axis::value(lo2, hi2, 0.08, true, false);
                    let mut dual = chart.set_secondary_coord(x.coord(), y2.coord());
                    mesh(&mut dual, &x, &y, x_desc, primary_desc)?;
                    let yf = |v: &f64| y2.format(*v);
                    dual.configure_secondary_axes()
                        .y_label_formatter(&yf)
                        .label_style(tick_font())
                        .axis_desc_style(desc_font())
                        .axis_style(MUTED)
                        .y_desc("wait (days)")
                        .draw()?;
                    shock_lines(root, &dual, &x, &y, &c.shocks)?;
                    legend.push(LegendEntry::heading("queue, left axis"));
                    lines(root, &dual, &mut colors, primary, primary_dash, &mut legend)?;
                    legend.push(LegendEntry::heading("expected wait, right axis"));
                    let sec = dual.borrow_secondary();
                    let styles = style_series(&mut colors, w, |_| true);
                    for (s, (col, dash)) in w.iter().zip(styles) {
                        for run in finite_runs(&s.points) {
                            let px: Vec<(i32, i32)> = run.iter().map(|q| sec.backend_coord(q)).collect();
                            pixel_line(root, &px, ShapeStyle::from(&col).stroke_width(3), dash)?;
                        }
                        legend.push(LegendEntry::line(s.label.clone(), col, 3, dash));
                    }
                } else {
                    mesh(&mut chart, &x, &y, x_desc, primary_desc)?;
                    shock_lines(root, &chart, &x, &y, &c.shocks)?;
                    legend.push(LegendEntry::heading(if q.is_empty() { "expected wait" } else { "redemption queue" }));
                    lines(root, &chart, &mut colors, primary, primary_dash, &mut legend)?;
                }
            }
            Kind::Buffer(ss) => {
                let (lo, hi) = series_extent(ss.iter().copied()).1.unwrap_or((0.0, 1.0));
                let y = Axis::value(lo, hi, 0.08, true, false);
                let mut chart = build(&p.chart, &x, &y, bottom, false)?;
                mesh(&mut chart, &x, &y, x_desc, "buffer (ETH)")?;
                shock_lines(root, &chart, &x, &y, &c.shocks)?;
                legend.push(LegendEntry::heading("LRT liquid buffer"));
                lines(root, &chart, &mut colors, ss, Dash::Solid, &mut legend)?;
            }
            Kind::Utilisation(ss) => {
                let (lo, hi) = series_extent(ss.iter().copied()).1.unwrap_or((0.0, 1.0));
                let y = Axis::unit(lo, hi.max(lo + 0.05), 0.08);
                let mut chart = build(&p.chart, &x, &y, bottom, false)?;
                mesh(&mut chart, &x, &y, x_desc, "utilisation")?;
                shock_lines(root, &chart, &x, &y, &c.shocks)?;
                legend.push(LegendEntry::heading("lending utilisation"));
                lines(root, &chart, &mut colors, ss, Dash::Solid, &mut legend)?;
            }
            Kind::Insolvent(ss) => {
                let (lo, hi) = series_extent(ss.iter().copied()).1.unwrap_or((0.0, 1.0));
                // No insolvent debt at all still gets an axis from 0 up, not one centred on 0.
                let y = Axis::value(lo, if hi > 0.0 { hi } else { 1.0 }, 0.08, true, false);
                let mut chart = build(&p.chart, &x, &y, bottom, false)?;
                mesh(&mut chart, &x, &y, x_desc, "insolvent debt (ETH)")?;
                shock_lines(root, &chart, &x, &y, &c.shocks)?;
                legend.push(LegendEntry::heading("net insolvent debt"));
                for (s, (col, dash)) in ss.iter().zip(market_styles(&mut colors, ss)) {
                    draw_line(root, &chart, &s.points, col, 3, dash)?;
                    legend.push(LegendEntry::line(s.label.clone(), col, 3, dash));
                }
            }
            Kind::Exits(cost, lp) => {
                let (lo, hi) = series_extent(cost.iter().chain(lp).copied()).1.unwrap_or((0.0, 1.0));
                let y = Axis::value(lo, if hi > 0.0 { hi } else { 1.0 }, 0.08, true, false);
                let mut chart = build(&p.chart, &x, &y, bottom, false)?;
                mesh(&mut chart, &x, &y, x_desc, "cumulative (ETH)")?;
                shock_lines(root, &chart, &x, &y, &c.shocks)?;
                if !cost.is_empty() {
                    legend.push(LegendEntry::heading("exit cost: sold below NAV"));
                    lines(root, &chart, &mut colors, cost, Dash::Solid, &mut legend)?;
                }
                if !lp.is_empty() {
                    legend.push(LegendEntry::heading("liquidity withdrawn by LPs"));
                    lines(root, &chart, &mut colors, lp, Dash::Dashed, &mut legend)?;
                }
            }
        }
        if i == 0 && !c.shocks.is_empty() {
            legend.push(LegendEntry::line("shock", SHOCK, 2, Dash::Dashed));
        }
        draw_legend(&p.legend, &legend, 6)?;
    }
    Ok(())
}

/// Draws series with entity colours and adds their legend entries.
fn lines<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &ChartContext<'_, DB, Coord2>,
    colors: &mut ColorMap,
    ss: &[&Series],
    dash: Dash,
    legend: &mut Vec<LegendEntry>,
) -> Result<(), PlotError> {
    let styles = style_series(colors, ss, |_| dash != Dash::Solid);
    for (s, (col, d)) in ss.iter().zip(styles) {
        draw_line(root, chart, &s.points, col, 3, d)?;
        legend.push(LegendEntry::line(s.label.clone(), col, 3, d));
    }
    Ok(())
}

/// Styles of the insolvent-debt series: the colour of the market, read as the label before its
/// last " at " (so "aave-core at pool" has the colour of "aave-core" in the utilisation panel),
/// and one dash per valuation of that market in order (solid, dashed, dotted); a fourth
/// valuation gets a colour of its own.
fn market_styles(colors: &mut ColorMap, ss: &[&Series]) -> Vec<(RGBColor, Dash)> {
    let mut seen: Vec<String> = Vec::new();
    ss.iter()
        .map(|s| {
            let market = entity_key(s.label.rsplit_once(" at ").map_or(s.label.as_str(), |(m, _)| m));
            let k = seen.iter().filter(|m| **m == market).count();
            seen.push(market.clone());
            match k {
                0 => (colors.get(&market), Dash::Solid),
                1 => (colors.get(&market), Dash::Dashed),
                2 => (colors.get(&market), Dash::Dotted),
                _ => (colors.get(&s.label), Dash::Solid),
            }
        })
        .collect()
}
