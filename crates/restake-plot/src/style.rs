//! Shared look: fonts, palette, tick placement and formatting, legends, dashed lines and the
//! small layout helpers every chart uses.

use std::sync::Once;

use std::ops::Range;

use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::register_font;
pub(crate) use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::PlotError;

/// Canvas size of every chart, in pixels.
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

// ---------------------------------------------------------------------------------------------
// Colours

pub(crate) const INK: RGBColor = RGBColor(30, 30, 30);
pub(crate) const INK_SOFT: RGBColor = RGBColor(70, 70, 70);
pub(crate) const GRID_BOLD: RGBColor = RGBColor(218, 218, 218);
pub(crate) const GRID_LIGHT: RGBColor = RGBColor(240, 240, 240);
pub(crate) const SHOCK: RGBColor = RGBColor(150, 20, 20);
pub(crate) const MUTED: RGBColor = RGBColor(150, 150, 150);

/// Tableau 10, distinguishable on white and in most colour-vision deficiencies for the first few.
pub(crate) const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

pub(crate) fn palette(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Base colours of the shade families used for "one family per market".
const FAMILIES: [RGBColor; 6] = [
    RGBColor(33, 102, 172), // blue
    RGBColor(217, 95, 2),   // orange
    RGBColor(27, 120, 55),  // green
    RGBColor(118, 42, 131), // purple
    RGBColor(178, 24, 43),  // red
    RGBColor(1, 133, 113),  // teal
];

fn lerp(a: RGBColor, b: RGBColor, t: f64) -> RGBColor {
    let t = t.clamp(0.0, 1.0);
    let m = |x: u8, y: u8| (x as f64 + (y as f64 - x as f64) * t).round() as u8;
    RGBColor(m(a.0, b.0), m(a.1, b.1), m(a.2, b.2))
}

/// Shade `k` (0 = darkest) of `n` in colour family `family`.
pub(crate) fn shade(family: usize, k: usize, n: usize) -> RGBColor {
    let base = FAMILIES[family % FAMILIES.len()];
    let dark = lerp(base, RGBColor(0, 0, 0), 0.35);
    let light = lerp(base, RGBColor(255, 255, 255), 0.62);
    if n <= 1 {
        return base;
    }
    let t = k as f64 / (n - 1) as f64;
    if t <= 0.5 { lerp(dark, base, t * 2.0) } else { lerp(base, light, (t - 0.5) * 2.0) }
}

/// Colour of round index `k` of `n` in market family `family`. Long cascades get distinct shades
/// for rounds 1-5 and one light shade for every later round (matching the legend's "6-n"), so
/// early rounds stay distinguishable however many rounds follow.
pub(crate) fn round_shade(family: usize, k: usize, n: usize) -> RGBColor {
    if n > 8 { shade(family, k.min(5), 6) } else { shade(family, k, n) }
}

/// Perceptually ordered sequential colour map (viridis, piecewise linear through 9 anchors).
pub(crate) fn viridis(t: f64) -> RGBColor {
    const A: [(u8, u8, u8); 9] = [
        (68, 1, 84),
        (71, 44, 122),
        (59, 81, 139),
        (44, 113, 142),
        (33, 144, 141),
        (39, 173, 129),
        (92, 200, 99),
        (170, 220, 50),
        (253, 231, 37),
    ];
    let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 };
    let x = t * (A.len() - 1) as f64;
    let i = (x.floor() as usize).min(A.len() - 2);
    let f = x - i as f64;
    let a = RGBColor(A[i].0, A[i].1, A[i].2);
    let b = RGBColor(A[i + 1].0, A[i + 1].1, A[i + 1].2);
    lerp(a, b, f)
}

/// Relative luminance, to pick black or white text on a coloured cell.
pub(crate) fn is_dark(c: RGBColor) -> bool {
    0.299 * c.0 as f64 + 0.587 * c.1 as f64 + 0.114 * c.2 as f64 <= 140.0
}

/// Colour assignment by key, stable in order of first appearance, shared across the panels of a
/// chart so that one entity keeps one colour.
#[derive(Default)]
pub(crate) struct ColorMap {
    keys: Vec<String>,
}

