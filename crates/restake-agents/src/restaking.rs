//! Restaking protocols, operators and AVSs, with EigenLayer's unique-stake slashing.
//!
//! An operator holds deposit *shares* from its delegators and a `max_magnitude` (1.0 at the
//! start). It allocates magnitudes to AVSs; an AVS can slash only the stake its magnitude
//! covers: `shares * magnitude`. A slash of fraction f by AVS j lowers that allocation's
//! magnitude and the operator's max magnitude by the same amount, so every delegator loses the
//! same fraction of its stake and the other allocations keep their nominal size (their share of
//! the smaller total rises). Stake = shares * max_magnitude. (EigenLayer docs, "Unique stake
//! allocation & deallocation"; ELIP-002.)

/// How long a withdrawal takes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum WithdrawalRule {
    /// A fixed delay (EigenLayer: 14 days since April 2025, 7 before; Karak: 9 days).
    Fixed { seconds: f64 },
    /// Symbiotic: a withdrawal completes at the end of the epoch after the one it was requested
    /// in, so the wait lies in [E, 2E) (a request exactly at an epoch boundary waits one epoch).
    Epochs { epoch_seconds: f64 },
}

/// A restaking protocol as a parameter set of one mechanism: stake is slashable until its
/// withdrawal completes; a slash may wait out a veto window during which a resolver can cancel
/// it.
#[derive(Clone, Debug)]
pub struct RestakingProtocol {
    pub id: String,
    pub withdrawal: WithdrawalRule,
    /// Time between a slashing request and its execution, during which it can be vetoed
    /// (Karak 2 days; Symbiotic with a resolver; EigenLayer none).
    pub veto_window_seconds: f64,
    /// The protocol's token emissions to all stake restaked in it.
    pub incentive: crate::incentives::Emission,
}

