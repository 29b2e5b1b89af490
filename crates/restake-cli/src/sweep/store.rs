//! A sweep's output directory: a dataset of Parquet parts that appear whole or not at all.
//!
//! ```text
//! OUT/sweep.json                        the experiment (texts, fingerprint, design size); written once
//! OUT/runs/shard=K/part-00000.parquet   one row per run (ok or failed), every parameter a column
//! OUT/steps/shard=K/part-00000.parquet  time series of the part's runs (if kept)
//! OUT/events/shard=K/part-00000.parquet events of the part's runs (if kept)
//! OUT/manifest/shard=K/part-00000.json  status, error, host and timings of each run of the part
//! OUT/.work/                            per-shard locks, scratch recordings and staged parts
//! OUT/runs.parquet, summary.parquet, manifest.json   written by `restake merge`
//! ```
//!
//! A shard stages its finished runs into a part as they finish (the part's files grow in
//! `.work`, runs in ascending id) and commits it every `outputs.batch_runs` runs or
//! `batch_seconds`: the files are closed, then renamed into the dataset folders, the runs part
//! last: a runs part exists only when the parts it vouches for are complete, so the run ids in
//! runs parts are exactly the finished runs. A
//! process killed at any moment leaves only `.work` files and, at worst, steps/events/manifest
//! parts without their runs part; the next process to take that shard's lock deletes both before
//! it starts. A shard's folders are written only by the holder of its lock (an OS file lock,
//! released by the kernel when the holder dies), so concurrent shards never touch each other's
//! files.

use super::experiment::Experiment;
use crate::Failure;
use anyhow::{Context, Result, anyhow};
use polars::prelude::{DataType, ParquetReader, SerReader};
use restake_analysis::RunRow;
use restake_analysis::concat::ParquetConcat;
use restake_analysis::runs::{Kind, runs_frame_typed};
use restake_analysis::table::write_parquet;
use serde_json::json;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::Instant;

pub const SWEEP_FILE: &str = "sweep.json";
/// Dataset folders; `runs` is the commit marker and is renamed last.
pub const RUNS: &str = "runs";
pub const STEPS: &str = "steps";
pub const EVENTS: &str = "events";
pub const MANIFEST: &str = "manifest";
const WORK: &str = ".work";

#[derive(Clone, Debug)]
pub struct SweepDir {
    pub root: PathBuf,
}

fn shard_folder(shard: u32) -> String {
    format!("shard={shard}")
}

fn part_stem(part: u32) -> String {
    format!("part-{part:05}")
}

/// The part number of a file named `part-NNNNN.<ext>`.
fn part_number(name: &str) -> Option<u32> {
    name.strip_prefix("part-")?.split('.').next()?.parse().ok()
}