impl ColorMap {
    pub(crate) fn get(&mut self, key: &str) -> RGBColor {
        if let Some(i) = self.keys.iter().position(|k| k == key) {
            return palette(i);
        }
        self.keys.push(key.to_string());
        palette(self.keys.len() - 1)
    }
}

/// The entity a series label names: the label without generic words such as "NAV", "pool" or
/// "price", so that "ezETH pool price" and "ezETH NAV" share a colour.
pub(crate) fn entity_key(label: &str) -> String {
    const GENERIC: [&str; 12] =
        ["nav", "pool", "price", "amm", "queue", "wait", "buffer", "market", "exchange", "rate", "(eth)", "-"];
    let words: Vec<&str> =
        label.split_whitespace().filter(|w| !GENERIC.contains(&w.to_ascii_lowercase().as_str())).collect();
    if words.is_empty() { label.trim().to_string() } else { words.join(" ") }
}

// ---------------------------------------------------------------------------------------------
// Data helpers

pub(crate) fn finite(p: &(f64, f64)) -> bool {
    p.0.is_finite() && p.1.is_finite()
}

/// Min and max of the finite values, if any.
pub(crate) fn extent<I: IntoIterator<Item = f64>>(it: I) -> Option<(f64, f64)> {
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for v in it {
        if v.is_finite() {
            lo = lo.min(v);
            hi = hi.max(v);
        }
    }
    (lo <= hi).then_some((lo, hi))
}

pub(crate) fn merge(a: Option<(f64, f64)>, b: Option<(f64, f64)>) -> Option<(f64, f64)> {
    match (a, b) {
        (Some(a), Some(b)) => Some((a.0.min(b.0), a.1.max(b.1))),
        (a, None) => a,
        (None, b) => b,
    }
}

