//! Scheduled shocks and random hazards: names resolved to indices, times to steps, labels written
//! once.

use super::liquidity::Liquidity;
use super::markets::Markets;
use super::restaking::Restaking;
use super::{Checker, Ids};
use crate::market::BookSpec;
use crate::scenario::{Allocation, HazardLayer, OracleFailure, RecoveryConfig, Scenario, ShockConfig, Span};
use crate::shock::{ExitScope, Hazard, HazardTarget, OracleFault, Recovery, ScheduledShock, Shock};
use crate::vocab::Asset;
use std::collections::BTreeMap;

/// Everything a shock or hazard may name.
pub(super) struct Names<'a, 'b> {
    pub r: &'b Restaking<'a>,
    pub l: &'b Liquidity<'a>,
    pub m: &'b Markets<'a>,
}

fn steps(span: Span, dt: f64) -> u64 {
    (span.seconds() / dt).round() as u64
}

fn recovery(c: &mut Checker, path: &str, r: &Option<RecoveryConfig>, dt: f64) -> Option<Recovery> {
    let r = r.as_ref()?;
    c.range(format!("{path}.fraction"), r.fraction, 0.0, 1.0, false, false);
    Some(Recovery { after_steps: steps(r.after, dt).max(1), fraction: r.fraction })
}

/// The feed of `market` for `asset` (a reserve's name on a pooled market; its only feed on an
/// isolated one; by default a pooled market's first LRT reserve).
fn feed_of(c: &mut Checker, path: &str, n: &Names, market: usize, asset: &Option<String>) -> Option<usize> {
    let spec = n.m.specs.get(market).filter(|_| n.m.complete)?;
    match &spec.book {
        BookSpec::Isolated(_) => {
            if asset.is_some() {
                c.push(format!("{path}.asset"), "an isolated market has one oracle; remove `asset`");
            }
            Some(0)
        }
        BookSpec::Pooled(p) => {
            let names: Vec<&str> = p.market.params().reserves.iter().map(|r| r.name.as_str()).collect();
            match asset {
                Some(a) => {
                    let found = names.iter().position(|x| x == a);
                    if found.is_none() {
                        c.push(format!("{path}.asset"), format!("no reserve `{a}`; reserves: [{}]", names.join(", ")));
                    }
                    found
                }
                None => {
                    let found = p.assets.iter().position(|a| matches!(a, Asset::Lrt(_)));
                    if found.is_none() {
                        c.push(format!("{path}.asset"), "the market has no LRT reserve: name the reserve");
                    }
                    found
                }
            }
        }
    }
}

fn lookup(c: &mut Checker, path: String, id: &str, ids: &Ids) -> Option<usize> {
    c.lookup(path, id, ids)
}

