//! Price feeds: the oracle of a market (or of one reserve), read from pools, NAVs or ETH/USD.

use crate::pool::LrtPool;
use crate::vocab::Asset;
use restake_lending::{LendingError, OracleKind, OracleState};

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
    /// A misreporting feed reports `1 + offset` times what it should (an oracle shock).
    offset: f64,
}

impl PriceFeed {
    /// A feed of `asset` from its validated oracle; `pool` is the pool a market-price oracle
    /// reads, `stale_from` the step from which the feed is dead.
    pub fn new(asset: Asset, pool: Option<usize>, oracle: OracleState, stale_from: Option<u64>) -> PriceFeed {
        PriceFeed { asset, pool, oracle, price: f64::NAN, stale_from, offset: 0.0 }
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
        self.price = self.oracle.update(self.spot(inp), self.nav(inp), step, dt_years)? * (1.0 + self.offset);
        Ok(())
    }

    /// An oracle failure: stale (frozen at its last report), misreporting by `offset`, or
    /// restored to normal.
    pub fn fail(&mut self, fault: crate::shock::OracleFault) {
        use crate::shock::OracleFault;
        match fault {
            OracleFault::Freeze => self.oracle.set_frozen(true),
            OracleFault::Offset(o) => self.offset = o,
            OracleFault::Restore => {
                self.oracle.set_frozen(false);
                self.offset = 0.0;
            }
        }
    }

    /// Whether the feed reports the pool's price as it is right now (pool spot, no delay, alive):
    /// then liquidation rounds inside a step see the sales of earlier rounds.
    pub fn is_live(&self, step: u64) -> bool {
        let p = self.oracle.params();
        self.pool.is_some()
            && p.kind == OracleKind::PoolSpot
            && p.delay_steps == 0
            && !self.oracle.is_frozen()
            && self.offset == 0.0
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
