//! Lending markets as the world sees them: the Morpho-Blue-like and Aave-v3-like mechanisms of
//! `restake-lending`, the price feeds (oracles) that drive them, and their lenders.
//!
//! * An **isolated** market lends ETH against one LRT. Its positions live in the population's
//!   vectors (`collateral`, `borrow_shares`) and are passed in by reference.
//! * A **pooled** market has several reserves (ETH, LRTs, a USD stablecoin). Each borrower owns
//!   an [`Account`] (one per borrower, allocated when the world is built), held here and indexed
//!   by the borrower's slot (its index in `World::borrowers[m]`).
//!
//! Units: every price is in ETH per unit of the asset. The USD stablecoin is worth
//! `1 / ETH_USD` ETH; there is no ETH/USD pool in the world, so USD is bought and sold on an
//! exogenous deep market at the ETH/USD price of the step (see `world::borrowers`).

use crate::scenario::{ASSET_ETH, ASSET_USD, MarketConfig, MarketKind, SupplierConfig};
use crate::world::BuildError;
use restake_lending::isolated::LiquidationRequest;
use restake_lending::{
    Account, EMode, IsolatedMarket, IsolatedParams, KinkedIrm, LendingError, LiquidationOutcome, PooledMarket,
    PooledParams, ReserveParams, WithdrawOutcome,
};
use std::collections::VecDeque;

/// An asset a market holds or prices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Asset {
    Eth,
    Usd,
    /// An LRT, by index.
    Lrt(usize),
}

fn bad(path: String, e: impl std::fmt::Display) -> BuildError {
    BuildError::Invalid(vec![crate::scenario::validate::Issue { path, message: e.to_string() }])
}

mod feed;
mod lenders;
pub use feed::*;
pub use lenders::*;

/// The Morpho-Blue-like mechanism with its feed.
#[derive(Clone, Debug)]
pub struct IsolatedBook {
    /// Collateral LRT index; the loan asset is ETH.
    pub lrt: usize,
    pub lltv: f64,
    pub inner: IsolatedMarket,
    pub feed: PriceFeed,
    /// Supply shares of the passive lenders.
    pub passive_shares: f64,
}

/// The Aave-v3-like mechanism with one feed per reserve and the borrowers' accounts.
#[derive(Clone, Debug)]
pub struct PooledBook {
    pub inner: PooledMarket,
    /// Asset of each reserve.
    pub assets: Vec<Asset>,
    pub feeds: Vec<PriceFeed>,
    /// Oracle price of each reserve this step (ETH per unit).
    pub prices: Vec<f64>,
    /// Borrowers' accounts, by slot.
    pub accounts: Vec<Account>,
    /// Passive lenders' account (idle supply of every reserve).
    pub passive: Account,
    /// E-mode labels, by category index.
    pub emode_labels: Vec<String>,
}

impl PooledBook {
    pub fn reserve_of(&self, asset: Asset) -> Option<usize> {
        self.assets.iter().position(|&a| a == asset)
    }
}

#[derive(Clone, Debug)]
pub enum Book {
    Isolated(IsolatedBook),
    Pooled(PooledBook),
}

#[derive(Clone, Debug)]
pub struct Market {
    pub id: String,
    pub book: Book,
    /// Lenders of each loan reserve (isolated: one, for ETH).
    pub lenders: Vec<Lenders>,
    /// Supply at the start of every loan reserve, valued in ETH at the start.
    initial_supply_eth: f64,
}

/// Resolves an asset name of a pooled reserve.
pub fn asset_of(name: &str, lrt_ix: impl Fn(&str) -> Option<usize>) -> Option<Asset> {
    match name {
        ASSET_ETH => Some(Asset::Eth),
        ASSET_USD => Some(Asset::Usd),
        l => lrt_ix(l).map(Asset::Lrt),
    }
}