/// One shock, checked and resolved, with its label.
fn resolve_one(
    c: &mut Checker,
    s: &Scenario,
    i: usize,
    sh: &ShockConfig,
    dt: f64,
    n: &Names,
) -> Option<(Shock, String)> {
    let p = |f: &str| format!("shocks[{i}].{f}");
    let (r, l) = (n.r, n.l);
    let pct = |x: f64| format!("{:.0}%", x * 100.0);
    match sh {
        ShockConfig::Slash { avs, fraction, .. } => {
            c.range(p("fraction"), *fraction, 0.0, 1.0, false, false);
            lookup(c, p("avs"), avs, &r.avs_ids)
                .map(|a| (Shock::Slash { avs: a, fraction: *fraction }, format!("slash {avs} {}", pct(*fraction))))
        }
        ShockConfig::CorrelatedSlash { avss, fraction, .. } => {
            if avss.is_empty() {
                c.push(p("avss"), "list at least one AVS");
            }
            c.range(p("fraction"), *fraction, 0.0, 1.0, false, false);
            let found: Vec<Option<usize>> = avss
                .iter()
                .enumerate()
                .map(|(k, a)| lookup(c, format!("shocks[{i}].avss[{k}]"), a, &r.avs_ids))
                .collect();
            found.into_iter().collect::<Option<Vec<usize>>>().map(|list| {
                let label = format!("correlated fault of {} ({} slash)", avss.join(", "), pct(*fraction));
                (Shock::CorrelatedSlash { avss: list, fraction: *fraction }, label)
            })
        }
        ShockConfig::BeaconSlash { operator, validators, .. } => {
            c.range(p("validators"), *validators, 0.0, 1.0, false, false);
            lookup(c, p("operator"), operator, &r.operator_ids).map(|o| {
                let label = format!("beacon slashing of {} of {operator}'s validators", pct(*validators));
                (Shock::BeaconSlash { operator: o, validators: *validators }, label)
            })
        }
        ShockConfig::EthCrash { fraction, over, volatility, .. } => {
            c.range(p("fraction"), *fraction, 0.0, 1.0, false, true);
            c.range(p("volatility"), *volatility, 0.0, 10.0, false, false);
            let n = over.map_or(0, |o| steps(o, dt));
            let label = match over {
                Some(o) => format!("ETH crash {} over {o}", pct(*fraction)),
                None => format!("ETH crash {}", pct(*fraction)),
            };
            Some((Shock::EthCrash { fraction: *fraction, steps: n, volatility: *volatility }, label))
        }
        ShockConfig::PoolSell { pool, lrt_amount, .. } | ShockConfig::OracleManipulation { pool, lrt_amount, .. } => {
            let buy_back = matches!(sh, ShockConfig::OracleManipulation { .. });
            c.range(p("lrt_amount"), *lrt_amount, 0.0, f64::INFINITY, true, true);
            lookup(c, p("pool"), pool, &l.pool_ids).and_then(|k| {
                let lrt = l.lrt_ids.get(&s.pools[k].lrt)?;
                // The sale comes out of the passive holdings: it must fit.
                let passive = s.lrts[lrt].passive_supply;
                if *lrt_amount > passive {
                    c.push(
                        p("lrt_amount"),
                        format!("must be at most the LRT's passive_supply ({passive}), got {lrt_amount}"),
                    );
                }
                let label = if buy_back {
                    format!("oracle manipulation: {lrt_amount} {} sold into {pool} and bought back", s.lrts[lrt].id)
                } else {
                    format!("outside sale of {lrt_amount} {} into {pool}", s.lrts[lrt].id)
                };
                Some((Shock::PoolSell { pool: k, lrt_amount: *lrt_amount, buy_back }, label))
            })
        }
        ShockConfig::Redemptions { lrt, enabled, .. } => lookup(c, p("lrt"), lrt, &l.lrt_ids).map(|k| {
            let label = format!("redemptions of {lrt} {}", if *enabled { "reopened" } else { "paused" });
            (Shock::Redemptions { lrt: k, enabled: *enabled }, label)
        }),
        ShockConfig::Pause { lrt, deposits, withdrawals, .. } => {
            if deposits.is_none() && withdrawals.is_none() {
                c.push(p("deposits"), "set `deposits` and/or `withdrawals` (true pauses, false resumes)");
            }
            lookup(c, p("lrt"), lrt, &l.lrt_ids).map(|k| {
                let word = |x: &Option<bool>, what: &str| match x {
                    Some(true) => format!(" {what} paused"),
                    Some(false) => format!(" {what} resumed"),
                    None => String::new(),
                };
                let label = format!("{lrt}:{}{}", word(deposits, "deposits"), word(withdrawals, "withdrawals"));
                (Shock::Pause { lrt: k, deposits: *deposits, withdrawals: *withdrawals }, label)
            })
        }
        ShockConfig::Exploit { lrt, stolen_fraction, minted, dump, freeze, recovery: rec, .. } => {
            c.range(p("stolen_fraction"), *stolen_fraction, 0.0, 1.0, false, false);
            c.range(p("minted"), *minted, 0.0, f64::INFINITY, false, true);
            if *stolen_fraction == 0.0 && *minted == 0.0 {
                c.push(p("stolen_fraction"), "an exploit needs stolen_fraction > 0 or minted > 0");
            }
            let recovery = recovery(c, &p("recovery"), rec, dt);
            lookup(c, p("lrt"), lrt, &l.lrt_ids).map(|k| {
                let label = format!(
                    "exploit of {lrt}: {} of assets stolen, {minted} unbacked tokens minted",
                    pct(*stolen_fraction)
                );
                let shock = Shock::Exploit {
                    lrt: k,
                    stolen_fraction: *stolen_fraction,
                    minted: *minted,
                    dump: *dump,
                    freeze: *freeze,
                    recovery,
                };
                (shock, label)
            })
        }
        ShockConfig::VaultExploit { protocol, fraction, recovery: rec, .. } => {
            c.range(p("fraction"), *fraction, 0.0, 1.0, true, false);
            let recovery = recovery(c, &p("recovery"), rec, dt);
            lookup(c, p("protocol"), protocol, &r.protocol_ids).map(|k| {
                let label = format!("exploit of the {protocol} vaults: {} of the stake stolen", pct(*fraction));
                (Shock::VaultExploit { protocol: k, fraction: *fraction, recovery }, label)
            })
        }
        ShockConfig::BridgeExploit { lrt, minted, market, deposited, allocation, freeze, recovery: rec, .. } => {
            c.range(p("minted"), *minted, 0.0, f64::INFINITY, true, true);
            if let Some(d) = deposited {
                c.range(p("deposited"), *d, 0.0, *minted, false, false);
            }
            let deposited = deposited.unwrap_or(*minted);
            let recovery = recovery(c, &p("recovery"), rec, dt);
            let m = market.as_ref().map(|id| lookup(c, p("market"), id, &n.m.ids));
            let lrt_k = lookup(c, p("lrt"), lrt, &l.lrt_ids);
            if let (Some(Some(m)), Some(k)) = (m, lrt_k)
                && n.m.complete
                && !accepts_collateral(&n.m.specs[m].book, k)
            {
                c.push(p("market"), format!("market `{}` does not take {lrt} as collateral", s.markets[m].id));
            }
            let market = match m {
                Some(None) => return None,
                Some(Some(m)) => Some(m),
                None => None,
            };
            lrt_k.map(|k| {
                let ring_fenced = *allocation == Allocation::RingFenced;
                let label = format!(
                    "bridge exploit: {minted} unbacked {lrt} released{}{}",
                    market.map_or(String::new(), |m| format!(", borrowed against on {}", s.markets[m].id)),
                    if ring_fenced { " (ring-fenced)" } else { " (loss shared by all holders)" }
                );
                (
                    Shock::BridgeExploit {
                        lrt: k,
                        minted: *minted,
                        market,
                        deposited,
                        ring_fenced,
                        freeze: *freeze,
                        recovery,
                    },
                    label,
                )
            })
        }
        ShockConfig::MarketExploit { market, fraction, recovery: rec, .. } => {
            c.range(p("fraction"), *fraction, 0.0, 1.0, true, false);
            let recovery = recovery(c, &p("recovery"), rec, dt);
            lookup(c, p("market"), market, &n.m.ids).map(|k| {
                let label = format!("exploit of {market}: {} of the collateral stolen", pct(*fraction));
                (Shock::MarketExploit { market: k, fraction: *fraction, recovery }, label)
            })
        }
        ShockConfig::PoolExploit { pool, fraction, recovery: rec, .. } => {
            c.range(p("fraction"), *fraction, 0.0, 1.0, true, true);
            let recovery = recovery(c, &p("recovery"), rec, dt);
            lookup(c, p("pool"), pool, &l.pool_ids).map(|k| {
                let label = format!("exploit of {pool}: {} of its reserves drained", pct(*fraction));
                (Shock::PoolExploit { pool: k, fraction: *fraction, recovery }, label)
            })
        }
        ShockConfig::Oracle { market, asset, failure, offset, .. } => {
            let m = lookup(c, p("market"), market, &n.m.ids)?;
            let feed = feed_of(c, &format!("shocks[{i}]"), n, m, asset)?;
            let fault = match failure {
                OracleFailure::Freeze => OracleFault::Freeze,
                OracleFailure::Restore => OracleFault::Restore,
                OracleFailure::Offset => {
                    c.range(p("offset"), *offset, -1.0, 10.0, true, false);
                    if *offset == 0.0 {
                        c.push(p("offset"), "an offset failure needs a non-zero offset (e.g. -0.05: 5% too low)");
                    }
                    OracleFault::Offset(*offset)
                }
            };
            let label = match fault {
                OracleFault::Freeze => format!("oracle of {market} frozen"),
                OracleFault::Offset(o) => format!("oracle of {market} reports {:+.1}%", o * 100.0),
                OracleFault::Restore => format!("oracle of {market} restored"),
            };
            Some((Shock::Oracle { market: m, feed, fault }, label))
        }
        ShockConfig::CapoUpdate { market, asset, snapshot_ratio, snapshot_age, .. } => {
            c.range(p("snapshot_ratio"), *snapshot_ratio, 0.0, 100.0, true, false);
            let m = lookup(c, p("market"), market, &n.m.ids)?;
            let feed = feed_of(c, &format!("shocks[{i}]"), n, m, asset)?;
            if n.m.complete && !is_capped(&n.m.specs[m].book, feed) {
                c.push(p("market"), "the oracle is not a growth-capped exchange rate (set max_growth_per_year)");
            }
            let label = format!("CAPO snapshot of {market} set to {snapshot_ratio} ({snapshot_age} old)");
            let age_years = snapshot_age.seconds() / (365.0 * 86_400.0);
            Some((Shock::CapoUpdate { market: m, feed, ratio: *snapshot_ratio, age_years }, label))
        }
        ShockConfig::IncentiveEnd { avs, .. } => lookup(c, p("avs"), avs, &r.avs_ids)
            .map(|a| (Shock::IncentiveEnd { avs: a }, format!("incentives of {avs} end"))),
        ShockConfig::ExitWave { lrt, cohort, share, over, .. } => {
            c.range(p("share"), *share, 0.0, 1.0, true, false);
            let scope = match (lrt, cohort) {
                (Some(id), None) => lookup(c, p("lrt"), id, &l.lrt_ids).map(ExitScope::Lrt),
                (None, Some(id)) => match s.retail.iter().position(|x| &x.id == id) {
                    Some(k) => Some(ExitScope::Cohort(k)),
                    None => {
                        let known: Vec<&str> = s.retail.iter().map(|x| x.id.as_str()).collect();
                        c.push(p("cohort"), format!("no retail cohort named `{id}`; defined: [{}]", known.join(", ")));
                        None
                    }
                },
                _ => {
                    c.push(p("lrt"), "name either `lrt` (all its holders) or `cohort` (one retail cohort)");
                    None
                }
            };
            scope.map(|scope| {
                let who = lrt.clone().or(cohort.clone()).unwrap_or_default();
                let label = format!("exit wave: {} of {who} holders leave over {over}", pct(*share));
                (Shock::ExitWave { scope, share: *share, steps: steps(*over, dt).max(1) }, label)
            })
        }
        ShockConfig::LenderRun { market, share, .. } => {
            c.range(p("share"), *share, 0.0, 1.0, true, false);
            let k = lookup(c, p("market"), market, &n.m.ids)?;
            if n.m.complete && n.m.specs[k].suppliers.count == 0 {
                c.push(p("market"), format!("market `{market}` has no lenders who may run (set suppliers.count)"));
            }
            Some((
                Shock::LenderRun { market: k, share: *share },
                format!("lender run on {market}: {} of lenders", pct(*share)),
            ))
        }
        ShockConfig::Delist { pool, share, .. } => {
            c.range(p("share"), *share, 0.0, 1.0, true, true);
            lookup(c, p("pool"), pool, &l.pool_ids).map(|k| {
                (
                    Shock::Delist { pool: k, share: *share },
                    format!("{pool} delisted: {} of its liquidity leaves", pct(*share)),
                )
            })
        }
        ShockConfig::FreezeCollateral { market, asset, .. } => {
            let m = lookup(c, p("market"), market, &n.m.ids)?;
            if n.m.complete && matches!(n.m.specs[m].book, BookSpec::Isolated(_)) {
                c.push(p("market"), "an isolated (Morpho-like) market is immutable and cannot freeze; model the curators' exit as a lender-run");
                return None;
            }
            let reserve = feed_of(c, &format!("shocks[{i}]"), n, m, asset)?;
            Some((Shock::FreezeCollateral { market: m, reserve }, format!("{market} freezes a collateral")))
        }
    }
}