/// Splits points into runs of consecutive finite points, so that a gap (NaN) breaks the line
/// instead of being bridged or failing.
pub(crate) fn finite_runs(points: &[(f64, f64)]) -> Vec<Vec<(f64, f64)>> {
    let mut runs = Vec::new();
    let mut cur = Vec::new();
    for p in points {
        if finite(p) {
            cur.push(*p);
        } else if !cur.is_empty() {
            runs.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        runs.push(cur);
    }
    runs
}

// ---------------------------------------------------------------------------------------------
// Axes: range, tick placement and tick formatting

#[derive(Clone, Copy, Debug)]
enum TickFmt {
    /// Time in hours, labelled "6h" or "1h30".
    Hours,
    /// Time in hours, labelled in days "3d" (ticks on whole days).
    Days,
    /// Plain number divided by `scale` with a suffix ("", "k", "M", "B").
    Plain { decimals: usize, scale: f64, suffix: &'static str },
    /// A fraction shown as a percentage.
    Percent { decimals: usize },
    /// A fraction on a log axis, shown as a percentage with as many decimals as it needs.
    LogPercent,
}

/// One axis: its range, its labelled (bold) ticks, unlabelled light grid lines, and how ticks
/// are written.
#[derive(Clone, Debug)]
pub(crate) struct Axis {
    pub lo: f64,
    pub hi: f64,
    pub ticks: Vec<f64>,
    pub light: Vec<f64>,
    fmt: TickFmt,
    log: bool,
}

/// Number of decimals needed to write multiples of `step` exactly (at most 6).
fn decimals_for(step: f64) -> usize {
    for d in 0..=6 {
        let s = step * 10f64.powi(d as i32);
        if (s - s.round()).abs() < 1e-6 * s.abs().max(1.0) {
            return d;
        }
    }
    6
}

/// A "nice" step (1, 2, 2.5, 5 × 10^k) giving at most about `target` intervals over `span`.
pub(crate) fn nice_step(span: f64, target: usize) -> f64 {
    let span = if span.is_finite() && span > 0.0 { span } else { 1.0 };
    let raw = span / target.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let norm = raw / mag;
    let m = [1.0, 2.0, 2.5, 5.0, 10.0].into_iter().find(|m| *m >= norm - 1e-9).unwrap_or(10.0);
    m * mag
}

fn multiples(lo: f64, hi: f64, step: f64) -> Vec<f64> {
    if step.is_nan() || step <= 0.0 || !lo.is_finite() || !hi.is_finite() {
        return Vec::new();
    }
    let k0 = (lo / step - 1e-9).ceil() as i64;
    let k1 = (hi / step + 1e-9).floor() as i64;
    if k1 < k0 || k1 - k0 > 2000 {
        return Vec::new();
    }
    (k0..=k1)
        .map(|k| {
            let v = k as f64 * step;
            if v.abs() < step * 1e-9 { 0.0 } else { v }
        })
        .collect()
}

impl Axis {
    /// A time axis over [lo, hi] hours: ticks on round hours for spans up to four days, on whole
    /// days beyond.
    pub(crate) fn time(lo: f64, hi: f64) -> Axis {
        let (lo, hi) = widen(lo, hi, 1.0);
        let span = hi - lo;
        const HOUR_STEPS: [f64; 14] =
            [1.0 / 60.0, 2.0 / 60.0, 5.0 / 60.0, 10.0 / 60.0, 0.25, 0.5, 1.0, 2.0, 3.0, 4.0, 6.0, 12.0, 24.0, 48.0];
        const DAY_STEPS: [f64; 12] = [1.0, 2.0, 3.0, 5.0, 7.0, 14.0, 28.0, 56.0, 91.0, 182.0, 364.0, 728.0];
        let max_ticks = 13.0;
        if span <= 96.0 {
            let step = HOUR_STEPS.into_iter().find(|s| span / s <= max_ticks).unwrap_or(48.0);
            let light_step = step / if step >= 6.0 { 3.0 } else { 2.0 };
            Axis {
                lo,
                hi,
                ticks: multiples(lo, hi, step),
                light: multiples(lo, hi, light_step),
                fmt: TickFmt::Hours,
                log: false,
            }
        } else {
            let days = span / 24.0;
            let step_d =
                DAY_STEPS.into_iter().find(|s| days / s <= max_ticks).unwrap_or_else(|| nice_step(days, 10).max(1.0));
            let light_d = if (7.0..28.0).contains(&step_d) { 1.0 } else { step_d / 2.0 };
            Axis {
                lo,
                hi,
                ticks: multiples(lo, hi, step_d * 24.0),
                light: multiples(lo, hi, light_d * 24.0),
                fmt: TickFmt::Days,
                log: false,
            }
        }
    }

    /// A value axis covering the data extent [lo, hi] with `pad` (a fraction of the span) on each
    /// side; `from_zero` pins the lower end at 0 (bars); `percent` writes fractions as "%".
    pub(crate) fn value(lo: f64, hi: f64, pad: f64, from_zero: bool, percent: bool) -> Axis {
        let (mut lo, mut hi) = (lo, hi);
        if from_zero {
            lo = lo.min(0.0);
            hi = hi.max(0.0);
        }
        let (dlo, dhi) = widen(lo, hi, if percent { 0.01 } else { 1.0 });
        let span = dhi - dlo;
        let mut lo = if from_zero && dlo >= 0.0 { 0.0 } else { dlo - pad * span };
        let mut hi = dhi + pad * span;
        if percent && dlo >= 0.0 && lo < 0.0 && !from_zero {
            lo = lo.max(0.0);
        }
        if from_zero && hi <= 0.0 {
            hi = 0.0;
            lo = lo.min(dlo - pad * span);
        }
        Axis::from_bounds(lo, hi, percent)
    }

    /// A fraction axis (shown in %) over the data extent, kept within [0, 1] when the data are.
    pub(crate) fn unit(lo: f64, hi: f64, pad: f64) -> Axis {
        let a = Axis::value(lo, hi, pad, false, true);
        let l = if lo >= 0.0 { a.lo.max(0.0) } else { a.lo };
        let h = if hi <= 1.0 { a.hi.min(1.0) } else { a.hi };
        Axis::from_bounds(l, h, true)
    }

    /// Ticks and format for an axis over exactly [lo, hi].
    pub(crate) fn from_bounds(lo: f64, hi: f64, percent: bool) -> Axis {
        Axis::from_bounds_n(lo, hi, percent, 6)
    }

    /// Like [`Axis::from_bounds`] with about `n` intervals.
    pub(crate) fn from_bounds_n(lo: f64, hi: f64, percent: bool, n: usize) -> Axis {
        let step = nice_step(hi - lo, n);
        let ticks = multiples(lo, hi, step);
        let light = multiples(lo, hi, step / 2.0);
        let fmt = if percent {
            TickFmt::Percent { decimals: decimals_for(step * 100.0) }
        } else {
            let m = lo.abs().max(hi.abs());
            let (scale, suffix) = if m >= 1e10 {
                (1e9, "B")
            } else if m >= 1e7 {
                (1e6, "M")
            } else if m >= 1e4 {
                (1e3, "k")
            } else {
                (1.0, "")
            };
            TickFmt::Plain { decimals: decimals_for(step / scale), scale, suffix }
        };
        Axis { lo, hi, ticks, light, fmt, log: false }
    }

    /// Categorical axis over indices 0..n, ticks at the cell centres i + 0.5 (heatmaps).
    pub(crate) fn cells(n: usize, every: usize) -> Axis {
        let every = every.max(1);
        Axis {
            lo: 0.0,
            hi: n.max(1) as f64,
            ticks: (0..n).step_by(every).map(|i| i as f64 + 0.5).collect(),
            light: Vec::new(),
            fmt: TickFmt::Plain { decimals: 0, scale: 1.0, suffix: "" },
            log: false,
        }
    }

    /// A logarithmic fraction axis (shown in %) from below `min_pos` to above `max`: ticks at
    /// 1, 2 and 5 per decade when there are few decades, decades only otherwise.
    pub(crate) fn log_percent(min_pos: f64, max: f64) -> Axis {
        let lo = 10f64.powf(min_pos.max(1e-12).log10().floor());
        let hi = (max * 1.6).max(lo * 10.0);
        let (d0, d1) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
        let mut ticks = Vec::new();
        let mut light = Vec::new();
        let few = d1 - d0 <= 3;
        for d in d0..=d1 {
            let base = 10f64.powi(d);
            for m in 1..=9 {
                let v = base * m as f64;
                if v < lo * (1.0 - 1e-9) || v > hi * (1.0 + 1e-9) {
                    continue;
                }
                if m == 1 || (few && (m == 2 || m == 5)) {
                    ticks.push(v);
                } else {
                    light.push(v);
                }
            }
        }
        Axis { lo, hi, ticks, light, fmt: TickFmt::LogPercent, log: true }
    }

    pub(crate) fn coord(&self) -> AxisCoord {
        let inner = if self.log { (self.lo.log10()..self.hi.log10()).into() } else { (self.lo..self.hi).into() };
        AxisCoord {
            inner,
            lo: self.lo,
            hi: self.hi,
            log: self.log,
            ticks: self.ticks.clone(),
            light: self.light.clone(),
        }
    }

    pub(crate) fn format(&self, v: f64) -> String {
        match self.fmt {
            TickFmt::Hours => fmt_hours(v),
            TickFmt::Days => {
                let d = v / 24.0;
                let s = if (d - d.round()).abs() < 1e-6 { format!("{}", d.round() as i64) } else { format!("{d:.1}") };
                format!("{s}d")
            }
            TickFmt::Plain { decimals, scale, suffix } => {
                let x = v / scale;
                if x.abs() < 0.5 * 10f64.powi(-(decimals as i32)) {
                    return "0".to_string();
                }
                format!("{x:.decimals$}{suffix}")
            }
            TickFmt::LogPercent => {
                let p = v * 100.0;
                let d = if p >= 1.0 { 0 } else { (-(p.log10().floor()) as usize).min(8) };
                format!("{p:.d$}%")
            }
            TickFmt::Percent { decimals } => {
                let x = v * 100.0;
                if x.abs() < 0.5 * 10f64.powi(-(decimals as i32)) {
                    return "0%".to_string();
                }
                format!("{x:.decimals$}%")
            }
        }
    }
}

/// A linear f64 coordinate with the tick positions chosen by [`Axis`] (bold: labelled ticks and
/// grid lines; light: finer grid lines).
#[derive(Clone)]
pub(crate) struct AxisCoord {
    inner: RangedCoordf64,
    lo: f64,
    hi: f64,
    log: bool,
    ticks: Vec<f64>,
    light: Vec<f64>,
}

impl Ranged for AxisCoord {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        if self.log {
            let v = if *value > 0.0 { value.log10() } else { self.lo.log10() };
            self.inner.map(&v, limit)
        } else {
            self.inner.map(value, limit)
        }
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() { self.light.clone() } else { self.ticks.clone() }
    }

    fn range(&self) -> Range<f64> {
        self.lo..self.hi
    }
}

/// Widens a degenerate range so that an axis over it still has a span.
fn widen(lo: f64, hi: f64, unit: f64) -> (f64, f64) {
    if !lo.is_finite() || !hi.is_finite() {
        return (0.0, unit);
    }
    if hi - lo > 1e-12 * lo.abs().max(hi.abs()).max(1e-300) {
        return (lo, hi);
    }
    let d = if lo.abs() > 0.0 { lo.abs() * 0.05 } else { unit };
    (lo - d, hi + d)
}

/// Hours written as "36h" or "1h30" / "0h05" for sub-hour ticks.
pub(crate) fn fmt_hours(v: f64) -> String {
    let neg = v < -1e-9;
    let a = v.abs();
    let mut h = a.floor() as i64;
    let mut m = ((a - h as f64) * 60.0).round() as i64;
    if m == 60 {
        h += 1;
        m = 0;
    }
    let sign = if neg { "-" } else { "" };
    if m == 0 { format!("{sign}{h}h") } else { format!("{sign}{h}h{m:02}") }
}

/// A value written with about `sig` significant digits and a k/M/B suffix for large magnitudes
/// (cell annotations, legend values).
pub(crate) fn fmt_sig(v: f64, sig: usize) -> String {
    if !v.is_finite() {
        return "n/a".to_string();
    }
    let a = v.abs();
    let (x, suffix) = if a >= 1e9 {
        (v / 1e9, "B")
    } else if a >= 1e6 {
        (v / 1e6, "M")
    } else if a >= 1e4 {
        (v / 1e3, "k")
    } else {
        (v, "")
    };
    if x == 0.0 {
        return "0".to_string();
    }
    let mag = x.abs().log10().floor() as i32;
    let decimals = (sig as i32 - 1 - mag).clamp(0, 6) as usize;
    let s = format!("{x:.decimals$}");
    // Drop trailing zeros after a decimal point ("1.50" -> "1.5", "2.00" -> "2").
    let s = if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s };
    format!("{s}{suffix}")
}

