//! `restake stress SCENARIO`: the scenario under every stress of the library (and the user's own
//! stress files), replicated, in one report — the page a protocol's risk committee reads.
//!
//! Each stress replaces the scenario's own shocks and hazards with its own (placed at `--at`) and
//! runs `--replications` times with the same seeds as every other stress (common random numbers:
//! the differences between rows are the stresses', not the dice's). Two reference rows come
//! first: `none` (the scenario without its shocks) and `as given`. A stress that does not apply
//! (it needs a pooled market the scenario lacks, say) is a row that says why. Replays (files that
//! are worlds of their own) run as they are. The worst stress's worst replication is run again
//! with its steps and events recorded and drawn.

mod library;
mod report;

use crate::input::{self, LoadedScenario};
use crate::output::Staging;
use crate::{Failure, ScenarioArgs};
use anyhow::Context;
use library::{Anchors, Stress};
use restake_agents::observe::Summary;
use restake_agents::run_once;
use restake_agents::scenario::Span;
use restake_engine::NullRecorder;
use std::path::PathBuf;
use std::time::Instant;

#[derive(clap::Args)]
pub struct StressArgs {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// Runs per stress (seeds: the scenario's seed, +1, +2, ...).
    #[arg(long, default_value_t = 5)]
    pub replications: u32,
    /// Your own stress files, run after the library's (repeatable).
    #[arg(long = "with", value_name = "FILE")]
    pub with: Vec<PathBuf>,
    /// The stress library (default: configs/stress).
    #[arg(long, default_value = "configs/stress")]
    pub library: PathBuf,
    /// Only your own stress files (--with), not the library.
    #[arg(long)]
    pub no_library: bool,
    /// When the stresses start (default: a quarter of the run).
    #[arg(long)]
    pub at: Option<Span>,
    /// Keep the scenario's own shocks and hazards, adding the stress's.
    #[arg(long)]
    pub keep_shocks: bool,
    /// Output directory (default: results/stress/<scenario name>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
}

/// One row of the report: a stress and what it did over its replications.
pub struct Row {
    pub stress: Stress,
    /// The scenario it ran (None if the stress does not apply: `skipped` says why).
    pub loaded: Option<LoadedScenario>,
    pub skipped: Option<String>,
    /// One summary per replication (or the error of that run).
    pub runs: Vec<Result<Summary, String>>,
}

