//! An exact, arbitrary-precision mirror of Curve's reference StableSwap model,
//! `curvefi/curve-contract` `tests/simulation.py` (class `Curve`).
//!
//! Every operation is the reference's, in the same order, with Python's semantics: unbounded
//! integers and floor division (`//`, rounding toward minus infinity, which matters where the
//! reference's `b` is negative). Units are the reference's: amounts are integers (wei-like),
//! `xp = x * p // 10**18` brings each coin to 18-decimal "underlying" units, the fee is in units
//! of `10**10` (`10**7` = 0.1%, the reference's default), `Ann = A * n`.
//!
//! It is a validator for the `f64` [`StableSwap`](crate::StableSwap), not a simulation engine:
//! it is slow (big integers, `D` recomputed on every call, as the reference does).
//!
//! Deviations from the reference, all on inputs where it would crash or hang: bad parameters
//! and indices return errors instead of raising; a division by zero returns an error;
//! `exchange` refuses a non-positive `dy` with an error where the reference `assert`s; and the
//! loops stop after 1000 iterations with `DidNotConverge`. The reference has no limit, and its
//! integer `D` loop can cycle forever: with n = 7, A = 23 and a 500x spread of balances it
//! alternates between two values 5 apart and never meets `|D - Dprev| <= 1` (the `f64` model
//! converges there). Ordinary pools converge in a few dozen steps.

use num_bigint::{BigInt, BigUint, Sign};
use num_traits::{One, Signed, ToPrimitive, Zero};

use crate::StableSwap;
use crate::error::{AmmError, Result, check_pair};

/// Iteration cap of the reference's `while` loops.
const MAX_ITERATIONS: usize = 1000;

/// `10**18`, the reference's precision of `p` and `xp`.
fn precision() -> BigInt {
    BigInt::from(10u64.pow(18))
}

/// Curve's reference pool with exact integer arithmetic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StableSwapInt {
    a: u64,
    fee: u64,
    /// The reference's `p`: rate multipliers, 1e18 = 1.
    p: Vec<BigInt>,
    /// The reference's `x`: balances in each coin's own integer units.
    x: Vec<BigInt>,
}

impl StableSwapInt {
    /// Fee denominator: fees are in units of `1e-10`.
    pub const FEE_DENOMINATOR: u64 = 10_000_000_000;
    /// The reference's default fee, `10**7` (0.1%).
    pub const DEFAULT_FEE: u64 = 10_000_000;

    /// `Curve(A, x, n)` with a list of balances and `p = [10**18] * n`; fee = `10**7`.
    pub fn new(a: u64, balances: Vec<BigUint>) -> Result<Self> {
        let n = balances.len();
        Self::with_rates(a, balances, vec![BigUint::from(10u64.pow(18)); n])
    }

    /// `Curve(A, x, n, p)` with a list of balances and rate multipliers `p` (1e18 = 1).
    pub fn with_rates(a: u64, balances: Vec<BigUint>, rates: Vec<BigUint>) -> Result<Self> {
        let n = balances.len();
        Self::check_shape(a, n, &rates)?;
        let pool = Self {
            a,
            fee: Self::DEFAULT_FEE,
            p: rates.into_iter().map(BigInt::from).collect(),
            x: balances.into_iter().map(BigInt::from).collect(),
        };
        for (k, xp) in pool.xp_int().iter().enumerate() {
            if !xp.is_positive() {
                return Err(AmmError::InvalidParameter {
                    name: "balances",
                    value: format!("{} at index {k}", pool.x[k]),
                    allowed: "> 0 after scaling by p / 10**18",
                });
            }
        }
        Ok(pool)
    }

    /// `Curve(A, D, n, p)` with a scalar total deposit: `x = [D // n * 10**18 // p_k]`.
    /// `rates = None` means `p = [10**18] * n`.
    pub fn from_total_deposit(a: u64, d: &BigUint, n: usize, rates: Option<Vec<BigUint>>) -> Result<Self> {
        let rates = rates.unwrap_or_else(|| vec![BigUint::from(10u64.pow(18)); n]);
        Self::check_shape(a, n, &rates)?;
        let share = d / BigUint::from(n) * BigUint::from(10u64.pow(18));
        let balances = rates.iter().map(|p| &share / p).collect();
        Self::with_rates(a, balances, rates)
    }

    fn check_shape(a: u64, n: usize, rates: &[BigUint]) -> Result<()> {
        if n < 2 {
            return Err(AmmError::InvalidParameter { name: "n", value: n.to_string(), allowed: "at least 2 coins" });
        }
        if a == 0 {
            return Err(AmmError::InvalidParameter { name: "A", value: "0".into(), allowed: "an integer >= 1" });
        }
        if rates.len() != n {
            return Err(AmmError::InvalidParameter {
                name: "p",
                value: format!("{} entries", rates.len()),
                allowed: "one rate per coin",
            });
        }
        if let Some(k) = rates.iter().position(Zero::is_zero) {
            return Err(AmmError::InvalidParameter {
                name: "p",
                value: format!("0 at index {k}"),
                allowed: "> 0 (10**18 = 1)",
            });
        }
        Ok(())
    }

