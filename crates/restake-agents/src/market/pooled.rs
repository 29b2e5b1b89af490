//! The Aave-v3-like book: reserves of ETH, LRTs and a USD stablecoin, one cross-collateral
//! account per borrower (by slot), e-mode, a close factor, deficits.

use super::book::{Liquidated, Next, NoQuote, Position, Positions, Quote, Target};
use super::feed::PriceFeed;
use crate::pool::LrtPool;
use crate::vocab::Asset;
use rayon::prelude::*;
use restake_lending::{Account, LendingError, PooledMarket, Receive};

#[derive(Clone, Debug)]
pub(crate) struct PooledBook {
    pub inner: PooledMarket,
    /// Asset of each reserve.
    pub assets: Vec<Asset>,
    pub feeds: Vec<PriceFeed>,
    /// Oracle price of each reserve this step (ETH per unit).
    pub prices: Vec<f64>,
    /// Oracle prices in the current liquidation round.
    pub round_prices: Vec<f64>,
    /// ETH/USD in the current liquidation round (Aave's USD thresholds).
    pub round_eth_usd: f64,
    /// Borrowers' accounts, by slot.
    pub accounts: Vec<Account>,
    /// Passive lenders' account (idle supply of every reserve).
    pub passive: Account,
    /// Liquidators' claims on reserves (aTokens seized when a reserve had no cash), by
    /// liquidator; grown on first use.
    pub claims: Vec<Account>,
}

impl PooledBook {
    pub fn new(inner: PooledMarket, assets: Vec<Asset>, feeds: Vec<PriceFeed>) -> Self {
        let n = assets.len();
        PooledBook {
            passive: inner.new_account(),
            inner,
            prices: vec![f64::NAN; n],
            round_prices: Vec::with_capacity(n),
            round_eth_usd: f64::NAN,
            assets,
            feeds,
            accounts: Vec::new(),
            claims: Vec::new(),
        }
    }

    pub fn reserve_of(&self, asset: Asset) -> Option<usize> {
        self.assets.iter().position(|&a| a == asset)
    }

    /// Opens the next account at the start of the run: collateral supplied, e-mode entered, debt
    /// borrowed.
    pub fn open(&mut self, coll_reserve: usize, collateral: f64, emode: Option<usize>, debt_reserve: usize, debt: f64) {
        let mut acct = self.inner.new_account();
        self.inner.genesis_position(&mut acct, coll_reserve, collateral, emode, debt_reserve, debt);
        self.accounts.push(acct);
    }
}

impl PooledBook {
    fn preview(
        &self,
        slot: usize,
        t: &Target,
        request: f64,
        atoken: bool,
    ) -> Result<restake_lending::PooledLiquidationOutcome, LendingError> {
        let acct = &self.accounts[slot];
        let (rc, rd) = (t.coll_reserve, t.debt_reserve);
        self.inner.preview_liquidation(acct, rc, rd, request, &self.round_prices, self.round_eth_usd, atoken)
    }
}

impl Positions for PooledBook {
    fn len(&self) -> usize {
        self.accounts.len()
    }

    #[inline]
    fn view(&self, slot: usize, coll_reserve: usize, debt_reserve: usize) -> Position {
        let acct = &self.accounts[slot];
        let d = self.inner.account_data(acct, &self.prices).unwrap_or_default();
        Position {
            collateral: self.inner.supplied(acct, coll_reserve),
            debt: self.inner.debt(acct, debt_reserve),
            coll_price: self.prices[coll_reserve],
            debt_price: self.prices[debt_reserve],
            weight: self.inner.collateral_params(acct.emode, coll_reserve).1,
            limit: d.liquidation_limit,
            debt_value: d.total_debt,
            hf: if d.total_debt > 0.0 { d.health_factor } else { f64::INFINITY },
        }
    }

    fn prefetch(&self, slot: usize) {
        restake_engine::par::prefetch(&self.accounts, slot);
    }

    fn supplied(&self, slot: usize, r: usize) -> f64 {
        self.inner.supplied(&self.accounts[slot], r)
    }

    fn debt(&self, slot: usize, r: usize) -> f64 {
        self.inner.debt(&self.accounts[slot], r)
    }

    fn repay(&mut self, slot: usize, r: usize, amount: f64) -> f64 {
        if amount > 0.0 { self.inner.repay(&mut self.accounts[slot], r, amount).unwrap_or(0.0) } else { 0.0 }
    }

    fn release(&mut self, slot: usize, r: usize, amount: f64) -> f64 {
        self.inner.release_collateral(&mut self.accounts[slot], r, amount)
    }

    fn begin_round(&mut self, pools: &[LrtPool], step: u64, eth_usd: f64) {
        self.round_prices.clear();
        self.round_prices.extend(self.feeds.iter().map(|f| f.round_price(pools, step)));
        self.round_eth_usd = eth_usd;
    }

    fn unhealthy(&mut self, _seizable: impl Fn(f64) -> bool + Sync, out: &mut Vec<(f64, u32)>) {
        let (prices, inner): (&[f64], _) = (&self.round_prices, &self.inner);
        out.clear();
        out.par_extend(self.accounts.par_iter().enumerate().filter_map(|(k, a)| match inner.account_data(a, prices) {
            Ok(d) if d.total_debt > 1e-12 && d.health_factor < 1.0 => Some((d.health_factor, k as u32)),
            _ => None,
        }));
    }

