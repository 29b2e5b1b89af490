//! What yield paid: strategies' returns taken apart by source, incentives that are paid and end,
//! and the flows they drive (configs/baseline.toml, configs/apy-trap.toml).

mod common;
use common::*;
use restake_agents::Scenario;
use restake_agents::scenario::{ShockConfig, Span};

const PARTS: [&str; 8] = ["base", "avs_fees", "fees", "slashing", "incentives", "points", "borrow_cost", "liquidation"];

fn metric(done: &restake_agents::Finished, name: &str) -> f64 {
    done.summary.f(name)
}

fn parts_sum(done: &restake_agents::Finished, s: &str) -> f64 {
    PARTS.iter().map(|p| metric(done, &format!("strategy.{s}.{p}_apy"))).sum()
}

#[test]
fn the_apy_decomposition_sums_to_the_realised_apy_for_every_baseline_strategy() {
    let s = config("baseline");
    let (done, _) = run_checked(&s);
    let years = 120.0 / 8760.0;
    for id in ["hold", "loop", "half-looped"] {
        let apy = metric(&done, &format!("strategy.{id}.apy"));
        let sum = parts_sum(&done, id);
        assert!((apy - sum).abs() < 1e-9 * apy.abs().max(1.0), "{id}: apy {apy} vs parts {sum}");
    }
    // Read independently: a holder of 100 ETH of rstETH minted at NAV 1 ends with 100 x the final
    // NAV, plus the incentives the bridge AVS paid; the slash is in the slashing part.
    let nav = metric(&done, "lrt.rstETH.final_nav");
    let incentives = metric(&done, "strategy.hold.incentives_apy") * 100.0 * years;
    let value = metric(&done, "strategy.hold.value_eth");
    assert!((value - (100.0 * nav + incentives)).abs() < 1e-9, "value {value}, NAV {nav}");
    assert!(metric(&done, "strategy.hold.slashing_apy") < -1.0, "the 30% bridge slash is a loss");
    // The loop at health factor 1.10 is liquidated by the depeg (pool-priced market); the one at
    // 1.3 (half of `half-looped`) is not.
    assert!(metric(&done, "strategy.loop.liquidation_apy") < 0.0);
    assert!(metric(&done, "strategy.loop.borrow_cost_apy") < 0.0);
    assert_eq!(metric(&done, "strategy.half-looped.liquidation_apy"), 0.0);
    assert_eq!(metric(&done, "strategy.loop.lost_principal"), 1.0);
}

/// The baseline without its slash and without incentives.
fn quiet_baseline() -> Scenario {
    let mut s = config("baseline");
    s.shocks.clear();
    for a in &mut s.avss {
        a.incentive_apr = 0.0;
    }
    s
}

#[test]
fn without_incentives_or_faults_the_realised_apy_is_base_plus_fees_less_fees() {
    let s = quiet_baseline();
    let (done, _) = run_checked(&s);
    let m = |p: &str| metric(&done, &format!("strategy.hold.{p}"));
    let expected = m("base_apy") + m("avs_fees_apy") + m("fees_apy");
    assert!((m("apy") - expected).abs() < 1e-9, "apy {} vs {expected}", m("apy"));
    for p in ["slashing_apy", "incentives_apy", "points_apy", "borrow_cost_apy", "liquidation_apy"] {
        assert!(m(p).abs() < 1e-9, "{p} = {}", m(p));
    }
    // The rates from the configuration: rewards accrue on the restaked 98% (2% is buffer). Base
    // 3%; AVS fees sum_o d_o sum_a m_oa fee_a = 0.4 x 0.0155 + 0.3 x 0.0107 + 0.3 x 0.0072 =
    // 1.157%; operator commission on them 0.4 x 0.00155 + 0.3 x 0.00107 + 0.3 x 0.00036 = 0.1049%;
    // the LRT's 10% on what is left. Within 1%: the buffer's share drifts as rewards arrive.
    let base = 0.03 * 0.98;
    let fees = 0.01157 * 0.98;
    let commission = 0.001049 * 0.98;
    let charged = commission + 0.1 * (base + fees - commission);
    let close = |got: f64, want: f64, what: &str| assert!((got / want - 1.0).abs() < 0.01, "{what}: {got} vs {want}");
    close(m("base_apy"), base, "base");
    close(m("avs_fees_apy"), fees, "AVS fees");
    close(-m("fees_apy"), charged, "fees charged");
    close(m("apy"), base + fees - charged, "realised");
    // Nothing went wrong, so the advertised APY was earned (to the buffer's drift).
    close(m("earned_share"), 1.0, "earned share");
    assert_eq!(m("lost_principal"), 0.0);
}

