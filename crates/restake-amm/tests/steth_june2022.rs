//! The Curve stETH/ETH pool during the June 2022 stETH discount.
//!
//! Pool (Curve `steth` pool, mainnet 0xDC24316b9AE028F1497c275EB9192a3Ea0f67022): coin 0 = ETH,
//! coin 1 = stETH, on-chain `A = 50`, fee 4 bp. The spec numbers (project brief): at balances
//! (111,300 ETH, 491,000 stETH) the marginal stETH -> ETH price is 0.9374; at
//! (159,447.08 ETH, 524,839.79 stETH) it is 0.9610 before the 4 bp fee. They hold with the
//! on-chain convention `Ann = A * n`; the last test shows they would not with `A * n^n`.

use restake_amm::StableSwap;

const ETH: usize = 0;
const STETH: usize = 1;
const FEE: f64 = 0.0004;

fn pool(eth: f64, steth: f64) -> StableSwap {
    StableSwap::new(50.0, FEE, vec![eth, steth]).unwrap()
}

/// Price from a tiny real trade, fee removed: an independent check of the analytic derivative.
fn finite_difference_price(p: &StableSwap, h: f64) -> f64 {
    p.get_dy(STETH, ETH, h).unwrap() / h / (1.0 - FEE)
}

#[test]
fn june_2022_trough_price_is_0_9374() {
    let p = pool(111_300.0, 491_000.0);
    let price = p.spot_price(STETH, ETH).unwrap();
    assert!((price - 0.9374).abs() < 5e-5, "spot {price}");
    // Trading 1e-3 stETH moves the price by ~1e-9 relative; the quote must agree with the
    // derivative to that order.
    let fd = finite_difference_price(&p, 1e-3);
    assert!((fd / price - 1.0).abs() < 1e-8, "finite difference {fd} vs spot {price}");
    // The Python reference sells 1 stETH for 0.937381235358800596 ETH before fee
    // (tests/curve_reference.rs, pool steth_june2022): consistent with 0.93738 marginal.
    let one = p.get_dy(STETH, ETH, 1.0).unwrap() / (1.0 - FEE);
    assert!((one - 0.937_381_235_358_800_6).abs() < 1e-12, "1 stETH -> {one} ETH");
    assert!((p.spot_price_after_fee(STETH, ETH).unwrap() - price * (1.0 - FEE)).abs() < 1e-15);
}

#[test]
fn june_2022_partial_recovery_price_is_0_9610_before_fee() {
    let p = pool(159_447.08, 524_839.79);
    let price = p.spot_price(STETH, ETH).unwrap();
    assert!((price - 0.9610).abs() < 5e-5, "spot {price}");
    let fd = finite_difference_price(&p, 1e-3);
    assert!((fd / price - 1.0).abs() < 1e-8, "finite difference {fd} vs spot {price}");
    // After the 4 bp fee a seller gets 0.9606.
    let after_fee = p.spot_price_after_fee(STETH, ETH).unwrap();
    assert!((after_fee - 0.9606).abs() < 5e-5, "after fee {after_fee}");
    // And the reverse direction is the reciprocal at zero size.
    let back = p.spot_price(ETH, STETH).unwrap();
    assert!((back * price - 1.0).abs() < 1e-14);
}

#[test]
fn arbitrage_back_to_0_9610_needs_eth_in() {
    // From the trough, the ETH an arbitrageur must sell into the pool to lift stETH to 0.9610.
    let p = pool(111_300.0, 491_000.0);
    // Lifting stETH/ETH to 0.9610 = lowering ETH/stETH to 1/0.9610.
    let dx = p.dx_for_target_price(ETH, STETH, 1.0 / 0.9610).unwrap();
    let mut q = p.clone();
    q.exchange(ETH, STETH, dx).unwrap();
    let price = q.spot_price(STETH, ETH).unwrap();
    assert!((price / 0.9610 - 1.0).abs() < 1e-9, "{price}");
    assert!(dx > 10_000.0 && dx < 100_000.0, "{dx} ETH");
}

#[test]
fn whitepaper_convention_would_not_reproduce_the_spec() {
    // If `A` were taken as Ann = A * n^n (i.e. amp 100 in this crate's convention for n = 2),
    // the trough price would be ~0.967, not 0.9374.
    let wrong = StableSwap::new(100.0, FEE, vec![111_300.0, 491_000.0]).unwrap();
    assert!(wrong.spot_price(STETH, ETH).unwrap() > 0.96);
}
