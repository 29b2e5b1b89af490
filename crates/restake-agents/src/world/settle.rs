//! End of step: outside capital and arbitrage (`arbitrage.rs`), liquidity providers (`lps.rs`),
//! withdrawals and redemption
//! queues (`redemption.rs`), the lender run, rewards (`yields.rs`), interest, incentives and the
//! strategies' books.

use super::*;

impl World {
    pub(super) fn settle_step(&mut self, ctx: &StepContext) -> Result<(), WorldError> {
        self.buy_backs()?;
        self.outside_capital(ctx);
        self.arbitrage(ctx)?;
        self.liquidity_providers(ctx)?;
        self.process_withdrawals(ctx);
        self.collect_claims(ctx)?;
        // Lenders run on utilisation or bad debt (`suppliers.rs`).
        self.supplier_run(ctx);
        self.accrue_rewards(ctx);
        for m in &mut self.lending.markets {
            m.accrue(ctx.dt_years());
        }
        self.refresh_views(0.0);
        self.pay_incentives();
        self.update_strategies(ctx);
        for m in 0..self.lending.markets.len() {
            let [oracle, pool, nav] =
                self.lending.markets[m].net_insolvent(&|a| self.market_price(a), &|a| self.nav_price(a));
            let t = &mut self.obs.tally.market[m];
            (t.insolvent_at_oracle, t.insolvent_at_pool, t.insolvent_at_nav) = (oracle, pool, nav);
        }
        self.check_finite()
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
