//! The shock catalogue: each kind changes exactly what it should, checked on the unit world (one
//! LRT at NAV 1, one 100,000/100,000 pool, an Aave-like market) or a shipped scenario, with the
//! accounting invariants checked after every step. And random hazards fire at their rate.

mod common;
use common::*;
use restake_agents::events::EventKind;
use restake_agents::market::OUTSIDE;
use restake_agents::scenario::{
    Allocation, Dist, HazardConfig, HazardLayer, OracleFailure, RecoveryConfig, Scenario, ShockConfig, Span,
};
use restake_agents::vocab::Asset;
use restake_agents::{World, run_once};
use restake_engine::{Model, StepContext};

include!("data/unit_world.rs");

/// Holders of the unit LRT (no market) and, if `market` is given, loopers on it; the run lasts
/// `hours`.
fn world_text(market: &str, hours: u64) -> String {
    let holders = r#"
[[retail]]
id = "holders"
agents = 200
lrt = "L"
wealth_total = 2000.0
wealth_sigma = 0.5
looper_share = 0.0
target_health_factor = { dist = "fixed", value = 1.2 }
deleverage_at = { dist = "fixed", value = 0.5 }
panic_loss = { dist = "fixed", value = 5.0 }
herd_sensitivity = { dist = "fixed", value = 0.0 }
queue_discount_rate = { dist = "fixed", value = 0.1 }
slippage_tolerance = { dist = "fixed", value = 0.01 }
attention_per_day = 1.0
"#;
    let mut t = format!("{UNIT}{holders}{market}");
    t = t.replace("duration = \"1d\"", &format!("duration = \"{hours}h\""));
    t
}

fn scenario(text: &str, shocks: Vec<ShockConfig>) -> Scenario {
    let mut s: Scenario = toml::from_str(text).unwrap();
    s.shocks = shocks;
    s.engine.check_invariants = true;
    s
}

/// The world of `s` after `at` full steps, before and after the exogenous phase of step `at`
/// (where a shock at `at` fires).
fn around(s: &Scenario, at: u64) -> (World, World) {
    let r = resolved(s);
    let before = clone_by_replay(&r, at);
    let mut after = clone_by_replay(&r, at);
    let ctx = StepContext { step: at, steps: r.steps, dt_seconds: r.dt_seconds, seed: 3 };
    after.exogenous(&ctx).unwrap();
    after.check_invariants().unwrap();
    (before, after)
}

/// The world after `steps` full steps (worlds are not Clone: replaying is the copy).
fn clone_by_replay(r: &restake_agents::Resolved, steps: u64) -> World {
    let mut w = World::new(r, 3);
    let mut intents = w.new_intents();
    for step in 0..steps {
        let ctx = StepContext { step, steps: r.steps, dt_seconds: r.dt_seconds, seed: 3 };
        w.exogenous(&ctx).unwrap();
        w.decide(&ctx, &mut intents);
        w.apply(&ctx, &intents).unwrap();
        while w.resolve_round(&ctx, 1).unwrap() > 0 {}
        w.settle(&ctx).unwrap();
        w.check_invariants().unwrap();
    }
    w
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * b.abs().max(1.0)
}

#[test]
fn an_lrt_exploit_lowers_its_nav_and_nothing_upstream() {
    let s = scenario(
        &world_text("", 6),
        vec![ShockConfig::Exploit {
            at: Span::hours(2),
            lrt: "L".into(),
            stolen_fraction: 0.2,
            minted: 0.0,
            dump: false,
            freeze: true,
            recovery: None,
        }],
    );
    let (b, a) = around(&s, 2);
    assert!(close(a.nav(0) / b.nav(0), 0.8, 1e-12), "NAV x 0.8: {} -> {}", b.nav(0), a.nav(0));
    // Upstream: the operator's share value, the AVS and the slashing tallies do not move.
    assert_eq!(a.operators()[0].share_value(), b.operators()[0].share_value());
    assert_eq!(a.avss()[0].slashed_eth, 0.0);
    assert_eq!(a.lrts()[0].slashed_eth, 0.0);
    // The stake left the operator with the LRT's shares (20% of them).
    assert!(close(a.operators()[0].shares, b.operators()[0].shares * 0.8, 1e-12));
    // Frozen afterwards: no deposits, no withdrawals.
    assert!(a.lrts()[0].paused && a.lrts()[0].deposits_paused);
    // The pool did not move (nothing was dumped).
    assert_eq!(a.pools()[0].price(), b.pools()[0].price());
}

