//! End of step: outside capital and arbitrage (`arbitrage.rs`), liquidity providers (`lps.rs`),
//! withdrawals and redemption
//! queues (`redemption.rs`), the lender run, rewards, interest.

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
        for m in 0..self.lending.markets.len() {
            let [oracle, pool, nav] =
                self.lending.markets[m].net_insolvent(&|a| self.market_price(a), &|a| self.nav_price(a));
            let t = &mut self.obs.tally.market[m];
            (t.insolvent_at_oracle, t.insolvent_at_pool, t.insolvent_at_nav) = (oracle, pool, nav);
        }
        self.check_finite()
    }

    /// Staking yield and AVS fees on each LRT's active stake, net of operator commission and
    /// the LRT's protocol fee, paid into the LRT's buffer (so NAV grows).
    fn accrue_rewards(&mut self, ctx: &StepContext) {
        let dt_y = ctx.dt_years();
        for l in 0..self.liquidity.lrts.len() {
            let (gross, commission) = self.rewards_on(&self.liquidity.lrts[l].shares, dt_y);
            let lrt = &mut self.liquidity.lrts[l];
            let protocol = (gross - commission) * lrt.protocol_fee;
            lrt.buffer_eth += gross - commission - protocol;
            self.book_rewards(gross, commission + protocol);
        }
        for n in 0..self.restaking.natives.len() {
            let (gross, commission) = self.rewards_on(&self.restaking.natives[n].shares, dt_y);
            self.restaking.natives[n].rewards_eth += gross - commission;
            self.book_rewards(gross, commission);
        }
    }

    /// (gross rewards, operator commission) over `dt_y` years on deposit `shares` per operator:
    /// base staking yield on the stake, AVS fees on the stake allocated to each AVS.
    fn rewards_on(&self, shares: &[f64], dt_y: f64) -> (f64, f64) {
        let mut gross = 0.0;
        let mut commission = 0.0;
        let re = &self.restaking;
        for (o, op) in re.operators.iter().enumerate() {
            if shares[o] <= 0.0 {
                continue;
            }
            let base = re.beacon.staking_apr * shares[o] * op.share_value() * dt_y;
            let fees: f64 = op
                .allocations
                .iter()
                .map(|a| re.avss[a.avs].fee_apr * shares[o] * a.magnitude * op.beacon_factor * dt_y)
                .sum();
            gross += base + fees;
            commission += fees * op.commission;
        }
        (gross, commission)
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
