//! Building a world from a validated scenario.

use super::*;
use crate::scenario::validate::{Issue, validate};
use crate::scenario::{PoolKind, Scenario};
use restake_amm::{ConstantProduct, StableSwap};
use std::collections::BTreeMap;

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The scenario breaks one or more rules; each issue names its config path.
    #[error("{} problem(s) in the scenario: {}", .0.len(), .0.iter().map(|i| i.to_string()).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<Issue>),
}

fn invalid(path: impl Into<String>, message: impl Into<String>) -> BuildError {
    BuildError::Invalid(vec![Issue { path: path.into(), message: message.into() }])
}

fn index_of<'a>(ids: impl Iterator<Item = &'a str>) -> BTreeMap<&'a str, usize> {
    ids.enumerate().map(|(i, id)| (id, i)).collect()
}

impl World {
    /// Builds the initial state. `seed` drives every random draw of the run, including the
    /// population's parameters.
    pub fn new(s: &Scenario, seed: u64) -> Result<World, BuildError> {
        validate(s).map_err(BuildError::Invalid)?;
        let dt = s.time.step.seconds();
        let steps = (s.time.duration.seconds() / dt).round() as u64;

        let protocol_ix = index_of(s.restaking_protocols.iter().map(|p| p.id.as_str()));
        let avs_ix = index_of(s.avss.iter().map(|a| a.id.as_str()));
        let op_ix = index_of(s.operators.iter().map(|o| o.id.as_str()));
        let lrt_ix = index_of(s.lrts.iter().map(|l| l.id.as_str()));
        let pool_ix = index_of(s.pools.iter().map(|p| p.id.as_str()));
        let market_ix = index_of(s.markets.iter().map(|m| m.id.as_str()));

        let protocols: Vec<RestakingProtocol> = s
            .restaking_protocols
            .iter()
            .map(|p| RestakingProtocol { id: p.id.clone(), withdrawal_delay_seconds: p.withdrawal_delay.seconds() })
            .collect();
        let avss: Vec<Avs> = s
            .avss
            .iter()
            .map(|a| Avs {
                id: a.id.clone(),
                fee_apr: a.fee_apr,
                incentive_apr: a.incentive_apr,
                incentive_end_seconds: a.incentive_end.map(|e| e.seconds()),
                fault_hazard_per_year: a.fault_hazard_per_year,
                slash_fraction: a.slash_fraction,
                slashed_eth: 0.0,
                faults: 0,
            })
            .collect();
        let mut operators: Vec<Operator> = s
            .operators
            .iter()
            .map(|o| Operator {
                id: o.id.clone(),
                protocol: protocol_ix[o.protocol.as_str()],
                commission: o.commission,
                shares: 0.0,
                max_magnitude: 1.0,
                allocations: o
                    .allocations
                    .iter()
                    .map(|(avs, &m)| crate::restaking::Allocation { avs: avs_ix[avs.as_str()], magnitude: m })
                    .collect(),
            })
            .collect();

        let mut pools = Vec::with_capacity(s.pools.len());
        for (i, p) in s.pools.iter().enumerate() {
            let balances = vec![p.eth, p.lrt_reserve];
            let amm = match p.kind {
                PoolKind::Stableswap => StableSwap::new(p.amp.unwrap_or_default(), p.fee, balances).map(restake_amm::Pool::from),
                PoolKind::ConstantProduct => ConstantProduct::new(p.fee, [p.eth, p.lrt_reserve]).map(restake_amm::Pool::from),
            }
            .map_err(|e| invalid(format!("pools[{i}]"), e.to_string()))?;
            pools.push(LrtPool { id: p.id.clone(), lrt: lrt_ix[p.lrt.as_str()], amm });
        }
        // The first pool listed for an LRT is where its holders trade.
        let mut lrt_pool = vec![usize::MAX; s.lrts.len()];
        for (p, pool) in pools.iter().enumerate().rev() {
            lrt_pool[pool.lrt] = p;
        }

        let mut markets = Vec::with_capacity(s.markets.len());
        for (i, m) in s.markets.iter().enumerate() {
            let lrt = lrt_ix[m.collateral.as_str()];
            let oracle_pool = match &m.oracle {
                crate::scenario::OracleConfig::PoolSpot { pool } | crate::scenario::OracleConfig::Twap { pool, .. } => Some(pool_ix[pool.as_str()]),
                _ => None,
            };
            markets.push(Market::new(i, m, lrt, oracle_pool, dt)?);
        }

        // Population: holders buy at the pool price; loopers borrow to their target health
        // factor at the oracle's price: C (p - P_o LLTV / h) = W, D = C P_o LLTV / h.
        let mut pop = Population::default();
        let mut cohorts = Vec::with_capacity(s.retail.len());
        for (ci, c) in s.retail.iter().enumerate() {
            let lrt = lrt_ix[c.lrt.as_str()];
            let pool = lrt_pool[lrt];
            if pool == usize::MAX {
                return Err(invalid(format!("retail[{ci}].lrt"), format!("LRT `{}` has no pool to trade on; add a [[pools]] entry for it", c.lrt)));
            }
            let market = c.market.as_ref().map(|m| market_ix[m.as_str()]);
            let range = pop.add_cohort(ci, c, seed).map_err(|e| BuildError::Invalid(vec![e]))?;
            let p0 = pools[pool].price();
            let attention = 1.0 - (-c.attention_per_day * dt / 86_400.0).exp();
            for i in range.clone() {
                let w = pop.initial_wealth[i];
                match (pop.strategy[i], market) {
                    (crate::population::Strategy::Looper, Some(m)) => {
                        let mk = &mut markets[m];
                        let po = mk.initial_oracle_price(p0, s.lrts[lrt].nav);
                        let h = pop.target_hf[i];
                        let denom = p0 - po * mk.lltv / h;
                        if denom <= 0.0 {
                            return Err(invalid(
                                format!("retail[{ci}].target_health_factor"),
                                format!("a target health factor of {h:.4} with LLTV {} and price {p0:.4} means unbounded leverage; targets must exceed LLTV x oracle price / pool price = {:.4}", mk.lltv, po * mk.lltv / p0),
                            ));
                        }
                        let collateral = w / denom;
                        let debt = collateral * po * mk.lltv / h;
                        pop.collateral[i] = collateral;
                        // Holds the debt until the market opens positions below.
                        pop.borrow_shares[i] = debt;
                    }
                    _ => pop.lrt[i] = w / p0,
                }
            }
            cohorts.push(Cohort { id: c.id.clone(), lrt, market, pool, attention, range, entry_price: p0 });
        }
        // Lenders supply what the loopers borrow plus the idle supply; then positions open.
        for (mi, m) in s.markets.iter().enumerate() {
            let in_market = |i: &usize| pop.strategy[*i] == crate::population::Strategy::Looper && cohorts[pop.cohort[*i] as usize].market == Some(mi);
            let debts: f64 = (0..pop.len()).filter(in_market).map(|i| pop.borrow_shares[i]).sum();
            let mk = &mut markets[mi];
            mk.supply_at_start(debts + m.idle_supply).map_err(|e| invalid(format!("markets[{mi}].idle_supply"), e.to_string()))?;
            for i in (0..pop.len()).filter(in_market) {
                pop.borrow_shares[i] = mk
                    .open_position(pop.collateral[i], pop.borrow_shares[i])
                    .map_err(|e| invalid(format!("retail[{}].target_health_factor", pop.cohort[i]), e.to_string()))?;
            }
        }

        // LRT supply: everything held anywhere at the start; assets = supply x NAV.
        let mut lrts = Vec::with_capacity(s.lrts.len());
        for (li, l) in s.lrts.iter().enumerate() {
            let retail: f64 = (0..pop.len())
                .filter(|&i| cohorts[pop.cohort[i] as usize].lrt == li)
                .map(|i| pop.lrt[i] + pop.collateral[i])
                .sum();
            let in_pools: f64 = pools.iter().filter(|p| p.lrt == li).map(|p| p.lrt_reserve()).sum();
            let supply = l.passive_supply + retail + in_pools;
            let assets = supply * l.nav;
            let mut delegation = vec![0.0; operators.len()];
            for (op, &w) in &l.delegations {
                delegation[op_ix[op.as_str()]] = w;
            }
            let mut lrt = Lrt {
                id: l.id.clone(),
                protocol: protocol_ix[l.protocol.as_str()],
                supply,
                passive_holdings: l.passive_supply,
                buffer_eth: assets,
                buffer_fraction: l.buffer_fraction,
                instant_withdrawal_fee: l.instant_withdrawal_fee,
                instant_withdrawals: l.instant_withdrawals,
                redemptions_open: l.redemptions == crate::scenario::RedemptionMode::Queue,
                protocol_fee: l.protocol_fee,
                delegation,
                shares: vec![0.0; operators.len()],
                withdrawing: vec![0.0; operators.len()],
                withdrawals: Default::default(),
                queue: Default::default(),
                queued_tokens: 0.0,
                expected_wait_seconds: 0.0,
            };
            lrt.restake(assets * (1.0 - l.buffer_fraction), &mut operators);
            lrts.push(lrt);
        }
        // Pool-sell shocks come out of passive holdings: check they fit.
        for (i, sh) in s.shocks.iter().enumerate() {
            if let ShockConfig::PoolSell { pool, lrt_amount, .. } = sh {
                let l = pools[pool_ix[pool.as_str()]].lrt;
                let passive = lrts[l].passive_holdings;
                if *lrt_amount > passive {
                    return Err(invalid(format!("shocks[{i}].lrt_amount"), format!("must be at most the LRT's passive_supply ({passive}), got {lrt_amount}")));
                }
            }
        }

        let mut borrowers = vec![Vec::new(); markets.len()];
        for i in 0..pop.len() {
            if let (crate::population::Strategy::Looper, Some(m)) = (pop.strategy[i], cohorts[pop.cohort[i] as usize].market) {
                borrowers[m].push(i as u32);
            }
        }
        let n_lrt = lrts.len();
        let liquidators = s
            .liquidators
            .iter()
            .flat_map(|l| {
                (0..l.count).map(move |_| Liquidator {
                    kind: l.id.clone(),
                    eth: l.capital,
                    lrt: vec![0.0; n_lrt],
                    gas_eth: l.gas_eth,
                    min_profit: l.min_profit,
                    may_redeem: l.may_redeem,
                    carry_rate: l.carry_rate,
                    liquidations: 0,
                    profit_eth: 0.0,
                })
            })
            .collect();
        let arbitrageurs = s
            .arbitrageurs
            .iter()
            .flat_map(|a| (0..a.count).map(move |_| Arbitrageur { kind: a.id.clone(), eth: a.capital, lrt: vec![0.0; n_lrt], carry_rate: a.carry_rate }))
            .collect();
        let shocks = s
            .shocks
            .iter()
            .enumerate()
            .map(|(index, c)| ScheduledShock { step: (c.at().seconds() / dt).floor() as u64, config: c.clone(), index })
            .collect();

        let mut world = World {
            name: s.name.clone(),
            dt_seconds: dt,
            steps,
            step: 0,
            eth: EthMarket::new(s.eth.usd, s.eth.path.clone()),
            beacon: Beacon {
                staking_apr: s.beacon.staking_apr,
                exit_churn_eth_per_day: s.beacon.exit_churn_eth_per_day,
                exit_queue_eth: s.beacon.exit_queue_eth,
            },
            protocols,
            operators,
            avss,
            pool_cause: vec![CauseRef::default(); pools.len()],
            nav_cause: vec![CauseRef::default(); lrts.len()],
            lrt_views: vec![LrtView::default(); lrts.len()],
            lrts,
            pools,
            lrt_pool,
            markets,
            borrowers,
            cohorts,
            pop,
            liquidators,
            arbitrageurs,
            shocks,
            events: EventLog::default(),
            ledger: ledger::Ledger::default(),
            tally: StepTally::default(),
            summary: RunSummary::default(),
            scratch: Default::default(),
            scratch_orders: Vec::new(),
        };
        world.tally.reset(world.markets.len(), world.lrts.len());
        world.refresh_views(0.0);
        world.ledger.initial_eth = world.eth_holdings();
        let mut summary = RunSummary::default();
        summary.start(&world);
        world.summary = summary;
        Ok(world)
    }
}
