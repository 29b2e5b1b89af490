//! Applying retail intents: a batch per pool and per LRT each step.
//!
//! All sells into a pool in one step clear at one uniform price: the batch is swapped once and
//! each seller receives proceeds pro rata to the tokens sold (a per-step batch auction). This
//! makes the outcome independent of agent order and costs one swap per pool instead of one per
//! agent. Instant withdrawals share the buffer pro rata; the unfilled part is sold in the pool.

use super::*;
use crate::events::{Entity, Event, EventKind};
use crate::lrt::{Owner, Redemption};
use crate::population::{Intent, Status};

impl World {
    pub(super) fn apply_retail(&mut self, ctx: &StepContext, intents: &Intents) -> Result<(), WorldError> {
        let n_pools = self.pools.len();
        let n_lrts = self.lrts.len();
        let mut instant_tokens = vec![0.0; n_lrts];
        let mut redeem_tokens = vec![0.0; n_lrts];
        let mut hold_sell = vec![0.0; n_pools];
        let mut delev_sell = vec![0.0; n_pools];
        let mut exits = vec![0u32; n_lrts];

        // Pass A: totals in agent order; redemption requests join the queue now.
        for i in 0..self.pop.len() {
            let intent = intents.kind[i];
            if intent == Intent::Hold {
                continue;
            }
            let c = &self.cohorts[self.pop.cohort[i] as usize];
            let (l, p) = (c.lrt, c.pool);
            match intent {
                Intent::Hold => {}
                Intent::Sell => hold_sell[p] += self.pop.lrt[i],
                Intent::Instant => instant_tokens[l] += self.pop.lrt[i],
                Intent::Redeem => {
                    let tokens = self.pop.lrt[i];
                    self.pop.lrt[i] = 0.0;
                    self.pop.queued[i] += tokens;
                    self.pop.status[i] = Status::Exited;
                    let lrt = &mut self.lrts[l];
                    lrt.queue.push_back(Redemption { owner: Owner::Retail(i as u32), tokens, requested_step: ctx.step });
                    lrt.queued_tokens += tokens;
                    redeem_tokens[l] += tokens;
                    exits[l] += 1;
                }
                Intent::Deleverage | Intent::Unwind => delev_sell[p] += intents.amount[i].min(self.pop.collateral[i]),
            }
        }

        // Instant withdrawals: pro-rata fill from the buffer.
        let mut fill = vec![1.0; n_lrts];
        let mut navs = vec![0.0; n_lrts];
        for l in 0..n_lrts {
            navs[l] = self.nav(l);
            let want = instant_tokens[l] * navs[l];
            if want <= 0.0 {
                continue;
            }
            let cap = self.lrts[l].instant_capacity(navs[l]);
            fill[l] = (cap / want).min(1.0);
            let tokens = instant_tokens[l] * fill[l];
            let paid_gross = self.lrts[l].burn_for_eth(tokens, navs[l]);
            let fee = paid_gross * self.lrts[l].instant_withdrawal_fee;
            self.ledger.fees_out += fee;
            let mut e = Event::new(EventKind::InstantWithdrawal, Entity::Lrt(l as u32));
            e.amount_token = tokens;
            e.amount_eth = paid_gross - fee;
            e.nav = self.nav(l);
            e.cause = self.nav_cause[l].event.or(self.pool_cause[self.lrt_pool[l]].event);
            self.events.push(e);
            hold_sell[self.lrt_pool[l]] += instant_tokens[l] * (1.0 - fill[l]);
        }

        // One swap per pool at a uniform price.
        let mut per_token = vec![0.0; n_pools];
        for p in 0..n_pools {
            let tokens = hold_sell[p] + delev_sell[p];
            if tokens <= 0.0 {
                continue;
            }
            let eth = self.pools[p].sell(tokens).map_err(|source| WorldError::Pool { pool: self.pools[p].id.clone(), source })?;
            per_token[p] = eth / tokens;
            let l = self.pools[p].lrt;
            let cause = self.nav_cause[l].event.or(self.pool_cause[p].event);
            let price = self.pools[p].price();
            let mut last = None;
            for (kind, amount) in [(EventKind::RetailSell, hold_sell[p]), (EventKind::Deleverage, delev_sell[p])] {
                if amount > 0.0 {
                    let mut e = Event::new(kind, Entity::Pool(p as u32));
                    e.amount_token = amount;
                    e.amount_eth = amount * per_token[p];
                    e.price_pool = price;
                    e.nav = navs[l];
                    e.cause = cause;
                    last = Some(self.events.push(e));
                }
            }
            self.pool_cause[p] = CauseRef { event: last, depth: 0 };
            self.tally.retail_sold_lrt += tokens;
        }

        // Pass B: pay each agent its share.
        for i in 0..self.pop.len() {
            let intent = intents.kind[i];
            if matches!(intent, Intent::Hold | Intent::Redeem) {
                continue;
            }
            let c = &self.cohorts[self.pop.cohort[i] as usize];
            let (l, p, market) = (c.lrt, c.pool, c.market);
            let rho = per_token[p];
            match intent {
                Intent::Sell => {
                    self.pop.eth[i] += self.pop.lrt[i] * rho;
                    self.pop.lrt[i] = 0.0;
                    self.pop.status[i] = Status::Exited;
                    exits[l] += 1;
                }
                Intent::Instant => {
                    let t = self.pop.lrt[i];
                    let lrt = &self.lrts[l];
                    self.pop.eth[i] += t * fill[l] * navs[l] * (1.0 - lrt.instant_withdrawal_fee) + t * (1.0 - fill[l]) * rho;
                    self.pop.lrt[i] = 0.0;
                    self.pop.status[i] = Status::Exited;
                    exits[l] += 1;
                }
                Intent::Deleverage | Intent::Unwind => {
                    let m = market.expect("loopers have a market");
                    let x = intents.amount[i].min(self.pop.collateral[i]);
                    self.markets[m].withdraw_collateral(&mut self.pop.collateral[i], x);
                    let proceeds = x * rho;
                    let used = self.markets[m].repay(&mut self.pop.borrow_shares[i], proceeds);
                    self.pop.eth[i] += proceeds - used;
                    if intent == Intent::Unwind {
                        self.pop.status[i] = Status::Exited;
                        exits[l] += 1;
                    }
                }
                Intent::Hold | Intent::Redeem => unreachable!(),
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
