//! The historical replays under `configs/replays/`: each runs from the CLI, prints its headline
//! figures, draws both charts, and keeps the structural facts of its event, so a later change
//! cannot silently break a replay. (What each replay reproduces, and how well, is in the note
//! beside it; these tests pin the facts that do not depend on calibration.)

mod common;
use common::*;
use polars::prelude::*;
use std::path::Path;

/// Runs a replay with `--set` overrides; returns (runs, steps, printed summary).
fn replay(name: &str, sets: &[&str], dir: &Path) -> (DataFrame, DataFrame, String) {
    let file = repo_root().join(format!("configs/replays/{name}.toml")).display().to_string();
    let mut args = vec!["run", &file, "--out", "out"];
    for s in sets {
        args.extend(["--set", s]);
    }
    let out = restake(&args, dir);
    assert!(out.status.success(), "{name}: {}", stderr(&out));
    let res = dir.join("out");
    for f in ["domino.png", "liquidity.png"] {
        assert!(res.join(f).exists(), "{name}: {f} drawn");
    }
    (read(&res.join("runs.parquet")), read(&res.join("steps.parquet")), stdout(&out))
}

fn series(steps: &DataFrame, col: &str) -> Vec<f64> {
    steps.column(col).unwrap_or_else(|_| panic!("{col}")).f64().unwrap().iter().map(|v| v.unwrap_or(f64::NAN)).collect()
}

#[test]
fn steth_2022_has_no_redemptions_and_prices_the_record_balances_near_the_record_floor() {
    let dir = tempfile::tempdir().unwrap();
    let (runs, steps, text) = replay("steth-2022", &[], dir.path());
    // Before Shanghai (April 2023) stETH could not be redeemed: nothing requested, nothing paid.
    assert_eq!(f64_at(&runs, "lrt.stETH.redeemed_eth"), 0.0);
    assert!(series(&steps, "lrt.stETH.requested_eth").iter().all(|&r| r == 0.0));
    // The LPs left the pool and the holders sold into it: the ETH side fell, the price with it.
    assert!(f64_at(&runs, "pool.curve-stETH-ETH.lp_withdrawn_eth") > 100_000.0);
    assert!(f64_at(&runs, "lrt.stETH.min_price") < 0.99);
    for needle in ["market aave-v2", "pool curve-stETH-ETH: ETH side low", "peak utilisation"] {
        assert!(text.contains(needle), "summary prints `{needle}`:\n{text}");
    }

    // At the record's mid-June balances, 111,300 ETH against 491,000 stETH (ForkLog; CoinDesk:
    // "almost five times as many stETH as ether"), the pool with the replay's amplification (50)
    // and fee (4 bp) must quote within a percentage point of the record's floor, 0.932 over
    // 13-18 June 2022 ("every dip to 0.9320 ETH was bought", tuta-space stETH price notes).
    let dir = tempfile::tempdir().unwrap();
    let (_, steps, _) = replay(
        "steth-2022",
        &[
            "pools[0].eth=111300",
            "pools[0].lrt_reserve=491000",
            "time.duration=\"2h\"",
            "shocks[0].at=\"1h\"",
            "shocks[0].lrt_amount=1.0",
        ],
        dir.path(),
    );
    let price = series(&steps, "pool.curve-stETH-ETH.price")[0];
    assert!((price - 0.932).abs() < 0.01, "pool price {price} at the record balances, record 0.932");
}

#[test]
fn ezeth_2024_has_no_redemptions_and_the_exit_drains_the_pools() {
    let dir = tempfile::tempdir().unwrap();
    let (runs, steps, _) = replay("ezeth-2024", &[], dir.path());
    // ezETH withdrawals opened only in June 2024: the pools were the only exit.
    assert_eq!(f64_at(&runs, "lrt.ezETH.redeemed_eth"), 0.0);
    assert!(series(&steps, "lrt.ezETH.requested_eth").iter().all(|&r| r == 0.0));
    assert_eq!(f64_at(&runs, "lrt.ezETH.peak_queue_eth"), 0.0);
    // The NAV is untouched (nothing was slashed or stolen): the loss is all discount.
    assert_eq!(f64_at(&runs, "lrt.ezETH.min_nav"), 1.008);
    // The farmers' exit (from 02:00) takes WETH out of both pools and the price below NAV.
    assert!(f64_at(&runs, "pool.balancer-ezETH-WETH.min_eth_reserve") < 4000.0);
    assert!(f64_at(&runs, "pool.uniswap-ezETH-WETH.min_eth_reserve") < 4500.0);
    assert!(f64_at(&runs, "lrt.ezETH.min_price") < 1.008 * 0.99);
    // Before the wave (the first two hours) the price sits where the pools put it.
    let price = series(&steps, "lrt.ezETH.price");
    assert!((price[0] - price[20]).abs() < 1e-5, "calm before 02:00: {} vs {}", price[0], price[20]);
}