/// The quantile level written as a percentage without noise: 0.95 -> "95%", 0.975 -> "97.5%".
pub(crate) fn fmt_level(q: f64) -> String {
    if !q.is_finite() {
        return "?".to_string();
    }
    let p = q * 100.0;
    let d = decimals_for(p).min(2);
    format!("{p:.d$}%")
}

// ---------------------------------------------------------------------------------------------
// Text helpers

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

// ---------------------------------------------------------------------------------------------
// Lines

/// Line style of a series.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Dash {
    Solid,
    Dashed,
    Dotted,
}

impl Dash {
    fn pattern(self) -> Option<(i32, i32)> {
        match self {
            Dash::Solid => None,
            Dash::Dashed => Some((12, 7)),
            Dash::Dotted => Some((3, 5)),
        }
    }
}

/// Splits a pixel polyline into dash segments of `on` pixels separated by `off` pixels.
pub(crate) fn dash_segments(pts: &[(i32, i32)], on: i32, off: i32) -> Vec<Vec<(i32, i32)>> {
    let mut out = Vec::new();
    let mut cur: Vec<(f64, f64)> = Vec::new();
    let mut drawing = true;
    let mut left = on as f64;
    for w in pts.windows(2) {
        let (x0, y0) = (w[0].0 as f64, w[0].1 as f64);
        let (x1, y1) = (w[1].0 as f64, w[1].1 as f64);
        let len = ((x1 - x0).powi(2) + (y1 - y0).powi(2)).sqrt();
        if len == 0.0 {
            continue;
        }
        let mut pos = 0.0;
        if drawing && cur.is_empty() {
            cur.push((x0, y0));
        }
        while pos < len {
            let take = left.min(len - pos);
            pos += take;
            left -= take;
            let p = (x0 + (x1 - x0) * pos / len, y0 + (y1 - y0) * pos / len);
            if drawing {
                cur.push(p);
            }
            if left <= 1e-9 {
                if drawing {
                    out.push(std::mem::take(&mut cur));
                    left = off as f64;
                } else {
                    cur = vec![p];
                    left = on as f64;
                }
                drawing = !drawing;
            }
        }
    }
    if drawing && cur.len() > 1 {
        out.push(cur);
    }
    out.into_iter().map(|v| v.into_iter().map(|(x, y)| (x.round() as i32, y.round() as i32)).collect()).collect()
}

