//! The liquidation domino chart: LRT prices and NAVs above, optional ETH/USD, liquidation volume
//! by market and round below (stacked bars) with cumulative bad debt, shock markers throughout.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::panel::*;
use crate::style::*;
use crate::{DominoChart, PlotError};

pub(crate) fn draw<DB: DrawingBackend>(c: &DominoChart, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
    let body = title_strip(root, &c.title)?;

    let prices: Vec<_> = c.prices.iter().filter(|s| has_finite(s)).collect();
    let eth = c.eth_usd.as_ref().filter(|s| has_finite(s));
    let bad = c.bad_debt.as_ref().filter(|s| has_finite(s));
    let liqs: Vec<_> =
        c.liquidations.iter().filter(|l| l.t.is_finite() && l.debt_repaid.is_finite() && l.debt_repaid > 0.0).collect();

    let (mut t_ext, p_ext) = series_extent(prices.iter().copied());
    t_ext = merge(t_ext, series_extent(eth).0);
    t_ext = merge(t_ext, series_extent(bad).0);
    t_ext = merge(t_ext, extent(liqs.iter().map(|l| l.t)));
    let Some(t_ext) = t_ext else {
        return no_data(&body, "", true);
    };
    let t_ext = merge(Some(t_ext), extent(c.shocks.iter().map(|s| s.t))).unwrap_or(t_ext);
    let x = Axis::time(t_ext.0, t_ext.1);

    let weights: Vec<f64> = if eth.is_some() { vec![0.5, 0.14, 0.36] } else { vec![0.58, 0.42] };
    let st = stack(&body, &x, &c.shocks, &weights)?;
    draw_lane(&st.lane, &st.placed)?;
    let mut colors = ColorMap::default();

    // --- Prices and NAVs -------------------------------------------------------------------
    let top = &st.panels[0];
    if prices.is_empty() {
        let y = Axis::value(0.9, 1.0, 0.05, false, false);
        let mut chart = build(&top.chart, &x, &y, false, false)?;
        mesh(&mut chart, &x, &y, None, "price (ETH)")?;
        centre_note(root, &chart, &x, &y, "prices: no data")?;
        shock_lines(root, &chart, &x, &y, &c.shocks)?;
    } else {
        let (lo, hi) = p_ext.unwrap_or((0.9, 1.0));
        let y = Axis::value(lo, hi, 0.07, false, false);
        let mut chart = build(&top.chart, &x, &y, false, false)?;
        mesh(&mut chart, &x, &y, None, "price (ETH)")?;
        shock_lines(root, &chart, &x, &y, &c.shocks)?;
        // Parity reference.
        if y.lo < 1.0 && y.hi > 1.0 {
            draw_line(root, &chart, &[(x.lo, 1.0), (x.hi, 1.0)], MUTED, 1, Dash::Dotted)?;
        }
        let styles = style_series(&mut colors, &prices, is_nav);
        let mut legend = vec![LegendEntry::heading("prices in ETH")];
        for (s, (col, dash)) in prices.iter().zip(&styles) {
            draw_line(root, &chart, &s.points, *col, 3, *dash)?;
            legend.push(LegendEntry::line(s.label.clone(), *col, 3, *dash));
        }
        if !c.shocks.is_empty() {
            legend.push(LegendEntry::line("shock", SHOCK, 2, Dash::Dashed));
        }
        draw_legend(&top.legend, &legend, 8)?;
    }

    // --- ETH/USD (thin panel) --------------------------------------------------------------
    if let Some(e) = eth {
        let p = &st.panels[1];
        let (lo, hi) = series_extent([e]).1.unwrap_or((0.0, 1.0));
        let y = Axis::value(lo, hi, 0.1, false, false);
        let y = thin(y);
        let mut chart = build(&p.chart, &x, &y, false, false)?;
        mesh(&mut chart, &x, &y, None, "ETH/USD")?;
        shock_lines(root, &chart, &x, &y, &c.shocks)?;
        let col = RGBColor(60, 60, 60);
        draw_line(root, &chart, &e.points, col, 2, Dash::Solid)?;
        let label = if e.label.is_empty() { "ETH/USD".to_string() } else { e.label.clone() };
        draw_legend(&p.legend, &[LegendEntry::line(label, col, 2, Dash::Solid)], 4)?;
    }

    // --- Liquidations and bad debt ---------------------------------------------------------
    let p = st.panels.last().expect("at least two panels");
    let bars = Bars::new(&liqs, &x);
    let ymax = bars.max_total();
    let y = Axis::value(0.0, if ymax > 0.0 { ymax } else { 1.0 }, 0.08, true, false);
    let chart = build(&p.chart, &x, &y, true, bad.is_some())?;
    let y_desc = match bars.aggregated {
        Some(w) => format!("debt repaid per {} (ETH)", fmt_duration(w)),
        None => "debt repaid (ETH)".to_string(),
    };
    let mut legend = Vec::new();
    let mut chart = chart;
    if let Some(b) = bad {
        let (lo, hi) = series_extent([b]).1.unwrap_or((0.0, 1.0));
        let y2 = Axis::value(lo, if hi > 0.0 { hi } else { 1.0 }, 0.08, true, false);
        let mut dual = chart.set_secondary_coord(x.coord(), y2.coord());
        mesh(&mut dual, &x, &y, Some(&c.time_label), &y_desc)?;
        shock_lines(root, &dual, &x, &y, &c.shocks)?;
        bars.draw(&dual, &x)?;
        let yf = |v: &f64| y2.format(*v);
        dual.configure_secondary_axes()
            .y_label_formatter(&yf)
            .label_style(tick_font())
            .axis_desc_style(desc_font())
            .axis_style(MUTED)
            .y_desc("cumulative bad debt (ETH)")
            .draw()?;
        let col = RGBColor(170, 0, 0);
        // Plot the bad-debt line through the secondary coordinates.
        let sec = dual.borrow_secondary();
        for run in finite_runs(&b.points) {
            let px: Vec<(i32, i32)> = run.iter().map(|q| sec.backend_coord(q)).collect();
            pixel_line(root, &px, ShapeStyle::from(&col).stroke_width(3), Dash::Solid)?;
        }
        legend_for_bars(&mut legend, &bars);
        legend.push(LegendEntry::heading("bad debt"));
        legend.push(LegendEntry::line(
            if b.label.is_empty() {
                "cumulative (right axis)".to_string()
            } else {
                format!("{} (right axis)", b.label)
            },
            col,
            3,
            Dash::Solid,
        ));
        if bars.groups.is_empty() {
            centre_note(root, &dual, &x, &y, "no liquidations")?;
        }
    } else {
        mesh(&mut chart, &x, &y, Some(&c.time_label), &y_desc)?;
        shock_lines(root, &chart, &x, &y, &c.shocks)?;
        bars.draw(&chart, &x)?;
        legend_for_bars(&mut legend, &bars);
        if bars.groups.is_empty() {
            centre_note(root, &chart, &x, &y, "no liquidations")?;
        }
    }
    draw_legend(&p.legend, &legend, 8)?;
    Ok(())
}

