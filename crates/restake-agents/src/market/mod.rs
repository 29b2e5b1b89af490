//! Lending markets: the Morpho-Blue-like and Aave-v3-like mechanisms of `restake-lending` with
//! their price feeds and lenders, behind one interface.
//!
//! **Only this module knows that there are two kinds of market.** A market owns every position
//! on it, addressed by slot (given in agent order when the world is built): an isolated book keeps
//! them as struct-of-arrays, a pooled book as one account per slot. The world sees [`Market`]'s
//! methods only — a position view, a health scan, a quote for a liquidation, the liquidation, a
//! repayment and a release, the books check — and runs one liquidation loop for both kinds. The
//! position-level contract is [`book::Positions`]; the dispatch below is the only `match` on the
//! kind, so a third mechanism is one more implementation and one more arm here.
//!
//! Units: every price is in ETH per unit of the asset. The USD stablecoin is worth
//! `1 / ETH_USD` ETH; there is no ETH/USD pool in the world, so USD is bought and sold on an
//! exogenous deep market at the ETH/USD price of the step (see `world::leverage`).

pub mod book;
mod books;
mod feed;
mod isolated;
mod lenders;
mod pooled;
mod scan;
mod spec;
mod stress;

pub use book::{Liquidated, Next, NoQuote, Position, Quote, Target};
pub use feed::{FeedInputs, PriceFeed};
pub use lenders::{Lenders, Supplier};
pub use spec::{BookSpec, IsolatedSpec, MarketSpec, PooledSpec, SupplierSpec};
pub use stress::OUTSIDE;

use crate::pool::LrtPool;
use crate::vocab::Asset;
use book::Positions;
use isolated::IsolatedBook;
use pooled::PooledBook;
use restake_lending::{ExactSum, LendingError, WithdrawOutcome};

#[derive(Clone, Debug)]
enum Book {
    Isolated(IsolatedBook),
    Pooled(PooledBook),
}

/// Forwards a position-level call to the book of either kind.
macro_rules! positions {
    ($book:expr, $b:ident => $call:expr) => {
        match $book {
            Book::Isolated($b) => $call,
            Book::Pooled($b) => $call,
        }
    };
}

#[derive(Clone, Debug)]
pub struct Market {
    pub id: String,
    book: Book,
    /// The agent that owns each slot.
    owners: Vec<u32>,
    /// Lenders of each loan reserve (isolated: one, for ETH).
    lenders: Vec<Lenders>,
    /// Supply at the start of every loan reserve, valued in ETH at the start.
    initial_supply_eth: f64,
    /// Lenders' supply at the start beyond what borrowers borrow, per reserve (asset units).
    idle_supply: Vec<f64>,
    /// Share of the lenders' supply that never moves.
    passive_share: f64,
}

/// One position to open when the world is built.
#[derive(Clone, Copy, Debug)]
pub struct Opening {
    pub owner: u32,
    pub coll_reserve: usize,
    pub collateral: f64,
    pub emode: Option<usize>,
    pub debt_reserve: usize,
    pub debt: f64,
}

impl Market {
    /// An empty market from its resolved description.
    pub fn new(spec: &MarketSpec) -> Market {
        let (book, loan_reserves, idle_supply) = match &spec.book {
            BookSpec::Isolated(s) => (
                Book::Isolated(IsolatedBook::new(s.lrt, s.lltv, s.market.clone(), s.feed.clone())),
                vec![(0, Asset::Eth)],
                vec![s.idle_supply],
            ),
            BookSpec::Pooled(s) => {
                let loans = s.loan_reserves.iter().map(|&r| (r, s.assets[r])).collect();
                let book = PooledBook::new(s.market.clone(), s.assets.clone(), s.feeds.clone());
                (Book::Pooled(book), loans, s.idle_supply.clone())
            }
        };
        let attention = spec.suppliers.attention;
        let lenders =
            loan_reserves.into_iter().map(|(reserve, asset)| Lenders::new(reserve, asset, attention)).collect();
        Market {
            id: spec.id.clone(),
            book,
            owners: Vec::new(),
            lenders,
            initial_supply_eth: 0.0,
            idle_supply,
            passive_share: spec.suppliers.passive_share,
        }
    }

