//! Running one scenario into a directory: the world, the Parquet recorder, the engine.

use anyhow::Result;
use restake_agents::observe::Summary;
use restake_agents::{Resolved, World, run::run_world};
use restake_analysis::recorder::RecordPlan;
use restake_analysis::{ParquetRecorder, RunRow};
use restake_engine::RunOutcome;
use std::path::Path;
use std::time::Instant;

pub struct RunResult {
    pub summary: Summary,
    pub outcome: RunOutcome,
    pub build_seconds: f64,
    pub run_seconds: f64,
}

/// Builds the world of `r` with `seed` and runs it, writing steps and events for `run_id` into
/// `dir`.
pub fn run_into(
    dir: &Path,
    r: &Resolved,
    seed: u64,
    run_id: u32,
    record: RecordPlan,
    check_invariants: bool,
) -> Result<RunResult> {
    let t0 = Instant::now();
    let world = World::new(r, seed);
    let build_seconds = t0.elapsed().as_secs_f64();
    let recorder = ParquetRecorder::create(dir, run_id, &world, record)?;
    let t1 = Instant::now();
    let done = run_world(world, r, seed, check_invariants, recorder)?;
    let run_seconds = t1.elapsed().as_secs_f64();
    Ok(RunResult { summary: done.summary, outcome: done.outcome, build_seconds, run_seconds })
}

/// The runs.parquet row of a finished run.
pub fn run_row(
    run_id: u32,
    scenario: &str,
    seed: u64,
    replicate: u32,
    params: &[(String, restake_analysis::Value)],
    summary: &Summary,
) -> RunRow {
    let mut row = RunRow::header(run_id, scenario, seed, replicate);
    for (k, v) in params {
        row.push(k.clone(), v.clone());
    }
    row.push_summary(summary);
    row
}
