//! The interface agents use to trade against any pool, and a closed enum over the pool kinds.

use crate::{ConstantProduct, Result, StableSwap};

/// The outcome of a swap.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Swap {
    /// Amount of the output coin `j` the trader receives (after the fee).
    pub dy: f64,
    /// The fee charged, in units of coin [`Swap::fee_coin`]. The fee stays in the pool (it
    /// accrues to liquidity providers), so it is *not* part of any outflow.
    pub fee: f64,
    /// The coin the fee is denominated in: the output coin `j` for StableSwap (Curve charges
    /// the fee on the output), the input coin `i` for constant product (Uniswap v2 charges it
    /// on the input).
    pub fee_coin: usize,
}

/// What an agent needs from a pool. Amounts are in token units of the coin named by the index
/// (`i` = coin paid in, `j` = coin received); prices are "units of `j` per unit of `i`".
///
/// Methods taking `&self` are quotes and never change the pool; only [`Amm::exchange`] and the
/// liquidity methods mutate, and they leave the pool unchanged when they return an error.
pub trait Amm {
    /// Number of coins.
    fn n(&self) -> usize;
    /// Current balances, in token units, indexed by coin.
    fn balances(&self) -> &[f64];
    /// The swap fee as a fraction (0.0004 = 4 bp).
    fn fee(&self) -> f64;
    /// Outstanding LP shares.
    fn lp_supply(&self) -> f64;
    /// Output of coin `j` (after fee) for `dx` of coin `i`. A quote: no state change.
    fn get_dy(&self, i: usize, j: usize, dx: f64) -> Result<f64>;
    /// Input of coin `i` needed to receive exactly `dy` of coin `j` after the fee (inverse of
    /// [`Amm::get_dy`]). Errors with `InsufficientLiquidity` if the pool cannot pay `dy`.
    fn get_dx(&self, i: usize, j: usize, dy: f64) -> Result<f64>;
    /// Executes the swap of `dx` of coin `i` for coin `j`.
    fn exchange(&mut self, i: usize, j: usize, dx: f64) -> Result<Swap>;
    /// Marginal price at zero size, before fee: `d(dy)/d(dx)` of `j` received per unit of `i`.
    fn spot_price(&self, i: usize, j: usize) -> Result<f64>;
    /// Marginal price at zero size that a trader actually gets, after the fee.
    fn spot_price_after_fee(&self, i: usize, j: usize) -> Result<f64> {
        // Both fee conventions (on output, on input) scale the marginal rate by (1 - fee).
        Ok(self.spot_price(i, j)? * (1.0 - self.fee()))
    }
    /// Input of coin `i` whose [`Amm::exchange`] leaves [`Amm::spot_price`]`(i, j)` at
    /// `target` (selling `i` lowers its price). Returns 0 when the price is already at or below
    /// `target`. Arbitrageurs aiming at an after-fee price pass `target / (1 - fee)`.
    fn dx_for_target_price(&self, i: usize, j: usize, target: f64) -> Result<f64>;
    /// Deposits every coin pro rata to the current balances and mints `lp_amount` shares;
    /// returns the amounts deposited, by coin.
    fn add_liquidity_balanced(&mut self, lp_amount: f64) -> Result<Vec<f64>>;
    /// Burns `lp_amount` shares for a pro-rata share of every balance; returns the amounts
    /// withdrawn, by coin. Burning the whole supply is refused (the pool would be empty).
    fn remove_liquidity_balanced(&mut self, lp_amount: f64) -> Result<Vec<f64>>;
    /// Takes `fraction` (in [0, 1)) of every balance out of the pool without burning LP shares:
    /// an exploit that drains the reserves, so every LP share is worth less. Returns the amounts
    /// taken, by coin.
    fn drain(&mut self, fraction: f64) -> Result<Vec<f64>>;
    /// Adds `fraction` of every balance to the pool without minting LP shares (funds returned to
    /// the LPs after a drain); returns the amounts added, by coin.
    fn donate(&mut self, fraction: f64) -> Result<Vec<f64>>;
}

