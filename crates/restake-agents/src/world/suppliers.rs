//! The supplier run: lenders withdraw as utilisation or bad-debt fear rises.
//!
//! Each loan reserve (an isolated market's ETH, a pooled market's ETH or USD reserve) has a
//! passive aggregate that never moves and a small population of suppliers with personal
//! thresholds (see `scenario::SupplierConfig`). Once per step, after liquidations, each
//! supplier who looks (attention) withdraws everything when the reserve's utilisation reaches
//! its threshold or the market's bad debt reaches its threshold as a share of the supply at the
//! start. Withdrawals are paid from idle cash; what cash cannot pay waits in a FIFO queue per
//! reserve (at 100% utilisation nothing moves) and is paid first in later steps as borrowers
//! repay. Withdrawals raise utilisation, the kinked IRM raises the borrow rate, and the rest of
//! the suppliers see the higher utilisation next step: the run feeds on itself.

use super::*;
use crate::events::{Event, EventKind};
use crate::vocab::{entity, purpose};

impl World {
    pub(super) fn supplier_run(&mut self, ctx: &StepContext) {
        for m in 0..self.lending.markets.len() {
            let loss = self.lending.markets[m].bad_debt_eth() / self.lending.markets[m].initial_supply().max(1e-12);
            for k in 0..self.lending.markets[m].lenders().len() {
                let util = self.lending.markets[m].lender_utilisation(k);
                let mut requested = 0u32;
                {
                    let l = self.lending.markets[m].lenders_mut(k);
                    for j in 0..l.members.len() {
                        let s = &l.members[j];
                        if s.running {
                            continue;
                        }
                        let who = entity::lender(m, k, j);
                        if ctx.uniform(who, purpose::SUPPLIER_ATTENTION) >= l.attention {
                            continue;
                        }
                        if util >= s.utilisation_threshold || loss >= s.bad_debt_threshold {
                            l.members[j].running = true;
                            l.members[j].queued = true;
                            l.queue.push_back(j as u32);
                            requested += 1;
                        }
                    }
                }
                // Pay the queue in order from idle cash.
                let mut withdrawn = 0.0;
                while let Some(&j) = self.lending.markets[m].lenders()[k].queue.front() {
                    let out = self.lending.markets[m].supplier_withdraw(k, j as usize);
                    withdrawn += out.withdrawn;
                    if out.unfilled > 1e-9 {
                        break;
                    }
                    let l = self.lending.markets[m].lenders_mut(k);
                    l.queue.pop_front();
                    l.members[j as usize].queued = false;
                }
                if withdrawn > 0.0 || requested > 0 {
                    let asset = self.lending.markets[m].lenders()[k].asset;
                    let value = withdrawn * self.market_price(asset);
                    let waiting = self.withdrawal_queue(m, k).max(0.0);
                    let mut e = Event::new(EventKind::SupplierWithdrawal, Entity::Market(m as u32));
                    e.amount_token = withdrawn;
                    e.amount_eth = value;
                    let name = match asset {
                        Asset::Usd => "USD",
                        _ => "ETH",
                    };
                    e.label = Some(format!(
                        "{name}: {requested} new requests, {waiting:.6} {name} waiting at utilisation {util:.4}"
                    ));
                    self.obs.events.push(e);
                    self.obs.tally.market[m].supplier_withdrawn_eth += value;
                }
            }
        }
    }

    /// Assets waiting in the withdrawal queue of `markets[m].lenders()[k]`, in the reserve's asset.
    pub fn withdrawal_queue(&self, m: usize, k: usize) -> f64 {
        let mk = &self.lending.markets[m];
        mk.lenders()[k].queue.iter().map(|&j| mk.supplier_balance(k, j as usize)).sum()
    }

    /// Value of every withdrawal queue of market `m`, in ETH.
    pub fn withdrawal_queue_eth(&self, m: usize) -> f64 {
        (0..self.lending.markets[m].lenders().len())
            .map(|k| self.withdrawal_queue(m, k) * self.market_price(self.lending.markets[m].lenders()[k].asset))
            .sum()
    }
}
