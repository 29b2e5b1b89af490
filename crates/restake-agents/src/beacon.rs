//! Beacon-chain slashing penalties, per the consensus specs.
//!
//! A slashed validator loses an initial penalty at once (`slash_validator`) and, about 18 days
//! later, a correlation penalty proportional to the stake slashed around it
//! (`process_slashings`): roughly 3x its share of all stake slashed in the window, capped at its
//! whole balance. Arithmetic follows the spec in Gwei with integer division.
//! Sources: ethereum/consensus-specs, specs/bellatrix/beacon-chain.md (`slash_validator`,
//! `process_slashings`, MIN_SLASHING_PENALTY_QUOTIENT_BELLATRIX = 32,
//! PROPORTIONAL_SLASHING_MULTIPLIER_BELLATRIX = 3) and specs/electra/beacon-chain.md
//! (MIN_SLASHING_PENALTY_QUOTIENT_ELECTRA = 4096; penalty per effective-balance increment).

/// 1 ETH in Gwei; also EFFECTIVE_BALANCE_INCREMENT.
pub const GWEI_PER_ETH: u128 = 1_000_000_000;
pub const PROPORTIONAL_SLASHING_MULTIPLIER_BELLATRIX: u128 = 3;
pub const MIN_SLASHING_PENALTY_QUOTIENT_BELLATRIX: u128 = 32;
pub const MIN_SLASHING_PENALTY_QUOTIENT_ELECTRA: u128 = 4096;
/// Exit churn after Pectra: 256 ETH per epoch, 225 epochs per day.
pub const EXIT_CHURN_ETH_PER_EPOCH: f64 = 256.0;
pub const EPOCHS_PER_DAY: f64 = 225.0;

/// The beacon chain as seen by withdrawals: yield and the churn-limited exit queue.
#[derive(Clone, Debug)]
pub struct Beacon {
    pub staking_apr: f64,
    pub exit_churn_eth_per_day: f64,
    /// ETH waiting to exit.
    pub exit_queue_eth: f64,
    pub fork: Fork,
    pub total_active_eth: f64,
    /// Stake slashed in the correlation window (others' and this world's).
    pub slashed_in_window_eth: f64,
}

impl Beacon {
    /// Seconds until `extra` ETH joining the queue now has exited.
    pub fn exit_wait_seconds(&self, extra: f64) -> f64 {
        (self.exit_queue_eth + extra) / self.exit_churn_eth_per_day * 86_400.0
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fork {
    Bellatrix,
    Electra,
}

/// Initial penalty of `slash_validator`, in Gwei.
pub fn initial_penalty_gwei(effective_balance_gwei: u128, fork: Fork) -> u128 {
    match fork {
        Fork::Bellatrix => effective_balance_gwei / MIN_SLASHING_PENALTY_QUOTIENT_BELLATRIX,
        Fork::Electra => effective_balance_gwei / MIN_SLASHING_PENALTY_QUOTIENT_ELECTRA,
    }
}

/// Correlation penalty of `process_slashings`, in Gwei, for a validator with
/// `effective_balance_gwei` when `slashed_in_window_gwei` were slashed in the window out of
/// `total_active_gwei`.
pub fn correlation_penalty_gwei(
    effective_balance_gwei: u128,
    slashed_in_window_gwei: u128,
    total_active_gwei: u128,
    fork: Fork,
) -> u128 {
    let increment = GWEI_PER_ETH;
    let adjusted = (slashed_in_window_gwei * PROPORTIONAL_SLASHING_MULTIPLIER_BELLATRIX).min(total_active_gwei);
    match fork {
        Fork::Bellatrix => effective_balance_gwei / increment * adjusted / total_active_gwei * increment,
        Fork::Electra => {
            let per_increment = adjusted / (total_active_gwei / increment);
            per_increment * (effective_balance_gwei / increment)
        }
    }
}

/// Fraction of a slashed validator's balance lost to both penalties.
pub fn slashed_fraction(
    effective_balance_eth: f64,
    slashed_in_window_eth: f64,
    total_active_eth: f64,
    fork: Fork,
) -> f64 {
    let g = |eth: f64| (eth.max(0.0) * GWEI_PER_ETH as f64).round() as u128;
    let eb = g(effective_balance_eth);
    if eb == 0 {
        return 0.0;
    }
    let total = g(total_active_eth).max(1);
    let lost = initial_penalty_gwei(eb, fork) + correlation_penalty_gwei(eb, g(slashed_in_window_eth), total, fork);
    (lost.min(eb)) as f64 / eb as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    const ETH: u128 = GWEI_PER_ETH;

    #[test]
    fn initial_penalties() {
        // 32 ETH / 4096 = 0.0078125 ETH after Electra; 32 / 32 = 1 ETH under Bellatrix.
        assert_eq!(initial_penalty_gwei(32 * ETH, Fork::Electra), 7_812_500);
        assert_eq!(initial_penalty_gwei(32 * ETH, Fork::Bellatrix), ETH);
    }

    #[test]
    fn correlation_penalty_is_three_times_the_slashed_share() {
        // 1% of 34M ETH slashed in the window: 3 x 1% x 32 ETH = 0.96 ETH.
        let total = 34_000_000 * ETH;
        let slashed = 340_000 * ETH;
        assert_eq!(correlation_penalty_gwei(32 * ETH, slashed, total, Fork::Electra), 960_000_000);
        // Bellatrix floors to whole increments: 32 x 1.02e15 / 3.4e16 = 0.96 -> 0 ETH; at 2%
        // slashed, 1.92 -> 1 ETH (the rounding Electra fixed).
        assert_eq!(correlation_penalty_gwei(32 * ETH, slashed, total, Fork::Bellatrix), 0);
        assert_eq!(correlation_penalty_gwei(32 * ETH, 2 * slashed, total, Fork::Bellatrix), ETH);
        // A lone slashing (32 ETH of 34M): Electra rounds per increment: 96 ETH / 34M
        // increments -> 96e9 / 34e6 = 2823 Gwei per increment, x 32 = 90,336 Gwei.
        assert_eq!(correlation_penalty_gwei(32 * ETH, 32 * ETH, total, Fork::Electra), 90_336);
        // Bellatrix floors the product: 32 x 96e9 / 34e15 = 0 increments.
        assert_eq!(correlation_penalty_gwei(32 * ETH, 32 * ETH, total, Fork::Bellatrix), 0);
    }

    #[test]
    fn a_third_of_all_stake_slashed_takes_everything() {
        let total = 30_000_000 * ETH;
        assert_eq!(correlation_penalty_gwei(32 * ETH, 10_000_000 * ETH, total, Fork::Electra), 32 * ETH);
        assert_eq!(slashed_fraction(32.0, 10_000_000.0, 30_000_000.0, Fork::Electra), 1.0);
    }

    #[test]
    fn churn_per_day() {
        assert_eq!(EXIT_CHURN_ETH_PER_EPOCH * EPOCHS_PER_DAY, 57_600.0);
    }
}
