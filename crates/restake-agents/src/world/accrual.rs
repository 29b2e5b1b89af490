//! Incentives and points of LRT holders, paid lazily.
//!
//! Every step each LRT pays its holders a rate per token held (emission tokens valued in ETH,
//! and points). Visiting every agent every step to add `held x rate` would touch about 30 bytes
//! per agent and step for a sum nobody reads until the end. Instead each LRT keeps the cumulative
//! rate per token, one entry per step, and an agent's share is booked only when its holding is
//! about to change (it acts, is liquidated, or an airdrop pays its points) or when it is read:
//! `held x (cumulative now - cumulative when last booked)`. Collateral in a pooled market earns
//! supply interest, so it changes every step without anyone acting: those positions are booked
//! every step.

use super::*;
use crate::population::{Status, Strategy};
use rayon::prelude::*;
use restake_engine::par::CHUNK;

/// Cumulative incentives (ETH) and points paid per token of each LRT.
#[derive(Clone, Debug, Default)]
pub struct Accrual {
    /// Per LRT, entry `s`: what one token held through steps `0..s` earned.
    per_token: Vec<Vec<[f64; 2]>>,
}

impl Accrual {
    pub fn new(n_lrts: usize) -> Accrual {
        Accrual { per_token: vec![vec![[0.0; 2]]; n_lrts] }
    }

    /// Steps paid so far: the index of the latest cumulative entry.
    pub(super) fn now(&self) -> u32 {
        self.per_token.first().map_or(0, |c| c.len() - 1) as u32
    }

    /// What a token of LRT `l` earned from the start of step `from` to now.
    fn since(&self, l: usize, from: u32) -> Option<[f64; 2]> {
        let c = self.per_token.get(l)?;
        let (a, b) = (c[from as usize], c[c.len() - 1]);
        Some([b[0] - a[0], b[1] - a[1]])
    }
}

impl World {
    /// Tokens of its LRT agent `i` holds, in its wallet or as collateral, while it is active (a
    /// queued request has left the holder's hands and earns nothing).
    fn held_for_incentives(&self, i: usize) -> f64 {
        if self.agents.pop.status[i] != Status::Active {
            return 0.0;
        }
        self.agents.pop.lrt[i] + self.collateral_of(i)
    }

    /// Incentives (ETH) and points agent `i` earned since it was last booked.
    pub(super) fn pending_incentives(&self, i: usize) -> [f64; 2] {
        self.earned_since(i, self.agents.pop.booked_at[i])
    }

    /// What agent `i`'s holding earned from step `from` to now.
    pub(super) fn earned_since(&self, i: usize, from: u32) -> [f64; 2] {
        let l = self.agents.cohorts[self.agents.pop.cohort[i] as usize].lrt;
        match self.yields.accrual.since(l, from) {
            Some([inc, pts]) if inc != 0.0 || pts != 0.0 => {
                let held = self.held_for_incentives(i);
                [held * inc, held * pts]
            }
            _ => [0.0; 2],
        }
    }

    /// Books what agent `i` earned so far into its balances: called before its holding or
    /// status changes.
    pub(super) fn book_incentives(&mut self, i: usize) {
        let [inc, pts] = self.pending_incentives(i);
        let now = self.yields.accrual.now();
        let pop = &mut self.agents.pop;
        pop.incentives_eth[i] += inc;
        pop.points[i] += pts;
        pop.booked_at[i] = now;
    }

    /// Books, in parallel, every agent for which `which(world, cohort, strategy)` holds.
    pub(super) fn book_where(&mut self, which: impl Fn(&World, &Cohort, Strategy) -> bool + Sync) {
        let now = self.yields.accrual.now();
        let mut inc = std::mem::take(&mut self.agents.pop.incentives_eth);
        let mut pts = std::mem::take(&mut self.agents.pop.points);
        let mut at = std::mem::take(&mut self.agents.pop.booked_at);
        let w = &*self;
        let chunks = inc.par_chunks_mut(CHUNK).zip(pts.par_chunks_mut(CHUNK)).zip(at.par_chunks_mut(CHUNK));
        chunks.enumerate().for_each(|(c, ((inc, pts), at))| {
            let base = c * CHUNK;
            for cohort in &w.agents.cohorts {
                for i in cohort.agents_within(base, base + inc.len()) {
                    if !which(w, cohort, w.agents.pop.strategy[i]) {
                        continue;
                    }
                    let [a, b] = w.earned_since(i, at[i - base]);
                    inc[i - base] += a;
                    pts[i - base] += b;
                    at[i - base] = now;
                }
            }
        });
        let pop = &mut self.agents.pop;
        (pop.incentives_eth, pop.points, pop.booked_at) = (inc, pts, at);
    }

