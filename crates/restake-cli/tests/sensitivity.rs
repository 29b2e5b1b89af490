//! `restake sensitivity`: Sobol indices from a sweep on Saltelli's design. The estimator itself is
//! checked against the Ishigami function's analytic indices (restake-analysis, sensitivity.rs);
//! here the whole path: design, sweep, indices, Parquet, chart, and the errors.

mod common;
use common::*;

#[test]
fn a_parameter_that_cannot_matter_gets_a_total_index_near_zero() {
    let dir = tempfile::tempdir().unwrap();
    let exp = repo_root().join("experiments/sensitivity-baseline.toml").display().to_string();
    let out = restake(&["sweep", &exp, "--out", "s"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let out = restake(&["sensitivity", "s", "--metric", "bad_debt_eth", "--resamples", "200"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let res = dir.path().join("s");
    assert!(res.join("plots/sensitivity-bad_debt_eth.png").is_file());
    let df = read(&res.join("sensitivity-bad_debt_eth.parquet"));
    let st = |p: &str| f64_where(&df, "parameter", p, "ST");
    // The baseline is all in ETH (Morpho-like market, ETH debt, gas in ETH): ETH/USD cannot move
    // bad debt, so its total index is zero; the LLTV decides most of it.
    assert!(st("eth.usd").abs() < 0.01, "ST(eth.usd) = {}", st("eth.usd"));
    assert!(st("markets[0].lltv") > 0.3, "ST(lltv) = {}", st("markets[0].lltv"));
    assert!(st("pools[0].eth") > 0.05, "ST(pool depth) = {}", st("pools[0].eth"));
    assert!(stdout(&out).contains("first order S1"), "{}", stdout(&out));
}

#[test]
fn sensitivity_needs_a_sobol_sweep() {
    let dir = tempfile::tempdir().unwrap();
    let exp = repo_root().join("experiments/tiny.toml").display().to_string();
    let out = restake(&["sweep", &exp, "--out", "t"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let out = restake(&["sensitivity", "t"], dir.path());
    assert!(!out.status.success());
    assert!(stderr(&out).contains("sampling = \"sobol\""), "{}", stderr(&out));
    // A Sobol design takes ranges only.
    let text = std::fs::read_to_string(repo_root().join("experiments/sensitivity-baseline.toml"))
        .unwrap()
        .replace("range = [1500.0, 4000.0]", "values = [2000.0, 3000.0]")
        .replace("../configs/baseline.toml", &repo_root().join("configs/baseline.toml").display().to_string());
    std::fs::write(dir.path().join("bad.toml"), text).unwrap();
    let out = restake(&["sweep", "bad.toml", "--dry-run"], dir.path());
    assert!(!out.status.success());
    assert!(stderr(&out).contains("needs every parameter as a `range`"), "{}", stderr(&out));
}

#[test]
fn morris_screens_the_same_parameters_out() {
    let dir = tempfile::tempdir().unwrap();
    let exp = repo_root().join("experiments/morris-baseline.toml").display().to_string();
    let out = restake(&["sweep", &exp, "--out", "m"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let out = restake(&["sensitivity", "m", "--resamples", "100"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("Morris elementary effects of bad_debt_eth"), "{}", stdout(&out));
    let df = read(&dir.path().join("m/morris-bad_debt_eth.parquet"));
    let get = |p: &str, c: &str| f64_where(&df, "parameter", p, c);
    // ETH/USD moves nothing in the all-ETH baseline: every elementary effect is exactly zero.
    assert_eq!((get("eth.usd", "mu_star"), get("eth.usd", "sigma")), (0.0, 0.0));
    // The LLTV and the pool depth do move bad debt (the ordering agrees with the Sobol indices).
    assert!(get("markets[0].lltv", "mu_star") > 10.0 && get("pools[0].eth", "mu_star") > 10.0);
    assert!(dir.path().join("m/plots/morris-bad_debt_eth.png").is_file());
}
