//! Running a resolved scenario once: the world, the summary recorder teed with the caller's,
//! the engine's step loop. Every caller (`restake run`, sweeps, the benchmark, the tests) runs
//! through here, so every one honours the scenario's round limit and invariant setting.

use crate::observe::{Summary, SummaryRecorder};
use crate::resolve::Resolved;
use crate::world::World;
use restake_engine::recorder::{Tee, TeeError};
use restake_engine::{Recorder, RunError, RunOutcome, run};

/// The error of a run with recorder `R`.
pub type RunOnceError<R> =
    RunError<crate::world::WorldError, TeeError<std::convert::Infallible, <R as Recorder<World>>::Error>>;

/// A finished run: what the engine reports, the run metrics and the final world.
pub struct Finished {
    pub outcome: RunOutcome,
    pub summary: Summary,
    pub world: World,
}

/// Builds the world of `r` with `seed` and runs it, pushing every step into `recorder` (and the
/// summary recorder). `check_invariants` adds to the scenario's own `engine.check_invariants`.
pub fn run_once<R: Recorder<World>>(
    r: &Resolved,
    seed: u64,
    check_invariants: bool,
    recorder: R,
) -> Result<Finished, RunOnceError<R>> {
    run_world(World::new(r, seed), r, seed, check_invariants, recorder)
}

/// The same, for a world the caller built (e.g. to set up a recorder that needs it first).
pub fn run_world<R: Recorder<World>>(
    mut world: World,
    r: &Resolved,
    seed: u64,
    check_invariants: bool,
    recorder: R,
) -> Result<Finished, RunOnceError<R>> {
    let plan = r.run_plan(seed, check_invariants);
    let mut tee = Tee(SummaryRecorder::new(&world), recorder);
    let outcome = run(&mut world, &plan, &mut tee)?;
    Ok(Finished { outcome, summary: tee.0.into_summary(), world })
}
