//! Leveraged agents: loopers (LRT collateral, ETH debt) and ETH-collateral USD borrowers — what
//! their position looks like to them, when they deleverage or unwind, and how an unwind runs.
//!
//! **The USD leg.** There is no ETH/USD pool in the world. The USD stablecoin is bought and sold
//! on an exogenous deep market at the step's ETH/USD price, without fee or price impact: a
//! borrower levering ETH sells borrowed USD there for ETH; a deleveraging borrower sells ETH
//! there for the USD it repays; a liquidator buys there the USD it repays and keeps the ETH it
//! seizes. Those trades move ETH and USD across the world's boundary, so the books keep two
//! conservation laws: ETH held = ETH at the start + rewards - slashed - fees - gas + net ETH bought
//! from the ETH/USD market (`Ledger::usd_market_eth`), and USD held (pooled USD reserves' cash and
//! lenders' USD wallets) = USD at the start + net USD bought from it (`Ledger::usd_market_usd`).
//! USD *debt* is a claim, not a holding: it enters the books only through the reserve's cash
//! that was lent out, and leaves them as a deficit (bad debt) if collateral runs out.

use super::*;
use crate::market::Position;
use crate::population::{Intent, Status, Strategy};

impl World {
    /// The position of agent `i` in its cohort's market, if it has one.
    #[inline]
    pub fn position(&self, i: usize) -> Option<Position> {
        let pop = &self.agents.pop;
        let cohort = &self.agents.cohorts[pop.cohort[i] as usize];
        let (m, leg) = (cohort.market?, cohort.leg?);
        if !matches!(pop.strategy[i], Strategy::Looper | Strategy::Borrower) {
            return None;
        }
        Some(self.lending.markets[m].position(pop.slot[i] as usize, leg.coll_reserve, leg.debt_reserve))
    }

    /// Debt of agent `i` in its cohort's market, valued in ETH at the oracle.
    pub fn debt_of(&self, i: usize) -> f64 {
        self.position(i).map_or(0.0, |p| p.debt_value)
    }

    /// Collateral tokens of agent `i` (its cohort's collateral asset), wherever they are held:
    /// read off the position's supply, without valuing the position.
    #[inline]
    pub fn collateral_of(&self, i: usize) -> f64 {
        let pop = &self.agents.pop;
        let cohort = &self.agents.cohorts[pop.cohort[i] as usize];
        match (cohort.market, cohort.leg, pop.strategy[i]) {
            (Some(m), Some(leg), Strategy::Looper | Strategy::Borrower) => {
                self.lending.markets[m].supplied(pop.slot[i] as usize, leg.coll_reserve)
            }
            _ => 0.0,
        }
    }

    /// Collateral (at market price) minus debt (at market price) of agent `i`'s position, in ETH.
    pub fn position_equity(&self, i: usize) -> f64 {
        let Some(leg) = self.agents.cohorts[self.agents.pop.cohort[i] as usize].leg else { return 0.0 };
        match self.position(i) {
            Some(p) => p.collateral * self.market_price(leg.collateral) - p.debt * self.market_price(leg.debt),
            None => 0.0,
        }
    }

    /// Mark-to-market net wealth of agent `i` in ETH: wallet, LRT at the pool price, a waiting
    /// redemption at what it will be paid (by the LRT's claim rule, at NAV now), and the equity of
    /// its position (collateral at market less debt at market, at least 0).
    pub fn wealth_of(&self, i: usize) -> f64 {
        let pop = &self.agents.pop;
        let c = &self.agents.cohorts[pop.cohort[i] as usize];
        let wallet = match self.liquidity.views.get(c.lrt) {
            Some(v) => {
                let claim = if pop.queued[i] > 0.0 {
                    self.liquidity.lrts[c.lrt].claim_value(pop.queued[i], pop.queued_cap[i], v.nav)
                } else {
                    0.0
                };
                pop.lrt[i] * v.price + claim
            }
            None => 0.0,
        };
        // Loans are non-recourse: an underwater borrower walks away and loses the position, no more.
        pop.eth[i] + wallet + self.position_equity(i).max(0.0)
    }

