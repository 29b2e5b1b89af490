//! The baseline scenario end to end, with the accounting invariants checked after every step.

use restake_agents::{Scenario, World};
use restake_engine::{NullRecorder, RunPlan, run};

pub fn baseline() -> Scenario {
    toml::from_str(include_str!("../../../configs/baseline.toml")).expect("baseline parses")
}

#[test]
fn baseline_keeps_the_books_after_every_step() {
    let s = baseline();
    let mut w = World::new(&s, s.engine.seed).unwrap();
    let plan = RunPlan {
        steps: w.steps,
        dt_seconds: w.dt_seconds,
        seed: s.engine.seed,
        max_rounds: 50,
        check_invariants: true,
    };
    let out = run(&mut w, &plan, &mut NullRecorder).unwrap();
    assert_eq!(out.steps_run, 120);
    let sum = w.final_summary();
    eprintln!("{sum:#?}");
    assert!(sum.slashed_eth > 0.0);
}
