//! Shock labels: placing them in rows of a lane above the top panel so that none overlap, and
//! drawing the lane.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{Dash, HPos, Pos, RIGHT_AXIS_W, SHOCK, VPos, fit_text, note_font, pixel_line, text_width};
use crate::PlotError;

/// A shock label placed in a lane above the top panel: its x pixel and its row.
#[derive(Clone, Debug)]
pub(crate) struct PlacedLabel {
    pub x: i32,
    pub row: usize,
    pub text: String,
    pub right_anchor: bool,
}

/// Places shock labels (sorted by pixel x) in rows so that no two overlap; returns the
/// placements and the number of rows.
pub(crate) fn place_labels<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    items: &[(i32, String)],
    x_min: i32,
    x_max: i32,
) -> (Vec<PlacedLabel>, usize) {
    let style = note_font();
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by_key(|&i| items[i].0);
    let mut row_end: Vec<i32> = Vec::new();
    let mut placed = Vec::new();
    for i in order {
        let (x, text) = &items[i];
        if *x < x_min - 1 || *x > x_max + 1 {
            continue;
        }
        let text = fit_text(area, text, &style, 260);
        let tw = text_width(area, &text, &style) as i32;
        // Left-anchored just right of the line, unless that would run past the plot's right edge.
        let right_anchor = x + 5 + tw > x_max + RIGHT_AXIS_W as i32;
        let (s, e) = if right_anchor { (x - 5 - tw, *x) } else { (*x, x + 5 + tw) };
        let row = match row_end.iter().position(|&end| s > end + 10) {
            Some(r) => r,
            None => {
                row_end.push(i32::MIN);
                row_end.len() - 1
            }
        };
        row_end[row] = e;
        placed.push(PlacedLabel { x: *x, row, text, right_anchor });
    }
    let rows = row_end.len();
    (placed, rows)
}

const LANE_ROW_H: u32 = 24;

/// Draws placed shock labels in the lane `lane` (pixel coordinates relative to the lane), with
/// a short dashed stub down to the lane bottom, where the marker line continues in the panels.
pub(crate) fn draw_lane<DB: DrawingBackend>(
    lane: &DrawingArea<DB, Shift>,
    placed: &[PlacedLabel],
) -> Result<(), PlotError> {
    let (_, h) = lane.dim_in_pixel();
    let style = note_font().color(&SHOCK);
    for p in placed {
        let y = 4 + (p.row as i32) * LANE_ROW_H as i32 + LANE_ROW_H as i32 / 2;
        let (anchor, tx) = if p.right_anchor { (HPos::Right, p.x - 5) } else { (HPos::Left, p.x + 5) };
        lane.draw(&Text::new(p.text.clone(), (tx, y), style.pos(Pos::new(anchor, VPos::Center))))?;
        pixel_line(lane, &[(p.x, y - 9), (p.x, h as i32)], ShapeStyle::from(&SHOCK).stroke_width(2), Dash::Dashed)?;
    }
    Ok(())
}

pub(crate) fn lane_height(rows: usize) -> u32 {
    if rows == 0 { 10 } else { rows as u32 * LANE_ROW_H + 8 }
}
