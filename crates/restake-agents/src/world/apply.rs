//! Applying retail intents: one batch per pool and per LRT each step.
//!
//! Redemption requests join the queue and instant withdrawals are paid from the buffer in agent
//! order; what the buffer cannot pay and every sale joins one call auction per pool (see
//! [`super::batch`]).

use super::batch::{Clearing, Order, clear};
use super::*;
use crate::events::{Event, EventKind};
use crate::population::{Intent, Status};
use crate::vocab::Holder;
use rayon::prelude::*;
use restake_engine::par::CHUNK;

/// What pass A gathers in parallel from one chunk of agents.
#[derive(Debug, Default)]
pub(super) struct Gathered {
    /// Orders that need no shared state, with their pool.
    orders: Vec<(u32, Order)>,
    /// The agents whose intents do (deposits, redemption requests, instant withdrawals, ETH
    /// collateral deleverages), in agent order.
    stateful: Vec<u32>,
}

impl World {
    pub(super) fn apply_retail(&mut self, ctx: &StepContext, intents: &Intents) -> Result<(), WorldError> {
        let n_pools = self.liquidity.pools.len();
        let n_lrts = self.liquidity.lrts.len();
        let navs: Vec<f64> = (0..n_lrts).map(|l| self.nav(l)).collect();
        let mut instant = vec![(0.0, 0.0); n_lrts];
        let mut redeem_tokens = vec![0.0; n_lrts];
        let mut exits = vec![0u32; n_lrts];
        let mut deposits = vec![0.0; n_lrts];
        let mut usd_deleverage = vec![0.0; self.lending.markets.len()];
        // The order book of each pool is a buffer kept across steps.
        for o in self.scratch.orders.iter_mut() {
            o.clear();
        }
        self.scratch.orders.resize_with(n_pools, Vec::new);

        // Pass A. In parallel: the orders that move no shared state (sales, deleverages, refused
        // requests) are gathered. Then in agent order: redemption requests join the
        // queue and instant withdrawals are paid, each seeing the buffer the ones before it left
        // (a request reserves its claim, so it leaves less for instant withdrawals); deposits
        // mint. The order of a pool's orders does not matter: the auction sorts them by (limit,
        // agent).
        let mut gathered = std::mem::take(&mut self.scratch.gathered);
        self.gather(intents, &mut gathered);
        for g in &gathered {
            for &(p, o) in &g.orders {
                self.scratch.orders[p as usize].push(o);
            }
        }
        for i in gathered.iter().flat_map(|g| g.stateful.iter().map(|&i| i as usize)) {
            // What it holds is about to change: its incentives so far are booked first.
            self.book_incentives(i);
            let intent = intents.kind[i];
            let c = &self.agents.cohorts[self.agents.pop.cohort[i] as usize];
            let (l, p, leg, market) = (c.lrt, c.pool, c.leg, c.market);
            let sell = |orders: &mut Vec<Vec<Order>>, tokens: f64| {
                orders[p].push(Order { agent: i as u32, tokens, limit: intents.limit[i] })
            };
            match intent {
                Intent::Deposit => {
                    // Paused since the decision: the agent stays on the sideline.
                    if self.liquidity.lrts[l].deposits_paused {
                        continue;
                    }
                    let eth = std::mem::take(&mut self.agents.pop.eth[i]);
                    let tokens = self.mint_at_nav(l, eth, navs[l]);
                    let pop = &mut self.agents.pop;
                    pop.lrt[i] += tokens;
                    pop.status[i] = Status::Active;
                    deposits[l] += eth;
                }
                Intent::Redeem if self.liquidity.lrts[l].accepts_requests() => {
                    let tokens = std::mem::take(&mut self.agents.pop.lrt[i]);
                    let cap = self.enqueue_redemption(l, Holder::Retail(i as u32), tokens, ctx.step);
                    let pop = &mut self.agents.pop;
                    pop.queued[i] += tokens;
                    pop.queued_cap[i] += cap;
                    pop.status[i] = Status::Exited;
                    redeem_tokens[l] += tokens;
                    exits[l] += 1;
                }
                Intent::Instant => {
                    let tokens = self.agents.pop.lrt[i];
                    let (used, eth) = self.instant_withdrawal(l, Holder::Retail(i as u32), tokens, navs[l]);
                    instant[l].0 += used;
                    instant[l].1 += eth;
                    let pop = &mut self.agents.pop;
                    pop.lrt[i] = if used >= tokens { 0.0 } else { tokens - used };
                    if pop.lrt[i] > 0.0 {
                        // What the buffer could not pay is offered in the pool.
                        sell(&mut self.scratch.orders, pop.lrt[i]);
                    } else {
                        pop.status[i] = Status::Exited;
                        exits[l] += 1;
                    }
                }
                Intent::Deleverage | Intent::Unwind if leg.is_some_and(|g| g.collateral == Asset::Eth) => {
                    // ETH collateral against USD debt: sold on the deep ETH/USD market at once.
                    let Some(m) = market else { continue };
                    let repaid = self.deleverage_on_usd_market(i, intents.amount[i], intent == Intent::Unwind);
                    usd_deleverage[m] += repaid;
                }
                // Sales, refused requests and deleverages into a pool: gathered (`gather`).
                Intent::Hold | Intent::Sell | Intent::Redeem | Intent::Deleverage | Intent::Unwind => {}
            }
        }
        self.scratch.gathered = gathered;
        for (l, &(tokens, eth)) in instant.iter().enumerate() {
            if tokens > 0.0 {
                let mut e = Event::new(EventKind::InstantWithdrawal, Entity::Lrt(l as u32));
                e.amount_token = tokens;
                e.amount_eth = eth;
                e.nav = self.nav(l);
                e.cause = self.obs.nav_cause[l].event.or(self.obs.pool_cause[self.liquidity.lrt_pool[l]].event);
                self.obs.events.push(e);
            }
        }

        // One uniform-price batch per pool.
        for p in 0..n_pools {
            let clearing = self.clear_feasible(p, intents);
            if clearing.tokens <= 0.0 {
                continue;
            }
            let eth = self.sell_to_pool(p, clearing.tokens)?;
            let per_token = eth / clearing.tokens;
            let l = self.liquidity.pools[p].lrt;
            let (mut held, mut levered) = (0.0, 0.0);
            for k in 0..self.scratch.orders[p].len() {
                let o = self.scratch.orders[p][k];
                let fill = clearing.fill(o.limit);
                if fill <= 0.0 {
                    break;
                }
                let i = o.agent as usize;
                self.book_incentives(i);
                let sold = o.tokens * fill;
                let proceeds = sold * per_token;
                match intents.kind[i] {
                    Intent::Sell | Intent::Instant | Intent::Redeem => {
                        held += sold;
                        let pop = &mut self.agents.pop;
                        pop.lrt[i] = (pop.lrt[i] - sold).max(0.0);
                        pop.eth[i] += proceeds;
                        if pop.lrt[i] <= 1e-12 {
                            pop.lrt[i] = 0.0;
                            pop.status[i] = Status::Exited;
                            exits[l] += 1;
                        }
                    }
                    Intent::Deleverage | Intent::Unwind => {
                        levered += sold;
                        let used = self.repay_and_release(i, proceeds, sold);
                        self.agents.pop.eth[i] += proceeds - used;
                        if intents.kind[i] == Intent::Unwind && self.collateral_of(i) <= 1e-12 {
                            self.agents.pop.status[i] = Status::Exited;
                            exits[l] += 1;
                        }
                    }
                    Intent::Hold | Intent::Deposit => {}
                }
            }
            let cause = self.obs.nav_cause[l].event.or(self.obs.pool_cause[p].event);
            let price = self.liquidity.pools[p].price();
            let mut last = None;
            for (kind, amount) in [(EventKind::RetailSell, held), (EventKind::Deleverage, levered)] {
                if amount > 0.0 {
                    let mut e = Event::new(kind, Entity::Pool(p as u32));
                    e.amount_token = amount;
                    e.amount_eth = amount * per_token;
                    e.price_pool = price;
                    e.nav = navs[l];
                    e.cause = cause;
                    last = Some(self.obs.events.push(e));
                }
            }
            self.obs.pool_cause[p] = CauseRef { event: last, depth: 0 };
            self.obs.tally.retail_sold_lrt += clearing.tokens;
        }

        // ETH-collateral borrowers' deleveraging on the ETH/USD market, one event per market.
        for (m, &eth) in usd_deleverage.iter().enumerate() {
            if eth > 0.0 {
                let mut e = Event::new(EventKind::Deleverage, Entity::Market(m as u32));
                e.amount_eth = eth;
                e.cause = self.obs.eth_cause.event;
                self.obs.events.push(e);
            }
        }

        for l in 0..n_lrts {
            if redeem_tokens[l] > 0.0 {
                let mut e = Event::new(EventKind::RedemptionRequest, Entity::Lrt(l as u32));
                e.amount_token = redeem_tokens[l];
                e.nav = navs[l];
                e.cause = self.obs.nav_cause[l].event.or(self.obs.pool_cause[self.liquidity.lrt_pool[l]].event);
                self.obs.events.push(e);
            }
            let holders: usize = self.agents.cohorts.iter().filter(|c| c.lrt == l).map(|c| c.range.len()).sum();
            if holders > 0 {
                self.liquidity.views[l].exit_pressure += exits[l] as f64 / holders as f64;
            }
            self.obs.tally.lrt[l].exits += exits[l];
            if deposits[l] > 0.0 {
                self.obs.tally.lrt[l].deposits_eth += deposits[l];
                let assets = self.liquidity.lrts[l].supply * navs[l];
                self.liquidity.views[l].momentum += deposits[l] / assets.max(1e-300);
            }
        }
        Ok(())
    }