fn irm_of(c: &crate::scenario::IrmConfig) -> KinkedIrm {
    KinkedIrm { base_rate: c.base_rate, slope1: c.slope1, slope2: c.slope2, optimal_utilisation: c.optimal_utilisation }
}

impl Market {
    /// Builds market `i` of the scenario. `lrt_ix` and `pool_ix` resolve ids (validated).
    pub fn new(
        i: usize,
        cfg: &MarketConfig,
        lrt_ix: &dyn Fn(&str) -> Option<usize>,
        pool_ix: &dyn Fn(&str) -> Option<usize>,
        dt_seconds: f64,
    ) -> Result<Market, BuildError> {
        let path = |f: &str| format!("markets[{i}].{f}");
        let book = match cfg.kind {
            MarketKind::Isolated => {
                let lrt =
                    cfg.collateral.as_deref().and_then(lrt_ix).ok_or_else(|| bad(path("collateral"), "unknown LRT"))?;
                let lltv = cfg.lltv.ok_or_else(|| bad(path("lltv"), "missing"))?;
                let oc = cfg.oracle.as_ref().ok_or_else(|| bad(path("oracle"), "missing"))?;
                let irm_cfg = cfg.irm.clone().unwrap_or_default();
                let params = IsolatedParams {
                    lltv,
                    irm: irm_of(&irm_cfg),
                    fee: irm_cfg.reserve_factor,
                    borrow_compounding: Default::default(),
                };
                let inner = IsolatedMarket::new(params).map_err(|e| bad(path("irm"), e))?;
                let feed =
                    PriceFeed::new(&path("oracle"), oc, Asset::Lrt(lrt), oc.pool().and_then(pool_ix), dt_seconds)?;
                Book::Isolated(IsolatedBook { lrt, lltv, inner, feed, passive_shares: 0.0 })
            }
            MarketKind::Pooled => {
                let mut assets = Vec::with_capacity(cfg.reserves.len());
                let mut feeds = Vec::with_capacity(cfg.reserves.len());
                let mut reserves = Vec::with_capacity(cfg.reserves.len());
                for (k, r) in cfg.reserves.iter().enumerate() {
                    let rp = |f: &str| format!("markets[{i}].reserves[{k}].{f}");
                    let asset = asset_of(&r.asset, lrt_ix).ok_or_else(|| bad(rp("asset"), "unknown asset"))?;
                    let feed = match &r.oracle {
                        Some(oc) => PriceFeed::new(&rp("oracle"), oc, asset, oc.pool().and_then(pool_ix), dt_seconds)?,
                        None => PriceFeed::default_for(asset),
                    };
                    assets.push(asset);
                    feeds.push(feed);
                    reserves.push(ReserveParams {
                        name: r.asset.clone(),
                        ltv: r.ltv,
                        liquidation_threshold: r.liquidation_threshold,
                        liquidation_bonus: r.liquidation_bonus,
                        liquidation_protocol_fee: r.liquidation_protocol_fee,
                        supply_cap: r.supply_cap,
                        borrow_cap: r.borrow_cap,
                        irm: irm_of(&r.irm),
                        reserve_factor: r.irm.reserve_factor,
                        borrowing_enabled: r.borrowing_enabled,
                    });
                }
                let index = |name: &str| cfg.reserves.iter().position(|r| r.asset == name);
                let mut emodes = Vec::with_capacity(cfg.emodes.len());
                for (k, e) in cfg.emodes.iter().enumerate() {
                    let (ltv, lt, bonus) = e.resolved();
                    emodes.push(EMode {
                        label: e.label.clone(),
                        ltv: ltv.ok_or_else(|| bad(format!("markets[{i}].emodes[{k}].ltv"), "missing"))?,
                        liquidation_threshold: lt
                            .ok_or_else(|| bad(format!("markets[{i}].emodes[{k}].liquidation_threshold"), "missing"))?,
                        liquidation_bonus: bonus
                            .ok_or_else(|| bad(format!("markets[{i}].emodes[{k}].liquidation_bonus"), "missing"))?,
                        collateral_assets: e.collateral.iter().filter_map(|a| index(a)).collect(),
                        borrowable_assets: e.borrowable.iter().filter_map(|a| index(a)).collect(),
                    });
                }
                let emode_labels = emodes.iter().map(|e| e.label.clone()).collect();
                let mut params = PooledParams::new(reserves, emodes);
                if let Some(v) = cfg.close_factor {
                    params.default_close_factor = v;
                }
                if let Some(v) = cfg.close_factor_hf_threshold {
                    params.close_factor_hf_threshold = v;
                }
                if let Some(v) = cfg.small_position_usd {
                    params.min_base_max_close_factor_threshold_usd = v;
                }
                if let Some(v) = cfg.min_leftover_usd {
                    params.min_leftover_base_usd = v;
                }
                let inner = PooledMarket::new(params).map_err(|e| bad(path("reserves"), e))?;
                let n = assets.len();
                Book::Pooled(PooledBook {
                    passive: inner.new_account(),
                    inner,
                    prices: vec![f64::NAN; n],
                    assets,
                    feeds,
                    accounts: Vec::new(),
                    emode_labels,
                })
            }
        };
        let loan_reserves: Vec<(usize, Asset)> = match &book {
            Book::Isolated(_) => vec![(0, Asset::Eth)],
            Book::Pooled(b) => {
                (0..b.assets.len()).filter(|&r| cfg.reserves[r].borrowing_enabled).map(|r| (r, b.assets[r])).collect()
            }
        };
        let lenders = loan_reserves
            .into_iter()
            .map(|(reserve, asset)| Lenders {
                reserve,
                asset,
                members: Vec::new(),
                accounts: Vec::new(),
                queue: VecDeque::new(),
                initial_supply: 0.0,
                withdrawn: 0.0,
                attention: 0.0,
            })
            .collect();
        Ok(Market { id: cfg.id.clone(), book, lenders, initial_supply_eth: 0.0 })
    }

