//! Exits through the protocol: the redemption queue's announced wait against what requests
//! waited, disabled redemptions, and what an open queue with arbitrage capital does to a depeg.
//! Every run checks the accounting invariants after every step.

mod common;
use common::*;
use restake_agents::events::EventKind;
use restake_agents::observe::metrics::names;
use restake_agents::scenario::{BackingConfig, InstantConfig, RedemptionMode, Span};
use restake_agents::{Scenario, World};

/// The baseline (a public slash at hour 24 sets off an exit wave), with a short cooldown and
/// restaking delay so that requests are paid within the run.
fn paying_baseline(backing: BackingConfig) -> Scenario {
    let mut s = config("baseline");
    s.time.duration = Span::hours(12 * 24);
    s.retail[0].agents = 2000;
    s.lrts[0].cooldown = Span::hours(24);
    s.lrts[0].backing = backing;
    s.restaking_protocols[0].withdrawal_delay = Some(Span::hours(3 * 24));
    s
}

#[test]
fn requests_wait_as_long_as_the_protocol_announced() {
    for backing in [BackingConfig::Liquid, BackingConfig::Native] {
        let s = paying_baseline(backing);
        let (_, path) =
            run_traced(&s, |w: &World| (w.views()[0].wait_years * 365.0 * 24.0, w.population().queued.clone()));
        // The first agent (in agent order) to request in a step stands behind exactly the queue
        // the wait announced at the end of the step before was computed for.
        let n = path[0].1.len();
        let (mut checked, mut worst) = (0, 0.0f64);
        let mut seen = vec![false; n];
        for r in 1..path.len() {
            let Some(i) = (0..n).find(|&i| !seen[i] && path[r].1[i] > 0.0 && path[r - 1].1[i] == 0.0) else {
                continue;
            };
            for (k, s) in seen.iter_mut().enumerate() {
                *s |= path[r].1[k] > 0.0;
            }
            // The wait announced is that of a marginal (zero-size) request: the head of this
            // one. Its first ETH is due then; a large request may be paid in parts after it, as
            // later withdrawals of stake mature.
            let Some(paid) = (r + 1..path.len()).find(|&q| path[q].1[i] < path[r].1[i]) else { continue };
            let announced = path[r - 1].0;
            let waited = (paid - r) as f64;
            // Paid no later than announced, and at most a step earlier (rewards reach the buffer).
            assert!(waited <= announced + 1e-9, "{backing:?}: step {r}: waited {waited} h, announced {announced} h");
            worst = worst.max(announced - waited);
            checked += 1;
        }
        eprintln!("{backing:?}: {checked} first requests paid; largest gap announced vs waited {worst} h");
        assert!(checked >= 5, "{backing:?}: requests were paid within the run");
        assert!(worst <= 1.0, "{backing:?}: announced and realised waits differ by {worst} h");
    }
}

#[test]
fn with_redemptions_disabled_nothing_leaves_through_the_protocol() {
    let mut s = config("baseline");
    s.lrts[0].redemptions = RedemptionMode::Disabled;
    s.lrts[0].instant = None;
    let (done, events) = run_checked(&s);
    let through = |k: EventKind| events.iter().filter(|e| e.kind == k).count();
    assert_eq!(through(EventKind::RedemptionRequest), 0);
    assert_eq!(through(EventKind::RedemptionPaid), 0);
    assert_eq!(through(EventKind::InstantWithdrawal), 0);
    assert!(done.summary.f(names::RETAIL_EXITS) > 0.0, "holders still leave, through the pool");
    // Kept open explicitly, the instant route is the only protocol exit.
    s.lrts[0].instant = Some(InstantConfig { min_fee: 0.0, max_fee: 0.0, floor: 0.0 });
    let (_, events) = run_checked(&s);
    let through = |k: EventKind| events.iter().filter(|e| e.kind == k).count();
    assert!(through(EventKind::InstantWithdrawal) > 0);
    assert_eq!(through(EventKind::RedemptionRequest), 0);
}

/// (largest depeg, hours more than 0.5% below NAV) of a run of `s`.
fn depeg(s: &Scenario) -> (f64, f64) {
    let (_, path) = run_traced(s, |w: &World| 1.0 - w.views()[0].price / w.views()[0].nav);
    let hours = path.iter().filter(|&&d| d > 0.005).count() as f64 * s.time.step.seconds() / 3600.0;
    (path.iter().copied().fold(0.0, f64::max), hours)
}

#[test]
fn an_open_queue_with_arbitrage_capital_shortens_and_shallows_a_depeg() {
    // The same exit wave (14,000 rsETH sold into a 30,000/30,000 pool at hour 24, holders
    // following) with redemptions open and closed; arbitrageurs and their outside capital are the
    // same. Open, they buy and redeem while the discount pays for the queue's wait; closed, only
    // as dip buyers who must wait for the price to recover.
    let open = config("oracle-exchange-rate");
    let mut closed = open.clone();
    closed.lrts[0].redemptions = RedemptionMode::Disabled;
    let (d_open, h_open) = depeg(&open);
    let (d_closed, h_closed) = depeg(&closed);
    eprintln!("open: depeg {d_open:.4}, {h_open} h beyond 0.5%; closed: {d_closed:.4}, {h_closed} h");
    assert!(d_open < d_closed, "smaller: {d_open} vs {d_closed}");
    assert!(h_open < h_closed, "shorter: {h_open} h vs {h_closed} h");
}
