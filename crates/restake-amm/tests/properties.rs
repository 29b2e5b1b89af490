//! Properties of the pool math over random pools and trades (proptest).

use num_bigint::BigUint;
use proptest::prelude::*;
use restake_amm::{ConstantProduct, StableSwap, StableSwapInt};

/// A random StableSwap: 2..=4 coins, A log-uniform in [1, 5000], fee in [0, 1%], balances
/// around a depth of 1e3..1e7 with up to ~30x imbalance between coins.
fn stableswap() -> impl Strategy<Value = StableSwap> {
    (2usize..=4, 0.0f64..3.7, 0.0f64..0.01, 3.0f64..7.0).prop_flat_map(|(n, log_amp, fee, log_depth)| {
        prop::collection::vec(-0.75f64..0.75, n).prop_map(move |tilts| {
            let depth = 10f64.powf(log_depth);
            let balances = tilts.iter().map(|t| depth * 10f64.powf(*t)).collect();
            StableSwap::new(10f64.powf(log_amp), fee, balances).unwrap()
        })
    })
}

/// Two distinct coin indices of an `n`-coin pool from one random number.
fn pair(pick: usize, n: usize) -> (usize, usize) {
    let i = pick % n;
    (i, (i + 1 + (pick / n) % (n - 1)) % n)
}

/// A trade size as a fraction of the seller's coin balance, log-uniform in [1e-9, 3].
fn fraction() -> impl Strategy<Value = f64> {
    (-9.0f64..0.5).prop_map(|e| 10f64.powf(e))
}

