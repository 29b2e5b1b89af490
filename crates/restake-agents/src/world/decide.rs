//! Retail decisions, in parallel, from the world as it stood at the start of the step.

use super::*;
use crate::population::{Act, Intent, Status, Strategy};
use crate::vocab::{entity, purpose};
use rayon::prelude::*;
use restake_engine::par::{CHUNK, prefetch};
use restake_engine::rng::set_bits;

impl World {
    pub(super) fn decide_retail(&self, ctx: &StepContext, intents: &mut Intents) {
        let pop = &self.agents.pop;
        // An exit wave: agents whose exit step has come leave now, whatever the price.
        let wave = pop.first_exit_at.is_some_and(|s| ctx.step >= s as u64);
        let forced = |i: usize| wave && pop.status[i] == Status::Active && ctx.step >= pop.exit_at[i] as u64;
        intents.chunks.resize_with(pop.len().div_ceil(CHUNK), Vec::new);
        intents.chunks.par_iter_mut().enumerate().for_each(|(c, acts)| {
            let (base, end) = (c * CHUNK, ((c + 1) * CHUNK).min(pop.len()));
            // Only agents that act are listed: the list of the last step is emptied, not freed.
            acts.clear();
            let mut decide = |i: usize, cohort: usize, forced: bool| {
                let (intent, amount) = self.decide_one(i, cohort, forced);
                if intent == Intent::Hold {
                    return;
                }
                let limit = match intent {
                    // A premium sale: never below what the token is worth.
                    Intent::Sell if amount > 0.0 => amount,
                    _ => self.sale_limit(i, intent),
                };
                let tokens = match intent {
                    Intent::Sell | Intent::Redeem | Intent::Instant => pop.lrt[i],
                    Intent::Deleverage | Intent::Unwind => amount,
                    Intent::Hold | Intent::Deposit => 0.0,
                };
                acts.push(Act { agent: i as u32, cohort: cohort as u16, intent, tokens, limit });
            };
            if wave {
                (base..end).filter(|&i| forced(i)).for_each(|i| decide(i, pop.cohort[i] as usize, true));
            }
            // Agents look at their position now and then, not every minute: each agent of a
            // cohort looks with the cohort's attention probability, drawn for this chunk's share
            // of the cohort by geometric skips, so an agent that does not look costs nothing.
            // A block of 64 is seen three blocks before its agents decide: its agents' data is
            // fetched from memory in stages (wallet and traits; a borrower's slot; its position),
            // so the misses of many agents overlap instead of stalling one after another.
            for (k, cohort) in self.agents.cohorts.iter().enumerate() {
                let own = cohort.agents_within(base, end);
                let (lo, hi) = (own.start, own.end);
                if lo >= hi {
                    continue;
                }
                let market = cohort.market.map(|m| &self.lending.markets[m]);
                let mut pipe = [(0usize, 0u64); 3];
                let mut advance = |decide: &mut dyn FnMut(usize, usize, bool), next: (usize, u64)| {
                    let (b, m) = next;
                    if m != 0 {
                        self.fetch_wallets(lo + b, m);
                    }
                    if let Some(market) = market {
                        self.fetch_slots(lo + pipe[2].0, pipe[2].1);
                        self.fetch_positions(market, lo + pipe[1].0, pipe[1].1);
                    }
                    let (b0, m0) = pipe[0];
                    for j in set_bits(m0) {
                        if !forced(lo + b0 + j) {
                            decide(lo + b0 + j, k, false)
                        }
                    }
                    pipe = [pipe[1], pipe[2], next];
                };
                ctx.bernoulli_blocks(entity::retail(lo), purpose::ATTENTION, hi - lo, cohort.attention, |b, m| {
                    advance(&mut decide, (b, m))
                });
                for _ in 0..3 {
                    advance(&mut decide, (0, 0));
                }
            }
            // The wave's agents were listed first: back to agent order.
            if wave {
                acts.sort_unstable_by_key(|a| a.agent);
            }
        });
    }

