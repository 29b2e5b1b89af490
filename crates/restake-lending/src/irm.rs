//! Kinked ("jump rate") interest-rate model and interest accrual.
//!
//! The curve is Aave v3's `DefaultReserveInterestRateStrategyV2.calculateInterestRates`
//! (aave-dao/aave-v3-origin, `src/contracts/misc/DefaultReserveInterestRateStrategyV2.sol`):
//!
//! ```text
//! u <= u*:  borrow = base + slope1 * u / u*
//! u >  u*:  borrow = base + slope1 + slope2 * (u - u*) / (1 - u*)
//! supply  = borrow * u_supply * (1 - reserve_factor)
//! ```
//!
//! With zero debt Aave returns a supply rate of 0 and the base borrow rate; so do we.
//!
//! Rates are **per year**. Accrual over a step of `dt_years` follows what the protocols compute:
//! both Aave (`MathUtils.calculateCompoundedInterest`) and Morpho Blue (`MathLib.wTaylorCompounded`)
//! grow debt by the three-term Taylor expansion of `exp(r t)`, `1 + x + x^2/2 + x^3/6` with
//! `x = r t`; Aave grows the supply (liquidity) index linearly, `1 + r t`
//! (`MathUtils.calculateLinearInterest`). [`Compounding`] offers those two plus exact continuous
//! compounding. Treating one simulator step as one on-chain update is the approximation: on chain
//! every interaction re-compounds, so for long steps at high rates the truth lies between `Taylor3`
//! over the step and `Continuous`; at a 10%/yr rate and a one-day step they differ by < 1e-15
//! (the first omitted term is `x^4/24`).

use crate::{LendingError, check_closed, check_open, first_issue, push_issue};

/// Utilisation `borrowed / supplied`, in `[0, 1]`; 0 when nothing is supplied.
///
/// Clamped because an IRM evaluated above 100% (which can only come from float noise or a caller's
/// inconsistent totals) would extrapolate slope2 beyond its intended maximum.
#[inline]
pub fn utilisation(borrowed: f64, supplied: f64) -> f64 {
    if supplied > 0.0 && borrowed > 0.0 { (borrowed / supplied).clamp(0.0, 1.0) } else { 0.0 }
}

/// A kinked interest-rate curve, annual rates as fractions (0.04 = 4%/yr).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KinkedIrm {
    /// Borrow rate at zero utilisation.
    pub base_rate: f64,
    /// Rate added between 0 and the optimal utilisation.
    pub slope1: f64,
    /// Rate added between the optimal utilisation and 100%.
    pub slope2: f64,
    /// The kink, in (0, 1).
    pub optimal_utilisation: f64,
}

/// Upper bound on any single rate parameter: Aave's `MAX_BORROW_RATE` is 1000%/yr for the sum.
const MAX_RATE: f64 = 10.0;

impl KinkedIrm {
    /// The first of [`KinkedIrm::issues`], or `Ok`.
    pub fn validate(&self) -> Result<(), LendingError> {
        first_issue(self.issues())
    }

    /// Every problem with the curve (field paths start with `irm.`), in field order.
    pub fn issues(&self) -> Vec<LendingError> {
        let mut out = Vec::new();
        self.issues_at("irm", &mut out);
        out
    }

    /// Checks with a field-path prefix so that nested structs report e.g. `reserves[1].irm.slope2`.
    pub(crate) fn issues_at(&self, prefix: &str, out: &mut Vec<LendingError>) {
        let rate = "in [0, 10] (per year)";
        push_issue(out, check_closed(&format!("{prefix}.base_rate"), self.base_rate, 0.0, MAX_RATE, rate));
        push_issue(out, check_closed(&format!("{prefix}.slope1"), self.slope1, 0.0, MAX_RATE, rate));
        push_issue(out, check_closed(&format!("{prefix}.slope2"), self.slope2, 0.0, MAX_RATE, rate));
        push_issue(
            out,
            check_open(&format!("{prefix}.optimal_utilisation"), self.optimal_utilisation, 0.0, 1.0, "in (0, 1)"),
        );
    }

    /// Annual borrow rate at utilisation `u` (clamped to [0, 1]).
    #[inline]
    pub fn borrow_rate(&self, u: f64) -> f64 {
        let u = if u.is_nan() { 0.0 } else { u.clamp(0.0, 1.0) };
        let opt = self.optimal_utilisation;
        if u > opt {
            self.base_rate + self.slope1 + self.slope2 * (u - opt) / (1.0 - opt)
        } else {
            self.base_rate + self.slope1 * u / opt
        }
    }

    /// Annual supply rate: `borrow_rate(u) * u * (1 - reserve_factor)`.
    ///
    /// This is the simple case where the supply-side usage equals the borrow-side utilisation; the
    /// pooled market uses [`KinkedIrm::supply_rate_with_usage`] to add Aave's deficit to the
    /// denominator.
    #[inline]
    pub fn supply_rate(&self, u: f64, reserve_factor: f64) -> f64 {
        self.supply_rate_with_usage(u, u, reserve_factor)
    }

