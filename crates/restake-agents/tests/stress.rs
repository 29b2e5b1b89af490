//! The stress library's replays (configs/stress/): what they must reproduce exactly.

mod common;
use common::*;
use restake_agents::World;
use restake_agents::events::EventKind;
use std::collections::BTreeSet;

#[test]
fn the_wsteth_capo_replay_liquidates_exactly_the_positions_below_the_rate_gap() {
    // CAPO (bgd-labs/aave-capo PriceCapAdapterBase._getMaxRatio): cap = snapshotRatio x (1 +
    // growth x (now - snapshotTimestamp)), linear, with the snapshot of 10 March 2026 (1.157210 x
    // 1.03, 7 days old) and 9.68%/yr: 1.1919262 x (1 + 0.0968 x 7/365).
    let s = config("stress/wsteth-capo-2026");
    let cap = 1.1919262 * (1.0 + 0.0968 * 7.0 / 365.0);
    let update = (3600.0 / s.time.step.seconds()) as usize; // the update fires at 1 h
    let (done, path) = run_traced(&s, |w: &World| {
        let hf: Vec<f64> = (0..w.population().len()).map(|i| w.position(i).map_or(f64::INFINITY, |p| p.hf)).collect();
        let liquidated: Vec<u32> =
            w.events().current().iter().filter(|e| e.kind == EventKind::Liquidation).filter_map(|e| e.agent).collect();
        (w.markets()[0].reserve_metric(1, restake_agents::market::ReserveMetric::OraclePrice), w.nav(0), hf, liquidated)
    });
    // Just before the update the oracle reports the live rate (read at the start of the step;
    // staking rewards then move NAV by ~1e-6 by its end), after it the cap.
    let (live_price, nav, hf_live, _) = &path[update - 1];
    assert!((live_price / nav - 1.0).abs() < 1e-5, "uncapped before: {live_price} vs NAV {nav}");
    let (capped, nav_at, _, _) = &path[update];
    assert!((capped - cap).abs() < 1e-9, "the cap: {capped} vs {cap}");
    let threshold = nav_at / cap;
    eprintln!("cap {cap:.7} vs live {nav_at:.7}: positions below HF {threshold:.5} are liquidatable");
    let expected: BTreeSet<u32> =
        hf_live.iter().enumerate().filter(|(_, h)| **h < threshold).map(|(i, _)| i as u32).collect();
    let liquidated: BTreeSet<u32> = path.iter().flat_map(|x| x.3.iter().copied()).collect();
    let closest = hf_live.iter().map(|h| (h - threshold).abs()).fold(f64::INFINITY, f64::min);
    eprintln!(
        "{} positions below, {} liquidated; nearest HF {closest:.2e} from the threshold",
        expected.len(),
        liquidated.len()
    );
    assert!(closest > 1e-5, "no position sits on the threshold (rewards and interest move HF by ~1e-7 an hour)");
    assert_eq!(liquidated, expected, "exactly those, and no other, over the whole run");
    assert!(!expected.is_empty());
    // Every liquidation happened in the step of the update (users had no time), none after the fix.
    let when: Vec<usize> = path.iter().enumerate().filter(|(_, x)| !x.3.is_empty()).map(|(k, _)| k).collect();
    assert_eq!(when, vec![update]);
    assert_eq!(done.summary.f("bad_debt_eth"), 0.0, "no bad debt, as on chain");
}
