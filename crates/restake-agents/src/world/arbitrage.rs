//! Arbitrage between pools and NAV, and the outside capital that joins it.
//!
//! Between pools of one LRT, an arbitrageur buys where it is cheapest and sells where it is
//! dearest, while that pays after both fees: atomically, so its capital does not bound the size.
//!
//! Below NAV, with redemptions open, an arbitrageur buys and redeems while the discount beats the
//! carry of the wait its own request will see (the queue ahead of it, the buffer, the
//! withdrawals in flight, and the withdrawal its purchase adds). With redemptions closed or
//! paused, it buys only as a dip buyer: while the price is below NAV by more than the carry of
//! the time it expects the discount to take to close, holds the inventory, and sells it once the
//! price is back within `take_profit` of NAV. Above NAV it mints at NAV and sells, if it may mint.
//!
//! Capital: its own, plus outside capital that answers the return on offer. Each step the
//! annualised return of the best trade on offer (the discount over the wait, or over the expected
//! recovery when redemptions are closed) sets the outside capital that wants in — none at the
//! hurdle rate, all of it at twice the hurdle, linear between — and the capital held moves toward
//! it with the arrival time constant (it leaves only as far as it is idle). The deeper and longer
//! a discount, the more capital arrives, within the scenario's limit. Outside capital crosses the
//! world's boundary, so the ledger books it (`Ledger::capital_in`).

use super::*;
use crate::events::{Event, EventKind};
use crate::pool::LrtPool;
use crate::vocab::Holder;

/// Years in a second.
const YEAR: f64 = 365.0 * 86_400.0;

/// Iterations of the wait an arbitrageur's own redemption adds (each makes the trade smaller).
const WAIT_ITERATIONS: usize = 4;

/// Passes of the arbitrage between two pools of one LRT (each halves the gap, roughly).
const MAX_PASSES: usize = 8;

impl World {
    /// Outside capital joins or leaves each arbitrageur, once per step.
    pub(super) fn outside_capital(&mut self, ctx: &StepContext) {
        for a in 0..self.agents.arbitrageurs.len() {
            let arb = &self.agents.arbitrageurs[a];
            if arb.outside_capital <= 0.0 && arb.outside_in <= 0.0 {
                continue;
            }
            let r = self.best_return(a);
            let arb = &self.agents.arbitrageurs[a];
            let wanted = arb.outside_capital * ((r - arb.hurdle_apr) / arb.hurdle_apr).clamp(0.0, 1.0);
            let k = 1.0 - (-ctx.dt_seconds / arb.arrival_seconds).exp();
            let change = (wanted - arb.outside_in) * k;
            // Capital leaves only as far as it is idle.
            let change = if change < 0.0 { change.max(-arb.eth) } else { change };
            let arb = &mut self.agents.arbitrageurs[a];
            arb.eth += change;
            arb.outside_in += change;
            self.obs.ledger.capital_in += change;
        }
    }

    /// The annualised return of the best trade on offer to arbitrageur `a`: buying below NAV and
    /// redeeming (over the expected wait, at least a step) or, with redemptions closed, holding
    /// until the price recovers (over the expected recovery).
    fn best_return(&self, a: usize) -> f64 {
        let arb = &self.agents.arbitrageurs[a];
        let mut best = 0.0f64;
        for pool in &self.liquidity.pools {
            let v = &self.liquidity.views[pool.lrt];
            let price = pool.price();
            let gain = v.nav * (1.0 - restake_amm::Amm::fee(&pool.amm)) / price - 1.0;
            if !(gain > 0.0) {
                continue;
            }
            let years = if v.redemptions_open { v.wait_years.max(self.dt_seconds / YEAR) } else { arb.recovery_years };
            best = best.max(gain / years);
        }
        best
    }

    /// Arbitrageurs close the gaps between pool prices and NAV within their capital, in a fixed
    /// order (arbitrageur, then pool).
    pub(super) fn arbitrage(&mut self, ctx: &StepContext) -> Result<(), WorldError> {
        for a in 0..self.agents.arbitrageurs.len() {
            for l in 0..self.liquidity.lrts.len() {
                self.across_pools(a, l)?;
            }
            for p in 0..self.liquidity.pools.len() {
                self.arbitrage_pool(ctx, a, p)?;
            }
        }
        Ok(())
    }

    /// Between two pools of one LRT: buy where it is cheapest, sell where it is dearest, while
    /// that pays after both fees; each pass aims both prices at their geometric mean.
    fn across_pools(&mut self, a: usize, l: usize) -> Result<(), WorldError> {
        let pools = &self.liquidity.pools;
        if pools.iter().filter(|p| p.lrt == l).count() < 2 {
            return Ok(());
        }
        for _ in 0..MAX_PASSES {
            let pools = &self.liquidity.pools;
            let fee = |p: &LrtPool| restake_amm::Amm::fee(&p.amm);
            // Cheapest to buy (price over 1 - fee) and dearest to sell (price x (1 - fee)).
            let ours = || pools.iter().enumerate().filter(|(_, p)| p.lrt == l);
            let lo =
                ours().min_by(|x, y| (x.1.price() / (1.0 - fee(x.1))).total_cmp(&(y.1.price() / (1.0 - fee(y.1)))));
            let hi =
                ours().max_by(|x, y| (x.1.price() * (1.0 - fee(x.1))).total_cmp(&(y.1.price() * (1.0 - fee(y.1)))));
            let (Some((lo, pl)), Some((hi, ph))) = (lo, hi) else { break };
            if lo == hi || ph.price() * (1.0 - fee(ph)) <= pl.price() / (1.0 - fee(pl)) * (1.0 + 1e-9) {
                break;
            }
            let mid = (pl.price() * ph.price()).sqrt();
            let tokens = pl.quote_buy(pl.eth_to_lift_price(mid)).min(ph.tokens_to_lower_price(mid));
            // Atomic: the sale in the dear pool repays the purchase in the same transaction (a
            // flash loan, fee-free from Balancer's vault), so the size is not bound by capital.
            let cost = pl.eth_to_buy(tokens);
            if !(cost > 1e-9) {
                break;
            }
            let tokens = pl.quote_buy(cost);
            if ph.quote_sell(tokens) <= cost {
                break;
            }
            let bought = self.buy_from_pool(lo, cost)?;
            let eth = self.sell_to_pool(hi, bought)?;
            self.agents.arbitrageurs[a].eth += eth - cost;
            self.push_arb_event(hi, l, eth - cost, -bought);
        }
        Ok(())
    }

