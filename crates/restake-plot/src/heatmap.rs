//! Heatmap of a metric over a two-parameter grid, cells annotated with values, and a colour bar.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::style::*;
use crate::{Heatmap, PlotError};

/// `z` must be `y.len()` rows of `x.len()` values.
pub(crate) fn check(c: &Heatmap) -> Result<(), PlotError> {
    if c.z.len() != c.y.len() {
        return Err(PlotError::InvalidData(format!(
            "heatmap '{}': z has {} rows but y has {} values",
            c.title,
            c.z.len(),
            c.y.len()
        )));
    }
    if let Some((iy, row)) = c.z.iter().enumerate().find(|(_, r)| r.len() != c.x.len()) {
        return Err(PlotError::InvalidData(format!(
            "heatmap '{}': z row {iy} has {} values but x has {}",
            c.title,
            row.len(),
            c.x.len()
        )));
    }
    Ok(())
}

const BAR_STRIP_W: u32 = 250;
const NAN_FILL: RGBColor = RGBColor(225, 225, 225);

pub(crate) fn draw<DB: DrawingBackend>(c: &Heatmap, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
    let body = title_strip(root, &c.title)?;
    let (nx, ny) = (c.x.len(), c.y.len());
    let zext = extent(c.z.iter().flatten().copied());
    if nx == 0 || ny == 0 {
        return no_data(&body, "", true);
    }
    let (bw, _) = body.dim_in_pixel();
    let (plot_area, bar_area) = body.split_horizontally(bw.saturating_sub(BAR_STRIP_W));

    // Tick labels: the parameter values, thinned when cells are narrower than the labels.
    let ticks = |given: &[String], v: &[f64]| -> Vec<String> {
        if given.len() == v.len() { given.to_vec() } else { v.iter().map(|v| fmt_sig(*v, 4)).collect() }
    };
    let xl = ticks(&c.x_ticks, &c.x);
    let yl = ticks(&c.y_ticks, &c.y);
    let tf = tick_font();
    let max_yw = yl.iter().map(|s| text_width(&body, s, &tf)).max().unwrap_or(0);
    let max_xw = xl.iter().map(|s| text_width(&body, s, &tf)).max().unwrap_or(0);
    let y_area = (max_yw + 60).max(90);
    let (pw, ph) = plot_area.dim_in_pixel();
    let plot_w = pw.saturating_sub(y_area + 30).max(1) as f64;
    let plot_h = ph.saturating_sub(X_AXIS_H + 20).max(1) as f64;
    let every_x = (((max_xw + 16) as f64) / (plot_w / nx as f64)).ceil().max(1.0) as usize;
    let every_y = ((30.0 / (plot_h / ny as f64)).ceil()).max(1.0) as usize;
    let xa = Axis::cells(nx, every_x);
    let ya = Axis::cells(ny, every_y);

    let mut chart = ChartBuilder::on(&plot_area)
        .margin_top(20)
        .margin_left(10)
        .margin_right(20)
        .x_label_area_size(X_AXIS_H)
        .y_label_area_size(y_area)
        .build_cartesian_2d(xa.coord(), ya.coord())?;
    let xf = |v: &f64| xl.get(v.floor() as usize).cloned().unwrap_or_default();
    let yf = |v: &f64| yl.get(v.floor() as usize).cloned().unwrap_or_default();
    chart
        .configure_mesh()
        .disable_mesh()
        .x_label_formatter(&xf)
        .y_label_formatter(&yf)
        .label_style(tick_font())
        .axis_desc_style(desc_font())
        .axis_style(MUTED)
        .x_desc(c.x_label.as_str())
        .y_desc(c.y_label.as_str())
        .draw()?;

    let (zlo, zhi) = zext.unwrap_or((0.0, 1.0));
    let norm = |z: f64| {
        if zhi > zlo { (z - zlo) / (zhi - zlo) } else { 0.5 }
    };

    // Annotation size: the largest font whose widest value fits in a cell.
    let labels: Vec<Vec<String>> = c.z.iter().map(|r| r.iter().map(|z| fmt_sig(*z, 3)).collect()).collect();
    let p0 = chart.backend_coord(&(0.0, 0.0));
    let p1 = chart.backend_coord(&(1.0, 1.0));
    let (cell_w, cell_h) = ((p1.0 - p0.0).abs(), (p0.1 - p1.1).abs());
    let widest = labels.iter().flatten().max_by_key(|s| s.chars().count()).cloned().unwrap_or_default();
    let mut ann_size = None;
    for size in [24.0, 20.0, 17.0, 14.0] {
        let st = ("sans-serif", size).into_font();
        let w = text_width(&body, &widest, &st.into()) as i32;
        if w + 10 <= cell_w && (size as i32) + 6 <= cell_h {
            ann_size = Some(size);
            break;
        }
    }

    for (iy, row) in c.z.iter().enumerate() {
        for (ix, z) in row.iter().enumerate() {
            let (x0, y0) = (ix as f64, iy as f64);
            let fill = if z.is_finite() { viridis(norm(*z)) } else { NAN_FILL };
            chart.draw_series(std::iter::once(Rectangle::new([(x0, y0), (x0 + 1.0, y0 + 1.0)], fill.filled())))?;
            chart.draw_series(std::iter::once(Rectangle::new(
                [(x0, y0), (x0 + 1.0, y0 + 1.0)],
                ShapeStyle::from(&WHITE).stroke_width(if cell_w.min(cell_h) >= 60 { 2 } else { 1 }),
            )))?;
            if let Some(size) = ann_size {
                let ink = if !z.is_finite() {
                    MUTED
                } else if is_dark(fill) {
                    WHITE
                } else {
                    INK
                };
                let style = ("sans-serif", size).into_font().color(&ink).pos(Pos::new(HPos::Center, VPos::Center));
                let p = chart.backend_coord(&(x0 + 0.5, y0 + 0.5));
                root.draw(&Text::new(labels[iy][ix].clone(), p, style))?;
            }
        }
    }

    colour_bar(&bar_area, c, zext, NAN_FILL, c.z.iter().flatten().any(|z| !z.is_finite()))
}

