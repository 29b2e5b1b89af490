//! Liquidation rounds inside a step.
//!
//! A round scans every position in parallel against the price the market's oracle reports
//! now, then executes liquidations one by one in a fixed order (worst health factor first):
//! each liquidator repays debt, seizes collateral with the market's incentive and sells it into
//! the pool, moving the price the next round's scan sees. Every liquidation names its cause:
//! the largest liquidation sale of the previous round on the same pool, or, in round one, the
//! last event that moved that pool's price or the LRT's NAV.

use super::*;
use crate::events::{Entity, Event, EventKind};
use crate::lrt::{Owner, Redemption};
use crate::population::{RETAIL_NAMESPACE, Status};
use rand::RngExt;
use restake_engine::par::par_fill;

#[derive(Debug, Default)]
pub(super) struct Scratch {
    /// Health factor of each borrower of the market being scanned.
    hf: Vec<f64>,
    candidates: Vec<(f64, u32)>,
}

/// The largest liquidation sale into a pool during the current round.
#[derive(Clone, Copy, Default)]
struct RoundMover {
    event: Option<u64>,
    depth: u32,
    size: f64,
}

impl World {
    pub(super) fn liquidation_round(&mut self, ctx: &StepContext, round: u32) -> Result<usize, WorldError> {
        let mut actions = 0;
        let mut movers = vec![RoundMover::default(); self.pools.len()];
        for m in 0..self.markets.len() {
            actions += self.liquidate_market(ctx, round, m, &mut movers)?;
        }
        for (p, mv) in movers.iter().enumerate() {
            if mv.event.is_some() {
                self.pool_cause[p] = CauseRef { event: mv.event, depth: mv.depth };
            }
        }
        if actions > 0 {
            self.tally.rounds = self.tally.rounds.max(round);
            // Arbitrage bots back-run liquidation sales between rounds, within their capital.
            self.arbitrage(ctx)?;
        }
        Ok(actions)
    }

