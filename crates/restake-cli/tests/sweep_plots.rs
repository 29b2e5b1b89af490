//! `restake plot DIR` on a sweep's folder: the default figures, a chosen metric and axes, and
//! clear errors for a metric or parameter the sweep does not have.

mod common;
use common::*;

#[test]
fn plot_draws_a_sweeps_heatmap_response_and_distribution() {
    let dir = tempfile::tempdir().unwrap();
    let exp = repo_root().join("experiments/tiny.toml").display().to_string();
    let out = restake(&["sweep", &exp, "--out", "sw"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));

    // Defaults: two parameters, so a heatmap, plus the response and distribution, of bad debt.
    let out = restake(&["plot", "sw"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let plots = dir.path().join("sw/plots");
    // tiny keeps its step series: the default adds a fan chart of the LRT price at point 0.
    for f in
        ["heatmap-bad_debt_eth", "response-bad_debt_eth", "distribution-bad_debt_eth", "fan-lrt.rstETH.price-point0"]
    {
        for ext in ["png", "svg"] {
            assert!(plots.join(format!("{f}.{ext}")).is_file(), "{f}.{ext} drawn");
        }
    }
    // The heatmap's ticks name the oracle by its kind, not its inline table.
    let svg = std::fs::read_to_string(plots.join("heatmap-bad_debt_eth.svg")).unwrap();
    assert!(svg.contains("pool-spot") && svg.contains("exchange-rate"), "short labels on the axis");
    assert!(!svg.contains("{ kind"), "no inline tables on the axis");

    // A chosen metric, figure and axes.
    let out = restake(
        &[
            "plot",
            "sw",
            "--kind",
            "heatmap",
            "--metric",
            "liquidations",
            "--x",
            "markets[0].lltv",
            "--y",
            "markets[0].oracle",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(plots.join("heatmap-liquidations.png").is_file());

    let out = restake(
        &["plot", "sw", "--kind", "fan", "--series", "market.morpho-rstETH-ETH.utilisation", "--point", "3"],
        dir.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let svg = std::fs::read_to_string(plots.join("fan-market.morpho-rstETH-ETH.utilisation-point3.svg")).unwrap();
    assert!(svg.contains("across 3 replications at point 3 (exchange-rate"), "the title says which point");
    let out = restake(&["plot", "sw", "--kind", "fan", "--series", "nope"], dir.path());
    assert!(!out.status.success() && stderr(&out).contains("no step column `nope`"), "{}", stderr(&out));

    // Errors name what exists.
    let out = restake(&["plot", "sw", "--metric", "nope"], dir.path());
    assert!(!out.status.success());
    assert!(stderr(&out).contains("no run metric `nope`") && stderr(&out).contains("bad_debt_eth"), "{}", stderr(&out));
    let out = restake(&["plot", "sw", "--x", "markets[0].nope"], dir.path());
    assert!(!out.status.success());
    assert!(stderr(&out).contains("the sweep varies: markets[0].oracle, markets[0].lltv"), "{}", stderr(&out));
}

#[test]
fn sweep_options_on_a_runs_folder_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = repo_root().join("configs/baseline.toml").display().to_string();
    let out = restake(
        &["run", &cfg, "--set", "time.duration=\"12h\"", "--set", "shocks[0].at=\"6h\"", "--out", "r"],
        dir.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let out = restake(&["plot", "r", "--kind", "heatmap"], dir.path());
    assert!(!out.status.success());
    assert!(stderr(&out).contains("sweep.json"), "{}", stderr(&out));
    let out = restake(&["plot", "r"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
}
