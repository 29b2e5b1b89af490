//! Exogenous updates: ETH/USD, scheduled shocks, random AVS faults, oracles, and the views
//! agents decide from.

use super::*;
use crate::events::{Entity, Event, EventKind};

impl World {
    pub(super) fn exogenous_updates(&mut self, ctx: &StepContext) -> Result<(), WorldError> {
        let t = ctx.time_seconds();
        let mut rng = ctx.rng(entity::WORLD, purpose::ETH_PATH);
        self.eth.step(t, ctx.dt_seconds, &mut rng);

        // Scheduled shocks, in the order the scenario lists them.
        for k in 0..self.shocks.len() {
            if self.shocks[k].step == ctx.step {
                let shock = self.shocks[k].clone();
                self.fire_shock(ctx, &shock)?;
            }
        }
        self.random_faults(ctx);
        self.execute_pending_slashes(ctx);
        self.operator_attacks(ctx);
        self.update_oracles(ctx)?;
        self.refresh_views(ctx.dt_seconds);
        Ok(())
    }

    fn fire_shock(&mut self, ctx: &StepContext, shock: &ScheduledShock) -> Result<(), WorldError> {
        let mut e = Event::new(EventKind::Shock, Entity::World);
        match &shock.config {
            ShockConfig::Slash { avs, fraction, .. } => {
                let a = self.avss.iter().position(|x| &x.id == avs).expect("validated");
                e.entity = Entity::Avs(a as u32);
                e.label = Some(format!("slash {avs} {:.0}%", fraction * 100.0));
                let id = self.events.push(e);
                self.slash_avs(ctx, a, *fraction, id);
            }
            ShockConfig::CorrelatedSlash { avss, fraction, .. } => {
                e.label = Some(format!("correlated fault of {} ({:.0}% slash)", avss.join(", "), fraction * 100.0));
                let id = self.events.push(e);
                for avs in avss {
                    let a = self.avss.iter().position(|x| &x.id == avs).expect("validated");
                    self.slash_avs(ctx, a, *fraction, id);
                }
            }
            ShockConfig::Exploit { lrt, stolen_fraction, minted, dump, .. } => {
                let l = self.lrts.iter().position(|x| &x.id == lrt).expect("validated");
                e.entity = Entity::Lrt(l as u32);
                e.label = Some(format!(
                    "exploit of {lrt}: {:.0}% of assets stolen, {minted} unbacked tokens minted",
                    stolen_fraction * 100.0
                ));
                let id = self.events.push(e);
                self.exploit(l, *stolen_fraction, *minted, *dump, id)?;
            }
            ShockConfig::BeaconSlash { operator, validators, .. } => {
                let o = self.operators.iter().position(|x| &x.id == operator).expect("validated");
                e.entity = Entity::Operator(o as u32);
                e.label = Some(format!("beacon slashing of {:.0}% of {operator}'s validators", validators * 100.0));
                let id = self.events.push(e);
                self.beacon_slash(o, *validators, id);
            }
            ShockConfig::EthCrash { fraction, .. } => {
                e.label = Some(format!("ETH crash {:.0}%", fraction * 100.0));
                self.eth.crash(*fraction);
                let id = self.events.push(e);
                self.eth_cause = CauseRef { event: Some(id), depth: 0 };
            }
            ShockConfig::PoolSell { pool, lrt_amount, .. } => {
                let p = self.pools.iter().position(|x| &x.id == pool).expect("validated");
                let l = self.pools[p].lrt;
                e.entity = Entity::Pool(p as u32);
                e.label = Some(format!("outside sale of {lrt_amount} {} into {pool}", self.lrts[l].id));
                let shock_id = self.events.push(e);
                let amount = lrt_amount.min(self.lrts[l].passive_holdings);
                let eth =
                    self.pools[p].sell(amount).map_err(|source| WorldError::Pool { pool: pool.clone(), source })?;
                self.lrts[l].passive_holdings -= amount;
                self.ledger.external_eth += eth;
                self.tally.saw_price(p, self.pools[p].price());
                let mut s = Event::new(EventKind::PoolSell, Entity::Pool(p as u32));
                s.amount_token = amount;
                s.amount_eth = eth;
                s.price_pool = self.pools[p].price();
                s.nav = self.nav(l);
                s.cause = Some(shock_id);
                let id = self.events.push(s);
                self.pool_cause[p] = CauseRef { event: Some(id), depth: 0 };
            }
            ShockConfig::Redemptions { lrt, enabled, .. } => {
                let l = self.lrts.iter().position(|x| &x.id == lrt).expect("validated");
                e.entity = Entity::Lrt(l as u32);
                e.label = Some(format!("redemptions of {lrt} {}", if *enabled { "reopened" } else { "paused" }));
                self.lrts[l].redemptions_open = *enabled;
                self.events.push(e);
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
        let supply_before = self.lrts[l].supply;
        let mut stolen = 0.0;
        if stolen_fraction > 0.0 {
            let lrt = &mut self.lrts[l];
            let from_buffer = lrt.buffer_eth * stolen_fraction;
            lrt.buffer_eth -= from_buffer;
            stolen += from_buffer;
            for (o, op) in self.operators.iter_mut().enumerate() {
                let s = lrt.shares[o] * stolen_fraction;
                if s > 0.0 {
                    lrt.shares[o] -= s;
                    op.shares -= s;
                    stolen += s * op.share_value();
                }
            }
            self.ledger.external_eth += stolen;
        }
        if minted > 0.0 {
            self.lrts[l].supply += minted;
            self.lrts[l].passive_holdings += minted;
        }
        let mut ex = Event::new(EventKind::Exploit, Entity::Lrt(l as u32));
        ex.amount_eth = stolen;
        ex.amount_token = minted;
        ex.cause = Some(cause);
        let ex_id = self.events.push(ex);
        let nav_after = self.nav(l);
        let mut ne = Event::new(EventKind::NavLoss, Entity::Lrt(l as u32));
        ne.amount_eth = (nav_before - nav_after) * supply_before;
        ne.nav = nav_after;
        ne.cause = Some(ex_id);
        let nav_event = self.events.push(ne);
        self.nav_cause[l] = CauseRef { event: Some(nav_event), depth: 0 };
        let p = self.lrt_pool[l];
        if dump && minted > 0.0 && p != usize::MAX {
            let eth = self.pools[p]
                .sell(minted)
                .map_err(|source| WorldError::Pool { pool: self.pools[p].id.clone(), source })?;
            self.lrts[l].passive_holdings -= minted;
            self.ledger.external_eth += eth;
            self.tally.saw_price(p, self.pools[p].price());
            let mut s = Event::new(EventKind::PoolSell, Entity::Pool(p as u32));
            s.amount_token = minted;
            s.amount_eth = eth;
            s.price_pool = self.pools[p].price();
            s.nav = nav_after;
            s.cause = Some(ex_id);
            let id = self.events.push(s);
            self.pool_cause[p] = CauseRef { event: Some(id), depth: 0 };
        }
        Ok(())
    }

    fn update_oracles(&mut self, ctx: &StepContext) -> Result<(), WorldError> {
        // Every market's feeds (per reserve on pooled markets): `borrowers.rs`.
        self.update_market_oracles(ctx)
    }

    /// Recomputes what agents see this step. Exit pressure decays with a one-day half-life.
    pub(super) fn refresh_views(&mut self, dt_seconds: f64) {
        let decay = 0.5f64.powf(dt_seconds / 86_400.0);
        for l in 0..self.lrts.len() {
            let nav = self.nav(l);
            let lrt = &self.lrts[l];
            let (price, pool_fee) = match self.pools.get(self.lrt_pool[l]) {
                Some(p) => (p.price(), restake_amm::Amm::fee(&p.amm)),
                None => (nav, 0.0),
            };
            let old = self.lrt_views[l];
            self.lrt_views[l] = LrtView {
                nav,
                price,
                pool_fee,
                wait_years: lrt.expected_wait_seconds / StepContext::SECONDS_PER_YEAR,
                instant_capacity: lrt.instant_capacity(nav),
                instant_fee: lrt.instant_withdrawal_fee,
                redemptions_open: lrt.redemptions_open,
                exit_pressure: old.exit_pressure * decay,
                entry_price: if old.entry_price > 0.0 { old.entry_price } else { price },
            };
        }
    }
}
