//! `restake stress`: the scenario under every stress of the library in one command, the report and
//! its Parquet, stresses that do not apply, the user's own stress files, bad input.

mod common;
use common::*;
use polars::prelude::*;

fn library() -> String {
    repo_root().join("configs/stress").display().to_string()
}

#[test]
fn the_baseline_under_every_stress_in_one_command() {
    let dir = tempfile::tempdir().unwrap();
    let lib = library();
    let out = restake(&["stress", "--replications", "2", "--library", &lib, "--out", "st"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let res = dir.path().join("st");
    for f in [
        "stress.md",
        "stress_runs.parquet",
        "stress_summary.parquet",
        "manifest.json",
        "worst/domino.png",
        "worst/liquidity.png",
    ] {
        assert!(res.join(f).exists(), "{f} written");
    }
    let n_files = std::fs::read_dir(repo_root().join("configs/stress")).unwrap().count();
    let runs = read(&res.join("stress_runs.parquet"));
    let stresses = runs.column("stress").unwrap().str().unwrap();
    let names: std::collections::BTreeSet<String> = stresses.iter().flatten().map(str::to_string).collect();
    // Two references and every stress that applies, each twice.
    assert!(names.contains("none") && names.contains("as given") && names.contains("bridge-exploit"));
    assert!(!names.contains("collateral-freeze"), "needs a pooled market: not run on the baseline");
    assert_eq!(runs.height(), 2 * names.len());
    assert!(names.len() >= n_files, "{} rows for {n_files} files (+2 references, -1 that does not apply)", names.len());
    // Same seeds for every stress (common random numbers), except the replay's own.
    let seed = |s: &str| {
        let rows = runs.filter(&runs.column("stress").unwrap().str().unwrap().equal(s)).unwrap();
        rows.column("seed")
            .unwrap()
            .cast(&DataType::UInt64)
            .unwrap()
            .u64()
            .unwrap()
            .iter()
            .flatten()
            .collect::<Vec<_>>()
    };
    assert_eq!(seed("none"), seed("lrt-exploit"));
    assert_eq!(seed("none"), vec![42, 43]);
    assert_eq!(seed("wsteth-capo-2026"), vec![20260310, 20260311]);
    // What the stresses did, in the baseline's world: an LRT exploit leaves bad debt on the
    // pool-priced market, the reference without shocks none.
    let mean = |s: &str, col: &str| {
        let rows = runs.filter(&runs.column("stress").unwrap().str().unwrap().equal(s)).unwrap();
        rows.column(col).unwrap().cast(&DataType::Float64).unwrap().f64().unwrap().mean().unwrap()
    };
    assert_eq!(mean("none", "bad_debt_eth"), 0.0);
    assert!(mean("lrt-exploit", "bad_debt_eth") > 0.0);
    assert!(mean("bridge-exploit", "lrt.rstETH.min_nav") < 0.9, "18.4% unbacked: NAV / 1.184");
    // The page: one row per stress, the reason for the one that does not apply, the worst case.
    let md = std::fs::read_to_string(res.join("stress.md")).unwrap();
    assert!(md.contains("| collateral-freeze | regulatory | does not apply: needs an Aave-like (pooled) market"));
    assert!(md.contains("worst case: `"));
    let text = stdout(&out);
    assert!(text.contains("| bridge-exploit | smart-contract |"), "the table is printed");
    // The summary has one row per stress and metric, with intervals.
    let summary = read(&res.join("stress_summary.parquet"));
    for c in ["stress", "risk", "metric", "mean", "p05", "p95"] {
        assert!(summary.column(c).is_ok(), "summary has {c}");
    }
}

#[test]
fn a_users_own_stress_file_runs_alone_and_bad_ones_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mine = r#"
[stress]
name = "my-dump"
risk = "liquidity"
summary = "a third of the pool's LRT reserve dumped"

[[shocks]]
kind = "pool-sell"
at = "0h"
pool = "@pool"
lrt_amount = "@pool_lrt*0.33"
"#;
    std::fs::write(dir.path().join("mine.toml"), mine).unwrap();
    let out =
        restake(&["stress", "--no-library", "--with", "mine.toml", "--replications", "1", "--out", "st"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let runs = read(&dir.path().join("st/stress_runs.parquet"));
    assert_eq!(runs.height(), 3, "none, as given, my-dump");
    let dump = runs.filter(&runs.column("stress").unwrap().str().unwrap().equal("my-dump")).unwrap();
    let depeg = dump.column("lrt.rstETH.max_depeg").unwrap().f64().unwrap().get(0).unwrap();
    let none = runs.filter(&runs.column("stress").unwrap().str().unwrap().equal("none")).unwrap();
    let calm = none.column("lrt.rstETH.max_depeg").unwrap().f64().unwrap().get(0).unwrap();
    // 13,200 rstETH into a 40,000/40,000 pool at A = 100 take it ~0.9% below NAV within the step.
    assert!(depeg > 0.005 && calm < 1e-3, "the dump moves the pool: {depeg} (none: {calm})");
    // A stress file with a scenario section in it, an unknown placeholder, bad arguments: exit 2
    // with the file named, nothing written.
    std::fs::write(dir.path().join("bad.toml"), format!("{mine}\n[[pools]]\nid = \"x\"\n")).unwrap();
    let bad = restake(&["stress", "--no-library", "--with", "bad.toml", "--out", "b1"], dir.path());
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("bad.toml") && stderr(&bad).contains("`pools` belongs in a scenario"),
        "{}",
        stderr(&bad)
    );
    let out = restake(&["stress", "--replications", "0", "--out", "b2"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let out = restake(&["stress", "--no-library", "--with", "missing.toml", "--out", "b3"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("missing.toml"));
    std::fs::write(dir.path().join("odd.toml"), mine.replace("@pool\"", "@swamp\"")).unwrap();
    let odd =
        restake(&["stress", "--no-library", "--with", "odd.toml", "--replications", "1", "--out", "b4"], dir.path());
    assert!(odd.status.success(), "a stress that does not apply is a row, not a failure");
    assert!(stdout(&odd).contains("`@swamp` is not a placeholder"), "{}", stdout(&odd));
    for d in ["b1", "b2", "b3"] {
        assert!(!dir.path().join(d).exists(), "{d}: nothing written");
    }
}
