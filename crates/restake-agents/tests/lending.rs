//! Lending in the world: pooled (Aave-v3-like) and isolated (Morpho-Blue-like) markets, their
//! oracles, liquidations through the world's rounds, the ETH/USD leg, the lender run, and the
//! scenarios in `configs/` that show the domino effect. Every scenario run here checks the
//! accounting invariants after every step.

use restake_agents::events::{Event, EventKind};
use restake_agents::market::Book;
use restake_agents::population::Status;
use restake_agents::scenario::ShockConfig;
use restake_agents::world::RunSummary;
use restake_agents::{Scenario, World};
use restake_engine::{Model, NullRecorder, RunPlan, StepContext, run};

fn config(name: &str) -> Scenario {
    let path = format!("{}/../../configs/{name}.toml", env!("CARGO_MANIFEST_DIR"));
    toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Runs `s` with the invariants checked after every step; returns the world and its summary.
fn run_checked(s: &Scenario) -> (World, RunSummary) {
    let mut w = World::new(s, s.engine.seed).unwrap_or_else(|e| panic!("{}: {e}", s.name));
    let plan = RunPlan {
        steps: w.steps,
        dt_seconds: w.dt_seconds,
        seed: s.engine.seed,
        max_rounds: s.engine.max_liquidation_rounds,
        check_invariants: true,
    };
    run(&mut w, &plan, &mut NullRecorder).unwrap_or_else(|e| panic!("{}: {e}", s.name));
    let sum = w.final_summary();
    (w, sum)
}

fn with_slash(mut s: Scenario) -> Scenario {
    let at = s.shocks[0].at();
    s.shocks = vec![ShockConfig::Slash { at, avs: "avs-bridge".into(), fraction: 0.3 }];
    s
}

// ---- the oracle pair ----

#[test]
fn a_dex_only_depeg_liquidates_under_the_market_oracle_only() {
    let (_, mp) = run_checked(&config("oracle-market-price"));
    let (_, er) = run_checked(&config("oracle-exchange-rate"));
    eprintln!(
        "DEX depeg: market-price {} liquidations ({:.1} ETH), exchange-rate {}",
        mp.liquidations, mp.liquidated_debt, er.liquidations
    );
    assert!(mp.liquidations > 0, "the pool-spot oracle passes the depeg to health factors");
    assert_eq!(er.liquidations, 0, "the exchange-rate oracle ignores a DEX-only depeg");
    assert_eq!(er.bad_debt, 0.0);
}

#[test]
fn a_slash_liquidates_under_the_exchange_rate_oracle_only() {
    let (_, mp) = run_checked(&with_slash(config("oracle-market-price")));
    let (_, er) = run_checked(&with_slash(config("oracle-exchange-rate")));
    eprintln!(
        "slash: market-price {} liquidations, exchange-rate {} ({:.1} ETH, bad debt {:.1})",
        mp.liquidations, er.liquidations, er.liquidated_debt, er.bad_debt
    );
    assert!(mp.slashed_eth > 0.0 && er.slashed_eth > 0.0);
    assert!(er.liquidations > 0, "NAV falls and the exchange-rate oracle follows at once");
    assert_eq!(mp.liquidations, 0, "nobody trades the pool, so its price (and the oracle) stays");
}

// ---- the cascade ----

fn cascade_at_depth(depth: f64) -> RunSummary {
    let mut s = config("cascade");
    s.pools[0].eth = depth;
    s.pools[0].lrt_reserve = depth;
    run_checked(&s).1
}

#[test]
fn cascade_deepens_as_the_pool_thins() {
    let depths = [160_000.0, 120_000.0, 80_000.0, 60_000.0];
    let runs: Vec<RunSummary> = depths.iter().map(|&d| cascade_at_depth(d)).collect();
    for (d, s) in depths.iter().zip(&runs) {
        eprintln!(
            "depth {d:>8}: {:>4} liquidations, {:>8.1} ETH, rounds in the worst step {:>2}, cascade depth {:>2}, by round {:?}",
            s.liquidations,
            s.liquidated_debt,
            s.cascade_rounds,
            s.cascade_depth,
            s.liquidated_debt_by_round(None).map(|x| x.round())
        );
    }
    for k in 1..runs.len() {
        assert!(
            runs[k].cascade_rounds > runs[k - 1].cascade_rounds,
            "rounds grow as the pool thins: {:?}",
            runs.iter().map(|s| s.cascade_rounds).collect::<Vec<_>>()
        );
        assert!(
            runs[k].cascade_depth > runs[k - 1].cascade_depth,
            "depth grows as the pool thins: {:?}",
            runs.iter().map(|s| s.cascade_depth).collect::<Vec<_>>()
        );
        assert!(runs[k].liquidated_debt > runs[k - 1].liquidated_debt);
    }
    // Rounds 1..5 and 6+ add up to the total.
    let last = &runs[runs.len() - 1];
    let by_round: f64 = last.liquidated_debt_by_round(None).iter().sum();
    assert!((by_round - last.liquidated_debt).abs() <= 1e-9 * last.liquidated_debt);
    assert!(last.liquidated_debt_by_round(None)[5] > 0.0, "the thinnest pool cascades past round 5");
}

#[test]
fn the_domino_scenario_keeps_the_books_on_two_markets() {
    let (_, s) = run_checked(&config("domino"));
    eprintln!(
        "domino: {} liquidations ({:?} by market), bad debt {:.1}, rounds {}, depth {}",
        s.liquidations,
        s.markets.iter().map(|m| m.liquidations).collect::<Vec<_>>(),
        s.bad_debt,
        s.cascade_rounds,
        s.cascade_depth
    );
    assert!(s.markets.iter().all(|m| m.liquidations > 0), "both markets liquidate");
    assert!(s.cascade_rounds > 5);
}

// ---- ETH crash: USD debt, deficits, lender run ----

#[test]
fn an_eth_crash_liquidates_usd_borrowers_books_deficits_and_starts_a_lender_run() {
    let s = config("eth-crash");
    let mut w = World::new(&s, s.engine.seed).unwrap();
    let plan = RunPlan {
        steps: w.steps,
        dt_seconds: w.dt_seconds,
        seed: s.engine.seed,
        max_rounds: 50,
        check_invariants: true,
    };
    let mut rec = Collect::default();
    run(&mut w, &plan, &mut rec).unwrap();
    let sum = w.final_summary();
    let liq: Vec<&Event> = rec.events.iter().filter(|e| e.kind == EventKind::Liquidation).collect();
    let usd_liq = liq.iter().filter(|e| e.label.as_deref().is_some_and(|l| l.starts_with("ETH/USD"))).count();
    let withdrawals: Vec<&Event> = rec.events.iter().filter(|e| e.kind == EventKind::SupplierWithdrawal).collect();
    let m = &sum.markets[0];
    eprintln!(
        "eth-crash: {} liquidations ({usd_liq} of USD debt), {:.1} ETH repaid, bad debt {:.1} ETH ({:.3}% of supply), {} withdrawal events, {:.1} ETH withdrawn, peak queue {:.1} ETH, peak utilisation {:.3}",
        sum.liquidations,
        sum.liquidated_debt,
        sum.bad_debt,
        100.0 * m.supplier_loss_share,
        withdrawals.len(),
        m.supplier_withdrawn_eth,
        m.peak_withdrawal_queue_eth,
        m.peak_utilisation
    );
    assert!(usd_liq > 0, "USD borrowers are liquidated after the crash");
    // Caused by the crash shock (depth 1), in the crash step.
    let crash_step = 12;
    assert!(liq.iter().any(|e| e.step == crash_step && e.depth == 1 && e.cause.is_some()));
    assert!(sum.bad_debt > 0.0 && m.supplier_loss_share > 0.0);
    // The USD reserve's deficit is what the events booked (valued at the oracle of each step).
    let Book::Pooled(b) = &w.markets[0].book else { panic!() };
    let usd = b.reserve_of(restake_agents::market::Asset::Usd).unwrap();
    assert!(b.inner.reserve(usd).unwrap().deficit > 0.0);
    assert!(!withdrawals.is_empty() && m.supplier_withdrawn_eth > 0.0, "lenders run");
    assert!(m.peak_withdrawal_queue_eth > 0.0, "some withdrawals wait for liquidity");
    assert!(w.pop.status.contains(&Status::Liquidated));
}

/// Keeps every event of a run.
#[derive(Default)]
struct Collect {
    events: Vec<Event>,
}

impl restake_engine::Recorder<World> for Collect {
    type Error = std::convert::Infallible;
    fn record_step(&mut self, _: &StepContext, _: u32, w: &World) -> Result<(), Self::Error> {
        self.events.extend_from_slice(w.events.current());
        Ok(())
    }
}

// ---- determinism ----

#[test]
fn new_scenarios_give_the_same_results_at_one_and_four_threads() {
    for name in ["eth-crash", "oracle-market-price"] {
        let s = config(name);
        let at = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            pool.install(|| {
                let mut w = World::new(&s, s.engine.seed).unwrap();
                let plan = RunPlan {
                    steps: w.steps,
                    dt_seconds: w.dt_seconds,
                    seed: s.engine.seed,
                    max_rounds: 50,
                    check_invariants: false,
                };
                let mut rec = Collect::default();
                run(&mut w, &plan, &mut rec).unwrap();
                (w.final_summary(), rec.events)
            })
        };
        let (a, ea) = at(1);
        let (b, eb) = at(4);
        assert_eq!(a, b, "{name}: summary differs");
        assert_eq!(format!("{ea:?}"), format!("{eb:?}"), "{name}: events differ");
    }
}

