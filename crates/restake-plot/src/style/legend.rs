//! The legend: a column of entries (line and fill swatches, headings, rows of small swatches)
//! drawn in the strip beside a plot.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{Dash, HPos, Pos, VPos, legend_font, legend_title_font, pixel_line, text_width, wrap_text};
use crate::PlotError;

#[derive(Clone, Debug)]
pub(crate) enum Swatch {
    Line {
        color: RGBColor,
        width: u32,
        dash: Dash,
    },
    Fill(RGBAColor),
    Heading,
    /// Plain text (a sub-heading such as a market name).
    Text,
    /// A row of small filled swatches, each with a short label, after the entry's label
    /// (e.g. "round  ■ 1  ■ 2  ■ 3"); wraps when it does not fit.
    Row(Vec<(RGBAColor, String)>),
}

#[derive(Clone, Debug)]
pub(crate) struct LegendEntry {
    pub label: String,
    pub swatch: Swatch,
}

impl LegendEntry {
    pub(crate) fn line(label: impl Into<String>, color: RGBColor, width: u32, dash: Dash) -> Self {
        LegendEntry { label: label.into(), swatch: Swatch::Line { color, width, dash } }
    }
    pub(crate) fn fill(label: impl Into<String>, color: RGBAColor) -> Self {
        LegendEntry { label: label.into(), swatch: Swatch::Fill(color) }
    }
    pub(crate) fn heading(label: impl Into<String>) -> Self {
        LegendEntry { label: label.into(), swatch: Swatch::Heading }
    }
    pub(crate) fn text(label: impl Into<String>) -> Self {
        LegendEntry { label: label.into(), swatch: Swatch::Text }
    }
    pub(crate) fn row(items: Vec<(RGBAColor, String)>) -> Self {
        LegendEntry { label: "round".into(), swatch: Swatch::Row(items) }
    }
}

/// Draws a legend as a column starting `top` pixels below the top of `area` (a strip beside the
/// plot, so it never covers data). Long labels wrap onto a second line; entries that do not fit
/// are summarised as "+N more".
pub(crate) fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[LegendEntry],
    top: i32,
) -> Result<(), PlotError> {
    if entries.is_empty() {
        return Ok(());
    }
    let (w, h) = area.dim_in_pixel();
    let x0 = 14;
    let sw = 40;
    let text_style = legend_font().pos(Pos::new(HPos::Left, VPos::Center));
    let head_style = legend_title_font().pos(Pos::new(HPos::Left, VPos::Center));
    let swatch_text_w = w.saturating_sub((x0 + sw + 10 + 6) as u32);
    let full_w = w.saturating_sub(x0 as u32 + 6);
    let lines: Vec<Vec<String>> = entries
        .iter()
        .map(|e| match &e.swatch {
            Swatch::Line { .. } | Swatch::Fill(_) => wrap_text(area, &e.label, &text_style, swatch_text_w, 2),
            Swatch::Heading => wrap_text(area, &e.label, &head_style, full_w, 2),
            Swatch::Text => wrap_text(area, &e.label, &text_style, full_w, 2),
            Swatch::Row(_) => vec![e.label.clone()],
        })
        .collect();
    let avail = h as i32 - top - 6;
    let needed = |row_h: i32| lines.iter().map(|l| row_h + (l.len() as i32 - 1) * (row_h - 5)).sum::<i32>();
    let row_h = if needed(27) > avail { 22 } else { 27 };
    let cont_h = row_h - 5;
    let mut y = top + row_h / 2;
    for (i, (e, ls)) in entries.iter().zip(&lines).enumerate() {
        let this_h = row_h + (ls.len() as i32 - 1) * cont_h;
        // Leave room for a "+N more" line when the rest does not fit.
        let rest_fits = y - row_h / 2 + this_h <= top + avail
            && (i + 1 == entries.len() || y - row_h / 2 + this_h + row_h <= top + avail);
        if !rest_fits {
            let more = entries.len() - i;
            area.draw(&Text::new(format!("+{more} more"), (x0 + sw + 10, y), text_style.clone()))?;
            break;
        }
        match &e.swatch {
            Swatch::Line { color, width, dash } => {
                let style = ShapeStyle::from(color).stroke_width(*width);
                pixel_line(area, &[(x0, y), (x0 + sw, y)], style, *dash)?;
            }
            Swatch::Fill(c) => {
                area.draw(&Rectangle::new([(x0 + 4, y - 8), (x0 + sw - 4, y + 8)], c.filled()))?;
            }
            _ => {}
        }
        match &e.swatch {
            Swatch::Line { .. } | Swatch::Fill(_) | Swatch::Text | Swatch::Heading => {
                let (tx, st) = match &e.swatch {
                    Swatch::Heading => (x0, &head_style),
                    Swatch::Text => (x0, &text_style),
                    _ => (x0 + sw + 10, &text_style),
                };
                for (k, l) in ls.iter().enumerate() {
                    area.draw(&Text::new(l.clone(), (tx, y + k as i32 * cont_h), st.clone()))?;
                }
            }
            Swatch::Row(items) => {
                let mut x = x0 + 12;
                area.draw(&Text::new(e.label.clone(), (x, y), text_style.clone()))?;
                x += text_width(area, &e.label, &text_style) as i32 + 12;
                for (c, label) in items {
                    let iw = 20 + 5 + text_width(area, label, &text_style) as i32;
                    if x + iw > w as i32 - 4 {
                        y += row_h;
                        x = x0 + 12;
                    }
                    area.draw(&Rectangle::new([(x, y - 8), (x + 20, y + 8)], c.filled()))?;
                    area.draw(&Text::new(label.clone(), (x + 25, y), text_style.clone()))?;
                    x += iw + 14;
                }
            }
        }
        y += this_h;
    }
    Ok(())
}
