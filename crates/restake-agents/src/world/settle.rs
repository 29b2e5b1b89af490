//! End of step: arbitrage, withdrawals and redemption queues, rewards, interest, metrics.

use super::*;
use crate::events::{Entity, Event, EventKind};
use crate::lrt::{Owner, Redemption};

impl World {
    pub(super) fn settle_step(&mut self, ctx: &StepContext) -> Result<(), WorldError> {
        self.arbitrage(ctx)?;
        self.process_withdrawals(ctx);
        // Lenders run on utilisation or bad debt (`suppliers.rs`).
        self.supplier_run(ctx);
        self.accrue_rewards(ctx);
        for m in &mut self.markets {
            m.accrue(ctx.dt_years());
        }
        self.refresh_views(0.0);
        let mut summary = std::mem::take(&mut self.summary);
        summary.observe_step(&self.tally, &self.lrt_views, self, ctx);
        self.summary = summary;
        self.check_finite()
    }

    /// Arbitrageurs close the gap between pool price and NAV within their capital: below NAV
    /// they buy and redeem when the discount beats the queue's carry cost; above NAV they mint
    /// at NAV and sell.
    pub(super) fn arbitrage(&mut self, ctx: &StepContext) -> Result<(), WorldError> {
        for a in 0..self.arbitrageurs.len() {
            for p in 0..self.pools.len() {
                let l = self.pools[p].lrt;
                let nav = self.nav(l);
                let fee = restake_amm::Amm::fee(&self.pools[p].amm);
                let wait_years = self.lrts[l].expected_wait_seconds / StepContext::SECONDS_PER_YEAR;
                let price = self.pools[p].price();
                let arb = &self.arbitrageurs[a];
                if self.lrts[l].redemptions_open {
                    // Worth buying while price x (1 + fee) < NAV x (1 - carry x wait).
                    let target = nav * (1.0 - arb.carry_rate * wait_years) * (1.0 - fee);
                    if price < target && arb.eth > 0.0 {
                        let eth_in = self.pools[p].eth_to_lift_price(target).min(arb.eth);
                        if eth_in > 1e-9 {
                            let tokens = self.pools[p]
                                .buy(eth_in)
                                .map_err(|source| WorldError::Pool { pool: self.pools[p].id.clone(), source })?;
                            self.arbitrageurs[a].eth -= eth_in;
                            let q = &mut self.lrts[l];
                            q.queue.push_back(Redemption {
                                owner: Owner::Arbitrageur(a as u32),
                                tokens,
                                requested_step: ctx.step,
                            });
                            q.queued_tokens += tokens;
                            self.push_arb_event(p, l, eth_in, tokens);
                        }
                        continue;
                    }
                }
                // Premium: mint at NAV and sell down to NAV / (1 - fee).
                let ceiling = nav / (1.0 - fee);
                if price > ceiling && self.arbitrageurs[a].eth > 0.0 && self.arbitrageurs[a].mint {
                    let tokens = self.pools[p].tokens_to_lower_price(ceiling).min(self.arbitrageurs[a].eth / nav);
                    if tokens > 1e-9 {
                        let eth_cost = tokens * nav;
                        self.lrts[l].mint(eth_cost, nav);
                        let eth_out = self.pools[p]
                            .sell(tokens)
                            .map_err(|source| WorldError::Pool { pool: self.pools[p].id.clone(), source })?;
                        let arb = &mut self.arbitrageurs[a];
                        arb.eth += eth_out - eth_cost;
                        self.push_arb_event(p, l, eth_out - eth_cost, -tokens);
                    }
                }
            }
        }
        Ok(())
    }

    fn push_arb_event(&mut self, p: usize, l: usize, eth: f64, tokens: f64) {
        let mut e = Event::new(EventKind::Arbitrage, Entity::Pool(p as u32));
        e.amount_eth = eth;
        e.amount_token = tokens;
        e.price_pool = self.pools[p].price();
        e.nav = self.nav(l);
        self.events.push(e);
    }