    pub fn kind(&self) -> MarketKind {
        match self.book {
            Book::Isolated(_) => MarketKind::Isolated,
            Book::Pooled(_) => MarketKind::Pooled,
        }
    }

    pub fn isolated(&self) -> Option<&IsolatedBook> {
        match &self.book {
            Book::Isolated(b) => Some(b),
            Book::Pooled(_) => None,
        }
    }

    pub fn pooled(&self) -> Option<&PooledBook> {
        match &self.book {
            Book::Pooled(b) => Some(b),
            Book::Isolated(_) => None,
        }
    }

    pub fn pooled_mut(&mut self) -> Option<&mut PooledBook> {
        match &mut self.book {
            Book::Pooled(b) => Some(b),
            Book::Isolated(_) => None,
        }
    }

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

    /// Idle cash of the reserve lent by `lenders[k]` (asset units).
    pub fn lender_cash(&self, k: usize) -> f64 {
        match &self.book {
            Book::Isolated(b) => b.inner.liquidity(),
            Book::Pooled(b) => b.inner.reserve(self.lenders[k].reserve).map_or(0.0, |s| s.cash),
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

    /// Physical ETH held by the market (isolated: liquidity; pooled: ETH reserve cash).
    pub fn eth_cash(&self) -> f64 {
        self.cash_of(Asset::Eth)
    }

    /// Physical units of `asset` held by the market.
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

    /// Records the loan reserves' supply at the start (after positions opened), at `prices`
    /// (ETH per unit of the lenders' assets).
    pub fn set_initial_supply(&mut self) {
        let mut v = 0.0;
        for k in 0..self.lenders.len() {
            let units = match &self.book {
                Book::Isolated(b) => b.inner.total_supply_assets(),
                Book::Pooled(b) => b.inner.reserve(self.lenders[k].reserve).map_or(0.0, |s| s.total_supply()),
            };
            let price = match &self.book {
                Book::Isolated(_) => 1.0,
                Book::Pooled(b) => b.prices[self.lenders[k].reserve],
            };
            self.lenders[k].initial_supply = units;
            v += units * price;
        }
        self.initial_supply_eth = v;
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

    /// Lenders supply `amount` of the loan reserve `k` at the start: `passive_share` (or all, with
    /// no suppliers configured) to the passive aggregate, the rest evenly to the suppliers.
    pub fn supply_at_start(
        &mut self,
        k: usize,
        amount: f64,
        cfg: &SupplierConfig,
        thresholds: &[(f64, f64)],
    ) -> Result<(), LendingError> {
        if amount <= 0.0 && thresholds.is_empty() {
            return Ok(());
        }
        let n = thresholds.len();
        let passive = if n == 0 { amount } else { amount * cfg.passive_share };
        let each = if n == 0 { 0.0 } else { (amount - passive) / n as f64 };
        let lenders = &mut self.lenders[k];
        lenders.members.clear();
        for &(u, b) in thresholds {
            lenders.members.push(Supplier {
                shares: 0.0,
                utilisation_threshold: u,
                bad_debt_threshold: b,
                wallet: 0.0,
                queued: false,
                running: false,
            });
        }
        match &mut self.book {
            Book::Isolated(b) => {
                b.inner.supply(&mut b.passive_shares, passive)?;
                for s in lenders.members.iter_mut() {
                    b.inner.supply(&mut s.shares, each)?;
                }
            }
            Book::Pooled(b) => {
                let r = lenders.reserve;
                if passive > 0.0 {
                    b.inner.supply(&mut b.passive, r, passive)?;
                }
                lenders.accounts = (0..n).map(|_| b.inner.new_account()).collect();
                for a in lenders.accounts.iter_mut() {
                    if each > 0.0 {
                        b.inner.supply(a, r, each)?;
                    }
                }
            }
        }
        Ok(())
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

    // ---- isolated positions (held by the population) ----

    /// Opens a looper's position on an isolated market at the start. Returns the borrow shares.
    pub fn open_isolated(&mut self, collateral: f64, debt: f64) -> Result<f64, LendingError> {
        let Book::Isolated(b) = &mut self.book else {
            return Err(LendingError::InvalidConfig { field: "market".into(), message: "not isolated".into() });
        };
        let mut c = 0.0;
        let mut shares = 0.0;
        b.inner.supply_collateral(&mut c, collateral)?;
        b.inner.borrow(c, &mut shares, debt, b.feed.price)?;
        Ok(shares)
    }

    /// Debt of an isolated position holding `borrow_shares` (0 for a pooled market).
    pub fn debt(&self, borrow_shares: f64) -> f64 {
        match &self.book {
            Book::Isolated(b) => b.inner.debt_of(borrow_shares),
            Book::Pooled(_) => 0.0,
        }
    }

    /// (debt repaid, collateral seized) on an isolated market if a liquidator repays up to
    /// `max_repay` at `price`.
    pub fn liquidation_amounts(&self, collateral: f64, borrow_shares: f64, max_repay: f64, price: f64) -> (f64, f64) {
        match &self.book {
            Book::Isolated(b) => b
                .inner
                .preview_liquidation(collateral, borrow_shares, price, LiquidationRequest::Repay(max_repay))
                .map_or((0.0, 0.0), |o| (o.repaid, o.seized)),
            Book::Pooled(_) => (0.0, 0.0),
        }
    }

    pub fn liquidate_isolated(
        &mut self,
        collateral: &mut f64,
        borrow_shares: &mut f64,
        repay: f64,
        price: f64,
    ) -> Result<LiquidationOutcome, LendingError> {
        match &mut self.book {
            Book::Isolated(b) => b.inner.liquidate(collateral, borrow_shares, price, LiquidationRequest::Repay(repay)),
            Book::Pooled(_) => {
                Err(LendingError::InvalidConfig { field: "market".into(), message: "not isolated".into() })
            }
        }
    }

    /// Writes off the debt of an isolated position with no collateral left (Morpho books it on
    /// the next liquidation call, which anyone can make with zero repayment). Returns the bad debt.
    pub fn realize_bad_debt(&mut self, collateral: &mut f64, borrow_shares: &mut f64, price: f64) -> f64 {
        match &mut self.book {
            Book::Isolated(b) => {
                b.inner.release_collateral(collateral, *collateral);
                b.inner.liquidate(collateral, borrow_shares, price, LiquidationRequest::Max).map_or(0.0, |o| o.bad_debt)
            }
            Book::Pooled(_) => 0.0,
        }
    }

    /// Books of the market against the positions and lenders: debt and collateral totals equal
    /// the positions', supply equals the lenders' claims, no negative cash; for a pooled market,
    /// cash + debt + deficit = aToken supply per reserve (up to the Taylor-vs-linear accrual
    /// difference Aave also has, < 1e-6 relative over a run).
    pub fn check_books(&self, sum_debts: f64, sum_collateral: f64) -> Result<(), String> {
        match &self.book {
            Book::Isolated(b) => {
                let inner = &b.inner;
                let scale = inner.total_supply_assets().max(1.0);
                let borrow = inner.total_borrow_assets();
                if (borrow - sum_debts).abs() > 1e-9 * scale {
                    return Err(format!("total borrow {borrow} but positions owe {sum_debts}"));
                }
                let coll = inner.total_collateral();
                if (coll - sum_collateral).abs() > 1e-9 * coll.max(1.0) {
                    return Err(format!("total collateral {coll} but positions hold {sum_collateral}"));
                }
                let shares: f64 = b.passive_shares
                    + self.lenders.iter().flat_map(|l| l.members.iter()).map(|s| s.shares).sum::<f64>()
                    + inner.fee_shares();
                if (shares - inner.total_supply_shares()).abs() > 1e-9 * inner.total_supply_shares().max(1.0) {
                    return Err(format!("supply shares {} but lenders hold {shares}", inner.total_supply_shares()));
                }
                if self.eth_cash() < -1e-9 * scale {
                    return Err(format!("negative cash {}", self.eth_cash()));
                }
                Ok(())
            }
            Book::Pooled(b) => {
                let n = b.assets.len();
                for r in 0..n {
                    let st = b.inner.reserve(r).expect("in range");
                    let accounts = b
                        .accounts
                        .iter()
                        .chain(std::iter::once(&b.passive))
                        .chain(self.lenders.iter().flat_map(|l| l.accounts.iter()));
                    let (mut sup, mut debt) = (0.0, 0.0);
                    for a in accounts {
                        sup += a.supplied_scaled[r];
                        debt += a.debt_scaled[r];
                    }
                    let scale = st.total_supply().max(1.0);
                    let name = &b.inner.params().reserves[r].name;
                    if (sup - st.scaled_supply).abs() > 1e-9 * st.scaled_supply.max(1.0) {
                        return Err(format!(
                            "reserve {name}: scaled supply {} but accounts hold {sup}",
                            st.scaled_supply
                        ));
                    }
                    if (debt - st.scaled_debt).abs() > 1e-9 * st.scaled_debt.max(1.0) {
                        return Err(format!("reserve {name}: scaled debt {} but accounts owe {debt}", st.scaled_debt));
                    }
                    if st.cash < -1e-9 * scale {
                        return Err(format!("reserve {name}: negative cash {}", st.cash));
                    }
                    let hole = st.cash + st.total_debt() + st.deficit - st.total_supply();
                    if hole.abs() > 1e-6 * scale {
                        return Err(format!("reserve {name}: cash + debt + deficit - supply = {hole}"));
                    }
                }
                Ok(())
            }
        }
    }
}
