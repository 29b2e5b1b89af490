//! Liquid restaking token protocols: NAV, liquid buffer, withdrawals from operators, the
//! redemption queue and the instant route.
//!
//! NAV per token = (buffer ETH + value of restaked shares, including shares queued for
//! withdrawal, which stay slashable, - ETH owed to fixed claims) / supply. Only slashing, rewards
//! and exploits change it: mints and redemptions move assets and supply in proportion. (Under
//! `claim = lower-of`, rewards a request earned during its cooldown are forfeited to the
//! remaining holders, as Renzo's withdrawal queue does.)
//!
//! Redemption, as the protocols run it: a request joins a FIFO queue and is claimable no sooner
//! than the LRT's cooldown after it was made, even when the buffer holds ETH; it is paid as ETH
//! arrives — from the buffer, from withdrawals of restaked stake as they mature. A withdrawal of
//! natively restaked ETH needs both the beacon-chain exit (the churn-limited queue) and the
//! restaking protocol's delay, which run concurrently; an LRT backed by liquid tokens (LSTs, ERC-20
//! vaults) waits only for the protocol's delay. The instant route pays from the buffer at once,
//! for a fee that rises as the buffer empties (Renzo's `InstantWithdrawer`).

use crate::restaking::Operator;
use crate::vocab::Holder;
use std::collections::VecDeque;

/// What a redemption request is worth when it is paid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClaimRule {
    /// The tokens stay in the supply while they wait and are paid at the NAV of the day of
    /// payment: a slash while waiting hits them.
    AtPayment,
    /// The claim is fixed in ETH at the request: the tokens are burned and the protocol owes the
    /// ETH; a slash while waiting falls on the remaining holders.
    AtRequest,
    /// The lower of the two (Renzo): losses while waiting hit the request, gains do not.
    LowerOf,
}

/// What backs an LRT's restaked assets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backing {
    /// Natively restaked ETH: a withdrawal needs the beacon-chain exit too.
    Native,
    /// Liquid tokens (LSTs, ERC-20 vaults): only the restaking protocol's delay.
    Liquid,
}

/// The instant route: a withdrawal paid from the buffer at once, for a fee that is `min_fee`
/// while the buffer is at or above its target and rises linearly to `max_fee` as it falls to
/// `floor` x target; no instant withdrawal takes it below that.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct InstantRoute {
    pub min_fee: f64,
    pub max_fee: f64,
    /// Share of the buffer target that instant withdrawals may not use (Renzo's
    /// `allowedBufferDrawdownBps`: 0.9 leaves only a tenth of the target for them).
    pub floor: f64,
}

impl InstantRoute {
    /// Renzo's `getFeeBasisPoints`: min fee at or above the target, max fee at the floor, linear in
    /// between, measured on the buffer left after the withdrawal.
    pub fn fee(&self, after: f64, target: f64) -> f64 {
        let floor = target * self.floor;
        if target - floor <= 0.0 {
            return if after >= target { self.min_fee } else { self.max_fee };
        }
        let remaining = (after - floor) / (target - floor);
        if remaining > 1.0 {
            self.min_fee
        } else {
            self.min_fee + (self.max_fee - self.min_fee) * (1.0 - remaining.max(0.0))
        }
    }
}

/// A redemption request.
#[derive(Clone, Copy, Debug)]
pub struct Redemption {
    pub owner: Holder,
    /// Tokens escrowed (still in the supply; 0 under [`ClaimRule::AtRequest`]).
    pub tokens: f64,
    /// The tokens the request stands for, for its owner's books (decreases as it is paid).
    pub claim_tokens: f64,
    /// ETH the request may claim at most: its value at the request (`f64::INFINITY` under
    /// [`ClaimRule::AtPayment`]).
    pub cap_eth: f64,
    pub requested_step: u64,
    /// No payment before this step.
    pub claimable_step: u64,
}

/// Shares on their way out of an operator: slashable until `mature_step`.
#[derive(Clone, Copy, Debug)]
pub struct Withdrawal {
    pub operator: usize,
    pub shares: f64,
    pub mature_step: u64,
}