/// Draws a polyline given in pixel coordinates (relative to `area`) with a dash pattern.
pub(crate) fn pixel_line<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    pts: &[(i32, i32)],
    style: ShapeStyle,
    dash: Dash,
) -> Result<(), PlotError> {
    match dash.pattern() {
        None => {
            area.draw(&PathElement::new(pts.to_vec(), style))?;
        }
        Some((on, off)) => {
            for seg in dash_segments(pts, on, off) {
                area.draw(&PathElement::new(seg, style))?;
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Legend

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

// ---------------------------------------------------------------------------------------------
// Shock markers

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

pub(crate) const LANE_ROW_H: u32 = 24;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_ticks_hours_and_days() {
        let a = Axis::time(0.0, 72.0);
        assert_eq!(a.ticks, vec![0.0, 6.0, 12.0, 18.0, 24.0, 30.0, 36.0, 42.0, 48.0, 54.0, 60.0, 66.0, 72.0]);
        assert_eq!(a.format(24.0), "24h");
        let a = Axis::time(0.0, 2.0);
        assert!(a.ticks.len() <= 14 && a.ticks.contains(&0.5));
        assert_eq!(a.format(1.5), "1h30");
        let a = Axis::time(0.0, 14.0 * 24.0);
        assert_eq!(a.format(48.0), "2d");
        assert!(a.ticks.iter().all(|t| (t / 24.0).fract() == 0.0));
        let a = Axis::time(5.0, 5.0);
        assert!(a.hi > a.lo && !a.ticks.is_empty());
    }

    #[test]
    fn value_ticks_are_round_and_formatted() {
        let a = Axis::value(0.9, 1.0, 0.0, false, false);
        assert!(a.ticks.iter().all(|t| ((t * 1000.0).round() - t * 1000.0).abs() < 1e-6));
        assert!(a.ticks.iter().map(|t| a.format(*t)).all(|s| s.len() <= 5), "{:?}", a.ticks);
        let a = Axis::value(0.0, 180_000.0, 0.0, true, false);
        assert_eq!(a.format(0.0), "0");
        assert_eq!(a.format(50_000.0), "50k");
        let a = Axis::unit(0.5, 0.99, 0.1);
        assert!(a.hi <= 1.0 && a.lo >= 0.0);
        assert_eq!(a.format(0.9), "90%");
        let a = Axis::log_percent(0.0005, 0.5);
        assert_eq!(a.format(0.001), "0.1%");
        assert_eq!(a.format(0.1), "10%");
    }

    #[test]
    fn number_formatting() {
        assert_eq!(fmt_sig(2849.3, 3), "2849");
        assert_eq!(fmt_sig(18_100.0, 3), "18.1k");
        assert_eq!(fmt_sig(0.915, 4), "0.915");
        assert_eq!(fmt_sig(7.0, 4), "7");
        assert_eq!(fmt_sig(f64::NAN, 3), "n/a");
        assert_eq!(fmt_level(0.95), "95%");
        assert_eq!(fmt_level(0.975), "97.5%");
        assert_eq!(fmt_hours(0.25), "0h15");
    }

    #[test]
    fn entity_keys_pair_prices_and_navs() {
        assert_eq!(entity_key("ezETH pool price"), "ezETH");
        assert_eq!(entity_key("ezETH NAV"), "ezETH");
        assert_eq!(entity_key("Morpho ezETH/WETH"), "Morpho ezETH/WETH");
        assert_eq!(entity_key("NAV"), "NAV");
    }

    #[test]
    fn dashes_cover_the_line() {
        let segs = dash_segments(&[(0, 0), (100, 0)], 10, 5);
        assert_eq!(segs.len(), 7);
        assert!(segs.iter().all(|s| s.len() >= 2));
        assert!(dash_segments(&[(0, 0), (0, 0)], 10, 5).is_empty());
    }

    #[test]
    fn shades_go_dark_to_light() {
        let l = |c: RGBColor| c.0 as u32 + c.1 as u32 + c.2 as u32;
        assert!(l(shade(0, 0, 3)) < l(shade(0, 1, 3)) && l(shade(0, 1, 3)) < l(shade(0, 2, 3)));
    }
}
