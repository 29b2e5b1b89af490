//! Building a world from a resolved scenario. Cannot fail: every rule was checked by the
//! resolve pass.

use super::*;
use crate::lp::LpCohort;
use crate::market::{FeedInputs, Opening};
use crate::population::{CohortFlows, Status, Strategy};
use crate::resolve::{LpSpec, Resolved};
use crate::vocab::{entity, purpose};
use restake_engine::stream;

/// Borrowing is limited by the LTV: a target below weight / LTV is raised to it (a borrower levers
/// as far as the market allows). The LTV is positive (checked by the resolve pass).
fn clamp_target(pop: &mut Population, i: usize, weight: f64, ltv: f64) -> f64 {
    let floor = weight / ltv * (1.0 + 1e-9);
    let h = pop.target_hf[i];
    if h < floor {
        pop.deleverage_hf[i] *= floor / h;
        pop.target_hf[i] = floor;
    }
    pop.target_hf[i]
}

/// A pool's providers who may leave: equal parts of `share` of the LP supply, thresholds drawn
/// from each provider's own stream.
fn lp_cohort(spec: &LpSpec, pool: &LrtPool, seed: u64) -> LpCohort {
    let n = spec.count as usize;
    let each = restake_amm::Amm::lp_supply(&pool.amm) * spec.share / n as f64;
    let mut c = LpCohort {
        pool: spec.pool,
        lp: vec![each; n],
        eth: vec![0.0; n],
        lrt: vec![0.0; n],
        imbalance: Vec::with_capacity(n),
        depeg: Vec::with_capacity(n),
        volatility: Vec::with_capacity(n),
        calm: spec.calm,
        attention: spec.attention,
        vol_decay: spec.vol_decay,
        last_price: pool.price(),
        variance: 0.0,
    };
    for j in 0..n {
        let mut rng = stream(seed, entity::lp(spec.pool, j), 0, purpose::INIT_LPS);
        c.imbalance.push(spec.imbalance.sample(&mut rng));
        c.depeg.push(spec.depeg.sample(&mut rng));
        c.volatility.push(spec.volatility.sample(&mut rng));
    }
    c
}