fn accepts_collateral(book: &BookSpec, lrt: usize) -> bool {
    match book {
        BookSpec::Isolated(s) => s.lrt == lrt,
        BookSpec::Pooled(s) => s.assets.contains(&Asset::Lrt(lrt)),
    }
}

fn is_capped(book: &BookSpec, feed: usize) -> bool {
    use restake_lending::OracleKind;
    let kind = match book {
        BookSpec::Isolated(s) => s.feed.oracle.params().kind,
        BookSpec::Pooled(s) => s.feeds[feed].oracle.params().kind,
    };
    matches!(kind, OracleKind::ExchangeRate { max_growth_per_year: Some(_) })
}

pub(super) fn resolve(c: &mut Checker, s: &Scenario, dt: f64, n: &Names) -> Vec<ScheduledShock> {
    let duration = s.time.duration.seconds();
    let mut out = Vec::with_capacity(s.shocks.len());
    for (i, sh) in s.shocks.iter().enumerate() {
        if sh.at().seconds() >= duration {
            c.push(
                format!("shocks[{i}].at"),
                format!("must be before the end of the run ({}), got {}", s.time.duration, sh.at()),
            );
        }
        if let Some((shock, label)) = resolve_one(c, s, i, sh, dt, n) {
            out.push(ScheduledShock { step: (sh.at().seconds() / dt).floor() as u64, shock, label });
        }
    }
    out
}