/// A thin panel gets about three ticks, not six.
fn thin(y: Axis) -> Axis {
    if y.ticks.len() <= 4 {
        return y;
    }
    let mut t = y.clone();
    t.ticks = y.ticks.iter().copied().step_by(2).collect();
    t.light = y.ticks;
    t
}

fn legend_for_bars(legend: &mut Vec<LegendEntry>, bars: &Bars) {
    if bars.groups.is_empty() {
        return;
    }
    legend.push(LegendEntry::heading("liquidations: market / round"));
    for (mi, m) in bars.markets.iter().enumerate() {
        legend.push(LegendEntry::text(m.clone()));
        let mut items: Vec<(RGBAColor, String)> = bars
            .rounds
            .iter()
            .enumerate()
            .filter(|(ri, _)| bars.present.contains(&(mi, *ri)))
            .map(|(ri, r)| (round_shade(mi, ri, bars.rounds.len()).to_rgba(), format!("{r}")))
            .collect();
        // Long cascades: rounds 1-5 one by one, the rest as one range (shades run on).
        if items.len() > 8 {
            let last = items[items.len() - 1].1.clone();
            let first_rest = items[5].clone();
            items.truncate(5);
            items.push((first_rest.0, format!("{}-{last}", first_rest.1)));
        }
        legend.push(LegendEntry::row(items));
    }
}

/// A grey note in the middle of a panel's plotting area.
pub(crate) fn centre_note<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &ChartContext<'_, DB, Coord2>,
    x: &Axis,
    y: &Axis,
    text: &str,
) -> Result<(), PlotError> {
    let p = chart.backend_coord(&((x.lo + x.hi) / 2.0, (y.lo + y.hi) / 2.0));
    let style = ("sans-serif", 24).into_font().color(&MUTED).pos(Pos::new(HPos::Center, VPos::Center));
    root.draw(&Text::new(text.to_string(), p, style))?;
    Ok(())
}

/// A duration in hours, written for a bar width: "15 min", "2 h", "3 d".
pub(crate) fn fmt_duration(h: f64) -> String {
    if h < 1.0 {
        format!("{} min", fmt_sig(h * 60.0, 2))
    } else if h < 48.0 {
        format!("{} h", fmt_sig(h, 2))
    } else {
        format!("{} d", fmt_sig(h / 24.0, 2))
    }
}

