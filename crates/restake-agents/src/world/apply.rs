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

        // Pass A, in agent order: sales, refused requests and deleverages into a pool join its
        // auction; redemption requests join the queue and instant withdrawals are paid, each
        // seeing the buffer the ones before it left (a request reserves its claim, so it leaves
        // less for instant withdrawals); deposits mint. The order of a pool's orders does not
        // matter: the auction sorts them by (limit, agent).
        for act in intents.iter() {
            let i = act.agent as usize;
            let c = &self.agents.cohorts[act.cohort as usize];
            let (l, p, leg, market) = (c.lrt, c.pool, c.leg, c.market);
            let order = Order { agent: act.agent, intent: act.intent, tokens: act.tokens, limit: act.limit };
            match act.intent {
                // An order moves no shared state until the auction clears.
                Intent::Sell => self.scratch.orders[p].push(order),
                // Requests refused (the protocol paused this step): the pool is the exit.
                Intent::Redeem if !self.liquidity.lrts[l].accepts_requests() => self.scratch.orders[p].push(order),
                Intent::Deleverage | Intent::Unwind if leg.is_some_and(|g| g.collateral != Asset::Eth) => {
                    self.scratch.orders[p].push(order)
                }
                Intent::Deposit => {
                    // What it holds is about to change: its incentives so far are booked first.
                    self.book_incentives(i);
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
                Intent::Redeem => {
                    self.book_incentives(i);
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
                    self.book_incentives(i);
                    let tokens = self.agents.pop.lrt[i];
                    let (used, eth) = self.instant_withdrawal(l, Holder::Retail(i as u32), tokens, navs[l]);
                    instant[l].0 += used;
                    instant[l].1 += eth;
                    let pop = &mut self.agents.pop;
                    pop.lrt[i] = if used >= tokens { 0.0 } else { tokens - used };
                    if pop.lrt[i] > 0.0 {
                        // What the buffer could not pay is offered in the pool.
                        let rest = pop.lrt[i];
                        self.scratch.orders[p].push(Order { tokens: rest, ..order });
                    } else {
                        pop.status[i] = Status::Exited;
                        exits[l] += 1;
                    }
                }
                Intent::Deleverage | Intent::Unwind => {
                    // ETH collateral against USD debt: sold on the deep ETH/USD market at once.
                    self.book_incentives(i);
                    let Some(m) = market else { continue };
                    let repaid = self.deleverage_on_usd_market(i, act.tokens, act.intent == Intent::Unwind);
                    usd_deleverage[m] += repaid;
                }
                Intent::Hold => {}
            }
        }
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
            let clearing = self.clear_feasible(p);
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
                match o.intent {
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
                        if o.intent == Intent::Unwind && self.collateral_of(i) <= 1e-12 {
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

    /// The auction of pool `p`'s orders, without the deleverages and unwinds that would fail at
    /// its price: on chain a flash-loan deleverage that cannot repay what it promised reverts,
    /// and the position stays (it may be liquidated). Such orders are dropped and the auction is
    /// cleared again, until every filled levered order is feasible (each pass drops at least one
    /// order, so this ends).
    fn clear_feasible(&mut self, p: usize) -> Clearing {
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
                let levered = matches!(o.intent, Intent::Deleverage | Intent::Unwind);
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
