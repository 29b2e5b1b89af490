//! Prints an hourly trace of a scenario (pool price, NAV, liquidations) to stdout:
//! `cargo run -p restake-agents --example trace -- configs/baseline.toml`.
use restake_agents::{Scenario, World};
use restake_engine::{Model, StepContext};

fn main() {
    let path = std::env::args().nth(1).unwrap_or_else(|| "configs/baseline.toml".into());
    let s: Scenario = toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let mut w = World::new(&s, s.engine.seed).unwrap();
    let mut intents = w.new_intents();
    for step in 0..w.steps {
        let ctx = StepContext { step, steps: w.steps, dt_seconds: w.dt_seconds, seed: s.engine.seed };
        w.exogenous(&ctx).unwrap();
        w.decide(&ctx, &mut intents);
        w.apply(&ctx, &intents).unwrap();
        let mut r = 0;
        while r < s.engine.max_liquidation_rounds && w.resolve_round(&ctx, r + 1).unwrap() > 0 {
            r += 1;
        }
        w.settle(&ctx).unwrap();
        let t = &w.tally;
        println!(
            "{step:4} price {:.4} nav {:.4} liq {:4} debt {:9.1} bad {:8.1} rounds {r:2} exits {:4} queue {:9.1} arb_eth {:9.1} liq_eth {:9.1}",
            w.lrt_views[0].price, w.lrt_views[0].nav, t.market[0].liquidations, t.market[0].liquidated_debt, t.market[0].bad_debt, t.lrt[0].exits,
            w.lrts[0].queued_tokens, w.arbitrageurs.iter().map(|a| a.eth).sum::<f64>(), w.liquidators.iter().map(|a| a.eth).sum::<f64>()
        );
    }
}
