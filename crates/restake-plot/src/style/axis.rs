//! Axes: range, tick placement and tick formatting, and the table of round time steps shared by
//! time axes and time bins.

use std::ops::Range;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::format::{decimals_for, fmt_hours};

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

/// A "nice" step (1, 2, 2.5, 5 × 10^k) giving at most about `target` intervals over `span`.
fn nice_step(span: f64, target: usize) -> f64 {
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

/// Round time steps in hours, smallest first: the one table behind time-axis ticks
/// ([`Axis::time`]) and time-bin widths (the domino chart's liquidation bars), so that a bar of
/// "4 h" and a tick every 4 h come from the same list.
///
/// Why these steps: below a day each one divides the next larger clock unit, so ticks and bin
/// edges counted from 0 fall on whole hours and on every midnight (5 h or 8 h steps would drift
/// off them or read poorly); from a day on they are whole days, which day-labelled ticks need:
/// - below an hour, the divisors of 60 min that a clock shows: 1, 2, 5, 10, 15, 30 min;
/// - from an hour to a day, divisors of 24 h: 1, 2, 3, 4, 6, 12 h. 4 h is in because without it
///   a two-day run (39-52 h, at most 13 ticks) would jump from 3 h ticks to 6 h ones and only
///   7-9 ticks, and bins from 3 h to 6 h. 8 h is out: it would only sit between 6 h and 12 h,
///   whose multiples read as quarter and half days;
/// - from a day on: 1, 2, 3, 5 days, 1, 2, 4 and 8 weeks, a quarter (13 weeks), half a year, a
///   year and two years (in 52-week years).
///
/// Neighbouring steps are at most 2.5 times apart, so the chosen step is never much coarser than
/// needed.
pub(crate) const TIME_STEPS_H: [f64; 24] = [
    1.0 / 60.0,
    2.0 / 60.0,
    5.0 / 60.0,
    10.0 / 60.0,
    0.25,
    0.5,
    1.0,
    2.0,
    3.0,
    4.0,
    6.0,
    12.0,
    24.0,
    2.0 * 24.0,
    3.0 * 24.0,
    5.0 * 24.0,
    7.0 * 24.0,
    14.0 * 24.0,
    28.0 * 24.0,
    56.0 * 24.0,
    91.0 * 24.0,
    182.0 * 24.0,
    364.0 * 24.0,
    728.0 * 24.0,
];

/// The smallest step of [`TIME_STEPS_H`] of at least `min_h` hours; beyond the table, a "nice"
/// whole number of days (1, 2, 2.5, 5 × 10^k days).
pub(crate) fn time_step(min_h: f64) -> f64 {
    let min_h = if min_h.is_finite() && min_h > 0.0 { min_h } else { TIME_STEPS_H[0] };
    TIME_STEPS_H
        .into_iter()
        .find(|s| *s >= min_h * (1.0 - 1e-9))
        .unwrap_or_else(|| nice_step(min_h / 24.0, 1).ceil() * 24.0)
}

/// At most this many tick intervals on a time axis.
const MAX_TIME_TICKS: f64 = 13.0;

impl Axis {
    /// A time axis over [lo, hi] hours: ticks on round hours for spans up to four days, on whole
    /// days beyond; steps from [`TIME_STEPS_H`].
    pub(crate) fn time(lo: f64, hi: f64) -> Axis {
        let (lo, hi) = widen(lo, hi, 1.0);
        let span = hi - lo;
        let min_step = span / MAX_TIME_TICKS;
        if span <= 96.0 {
            let step = time_step(min_step);
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
            // Labels are in days, so the step is at least one.
            let step = time_step(min_step.max(24.0));
            let step_d = step / 24.0;
            let light_d = if (7.0..28.0).contains(&step_d) { 1.0 } else { step_d / 2.0 };
            Axis {
                lo,
                hi,
                ticks: multiples(lo, hi, step),
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
    fn time_steps_divide_clock_units() {
        assert!(TIME_STEPS_H.windows(2).all(|w| w[0] < w[1] && w[1] / w[0] <= 2.5 + 1e-9));
        let whole = |x: f64| (x - x.round()).abs() < 1e-9;
        for s in TIME_STEPS_H {
            if s < 1.0 {
                assert!(whole(s * 60.0) && whole(60.0 / (s * 60.0)), "{s} h does not divide an hour");
            } else if s <= 24.0 {
                assert!(whole(s) && whole(24.0 / s), "{s} h does not divide a day");
            } else {
                assert!(whole(s / 24.0), "{s} h is not whole days");
            }
        }
    }

    #[test]
    fn time_step_is_the_smallest_round_step_at_least_asked() {
        assert_eq!(time_step(3.5), 4.0);
        assert_eq!(time_step(4.0), 4.0);
        assert_eq!(time_step(0.2), 0.25);
        assert_eq!(time_step(50.0), 72.0);
        assert_eq!(time_step(100.0), 120.0);
        assert_eq!(time_step(0.0), 1.0 / 60.0);
        assert_eq!(time_step(f64::NAN), 1.0 / 60.0);
        let big = time_step(800.0 * 24.0);
        assert!(big >= 800.0 * 24.0 && (big / 24.0).fract() == 0.0);
        // A two-day axis is ticked every 4 h, from the same table.
        assert_eq!(Axis::time(0.0, 48.0).ticks, (0..=12).map(|k| k as f64 * 4.0).collect::<Vec<_>>());
        // Past four days, whole days even where 12 h would be few enough ticks.
        assert_eq!(Axis::time(0.0, 120.0).ticks, vec![0.0, 24.0, 48.0, 72.0, 96.0, 120.0]);
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
}