/// A pool of either kind, dispatched by `match` (cheap and inlinable in hot loops).
#[derive(Clone, Debug)]
pub enum Pool {
    /// A Curve StableSwap pool.
    StableSwap(StableSwap),
    /// A Uniswap-v2 style constant-product pool.
    ConstantProduct(ConstantProduct),
}

impl From<StableSwap> for Pool {
    fn from(p: StableSwap) -> Self {
        Pool::StableSwap(p)
    }
}

impl From<ConstantProduct> for Pool {
    fn from(p: ConstantProduct) -> Self {
        Pool::ConstantProduct(p)
    }
}

/// Forwards a method call to whichever pool the enum holds.
macro_rules! dispatch {
    ($self:ident, $p:ident => $call:expr) => {
        match $self {
            Pool::StableSwap($p) => $call,
            Pool::ConstantProduct($p) => $call,
        }
    };
}

impl Amm for Pool {
    fn n(&self) -> usize {
        dispatch!(self, p => Amm::n(p))
    }
    fn balances(&self) -> &[f64] {
        dispatch!(self, p => Amm::balances(p))
    }
    fn fee(&self) -> f64 {
        dispatch!(self, p => Amm::fee(p))
    }
    fn lp_supply(&self) -> f64 {
        dispatch!(self, p => Amm::lp_supply(p))
    }
    fn get_dy(&self, i: usize, j: usize, dx: f64) -> Result<f64> {
        dispatch!(self, p => Amm::get_dy(p, i, j, dx))
    }
    fn get_dx(&self, i: usize, j: usize, dy: f64) -> Result<f64> {
        dispatch!(self, p => Amm::get_dx(p, i, j, dy))
    }
    fn exchange(&mut self, i: usize, j: usize, dx: f64) -> Result<Swap> {
        dispatch!(self, p => Amm::exchange(p, i, j, dx))
    }
    fn spot_price(&self, i: usize, j: usize) -> Result<f64> {
        dispatch!(self, p => Amm::spot_price(p, i, j))
    }
    fn spot_price_after_fee(&self, i: usize, j: usize) -> Result<f64> {
        dispatch!(self, p => Amm::spot_price_after_fee(p, i, j))
    }
    fn dx_for_target_price(&self, i: usize, j: usize, target: f64) -> Result<f64> {
        dispatch!(self, p => Amm::dx_for_target_price(p, i, j, target))
    }
    fn add_liquidity_balanced(&mut self, lp_amount: f64) -> Result<Vec<f64>> {
        dispatch!(self, p => Amm::add_liquidity_balanced(p, lp_amount))
    }
    fn remove_liquidity_balanced(&mut self, lp_amount: f64) -> Result<Vec<f64>> {
        dispatch!(self, p => Amm::remove_liquidity_balanced(p, lp_amount))
    }
    fn drain(&mut self, fraction: f64) -> Result<Vec<f64>> {
        dispatch!(self, p => Amm::drain(p, fraction))
    }
    fn donate(&mut self, fraction: f64) -> Result<Vec<f64>> {
        dispatch!(self, p => Amm::donate(p, fraction))
    }
}

