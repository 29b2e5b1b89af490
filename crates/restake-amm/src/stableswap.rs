//! Curve StableSwap in `f64`, for any number of coins.
//!
//! Conventions (those of `curvefi/curve-contract`, `tests/simulation.py` and the Vyper pools):
//!
//! * `amp` is the `A` a pool reports on chain; the math uses `Ann = A * n`, which is the
//!   whitepaper's `A * n^(n-1)` times `n`. The invariant is
//!   `Ann * S + D = Ann * D + D^(n+1) / (n^n * prod(x))`, with `S = sum(x)`.
//! * Balances are in token units; `rates` (default 1.0) convert them to the common unit the
//!   invariant is written in, `xp_k = balance_k * rate_k` (the reference's `p / 1e18`: token
//!   decimals and, for LST/LRT pools with a rate oracle, the exchange rate).
//! * The fee is a fraction charged on the output. It is not paid out: the pool keeps it, so the
//!   output coin's balance falls only by what the trader receives, and `D` grows with every
//!   trade. That growth is how LPs are paid ([`StableSwap::virtual_price`] rises). Curve's
//!   on-chain admin-fee share is not modelled (the reference does not model it either).

use crate::error::{AmmError, Result, check_amount, check_balances, check_fee, check_pair, check_positive, pro_rata};
use crate::pool::{Swap, forward_amm};

/// Iteration budget of every Newton loop (Curve's contracts use 255 too).
const MAX_ITERATIONS: usize = 255;
/// Newton loops stop when a step is below this fraction of the iterate. The iterations converge
/// quadratically, so the returned value is then accurate to a few ulps, far inside the 1e-12
/// agreement with the integer reference that the tests demand.
const NEWTON_REL_TOL: f64 = 1e-14;
/// [`StableSwap::dx_for_target_price`] stops when `|ln(price) - ln(target)|` is below this.
const PRICE_LOG_TOL: f64 = 1e-13;

/// A Curve StableSwap pool in `f64` (see the module docs for conventions).
///
/// The invariant `D` is cached and recomputed after every mutation, so quotes and prices cost
/// `O(n)` without an iteration.
#[derive(Clone, Debug)]
pub struct StableSwap {
    amp: f64,
    fee: f64,
    balances: Vec<f64>,
    rates: Vec<f64>,
    lp_supply: f64,
    /// Invariant of `balances * rates` at `amp`; always in sync with them.
    d: f64,
}

/// Result of solving the invariant for a trade, before it is applied.
struct Trade {
    /// Output to the trader after fee, token units of `j`.
    dy: f64,
    /// Fee kept by the pool, token units of `j`.
    fee: f64,
    /// New balance of `i`, token units.
    new_i: f64,
    /// New balance of `j` (the pool keeps the fee), token units.
    new_j: f64,
}

impl StableSwap {
    /// A pool whose coins are all worth one unit of the invariant (`rates` all 1.0), as for
    /// LST/ETH or LRT/ETH pools without a rate oracle.
    ///
    /// `amp`: on-chain `A`, `> 0`. `fee`: fraction in `[0, 1)`. `balances`: at least two,
    /// each finite and `> 0`. The LP supply starts at `D`, as Curve mints on the first deposit.
    pub fn new(amp: f64, fee: f64, balances: Vec<f64>) -> Result<Self> {
        let n = balances.len();
        Self::with_rates(amp, fee, balances, vec![1.0; n])
    }

