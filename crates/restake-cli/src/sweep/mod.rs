//! `restake sweep`: an experiment's runs on one rayon pool, streamed to a Parquet dataset in
//! committed batches, resumable, and splittable into shards for a cluster.
//!
//! Memory does not grow with the number of runs: at most `--threads` runs are in flight
//! ([`restake_engine::ensemble::run_bounded`]), the runs to do are a list of ids (4 bytes each),
//! finished runs are held (a row each) only until their part commits (`outputs.batch_runs`), and
//! each run streams its steps and events to a scratch file in bounded row groups
//! ([`restake_analysis::recorder::ROW_GROUP`]), copied into the open part a row group at a time,
//! compressed pages as they are ([`restake_analysis::concat`]), as soon as the run is staged.

pub mod experiment;
mod job;
pub mod merge;
mod order;
mod progress;
pub mod slurm;
pub mod store;
mod values;

use crate::Failure;
use anyhow::{Context, anyhow};
use experiment::Experiment;
use order::InOrder;
use progress::Progress;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::Instant;
use store::ShardWriter;

#[derive(clap::Args)]
pub struct SweepArgs {
    /// Experiment file (TOML), e.g. experiments/oracle-lltv.toml.
    pub experiment: PathBuf,
    /// Output directory (default: results/sweeps/<experiment name>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Run one slice of the sweep: the runs whose id is K modulo N (K from 0). Every slice writes
    /// its own parts; together they give the same rows as the whole sweep.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// Continue the sweep already in --out: finished runs are skipped, the rest are run.
    #[arg(long)]
    pub resume: bool,
    /// Stop at the first failed run (exit 1) instead of recording it and going on.
    #[arg(long)]
    pub fail_fast: bool,
    /// Commit finished runs as one part every N runs (default: the experiment's
    /// outputs.batch_runs). Smaller parts lose less work to a kill; larger parts are fewer files.
    #[arg(long, value_name = "N")]
    pub batch_runs: Option<u32>,
    /// Print the design (points, runs, parameters, first points) and exit without running.
    #[arg(long)]
    pub dry_run: bool,
}

/// Slice `k` of `n` of a sweep's runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub k: u32,
    pub n: u32,
}

impl Shard {
    pub fn parse(s: Option<&str>) -> Result<Shard, Failure> {
        let Some(s) = s else { return Ok(Shard { k: 0, n: 1 }) };
        let bad = || Failure::Input(format!("--shard {s}: expected K/N with 0 <= K < N, e.g. --shard 0/4"));
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let (k, n): (u32, u32) = (k.trim().parse().map_err(|_| bad())?, n.trim().parse().map_err(|_| bad())?);
        if n == 0 || k >= n {
            return Err(bad());
        }
        Ok(Shard { k, n })
    }

    /// The run ids of this slice.
    pub fn run_ids(self, runs: u64) -> impl Iterator<Item = u32> {
        (self.k as u64..runs).step_by(self.n as usize).map(|id| id as u32)
    }
}

pub fn threads_or_all(threads: Option<usize>) -> Result<usize, Failure> {
    let t = threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    if t == 0 {
        return Err(Failure::Input("--threads must be at least 1".into()));
    }
    Ok(t)
}

/// Where a sweep writes when no --out is given.
pub fn default_out(exp: &Experiment) -> PathBuf {
    Path::new("results").join("sweeps").join(&exp.name)
}

