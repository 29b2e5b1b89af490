//! Retail cohorts (holders and loopers), ETH-collateral borrowers, liquidators, arbitrageurs.

use super::liquidity::Liquidity;
use super::markets::Markets;
use super::{BorrowerCohortSpec, Checker, MAX_AGENTS, RetailCohortSpec, attention, wealth_weights};
use crate::market::{FeedInputs, Market, MarketSpec};
use crate::population::{BorrowerParams, Leg, RetailParams};
use crate::scenario::{Dist, Scenario};
use crate::traders::{Arbitrageur, Liquidator};
use crate::vocab::Asset;

pub(super) struct Agents {
    pub retail: Vec<RetailCohortSpec>,
    pub borrowers: Vec<BorrowerCohortSpec>,
    pub liquidators: Vec<Liquidator>,
    pub arbitrageurs: Vec<Arbitrageur>,
}

/// A market as it stands at the start (empty, its feeds primed with the start prices).
fn at_start(spec: &MarketSpec, l: &Liquidity, s: &Scenario) -> Market {
    let mut m = Market::new(spec);
    let navs: Vec<f64> = l.lrts.iter().map(|x| x.nav).collect();
    // A feed that cannot price the start leaves NaN; the first step reports it.
    let _ = m.update_feeds(&FeedInputs { pools: &l.pools, navs: &navs, eth_usd: s.eth.usd }, 0, 0.0);
    m
}