    /// Pass A's parallel part (see `apply_retail`): gathers per chunk the orders that need no
    /// shared state, and lists the other agents that act.
    fn gather(&self, intents: &Intents, gathered: &mut Vec<Gathered>) {
        gathered.resize_with(self.agents.pop.len().div_ceil(CHUNK), Gathered::default);
        gathered.par_iter_mut().enumerate().for_each(|(c, g)| {
            g.orders.clear();
            g.stateful.clear();
            let (base, end) = (c * CHUNK, ((c + 1) * CHUNK).min(self.agents.pop.len()));
            // Idle agents cost next to nothing: a block of 64 that all hold is skipped in one check.
            for block in (base..end).step_by(64) {
                let stop = (block + 64).min(end);
                if intents.kind[block..stop].iter().all(|&k| k == Intent::Hold) {
                    continue;
                }
                for i in block..stop {
                    let intent = intents.kind[i];
                    if intent == Intent::Hold {
                        continue;
                    }
                    let cohort = &self.agents.cohorts[self.agents.pop.cohort[i] as usize];
                    let tokens = match intent {
                        Intent::Sell => self.agents.pop.lrt[i],
                        // Requests refused (the protocol paused this step): the pool is the exit.
                        Intent::Redeem if !self.liquidity.lrts[cohort.lrt].accepts_requests() => self.agents.pop.lrt[i],
                        Intent::Deleverage | Intent::Unwind
                            if cohort.leg.is_some_and(|g| g.collateral != Asset::Eth) =>
                        {
                            intents.amount[i].min(self.collateral_of(i))
                        }
                        _ => {
                            g.stateful.push(i as u32);
                            continue;
                        }
                    };
                    g.orders.push((cohort.pool as u32, Order { agent: i as u32, tokens, limit: intents.limit[i] }));
                }
            }
        });
    }