// ---- liquidation arithmetic through the world's rounds ----

const UNIT: &str = r#"
name = "unit"
[time]
step = "1h"
duration = "1d"
[eth]
usd = 3000.0
path = { model = "scripted", points = [[0.0, 3000.0]] }
[[restaking_protocols]]
id = "el"
withdrawal_delay = "14d"
[[avss]]
id = "a"
[[operators]]
id = "o"
protocol = "el"
allocations = { a = 0.5 }
[[lrts]]
id = "L"
protocol = "el"
passive_supply = 1000.0
buffer_fraction = 0.02
redemptions = "queue"
delegations = { o = 1.0 }
[[pools]]
id = "p"
kind = "stableswap"
lrt = "L"
amp = 100.0
fee = 0.0
eth = 100000.0
lrt_reserve = 100000.0
"#;

const UNIT_POOLED: &str = r#"
[[markets]]
id = "m"
kind = "pooled"
[[markets.reserves]]
asset = "ETH"
ltv = 0.80
liquidation_threshold = 0.83
liquidation_bonus = 0.05
liquidation_protocol_fee = 0.10
borrowing_enabled = true
idle_supply = 1000.0
[[markets.reserves]]
asset = "L"
ltv = 0.72
liquidation_threshold = 0.75
liquidation_bonus = 0.075
liquidation_protocol_fee = 0.10
oracle = { kind = "fixed", price = 1.0 }
[[markets.reserves]]
asset = "USD"
ltv = 0.75
liquidation_threshold = 0.78
liquidation_bonus = 0.045
liquidation_protocol_fee = 0.10
borrowing_enabled = true
idle_supply = 10000000.0
"#;

