//! Liquidity providers in settlement: each pool's providers who may leave look at its imbalance,
//! its discount to NAV and its volatility, withdraw pro rata when alarmed and deposit back pro
//! rata when calm (see `crate::lp`). Their coins stay in the world: the books count them.

use super::*;
use crate::lp::PoolState;
use crate::vocab::{entity, purpose};

impl World {
    pub(super) fn liquidity_providers(&mut self, ctx: &StepContext) -> Result<(), WorldError> {
        let steps_per_year = StepContext::SECONDS_PER_YEAR / ctx.dt_seconds;
        for c in 0..self.liquidity.lps.len() {
            let p = self.liquidity.lps[c].pool;
            let pool = &self.liquidity.pools[p];
            let price = pool.price();
            let nav = self.nav(pool.lrt);
            let volatility = self.liquidity.lps[c].observe(price, steps_per_year);
            let state = PoolState { lrt_share: pool.lrt_share(), depeg: 1.0 - price / nav, volatility };
            for j in 0..self.liquidity.lps[c].len() {
                if ctx.uniform(entity::lp(p, j), purpose::LP_ATTENTION) >= self.liquidity.lps[c].attention {
                    continue;
                }
                let cohort = &self.liquidity.lps[c];
                if cohort.lp[j] > 0.0 && cohort.alarmed(j, &state) {
                    self.lp_withdraw(c, j)?;
                } else if cohort.lp[j] == 0.0
                    && cohort.calm_at(j, &state)
                    && (cohort.eth[j] > 0.0 || cohort.lrt[j] > 0.0)
                {
                    self.lp_deposit(c, j)?;
                }
            }
        }
        Ok(())
    }

    /// Provider `j` of cohort `c` burns its LP shares for its pro-rata part of both coins.
    fn lp_withdraw(&mut self, c: usize, j: usize) -> Result<(), WorldError> {
        let cohort = &mut self.liquidity.lps[c];
        let pool = &mut self.liquidity.pools[cohort.pool];
        let shares = std::mem::take(&mut cohort.lp[j]);
        let got = restake_amm::Amm::remove_liquidity_balanced(&mut pool.amm, shares)
            .map_err(|source| WorldError::Pool { pool: pool.id.clone(), source })?;
        cohort.eth[j] += got[crate::pool::ETH];
        cohort.lrt[j] += got[crate::pool::LRT];
        let value = got[crate::pool::ETH] + got[crate::pool::LRT] * pool.price();
        self.obs.tally.pool_mut(cohort.pool).lp_withdrawn_eth += value;
        Ok(())
    }

    /// Provider `j` of cohort `c` deposits as much of its coins as the pool's ratio takes.
    fn lp_deposit(&mut self, c: usize, j: usize) -> Result<(), WorldError> {
        use restake_amm::Amm;
        let cohort = &mut self.liquidity.lps[c];
        let pool = &mut self.liquidity.pools[cohort.pool];
        let (eth, lrt) = (pool.eth_reserve(), pool.lrt_reserve());
        // A pro-rata deposit: the smaller of the two coins, measured against the pool's reserves,
        // sets the shares (less a hair, so float rounding never asks for more than is held).
        let part = (cohort.eth[j] / eth).min(cohort.lrt[j] / lrt) * (1.0 - 1e-12);
        if !(part > 1e-12) {
            return Ok(());
        }
        let shares = part * pool.amm.lp_supply();
        let paid = pool
            .amm
            .add_liquidity_balanced(shares)
            .map_err(|source| WorldError::Pool { pool: pool.id.clone(), source })?;
        cohort.eth[j] -= paid[crate::pool::ETH];
        cohort.lrt[j] -= paid[crate::pool::LRT];
        cohort.lp[j] = shares;
        let value = paid[crate::pool::ETH] + paid[crate::pool::LRT] * pool.price();
        self.obs.tally.pool_mut(cohort.pool).lp_returned_eth += value;
        Ok(())
    }
}
