//! Uniswap-v2 style constant-product pool (`x * y = k`) in `f64`.
//!
//! The fee is charged on the input, as in Uniswap v2: of `dx` paid in, only `dx * (1 - fee)`
//! enters the invariant, so `dy = y dx (1 - fee) / (x + dx (1 - fee))`. The whole `dx` is added
//! to the reserve, so the fee stays in the pool and `k` grows with every trade. All quantities
//! have closed forms; nothing iterates.

use crate::error::{AmmError, Result, check_amount, check_balances, check_fee, check_pair, check_positive, pro_rata};
use crate::pool::{Swap, forward_amm};

/// A two-coin constant-product pool.
#[derive(Clone, Debug)]
pub struct ConstantProduct {
    fee: f64,
    balances: [f64; 2],
    lp_supply: f64,
}

impl ConstantProduct {
    /// `fee`: fraction in `[0, 1)` (Uniswap v2: 0.003). `balances`: both finite and `> 0`.
    /// The LP supply starts at `sqrt(x * y)`, as Uniswap v2 mints on the first deposit
    /// (without its burnt minimum liquidity).
    pub fn new(fee: f64, balances: [f64; 2]) -> Result<Self> {
        check_fee(fee)?;
        check_balances("balances", &balances)?;
        let lp_supply = (balances[0] * balances[1]).sqrt();
        if !(lp_supply.is_finite() && lp_supply > 0.0) {
            return Err(AmmError::NumericalRange { what: "constant product k" });
        }
        Ok(Self { fee, balances, lp_supply })
    }

    /// Always 2.
    pub fn n(&self) -> usize {
        2
    }

    /// Swap fee as a fraction of the input.
    pub fn fee(&self) -> f64 {
        self.fee
    }

    /// Reserves in token units.
    pub fn balances(&self) -> &[f64] {
        &self.balances
    }

    /// Outstanding LP shares.
    pub fn lp_supply(&self) -> f64 {
        self.lp_supply
    }

    /// The invariant `k = x * y` (grows as fees accrue).
    pub fn invariant_k(&self) -> f64 {
        self.balances[0] * self.balances[1]
    }

    /// Changes the fee (fraction in `[0, 1)`).
    pub fn set_fee(&mut self, fee: f64) -> Result<()> {
        check_fee(fee)?;
        self.fee = fee;
        Ok(())
    }

    /// Output of coin `j` after fee for `dx` of coin `i`:
    /// `y dx (1 - fee) / (x + dx (1 - fee))`. A quote.
    pub fn get_dy(&self, i: usize, j: usize, dx: f64) -> Result<f64> {
        check_pair(i, j, 2)?;
        check_amount("dx", dx)?;
        let dx_net = dx * (1.0 - self.fee);
        let (x, y) = (self.balances[i], self.balances[j]);
        Ok(y * dx_net / (x + dx_net))
    }

    /// Input of coin `i` needed to receive exactly `dy` of coin `j`:
    /// `x dy / ((y - dy)(1 - fee))`.
    pub fn get_dx(&self, i: usize, j: usize, dy: f64) -> Result<f64> {
        check_pair(i, j, 2)?;
        check_amount("dy", dy)?;
        let (x, y) = (self.balances[i], self.balances[j]);
        if dy >= y {
            return Err(AmmError::InsufficientLiquidity {
                reason: format!("{dy} of coin {j} asked from a reserve of {y}"),
            });
        }
        Ok(x * dy / ((y - dy) * (1.0 - self.fee)))
    }

    /// Swaps `dx` of coin `i` for coin `j`. The fee (`Swap::fee`, in coin `i`) is part of the
    /// `dx` added to the reserve. On error the pool is unchanged.
    pub fn exchange(&mut self, i: usize, j: usize, dx: f64) -> Result<Swap> {
        let dy = self.get_dy(i, j, dx)?;
        let new_j = self.balances[j] - dy;
        if new_j.is_nan() || new_j <= 0.0 {
            return Err(AmmError::InsufficientLiquidity {
                reason: format!("selling {dx} of coin {i} would drain coin {j}"),
            });
        }
        self.balances[i] += dx;
        self.balances[j] = new_j;
        Ok(Swap { dy, fee: dx * self.fee, fee_coin: i })
    }

    /// Marginal price before fee: `y / x` units of `j` per unit of `i`.
    pub fn spot_price(&self, i: usize, j: usize) -> Result<f64> {
        check_pair(i, j, 2)?;
        Ok(self.balances[j] / self.balances[i])
    }

    /// Marginal price after the input fee: `(1 - fee) y / x`.
    pub fn spot_price_after_fee(&self, i: usize, j: usize) -> Result<f64> {
        Ok(self.spot_price(i, j)? * (1.0 - self.fee))
    }