/// The colour bar: a gradient with value ticks on its right and the metric's name.
fn colour_bar<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    c: &Heatmap,
    zext: Option<(f64, f64)>,
    nan_fill: RGBColor,
    has_nan: bool,
) -> Result<(), PlotError> {
    let Some((zlo, zhi)) = zext else {
        let (w, h) = area.dim_in_pixel();
        let style = note_font().pos(Pos::new(HPos::Center, VPos::Center));
        area.draw(&Text::new("no finite values", ((w / 2) as i32, (h / 2) as i32), style))?;
        return Ok(());
    };
    let za = Axis::value(zlo, zhi, 0.0, false, false);
    let za = Axis::from_bounds_n(za.lo, za.hi, false, 9);
    let xa = Axis::from_bounds(0.0, 1.0, false);
    let mut bar = ChartBuilder::on(area)
        .margin_top(20)
        .margin_bottom(X_AXIS_H)
        .margin_left(20)
        .margin_right(10)
        .x_label_area_size(0)
        .y_label_area_size(0)
        .right_y_label_area_size(BAR_STRIP_W - 80)
        .build_cartesian_2d(xa.coord(), za.coord())?;
    let steps = 256;
    let span = za.hi - za.lo;
    bar.draw_series((0..steps).map(|k| {
        let a = za.lo + span * k as f64 / steps as f64;
        let b = za.lo + span * (k + 1) as f64 / steps as f64;
        let t = if zhi > zlo { ((a + b) / 2.0 - zlo) / (zhi - zlo) } else { 0.5 };
        Rectangle::new([(0.0, a), (1.0, b)], viridis(t).filled())
    }))?;
    let zf = |v: &f64| za.format(*v);
    let none = |_: &f64| String::new();
    bar.configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .x_label_formatter(&none)
        .y_label_formatter(&zf)
        .label_style(tick_font())
        .axis_desc_style(desc_font())
        .axis_style(MUTED)
        .y_desc(c.z_label.as_str())
        .draw()?;
    bar.plotting_area()
        .draw(&Rectangle::new([(0.0, za.lo), (1.0, za.hi)], ShapeStyle::from(&MUTED).stroke_width(1)))?;
    if has_nan {
        // A swatch for cells without a value, under the bar.
        let p = bar.backend_coord(&(0.0, za.lo));
        let q = bar.backend_coord(&(1.0, za.lo));
        let base = area.get_base_pixel();
        let (x0, y0) = (p.0 - base.0, p.1 - base.1 + 22);
        let x1 = q.0 - base.0;
        area.draw(&Rectangle::new([(x0, y0), (x1, y0 + 20)], nan_fill.filled()))?;
        area.draw(&Text::new(
            "no value".to_string(),
            (x1 + 8, y0 + 10),
            note_font().pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
    }
    Ok(())
}