#[test]
fn a_recovery_returns_part_of_what_an_exploit_took() {
    // 20% stolen, half of it returned 2 hours later: NAV goes 1 -> 0.8 -> 0.9 (rewards aside).
    let s = scenario(
        &world_text("", 8),
        vec![ShockConfig::Exploit {
            at: Span::hours(1),
            lrt: "L".into(),
            stolen_fraction: 0.2,
            minted: 0.0,
            dump: false,
            freeze: false,
            recovery: Some(RecoveryConfig { after: Span::hours(2), fraction: 0.5 }),
        }],
    );
    let (_, path) = run_traced(&s, |w: &World| w.nav(0));
    assert!(path[1] < 0.81 && path[1] > 0.79, "after the exploit {}", path[1]);
    assert!((path[3] / path[2] - 0.9 / 0.8).abs() < 1e-3, "recovered: {} -> {}", path[2], path[3]);
}

fn pooled_market_with_lenders() -> String {
    UNIT_POOLED.replacen(
        "[[markets.reserves]]",
        "suppliers = { count = 10, passive_share = 0.0, utilisation_threshold = { dist = \"fixed\", value = 1.0 }, bad_debt_threshold = { dist = \"fixed\", value = 1.0 } }\n[[markets.reserves]]",
        1,
    )
}

fn bridge(allocation: Allocation) -> ShockConfig {
    ShockConfig::BridgeExploit {
        at: Span::hours(2),
        lrt: "L".into(),
        minted: 500.0,
        market: Some("m".into()),
        deposited: None,
        allocation,
        freeze: false,
        recovery: None,
    }
}

#[test]
fn a_bridge_exploit_raises_supply_without_backing_and_the_attacker_drains_the_market() {
    // 500 unbacked L on a supply of S: shared, NAV x S / (S + 500); the attacker deposits them on
    // the pooled market (L: LTV 72%) and borrows 0.72 x 500 x 1 ETH = 360 ETH of its 1,000 ETH
    // of cash, and leaves with it.
    let text = world_text(&pooled_market_with_lenders(), 6);
    let s = scenario(&text, vec![bridge(Allocation::Shared)]);
    let (b, a) = around(&s, 2);
    let supply = b.lrts()[0].supply;
    assert!(close(a.lrts()[0].supply, supply + 500.0, 1e-12));
    assert!(close(a.nav(0), b.nav(0) * supply / (supply + 500.0), 1e-12));
    let m = &a.markets()[0];
    let slot = m.positions() - 1;
    assert_eq!(m.owner(slot), OUTSIDE);
    let borrowed = m.debt(slot, 0);
    // The oracle reads the LRT at 1.0 (fixed): 500 x 1.0 x 0.72.
    assert!(close(borrowed, 360.0, 1e-6), "borrowed {borrowed}");
    assert!(close(b.markets()[0].cash_of(Asset::Eth) - m.cash_of(Asset::Eth), 360.0, 1e-6));
    assert!(close(a.ledger().external_eth - b.ledger().external_eth, 360.0, 1e-6), "the ETH left the world");
    // Ring-fenced: the bridged tokens are worthless and burned; NAV is whole, the market books
    // the 360 ETH as bad debt.
    let s = scenario(&text, vec![bridge(Allocation::RingFenced)]);
    let (b, a) = around(&s, 2);
    assert!(close(a.lrts()[0].supply, b.lrts()[0].supply, 1e-12));
    assert!(close(a.nav(0), b.nav(0), 1e-12));
    assert!(close(a.tally().market[0].bad_debt, 360.0, 1e-6));
    assert!(close(a.markets()[0].bad_debt_eth(), 360.0, 1e-6));
}