pub(super) fn resolve(c: &mut Checker, s: &Scenario, dt: f64, l: &Liquidity, m: &Markets) -> Agents {
    c.ids("retail", "retail cohort", s.retail.iter().map(|r| r.id.as_str()));
    let mut retail = Vec::with_capacity(s.retail.len());
    for (i, r) in s.retail.iter().enumerate() {
        let p = |f: &str| format!("retail[{i}].{f}");
        if !(1..=MAX_AGENTS).contains(&r.agents) {
            c.push(p("agents"), format!("must be in [1, {MAX_AGENTS}], got {}", r.agents));
        }
        let lrt = c.lookup(p("lrt"), &r.lrt, &l.lrt_ids);
        c.range(p("wealth_total"), r.wealth_total, 0.0, f64::INFINITY, true, true);
        c.range(p("wealth_sigma"), r.wealth_sigma, 0.0, 5.0, false, false);
        c.range(p("looper_share"), r.looper_share, 0.0, 1.0, false, false);
        let target = c.dist(&p("target_health_factor"), &r.target_health_factor, 1.0 + 1e-9, 100.0);
        let delev = c.dist(&p("deleverage_at"), &r.deleverage_at, 0.0, 1.0);
        let panic = c.dist(&p("panic_loss"), &r.panic_loss, 0.0, 10.0);
        let herd = c.dist(&p("herd_sensitivity"), &r.herd_sensitivity, 0.0, 10.0);
        let disc = c.dist(&p("queue_discount_rate"), &r.queue_discount_rate, 0.0, 100.0);
        let slip = c.dist(&p("slippage_tolerance"), &r.slippage_tolerance, 0.0, 1.0);
        if let Some(e) = r.entry_price {
            c.range(p("entry_price"), e, 0.0, 100.0, true, false);
        }
        c.range(p("attention_per_day"), r.attention_per_day, 0.0, 1440.0, true, false);
        let weights = wealth_weights(c, p("wealth_sigma"), r.wealth_sigma.clamp(0.0, 5.0));
        let flows = r.flows.as_ref().and_then(|f| super::yields::flows(c, &p("flows"), f));
        let pool = lrt.and_then(|x| l.lrt_pool.get(x).copied()).filter(|&k| k != usize::MAX);
        if lrt.is_some() && pool.is_none() {
            c.push(p("lrt"), format!("LRT `{}` has no pool to trade on; add a [[pools]] entry for it", r.lrt));
        }
        let market = match &r.market {
            Some(id) => c.lookup(p("market"), id, &m.ids),
            None => {
                if r.looper_share > 0.0 {
                    c.push(p("market"), "loopers need a market to borrow on (set `market` or looper_share = 0)");
                }
                if r.emode.is_some() {
                    c.push(p("emode"), "e-mode needs a `market` with e-mode categories");
                }
                None
            }
        };
        let spec = market.and_then(|k| m.specs.get(k).filter(|_| m.complete));
        let leg = match (spec, lrt) {
            (Some(spec), Some(lrt)) => looper_leg(c, i, r.emode.as_deref(), r.debt.as_deref(), spec, lrt, &r.lrt),
            _ => None,
        };
        let (
            Some(lrt),
            Some(pool),
            Some(target_hf),
            Some(delev),
            Some(panic),
            Some(herd),
            Some(disc),
            Some(slip),
            Some(weights),
        ) = (lrt, pool, target, delev, panic, herd, disc, slip, weights)
        else {
            continue;
        };
        let loopers = (r.looper_share * r.agents as f64).round() as usize;
        if let (Some(spec), Some(leg), true) = (spec, leg, loopers > 0 && l.complete) {
            leverage_bound(c, i, &r.target_health_factor, &at_start(spec, l, s), &leg, l.pools[pool].price(), &r.id);
        }
        retail.push(RetailCohortSpec {
            id: r.id.clone(),
            entry_price: r.entry_price,
            lrt,
            pool,
            market,
            leg,
            params: RetailParams {
                agents: r.agents,
                wealth_total: r.wealth_total,
                wealth_weights: weights,
                looper_share: r.looper_share,
                target_health_factor: target_hf,
                deleverage_at: delev,
                panic_loss: panic,
                herd_sensitivity: herd,
                queue_discount_rate: disc,
                slippage_tolerance: slip,
                flows,
            },
            attention: attention(r.attention_per_day, dt),
        });
    }

    let borrowers = borrower_cohorts(c, s, dt, m);
    if s.retail.len() + s.borrowers.len() > u16::MAX as usize {
        c.push("borrowers", format!("at most {} cohorts in [[retail]] and [[borrowers]] together", u16::MAX));
    }

    c.ids("liquidators", "liquidator kind", s.liquidators.iter().map(|l| l.id.as_str()));
    let n_lrt = s.lrts.len();
    let mut liquidators = Vec::new();
    for (i, q) in s.liquidators.iter().enumerate() {
        if q.count > 10_000 {
            c.push(format!("liquidators[{i}].count"), format!("must be in [0, 10000], got {}", q.count));
            continue;
        }
        c.range(format!("liquidators[{i}].capital"), q.capital, 0.0, f64::INFINITY, false, true);
        c.range(format!("liquidators[{i}].gas_eth"), q.gas_eth, 0.0, 100.0, false, false);
        c.range(format!("liquidators[{i}].min_profit"), q.min_profit, 0.0, f64::INFINITY, false, true);
        c.range(format!("liquidators[{i}].carry_rate"), q.carry_rate, 0.0, 10.0, false, false);
        liquidators.extend((0..q.count).map(|_| Liquidator {
            kind: q.id.clone(),
            eth: q.capital,
            lrt: vec![0.0; n_lrt],
            gas_eth: q.gas_eth,
            min_profit: q.min_profit,
            may_redeem: q.may_redeem,
            carry_rate: q.carry_rate,
            claim_wait_years: q.atoken_wait.seconds() / (365.0 * 86_400.0),
            liquidations: 0,
            profit_eth: 0.0,
        }));
    }
    c.ids("arbitrageurs", "arbitrageur kind", s.arbitrageurs.iter().map(|a| a.id.as_str()));
    let mut arbitrageurs = Vec::new();
    for (i, a) in s.arbitrageurs.iter().enumerate() {
        if a.count > 10_000 {
            c.push(format!("arbitrageurs[{i}].count"), format!("must be in [0, 10000], got {}", a.count));
            continue;
        }
        c.range(format!("arbitrageurs[{i}].capital"), a.capital, 0.0, f64::INFINITY, false, true);
        let p = |f: &str| format!("arbitrageurs[{i}].{f}");
        c.range(p("carry_rate"), a.carry_rate, 0.0, 10.0, false, false);
        c.range(p("outside_capital"), a.outside_capital, 0.0, f64::INFINITY, false, true);
        c.range(p("hurdle_apr"), a.hurdle_apr, 0.0, 100.0, true, false);
        c.range(p("take_profit"), a.take_profit, 0.0, 0.5, false, false);
        if a.arrival.seconds() < 1.0 {
            c.push(p("arrival"), format!("must be at least a second, got {}", a.arrival));
        }
        if a.recovery.seconds() < 3600.0 {
            c.push(p("recovery"), format!("must be at least an hour, got {}", a.recovery));
        }
        if a.outside_capital > 0.0 && a.count == 0 {
            c.push(p("outside_capital"), "needs count >= 1 arbitrageur to join");
        }
        let count = a.count.max(1) as f64;
        arbitrageurs.extend((0..a.count).map(|_| Arbitrageur {
            kind: a.id.clone(),
            eth: a.capital,
            lrt: vec![0.0; n_lrt],
            carry_rate: a.carry_rate,
            mint: a.mint,
            outside_capital: a.outside_capital / count,
            hurdle_apr: a.hurdle_apr,
            arrival_seconds: a.arrival.seconds().max(1.0),
            recovery_years: a.recovery.seconds() / (365.0 * 86_400.0),
            take_profit: a.take_profit,
            outside_in: 0.0,
        }));
    }
    Agents { retail, borrowers, liquidators, arbitrageurs }
}

