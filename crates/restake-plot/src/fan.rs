//! Fan chart: the median across replications over time with shaded central quantile bands.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::panel::*;
use crate::style::*;
use crate::{FanChart, PlotError};

const BASE: RGBColor = RGBColor(31, 90, 160);

/// Runs of (t, lower, upper) without gaps.
type Runs = Vec<Vec<(f64, f64, f64)>>;

/// Contiguous runs of indices where `t`, `lo` and `hi` are all finite.
fn band_runs(t: &[f64], lo: &[f64], hi: &[f64]) -> Runs {
    let n = t.len().min(lo.len()).min(hi.len());
    let mut runs = Vec::new();
    let mut cur = Vec::new();
    for i in 0..n {
        if t[i].is_finite() && lo[i].is_finite() && hi[i].is_finite() {
            cur.push((t[i], lo[i], hi[i]));
        } else if !cur.is_empty() {
            runs.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        runs.push(cur);
    }
    runs
}

pub(crate) fn draw<DB: DrawingBackend>(c: &FanChart, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
    let body = title_strip(root, &c.title)?;
    let median: Vec<(f64, f64)> = c.t.iter().copied().zip(c.median.iter().copied()).collect();
    let mut bands: Vec<(f64, Runs)> =
        c.bands.iter().map(|(cov, lo, hi)| (*cov, band_runs(&c.t, lo, hi))).filter(|(_, r)| !r.is_empty()).collect();
    // Widest band first, so narrower ones are drawn on top of it.
    bands.sort_by(|a, b| b.0.total_cmp(&a.0));

    let pts = median.iter().copied().filter(finite);
    let mut t_ext = extent(pts.clone().map(|p| p.0));
    let mut v_ext = extent(pts.map(|p| p.1));
    for (_, runs) in &bands {
        for r in runs {
            t_ext = merge(t_ext, extent(r.iter().map(|p| p.0)));
            v_ext = merge(v_ext, extent(r.iter().flat_map(|p| [p.1, p.2])));
        }
    }
    let (Some(t_ext), Some(v_ext)) = (t_ext, v_ext) else {
        return no_data(&body, "", true);
    };
    let x = if c.x_is_value { Axis::value(t_ext.0, t_ext.1, 0.02, false, false) } else { Axis::time(t_ext.0, t_ext.1) };
    let y = Axis::value(v_ext.0, v_ext.1, 0.06, false, false);

    let (bw, _) = body.dim_in_pixel();
    let (plot_area, legend_area) = body.split_horizontally(bw.saturating_sub(LEGEND_W));
    let mut chart = build_single(&plot_area, &x, &y)?;
    mesh(&mut chart, &x, &y, Some(&c.time_label), &c.y_label)?;

    let mut legend = vec![LegendEntry::heading("across replications")];
    legend.push(LegendEntry::line("median", BASE, 3, Dash::Solid));
    let n = bands.len();
    let mut band_legend = Vec::new();
    for (k, (cov, runs)) in bands.iter().enumerate() {
        // Widest lightest; narrower bands progressively darker.
        let f = if n <= 1 { 0.7 } else { 0.82 - 0.35 * k as f64 / (n - 1) as f64 };
        let col = mix_white(BASE, f);
        for r in runs {
            let mut poly: Vec<(f64, f64)> = r.iter().map(|p| (p.0, p.2)).collect();
            poly.extend(r.iter().rev().map(|p| (p.0, p.1)));
            if r.len() == 1 {
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(r[0].0, r[0].1), (r[0].0, r[0].2)],
                    ShapeStyle::from(&col).stroke_width(3),
                )))?;
            } else {
                chart.draw_series(std::iter::once(Polygon::new(poly, col.filled())))?;
            }
        }
        band_legend.push(LegendEntry::fill(format!("{} central band", fmt_level(*cov)), col.to_rgba()));
    }
    // Narrowest first in the legend, next to the median.
    band_legend.reverse();
    legend.extend(band_legend);
    draw_line(root, &chart, &median, BASE, 3, Dash::Solid)?;
    frame(&chart, &x, &y)?;
    draw_legend(&legend_area, &legend, 20)?;
    Ok(())
}

fn mix_white(c: RGBColor, f: f64) -> RGBColor {
    let m = |x: u8| (x as f64 + (255.0 - x as f64) * f).round() as u8;
    RGBColor(m(c.0), m(c.1), m(c.2))
}