    /// Lenders supply what `openings` borrow plus the idle supply, then every position opens at
    /// the oracle prices (the state at the start: no caps, health or liquidity checks apply).
    /// `thresholds(k)` draws the (utilisation, bad debt) thresholds of lender group `k`'s members.
    pub fn open_at_start(&mut self, openings: &[Opening], thresholds: &dyn Fn(usize) -> Vec<(f64, f64)>) {
        let passive_share = self.passive_share;
        match &mut self.book {
            Book::Isolated(b) => {
                let debts: f64 = openings.iter().map(|o| o.debt).sum();
                let th = thresholds(0);
                supply_isolated(b, &mut self.lenders[0], debts + self.idle_supply[0], passive_share, &th);
                for o in openings {
                    b.open(o.collateral, o.debt);
                }
            }
            Book::Pooled(b) => {
                // Lenders first: loan reserves get the borrowers' debts plus the idle supply, other
                // reserves their idle supply (from the passive lenders).
                let n = b.assets.len();
                let mut debts = vec![0.0; n];
                for o in openings {
                    debts[o.debt_reserve] += o.debt;
                }
                for r in 0..n {
                    let amount = debts[r] + self.idle_supply[r];
                    match self.lenders.iter().position(|l| l.reserve == r) {
                        Some(k) => {
                            let th = thresholds(k);
                            supply_pooled(b, &mut self.lenders[k], amount, passive_share, &th);
                        }
                        None if amount > 0.0 => b.inner.genesis_supply(&mut b.passive, r, amount),
                        None => {}
                    }
                }
                b.accounts.reserve_exact(openings.len());
                for o in openings {
                    b.open(o.coll_reserve, o.collateral, o.emode, o.debt_reserve, o.debt);
                }
            }
        }
        self.owners = openings.iter().map(|o| o.owner).collect();
        self.set_initial_supply();
    }

    /// Records the loan reserves' supply at the start (after positions opened), valued at the
    /// oracle prices of the start.
    fn set_initial_supply(&mut self) {
        let mut v = 0.0;
        for k in 0..self.lenders.len() {
            let (units, price) = match &self.book {
                Book::Isolated(b) => (b.inner.total_supply_assets(), 1.0),
                Book::Pooled(b) => {
                    let r = self.lenders[k].reserve;
                    (b.inner.reserve(r).map_or(0.0, |s| s.total_supply()), b.prices[r])
                }
            };
            self.lenders[k].initial_supply = units;
            v += units * price;
        }
        self.initial_supply_eth = v;
    }

    // ---- positions ----

    /// Number of positions (slots).
    pub fn positions(&self) -> usize {
        positions!(&self.book, b => b.len())
    }

    /// The agent that owns `slot`.
    pub fn owner(&self, slot: usize) -> u32 {
        self.owners[slot]
    }

    /// Position `slot` at the step's oracle prices, through the owner's reserves.
    #[inline]
    pub fn position(&self, slot: usize, coll_reserve: usize, debt_reserve: usize) -> Position {
        positions!(&self.book, b => b.view(slot, coll_reserve, debt_reserve))
    }

    /// Brings position `slot`'s data into cache ahead of a read (a hint).
    #[inline]
    pub fn prefetch(&self, slot: usize) {
        positions!(&self.book, b => b.prefetch(slot))
    }

    /// Units of reserve `r` that position `slot` has supplied.
    pub fn supplied(&self, slot: usize, r: usize) -> f64 {
        positions!(&self.book, b => b.supplied(slot, r))
    }

    /// Debt of position `slot` in reserve `r`.
    pub fn debt(&self, slot: usize, r: usize) -> f64 {
        positions!(&self.book, b => b.debt(slot, r))
    }

