//! `restake merge DIR`: one sorted runs.parquet, summary.parquet (risk measures per sweep point)
//! and manifest.json from a sweep's parts, however many shards and batches wrote them.

use super::store::{self, SweepDir};
use crate::Failure;
use anyhow::{Context, anyhow};
use polars::prelude::{DataFrame, DataType, SortMultipleOptions};
use restake_agents::observe::metrics::names;
use restake_analysis::risk::summary_frame;
use restake_analysis::table::{parquet_writer, read_parquet};
use serde_json::json;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct MergeArgs {
    /// A sweep output directory (written by `restake sweep` or its shards).
    pub dir: PathBuf,
    /// Summarise the runs that exist even if some of the design's runs have no results yet.
    #[arg(long)]
    pub partial: bool,
}

pub const MERGED_RUNS: &str = "runs.parquet";
pub const SUMMARY: &str = "summary.parquet";
pub const MANIFEST: &str = "manifest.json";

/// What a merge found and wrote.
pub struct Merged {
    pub runs: u64,
    pub expected: u64,
    pub failed: u64,
    pub summary: DataFrame,
    pub params: Vec<String>,
}

/// Writes `df` to `path` through a temporary name unique to this process, so that two processes
/// merging at once (e.g. the last two shards) never write into one file.
fn write_atomic(path: &Path, df: &mut DataFrame) -> anyhow::Result<()> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let file = std::fs::File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    parquet_writer(file).finish(df).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot move {} into place", path.display()))?;
    Ok(())
}

fn write_text_atomic(path: &Path, text: &str) -> anyhow::Result<()> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    std::fs::write(&tmp, text).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot move {} into place", path.display()))?;
    Ok(())
}

pub fn merge_cmd(args: MergeArgs) -> Result<(), Failure> {
    let rec = store::read_sweep_record(&args.dir)?.ok_or_else(|| {
        Failure::Input(format!(
            "{}: not a sweep directory (no {}); give the --out of a `restake sweep`",
            args.dir.display(),
            store::SWEEP_FILE
        ))
    })?;
    let dir = SweepDir { root: args.dir.clone() };
    merge(&dir, &rec, args.partial)?.print(&dir);
    Ok(())
}