/// Implements [`Amm`] for a concrete pool by forwarding to its inherent methods of the same
/// names, so the concrete types are usable without importing the trait.
macro_rules! forward_amm {
    ($ty:ty) => {
        impl $crate::Amm for $ty {
            fn n(&self) -> usize {
                <$ty>::n(self)
            }
            fn balances(&self) -> &[f64] {
                <$ty>::balances(self)
            }
            fn fee(&self) -> f64 {
                <$ty>::fee(self)
            }
            fn lp_supply(&self) -> f64 {
                <$ty>::lp_supply(self)
            }
            fn get_dy(&self, i: usize, j: usize, dx: f64) -> $crate::Result<f64> {
                <$ty>::get_dy(self, i, j, dx)
            }
            fn get_dx(&self, i: usize, j: usize, dy: f64) -> $crate::Result<f64> {
                <$ty>::get_dx(self, i, j, dy)
            }
            fn exchange(&mut self, i: usize, j: usize, dx: f64) -> $crate::Result<$crate::Swap> {
                <$ty>::exchange(self, i, j, dx)
            }
            fn spot_price(&self, i: usize, j: usize) -> $crate::Result<f64> {
                <$ty>::spot_price(self, i, j)
            }
            fn spot_price_after_fee(&self, i: usize, j: usize) -> $crate::Result<f64> {
                <$ty>::spot_price_after_fee(self, i, j)
            }
            fn dx_for_target_price(&self, i: usize, j: usize, target: f64) -> $crate::Result<f64> {
                <$ty>::dx_for_target_price(self, i, j, target)
            }
            fn add_liquidity_balanced(&mut self, lp_amount: f64) -> $crate::Result<Vec<f64>> {
                <$ty>::add_liquidity_balanced(self, lp_amount)
            }
            fn remove_liquidity_balanced(&mut self, lp_amount: f64) -> $crate::Result<Vec<f64>> {
                <$ty>::remove_liquidity_balanced(self, lp_amount)
            }
            fn drain(&mut self, fraction: f64) -> $crate::Result<Vec<f64>> {
                <$ty>::drain(self, fraction)
            }
            fn donate(&mut self, fraction: f64) -> $crate::Result<Vec<f64>> {
                <$ty>::donate(self, fraction)
            }
        }
    };
}
pub(crate) use forward_amm;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enum_dispatch_matches_concrete_pools() {
        let ss = StableSwap::new(100.0, 0.0004, vec![1000.0, 1200.0]).unwrap();
        let cp = ConstantProduct::new(0.003, [1000.0, 1200.0]).unwrap();
        let mut pools: Vec<Pool> = vec![ss.clone().into(), cp.clone().into()];
        assert_eq!(pools[0].get_dy(0, 1, 10.0).unwrap(), ss.get_dy(0, 1, 10.0).unwrap());
        assert_eq!(pools[1].get_dy(0, 1, 10.0).unwrap(), cp.get_dy(0, 1, 10.0).unwrap());
        for p in &mut pools {
            let before = p.spot_price(0, 1).unwrap();
            let swap = p.exchange(0, 1, 10.0).unwrap();
            assert!(swap.dy > 0.0 && swap.fee > 0.0);
            assert!(p.spot_price(0, 1).unwrap() < before);
            assert!(p.spot_price_after_fee(0, 1).unwrap() < p.spot_price(0, 1).unwrap());
            assert_eq!(p.n(), 2);
        }
    }

    #[test]
    fn a_drain_takes_a_share_of_every_coin_and_burns_no_shares() {
        // D is homogeneous of degree one in the balances, so draining 25% of each coin leaves
        // D, and with the same LP supply the virtual price, at exactly 75%; spot prices stay.
        let mut ss = StableSwap::new(100.0, 0.0004, vec![1000.0, 1200.0]).unwrap();
        let (d, lp, spot) = (ss.invariant_d(), ss.lp_supply(), ss.spot_price(1, 0).unwrap());
        let taken = ss.drain(0.25).unwrap();
        assert_eq!(taken, vec![250.0, 300.0]);
        assert_eq!(ss.balances(), &[750.0, 900.0]);
        assert_eq!(ss.lp_supply(), lp);
        assert!((ss.invariant_d() / d - 0.75).abs() < 1e-12);
        assert!((ss.spot_price(1, 0).unwrap() / spot - 1.0).abs() < 1e-12);
        let mut cp: Pool = ConstantProduct::new(0.003, [1000.0, 1200.0]).unwrap().into();
        assert_eq!(cp.drain(0.5).unwrap(), vec![500.0, 600.0]);
        assert!(cp.drain(1.0).is_err(), "a pool cannot be emptied");
        // A donation is the reverse: a third back to the 750/900 pool, no new shares.
        assert_eq!(ss.donate(1.0 / 3.0).unwrap(), vec![250.0, 300.0]);
        assert_eq!((ss.balances(), ss.lp_supply()), (&[1000.0, 1200.0][..], lp));
    }
}