    /// A pool with rate multipliers: coin `k` is worth `rates[k]` units of the invariant
    /// (Curve's `p / 1e18`, e.g. the wstETH/stETH exchange rate in a rate-oracle pool).
    pub fn with_rates(amp: f64, fee: f64, balances: Vec<f64>, rates: Vec<f64>) -> Result<Self> {
        if balances.len() < 2 {
            return Err(AmmError::InvalidParameter {
                name: "balances",
                value: format!("{} coins", balances.len()),
                allowed: "at least 2 coins",
            });
        }
        if rates.len() != balances.len() {
            return Err(AmmError::InvalidParameter {
                name: "rates",
                value: format!("{} entries", rates.len()),
                allowed: "one rate per coin",
            });
        }
        check_positive("amp", amp)?;
        check_fee(fee)?;
        check_balances("balances", &balances)?;
        check_balances("rates", &rates)?;
        let d = compute_d(amp * balances.len() as f64, &balances, &rates)?;
        Ok(Self { amp, fee, balances, rates, lp_supply: d, d })
    }

    /// Number of coins.
    pub fn n(&self) -> usize {
        self.balances.len()
    }

    /// The on-chain amplification `A` (the math uses `A * n`).
    pub fn amp(&self) -> f64 {
        self.amp
    }

    /// Swap fee as a fraction of the output.
    pub fn fee(&self) -> f64 {
        self.fee
    }

    /// Balances in token units.
    pub fn balances(&self) -> &[f64] {
        &self.balances
    }

    /// Rate multipliers (units of the invariant per token).
    pub fn rates(&self) -> &[f64] {
        &self.rates
    }

    /// Outstanding LP shares.
    pub fn lp_supply(&self) -> f64 {
        self.lp_supply
    }

    /// The invariant `D`, in units of the invariant (`sum(balance * rate)` when balanced).
    pub fn invariant_d(&self) -> f64 {
        self.d
    }

    /// `D` per LP share, Curve's `get_virtual_price` (without its 1e18 scaling): starts at 1
    /// and grows with the fees the pool keeps. A fair value of one LP share when all coins
    /// trade at their rates.
    pub fn virtual_price(&self) -> f64 {
        self.d / self.lp_supply
    }

    fn ann(&self) -> f64 {
        self.amp * self.n() as f64
    }

    /// Changes `A` (as Curve's ramping does, here instantaneously). `D` is recomputed; LP
    /// supply is not touched, so the virtual price moves with `D`.
    pub fn set_amp(&mut self, amp: f64) -> Result<()> {
        check_positive("amp", amp)?;
        self.d = compute_d(amp * self.n() as f64, &self.balances, &self.rates)?;
        self.amp = amp;
        Ok(())
    }

    /// Changes the fee (fraction in `[0, 1)`).
    pub fn set_fee(&mut self, fee: f64) -> Result<()> {
        check_fee(fee)?;
        self.fee = fee;
        Ok(())
    }

    /// Updates the rate multipliers (e.g. a rate oracle after rewards or a slash) and `D`.
    pub fn set_rates(&mut self, rates: Vec<f64>) -> Result<()> {
        if rates.len() != self.n() {
            return Err(AmmError::InvalidParameter {
                name: "rates",
                value: format!("{} entries", rates.len()),
                allowed: "one rate per coin",
            });
        }
        check_balances("rates", &rates)?;
        self.d = compute_d(self.ann(), &self.balances, &rates)?;
        self.rates = rates;
        Ok(())
    }

    /// New balance of coin `j` if coin `i`'s balance became `x_new` (token units) with `D`
    /// held fixed: the reference's `y(i, j, x)`, solved with the same Newton iteration
    /// `y <- (y^2 + c) / (2y + b)` started at `D`. No fee is involved.
    pub fn get_y(&self, i: usize, j: usize, x_new: f64) -> Result<f64> {
        check_pair(i, j, self.n())?;
        check_positive("x_new", x_new)?;
        let n = self.n() as f64;
        let ann = self.ann();
        let d = self.d;
        let mut c = d;
        let mut s = 0.0;
        for k in (0..self.n()).filter(|&k| k != j) {
            let xk = if k == i { x_new * self.rates[i] } else { self.balances[k] * self.rates[k] };
            s += xk;
            c = c * d / (xk * n);
        }
        c = c * d / (n * ann);
        let b = s + d / ann - d;
        let mut y = d;
        for _ in 0..MAX_ITERATIONS {
            let y_prev = y;
            y = (y * y + c) / (2.0 * y + b);
            if !(y.is_finite() && y > 0.0) {
                return Err(AmmError::NumericalRange { what: "StableSwap y" });
            }
            if (y - y_prev).abs() <= NEWTON_REL_TOL * y {
                return Ok(y / self.rates[j]);
            }
        }
        Err(AmmError::DidNotConverge { what: "StableSwap y", iterations: MAX_ITERATIONS })
    }

