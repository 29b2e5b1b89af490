//! The baseline scenario end to end, with the accounting invariants checked after every step.

mod common;
use common::*;
use restake_agents::observe::metrics::names;

#[test]
fn baseline_keeps_the_books_after_every_step() {
    let s = config("baseline");
    let (done, _) = run_checked(&s);
    assert_eq!(done.outcome.steps_run, 120);
    eprintln!("{:#?}", done.summary);
    assert!(done.summary.f(names::SLASHED) > 0.0);
}
