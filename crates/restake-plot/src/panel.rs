//! Stacked time panels sharing one x axis, with a legend strip at the right of each panel and a
//! lane above the top panel for shock labels (domino and liquidity-crisis charts).

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::style::*;
use crate::{PlotError, Series, ShockMarker};

pub(crate) type Coord2 = Cartesian2d<AxisCoord, AxisCoord>;

/// A (min, max) pair.
pub(crate) type Span = (f64, f64);

/// Left margin of every chart; with the y axis it places the plotting areas at [`PLOT_LEFT`].
const MARGIN_LEFT: u32 = 10;
/// Pixels from the left of a chart to its plotting area (where texts that line up with the plots
/// start).
pub(crate) const PLOT_LEFT: i32 = (MARGIN_LEFT + Y_AXIS_W) as i32;

/// One panel: the area for the chart and the strip for its legend.
pub(crate) struct Panel<DB: DrawingBackend> {
    pub chart: DrawingArea<DB, Shift>,
    pub legend: DrawingArea<DB, Shift>,
}

/// The layout of a stack: lane for shock labels, panels top to bottom.
pub(crate) struct Stack<DB: DrawingBackend> {
    pub lane: DrawingArea<DB, Shift>,
    pub placed: Vec<PlacedLabel>,
    pub panels: Vec<Panel<DB>>,
}

/// Splits `body` into a shock-label lane and panels with relative heights `weights` (the bottom
/// panel also gets the x axis).
pub(crate) fn stack<DB: DrawingBackend>(
    body: &DrawingArea<DB, Shift>,
    x: &Axis,
    shocks: &[ShockMarker],
    weights: &[f64],
) -> Result<Stack<DB>, PlotError> {
    let (w, _) = body.dim_in_pixel();
    let chart_w = w.saturating_sub(LEGEND_W);
    // Build a throwaway chart on the full width to learn the exact x pixel of each shock (the
    // horizontal layout does not depend on the heights).
    let (probe_area, _) = body.split_horizontally(chart_w);
    let probe_y = Axis::value(0.0, 1.0, 0.0, false, false);
    let (px_min, px_max, items) = {
        let probe = build(&probe_area, x, &probe_y, true, false)?;
        let a = probe.backend_coord(&(x.lo, 0.0)).0;
        let b = probe.backend_coord(&(x.hi, 0.0)).0;
        let items: Vec<(i32, String)> = shocks
            .iter()
            .filter(|s| s.t.is_finite() && s.t >= x.lo && s.t <= x.hi)
            .map(|s| (probe.backend_coord(&(s.t, 0.0)).0 - body.get_base_pixel().0, s.label.clone()))
            .collect();
        (a - body.get_base_pixel().0, b - body.get_base_pixel().0, items)
    };
    let (placed, rows) = place_labels(body, &items, px_min, px_max);
    let lane_h = lane_height(rows);
    let (lane, rest) = body.split_vertically(lane_h);
    let (_, rest_h) = rest.dim_in_pixel();
    let plots_h = rest_h.saturating_sub(X_AXIS_H) as f64;
    let total: f64 = weights.iter().sum::<f64>().max(1e-9);
    let mut panels = Vec::new();
    let mut remaining = rest;
    for (i, wgt) in weights.iter().enumerate() {
        let last = i + 1 == weights.len();
        let area = if last {
            remaining.clone()
        } else {
            let h = (plots_h * wgt / total).round() as u32;
            let (a, b) = remaining.split_vertically(h);
            remaining = b;
            a
        };
        let (chart, legend) = area.split_horizontally(chart_w);
        panels.push(Panel { chart, legend });
    }
    Ok(Stack { lane, placed, panels })
}

/// Builds the cartesian chart of a panel: fixed label-area sizes so that stacked panels align.
pub(crate) fn build<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    x: &Axis,
    y: &Axis,
    bottom: bool,
    right_axis: bool,
) -> Result<ChartContext<'a, DB, Coord2>, PlotError> {
    // The right axis area exists only when a secondary axis will use it (plotters would mirror
    // the primary labels into it); otherwise the same width is left as margin so that all
    // panels' plotting areas line up.
    let chart = ChartBuilder::on(area)
        .margin_top(14)
        .margin_left(MARGIN_LEFT)
        .margin_right(if right_axis { 0 } else { RIGHT_AXIS_W })
        .x_label_area_size(if bottom { X_AXIS_H } else { 10 })
        .y_label_area_size(Y_AXIS_W)
        .right_y_label_area_size(if right_axis { RIGHT_AXIS_W } else { 0 })
        .build_cartesian_2d(x.coord(), y.coord())?;
    Ok(chart)
}

/// Builds a chart that stands alone (no panels to align with): a small right margin.
pub(crate) fn build_single<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    x: &Axis,
    y: &Axis,
) -> Result<ChartContext<'a, DB, Coord2>, PlotError> {
    let chart = ChartBuilder::on(area)
        .margin_top(20)
        .margin_left(MARGIN_LEFT)
        .margin_right(30)
        .x_label_area_size(X_AXIS_H)
        .y_label_area_size(Y_AXIS_W)
        .build_cartesian_2d(x.coord(), y.coord())?;
    Ok(chart)
}

