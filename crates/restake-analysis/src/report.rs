//! A short text summary of a run, for the terminal and the report.

use restake_agents::observe::Summary;
use restake_agents::observe::metrics::names::*;
use std::fmt::Write;

/// The ids of a run's entities the summary reports on, in scenario order.
pub struct Entities<'a> {
    pub lrts: &'a [String],
    pub markets: &'a [String],
    pub pools: &'a [String],
    pub strategies: &'a [String],
}

/// The headline numbers of a run: totals, then each LRT (lowest price and NAV, queue), each
/// market (liquidations, seizures, bad and insolvent debt, utilisation) and each pool (its
/// reserves at their extremes).
pub fn summary_text(name: &str, seed: u64, e: &Entities, s: &Summary) -> String {
    let mut t = String::new();
    let of = |scope: &str, id: &str, m: &str| s.f(&format!("{scope}.{id}.{m}"));
    let _ = writeln!(t, "restake run `{name}` (seed {seed})");
    let _ =
        writeln!(t, "  liquidated debt   {:>12.1} ETH in {} liquidations", z(s.f(LIQUIDATED_DEBT)), s.f(LIQUIDATIONS));
    let _ = writeln!(t, "  bad debt          {:>12.1} ETH", z(s.f(BAD_DEBT)));
    for id in e.lrts {
        let lrt = |m: &str| of("lrt", id, m);
        let _ = writeln!(
            t,
            "  max depeg {:<8}{:>11.2}% ({:.0} h beyond 1%; lowest price {:.4}, NAV low {:.4}, final {:.4}; peak queue {:.1} ETH)",
            id,
            z(100.0 * lrt(MAX_DEPEG)),
            lrt(HOURS_DEPEGGED_1PCT),
            lrt(MIN_PRICE),
            lrt(MIN_NAV),
            lrt(FINAL_NAV),
            z(lrt(PEAK_QUEUE)),
        );
    }
    for id in e.markets {
        let mk = |m: &str| of("market", id, m);
        let _ = writeln!(
            t,
            "  market {id}: {} liquidations repaid {:.1} ETH, seized {:.1} ETH ({:.1} LRT); bad debt {:.1} ETH, \
             net insolvent peak {:.1} / final {:.1} ETH (at NAV {:.1}); peak utilisation {:.1}%",
            mk(LIQUIDATIONS),
            z(mk(LIQUIDATED_DEBT)),
            z(mk(COLLATERAL_SEIZED)),
            z(mk(LRT_SEIZED)),
            z(mk(BAD_DEBT)),
            z(mk(PEAK_NET_INSOLVENT)),
            z(mk(FINAL_NET_INSOLVENT)),
            z(mk(FINAL_NET_INSOLVENT_NAV)),
            z(100.0 * mk(PEAK_UTILISATION)),
        );
    }
    for id in e.pools {
        let p = |m: &str| of("pool", id, m);
        let _ = writeln!(
            t,
            "  pool {id}: ETH side low {:.1}, LRT side high {:.1}; peak LRT share {:.1}%; LPs withdrew {:.1} ETH",
            z(p(MIN_ETH_RESERVE)),
            z(p(MAX_LRT_RESERVE)),
            z(100.0 * p(PEAK_POOL_IMBALANCE)),
            z(p(LP_WITHDRAWN)),
        );
    }
    let _ = writeln!(t, "  slashed           {:>12.1} ETH", z(s.f(SLASHED)));
    let _ = writeln!(
        t,
        "  cascade           {:>12} rounds in the worst step, longest chain {} liquidations",
        s.f(CASCADE_ROUNDS),
        s.f(CASCADE_DEPTH)
    );
    if let Some(p95) = s.get(RETAIL_LOSS_P95) {
        let _ = writeln!(
            t,
            "  retail loss       mean {:.2}%, 95th percentile {:.2}%",
            z(100.0 * s.f(RETAIL_LOSS_MEAN)),
            z(100.0 * p95)
        );
    }
    for id in e.strategies {
        let st = |m: &str| 100.0 * of("strategy", id, m);
        let parts = restake_agents::strategy::Parts::NAMES
            .iter()
            .map(|p| format!("{p} {:.2}", z(st(&format!("{p}_apy")))))
            .collect::<Vec<_>>()
            .join(", ");
        let _ = writeln!(
            t,
            "  strategy {id}: APY {:.2}% of {:.2}% advertised ({parts}; max drawdown {:.2}%)",
            z(st("apy")),
            z(st("advertised_apy")),
            z(st("max_drawdown")),
        );
    }
    t
}

/// `x` with a negative zero (or a rounding residue that prints as one) shown as zero.
fn z(x: f64) -> f64 {
    if x.abs() < 5e-7 { 0.0 } else { x }
}
