//! Restaking protocols, operators and AVSs, with EigenLayer's unique-stake slashing.
//!
//! An operator holds deposit *shares* from its delegators and a `max_magnitude` (1.0 at the
//! start). It allocates magnitudes to AVSs; an AVS can slash only the stake its magnitude
//! covers: `shares * magnitude`. A slash of fraction f by AVS j lowers that allocation's
//! magnitude and the operator's max magnitude by the same amount, so every delegator loses the
//! same fraction of its stake and the other allocations keep their nominal size (their share of
//! the smaller total rises). Stake = shares * max_magnitude. (EigenLayer docs, "Unique stake
//! allocation & deallocation"; ELIP-002.)

/// A restaking protocol as a parameter set of one mechanism.
#[derive(Clone, Debug)]
pub struct RestakingProtocol {
    pub id: String,
    /// Seconds between queueing a withdrawal and completing it; stake stays slashable meanwhile.
    pub withdrawal_delay_seconds: f64,
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
    pub allocations: Vec<Allocation>,
}

impl Operator {
    /// Delegated stake in ETH.
    pub fn stake(&self) -> f64 {
        self.shares * self.max_magnitude
    }

    /// ETH per share: what one deposit share is worth after slashing.
    pub fn share_value(&self) -> f64 {
        self.max_magnitude
    }

    /// Stake slashable by `avs` (its allocation), in ETH.
    pub fn allocated_to(&self, avs: usize) -> f64 {
        self.allocations.iter().filter(|a| a.avs == avs).map(|a| a.magnitude * self.shares).sum()
    }

    /// Slashes `fraction` of the stake allocated to `avs`. Returns the ETH slashed and the
    /// fall in share value (what every share lost), or `None` if not allocated.
    pub fn slash(&mut self, avs: usize, fraction: f64) -> Option<SlashResult> {
        let a = self.allocations.iter_mut().find(|a| a.avs == avs && a.magnitude > 0.0)?;
        let delta = a.magnitude * fraction;
        a.magnitude -= delta;
        let before = self.max_magnitude;
        self.max_magnitude -= delta;
        Some(SlashResult { eth_slashed: self.shares * delta, share_value_before: before, share_value_after: self.max_magnitude })
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
    pub incentive_apr: f64,
    pub incentive_end_seconds: Option<f64>,
    pub fault_hazard_per_year: f64,
    pub slash_fraction: f64,
    /// ETH slashed by this AVS so far.
    pub slashed_eth: f64,
    pub faults: u32,
}

impl Avs {
    /// Incentive APR in force at time `t`.
    pub fn incentive_apr_at(&self, t: f64) -> f64 {
        match self.incentive_end_seconds {
            Some(end) if t >= end => 0.0,
            _ => self.incentive_apr,
        }
    }
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
            allocations: allocs.iter().map(|&(avs, magnitude)| Allocation { avs, magnitude }).collect(),
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
    fn unallocated_avs_cannot_slash() {
        let mut o = op(100.0, &[(1, 0.5)]);
        assert!(o.slash(2, 1.0).is_none());
        assert_eq!(o.stake(), 100.0);
    }
}
