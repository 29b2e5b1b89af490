//! Liquidation arithmetic of single positions through the world's rounds, on both kinds of
//! market: Aave's close factor, dust rule, bonus and protocol fee, deficits; Morpho's incentive
//! factor; USD debt against ETH at the ETH/USD price. (Crate-internal: the tests set oracle
//! prices directly.)

use super::*;
use crate::events::{Event, EventKind};
use crate::market::ReserveMetric;
use crate::population::{Act, Intent, Status};
use crate::{Scenario, resolve};
use restake_engine::Model;

include!("../../tests/data/unit_world.rs");

fn unit_world(extra: &str) -> World {
    let text = format!("{UNIT}{extra}");
    let s: Scenario = toml::from_str(&text).unwrap();
    World::new(&resolve(&s).unwrap(), 1)
}

fn ctx(w: &World) -> StepContext {
    StepContext { step: 0, steps: 24, dt_seconds: w.dt_seconds, seed: 1 }
}

/// Sets the oracle price of reserve `r` of market 0 (a fixed feed: rounds use it).
fn set_pooled_price(w: &mut World, r: usize, p: f64) {
    w.lending.markets[0].set_price_for_test(r, p);
}

/// (collateral of reserve `rc`, debt of reserve `rd`) of the only borrower.
fn pooled_position(w: &World, rc: usize, rd: usize) -> (f64, f64) {
    (w.lending.markets[0].supplied(0, rc), w.lending.markets[0].debt(0, rd))
}

fn deficit(w: &World, r: usize) -> f64 {
    w.lending.markets[0].reserve_metric(r, ReserveMetric::Deficit)
}

/// Runs one liquidation round and returns its liquidation events.
fn round(w: &mut World, r: u32) -> Vec<Event> {
    let c = ctx(w);
    let before = w.obs.events.current().len();
    w.resolve_round(&c, r).unwrap();
    w.check_invariants().unwrap();
    w.obs.events.current()[before..].iter().filter(|e| e.kind == EventKind::Liquidation).cloned().collect()
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
        assert!(close(w.lending.markets[0].treasury_for_test(1), fee));
        assert!(close(w.lending.markets[0].supplied(0, 1), c - seized));
        assert!(close(w.lending.markets[0].debt(0, 0), d - repaid));
        assert_eq!(deficit(&w, 0), 0.0);
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
    assert_eq!(deficit(&w, 0), 0.0);
    assert_eq!(w.agents.pop.status[0], Status::Active);

    // Restore the liquidator's capital (from outside the world: the books take it in).
    w.obs.ledger.initial_eth += 1e6 - w.agents.liquidators[0].eth;
    w.agents.liquidators[0].eth = 1e6;
    let ev = round(&mut w, 2);
    assert_eq!(ev.len(), 1);
    let repaid = c1 * p / 1.075;
    assert!(close(ev[0].amount_eth, repaid));
    assert!(close(ev[0].amount_token, c1), "all the collateral");
    assert!(close(ev[0].bad_debt, d1 - repaid));
    assert!(close(deficit(&w, 0), d1 - repaid));
    assert_eq!(pooled_position(&w, 1, 0), (0.0, 0.0));
    assert_eq!(w.agents.pop.status[0], Status::Liquidated);
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
    let liq_eth = w.agents.liquidators[0].eth;
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
    let got = w.agents.liquidators[0].eth - liq_eth;
    assert!(
        (got - (seized - fee - d_usd / 2100.0)).abs() < 1e-9,
        "liquidator gained {got}, want {}",
        seized - fee - d_usd / 2100.0
    );
    assert!(w.obs.ledger.usd_market_usd > 0.0 && w.obs.ledger.usd_market_eth < 0.0);
}

