//! Exogenous updates: ETH/USD, scheduled shocks, random faults, oracles, and the views agents
//! decide from. A shock is its resolved variant (`crate::shock::Shock`) and one handler here,
//! written as transactions.

use super::*;
use crate::events::{Event, EventKind};
use crate::market::FeedInputs;
use crate::shock::Shock;
use crate::vocab::{entity, purpose};

impl World {
    pub(super) fn exogenous_updates(&mut self, ctx: &StepContext) -> Result<(), WorldError> {
        let t = ctx.time_seconds();
        let mut rng = ctx.rng(entity::WORLD, purpose::ETH_PATH);
        self.eth.step(t, ctx.dt_seconds, &mut rng);

        // Scheduled shocks, in the order the scenario lists them.
        for k in 0..self.shocks.len() {
            if self.shocks[k].step == ctx.step {
                let shock = self.shocks[k].clone();
                self.fire_shock(ctx, &shock.shock, shock.label)?;
            }
        }
        self.random_faults(ctx);
        self.execute_pending_slashes(ctx);
        self.operator_attacks(ctx);
        self.update_pool_rates()?;
        self.update_oracles(ctx)?;
        self.refresh_views(ctx.dt_seconds);
        Ok(())
    }

    fn fire_shock(&mut self, ctx: &StepContext, shock: &Shock, label: String) -> Result<(), WorldError> {
        let entity = match *shock {
            Shock::Slash { avs, .. } => Entity::Avs(avs as u32),
            Shock::Exploit { lrt, .. } | Shock::Redemptions { lrt, .. } => Entity::Lrt(lrt as u32),
            Shock::BeaconSlash { operator, .. } => Entity::Operator(operator as u32),
            Shock::PoolSell { pool, .. } => Entity::Pool(pool as u32),
            Shock::CorrelatedSlash { .. } | Shock::EthCrash { .. } => Entity::World,
        };
        let mut e = Event::new(EventKind::Shock, entity);
        e.label = Some(label);
        match shock {
            Shock::Slash { avs, fraction } => {
                let id = self.obs.events.push(e);
                self.slash_avs(ctx, *avs, *fraction, id);
            }
            Shock::CorrelatedSlash { avss, fraction } => {
                let id = self.obs.events.push(e);
                for &a in avss {
                    self.slash_avs(ctx, a, *fraction, id);
                }
            }
            Shock::Exploit { lrt, stolen_fraction, minted, dump } => {
                let id = self.obs.events.push(e);
                self.exploit(*lrt, *stolen_fraction, *minted, *dump, id)?;
            }
            Shock::BeaconSlash { operator, validators } => {
                let id = self.obs.events.push(e);
                self.beacon_slash(*operator, *validators, id);
            }
            Shock::EthCrash { fraction } => {
                self.eth.crash(*fraction);
                let id = self.obs.events.push(e);
                self.obs.eth_cause = CauseRef { event: Some(id), depth: 0 };
            }
            Shock::PoolSell { pool, lrt_amount } => {
                let id = self.obs.events.push(e);
                let l = self.liquidity.pools[*pool].lrt;
                let amount = lrt_amount.min(self.liquidity.lrts[l].passive_holdings);
                self.outside_sale(*pool, amount, id)?;
            }
            Shock::Redemptions { lrt, enabled } => {
                // Off: withdrawals paused (no requests, queued requests frozen, no instant
                // route). On: the pause is lifted, and redemptions open if the LRT had none.
                let lrt = &mut self.liquidity.lrts[*lrt];
                lrt.paused = !*enabled;
                if *enabled {
                    lrt.redemptions_open = true;
                }
                if lrt.paused {
                    lrt.expected_wait_seconds = f64::INFINITY;
                }
                self.obs.events.push(e);
            }
        }
        Ok(())
    }

