//! LRT protocols and the AMM pools they trade on.

use super::restaking::{Restaking, delegations};
use super::{Checker, Ids, LpSpec, LrtSpec};
use crate::lrt::{Backing, ClaimRule, InstantRoute};
use crate::pool::LrtPool;
use crate::scenario::{BackingConfig, ClaimConfig, PoolKind, PoolRate, RedemptionMode, Scenario};
use restake_amm::{ConstantProduct, StableSwap};

pub(super) struct Liquidity<'a> {
    pub lrt_ids: Ids<'a>,
    pub pool_ids: Ids<'a>,
    pub lrts: Vec<LrtSpec>,
    pub pools: Vec<LrtPool>,
    pub lrt_pool: Vec<usize>,
    pub lps: Vec<LpSpec>,
    /// Every pool was built (so pool indices are the scenario's): checks that need start prices
    /// run only then.
    pub complete: bool,
}

pub(super) fn resolve<'a>(c: &mut Checker, s: &'a Scenario, dt: f64, r: &Restaking) -> Liquidity<'a> {
    let lrt_ids = c.ids("lrts", "LRT", s.lrts.iter().map(|l| l.id.as_str()));
    let n_ops = s.operators.len();
    let mut lrts = Vec::with_capacity(s.lrts.len());
    for (i, l) in s.lrts.iter().enumerate() {
        let p = |f: &str| format!("lrts[{i}].{f}");
        let protocol = c.lookup(p("protocol"), &l.protocol, &r.protocol_ids);
        c.range(p("nav"), l.nav, 0.0, 100.0, true, false);
        c.range(p("passive_supply"), l.passive_supply, 0.0, f64::INFINITY, false, true);
        c.range(p("buffer_fraction"), l.buffer_fraction, 0.0, 1.0, false, false);
        let instant = l.instant.map(|x| {
            c.range(p("instant.min_fee"), x.min_fee, 0.0, 1.0, false, true);
            c.range(p("instant.max_fee"), x.max_fee, 0.0, 1.0, false, true);
            c.range(p("instant.floor"), x.floor, 0.0, 1.0, false, false);
            if x.max_fee < x.min_fee {
                c.push(p("instant.max_fee"), format!("must be >= min_fee ({}), got {}", x.min_fee, x.max_fee));
            }
            InstantRoute { min_fee: x.min_fee, max_fee: x.max_fee, floor: x.floor }
        });
        if l.cooldown.seconds() > 365.0 * 86_400.0 {
            c.push(p("cooldown"), format!("must be at most a year, got {}", l.cooldown));
        }
        c.range(p("protocol_fee"), l.protocol_fee, 0.0, 1.0, false, true);
        let mut delegation = vec![0.0; n_ops];
        if l.delegations.is_empty() && l.buffer_fraction < 1.0 {
            c.push(p("delegations"), "must delegate to at least one operator (or set buffer_fraction = 1)");
        }
        if !l.delegations.is_empty() {
            for (o, w) in delegations(c, &format!("lrts[{i}]"), &l.delegations, &l.protocol, &r.operator_ids, s) {
                delegation[o] = w;
            }
        }
        lrts.push(LrtSpec {
            id: l.id.clone(),
            protocol: protocol.unwrap_or(0),
            nav: l.nav,
            passive_supply: l.passive_supply,
            buffer_fraction: l.buffer_fraction,
            redemptions_open: l.redemptions == RedemptionMode::Queue,
            // A request made in a step is claimable in the settlement of the step its cooldown
            // ends in.
            cooldown_steps: (l.cooldown.seconds() / dt).ceil() as u64,
            claim: match l.claim {
                ClaimConfig::AtPayment => ClaimRule::AtPayment,
                ClaimConfig::AtRequest => ClaimRule::AtRequest,
                ClaimConfig::LowerOf => ClaimRule::LowerOf,
            },
            backing: match l.backing {
                BackingConfig::Native => Backing::Native,
                BackingConfig::Liquid => Backing::Liquid,
            },
            instant,
            protocol_fee: l.protocol_fee,
            delegation,
            // Resolved with the tokens (`yields.rs`).
            points: None,
        });
    }

    let pool_ids = c.ids("pools", "pool", s.pools.iter().map(|p| p.id.as_str()));
    let mut pools = Vec::with_capacity(s.pools.len());
    for (i, p) in s.pools.iter().enumerate() {
        let lrt = c.lookup(format!("pools[{i}].lrt"), &p.lrt, &lrt_ids);
        match (p.kind, p.amp) {
            (PoolKind::Stableswap, Some(a)) => c.range(format!("pools[{i}].amp"), a, 0.0, 1e6, true, false),
            (PoolKind::Stableswap, None) => {
                c.push(format!("pools[{i}].amp"), "a stableswap pool needs `amp` (the on-chain A, e.g. 50)")
            }
            (PoolKind::ConstantProduct, Some(_)) => {
                c.push(format!("pools[{i}].amp"), "a constant-product pool has no amplification; remove `amp`")
            }
            (PoolKind::ConstantProduct, None) => {}
        }
        c.range(format!("pools[{i}].fee"), p.fee, 0.0, 0.1, false, true);
        c.range(format!("pools[{i}].eth"), p.eth, 0.0, f64::INFINITY, true, true);
        c.range(format!("pools[{i}].lrt_reserve"), p.lrt_reserve, 0.0, f64::INFINITY, true, true);
        let nav_rate = p.rate == PoolRate::Nav;
        if nav_rate && p.kind != PoolKind::Stableswap {
            c.push(format!("pools[{i}].rate"), "a rate oracle applies to stableswap pools only; remove `rate`");
        }
        let rate = match (nav_rate, lrt) {
            (true, Some(l)) => lrts.get(l).map_or(1.0, |x| x.nav),
            _ => 1.0,
        };
        let amm = match p.kind {
            PoolKind::Stableswap => {
                StableSwap::with_rates(p.amp.unwrap_or_default(), p.fee, vec![p.eth, p.lrt_reserve], vec![1.0, rate])
                    .map(restake_amm::Pool::from)
            }
            PoolKind::ConstantProduct => {
                ConstantProduct::new(p.fee, [p.eth, p.lrt_reserve]).map(restake_amm::Pool::from)
            }
        };
        match (amm, lrt) {
            (Ok(amm), Some(lrt)) => pools.push(LrtPool { id: p.id.clone(), lrt, amm, nav_rate }),
            (Err(e), _) => c.push(format!("pools[{i}]"), e.to_string()),
            (Ok(_), None) => {}
        }
    }
    let lps = lp_cohorts(c, s, dt);
    // The first pool listed for an LRT is where its holders trade.
    let mut lrt_pool = vec![usize::MAX; s.lrts.len()];
    for (k, pool) in pools.iter().enumerate().rev() {
        lrt_pool[pool.lrt] = k;
    }
    let complete = pools.len() == s.pools.len();
    Liquidity { lrt_ids, pool_ids, lrts, pools, lrt_pool, lps, complete }
}

