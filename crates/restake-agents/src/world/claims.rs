//! Liquidators' claims on reserves: collateral seized as aTokens because the reserve had no cash
//! is withdrawn as cash returns (repayments, new supply), then handled like any seizure (an LRT
//! sold or redeemed, USD sold, ETH kept).

use super::*;

impl World {
    /// Every liquidator withdraws what it can of its claims, market by market.
    pub(super) fn collect_claims(&mut self, ctx: &StepContext) -> Result<(), WorldError> {
        let mut got = Vec::new();
        for m in 0..self.lending.markets.len() {
            for li in 0..self.agents.liquidators.len() {
                if !self.lending.markets[m].has_claims(li) {
                    continue;
                }
                got.clear();
                self.lending.markets[m].withdraw_claims(li, &mut got);
                for &(asset, amount) in &got {
                    let (nav, wait) = match asset {
                        Asset::Lrt(l) => (self.nav(l), self.liquidity.views[l].wait_years),
                        _ => (f64::NAN, 0.0),
                    };
                    let (_, redeem) = self.seizure_value(li, asset, amount, nav, wait);
                    let eth_back = self.take_seizure(ctx, li, asset, amount, redeem)?;
                    self.agents.liquidators[li].profit_eth += eth_back;
                }
            }
        }
        Ok(())
    }
}