#[test]
fn morpho_incentive_table_through_the_world() {
    // Morpho Blue docs: LIF = min(1.15, 1 / (1 - 0.3 (1 - LLTV))).
    for (lltv, lif) in [(0.625, 1.1268), (0.80, 1.0638), (0.915, 1.0262), (0.965, 1.0106)] {
        let mut w = unit_world(&format!("{}{}{}", isolated(lltv), looper("m", 10.0), liquidator(1e6)));
        let (c, d) = (w.lending.markets[0].supplied(0, 0), w.lending.markets[0].debt(0, 0));
        let p = 0.98 * d / (c * lltv);
        w.lending.markets[0].set_price_for_test(0, p);
        let exact = 1.0 / (1.0 - 0.3 * (1.0 - lltv));
        let ev = round(&mut w, 1);
        assert_eq!(ev.len(), 1, "LLTV {lltv}");
        let e = &ev[0];
        assert!(close(e.amount_eth, d), "no close factor: the whole debt");
        assert!(close(e.amount_token, d * exact / p), "seized = repaid x LIF / price");
        let observed = e.amount_token * p / e.amount_eth;
        assert_eq!((observed * 1e4).round() / 1e4, lif, "LLTV {lltv}");
        assert_eq!(w.lending.markets[0].debt(0, 0), 0.0);
    }
}

#[test]
fn an_unwind_that_cannot_repay_does_not_happen_and_the_position_is_liquidated() {
    // A looper with 10 ETH of equity on an isolated market (LLTV 0.9, target HF 1.2) holds
    // C = 10 / (1 - 0.9 / 1.2) = 40 L against D = 30 ETH. The pool is thin (30 ETH and 30 L), so
    // selling all 40 L fetches less than 30 ETH: on chain the flash-loan unwind reverts.
    let thin = UNIT.replace("eth = 100000.0\nlrt_reserve = 100000.0", "eth = 30.0\nlrt_reserve = 30.0");
    let redeemer = "\n[[liquidators]]\nid = \"fund\"\ncount = 1\ncapital = 1000.0\ngas_eth = 0.0\nmay_redeem = true\ncarry_rate = 0.0\n";
    let s: Scenario = toml::from_str(&format!("{thin}{}{}{redeemer}", isolated(0.9), looper("m", 10.0))).unwrap();
    let mut w = World::new(&resolve(&s).unwrap(), 1);
    let (c, d) = (w.lending.markets[0].supplied(0, 0), w.lending.markets[0].debt(0, 0));
    assert!(close(c, 40.0) && close(d, 30.0), "C {c}, D {d}");
    assert!(w.liquidity.pools[0].quote_sell(c) < d, "the sale falls short");
    let c0 = ctx(&w);
    w.exogenous(&c0).unwrap();
    let mut intents = w.new_intents();
    intents.push(Act { agent: 0, cohort: 0, intent: Intent::Unwind, tokens: c, limit: 0.0 });
    let pool_before = w.liquidity.pools[0].eth_reserve();
    w.apply(&c0, &intents).unwrap();
    assert_eq!(w.obs.tally.reverted_deleverages, 1);
    assert_eq!((w.lending.markets[0].supplied(0, 0), w.lending.markets[0].debt(0, 0)), (c, d), "the position stays");
    assert_eq!(w.liquidity.pools[0].eth_reserve(), pool_before, "nothing was sold");
    w.check_invariants().unwrap();
    // The oracle falls to 0.8: HF = 40 x 0.8 x 0.9 / 30 = 0.96. A liquidator who can redeem at
    // NAV takes it (selling into the thin pool would not pay).
    w.lending.markets[0].set_price_for_test(0, 0.8);
    let ev = round(&mut w, 1);
    assert_eq!(ev.len(), 1, "liquidated instead");
    assert!(close(ev[0].amount_eth, d), "the whole debt repaid (Morpho: no close factor)");
    assert_eq!(w.lending.markets[0].debt(0, 0), 0.0);
}

