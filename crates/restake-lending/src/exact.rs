//! Totals that equal the sum of their parts exactly.
//!
//! A market keeps totals (scaled supply, scaled debt, collateral, shares) next to the positions
//! they sum. Kept as running f64 sums, they drift from the positions by rounding: after every
//! position has repaid, a reserve can still show 5.7e-8 of scaled debt that nobody owes. An
//! [`ExactSum`] holds the total as a fixed-point integer (units of 2^-64) and is moved by the
//! exact change of a part — `replace(old, new)` adds `fixed(new) - fixed(old)` — so the total is,
//! by construction, exactly the sum of its parts' fixed-point values, whatever the order of the
//! operations. The positions themselves stay f64 and their arithmetic is unchanged; the total's
//! f64 view is the correctly rounded value of the exact sum.

/// 2^64: the fixed-point scale.
const SCALE: f64 = 18_446_744_073_709_551_616.0;

/// An exact sum of f64 parts (each taken to the nearest 2^-64 toward zero; parts up to about
/// 9.2e18 in magnitude).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct ExactSum(i128);

impl ExactSum {
    /// The fixed-point value of one part.
    #[inline]
    pub fn fixed(x: f64) -> i128 {
        // Scaling by a power of two is exact; `as` truncates toward zero and saturates.
        (x * SCALE) as i128
    }

    /// The exact sum of `parts`.
    pub fn of(parts: impl IntoIterator<Item = f64>) -> ExactSum {
        ExactSum(parts.into_iter().map(Self::fixed).fold(0i128, i128::saturating_add))
    }

    /// A part went from `old` to `new`.
    #[inline]
    pub fn replace(&mut self, old: f64, new: f64) {
        self.0 = self.0.saturating_add(Self::fixed(new).saturating_sub(Self::fixed(old)));
    }

    /// The sum, rounded to the nearest f64.
    #[inline]
    pub fn value(self) -> f64 {
        self.0 as f64 / SCALE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_total_moved_by_its_parts_returns_to_zero_exactly() {
        // A running f64 sum of 0.1 + 0.2 - 0.1 - 0.2 is 2.8e-17, not 0; parts summed exactly
        // come back to nothing.
        let parts = [0.1, 0.2, 1e7 / 3.0, 1e-9];
        let mut total = ExactSum::default();
        let mut float = 0.0;
        for &p in &parts {
            total.replace(0.0, p);
            float += p;
        }
        for &p in &parts {
            total.replace(p, 0.0);
            float -= p;
        }
        assert_eq!(total, ExactSum::default());
        assert_eq!(total.value(), 0.0);
        assert_ne!(float, 0.0, "the f64 running sum does drift (so this test can fail)");
    }

    #[test]
    fn the_total_is_the_sum_of_the_parts_whatever_the_path() {
        // Three accounts moved in an arbitrary order; the total equals the sum of their final
        // values, compared as exact integers.
        let mut acct = [0.0f64; 3];
        let mut total = ExactSum::default();
        let moves = [(0, 5.5), (1, 1e-3), (2, 123456.789), (0, -2.25), (1, 7.0 / 3.0), (2, -0.789), (0, -3.25)];
        for (k, d) in moves {
            let old = acct[k];
            acct[k] += d;
            total.replace(old, acct[k]);
        }
        assert_eq!(total, ExactSum::of(acct));
        assert_eq!(acct[0], 0.0);
    }
}