    /// Input of coin `i` whose [`ConstantProduct::exchange`] leaves `spot_price(i, j)` at
    /// `target`; 0 if already at or below it. Closed form: after the trade,
    /// `y'/x' = x y / ((x + g dx)(x + dx))` with `g = 1 - fee`, so `dx` is the positive root of
    /// `g dx^2 + (1 + g) x dx + x^2 - x y / target = 0`, taken in cancellation-free form.
    pub fn dx_for_target_price(&self, i: usize, j: usize, target: f64) -> Result<f64> {
        check_pair(i, j, 2)?;
        check_positive("target", target)?;
        let (x, y) = (self.balances[i], self.balances[j]);
        if target >= y / x {
            return Ok(0.0);
        }
        let g = 1.0 - self.fee;
        let b = (1.0 + g) * x;
        let c = x * x - x * y / target; // < 0 here
        let dx = -2.0 * c / (b + (b * b - 4.0 * g * c).sqrt());
        if !dx.is_finite() {
            return Err(AmmError::NumericalRange { what: "constant product dx for target" });
        }
        Ok(dx)
    }

    /// Deposits both coins pro rata and mints `lp_amount` shares; returns the deposits.
    pub fn add_liquidity_balanced(&mut self, lp_amount: f64) -> Result<Vec<f64>> {
        let amounts = pro_rata(&self.balances, self.lp_supply, lp_amount, false)?;
        let new = [self.balances[0] + amounts[0], self.balances[1] + amounts[1]];
        check_balances("balances after deposit", &new)?;
        self.balances = new;
        self.lp_supply += lp_amount;
        Ok(amounts)
    }

    /// Burns `lp_amount` shares for a pro-rata share of both reserves; burning the whole
    /// supply is refused (no empty pools in this model).
    pub fn remove_liquidity_balanced(&mut self, lp_amount: f64) -> Result<Vec<f64>> {
        let amounts = pro_rata(&self.balances, self.lp_supply, lp_amount, true)?;
        let new = [self.balances[0] - amounts[0], self.balances[1] - amounts[1]];
        check_balances("balances after withdrawal", &new)?;
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

forward_amm!(ConstantProduct);

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(a: f64, b: f64) -> f64 {
        ((a - b) / b).abs()
    }

    #[test]
    fn uniswap_v2_closed_forms() {
        // Uniswap v2 `getAmountOut` (UniswapV2Library.sol) with its 0.3% fee, 1000 in,
        // reserves 10_000 / 20_000: in * 997 * out_res / (in_res * 1000 + in * 997)
        // = 19_940_000_000 / 10_997_000 = 1813.2217877...
        let mut p = ConstantProduct::new(0.003, [10_000.0, 20_000.0]).unwrap();
        let expected: f64 = 1000.0 * 997.0 * 20_000.0 / (10_000.0 * 1000.0 + 1000.0 * 997.0);
        assert!((expected - 1_813.221_787_76).abs() < 1e-8);
        assert!(rel(p.get_dy(0, 1, 1000.0).unwrap(), expected) < 1e-15);
        assert!(rel(p.spot_price(0, 1).unwrap(), 2.0) < 1e-15);
        assert!(rel(p.spot_price_after_fee(0, 1).unwrap(), 1.994) < 1e-15);
        let k = p.invariant_k();
        let s = p.exchange(0, 1, 1000.0).unwrap();
        assert_eq!((s.fee, s.fee_coin), (3.0, 0));
        assert!(rel(p.balances()[0], 11_000.0) < 1e-15);
        assert!(rel(p.balances()[1], 20_000.0 - expected) < 1e-15);
        // k grows by exactly the fee's share: (x + dx)(y - dy) with dy from the net input.
        assert!(p.invariant_k() > k);
        let k_without_fee = (10_000.0 + 997.0) * (20_000.0 - expected);
        assert!(rel(k_without_fee, k) < 1e-12);
    }

    #[test]
    fn get_dx_and_target_price_invert() {
        let p = ConstantProduct::new(0.003, [500.0, 1500.0]).unwrap();
        let dx = p.get_dx(0, 1, 100.0).unwrap();
        assert!(rel(p.get_dy(0, 1, dx).unwrap(), 100.0) < 1e-14);
        for &t in &[2.9, 1.0, 0.01] {
            let dx = p.dx_for_target_price(0, 1, t).unwrap();
            let mut q = p.clone();
            q.exchange(0, 1, dx).unwrap();
            assert!(rel(q.spot_price(0, 1).unwrap(), t) < 1e-12);
        }
        assert_eq!(p.dx_for_target_price(0, 1, 3.0).unwrap(), 0.0);
        assert!(p.get_dx(0, 1, 1500.0).is_err());
    }

    #[test]
    fn liquidity_pro_rata() {
        let mut p = ConstantProduct::new(0.0, [100.0, 400.0]).unwrap();
        assert!(rel(p.lp_supply(), 200.0) < 1e-15);
        let d = p.add_liquidity_balanced(100.0).unwrap();
        assert!(rel(d[0], 50.0) < 1e-15 && rel(d[1], 200.0) < 1e-15);
        let w = p.remove_liquidity_balanced(150.0).unwrap();
        assert!(rel(w[0], 75.0) < 1e-15 && rel(w[1], 300.0) < 1e-15);
        assert!(p.remove_liquidity_balanced(150.0).is_err());
        assert!(ConstantProduct::new(1.0, [1.0, 1.0]).is_err());
    }
}