    fn liquidate_market(&mut self, ctx: &StepContext, round: u32, m: usize, movers: &mut [RoundMover]) -> Result<usize, WorldError> {
        let lrt = self.markets[m].lrt;
        let sale_pool = self.lrt_pool[lrt];
        let price = self.markets[m].round_price(&self.pools);
        let lltv = self.markets[m].lltv;
        let cause = match self.markets[m].oracle_pool {
            Some(p) => self.pool_cause[p],
            None => self.nav_cause[lrt],
        };

        // Scan the market's borrowers in parallel.
        let mut scratch = std::mem::take(&mut self.scratch);
        let borrowers = &self.borrowers[m];
        scratch.hf.resize(borrowers.len(), f64::INFINITY);
        {
            let (pop, market) = (&self.pop, &self.markets[m]);
            par_fill(&mut scratch.hf[..borrowers.len()], |k| {
                let i = borrowers[k] as usize;
                let debt = market.debt(pop.borrow_shares[i]);
                if debt <= 1e-12 {
                    return f64::INFINITY;
                }
                pop.collateral[i] * price * lltv / debt
            });
        }
        scratch.candidates.clear();
        scratch.candidates.extend(scratch.hf[..borrowers.len()].iter().zip(borrowers).filter(|(h, _)| **h < 1.0).map(|(h, &i)| (*h, i)));
        scratch.candidates.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));

        let mut actions = 0;
        let nav = self.nav(lrt);
        let wait_years = self.lrt_views[lrt].wait_years;
        for &(_, agent) in &scratch.candidates {
            let i = agent as usize;
            if self.pop.collateral[i] <= 1e-12 {
                // Nothing left to seize: the remaining debt is bad debt now.
                let bad = self.markets[m].realize_bad_debt(&mut self.pop.collateral[i], &mut self.pop.borrow_shares[i], price);
                if bad > 0.0 {
                    let mut e = Event::new(EventKind::BadDebt, Entity::Market(m as u32));
                    e.round = round;
                    e.agent = Some(agent);
                    e.bad_debt = bad;
                    e.price_oracle = price;
                    e.cause = cause.event;
                    self.events.push(e);
                    self.tally.market[m].bad_debt += bad;
                    actions += 1;
                }
                continue;
            }
            let Some(choice) = self.pick_liquidator(ctx, m, i, price, nav, wait_years) else { continue };
            let liq = &mut self.liquidators[choice.liquidator];
            let outcome = self.markets[m]
                .liquidate(&mut self.pop.collateral[i], &mut self.pop.borrow_shares[i], choice.repay, price)
                .map_err(|source| WorldError::Market { market: self.markets[m].id.clone(), source })?;
            liq.eth -= outcome.repaid + liq.gas_eth;
            self.ledger.gas_burned += liq.gas_eth;
            let seized = outcome.liquidator_seized;
            let price_before = self.pools[sale_pool].price();
            let mut eth_back = 0.0;
            if choice.redeem {
                let q = &mut self.lrts[lrt];
                q.queue.push_back(Redemption { owner: Owner::Liquidator(choice.liquidator as u32), tokens: seized, requested_step: ctx.step });
                q.queued_tokens += seized;
            } else {
                eth_back = self.pools[sale_pool].sell(seized).map_err(|source| WorldError::Pool { pool: self.pools[sale_pool].id.clone(), source })?;
                self.liquidators[choice.liquidator].eth += eth_back;
                self.tally.saw_price(sale_pool, self.pools[sale_pool].price());
            }
            let liq = &mut self.liquidators[choice.liquidator];
            liq.liquidations += 1;
            liq.profit_eth += eth_back - outcome.repaid - liq.gas_eth;
            if self.pop.collateral[i] <= 1e-12 {
                self.pop.status[i] = Status::Liquidated;
            }
            let depth = cause.depth + 1;
            let mut e = Event::new(EventKind::Liquidation, Entity::Market(m as u32));
            e.round = round;
            e.agent = Some(agent);
            e.amount_eth = outcome.repaid;
            e.amount_token = outcome.seized;
            e.bad_debt = outcome.bad_debt;
            e.price_oracle = price;
            e.price_pool = self.pools[sale_pool].price();
            e.nav = nav;
            e.cause = cause.event;
            e.depth = depth;
            let id = self.events.push(e);
            if outcome.bad_debt > 0.0 {
                let mut b = Event::new(EventKind::BadDebt, Entity::Market(m as u32));
                b.round = round;
                b.agent = Some(agent);
                b.bad_debt = outcome.bad_debt;
                b.price_oracle = price;
                b.cause = Some(id);
                self.events.push(b);
            }
            let impact = price_before - self.pools[sale_pool].price();
            if !choice.redeem && impact > movers[sale_pool].size {
                movers[sale_pool] = RoundMover { event: Some(id), depth, size: impact };
            }
            let t = &mut self.tally.market[m];
            t.liquidations += 1;
            t.liquidated_debt += outcome.repaid;
            t.bad_debt += outcome.bad_debt;
            self.tally.max_depth = self.tally.max_depth.max(depth);
            self.tally.record_round(round, m, outcome.repaid);
            actions += 1;
        }
        self.scratch = scratch;
        Ok(actions)
    }

    /// The first liquidator, in an order drawn per position and round, with the capital and a
    /// profit after price impact and gas.
    #[allow(clippy::too_many_arguments)]
    fn pick_liquidator(&self, ctx: &StepContext, m: usize, i: usize, price: f64, nav: f64, wait_years: f64) -> Option<Choice> {
        let n = self.liquidators.len();
        if n == 0 {
            return None;
        }
        let market = &self.markets[m];
        let lrt = market.lrt;
        let pool = &self.pools[self.lrt_pool[lrt]];
        let debt = market.debt(self.pop.borrow_shares[i]);
        let collateral = self.pop.collateral[i];
        let mut rng = ctx.rng(RETAIL_NAMESPACE + i as u64, purpose::LIQUIDATOR_ORDER);
        let start = rng.random_range(0..n);
        for k in 0..n {
            let li = (start + k) % n;
            let liq = &self.liquidators[li];
            let budget = liq.eth - liq.gas_eth;
            if budget <= 0.0 {
                continue;
            }
            let (repay, seized) = market.liquidation_amounts(collateral, self.pop.borrow_shares[i], debt.min(budget), price);
            if repay <= 0.0 {
                continue;
            }
            let sale = pool.quote_sell(seized);
            let redeem_value = if liq.may_redeem && self.lrts[lrt].redemptions_open { seized * nav * (1.0 - liq.carry_rate * wait_years).max(0.0) } else { 0.0 };
            let redeem = redeem_value > sale;
            let profit = sale.max(redeem_value) - repay - liq.gas_eth;
            if profit >= liq.min_profit {
                return Some(Choice { liquidator: li, repay, redeem });
            }
        }
        None
    }
}

struct Choice {
    liquidator: usize,
    repay: f64,
    redeem: bool,
}
