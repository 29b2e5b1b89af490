//! The position-level interface every lending mechanism implements once.
//!
//! A book owns its positions, addressed by slot (the index the market gave the borrower when the
//! world was built), and answers the questions the world asks of a position — what it is worth,
//! whether it is healthy, what a liquidation would do — in the same words whatever the mechanism.
//! A third mechanism (an Euler-like pair, a vault) is one more `impl Positions`, plus one arm in
//! the dispatch of `market/mod.rs`.

use crate::pool::LrtPool;
use crate::vocab::Asset;
use restake_lending::LendingError;

/// A borrower's position as its owner sees it at the step's oracle prices. Amounts in asset
/// units, values in ETH.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Position {
    /// Collateral of the owner's collateral asset.
    pub collateral: f64,
    /// Debt of the owner's debt asset.
    pub debt: f64,
    /// Oracle price of the collateral.
    pub coll_price: f64,
    /// Oracle price of the debt asset.
    pub debt_price: f64,
    /// Weight of the collateral in the health factor: LLTV, or the (e-mode aware) liquidation
    /// threshold.
    pub weight: f64,
    /// Sum over collaterals of amount x oracle price x weight.
    pub limit: f64,
    /// Sum over debts of amount x oracle price.
    pub debt_value: f64,
    pub hf: f64,
}

/// Which of a position's assets a liquidation takes and repays (reserve indices are 0 on a
/// single-collateral market).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Target {
    pub collateral: Asset,
    pub debt: Asset,
    pub coll_reserve: usize,
    pub debt_reserve: usize,
    /// The pool the collateral's oracle reads, if it follows a market price.
    pub feed_pool: Option<usize>,
}

/// What the liquidation loop should do with an unhealthy position.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Next {
    Liquidate(Target),
    /// Nothing left to seize: the remaining debt can only be written off.
    WriteOff(Target),
    /// Nothing a liquidator can take.
    Skip,
}

/// A previewed liquidation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Quote {
    /// The request to execute if this quote is taken (in debt units; may be `f64::INFINITY`).
    pub execute: f64,
    /// Debt repaid, in debt units.
    pub repaid: f64,
    /// Collateral the liquidator receives.
    pub liquidator_seized: f64,
    /// The liquidator receives a claim on the collateral reserve (Aave's aTokens), not the
    /// underlying: the reserve has no cash to pay it out now.
    pub claim: bool,
}

/// Why a liquidation cannot be quoted.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum NoQuote {
    /// Not this size: a smaller request will not do either; try the next liquidator.
    Skip,
    /// Nobody can liquidate this position now (e.g. no cash to pay the seizure).
    Stop,
    /// A partial liquidation of this size would leave dust; the whole position may be taken.
    TooSmall,
}

/// What a liquidation did.
#[derive(Clone, Debug, PartialEq)]
pub struct Liquidated {
    /// Debt repaid, in debt units.
    pub repaid: f64,
    /// Collateral that left the borrower (liquidator's part plus any protocol fee).
    pub seized: f64,
    pub liquidator_seized: f64,
    /// The seizure was received as a claim on the reserve (see [`Quote::claim`]).
    pub claim: bool,
    /// Bad debt booked by this liquidation, in ETH at the oracle.
    pub bad_debt_eth: f64,
    /// The oracle price the liquidation used: collateral in units of the debt asset.
    pub oracle_price: f64,
    /// The position has no collateral left.
    pub no_collateral_left: bool,
    /// A note for the event (e.g. the reserves and the close factor).
    pub label: Option<String>,
}

/// The position-level interface of a lending mechanism.
pub(crate) trait Positions {
    /// Number of positions (slots).
    fn len(&self) -> usize;
    /// Position `slot` at the step's oracle prices, read through the owner's collateral and debt
    /// reserves.
    fn view(&self, slot: usize, coll_reserve: usize, debt_reserve: usize) -> Position;
    /// Brings position `slot`'s data into cache ahead of a `view` (a hint).
    fn prefetch(&self, slot: usize);
    /// Units of reserve `r` supplied (as collateral) by position `slot`.
    fn supplied(&self, slot: usize, r: usize) -> f64;
    /// Debt of position `slot` in reserve `r`.
    fn debt(&self, slot: usize, r: usize) -> f64;
    /// Repays up to `amount` of reserve `r`'s debt; returns what was repaid.
    fn repay(&mut self, slot: usize, r: usize, amount: f64) -> f64;
    /// Releases up to `amount` of collateral without a health check (an atomic unwind that has
    /// repaid first); returns what was released.
    fn release(&mut self, slot: usize, r: usize, amount: f64) -> f64;

    /// Reads the oracles for a liquidation round (a live pool-spot feed sees the pool now).
    fn begin_round(&mut self, pools: &[LrtPool], step: u64, eth_usd: f64);
    /// (health factor, slot) of every position with debt whose health factor is below 1 at the
    /// round's prices, into `out` (found in parallel; a book may skip positions it can prove
    /// healthy). A single-collateral book leaves out the positions with collateral left whose
    /// amount `seizable` refuses (no liquidator could profit from them); a multi-collateral
    /// book, whose seizure depends on the reserve a liquidator takes, lists them all.
    fn unhealthy(&mut self, seizable: impl Fn(f64) -> bool + Sync, out: &mut Vec<(f64, u32)>);
    /// What to do with an unhealthy position.
    fn next(&self, slot: usize) -> Next;
    /// The most debt one liquidation may repay now.
    fn max_repay(&self, slot: usize, t: &Target) -> Result<f64, NoQuote>;
    /// A liquidation repaying up to `request` (debt units; `f64::INFINITY` for the most allowed).
    fn quote(&self, slot: usize, t: &Target, request: f64) -> Result<Quote, NoQuote>;
    /// Executes a quote's request for liquidator `liquidator` (who keeps a claim on the reserve if
    /// the quote said so).
    fn liquidate(&mut self, slot: usize, t: &Target, q: &Quote, liquidator: usize) -> Result<Liquidated, LendingError>;
    /// Books the debt of a position with nothing left to seize as bad debt: (ETH, the oracle
    /// price used); 0 if the mechanism books it only inside a liquidation.
    fn write_off(&mut self, slot: usize) -> (f64, f64);
    /// Net insolvent debt, in ETH: over positions whose collateral is worth less than their debt,
    /// the debt less the collateral's value, in one scan under three valuations: `[at the step's
    /// oracle prices, at market prices, at backing prices]` (ETH per unit of an asset: an LRT at
    /// its pool, and at its NAV). What lenders lose if those positions are never liquidated.
    fn net_insolvent(&self, market: &dyn Fn(Asset) -> f64, backing: &dyn Fn(Asset) -> f64) -> [f64; 3];
    /// Withdraws what the reserves' cash allows of liquidator `liquidator`'s claims, into `out`
    /// as (asset, amount). Mechanisms without claims have none.
    fn withdraw_claims(&mut self, _liquidator: usize, _out: &mut Vec<(Asset, f64)>) {}
    /// Whether liquidator `liquidator` holds any claim.
    fn has_claims(&self, _liquidator: usize) -> bool {
        false
    }
}
