//! The lending scenarios in `configs/` validate, run, and write what the domino chart and
//! notebooks need: per-round liquidated debt per market in runs.parquet, per-reserve series of
//! pooled markets in steps.parquet, liquidations of several markets and lender withdrawals in
//! events.parquet.

mod common;
use common::*;
use polars::prelude::*;

#[test]
fn the_lending_configs_validate() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["oracle-market-price", "oracle-exchange-rate", "cascade", "eth-crash", "domino"] {
        let path = repo_root().join(format!("configs/{name}.toml"));
        let out = restake(&["validate", &path.display().to_string()], dir.path());
        assert!(out.status.success(), "{name}: {}", stderr(&out));
    }
}

#[test]
fn a_pooled_run_writes_rounds_reserves_and_lender_runs() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = repo_root().join("configs/eth-crash.toml").display().to_string();
    let out = restake(&["run", &cfg, "--out", "res", "--no-plot"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let res = dir.path().join("res");
    let runs = read(&res.join("runs.parquet"));
    // A fixed set of per-round columns, overall and per market, summing to the total.
    let rounds = ["round_1", "round_2", "round_3", "round_4", "round_5", "round_6plus"];
    let total = f64_at(&runs, "liquidated_debt_eth");
    assert!(total > 0.0);
    let overall: f64 = rounds.iter().map(|r| f64_at(&runs, &format!("liquidated_debt_eth_{r}"))).sum();
    let market: f64 = rounds.iter().map(|r| f64_at(&runs, &format!("market.aave-core.liquidated_debt_eth_{r}"))).sum();
    assert!(
        (overall - total).abs() <= 1e-9 * total && (market - total).abs() <= 1e-9 * total,
        "{overall} {market} {total}"
    );
    let count: i64 = rounds
        .iter()
        .map(|r| runs.column(&format!("market.aave-core.liquidations_{r}")).unwrap().i64().unwrap().get(0).unwrap())
        .sum();
    assert_eq!(count, runs.column("liquidations").unwrap().i64().unwrap().get(0).unwrap());
    for c in [
        "market.aave-core.bad_debt_eth",
        "market.aave-core.supplier_loss_share",
        "market.aave-core.supplier_withdrawn_eth",
        "market.aave-core.peak_withdrawal_queue_eth",
    ] {
        assert!(f64_at(&runs, c) > 0.0, "{c}");
    }
    // Per-reserve series of the pooled market.
    let steps = read(&res.join("steps.parquet"));
    for c in [
        "market.aave-core.USD.utilisation",
        "market.aave-core.ETH.borrow_rate",
        "market.aave-core.rsETH.oracle_price",
        "market.aave-core.USD.deficit",
        "market.aave-core.withdrawal_queue_eth",
    ] {
        assert!(steps.column(c).is_ok(), "steps has {c}");
    }
    let deficit = steps.column("market.aave-core.USD.deficit").unwrap().f64().unwrap().max().unwrap();
    assert!(deficit > 0.0, "USD deficit booked");
    // Liquidations of USD debt and lender withdrawals are events.
    let events = read(&res.join("events.parquet"));
    let kinds = events.column("kind").unwrap().str().unwrap();
    let labels = events.column("label").unwrap().str().unwrap();
    let usd_liq = (0..events.height())
        .filter(|&k| kinds.get(k) == Some("liquidation") && labels.get(k).is_some_and(|l| l.starts_with("ETH/USD")))
        .count();
    assert!(usd_liq > 0);
    assert!((0..events.height()).any(|k| kinds.get(k) == Some("supplier_withdrawal")));
}

#[test]
fn the_domino_chart_shows_two_markets() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = repo_root().join("configs/domino.toml").display().to_string();
    let out = restake(&["run", &cfg, "--out", "res"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let res = dir.path().join("res");
    assert!(res.join("domino.png").metadata().unwrap().len() > 0);
    let events = read(&res.join("events.parquet"));
    let liq = events.filter(&events.column("kind").unwrap().str().unwrap().equal("liquidation")).unwrap();
    let markets = liq.column("entity").unwrap().str().unwrap().unique().unwrap();
    assert_eq!(markets.len(), 2, "liquidations on both markets");
    // Every liquidation names a cause, and later rounds follow earlier ones.
    assert_eq!(liq.column("cause").unwrap().null_count(), 0);
    assert!(liq.column("round").unwrap().u32().unwrap().max().unwrap() > 1);
    assert!(liq.column("depth").unwrap().u32().unwrap().max().unwrap() > 1);
}
