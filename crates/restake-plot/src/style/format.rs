//! Numbers written for people: hours, values with significant digits and a k/M/B suffix,
//! quantile levels.

/// Number of decimals needed to write multiples of `step` exactly (at most 6).
pub(super) fn decimals_for(step: f64) -> usize {
    for d in 0..=6 {
        let s = step * 10f64.powi(d as i32);
        if (s - s.round()).abs() < 1e-6 * s.abs().max(1.0) {
            return d;
        }
    }
    6
}

/// Hours written as "36h" or "1h30" / "0h05" for sub-hour ticks.
pub(super) fn fmt_hours(v: f64) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