    /// Repays up to `amount` of reserve `r`'s debt of position `slot`; returns what it repaid.
    pub fn repay(&mut self, slot: usize, r: usize, amount: f64) -> f64 {
        positions!(&mut self.book, b => b.repay(slot, r, amount))
    }

    /// Releases up to `amount` of collateral of reserve `r` from position `slot` without a health
    /// check (an atomic unwind that has repaid first); returns what it released.
    pub fn release(&mut self, slot: usize, r: usize, amount: f64) -> f64 {
        positions!(&mut self.book, b => b.release(slot, r, amount))
    }

    /// Reads the oracles for a liquidation round.
    pub fn begin_round(&mut self, pools: &[LrtPool], step: u64, eth_usd: f64) {
        positions!(&mut self.book, b => b.begin_round(pools, step, eth_usd))
    }

    /// (health factor, slot) of the positions with debt below health factor 1 at the round's
    /// prices whose collateral `seizable` accepts, into `out` (see
    /// [`book::Positions::unhealthy`]).
    pub fn unhealthy(&mut self, seizable: impl Fn(f64) -> bool + Sync, out: &mut Vec<(f64, u32)>) {
        positions!(&mut self.book, b => b.unhealthy(seizable, out))
    }

    /// What every liquidation on this market takes and repays, if that is the same for every
    /// position (a single-collateral market).
    pub fn single_target(&self) -> Option<Target> {
        match &self.book {
            Book::Isolated(b) => Some(b.target()),
            Book::Pooled(_) => None,
        }
    }

    pub fn next(&self, slot: usize) -> Next {
        positions!(&self.book, b => b.next(slot))
    }

    pub fn max_repay(&self, slot: usize, t: &Target) -> Result<f64, NoQuote> {
        positions!(&self.book, b => b.max_repay(slot, t))
    }

    pub fn quote(&self, slot: usize, t: &Target, request: f64) -> Result<Quote, NoQuote> {
        positions!(&self.book, b => b.quote(slot, t, request))
    }

    pub fn liquidate(
        &mut self,
        slot: usize,
        t: &Target,
        q: &Quote,
        liquidator: usize,
    ) -> Result<Liquidated, LendingError> {
        positions!(&mut self.book, b => b.liquidate(slot, t, q, liquidator))
    }

    /// Net insolvent debt in ETH `[at the oracle, at market prices, at backing prices]`: see
    /// [`book::Positions::net_insolvent`].
    pub fn net_insolvent(&self, market: &dyn Fn(Asset) -> f64, backing: &dyn Fn(Asset) -> f64) -> [f64; 3] {
        positions!(&self.book, b => b.net_insolvent(market, backing))
    }

    /// Withdraws what cash allows of liquidator `liquidator`'s claims on this market, into `out`.
    pub fn withdraw_claims(&mut self, liquidator: usize, out: &mut Vec<(Asset, f64)>) {
        positions!(&mut self.book, b => b.withdraw_claims(liquidator, out))
    }

    pub fn has_claims(&self, liquidator: usize) -> bool {
        positions!(&self.book, b => b.has_claims(liquidator))
    }

    pub fn write_off(&mut self, slot: usize) -> (f64, f64) {
        positions!(&mut self.book, b => b.write_off(slot))
    }

    // ---- prices ----

    /// Updates every feed of the market for this step.
    pub fn update_feeds(&mut self, inp: &FeedInputs, step: u64, dt_years: f64) -> Result<(), LendingError> {
        match &mut self.book {
            Book::Isolated(b) => b.feed.update(inp, step, dt_years),
            Book::Pooled(b) => {
                for (r, f) in b.feeds.iter_mut().enumerate() {
                    f.update(inp, step, dt_years)?;
                    b.prices[r] = f.price;
                }
                Ok(())
            }
        }
    }

    /// The oracle price of the isolated market's collateral, or of the first LRT reserve of a
    /// pooled market (NaN if none): the price a domino chart shows for the market.
    pub fn oracle_price(&self) -> f64 {
        match &self.book {
            Book::Isolated(b) => b.feed.price,
            Book::Pooled(b) => {
                b.assets.iter().position(|a| matches!(a, Asset::Lrt(_))).map_or(f64::NAN, |r| b.prices[r])
            }
        }
    }

