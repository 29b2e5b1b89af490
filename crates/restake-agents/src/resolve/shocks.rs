//! Scheduled shocks: names resolved to indices, times to steps, labels written once.

use super::Checker;
use super::liquidity::Liquidity;
use super::restaking::Restaking;
use crate::scenario::{Scenario, ShockConfig};
use crate::shock::{ScheduledShock, Shock};

pub(super) fn resolve(c: &mut Checker, s: &Scenario, dt: f64, r: &Restaking, l: &Liquidity) -> Vec<ScheduledShock> {
    let duration = s.time.duration.seconds();
    let mut out = Vec::with_capacity(s.shocks.len());
    for (i, sh) in s.shocks.iter().enumerate() {
        let p = |f: &str| format!("shocks[{i}].{f}");
        if sh.at().seconds() >= duration {
            c.push(p("at"), format!("must be before the end of the run ({}), got {}", s.time.duration, sh.at()));
        }
        let shock = match sh {
            ShockConfig::Slash { avs, fraction, .. } => {
                c.range(p("fraction"), *fraction, 0.0, 1.0, false, false);
                c.lookup(p("avs"), avs, &r.avs_ids).map(|a| {
                    (Shock::Slash { avs: a, fraction: *fraction }, format!("slash {avs} {:.0}%", fraction * 100.0))
                })
            }
            ShockConfig::CorrelatedSlash { avss, fraction, .. } => {
                if avss.is_empty() {
                    c.push(p("avss"), "list at least one AVS");
                }
                c.range(p("fraction"), *fraction, 0.0, 1.0, false, false);
                let found: Vec<Option<usize>> = avss
                    .iter()
                    .enumerate()
                    .map(|(k, a)| c.lookup(format!("shocks[{i}].avss[{k}]"), a, &r.avs_ids))
                    .collect();
                found.into_iter().collect::<Option<Vec<usize>>>().map(|list| {
                    let label = format!("correlated fault of {} ({:.0}% slash)", avss.join(", "), fraction * 100.0);
                    (Shock::CorrelatedSlash { avss: list, fraction: *fraction }, label)
                })
            }
            ShockConfig::EthCrash { fraction, .. } => {
                c.range(p("fraction"), *fraction, 0.0, 1.0, false, true);
                Some((Shock::EthCrash { fraction: *fraction }, format!("ETH crash {:.0}%", fraction * 100.0)))
            }
            ShockConfig::PoolSell { pool, lrt_amount, .. } => {
                c.range(p("lrt_amount"), *lrt_amount, 0.0, f64::INFINITY, true, true);
                c.lookup(p("pool"), pool, &l.pool_ids).and_then(|k| {
                    let lrt = l.lrt_ids.get(&s.pools[k].lrt)?;
                    // The sale comes out of the passive holdings: it must fit.
                    let passive = s.lrts[lrt].passive_supply;
                    if *lrt_amount > passive {
                        c.push(
                            p("lrt_amount"),
                            format!("must be at most the LRT's passive_supply ({passive}), got {lrt_amount}"),
                        );
                    }
                    let label = format!("outside sale of {lrt_amount} {} into {pool}", s.lrts[lrt].id);
                    Some((Shock::PoolSell { pool: k, lrt_amount: *lrt_amount }, label))
                })
            }
            ShockConfig::Redemptions { lrt, enabled, .. } => c.lookup(p("lrt"), lrt, &l.lrt_ids).map(|k| {
                let label = format!("redemptions of {lrt} {}", if *enabled { "reopened" } else { "paused" });
                (Shock::Redemptions { lrt: k, enabled: *enabled }, label)
            }),
            ShockConfig::Exploit { lrt, stolen_fraction, minted, dump, .. } => {
                c.range(p("stolen_fraction"), *stolen_fraction, 0.0, 1.0, false, false);
                c.range(p("minted"), *minted, 0.0, f64::INFINITY, false, true);
                if *stolen_fraction == 0.0 && *minted == 0.0 {
                    c.push(p("stolen_fraction"), "an exploit needs stolen_fraction > 0 or minted > 0");
                }
                c.lookup(p("lrt"), lrt, &l.lrt_ids).map(|k| {
                    let label = format!(
                        "exploit of {lrt}: {:.0}% of assets stolen, {minted} unbacked tokens minted",
                        stolen_fraction * 100.0
                    );
                    (Shock::Exploit { lrt: k, stolen_fraction: *stolen_fraction, minted: *minted, dump: *dump }, label)
                })
            }
            ShockConfig::BeaconSlash { operator, validators, .. } => {
                c.range(p("validators"), *validators, 0.0, 1.0, false, false);
                c.lookup(p("operator"), operator, &r.operator_ids).map(|o| {
                    let label = format!("beacon slashing of {:.0}% of {operator}'s validators", validators * 100.0);
                    (Shock::BeaconSlash { operator: o, validators: *validators }, label)
                })
            }
        };
        if let Some((shock, label)) = shock {
            out.push(ScheduledShock { step: (sh.at().seconds() / dt).floor() as u64, shock, label });
        }
    }
    out
}