/// What retail cohort `i`'s loopers hold on `spec`: their LRT as collateral, ETH as debt.
fn looper_leg(
    c: &mut Checker,
    i: usize,
    emode: Option<&str>,
    debt: Option<&str>,
    spec: &MarketSpec,
    lrt: usize,
    lrt_id: &str,
) -> Option<Leg> {
    let p = |f: &str| format!("retail[{i}].{f}");
    let id = &spec.id;
    let collateral = Asset::Lrt(lrt);
    let debt_asset = match debt {
        None | Some("ETH") => Asset::Eth,
        Some("USD") => Asset::Usd,
        Some(other) => {
            c.push(p("debt"), format!("loopers borrow \"ETH\" or \"USD\", got \"{other}\""));
            return None;
        }
    };
    let emode = match emode {
        None => None,
        Some(label) => {
            match spec.emode_labels().iter().position(|x| x == label) {
                None => {
                    let known = spec.emode_labels().join(", ");
                    c.push(p("emode"), format!("market `{id}` has no e-mode `{label}`; defined: [{known}]"));
                    return None;
                }
                Some(e) => {
                    if !spec.emode_allows(e, collateral, debt_asset) {
                        c.push(
                        p("emode"),
                        format!("e-mode `{label}` must list `{lrt_id}` as collateral and the cohort's debt as borrowable"),
                    );
                    }
                    Some(e)
                }
            }
        }
    };
    let (weight, _) = spec.collateral_weights(collateral, emode);
    let (Some(coll_reserve), true) = (spec.reserve_of(collateral), weight > 0.0) else {
        c.push(
            p("market"),
            format!("market `{id}` does not take `{lrt_id}` as collateral (no reserve of it with a liquidation threshold > 0)"),
        );
        return None;
    };
    let name = if debt_asset == Asset::Usd { "USD" } else { "ETH" };
    let Some(debt_reserve) = spec.reserve_of(debt_asset).filter(|_| spec.lends(debt_asset)) else {
        c.push(
            p("market"),
            format!("market `{id}` has no {name} reserve with borrowing_enabled = true for loopers to borrow"),
        );
        return None;
    };
    Some(Leg { collateral, debt: debt_asset, coll_reserve, debt_reserve, emode })
}

