//! Capital-limited professional traders: liquidators and arbitrageurs.

/// A liquidator bot: repays unhealthy debt with its own ETH, seizes collateral with the
/// market's incentive, and sells it into the pool (or redeems it when that pays more).
#[derive(Clone, Debug)]
pub struct Liquidator {
    pub kind: String,
    pub eth: f64,
    /// LRT held per LRT index (seized collateral waiting to be redeemed or sold).
    pub lrt: Vec<f64>,
    pub gas_eth: f64,
    pub min_profit: f64,
    pub may_redeem: bool,
    /// Annual cost of capital locked in a redemption queue.
    pub carry_rate: f64,
    pub liquidations: u32,
    pub profit_eth: f64,
}

/// Buys the LRT below NAV to redeem it, or mints at NAV to sell above it.
#[derive(Clone, Debug)]
pub struct Arbitrageur {
    pub kind: String,
    pub eth: f64,
    pub lrt: Vec<f64>,
    pub carry_rate: f64,
    /// May mint at NAV to sell above it.
    pub mint: bool,
}
