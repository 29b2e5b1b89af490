//! Lending in the world: pooled (Aave-v3-like) and isolated (Morpho-Blue-like) markets, their
//! oracles, liquidations through the world's rounds, the ETH/USD leg, the lender run, and the
//! scenarios in `configs/` that show the domino effect. Every scenario run here checks the
//! accounting invariants after every step. (The liquidation arithmetic of single positions is
//! tested inside the crate, in `world/tests.rs`.)

mod common;
use common::*;
use restake_agents::events::{Event, EventKind};
use restake_agents::market::ReserveMetric;
use restake_agents::observe::Summary;
use restake_agents::observe::metrics::{names, round_bin_names};
use restake_agents::population::Status;
use restake_agents::scenario::{ShockConfig, Span};
use restake_agents::{Scenario, World, resolve, run_once};
use restake_engine::FnRecorder;

fn with_slash(mut s: Scenario) -> Scenario {
    let at = s.shocks[0].at();
    s.shocks = vec![ShockConfig::Slash { at, avs: "avs-bridge".into(), fraction: 0.3 }];
    s
}

fn summary(s: &Scenario) -> Summary {
    run_checked(s).0.summary
}

// ---- the oracle pair ----

#[test]
fn a_dex_only_depeg_liquidates_under_the_market_oracle_only() {
    let mp = summary(&config("oracle-market-price"));
    let er = summary(&config("oracle-exchange-rate"));
    eprintln!(
        "DEX depeg: market-price {} liquidations ({:.1} ETH), exchange-rate {}",
        mp.f(names::LIQUIDATIONS),
        mp.f(names::LIQUIDATED_DEBT),
        er.f(names::LIQUIDATIONS)
    );
    assert!(mp.f(names::LIQUIDATIONS) > 0.0, "the pool-spot oracle passes the depeg to health factors");
    assert_eq!(er.f(names::LIQUIDATIONS), 0.0, "the exchange-rate oracle ignores a DEX-only depeg");
    assert_eq!(er.f(names::BAD_DEBT), 0.0);
}

#[test]
fn a_public_slash_reaches_both_oracles() {
    // A 30% slash of avs-bridge with minting closed to arbitrageurs: the exchange-rate oracle
    // follows NAV at once; holders and loopers see the slash too (it is public), sell into the
    // pool, which was left trading above NAV, and the pool-spot oracle follows the pool down.
    let s = with_slash(config("oracle-market-price"));
    let slash_step = (s.shocks[0].at().seconds() / s.time.step.seconds()) as usize;
    let (done, path) = run_traced(&s, |w: &World| (w.views()[0].price, w.nav(0), w.tally().market[0].liquidations));
    let mp = done.summary;
    let er = summary(&with_slash(config("oracle-exchange-rate")));
    let (price0, nav0, _) = path[slash_step];
    // Hours after the slash until the pool is within 1% of NAV.
    let within = path[slash_step..].iter().position(|&(p, n, _)| (p / n - 1.0).abs() < 0.01).unwrap();
    let first_liquidation = path.iter().position(|&(_, _, n)| n > 0).unwrap();
    eprintln!(
        "slash: NAV {nav0:.4}, price {price0:.4} at the slash; within 1% of NAV after {within} h; \
         market-price {} liquidations (first at step {first_liquidation}), exchange-rate {} ({:.1} ETH, bad debt {:.1})",
        mp.f(names::LIQUIDATIONS),
        er.f(names::LIQUIDATIONS),
        er.f(names::LIQUIDATED_DEBT),
        er.f(names::BAD_DEBT)
    );
    assert!(mp.f(names::SLASHED) > 0.0 && er.f(names::SLASHED) > 0.0);
    assert!(er.f(names::LIQUIDATIONS) > 0.0, "NAV falls and the exchange-rate oracle follows at once");
    assert!(price0 / nav0 > 1.05, "the slash leaves the pool above NAV (nobody may mint to sell into it)");
    assert!(within <= 6, "the pool reaches NAV within hours: {within} h");
    assert!(mp.f(names::LIQUIDATIONS) > 0.0, "the pool-priced market sees the slash through the pool");
    assert!(first_liquidation >= slash_step, "no liquidation before the slash");
}

// ---- the cascade ----

fn cascade_at_depth(depth: f64) -> Summary {
    let mut s = config("cascade");
    s.pools[0].eth = depth;
    s.pools[0].lrt_reserve = depth;
    summary(&s)
}

/// Liquidated debt in rounds 1-5 and 6+.
fn by_round(s: &Summary) -> Vec<f64> {
    round_bin_names().iter().map(|b| s.f(&format!("{}_{b}", names::LIQUIDATED_DEBT))).collect()
}