/// What one settlement paid out of the queue.
#[derive(Clone, Copy, Debug, Default)]
pub struct Payout {
    pub eth: f64,
    pub tokens: f64,
    /// Longest wait, in steps, of a request paid in full.
    pub longest_wait_steps: u64,
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
    /// Whether holders can join the redemption queue.
    pub redemptions_open: bool,
    /// Withdrawals paused (a shock): no new requests, no payments, no instant withdrawals.
    pub paused: bool,
    /// Deposits paused: nobody can mint.
    pub deposits_paused: bool,
    pub cooldown_steps: u64,
    pub claim: ClaimRule,
    pub backing: Backing,
    pub instant: Option<InstantRoute>,
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
    /// ETH owed to fixed claims in `queue` ([`ClaimRule::AtRequest`]).
    pub owed_eth: f64,
    /// Expected wait for a redemption requested in the next step, in seconds (updated in
    /// settlement; `f64::INFINITY` while redemptions are closed or paused).
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

    /// Assets net of what is owed to fixed claims.
    pub fn total_assets(&self, operators: &[Operator]) -> f64 {
        self.buffer_eth + self.restaked_eth(operators) - self.owed_eth
    }

    pub fn nav(&self, operators: &[Operator]) -> f64 {
        if self.supply > 0.0 { self.total_assets(operators) / self.supply } else { 1.0 }
    }

    /// Whether a holder may ask to redeem now.
    pub fn accepts_requests(&self) -> bool {
        self.redemptions_open && !self.paused
    }

    /// What the queue would pay now if every request were due, in ETH at `nav`.
    pub fn queue_due(&self, nav: f64) -> f64 {
        match self.claim {
            ClaimRule::AtPayment => self.queued_tokens * nav,
            _ => self.queue.iter().map(|r| due(self.claim, r, nav)).sum(),
        }
    }

    /// The buffer's target: its share of the assets not owed to the queue.
    pub fn buffer_target(&self, operators: &[Operator], nav: f64) -> f64 {
        self.buffer_fraction * (self.total_assets(operators) - self.queue_due(nav)).max(0.0)
    }

    /// ETH an instant withdrawal may take now (above the floor, after what the queue is owed).
    pub fn instant_capacity(&self, operators: &[Operator], nav: f64) -> f64 {
        let Some(route) = self.instant.filter(|_| !self.paused) else { return 0.0 };
        let available = self.buffer_eth - self.queue_due(nav);
        (available - self.buffer_target(operators, nav) * route.floor).max(0.0)
    }

    /// The fee of a marginal instant withdrawal now.
    pub fn instant_fee(&self, operators: &[Operator], nav: f64) -> f64 {
        self.instant
            .map_or(1.0, |route| route.fee(self.buffer_eth - self.queue_due(nav), self.buffer_target(operators, nav)))
    }

    /// Deposits `eth` by minting at NAV; the ETH goes to the buffer (restaked in settlement).
    pub fn mint(&mut self, eth: f64, nav: f64) -> f64 {
        let tokens = eth / nav;
        self.buffer_eth += eth;
        self.supply += tokens;
        tokens
    }

    /// Pays an instant withdrawal of up to `tokens` at `nav` from the buffer: as much as the
    /// capacity allows, for the fee at the buffer left after it (Renzo charges the whole
    /// withdrawal at that level). Burns the tokens used. Returns (tokens used, ETH paid to the
    /// holder, fee in ETH), or None when nothing can be paid.
    pub fn instant_withdraw(&mut self, operators: &[Operator], nav: f64, tokens: f64) -> Option<(f64, f64, f64)> {
        let route = self.instant.filter(|_| !self.paused)?;
        let eth = (tokens * nav).min(self.instant_capacity(operators, nav));
        if eth <= 1e-12 || nav <= 0.0 {
            return None;
        }
        let target = self.buffer_target(operators, nav);
        let fee = eth * route.fee(self.buffer_eth - self.queue_due(nav) - eth, target);
        let used = if eth >= tokens * nav { tokens } else { eth / nav };
        self.buffer_eth -= eth;
        self.supply -= used;
        Some((used, eth - fee, fee))
    }