    /// Prefetch, stage 1: the status, strategy, wallet and traits of the agents of `mask` from
    /// agent `first` on.
    #[inline]
    fn fetch_wallets(&self, first: usize, mask: u64) {
        let pop = &self.agents.pop;
        for line in [first, first + 63] {
            prefetch(&pop.status, line);
            prefetch(&pop.strategy, line);
        }
        for j in set_bits(mask) {
            prefetch(&pop.lrt, first + j);
            prefetch(&pop.panic_loss, first + j);
            prefetch(&pop.herd_sensitivity, first + j);
        }
    }

    /// Stage 2: the slot and leverage traits of the borrowers among them.
    #[inline]
    fn fetch_slots(&self, first: usize, mask: u64) {
        let pop = &self.agents.pop;
        for i in set_bits(mask).map(|j| first + j) {
            if pop.strategy[i] != Strategy::Holder {
                prefetch(&pop.slot, i);
                prefetch(&pop.initial_wealth, i);
                prefetch(&pop.deleverage_hf, i);
            }
        }
    }

    /// Stage 3: the borrowers' positions in `market`.
    #[inline]
    fn fetch_positions(&self, market: &crate::market::Market, first: usize, mask: u64) {
        let pop = &self.agents.pop;
        for i in set_bits(mask).map(|j| first + j) {
            if pop.strategy[i] != Strategy::Holder {
                market.prefetch(pop.slot[i] as usize);
            }
        }
    }

    /// The decision of agent `i` of `cohort`, who looks at its position this step or is `forced` out by an
    /// exit wave. Pure: reads only `self`. (For a sale, `amount` is the agent's own limit price
    /// if it sets one, else 0.)
    #[inline]
    fn decide_one(&self, i: usize, cohort: usize, forced: bool) -> (Intent, f64) {
        let pop = &self.agents.pop;
        let cohort = &self.agents.cohorts[cohort];
        if pop.status[i] == Status::Waiting {
            return self.decide_deposit(i, cohort);
        }
        if pop.status[i] != Status::Active {
            return (Intent::Hold, 0.0);
        }
        match pop.strategy[i] {
            Strategy::Holder if forced => {
                let v = &self.liquidity.views[cohort.lrt];
                if pop.lrt[i] <= 0.0 {
                    return (Intent::Hold, 0.0);
                }
                (best_exit(v, pop.queue_discount_rate[i] as f64), 0.0)
            }
            Strategy::Looper | Strategy::Borrower if forced => match self.position(i) {
                Some(p) if p.collateral > 0.0 => (Intent::Unwind, p.collateral),
                _ => (Intent::Hold, 0.0),
            },
            Strategy::Holder => {
                let v = &self.liquidity.views[cohort.lrt];
                // Herding: the more others have exited lately, the less loss it takes to follow them.
                let threshold =
                    (pop.panic_loss[i] as f64) * (1.0 - ((pop.herd_sensitivity[i] as f64) * v.exit_pressure).min(1.0));
                if pop.lrt[i] <= 0.0 {
                    return (Intent::Hold, 0.0);
                }
                // A slash is public: the token is worth no more than its NAV, whatever the pool
                // says, and no more than the pool pays.
                let loss = 1.0 - v.price.min(v.nav) / cohort.entry_price;
                if loss >= threshold {
                    return (best_exit(v, pop.queue_discount_rate[i] as f64), 0.0);
                }
                // A premium above NAV (minting closed) is sold into, down to NAV after the fee.
                let fair = v.nav / (1.0 - v.pool_fee);
                if v.price > fair * (1.0 + 1e-9) {
                    return (Intent::Sell, fair);
                }
                // Yield flows: a holder leaves once the APY falls below its hurdle, less inertia.
                if let Some(f) = cohort.flows
                    && v.headline_apy < (pop.hurdle_apy[i] as f64) - f.inertia
                {
                    return (best_exit(v, pop.queue_discount_rate[i] as f64), 0.0);
                }
                (Intent::Hold, 0.0)
            }
            // Loopers and ETH-collateral borrowers: `leverage.rs`.
            Strategy::Looper | Strategy::Borrower => self.decide_leveraged(i),
        }
    }
}

