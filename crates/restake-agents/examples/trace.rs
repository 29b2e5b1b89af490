//! Prints an hourly trace of a scenario (pool price, NAV, liquidations) to stdout:
//! `cargo run -p restake-agents --example trace -- configs/baseline.toml`.
use restake_agents::{Scenario, World, resolve, run_once};
use restake_engine::{FnRecorder, StepContext};

fn main() {
    let path = std::env::args().nth(1).unwrap_or_else(|| "configs/baseline.toml".into());
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let s: Scenario = toml::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    let r = resolve(&s).unwrap_or_else(|e| panic!("{path}: {e:?}"));
    // One line per step for the first LRT and market.
    let print = FnRecorder(|ctx: &StepContext, rounds: u32, w: &World| {
        let t = w.tally();
        let (liqs, debt, bad) =
            t.market.first().map_or((0, 0.0, 0.0), |m| (m.liquidations, m.liquidated_debt, m.bad_debt));
        let v = &w.views()[0];
        println!(
            "{:4} price {:.4} nav {:.4} liq {liqs:4} debt {debt:9.1} bad {bad:8.1} rounds {rounds:2} exits {:4} queue {:9.1} arb_eth {:9.1} liq_eth {:9.1}",
            ctx.step,
            v.price,
            v.nav,
            t.lrt[0].exits,
            w.lrts()[0].queued_tokens,
            w.arbitrageurs().iter().map(|a| a.eth).sum::<f64>(),
            w.liquidators().iter().map(|a| a.eth).sum::<f64>()
        );
    });
    run_once(&r, s.engine.seed, false, print).unwrap_or_else(|e| panic!("{e}"));
}