    /// The step's incentives and points: one cumulative entry per LRT. Positions whose
    /// collateral earns supply interest (pooled markets) are booked at once, at the holding the
    /// step ended with.
    pub(super) fn pay_incentives(&mut self) {
        let acc = &mut self.yields.accrual;
        for (l, y) in self.yields.lrt.iter().enumerate() {
            let c = &mut acc.per_token[l];
            let [inc, pts] = c[c.len() - 1];
            c.push([inc + y.step.incentives, pts + y.step.points]);
        }
        let pooled = |w: &World, c: &Cohort| c.market.is_some_and(|m| w.lending.markets[m].holds_collateral_as_cash());
        if self.agents.cohorts.iter().any(|c| pooled(self, c)) {
            self.book_where(|w, c, s| pooled(w, c) && matches!(s, Strategy::Looper | Strategy::Borrower));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Span;
    use crate::{Scenario, resolve};
    use restake_engine::{Model, StepContext};

    /// Booking lazily pays each agent what paying every agent every step would: the reference
    /// is the eager sum, step by step, of `held x rate` at each step's end (what `pay_incentives`
    /// did before it was lazy). `apy-trap` pays emissions until day 10 and points throughout;
    /// 12 days stop before its airdrop, with exits, sales, unwinds and liquidations in between.
    #[test]
    fn lazy_booking_matches_paying_every_step() {
        let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").into());
        let path = format!("{dir}/../../configs/apy-trap.toml");
        let mut s: Scenario = toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        s.time.duration = Span::hours(12 * 24);
        for r in &mut s.retail {
            r.agents = r.agents.min(1500);
        }
        let r = resolve(&s).unwrap();
        let mut w = World::new(&r, 7);
        let n = w.agents.pop.len();
        let (mut inc, mut pts) = (vec![0.0; n], vec![0.0; n]);
        let steps = (12 * 24 * 3600) as f64 / w.dt_seconds;
        let mut intents = w.new_intents();
        let mut acted = 0usize;
        for step in 0..steps as u64 {
            let ctx = StepContext { step, steps: steps as u64, dt_seconds: w.dt_seconds, seed: 7 };
            w.decide(&ctx, &mut intents);
            acted += intents.len();
            w.apply(&ctx, &intents).unwrap();
            for round in 0..64 {
                if w.resolve_round(&ctx, round).unwrap() == 0 {
                    break;
                }
            }
            w.settle(&ctx).unwrap();
            for i in 0..n {
                let l = w.agents.cohorts[w.agents.pop.cohort[i] as usize].lrt;
                let held = w.held_for_incentives(i);
                inc[i] += held * w.yields.lrt[l].step.incentives;
                pts[i] += held * w.yields.lrt[l].step.points;
            }
        }
        assert!(acted > 1000, "agents acted {acted} times");
        let (mut total, mut worst) = (0.0, 0.0f64);
        for i in 0..n {
            let [a, b] = w.pending_incentives(i);
            let (lazy_inc, lazy_pts) = (w.agents.pop.incentives_eth[i] + a, w.agents.pop.points[i] + b);
            // Sums of the same products in another order: equal to rounding.
            worst = worst.max((lazy_inc - inc[i]).abs() / inc[i].abs().max(1e-12));
            worst = worst.max((lazy_pts - pts[i]).abs() / pts[i].abs().max(1e-12));
            total += inc[i];
        }
        assert!(total > 0.0 && pts.iter().sum::<f64>() > 0.0);
        assert!(worst < 1e-9, "largest relative difference {worst}");
    }
}
