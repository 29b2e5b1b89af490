//! The restaking layer end to end: correlated slashing through shared operators, veto windows,
//! beacon-chain slashing, attacks by operators, and compounding risk.

mod common;
use common::*;
use restake_agents::events::{Event, EventKind};
use restake_agents::observe::Summary;
use restake_agents::observe::metrics::names;
use restake_agents::scenario::{ProtocolPreset, Scenario, ShockConfig, Span};
use restake_agents::{World, run_once};
use restake_engine::{Model, NullRecorder, StepContext};
use std::collections::HashMap;

fn correlated() -> Scenario {
    config("correlated-fault")
}

/// Runs `s` with invariants checked after every step: the final world, the summary and all events.
fn run_collecting(s: &Scenario, seed: u64) -> (World, Summary, Vec<Event>) {
    let (done, events) = run_checked_seed(s, seed);
    (done.world, done.summary, events)
}

fn chain(events: &[Event], id: u64) -> Vec<EventKind> {
    let by_id: HashMap<u64, &Event> = events.iter().map(|e| (e.id, e)).collect();
    let mut out = vec![];
    let mut cur = by_id.get(&id).copied();
    while let Some(e) = cur {
        out.push(e.kind);
        cur = e.cause.and_then(|c| by_id.get(&c).copied());
    }
    out
}

#[test]
fn a_correlated_fault_reaches_every_party_through_its_operators() {
    let s = correlated();
    let (w, sum, events) = run_collecting(&s, 11);
    // Restaked assets: rstETH supply = passive 150,000 + holders 20,000 + pool 20,000 = 190,000
    // at NAV 1, 98% restaked (2% buffer), half at op-a and half at op-b: 93,100 shares each.
    // ezETH: 100,000 + 15,000 + 15,000 = 130,000, 98% restaked, 60% op-c, 40% op-d.
    // The fault slashes 25% of the bridge and DA allocations:
    //   op-a: bridge 0.4          -> rstETH loses 93,100 x 0.4 x 0.25        =  9,310
    //   op-b: bridge 0.3 + DA 0.4 -> rstETH loses 93,100 x 0.7 x 0.25        = 16,292.5
    //                             -> natives lose 25,000 x 0.7 x 0.25        =  4,375
    //   op-c: DA 0.4              -> ezETH loses 130,000 x 0.98 x 0.6 x 0.4 x 0.25 = 7,644
    //   op-d: sequencer only      -> nothing
    let lrt_loss: HashMap<u32, f64> =
        events.iter().filter(|e| e.kind == EventKind::NavLoss).fold(HashMap::new(), |mut m, e| {
            if let restake_agents::events::Entity::Lrt(l) = e.entity {
                *m.entry(l).or_default() += e.amount_eth;
            }
            m
        });
    assert!((lrt_loss[&0] - 25_602.5).abs() < 1e-6, "{lrt_loss:?}");
    assert!((lrt_loss[&1] - 7_644.0).abs() < 1e-6, "{lrt_loss:?}");
    let native: f64 = events.iter().filter(|e| e.kind == EventKind::NativeLoss).map(|e| e.amount_eth).sum();
    assert!((native - 4_375.0).abs() < 1e-9);
    // Every loss traces back, through an operator slash and an AVS slash, to the one shock.
    for e in events.iter().filter(|e| matches!(e.kind, EventKind::NavLoss | EventKind::NativeLoss)) {
        assert_eq!(
            &chain(&events, e.id)[1..],
            &[EventKind::OperatorSlash, EventKind::AvsSlash, EventKind::Shock],
            "event {}",
            e.id
        );
    }
    // op-d is not slashed; every other operator is.
    let slashed_ops: std::collections::BTreeSet<String> = events
        .iter()
        .filter(|e| e.kind == EventKind::OperatorSlash)
        .map(|e| match e.entity {
            restake_agents::events::Entity::Operator(o) => w.operators()[o as usize].id.clone(),
            _ => unreachable!(),
        })
        .collect();
    assert_eq!(slashed_ops.into_iter().collect::<Vec<_>>(), vec!["op-a", "op-b", "op-c"]);
    // The run summary carries the losses and the exposure.
    let lrt = |m: &str| sum.f(&format!("lrt.rstETH.{m}"));
    let native = |m: &str| sum.f(&format!("native.{}.{m}", s.native_restakers[0].id));
    assert!((lrt(names::SLASHED) - 25_602.5).abs() < 1e-6);
    assert!((native(names::SLASHED) - 4_375.0).abs() < 1e-9);
    // rstETH's operators are exposed to oracle, bridge, sequencer (op-a) and bridge, DA (op-b).
    assert_eq!(lrt("slashing_conditions"), 4.0);
    // Allocated exposure: half at op-a (0.9 allocated), half at op-b (0.7): 0.8.
    assert!((lrt("allocated_exposure") - 0.8).abs() < 1e-12);
    assert_eq!(native("slashing_conditions"), 3.0);
}