fn looper(market: &str, wealth: f64) -> String {
    format!(
        r#"
[[retail]]
id = "r"
agents = 1
lrt = "L"
market = "{market}"
wealth_total = {wealth}
wealth_sigma = 0.0
looper_share = 1.0
target_health_factor = {{ dist = "fixed", value = 1.2 }}
deleverage_at = {{ dist = "fixed", value = 0.5 }}
panic_loss = {{ dist = "fixed", value = 5.0 }}
herd_sensitivity = {{ dist = "fixed", value = 0.0 }}
queue_discount_rate = {{ dist = "fixed", value = 0.1 }}
slippage_tolerance = {{ dist = "fixed", value = 0.01 }}
attention_per_day = 1.0
"#
    )
}

fn liquidator(capital: f64) -> String {
    format!("\n[[liquidators]]\nid = \"bot\"\ncount = 1\ncapital = {capital}\ngas_eth = 0.0\n")
}

fn unit_world(extra: &str) -> World {
    let text = format!("{UNIT}{extra}");
    let s: Scenario = toml::from_str(&text).unwrap();
    World::new(&s, 1).unwrap()
}

fn ctx(w: &World) -> StepContext {
    StepContext { step: 0, steps: 24, dt_seconds: w.dt_seconds, seed: 1 }
}