/// Merges the committed parts of `dir` (whose sweep.json is `rec`).
pub fn merge(dir: &SweepDir, rec: &serde_json::Value, partial: bool) -> Result<Merged, Failure> {
    let expected = rec["runs"].as_u64().ok_or_else(|| anyhow!("{}: no `runs` count", store::SWEEP_FILE))?;
    let params: Vec<String> = rec["parameters"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    let parts = dir.runs_parts();
    if parts.is_empty() {
        return Err(Failure::Run(anyhow!("{}: no finished runs yet (no parts under runs/)", dir.root.display())));
    }
    let mut runs: Option<DataFrame> = None;
    let mut seen: Vec<u32> = vec![u32::MAX; expected as usize];
    for (k, part) in parts.iter().enumerate() {
        let df = read_parquet(part)?;
        for id in df.column("run_id")?.cast(&DataType::UInt64)?.u64()?.iter().flatten() {
            let slot = seen
                .get_mut(id as usize)
                .ok_or_else(|| anyhow!("{}: run id {id} is outside the design ({expected} runs)", part.display()))?;
            if *slot != u32::MAX {
                return Err(Failure::Run(anyhow!(
                    "run {id} has results in two parts, {} and {}: two processes ran the same runs (different --shard N into one --out?). Remove one part, then merge again",
                    parts[*slot as usize].display(),
                    part.display()
                )));
            }
            *slot = k as u32;
        }
        match &mut runs {
            None => runs = Some(df),
            Some(all) => {
                all.vstack_mut(&df)
                    .with_context(|| format!("{}: its columns differ from the other parts", part.display()))?;
            }
        }
    }
    let mut runs = runs.expect("at least one part");
    let missing: Vec<usize> = seen.iter().enumerate().filter(|(_, s)| **s == u32::MAX).map(|(i, _)| i).collect();
    if !missing.is_empty() && !partial {
        let first: Vec<String> = missing.iter().take(8).map(|i| i.to_string()).collect();
        return Err(Failure::Run(anyhow!(
            "{}: {} of {expected} runs have no results yet (run ids {}{}): finish the missing shards (`restake sweep ... --shard K/N --resume`), or pass --partial to summarise what exists",
            dir.root.display(),
            missing.len(),
            first.join(", "),
            if missing.len() > 8 { ", ..." } else { "" }
        )));
    }
    runs.rechunk_mut();
    let runs = runs.sort(["run_id"], SortMultipleOptions::default())?;
    let failed = runs.column("status")?.str()?.iter().filter(|s| *s != Some("ok")).count() as u64;
    // runs.parquet is written while the summary is computed from the same rows.
    let mut out = runs.clone();
    let summary = std::thread::scope(|s| {
        let written = s.spawn(|| write_atomic(&dir.root.join(MERGED_RUNS), &mut out));
        let summary = summary_frame(&runs, &params).map_err(anyhow::Error::from).and_then(|mut summary| {
            write_atomic(&dir.root.join(SUMMARY), &mut summary)?;
            Ok(summary)
        });
        written.join().unwrap_or_else(|p| std::panic::resume_unwind(p)).and(summary)
    })?;
    write_manifest(dir, rec, runs.height() as u64, expected, failed)?;
    Ok(Merged { runs: runs.height() as u64, expected, failed, summary, params })
}

/// manifest.json: the sweep record, counts, every failed run with its error, compute time and
/// hosts, gathered from the per-part manifests.
fn write_manifest(
    dir: &SweepDir,
    rec: &serde_json::Value,
    runs: u64,
    expected: u64,
    failed: u64,
) -> anyhow::Result<()> {
    let mut failures = Vec::new();
    let mut seconds = 0.0;
    let mut hosts: Vec<String> = Vec::new();
    let mut parts = 0;
    for p in dir.manifest_parts() {
        let text = std::fs::read_to_string(&p).with_context(|| format!("cannot read {}", p.display()))?;
        let m: serde_json::Value =
            serde_json::from_str(&text).with_context(|| format!("{}: not valid JSON", p.display()))?;
        parts += 1;
        if let Some(h) = m["host"].as_str()
            && !hosts.iter().any(|x| x == h)
        {
            hosts.push(h.to_string());
        }
        for r in m["runs"].as_array().into_iter().flatten() {
            seconds += r["seconds"].as_f64().unwrap_or(0.0);
            if r["status"] != "ok" {
                let mut f = r.clone();
                f["shard"] = m["shard"].clone();
                f["host"] = m["host"].clone();
                failures.push(f);
            }
        }
    }
    failures.sort_by_key(|f| f["run_id"].as_u64().unwrap_or(0));
    let manifest = json!({
        "restake_version": env!("CARGO_PKG_VERSION"),
        "command": "sweep",
        "sweep": rec,
        "complete": runs == expected,
        "runs": { "expected": expected, "finished": runs, "ok": runs - failed, "failed": failed, "missing": expected - runs },
        "failed_runs": failures,
        "compute_seconds": seconds,
        "parts": parts,
        "hosts": hosts,
        "files": {
            "runs": "runs/shard=*/part-*.parquet (dataset) and runs.parquet (merged, sorted by run_id)",
            "steps": "steps/shard=*/part-*.parquet", "events": "events/shard=*/part-*.parquet",
            "summary": "summary.parquet: one row per sweep point and metric (see restake_analysis::risk)",
            "per_run_status": "manifest/shard=*/part-*.json",
        },
    });
    write_text_atomic(&dir.root.join(MANIFEST), &serde_json::to_string_pretty(&manifest)?)
}

impl Merged {
    /// Prints counts and, per point (up to 12), the headline risk of bad debt and liquidations.
    pub fn print(&self, dir: &SweepDir) {
        say!(
            "merged {} of {} runs ({} failed) -> {}/{MERGED_RUNS}, {SUMMARY}, {MANIFEST}",
            self.runs,
            self.expected,
            self.failed,
            dir.root.display()
        );
        let Ok(metric) = self.summary.column("metric").and_then(|c| c.str().cloned()) else { return };
        let get = |name: &str, i: usize| -> Option<f64> { self.summary.column(name).ok()?.f64().ok()?.get(i) };
        let point = self.summary.column("point").ok().and_then(|c| c.u64().ok().cloned());
        let fmt = |x: Option<f64>| x.map_or("-".to_string(), one_decimal);
        // The row of `name` at the point of row `i`.
        let row = |name: &str, i: usize| {
            let p = point.as_ref().and_then(|c| c.get(i));
            (0..self.summary.height())
                .find(|&j| metric.get(j) == Some(name) && point.as_ref().and_then(|c| c.get(j)) == p)
        };
        // Each point's parameter values, in short labels (`pool-spot`, not the inline table).
        let label = |i: usize| -> String {
            self.params
                .iter()
                .map(|p| match self.summary.column(p).ok().and_then(|c| c.get(i).ok()) {
                    Some(v) => restake_analysis::sweep_plots::value_label(&v),
                    None => "-".into(),
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        say!(
            "  {:>6}  {:>28}  {:>9}  {:>9}  {:>9}  {:>9}  {}",
            "point",
            "bad debt ETH: mean [95% CI]",
            "VaR95",
            "CVaR95",
            "LaR95",
            "LaR99",
            self.params.join(", ")
        );
        let mut shown = 0;
        for i in 0..self.summary.height() {
            if metric.get(i) != Some(names::BAD_DEBT) {
                continue;
            }
            let p = point.as_ref().and_then(|c| c.get(i)).unwrap_or(0);
            let liq = row(names::LIQUIDATED_DEBT, i);
            let ci =
                format!("{} [{}, {}]", fmt(get("mean", i)), fmt(get("mean_ci_low", i)), fmt(get("mean_ci_high", i)));
            say!(
                "  {p:>6}  {ci:>28}  {:>9}  {:>9}  {:>9}  {:>9}  {}",
                fmt(get("var95", i)),
                fmt(get("cvar95", i)),
                fmt(liq.and_then(|j| get("var95", j))),
                fmt(liq.and_then(|j| get("var99", j))),
                label(i)
            );
            shown += 1;
            if shown == 12 {
                say!("  ... (every point and metric in {SUMMARY})");
                break;
            }
        }
        self.print_strategies(&metric, &get, point.as_ref(), &label, &row);
    }

    /// Per point and strategy (up to 24 rows), the realised APY across replications: mean,
    /// median, volatility, VaR and CVaR of the lower tail, and the probability of losing principal.
    fn print_strategies(
        &self,
        metric: &polars::prelude::StringChunked,
        get: &dyn Fn(&str, usize) -> Option<f64>,
        point: Option<&polars::prelude::UInt64Chunked>,
        label: &dyn Fn(usize) -> String,
        row: &dyn Fn(&str, usize) -> Option<usize>,
    ) {
        let rows: Vec<usize> = (0..self.summary.height())
            .filter(|&i| metric.get(i).is_some_and(|m| m.starts_with("strategy.") && m.ends_with(".apy")))
            .collect();
        if rows.is_empty() {
            return;
        }
        let pct = |x: Option<f64>| x.map_or("-".to_string(), |v| format!("{}%", one_decimal(100.0 * v)));
        say!(
            "  {:>6}  {:<16} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8}  {}",
            "point",
            "strategy APY",
            "mean",
            "median",
            "vol",
            "VaR95",
            "CVaR95",
            "CVaR99",
            "P(loss)",
            self.params.join(", ")
        );
        for (shown, &i) in rows.iter().enumerate() {
            if shown == 24 {
                say!("  ... (every strategy metric in {SUMMARY})");
                break;
            }
            let name = metric.get(i).unwrap_or_default();
            let id = name.trim_start_matches("strategy.").trim_end_matches(".apy");
            let p = point.and_then(|c| c.get(i)).unwrap_or(0);
            let loss = row(&format!("strategy.{id}.lost_principal"), i);
            say!(
                "  {p:>6}  {id:<16} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8}  {}",
                pct(get("mean", i)),
                pct(get("p50", i)),
                pct(get("std", i)),
                pct(get("var95", i)),
                pct(get("cvar95", i)),
                pct(get("cvar99", i)),
                pct(loss.and_then(|j| get("mean", j))),
                label(i)
            );
        }
    }
}

/// One decimal, and no "-0.0" for a value that rounds to zero.
fn one_decimal(v: f64) -> String {
    format!("{:.1}", if v.abs() < 0.05 { 0.0 } else { v })
}