#[test]
fn cascade_deepens_as_the_pool_thins() {
    let depths = [160_000.0, 120_000.0, 80_000.0, 60_000.0];
    let runs: Vec<Summary> = depths.iter().map(|&d| cascade_at_depth(d)).collect();
    let f = |k: usize, m: &str| runs[k].f(m);
    for (k, d) in depths.iter().enumerate() {
        eprintln!(
            "depth {d:>8}: {:>4} liquidations, {:>8.1} ETH, rounds in the worst step {:>2}, cascade depth {:>2}, by round {:?}",
            f(k, names::LIQUIDATIONS),
            f(k, names::LIQUIDATED_DEBT),
            f(k, names::CASCADE_ROUNDS),
            f(k, names::CASCADE_DEPTH),
            by_round(&runs[k]).iter().map(|x| x.round()).collect::<Vec<_>>()
        );
    }
    for k in 1..runs.len() {
        assert!(f(k, names::CASCADE_ROUNDS) > f(k - 1, names::CASCADE_ROUNDS), "rounds grow as the pool thins");
        assert!(f(k, names::CASCADE_DEPTH) > f(k - 1, names::CASCADE_DEPTH), "depth grows as the pool thins");
        assert!(f(k, names::LIQUIDATED_DEBT) > f(k - 1, names::LIQUIDATED_DEBT));
    }
    // Rounds 1..5 and 6+ add up to the total.
    let last = &runs[runs.len() - 1];
    let bins = by_round(last);
    let total: f64 = bins.iter().sum();
    assert!((total - last.f(names::LIQUIDATED_DEBT)).abs() <= 1e-9 * last.f(names::LIQUIDATED_DEBT));
    assert!(bins[5] > 0.0, "the thinnest pool cascades past round 5");
}

#[test]
fn the_domino_scenario_keeps_the_books_on_two_markets() {
    let s = config("domino");
    let sum = summary(&s);
    let per_market: Vec<f64> = s.markets.iter().map(|m| sum.f(&format!("market.{}.liquidations", m.id))).collect();
    eprintln!(
        "domino: {} liquidations ({per_market:?} by market), bad debt {:.1}, rounds {}, depth {}",
        sum.f(names::LIQUIDATIONS),
        sum.f(names::BAD_DEBT),
        sum.f(names::CASCADE_ROUNDS),
        sum.f(names::CASCADE_DEPTH)
    );
    assert!(per_market.iter().all(|&n| n > 0.0), "both markets liquidate");
    assert!(sum.f(names::CASCADE_ROUNDS) > 5.0);
}

// ---- ETH crash: USD debt, deficits, lender run ----

#[test]
fn an_eth_crash_liquidates_usd_borrowers_books_deficits_and_starts_a_lender_run() {
    let s = config("eth-crash");
    let (done, events) = run_checked(&s);
    let sum = &done.summary;
    let liq: Vec<&Event> = events.iter().filter(|e| e.kind == EventKind::Liquidation).collect();
    let usd_liq = liq.iter().filter(|e| e.label.as_deref().is_some_and(|l| l.starts_with("ETH/USD"))).count();
    let withdrawals: Vec<&Event> = events.iter().filter(|e| e.kind == EventKind::SupplierWithdrawal).collect();
    let m = |x: &str| sum.f(&format!("market.{}.{x}", s.markets[0].id));
    eprintln!(
        "eth-crash: {} liquidations ({usd_liq} of USD debt), {:.1} ETH repaid, bad debt {:.1} ETH ({:.3}% of supply), {} withdrawal events, {:.1} ETH withdrawn, peak queue {:.1} ETH, peak utilisation {:.3}",
        sum.f(names::LIQUIDATIONS),
        sum.f(names::LIQUIDATED_DEBT),
        sum.f(names::BAD_DEBT),
        100.0 * m("supplier_loss_share"),
        withdrawals.len(),
        m("supplier_withdrawn_eth"),
        m("peak_withdrawal_queue_eth"),
        m("peak_utilisation")
    );
    assert!(usd_liq > 0, "USD borrowers are liquidated after the crash");
    // Caused by the crash shock (depth 1), in the crash step.
    let crash_step = 12;
    assert!(liq.iter().any(|e| e.step == crash_step && e.depth == 1 && e.cause.is_some()));
    assert!(sum.f(names::BAD_DEBT) > 0.0 && m("supplier_loss_share") > 0.0);
    // The USD reserve booked a deficit.
    let market = &done.world.markets()[0];
    let (_, usd, _) = market
        .reserve_columns()
        .into_iter()
        .find(|(name, _, metric)| name.starts_with("USD.") && *metric == ReserveMetric::Deficit)
        .expect("a USD reserve");
    assert!(market.reserve_metric(usd, ReserveMetric::Deficit) > 0.0);
    assert!(!withdrawals.is_empty() && m("supplier_withdrawn_eth") > 0.0, "lenders run");
    assert!(m("peak_withdrawal_queue_eth") > 0.0, "some withdrawals wait for liquidity");
    assert!(done.world.population().status.contains(&Status::Liquidated));
}

// ---- determinism ----

#[test]
fn new_scenarios_give_the_same_results_at_one_and_four_threads() {
    for name in ["eth-crash", "oracle-market-price"] {
        let s = config(name);
        let r = resolved(&s);
        let at = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            pool.install(|| {
                let mut events = Vec::new();
                let rec = FnRecorder(|_: &restake_engine::StepContext, _: u32, w: &World| {
                    events.extend_from_slice(w.events().current())
                });
                let done = run_once(&r, s.engine.seed, false, rec).unwrap();
                (done.summary, events)
            })
        };
        let (a, ea) = at(1);
        let (b, eb) = at(4);
        assert_eq!(a, b, "{name}: summary differs");
        assert_eq!(format!("{ea:?}"), format!("{eb:?}"), "{name}: events differ");
    }
}