proptest! {
    #[test]
    fn d_never_decreases_on_exchange(pool in stableswap(), f in fraction(), pick in 0usize..12) {
        let n = pool.n();
        let (i, j) = pair(pick, n);
        let d0 = pool.invariant_d();
        let mut p = pool.clone();
        let dx = f * p.balances()[i];
        p.exchange(i, j, dx).unwrap();
        // The fee stays in the pool, so D can only grow (up to f64 noise of a few ulps).
        prop_assert!(p.invariant_d() >= d0 * (1.0 - 1e-14), "{} < {}", p.invariant_d(), d0);
        if pool.fee() >= 1e-4 && f >= 1e-4 {
            prop_assert!(p.invariant_d() > d0);
        }
        // Coin i rises by exactly dx; coin j falls by what the trader receives.
        let sw = pool.clone().exchange(i, j, dx).unwrap();
        prop_assert_eq!(p.balances()[i], pool.balances()[i] + dx);
        let drop = pool.balances()[j] - p.balances()[j];
        prop_assert!((drop - sw.dy).abs() <= 1e-12 * pool.balances()[j]);
    }

    #[test]
    fn post_trade_spot_price_is_monotone_in_size(
        pool in stableswap(), f1 in fraction(), f2 in fraction(), pick in 0usize..12,
    ) {
        let n = pool.n();
        let (i, j) = pair(pick, n);
        let (small, large) = if f1 <= f2 { (f1, f2) } else { (f2, f1) };
        let price_after = |f: f64| {
            let mut p = pool.clone();
            p.exchange(i, j, f * pool.balances()[i]).unwrap();
            p.spot_price(i, j).unwrap()
        };
        let p0 = pool.spot_price(i, j).unwrap();
        let (ps, pl) = (price_after(small), price_after(large));
        prop_assert!(ps <= p0 * (1.0 + 1e-13), "{ps} > {p0}");
        prop_assert!(pl <= ps * (1.0 + 1e-13), "{pl} > {ps}");
        // Average execution price lies between the spot price before and after.
        let avg = pool.get_dy(i, j, large * pool.balances()[i]).unwrap()
            / (large * pool.balances()[i]) / (1.0 - pool.fee());
        prop_assert!(avg <= p0 * (1.0 + 1e-12) && avg >= pl * (1.0 - 1e-12) * (1.0 - pool.fee()));
    }

    #[test]
    fn dx_for_target_price_lands_on_target(
        pool in stableswap(), drop in -6.0f64..-0.05, pick in 0usize..12,
    ) {
        let n = pool.n();
        let (i, j) = pair(pick, n);
        // A log-uniform relative drop of the price in [1e-6, ~0.9].
        let target = pool.spot_price(i, j).unwrap() * (1.0 - 10f64.powf(drop));
        let dx = pool.dx_for_target_price(i, j, target).unwrap();
        let mut p = pool.clone();
        p.exchange(i, j, dx).unwrap();
        let landed = p.spot_price(i, j).unwrap();
        prop_assert!((landed / target - 1.0).abs() < 1e-9, "{landed} vs {target}");
    }

    #[test]
    fn small_trades_match_the_analytic_spot_price(pool in stableswap(), pick in 0usize..12) {
        let n = pool.n();
        let (i, j) = pair(pick, n);
        let h = 1e-8 * pool.balances()[i];
        let fd = pool.get_dy(i, j, h).unwrap() / h / (1.0 - pool.fee());
        let spot = pool.spot_price(i, j).unwrap();
        prop_assert!((fd / spot - 1.0).abs() < 1e-6, "{fd} vs {spot}");
    }

    #[test]
    fn get_dx_inverts_get_dy(pool in stableswap(), f in fraction(), pick in 0usize..12) {
        let n = pool.n();
        let (i, j) = pair(pick, n);
        let dx = f * pool.balances()[i];
        let dy = pool.get_dy(i, j, dx).unwrap();
        prop_assume!(dy > 0.0);
        let back = pool.get_dx(i, j, dy).unwrap();
        prop_assert!((back / dx - 1.0).abs() < 1e-9, "{back} vs {dx}");
    }

    #[test]
    fn constant_product_keeps_k_and_hits_targets(
        fee in 0.0f64..0.01, x in 1e3f64..1e7, y in 1e3f64..1e7, f in fraction(), drop in -6.0f64..-0.05,
    ) {
        let pool = ConstantProduct::new(fee, [x, y]).unwrap();
        let mut p = pool.clone();
        let sw = p.exchange(0, 1, f * x).unwrap();
        prop_assert!(p.invariant_k() >= pool.invariant_k() * (1.0 - 1e-15));
        prop_assert!((sw.fee - f * x * fee).abs() <= 1e-15 * f * x);
        let target = pool.spot_price(0, 1).unwrap() * (1.0 - 10f64.powf(drop));
        let dx = pool.dx_for_target_price(0, 1, target).unwrap();
        let mut q = pool.clone();
        q.exchange(0, 1, dx).unwrap();
        prop_assert!((q.spot_price(0, 1).unwrap() / target - 1.0).abs() < 1e-9);
    }
}

fn wei(tokens: f64) -> BigUint {
    BigUint::from((tokens * 1e6).round() as u128) * BigUint::from(10u64.pow(12))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Random pools: the f64 model agrees with the exact mirror of the reference to 1e-12,
    /// and the exact mirror never lets D fall when a fee is charged.
    #[test]
    fn f64_agrees_with_integer_mode_on_random_pools(
        n in 2usize..=3,
        a in 1u64..5000,
        fee in 1_000_000u64..50_000_000,
        balances in prop::collection::vec(1e3f64..1e7, 3),
        f in -6.0f64..0.3,
        pick in 0usize..6,
    ) {
        let (i, j) = pair(pick, n);
        let mut exact = StableSwapInt::new(a, balances[..n].iter().map(|b| wei(*b)).collect()).unwrap();
        exact.set_fee(fee).unwrap();
        let float = exact.to_f64().unwrap();
        let dx_tokens = 10f64.powf(f) * float.balances()[i];
        let dx = wei(dx_tokens);
        let d0 = exact.d().unwrap();
        let out: f64 = exact.exchange(i, j, &dx).unwrap().to_string().parse().unwrap();
        let dx_f: f64 = dx.to_string().parse::<f64>().unwrap() / 1e18;
        let quote = float.get_dy(i, j, dx_f).unwrap() * 1e18;
        prop_assert!((quote / out - 1.0).abs() < 1e-12, "{quote} vs {out}");
        prop_assert!(exact.d().unwrap() >= d0);
    }
}
