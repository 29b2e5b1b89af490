//! Native restakers: stakers who delegate to operators directly, without an LRT. They carry the
//! same slashing risk as an LRT's assets but no token, pool or queue.

#[derive(Clone, Debug)]
pub struct NativeRestaker {
    pub id: String,
    pub protocol: usize,
    /// Deposit shares per operator.
    pub shares: Vec<f64>,
    /// Rewards received (ETH held by the restaker).
    pub rewards_eth: f64,
    pub initial_eth: f64,
    pub slashed_eth: f64,
}

impl NativeRestaker {
    /// Restaked ETH now.
    pub fn stake(&self, operators: &[crate::restaking::Operator]) -> f64 {
        self.shares.iter().zip(operators).map(|(s, o)| s * o.share_value()).sum()
    }
}