    /// The LRT collateral's price in the current liquidation round (isolated markets; the
    /// oracle's price for pooled ones).
    pub fn round_oracle_price(&self) -> f64 {
        match &self.book {
            Book::Isolated(b) => b.round_price,
            Book::Pooled(_) => self.oracle_price(),
        }
    }

    /// (oracle price of reserve `r` now, its weight in the health factor, its LTV) for an owner
    /// in `emode`: what a borrower levers against.
    pub fn collateral_terms(&self, r: usize, emode: Option<usize>) -> (f64, f64, f64) {
        match &self.book {
            Book::Isolated(b) => (b.feed.price, b.lltv, b.lltv),
            Book::Pooled(b) => {
                let (ltv, lt) = b.inner.collateral_params(emode, r);
                (b.prices[r], lt, ltv)
            }
        }
    }

    /// Whether collateral deposited here becomes reserve cash (Aave: supplied tokens are the
    /// reserve's liquidity, in [`Market::cash_of`]) rather than a separate deposit (Morpho).
    pub fn holds_collateral_as_cash(&self) -> bool {
        matches!(self.book, Book::Pooled(_))
    }

    /// Oracle price of loan reserve `r` now (ETH per unit).
    pub fn debt_price(&self, r: usize) -> f64 {
        match &self.book {
            Book::Isolated(_) => 1.0,
            Book::Pooled(b) => b.prices[r],
        }
    }

    // ---- totals ----

    /// Highest utilisation over the loan reserves.
    pub fn utilisation(&self) -> f64 {
        match &self.book {
            Book::Isolated(b) => b.inner.utilisation(),
            Book::Pooled(b) => self
                .lenders
                .iter()
                .map(|l| b.inner.reserve(l.reserve).map_or(0.0, |s| s.utilisation()))
                .fold(0.0, f64::max),
        }
    }

    /// Utilisation of the reserve lent by `lenders[k]`.
    pub fn lender_utilisation(&self, k: usize) -> f64 {
        match &self.book {
            Book::Isolated(b) => b.inner.utilisation(),
            Book::Pooled(b) => b.inner.reserve(self.lenders[k].reserve).map_or(0.0, |s| s.utilisation()),
        }
    }

    /// Total debt and total supply valued at the oracle prices, in ETH.
    pub fn totals_eth(&self) -> (f64, f64) {
        match &self.book {
            Book::Isolated(b) => (b.inner.total_borrow_assets(), b.inner.total_supply_assets()),
            Book::Pooled(b) => b
                .inner
                .reserves()
                .iter()
                .zip(&b.prices)
                .fold((0.0, 0.0), |(d, s), (st, &p)| (d + st.total_debt() * p, s + st.total_supply() * p)),
        }
    }

    /// Annual borrow rate of the ETH loan (isolated) or of the ETH reserve (pooled; NaN if none).
    pub fn eth_borrow_rate(&self) -> f64 {
        match &self.book {
            Book::Isolated(b) => b.inner.borrow_rate(),
            Book::Pooled(b) => b.reserve_of(Asset::Eth).and_then(|r| b.inner.borrow_rate(r)).unwrap_or(f64::NAN),
        }
    }

    /// Physical units of `asset` held by the market: idle cash of its reserves, and (isolated)
    /// the collateral deposited.
    pub fn holdings_of(&self, asset: Asset) -> f64 {
        match &self.book {
            Book::Isolated(b) => match asset {
                Asset::Eth => b.inner.liquidity(),
                Asset::Lrt(l) if l == b.lrt => b.inner.total_collateral(),
                _ => 0.0,
            },
            Book::Pooled(b) => {
                b.assets.iter().zip(b.inner.reserves()).filter(|(a, _)| **a == asset).map(|(_, s)| s.cash).sum()
            }
        }
    }