    /// An LRT exploit: assets leave to the attacker (outside the world) in proportion across the
    /// buffer and every operator position; unbacked tokens dilute every holder; a dump sells
    /// them into the LRT's pool. NAV falls by exactly the value taken from holders.
    fn exploit(
        &mut self,
        l: usize,
        stolen_fraction: f64,
        minted: f64,
        dump: bool,
        cause: u64,
    ) -> Result<(), WorldError> {
        let nav_before = self.nav(l);
        let supply_before = self.liquidity.lrts[l].supply;
        let mut stolen = 0.0;
        if stolen_fraction > 0.0 {
            let lrt = &mut self.liquidity.lrts[l];
            let from_buffer = lrt.buffer_eth * stolen_fraction;
            lrt.buffer_eth -= from_buffer;
            stolen += from_buffer;
            for (o, op) in self.restaking.operators.iter_mut().enumerate() {
                let s = lrt.shares[o] * stolen_fraction;
                if s > 0.0 {
                    lrt.shares[o] -= s;
                    op.shares -= s;
                    stolen += s * op.share_value();
                }
            }
            self.book_stolen(stolen);
        }
        if minted > 0.0 {
            self.liquidity.lrts[l].supply += minted;
            self.liquidity.lrts[l].passive_holdings += minted;
        }
        let mut ex = Event::new(EventKind::Exploit, Entity::Lrt(l as u32));
        ex.amount_eth = stolen;
        ex.amount_token = minted;
        ex.cause = Some(cause);
        let ex_id = self.obs.events.push(ex);
        let nav_after = self.nav(l);
        let mut ne = Event::new(EventKind::NavLoss, Entity::Lrt(l as u32));
        ne.amount_eth = (nav_before - nav_after) * supply_before;
        ne.nav = nav_after;
        ne.cause = Some(ex_id);
        let nav_event = self.obs.events.push(ne);
        self.obs.nav_cause[l] = CauseRef { event: Some(nav_event), depth: 0 };
        let p = self.liquidity.lrt_pool[l];
        if dump && minted > 0.0 && p != usize::MAX {
            self.outside_sale(p, minted, ex_id)?;
        }
        Ok(())
    }

    /// Rate-oracle pools read their LRT's NAV (after slashes and exploits moved it).
    fn update_pool_rates(&mut self) -> Result<(), WorldError> {
        for p in 0..self.liquidity.pools.len() {
            if self.liquidity.pools[p].nav_rate {
                let nav = self.nav(self.liquidity.pools[p].lrt);
                let pool = &mut self.liquidity.pools[p];
                pool.set_rate(nav).map_err(|source| WorldError::Pool { pool: pool.id.clone(), source })?;
            }
        }
        Ok(())
    }

    /// Every market's price feeds for this step (after shocks moved prices).
    fn update_oracles(&mut self, ctx: &StepContext) -> Result<(), WorldError> {
        let navs: Vec<f64> = (0..self.liquidity.lrts.len()).map(|l| self.nav(l)).collect();
        let inputs = FeedInputs { pools: &self.liquidity.pools, navs: &navs, eth_usd: self.eth.usd };
        for m in self.lending.markets.iter_mut() {
            m.update_feeds(&inputs, ctx.step, ctx.dt_years())
                .map_err(|source| WorldError::Market { market: m.id.clone(), source })?;
        }
        Ok(())
    }

    /// Recomputes what agents see this step. Exit pressure decays with a one-day half-life.
    pub(super) fn refresh_views(&mut self, dt_seconds: f64) {
        let decay = 0.5f64.powf(dt_seconds / 86_400.0);
        for l in 0..self.liquidity.lrts.len() {
            let nav = self.nav(l);
            let lrt = &self.liquidity.lrts[l];
            let (price, pool_fee) = match self.liquidity.pools.get(self.liquidity.lrt_pool[l]) {
                Some(p) => (p.price(), restake_amm::Amm::fee(&p.amm)),
                None => (nav, 0.0),
            };
            let old = self.liquidity.views[l];
            self.liquidity.views[l] = LrtView {
                nav,
                price,
                pool_fee,
                wait_years: lrt.expected_wait_seconds / StepContext::SECONDS_PER_YEAR,
                instant_capacity: lrt.instant_capacity(&self.restaking.operators, nav),
                instant_fee: lrt.instant_fee(&self.restaking.operators, nav),
                redemptions_open: lrt.accepts_requests(),
                exit_pressure: old.exit_pressure * decay,
                entry_price: if old.entry_price > 0.0 { old.entry_price } else { price },
            };
        }
    }
}