    /// Beacon exits progress at the churn limit; matured withdrawals refill buffers; queues
    /// are paid first in, first out; shortfalls start new withdrawals; excess is restaked.
    fn process_withdrawals(&mut self, ctx: &StepContext) {
        let churn = self.beacon.exit_churn_eth_per_day * ctx.dt_seconds / 86_400.0;
        self.beacon.exit_queue_eth = (self.beacon.exit_queue_eth - churn).max(0.0);
        for l in 0..self.lrts.len() {
            // Matured withdrawals.
            let ops = &mut self.operators;
            let lrt = &mut self.lrts[l];
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
            // Pay the queue in order.
            let nav = lrt.nav(ops);
            let mut paid_eth = 0.0;
            let mut paid_tokens = 0.0;
            while let Some(&front) = lrt.queue.front() {
                let affordable = lrt.buffer_eth / nav;
                if affordable <= 1e-12 {
                    break;
                }
                let tokens = front.tokens.min(affordable);
                let eth = lrt.burn_for_eth(tokens, nav);
                lrt.queued_tokens -= tokens;
                paid_eth += eth;
                paid_tokens += tokens;
                match front.owner {
                    Owner::Retail(i) => {
                        self.pop.eth[i as usize] += eth;
                        self.pop.queued[i as usize] -= tokens;
                    }
                    Owner::Liquidator(k) => self.liquidators[k as usize].eth += eth,
                    Owner::Arbitrageur(k) => self.arbitrageurs[k as usize].eth += eth,
                }
                if front.tokens - tokens <= 1e-12 {
                    lrt.queue.pop_front();
                } else {
                    lrt.queue[0].tokens -= tokens;
                    break;
                }
            }
            if paid_tokens > 0.0 {
                let mut e = Event::new(EventKind::RedemptionPaid, Entity::Lrt(l as u32));
                e.amount_eth = paid_eth;
                e.amount_token = paid_tokens;
                e.nav = nav;
                self.events.push(e);
            }
            if lrt.queue.is_empty() {
                lrt.queued_tokens = 0.0;
            }
            // Refill: claims plus target buffer not covered by cash and withdrawals in flight.
            let assets = lrt.total_assets(ops);
            let claims = lrt.queued_tokens * nav;
            let target = lrt.buffer_fraction * (assets - claims).max(0.0);
            let in_flight = lrt.withdrawing_eth(ops);
            let shortfall = claims + target - lrt.buffer_eth - in_flight;
            let delay = self.protocols[lrt.protocol].withdrawal_delay_seconds(ctx.time_seconds());
            if shortfall > 1e-9 {
                let wait = self.beacon.exit_wait_seconds(shortfall) + delay;
                let mature = ctx.step + (wait / ctx.dt_seconds).ceil() as u64;
                let queued = lrt.queue_withdrawal(shortfall, ops, mature);
                self.beacon.exit_queue_eth += queued;
            } else {
                let excess = lrt.buffer_eth - claims - target;
                // Restake only material excess (hysteresis of a tenth of the target).
                if excess > 0.1 * target.max(1e-9) && lrt.queue.is_empty() {
                    lrt.restake(excess, ops);
                }
            }
            // Expected wait for a new request: now if the buffer covers it, else the time until
            // the last withdrawal in flight matures (or a fresh one would).
            lrt.expected_wait_seconds = if claims <= lrt.buffer_eth && lrt.redemptions_open {
                0.0
            } else {
                let last = lrt.withdrawals.iter().map(|w| w.mature_step).max().unwrap_or(ctx.step);
                ((last.saturating_sub(ctx.step)) as f64 * ctx.dt_seconds)
                    .max(self.beacon.exit_wait_seconds(0.0) + delay)
            };
        }
    }

    /// Staking yield and AVS fees on each LRT's active stake, net of operator commission and
    /// the LRT's protocol fee, paid into the LRT's buffer (so NAV grows).
    fn accrue_rewards(&mut self, ctx: &StepContext) {
        let dt_y = ctx.dt_years();
        for l in 0..self.lrts.len() {
            let (gross, commission) = self.rewards_on(&self.lrts[l].shares, dt_y);
            let lrt = &mut self.lrts[l];
            let protocol = (gross - commission) * lrt.protocol_fee;
            lrt.buffer_eth += gross - commission - protocol;
            self.ledger.rewards_in += gross;
            self.ledger.fees_out += commission + protocol;
        }
        for n in 0..self.natives.len() {
            let (gross, commission) = self.rewards_on(&self.natives[n].shares, dt_y);
            self.natives[n].rewards_eth += gross - commission;
            self.ledger.rewards_in += gross;
            self.ledger.fees_out += commission;
        }
    }

    /// (gross rewards, operator commission) over `dt_y` years on deposit `shares` per operator:
    /// base staking yield on the stake, AVS fees on the stake allocated to each AVS.
    fn rewards_on(&self, shares: &[f64], dt_y: f64) -> (f64, f64) {
        let mut gross = 0.0;
        let mut commission = 0.0;
        for (o, op) in self.operators.iter().enumerate() {
            if shares[o] <= 0.0 {
                continue;
            }
            let base = self.beacon.staking_apr * shares[o] * op.share_value() * dt_y;
            let fees: f64 = op
                .allocations
                .iter()
                .map(|a| self.avss[a.avs].fee_apr * shares[o] * a.magnitude * op.beacon_factor * dt_y)
                .sum();
            gross += base + fees;
            commission += fees * op.commission;
        }
        (gross, commission)
    }

    fn check_finite(&self) -> Result<(), WorldError> {
        for p in &self.pools {
            if !p.price().is_finite() {
                return Err(WorldError::NonFinite(format!("price of pool `{}`", p.id)));
            }
        }
        for (l, lrt) in self.lrts.iter().enumerate() {
            if !self.nav(l).is_finite() {
                return Err(WorldError::NonFinite(format!("NAV of `{}`", lrt.id)));
            }
        }
        if !self.eth.usd.is_finite() {
            return Err(WorldError::NonFinite("ETH/USD".into()));
        }
        Ok(())
    }
}