/// Draws grid, axes, tick labels and axis descriptions; x tick labels only when `x_desc` is
/// given (bottom panel).
pub(crate) fn mesh<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, Coord2>,
    x: &Axis,
    y: &Axis,
    x_desc: Option<&str>,
    y_desc: &str,
) -> Result<(), PlotError> {
    let show_x = x_desc.is_some();
    let xf = |v: &f64| if show_x { x.format(*v) } else { String::new() };
    let yf = |v: &f64| y.format(*v);
    let mut m = chart.configure_mesh();
    m.x_label_formatter(&xf)
        .y_label_formatter(&yf)
        .label_style(tick_font())
        .axis_desc_style(desc_font())
        .bold_line_style(GRID_BOLD)
        .light_line_style(GRID_LIGHT)
        .axis_style(MUTED)
        .y_desc(y_desc);
    if let Some(d) = x_desc {
        m.x_desc(d);
    }
    m.draw()?;
    frame(chart, x, y)?;
    Ok(())
}

/// A thin box around the plotting area.
pub(crate) fn frame<DB: DrawingBackend>(
    chart: &ChartContext<'_, DB, Coord2>,
    x: &Axis,
    y: &Axis,
) -> Result<(), PlotError> {
    chart
        .plotting_area()
        .draw(&Rectangle::new([(x.lo, y.lo), (x.hi, y.hi)], ShapeStyle::from(&MUTED).stroke_width(1)))?;
    Ok(())
}

/// Draws a series as lines (breaking at non-finite points) in data coordinates, clipped to the
/// chart's x range, with a dash pattern.
pub(crate) fn draw_line<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &ChartContext<'_, DB, Coord2>,
    points: &[(f64, f64)],
    color: RGBColor,
    width: u32,
    dash: Dash,
) -> Result<(), PlotError> {
    let style = ShapeStyle::from(&color).stroke_width(width);
    for run in finite_runs(points) {
        let px: Vec<(i32, i32)> = run.iter().map(|p| chart.backend_coord(p)).collect();
        if px.len() == 1 {
            root.draw(&Circle::new(px[0], width as i32 + 1, color.filled()))?;
            continue;
        }
        if dash == Dash::Solid {
            chart.plotting_area().draw(&PathElement::new(run, style))?;
        } else {
            pixel_line(root, &px, style, dash)?;
        }
    }
    Ok(())
}

/// Extent (times, values) of the finite points of some series.
pub(crate) fn series_extent<'s, I: IntoIterator<Item = &'s Series>>(series: I) -> (Option<Span>, Option<Span>) {
    let mut tx = None;
    let mut vy = None;
    for s in series {
        let pts: Vec<(f64, f64)> = s.points.iter().copied().filter(finite).collect();
        tx = merge(tx, extent(pts.iter().map(|p| p.0)));
        vy = merge(vy, extent(pts.iter().map(|p| p.1)));
    }
    (tx, vy)
}

/// Whether a series has at least one finite point.
pub(crate) fn has_finite(s: &Series) -> bool {
    s.points.iter().any(finite)
}

/// Vertical dashed shock lines through a panel's plotting area (pixel coordinates on `root`).
pub(crate) fn shock_lines<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &ChartContext<'_, DB, Coord2>,
    x: &Axis,
    y: &Axis,
    shocks: &[ShockMarker],
) -> Result<(), PlotError> {
    for s in shocks {
        if !s.t.is_finite() || s.t < x.lo || s.t > x.hi {
            continue;
        }
        let top = chart.backend_coord(&(s.t, y.hi));
        let bot = chart.backend_coord(&(s.t, y.lo));
        pixel_line(
            root,
            &[(top.0, top.1 - 14), bot],
            ShapeStyle::from(&SHOCK.mix(0.85)).stroke_width(2),
            Dash::Dashed,
        )?;
    }
    Ok(())
}

/// Series styling shared by the stacked charts: colour by entity (see [`entity_key`]) and a
/// dash for NAV-like series, unique within a panel.
pub(crate) fn style_series(
    colors: &mut ColorMap,
    series: &[&Series],
    dashed: impl Fn(&Series) -> bool,
) -> Vec<(RGBColor, Dash)> {
    let mut used: Vec<(String, Dash)> = Vec::new();
    series
        .iter()
        .map(|s| {
            let dash = if dashed(s) { Dash::Dashed } else { Dash::Solid };
            let mut key = entity_key(&s.label);
            if used.iter().any(|(k, d)| *k == key && *d == dash) {
                key = s.label.clone();
            }
            used.push((key.clone(), dash));
            (colors.get(&key), dash)
        })
        .collect()
}

pub(crate) fn is_nav(s: &Series) -> bool {
    let l = s.label.to_ascii_lowercase();
    l.split(|c: char| !c.is_alphanumeric()).any(|w| w == "nav" || w == "rate")
}
