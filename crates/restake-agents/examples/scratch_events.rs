// Temporary debugging aid (to be removed).
use restake_agents::{Scenario, World};
use restake_engine::{Model, StepContext};

fn main() {
    let path = std::env::args().nth(1).unwrap();
    let from: u64 = std::env::args().nth(2).map(|x| x.parse().unwrap()).unwrap_or(0);
    let to: u64 = std::env::args().nth(3).map(|x| x.parse().unwrap()).unwrap_or(u64::MAX);
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
        if step >= from && step <= to {
            for e in w.events.current() {
                println!("{step} r{} {:?} {:?} agent {:?} eth {:.3} tok {:.3} bad {:.3} po {:.4} pp {:.4} cause {:?} d {} {:?}", e.round, e.kind, e.entity, e.agent, e.amount_eth, e.amount_token, e.bad_debt, e.price_oracle, e.price_pool, e.cause, e.depth, e.label);
            }
        }
    }
    let sum = w.final_summary();
    println!("liq {} debt {:.1} bad {:.1} rounds {} depth {}", sum.liquidations, sum.liquidated_debt, sum.bad_debt, sum.cascade_rounds, sum.cascade_depth);
}
