//! `restake sweep`: the same rows however the sweep is split or interrupted, failed runs recorded
//! without stopping the sweep, clear errors for bad experiment files, Slurm scripts.

mod common;
use common::*;
use polars::prelude::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A seconds-long experiment: the baseline with 200 agents over 12 hours, 2 oracles x 2 LLTVs.
fn tiny(dir: &Path, replications: u32, extra: &str) -> PathBuf {
    let base = repo_root().join("configs/baseline.toml");
    let text = format!(
        r#"name = "tiny"
scenario = "{}"
replications = {replications}
master_seed = 1
set = {{ "retail[0].agents" = 200, "time.duration" = "12h", "shocks[0].at" = "6h" }}

[[parameter]]
path = "markets[0].oracle"
values = [{{ kind = "pool-spot", pool = "curve-rstETH-ETH" }}, {{ kind = "exchange-rate" }}]

{extra}
[outputs]
batch_runs = 3
"#,
        base.display()
    );
    let p = dir.join("tiny.toml");
    std::fs::write(&p, text).unwrap();
    p
}

const LLTV_GRID: &str = "[[parameter]]\npath = \"markets[0].lltv\"\nvalues = [0.90, 0.945]\n";

fn run_ok(args: &[&str], cwd: &Path) -> String {
    let o = restake(args, cwd);
    assert!(o.status.success(), "restake {args:?} failed:\n{}", stderr(&o));
    stdout(&o)
}

/// Every part of `out/kind`, stacked and sorted by `keys` (how a reader sees the dataset).
fn dataset(out: &Path, kind: &str, keys: &[&str]) -> DataFrame {
    let mut parts: Vec<PathBuf> =
        files_under(&out.join(kind)).into_iter().filter(|p| p.extension().is_some_and(|e| e == "parquet")).collect();
    parts.sort();
    assert!(!parts.is_empty(), "no parts under {}", out.join(kind).display());
    let mut all = read(&parts[0]);
    for p in &parts[1..] {
        all.vstack_mut(&read(p)).unwrap();
    }
    all.sort(keys.iter().map(|k| k.to_string()).collect::<Vec<_>>(), SortMultipleOptions::default()).unwrap()
}

fn parts(out: &Path) -> usize {
    files_under(&out.join("runs")).iter().filter(|p| p.extension().is_some_and(|e| e == "parquet")).count()
}

#[test]
fn whole_sharded_and_killed_then_resumed_sweeps_give_identical_rows() {
    let dir = tempfile::tempdir().unwrap();
    let exp = tiny(dir.path(), 6, LLTV_GRID); // 4 points x 6 = 24 runs
    let exp = exp.to_str().unwrap();

    let text = run_ok(&["sweep", exp, "--out", "whole", "--threads", "2"], dir.path());
    assert!(text.contains("merged 24 of 24 runs"), "{text}");
    // Running it again without --resume is refused; with --resume there is nothing to do.
    let again = restake(&["sweep", exp, "--out", "whole"], dir.path());
    assert_eq!(again.status.code(), Some(2), "{}", stderr(&again));
    assert!(stderr(&again).contains("--resume"), "{}", stderr(&again));
    let resumed = restake(&["sweep", exp, "--out", "whole", "--resume"], dir.path());
    assert!(resumed.status.success() && stderr(&resumed).contains("0 to run"), "{}", stderr(&resumed));

    for k in 0..3 {
        run_ok(&["sweep", exp, "--out", "sharded", "--shard", &format!("{k}/3"), "--threads", "1"], dir.path());
    }
    assert!(dir.path().join("sharded/runs/shard=2").is_dir());
    run_ok(&["merge", "sharded"], dir.path());

    // A real kill (SIGKILL) once some parts are committed, twice, then a resume.
    let mut kills = 0;
    for _ in 0..2 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_restake"))
            .args(["sweep", exp, "--out", "killed", "--threads", "1", "--batch-runs", "2", "--resume"])
            .current_dir(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let before = parts(&dir.path().join("killed"));
        let t0 = Instant::now();
        while parts(&dir.path().join("killed")) < before + 2 && t0.elapsed() < Duration::from_secs(60) {
            std::thread::sleep(Duration::from_millis(2));
        }
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap();
            kills += 1;
        }
        child.wait().unwrap();
    }
    assert!(kills > 0, "the sweep finished before it could be killed: make it longer");
    assert!(!dir.path().join("killed/manifest.json").exists(), "a killed sweep is not merged");
    let text = run_ok(&["sweep", exp, "--out", "killed", "--threads", "2", "--resume"], dir.path());
    assert!(text.contains("merged 24 of 24 runs"), "{text}");

    let whole = read(&dir.path().join("whole/runs.parquet"));
    assert_eq!(whole.height(), 24);
    for other in ["sharded", "killed"] {
        let runs = read(&dir.path().join(other).join("runs.parquet"));
        assert!(
            whole.equals_missing(&runs),
            "runs.parquet of `{other}` differs from the whole sweep:\n{whole}\n{runs}"
        );
        for (kind, keys) in [("steps", &["run_id", "step"][..]), ("events", &["run_id", "event_id"][..])] {
            let a = dataset(&dir.path().join("whole"), kind, keys);
            let b = dataset(&dir.path().join(other), kind, keys);
            assert!(a.height() > 0 && a.equals_missing(&b), "{kind} of `{other}` differ from the whole sweep");
        }
    }
    // Parameters are columns named by config path; seeds follow (master seed, run id).
    let lltv = whole.column("markets[0].lltv").unwrap().f64().unwrap();
    assert_eq!((lltv.get(0), lltv.get(6)), (Some(0.90), Some(0.945)));
    assert_eq!(
        whole.column("markets[0].oracle").unwrap().str().unwrap().get(18).map(|s| s.contains("exchange-rate")),
        Some(true)
    );
    let summary = read(&dir.path().join("whole/summary.parquet"));
    let points = summary.column("point").unwrap().u64().unwrap();
    assert_eq!(points.iter().flatten().max(), Some(3));
    for c in ["metric", "mean", "mean_ci_low", "var95", "var95_ci_low", "cvar95", "var99", "cvar99", "markets[0].lltv"]
    {
        assert!(summary.column(c).is_ok(), "summary has `{c}`");
    }
    // No temporary or scratch files are left in the dataset folders.
    for f in files_under(&dir.path().join("killed")) {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        assert!(!name.ends_with(".tmp") || f.to_string_lossy().contains("/.work/"), "left behind: {}", f.display());
    }
}