    /// Solves the trade without applying it.
    fn trade(&self, i: usize, j: usize, dx: f64) -> Result<Trade> {
        let (delta, y) = solve_out(self.ann(), self.d, &self.balances, &self.rates, i, j, dx * self.rates[i])?;
        if y.is_nan() || y <= 0.0 {
            return Err(AmmError::InsufficientLiquidity {
                reason: format!("selling {dx} of coin {i} would drain coin {j}"),
            });
        }
        // A trade too small to move the f64 balances can round to a tiny negative output.
        let delta = delta.max(0.0);
        let fee_xp = delta * self.fee;
        let r_j = self.rates[j];
        Ok(Trade {
            dy: (delta - fee_xp) / r_j,
            fee: fee_xp / r_j,
            new_i: self.balances[i] + dx,
            // As the reference: x[j] = y + fee, the fee stays in the pool.
            new_j: (y + fee_xp) / r_j,
        })
    }

    /// Output of coin `j` (token units, after fee) for `dx` of coin `i`. A quote.
    ///
    /// Computed as the difference `x_j - y` solved directly (see [`solve_out`]), not by
    /// subtracting two nearly equal balances, so small trades keep full relative precision.
    pub fn get_dy(&self, i: usize, j: usize, dx: f64) -> Result<f64> {
        check_pair(i, j, self.n())?;
        check_amount("dx", dx)?;
        Ok(self.trade(i, j, dx)?.dy)
    }

    /// Input of coin `i` needed to receive exactly `dy` of coin `j` after the fee.
    pub fn get_dx(&self, i: usize, j: usize, dy: f64) -> Result<f64> {
        check_pair(i, j, self.n())?;
        check_amount("dy", dy)?;
        let dy_before_fee = dy * self.rates[j] / (1.0 - self.fee);
        if dy_before_fee >= self.balances[j] * self.rates[j] {
            return Err(AmmError::InsufficientLiquidity {
                reason: format!(
                    "{dy} of coin {j} after a {} fee needs more than the pool's balance {}",
                    self.fee, self.balances[j]
                ),
            });
        }
        // Same quadratic with the roles swapped: coin j shrinks, solve for coin i's change.
        let (delta_i, _) = solve_out(self.ann(), self.d, &self.balances, &self.rates, j, i, -dy_before_fee)?;
        Ok((-delta_i).max(0.0) / self.rates[i])
    }

    /// Swaps `dx` of coin `i` for coin `j`. The trader receives `Swap::dy`; the fee
    /// (`Swap::fee`, in coin `j`) stays in the pool and raises `D`. On error the pool is
    /// unchanged.
    pub fn exchange(&mut self, i: usize, j: usize, dx: f64) -> Result<Swap> {
        check_pair(i, j, self.n())?;
        check_amount("dx", dx)?;
        let t = self.trade(i, j, dx)?;
        let (old_i, old_j) = (self.balances[i], self.balances[j]);
        self.balances[i] = t.new_i;
        self.balances[j] = t.new_j;
        match compute_d_near(self.ann(), &self.balances, &self.rates, self.d) {
            Ok(d) => self.d = d,
            Err(e) => {
                self.balances[i] = old_i;
                self.balances[j] = old_j;
                return Err(e);
            }
        }
        Ok(Swap { dy: t.dy, fee: t.fee, fee_coin: j })
    }