    /// Sets the fee in units of `1e-10` (the reference's `self.fee`), `< 10**10`.
    pub fn set_fee(&mut self, fee: u64) -> Result<()> {
        if fee >= Self::FEE_DENOMINATOR {
            return Err(AmmError::InvalidParameter {
                name: "fee",
                value: fee.to_string(),
                allowed: "in 0..10**10 (units of 1e-10)",
            });
        }
        self.fee = fee;
        Ok(())
    }

    /// The amplification `A` (the math uses `A * n`).
    pub fn a(&self) -> u64 {
        self.a
    }

    /// Number of coins.
    pub fn n(&self) -> usize {
        self.x.len()
    }

    /// Fee in units of `1e-10`.
    pub fn fee(&self) -> u64 {
        self.fee
    }

    /// The rate multipliers `p` (1e18 = 1).
    pub fn rates(&self) -> Vec<BigUint> {
        self.p.iter().map(to_unsigned).collect()
    }

    /// The balances `x`, in each coin's own integer units.
    pub fn balances(&self) -> Vec<BigUint> {
        self.x.iter().map(to_unsigned).collect()
    }

    /// `xp()`: balances in 18-decimal underlying units, `x * p // 10**18`.
    pub fn xp(&self) -> Vec<BigUint> {
        self.xp_int().iter().map(to_unsigned).collect()
    }

    fn xp_int(&self) -> Vec<BigInt> {
        let prec = precision();
        self.x.iter().zip(&self.p).map(|(x, p)| x * p / &prec).collect()
    }

    fn n_int(&self) -> BigInt {
        BigInt::from(self.n())
    }

    fn ann(&self) -> BigInt {
        BigInt::from(self.a) * self.n_int()
    }

    /// `D()`: the invariant by the reference's iteration (stops when `|D - Dprev| <= 1`).
    pub fn d(&self) -> Result<BigUint> {
        self.d_int().map(|d| to_unsigned(&d))
    }

    fn d_int(&self) -> Result<BigInt> {
        let xp = self.xp_int();
        let n = self.n_int();
        let s: BigInt = xp.iter().sum();
        let ann = self.ann();
        let one = BigInt::one();
        let mut d_prev = BigInt::zero();
        let mut d = s.clone();
        let mut iterations = 0;
        while (&d - &d_prev).abs() > one {
            iterations += 1;
            if iterations > MAX_ITERATIONS {
                return Err(AmmError::DidNotConverge { what: "StableSwapInt D", iterations });
            }
            let mut d_p = d.clone();
            for x in &xp {
                d_p = floor_div(&(&d_p * &d), &(&n * x))?;
            }
            d_prev = d.clone();
            d = floor_div(&((&ann * &s + &d_p * &n) * &d), &((&ann - &one) * &d + (&n + &one) * &d_p))?;
        }
        Ok(d)
    }

    /// `y(i, j, x)`: coin `j`'s balance (underlying units) if coin `i`'s became `x`
    /// (underlying units), `D` fixed.
    pub fn y(&self, i: usize, j: usize, x: &BigUint) -> Result<BigUint> {
        check_pair(i, j, self.n())?;
        self.y_int(i, j, &BigInt::from(x.clone())).map(|y| to_unsigned(&y))
    }

    fn y_int(&self, i: usize, j: usize, x: &BigInt) -> Result<BigInt> {
        let d = self.d_int()?;
        let mut xx = self.xp_int();
        xx[i] = x.clone();
        let xx: Vec<BigInt> = xx.into_iter().enumerate().filter(|&(k, _)| k != j).map(|(_, v)| v).collect();
        let n = self.n_int();
        let ann = self.ann();
        let mut c = d.clone();
        for y in &xx {
            c = floor_div(&(&c * &d), &(y * &n))?;
        }
        c = floor_div(&(&c * &d), &(&n * &ann))?;
        let b = xx.iter().sum::<BigInt>() + floor_div(&d, &ann)? - &d;
        let one = BigInt::one();
        let two = BigInt::from(2);
        let mut y_prev = BigInt::zero();
        let mut y = d;
        let mut iterations = 0;
        while (&y - &y_prev).abs() > one {
            iterations += 1;
            if iterations > MAX_ITERATIONS {
                return Err(AmmError::DidNotConverge { what: "StableSwapInt y", iterations });
            }
            y_prev = y.clone();
            y = floor_div(&(&y * &y + &c), &(&two * &y + &b))?;
        }
        Ok(y)
    }

    /// `dy(i, j, dx)`: `xp[j] - y(i, j, xp[i] + dx)`, before fee, underlying units. Signed as in
    /// Python: rounding makes it `-1` or `0` for a zero or dust `dx`.
    pub fn dy(&self, i: usize, j: usize, dx: &BigUint) -> Result<BigInt> {
        check_pair(i, j, self.n())?;
        let xp = self.xp_int();
        let y = self.y_int(i, j, &(&xp[i] + BigInt::from(dx.clone())))?;
        Ok(&xp[j] - y)
    }