impl World {
    /// Builds the initial state. `seed` drives every random draw of the run, including the
    /// population's parameters.
    pub fn new(r: &Resolved, seed: u64) -> World {
        let pools = r.pools.clone();
        let mut operators = r.operators.clone();
        let mut markets: Vec<Market> = r.markets.iter().map(Market::new).collect();
        // Prime the feeds with the prices at the start (a feed that cannot price them leaves NaN,
        // which the first step reports as a non-finite value).
        let navs: Vec<f64> = r.lrts.iter().map(|l| l.nav).collect();
        let inputs = FeedInputs { pools: &pools, navs: &navs, eth_usd: r.eth_usd };
        for m in markets.iter_mut() {
            let _ = m.update_feeds(&inputs, 0, 0.0);
        }

        // Population: holders buy at the pool price; loopers borrow to their target health factor
        // at the oracle's price: C (p - P_o w / h) = W, D = C P_o w / h, with w the LLTV or the
        // (e-mode) liquidation threshold. ETH-collateral borrowers lever ETH against USD.
        let mut pop = Population::default();
        let mut cohorts = Vec::with_capacity(r.retail.len() + r.borrowers.len());
        let mut openings: Vec<Vec<Opening>> = vec![Vec::new(); markets.len()];
        // LRT held as position collateral outside reserve cash, by agent (for the LRT supply).
        let mut held_as_collateral = Vec::new();
        for (ci, c) in r.retail.iter().enumerate() {
            let range = pop.add_cohort(ci, &c.params, seed);
            let p0 = pools[c.pool].price();
            held_as_collateral.resize(pop.len(), 0.0);
            for i in range.clone() {
                let w = pop.initial_wealth[i];
                match (pop.strategy[i], c.market, c.leg) {
                    (Strategy::Looper, Some(m), Some(leg)) => {
                        let (po, weight, ltv) = markets[m].collateral_terms(leg.coll_reserve, leg.emode);
                        let h = clamp_target(&mut pop, i, weight, ltv);
                        let collateral = w / (p0 - po * weight / h);
                        // Debt worth C P_o w / h ETH, in the debt asset's units (USD at its oracle).
                        let debt = collateral * po * weight / h / markets[m].debt_price(leg.debt_reserve);
                        if !markets[m].holds_collateral_as_cash() {
                            held_as_collateral[i] = collateral;
                        }
                        openings[m].push(Opening {
                            owner: i as u32,
                            coll_reserve: leg.coll_reserve,
                            collateral,
                            emode: leg.emode,
                            debt_reserve: leg.debt_reserve,
                            debt,
                        });
                    }
                    // On the sideline: ETH, until the yield is worth a deposit.
                    _ if pop.status[i] == Status::Waiting => pop.eth[i] = w,
                    _ => pop.lrt[i] = w / p0,
                }
            }
            cohorts.push(Cohort {
                id: c.id.clone(),
                lrt: c.lrt,
                market: c.market,
                pool: c.pool,
                leg: c.leg,
                attention: c.attention,
                range,
                entry_price: c.entry_price.unwrap_or(p0),
                flows: c.params.flows.as_ref().map(|f| CohortFlows { inertia: f.inertia, fomo: f.fomo }),
            });
        }
        for b in &r.borrowers {
            let index = cohorts.len();
            let range = pop.add_borrower_cohort(index, &b.params, seed);
            held_as_collateral.resize(pop.len(), 0.0);
            let leg = b.leg;
            let (_, weight, ltv) = markets[b.market].collateral_terms(leg.coll_reserve, None);
            let usd_price = markets[b.market].debt_price(leg.debt_reserve);
            for i in range.clone() {
                // Leveraged long: C = W + D / P (borrowed USD buys ETH), C x LT / (D / P) = h.
                let h = clamp_target(&mut pop, i, weight, ltv);
                let c = pop.initial_wealth[i] / (1.0 - weight / h);
                openings[b.market].push(Opening {
                    owner: i as u32,
                    coll_reserve: leg.coll_reserve,
                    collateral: c,
                    emode: None,
                    debt_reserve: leg.debt_reserve,
                    debt: c * weight / h / usd_price,
                });
            }
            cohorts.push(Cohort {
                id: b.id.clone(),
                lrt: usize::MAX,
                market: Some(b.market),
                pool: usize::MAX,
                leg: Some(leg),
                attention: b.attention,
                range,
                entry_price: 1.0,
                flows: None,
            });
        }
        // Slots in agent order within each market (retail cohorts come first in the population).
        for list in openings.iter_mut() {
            list.sort_by_key(|o| o.owner);
        }
        for (mi, spec) in r.markets.iter().enumerate() {
            let sup = &spec.suppliers;
            let thresholds = |k: usize| -> Vec<(f64, f64)> {
                (0..sup.count as usize)
                    .map(|j| {
                        let mut rng = stream(seed, entity::lender(mi, k, j), 0, purpose::INIT_LENDERS);
                        (sup.utilisation_threshold.sample(&mut rng), sup.bad_debt_threshold.sample(&mut rng))
                    })
                    .collect()
            };
            markets[mi].open_at_start(&openings[mi], &thresholds);
            for (slot, o) in openings[mi].iter().enumerate() {
                pop.slot[o.owner as usize] = slot as u32;
            }
        }

        // LRT supply: everything held anywhere at the start; assets = supply x NAV.
        let mut lrts = Vec::with_capacity(r.lrts.len());
        for (li, l) in r.lrts.iter().enumerate() {
            let retail: f64 = (0..pop.len())
                .filter(|&i| cohorts[pop.cohort[i] as usize].lrt == li)
                .map(|i| pop.lrt[i] + held_as_collateral[i])
                .sum();
            let in_pools: f64 = pools.iter().filter(|p| p.lrt == li).map(|p| p.lrt_reserve()).sum();
            // Held by markets as reserve cash (borrowers' collateral and lenders' idle supply).
            let in_markets: f64 = markets.iter().map(|m| m.cash_of(Asset::Lrt(li))).sum();
            let supply = l.passive_supply + retail + in_pools + in_markets;
            let assets = supply * l.nav;
            let n_ops = operators.len();
            let mut lrt = Lrt {
                id: l.id.clone(),
                protocol: l.protocol,
                supply,
                passive_holdings: l.passive_supply,
                buffer_eth: assets,
                buffer_fraction: l.buffer_fraction,
                redemptions_open: l.redemptions_open,
                paused: false,
                deposits_paused: false,
                cooldown_steps: l.cooldown_steps,
                claim: l.claim,
                backing: l.backing,
                instant: l.instant,
                protocol_fee: l.protocol_fee,
                delegation: l.delegation.clone(),
                shares: vec![0.0; n_ops],
                withdrawing: vec![0.0; n_ops],
                withdrawals: Default::default(),
                queue: Default::default(),
                queued_tokens: 0.0,
                owed_eth: 0.0,
                expected_wait_seconds: 0.0,
                slashed_eth: 0.0,
            };
            lrt.restake(assets * (1.0 - l.buffer_fraction), &mut operators);
            lrts.push(lrt);
        }

        let mut natives = Vec::with_capacity(r.natives.len());
        for n in &r.natives {
            let mut shares = vec![0.0; operators.len()];
            for &(o, w) in &n.delegation {
                shares[o] = n.stake * w;
                operators[o].shares += n.stake * w;
            }
            natives.push(NativeRestaker {
                id: n.id.clone(),
                protocol: n.protocol,
                shares,
                rewards_eth: 0.0,
                initial_eth: n.stake,
                slashed_eth: 0.0,
            });
        }

        let n_pools = pools.len();
        let n_lrts = lrts.len();
        let mut world = World {
            name: r.name.clone(),
            step: 0,
            dt_seconds: r.dt_seconds,
            eth: EthMarket::new(r.eth_usd, r.eth.clone()),
            shocks: r.shocks.clone(),
            hazards: r.hazards.clone(),
            restaking: Restaking {
                beacon: r.beacon.clone(),
                protocols: r.protocols.clone(),
                operators,
                avss: r.avss.clone(),
                natives,
                pending_slashes: Vec::new(),
                common_fault_events_per_year: r.common_fault_events_per_year,
                attack_check_steps: r.attack_check_steps,
            },
            liquidity: Liquidity {
                lps: r.lps.iter().map(|spec| lp_cohort(spec, &pools[spec.pool], seed)).collect(),
                lrts,
                pools,
                lrt_pool: r.lrt_pool.clone(),
                views: vec![LrtView::default(); n_lrts],
                buy_backs: Vec::new(),
            },
            lending: Lending { markets },
            agents: Agents { cohorts, pop, liquidators: r.liquidators.clone(), arbitrageurs: r.arbitrageurs.clone() },
            obs: Observation {
                events: EventLog::default(),
                tally: StepTally::default(),
                pool_cause: vec![CauseRef::default(); n_pools],
                nav_cause: vec![CauseRef::default(); n_lrts],
                eth_cause: CauseRef::default(),
                ledger: Ledger::default(),
            },
            yields: Yields {
                tokens: r.tokens.clone(),
                lrt: r.lrts.iter().map(|l| LrtYield::new(l.nav, l.points)).collect(),
                native: r.natives.iter().map(|n| NativeYield { value_last: n.stake, ..Default::default() }).collect(),
                strategies: Vec::new(),
                airdrop: vec![None; n_lrts],
                accrual: super::accrual::Accrual::new(n_lrts),
            },
            scratch: Scratch::default(),
        };
        world.obs.tally.reset(world.lending.markets.len(), n_lrts);
        world.refresh_rates(0.0);
        world.refresh_views(0.0);
        world.yields.strategies = r.strategies.iter().map(|s| world.enter_strategy(s)).collect();
        world.obs.ledger.initial_eth = world.eth_holdings();
        world.obs.ledger.initial_usd = world.usd_holdings();
        world
    }
}