    /// Marginal price at zero size, before fee: units of `j` received per unit of `i`.
    ///
    /// By implicit differentiation of the invariant `F(x) = 0` with `D` fixed,
    /// `dx_j/dx_i = -F_i/F_j` with `F_k = Ann + P / x_k`, `P = D^(n+1) / (n^n prod x)`;
    /// converted from invariant units to token units by `rate_i / rate_j`.
    pub fn spot_price(&self, i: usize, j: usize) -> Result<f64> {
        check_pair(i, j, self.n())?;
        Ok(spot(self.ann(), self.d, &self.balances, &self.rates, i, j))
    }

    /// Marginal price a trader gets at zero size: `spot_price * (1 - fee)`.
    pub fn spot_price_after_fee(&self, i: usize, j: usize) -> Result<f64> {
        Ok(self.spot_price(i, j)? * (1.0 - self.fee))
    }

    /// `ln(spot_price(i, j))` after `exchange(i, j, dx)`, without mutating; `None` if that
    /// state is degenerate (drained, or beyond f64), which the caller treats as overshoot.
    fn log_price_after(&self, i: usize, j: usize, dx: f64, scratch: &mut [f64]) -> Option<f64> {
        let t = self.trade(i, j, dx).ok()?;
        scratch.copy_from_slice(&self.balances);
        scratch[i] = t.new_i;
        scratch[j] = t.new_j;
        let ann = self.ann();
        let d = compute_d_near(ann, scratch, &self.rates, self.d).ok()?;
        let p = spot(ann, d, scratch, &self.rates, i, j);
        (p.is_finite() && p > 0.0).then(|| p.ln())
    }

    /// Input of coin `i` whose [`StableSwap::exchange`] leaves `spot_price(i, j)` at `target`
    /// (the fee kept in the pool is accounted for). Returns 0 if the price is already at or
    /// below `target`.
    ///
    /// The post-trade price falls monotonically with `dx` and tends to 0, so any `target > 0`
    /// is reachable: the root is bracketed by growing `dx` geometrically from the balance of
    /// `i`, then found by the Illinois variant of regula falsi on `ln(price) - ln(target)`.
    /// Tolerance: the post-trade price is within 1e-13 relative of `target` (or the bracket
    /// has shrunk to a few ulps of `dx`).
    pub fn dx_for_target_price(&self, i: usize, j: usize, target: f64) -> Result<f64> {
        check_pair(i, j, self.n())?;
        check_positive("target", target)?;
        let p0 = self.spot_price(i, j)?;
        if target >= p0 {
            return Ok(0.0);
        }
        let ln_target = target.ln();
        // Scratch balances on the stack for pools of up to 8 coins: no allocation per solve.
        let (mut stack, mut heap) = ([0.0f64; 8], Vec::new());
        let scratch: &mut [f64] = if self.n() <= 8 {
            &mut stack[..self.n()]
        } else {
            heap.extend_from_slice(&self.balances);
            &mut heap
        };
        let mut f = |dx: f64| self.log_price_after(i, j, dx, scratch).map(|lp| lp - ln_target);
        solve_decreasing(&mut f, p0.ln() - ln_target, self.balances[i])
    }

    /// Deposits every coin pro rata and mints `lp_amount` shares; returns the deposits.
    ///
    /// Only the balanced form is modelled: it is what keeps the pool's prices unchanged and
    /// needs no imbalance fee. Curve's imbalanced `add_liquidity` (which charges a fee on the
    /// imbalance) is not.
    pub fn add_liquidity_balanced(&mut self, lp_amount: f64) -> Result<Vec<f64>> {
        let amounts = pro_rata(&self.balances, self.lp_supply, lp_amount, false)?;
        let new: Vec<f64> = self.balances.iter().zip(&amounts).map(|(b, a)| b + a).collect();
        check_balances("balances after deposit", &new)?;
        self.d = compute_d(self.ann(), &new, &self.rates)?;
        self.balances = new;
        self.lp_supply += lp_amount;
        Ok(amounts)
    }

