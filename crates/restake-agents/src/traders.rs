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
    /// Annual cost of capital locked in a redemption queue (or in a claim on a reserve).
    pub carry_rate: f64,
    /// How long it expects to wait to withdraw collateral seized as a claim on a reserve that has
    /// no cash (aTokens), in years.
    pub claim_wait_years: f64,
    pub liquidations: u32,
    pub profit_eth: f64,
}

/// Buys the LRT below NAV to redeem it (or, with redemptions closed, to hold until the price
/// recovers), or mints at NAV to sell above it; outside capital joins it when the return on
/// offer is high.
#[derive(Clone, Debug)]
pub struct Arbitrageur {
    pub kind: String,
    pub eth: f64,
    /// Inventory per LRT: tokens bought to hold while redemptions are closed.
    pub lrt: Vec<f64>,
    pub carry_rate: f64,
    /// May mint at NAV to sell above it.
    pub mint: bool,
    /// Most outside ETH that joins this arbitrageur.
    pub outside_capital: f64,
    /// Annualised return at which outside capital starts to join; at twice it, all of it has.
    pub hurdle_apr: f64,
    /// Time constant of outside capital's arrival and departure, in seconds.
    pub arrival_seconds: f64,
    /// How long, with redemptions closed, it expects a discount to take to close, in years.
    pub recovery_years: f64,
    /// Sells its inventory once the price is back within this share of NAV.
    pub take_profit: f64,
    /// Outside ETH it holds now (brought in, net of what left).
    pub outside_in: f64,
}