/// Sets the oracle price of reserve `r` of the pooled market 0 (a fixed feed: rounds use it).
fn set_pooled_price(w: &mut World, r: usize, p: f64) {
    let Book::Pooled(b) = &mut w.markets[0].book else { panic!() };
    b.feeds[r].price = p;
    b.prices[r] = p;
}

/// (collateral of reserve `rc`, debt of reserve `rd`) of the only borrower.
fn pooled_position(w: &World, rc: usize, rd: usize) -> (f64, f64) {
    let Book::Pooled(b) = &w.markets[0].book else { panic!() };
    (b.inner.supplied(&b.accounts[0], rc), b.inner.debt(&b.accounts[0], rd))
}

/// Runs one liquidation round and returns its liquidation events.
fn round(w: &mut World, r: u32) -> Vec<Event> {
    let c = ctx(w);
    let before = w.events.current().len();
    w.resolve_round(&c, r).unwrap();
    w.check_invariants().unwrap();
    w.events.current()[before..].iter().filter(|e| e.kind == EventKind::Liquidation).cloned().collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * b.abs().max(1.0)
}

#[test]
fn pooled_close_factor_is_half_above_hf_095_and_full_at_or_below() {
    // LRT collateral (LT 75%, bonus 7.5%, protocol fee 10% of the bonus), ETH debt.
    for (hf, factor) in [(0.96, 0.5), (0.94, 1.0)] {
        let mut w = unit_world(&format!("{UNIT_POOLED}{}{}", looper("m", 10.0), liquidator(1e6)));
        let (c, d) = pooled_position(&w, 1, 0);
        let p = hf * d / (c * 0.75);
        set_pooled_price(&mut w, 1, p);
        let ev = round(&mut w, 1);
        assert_eq!(ev.len(), 1, "one liquidation at HF {hf}");
        let e = &ev[0];
        // Close factor: 50% of the debt above 0.95, all of it at or below.
        let repaid = factor * d;
        assert!(close(e.amount_eth, repaid), "HF {hf}: repaid {} want {repaid}", e.amount_eth);
        assert!(e.label.as_deref().unwrap().ends_with(&format!("close factor {factor}")));
        // seized = repaid x P_debt / P_coll x (1 + bonus), P_debt = 1.
        let seized = repaid / p * 1.075;
        assert!(close(e.amount_token, seized), "seized {} want {seized}", e.amount_token);
        // The protocol takes 10% of the bonus part of the seizure as treasury aTokens.
        let fee = (seized - seized / 1.075) * 0.10;
        let Book::Pooled(b) = &w.markets[0].book else { panic!() };
        assert!(close(b.inner.reserve(1).unwrap().treasury_balance(), fee));
        assert!(close(b.inner.supplied(&b.accounts[0], 1), c - seized));
        assert!(close(b.inner.debt(&b.accounts[0], 0), d - repaid));
        assert_eq!(b.inner.reserve(0).unwrap().deficit, 0.0);
        assert!(close(e.price_oracle, p));
    }
}

#[test]
fn pooled_small_positions_are_liquidated_in_full() {
    // 0.1 ETH of equity levered to HF 1.2: debt 0.1667 ETH = $500 < $2,000.
    let mut w = unit_world(&format!("{UNIT_POOLED}{}{}", looper("m", 0.1), liquidator(1e6)));
    let (c, d) = pooled_position(&w, 1, 0);
    assert!(d * 3000.0 < 2000.0);
    set_pooled_price(&mut w, 1, 0.99 * d / (c * 0.75));
    let ev = round(&mut w, 1);
    assert_eq!(ev.len(), 1);
    assert!(close(ev[0].amount_eth, d), "HF 0.99 but under $2,000: 100% close factor");
    assert_eq!(pooled_position(&w, 1, 0).1, 0.0);
    // The same position with the v3.3 rule switched off: 50%.
    let mut w = unit_world(&format!(
        "{}{}{}",
        UNIT_POOLED.replace("kind = \"pooled\"", "kind = \"pooled\"\nsmall_position_usd = 0.0\nmin_leftover_usd = 0.0"),
        looper("m", 0.1),
        liquidator(1e6)
    ));
    set_pooled_price(&mut w, 1, 0.99 * d / (c * 0.75));
    let ev = round(&mut w, 1);
    assert!(close(ev[0].amount_eth, 0.5 * d));
}

