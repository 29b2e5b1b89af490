//! `restake report DIR`: one self-contained HTML page (no external links, images embedded) for a
//! run's folder and a sweep's. `.ci/run` also opens it in headless Chromium
//! (`tools/browser-check.py`): no console errors, every image loads, a screenshot kept.

mod common;
use common::*;

fn report(dir: &std::path::Path) -> String {
    let out = restake(&["report", &dir.display().to_string()], dir);
    assert!(out.status.success(), "{}", stderr(&out));
    std::fs::read_to_string(dir.join("report.html")).unwrap()
}

#[test]
fn a_runs_report_embeds_every_chart_and_links_nothing_outside() {
    let dir = tempfile::tempdir().unwrap();
    let out = restake(&["run", "--set", "retail[0].agents=2000", "--out", "r"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let html = report(&dir.path().join("r"));
    // domino, domino-cascade, cascade and liquidity charts, each as a data URI.
    assert_eq!(html.matches("src=\"data:image/png;base64,").count(), 4, "four charts embedded");
    for f in ["domino.png", "domino-cascade.png", "cascade.png", "liquidity.png"] {
        assert!(html.contains(&format!("<figcaption>{f}</figcaption>")), "{f}");
    }
    assert!(!html.contains("http://") && !html.contains("https://"), "no external link");
    assert!(html.contains("Headline figures") && html.contains("liquidated debt"), "the printed summary");
    assert!(html.contains("liquidation round 1") && html.contains("avs_slash avs-bridge"), "the causal chain");
    assert!(!dir.path().join("r/.report.html.tmp").exists(), "nothing half-written left");
}

#[test]
fn a_sweeps_report_has_its_summary_and_its_plots() {
    let dir = tempfile::tempdir().unwrap();
    let exp = repo_root().join("experiments/tiny.toml").display().to_string();
    let out = restake(&["sweep", &exp, "--out", "s"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let out = restake(&["plot", "s"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let html = report(&dir.path().join("s"));
    assert!(html.contains("<title>sweep tiny</title>") && html.contains("Bad debt per point"), "the sweep summary");
    assert!(html.contains("<figcaption>plots/heatmap-bad_debt_eth.png</figcaption>"), "the sweep's plots");
    assert!(html.matches("<tr><td>").count() >= 4, "a row per point");
}
