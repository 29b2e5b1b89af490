//! Exogenous updates: ETH/USD, scheduled shocks, random hazards and faults, oracles, and the
//! views agents decide from. A shock is its resolved variant (`crate::shock::Shock`) and one
//! handler, written as transactions: exploits of every layer (`exploits.rs`), what shocks do to
//! pools, lenders and holders (`markets.rs`).

mod exploits;
mod markets;

use super::*;
use crate::events::{Event, EventKind};
use crate::market::FeedInputs;
use crate::shock::{RecoveryTo, Shock};
use crate::vocab::{entity, purpose};

impl World {
    pub(super) fn exogenous_updates(&mut self, ctx: &StepContext) -> Result<(), WorldError> {
        let t = ctx.time_seconds();
        let mut rng = ctx.rng(entity::WORLD, purpose::ETH_PATH);
        self.eth.step(t, ctx.dt_seconds, &mut rng);
        self.step_tokens(ctx);

        // Scheduled shocks, in the order the scenario lists them.
        for k in 0..self.shocks.len() {
            if self.shocks[k].step == ctx.step {
                let shock = self.shocks[k].clone();
                self.fire_shock(ctx, &shock.shock, shock.label)?;
            }
        }
        self.random_hazards(ctx)?;
        self.random_faults(ctx);
        self.execute_pending_slashes(ctx);
        self.operator_attacks(ctx);
        self.update_pool_rates()?;
        self.update_oracles(ctx)?;
        self.refresh_views(ctx.dt_seconds);
        Ok(())
    }

    pub(in crate::world) fn fire_shock(
        &mut self,
        ctx: &StepContext,
        shock: &Shock,
        label: String,
    ) -> Result<(), WorldError> {
        use Shock::*;
        let entity = match *shock {
            Slash { avs, .. } | IncentiveEnd { avs } => Entity::Avs(avs as u32),
            Exploit { lrt, .. } | Redemptions { lrt, .. } | Pause { lrt, .. } | BridgeExploit { lrt, .. } => {
                Entity::Lrt(lrt as u32)
            }
            BeaconSlash { operator, .. } => Entity::Operator(operator as u32),
            PoolSell { pool, .. } | PoolExploit { pool, .. } | Delist { pool, .. } => Entity::Pool(pool as u32),
            MarketExploit { market, .. }
            | Oracle { market, .. }
            | CapoUpdate { market, .. }
            | LenderRun { market, .. }
            | FreezeCollateral { market, .. } => Entity::Market(market as u32),
            CorrelatedSlash { .. } | EthCrash { .. } | VaultExploit { .. } | ExitWave { .. } | Recover { .. } => {
                Entity::World
            }
        };
        let mut e = Event::new(EventKind::Shock, entity);
        e.label = Some(label);
        let id = self.obs.events.push(e);
        if shock.is_exploit() {
            self.obs.tally.exploits += 1;
        }
        match shock {
            Slash { avs, fraction } => self.slash_avs(ctx, *avs, *fraction, id),
            CorrelatedSlash { avss, fraction } => {
                for &a in avss {
                    self.slash_avs(ctx, a, *fraction, id);
                }
            }
            BeaconSlash { operator, validators } => self.beacon_slash(*operator, *validators, id),
            EthCrash { fraction, steps, volatility } => {
                self.eth.crash_over(*fraction, *steps, *volatility);
                self.obs.eth_cause = CauseRef { event: Some(id), depth: 0 };
            }
            PoolSell { pool, lrt_amount, buy_back } => self.pool_sale(*pool, *lrt_amount, *buy_back, id)?,
            Redemptions { lrt, enabled } => {
                // Off: withdrawals paused (no requests, queued requests frozen, no instant
                // route). On: the pause is lifted, and redemptions open if the LRT had none.
                self.pause(*lrt, None, Some(!*enabled));
                if *enabled {
                    self.liquidity.lrts[*lrt].redemptions_open = true;
                }
            }
            Pause { lrt, deposits, withdrawals } => self.pause(*lrt, *deposits, *withdrawals),
            Exploit { lrt, stolen_fraction, minted, dump, freeze, recovery } => {
                let stolen = self.exploit(*lrt, *stolen_fraction, *minted, *dump, id)?;
                if *freeze {
                    self.pause(*lrt, Some(true), Some(true));
                }
                self.schedule_recovery(ctx, *recovery, RecoveryTo::Lrt(*lrt), stolen);
            }
            VaultExploit { protocol, fraction, recovery } => {
                let stolen = self.vault_exploit(*protocol, *fraction, id);
                self.schedule_recovery(ctx, *recovery, RecoveryTo::Protocol(*protocol), stolen);
            }
            BridgeExploit { lrt, minted, market, deposited, ring_fenced, freeze, recovery } => {
                let unbacked = self.bridge_exploit(*lrt, *minted, *market, *deposited, *ring_fenced, id)?;
                if *freeze {
                    self.pause(*lrt, Some(true), Some(true));
                }
                self.schedule_recovery(ctx, *recovery, RecoveryTo::Lrt(*lrt), unbacked);
            }
            MarketExploit { market, fraction, recovery } => {
                let stolen = self.market_exploit(*market, *fraction, id);
                self.schedule_recovery(ctx, *recovery, RecoveryTo::Market(*market), stolen);
            }
            PoolExploit { pool, fraction, recovery } => {
                let stolen = self.pool_exploit(*pool, *fraction, id)?;
                self.schedule_recovery(ctx, *recovery, RecoveryTo::Pool(*pool), stolen);
            }
            Oracle { market, feed, fault } => self.lending.markets[*market].feed_mut(*feed).fail(*fault),
            CapoUpdate { market, feed, ratio, age_years } => {
                let m = &mut self.lending.markets[*market];
                m.feed_mut(*feed)
                    .oracle
                    .set_snapshot(*ratio, *age_years)
                    .map_err(|source| WorldError::Market { market: m.id.clone(), source })?;
            }
            IncentiveEnd { avs } => self.restaking.avss[*avs].incentive.end_seconds = Some(ctx.time_seconds()),
            ExitWave { scope, share, steps } => self.exit_wave(ctx, *scope, *share, *steps),
            LenderRun { market, share } => self.lender_run(ctx, *market, *share),
            Delist { pool, share } => self.delist(*pool, *share, id)?,
            FreezeCollateral { market, reserve } => self.lending.markets[*market].freeze_reserve(*reserve),
            Recover { to, eth, fraction } => self.recover(*to, *eth * *fraction, id)?,
        }
        Ok(())
    }

    /// Pauses (true) or resumes (false) an LRT's deposits and withdrawals.
    fn pause(&mut self, l: usize, deposits: Option<bool>, withdrawals: Option<bool>) {
        let lrt = &mut self.liquidity.lrts[l];
        if let Some(d) = deposits {
            lrt.deposits_paused = d;
        }
        if let Some(w) = withdrawals {
            lrt.paused = w;
            if w {
                lrt.expected_wait_seconds = f64::INFINITY;
            }
        }
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
                headline_apy: self.yields.lrt[l].headline_apy,
                momentum: old.momentum * decay,
                deposits_open: !lrt.deposits_paused,
            };
        }
    }
}
