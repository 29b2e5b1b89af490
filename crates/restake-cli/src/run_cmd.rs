//! `restake run`.

use crate::input;
use crate::output::{Staging, check_target};
use crate::runner::{run_into, run_row};
use crate::{Failure, ScenarioArgs};
use anyhow::Context;
use restake_analysis::recorder::RecordPlan;
use restake_analysis::{files, plots, report, runs, table};
use serde_json::json;
use std::path::PathBuf;
use std::time::Instant;

#[derive(clap::Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// Output directory (default: results/<scenario name>). Earlier results there are replaced.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Seed of the run (default: the scenario's engine.seed).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Do not draw plots.
    #[arg(long)]
    pub no_plot: bool,
    /// Check accounting invariants after every step.
    #[arg(long)]
    pub check_invariants: bool,
}

pub fn run(args: RunArgs) -> Result<(), Failure> {
    let loaded = input::load(args.scenario.scenario.as_deref(), &args.scenario.sets)?;
    let s = &loaded.scenario;
    let seed = args.seed.unwrap_or(s.engine.seed);
    let threads = args.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    if threads == 0 {
        return Err(Failure::Input("--threads must be at least 1".into()));
    }
    let out = args.out.clone().unwrap_or_else(|| PathBuf::from("results").join(&s.name));
    check_target(&out).map_err(|e| Failure::Input(format!("{e:#}")))?;

    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().context("cannot start worker threads")?;
    let staging = Staging::new(&out)?;
    let started = Instant::now();
    let r = &loaded.resolved;
    let result = pool.install(|| run_into(&staging.dir, r, seed, 0, RecordPlan::default(), args.check_invariants))?;
    let row = run_row(0, &s.name, seed, 0, &[], &result.summary);
    table::write_parquet(&staging.dir.join(files::RUNS), &mut runs::runs_frame(&[row])?)?;
    let mut plotted = Vec::new();
    if !args.no_plot {
        plotted = plots::plot_run(&staging.dir, 0, &s.name)?;
    }
    let manifest = json!({
        "restake_version": env!("CARGO_PKG_VERSION"),
        "command": "run",
        "scenario_file": loaded.path.as_ref().map(|p| p.display().to_string()),
        "overrides": loaded.overrides,
        "scenario": s,
        "threads": threads,
        "runs": [{
            "run_id": 0, "seed": seed.to_string(), "status": "ok",
            "steps": result.outcome.steps_run,
            "max_liquidation_rounds_in_a_step": result.outcome.max_rounds_in_step,
            "steps_hitting_round_limit": result.outcome.steps_hitting_round_limit,
            "build_seconds": result.build_seconds, "run_seconds": result.run_seconds,
        }],
        "wall_seconds": started.elapsed().as_secs_f64(),
    });
    let manifest_path = staging.dir.join(files::MANIFEST);
    std::fs::write(&manifest_path, serde_json::to_string_pretty(&manifest).context("manifest")?)
        .with_context(|| format!("cannot write {}", manifest_path.display()))?;
    let ids = |v: Vec<&String>| v.into_iter().cloned().collect::<Vec<_>>();
    let (lrts, markets, pools) = (
        ids(s.lrts.iter().map(|l| &l.id).collect()),
        ids(s.markets.iter().map(|m| &m.id).collect()),
        ids(s.pools.iter().map(|p| &p.id).collect()),
    );
    let strategies = ids(s.strategies.iter().map(|x| &x.id).collect());
    let entities = report::Entities { lrts: &lrts, markets: &markets, pools: &pools, strategies: &strategies };
    let summary = report::summary_text(&s.name, seed, &entities, &result.summary);
    // The headline figures as printed, for `restake report`.
    let summary_path = staging.dir.join("summary.txt");
    std::fs::write(&summary_path, &summary).with_context(|| format!("cannot write {}", summary_path.display()))?;
    let out = staging.publish()?;
    say!("{}", summary.trim_end());
    if result.outcome.steps_hitting_round_limit > 0 {
        say!(
            "  note: {} step(s) reached engine.max_liquidation_rounds ({}); the rest waited for the next step",
            result.outcome.steps_hitting_round_limit,
            s.engine.max_liquidation_rounds
        );
    }
    say!(
        "results in {}/ ({}, {}, {}, {}{})",
        out.display(),
        files::RUNS,
        files::STEPS,
        files::EVENTS,
        files::MANIFEST,
        plotted.iter().filter_map(|p| p.file_name().map(|n| format!(", {}", n.to_string_lossy()))).collect::<String>()
    );
    Ok(())
}

impl From<restake_analysis::AnalysisError> for Failure {
    fn from(e: restake_analysis::AnalysisError) -> Self {
        Failure::Run(e.into())
    }
}