#[test]
fn incentives_are_paid_to_holders_and_not_to_nav() {
    // The baseline's bridge AVS pays 4% on the stake allocated to it; with and without it, NAV
    // ends the same and only the incentives differ.
    let with = run_checked(&quiet_baseline_with_incentives()).0;
    let without = run_checked(&quiet_baseline()).0;
    assert_eq!(metric(&with, "lrt.rstETH.final_nav"), metric(&without, "lrt.rstETH.final_nav"));
    let inc = metric(&with, "strategy.hold.incentives_apy");
    // 4% x (allocated to the bridge: op-a 0.4 x 0.5 + op-b 0.3 x 0.3 = 0.29) x 0.98 restaked,
    // less op commission 10% and the LRT's 10%: 0.04 x 0.29 x 0.98 x 0.9 x 0.9 = 0.9208%.
    assert!((inc / (0.04 * 0.29 * 0.98 * 0.81) - 1.0).abs() < 0.01, "incentives APY {inc}");
    assert!(metric(&with, "cohort.retail.incentives_eth") > 0.0);
    assert_eq!(metric(&without, "cohort.retail.incentives_eth"), 0.0);
}

fn quiet_baseline_with_incentives() -> Scenario {
    let mut s = config("baseline");
    s.shocks.clear();
    s
}

fn apy_trap(end: Option<&str>) -> Scenario {
    let mut s = config("apy-trap");
    s.avss[1].incentive_end = end.map(|e| e.parse::<Span>().unwrap());
    s
}

#[test]
fn ending_incentives_early_lowers_what_farmers_earn_and_starts_an_exit() {
    let probe = |w: &restake_agents::World| {
        let l = &w.tally().lrt[0];
        // The lowest pool price of the step (sales between liquidation rounds included).
        let low = w.tally().pool_min_price.first().copied().unwrap_or(f64::INFINITY).min(w.views()[0].price);
        (low, l.exits, l.requested_eth + l.instant_eth, w.tvl(), w.views()[0].headline_apy)
    };
    let (early, e) = run_traced(&apy_trap(Some("5d")), probe);
    let (never, n) = run_traced(&apy_trap(None), probe);
    // What the incentive-seeking cohort received, emissions and airdrop together.
    let (ie, inev) = (metric(&early, "cohort.farmers.incentives_eth"), metric(&never, "cohort.farmers.incentives_eth"));
    assert!(ie < 0.8 * inev, "farmers' incentives {ie} (ending on day 5) vs {inev} (never)");
    // Every strategy holding the LRT earns less of the incentives.
    for id in ["hold", "loop", "mix"] {
        let (a, b) = (
            metric(&early, &format!("strategy.{id}.incentives_apy")),
            metric(&never, &format!("strategy.{id}.incentives_apy")),
        );
        assert!(a < b, "{id}: {a} vs {b}");
    }
    // The steps from day 5 to day 10 (hours 120..240): the headline falls, holders leave, and
    // the pool price with them; TVL ends lower.
    let window = 120..240;
    let sum = |v: &[(f64, u32, f64, f64, f64)], f: fn(&(f64, u32, f64, f64, f64)) -> f64| -> f64 {
        v[window.clone()].iter().map(f).sum()
    };
    let low = |v: &[(f64, u32, f64, f64, f64)]| v[window.clone()].iter().map(|x| x.0).fold(f64::INFINITY, f64::min);
    assert!(e[125].4 < n[125].4 - 0.02, "headline APY {} vs {}", e[125].4, n[125].4);
    let (xe, xn) = (sum(&e, |x| x.1 as f64), sum(&n, |x| x.1 as f64));
    assert!(xe > 5.0 * xn.max(1.0), "exits on days 5-10: {xe} vs {xn}");
    assert!(sum(&e, |x| x.2) > 5.0 * sum(&n, |x| x.2), "redemptions requested or instant");
    assert!(low(&e) < low(&n) - 0.01, "pool price low {} vs {}", low(&e), low(&n));
    assert!(e.last().unwrap().3 < n.last().unwrap().3, "TVL at the end");
}

#[test]
fn fomo_brings_more_deposits_and_paused_deposits_bring_none() {
    let deposits = |s: &Scenario| metric(&run_checked(s).0, "lrt.farmETH.deposits_eth");
    let mut calm = apy_trap(None);
    calm.retail[0].flows.as_mut().unwrap().fomo = 0.0;
    let (d0, d3) = (deposits(&calm), deposits(&apy_trap(None)));
    assert!(d0 > 0.0 && d3 > 1.1 * d0, "deposits without FOMO {d0}, with {d3}");
    let mut paused = apy_trap(None);
    paused.shocks.push(ShockConfig::Pause {
        at: "0h".parse().unwrap(),
        lrt: "farmETH".into(),
        deposits: Some(true),
        withdrawals: None,
    });
    assert_eq!(deposits(&paused), 0.0);
}
