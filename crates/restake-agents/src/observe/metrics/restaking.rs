//! Restaking: what slashing took from LRTs and native restakers, the slashing conditions their
//! stake is exposed to, and operators' attacks.

use super::*;
use MetricKind::{F64, I64};
use Scope::*;
use Tail::Upper;
use names::*;

pub(super) fn declarations() -> Vec<MetricDecl> {
    let out = vec![
        d(Lrt, SLASHED, Upper, F64, "ETH", "assets lost to slashing", |_, l| {
            Reduce::Last(probe(move |w| w.liquidity.lrts[l].slashed_eth))
        }),
        d(Lrt, SLASH_LOSS, Upper, F64, "fraction", "assets lost to slashing / assets at the start", |_, l| {
            Reduce::Ratio(
                Box::new(Reduce::Last(probe(move |w| w.liquidity.lrts[l].slashed_eth))),
                Box::new(Reduce::AtStart(probe(move |w| w.liquidity.lrts[l].total_assets(&w.restaking.operators)))),
                1e-300,
            )
        }),
        d(
            Lrt,
            "slashing_conditions",
            Upper,
            I64,
            "AVSs",
            "AVSs whose slashing can reach the LRT's stake (compounding risk)",
            |_, l| {
                Reduce::AtStart(probe(move |w| exposure(&w.liquidity.lrts[l].shares, &w.restaking.operators).0 as f64))
            },
        ),
        d(
            Lrt,
            "allocated_exposure",
            Upper,
            F64,
            "fraction",
            "share of stake allocated to AVSs, summed over AVSs",
            |_, l| Reduce::AtStart(probe(move |w| exposure(&w.liquidity.lrts[l].shares, &w.restaking.operators).1)),
        ),
        d(Native, SLASHED, Upper, F64, "ETH", "stake lost to slashing", |_, n| {
            Reduce::Last(probe(move |w| w.restaking.natives[n].slashed_eth))
        }),
        d(Native, SLASH_LOSS, Upper, F64, "fraction", "stake lost to slashing / stake at the start", |_, n| {
            Reduce::Ratio(
                Box::new(Reduce::Last(probe(move |w| w.restaking.natives[n].slashed_eth))),
                Box::new(Reduce::AtStart(probe(move |w| w.restaking.natives[n].initial_eth))),
                1e-300,
            )
        }),
        d(Native, "slashing_conditions", Upper, I64, "AVSs", "AVSs whose slashing can reach the stake", |_, n| {
            Reduce::AtStart(probe(move |w| exposure(&w.restaking.natives[n].shares, &w.restaking.operators).0 as f64))
        }),
        d(
            Native,
            "allocated_exposure",
            Upper,
            F64,
            "fraction",
            "share of stake allocated to AVSs, summed over AVSs",
            |_, n| Reduce::AtStart(probe(move |w| exposure(&w.restaking.natives[n].shares, &w.restaking.operators).1)),
        ),
        d(Run, "attacks", Upper, I64, "count", "attacks operators carried out (security.operator_attacks)", |_, _| {
            Reduce::Sum(probe(|w| w.obs.tally.attacks as f64))
        }),
        d(Run, "profit_from_corruption_eth", Upper, F64, "ETH", "profit from corruption the attackers took", |_, _| {
            Reduce::Sum(probe(|w| w.obs.tally.profit_from_corruption))
        }),
    ];
    out
}
