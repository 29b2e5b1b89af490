//! Reward tokens, the tokens emissions and points are paid in, yield-driven flows, strategies.

use super::liquidity::Liquidity;
use super::markets::Markets;
use super::restaking::Restaking;
use super::{Checker, Ids};
use crate::incentives::{Points, RewardToken};
use crate::population::FlowParams;
use crate::scenario::{FlowsConfig, LegConfig, MarketKind, Scenario};

/// A strategy's leg as the scenario names it, resolved.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum LegSpec {
    Lrt { lrt: usize },
    Native { native: usize },
    Loop { lrt: usize, market: usize, health_factor: f64 },
}

#[derive(Clone, Debug)]
pub(crate) struct StrategySpec {
    pub id: String,
    pub capital: f64,
    pub legs: Vec<(LegSpec, f64)>,
}

/// Resolves the tokens and points on the restaking and liquidity layers already resolved, and
/// the strategies. Returns (tokens, strategies).
pub(super) fn resolve(
    c: &mut Checker,
    s: &Scenario,
    r: &mut Restaking,
    l: &mut Liquidity,
    m: &Markets,
) -> (Vec<RewardToken>, Vec<StrategySpec>) {
    let token_ids = c.ids("tokens", "token", s.tokens.iter().map(|t| t.id.as_str()));
    let mut tokens = Vec::with_capacity(s.tokens.len());
    for (i, t) in s.tokens.iter().enumerate() {
        c.range(format!("tokens[{i}].drift"), t.drift, -5.0, 5.0, false, false);
        c.range(format!("tokens[{i}].volatility"), t.volatility, 0.0, 5.0, false, false);
        tokens.push(RewardToken { id: t.id.clone(), price: 1.0, drift: t.drift, volatility: t.volatility });
    }
    let token = |c: &mut Checker, path: String, id: &Option<String>| match id {
        Some(id) => c.lookup(path, id, &token_ids),
        None => None,
    };
    for (i, a) in s.avss.iter().enumerate() {
        r.avss[i].incentive.token = token(c, format!("avss[{i}].incentive_token"), &a.incentive_token);
    }
    for (i, p) in s.restaking_protocols.iter().enumerate() {
        if let Some(e) = r.protocols.get_mut(i) {
            e.incentive.token = token(c, format!("restaking_protocols[{i}].incentive_token"), &p.incentive_token);
        }
    }
    for (i, x) in s.lrts.iter().enumerate() {
        let Some(pc) = &x.points else { continue };
        let p = |f: &str| format!("lrts[{i}].points.{f}");
        c.range(p("apr"), pc.apr, 0.0, 10.0, false, false);
        c.range(p("selloff"), pc.selloff, 0.0, 1.0, false, true);
        if pc.airdrop_at.seconds() <= 0.0 {
            c.push(p("airdrop_at"), "must be after the start");
        }
        let points = Points {
            apr: pc.apr,
            token: token(c, p("token"), &pc.token),
            airdrop_seconds: pc.airdrop_at.seconds(),
            selloff: pc.selloff,
            paid: false,
        };
        if let Some(spec) = l.lrts.get_mut(i) {
            spec.points = Some(points);
        }
    }
    (tokens, strategies(c, s, l, m))
}

fn strategies(c: &mut Checker, s: &Scenario, l: &Liquidity, m: &Markets) -> Vec<StrategySpec> {
    c.ids("strategies", "strategy", s.strategies.iter().map(|x| x.id.as_str()));
    let natives = Ids {
        what: "native restaker",
        index: s.native_restakers.iter().enumerate().map(|(k, n)| (n.id.as_str(), k)).collect(),
    };
    let mut out = Vec::with_capacity(s.strategies.len());
    for (i, st) in s.strategies.iter().enumerate() {
        let base = format!("strategies[{i}]");
        c.range(format!("{base}.capital"), st.capital, 0.0, f64::INFINITY, true, true);
        if st.legs.is_empty() {
            c.push(format!("{base}.legs"), "needs at least one leg");
        }
        let mut legs = Vec::with_capacity(st.legs.len());
        let mut total = 0.0;
        for (k, leg) in st.legs.iter().enumerate() {
            let path = format!("{base}.legs[{k}]");
            c.range(format!("{path}.weight"), leg.weight, 0.0, 1.0, true, false);
            total += leg.weight;
            if let Some(spec) = leg_spec(c, &path, leg, s, l, m, &natives) {
                legs.push((spec, leg.weight));
            }
        }
        if !st.legs.is_empty() && (total - 1.0).abs() > 1e-9 {
            c.push(format!("{base}.legs"), format!("weights must sum to 1, got {total}"));
        }
        out.push(StrategySpec { id: st.id.clone(), capital: st.capital, legs });
    }
    out
}

fn leg_spec(
    c: &mut Checker,
    path: &str,
    leg: &LegConfig,
    s: &Scenario,
    l: &Liquidity,
    m: &Markets,
    natives: &Ids,
) -> Option<LegSpec> {
    let kinds = [leg.lrt.is_some(), leg.native.is_some(), leg.loop_market.is_some()];
    if kinds.iter().filter(|&&k| k).count() != 1 {
        c.push(path, "a leg holds exactly one of `lrt`, `native` or `loop` (a market id)");
        return None;
    }
    if leg.health_factor.is_some() && leg.loop_market.is_none() {
        c.push(format!("{path}.health_factor"), "only a `loop` leg has a health factor");
    }
    if let Some(id) = &leg.lrt {
        return c.lookup(format!("{path}.lrt"), id, &l.lrt_ids).map(|lrt| LegSpec::Lrt { lrt });
    }
    if let Some(id) = &leg.native {
        return c.lookup(format!("{path}.native"), id, natives).map(|native| LegSpec::Native { native });
    }
    let id = leg.loop_market.as_deref()?;
    let market = c.lookup(format!("{path}.loop"), id, &m.ids)?;
    let mc = &s.markets[market];
    if mc.kind != MarketKind::Isolated {
        c.push(format!("{path}.loop"), format!("market `{id}` is pooled; a loop leg needs an isolated market"));
        return None;
    }
    let lrt = mc.collateral.as_deref().and_then(|x| l.lrt_ids.get(x))?;
    let Some(hf) = leg.health_factor else {
        c.push(format!("{path}.health_factor"), "a loop leg needs its target health factor (e.g. 1.15)");
        return None;
    };
    c.range(format!("{path}.health_factor"), hf, 1.0, 100.0, true, false);
    Some(LegSpec::Loop { lrt, market, health_factor: hf })
}

/// A cohort's yield-driven flows.
pub(super) fn flows(c: &mut Checker, path: &str, f: &FlowsConfig) -> Option<FlowParams> {
    c.range(format!("{path}.inertia"), f.inertia, 0.0, 1.0, false, false);
    c.range(format!("{path}.waiting_share"), f.waiting_share, 0.0, 1.0, false, false);
    c.range(format!("{path}.fomo"), f.fomo, 0.0, 100.0, false, false);
    let hurdle = c.dist(&format!("{path}.hurdle_apy"), &f.hurdle_apy, -1.0, 10.0)?;
    Some(FlowParams { hurdle_apy: hurdle, inertia: f.inertia, waiting_share: f.waiting_share, fomo: f.fomo })
}
