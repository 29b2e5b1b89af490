//! Helpers shared by the agents' integration tests.
#![allow(dead_code)]

use restake_agents::events::Event;
use restake_agents::{Finished, Resolved, Scenario, World, resolve, run_once};
use restake_engine::FnRecorder;

/// A shipped scenario, `configs/<name>.toml`.
pub fn config(name: &str) -> Scenario {
    // Read at run time (cargo sets it for tests): a test binary built in another checkout
    // that shares the target dir, and found fresh by cargo, must not read that checkout's files.
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").into());
    let path = format!("{dir}/../../configs/{name}.toml");
    toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// `s` resolved; panics with the issues if it is refused.
pub fn resolved(s: &Scenario) -> Resolved {
    resolve(s)
        .unwrap_or_else(|i| panic!("{}: {}", s.name, i.iter().map(|x| x.to_string()).collect::<Vec<_>>().join("; ")))
}

/// Runs `s` with `seed`, the accounting invariants checked after every step; returns the
/// finished run and every event.
pub fn run_checked_seed(s: &Scenario, seed: u64) -> (Finished, Vec<Event>) {
    let r = resolved(s);
    let mut events = Vec::new();
    let rec =
        FnRecorder(|_: &restake_engine::StepContext, _: u32, w: &World| events.extend_from_slice(w.events().current()));
    let done = run_once(&r, seed, true, rec).unwrap_or_else(|e| panic!("{}: {e}", s.name));
    (done, events)
}

/// The same with the scenario's own seed.
pub fn run_checked(s: &Scenario) -> (Finished, Vec<Event>) {
    run_checked_seed(s, s.engine.seed)
}

/// Runs `s` with its seed and the invariants checked; returns the finished run and `probe` of the
/// world after every step.
pub fn run_traced<T>(s: &Scenario, probe: impl Fn(&World) -> T) -> (Finished, Vec<T>) {
    let r = resolved(s);
    let mut out = Vec::new();
    let rec = FnRecorder(|_: &restake_engine::StepContext, _: u32, w: &World| out.push(probe(w)));
    let done = run_once(&r, s.engine.seed, true, rec).unwrap_or_else(|e| panic!("{}: {e}", s.name));
    (done, out)
}