impl RestakingProtocol {
    /// Seconds until a withdrawal requested at time `t` completes.
    pub fn withdrawal_delay_seconds(&self, t: f64) -> f64 {
        match self.withdrawal {
            WithdrawalRule::Fixed { seconds } => seconds,
            WithdrawalRule::Epochs { epoch_seconds } => ((t / epoch_seconds).ceil() + 1.0) * epoch_seconds - t,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Allocation {
    pub avs: usize,
    pub magnitude: f64,
}

#[derive(Clone, Debug)]
pub struct Operator {
    pub id: String,
    pub protocol: usize,
    pub commission: f64,
    /// Total deposit shares delegated (active plus queued for withdrawal).
    pub shares: f64,
    pub max_magnitude: f64,
    /// Share of the validators' balance left after beacon-chain slashing (EigenLayer's
    /// beacon-chain slashing factor, here per operator: the validators it runs).
    pub beacon_factor: f64,
    pub allocations: Vec<Allocation>,
    /// Operator faults per year (each slashes it in every AVS it is allocated to).
    pub fault_hazard_per_year: f64,
}

impl Operator {
    /// Delegated stake in ETH.
    pub fn stake(&self) -> f64 {
        self.shares * self.share_value()
    }

    /// ETH per share: what one deposit share is worth after AVS and beacon-chain slashing.
    pub fn share_value(&self) -> f64 {
        self.max_magnitude * self.beacon_factor
    }

    /// Stake slashable by `avs` (its allocation), in ETH.
    pub fn allocated_to(&self, avs: usize) -> f64 {
        self.allocations.iter().filter(|a| a.avs == avs).map(|a| a.magnitude * self.shares * self.beacon_factor).sum()
    }

    /// Number of AVSs that can slash this operator's stake (allocations above zero).
    pub fn slashing_conditions(&self) -> usize {
        self.allocations.iter().filter(|a| a.magnitude > 0.0).count()
    }

    /// Beacon-chain slashing takes `fraction` of the validators' balance: every delegator
    /// loses the same share, and allocations keep their magnitudes (EigenLayer's dual
    /// slashing: withdrawable = shares x max magnitude x beacon factor).
    pub fn beacon_slash(&mut self, fraction: f64) -> SlashResult {
        let before = self.share_value();
        self.beacon_factor *= 1.0 - fraction.clamp(0.0, 1.0);
        SlashResult {
            eth_slashed: self.shares * (before - self.share_value()),
            share_value_before: before,
            share_value_after: self.share_value(),
        }
    }

    /// An exploit takes `fraction` of the stake: every share loses that share of its value and
    /// every allocation shrinks with it (what is left is allocated in the same proportions).
    pub fn lose(&mut self, fraction: f64) -> SlashResult {
        let keep = 1.0 - fraction.clamp(0.0, 1.0);
        let before = self.share_value();
        self.max_magnitude *= keep;
        for a in &mut self.allocations {
            a.magnitude *= keep;
        }
        SlashResult {
            eth_slashed: self.shares * (before - self.share_value()),
            share_value_before: before,
            share_value_after: self.share_value(),
        }
    }

    /// Share value grows by `factor` (a recovery of stolen stake), allocations with it. Returns
    /// the ETH added.
    pub fn grow(&mut self, factor: f64) -> f64 {
        let before = self.share_value();
        self.max_magnitude *= 1.0 + factor.max(0.0);
        for a in &mut self.allocations {
            a.magnitude *= 1.0 + factor.max(0.0);
        }
        self.shares * (self.share_value() - before)
    }

    /// Slashes `fraction` of the stake allocated to `avs`. Returns the ETH slashed and the
    /// fall in share value (what every share lost), or `None` if not allocated.
    pub fn slash(&mut self, avs: usize, fraction: f64) -> Option<SlashResult> {
        let a = self.allocations.iter_mut().find(|a| a.avs == avs && a.magnitude > 0.0)?;
        let delta = a.magnitude * fraction.clamp(0.0, 1.0);
        a.magnitude -= delta;
        let before = self.share_value();
        self.max_magnitude -= delta;
        Some(SlashResult {
            eth_slashed: self.shares * delta * self.beacon_factor,
            share_value_before: before,
            share_value_after: self.share_value(),
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SlashResult {
    pub eth_slashed: f64,
    pub share_value_before: f64,
    pub share_value_after: f64,
}

#[derive(Clone, Debug)]
pub struct Avs {
    pub id: String,
    pub fee_apr: f64,
    /// Token incentives on the stake allocated to it.
    pub incentive: crate::incentives::Emission,
    pub fault_hazard_per_year: f64,
    pub slash_fraction: f64,
    /// ETH slashed by this AVS so far.
    pub slashed_eth: f64,
    pub faults: u32,
    pub veto_probability: f64,
    pub common_fault_loading: f64,
    pub profit_from_corruption: Option<f64>,
    pub attack_threshold: Option<f64>,
    /// Corrupted by an attack in this run (no longer a target).
    pub corrupted: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(shares: f64, allocs: &[(usize, f64)]) -> Operator {
        Operator {
            id: "op".into(),
            protocol: 0,
            commission: 0.0,
            shares,
            max_magnitude: 1.0,
            beacon_factor: 1.0,
            allocations: allocs.iter().map(|&(avs, magnitude)| Allocation { avs, magnitude }).collect(),
            fault_hazard_per_year: 0.0,
        }
    }

    #[test]
    fn eigenlayer_unique_stake_worked_example() {
        // EigenLayer docs (unique stake allocation): an operator with 200 EIGEN allocates
        // 3000, 2500 and 2000 of 10,000 magnitude to AVS 1, 2, 3 (60, 50, 40 EIGEN). AVS 3
        // slashes 50%: its magnitude falls to 1000, total magnitude to 9000, and the operator
        // is left with 200 * 9000 / 10000 = 180 EIGEN.
        let mut o = op(200.0, &[(1, 0.30), (2, 0.25), (3, 0.20)]);
        assert_eq!(o.allocated_to(3), 40.0);
        let r = o.slash(3, 0.5).unwrap();
        assert!((r.eth_slashed - 20.0).abs() < 1e-12);
        assert!((o.stake() - 180.0).abs() < 1e-12);
        // Other allocations keep their nominal size, so their share of the stake rises.
        assert!((o.allocated_to(1) - 60.0).abs() < 1e-12);
        assert!((o.allocated_to(1) / o.stake() - 1.0 / 3.0).abs() < 1e-12);
        assert!((o.allocated_to(3) - 20.0).abs() < 1e-12);
    }

    #[test]
    fn dual_slashing_worked_example() {
        // EigenLayer docs (dual slashing): a staker restakes a 32 ETH validator; its operator is
        // slashed 75% by an AVS holding its whole allocation -> 8 ETH; then the validator loses
        // 16 ETH on the beacon chain (balance 32 -> 16, beacon factor 0.5) -> 4 ETH withdrawable.
        let mut o = op(32.0, &[(0, 1.0)]);
        let r = o.slash(0, 0.75).unwrap();
        assert_eq!(r.eth_slashed, 24.0);
        assert_eq!(o.stake(), 8.0);
        let b = o.beacon_slash(16.0 / 32.0);
        assert_eq!(o.stake(), 4.0);
        assert_eq!(b.eth_slashed, 4.0);
        // Order does not matter: beacon first, then the AVS.
        let mut o = op(32.0, &[(0, 1.0)]);
        o.beacon_slash(0.5);
        assert_eq!(o.stake(), 16.0);
        o.slash(0, 0.75).unwrap();
        assert_eq!(o.stake(), 4.0);
    }

    #[test]
    fn withdrawal_rules() {
        let day = 86_400.0;
        let el = RestakingProtocol {
            id: "el".into(),
            withdrawal: WithdrawalRule::Fixed { seconds: 14.0 * day },
            veto_window_seconds: 0.0,
            incentive: Default::default(),
        };
        assert_eq!(el.withdrawal_delay_seconds(3.5 * day), 14.0 * day);
        // Symbiotic with 7-day epochs: requested on day 3.5 (epoch 0), completes at the end of
        // epoch 1 (day 14): 10.5 days; requested exactly at an epoch boundary: one epoch; just
        // after it: almost two. The wait always lies in [E, 2E).
        let sym = RestakingProtocol {
            id: "sym".into(),
            withdrawal: WithdrawalRule::Epochs { epoch_seconds: 7.0 * day },
            veto_window_seconds: 0.0,
            incentive: Default::default(),
        };
        assert_eq!(sym.withdrawal_delay_seconds(3.5 * day), 10.5 * day);
        assert_eq!(sym.withdrawal_delay_seconds(7.0 * day), 7.0 * day);
        assert!((sym.withdrawal_delay_seconds(7.01 * day) - 13.99 * day).abs() < 1e-6);
        assert!((sym.withdrawal_delay_seconds(13.99 * day) - 7.01 * day).abs() < 1e-6);
    }

    #[test]
    fn unallocated_avs_cannot_slash() {
        let mut o = op(100.0, &[(1, 0.5)]);
        assert!(o.slash(2, 1.0).is_none());
        assert_eq!(o.stake(), 100.0);
    }
}