    fn next(&self, slot: usize) -> Next {
        // The liquidator's pick of reserves: the largest collateral and the largest debt.
        let (acct, prices, inner) = (&self.accounts[slot], &self.round_prices, &self.inner);
        let value = |r: usize, debt: bool| {
            if debt { inner.debt(acct, r) * prices[r] } else { inner.supplied(acct, r) * prices[r] }
        };
        let n = self.assets.len();
        let rc = (0..n)
            .filter(|&r| inner.collateral_params(acct.emode, r).1 > 0.0 && inner.supplied(acct, r) > 0.0)
            .max_by(|&x, &y| value(x, false).total_cmp(&value(y, false)).then(y.cmp(&x)));
        let rd = (0..n)
            .filter(|&r| inner.debt(acct, r) > 0.0)
            .max_by(|&x, &y| value(x, true).total_cmp(&value(y, true)).then(y.cmp(&x)));
        let (Some(rc), Some(rd)) = (rc, rd) else { return Next::Skip };
        // LRTs cannot be borrowed (the scenario checks it).
        if matches!(self.assets[rd], Asset::Lrt(_)) {
            return Next::Skip;
        }
        Next::Liquidate(Target {
            collateral: self.assets[rc],
            debt: self.assets[rd],
            coll_reserve: rc,
            debt_reserve: rd,
            feed_pool: self.feeds[rc].pool,
        })
    }

    fn max_repay(&self, slot: usize, t: &Target) -> Result<f64, NoQuote> {
        // Bounded by the close factor; cash does not bound it (aTokens can be seized).
        self.preview(slot, t, f64::INFINITY, true).map(|p| p.outcome.repaid).map_err(|_| NoQuote::Stop)
    }

    fn quote(&self, slot: usize, t: &Target, request: f64) -> Result<Quote, NoQuote> {
        // The underlying if the collateral reserve has the cash, else its aTokens.
        let (p, claim) = match self.preview(slot, t, request, false) {
            Err(LendingError::InsufficientLiquidity { .. }) => (self.preview(slot, t, request, true), true),
            other => (other, false),
        };
        match p {
            // Execute the very request that was previewed (re-deriving it from `repaid` could
            // leave float dust of collateral and trip the dust rule).
            Ok(p) => Ok(Quote {
                execute: request,
                repaid: p.outcome.repaid,
                liquidator_seized: p.outcome.liquidator_seized,
                claim,
            }),
            Err(LendingError::MustNotLeaveDust { .. }) => Err(NoQuote::TooSmall),
            Err(_) => Err(NoQuote::Stop),
        }
    }

    fn liquidate(&mut self, slot: usize, t: &Target, q: &Quote, li: usize) -> Result<Liquidated, LendingError> {
        let (rc, rd) = (t.coll_reserve, t.debt_reserve);
        if q.claim && self.claims.len() <= li {
            let fresh = self.inner.new_account();
            self.claims.resize(li + 1, fresh);
        }
        let receive = if q.claim { Receive::AToken(&mut self.claims[li]) } else { Receive::Underlying };
        let acct = &mut self.accounts[slot];
        let out = self.inner.liquidate(acct, rc, rd, q.execute, &self.round_prices, self.round_eth_usd, receive)?;
        let names = &self.inner.params().reserves;
        Ok(Liquidated {
            repaid: out.outcome.repaid,
            seized: out.outcome.seized,
            liquidator_seized: out.outcome.liquidator_seized,
            claim: q.claim,
            bad_debt_eth: out.bad_debt_value,
            // The collateral in units of the debt asset (as Morpho's oracle reports it): rsETH in
            // ETH, or ETH in USD.
            oracle_price: self.round_prices[rc] / self.round_prices[rd],
            no_collateral_left: out.no_collateral_left,
            label: Some(format!(
                "{}/{} close factor {}{}",
                names[rc].name,
                names[rd].name,
                out.close_factor,
                if q.claim { ", aTokens" } else { "" }
            )),
        })
    }

    fn withdraw_claims(&mut self, li: usize, out: &mut Vec<(Asset, f64)>) {
        let Some(acct) = self.claims.get_mut(li) else { return };
        for r in 0..self.assets.len() {
            let want = self.inner.supplied(acct, r);
            if want > 0.0 {
                let got = self.inner.release_collateral(acct, r, want);
                if got > 0.0 {
                    out.push((self.assets[r], got));
                }
            }
        }
    }

    fn has_claims(&self, li: usize) -> bool {
        self.claims.get(li).is_some_and(|a| a.supplied_scaled.iter().any(|&s| s > 0.0))
    }

    fn net_insolvent(&self, market: &dyn Fn(Asset) -> f64, backing: &dyn Fn(Asset) -> f64) -> [f64; 3] {
        let at_market: Vec<f64> = self.assets.iter().map(|&a| market(a)).collect();
        let at_backing: Vec<f64> = self.assets.iter().map(|&a| backing(a)).collect();
        let valuations = [self.prices.as_slice(), &at_market, &at_backing];
        let mut out = [0.0; 3];
        for acct in &self.accounts {
            // The account's (collateral, debt) under each valuation.
            let mut value = [(0.0, 0.0); 3];
            for r in 0..self.assets.len() {
                let (c, d) = (self.inner.supplied(acct, r), self.inner.debt(acct, r));
                for ((coll, debt), v) in value.iter_mut().zip(valuations) {
                    *coll += c * v[r];
                    *debt += d * v[r];
                }
            }
            for (o, (coll, debt)) in out.iter_mut().zip(value) {
                *o += (debt - coll).max(0.0);
            }
        }
        out
    }

    fn write_off(&mut self, _slot: usize) -> (f64, f64) {
        // Aave books deficits inside the liquidation that takes the last collateral.
        (0.0, f64::NAN)
    }
}
