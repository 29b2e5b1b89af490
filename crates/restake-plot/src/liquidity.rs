//! The liquidity-crisis chart: stacked panels sharing time — pool imbalance, redemption queue
//! and expected wait, liquid buffer, lending utilisation — with shock markers throughout.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::panel::*;
use crate::style::*;
use crate::{LiquidityCrisisChart, PlotError, Series};

enum Kind<'a> {
    Imbalance(Vec<&'a Series>),
    Queue(Vec<&'a Series>, Vec<&'a Series>),
    Buffer(Vec<&'a Series>),
    Utilisation(Vec<&'a Series>),
}

fn nonempty(v: &[Series]) -> Vec<&Series> {
    v.iter().filter(|s| has_finite(s)).collect()
}

pub(crate) fn draw<DB: DrawingBackend>(
    c: &LiquidityCrisisChart,
    root: &DrawingArea<DB, Shift>,
) -> Result<(), PlotError> {
    let body = title_strip(root, &c.title)?;
    let mut kinds = Vec::new();
    let mut weights = Vec::new();
    let imb = nonempty(&c.pool_imbalance);
    if !imb.is_empty() {
        kinds.push(Kind::Imbalance(imb));
        weights.push(1.0);
    }
    let (q, w) = (nonempty(&c.queue), nonempty(&c.queue_wait));
    if !q.is_empty() || !w.is_empty() {
        kinds.push(Kind::Queue(q, w));
        weights.push(1.15);
    }
    let buf = nonempty(&c.buffer);
    if !buf.is_empty() {
        kinds.push(Kind::Buffer(buf));
        weights.push(0.9);
    }
    let util = nonempty(&c.utilisation);
    if !util.is_empty() {
        kinds.push(Kind::Utilisation(util));
        weights.push(1.0);
    }
    let all = c.pool_imbalance.iter().chain(&c.queue).chain(&c.queue_wait).chain(&c.buffer).chain(&c.utilisation);
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
