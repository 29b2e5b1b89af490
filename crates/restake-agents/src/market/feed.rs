//! Price feeds: the oracle of a market (or of one reserve), read from pools, NAVs or ETH/USD.

use super::{Asset, bad};
use crate::pool::LrtPool;
use crate::scenario::OracleConfig;
use crate::world::BuildError;
use restake_lending::{LendingError, OracleKind, OracleParams, OracleState};

/// What the price feeds read in a step.
#[derive(Clone, Copy)]
pub struct FeedInputs<'a> {
    pub pools: &'a [LrtPool],
    /// NAV per LRT.
    pub navs: &'a [f64],
    pub eth_usd: f64,
}

/// One oracle: the price of one asset in ETH.
#[derive(Clone, Debug)]
pub struct PriceFeed {
    pub asset: Asset,
    /// Pool read by pool-spot and TWAP feeds.
    pub pool: Option<usize>,
    pub oracle: OracleState,
    /// The price reported this step.
    pub price: f64,
    /// Step from which the feed is dead (from `stale_after`).
    stale_from: Option<u64>,
}

impl PriceFeed {
    /// A feed from its scenario description; `pool` is the resolved pool index.
    pub fn new(
        path: &str,
        cfg: &OracleConfig,
        asset: Asset,
        pool: Option<usize>,
        dt_seconds: f64,
    ) -> Result<PriceFeed, BuildError> {
        let steps = |s: crate::scenario::Span| (s.seconds() / dt_seconds).round().max(0.0);
        let kind = match cfg {
            OracleConfig::PoolSpot { .. } | OracleConfig::EthUsd { .. } => OracleKind::PoolSpot,
            OracleConfig::Twap { window, .. } => OracleKind::Twap { window_steps: steps(*window).max(1.0) as usize },
            OracleConfig::ExchangeRate { max_growth_per_year, .. } => {
                OracleKind::ExchangeRate { max_growth_per_year: *max_growth_per_year }
            }
            OracleConfig::Fixed { price, .. } => OracleKind::Fixed(*price),
        };
        let (delay, stale) = cfg.timing();
        let mut params = OracleParams::new(kind);
        params.delay_steps = delay.map_or(0, |d| steps(d) as usize);
        let stale_from = stale.map(|s| (s.seconds() / dt_seconds).ceil() as u64);
        params.stale_after = stale_from;
        let oracle = OracleState::new(params).map_err(|e| bad(path.to_string(), e))?;
        Ok(PriceFeed { asset, pool, oracle, price: f64::NAN, stale_from })
    }

    /// The default feed of ETH (fixed at 1) and of USD (the ETH/USD path).
    pub fn default_for(asset: Asset) -> PriceFeed {
        let kind = if asset == Asset::Usd { OracleKind::PoolSpot } else { OracleKind::Fixed(1.0) };
        let oracle = OracleState::new(OracleParams::new(kind)).expect("valid defaults");
        PriceFeed { asset, pool: None, oracle, price: f64::NAN, stale_from: None }
    }

    fn spot(&self, inp: &FeedInputs) -> f64 {
        match (self.pool, self.asset) {
            (Some(p), _) => inp.pools[p].price(),
            (None, Asset::Usd) => 1.0 / inp.eth_usd,
            (None, Asset::Eth) => 1.0,
            (None, Asset::Lrt(l)) => inp.navs[l],
        }
    }

    fn nav(&self, inp: &FeedInputs) -> f64 {
        match self.asset {
            Asset::Lrt(l) => inp.navs[l],
            Asset::Eth => 1.0,
            Asset::Usd => 1.0 / inp.eth_usd,
        }
    }

    /// Advances the feed by one step.
    pub fn update(&mut self, inp: &FeedInputs, step: u64, dt_years: f64) -> Result<(), LendingError> {
        self.price = self.oracle.update(self.spot(inp), self.nav(inp), step, dt_years)?;
        Ok(())
    }

    /// Whether the feed reports the pool's price as it is right now (pool spot, no delay, alive):
    /// then liquidation rounds inside a step see the sales of earlier rounds.
    pub fn is_live(&self, step: u64) -> bool {
        let p = self.oracle.params();
        self.pool.is_some()
            && p.kind == OracleKind::PoolSpot
            && p.delay_steps == 0
            && !self.oracle.is_frozen()
            && self.stale_from.is_none_or(|s| step < s)
    }

    /// The price liquidations use in a round.
    pub fn round_price(&self, pools: &[LrtPool], step: u64) -> f64 {
        match self.pool {
            Some(p) if self.is_live(step) => pools[p].price(),
            _ => self.price,
        }
    }

    /// Whether this feed follows a market price (pool or TWAP) rather than NAV.
    pub fn is_market_price(&self) -> bool {
        self.pool.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Span;

    fn run(feed: &mut PriceFeed, eth_usd: &[f64]) -> Vec<f64> {
        eth_usd
            .iter()
            .enumerate()
            .map(|(k, &u)| {
                feed.update(&FeedInputs { pools: &[], navs: &[], eth_usd: u }, k as u64, 1.0 / 8760.0).unwrap();
                feed.price
            })
            .collect()
    }

    #[test]
    fn delay_and_stale_period_are_scenario_times() {
        // A USD feed (1 / ETH_USD) two hours late on hourly steps: reports the value of two
        // steps ago (the oldest while history is short).
        let cfg = OracleConfig::EthUsd { delay: Some(Span::hours(2)), stale_after: None };
        let mut f = PriceFeed::new("x", &cfg, Asset::Usd, None, 3600.0).unwrap();
        let out = run(&mut f, &[1000.0, 2000.0, 4000.0, 5000.0]);
        assert_eq!(out, vec![1e-3, 1e-3, 1e-3, 5e-4]);
        // A feed that dies at hour 2 repeats what it reported at hour 1.
        let cfg = OracleConfig::EthUsd { delay: None, stale_after: Some(Span::hours(2)) };
        let mut f = PriceFeed::new("x", &cfg, Asset::Usd, None, 3600.0).unwrap();
        let out = run(&mut f, &[1000.0, 2000.0, 4000.0, 5000.0]);
        assert_eq!(out, vec![1e-3, 5e-4, 5e-4, 5e-4]);
        // Neither is "live": liquidation rounds use the reported price.
        assert!(!f.is_live(0));
    }

    #[test]
    fn defaults_price_eth_at_one_and_usd_at_the_eth_usd_path() {
        let mut eth = PriceFeed::default_for(Asset::Eth);
        assert_eq!(run(&mut eth, &[3000.0, 1500.0]), vec![1.0, 1.0]);
        let mut usd = PriceFeed::default_for(Asset::Usd);
        assert_eq!(run(&mut usd, &[2000.0, 4000.0]), vec![5e-4, 2.5e-4]);
    }
}