#[test]
fn pooled_bad_debt_is_booked_exactly_when_the_collateral_runs_out() {
    // A liquidator with 2 ETH of capital: the first round takes only part of an underwater
    // position (HF 0.72: collateral worth less than debt x 1.075), which leaves collateral and
    // so no deficit; the second, with capital restored, takes the rest and books the deficit.
    let mut w = unit_world(&format!("{UNIT_POOLED}{}{}", looper("m", 10.0), liquidator(2.0)));
    let (c, d) = pooled_position(&w, 1, 0);
    let p = 0.72 * d / (c * 0.75);
    set_pooled_price(&mut w, 1, p);
    let ev = round(&mut w, 1);
    assert_eq!(ev.len(), 1);
    assert!(close(ev[0].amount_eth, 2.0), "capital-limited: repays what it has");
    assert_eq!(ev[0].bad_debt, 0.0);
    let (c1, d1) = pooled_position(&w, 1, 0);
    assert!(c1 > 0.0 && c1 * p < d1, "underwater but collateral left");
    let Book::Pooled(b) = &w.markets[0].book else { panic!() };
    assert_eq!(b.inner.reserve(0).unwrap().deficit, 0.0);
    assert_eq!(w.pop.status[0], Status::Active);

    // Restore the liquidator's capital (from outside the world: the books take it in).
    w.ledger.initial_eth += 1e6 - w.liquidators[0].eth;
    w.liquidators[0].eth = 1e6;
    let ev = round(&mut w, 2);
    assert_eq!(ev.len(), 1);
    let repaid = c1 * p / 1.075;
    assert!(close(ev[0].amount_eth, repaid));
    assert!(close(ev[0].amount_token, c1), "all the collateral");
    assert!(close(ev[0].bad_debt, d1 - repaid));
    let Book::Pooled(b) = &w.markets[0].book else { panic!() };
    assert!(close(b.inner.reserve(0).unwrap().deficit, d1 - repaid));
    assert_eq!(pooled_position(&w, 1, 0), (0.0, 0.0));
    assert_eq!(w.pop.status[0], Status::Liquidated);
    // The cause chain: the second liquidation follows the first one's sale into the pool? No:
    // the oracle is fixed, so both follow the (absent) NAV cause; both are depth 1.
    assert_eq!(ev[0].depth, 1);
}

#[test]
fn usd_debt_liquidation_seizes_eth_at_the_eth_usd_price() {
    let borrower = r#"
[[borrowers]]
id = "longs"
agents = 1
market = "m"
wealth_total = 10.0
wealth_sigma = 0.0
target_health_factor = { dist = "fixed", value = 1.3 }
deleverage_at = { dist = "fixed", value = 0.5 }
panic_loss = { dist = "fixed", value = 5.0 }
attention_per_day = 1.0
"#;
    let mut w = unit_world(&format!("{UNIT_POOLED}{borrower}{}", liquidator(1e6)));
    // ETH collateral (reserve 0, LT 83%), USD debt (reserve 2): C = W / (1 - 0.83 / 1.3).
    let (c, d_usd) = pooled_position(&w, 0, 2);
    assert!(close(c, 10.0 / (1.0 - 0.83 / 1.3)));
    assert!(close(d_usd, c * 0.83 / 1.3 * 3000.0));
    // ETH falls to $2,100: HF = 1.3 x 0.7 = 0.91 <= 0.95, full close factor, and the collateral
    // covers the debt plus the 5% bonus.
    w.eth.usd = 2100.0;
    set_pooled_price(&mut w, 2, 1.0 / 2100.0);
    let liq_eth = w.liquidators[0].eth;
    let ev = round(&mut w, 1);
    assert_eq!(ev.len(), 1);
    let e = &ev[0];
    // seized = repaid x P_debt / P_coll x (1 + bonus) = D / 2100 x 1.05 (ETH reserve's bonus).
    let seized = d_usd / 2100.0 * 1.05;
    assert!(seized < c);
    assert!(close(e.amount_token, seized));
    assert!(close(e.amount_eth, d_usd / 2100.0), "repaid, valued in ETH");
    assert!(close(e.price_oracle, 2100.0), "ETH priced in USD");
    // The liquidator paid D / 2100 ETH for the USD and received the seizure less the fee.
    let fee = (seized - seized / 1.05) * 0.10;
    // (Differences of balances of 1e6 ETH: rounding at 1e-16 x 1e6.)
    let got = w.liquidators[0].eth - liq_eth;
    assert!(
        (got - (seized - fee - d_usd / 2100.0)).abs() < 1e-9,
        "liquidator gained {got}, want {}",
        seized - fee - d_usd / 2100.0
    );
    assert!(w.ledger.usd_market_usd > 0.0 && w.ledger.usd_market_eth < 0.0);
}