    /// Adds a request by `owner` for `tokens` at `nav`, claimable from `step + cooldown`. Returns
    /// the most ETH the request may claim (`f64::INFINITY` when paid at the NAV of payment).
    pub fn request(&mut self, owner: Holder, tokens: f64, nav: f64, step: u64) -> f64 {
        let claimable_step = step + self.cooldown_steps;
        let value = tokens * nav;
        let r = match self.claim {
            ClaimRule::AtPayment => Redemption {
                owner,
                tokens,
                claim_tokens: tokens,
                cap_eth: f64::INFINITY,
                requested_step: step,
                claimable_step,
            },
            ClaimRule::LowerOf => {
                Redemption { owner, tokens, claim_tokens: tokens, cap_eth: value, requested_step: step, claimable_step }
            }
            ClaimRule::AtRequest => {
                // Burned now; the protocol owes the ETH (NAV unchanged: assets and supply fall
                // in proportion).
                self.supply -= tokens;
                self.owed_eth += value;
                Redemption {
                    owner,
                    tokens: 0.0,
                    claim_tokens: tokens,
                    cap_eth: value,
                    requested_step: step,
                    claimable_step,
                }
            }
        };
        self.queued_tokens += r.tokens;
        self.queue.push_back(r);
        r.cap_eth
    }

    /// What a waiting claim on `tokens` with cap `cap_eth` is worth at `nav`.
    pub fn claim_value(&self, tokens: f64, cap_eth: f64, nav: f64) -> f64 {
        match self.claim {
            ClaimRule::AtPayment => tokens * nav,
            ClaimRule::LowerOf => (tokens * nav).min(cap_eth),
            ClaimRule::AtRequest => cap_eth,
        }
    }

