//! AMM invariant math for the restake simulator: pure functions of pool state, no I/O.
//!
//! Two pool families are modelled in `f64` for the simulation hot loops:
//!
//! * [`StableSwap`]: Curve's StableSwap invariant for any number of coins, with the
//!   amplification `A` exactly as Curve pools expose it on chain (`Ann = A * n`, i.e. the
//!   whitepaper's `A * n^(n-1)`), so parameters can be copied from a live pool. The fee is
//!   charged on the output and stays in the pool, as in Curve.
//! * [`ConstantProduct`]: Uniswap-v2 style `x * y = k` with the fee charged on the input.
//!
//! Both implement the [`Amm`] trait; [`Pool`] is a closed enum over them so agents can hold
//! heterogeneous pools without trait objects (static dispatch by `match`).
//!
//! [`StableSwapInt`] is an arbitrary-precision mirror of the reference model in
//! `curvefi/curve-contract` `tests/simulation.py`. It exists to *validate* the `f64` model: it
//! reproduces the reference to the last integer (same iterations, floor divisions, fee units and
//! rate multipliers), and the `f64` model agrees with it to 1e-12 relative (see `tests/`).
//!
//! Everything that can fail on user input returns [`AmmError`]; nothing here panics on bad
//! parameters, indices or amounts.
//!
//! ```
//! use restake_amm::{Amm, Pool, StableSwap};
//!
//! // Curve's stETH/ETH pool at the June 2022 trough: A = 50, 4 bp, (ETH, stETH) balances.
//! let mut pool: Pool = StableSwap::new(50.0, 0.0004, vec![111_300.0, 491_000.0])?.into();
//! let price = pool.spot_price(1, 0)?; // ETH per stETH at zero size, before fee
//! assert!((price - 0.9374).abs() < 5e-5);
//! // ETH an arbitrageur sells into the pool to lift stETH to 0.96 ETH:
//! let dx = pool.dx_for_target_price(0, 1, 1.0 / 0.96)?;
//! let swap = pool.exchange(0, 1, dx)?;
//! assert!((pool.spot_price(1, 0)? - 0.96).abs() < 1e-9);
//! assert!(swap.dy > dx); // stETH received at a discount
//! # Ok::<(), restake_amm::AmmError>(())
//! ```

mod constant_product;
mod error;
mod pool;
mod stableswap;
mod stableswap_int;

pub use constant_product::ConstantProduct;
pub use error::{AmmError, Result};
pub use pool::{Amm, Pool, Swap};
pub use stableswap::StableSwap;
pub use stableswap_int::StableSwapInt;