    /// The auction of pool `p`'s orders, without the deleverages and unwinds that would fail at
    /// its price: on chain a flash-loan deleverage that cannot repay what it promised reverts,
    /// and the position stays (it may be liquidated). Such orders are dropped and the auction is
    /// cleared again, until every filled levered order is feasible (each pass drops at least one
    /// order, so this ends).
    fn clear_feasible(&mut self, p: usize, intents: &Intents) -> Clearing {
        let mut orders = std::mem::take(&mut self.scratch.orders[p]);
        let mut keep = std::mem::take(&mut self.scratch.keep);
        let clearing = loop {
            let c = clear(&self.liquidity.pools[p], &mut orders);
            if c.tokens <= 0.0 {
                break c;
            }
            let per_token = self.liquidity.pools[p].quote_sell(c.tokens) / c.tokens;
            let before = orders.len();
            let feasible = |o: &Order| {
                let i = o.agent as usize;
                let levered = matches!(intents.kind[i], Intent::Deleverage | Intent::Unwind);
                let sold = o.tokens * c.fill(o.limit);
                !levered || sold <= 0.0 || self.sale_repays(i, sold, sold * per_token)
            };
            // Each order's check reads only the world: in parallel, then dropped in order.
            orders.par_iter().map(feasible).collect_into_vec(&mut keep);
            let mut kept = keep.iter();
            orders.retain(|_| kept.next().copied().unwrap_or(true));
            if orders.len() == before {
                break c;
            }
            self.obs.tally.reverted_deleverages += (before - orders.len()) as u32;
        };
        (self.scratch.orders[p], self.scratch.keep) = (orders, keep);
        clearing
    }
}