    /// Burns `lp_amount` shares for a pro-rata share of every balance; returns the withdrawals.
    /// Burning all shares is refused: this model has no empty pools. Single-coin withdrawals
    /// (`remove_liquidity_one_coin`) are not modelled; sell the coins instead.
    pub fn remove_liquidity_balanced(&mut self, lp_amount: f64) -> Result<Vec<f64>> {
        let amounts = pro_rata(&self.balances, self.lp_supply, lp_amount, true)?;
        let new: Vec<f64> = self.balances.iter().zip(&amounts).map(|(b, a)| b - a).collect();
        check_balances("balances after withdrawal", &new)?;
        self.d = compute_d(self.ann(), &new, &self.rates)?;
        self.balances = new;
        self.lp_supply -= lp_amount;
        Ok(amounts)
    }
    /// Takes `fraction` of every balance without burning LP shares (see [`crate::Amm::drain`]).
    pub fn drain(&mut self, fraction: f64) -> Result<Vec<f64>> {
        if !(0.0..1.0).contains(&fraction) {
            return Err(AmmError::InvalidParameter {
                name: "fraction",
                value: fraction.to_string(),
                allowed: "in [0, 1)",
            });
        }
        let shares = self.lp_supply;
        let taken = self.remove_liquidity_balanced(shares * fraction)?;
        self.lp_supply = shares;
        Ok(taken)
    }

    /// Adds `fraction` of every balance without minting LP shares (see [`crate::Amm::donate`]).
    pub fn donate(&mut self, fraction: f64) -> Result<Vec<f64>> {
        if !(fraction >= 0.0 && fraction.is_finite()) {
            return Err(AmmError::InvalidParameter { name: "fraction", value: fraction.to_string(), allowed: ">= 0" });
        }
        let shares = self.lp_supply;
        let added = self.add_liquidity_balanced(shares * fraction)?;
        self.lp_supply = shares;
        Ok(added)
    }
}

forward_amm!(StableSwap);

/// The invariant `D` by the reference's Newton iteration, started at `S = sum(xp)`:
/// `D <- (Ann S + n D_P) D / ((Ann - 1) D + (n + 1) D_P)`, `D_P = D^(n+1) / (n^n prod xp)`.
fn compute_d(ann: f64, balances: &[f64], rates: &[f64]) -> Result<f64> {
    let s = sum_xp(balances, rates);
    newton_d(ann, balances, rates, s, s, MAX_ITERATIONS)
}

/// The invariant for balances a trade moved from a pool whose invariant was `d_near`: the same
/// Newton iteration started there (a trade changes `D` only by the fee it leaves, so it
/// converges in a step or two instead of the many from `S`), falling back to the reference's
/// start at `S` if it does not settle within a few iterations.
fn compute_d_near(ann: f64, balances: &[f64], rates: &[f64], d_near: f64) -> Result<f64> {
    if d_near.is_finite() && d_near > 0.0 {
        if let Ok(d) = newton_d(ann, balances, rates, sum_xp(balances, rates), d_near, 8) {
            return Ok(d);
        }
    }
    compute_d(ann, balances, rates)
}

/// `sum(xp)`: the balances at their rates.
fn sum_xp(balances: &[f64], rates: &[f64]) -> f64 {
    balances.iter().zip(rates).map(|(b, r)| b * r).sum()
}

/// At most `iterations` of the invariant's Newton iteration from `d` (`s` = `sum(xp)`), until
/// successive values agree to `NEWTON_REL_TOL`.
fn newton_d(ann: f64, balances: &[f64], rates: &[f64], s: f64, mut d: f64, iterations: usize) -> Result<f64> {
    let n = balances.len() as f64;
    for _ in 0..iterations {
        let d_p = p_term(d, balances, rates);
        let d_prev = d;
        d = (ann * s + d_p * n) * d / ((ann - 1.0) * d + (n + 1.0) * d_p);
        if !(d.is_finite() && d > 0.0) {
            return Err(AmmError::NumericalRange { what: "StableSwap D" });
        }
        if (d - d_prev).abs() <= NEWTON_REL_TOL * d {
            return Ok(d);
        }
    }
    Err(AmmError::DidNotConverge { what: "StableSwap D", iterations })
}