#[test]
fn a_veto_window_delays_slashing_and_a_veto_cancels_it() {
    // Karak: slashes wait 2 days. The fault at hour 12 executes at hour 60.
    let mut s = correlated();
    s.restaking_protocols[0].preset = Some(ProtocolPreset::Karak);
    let (_, _, events) = run_collecting(&s, 11);
    let requests: Vec<&Event> = events.iter().filter(|e| e.kind == EventKind::SlashRequest).collect();
    assert_eq!(requests.len(), 4, "op-a bridge, op-b bridge, op-b DA, op-c DA");
    assert!(requests.iter().all(|e| e.step == 12));
    let slashes: Vec<&Event> = events.iter().filter(|e| e.kind == EventKind::OperatorSlash).collect();
    assert_eq!(slashes.len(), 4);
    assert!(slashes.iter().all(|e| e.step == 12 + 48), "executed after the 2-day veto window");
    let native: f64 = events.iter().filter(|e| e.kind == EventKind::NativeLoss).map(|e| e.amount_eth).sum();
    assert!((native - 4_375.0).abs() < 1e-6, "same captured amounts: {native}");
    // With a certain veto, nothing is slashed.
    for a in &mut s.avss {
        a.veto_probability = 1.0;
    }
    let (_, sum, events) = run_collecting(&s, 11);
    assert_eq!(events.iter().filter(|e| e.kind == EventKind::SlashVetoed).count(), 4);
    assert_eq!(events.iter().filter(|e| e.kind == EventKind::OperatorSlash).count(), 0);
    assert_eq!(sum.f(names::SLASHED), 0.0);
}

#[test]
fn beacon_slashing_applies_the_spec_penalties() {
    // Slash all of op-d's validators on the beacon chain: stake 130,000 x 0.98 x 0.4 = 50,960
    // ETH of rstETH... of ezETH plus 25,000 of natives = 75,960 ETH slashed in the window; with
    // 34M active, each 32 ETH validator loses 32/4096 + 3 x 75,960/34M x 32 (Electra, per
    // increment: floor(227,880e9 / 34e6) = 6,702,352 Gwei x 32).
    let mut s = correlated();
    s.shocks = vec![ShockConfig::BeaconSlash { at: Span::hours(6), operator: "op-d".into(), validators: 1.0 }];
    let (w, _, events) = run_collecting(&s, 11);
    let stake = 130_000.0 * 0.98 * 0.4 + 25_000.0;
    let per_validator_gwei = 7_812_500.0 + 6_702_352.0 * 32.0;
    let fraction = per_validator_gwei / 32e9;
    let lost: f64 = events.iter().filter(|e| e.kind == EventKind::BeaconSlash).map(|e| e.amount_eth).sum();
    assert!((lost - stake * fraction).abs() < 1e-6 * stake, "{lost} vs {}", stake * fraction);
    assert!((w.operators()[3].beacon_factor - (1.0 - fraction)).abs() < 1e-15);
}

#[test]
fn operators_attack_when_it_pays() {
    // Make the bridge worth corrupting: 60,000 -> 10,000,000 ETH of profit; op-a and op-b
    // (the bridge's operators) hold far less stake, so attacking pays.
    let mut s = correlated();
    s.shocks.clear();
    s.avss[1].profit_from_corruption = Some(10_000_000.0);
    s.security.operator_attacks = true;
    let (w, sum, events) = run_collecting(&s, 11);
    let attacks: Vec<&Event> = events.iter().filter(|e| e.kind == EventKind::Attack).collect();
    assert_eq!(attacks.len(), 1, "the corrupted AVS is not attacked twice");
    assert_eq!(attacks[0].step, 0);
    assert_eq!(sum.f("attacks"), 1.0);
    // The attackers lost their whole stake; the LRT delegated to them lost with them.
    let attackers: Vec<&str> = w.operators().iter().filter(|o| o.stake() == 0.0).map(|o| o.id.as_str()).collect();
    assert!(!attackers.is_empty());
    assert!(attackers.iter().all(|a| *a == "op-a" || *a == "op-b"), "{attackers:?}");
    assert!(sum.f("lrt.rstETH.slashed_eth") > 0.0);
    // Secure as configured: no attack.
    let mut s = correlated();
    s.shocks.clear();
    s.security.operator_attacks = true;
    let (_, _, events) = run_collecting(&s, 11);
    assert_eq!(events.iter().filter(|e| e.kind == EventKind::Attack).count(), 0);
}