fn isolated(lltv: f64) -> String {
    format!(
        r#"
[[markets]]
id = "m"
kind = "isolated"
collateral = "L"
lltv = {lltv}
oracle = {{ kind = "fixed", price = 1.0 }}
idle_supply = 1000.0
"#
    )
}

#[test]
fn morpho_incentive_table_through_the_world() {
    // Morpho Blue docs: LIF = min(1.15, 1 / (1 - 0.3 (1 - LLTV))).
    for (lltv, lif) in [(0.625, 1.1268), (0.80, 1.0638), (0.915, 1.0262), (0.965, 1.0106)] {
        let mut w = unit_world(&format!("{}{}{}", isolated(lltv), looper("m", 10.0), liquidator(1e6)));
        let (c, shares) = (w.pop.collateral[0], w.pop.borrow_shares[0]);
        let d = w.markets[0].debt(shares);
        let p = 0.98 * d / (c * lltv);
        let Book::Isolated(b) = &mut w.markets[0].book else { panic!() };
        b.feed.price = p;
        let exact = 1.0 / (1.0 - 0.3 * (1.0 - lltv));
        let ev = round(&mut w, 1);
        assert_eq!(ev.len(), 1, "LLTV {lltv}");
        let e = &ev[0];
        assert!(close(e.amount_eth, d), "no close factor: the whole debt");
        assert!(close(e.amount_token, d * exact / p), "seized = repaid x LIF / price");
        let observed = e.amount_token * p / e.amount_eth;
        assert_eq!((observed * 1e4).round() / 1e4, lif, "LLTV {lltv}");
        assert_eq!(w.pop.borrow_shares[0], 0.0);
    }
}

#[test]
fn lenders_of_an_isolated_market_run_and_wait_at_full_utilisation() {
    // One looper borrows 30 ETH; lenders supplied that plus 10 idle: utilisation 75%. Ten
    // suppliers (no passive lenders) withdraw at 50%: the first ones drain the 10 ETH of cash,
    // utilisation hits 100%, and the rest wait in the queue.
    let market = isolated(0.9).replace("idle_supply = 1000.0", "idle_supply = 10.0\nsuppliers = { count = 10, utilisation_threshold = { dist = \"fixed\", value = 0.5 }, attention_per_day = 1440.0 }");
    let text = format!("{UNIT}{market}{}", looper("m", 10.0));
    let mut s: Scenario = toml::from_str(&text).unwrap();
    s.time.duration = restake_agents::scenario::Span::hours(3);
    let (w, sum) = run_checked(&s);
    let m = &sum.markets[0];
    assert!((m.supplier_withdrawn_eth - 10.0).abs() < 1e-9, "all the idle cash, no more: {}", m.supplier_withdrawn_eth);
    assert!((w.markets[0].utilisation() - 1.0).abs() < 1e-12);
    assert!(m.peak_withdrawal_queue_eth > 29.0, "the rest waits: {}", m.peak_withdrawal_queue_eth);
    assert!(w.markets[0].lenders[0].queue.len() >= 7);
}

// ---- validation ----

#[test]
fn pooled_configs_are_validated_with_paths() {
    let base = format!("{UNIT}{UNIT_POOLED}{}", looper("m", 10.0));
    let err = |text: String| -> String {
        let s: Scenario = toml::from_str(&text).unwrap();
        restake_agents::scenario::validate::validate(&s)
            .unwrap_err()
            .iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join("\n")
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
}
