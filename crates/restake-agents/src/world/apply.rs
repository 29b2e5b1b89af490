//! Applying retail intents: one batch per pool and per LRT each step.
//!
//! Sales clear at one uniform price per pool (see [`super::batch`]); instant withdrawals share
//! the buffer pro rata and the unfilled part joins the pool batch; redemption requests join the
//! queue in agent order.

use super::batch::{Order, clear};
use super::*;
use crate::events::{Entity, Event, EventKind};
use crate::lrt::{Owner, Redemption};
use crate::population::{Intent, Status};

impl World {
    pub(super) fn apply_retail(&mut self, ctx: &StepContext, intents: &Intents) -> Result<(), WorldError> {
        let n_pools = self.pools.len();
        let n_lrts = self.lrts.len();
        let navs: Vec<f64> = (0..n_lrts).map(|l| self.nav(l)).collect();
        let mut instant_tokens = vec![0.0; n_lrts];
        let mut redeem_tokens = vec![0.0; n_lrts];
        let mut exits = vec![0u32; n_lrts];
        let mut usd_deleverage = vec![0.0; self.markets.len()];
        let mut orders = std::mem::take(&mut self.scratch_orders);
        for o in orders.iter_mut() {
            o.clear();
        }
        orders.resize_with(n_pools, Vec::new);

        // Pass A, in agent order: redemption requests join the queue; instant requests are
        // totalled; sales become orders.
        for i in 0..self.pop.len() {
            let intent = intents.kind[i];
            if intent == Intent::Hold {
                continue;
            }
            let c = &self.cohorts[self.pop.cohort[i] as usize];
            let (l, p, leg, market) = (c.lrt, c.pool, c.leg, c.market);
            match intent {
                Intent::Hold => {}
                Intent::Redeem => {
                    let tokens = self.pop.lrt[i];
                    self.pop.lrt[i] = 0.0;
                    self.pop.queued[i] += tokens;
                    self.pop.status[i] = Status::Exited;
                    let lrt = &mut self.lrts[l];
                    lrt.queue.push_back(Redemption {
                        owner: Owner::Retail(i as u32),
                        tokens,
                        requested_step: ctx.step,
                    });
                    lrt.queued_tokens += tokens;
                    redeem_tokens[l] += tokens;
                    exits[l] += 1;
                }
                Intent::Instant => instant_tokens[l] += self.pop.lrt[i],
                Intent::Sell => {
                    orders[p].push(Order { agent: i as u32, tokens: self.pop.lrt[i], limit: intents.limit[i] })
                }
                Intent::Deleverage | Intent::Unwind
                    if leg.is_some_and(|g| g.collateral == crate::market::Asset::Eth) =>
                {
                    // ETH collateral against USD debt: sold on the deep ETH/USD market at once.
                    let m = market.expect("borrowers have a market");
                    let repaid = self.deleverage_on_usd_market(i, intents.amount[i], intent == Intent::Unwind);
                    usd_deleverage[m] += repaid;
                }
                Intent::Deleverage | Intent::Unwind => orders[p].push(Order {
                    agent: i as u32,
                    tokens: intents.amount[i].min(self.collateral_of(i)),
                    limit: intents.limit[i],
                }),
            }
        }

        // Instant withdrawals: the buffer pays pro rata; the rest is offered in the pool.
        let mut fill = vec![1.0; n_lrts];
        for l in 0..n_lrts {
            let want = instant_tokens[l] * navs[l];
            if want <= 0.0 {
                continue;
            }
            fill[l] = (self.lrts[l].instant_capacity(navs[l]) / want).min(1.0);
            let tokens = instant_tokens[l] * fill[l];
            let gross = self.lrts[l].burn_for_eth(tokens, navs[l]);
            let fee = gross * self.lrts[l].instant_withdrawal_fee;
            self.ledger.fees_out += fee;
            let mut e = Event::new(EventKind::InstantWithdrawal, Entity::Lrt(l as u32));
            e.amount_token = tokens;
            e.amount_eth = gross - fee;
            e.nav = self.nav(l);
            e.cause = self.nav_cause[l].event.or(self.pool_cause[self.lrt_pool[l]].event);
            self.events.push(e);
        }
        let any_instant = instant_tokens.iter().any(|&t| t > 0.0);
        for i in 0..if any_instant { self.pop.len() } else { 0 } {
            if intents.kind[i] != Intent::Instant {
                continue;
            }
            let c = &self.cohorts[self.pop.cohort[i] as usize];
            let l = c.lrt;
            let t = self.pop.lrt[i];
            self.pop.eth[i] += t * fill[l] * navs[l] * (1.0 - self.lrts[l].instant_withdrawal_fee);
            self.pop.lrt[i] = t * (1.0 - fill[l]);
            if self.pop.lrt[i] > 0.0 {
                orders[c.pool].push(Order { agent: i as u32, tokens: self.pop.lrt[i], limit: intents.limit[i] });
            } else {
                self.pop.status[i] = Status::Exited;
                exits[l] += 1;
            }
        }

        // One uniform-price batch per pool.
        for p in 0..n_pools {
            let clearing = clear(&self.pools[p], &mut orders[p]);
            if clearing.tokens <= 0.0 {
                continue;
            }
            let eth = self.pools[p]
                .sell(clearing.tokens)
                .map_err(|source| WorldError::Pool { pool: self.pools[p].id.clone(), source })?;
            let per_token = eth / clearing.tokens;
            self.tally.saw_price(p, self.pools[p].price());
            let l = self.pools[p].lrt;
            let (mut held, mut levered) = (0.0, 0.0);
            for o in orders[p].iter().take_while(|o| o.limit <= clearing.accepted_limit) {
                let i = o.agent as usize;
                let sold = o.tokens * clearing.fill;
                let proceeds = sold * per_token;
                match intents.kind[i] {
                    Intent::Sell | Intent::Instant => {
                        held += sold;
                        self.pop.lrt[i] = (self.pop.lrt[i] - sold).max(0.0);
                        self.pop.eth[i] += proceeds;
                        if self.pop.lrt[i] <= 1e-12 {
                            self.pop.lrt[i] = 0.0;
                            self.pop.status[i] = Status::Exited;
                            exits[l] += 1;
                        }
                    }
                    Intent::Deleverage | Intent::Unwind => {
                        levered += sold;
                        let used = self.repay_and_release(i, proceeds, sold);
                        self.pop.eth[i] += proceeds - used;
                        if intents.kind[i] == Intent::Unwind && self.collateral_of(i) <= 1e-12 {
                            self.pop.status[i] = Status::Exited;
                            exits[l] += 1;
                        }
                    }
                    Intent::Hold | Intent::Redeem => unreachable!("only sales become orders"),
                }
            }
            let cause = self.nav_cause[l].event.or(self.pool_cause[p].event);
            let price = self.pools[p].price();
            let mut last = None;
            for (kind, amount) in [(EventKind::RetailSell, held), (EventKind::Deleverage, levered)] {
                if amount > 0.0 {
                    let mut e = Event::new(kind, Entity::Pool(p as u32));
                    e.amount_token = amount;
                    e.amount_eth = amount * per_token;
                    e.price_pool = price;
                    e.nav = navs[l];
                    e.cause = cause;
                    last = Some(self.events.push(e));
                }
            }
            self.pool_cause[p] = CauseRef { event: last, depth: 0 };
            self.tally.retail_sold_lrt += clearing.tokens;
        }
        self.scratch_orders = orders;

        // ETH-collateral borrowers' deleveraging on the ETH/USD market, one event per market.
        for (m, &eth) in usd_deleverage.iter().enumerate() {
            if eth > 0.0 {
                let mut e = Event::new(EventKind::Deleverage, Entity::Market(m as u32));
                e.amount_eth = eth;
                e.cause = self.eth_cause.event;
                self.events.push(e);
            }
        }

        for l in 0..n_lrts {
            if redeem_tokens[l] > 0.0 {
                let mut e = Event::new(EventKind::RedemptionRequest, Entity::Lrt(l as u32));
                e.amount_token = redeem_tokens[l];
                e.nav = navs[l];
                e.cause = self.nav_cause[l].event.or(self.pool_cause[self.lrt_pool[l]].event);
                self.events.push(e);
            }
            let holders: usize = self.cohorts.iter().filter(|c| c.lrt == l).map(|c| c.range.len()).sum();
            if holders > 0 {
                self.lrt_views[l].exit_pressure += exits[l] as f64 / holders as f64;
            }
            self.tally.lrt[l].exits += exits[l];
        }
        Ok(())
    }
}
