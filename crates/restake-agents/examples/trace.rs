//! Prints an hourly trace of a scenario (pool price, NAV, liquidations) to stdout:
//! `cargo run -p restake-agents --example trace -- configs/baseline.toml`.
use restake_agents::{Scenario, World};
use restake_engine::{Recorder, RunPlan, StepContext, run};

/// A recorder that prints one line per step for the first LRT and market.
struct Print;

impl Recorder<World> for Print {
    type Error = std::convert::Infallible;
    fn record_step(&mut self, ctx: &StepContext, rounds: u32, w: &World) -> Result<(), Self::Error> {
        let t = &w.tally;
        let (liqs, debt, bad) =
            t.market.first().map_or((0, 0.0, 0.0), |m| (m.liquidations, m.liquidated_debt, m.bad_debt));
        println!(
            "{:4} price {:.4} nav {:.4} liq {liqs:4} debt {debt:9.1} bad {bad:8.1} rounds {rounds:2} exits {:4} queue {:9.1} arb_eth {:9.1} liq_eth {:9.1}",
            ctx.step,
            w.lrt_views[0].price,
            w.lrt_views[0].nav,
            t.lrt[0].exits,
            w.lrts[0].queued_tokens,
            w.arbitrageurs.iter().map(|a| a.eth).sum::<f64>(),
            w.liquidators.iter().map(|a| a.eth).sum::<f64>()
        );
        Ok(())
    }
}

fn main() {
    let path = std::env::args().nth(1).unwrap_or_else(|| "configs/baseline.toml".into());
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let s: Scenario = toml::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut w = World::new(&s, s.engine.seed).unwrap_or_else(|e| panic!("{path}: {e}"));
    let plan = RunPlan {
        steps: w.steps,
        dt_seconds: w.dt_seconds,
        seed: s.engine.seed,
        max_rounds: s.engine.max_liquidation_rounds,
        check_invariants: false,
    };
    run(&mut w, &plan, &mut Print).unwrap_or_else(|e| panic!("{e}"));
}