/// The sets that make every release ring-fenced, and that cancel Kelp's pause.
const RING_FENCED: [&str; 5] = [
    "shocks[3].allocation=\"ring-fenced\"",
    "shocks[4].allocation=\"ring-fenced\"",
    "shocks[5].allocation=\"ring-fenced\"",
    "shocks[7].allocation=\"ring-fenced\"",
    "shocks[8].allocation=\"ring-fenced\"",
];
const NO_PAUSE: [&str; 2] = ["shocks[6].deposits=false", "shocks[6].withdrawals=false"];

#[test]
fn rseth_2026_mints_the_unbacked_tokens_and_the_allocation_rule_moves_the_loss() {
    // Shared: the 116,500 released tokens stay in the supply, NAV falls by the dilution
    // (NAV x S / (S + 116,500)); the two later forged releases revert on Kelp's pause.
    let dir = tempfile::tempdir().unwrap();
    let (runs, steps, text) = replay("rseth-2026", &[], dir.path());
    let supply = series(&steps, "lrt.rsETH.supply");
    let nav = series(&steps, "lrt.rsETH.nav");
    let (s1, s_end) = (supply[0], *supply.last().unwrap());
    // The release happens in the first step; the step's row is after it (and after the loopers'
    // deposits at NAV in that step, a few hundred tokens).
    let s0 = s1 - 116_500.0;
    assert!((s0 - 634_392.0).abs() / 634_392.0 < 0.002, "circulating supply before {s0}");
    assert!((s_end - s1).abs() < 1e-6, "the forged releases after the pause reverted: {s1} -> {s_end}");
    let expected = 1.07 * s0 / s1;
    assert!((nav[0] - expected).abs() / expected < 1e-3, "NAV {} vs 1.07 x {s0} / {s1} = {expected}", nav[0]);
    // The oracles are frozen at the pre-exploit rate (the release did not change totalSupply):
    // no liquidation fires, and the loss sits as insolvent debt at the NAV.
    assert_eq!(f64_at(&runs, "market.aave-core.liquidations"), 0.0);
    let shared = f64_at(&runs, "market.aave-core.final_net_insolvent_debt_nav_eth")
        + f64_at(&runs, "market.aave-core.bad_debt_eth");
    assert!(shared > 0.0);
    // Suppliers ran: WETH utilisation reached 100% on Core.
    assert!(f64_at(&runs, "market.aave-core.peak_utilisation") > 0.999);
    assert!(text.contains("(at NAV"), "the summary prints insolvent debt at NAV:\n{text}");

    // Ring-fenced: the bridged tokens are worthless, NAV is whole, and the market books the
    // attacker's debt: 53,400 rsETH x 1.07 x the e-mode LTV 0.93 = 53,138.5 WETH, which the
    // 68,000 WETH of idle cash allowed (less the 1e-9 margin the attacker keeps).
    let dir = tempfile::tempdir().unwrap();
    let (runs, steps, _) = replay("rseth-2026", &RING_FENCED, dir.path());
    assert_eq!(f64_at(&runs, "lrt.rsETH.min_nav"), 1.07);
    let bad = f64_at(&runs, "market.aave-core.bad_debt_eth");
    let attacker = 53_400.0 * 1.07 * 0.93 * (1.0 - 1e-9);
    assert!((bad - attacker).abs() < 1e-6, "ring-fenced bad debt {bad} vs {attacker}");
    assert!(bad + f64_at(&runs, "market.aave-arbitrum.bad_debt_eth") > shared, "ring-fenced costs lenders more");
    let burned = series(&steps, "lrt.rsETH.supply")[0];
    assert!((burned - 634_392.0).abs() / 634_392.0 < 0.002, "the bridged tokens are burned: supply {burned}");

    // No pause: the two forged releases of 40,000 go through and dilute every holder further.
    let dir = tempfile::tempdir().unwrap();
    let (runs, steps, _) = replay("rseth-2026", &NO_PAUSE, dir.path());
    let supply = series(&steps, "lrt.rsETH.supply");
    let more = supply.last().unwrap() - s1;
    assert!((more - 80_000.0).abs() < 1_000.0, "two more releases of 40,000: {more}");
    let unpaused = f64_at(&runs, "market.aave-core.final_net_insolvent_debt_nav_eth");
    assert!(unpaused > shared, "without the pause the lenders lose more: {unpaused} vs {shared}");
}
