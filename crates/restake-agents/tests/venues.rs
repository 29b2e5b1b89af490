//! Pools as venues: a rate-oracle pool that follows NAV, arbitrage between two pools of one LRT,
//! and liquidity providers who leave a stressed pool and come back when it calms. Every run
//! checks the accounting invariants after every step.

mod common;
use common::*;
use restake_agents::observe::metrics::names;
use restake_agents::scenario::{Dist, LpConfig, PoolKind, PoolRate, ShockConfig, Span};
use restake_agents::{Scenario, World};

/// The baseline with minting closed to arbitrageurs (so nothing but the pool's own rate can
/// carry a NAV change into its price) and no holders' reaction to the slash (nobody panics).
fn quiet_baseline() -> Scenario {
    let mut s = config("baseline");
    s.arbitrageurs[0].mint = false;
    s.retail[0].panic_loss = Dist::Fixed { value: 10.0 };
    s.retail[0].looper_share = 0.0;
    s
}

#[test]
fn a_rate_oracle_pool_follows_nav_without_a_trade() {
    // The bridge slash takes NAV to ~0.915 at hour 24. A plain pool keeps trading at ~1.0 until
    // someone sells; a pool whose invariant reads NAV (Curve stableswap-ng's rate oracle) moves
    // with it at once. With A = 100 and balanced reserves, the spot price of a coin counted at
    // rate r is r x (1 + O(imbalance / A)): within 0.5% of NAV.
    let slash = 24;
    let gap = |rate: PoolRate| {
        let mut s = quiet_baseline();
        s.pools[0].rate = rate;
        let (_, path) = run_traced(&s, |w: &World| w.views()[0].price / w.nav(0) - 1.0);
        path[slash]
    };
    let plain = gap(PoolRate::None);
    let rated = gap(PoolRate::Nav);
    eprintln!("pool price / NAV - 1 after the slash: plain {plain:.4}, rate oracle {rated:.4}");
    assert!(plain > 0.05, "the plain pool stays above the slashed NAV: {plain}");
    assert!(rated.abs() < 0.005, "the rate-oracle pool is at NAV: {rated}");
}

#[test]
fn arbitrage_keeps_two_pools_of_one_lrt_together() {
    // A second pool (constant product, 0.3% fee) next to the Curve pool; 8,000 rstETH are dumped
    // into the second one. Arbitrageurs buy there and sell in the Curve pool until the prices
    // differ by no more than the two fees.
    let mut s = config("baseline");
    let mut second = s.pools[0].clone();
    second.id = "uni-rstETH-ETH".into();
    second.kind = PoolKind::ConstantProduct;
    second.amp = None;
    second.fee = 0.003;
    second.eth = 10_000.0;
    second.lrt_reserve = 10_000.0;
    s.pools.push(second);
    s.lrts[0].passive_supply += 0.0;
    s.shocks = vec![ShockConfig::PoolSell { at: Span::hours(12), pool: "uni-rstETH-ETH".into(), lrt_amount: 8_000.0 }];
    let (done, path) = run_traced(&s, |w: &World| (w.pools()[0].price(), w.pools()[1].price()));
    let (curve, uni) = path[12];
    eprintln!("after the dump: curve {curve:.4}, uniswap {uni:.4}");
    // Alone, 8,000 into 10,000/10,000 at x*y=k would leave the price at (10/18)^2 = 0.309.
    assert!(uni > 0.9, "arbitrage lifted the dumped pool: {uni}");
    assert!(curve < 0.999, "and pressed the other one: {curve}");
    assert!((1.0 - uni / curve).abs() <= 0.003 + 0.0004 + 1e-6, "within the two fees: {curve} vs {uni}");
    assert!(done.summary.f("lrt.rstETH.min_price") < 0.999);
}

fn lps(share: f64) -> LpConfig {
    LpConfig {
        share,
        count: 20,
        imbalance: Dist::Uniform { low: 0.9, high: 0.95 },
        depeg: Dist::Uniform { low: 0.006, high: 0.012 },
        volatility: Dist::Fixed { value: 1000.0 },
        calm: 0.8,
        attention_per_day: 24.0,
        volatility_half_life: Span::hours(6),
    }
}

#[test]
fn liquidity_providers_leave_a_stressed_pool_and_come_back() {
    // 14,000 rsETH dumped into the 30,000/30,000 Curve pool at hour 24 take its price ~3% below
    // NAV. The arbitrageurs' own 6,000 ETH are soon locked in the queue; outside capital (60,000
    // ETH, from a 10%/yr return) arrives with a one-day time constant, so the discount lasts hours. 60% of the pool's
    // liquidity belongs to providers who leave beyond a 0.6-1.2% discount (or 90-95% rsETH) and
    // come back once below 80% of that: when the discount is back to what the queue's wait
    // costs (0.1/yr x 14 days + the fee, ~0.42%).
    let mut s = config("oracle-exchange-rate");
    s.arbitrageurs[0].arrival = Span::hours(24);
    s.arbitrageurs[0].hurdle_apr = 0.1;
    s.pools[0].lps = Some(lps(0.6));
    let depth = |w: &World| w.pools()[0].eth_reserve() + w.pools()[0].lrt_reserve();
    let (done, path) = run_traced(&s, |w: &World| (depth(w), w.views()[0].price / w.nav(0)));
    let start = path[0].0;
    let thinnest = path.iter().map(|x| x.0).fold(f64::INFINITY, f64::min);
    let end = path.last().unwrap().0;
    let withdrawn = done.summary.f(&format!("pool.curve-rsETH-ETH.{}", names::LP_WITHDRAWN));
    let returned = done.summary.f("pool.curve-rsETH-ETH.lp_returned_eth");
    let low = |p: &mut dyn Iterator<Item = f64>| p.fold(f64::INFINITY, f64::min);
    let with = low(&mut path.iter().map(|x| x.1));
    eprintln!(
        "depth {start:.0} -> {thinnest:.0} -> {end:.0}; withdrawn {withdrawn:.0} ETH, returned {returned:.0} ETH; \
         lowest price / NAV {with:.4}"
    );
    assert!(withdrawn > 0.0 && thinnest < start - 0.9 * withdrawn, "providers left: the pool lost depth");
    assert!(returned > 0.5 * withdrawn && end > thinnest + 0.9 * returned, "and came back as it calmed");
    // Without them the same dump meets a deeper pool: a shallower discount.
    let mut t = s.clone();
    t.pools[0].lps = None;
    let (_, calm) = run_traced(&t, |w: &World| w.views()[0].price / w.nav(0));
    let without = low(&mut calm.iter().copied());
    eprintln!("lowest price / NAV without providers who leave: {without:.4}");
    assert!(with <= without);
}
