//! One run of a sweep: its scenario, world and recording, with failures of the run told apart
//! from failures of the machine.
//!
//! A run *fails* (recorded, the sweep goes on) when its scenario breaks a rule, the world cannot
//! be built, the model reports an error (e.g. a non-finite price), an accounting invariant breaks,
//! a recorded value is not finite, or the model panics. An I/O or Parquet error while recording is
//! *fatal*: it says nothing about the run, so the sweep stops and a later resume redoes the run.

use super::experiment::{Experiment, RunSpec};
use super::store::Finished;
use anyhow::anyhow;
use restake_agents::World;
use restake_agents::observe::SummaryRecorder;
use restake_agents::run::run_world;
use restake_analysis::recorder::RecordPlan;
use restake_analysis::runs::{Kind, metric_columns};
use restake_analysis::{AnalysisError, ParquetRecorder, RunRow, Value};
use restake_engine::RunError;
use restake_engine::recorder::TeeError;
use serde_json::json;
use std::path::Path;
use std::time::Instant;

/// The runs.parquet row of a run that did not finish.
fn failed_row(exp: &Experiment, spec: &RunSpec, error: &str) -> RunRow {
    let mut row = RunRow::header(spec.run_id, &exp.base.name, spec.seed, spec.replicate);
    row.push("point", Value::I64(spec.point as i64));
    for (path, v) in exp.point_params(spec.point) {
        row.push(path, v.cell);
    }
    row.push_failure(error);
    row
}

fn params_of(exp: &Experiment, spec: &RunSpec) -> Vec<(String, Value)> {
    let mut p = vec![("point".to_string(), Value::I64(spec.point as i64))];
    p.extend(exp.point_params(spec.point).into_iter().map(|(k, v)| (k.to_string(), v.cell)));
    p
}

/// Runs `spec`, recording into `scratch` per `record`; its row must fit the sweep's runs
/// `columns`. `Err` only for fatal errors.
pub fn run_one(
    exp: &Experiment,
    spec: &RunSpec,
    scratch: &Path,
    record: RecordPlan,
    columns: &[(String, Kind)],
) -> anyhow::Result<Finished> {
    let t0 = Instant::now();
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        attempt(exp, spec, scratch, record).and_then(|(row, steps)| fits(&row, columns).map(|()| (row, steps)))
    }));
    let result = match outcome {
        Ok(r) => r,
        Err(panic) => {
            let msg = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            Err(Attempt::Failed(format!("the model panicked: {msg}")))
        }
    };
    let wall = t0.elapsed().as_secs_f64();
    let base_log = json!({ "run_id": spec.run_id, "point": spec.point, "replicate": spec.replicate, "seed": spec.seed.to_string(), "seconds": wall });
    match result {
        Ok((row, steps)) => {
            let mut log = base_log;
            log["status"] = "ok".into();
            log["steps"] = steps.into();
            let recording = (record.steps || record.events).then(|| scratch.to_path_buf());
            Ok(Finished { row, recording, log })
        }
        Err(Attempt::Failed(error)) => {
            if scratch.exists() {
                std::fs::remove_dir_all(scratch).ok();
            }
            let mut log = base_log;
            log["status"] = "failed".into();
            log["error"] = error.clone().into();
            Ok(Finished { row: failed_row(exp, spec, &error), recording: None, log })
        }
        Err(Attempt::Fatal(e)) => {
            Err(e.context(format!("run {} (point {}, replicate {})", spec.run_id, spec.point, spec.replicate)))
        }
    }
}

/// Every part of a sweep has one schema, so a row with other columns (a point whose parameters
/// changed the set of LRTs or markets) is a failed run, not a different table.
fn fits(row: &RunRow, columns: &[(String, Kind)]) -> Result<(), Attempt> {
    for (name, v) in &row.cells {
        let Some((_, kind)) = columns.iter().find(|(c, _)| c == name) else {
            return Err(Attempt::Failed(format!(
                "this run reports `{name}`, a column the base scenario does not have: parameters may change values, not which LRTs or markets exist"
            )));
        };
        let ok = matches!(
            (v, kind),
            (Value::Null, _)
                | (Value::F64(_) | Value::I64(_), Kind::F64)
                | (Value::I64(_), Kind::I64)
                | (Value::Str(_), Kind::Str)
        );
        if !ok {
            return Err(Attempt::Failed(format!("column `{name}` is {kind:?} in this sweep but this run has {v:?}")));
        }
    }
    Ok(())
}

enum Attempt {
    Failed(String),
    Fatal(anyhow::Error),
}

fn attempt(exp: &Experiment, spec: &RunSpec, scratch: &Path, record: RecordPlan) -> Result<(RunRow, u64), Attempt> {
    let (scenario, resolved) = exp.scenario_at(spec.point).map_err(Attempt::Failed)?;
    let world = World::new(&resolved, spec.seed);
    std::fs::create_dir_all(scratch)
        .map_err(|e| Attempt::Fatal(anyhow!("cannot create {}: {e}", scratch.display())))?;
    let recorder =
        ParquetRecorder::create(scratch, spec.run_id, &world, record).map_err(|e| Attempt::Fatal(e.into()))?;
    let done = run_world(world, &resolved, spec.seed, false, recorder).map_err(|e| match e {
        RunError::Recorder {
            source: TeeError::Second(AnalysisError::Io { .. } | AnalysisError::Polars(_)), ..
        } => Attempt::Fatal(anyhow!("{e}")),
        other => Attempt::Failed(other.to_string()),
    })?;
    let row = crate::runner::run_row(
        spec.run_id,
        &scenario.name,
        spec.seed,
        spec.replicate,
        &params_of(exp, spec),
        &done.summary,
    );
    // A NaN that reached the summary is a failure of the run, never a silent cell.
    if let Some((name, _)) = row.cells.iter().find(|(_, v)| matches!(v, Value::F64(x) if x.is_nan())) {
        return Err(Attempt::Failed(format!("summary metric `{name}` is NaN")));
    }
    Ok((row, done.outcome.steps_run))
}

/// The runs.parquet columns of this experiment, with their types: the identifying columns, the
/// point and parameters, then the run metrics declared for the base scenario's entities.
pub fn runs_columns(exp: &Experiment) -> anyhow::Result<Vec<(String, Kind)>> {
    let base = restake_agents::resolve(&exp.base).map_err(|i| anyhow!("the base scenario is invalid: {i:?}"))?;
    let world = World::new(&base, exp.master_seed);
    let mut cols: Vec<(String, Kind)> = vec![
        ("run_id".into(), Kind::I64),
        ("scenario".into(), Kind::Str),
        ("seed".into(), Kind::Str),
        ("replicate".into(), Kind::I64),
        ("point".into(), Kind::I64),
    ];
    cols.extend(exp.columns.iter().map(|c| (c.path.clone(), c.kind)));
    cols.extend(metric_columns(SummaryRecorder::new(&world).metrics()));
    Ok(cols)
}