impl World {
    /// An agent on the sideline, looking, deposits (mints at NAV) when deposits are open, and
    /// the APY it perceives (the headline plus FOMO on recent inflows) reaches its hurdle.
    fn decide_deposit(&self, i: usize, cohort: &Cohort) -> (Intent, f64) {
        let Some(f) = cohort.flows else { return (Intent::Hold, 0.0) };
        let v = &self.liquidity.views[cohort.lrt];
        let perceived = v.headline_apy + f.fomo * v.momentum;
        if v.deposits_open && perceived >= (self.agents.pop.hurdle_apy[i] as f64) && self.agents.pop.eth[i] > 0.0 {
            (Intent::Deposit, 0.0)
        } else {
            (Intent::Hold, 0.0)
        }
    }

    /// The lowest price agent `i` accepts for selling into the pool: its slippage tolerance
    /// below spot, and never less than what the redemption queue would pay it.
    fn sale_limit(&self, i: usize, intent: Intent) -> f64 {
        let cohort = &self.agents.cohorts[self.agents.pop.cohort[i] as usize];
        // ETH-collateral borrowers trade on the deep ETH/USD market: no limit.
        let Some(v) = self.liquidity.views.get(cohort.lrt) else { return 0.0 };
        let floor = v.price * (1.0 - (self.agents.pop.slippage_tolerance[i] as f64));
        if intent == Intent::Sell {
            floor.max(queue_value(v, self.agents.pop.queue_discount_rate[i] as f64))
        } else {
            floor
        }
    }
}

/// Per-token value of redeeming through the queue, discounted for the wait; 0 when closed.
fn queue_value(v: &LrtView, discount_rate: f64) -> f64 {
    if v.redemptions_open { v.nav * (1.0 - discount_rate * v.wait_years).max(0.0) } else { 0.0 }
}

/// The exit route worth most per token: instant withdrawal at NAV less the fee, the queue at
/// NAV discounted for the wait at the agent's own rate, or the pool at spot less its fee.
fn best_exit(v: &LrtView, discount_rate: f64) -> Intent {
    let pool = v.price * (1.0 - v.pool_fee);
    let queue = queue_value(v, discount_rate);
    let instant = if v.instant_capacity > 0.0 { v.nav * (1.0 - v.instant_fee) } else { 0.0 };
    if instant >= queue && instant >= pool && instant > 0.0 {
        Intent::Instant
    } else if queue > pool {
        Intent::Redeem
    } else {
        Intent::Sell
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view() -> LrtView {
        LrtView {
            nav: 1.0,
            price: 0.95,
            pool_fee: 0.0004,
            wait_years: 14.0 / 365.0,
            instant_capacity: 0.0,
            instant_fee: 0.005,
            redemptions_open: true,
            exit_pressure: 0.0,
            entry_price: 1.0,
            headline_apy: 0.0,
            momentum: 0.0,
            deposits_open: true,
        }
    }

    #[test]
    fn exit_route_compares_values() {
        // Queue: 1 x (1 - 0.5 x 14/365) = 0.9808 > pool 0.9496: a patient holder queues.
        assert_eq!(best_exit(&view(), 0.5), Intent::Redeem);
        // At 200%/yr the queue is worth 1 - 2 x 0.03836 = 0.9233 < 0.9496: sell.
        assert_eq!(best_exit(&view(), 2.0), Intent::Sell);
        // Redemptions closed: the pool is the only exit.
        assert_eq!(best_exit(&LrtView { redemptions_open: false, ..view() }, 0.0), Intent::Sell);
        // Buffer available at a 0.5% fee beats both.
        assert_eq!(best_exit(&LrtView { instant_capacity: 10.0, ..view() }, 0.5), Intent::Instant);
    }
}