    /// Aave v3.4+: borrow rate from the borrow usage `debt / (cash + debt)`, paid out over the supply
    /// usage `debt / (cash + debt + deficit)` (the deficit is passed as `unbacked`, see
    /// `ReserveLogic.updateInterestRatesAndVirtualBalance`).
    #[inline]
    pub fn supply_rate_with_usage(&self, borrow_usage: f64, supply_usage: f64, reserve_factor: f64) -> f64 {
        if borrow_usage <= 0.0 || borrow_usage.is_nan() {
            return 0.0;
        }
        self.borrow_rate(borrow_usage) * supply_usage.clamp(0.0, 1.0) * (1.0 - reserve_factor)
    }
}

/// How an annual rate turns into growth over a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Compounding {
    /// `1 + r t` (Aave's supply / liquidity index).
    Linear,
    /// `1 + x + x^2/2 + x^3/6`, `x = r t` (Aave's borrow index and Morpho Blue's `wTaylorCompounded`).
    #[default]
    Taylor3,
    /// `exp(r t)`.
    Continuous,
}

impl Compounding {
    /// Growth factor of a balance over `dt_years` at annual rate `rate`.
    #[inline]
    pub fn growth_factor(self, rate: f64, dt_years: f64) -> f64 {
        let x = rate * dt_years;
        match self {
            Compounding::Linear => 1.0 + x,
            Compounding::Taylor3 => 1.0 + x + x * x / 2.0 + x * x * x / 6.0,
            Compounding::Continuous => x.exp(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * b.abs().max(1.0)
    }

    /// A curve with round numbers: base 0, slope1 4%, slope2 60%, kink 80%.
    fn irm() -> KinkedIrm {
        KinkedIrm { base_rate: 0.0, slope1: 0.04, slope2: 0.60, optimal_utilisation: 0.80 }
    }

    #[test]
    fn kink_values() {
        let m = irm();
        assert_eq!(m.borrow_rate(0.0), 0.0);
        assert!(close(m.borrow_rate(0.40), 0.02, 1e-15)); // half-way to the kink: half of slope1
        assert!(close(m.borrow_rate(0.80), 0.04, 1e-15)); // at the kink: base + slope1
        assert!(close(m.borrow_rate(0.90), 0.04 + 0.30, 1e-15)); // half-way above: + slope2/2
        assert!(close(m.borrow_rate(1.00), 0.64, 1e-15)); // full: base + slope1 + slope2
        // Continuity at the kink from both sides.
        assert!(close(m.borrow_rate(0.8 - 1e-12), m.borrow_rate(0.8 + 1e-12), 1e-9));
        // Clamped outside [0, 1].
        assert_eq!(m.borrow_rate(1.5), m.borrow_rate(1.0));
        assert_eq!(m.borrow_rate(-0.5), 0.0);
        // Base rate shifts the curve.
        let b = KinkedIrm { base_rate: 0.01, ..m };
        assert!(close(b.borrow_rate(0.9), 0.35, 1e-15));
    }

    #[test]
    fn supply_rate_is_borrow_times_u_times_one_minus_rf() {
        let m = irm();
        // u = 0.9: borrow 0.34, supply = 0.34 * 0.9 * (1 - 0.1) = 0.2754
        assert!(close(m.supply_rate(0.9, 0.10), 0.2754, 1e-14));
        assert_eq!(m.supply_rate(0.0, 0.10), 0.0);
    }

    #[test]
    fn compounding_factors() {
        // x = 0.1: Taylor3 = 1 + 0.1 + 0.005 + 0.000166.. = 1.105166..
        assert!(close(Compounding::Taylor3.growth_factor(0.1, 1.0), 1.1051666666666666, 1e-15));
        assert!(close(Compounding::Linear.growth_factor(0.1, 1.0), 1.1, 1e-15));
        assert!(close(Compounding::Continuous.growth_factor(0.1, 1.0), 0.1f64.exp(), 1e-15));
        // One day at 10%/yr: Taylor3 and exp agree to ~1e-12.
        let d = 1.0 / 365.0;
        let t = Compounding::Taylor3.growth_factor(0.1, d);
        let e = Compounding::Continuous.growth_factor(0.1, d);
        assert!((t - e).abs() < 1e-12);
    }

    #[test]
    fn validate_names_field() {
        let bad = KinkedIrm { optimal_utilisation: 1.2, ..irm() };
        let e = bad.validate().unwrap_err().to_string();
        assert_eq!(e, "irm.optimal_utilisation must be in (0, 1), got 1.2");
        let bad = KinkedIrm { slope2: f64::NAN, ..irm() };
        assert!(bad.validate().unwrap_err().to_string().contains("irm.slope2"));
    }

    #[test]
    fn issues_list_every_bad_field() {
        let bad = KinkedIrm { base_rate: -1.0, optimal_utilisation: 1.0, ..irm() };
        let issues = bad.issues();
        let fields: Vec<_> = issues.iter().map(|e| e.field().unwrap()).collect();
        assert_eq!(fields, ["irm.base_rate", "irm.optimal_utilisation"]);
        assert_eq!(bad.validate().unwrap_err(), issues[0]);
        assert!(irm().issues().is_empty());
    }

    #[test]
    fn utilisation_edge_cases() {
        assert_eq!(utilisation(0.0, 0.0), 0.0);
        assert_eq!(utilisation(5.0, 0.0), 0.0);
        assert_eq!(utilisation(5.0, 10.0), 0.5);
        assert_eq!(utilisation(11.0, 10.0), 1.0);
    }
}
