//! The resolve pass: feeds from oracle descriptions, defaults, and what only derived values can
//! check.

use super::*;
use crate::market::{FeedInputs, PriceFeed};
use crate::vocab::Asset;

/// A USD feed described by `oracle`, on hourly steps over `hours`.
fn usd_feed(oracle: &str, hours: u64) -> PriceFeed {
    assert_eq!(hours, 24, "the unit world runs a day");
    let text = format!(
        "{}\n[[markets]]\nid = \"m\"\nkind = \"pooled\"\n[[markets.reserves]]\nasset = \"USD\"\nltv = 0.75\nliquidation_threshold = 0.78\nliquidation_bonus = 0.045\nborrowing_enabled = true\n{oracle}\n",
        include_str!("../../tests/data/unit.toml")
    );
    let s: Scenario = toml::from_str(&text).unwrap();
    let r = resolve(&s).unwrap_or_else(|e| panic!("{e:?}"));
    let crate::market::BookSpec::Pooled(p) = &r.markets[0].book else { panic!() };
    p.feeds[0].clone()
}

fn run(feed: &mut PriceFeed, eth_usd: &[f64]) -> Vec<f64> {
    eth_usd
        .iter()
        .enumerate()
        .map(|(k, &u)| {
            feed.update(&FeedInputs { pools: &[], navs: &[], eth_usd: u }, k as u64, 1.0 / 8760.0).unwrap();
            feed.price
        })
        .collect()
}

#[test]
fn delay_and_stale_period_are_scenario_times() {
    // A USD feed (1 / ETH_USD) two hours late on hourly steps: reports the value of two steps ago
    // (the oldest while history is short).
    let mut f = usd_feed("oracle = { kind = \"eth-usd\", delay = \"2h\" }", 24);
    assert_eq!(run(&mut f, &[1000.0, 2000.0, 4000.0, 5000.0]), vec![1e-3, 1e-3, 1e-3, 5e-4]);
    // A feed that dies at hour 2 repeats what it reported at hour 1.
    let mut f = usd_feed("oracle = { kind = \"eth-usd\", stale_after = \"2h\" }", 24);
    assert_eq!(run(&mut f, &[1000.0, 2000.0, 4000.0, 5000.0]), vec![1e-3, 5e-4, 5e-4, 5e-4]);
    // Neither is "live": liquidation rounds use the reported price.
    assert!(!f.is_live(0));
}

#[test]
fn defaults_price_usd_at_the_eth_usd_path() {
    let mut usd = usd_feed("", 24);
    assert_eq!(usd.asset, Asset::Usd);
    assert_eq!(run(&mut usd, &[2000.0, 4000.0]), vec![5e-4, 2.5e-4]);
}

#[test]
fn every_problem_is_reported_at_once_with_its_path() {
    let mut s: Scenario = toml::from_str(include_str!("../../../../configs/baseline.toml")).unwrap();
    s.markets[0].lltv = Some(1.2);
    s.lrts[0].delegations.insert("op-zz".into(), 0.1);
    s.shocks[0] = crate::scenario::ShockConfig::PoolSell {
        at: crate::scenario::Span::hours(2),
        pool: "curve-rstETH-ETH".into(),
        lrt_amount: 1e9,
    };
    let issues = resolve(&s).unwrap_err();
    let paths: Vec<&str> = issues.iter().map(|i| i.path.as_str()).collect();
    assert!(paths.contains(&"markets[0].lltv"), "{paths:?}");
    assert!(paths.contains(&"lrts[0].delegations.op-zz"), "{paths:?}");
    assert!(paths.contains(&"lrts[0].delegations"), "weights no longer sum to 1: {paths:?}");
    // A pool sale larger than the passive supply it comes from: found without building a world.
    assert!(paths.contains(&"shocks[0].lrt_amount"), "{paths:?}");
}
