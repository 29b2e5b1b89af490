//! What a step adds up to: flows within one step, reset at its start, read by the recorders
//! after it (the step columns and the run metrics are declared over these).

#[derive(Clone, Debug, Default)]
pub struct MarketTally {
    /// Lowest oracle price of the LRT collateral a liquidation round of the step saw.
    pub oracle_low: Option<f64>,
    pub liquidations: u32,
    /// Debt repaid by liquidators, valued in ETH (USD debt at the step's ETH/USD).
    pub liquidated_debt: f64,
    /// Collateral liquidators seized (protocol fee included): its value in ETH at the oracle,
    /// and the LRT tokens among it.
    pub collateral_seized_eth: f64,
    pub lrt_seized: f64,
    /// Bad debt booked, in ETH (pooled deficits valued at the oracle).
    pub bad_debt: f64,
    /// Lenders' withdrawals, in ETH.
    pub supplier_withdrawn_eth: f64,
    /// Net insolvent debt at the end of the step, ETH, with collateral at the oracle and at the
    /// pool (see `Market::net_insolvent`).
    pub insolvent_at_oracle: f64,
    pub insolvent_at_pool: f64,
    /// The same with LRT collateral at its NAV: what lenders lose if the positions are closed at
    /// the backing (the loss a haircut of NAV books, whatever the oracle or the pool says).
    pub insolvent_at_nav: f64,
}

#[derive(Clone, Debug, Default)]
pub struct LrtTally {
    pub exits: u32,
    /// Redemption requests made (ETH at the NAV of the request).
    pub requested_eth: f64,
    /// Redemptions paid out of the queue.
    pub redeemed_eth: f64,
    /// Longest wait, in seconds, of a request paid in full in this step (0 if none).
    pub longest_wait_seconds: f64,
    /// Instant withdrawals (ETH before fee) and their fees.
    pub instant_eth: f64,
    pub instant_fees: f64,
    /// Tokens sold into pools below NAV this step, and what selling below NAV cost the sellers
    /// (NAV x tokens - proceeds, ETH).
    pub sold_below_nav: f64,
    pub discount_cost_eth: f64,
    /// ETH deposited by retail agents (minted at NAV).
    pub deposits_eth: f64,
}

#[derive(Clone, Debug, Default)]
pub struct PoolTally {
    /// Liquidity withdrawn and deposited back by providers, ETH at the pool price.
    pub lp_withdrawn_eth: f64,
    pub lp_returned_eth: f64,
}

/// Flows within one step (reset at the start of each step).
#[derive(Clone, Debug, Default)]
pub struct StepTally {
    pub market: Vec<MarketTally>,
    pub lrt: Vec<LrtTally>,
    /// Per pool (grown on first use: most steps touch none).
    pub pool: Vec<PoolTally>,
    /// Liquidation rounds that did something in this step.
    pub rounds: u32,
    /// Longest liquidation chain ending in this step.
    pub max_depth: u32,
    pub slashed_eth: f64,
    pub retail_sold_lrt: f64,
    /// Deleverages and unwinds that could not repay what they promised and did not happen.
    pub reverted_deleverages: u32,
    /// Liquidated debt (ETH) and number of liquidations by (round, market) in this step.
    pub by_round: Vec<(u32, u32, f64, u32)>,
    /// Lowest price each pool reached during the step (sales inside the step included).
    pub pool_min_price: Vec<f64>,
    /// Exploits (scheduled or from hazards) in this step.
    pub exploits: u32,
    /// Hazards that fired in this step.
    pub hazards: u32,
    /// Attacks operators carried out in this step, and the profit from corruption they took.
    pub attacks: u32,
    pub profit_from_corruption: f64,
}

impl StepTally {
    pub fn reset(&mut self, markets: usize, lrts: usize) {
        self.market.clear();
        self.market.resize(markets, MarketTally::default());
        self.lrt.clear();
        self.lrt.resize(lrts, LrtTally::default());
        self.pool.clear();
        self.rounds = 0;
        self.max_depth = 0;
        self.slashed_eth = 0.0;
        self.retail_sold_lrt = 0.0;
        self.reverted_deleverages = 0;
        self.by_round.clear();
        self.pool_min_price.clear();
        self.exploits = 0;
        self.hazards = 0;
        self.attacks = 0;
        self.profit_from_corruption = 0.0;
    }

    /// Pool `p`'s tally.
    pub fn pool_mut(&mut self, p: usize) -> &mut PoolTally {
        if self.pool.len() <= p {
            self.pool.resize(p + 1, PoolTally::default());
        }
        &mut self.pool[p]
    }

    /// Pool `p`'s tally, zero if nothing happened there.
    pub fn pool(&self, p: usize) -> PoolTally {
        self.pool.get(p).cloned().unwrap_or_default()
    }

    /// Notes a pool price seen during the step.
    pub fn saw_price(&mut self, pool: usize, price: f64) {
        if self.pool_min_price.len() <= pool {
            self.pool_min_price.resize(pool + 1, f64::INFINITY);
        }
        self.pool_min_price[pool] = self.pool_min_price[pool].min(price);
    }

    pub fn record_round(&mut self, round: u32, market: usize, repaid: f64) {
        match self.by_round.iter_mut().find(|(r, m, _, _)| *r == round && *m == market as u32) {
            Some(x) => {
                x.2 += repaid;
                x.3 += 1;
            }
            None => self.by_round.push((round, market as u32, repaid, 1)),
        }
    }

    /// Liquidated debt (ETH) and liquidations of market `market` (all markets if None) in rounds
    /// of bin `bin` (see [`round_bin`]) in this step.
    pub fn by_round_bin(&self, market: Option<u32>, bin: usize) -> (f64, u32) {
        let mut out = (0.0, 0);
        for &(r, m, x, n) in &self.by_round {
            if round_bin(r) == bin && market.is_none_or(|k| k == m) {
                out.0 += x;
                out.1 += n;
            }
        }
        out
    }
}

/// Liquidation rounds reported one by one in run metrics; later rounds are pooled in the last
/// bin ("6+").
pub const ROUND_BINS: usize = 6;

/// The bin of liquidation round `round` (1-based): rounds 1-5 have their own, 6+ share the last.
pub fn round_bin(round: u32) -> usize {
    (round.max(1) as usize - 1).min(ROUND_BINS - 1)
}