/// One LRT over `operators` operators; each AVS is allocated `alloc` by `per_avs` operators.
fn compounding(avs_count: usize, concentrated: bool) -> Scenario {
    let mut s = correlated();
    s.name = "compounding".into();
    s.time.step = Span::hours(24);
    s.time.duration = Span::hours(24 * 365);
    s.shocks.clear();
    s.retail.truncate(1);
    s.retail[0].agents = 10;
    s.lrts.truncate(1);
    s.pools.truncate(1);
    s.native_restakers.clear();
    s.arbitrageurs.clear();
    let template = s.avss[0].clone();
    s.avss = (0..avs_count)
        .map(|k| {
            let mut a = template.clone();
            a.id = format!("avs-{k}");
            a.fault_hazard_per_year = 0.5;
            a.slash_fraction = 0.5;
            a
        })
        .collect();
    let op_template = s.operators[0].clone();
    if concentrated {
        // One operator allocates 0.15 to every AVS.
        let mut o = op_template.clone();
        o.id = "op-0".into();
        o.allocations = (0..avs_count).map(|k| (format!("avs-{k}"), 0.15)).collect();
        s.operators = vec![o];
    } else {
        // Same total allocation, spread: operator k allocates 0.15 x n to AVS k only.
        s.operators = (0..avs_count)
            .map(|k| {
                let mut o = op_template.clone();
                o.id = format!("op-{k}");
                o.allocations = [(format!("avs-{k}"), 0.15 * avs_count as f64)].into_iter().collect();
                o
            })
            .collect();
    }
    let w = 1.0 / s.operators.len() as f64;
    s.lrts[0].delegations = s.operators.iter().map(|o| (o.id.clone(), w)).collect();
    s
}

fn losses(s: &Scenario, seeds: u64) -> Vec<f64> {
    let mut r = resolved(s);
    r.max_liquidation_rounds = 10;
    let id = &s.lrts[0].id;
    (0..seeds)
        .map(|seed| run_once(&r, seed, false, NullRecorder).unwrap().summary.f(&format!("lrt.{id}.slash_loss")))
        .collect()
}

fn quantile(v: &mut [f64], q: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    restake_agents::observe::quantile_sorted(v, q)
}

#[test]
fn compounding_risk_grows_with_avs_count_and_follows_allocated_exposure_not_its_split() {
    // Each AVS faults 0.5 times a year and slashes half its allocation (0.15 of the stake per
    // AVS when concentrated). First-order expected loss per AVS over a year:
    // 0.15 x 0.5 x (1 - e^-0.5 ...) ~ 3-4% of restaked stake, so the mean grows ~linearly in the
    // number of AVSs.
    let n = 300;
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let sd = |v: &[f64]| {
        let m = mean(v);
        (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64).sqrt()
    };
    let l1 = losses(&compounding(1, true), n);
    let l3 = losses(&compounding(3, true), n);
    let l6 = losses(&compounding(6, true), n);
    let (m1, m3, m6) = (mean(&l1), mean(&l3), mean(&l6));
    eprintln!("mean slash loss with 1, 3, 6 AVSs: {m1:.4} {m3:.4} {m6:.4}");
    assert!(m1 < m3 && m3 < m6, "mean loss grows with AVS count: {m1} {m3} {m6}");
    assert!(m6 / m1 > 4.0 && m6 / m1 < 8.0, "roughly linear: {m1} {m6}");
    let p_any = |v: &[f64]| v.iter().filter(|&&x| x > 0.0).count() as f64 / v.len() as f64;
    assert!(p_any(&l1) < p_any(&l3) && p_any(&l3) < p_any(&l6));
    let mut c6 = l6.clone();
    let mut c1 = l1.clone();
    assert!(quantile(&mut c1, 0.99) < quantile(&mut c6, 0.99), "the tail grows too");
    // Unique stake: a fault of AVS k costs the LRT (its stake at the slashed operator) x
    // (allocation) x (slash fraction) = 7.5% whether one operator allocates 0.15 to all six AVSs
    // or six operators allocate 0.9 to one each. Splitting the same allocated exposure across
    // operators does not change the loss distribution (means within 4 standard errors).
    let d6 = losses(&compounding(6, false), n);
    let mut d6s = d6.clone();
    eprintln!(
        "99% loss: 1 AVS {:.4}, 6 AVSs {:.4} (one operator), {:.4} (six operators); mean split {:.4}",
        quantile(&mut c1, 0.99),
        quantile(&mut c6, 0.99),
        quantile(&mut d6s, 0.99),
        mean(&d6)
    );
    let se = (sd(&l6).powi(2) / n as f64 + sd(&d6).powi(2) / n as f64).sqrt();
    assert!((mean(&d6) - m6).abs() < 4.0 * se, "means {} vs {m6} (se {se})", mean(&d6));
}