/// The stacked segments of one bar: (market index, round index, volume).
type Stackup = Vec<(usize, usize, f64)>;

/// Liquidation volume binned in time and stacked by market (family) and round (shade).
struct Bars {
    markets: Vec<String>,
    rounds: Vec<u32>,
    /// (bin centre time, [(market index, round index, volume)])
    groups: Vec<(f64, Stackup)>,
    present: Vec<(usize, usize)>,
    width: f64,
    /// The bin width when several time steps were summed into one bar.
    aggregated: Option<f64>,
}

impl Bars {
    fn new(liqs: &[&crate::LiquidationBar], x: &Axis) -> Bars {
        let mut markets: Vec<String> = Vec::new();
        let mut rounds: Vec<u32> = Vec::new();
        for l in liqs {
            if !markets.contains(&l.market) {
                markets.push(l.market.clone());
            }
            if !rounds.contains(&l.round) {
                rounds.push(l.round);
            }
        }
        rounds.sort_unstable();
        let mut times: Vec<f64> = liqs.iter().map(|l| l.t).collect();
        times.sort_by(f64::total_cmp);
        times.dedup_by(|a, b| (*a - *b).abs() <= 1e-9 * a.abs().max(1.0));
        let span = x.hi - x.lo;
        let min_gap = times.windows(2).map(|w| w[1] - w[0]).fold(f64::INFINITY, f64::min);
        // Bars narrower than ~1/300 of the axis would vanish: sum neighbouring steps instead.
        // Bin widths are round time steps, from the same table as the time axis's ticks.
        let floor = span / 300.0;
        let (width, aggregated) = if min_gap.is_finite() && min_gap >= floor {
            (min_gap, None)
        } else if min_gap.is_finite() {
            let w = time_step(floor);
            (w, Some(w))
        } else {
            (time_step(floor), None)
        };
        let t0 = times.first().copied().unwrap_or(0.0);
        let mut groups: Vec<(i64, Stackup)> = Vec::new();
        let mut present = Vec::new();
        for l in liqs {
            let k = if aggregated.is_some() {
                ((l.t - t0) / width).floor() as i64
            } else {
                ((l.t - t0) / width).round() as i64
            };
            let mi = markets.iter().position(|m| *m == l.market).unwrap_or(0);
            let ri = rounds.iter().position(|r| *r == l.round).unwrap_or(0);
            if !present.contains(&(mi, ri)) {
                present.push((mi, ri));
            }
            let g = match groups.iter().position(|g| g.0 == k) {
                Some(i) => &mut groups[i].1,
                None => {
                    groups.push((k, Vec::new()));
                    &mut groups.last_mut().expect("just pushed").1
                }
            };
            match g.iter_mut().find(|e| e.0 == mi && e.1 == ri) {
                Some(e) => e.2 += l.debt_repaid,
                None => g.push((mi, ri, l.debt_repaid)),
            }
        }
        let groups = groups
            .into_iter()
            .map(|(k, mut v)| {
                v.sort_by_key(|e| (e.0, e.1));
                let centre = if aggregated.is_some() { t0 + (k as f64 + 0.5) * width } else { t0 + k as f64 * width };
                (centre, v)
            })
            .collect();
        Bars { markets, rounds, groups, present, width, aggregated }
    }

    fn max_total(&self) -> f64 {
        self.groups.iter().map(|(_, v)| v.iter().map(|e| e.2).sum::<f64>()).fold(0.0, f64::max)
    }

    fn draw<DB: DrawingBackend>(&self, chart: &ChartContext<'_, DB, Coord2>, x: &Axis) -> Result<(), PlotError> {
        let half = self.width * 0.4;
        let n = self.rounds.len();
        for (t, v) in &self.groups {
            let mut base = 0.0;
            for (mi, ri, vol) in v {
                let top = base + vol;
                let col = round_shade(*mi, *ri, n);
                let (a, b) = ((t - half).max(x.lo), (t + half).min(x.hi));
                chart.plotting_area().draw(&Rectangle::new([(a, base), (b, top)], col.filled()))?;
                // A white hairline separates stacked segments when bars are wide enough.
                let wpx = chart.backend_coord(&(b, 0.0)).0 - chart.backend_coord(&(a, 0.0)).0;
                if wpx >= 6 {
                    chart
                        .plotting_area()
                        .draw(&Rectangle::new([(a, base), (b, top)], ShapeStyle::from(&WHITE).stroke_width(1)))?;
                }
                base = top;
            }
        }
        Ok(())
    }
}