fn print_design(exp: &Experiment) {
    say!(
        "experiment `{}`{}",
        exp.name,
        if exp.description.is_empty() { String::new() } else { format!(": {}", exp.description) }
    );
    say!("  base scenario  {}", exp.base_source);
    say!(
        "  design         {} points x {} replications = {} runs (seeds: {}, master seed {})",
        exp.points(),
        exp.replications,
        exp.runs(),
        exp.seeds.as_str(),
        exp.master_seed
    );
    if let Some(s) = exp.sampling {
        say!(
            "  sampling       {} over the `range` parameters",
            match s {
                experiment::Sampling::Lhs => "latin hypercube",
                experiment::Sampling::Random => "independent uniform draws",
                experiment::Sampling::Sobol => "Saltelli's design (Sobol sequence, samples x (k + 2) points)",
                experiment::Sampling::Morris => "Morris trajectories (samples x (k + 1) points, 4 levels)",
            }
        );
    }
    for c in &exp.columns {
        say!("  parameter      {} ({:?})", c.path, c.kind);
    }
    say!(
        "  outputs        runs{}{}",
        if exp.record.steps { format!(", steps (every {})", exp.record.every) } else { String::new() },
        if exp.record.events { ", events" } else { "" }
    );
    for p in 0..exp.points().min(10) as u32 {
        let params: Vec<String> =
            exp.point_params(p).iter().map(|(k, v)| format!("{k}={}", v.toml.to_string().trim())).collect();
        say!("  point {p:<8} {}", params.join(", "));
    }
    if exp.points() > 10 {
        say!("  ...");
    }
}

/// What stopped the sink early.
enum Stop {
    FailFast { run_id: u32, error: String },
    Fatal(anyhow::Error),
}