#[test]
fn an_unwind_that_repays_closes_the_position() {
    // The same looper with the deep pool: selling 40 L fetches ~40 ETH > 30 ETH of debt.
    let mut w = unit_world(&format!("{}{}", isolated(0.9), looper("m", 10.0)));
    let c0 = ctx(&w);
    w.exogenous(&c0).unwrap();
    let mut intents = w.new_intents();
    let c = w.lending.markets[0].supplied(0, 0);
    intents.push(Act { agent: 0, cohort: 0, intent: Intent::Unwind, tokens: c, limit: 0.0 });
    w.apply(&c0, &intents).unwrap();
    assert_eq!(w.obs.tally.reverted_deleverages, 0);
    assert_eq!((w.lending.markets[0].supplied(0, 0), w.lending.markets[0].debt(0, 0)), (0.0, 0.0));
    assert_eq!(w.agents.pop.status[0], Status::Exited);
    // Equity back in ETH: 40 L sold at ~1 (fee 0) less the 30 ETH repaid.
    assert!((w.agents.pop.eth[0] - 10.0).abs() < 0.01, "eth {}", w.agents.pop.eth[0]);
    w.check_invariants().unwrap();
}

#[test]
fn a_lender_run_on_the_collateral_reserve_does_not_block_liquidation() {
    // The ETH reserve lends to a looper (L collateral, ETH debt) and holds a USD borrower's ETH
    // collateral as its only cash; its lenders run and take that cash. When ETH falls, the USD
    // borrower is liquidated all the same: the liquidator takes aTokens of ETH (Aave's
    // receiveAToken), and withdraws them once ETH comes back to the reserve.
    let market = UNIT_POOLED.replacen("idle_supply = 1000.0", "idle_supply = 0.0", 1).replacen(
        "[[markets.reserves]]",
        "suppliers = { count = 10, passive_share = 0.0, utilisation_threshold = { dist = \"fixed\", value = 0.0 }, bad_debt_threshold = { dist = \"fixed\", value = 1.0 }, attention_per_day = 1440.0 }\n[[markets.reserves]]",
        1,
    );
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
    let mut w = unit_world(&format!("{market}{}{borrower}{}", looper("m", 50.0), liquidator(1e6)));
    let c0 = ctx(&w);
    w.supplier_run(&c0);
    assert!(w.lending.markets[0].cash_of(Asset::Eth) < 1e-9, "the run took the ETH reserve's cash");
    w.check_invariants().unwrap();
    // ETH falls to $2,100: the borrower (slot 1) is at HF 0.91.
    w.eth.usd = 2100.0;
    set_pooled_price(&mut w, 2, 1.0 / 2100.0);
    let liq_eth = w.agents.liquidators[0].eth;
    let ev = round(&mut w, 1);
    assert_eq!(ev.len(), 1);
    assert!(ev[0].label.as_deref().unwrap().ends_with("aTokens"), "{:?}", ev[0].label);
    let (_, d_usd) = pooled_position(&w, 0, 2);
    assert_eq!(d_usd, 0.0, "the looper has no USD debt");
    let seized = ev[0].amount_token;
    let fee = (seized - seized / 1.05) * 0.10;
    // The liquidator paid for the USD and received nothing yet: a claim of `seized - fee` ETH.
    // (Differences of balances of 1e6 ETH: rounding at 1e-16 x 1e6.)
    let paid = liq_eth - w.agents.liquidators[0].eth;
    assert!((paid - ev[0].amount_eth).abs() < 1e-9, "paid {paid} for {}", ev[0].amount_eth);
    assert!(w.lending.markets[0].has_claims(0));
    // The looper (slot 0) is liquidated next: its ETH repayment refills the reserve, and the
    // claim is withdrawn from it.
    set_pooled_price(&mut w, 1, 0.5);
    assert_eq!(round(&mut w, 2).len(), 1);
    let cash = w.lending.markets[0].cash_of(Asset::Eth);
    assert!(cash > seized - fee, "cash {cash} covers the claim");
    let before = w.agents.liquidators[0].eth;
    w.collect_claims(&c0).unwrap();
    let got = w.agents.liquidators[0].eth - before;
    assert!((got - (seized - fee)).abs() < 1e-9, "the claim is paid in ETH: {got}");
    assert!(!w.lending.markets[0].has_claims(0));
    w.check_invariants().unwrap();
}
