//! What yield paid: each strategy's realised APY taken apart by source, its drawdown and
//! whether it lost principal; what each retail cohort earned, incentives included; deposits.

use super::*;
use crate::strategy::Parts;
use MetricKind::F64;
use Scope::*;
use Tail::{Lower, Upper};

const APY: &str = "fraction per year";

pub(super) fn declarations() -> Vec<MetricDecl> {
    let mut out = vec![
        d(Lrt, "deposits_eth", Lower, F64, "ETH", "ETH retail agents deposited (minted at NAV)", |_, l| {
            Reduce::Sum(probe(move |w| w.obs.tally.lrt[l].deposits_eth))
        }),
        d(Lrt, "headline_apy_start", Lower, F64, APY, "the LRT's headline APY at the start", |_, l| {
            Reduce::AtStart(probe(move |w| w.yields.lrt[l].headline_apy))
        }),
    ];
    // A strategy's metric: `f` of its books after the last step and the years elapsed.
    let strategy = |name: &str, tail, unit, doc, f: fn(&crate::strategy::Strategy, f64) -> f64| {
        d(Strategy, name, tail, F64, unit, doc, move |_, s| {
            Reduce::AtEnd(probe(move |w| f(&w.yields.strategies[s], w.elapsed_years())))
        })
    };
    out.extend([
        strategy(
            "apy",
            Lower,
            APY,
            "realised APY: (value / capital - 1) / years; LRTs at NAV, incentives and points included",
            |x, years| x.apy(years),
        ),
        strategy("advertised_apy", Lower, APY, "the APY the legs advertised at the start", |x, _| x.advertised_apy),
        strategy("earned_share", Lower, "fraction", "realised APY / advertised APY", |x, years| {
            x.apy(years) / x.advertised_apy
        }),
    ]);
    let docs = [
        "realised APY from base staking yield",
        "realised APY from AVS fees",
        "operator commission and LRT protocol fee (negative)",
        "NAV losses: slashing, exploits, forfeited rewards",
        "AVS and protocol token incentives, valued when paid, net of fees",
        "airdrops paid and points at their expected value",
        "interest on a loop's debt (negative)",
        "collateral seized beyond the debt it repaid, at NAV (negative)",
    ];
    for (k, (part, doc)) in Parts::NAMES.iter().zip(docs).enumerate() {
        out.push(d(Strategy, &format!("{part}_apy"), Lower, F64, APY, doc, move |_, s| {
            Reduce::AtEnd(probe(move |w| w.yields.strategies[s].part_apy(k, w.elapsed_years())))
        }));
    }
    out.extend([
        strategy("max_drawdown", Upper, "fraction", "largest fall of value from its running peak", |x, _| {
            x.max_drawdown
        }),
        strategy(
            "lost_principal",
            Upper,
            "0 or 1",
            "1 if the strategy ended below its capital (its mean is the probability)",
            |x, _| if x.value < x.capital { 1.0 } else { 0.0 },
        ),
        strategy("value_eth", Lower, "ETH", "the strategy's value at the end", |x, _| x.value),
        d(
            Cohort,
            "apy",
            Lower,
            F64,
            APY,
            "realised APY of the cohort's agents: wealth (marked to market) plus incentives and points",
            |_, c| Reduce::AtEnd(probe(move |w| w.cohort_apy(c))),
        ),
        d(Cohort, "apy_p05", Lower, F64, APY, "5th percentile of the agents' own realised APY (type 7)", |_, c| {
            Reduce::AtEnd(probe(move |w| agent_apy_quantile(w, c, 0.05)))
        }),
        d(Cohort, "apy_p50", Lower, F64, APY, "median of the agents' own realised APY", |_, c| {
            Reduce::AtEnd(probe(move |w| agent_apy_quantile(w, c, 0.5)))
        }),
        d(
            Cohort,
            "incentives_eth",
            Lower,
            F64,
            "ETH",
            "incentives and airdrops the cohort's agents received",
            |_, c| Reduce::AtEnd(probe(move |w| w.cohort_incentives(c))),
        ),
    ]);
    out
}

/// Quantile `q` of the realised APY of cohort `c`'s agents, each its own (NaN without agents).
fn agent_apy_quantile(w: &crate::world::World, c: usize, q: f64) -> f64 {
    crate::observe::summary::quantile(&mut w.agent_apys(c), q)
}