/// The scenario's hazards: rates per step, targets by index, correlation groups.
pub(super) fn hazards(c: &mut Checker, s: &Scenario, dt: f64, n: &Names) -> Vec<Hazard> {
    let mut groups: BTreeMap<&str, (usize, f64)> = BTreeMap::new();
    let mut next_group = 0;
    let mut out = Vec::new();
    for (i, h) in s.hazards.iter().enumerate() {
        let p = |f: &str| format!("hazards[{i}].{f}");
        c.range(p("events_per_year"), h.events_per_year, 0.0, 1e4, false, false);
        let (lo, hi) = match h.layer {
            HazardLayer::Bridge => (0.0, 10.0),
            HazardLayer::Oracle => (0.0, 1.0),
            _ => (0.0, 1.0),
        };
        let loss = c.dist(&p("loss"), &h.loss, lo, hi);
        let (l, m, r) = (n.l, n.m, n.r);
        if h.market.is_some() && h.layer != HazardLayer::Bridge {
            c.push(p("market"), "only a bridge hazard names a market (where the attacker borrows)");
        }
        let target = match h.layer {
            HazardLayer::Lrt => lookup(c, p("target"), &h.target, &l.lrt_ids).map(HazardTarget::Lrt),
            HazardLayer::Protocol => lookup(c, p("target"), &h.target, &r.protocol_ids).map(HazardTarget::Protocol),
            HazardLayer::Avs => lookup(c, p("target"), &h.target, &r.avs_ids).map(HazardTarget::Avs),
            HazardLayer::Market => lookup(c, p("target"), &h.target, &m.ids).map(HazardTarget::Market),
            HazardLayer::Pool => lookup(c, p("target"), &h.target, &l.pool_ids).map(HazardTarget::Pool),
            HazardLayer::Bridge => {
                let lrt = lookup(c, p("target"), &h.target, &l.lrt_ids);
                let market = h.market.as_ref().map(|id| lookup(c, p("market"), id, &m.ids));
                match (lrt, market) {
                    (Some(lrt), None) => Some(HazardTarget::Bridge { lrt, market: None }),
                    (Some(lrt), Some(Some(mk))) => Some(HazardTarget::Bridge { lrt, market: Some(mk) }),
                    _ => None,
                }
            }
            HazardLayer::Oracle => {
                let mk = lookup(c, p("target"), &h.target, &m.ids);
                mk.and_then(|mk| {
                    feed_of(c, &format!("hazards[{i}]"), n, mk, &None)
                        .map(|feed| HazardTarget::Oracle { market: mk, feed })
                })
            }
        };
        let per_step = 1.0 - (-h.events_per_year * dt / (365.0 * 86_400.0)).exp();
        let group = match &h.group {
            Some(g) => {
                let (k, rate) = *groups.entry(g.as_str()).or_insert_with(|| {
                    next_group += 1;
                    (next_group - 1, h.events_per_year)
                });
                if rate != h.events_per_year {
                    c.push(
                        p("events_per_year"),
                        format!(
                            "hazards of group `{g}` fail together and need one rate ({rate}), got {}",
                            h.events_per_year
                        ),
                    );
                }
                k
            }
            None => {
                next_group += 1;
                next_group - 1
            }
        };
        if let (Some(target), Some(loss)) = (target, loss) {
            let layer = format!("{:?}", h.layer).to_lowercase();
            out.push(Hazard { target, per_step, loss, group, label: format!("{layer} hazard on {}", h.target) });
        }
    }
    out
}