/// `D^(n+1) / (n^n prod xp)`, accumulated factor by factor as the reference does to keep the
/// intermediate values in range.
fn p_term(d: f64, balances: &[f64], rates: &[f64]) -> f64 {
    let n = balances.len() as f64;
    balances.iter().zip(rates).fold(d, |acc, (b, r)| acc * d / (n * b * r))
}

/// Marginal price of `i` in `j` (token units) at the state `(balances, d)`.
fn spot(ann: f64, d: f64, balances: &[f64], rates: &[f64], i: usize, j: usize) -> f64 {
    let p = p_term(d, balances, rates);
    let (x_i, x_j) = (balances[i] * rates[i], balances[j] * rates[j]);
    (ann + p / x_i) / (ann + p / x_j) * (rates[i] / rates[j])
}

/// Solves the invariant (at fixed `D`) when coin `i` changes by `delta_in` (invariant units,
/// either sign, `x_i + delta_in > 0`): returns `(x_j - y, y)`, the decrease of coin `j` and its
/// new balance, both in invariant units.
///
/// With all balances but `j` fixed, the invariant is the reference's quadratic
/// `y^2 + b y = c`. Because the current `x_j` solves the quadratic before the trade, the
/// change `delta = x_j - y` solves `delta^2 - B delta + C = 0` with
/// `B = 2 x_j + b'` and `C = delta_in (x_j + c / (x_i + delta_in))` (`b'`, `c` as in the
/// reference, `c` with the old `x_i`). Its smaller root, taken in the cancellation-free form
/// `2C / (B + sqrt(B^2 - 4C))`, keeps full relative precision for tiny trades, where
/// `x_j - y` would lose up to all its digits. The new balance `y` is `x_j - delta` when that
/// subtraction is benign, and otherwise the stable root of the original quadratic.
fn solve_out(
    ann: f64,
    d: f64,
    balances: &[f64],
    rates: &[f64],
    i: usize,
    j: usize,
    delta_in: f64,
) -> Result<(f64, f64)> {
    let n = balances.len() as f64;
    let x_i = balances[i] * rates[i];
    let x_j = balances[j] * rates[j];
    let x_i_new = x_i + delta_in;
    if x_i_new.is_nan() || x_i_new <= 0.0 {
        return Err(AmmError::InsufficientLiquidity {
            reason: format!("the trade would take coin {i}'s whole balance"),
        });
    }
    let mut c = d;
    let mut s = 0.0;
    for (k, (b, r)) in balances.iter().zip(rates).enumerate() {
        let xk = b * r;
        s += xk;
        if k != j {
            c = c * d / (xk * n);
        }
    }
    c = c * d / (n * ann);
    // B = 2 x_j + (S - x_j + delta_in) + D/Ann - D, grouped so that S - D (small for a
    // balanced pool) is formed first.
    let big_b = x_j + (s - d) + delta_in + d / ann;
    let big_c = delta_in * (x_j + c / x_i_new);
    let root = (big_b * big_b - 4.0 * big_c).max(0.0).sqrt();
    let delta = if big_b > 0.0 { 2.0 * big_c / (big_b + root) } else { (big_b - root) / 2.0 };
    let y = if delta <= 0.5 * x_j {
        x_j - delta
    } else {
        let c_new = c * (x_i / x_i_new);
        let b_new = (s - x_j) + delta_in + d / ann - d;
        let root = (b_new * b_new + 4.0 * c_new).sqrt();
        if b_new >= 0.0 { 2.0 * c_new / (b_new + root) } else { (root - b_new) / 2.0 }
    };
    if !(delta.is_finite() && y.is_finite()) {
        return Err(AmmError::NumericalRange { what: "StableSwap trade" });
    }
    Ok((delta, y))
}