// ---- a small world ----

include!("data/unit_world.rs");

#[test]
fn lenders_of_an_isolated_market_run_and_wait_at_full_utilisation() {
    // One looper borrows 30 ETH; lenders supplied that plus 10 idle: utilisation 75%. Ten
    // suppliers (no passive lenders) withdraw at 50%: the first ones drain the 10 ETH of cash,
    // utilisation hits 100%, and the rest wait in the queue.
    let market = isolated(0.9).replace(
        "idle_supply = 1000.0",
        "idle_supply = 10.0\nsuppliers = { count = 10, utilisation_threshold = { dist = \"fixed\", value = 0.5 }, attention_per_day = 1440.0 }",
    );
    let text = format!("{UNIT}{market}{}", looper("m", 10.0));
    let mut s: Scenario = toml::from_str(&text).unwrap();
    s.time.duration = Span::hours(3);
    let (done, _) = run_checked(&s);
    let m = |x: &str| done.summary.f(&format!("market.m.{x}"));
    assert!(
        (m("supplier_withdrawn_eth") - 10.0).abs() < 1e-9,
        "all the idle cash, no more: {}",
        m("supplier_withdrawn_eth")
    );
    assert!((done.world.markets()[0].utilisation() - 1.0).abs() < 1e-12);
    assert!(m("peak_withdrawal_queue_eth") > 29.0, "the rest waits: {}", m("peak_withdrawal_queue_eth"));
    assert!(done.world.markets()[0].lenders()[0].queue.len() >= 7);
}

// ---- validation ----

#[test]
fn pooled_configs_are_validated_with_paths() {
    let base = format!("{UNIT}{UNIT_POOLED}{}", looper("m", 10.0));
    let err = |text: String| -> String {
        let s: Scenario = toml::from_str(&text).unwrap();
        resolve(&s).unwrap_err().iter().map(|i| i.to_string()).collect::<Vec<_>>().join("\n")
    };
    let e = err(base.replace("oracle = { kind = \"fixed\", price = 1.0 }", ""));
    assert!(e.contains("markets[0].reserves[1].oracle: an LRT reserve needs an `oracle`"), "{e}");
    let e = err(base.replace("liquidation_bonus = 0.075", "liquidation_bonus = 0.5"));
    assert!(e.contains("markets[0].reserves[1].liquidation_bonus"), "{e}");
    let e = err(base.replace("wealth_sigma = 0.0", "wealth_sigma = 0.0\nemode = \"nope\""));
    assert!(e.contains("retail[0].emode: market `m` has no e-mode `nope`"), "{e}");
    let e = err(base.replace("asset = \"L\"\n", "asset = \"L\"\nborrowing_enabled = true\n"));
    assert!(e.contains("only ETH and USD can be borrowed"), "{e}");
    let e = err(base.replace("kind = \"pooled\"", "kind = \"pooled\"\nlltv = 0.9"));
    assert!(e.contains("markets[0].lltv: a pooled market sets this per reserve"), "{e}");
    let e = err(base.replace("oracle = { kind = \"fixed\", price = 1.0 }", "oracle = { kind = \"eth-usd\" }"));
    assert!(e.contains("prices the USD stablecoin only"), "{e}");
    let e = err(base.replace(
        "oracle = { kind = \"fixed\", price = 1.0 }",
        "oracle = { kind = \"pool-spot\", pool = \"p\", stale_after = \"2d\" }",
    ));
    assert!(e.contains("markets[0].reserves[1].oracle.stale_after"), "{e}");
    // The lending crate's own checks, at the scenario's paths.
    let e = err(base.replace(
        "idle_supply = 1000.0",
        "idle_supply = 1000.0\nirm = { base_rate = 0.0, slope1 = 0.03, slope2 = 12.0, optimal_utilisation = 0.9 }",
    ));
    assert!(e.contains("markets[0].reserves[0].irm.slope2: must be in [0, 10]"), "{e}");
}

#[test]
fn leverage_that_the_start_prices_make_unbounded_is_refused_before_building() {
    // An oracle at 1.2 against a pool at 1.0: a looper at HF 1.05 with LLTV 0.9 would need
    // C (1 - 1.2 x 0.9 / 1.05) = W, a negative denominator. The resolve pass refuses it.
    let text = format!("{UNIT}{}{}", isolated(0.9).replace("price = 1.0", "price = 1.2"), looper("m", 10.0))
        .replace("value = 1.2 }", "value = 1.05 }");
    let s: Scenario = toml::from_str(&text).unwrap();
    let e = resolve(&s).unwrap_err().iter().map(|i| i.to_string()).collect::<Vec<_>>().join("\n");
    assert!(e.contains("retail[0].target_health_factor") && e.contains("unbounded leverage"), "{e}");
}