#[test]
fn a_frozen_collateral_stops_new_borrowing_against_it() {
    // The same bridge exploit an hour after the market froze L: the attacker cannot deposit, so
    // nothing is borrowed; the tokens it kept are dumped into the pool instead.
    let text = world_text(&pooled_market_with_lenders(), 6);
    let freeze = ShockConfig::FreezeCollateral { at: Span::hours(1), market: "m".into(), asset: Some("L".into()) };
    let s = scenario(&text, vec![freeze, bridge(Allocation::Shared)]);
    let (b, a) = around(&s, 2);
    assert_eq!(a.markets()[0].positions(), b.markets()[0].positions(), "no position opened");
    assert_eq!(a.markets()[0].cash_of(Asset::Eth), b.markets()[0].cash_of(Asset::Eth));
    assert!(a.pools()[0].price() < b.pools()[0].price(), "dumped into the pool");
}

#[test]
fn a_lender_run_takes_utilisation_to_its_cap_and_queues_withdrawals() {
    // A looper borrows 30 ETH of 40 supplied (75%); every lender runs at hour 1: 10 ETH of cash
    // pays the first, utilisation goes to 100%, the rest wait.
    let market = isolated(0.9).replace(
        "idle_supply = 1000.0",
        "idle_supply = 10.0\nsuppliers = { count = 10, utilisation_threshold = { dist = \"fixed\", value = 1.0 }, bad_debt_threshold = { dist = \"fixed\", value = 1.0 } }",
    );
    let s = scenario(
        &world_text(&format!("{market}{}", looper("m", 10.0)), 4),
        vec![ShockConfig::LenderRun { at: Span::hours(1), market: "m".into(), share: 1.0 }],
    );
    let (_, path) = run_traced(&s, |w: &World| (w.markets()[0].utilisation(), w.withdrawal_queue_eth(0)));
    assert!((path[0].0 - 0.75).abs() < 1e-3, "before: {}", path[0].0);
    assert!((path[1].0 - 1.0).abs() < 1e-9, "utilisation at its cap: {}", path[1].0);
    assert!((path[1].1 - 30.0).abs() < 0.1, "30 ETH wait: {}", path[1].1);
}

#[test]
fn a_delisting_removes_pool_liquidity() {
    let s =
        scenario(&world_text("", 4), vec![ShockConfig::Delist { at: Span::hours(1), pool: "p".into(), share: 0.6 }]);
    let (b, a) = around(&s, 1);
    assert!(close(a.pools()[0].eth_reserve(), 0.4 * b.pools()[0].eth_reserve(), 1e-12));
    assert!(close(a.pools()[0].lrt_reserve(), 0.4 * b.pools()[0].lrt_reserve(), 1e-12));
    assert!(close(a.pools()[0].price(), b.pools()[0].price(), 1e-12), "the price stays; the depth goes");
}

#[test]
fn a_pool_exploit_drains_both_reserves_and_leaves_lp_shares() {
    let s = scenario(
        &world_text("", 4),
        vec![ShockConfig::PoolExploit { at: Span::hours(1), pool: "p".into(), fraction: 0.25, recovery: None }],
    );
    let (b, a) = around(&s, 1);
    let lp = |w: &World| restake_amm::Amm::lp_supply(&w.pools()[0].amm);
    assert!(close(a.pools()[0].eth_reserve(), 0.75 * b.pools()[0].eth_reserve(), 1e-12));
    assert_eq!(lp(&a), lp(&b));
    assert!(close(a.ledger().external_eth - b.ledger().external_eth, 0.25 * b.pools()[0].eth_reserve(), 1e-9));
}