/// Liquidity providers who may leave, per pool that has them.
fn lp_cohorts(c: &mut Checker, s: &Scenario, dt: f64) -> Vec<LpSpec> {
    let mut out = Vec::new();
    for (i, pool) in s.pools.iter().enumerate() {
        let Some(l) = &pool.lps else { continue };
        let p = |f: &str| format!("pools[{i}].lps.{f}");
        // Below 1: a pool keeps some liquidity that never moves (an AMM cannot be emptied).
        c.range(p("share"), l.share, 0.0, 1.0, true, true);
        if !(1..=100_000).contains(&l.count) {
            c.push(p("count"), format!("must be in [1, 100000], got {}", l.count));
        }
        c.range(p("calm"), l.calm, 0.0, 1.0, false, false);
        c.range(p("attention_per_day"), l.attention_per_day, 0.0, 1440.0, true, false);
        if l.volatility_half_life.seconds() < dt {
            c.push(p("volatility_half_life"), format!("must be at least one step, got {}", l.volatility_half_life));
        }
        let imbalance = c.dist(&p("imbalance"), &l.imbalance, 0.5, 1.0);
        let depeg = c.dist(&p("depeg"), &l.depeg, 0.0, 1.0);
        let volatility = c.dist(&p("volatility"), &l.volatility, 0.0, 1000.0);
        let (Some(imbalance), Some(depeg), Some(volatility)) = (imbalance, depeg, volatility) else { continue };
        out.push(LpSpec {
            pool: i,
            share: l.share,
            count: l.count,
            imbalance,
            depeg,
            volatility,
            calm: l.calm,
            attention: super::attention(l.attention_per_day, dt),
            vol_decay: 0.5f64.powf(dt / l.volatility_half_life.seconds().max(dt)),
        });
    }
    out
}
