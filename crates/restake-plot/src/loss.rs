//! Loss distributions: overlaid histograms (share of runs per bin) with VaR and CVaR markers.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::panel::*;
use crate::style::*;
use crate::{LossDistribution, PlotError};

pub(crate) fn draw<DB: DrawingBackend>(c: &LossDistribution, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
    let body = title_strip(root, &c.title)?;
    let groups: Vec<(&str, Vec<f64>)> = c
        .groups
        .iter()
        .map(|(name, v)| (name.as_str(), v.iter().copied().filter(|x| x.is_finite()).collect::<Vec<_>>()))
        .collect();
    let markers: Vec<&(String, f64, f64)> = c.var_cvar.iter().filter(|m| m.1.is_finite() || m.2.is_finite()).collect();
    let data_ext = extent(groups.iter().flat_map(|(_, v)| v.iter().copied()));
    let Some(data_ext) = data_ext else {
        return no_data(&body, "", true);
    };
    let x_ext = merge(Some(data_ext), extent(markers.iter().flat_map(|m| [m.1, m.2]))).unwrap_or(data_ext);

    // Common bins for all groups (Rice rule on the largest group, 10..60 bins).
    let n_max = groups.iter().map(|(_, v)| v.len()).max().unwrap_or(0);
    let bins = ((2.0 * (n_max as f64).cbrt()).ceil() as usize).clamp(10, 60);
    let (mut lo, mut hi) = data_ext;
    if hi - lo <= 1e-12 * lo.abs().max(1.0) {
        let d = if lo.abs() > 0.0 { lo.abs() * 0.05 } else { 0.5 };
        lo -= d;
        hi += d;
    }
    let width = (hi - lo) / bins as f64;
    let hists: Vec<Vec<f64>> = groups
        .iter()
        .map(|(_, v)| {
            let mut h = vec![0.0; bins];
            for x in v {
                let k = (((x - lo) / width).floor() as isize).clamp(0, bins as isize - 1) as usize;
                h[k] += 1.0;
            }
            let n = v.len().max(1) as f64;
            h.iter_mut().for_each(|c| *c /= n);
            h
        })
        .collect();
    let ymax = hists.iter().flatten().copied().fold(0.0, f64::max);

    let xr = (x_ext.0.min(lo), x_ext.1.max(hi));
    let x = Axis::value(xr.0, xr.1, 0.03, false, false);
    // Tails matter here: when the smallest non-empty bin is under 2% of the tallest, a linear
    // axis would flatten the tail to nothing, so the share axis becomes logarithmic.
    let min_pos = hists.iter().flatten().copied().filter(|f| *f > 0.0).fold(f64::INFINITY, f64::min);
    let log = ymax > 0.0 && min_pos.is_finite() && min_pos < 0.02 * ymax;
    let y = if log {
        Axis::log_percent(min_pos, ymax)
    } else {
        Axis::value(0.0, if ymax > 0.0 { ymax } else { 1.0 }, 0.1, true, true)
    };
    let base = y.lo;

    let (bw, _) = body.dim_in_pixel();
    let (plot_area, legend_area) = body.split_horizontally(bw.saturating_sub(LEGEND_W));
    let mut chart = build_single(&plot_area, &x, &y)?;
    let x_label = c.x_label.clone();
    mesh(&mut chart, &x, &y, Some(&x_label), if log { "share of runs (log scale)" } else { "share of runs" })?;

    let level = fmt_level(c.quantile);
    let mut legend = Vec::new();
    let color_of = |name: &str, fallback: usize| {
        groups.iter().position(|(g, _)| *g == name).map(palette).unwrap_or_else(|| palette(fallback))
    };
    for (gi, ((name, v), h)) in groups.iter().zip(&hists).enumerate() {
        if v.is_empty() {
            legend.push(LegendEntry::text(format!("{name}: no data")));
            continue;
        }
        let col = palette(gi);
        // Translucent filled bars with a solid step outline, so overlapping groups stay legible.
        chart.draw_series(h.iter().enumerate().filter(|(_, f)| **f > 0.0).map(|(k, f)| {
            let a = lo + k as f64 * width;
            Rectangle::new([(a, base), (a + width, *f)], col.mix(0.28).filled())
        }))?;
        let mut outline = vec![(lo, base)];
        for (k, f) in h.iter().enumerate() {
            let a = lo + k as f64 * width;
            let f = f.max(base);
            outline.push((a, f));
            outline.push((a + width, f));
        }
        outline.push((hi, base));
        chart.draw_series(std::iter::once(PathElement::new(outline, ShapeStyle::from(&col).stroke_width(2))))?;
        legend.push(LegendEntry::fill(format!("{name} (n = {})", v.len()), col.mix(0.5)));
    }
    if !markers.is_empty() {
        legend.push(LegendEntry::heading(format!("tail risk at {level}")));
    }
    for (mi, (name, var, cvar)) in markers.iter().map(|m| (&m.0, m.1, m.2)).enumerate() {
        let col = color_of(name, groups.len() + mi);
        for (v, dash, what) in [(var, Dash::Dashed, "VaR"), (cvar, Dash::Dotted, "CVaR")] {
            if !v.is_finite() {
                continue;
            }
            let top = chart.backend_coord(&(v, y.hi));
            let bot = chart.backend_coord(&(v, y.lo));
            pixel_line(root, &[top, bot], ShapeStyle::from(&col).stroke_width(3), dash)?;
            legend.push(LegendEntry::line(format!("{what} {}: {}", short(name), fmt_sig(v, 3)), col, 3, dash));
        }
    }
    frame(&chart, &x, &y)?;
    draw_legend(&legend_area, &legend, 20)?;
    Ok(())
}

/// A group name shortened for a legend line that also carries a number.
fn short(name: &str) -> String {
    let first = name.split([':', '(', ',']).next().unwrap_or(name).trim();
    if first.chars().count() > 16 { first.chars().take(15).collect::<String>() + "…" } else { first.to_string() }
}