#[test]
fn a_market_exploit_steals_collateral_and_leaves_the_debt() {
    let market = isolated(0.9);
    let s = scenario(
        &world_text(&format!("{market}{}", looper("m", 10.0)), 4),
        vec![ShockConfig::MarketExploit { at: Span::hours(1), market: "m".into(), fraction: 0.5, recovery: None }],
    );
    let (b, a) = around(&s, 1);
    let (m0, m1) = (&b.markets()[0], &a.markets()[0]);
    assert!(close(m1.supplied(0, 0), 0.5 * m0.supplied(0, 0), 1e-12));
    assert_eq!(m1.debt(0, 0), m0.debt(0, 0));
    // 40 L x 0.5 at 0.9 LLTV against 30 ETH: HF 0.6, liquidatable.
    assert!(m1.position(0, 0, 0).hf < 1.0);
}

#[test]
fn a_vault_exploit_takes_stake_from_everyone_on_the_protocol() {
    let s = scenario(
        &world_text("", 4),
        vec![ShockConfig::VaultExploit { at: Span::hours(1), protocol: "el".into(), fraction: 0.1, recovery: None }],
    );
    let (b, a) = around(&s, 1);
    assert!(close(a.operators()[0].share_value(), 0.9 * b.operators()[0].share_value(), 1e-12));
    // The LRT keeps its buffer (2%): NAV falls by 10% of the 98% restaked.
    let restaked = 1.0 - b.lrts()[0].buffer_eth / (b.nav(0) * b.lrts()[0].supply);
    assert!(close(a.nav(0), b.nav(0) * (1.0 - 0.1 * restaked), 1e-9), "{} -> {}", b.nav(0), a.nav(0));
    assert_eq!(a.lrts()[0].slashed_eth, 0.0, "stolen, not slashed");
}

#[test]
fn oracle_failures_freeze_misreport_and_restore() {
    // The unit market's LRT feed is fixed at 1.0; an offset of -5% reports 0.95, a restore 1.0.
    let text = world_text(&format!("{}{}", isolated(0.9), looper("m", 10.0)), 6);
    let oracle = |h, failure, offset| ShockConfig::Oracle {
        at: Span::hours(h),
        market: "m".into(),
        asset: None,
        failure,
        offset,
    };
    let s = scenario(&text, vec![oracle(1, OracleFailure::Offset, -0.05), oracle(3, OracleFailure::Restore, 0.0)]);
    let (_, path) = run_traced(&s, |w: &World| w.markets()[0].oracle_price());
    assert_eq!(path[0], 1.0);
    assert!((path[1] - 0.95).abs() < 1e-12 && (path[2] - 0.95).abs() < 1e-12);
    assert_eq!(path[3], 1.0);
}

#[test]
fn an_exit_wave_moves_the_share_of_holders_it_names_within_its_window() {
    // Half of the 200 holders must leave within 4 hours of hour 1, whatever the price.
    let s = scenario(
        &world_text("", 8),
        vec![ShockConfig::ExitWave {
            at: Span::hours(1),
            lrt: Some("L".into()),
            cohort: None,
            share: 0.5,
            over: Span::hours(4),
        }],
    );
    let (_, exits) = run_traced(&s, |w: &World| w.tally().lrt[0].exits);
    let total: u32 = exits.iter().sum();
    let before: u32 = exits[..1].iter().sum();
    let after: u32 = exits[5..].iter().sum();
    // Each holder is in with probability 1/2 (its own stream): 100 +- 3 x 7.
    assert!((79..=121).contains(&total), "{total} left");
    assert_eq!(before, 0, "nobody before the wave");
    assert!(after <= 2, "the wave is over after its window: {after}");
}

