//! The causal cascade as a waterfall: one bar per link of the chain, in causal order (the shock,
//! the slashes, the NAV loss, the sales and the liquidation rounds), its length the ETH it moved,
//! annotated with the amount and the number of events.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::style::*;
use crate::{CascadeChart, PlotError};

pub(crate) fn draw<DB: DrawingBackend>(c: &CascadeChart, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
    let body = title_strip(root, &c.title)?;
    if c.rows.is_empty() {
        return no_data(&body, "no causal chain in the events", true);
    }
    let n = c.rows.len();
    let max = c.rows.iter().map(|r| r.amount_eth).fold(0.0f64, f64::max).max(1e-9);
    let labels: Vec<String> = c.rows.iter().map(|r| r.label.clone()).collect();
    let tf = tick_font();
    let y_area = labels.iter().map(|s| text_width(&body, s, &tf)).max().unwrap_or(0) + 40;
    let mut chart = ChartBuilder::on(&body)
        .margin_top(20)
        .margin_left(10)
        .margin_right(40)
        .x_label_area_size(X_AXIS_H)
        .y_label_area_size(y_area)
        .build_cartesian_2d(0.0..max * 1.3, 0.0..n as f64)?;
    // Row i is drawn from the top: y in [n - i - 1, n - i).
    let yf = |v: &f64| {
        let i = n as i64 - 1 - v.floor() as i64;
        if (v - v.floor() - 0.5).abs() < 0.26 && i >= 0 {
            labels.get(i as usize).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    };
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(2 * n + 1)
        .y_label_formatter(&yf)
        .x_label_formatter(&|v: &f64| fmt_sig(*v, 3))
        .label_style(tick_font())
        .axis_desc_style(desc_font())
        .bold_line_style(GRID_BOLD)
        .light_line_style(GRID_LIGHT)
        .axis_style(MUTED)
        .x_desc("ETH moved (debt repaid for liquidations)")
        .draw()?;
    let colour = |label: &str| {
        if label.starts_with("liquidation") {
            RGBColor(31, 78, 140)
        } else if label.contains("slash") || label.contains("exploit") || label.starts_with("shock") {
            SHOCK
        } else if label.contains("nav") {
            RGBColor(214, 120, 20)
        } else {
            RGBColor(110, 110, 110)
        }
    };
    for (i, r) in c.rows.iter().enumerate() {
        let y0 = (n - i - 1) as f64 + 0.15;
        let y1 = (n - i) as f64 - 0.15;
        chart
            .draw_series(std::iter::once(Rectangle::new([(0.0, y0), (r.amount_eth, y1)], colour(&r.label).filled())))?;
        let note =
            format!("{} ETH · {} event{}", fmt_sig(r.amount_eth, 4), r.events, if r.events == 1 { "" } else { "s" });
        chart.draw_series(std::iter::once(Text::new(
            note,
            (r.amount_eth + max * 0.01, (y0 + y1) / 2.0),
            tick_font().pos(Pos::new(HPos::Left, VPos::Center)),
        )))?;
    }
    Ok(())
}