#[test]
fn a_failing_point_is_recorded_and_the_sweep_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    // LLTV 1.5 breaks a rule: World::new refuses it, so those runs fail.
    let exp = tiny(dir.path(), 2, "[[parameter]]\npath = \"markets[0].lltv\"\nvalues = [0.9, 1.5]\n");
    let exp = exp.to_str().unwrap();
    let o = restake(&["sweep", exp, "--out", "res", "--threads", "2"], dir.path());
    assert!(o.status.success(), "a failed run does not fail the sweep: {}", stderr(&o));
    assert!(stderr(&o).contains("warning") && stderr(&o).contains("1.5"), "warned up front: {}", stderr(&o));
    let runs = read(&dir.path().join("res/runs.parquet"));
    let status: Vec<Option<&str>> = runs.column("status").unwrap().str().unwrap().iter().collect();
    assert_eq!(status.iter().filter(|s| **s == Some("failed")).count(), 4);
    assert_eq!(status.iter().filter(|s| **s == Some("ok")).count(), 4);
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("res/manifest.json")).unwrap()).unwrap();
    let failed = manifest["failed_runs"].as_array().unwrap();
    assert_eq!(failed.len(), 4);
    assert!(failed[0]["error"].as_str().unwrap().contains("markets[0].lltv"), "{}", failed[0]);
    assert_eq!(manifest["runs"]["failed"], 4);
    // The summary counts failures per point and leaves them out of the statistics.
    let summary = read(&dir.path().join("res/summary.parquet"));
    let bad = summary.filter(&summary.column("metric").unwrap().str().unwrap().equal("bad_debt_eth")).unwrap();
    let failed_col: Vec<Option<u32>> = bad.column("failed").unwrap().u32().unwrap().iter().collect();
    assert_eq!(failed_col, vec![Some(0), Some(2), Some(0), Some(2)]);

    // --fail-fast stops at the first failure (exit 1), keeps it, and --resume completes the rest.
    let o = restake(&["sweep", exp, "--out", "ff", "--threads", "1", "--fail-fast"], dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("fail-fast"), "{}", stderr(&o));
    let o = restake(&["sweep", exp, "--out", "ff", "--threads", "1", "--resume"], dir.path());
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(read(&dir.path().join("ff/runs.parquet")).equals_missing(&runs));
}

/// Writes `text` as an experiment, runs `restake sweep` on it, and checks exit code 2, that the
/// message names the file, `line` and `needle`, and that nothing was written.
fn rejects(text: &str, line: usize, needle: &str) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.toml"), text).unwrap();
    let o = restake(&["sweep", "bad.toml", "--out", "res"], dir.path());
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains(&format!("bad.toml:{line}")), "names line {line}: {err}");
    assert!(err.contains(needle), "mentions `{needle}`: {err}");
    assert_eq!(files_under(dir.path()), vec![dir.path().join("bad.toml")], "nothing written");
}

