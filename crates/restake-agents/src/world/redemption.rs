//! Redemption in settlement: matured withdrawals, the FIFO queue, refilling the buffer, and the
//! wait a request will see. The queue's rules (cooldown, claim rule, pause) are the LRT's
//! (`crate::lrt`); this file moves the ETH and keeps the books.

use super::tx::wallet;
use super::*;
use crate::events::{Event, EventKind};
use crate::lrt::Backing;
use crate::vocab::Holder;

impl World {
    /// Beacon exits progress at the churn limit; matured withdrawals refill buffers; queues are
    /// paid first in, first out, once their cooldown has passed, from what the buffer holds;
    /// what the queue and the buffer target still need starts new withdrawals of restaked stake;
    /// material excess is restaked. Then the wait a request made next step will see.
    pub(super) fn process_withdrawals(&mut self, ctx: &StepContext) {
        let beacon = &mut self.restaking.beacon;
        let churn = beacon.exit_churn_eth_per_day * ctx.dt_seconds / 86_400.0;
        beacon.exit_queue_eth = (beacon.exit_queue_eth - churn).max(0.0);
        for l in 0..self.liquidity.lrts.len() {
            self.settle_lrt(ctx, l);
            // The wait of a request made next step.
            let wait = if self.liquidity.lrts[l].accepts_requests() {
                self.redemption_wait_seconds(ctx, l, 0.0, ctx.step + 1)
            } else {
                f64::INFINITY
            };
            self.liquidity.lrts[l].expected_wait_seconds = wait;
        }
    }

    /// One LRT's withdrawals and queue in settlement.
    fn settle_lrt(&mut self, ctx: &StepContext, l: usize) {
        {
            let ops = &mut self.restaking.operators;
            let lrt = &mut self.liquidity.lrts[l];
            // Matured withdrawals.
            let mut k = 0;
            while k < lrt.withdrawals.len() {
                let w = lrt.withdrawals[k];
                if w.mature_step <= ctx.step {
                    let eth = w.shares * ops[w.operator].share_value();
                    lrt.withdrawing[w.operator] -= w.shares;
                    ops[w.operator].shares -= w.shares;
                    lrt.buffer_eth += eth;
                    lrt.withdrawals.remove(k);
                } else {
                    k += 1;
                }
            }
            let nav = lrt.nav(ops);
            let (agents, external) = (&mut self.agents, &mut self.obs.ledger.external_eth);
            let payout = lrt.pay_queue(ctx.step, nav, |owner, eth, claim_tokens| {
                *wallet(agents, external, owner) += eth;
                if let Holder::Retail(i) = owner {
                    let pop = &mut agents.pop;
                    let i = i as usize;
                    let part = if pop.queued[i] > 0.0 { (claim_tokens / pop.queued[i]).min(1.0) } else { 1.0 };
                    pop.queued_cap[i] -= if pop.queued_cap[i].is_finite() { pop.queued_cap[i] * part } else { 0.0 };
                    pop.queued[i] = if part >= 1.0 { 0.0 } else { pop.queued[i] - claim_tokens };
                }
            });
            if payout.eth > 0.0 {
                let t = &mut self.obs.tally.lrt[l];
                t.redeemed_eth += payout.eth;
                t.longest_wait_seconds = t.longest_wait_seconds.max(payout.longest_wait_steps as f64 * ctx.dt_seconds);
                let mut e = Event::new(EventKind::RedemptionPaid, Entity::Lrt(l as u32));
                e.amount_eth = payout.eth;
                e.amount_token = payout.tokens;
                e.nav = nav;
                self.obs.events.push(e);
            }
        }
        // Refill: what the queue is owed plus the buffer target, less cash and withdrawals
        // already in flight.
        let (ops, lrt) = (&self.restaking.operators, &self.liquidity.lrts[l]);
        let nav = lrt.nav(ops);
        let due = lrt.queue_due(nav);
        let target = lrt.buffer_target(ops, nav);
        let shortfall = due + target - lrt.buffer_eth - lrt.withdrawing_eth(ops);
        if shortfall > 1e-9 {
            let wait = self.withdrawal_seconds(l, shortfall, ctx.time_seconds());
            let mature = ctx.step + (wait / ctx.dt_seconds).ceil() as u64;
            let (ops, lrt) = (&self.restaking.operators, &mut self.liquidity.lrts[l]);
            let queued = lrt.queue_withdrawal(shortfall, ops, mature);
            if lrt.backing == Backing::Native {
                self.restaking.beacon.exit_queue_eth += queued;
            }
        } else {
            let (ops, lrt) = (&mut self.restaking.operators, &mut self.liquidity.lrts[l]);
            let excess = lrt.buffer_eth - due - target;
            // Restake only material excess (hysteresis of a tenth of the target).
            if excess > 0.1 * target.max(1e-9) && lrt.queue.is_empty() {
                lrt.restake(excess, ops);
            }
        }
    }

    /// How long a new withdrawal of `eth` from LRT `l`'s restaked stake takes to arrive: the
    /// restaking protocol's delay and, for natively restaked ETH, the beacon-chain exit queue,
    /// which run concurrently.
    fn withdrawal_seconds(&self, l: usize, eth: f64, time_seconds: f64) -> f64 {
        let lrt = &self.liquidity.lrts[l];
        let delay = self.restaking.protocols[lrt.protocol].withdrawal_delay_seconds(time_seconds);
        match lrt.backing {
            Backing::Native => self.restaking.beacon.exit_wait_seconds(eth).max(delay),
            Backing::Liquid => delay,
        }
    }

    /// The wait of a redemption of `extra` ETH requested in step `at`: until the queue ahead of
    /// it, the buffer, the withdrawals in flight and a new withdrawal of the rest (with the buffer
    /// target it restores) would pay it, and never before its cooldown.
    pub(super) fn redemption_wait_seconds(&self, ctx: &StepContext, l: usize, extra: f64, at: u64) -> f64 {
        let (ops, lrt) = (&self.restaking.operators, &self.liquidity.lrts[l]);
        let nav = lrt.nav(ops);
        let target = lrt.buffer_target(ops, nav);
        let time = at as f64 * ctx.dt_seconds;
        let steps = |eth: f64| (self.withdrawal_seconds(l, eth + target, time) / ctx.dt_seconds).ceil() as u64;
        (lrt.payment_step(ops, nav, at, extra, steps) - at) as f64 * ctx.dt_seconds
    }
}
