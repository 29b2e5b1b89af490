//! What shocks do to pools, lenders and holders: an outside sale (and a manipulator's buy-back),
//! an exit wave, a lender run, a delisting.

use super::*;
use crate::shock::ExitScope;

impl World {
    /// An outside seller sells `lrt_amount` of passive holdings into pool `p`; a manipulator
    /// (`buy_back`) buys back with the proceeds at the end of the step, after the liquidations
    /// its sale set off.
    pub(super) fn pool_sale(
        &mut self,
        p: usize,
        lrt_amount: f64,
        buy_back: bool,
        cause: u64,
    ) -> Result<(), WorldError> {
        let l = self.liquidity.pools[p].lrt;
        let amount = lrt_amount.min(self.liquidity.lrts[l].passive_holdings);
        let ext = self.obs.ledger.external_eth;
        self.outside_sale(p, amount, cause)?;
        if buy_back {
            let proceeds = self.obs.ledger.external_eth - ext;
            self.liquidity.buy_backs.push((p, proceeds));
        }
        Ok(())
    }

    /// Manipulators buy back what they sold, with the ETH the sale fetched (after the rounds).
    pub(in crate::world) fn buy_backs(&mut self) -> Result<(), WorldError> {
        for (p, eth) in std::mem::take(&mut self.liquidity.buy_backs) {
            let eth = eth.min(self.obs.ledger.external_eth);
            if eth <= 0.0 {
                continue;
            }
            let tokens = self.buy_from_pool(p, eth)?;
            self.book_stolen(-eth);
            let l = self.liquidity.pools[p].lrt;
            self.liquidity.lrts[l].passive_holdings += tokens;
            let mut e = Event::new(EventKind::PoolSell, Entity::Pool(p as u32));
            e.amount_token = -tokens;
            e.amount_eth = -eth;
            e.price_pool = self.liquidity.pools[p].price();
            e.label = Some("manipulator buys back".into());
            self.obs.events.push(e);
        }
        Ok(())
    }

    /// `share` of the holders in `scope` must leave over the next `steps` steps: each is drawn
    /// (its own stream) and given a step of the window, spread evenly.
    pub(super) fn exit_wave(&mut self, ctx: &StepContext, scope: ExitScope, share: f64, steps: u64) {
        let pop = &mut self.agents.pop;
        for (c, cohort) in self.agents.cohorts.iter().enumerate() {
            let inside = match scope {
                ExitScope::Lrt(l) => cohort.lrt == l,
                ExitScope::Cohort(k) => k == c,
            };
            if !inside {
                continue;
            }
            for i in cohort.range.clone() {
                let u = ctx.uniform(entity::retail(i), purpose::EXIT_WAVE);
                if u < share {
                    let offset = ((u / share) * steps as f64).floor() as u64;
                    pop.exit_at[i] = pop.exit_at[i].min((ctx.step + offset).min(u32::MAX as u64 - 1) as u32);
                    pop.first_exit_at = Some(pop.first_exit_at.map_or(pop.exit_at[i], |s| s.min(pop.exit_at[i])));
                }
            }
        }
    }

    /// `share` of market `m`'s lenders who have not run yet run now.
    pub(super) fn lender_run(&mut self, ctx: &StepContext, m: usize, share: f64) {
        let pick = |k: usize, j: usize| ctx.uniform(entity::lender(m, k, j), purpose::LENDER_RUN) < share;
        self.lending.markets[m].start_run(&pick);
    }

    /// `share` of pool `p`'s liquidity leaves (a venue delists the LRT): the coins go outside the
    /// world, and providers who may leave lose the same share of their LP shares.
    pub(super) fn delist(&mut self, p: usize, share: f64, cause: u64) -> Result<(), WorldError> {
        use restake_amm::Amm;
        let pool = &mut self.liquidity.pools[p];
        let lp = pool.amm.lp_supply();
        let got = pool
            .amm
            .remove_liquidity_balanced(lp * share)
            .map_err(|source| WorldError::Pool { pool: pool.id.clone(), source })?;
        let (eth, lrt) = (got[crate::pool::ETH], got[crate::pool::LRT]);
        let price = pool.price();
        let l = pool.lrt;
        for c in self.liquidity.lps.iter_mut().filter(|c| c.pool == p) {
            for x in c.lp.iter_mut() {
                *x *= 1.0 - share;
            }
        }
        self.book_stolen(eth);
        self.liquidity.lrts[l].passive_holdings += lrt;
        let mut e = Event::new(EventKind::LiquidityRemoved, Entity::Pool(p as u32));
        e.amount_eth = eth + lrt * price;
        e.amount_token = lrt;
        e.price_pool = price;
        e.cause = Some(cause);
        self.obs.events.push(e);
        Ok(())
    }
}
