//! Lenders who may run: a passive aggregate plus a small population that withdraws when
//! utilisation or bad debt frightens it, queueing what exceeds the idle cash.

use crate::vocab::Asset;
use restake_lending::Account;
use std::collections::VecDeque;

/// One lender who may run.
#[derive(Clone, Debug)]
pub struct Supplier {
    /// Supply shares (isolated market); pooled lenders hold an account in [`Lenders::accounts`].
    pub shares: f64,
    /// Withdraws everything once utilisation reaches this.
    pub utilisation_threshold: f64,
    /// ...or once the market's bad debt reaches this share of its supply at the start.
    pub bad_debt_threshold: f64,
    /// Withdrawn assets (asset units: ETH or USD).
    pub wallet: f64,
    /// Waiting in the withdrawal queue.
    pub queued: bool,
    /// Has asked to withdraw (queued or done).
    pub running: bool,
}

/// The lenders of one loan reserve: a passive aggregate that never moves plus a small population
/// that withdraws on fear, with a FIFO queue for withdrawals that exceed the idle cash.
#[derive(Clone, Debug)]
pub struct Lenders {
    /// Reserve index (pooled) or 0 (isolated).
    pub reserve: usize,
    pub asset: Asset,
    pub members: Vec<Supplier>,
    /// Pooled: one account per member (same order); empty for isolated markets.
    pub accounts: Vec<Account>,
    /// Members waiting, first come first served.
    pub queue: VecDeque<u32>,
    /// Supply at the start, asset units.
    pub initial_supply: f64,
    /// Withdrawn so far (asset units).
    pub withdrawn: f64,
    /// Probability that a member looks at the market in one step.
    pub attention: f64,
}

impl Lenders {
    pub fn new(reserve: usize, asset: Asset, attention: f64) -> Self {
        Lenders {
            reserve,
            asset,
            members: Vec::new(),
            accounts: Vec::new(),
            queue: VecDeque::new(),
            initial_supply: 0.0,
            withdrawn: 0.0,
            attention,
        }
    }

    /// The members, from their (utilisation, bad debt) thresholds, before they supply.
    pub fn set_members(&mut self, thresholds: &[(f64, f64)]) {
        self.members.clear();
        for &(u, b) in thresholds {
            self.members.push(Supplier {
                shares: 0.0,
                utilisation_threshold: u,
                bad_debt_threshold: b,
                wallet: 0.0,
                queued: false,
                running: false,
            });
        }
    }
}