    /// `exchange(i, j, dx)`: trades `dx` (underlying units) of coin `i`, keeps the fee
    /// `dy * fee // 10**10` in the pool (`x[j] = (y + fee) * 10**18 // p[j]`) and returns
    /// `dy - fee` (underlying units).
    pub fn exchange(&mut self, i: usize, j: usize, dx: &BigUint) -> Result<BigUint> {
        check_pair(i, j, self.n())?;
        let xp = self.xp_int();
        let x = &xp[i] + BigInt::from(dx.clone());
        let y = self.y_int(i, j, &x)?;
        let dy = &xp[j] - &y;
        let fee = floor_div(&(&dy * BigInt::from(self.fee)), &BigInt::from(Self::FEE_DENOMINATOR))?;
        if !dy.is_positive() {
            return Err(AmmError::InvalidParameter {
                name: "dx",
                value: dx.to_string(),
                allowed: "large enough that dy > 0 (the reference asserts it)",
            });
        }
        let prec = precision();
        self.x[i] = floor_div(&(&x * &prec), &self.p[i])?;
        self.x[j] = floor_div(&((&y + &fee) * &prec), &self.p[j])?;
        Ok(to_unsigned(&(dy - fee)))
    }

    /// The same pool as an `f64` [`StableSwap`]: `amp = A`, `fee / 10**10`, and, so that the
    /// `f64` pool's invariant units are the underlying units divided by `10**18`, balances
    /// `x / 10**18` and rates `p / 10**18`.
    pub fn to_f64(&self) -> Result<StableSwap> {
        let scaled = |v: &BigInt| v.to_f64().unwrap_or(f64::INFINITY) / 1e18;
        StableSwap::with_rates(
            self.a as f64,
            self.fee as f64 / Self::FEE_DENOMINATOR as f64,
            self.x.iter().map(scaled).collect(),
            self.p.iter().map(scaled).collect(),
        )
    }
}

/// Python's `a // b`: the quotient rounded toward minus infinity.
fn floor_div(a: &BigInt, b: &BigInt) -> Result<BigInt> {
    if b.is_zero() {
        return Err(AmmError::NumericalRange { what: "StableSwapInt (division by zero)" });
    }
    let q = a / b; // truncates toward zero
    let r = a - &q * b;
    if !r.is_zero() && (r.sign() == Sign::Minus) != (b.sign() == Sign::Minus) { Ok(q - 1) } else { Ok(q) }
}

/// Values the reference keeps non-negative (balances, `D`, `y`), as `BigUint`.
fn to_unsigned(v: &BigInt) -> BigUint {
    v.to_biguint().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(v: i64) -> BigInt {
        BigInt::from(v)
    }

    #[test]
    fn floor_div_is_pythons() {
        // Python: 7 // 2 = 3, -7 // 2 = -4, 7 // -2 = -4, -7 // -2 = 3, -6 // 2 = -3
        for (a, b, q) in [(7, 2, 3), (-7, 2, -4), (7, -2, -4), (-7, -2, 3), (-6, 2, -3), (0, 5, 0)] {
            assert_eq!(floor_div(&int(a), &int(b)).unwrap(), int(q), "{a} // {b}");
        }
        assert!(floor_div(&int(1), &int(0)).is_err());
    }

    #[test]
    fn constructor_mirrors_scalar_deposit() {
        // Curve(A, D=3 * 10**18 + 2, n=3, p=[10**18, 10**30, 2 * 10**18]):
        // x = [D // 3 * 10**18 // p] = [10**18, 10**6, 5 * 10**17]
        let e18 = BigUint::from(10u64.pow(18));
        let rates = vec![e18.clone(), BigUint::from(10u128.pow(30)), &e18 * 2u32];
        let d = &e18 * 3u32 + 2u32;
        let pool = StableSwapInt::from_total_deposit(100, &d, 3, Some(rates)).unwrap();
        let expected: Vec<BigUint> = vec![e18.clone(), BigUint::from(10u64.pow(6)), &e18 / 2u32];
        assert_eq!(pool.balances(), expected);
        assert_eq!(pool.xp(), vec![e18.clone(), e18.clone(), e18]);
    }

    #[test]
    fn rejects_bad_input() {
        let one = BigUint::from(10u64.pow(18));
        assert!(StableSwapInt::new(0, vec![one.clone(), one.clone()]).is_err());
        assert!(StableSwapInt::new(10, vec![one.clone()]).is_err());
        assert!(StableSwapInt::new(10, vec![one.clone(), BigUint::zero()]).is_err());
        let mut p = StableSwapInt::new(10, vec![one.clone(), one.clone()]).unwrap();
        assert!(p.set_fee(StableSwapInt::FEE_DENOMINATOR).is_err());
        assert!(p.exchange(0, 2, &one).is_err());
        assert!(p.exchange(1, 1, &one).is_err());
        let before = p.clone();
        assert!(p.exchange(0, 1, &BigUint::zero()).is_err());
        assert_eq!(p, before);
    }
}