    /// Idle cash of `asset` (what lenders or a seizure could take out now).
    pub fn cash_of(&self, asset: Asset) -> f64 {
        match &self.book {
            Book::Isolated(b) => {
                if asset == Asset::Eth {
                    b.inner.liquidity()
                } else {
                    0.0
                }
            }
            Book::Pooled(b) => {
                b.assets.iter().zip(b.inner.reserves()).filter(|(a, _)| **a == asset).map(|(_, s)| s.cash).sum()
            }
        }
    }

    /// Bad debt booked so far (ETH for isolated markets; pooled deficits valued at the oracle).
    pub fn bad_debt_eth(&self) -> f64 {
        match &self.book {
            Book::Isolated(b) => b.inner.bad_debt_realised(),
            Book::Pooled(b) => b.inner.reserves().iter().zip(&b.prices).map(|(s, &p)| s.deficit * p).sum(),
        }
    }

    /// Supply of the loan reserves at the start, in ETH (the base of suppliers' loss share).
    pub fn initial_supply(&self) -> f64 {
        self.initial_supply_eth
    }

    pub fn accrue(&mut self, dt_years: f64) {
        // dt is validated positive and finite; accrual cannot fail.
        match &mut self.book {
            Book::Isolated(b) => {
                let _ = b.inner.accrue(dt_years);
            }
            Book::Pooled(b) => {
                let _ = b.inner.accrue(dt_years);
            }
        }
    }

    // ---- lenders ----

    pub fn lenders(&self) -> &[Lenders] {
        &self.lenders
    }

    pub fn lenders_mut(&mut self, k: usize) -> &mut Lenders {
        &mut self.lenders[k]
    }

    /// What supplier `s` of `lenders[k]` can claim now (asset units).
    pub fn supplier_balance(&self, k: usize, s: usize) -> f64 {
        let l = &self.lenders[k];
        match &self.book {
            Book::Isolated(b) => b.inner.supply_assets_of(l.members[s].shares),
            Book::Pooled(b) => b.inner.supplied(&l.accounts[s], l.reserve),
        }
    }

    /// Supplier `s` of `lenders[k]` withdraws up to everything; the rest stays (queued by the
    /// caller). The withdrawn assets go to the supplier's wallet.
    pub fn supplier_withdraw(&mut self, k: usize, s: usize) -> WithdrawOutcome {
        let l = &mut self.lenders[k];
        let none = WithdrawOutcome { withdrawn: 0.0, unfilled: 0.0, limited_by: restake_lending::WithdrawLimit::None };
        let out = match &mut self.book {
            Book::Isolated(b) => b.inner.withdraw(&mut l.members[s].shares, f64::INFINITY),
            // A lender without debt: no prices needed for the health check.
            Book::Pooled(b) => b.inner.withdraw(&mut l.accounts[s], l.reserve, f64::INFINITY, &[]),
        }
        .unwrap_or(none);
        l.members[s].wallet += out.withdrawn;
        l.withdrawn += out.withdrawn;
        out
    }

    // ---- what the recorder shows ----

    /// Step columns the market adds before the columns every market has (name suffix, probe).
    pub fn leading_columns(&self) -> Vec<(String, fn(&Market) -> f64)> {
        match &self.book {
            Book::Isolated(_) => {
                vec![("oracle_price".into(), Market::oracle_price), ("borrow_rate".into(), Market::eth_borrow_rate)]
            }
            Book::Pooled(_) => Vec::new(),
        }
    }

    /// Per-reserve step columns (pooled markets: `<asset>.<metric>`), as (suffix, reserve, metric).
    pub fn reserve_columns(&self) -> Vec<(String, usize, ReserveMetric)> {
        let Book::Pooled(b) = &self.book else { return Vec::new() };
        let mut out = Vec::new();
        for (r, asset) in b.assets.iter().enumerate() {
            let p = &b.inner.params().reserves[r];
            let name = &p.name;
            if matches!(asset, Asset::Lrt(_)) {
                out.push((format!("{name}.oracle_price"), r, ReserveMetric::OraclePrice));
            }
            if p.borrowing_enabled {
                out.push((format!("{name}.utilisation"), r, ReserveMetric::Utilisation));
                out.push((format!("{name}.borrow_rate"), r, ReserveMetric::BorrowRate));
            }
            out.push((format!("{name}.total_supply"), r, ReserveMetric::TotalSupply));
            out.push((format!("{name}.total_debt"), r, ReserveMetric::TotalDebt));
            out.push((format!("{name}.deficit"), r, ReserveMetric::Deficit));
        }
        out
    }