/// Files directly in `dir` (none if it does not exist), sorted by name.
fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.path()).filter(|p| p.is_file()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

/// The shard numbers that have a folder under `root/kind`.
fn shard_numbers(root: &Path, kind: &str) -> Vec<u32> {
    let mut v: Vec<u32> = std::fs::read_dir(root.join(kind))
        .map(|d| d.flatten().filter_map(|e| e.file_name().to_str()?.strip_prefix("shard=")?.parse().ok()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

impl SweepDir {
    pub fn shard_dir(&self, kind: &str, shard: u32) -> PathBuf {
        self.root.join(kind).join(shard_folder(shard))
    }

    pub fn work_dir(&self, shard: u32) -> PathBuf {
        self.root.join(WORK).join(shard_folder(shard))
    }

    /// Every committed runs part, across all shards, sorted.
    pub fn runs_parts(&self) -> Vec<PathBuf> {
        let mut v = Vec::new();
        for s in shard_numbers(&self.root, RUNS) {
            v.extend(
                files_in(&self.shard_dir(RUNS, s))
                    .into_iter()
                    .filter(|p| p.extension().is_some_and(|e| e == "parquet")),
            );
        }
        v
    }

    /// Every committed manifest part, across all shards.
    pub fn manifest_parts(&self) -> Vec<PathBuf> {
        let mut v = Vec::new();
        for s in shard_numbers(&self.root, MANIFEST) {
            for p in files_in(&self.shard_dir(MANIFEST, s)) {
                let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                if p.extension().is_some_and(|e| e == "json")
                    && self.shard_dir(RUNS, s).join(format!("{}.parquet", name.trim_end_matches(".json"))).exists()
                {
                    v.push(p);
                }
            }
        }
        v
    }

    /// Run ids with committed results (ok or failed), as a bit set over the design.
    pub fn done_runs(&self, total: u64) -> Result<DoneSet> {
        let mut done = DoneSet::new(total);
        for part in self.runs_parts() {
            let df = ParquetReader::new(File::open(&part).with_context(|| format!("cannot open {}", part.display()))?)
                .with_columns(Some(vec!["run_id".into()]))
                .finish()
                .with_context(|| format!("cannot read {}", part.display()))?;
            for id in df.column("run_id")?.cast(&DataType::UInt64)?.u64()?.iter().flatten() {
                done.insert(id);
            }
        }
        Ok(done)
    }

    /// Deletes what a killed writer of `shard` may have left: its `.work` folder, and parts that
    /// have no runs part (written before the commit's last rename). Only under the shard's lock.
    fn clean_shard(&self, shard: u32, _lock: &ShardLock) -> Result<()> {
        let work = self.work_dir(shard);
        if work.exists() {
            std::fs::remove_dir_all(&work).with_context(|| format!("cannot clear {}", work.display()))?;
        }
        let runs = self.shard_dir(RUNS, shard);
        for kind in [STEPS, EVENTS, MANIFEST] {
            for p in files_in(&self.shard_dir(kind, shard)) {
                let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                let committed =
                    part_number(name).is_some_and(|n| runs.join(format!("{}.parquet", part_stem(n))).exists());
                if !committed {
                    std::fs::remove_file(&p).with_context(|| format!("cannot remove uncommitted {}", p.display()))?;
                }
            }
        }
        Ok(())
    }

    /// Takes shard `shard`'s lock and cleans up after any killed writer of it; also cleans every
    /// other shard whose lock is free (a whole-sweep resume after a killed sharded run).
    pub fn claim_shard(&self, shard: u32) -> Result<ShardLock, Failure> {
        let lock = ShardLock::try_acquire(self, shard).map_err(Failure::Run)?.ok_or_else(|| {
            Failure::Input(format!(
                "{}: shard {shard} is being written by another restake process (lock {}); run a different --shard, or wait for it",
                self.root.display(),
                ShardLock::path(self, shard).display()
            ))
        })?;
        self.clean_shard(shard, &lock)?;
        let mut others: Vec<u32> =
            [RUNS, STEPS, EVENTS, MANIFEST].iter().flat_map(|k| shard_numbers(&self.root, k)).collect();
        others.sort();
        others.dedup();
        for s in others.into_iter().filter(|&s| s != shard) {
            if let Some(l) = ShardLock::try_acquire(self, s).map_err(Failure::Run)? {
                self.clean_shard(s, &l)?;
            }
        }
        Ok(lock)
    }
}

/// Finished run ids, one bit each (memory: total / 8 bytes).
pub struct DoneSet {
    bits: Vec<u64>,
    count: u64,
    duplicates: u64,
}

impl DoneSet {
    fn new(total: u64) -> Self {
        DoneSet { bits: vec![0; total.div_ceil(64) as usize], count: 0, duplicates: 0 }
    }

    fn insert(&mut self, id: u64) {
        let (w, b) = ((id / 64) as usize, id % 64);
        if w >= self.bits.len() {
            return; // not in this design (cannot happen for a matching fingerprint)
        }
        if self.bits[w] & (1 << b) != 0 {
            self.duplicates += 1;
        } else {
            self.bits[w] |= 1 << b;
            self.count += 1;
        }
    }

    pub fn contains(&self, id: u64) -> bool {
        self.bits.get((id / 64) as usize).is_some_and(|w| w & (1 << (id % 64)) != 0)
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    pub fn duplicates(&self) -> u64 {
        self.duplicates
    }
}

/// An exclusive lock on one shard's folders, held for the life of the writer.
pub struct ShardLock {
    _file: File,
}

impl ShardLock {
    fn path(dir: &SweepDir, shard: u32) -> PathBuf {
        dir.root.join(WORK).join(format!("{}.lock", shard_folder(shard)))
    }

    fn try_acquire(dir: &SweepDir, shard: u32) -> Result<Option<ShardLock>> {
        let path = Self::path(dir, shard);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
        }
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .with_context(|| format!("cannot open {}", path.display()))?;
        match file.try_lock() {
            Ok(()) => Ok(Some(ShardLock { _file: file })),
            Err(std::fs::TryLockError::WouldBlock) => Ok(None),
            Err(std::fs::TryLockError::Error(e)) => Err(anyhow!("cannot lock {}: {e}", path.display())),
        }
    }
}

/// The sweep.json of an experiment: what a later process compares itself against.
fn sweep_record(exp: &Experiment) -> serde_json::Value {
    json!({
        "restake_version": env!("CARGO_PKG_VERSION"),
        "kind": "restake-sweep",
        "name": exp.name,
        "description": exp.description,
        "fingerprint": exp.fingerprint,
        "experiment_file": exp.file.display().to_string(),
        "experiment_text": exp.text,
        "base_scenario": exp.base_source,
        "base_scenario_text": exp.base_text,
        "points": exp.points(),
        "replications": exp.replications,
        "runs": exp.runs(),
        "master_seed": exp.master_seed.to_string(),
        "seeds": exp.seeds.as_str(),
        "parameters": exp.columns.iter().map(|c| c.path.clone()).collect::<Vec<_>>(),
        "sampling": exp.sampling.map(|s| match s {
            super::experiment::Sampling::Random => "random",
            super::experiment::Sampling::Lhs => "lhs",
            super::experiment::Sampling::Sobol => "sobol",
            super::experiment::Sampling::Morris => "morris",
        }),
        "outputs": { "steps": exp.record.steps, "steps_every": exp.record.every, "events": exp.record.events },
    })
}

/// Reads `root/sweep.json`, if there is one.
pub fn read_sweep_record(root: &Path) -> Result<Option<serde_json::Value>> {
    let p = root.join(SWEEP_FILE);
    if !p.exists() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&p).with_context(|| format!("cannot read {}", p.display()))?;
    Ok(Some(serde_json::from_str(&text).with_context(|| format!("{}: not valid JSON", p.display()))?))
}

/// Opens `root` as the output of `exp`: creates it with sweep.json, or checks that the sweep it
/// holds is this experiment (same fingerprint). Refuses a directory that holds anything else.
pub fn open(root: &Path, exp: &Experiment) -> Result<SweepDir, Failure> {
    let dir = SweepDir { root: root.to_path_buf() };
    let shown = root.display();
    if root.exists() && !root.is_dir() {
        return Err(Failure::Input(format!("{shown}: exists and is not a directory; choose another --out")));
    }
    if let Some(rec) = read_sweep_record(root)? {
        let theirs = rec["fingerprint"].as_str().unwrap_or("");
        if theirs != exp.fingerprint {
            return Err(Failure::Input(format!(
                "{shown}: holds the sweep `{}` (fingerprint {theirs}) from {}, not this experiment (fingerprint {}); the experiment, its base scenario or its table changed since. Choose another --out",
                rec["name"].as_str().unwrap_or("?"),
                rec["experiment_file"].as_str().unwrap_or("?"),
                exp.fingerprint
            )));
        }
        return Ok(dir);
    }
    let empty = std::fs::read_dir(root).map(|mut d| d.next().is_none()).unwrap_or(true);
    if !empty {
        return Err(Failure::Input(format!(
            "{shown}: exists and does not hold a restake sweep (no {SWEEP_FILE}); choose another --out or remove it"
        )));
    }
    std::fs::create_dir_all(root).with_context(|| format!("cannot create {shown}"))?;
    // Create-if-absent atomically (a hard link fails if the name exists), so shards starting
    // together agree on one record.
    let tmp = root.join(format!(".{SWEEP_FILE}.{}.tmp", std::process::id()));
    std::fs::write(&tmp, serde_json::to_string_pretty(&sweep_record(exp)).context("sweep record")?)
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    let linked = std::fs::hard_link(&tmp, root.join(SWEEP_FILE));
    std::fs::remove_file(&tmp).ok();
    match linked {
        Ok(()) => Ok(dir),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => open(root, exp),
        Err(e) => Err(Failure::Run(anyhow!("cannot create {}: {e}", root.join(SWEEP_FILE).display()))),
    }
}

/// Scratch folder (under a shard's work dir) where run `run_id` records its steps and events
/// until they are staged into a part.
pub fn scratch_path(work_dir: &Path, run_id: u32) -> PathBuf {
    work_dir.join(format!("run-{run_id:010}"))
}

/// One run's result, on its way into a part.
pub struct Finished {
    pub row: RunRow,
    /// Scratch folder holding the run's steps.parquet / events.parquet (ok runs that record).
    pub recording: Option<PathBuf>,
    pub log: serde_json::Value,
}

/// The part being filled: the runs staged into it, in ascending run id, their steps and events
/// already copied into the part's files in `.work`, so that a commit only closes and renames
/// them (the copying happens while later runs are still running, not all at the end).
struct OpenPart {
    runs: Vec<(u32, RunRow, serde_json::Value)>,
    /// (kind, staged file, its writer) for the steps and events of the part's runs.
    outputs: Vec<(&'static str, PathBuf, ParquetConcat)>,
    opened: Instant,
}

/// Writes one shard's parts. Holds the shard's lock.
pub struct ShardWriter {
    pub dir: SweepDir,
    pub shard: u32,
    pub shards: u32,
    _lock: ShardLock,
    next_part: u32,
    columns: Vec<(String, Kind)>,
    host: String,
    open: Option<OpenPart>,
}

pub fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| std::env::var("HOSTNAME").unwrap_or_else(|_| "unknown".into()))
}

impl ShardWriter {
    /// `columns`: the runs table's columns (one schema for every part).
    pub fn new(dir: SweepDir, shard: u32, shards: u32, lock: ShardLock, columns: Vec<(String, Kind)>) -> Result<Self> {
        let next_part = files_in(&dir.shard_dir(RUNS, shard))
            .iter()
            .filter_map(|p| part_number(p.file_name()?.to_str()?))
            .max()
            .map_or(0, |n| n + 1);
        std::fs::create_dir_all(dir.work_dir(shard))
            .with_context(|| format!("cannot create {}", dir.work_dir(shard).display()))?;
        Ok(ShardWriter { dir, shard, shards, _lock: lock, next_part, columns, host: hostname(), open: None })
    }

    /// The runs staged into the open part, and the seconds since it opened.
    pub fn staged(&self) -> (usize, f64) {
        self.open.as_ref().map_or((0, 0.0), |p| (p.runs.len(), p.opened.elapsed().as_secs_f64()))
    }

    /// The staged file of the open part for `kind` (`ext`), in the shard's work folder.
    fn staged_path(&self, kind: &str, ext: &str) -> PathBuf {
        self.dir.work_dir(self.shard).join(format!("{}.{kind}.{ext}", part_stem(self.next_part)))
    }

    /// Adds a finished run to the open part (opening one): its steps and events are copied into
    /// the part's staged files now, row group by row group without decoding (the worker encoded
    /// them), and its scratch folder removed. A part holds its runs in
    /// ascending id, so a run below the open part's last is staged into the next part (the open
    /// one is committed first).
    pub fn stage(&mut self, id: u32, finished: Finished) -> Result<()> {
        if self.open.as_ref().and_then(|p| p.runs.last()).is_some_and(|&(last, ..)| id < last) {
            self.commit()?;
        }
        if self.open.is_none() {
            self.open = Some(OpenPart { runs: Vec::new(), outputs: Vec::new(), opened: Instant::now() });
        }
        if let Some(d) = &finished.recording {
            for kind in [STEPS, EVENTS] {
                let file = d.join(format!("{kind}.parquet"));
                if !file.exists() {
                    continue;
                }
                let target = self.staged_path(kind, "parquet");
                let part = self.open.as_mut().expect("opened above");
                let k = match part.outputs.iter().position(|(o, ..)| *o == kind) {
                    Some(k) => k,
                    None => {
                        // The part's schema: its first run's (one schema for every run).
                        let out = ParquetConcat::create(&target, &file)?;
                        part.outputs.push((kind, target, out));
                        part.outputs.len() - 1
                    }
                };
                part.outputs[k].2.append_file(&file)?;
            }
            std::fs::remove_dir_all(d).ok();
        }
        let part = self.open.as_mut().expect("opened above");
        part.runs.push((id, finished.row, finished.log));
        Ok(())
    }

    /// Commits the open part, one file per output (see the module docs for the order).
    /// Returns the runs it held.
    pub fn commit(&mut self) -> Result<usize> {
        let Some(part) = self.open.take() else { return Ok(0) };
        let stem = part_stem(self.next_part);
        let rows: Vec<RunRow> = part.runs.iter().map(|(_, row, _)| row.clone()).collect();
        let mut df = runs_frame_typed(&rows, &self.columns)?;
        let runs_path = self.staged_path(RUNS, "parquet");
        // The runs part is encoded while the steps and events parts write their footers: after
        // a sweep's last run this is serial work with the other cores idle.
        let closed = std::thread::scope(|s| {
            let closing: Vec<_> = part
                .outputs
                .into_iter()
                .map(|(kind, target, out)| s.spawn(move || out.finish().map(|()| (kind, target))))
                .collect();
            let runs = write_parquet(&runs_path, &mut df);
            let closed: Vec<_> =
                closing.into_iter().map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))).collect();
            runs.and(closed.into_iter().collect::<Result<Vec<_>, _>>())
        })?;
        let mut renames: Vec<(PathBuf, PathBuf)> = closed
            .into_iter()
            .map(|(kind, target)| (target, self.dir.shard_dir(kind, self.shard).join(format!("{stem}.parquet"))))
            .collect();
        let log = json!({
            "shard": self.shard, "shards": self.shards, "part": self.next_part,
            "host": self.host, "pid": std::process::id(),
            "committed_unix": std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0),
            "runs": part.runs.iter().map(|(_, _, log)| log.clone()).collect::<Vec<_>>(),
        });
        let log_path = self.staged_path(MANIFEST, "json");
        std::fs::write(&log_path, serde_json::to_string(&log)?)
            .with_context(|| format!("cannot write {}", log_path.display()))?;
        renames.push((log_path, self.dir.shard_dir(MANIFEST, self.shard).join(format!("{stem}.json"))));
        // The runs part last: it is the commit.
        renames.push((runs_path, self.dir.shard_dir(RUNS, self.shard).join(format!("{stem}.parquet"))));
        for (from, to) in &renames {
            if let Some(parent) = to.parent() {
                std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
            }
            std::fs::rename(from, to).with_context(|| format!("cannot move {} to {}", from.display(), to.display()))?;
        }
        self.next_part += 1;
        Ok(part.runs.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_numbers_parse_from_any_extension() {
        assert_eq!(part_number("part-00012.parquet"), Some(12));
        assert_eq!(part_number("part-00003.json"), Some(3));
        assert_eq!(part_number("other.parquet"), None);
    }

    #[test]
    fn the_done_set_counts_duplicates_once() {
        let mut d = DoneSet::new(130);
        for id in [0, 64, 129, 64] {
            d.insert(id);
        }
        assert_eq!(d.count(), 3);
        assert_eq!(d.duplicates(), 1);
        assert!(d.contains(129) && !d.contains(128));
    }
}
