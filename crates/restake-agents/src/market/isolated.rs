//! The Morpho-Blue-like book: one LRT as collateral, ETH as the loan, an LLTV, positions as
//! struct-of-arrays by slot.

use super::book::{Liquidated, Next, NoQuote, Position, Positions, Quote, Target};
use super::feed::PriceFeed;
use super::scan::ScanBlocks;
use crate::pool::LrtPool;
use crate::vocab::Asset;
use restake_lending::isolated::LiquidationRequest;
use restake_lending::{IsolatedMarket, LendingError};

/// Collateral at or below this is nothing to seize: the position's debt is written off.
const NOTHING_TO_SEIZE: f64 = 1e-12;

#[derive(Clone, Debug)]
pub(crate) struct IsolatedBook {
    /// Collateral LRT index; the loan asset is ETH.
    pub lrt: usize,
    pub lltv: f64,
    pub inner: IsolatedMarket,
    pub feed: PriceFeed,
    /// Supply shares of the passive lenders.
    pub passive_shares: f64,
    /// Collateral of each position, by slot.
    pub collateral: Vec<f64>,
    /// Borrow shares of each position, by slot (debt = shares x borrow index).
    pub borrow_shares: Vec<f64>,
    /// The collateral's price in the current liquidation round.
    pub round_price: f64,
    /// What the liquidation scan may skip (`scan.rs`).
    scan: ScanBlocks,
}

impl IsolatedBook {
    pub fn new(lrt: usize, lltv: f64, inner: IsolatedMarket, feed: PriceFeed) -> Self {
        IsolatedBook {
            lrt,
            lltv,
            inner,
            feed,
            passive_shares: 0.0,
            collateral: Vec::new(),
            borrow_shares: Vec::new(),
            round_price: f64::NAN,
            scan: ScanBlocks::default(),
        }
    }

    /// Raises the liquidation scan's bound to cover `slot` as it is now: called by every
    /// change to a position's collateral or shares.
    pub fn cover(&mut self, slot: usize) {
        self.scan.cover(slot, self.collateral[slot], self.borrow_shares[slot]);
    }

    /// Opens the next position at the start of the run (deposit, then borrow at the oracle).
    pub fn open(&mut self, collateral: f64, debt: f64) {
        let (mut c, mut s) = (0.0, 0.0);
        self.inner.genesis_position(&mut c, &mut s, collateral, debt);
        self.collateral.push(c);
        self.borrow_shares.push(s);
        self.cover(self.collateral.len() - 1);
    }

    /// What every liquidation here takes and repays.
    pub fn target(&self) -> Target {
        Target {
            collateral: Asset::Lrt(self.lrt),
            debt: Asset::Eth,
            coll_reserve: 0,
            debt_reserve: 0,
            feed_pool: self.feed.pool,
        }
    }

    /// The liquidation scan's bounds cover every position (see `scan.rs`).
    pub fn check_scan_bounds(&self) -> Result<(), String> {
        self.scan.check(&self.collateral, &self.borrow_shares)
    }
}

impl Positions for IsolatedBook {
    fn len(&self) -> usize {
        self.collateral.len()
    }

    #[inline]
    fn view(&self, slot: usize, _coll_reserve: usize, _debt_reserve: usize) -> Position {
        let c = self.collateral[slot];
        let debt = self.inner.debt_of(self.borrow_shares[slot]);
        let price = self.feed.price;
        let limit = c * price * self.lltv;
        Position {
            collateral: c,
            debt,
            coll_price: price,
            debt_price: 1.0,
            weight: self.lltv,
            limit,
            debt_value: debt,
            hf: if debt > 0.0 { limit / debt } else { f64::INFINITY },
        }
    }

    fn prefetch(&self, slot: usize) {
        restake_engine::par::prefetch(&self.collateral, slot);
        restake_engine::par::prefetch(&self.borrow_shares, slot);
    }

    fn supplied(&self, slot: usize, _r: usize) -> f64 {
        self.collateral[slot]
    }

    fn debt(&self, slot: usize, _r: usize) -> f64 {
        self.inner.debt_of(self.borrow_shares[slot])
    }

