//! Text: measuring, shortening with an ellipsis and wrapping to a width, and the two texts every
//! chart may draw on its own (the title strip and "no data").

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{GRID_BOLD, HPos, MUTED, Pos, TITLE_H, VPos, title_font};
use crate::PlotError;

pub(crate) fn text_width<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, s: &str, style: &TextStyle) -> u32 {
    area.estimate_text_size(s, style).map(|(w, _)| w).unwrap_or((s.chars().count() as u32) * 10)
}

/// Shortens `s` with an ellipsis so that it fits in `max_w` pixels.
pub(crate) fn fit_text<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    s: &str,
    style: &TextStyle,
    max_w: u32,
) -> String {
    if text_width(area, s, style) <= max_w {
        return s.to_string();
    }
    let chars: Vec<char> = s.chars().collect();
    for n in (1..chars.len()).rev() {
        let t: String = chars[..n].iter().collect::<String>() + "…";
        if text_width(area, &t, style) <= max_w {
            return t;
        }
    }
    "…".to_string()
}

/// Splits `s` at spaces into at most `max_lines` lines no wider than `max_w` (the last one
/// shortened with an ellipsis if needed).
pub(crate) fn wrap_text<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    s: &str,
    style: &TextStyle,
    max_w: u32,
    max_lines: usize,
) -> Vec<String> {
    if text_width(area, s, style) <= max_w || max_lines <= 1 {
        return vec![fit_text(area, s, style, max_w)];
    }
    let mut lines: Vec<String> = Vec::new();
    let mut cur = String::new();
    let words: Vec<&str> = s.split(' ').collect();
    let mut i = 0;
    while i < words.len() {
        let cand = if cur.is_empty() { words[i].to_string() } else { format!("{cur} {}", words[i]) };
        if text_width(area, &cand, style) <= max_w || cur.is_empty() {
            cur = cand;
            i += 1;
        } else {
            lines.push(std::mem::take(&mut cur));
            if lines.len() == max_lines - 1 {
                cur = words[i..].join(" ");
                i = words.len();
            }
        }
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines.into_iter().map(|l| fit_text(area, &l, style, max_w)).collect()
}

/// Draws the title centred in a strip at the top of `root`; returns the area below it.
pub(crate) fn title_strip<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
) -> Result<DrawingArea<DB, Shift>, PlotError> {
    let (top, body) = root.split_vertically(TITLE_H);
    let (w, h) = top.dim_in_pixel();
    let style = title_font().pos(Pos::new(HPos::Center, VPos::Center));
    let t = fit_text(&top, title, &style, w.saturating_sub(40));
    top.draw(&Text::new(t, ((w / 2) as i32, (h / 2) as i32 + 4), style))?;
    Ok(body)
}

/// Writes "no data" in the middle of `area` (with an optional frame).
pub(crate) fn no_data<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    what: &str,
    frame: bool,
) -> Result<(), PlotError> {
    let (w, h) = area.dim_in_pixel();
    if frame && w > 20 && h > 20 {
        area.draw(&Rectangle::new(
            [(10, 10), (w as i32 - 10, h as i32 - 10)],
            ShapeStyle::from(&GRID_BOLD).stroke_width(1),
        ))?;
    }
    let style = ("sans-serif", 26).into_font().color(&MUTED).pos(Pos::new(HPos::Center, VPos::Center));
    let msg = if what.is_empty() { "no data".to_string() } else { format!("{what}: no data") };
    area.draw(&Text::new(msg, ((w / 2) as i32, (h / 2) as i32), style))?;
    Ok(())
}