#[test]
fn an_eth_crash_over_hours_ends_where_it_says() {
    // ETH/USD is fixed at 3,000 (scripted); a 30% crash over 6 hours with no noise is a straight
    // line in log price: 3,000 x 0.7^(k/6) after k of the 6 steps.
    let s = scenario(
        &world_text("", 10),
        vec![ShockConfig::EthCrash { at: Span::hours(2), fraction: 0.3, over: Some(Span::hours(6)), volatility: 0.0 }],
    );
    let (_, path) = run_traced(&s, |w: &World| w.eth_usd());
    assert!((path[2] - 3000.0).abs() < 1e-9, "the crash starts in the next step");
    for k in 1..=6 {
        let want = 3000.0 * 0.7f64.powf(k as f64 / 6.0);
        assert!((path[2 + k] - want).abs() < 1e-9, "step {}: {} vs {want}", 2 + k, path[2 + k]);
    }
    assert!((path[9] - 2100.0).abs() < 1e-9);
}

#[test]
fn paused_deposits_stop_minting_and_paused_withdrawals_stop_requests() {
    let text = world_text("", 6);
    let pause =
        ShockConfig::Pause { at: Span::hours(1), lrt: "L".into(), deposits: Some(true), withdrawals: Some(true) };
    let s = scenario(&text, vec![pause]);
    let (b, a) = around(&s, 1);
    assert!(!b.lrts()[0].paused && a.lrts()[0].paused && a.lrts()[0].deposits_paused);
    assert!(!a.views()[0].redemptions_open, "agents see no queue");
}

#[test]
fn hazards_fire_at_their_rate_and_correlated_ones_together() {
    // An LRT hazard of 50 events a year over a day of hourly steps: P(at least one) =
    // 1 - exp(-50/365) = 0.1280. Over 600 runs the share has a standard error of 0.0136; the test
    // allows 4 of them. A pool hazard in the same group fires in exactly the same runs.
    let mut s: Scenario = toml::from_str(&world_text("", 24)).unwrap();
    let hazard = |layer, target: &str| HazardConfig {
        layer,
        target: target.into(),
        events_per_year: 50.0,
        loss: Dist::Uniform { low: 0.01, high: 0.02 },
        group: Some("shared-code".into()),
        market: None,
    };
    s.hazards = vec![hazard(HazardLayer::Lrt, "L"), hazard(HazardLayer::Pool, "p")];
    let r = resolved(&s);
    let (mut hit, mut together) = (0, true);
    let n = 600;
    for seed in 0..n {
        let mut counts = (0u32, 0u32);
        let rec = restake_engine::FnRecorder(|_: &StepContext, _: u32, w: &World| {
            for e in w.events().current() {
                if e.kind == EventKind::Exploit {
                    match e.entity {
                        restake_agents::events::Entity::Lrt(_) => counts.0 += 1,
                        restake_agents::events::Entity::Pool(_) => counts.1 += 1,
                        _ => {}
                    }
                }
            }
        });
        run_once(&r, seed, true, rec).unwrap();
        if counts.0 > 0 {
            hit += 1;
        }
        together &= counts.0 == counts.1;
    }
    let share = hit as f64 / n as f64;
    let p = 1.0 - (-50.0f64 / 365.0).exp();
    let se = (p * (1.0 - p) / n as f64).sqrt();
    eprintln!("{hit} of {n} runs had an exploit: {share:.4} vs {p:.4} (se {se:.4})");
    assert!((share - p).abs() < 4.0 * se, "{share} vs {p}");
    assert!(together, "one group, one draw");
}

#[test]
fn an_incentive_end_stops_the_incentives() {
    let text = world_text("", 4).replacen("id = \"a\"", "id = \"a\"\nincentive_apr = 0.05", 1);
    let s = scenario(&text, vec![ShockConfig::IncentiveEnd { at: Span::hours(2), avs: "a".into() }]);
    let (b, a) = around(&s, 2);
    assert_eq!(b.avss()[0].incentive.apr_at(b.time_seconds()), 0.05);
    assert_eq!(a.avss()[0].incentive.apr_at(a.time_seconds()), 0.0);
}