#[test]
fn bad_experiment_files_name_file_line_and_field_and_write_nothing() {
    let base = format!(
        "name = \"x\"\nscenario = \"{}\"\nmaster_seed = 1\n",
        repo_root().join("configs/baseline.toml").display()
    );
    rejects(&format!("{base}replicates = 3\n"), 4, "replicates");
    rejects(&format!("{base}[design]\nsampling = \"halton\"\nsamples = 4\n"), 5, "`sobol`");
    rejects(&format!("{base}[[parameter]]\npath = \"markets[0].lltv\"\nrange = [0.8, 0.9]\n"), 6, "design.sampling");
    rejects(&format!("{base}[[parameter]]\npath = \"markets[0].lltvv\"\nvalues = [0.9]\n"), 6, "lltvv");
    rejects(&format!("{base}[[parameter]]\npath = \"markets[7].lltv\"\nvalues = [0.9]\n"), 6, "out of range");
    rejects(
        &format!("{base}[[parameter]]\npath = \"markets[0].lltv\"\nvalues = [\"high\"]\n"),
        6,
        "parameter[0].values[0]",
    );
    rejects(&format!("{base}replications = 0\n"), 4, "at least 1");
    let o = restake(&["sweep", "nope.toml"], Path::new("."));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("nope.toml"));
    let dir = tempfile::tempdir().unwrap();
    let exp = tiny(dir.path(), 1, "");
    let o = restake(&["sweep", exp.to_str().unwrap(), "--shard", "3/3"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("K/N"), "{}", stderr(&o));
    // A different experiment into the same directory is refused.
    run_ok(&["sweep", exp.to_str().unwrap(), "--out", "res"], dir.path());
    let other = tiny(dir.path(), 2, "");
    let o = restake(&["sweep", other.to_str().unwrap(), "--out", "res"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not this experiment"), "{}", stderr(&o));
}

#[test]
fn designs_from_ranges_and_tables_and_a_dry_run() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("points.csv"),
        "markets[0].lltv,lrts[0].redemptions\n0.9,\"\"\"queue\"\"\"\n0.945,\"\"\"disabled\"\"\"\n",
    )
    .unwrap();
    let exp = tiny(
        dir.path(),
        1,
        "[design]\nsampling = \"lhs\"\nsamples = 3\ntable = \"points.csv\"\n\n[[parameter]]\npath = \"shocks[0].fraction\"\nrange = [0.1, 0.5]\n",
    );
    let text = run_ok(&["sweep", exp.to_str().unwrap(), "--dry-run"], dir.path());
    // 2 table rows x 2 oracles x 3 samples = 12 points.
    assert!(text.contains("12 points x 1 replications = 12 runs"), "{text}");
    assert!(
        files_under(dir.path()).iter().all(|f| !f.starts_with(dir.path().join("results"))),
        "a dry run writes nothing"
    );
    run_ok(&["sweep", exp.to_str().unwrap(), "--out", "res", "--threads", "2"], dir.path());
    let runs = read(&dir.path().join("res/runs.parquet"));
    let frac: Vec<f64> = runs.column("shocks[0].fraction").unwrap().f64().unwrap().iter().flatten().collect();
    assert!(frac.iter().all(|f| (0.1..0.5).contains(f)), "{frac:?}");
    // A Latin hypercube: the 3 samples fall in the 3 thirds of the range.
    let mut thirds: Vec<usize> = frac[..3].iter().map(|f| ((f - 0.1) / 0.4 * 3.0) as usize).collect();
    thirds.sort();
    assert_eq!(thirds, vec![0, 1, 2]);
    assert_eq!(runs.column("lrts[0].redemptions").unwrap().str().unwrap().get(11), Some("disabled"));
}

#[test]
fn slurm_writes_an_array_job_and_a_dependent_merge() {
    let dir = tempfile::tempdir().unwrap();
    let exp = tiny(dir.path(), 2, "");
    let out = run_ok(
        &[
            "slurm",
            exp.to_str().unwrap(),
            "--shards",
            "4",
            "--cpus",
            "2",
            "--time",
            "00:10:00",
            "--partition",
            "debug",
            "--throttle",
            "2",
            "--out",
            "res",
        ],
        dir.path(),
    );
    assert!(out.contains("submit.sh"), "{out}");
    let array = std::fs::read_to_string(dir.path().join("res/slurm/sweep.sbatch")).unwrap();
    for needle in [
        "#SBATCH --array=0-3%2",
        "#SBATCH --cpus-per-task=2",
        "#SBATCH --time=00:10:00",
        "#SBATCH --partition=debug",
        "--shard \"${SLURM_ARRAY_TASK_ID}/4\"",
        "--resume",
    ] {
        assert!(array.contains(needle), "sweep.sbatch has `{needle}`:\n{array}");
    }
    let merge = std::fs::read_to_string(dir.path().join("res/slurm/merge.sbatch")).unwrap();
    assert!(merge.contains(" merge "), "{merge}");
    let submit = std::fs::read_to_string(dir.path().join("res/slurm/submit.sh")).unwrap();
    assert!(submit.contains("--dependency=afterok:"), "{submit}");
    assert!(dir.path().join("res/sweep.json").exists());
    let bad = restake(&["slurm", exp.to_str().unwrap(), "--shards", "4", "--time", "1h", "--out", "res2"], dir.path());
    assert_eq!(bad.status.code(), Some(2));
    assert!(!dir.path().join("res2").exists());
}