    /// A looper's or borrower's decision: unwind in panic, deleverage back to target when the
    /// health factor falls below its personal level, else hold. Returns the intent and the
    /// collateral to sell.
    pub(super) fn decide_leveraged(&self, i: usize) -> (Intent, f64) {
        let pop = &self.agents.pop;
        let cohort = &self.agents.cohorts[pop.cohort[i] as usize];
        let (Some(leg), Some(p)) = (cohort.leg, self.position(i)) else { return (Intent::Hold, 0.0) };
        let c = p.collateral;
        if c <= 0.0 {
            return (Intent::Hold, 0.0);
        }
        let views = &self.liquidity.views;
        // Herding: the more holders of the LRT exited lately, the less loss it takes to follow.
        let threshold = match leg.collateral {
            Asset::Lrt(l) => {
                (pop.panic_loss[i] as f64)
                    * (1.0 - ((pop.herd_sensitivity[i] as f64) * views[l].exit_pressure).min(1.0))
            }
            _ => pop.panic_loss[i] as f64,
        };
        let fee = match leg.collateral {
            Asset::Lrt(l) => views[l].pool_fee,
            _ => 0.0,
        };
        let p_sell = self.market_price(leg.collateral) * (1.0 - fee);
        let debt_mkt = self.market_price(leg.debt);
        let equity = c * p_sell - p.debt * debt_mkt;
        if equity <= 0.0 {
            // Underwater: selling cannot repay; a rational borrower walks away.
            return (Intent::Hold, 0.0);
        }
        // What the position is worth to its owner: an LRT at no more than its NAV (a slash is
        // public) and no more than the pool pays.
        let worth = match leg.collateral {
            Asset::Lrt(l) => p_sell.min(views[l].nav),
            _ => p_sell,
        };
        if 1.0 - (c * worth - p.debt * debt_mkt) / pop.initial_wealth[i] >= threshold {
            return (Intent::Unwind, c);
        }
        if p.hf >= pop.deleverage_hf[i] {
            return (Intent::Hold, 0.0);
        }
        // Sell x so that HF returns to h: (L - x P_o w) = h (D_v - x p'), with p' the proceeds
        // per unit valued at the debt's oracle: x = (h D_v - L) / (h p' - P_o w).
        let h = pop.target_hf[i];
        let p_repay = p_sell * p.debt_price / debt_mkt;
        let denom = h * p_repay - p.coll_price * p.weight;
        if denom <= 0.0 {
            return (Intent::Unwind, c);
        }
        let x = ((h * p.debt_value - p.limit) / denom).clamp(0.0, c);
        if x >= c { (Intent::Unwind, c) } else { (Intent::Deleverage, x) }
    }

    /// Whether selling `sold` of agent `i`'s collateral for `proceeds` (in the debt asset) and
    /// repaying with them leaves the position healthy at the oracle, or without debt: the check
    /// of the lending protocol on withdrawing collateral, which makes a deleverage that falls
    /// short revert.
    pub(super) fn sale_repays(&self, i: usize, sold: f64, proceeds: f64) -> bool {
        let Some(p) = self.position(i) else { return false };
        let leg = self.agents.cohorts[self.agents.pop.cohort[i] as usize].leg;
        // Proceeds in ETH buy the debt asset at its market price.
        let per_eth = leg.map_or(1.0, |g| 1.0 / self.market_price(g.debt));
        let repaid = (proceeds * per_eth).min(p.debt);
        let debt_left = (p.debt - repaid) * p.debt_price;
        let limit_left = p.limit - sold.min(p.collateral) * p.coll_price * p.weight;
        debt_left <= 1e-12 * p.debt_value.max(1.0) || limit_left >= debt_left
    }

    /// Repays agent `i`'s debt with `eth` of sale proceeds and releases `sold` collateral (the
    /// sale cleared in the step's pool batch; on chain the flash-loan deleverage is atomic).
    /// Returns the ETH used.
    pub(super) fn repay_and_release(&mut self, i: usize, eth: f64, sold: f64) -> f64 {
        let pop = &self.agents.pop;
        let cohort = &self.agents.cohorts[pop.cohort[i] as usize];
        let (Some(m), Some(leg)) = (cohort.market, cohort.leg) else { return 0.0 };
        let slot = pop.slot[i] as usize;
        if leg.debt == Asset::Usd {
            // USD debt: the proceeds buy the USD it repays on the ETH/USD market.
            let owed = self.lending.markets[m].debt(slot, leg.debt_reserve);
            let usd = (eth * self.eth.usd).min(owed);
            let market = &mut self.lending.markets[m];
            let repaid = market.repay(slot, leg.debt_reserve, usd);
            market.release(slot, leg.coll_reserve, sold);
            return self.buy_usd(repaid);
        }
        let market = &mut self.lending.markets[m];
        let used = market.repay(slot, leg.debt_reserve, eth);
        market.release(slot, leg.coll_reserve, sold);
        used
    }

    /// An ETH-collateral USD borrower deleverages (or unwinds) through the deep ETH/USD market:
    /// withdraws `x` ETH, sells what repays the debt for USD, repays, and keeps the rest.
    /// Returns the debt repaid, in ETH.
    pub(super) fn deleverage_on_usd_market(&mut self, i: usize, x: f64, unwind: bool) -> f64 {
        let pop = &self.agents.pop;
        let cohort = &self.agents.cohorts[pop.cohort[i] as usize];
        let (Some(m), Some(leg)) = (cohort.market, cohort.leg) else { return 0.0 };
        let slot = pop.slot[i] as usize;
        let eth_usd = self.eth.usd;
        // Atomic (a flash loan of the USD): withdraw (limited by the ETH reserve's idle cash),
        // sell what repays, repay; if the position would be left unhealthy, nothing happens.
        let want = if unwind { f64::INFINITY } else { x };
        let market = &self.lending.markets[m];
        let debt = market.debt(slot, leg.debt_reserve);
        let out = want.min(market.supplied(slot, leg.coll_reserve)).min(market.cash_of(Asset::Eth));
        let usd = out.min(debt / eth_usd) * eth_usd;
        if out <= 0.0 || !self.sale_repays(i, out, usd / eth_usd) {
            self.obs.tally.reverted_deleverages += 1;
            return 0.0;
        }
        let market = &mut self.lending.markets[m];
        let repaid = market.repay(slot, leg.debt_reserve, usd);
        let out = market.release(slot, leg.coll_reserve, out);
        let left = market.supplied(slot, leg.coll_reserve);
        let eth_used = self.buy_usd(repaid);
        self.agents.pop.eth[i] += out - eth_used;
        if unwind && left <= 1e-12 {
            self.agents.pop.status[i] = Status::Exited;
        }
        eth_used
    }
}
