//! Applying retail intents: one batch per pool and per LRT each step.
//!
//! Sales clear at one uniform price per pool (see [`super::batch`]); instant withdrawals share
//! the buffer pro rata and the unfilled part joins the pool batch; redemption requests join the
//! queue in agent order.

use super::batch::{Order, clear};
use super::*;
use crate::events::{Event, EventKind};
use crate::population::{Intent, Status};
use crate::vocab::Holder;

impl World {
    pub(super) fn apply_retail(&mut self, ctx: &StepContext, intents: &Intents) -> Result<(), WorldError> {
        let n_pools = self.liquidity.pools.len();
        let n_lrts = self.liquidity.lrts.len();
        let navs: Vec<f64> = (0..n_lrts).map(|l| self.nav(l)).collect();
        let mut instant_tokens = vec![0.0; n_lrts];
        let mut redeem_tokens = vec![0.0; n_lrts];
        let mut exits = vec![0u32; n_lrts];
        let mut usd_deleverage = vec![0.0; self.lending.markets.len()];
        // The order book of each pool is a buffer kept across steps.
        for o in self.scratch.orders.iter_mut() {
            o.clear();
        }
        self.scratch.orders.resize_with(n_pools, Vec::new);

        // Pass A, in agent order: redemption requests join the queue; instant requests are
        // totalled; sales become orders.
        for i in 0..self.agents.pop.len() {
            let intent = intents.kind[i];
            if intent == Intent::Hold {
                continue;
            }
            let c = &self.agents.cohorts[self.agents.pop.cohort[i] as usize];
            let (l, p, leg, market) = (c.lrt, c.pool, c.leg, c.market);
            match intent {
                Intent::Hold => {}
                Intent::Redeem => {
                    let pop = &mut self.agents.pop;
                    let tokens = pop.lrt[i];
                    pop.lrt[i] = 0.0;
                    pop.queued[i] += tokens;
                    pop.status[i] = Status::Exited;
                    self.enqueue_redemption(l, Holder::Retail(i as u32), tokens, ctx.step);
                    redeem_tokens[l] += tokens;
                    exits[l] += 1;
                }
                Intent::Instant => instant_tokens[l] += self.agents.pop.lrt[i],
                Intent::Sell => self.scratch.orders[p].push(Order {
                    agent: i as u32,
                    tokens: self.agents.pop.lrt[i],
                    limit: intents.limit[i],
                }),
                Intent::Deleverage | Intent::Unwind if leg.is_some_and(|g| g.collateral == Asset::Eth) => {
                    // ETH collateral against USD debt: sold on the deep ETH/USD market at once.
                    let Some(m) = market else { continue };
                    let repaid = self.deleverage_on_usd_market(i, intents.amount[i], intent == Intent::Unwind);
                    usd_deleverage[m] += repaid;
                }
                Intent::Deleverage | Intent::Unwind => {
                    let tokens = intents.amount[i].min(self.collateral_of(i));
                    self.scratch.orders[p].push(Order { agent: i as u32, tokens, limit: intents.limit[i] })
                }
            }
        }

        // Instant withdrawals: the buffer pays pro rata; the rest is offered in the pool.
        let mut fill = vec![1.0; n_lrts];
        for l in 0..n_lrts {
            let want = instant_tokens[l] * navs[l];
            if want <= 0.0 {
                continue;
            }
            fill[l] = (self.liquidity.lrts[l].instant_capacity(navs[l]) / want).min(1.0);
            let tokens = instant_tokens[l] * fill[l];
            let fee_share = self.liquidity.lrts[l].instant_withdrawal_fee;
            let (gross, fee) = self.burn_at_nav(l, tokens, navs[l], fee_share);
            let mut e = Event::new(EventKind::InstantWithdrawal, Entity::Lrt(l as u32));
            e.amount_token = tokens;
            e.amount_eth = gross - fee;
            e.nav = self.nav(l);
            e.cause = self.obs.nav_cause[l].event.or(self.obs.pool_cause[self.liquidity.lrt_pool[l]].event);
            self.obs.events.push(e);
        }
        let any_instant = instant_tokens.iter().any(|&t| t > 0.0);
        for i in 0..if any_instant { self.agents.pop.len() } else { 0 } {
            if intents.kind[i] != Intent::Instant {
                continue;
            }
            let c = &self.agents.cohorts[self.agents.pop.cohort[i] as usize];
            let (l, pool) = (c.lrt, c.pool);
            let fee = self.liquidity.lrts[l].instant_withdrawal_fee;
            let pop = &mut self.agents.pop;
            let t = pop.lrt[i];
            pop.eth[i] += t * fill[l] * navs[l] * (1.0 - fee);
            pop.lrt[i] = t * (1.0 - fill[l]);
            if pop.lrt[i] > 0.0 {
                self.scratch.orders[pool].push(Order { agent: i as u32, tokens: pop.lrt[i], limit: intents.limit[i] });
            } else {
                pop.status[i] = Status::Exited;
                exits[l] += 1;
            }
        }

        // One uniform-price batch per pool.
        for p in 0..n_pools {
            let clearing = clear(&self.liquidity.pools[p], &mut self.scratch.orders[p]);
            if clearing.tokens <= 0.0 {
                continue;
            }
            let eth = self.sell_to_pool(p, clearing.tokens)?;
            let per_token = eth / clearing.tokens;
            let l = self.liquidity.pools[p].lrt;
            let (mut held, mut levered) = (0.0, 0.0);
            for k in 0..self.scratch.orders[p].len() {
                let o = self.scratch.orders[p][k];
                if o.limit > clearing.accepted_limit {
                    break;
                }
                let i = o.agent as usize;
                let sold = o.tokens * clearing.fill;
                let proceeds = sold * per_token;
                match intents.kind[i] {
                    Intent::Sell | Intent::Instant => {
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
                    Intent::Hold | Intent::Redeem => {}
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
        }
        Ok(())
    }
}
