//! `restake run` writes the promised files, and the same scenario and seed give identical
//! Parquet contents at 1 and 2 threads.

mod common;
use common::*;
use polars::prelude::*;

#[test]
fn same_seed_same_parquet_at_one_and_two_threads() {
    let dir = tempfile::tempdir().unwrap();
    let a = restake(&["run", "--threads", "1", "--out", "one", "--no-plot"], dir.path());
    assert!(a.status.success(), "{}", stderr(&a));
    let b = restake(&["run", "--threads", "2", "--out", "two", "--no-plot"], dir.path());
    assert!(b.status.success(), "{}", stderr(&b));
    for f in ["runs.parquet", "steps.parquet", "events.parquet"] {
        let x = read(&dir.path().join("one").join(f));
        let y = read(&dir.path().join("two").join(f));
        assert!(x.height() > 0, "{f} has rows");
        assert!(x.equals_missing(&y), "{f} differs between 1 and 2 threads");
        // And byte for byte: the writer adds nothing that depends on the run.
        assert_eq!(
            std::fs::read(dir.path().join("one").join(f)).unwrap(),
            std::fs::read(dir.path().join("two").join(f)).unwrap(),
            "{f} bytes"
        );
    }
    // A different seed changes the ETH path.
    let c = restake(&["run", "--seed", "7", "--out", "seven", "--no-plot"], dir.path());
    assert!(c.status.success());
    let s1 = read(&dir.path().join("one/steps.parquet"));
    let s7 = read(&dir.path().join("seven/steps.parquet"));
    assert!(!s1.column("eth_usd").unwrap().equals(s7.column("eth_usd").unwrap()));
}

#[test]
fn run_writes_results_plots_and_a_summary() {
    let dir = tempfile::tempdir().unwrap();
    let out = restake(&["run", "--out", "res"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for needle in ["liquidated debt", "bad debt", "max depeg", "slashed", "cascade"] {
        assert!(text.contains(needle), "summary mentions {needle}: {text}");
    }
    let res = dir.path().join("res");
    for f in [
        "runs.parquet",
        "steps.parquet",
        "events.parquet",
        "manifest.json",
        "domino.png",
        "domino.svg",
        "liquidity.png",
    ] {
        assert!(res.join(f).metadata().map(|m| m.len() > 0).unwrap_or(false), "{f} written");
    }
    // No staging directories left behind.
    let names: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(names, vec!["res".to_string()]);
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(res.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["runs"][0]["status"], "ok");
    assert_eq!(manifest["scenario"]["name"], "baseline");
    // The summary row agrees with the events: liquidated debt = sum of liquidation repayments.
    let runs = read(&res.join("runs.parquet"));
    let events = read(&res.join("events.parquet"));
    let liq = events.filter(&events.column("kind").unwrap().str().unwrap().equal("liquidation")).unwrap();
    let from_events: f64 = liq.column("amount_eth").unwrap().f64().unwrap().sum().unwrap();
    let from_runs = runs.column("liquidated_debt_eth").unwrap().f64().unwrap().get(0).unwrap();
    assert!((from_events - from_runs).abs() <= 1e-9 * from_runs.max(1.0), "{from_events} vs {from_runs}");
    assert_eq!(liq.height() as i64, runs.column("liquidations").unwrap().i64().unwrap().get(0).unwrap());
    // The liquidity chart carries the run's liquidity figures and the panels of the baseline's
    // crisis: the discount to NAV against its 1% and 5% lines, net insolvent debt, exit cost.
    let svg = std::fs::read_to_string(res.join("liquidity.svg")).unwrap();
    let queue = runs.column("lrt.rstETH.peak_queue_eth").unwrap().f64().unwrap().get(0).unwrap();
    let shown = format!("rstETH: peak queue {}", thousands(queue));
    for needle in [shown.as_str(), "1% below NAV", "5% below NAV", "net insolvent debt", "exit cost: sold below NAV"] {
        assert!(svg.contains(needle), "liquidity.svg shows `{needle}`");
    }
    // Re-running into the same directory replaces it.
    let again = restake(&["run", "--out", "res", "--no-plot"], dir.path());
    assert!(again.status.success(), "{}", stderr(&again));
}

#[test]
fn refuses_to_overwrite_a_directory_that_is_not_ours() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("mine")).unwrap();
    std::fs::write(dir.path().join("mine/notes.txt"), "keep").unwrap();
    let out = restake(&["run", "--out", "mine"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(dir.path().join("mine/notes.txt")).unwrap(), "keep");
}

/// `x` rounded with thousands separators, as the chart's notes print it.
fn thousands(x: f64) -> String {
    let digits = format!("{}", x.round() as u64);
    let n = digits.len();
    digits
        .chars()
        .enumerate()
        .flat_map(|(k, c)| (k > 0 && (n - k) % 3 == 0).then_some(',').into_iter().chain([c]))
        .collect()
}
