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
            .map(|p| {
                let r = p.rules().expect("validated");
                let withdrawal = match (r.fixed_delay, r.epoch) {
                    (Some(seconds), _) => crate::restaking::WithdrawalRule::Fixed { seconds },
                    (None, Some(epoch_seconds)) => crate::restaking::WithdrawalRule::Epochs { epoch_seconds },
                    (None, None) => unreachable!("rules() requires one"),
                };
                RestakingProtocol { id: p.id.clone(), withdrawal, veto_window_seconds: r.veto_window }
            })
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
                incentive_half_life_seconds: a.incentive_half_life.map(|h| h.seconds()),
                veto_probability: a.veto_probability,
                common_fault_loading: a.common_fault_loading,
                profit_from_corruption: a.profit_from_corruption,
                attack_threshold: a.attack_threshold,
                corrupted: false,
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
                beacon_factor: 1.0,
                fault_hazard_per_year: o.fault_hazard_per_year,
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
                PoolKind::Stableswap => {
                    StableSwap::new(p.amp.unwrap_or_default(), p.fee, balances).map(restake_amm::Pool::from)
                }
                PoolKind::ConstantProduct => {
                    ConstantProduct::new(p.fee, [p.eth, p.lrt_reserve]).map(restake_amm::Pool::from)
                }
            }
            .map_err(|e| invalid(format!("pools[{i}]"), e.to_string()))?;
            pools.push(LrtPool { id: p.id.clone(), lrt: lrt_ix[p.lrt.as_str()], amm });
        }
        // The first pool listed for an LRT is where its holders trade.
        let mut lrt_pool = vec![usize::MAX; s.lrts.len()];
        for (p, pool) in pools.iter().enumerate().rev() {
            lrt_pool[pool.lrt] = p;
        }

        // Markets, the population (retail and borrower cohorts) and every position: see
        // `borrowers::build_lending`.
        let borrowers::Lending { markets, pop, cohorts, borrowers } =
            borrowers::build_lending(s, seed, dt, &pools, &lrt_pool, &lrt_ix, &pool_ix, &market_ix)?;

        // LRT supply: everything held anywhere at the start; assets = supply x NAV.
        let mut lrts = Vec::with_capacity(s.lrts.len());
        for (li, l) in s.lrts.iter().enumerate() {
            let retail: f64 = (0..pop.len())
                .filter(|&i| cohorts[pop.cohort[i] as usize].lrt == li)
                .map(|i| pop.lrt[i] + pop.collateral[i])
                .sum();
            let in_pools: f64 = pools.iter().filter(|p| p.lrt == li).map(|p| p.lrt_reserve()).sum();
            // Held by pooled markets (borrowers' collateral and lenders' idle supply).
            let in_markets: f64 = markets.iter().map(|m| m.cash_of(crate::market::Asset::Lrt(li))).sum();
            let supply = l.passive_supply + retail + in_pools + in_markets;
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
                    return Err(invalid(
                        format!("shocks[{i}].lrt_amount"),
                        format!("must be at most the LRT's passive_supply ({passive}), got {lrt_amount}"),
                    ));
                }
            }
        }

        let mut natives = Vec::with_capacity(s.native_restakers.len());
        for n in &s.native_restakers {
            let mut shares = vec![0.0; operators.len()];
            for (op, &w) in &n.delegations {
                let o = op_ix[op.as_str()];
                shares[o] = n.stake * w;
                operators[o].shares += n.stake * w;
            }
            natives.push(crate::native::NativeRestaker {
                id: n.id.clone(),
                protocol: protocol_ix[n.protocol.as_str()],
                shares,
                rewards_eth: 0.0,
                initial_eth: n.stake,
                slashed_eth: 0.0,
            });
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
            .flat_map(|a| {
                (0..a.count).map(move |_| Arbitrageur {
                    kind: a.id.clone(),
                    eth: a.capital,
                    lrt: vec![0.0; n_lrt],
                    carry_rate: a.carry_rate,
                    mint: a.mint,
                })
            })
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
                fork: match s.beacon.fork {
                    crate::scenario::BeaconFork::Bellatrix => crate::beacon::Fork::Bellatrix,
                    crate::scenario::BeaconFork::Electra => crate::beacon::Fork::Electra,
                },
                total_active_eth: s.beacon.total_active_eth,
                slashed_in_window_eth: s.beacon.slashed_in_window_eth,
            },
            protocols,
            operators,
            avss,
            pool_cause: vec![CauseRef::default(); pools.len()],
            nav_cause: vec![CauseRef::default(); lrts.len()],
            eth_cause: CauseRef::default(),
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
            natives,
            pending_slashes: Vec::new(),
            common_fault_events_per_year: s.faults.common_events_per_year,
            attack_check_steps: s
                .security
                .operator_attacks
                .then(|| ((s.security.check_every.seconds() / dt).round() as u64).max(1)),
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
        world.ledger.initial_usd = world.usd_holdings();
        let mut summary = RunSummary::default();
        summary.start(&world);
        world.summary = summary;
        Ok(world)
    }
}