#[test]
fn an_exploit_cuts_nav_by_what_was_taken_and_dilutes_by_what_was_minted() {
    let mut s = correlated();
    let at = 6u64;
    s.shocks = vec![ShockConfig::Exploit {
        at: Span::hours(at),
        lrt: "ezETH".into(),
        stolen_fraction: 0.1,
        minted: 0.0,
        dump: true,
        freeze: false,
        recovery: None,
    }];
    let nav_around = |s: &Scenario| {
        let r = resolved(s);
        let mut w = World::new(&r, 11);
        let mut intents = w.new_intents();
        let mut before = 0.0;
        for step in 0..=at {
            let ctx = StepContext { step, steps: r.steps, dt_seconds: r.dt_seconds, seed: 11 };
            if step == at {
                before = w.nav(1);
                w.exogenous(&ctx).unwrap();
                return (before, w.nav(1), w.lrts()[1].supply, w.events().current().to_vec());
            }
            w.exogenous(&ctx).unwrap();
            w.decide(&ctx, &mut intents);
            w.apply(&ctx, &intents).unwrap();
            while w.resolve_round(&ctx, 1).unwrap() > 0 {}
            w.settle(&ctx).unwrap();
        }
        unreachable!("{before}")
    };
    // 10% of every asset stolen: NAV x 0.9, and the NAV loss equals the ETH stolen.
    let (before, after, supply, events) = nav_around(&s);
    assert!((after / before - 0.9).abs() < 1e-12, "{before} -> {after}");
    let stolen = events.iter().find(|e| e.kind == EventKind::Exploit).unwrap().amount_eth;
    let loss = events.iter().find(|e| e.kind == EventKind::NavLoss).unwrap().amount_eth;
    assert!((stolen - loss).abs() < 1e-9 * stolen && (stolen - 0.1 * before * supply).abs() < 1e-6, "{stolen} {loss}");
    // Unbacked tokens equal to 10% of supply: NAV / 1.1, dumped into the pool (a pool sale caused
    // by the exploit), books balanced after every step.
    let supply0 = World::new(&resolved(&s), 11).lrts()[1].supply;
    s.shocks = vec![ShockConfig::Exploit {
        at: Span::hours(at),
        lrt: "ezETH".into(),
        stolen_fraction: 0.0,
        minted: 0.1 * supply0,
        dump: true,
        freeze: false,
        recovery: None,
    }];
    let (before, after, supply_after, events) = nav_around(&s);
    // Same assets over S + m tokens: NAV x S / (S + m), S the supply just before (redemptions
    // moved it a little from the start).
    let m = 0.1 * supply0;
    assert!((after / before - (supply_after - m) / supply_after).abs() < 1e-12, "{before} -> {after}");
    assert!((after / before - 1.0 / 1.1).abs() < 0.01);
    let exploit = events.iter().find(|e| e.kind == EventKind::Exploit).unwrap();
    let sale = events.iter().find(|e| e.kind == EventKind::PoolSell).unwrap();
    assert_eq!(sale.cause, Some(exploit.id));
    let (_, _, all) = run_collecting(&s, 11);
    assert!(all.iter().any(|e| e.kind == EventKind::PoolSell));
}
