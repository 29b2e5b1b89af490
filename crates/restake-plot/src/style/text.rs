//! Text: measuring, shortening with an ellipsis and wrapping to a width, and the texts a chart
//! may draw on its own (the title strip, the notes strip under it, and "no data").

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{GRID_BOLD, HPos, MUTED, Pos, TITLE_H, VPos, note_font, title_font};
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

/// Height of one line of the notes strip.
const NOTE_LINE_H: u32 = 22;
/// At most this many lines of notes; past it the last line counts the notes left out, so that
/// a long list cannot push the plots off the canvas.
const MAX_NOTE_LINES: usize = 6;

/// The notes worth a line (blank ones are skipped).
fn note_lines(notes: &[String]) -> Vec<&str> {
    notes.iter().map(|n| n.trim()).filter(|n| !n.is_empty()).collect()
}

/// Height of the strip [`notes_strip`] draws for `notes` (0 when none is worth a line).
pub(crate) fn notes_height(notes: &[String]) -> u32 {
    match note_lines(notes).len() {
        0 => 0,
        n => n.min(MAX_NOTE_LINES) as u32 * NOTE_LINE_H + 8,
    }
}

/// Writes `notes` one a line, in the note font and `left` pixels in (where the plots start), in
/// a strip at the top of `area`; returns the area below it (all of `area` without notes).
pub(crate) fn notes_strip<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    notes: &[String],
    left: i32,
) -> Result<DrawingArea<DB, Shift>, PlotError> {
    let h = notes_height(notes);
    if h == 0 {
        return Ok(area.clone());
    }
    let (strip, body) = area.split_vertically(h);
    let (w, _) = strip.dim_in_pixel();
    let style = note_font().pos(Pos::new(HPos::Left, VPos::Center));
    let max_w = w.saturating_sub(left.max(0) as u32 + 20);
    let mut lines: Vec<String> = note_lines(notes).into_iter().map(String::from).collect();
    if lines.len() > MAX_NOTE_LINES {
        let more = lines.len() - (MAX_NOTE_LINES - 1);
        lines.truncate(MAX_NOTE_LINES - 1);
        lines.push(format!("+{more} more"));
    }
    for (i, l) in lines.iter().enumerate() {
        let y = 4 + i as i32 * NOTE_LINE_H as i32 + NOTE_LINE_H as i32 / 2;
        strip.draw(&Text::new(fit_text(&strip, l, &style, max_w), (left, y), style.clone()))?;
    }
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
