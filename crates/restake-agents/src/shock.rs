//! Shocks as the resolved scenario schedules them: what happens, to which entity (by index),
//! and when.

/// One shock.
#[derive(Clone, Debug, PartialEq)]
pub enum Shock {
    /// An AVS fault: `fraction` of the stake allocated to the AVS is slashed.
    Slash { avs: usize, fraction: f64 },
    /// One correlated fault: every listed AVS slashes `fraction` of its allocated stake.
    CorrelatedSlash { avss: Vec<usize>, fraction: f64 },
    /// ETH/USD falls by `fraction`, on top of its path.
    EthCrash { fraction: f64 },
    /// Someone outside the population sells `lrt_amount` of the LRT into a pool.
    PoolSell { pool: usize, lrt_amount: f64 },
    /// Redemptions of an LRT are switched off (or on).
    Redemptions { lrt: usize, enabled: bool },
    /// Beacon-chain slashing of `validators` (fraction) of an operator's validators.
    BeaconSlash { operator: usize, validators: f64 },
    /// A smart-contract exploit of an LRT: assets stolen and/or unbacked tokens minted (and
    /// dumped into its pool if `dump`).
    Exploit { lrt: usize, stolen_fraction: f64, minted: f64, dump: bool },
}

/// A shock at a step, with the label its event carries.
#[derive(Clone, Debug, PartialEq)]
pub struct ScheduledShock {
    pub step: u64,
    pub shock: Shock,
    pub label: String,
}
