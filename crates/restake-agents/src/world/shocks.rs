//! Exogenous updates: ETH/USD, scheduled shocks, random AVS faults, oracles, and the views
//! agents decide from.

use super::*;
use crate::events::{Entity, Event, EventKind};
use rand::RngExt;

impl World {
    pub(super) fn exogenous_updates(&mut self, ctx: &StepContext) -> Result<(), WorldError> {
        let t = ctx.time_seconds();
        let mut rng = ctx.rng(entity::WORLD, purpose::ETH_PATH);
        self.eth.step(t, ctx.dt_seconds, &mut rng);

        // Scheduled shocks, in the order the scenario lists them.
        for k in 0..self.shocks.len() {
            if self.shocks[k].step == ctx.step {
                let shock = self.shocks[k].clone();
                self.fire_shock(&shock)?;
            }
        }
        // Random faults: Poisson hazard per AVS, one stream per AVS and step.
        for a in 0..self.avss.len() {
            let hazard = self.avss[a].fault_hazard_per_year;
            if hazard > 0.0 {
                let p = 1.0 - (-hazard * ctx.dt_years()).exp();
                let u: f64 = ctx.rng(entity::AVS + a as u64, purpose::AVS_FAULT).random();
                if u < p {
                    let fraction = self.avss[a].slash_fraction;
                    let mut e = Event::new(EventKind::Shock, Entity::Avs(a as u32));
                    e.label = Some(format!("random fault of {} ({:.0}% slash)", self.avss[a].id, fraction * 100.0));
                    let id = self.events.push(e);
                    self.slash_avs(a, fraction, id);
                }
            }
        }
        self.update_oracles(ctx)?;
        self.refresh_views(ctx.dt_seconds);
        Ok(())
    }

    fn fire_shock(&mut self, shock: &ScheduledShock) -> Result<(), WorldError> {
        let mut e = Event::new(EventKind::Shock, Entity::World);
        match &shock.config {
            ShockConfig::Slash { avs, fraction, .. } => {
                let a = self.avss.iter().position(|x| &x.id == avs).expect("validated");
                e.entity = Entity::Avs(a as u32);
                e.label = Some(format!("slash {avs} {:.0}%", fraction * 100.0));
                let id = self.events.push(e);
                self.slash_avs(a, *fraction, id);
            }
            ShockConfig::EthCrash { fraction, .. } => {
                e.label = Some(format!("ETH crash {:.0}%", fraction * 100.0));
                self.eth.crash(*fraction);
                self.events.push(e);
            }
            ShockConfig::PoolSell { pool, lrt_amount, .. } => {
                let p = self.pools.iter().position(|x| &x.id == pool).expect("validated");
                let l = self.pools[p].lrt;
                e.entity = Entity::Pool(p as u32);
                e.label = Some(format!("outside sale of {lrt_amount} {} into {pool}", self.lrts[l].id));
                let shock_id = self.events.push(e);
                let amount = lrt_amount.min(self.lrts[l].passive_holdings);
                let eth = self.pools[p].sell(amount).map_err(|source| WorldError::Pool { pool: pool.clone(), source })?;
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

    /// AVS `a` slashes `fraction` of its allocated stake: operators lose stake, every LRT
    /// delegated to them loses NAV, in this step, each as an event caused by the previous.
    pub fn slash_avs(&mut self, a: usize, fraction: f64, cause: u64) {
        let avs_event = self.events.push({
            let mut e = Event::new(EventKind::AvsSlash, Entity::Avs(a as u32));
            e.cause = Some(cause);
            e
        });
        let mut total = 0.0;
        for o in 0..self.operators.len() {
            let Some(r) = self.operators[o].slash(a, fraction) else { continue };
            total += r.eth_slashed;
            let mut oe = Event::new(EventKind::OperatorSlash, Entity::Operator(o as u32));
            oe.amount_eth = r.eth_slashed;
            oe.cause = Some(avs_event);
            let op_event = self.events.push(oe);
            let loss_per_share = r.share_value_before - r.share_value_after;
            for l in 0..self.lrts.len() {
                let shares = self.lrts[l].shares[o] + self.lrts[l].withdrawing[o];
                if shares <= 0.0 {
                    continue;
                }
                let mut ne = Event::new(EventKind::NavLoss, Entity::Lrt(l as u32));
                ne.amount_eth = shares * loss_per_share;
                ne.nav = self.nav(l);
                ne.price_pool = self.pools.get(self.lrt_pool[l]).map_or(f64::NAN, |p| p.price());
                ne.cause = Some(op_event);
                let id = self.events.push(ne);
                self.nav_cause[l] = CauseRef { event: Some(id), depth: 0 };
            }
        }
        self.avss[a].slashed_eth += total;
        self.avss[a].faults += 1;
        self.ledger.slashed += total;
        self.tally.slashed_eth += total;
        // Patch the AVS event with the total now known.
        if let Some(e) = self.events.last_mut_by_id(avs_event) {
            e.amount_eth = total;
        }
    }

    fn update_oracles(&mut self, ctx: &StepContext) -> Result<(), WorldError> {
        for m in 0..self.markets.len() {
            let lrt = self.markets[m].lrt;
            let spot = self.markets[m].oracle_pool.map_or(f64::NAN, |p| self.pools[p].price());
            let nav = self.nav(lrt);
            self.markets[m].update_oracle(spot, nav, ctx.step, ctx.dt_years())?;
        }
        Ok(())
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