    /// A per-reserve metric now.
    pub fn reserve_metric(&self, r: usize, metric: ReserveMetric) -> f64 {
        let Book::Pooled(b) = &self.book else { return f64::NAN };
        let st = b.inner.reserve(r);
        match metric {
            ReserveMetric::OraclePrice => b.prices[r],
            ReserveMetric::Utilisation => st.map_or(0.0, |s| s.utilisation()),
            ReserveMetric::BorrowRate => b.inner.borrow_rate(r).unwrap_or(0.0),
            ReserveMetric::TotalSupply => st.map_or(0.0, |s| s.total_supply()),
            ReserveMetric::TotalDebt => st.map_or(0.0, |s| s.total_debt()),
            ReserveMetric::Deficit => st.map_or(0.0, |s| s.deficit),
        }
    }
}

#[cfg(test)]
impl Market {
    /// Sets the oracle price of reserve `r` (a fixed feed: rounds use it too).
    pub(crate) fn set_price_for_test(&mut self, r: usize, p: f64) {
        match &mut self.book {
            Book::Isolated(b) => b.feed.price = p,
            Book::Pooled(b) => {
                b.feeds[r].price = p;
                b.prices[r] = p;
            }
        }
    }

    /// Treasury aTokens of reserve `r` (pooled markets).
    pub(crate) fn treasury_for_test(&self, r: usize) -> f64 {
        match &self.book {
            Book::Pooled(b) => b.inner.reserve(r).map_or(0.0, |s| s.treasury_balance()),
            Book::Isolated(_) => 0.0,
        }
    }
}

/// A per-reserve metric of a pooled market's step columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReserveMetric {
    OraclePrice,
    Utilisation,
    BorrowRate,
    TotalSupply,
    TotalDebt,
    Deficit,
}

/// Lenders of an isolated market supply `amount` at the start: `passive_share` (or all, with no
/// suppliers configured) to the passive aggregate, the rest evenly to the suppliers.
fn supply_isolated(b: &mut IsolatedBook, lenders: &mut Lenders, amount: f64, passive_share: f64, th: &[(f64, f64)]) {
    if amount <= 0.0 && th.is_empty() {
        return;
    }
    let (passive, each) = split_supply(amount, passive_share, th.len());
    lenders.set_members(th);
    b.inner.genesis_supply(&mut b.passive_shares, passive);
    for s in lenders.members.iter_mut() {
        b.inner.genesis_supply(&mut s.shares, each);
    }
}

/// The same for a loan reserve of a pooled market (each supplier holds an account).
fn supply_pooled(b: &mut PooledBook, lenders: &mut Lenders, amount: f64, passive_share: f64, th: &[(f64, f64)]) {
    if amount <= 0.0 && th.is_empty() {
        return;
    }
    let (passive, each) = split_supply(amount, passive_share, th.len());
    lenders.set_members(th);
    let r = lenders.reserve;
    if passive > 0.0 {
        b.inner.genesis_supply(&mut b.passive, r, passive);
    }
    lenders.accounts = (0..th.len()).map(|_| b.inner.new_account()).collect();
    for a in lenders.accounts.iter_mut() {
        if each > 0.0 {
            b.inner.genesis_supply(a, r, each);
        }
    }
}

/// (passive part, each supplier's part) of `amount` split over `n` suppliers.
fn split_supply(amount: f64, passive_share: f64, n: usize) -> (f64, f64) {
    let passive = if n == 0 { amount } else { amount * passive_share };
    let each = if n == 0 { 0.0 } else { (amount - passive) / n as f64 };
    (passive, each)
}