/// Finds `dx > 0` with `f(dx) = 0` for a decreasing `f` with `f(0) = f0 > 0`; `f` returns
/// `None` where it cannot be evaluated, which only happens far beyond the root (overshoot).
/// `scale` is a natural first guess for the bracket (the balance of the coin sold).
fn solve_decreasing(f: &mut impl FnMut(f64) -> Option<f64>, f0: f64, scale: f64) -> Result<f64> {
    const WHAT: &str = "dx_for_target_price";
    // Bracket: a has f > 0, b has f <= 0 (or is unevaluable, stored as NaN).
    let (mut a, mut fa) = (0.0, f0);
    // First guess: twice the root of the tangent at a small probe (ln price is close to linear
    // in dx for trades small against the pool), never beyond `scale`.
    let probe = scale * 1e-6;
    let mut b = match f(probe) {
        Some(v) if v.abs() <= PRICE_LOG_TOL => return Ok(probe),
        Some(v) if v > 0.0 && v < f0 => {
            (a, fa) = (probe, v);
            (2.0 * probe * f0 / (f0 - v)).clamp(2.0 * probe, scale)
        }
        _ => scale,
    };
    let mut fb = loop {
        match f(b) {
            Some(v) if v.abs() <= PRICE_LOG_TOL => return Ok(b),
            Some(v) if v > 0.0 => {
                (a, fa) = (b, v);
                b *= 4.0;
                if !b.is_finite() || b > scale * 1e60 {
                    return Err(AmmError::DidNotConverge { what: WHAT, iterations: 0 });
                }
            }
            Some(v) => break v,
            None => break f64::NAN,
        }
    };
    let mut side = 0i8;
    for _ in 0..MAX_ITERATIONS {
        // Regula falsi when both ends are evaluable and it lands inside, else bisection.
        let falsi = b - fb * (b - a) / (fb - fa);
        let c = if fb.is_finite() && falsi > a && falsi < b { falsi } else { 0.5 * (a + b) };
        match f(c) {
            Some(v) if v.abs() <= PRICE_LOG_TOL => return Ok(c),
            Some(v) if v > 0.0 => {
                (a, fa) = (c, v);
                if side == 1 {
                    fb *= 0.5; // Illinois: stop the stale end from pinning the secant
                }
                side = 1;
            }
            Some(v) => {
                (b, fb) = (c, v);
                if side == -1 {
                    fa *= 0.5;
                }
                side = -1;
            }
            None => {
                (b, fb) = (c, f64::NAN);
                side = 0;
            }
        }
        if b - a <= 4.0 * f64::EPSILON * b {
            // The price cannot be resolved finer than an ulp of dx: return the better end.
            return Ok(if fb.is_finite() && fb.abs() < fa.abs() { b } else { a });
        }
    }
    Err(AmmError::DidNotConverge { what: WHAT, iterations: MAX_ITERATIONS })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(a: f64, b: f64) -> f64 {
        ((a - b) / b).abs()
    }

    #[test]
    fn balanced_pool_has_d_equal_to_sum_and_unit_price() {
        let p = StableSwap::new(100.0, 0.0004, vec![500.0, 500.0, 500.0]).unwrap();
        assert!(rel(p.invariant_d(), 1500.0) < 1e-15);
        assert!(rel(p.spot_price(0, 2).unwrap(), 1.0) < 1e-15);
        assert!(rel(p.virtual_price(), 1.0) < 1e-15);
    }

    #[test]
    fn rejects_bad_input_without_panicking() {
        assert!(StableSwap::new(0.0, 0.0, vec![1.0, 1.0]).is_err());
        assert!(StableSwap::new(10.0, 1.0, vec![1.0, 1.0]).is_err());
        assert!(StableSwap::new(10.0, 0.0, vec![1.0]).is_err());
        assert!(StableSwap::new(10.0, 0.0, vec![1.0, 0.0]).is_err());
        assert!(StableSwap::new(10.0, 0.0, vec![1.0, f64::INFINITY]).is_err());
        assert!(StableSwap::with_rates(10.0, 0.0, vec![1.0, 1.0], vec![1.0]).is_err());
        let mut p = StableSwap::new(10.0, 0.001, vec![1.0, 2.0]).unwrap();
        assert!(p.get_dy(0, 2, 1.0).is_err());
        assert!(p.get_dy(0, 0, 1.0).is_err());
        assert!(p.get_dy(0, 1, -1.0).is_err());
        assert!(p.exchange(0, 1, f64::NAN).is_err());
        assert!(p.get_dx(0, 1, 2.0).is_err());
        assert!(p.dx_for_target_price(0, 1, 0.0).is_err());
        assert!(p.remove_liquidity_balanced(p.lp_supply()).is_err());
        assert!(p.set_fee(-0.1).is_err());
        assert_eq!(p.balances(), &[1.0, 2.0]);
    }

    #[test]
    fn get_y_matches_trade_solution() {
        let p = StableSwap::new(50.0, 0.0, vec![111_300.0, 491_000.0]).unwrap();
        let y = p.get_y(1, 0, 491_000.0 + 10_000.0).unwrap();
        let dy = p.get_dy(1, 0, 10_000.0).unwrap();
        assert!(rel(111_300.0 - y, dy) < 1e-12, "{} vs {dy}", 111_300.0 - y);
    }

    #[test]
    fn get_dx_inverts_get_dy() {
        let p = StableSwap::with_rates(200.0, 0.0004, vec![1e6, 2e6, 5e5], vec![1.0, 1.02, 0.97]).unwrap();
        for &dy in &[1e-3, 1.0, 1e4, 4e5] {
            let dx = p.get_dx(2, 0, dy).unwrap();
            assert!(rel(p.get_dy(2, 0, dx).unwrap(), dy) < 1e-12);
        }
    }

    #[test]
    fn liquidity_is_pro_rata_and_keeps_prices() {
        let mut p = StableSwap::new(50.0, 0.0004, vec![100.0, 300.0]).unwrap();
        let price = p.spot_price(1, 0).unwrap();
        let lp = p.lp_supply();
        let dep = p.add_liquidity_balanced(lp * 0.5).unwrap();
        assert!(rel(dep[0], 50.0) < 1e-15 && rel(dep[1], 150.0) < 1e-15);
        assert!(rel(p.spot_price(1, 0).unwrap(), price) < 1e-14);
        let out = p.remove_liquidity_balanced(lp * 0.75).unwrap();
        assert!(rel(out[0], 75.0) < 1e-14 && rel(out[1], 225.0) < 1e-14);
        assert!(rel(p.virtual_price(), 1.0) < 1e-14);
    }

    #[test]
    fn rates_scale_prices() {
        // A coin worth 1.1 units trades at 1.1 per unit in a balanced (in value) pool.
        let p = StableSwap::with_rates(100.0, 0.0, vec![1000.0, 1100.0], vec![1.1, 1.0]).unwrap();
        assert!(rel(p.spot_price(0, 1).unwrap(), 1.1) < 1e-14);
        assert!(rel(p.get_dy(0, 1, 1e-6).unwrap() / 1e-6, 1.1) < 1e-9);
    }

    #[test]
    fn target_price_solver_handles_far_targets() {
        let p = StableSwap::new(2000.0, 0.0001, vec![1e6, 1e6]).unwrap();
        for &t in &[0.999_999, 0.99, 0.5, 1e-3, 1e-9] {
            let dx = p.dx_for_target_price(0, 1, t).unwrap();
            let mut q = p.clone();
            q.exchange(0, 1, dx).unwrap();
            assert!(rel(q.spot_price(0, 1).unwrap(), t) < 1e-9, "target {t}");
        }
        assert_eq!(p.dx_for_target_price(0, 1, 1.5).unwrap(), 0.0);
    }
}
