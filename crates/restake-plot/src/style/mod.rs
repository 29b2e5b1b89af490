//! Shared look of every chart, one concern per module:
//! - `palette`: ink and grid colours, the categorical palette, shade families, viridis, colour by
//!   entity;
//! - `data`: finite points, extents, runs of finite points;
//! - `axis`: ranges, tick placement and tick formatting, and the one table of round time steps
//!   (ticks and bins);
//! - `format`: numbers written for people (hours, significant digits, quantile levels);
//! - `text`: measuring, shortening and wrapping text; the title strip, the notes strip and
//!   "no data";
//! - `lines`: dash patterns and dashed pixel polylines;
//! - `legend`: the legend strip beside a plot;
//! - `labels`: shock labels placed in the lane above stacked panels.
//!
//! This module keeps the canvas and layout sizes and the fonts, and re-exports what the charts
//! use, so that `use crate::style::*` is all a chart needs.

mod axis;
mod data;
mod format;
mod labels;
mod legend;
mod lines;
mod palette;
mod text;

use std::sync::Once;

use plotters::prelude::*;
use plotters::style::register_font;
pub(crate) use plotters::style::text_anchor::{HPos, Pos, VPos};

pub(crate) use axis::{Axis, AxisCoord, time_step};
pub(crate) use data::{extent, finite, finite_runs, merge};
pub(crate) use format::{fmt_level, fmt_sig};
pub(crate) use labels::{PlacedLabel, draw_lane, lane_height, place_labels};
pub(crate) use legend::{LegendEntry, draw_legend};
pub(crate) use lines::{Dash, pixel_line};
pub(crate) use palette::{
    ColorMap, GRID_BOLD, GRID_LIGHT, INK, INK_SOFT, MUTED, SHOCK, entity_key, is_dark, palette, round_shade, viridis,
};
pub(crate) use text::{fit_text, no_data, notes_height, notes_strip, text_width, title_strip, wrap_text};

/// Canvas size of every chart, in pixels (a liquidity-crisis chart with more than four panels or
/// with notes is taller).
pub const SIZE: (u32, u32) = (1600, 1000);

/// Width of the legend strip at the right of a panel.
pub(crate) const LEGEND_W: u32 = 300;
/// Width reserved for the left y axis (tick labels and the rotated description).
pub(crate) const Y_AXIS_W: u32 = 104;
/// Width reserved for a right (secondary) y axis; reserved on every stacked panel so that the
/// plotting areas line up even when only one panel uses it.
pub(crate) const RIGHT_AXIS_W: u32 = 105;
/// Height of the title strip.
pub(crate) const TITLE_H: u32 = 64;
/// Height of the bottom x axis (tick labels and description).
pub(crate) const X_AXIS_H: u32 = 62;

static FONTS: Once = Once::new();

/// Registers the embedded DejaVu Sans as "sans-serif" (normal and bold), once per process.
pub(crate) fn ensure_fonts() {
    FONTS.call_once(|| {
        // The embedded fonts are valid TrueType; a failure here would show up as a drawing error
        // (FontUnavailable) on the first text, which is reported, not panicked on.
        let _ = register_font("sans-serif", FontStyle::Normal, dejavu::sans::regular());
        let _ = register_font("sans-serif", FontStyle::Bold, dejavu::sans::bold());
    });
}

// ---------------------------------------------------------------------------------------------
// Fonts

pub(crate) fn title_font() -> TextStyle<'static> {
    ("sans-serif", 34, FontStyle::Bold).into_font().color(&INK)
}
pub(crate) fn desc_font() -> TextStyle<'static> {
    ("sans-serif", 22).into_font().color(&INK)
}
pub(crate) fn tick_font() -> TextStyle<'static> {
    ("sans-serif", 19).into_font().color(&INK_SOFT)
}
pub(crate) fn legend_font() -> TextStyle<'static> {
    ("sans-serif", 19).into_font().color(&INK)
}
pub(crate) fn legend_title_font() -> TextStyle<'static> {
    ("sans-serif", 19, FontStyle::Bold).into_font().color(&INK)
}
pub(crate) fn note_font() -> TextStyle<'static> {
    ("sans-serif", 17).into_font().color(&INK_SOFT)
}