    fn arbitrage_pool(&mut self, ctx: &StepContext, a: usize, p: usize) -> Result<(), WorldError> {
        let l = self.liquidity.pools[p].lrt;
        let nav = self.nav(l);
        let fee = restake_amm::Amm::fee(&self.liquidity.pools[p].amm);
        let price = self.liquidity.pools[p].price();
        let who = Holder::Arbitrageur(a as u32);
        let open = self.liquidity.lrts[l].accepts_requests();
        let arb = &self.agents.arbitrageurs[a];
        let (carry, inventory) = (arb.carry_rate, arb.lrt[l]);

        // Inventory from dip buying: redeem it once the queue pays more than the pool, or sell it
        // once the price is back near NAV.
        if inventory > 0.0 {
            let wait = self.redemption_wait_seconds(ctx, l, inventory * nav, ctx.step) / YEAR;
            let queue = nav * (1.0 - carry * wait);
            if open && price * (1.0 - fee) < queue {
                self.agents.arbitrageurs[a].lrt[l] = 0.0;
                self.enqueue_redemption(l, who, inventory, ctx.step);
            } else if price * (1.0 - fee) >= nav * (1.0 - self.agents.arbitrageurs[a].take_profit) {
                let floor = nav * (1.0 - self.agents.arbitrageurs[a].take_profit) / (1.0 - fee);
                let tokens = self.liquidity.pools[p].tokens_to_lower_price(floor).min(inventory);
                if tokens > 1e-9 {
                    let eth = self.sell_to_pool(p, tokens)?;
                    let arb = &mut self.agents.arbitrageurs[a];
                    arb.lrt[l] -= tokens;
                    arb.eth += eth;
                    self.push_arb_event(p, l, eth, -tokens);
                }
            }
        }

        let price = self.liquidity.pools[p].price();
        let budget = self.agents.arbitrageurs[a].eth;
        if price < nav && budget > 0.0 {
            let eth_in = if open {
                // Worth buying while price x (1 + fee) < NAV x (1 - carry x wait), with the wait
                // its own request adds: iterate, each pass on the wait of the last purchase.
                let mut wait = self.liquidity.lrts[l].expected_wait_seconds / YEAR;
                let mut eth_in = 0.0;
                for _ in 0..WAIT_ITERATIONS {
                    let target = nav * (1.0 - carry * wait) * (1.0 - fee);
                    eth_in = if price < target {
                        self.liquidity.pools[p].eth_to_lift_price(target).min(budget)
                    } else {
                        0.0
                    };
                    if eth_in <= 1e-9 {
                        break;
                    }
                    let tokens = self.liquidity.pools[p].quote_buy(eth_in);
                    let own = self.redemption_wait_seconds(ctx, l, tokens * nav, ctx.step) / YEAR;
                    if own <= wait * (1.0 + 1e-9) {
                        break;
                    }
                    wait = own;
                }
                eth_in
            } else {
                // A dip buyer: the discount must pay for the time it may take to close.
                let arb = &self.agents.arbitrageurs[a];
                let target = nav * (1.0 - carry * arb.recovery_years) * (1.0 - fee);
                if price < target { self.liquidity.pools[p].eth_to_lift_price(target).min(budget) } else { 0.0 }
            };
            if eth_in > 1e-9 {
                let tokens = self.buy_from_pool(p, eth_in)?;
                self.agents.arbitrageurs[a].eth -= eth_in;
                if open {
                    self.enqueue_redemption(l, who, tokens, ctx.step);
                } else {
                    self.agents.arbitrageurs[a].lrt[l] += tokens;
                }
                self.push_arb_event(p, l, eth_in, tokens);
            }
            return Ok(());
        }

        // Premium: mint at NAV and sell down to NAV / (1 - fee).
        let ceiling = nav / (1.0 - fee);
        let arb = &self.agents.arbitrageurs[a];
        if price > ceiling && arb.eth > 0.0 && arb.mint && !self.liquidity.lrts[l].deposits_paused {
            let tokens = self.liquidity.pools[p].tokens_to_lower_price(ceiling).min(arb.eth / nav);
            if tokens > 1e-9 {
                let eth_cost = tokens * nav;
                self.agents.arbitrageurs[a].eth -= eth_cost;
                self.mint_at_nav(l, eth_cost, nav);
                let eth_out = self.sell_to_pool(p, tokens)?;
                self.agents.arbitrageurs[a].eth += eth_out;
                self.push_arb_event(p, l, eth_out - eth_cost, -tokens);
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
}