    fn repay(&mut self, slot: usize, _r: usize, amount: f64) -> f64 {
        let repaid =
            if amount > 0.0 { self.inner.repay(&mut self.borrow_shares[slot], amount).unwrap_or(0.0) } else { 0.0 };
        self.cover(slot);
        repaid
    }

    fn release(&mut self, slot: usize, _r: usize, amount: f64) -> f64 {
        let released = self.inner.release_collateral(&mut self.collateral[slot], amount);
        self.cover(slot);
        released
    }

    fn begin_round(&mut self, pools: &[LrtPool], step: u64, _eth_usd: f64) {
        self.round_price = self.feed.round_price(pools, step);
    }

    fn unhealthy(&mut self, seizable: impl Fn(f64) -> bool + Sync, out: &mut Vec<(f64, u32)>) {
        let index = self.inner.borrow_index();
        // A position with nothing left to seize is written off, whatever `seizable` says.
        let listed = |c: f64| c <= NOTHING_TO_SEIZE || seizable(c);
        self.scan.unhealthy(&self.collateral, &self.borrow_shares, self.round_price, self.lltv, index, listed, out);
    }

    fn next(&self, slot: usize) -> Next {
        let t = self.target();
        if self.collateral[slot] <= NOTHING_TO_SEIZE { Next::WriteOff(t) } else { Next::Liquidate(t) }
    }

    fn max_repay(&self, slot: usize, _t: &Target) -> Result<f64, NoQuote> {
        // No close factor: the whole debt.
        Ok(self.inner.debt_of(self.borrow_shares[slot]))
    }

    fn quote(&self, slot: usize, _t: &Target, request: f64) -> Result<Quote, NoQuote> {
        let (c, s) = (self.collateral[slot], self.borrow_shares[slot]);
        match self.inner.preview_liquidation(c, s, self.round_price, LiquidationRequest::Repay(request)) {
            // Morpho has no protocol fee: the liquidator receives all that is seized.
            Ok(o) => Ok(Quote { execute: o.repaid, repaid: o.repaid, liquidator_seized: o.seized, claim: false }),
            Err(_) => Err(NoQuote::Skip),
        }
    }

    fn liquidate(&mut self, slot: usize, _t: &Target, q: &Quote, _li: usize) -> Result<Liquidated, LendingError> {
        let price = self.round_price;
        let o = self.inner.liquidate(
            &mut self.collateral[slot],
            &mut self.borrow_shares[slot],
            price,
            LiquidationRequest::Repay(q.execute),
        )?;
        self.cover(slot);
        Ok(Liquidated {
            repaid: o.repaid,
            seized: o.seized,
            liquidator_seized: o.liquidator_seized,
            // Morpho keeps collateral apart from the loan asset: it is always there to seize.
            claim: false,
            bad_debt_eth: o.bad_debt,
            oracle_price: price,
            no_collateral_left: self.collateral[slot] <= NOTHING_TO_SEIZE,
            label: None,
        })
    }

    fn net_insolvent(&self, market: &dyn Fn(Asset) -> f64, backing: &dyn Fn(Asset) -> f64) -> [f64; 3] {
        let lrt = Asset::Lrt(self.lrt);
        let prices = [self.feed.price, market(lrt), backing(lrt)];
        let mut out = [0.0; 3];
        for (c, &s) in self.collateral.iter().zip(&self.borrow_shares) {
            let debt = self.inner.debt_of(s);
            for (o, p) in out.iter_mut().zip(prices) {
                *o += (debt - c * p).max(0.0);
            }
        }
        out
    }

    fn write_off(&mut self, slot: usize) -> (f64, f64) {
        // Morpho books it on the next liquidation call, which anyone can make with zero repayment.
        let c = self.collateral[slot];
        self.inner.release_collateral(&mut self.collateral[slot], c);
        let price = self.round_price;
        let bad = self
            .inner
            .liquidate(&mut self.collateral[slot], &mut self.borrow_shares[slot], price, LiquidationRequest::Max)
            .map_or(0.0, |o| o.bad_debt);
        self.cover(slot);
        (bad, price)
    }
}
