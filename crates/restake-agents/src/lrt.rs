//! Liquid restaking token protocols: NAV, liquid buffer, redemption queue, withdrawals.
//!
//! NAV per token = (buffer ETH + value of restaked shares, including shares queued for
//! withdrawal, which stay slashable) / supply. Only slashing, rewards and exploits change it:
//! mints and redemptions move assets and supply in proportion.

use crate::restaking::Operator;
use crate::vocab::Holder;
use std::collections::VecDeque;

/// A redemption request: `tokens` are escrowed (still part of supply) and paid at the NAV of
/// the day they are paid, so a slash while waiting still hits them.
#[derive(Clone, Copy, Debug)]
pub struct Redemption {
    pub owner: Holder,
    pub tokens: f64,
    pub requested_step: u64,
}

/// Shares on their way out of an operator: slashable until `mature_step`.
#[derive(Clone, Copy, Debug)]
pub struct Withdrawal {
    pub operator: usize,
    pub shares: f64,
    pub mature_step: u64,
}

#[derive(Clone, Debug)]
pub struct Lrt {
    pub id: String,
    pub protocol: usize,
    pub supply: f64,
    /// Tokens held outside the simulated population.
    pub passive_holdings: f64,
    pub buffer_eth: f64,
    pub buffer_fraction: f64,
    pub instant_withdrawal_fee: f64,
    pub instant_withdrawals: bool,
    pub redemptions_open: bool,
    pub protocol_fee: f64,
    /// Delegation weights per operator (index = operator), for new deposits.
    pub delegation: Vec<f64>,
    /// Active deposit shares per operator.
    pub shares: Vec<f64>,
    /// Shares queued for withdrawal per operator (sum of `withdrawals`).
    pub withdrawing: Vec<f64>,
    pub withdrawals: VecDeque<Withdrawal>,
    pub queue: VecDeque<Redemption>,
    /// Tokens escrowed in `queue`.
    pub queued_tokens: f64,
    /// Expected wait for a redemption requested now, in seconds (updated in settlement).
    pub expected_wait_seconds: f64,
    /// Assets lost to slashing so far, in ETH.
    pub slashed_eth: f64,
}

impl Lrt {
    /// Value of restaked assets (active and withdrawing) in ETH.
    pub fn restaked_eth(&self, operators: &[Operator]) -> f64 {
        operators.iter().enumerate().map(|(o, op)| (self.shares[o] + self.withdrawing[o]) * op.share_value()).sum()
    }

    pub fn withdrawing_eth(&self, operators: &[Operator]) -> f64 {
        operators.iter().enumerate().map(|(o, op)| self.withdrawing[o] * op.share_value()).sum()
    }

    pub fn total_assets(&self, operators: &[Operator]) -> f64 {
        self.buffer_eth + self.restaked_eth(operators)
    }

    pub fn nav(&self, operators: &[Operator]) -> f64 {
        if self.supply > 0.0 { self.total_assets(operators) / self.supply } else { 1.0 }
    }

    /// ETH the buffer can pay instantly without jumping the redemption queue.
    pub fn instant_capacity(&self, nav: f64) -> f64 {
        if !self.instant_withdrawals {
            return 0.0;
        }
        (self.buffer_eth - self.queued_tokens * nav).max(0.0)
    }

    /// Deposits `eth` by minting at NAV; the ETH goes to the buffer (restaked in settlement).
    pub fn mint(&mut self, eth: f64, nav: f64) -> f64 {
        let tokens = eth / nav;
        self.buffer_eth += eth;
        self.supply += tokens;
        tokens
    }

    /// Burns `tokens` and pays them at `nav` from the buffer.
    pub fn burn_for_eth(&mut self, tokens: f64, nav: f64) -> f64 {
        let eth = tokens * nav;
        self.buffer_eth -= eth;
        self.supply -= tokens;
        eth
    }

    /// Queues withdrawal of `eth` worth of shares from operators in proportion to the active
    /// stake held with each. Returns the ETH actually queued.
    pub fn queue_withdrawal(&mut self, eth: f64, operators: &[Operator], mature_step: u64) -> f64 {
        let active: f64 = operators.iter().enumerate().map(|(o, op)| self.shares[o] * op.share_value()).sum();
        if active <= 0.0 || eth <= 0.0 {
            return 0.0;
        }
        let frac = (eth / active).min(1.0);
        let mut queued = 0.0;
        for (o, op) in operators.iter().enumerate() {
            let s = self.shares[o] * frac;
            if s > 0.0 {
                self.shares[o] -= s;
                self.withdrawing[o] += s;
                self.withdrawals.push_back(Withdrawal { operator: o, shares: s, mature_step });
                queued += s * op.share_value();
            }
        }
        queued
    }

    /// Restakes `eth` from the buffer across operators by delegation weight.
    pub fn restake(&mut self, eth: f64, operators: &mut [Operator]) {
        let eth = eth.min(self.buffer_eth);
        if eth <= 0.0 {
            return;
        }
        for (o, op) in operators.iter_mut().enumerate() {
            let w = self.delegation[o];
            if w > 0.0 && op.share_value() > 0.0 {
                let amount = eth * w;
                let s = amount / op.share_value();
                self.shares[o] += s;
                op.shares += s;
                self.buffer_eth -= amount;
            }
        }
    }
}
