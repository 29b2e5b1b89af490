//! Running one scenario into a directory: the world, the recorder, the engine.

use anyhow::{Result, anyhow};
use restake_agents::world::RunSummary;
use restake_agents::{Scenario, World};
use restake_analysis::recorder::RecordPlan;
use restake_analysis::{ParquetRecorder, RunRow};
use restake_engine::{RunOutcome, RunPlan, run};
use std::path::Path;
use std::time::Instant;

pub struct RunResult {
    pub summary: RunSummary,
    pub outcome: RunOutcome,
    pub build_seconds: f64,
    pub run_seconds: f64,
}

/// Builds the world for `scenario` with `seed` and runs it, writing steps and events for
/// `run_id` into `dir`.
pub fn run_into(
    dir: &Path,
    scenario: &Scenario,
    seed: u64,
    run_id: u32,
    record: RecordPlan,
    check_invariants: bool,
) -> Result<RunResult> {
    let t0 = Instant::now();
    let mut world = World::new(scenario, seed).map_err(|e| anyhow!("{e}"))?;
    let build_seconds = t0.elapsed().as_secs_f64();
    let mut recorder = ParquetRecorder::create(dir, run_id, &world, record)?;
    let plan = RunPlan {
        steps: world.steps,
        dt_seconds: world.dt_seconds,
        seed,
        max_rounds: scenario.engine.max_liquidation_rounds,
        check_invariants: check_invariants || scenario.engine.check_invariants,
    };
    let t1 = Instant::now();
    let outcome = run(&mut world, &plan, &mut recorder)?;
    let run_seconds = t1.elapsed().as_secs_f64();
    Ok(RunResult { summary: world.final_summary(), outcome, build_seconds, run_seconds })
}

/// The runs.parquet row of a finished run.
pub fn run_row(
    run_id: u32,
    scenario: &Scenario,
    seed: u64,
    replicate: u32,
    params: &[(String, restake_analysis::Value)],
    summary: &RunSummary,
) -> RunRow {
    let mut row = RunRow::header(run_id, &scenario.name, seed, replicate);
    for (k, v) in params {
        row.push(k.clone(), v.clone());
    }
    row.push_summary(summary);
    row
}