pub fn sweep(args: SweepArgs) -> Result<(), Failure> {
    let mut exp = Experiment::load(&args.experiment)?;
    let shard = Shard::parse(args.shard.as_deref())?;
    let threads = threads_or_all(args.threads)?;
    if let Some(b) = args.batch_runs {
        if b == 0 {
            return Err(Failure::Input("--batch-runs must be at least 1".into()));
        }
        exp.batching.runs = b;
    }
    if args.dry_run {
        print_design(&exp);
        return Ok(());
    }
    let file = args.experiment.display().to_string();
    for w in exp.warnings() {
        eprintln!("warning: {file}: {w}");
    }
    let columns = job::runs_columns(&exp)
        .map_err(|e| Failure::Input(format!("{}: the base scenario cannot be built: {e:#}", exp.base_source)))?;
    let out = args.out.clone().unwrap_or_else(|| default_out(&exp));

    // Nothing has been written until here.
    let dir = store::open(&out, &exp)?;
    let lock = dir.claim_shard(shard.k)?;
    let done = dir.done_runs(exp.runs())?;
    if done.duplicates() > 0 {
        eprintln!(
            "warning: {}: {} run(s) have results in more than one part (two processes ran the same runs?); `restake merge` will name them",
            out.display(),
            done.duplicates()
        );
    }
    let slice_runs = shard.run_ids(exp.runs()).count() as u64;
    let todo: Vec<u32> = shard.run_ids(exp.runs()).filter(|&id| !done.contains(id as u64)).collect();
    let already = slice_runs - todo.len() as u64;
    if already > 0 && !args.resume {
        return Err(Failure::Input(format!(
            "{}: already holds {already} finished run(s) of {}; pass --resume to complete it (finished runs are kept), or choose another --out",
            out.display(),
            if shard.n == 1 { "this sweep".to_string() } else { format!("shard {}/{}", shard.k, shard.n) }
        )));
    }
    let scratch_root = dir.work_dir(shard.k);
    let mut writer = ShardWriter::new(dir.clone(), shard.k, shard.n, lock, columns.clone())?;
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().context("cannot start worker threads")?;

    let label = if shard.n == 1 {
        format!("sweep {}", exp.name)
    } else {
        format!("sweep {} shard {}/{}", exp.name, shard.k, shard.n)
    };
    eprintln!(
        "{label}: {} points x {} replications = {} runs{}; {} to run{} on {threads} thread(s) -> {}",
        exp.points(),
        exp.replications,
        exp.runs(),
        if shard.n == 1 { String::new() } else { format!(", {slice_runs} in this shard") },
        todo.len(),
        if already > 0 { format!(" ({already} already done)") } else { String::new() },
        out.display()
    );
    let mut progress = Progress::new(&label, todo.len() as u64);
    let running = progress.running.clone();
    // Runs go into parts in the order they started (ascending id); at most a few hundred
    // finished runs (a row each) wait for a slow earlier one.
    let mut in_order = InOrder::new(&todo, (4 * threads).max(256));
    let mut ready = Vec::new();
    // The first few failures, for the closing message; all of them are in the parts.
    let mut failures: Vec<(u32, String)> = Vec::new();
    let mut failed_runs = 0u64;
    let started = Instant::now();
    let (record, batching, fail_fast) = (exp.record, exp.batching, args.fail_fast);
    let exp_ref = &exp;

    let result = restake_engine::ensemble::run_bounded(
        &pool,
        threads,
        &todo,
        |id| {
            running.fetch_add(1, Ordering::Relaxed);
            let spec = exp_ref.run(id);
            let r = job::run_one(exp_ref, &spec, &store::scratch_path(&scratch_root, id), record, &columns);
            running.fetch_sub(1, Ordering::Relaxed);
            r
        },
        |id, result| {
            let finished = result.map_err(Stop::Fatal)?;
            let error = finished.log.get("error").and_then(|e| e.as_str()).map(str::to_string);
            progress.finished(error.is_none());
            if let Some(e) = &error {
                failed_runs += 1;
                if failures.len() < 5 {
                    progress.note(&format!("run {id} failed: {e}"));
                    failures.push((id, e.clone()));
                }
            }
            in_order.arrive(id, finished, &mut ready);
            for (id, finished) in ready.drain(..) {
                writer.stage(id, finished).map_err(Stop::Fatal)?;
            }
            let (staged, seconds) = writer.staged();
            if staged >= batching.runs as usize || seconds >= batching.seconds {
                writer.commit().map_err(Stop::Fatal)?;
            }
            match error {
                Some(error) if fail_fast => Err(Stop::FailFast { run_id: id, error }),
                _ => Ok(()),
            }
        },
    );
    // Whatever stopped the runs, finished runs are kept.
    in_order.drain(&mut ready);
    let committed = ready.drain(..).try_for_each(|(id, f)| writer.stage(id, f)).and_then(|()| writer.commit());
    progress.finish();
    let wall = started.elapsed().as_secs_f64();
    let ran = progress.done();
    eprintln!(
        "{label}: ran {ran} run(s) ({} failed) in {wall:.1} s ({:.2} runs/s)",
        progress.failed(),
        ran as f64 / wall.max(1e-9)
    );
    match result {
        Err(Stop::Fatal(e)) => {
            return Err(Failure::Run(e.context("the sweep stopped; finished runs are saved, `--resume` continues")));
        }
        Err(Stop::FailFast { run_id, error }) => {
            committed?;
            return Err(Failure::Run(anyhow!(
                "run {run_id} failed: {error}\nstopped by --fail-fast; finished runs (and this failure) are saved in {}, `--resume` continues",
                out.display()
            )));
        }
        Ok(()) => {
            committed?;
        }
    }
    if let Some((id, e)) = failures.first() {
        eprintln!(
            "{failed_runs} run(s) failed and are recorded as failed (status and error in runs/, manifest/); first: run {id}: {e}"
        );
    }
    let all_done = dir.done_runs(exp.runs())?;
    if shard.n == 1 {
        let partial = all_done.count() < exp.runs();
        let rec = store::read_sweep_record(&dir.root)?.ok_or_else(|| anyhow!("{} vanished", store::SWEEP_FILE))?;
        merge::merge(&dir, &rec, partial)?.print(&dir);
    } else if all_done.count() == exp.runs() {
        say!(
            "all {} runs of the sweep are done; `restake merge {}` writes runs.parquet and summary.parquet",
            exp.runs(),
            out.display()
        );
    } else {
        say!(
            "shard {}/{} done ({} of {} runs of the sweep done); when every shard is done, `restake merge {}`",
            shard.k,
            shard.n,
            all_done.count(),
            exp.runs(),
            out.display()
        );
    }
    Ok(())
}

impl From<polars::prelude::PolarsError> for Failure {
    fn from(e: polars::prelude::PolarsError) -> Self {
        Failure::Run(e.into())
    }
}