pub fn stress(args: StressArgs) -> Result<(), Failure> {
    if args.replications == 0 || args.replications > 10_000 {
        return Err(Failure::Input(format!("--replications must be in [1, 10000], got {}", args.replications)));
    }
    let user = input::load(args.scenario.scenario.as_deref(), &args.scenario.sets)?;
    let name = user.path.as_ref().map_or_else(|| input::BASELINE_NAME.to_string(), |p| p.display().to_string());
    let text = input::apply_overrides(&name, &input::read_text(user.path.as_deref())?, &args.scenario.sets)?;
    let duration = user.scenario.time.duration.seconds();
    let at = args.at.map_or(duration / 4.0, |a| a.seconds());
    if at >= duration {
        return Err(Failure::Input(format!(
            "--at {}: must be before the end of the run ({})",
            args.at.map(|a| a.to_string()).unwrap_or_default(),
            user.scenario.time.duration
        )));
    }
    let mut stresses: Vec<Stress> = Vec::new();
    if !args.no_library {
        stresses.extend(library::read_dir(&args.library)?);
    }
    for f in &args.with {
        stresses.push(library::read(f)?);
    }
    if stresses.is_empty() {
        return Err(Failure::Input("no stresses: the library is empty and no --with file was given".into()));
    }
    let out = args.out.clone().unwrap_or_else(|| PathBuf::from("results/stress").join(&user.scenario.name));
    let staging = Staging::new(&out)?;
    let threads = crate::sweep::threads_or_all(args.threads)?;
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().context("cannot start worker threads")?;

    // The rows: references, then every stress applied to the scenario.
    let anchors = Anchors::of(&user, at);
    let mut rows: Vec<Row> = Vec::new();
    let reference = |name: &str, summary: &str, keep: bool| -> Result<Row, Failure> {
        let doc_text = if keep { text.clone() } else { without_shocks(&text)? };
        let loaded = input::load_text(&name.to_string(), &doc_text, &[])?;
        Ok(Row { stress: library::reference(name, summary), loaded: Some(loaded), skipped: None, runs: Vec::new() })
    };
    rows.push(reference("none", "the scenario without its shocks and hazards", false)?);
    rows.push(reference("as given", "the scenario with its own shocks and hazards", true)?);
    for s in stresses {
        match library::apply(&s, &text, &name, &anchors, args.keep_shocks) {
            Ok(loaded) => rows.push(Row { stress: s, loaded: Some(loaded), skipped: None, runs: Vec::new() }),
            Err(e) => rows.push(Row { stress: s, loaded: None, skipped: Some(e.0), runs: Vec::new() }),
        }
    }

    // Every (row, replication) on one pool, at most `threads` runs in flight.
    let seeds: Vec<u64> = (0..args.replications as u64).map(|k| user.scenario.engine.seed.wrapping_add(k)).collect();
    let jobs: Vec<(usize, usize)> = (0..rows.len())
        .filter(|&r| rows[r].loaded.is_some())
        .flat_map(|r| (0..seeds.len()).map(move |k| (r, k)))
        .collect();
    let ids: Vec<u32> = (0..jobs.len() as u32).collect();
    let started = Instant::now();
    let mut results: Vec<Option<Result<Summary, String>>> = (0..jobs.len()).map(|_| None).collect();
    let total = jobs.len();
    restake_engine::ensemble::run_bounded(
        &pool,
        threads,
        &ids,
        |id| {
            let (r, k) = jobs[id as usize];
            let l = rows[r].loaded.as_ref().expect("filtered");
            run_once(&l.resolved, row_seed(&rows[r], &seeds, k), false, NullRecorder)
                .map(|f| f.summary)
                .map_err(|e| e.to_string())
        },
        |id, res| -> Result<(), std::convert::Infallible> {
            results[id as usize] = Some(res);
            let done = results.iter().filter(|x| x.is_some()).count();
            if done % 10 == 0 || done == total {
                eprint!("\r  {done}/{total} runs");
            }
            Ok(())
        },
    )
    .ok();
    eprintln!();
    for (j, res) in results.into_iter().enumerate() {
        let (r, _) = jobs[j];
        rows[r].runs.push(res.unwrap_or_else(|| Err("not run".into())));
    }

    let written = report::write(&staging.dir, &rows, &seeds, &user, at)?;
    let manifest = serde_json::json!({
        "restake_version": env!("CARGO_PKG_VERSION"),
        "command": "stress",
        "scenario_file": user.path.as_ref().map(|p| p.display().to_string()),
        "overrides": user.overrides,
        "replications": args.replications,
        "seeds": seeds.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        "at_seconds": at,
        "keep_shocks": args.keep_shocks,
        "stresses": rows.iter().map(|r| serde_json::json!({
            "name": r.stress.name, "risk": r.stress.risk, "file": r.stress.path.display().to_string(),
            "skipped": r.skipped, "failed": r.runs.iter().filter(|x| x.is_err()).count(),
        })).collect::<Vec<_>>(),
        "threads": threads,
        "wall_seconds": started.elapsed().as_secs_f64(),
    });
    std::fs::write(
        staging.dir.join(restake_analysis::files::MANIFEST),
        serde_json::to_string_pretty(&manifest).context("manifest")?,
    )
    .context("cannot write the manifest")?;
    let out = staging.publish()?;
    say!("{}", report::table_text(&rows));
    say!("results in {}/ ({})", out.display(), written.join(", "));
    Ok(())
}

/// The seed of replication `k` of `row`: the user's seeds, or a replay's own seed + k (a replay
/// is its own world, calibrated with its seed).
pub fn row_seed(row: &Row, seeds: &[u64], k: usize) -> u64 {
    match (&row.loaded, row.stress.risk.as_str()) {
        (Some(l), "replay") => l.scenario.engine.seed.wrapping_add(k as u64),
        _ => seeds[k],
    }
}

/// `text` without its `[[shocks]]` and `[[hazards]]`.
fn without_shocks(text: &str) -> Result<String, Failure> {
    let mut doc: toml_edit::DocumentMut =
        text.parse().map_err(|e: toml_edit::TomlError| Failure::Input(e.message().to_string()))?;
    doc.remove("shocks");
    doc.remove("hazards");
    Ok(doc.to_string())
}
