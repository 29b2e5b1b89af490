//! End of step: arbitrage, withdrawals and redemption queues, rewards, interest, metrics.

use super::*;
use crate::events::{Event, EventKind};
use crate::vocab::Holder;

impl World {
    pub(super) fn settle_step(&mut self, ctx: &StepContext) -> Result<(), WorldError> {
        self.arbitrage(ctx)?;
        self.process_withdrawals(ctx);
        // Lenders run on utilisation or bad debt (`suppliers.rs`).
        self.supplier_run(ctx);
        self.accrue_rewards(ctx);
        for m in &mut self.lending.markets {
            m.accrue(ctx.dt_years());
        }
        self.refresh_views(0.0);
        self.check_finite()
    }

    /// Arbitrageurs close the gap between pool price and NAV within their capital: below NAV
    /// they buy and redeem when the discount beats the queue's carry cost; above NAV they mint
    /// at NAV and sell.
    pub(super) fn arbitrage(&mut self, ctx: &StepContext) -> Result<(), WorldError> {
        for a in 0..self.agents.arbitrageurs.len() {
            for p in 0..self.liquidity.pools.len() {
                let l = self.liquidity.pools[p].lrt;
                let nav = self.nav(l);
                let fee = restake_amm::Amm::fee(&self.liquidity.pools[p].amm);
                let wait_years = self.liquidity.lrts[l].expected_wait_seconds / StepContext::SECONDS_PER_YEAR;
                let price = self.liquidity.pools[p].price();
                let arb = &self.agents.arbitrageurs[a];
                if self.liquidity.lrts[l].redemptions_open {
                    // Worth buying while price x (1 + fee) < NAV x (1 - carry x wait).
                    let target = nav * (1.0 - arb.carry_rate * wait_years) * (1.0 - fee);
                    if price < target && arb.eth > 0.0 {
                        let eth_in = self.liquidity.pools[p].eth_to_lift_price(target).min(arb.eth);
                        if eth_in > 1e-9 {
                            let tokens = self.buy_from_pool(p, eth_in)?;
                            self.agents.arbitrageurs[a].eth -= eth_in;
                            self.enqueue_redemption(l, Holder::Arbitrageur(a as u32), tokens, ctx.step);
                            self.push_arb_event(p, l, eth_in, tokens);
                        }
                        continue;
                    }
                }
                // Premium: mint at NAV and sell down to NAV / (1 - fee).
                let ceiling = nav / (1.0 - fee);
                let arb = &self.agents.arbitrageurs[a];
                if price > ceiling && arb.eth > 0.0 && arb.mint {
                    let tokens = self.liquidity.pools[p].tokens_to_lower_price(ceiling).min(arb.eth / nav);
                    if tokens > 1e-9 {
                        let eth_cost = tokens * nav;
                        self.mint_at_nav(l, eth_cost, nav);
                        let eth_out = self.sell_to_pool(p, tokens)?;
                        self.agents.arbitrageurs[a].eth += eth_out - eth_cost;
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
        e.price_pool = self.liquidity.pools[p].price();
        e.nav = self.nav(l);
        self.obs.events.push(e);
    }

    /// Beacon exits progress at the churn limit; matured withdrawals refill buffers; queues
    /// are paid first in, first out; shortfalls start new withdrawals; excess is restaked.
    fn process_withdrawals(&mut self, ctx: &StepContext) {
        let beacon = &mut self.restaking.beacon;
        let churn = beacon.exit_churn_eth_per_day * ctx.dt_seconds / 86_400.0;
        beacon.exit_queue_eth = (beacon.exit_queue_eth - churn).max(0.0);
        for l in 0..self.liquidity.lrts.len() {
            // Matured withdrawals.
            let ops = &mut self.restaking.operators;
            let lrt = &mut self.liquidity.lrts[l];
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
            while let Some(&front) = self.liquidity.lrts[l].queue.front() {
                let lrt = &mut self.liquidity.lrts[l];
                let affordable = lrt.buffer_eth / nav;
                if affordable <= 1e-12 {
                    break;
                }
                let tokens = front.tokens.min(affordable);
                let eth = lrt.burn_for_eth(tokens, nav);
                lrt.queued_tokens -= tokens;
                paid_eth += eth;
                paid_tokens += tokens;
                self.credit(front.owner, eth);
                if let Holder::Retail(i) = front.owner {
                    self.agents.pop.queued[i as usize] -= tokens;
                }
                let lrt = &mut self.liquidity.lrts[l];
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
                self.obs.events.push(e);
            }
            let (ops, lrt) = (&mut self.restaking.operators, &mut self.liquidity.lrts[l]);
            if lrt.queue.is_empty() {
                lrt.queued_tokens = 0.0;
            }
            // Refill: claims plus target buffer not covered by cash and withdrawals in flight.
            let assets = lrt.total_assets(ops);
            let claims = lrt.queued_tokens * nav;
            let target = lrt.buffer_fraction * (assets - claims).max(0.0);
            let in_flight = lrt.withdrawing_eth(ops);
            let shortfall = claims + target - lrt.buffer_eth - in_flight;
            let delay = self.restaking.protocols[lrt.protocol].withdrawal_delay_seconds(ctx.time_seconds());
            let beacon = &mut self.restaking.beacon;
            if shortfall > 1e-9 {
                let wait = beacon.exit_wait_seconds(shortfall) + delay;
                let mature = ctx.step + (wait / ctx.dt_seconds).ceil() as u64;
                let queued = lrt.queue_withdrawal(shortfall, ops, mature);
                beacon.exit_queue_eth += queued;
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
                ((last.saturating_sub(ctx.step)) as f64 * ctx.dt_seconds).max(beacon.exit_wait_seconds(0.0) + delay)
            };
        }
    }

    /// Staking yield and AVS fees on each LRT's active stake, net of operator commission and
    /// the LRT's protocol fee, paid into the LRT's buffer (so NAV grows).
    fn accrue_rewards(&mut self, ctx: &StepContext) {
        let dt_y = ctx.dt_years();
        for l in 0..self.liquidity.lrts.len() {
            let (gross, commission) = self.rewards_on(&self.liquidity.lrts[l].shares, dt_y);
            let lrt = &mut self.liquidity.lrts[l];
            let protocol = (gross - commission) * lrt.protocol_fee;
            lrt.buffer_eth += gross - commission - protocol;
            self.book_rewards(gross, commission + protocol);
        }
        for n in 0..self.restaking.natives.len() {
            let (gross, commission) = self.rewards_on(&self.restaking.natives[n].shares, dt_y);
            self.restaking.natives[n].rewards_eth += gross - commission;
            self.book_rewards(gross, commission);
        }
    }

    /// (gross rewards, operator commission) over `dt_y` years on deposit `shares` per operator:
    /// base staking yield on the stake, AVS fees on the stake allocated to each AVS.
    fn rewards_on(&self, shares: &[f64], dt_y: f64) -> (f64, f64) {
        let mut gross = 0.0;
        let mut commission = 0.0;
        let re = &self.restaking;
        for (o, op) in re.operators.iter().enumerate() {
            if shares[o] <= 0.0 {
                continue;
            }
            let base = re.beacon.staking_apr * shares[o] * op.share_value() * dt_y;
            let fees: f64 = op
                .allocations
                .iter()
                .map(|a| re.avss[a.avs].fee_apr * shares[o] * a.magnitude * op.beacon_factor * dt_y)
                .sum();
            gross += base + fees;
            commission += fees * op.commission;
        }
        (gross, commission)
    }

    fn check_finite(&self) -> Result<(), WorldError> {
        for p in &self.liquidity.pools {
            if !p.price().is_finite() {
                return Err(WorldError::NonFinite(format!("price of pool `{}`", p.id)));
            }
        }
        for (l, lrt) in self.liquidity.lrts.iter().enumerate() {
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