/// Loopers borrow to their target health factor at the start: C (p - P_o w / h) = W. A target
/// with P_o w / h >= p (oracle above the pool) would mean unbounded leverage; the smallest target
/// the distribution allows (raised to the LTV's floor, as building does) must stay clear of it.
fn leverage_bound(c: &mut Checker, i: usize, target: &Dist, m: &Market, leg: &Leg, p0: f64, id: &str) {
    let (po, weight, ltv) = m.collateral_terms(leg.coll_reserve, leg.emode);
    if ltv <= 0.0 {
        c.push(
            format!("retail[{i}].market"),
            format!("the cohort `{id}` cannot borrow: the LTV of its collateral is 0"),
        );
        return;
    }
    let floor = weight / ltv * (1.0 + 1e-9);
    let h = target.support().0.max(floor);
    if p0 - po * weight / h <= 0.0 {
        c.push(
            format!("retail[{i}].target_health_factor"),
            format!(
                "a target health factor of {h:.4} with collateral weight {weight} and price {p0:.4} means unbounded leverage; targets must exceed weight x oracle price / pool price = {:.4}",
                po * weight / p0
            ),
        );
    }
}

/// `[[borrowers]]`: ETH-collateral USD borrowers on markets that lend USD against ETH.
fn borrower_cohorts(c: &mut Checker, s: &Scenario, dt: f64, m: &Markets) -> Vec<BorrowerCohortSpec> {
    c.ids("borrowers", "borrower cohort", s.borrowers.iter().map(|b| b.id.as_str()));
    let mut out = Vec::with_capacity(s.borrowers.len());
    for (i, b) in s.borrowers.iter().enumerate() {
        let p = |f: &str| format!("borrowers[{i}].{f}");
        if !(1..=MAX_AGENTS).contains(&b.agents) {
            c.push(p("agents"), format!("must be in [1, {MAX_AGENTS}], got {}", b.agents));
        }
        c.range(p("wealth_total"), b.wealth_total, 0.0, f64::INFINITY, true, true);
        c.range(p("wealth_sigma"), b.wealth_sigma, 0.0, 5.0, false, false);
        let target = c.dist(&p("target_health_factor"), &b.target_health_factor, 1.0 + 1e-9, 100.0);
        let delev = c.dist(&p("deleverage_at"), &b.deleverage_at, 0.0, 1.0);
        let panic = c.dist(&p("panic_loss"), &b.panic_loss, 0.0, 10.0);
        c.range(p("attention_per_day"), b.attention_per_day, 0.0, 1440.0, true, false);
        let weights = wealth_weights(c, p("wealth_sigma"), b.wealth_sigma.clamp(0.0, 5.0));
        let market = c.lookup(p("market"), &b.market, &m.ids);
        let leg = match market.and_then(|k| m.specs.get(k).filter(|_| m.complete)) {
            Some(spec) => {
                let (weight, ltv) = spec.collateral_weights(Asset::Eth, None);
                let coll = spec.reserve_of(Asset::Eth).filter(|_| weight > 0.0 && ltv > 0.0);
                let debt = spec.reserve_of(Asset::Usd).filter(|_| spec.lends(Asset::Usd));
                if coll.is_none() {
                    c.push(
                        p("market"),
                        format!("market `{}` needs an ETH reserve with ltv and liquidation_threshold > 0", b.market),
                    );
                }
                if debt.is_none() {
                    c.push(
                        p("market"),
                        format!("market `{}` needs a USD reserve with borrowing_enabled = true", b.market),
                    );
                }
                match (coll, debt) {
                    (Some(coll_reserve), Some(debt_reserve)) => {
                        Some(Leg { collateral: Asset::Eth, debt: Asset::Usd, coll_reserve, debt_reserve, emode: None })
                    }
                    _ => None,
                }
            }
            None => None,
        };
        if let (Some(market), Some(leg), Some(t), Some(d), Some(pl), Some(w)) =
            (market, leg, target, delev, panic, weights)
        {
            out.push(BorrowerCohortSpec {
                id: b.id.clone(),
                market,
                leg,
                params: BorrowerParams {
                    agents: b.agents,
                    wealth_total: b.wealth_total,
                    wealth_weights: w,
                    target_health_factor: t,
                    deleverage_at: d,
                    panic_loss: pl,
                },
                attention: attention(b.attention_per_day, dt),
            });
        }
    }
    out
}