    /// Pays the queue first in, first out, from the buffer: only requests whose cooldown has
    /// passed, never more than the buffer holds. Calls `pay(owner, eth, claim_tokens)` for every
    /// payment, in queue order (`claim_tokens`: the part of the request's tokens it settles).
    pub fn pay_queue(&mut self, step: u64, nav: f64, mut pay: impl FnMut(Holder, f64, f64)) -> Payout {
        let mut out = Payout::default();
        if self.paused {
            return out;
        }
        while let Some(&front) = self.queue.front() {
            if front.claimable_step > step {
                break;
            }
            let owed = due(self.claim, &front, nav);
            if self.buffer_eth <= 1e-12 || owed <= 0.0 {
                if owed <= 0.0 {
                    self.queue.pop_front();
                    continue;
                }
                break;
            }
            let eth = owed.min(self.buffer_eth);
            let share = eth / owed;
            let full = share >= 1.0 - 1e-12;
            let tokens = if full { front.tokens } else { front.tokens * share };
            let settled = if full { front.claim_tokens } else { front.claim_tokens * share };
            self.buffer_eth -= eth;
            self.supply -= tokens;
            self.queued_tokens -= tokens;
            if self.claim == ClaimRule::AtRequest {
                self.owed_eth -= eth;
            }
            pay(front.owner, eth, settled);
            out.eth += eth;
            out.tokens += tokens;
            if full {
                out.longest_wait_steps = out.longest_wait_steps.max(step - front.requested_step);
                self.queue.pop_front();
            } else {
                let r = &mut self.queue[0];
                r.tokens -= tokens;
                r.claim_tokens -= settled;
                r.cap_eth -= if r.cap_eth.is_finite() { r.cap_eth * share } else { 0.0 };
                break;
            }
        }
        if self.queue.is_empty() {
            // Nothing waits: what the running totals kept is rounding.
            self.queued_tokens = 0.0;
            self.owed_eth = 0.0;
        }
        out
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

    /// The step at which a request of `extra` ETH made at `step` would be paid in full, given
    /// what the queue is owed now, the buffer, the withdrawals in flight, and a new withdrawal of
    /// whatever they do not cover, started at `step` and maturing after `new_wait_steps(eth)`.
    pub fn payment_step(
        &self,
        operators: &[Operator],
        nav: f64,
        step: u64,
        extra: f64,
        new_wait_steps: impl Fn(f64) -> u64,
    ) -> u64 {
        let claimable = step + self.cooldown_steps;
        let need = self.queue_due(nav) + extra;
        let mut have = self.buffer_eth;
        if have >= need {
            return claimable;
        }
        let mut arrivals: Vec<(u64, f64)> =
            self.withdrawals.iter().map(|w| (w.mature_step, w.shares * operators[w.operator].share_value())).collect();
        arrivals.sort_by_key(|a| a.0);
        for (at, eth) in arrivals {
            have += eth;
            if have >= need {
                return claimable.max(at);
            }
        }
        claimable.max(step + new_wait_steps(need - have))
    }
}

/// ETH owed to request `r` if paid in full at `nav`.
fn due(claim: ClaimRule, r: &Redemption, nav: f64) -> f64 {
    match claim {
        ClaimRule::AtPayment => r.tokens * nav,
        ClaimRule::LowerOf => (r.tokens * nav).min(r.cap_eth),
        ClaimRule::AtRequest => r.cap_eth,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_instant_fee_follows_renzos_curve() {
        // min 0.1%, max 2%, floor 90% of a 1,000 ETH target: the fee is 0.1% at or above the
        // target, 2% at the floor (900 ETH left), linear in between: at 950 left, halfway,
        // 0.1% + (2% - 0.1%) x 0.5 = 1.05%; at 975, 0.1% + 1.9% x 0.25 = 0.575%.
        let r = InstantRoute { min_fee: 0.001, max_fee: 0.02, floor: 0.9 };
        let close = |a: f64, b: f64| (a - b).abs() < 1e-15;
        assert!(close(r.fee(1200.0, 1000.0), 0.001));
        assert!(close(r.fee(1000.0, 1000.0), 0.001));
        assert!(close(r.fee(950.0, 1000.0), 0.0105));
        assert!(close(r.fee(975.0, 1000.0), 0.00575));
        assert!(close(r.fee(900.0, 1000.0), 0.02));
    }

    fn lrt(claim: ClaimRule, buffer: f64, cooldown_steps: u64) -> Lrt {
        Lrt {
            id: "x".into(),
            protocol: 0,
            supply: 1000.0,
            passive_holdings: 1000.0,
            buffer_eth: buffer,
            buffer_fraction: 0.0,
            redemptions_open: true,
            paused: false,
            deposits_paused: false,
            cooldown_steps,
            claim,
            backing: Backing::Native,
            instant: None,
            protocol_fee: 0.0,
            delegation: vec![],
            shares: vec![],
            withdrawing: vec![],
            withdrawals: VecDeque::new(),
            queue: VecDeque::new(),
            queued_tokens: 0.0,
            owed_eth: 0.0,
            expected_wait_seconds: 0.0,
            slashed_eth: 0.0,
        }
    }

    fn pay(l: &mut Lrt, step: u64, nav: f64) -> (Payout, Vec<(Holder, f64)>) {
        let mut paid = Vec::new();
        let out = l.pay_queue(step, nav, |h, eth, _| paid.push((h, eth)));
        (out, paid)
    }

    #[test]
    fn the_queue_pays_in_order_after_its_cooldown_and_only_what_arrived() {
        // Buffer 150 ETH at NAV 1; A asks 100 at step 0, B 100 at step 1; cooldown 3 steps.
        let mut l = lrt(ClaimRule::AtPayment, 150.0, 3);
        l.passive_holdings -= 200.0;
        l.request(Holder::Retail(0), 100.0, 1.0, 0);
        l.request(Holder::Retail(1), 100.0, 1.0, 1);
        // Before the cooldown nothing is paid, although the buffer holds the ETH.
        assert_eq!(pay(&mut l, 2, 1.0).0.eth, 0.0);
        // Step 3: A is due (claimable at 3) and paid in full; B (claimable at 4) waits.
        let (out, paid) = pay(&mut l, 3, 1.0);
        assert_eq!(paid, vec![(Holder::Retail(0), 100.0)]);
        assert_eq!((out.eth, out.longest_wait_steps), (100.0, 3));
        // Step 4: B is due but only 50 ETH are left: it is paid 50, never more.
        let (out, paid) = pay(&mut l, 4, 1.0);
        assert_eq!(paid, vec![(Holder::Retail(1), 50.0)]);
        assert_eq!(out.longest_wait_steps, 0, "B is not paid in full");
        assert_eq!(l.buffer_eth, 0.0);
        assert_eq!(l.queued_tokens, 50.0);
        // 60 ETH arrive: B's remaining 50 is paid, 10 stay in the buffer.
        l.buffer_eth += 60.0;
        let (out, paid) = pay(&mut l, 5, 1.0);
        assert_eq!(paid, vec![(Holder::Retail(1), 50.0)]);
        assert_eq!((out.longest_wait_steps, l.buffer_eth, l.queue.len()), (4, 10.0, 0));
        assert_eq!(l.supply, 800.0, "paid tokens are burned");
    }

    #[test]
    fn claim_rules_decide_who_bears_a_slash_while_waiting() {
        // 100 tokens requested at NAV 1.0; NAV falls to 0.8 (or rises to 1.1) before payment.
        let paid = |claim, nav| {
            let mut l = lrt(claim, 1000.0, 0);
            l.request(Holder::Retail(0), 100.0, 1.0, 0);
            pay(&mut l, 0, nav).0.eth
        };
        assert_eq!(paid(ClaimRule::AtPayment, 0.8), 80.0);
        assert_eq!(paid(ClaimRule::AtPayment, 1.1), 100.0 * 1.1);
        assert_eq!(paid(ClaimRule::AtRequest, 0.8), 100.0);
        assert_eq!(paid(ClaimRule::AtRequest, 1.1), 100.0);
        // Renzo: the lower of the two.
        assert_eq!(paid(ClaimRule::LowerOf, 0.8), 80.0);
        assert_eq!(paid(ClaimRule::LowerOf, 1.1), 100.0);
    }

    #[test]
    fn a_paused_queue_pays_nothing_and_takes_no_instant_withdrawal() {
        let mut l = lrt(ClaimRule::AtPayment, 1000.0, 0);
        l.instant = Some(InstantRoute { min_fee: 0.001, max_fee: 0.01, floor: 0.0 });
        l.request(Holder::Retail(0), 100.0, 1.0, 0);
        l.paused = true;
        assert_eq!(pay(&mut l, 5, 1.0).0.eth, 0.0);
        assert!(l.instant_withdraw(&[], 1.0, 10.0).is_none());
        assert!(!l.accepts_requests());
        l.paused = false;
        assert_eq!(pay(&mut l, 5, 1.0).0.eth, 100.0);
    }

    #[test]
    fn instant_withdrawals_charge_the_fee_at_the_buffer_they_leave() {
        // Buffer 1,000 ETH = its target (buffer_fraction 1: nothing restaked), floor 90%: 100 ETH
        // usable. Withdrawing 50 leaves 950: fee 0.1% + 1.9% x 0.5 = 1.05% of 50 = 0.525 ETH.
        let mut l = lrt(ClaimRule::AtPayment, 1000.0, 0);
        l.buffer_fraction = 1.0;
        l.instant = Some(InstantRoute { min_fee: 0.001, max_fee: 0.02, floor: 0.9 });
        assert!((l.instant_capacity(&[], 1.0) - 100.0).abs() < 1e-9);
        let (used, eth, fee) = l.instant_withdraw(&[], 1.0, 50.0).unwrap();
        assert_eq!(used, 50.0);
        assert!((fee - 0.525).abs() < 1e-12, "fee {fee}");
        assert!((eth - 49.475).abs() < 1e-12);
        // The target is now 950 x 1 (the assets fell), the floor 855: 95 usable; a request for
        // 200 is paid 95 and the rest is left to the pool.
        let (used, _, fee) = l.instant_withdraw(&[], 1.0, 200.0).unwrap();
        assert!((used - 95.0).abs() < 1e-9, "used {used}");
        assert!((fee - 95.0 * 0.02).abs() < 1e-9, "at the floor: the max fee");
        assert!((l.buffer_eth - 855.0).abs() < 1e-9, "the buffer stops at the floor");
    }
}
