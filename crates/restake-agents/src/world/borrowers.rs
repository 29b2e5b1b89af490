//! Borrowers: building the lending side of a world (markets, lenders, positions), what a
//! borrower's position looks like, and the ETH/USD leg.
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
use crate::market::{Asset, Book, FeedInputs};
use crate::population::{Intent, Leg, Status, Strategy};
use crate::scenario::{MarketKind, Scenario};
use restake_engine::{Purpose, stream};
use std::collections::BTreeMap;

/// Entity namespace of lenders in random streams.
pub const LENDER_NAMESPACE: u64 = 3 << 40;
/// Purpose of lenders' parameter draws.
pub const INIT_LENDERS: Purpose = Purpose(103);

/// A borrower's position as its owner sees it. Amounts in asset units, values in ETH.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Position {
    /// Collateral of the cohort's collateral asset.
    pub collateral: f64,
    /// Debt of the cohort's debt asset.
    pub debt: f64,
    /// Oracle price of the collateral.
    pub coll_price: f64,
    /// Oracle price of the debt asset.
    pub debt_price: f64,
    /// LLTV (isolated) or effective liquidation threshold (pooled, e-mode aware).
    pub weight: f64,
    /// Sum over collaterals of amount x oracle price x weight.
    pub limit: f64,
    /// Sum over debts of amount x oracle price.
    pub debt_value: f64,
    pub hf: f64,
}

/// What building the lending side produces.
pub(super) struct Lending {
    pub markets: Vec<Market>,
    pub pop: Population,
    pub cohorts: Vec<Cohort>,
    pub borrowers: Vec<Vec<u32>>,
}

fn invalid(path: impl Into<String>, message: impl std::fmt::Display) -> BuildError {
    BuildError::Invalid(vec![crate::scenario::validate::Issue { path: path.into(), message: message.to_string() }])
}

/// Builds markets, the population (retail cohorts, then borrower cohorts) and opens every
/// position: lenders supply what the borrowers borrow plus the idle supply, then borrowers
/// deposit collateral and borrow to their target health factor at the oracle price.
#[allow(clippy::too_many_arguments)]
pub(super) fn build_lending(
    s: &Scenario,
    seed: u64,
    dt: f64,
    pools: &[LrtPool],
    lrt_pool: &[usize],
    lrt_ix: &BTreeMap<&str, usize>,
    pool_ix: &BTreeMap<&str, usize>,
    market_ix: &BTreeMap<&str, usize>,
) -> Result<Lending, BuildError> {
    let lrt_of = |id: &str| lrt_ix.get(id).copied();
    let pool_of = |id: &str| pool_ix.get(id).copied();
    let mut markets = Vec::with_capacity(s.markets.len());
    for (i, m) in s.markets.iter().enumerate() {
        markets.push(Market::new(i, m, &lrt_of, &pool_of, dt)?);
    }
    // Prime the feeds with the prices at the start.
    let navs: Vec<f64> = s.lrts.iter().map(|l| l.nav).collect();
    let inputs = FeedInputs { pools, navs: &navs, eth_usd: s.eth.usd };
    for (i, m) in markets.iter_mut().enumerate() {
        m.update_feeds(&inputs, 0, 0.0).map_err(|e| invalid(format!("markets[{i}]"), e))?;
    }

    // Population: holders buy at the pool price; loopers borrow to their target health factor
    // at the oracle's price: C (p - P_o w / h) = W, D = C P_o w / h, with w the LLTV or the
    // (e-mode) liquidation threshold.
    let mut pop = Population::default();
    let mut cohorts = Vec::with_capacity(s.retail.len() + s.borrowers.len());
    for (ci, c) in s.retail.iter().enumerate() {
        let lrt = lrt_ix[c.lrt.as_str()];
        let pool = lrt_pool[lrt];
        if pool == usize::MAX {
            return Err(invalid(
                format!("retail[{ci}].lrt"),
                format!("LRT `{}` has no pool to trade on; add a [[pools]] entry for it", c.lrt),
            ));
        }
        let market = c.market.as_ref().map(|m| market_ix[m.as_str()]);
        let leg = match market.map(|m| &markets[m].book) {
            None => None,
            Some(Book::Isolated(_)) => Some(Leg {
                collateral: Asset::Lrt(lrt),
                debt: Asset::Eth,
                coll_reserve: 0,
                debt_reserve: 0,
                emode: None,
            }),
            Some(Book::Pooled(b)) => {
                let coll_reserve = b
                    .reserve_of(Asset::Lrt(lrt))
                    .ok_or_else(|| invalid(format!("retail[{ci}].market"), "no reserve of the cohort's LRT"))?;
                let debt_reserve = b
                    .reserve_of(Asset::Eth)
                    .ok_or_else(|| invalid(format!("retail[{ci}].market"), "no ETH reserve"))?;
                let emode = match &c.emode {
                    Some(l) => Some(
                        b.emode_labels
                            .iter()
                            .position(|x| x == l)
                            .ok_or_else(|| invalid(format!("retail[{ci}].emode"), "unknown e-mode"))?,
                    ),
                    None => None,
                };
                Some(Leg { collateral: Asset::Lrt(lrt), debt: Asset::Eth, coll_reserve, debt_reserve, emode })
            }
        };
        let range = pop.add_cohort(ci, c, seed).map_err(|e| BuildError::Invalid(vec![e]))?;
        let p0 = pools[pool].price();
        let attention = 1.0 - (-c.attention_per_day * dt / 86_400.0).exp();
        for i in range.clone() {
            let w = pop.initial_wealth[i];
            match (pop.strategy[i], market, leg) {
                (Strategy::Looper, Some(m), Some(leg)) => {
                    let (po, weight, ltv) = collateral_terms(&markets[m], &leg);
                    let h = clamp_target(&mut pop, i, weight, ltv).ok_or_else(|| {
                        invalid(
                            format!("markets[{m}]"),
                            format!("the cohort `{}` cannot borrow: LTV of its collateral is 0", c.id),
                        )
                    })?;
                    let denom = p0 - po * weight / h;
                    if denom <= 0.0 {
                        return Err(invalid(
                            format!("retail[{ci}].target_health_factor"),
                            format!(
                                "a target health factor of {h:.4} with collateral weight {weight} and price {p0:.4} means unbounded leverage; targets must exceed weight x oracle price / pool price = {:.4}",
                                po * weight / p0
                            ),
                        ));
                    }
                    let collateral = w / denom;
                    // Held here until the market opens the positions below.
                    pop.collateral[i] = collateral;
                    pop.borrow_shares[i] = collateral * po * weight / h;
                }
                _ => pop.lrt[i] = w / p0,
            }
        }
        cohorts.push(Cohort { id: c.id.clone(), lrt, market, pool, leg, attention, range, entry_price: p0 });
    }
    for (bi, b) in s.borrowers.iter().enumerate() {
        let m = market_ix[b.market.as_str()];
        let Book::Pooled(book) = &markets[m].book else {
            return Err(invalid(format!("borrowers[{bi}].market"), "must be a pooled market"));
        };
        let coll_reserve =
            book.reserve_of(Asset::Eth).ok_or_else(|| invalid(format!("borrowers[{bi}].market"), "no ETH reserve"))?;
        let debt_reserve =
            book.reserve_of(Asset::Usd).ok_or_else(|| invalid(format!("borrowers[{bi}].market"), "no USD reserve"))?;
        let leg = Leg { collateral: Asset::Eth, debt: Asset::Usd, coll_reserve, debt_reserve, emode: None };
        let index = cohorts.len();
        let range = pop.add_borrower_cohort(index, bi, b, seed).map_err(|e| BuildError::Invalid(vec![e]))?;
        let attention = 1.0 - (-b.attention_per_day * dt / 86_400.0).exp();
        let (_, weight, ltv) = collateral_terms(&markets[m], &leg);
        let usd_price = match &markets[m].book {
            Book::Pooled(p) => p.prices[debt_reserve],
            Book::Isolated(_) => unreachable!("checked pooled"),
        };
        for i in range.clone() {
            // Leveraged long: C = W + D / P (borrowed USD buys ETH), C x LT / (D / P) = h.
            let h = clamp_target(&mut pop, i, weight, ltv)
                .ok_or_else(|| invalid(format!("markets[{m}]"), "the ETH reserve has LTV 0"))?;
            let c = pop.initial_wealth[i] / (1.0 - weight / h);
            pop.collateral[i] = c;
            pop.borrow_shares[i] = c * weight / h / usd_price;
        }
        cohorts.push(Cohort {
            id: b.id.clone(),
            lrt: usize::MAX,
            market: Some(m),
            pool: usize::MAX,
            leg: Some(leg),
            attention,
            range,
            entry_price: 1.0,
        });
    }

    let mut borrowers = vec![Vec::new(); markets.len()];
    for i in 0..pop.len() {
        if let (Strategy::Looper | Strategy::Borrower, Some(m)) =
            (pop.strategy[i], cohorts[pop.cohort[i] as usize].market)
        {
            pop.slot[i] = borrowers[m].len() as u32;
            borrowers[m].push(i as u32);
        }
    }
    for (mi, mc) in s.markets.iter().enumerate() {
        open_positions(mi, mc, seed, &mut markets[mi], &mut pop, &cohorts, &borrowers[mi], dt)?;
        markets[mi].set_initial_supply();
    }
    Ok(Lending { markets, pop, cohorts, borrowers })
}

/// (oracle price of the collateral, its weight in the health factor, its LTV).
fn collateral_terms(m: &Market, leg: &Leg) -> (f64, f64, f64) {
    match &m.book {
        Book::Isolated(b) => (b.feed.price, b.lltv, b.lltv),
        Book::Pooled(b) => {
            let (ltv, lt) = b.inner.collateral_params(leg.emode, leg.coll_reserve);
            (b.prices[leg.coll_reserve], lt, ltv)
        }
    }
}

/// Borrowing is limited by the LTV: a target below weight / LTV is raised to it (a borrower
/// levers as far as the market allows). Returns the target, or None if the LTV is 0.
fn clamp_target(pop: &mut Population, i: usize, weight: f64, ltv: f64) -> Option<f64> {
    if ltv <= 0.0 {
        return None;
    }
    let floor = weight / ltv * (1.0 + 1e-9);
    let h = pop.target_hf[i];
    if h < floor {
        pop.deleverage_hf[i] *= floor / h;
        pop.target_hf[i] = floor;
    }
    Some(pop.target_hf[i])
}

#[allow(clippy::too_many_arguments)]
fn open_positions(
    mi: usize,
    mc: &crate::scenario::MarketConfig,
    seed: u64,
    market: &mut Market,
    pop: &mut Population,
    cohorts: &[Cohort],
    borrowers: &[u32],
    dt: f64,
) -> Result<(), BuildError> {
    let sup = &mc.suppliers;
    let thresholds = |k: usize| -> Result<Vec<(f64, f64)>, BuildError> {
        let u = sup
            .utilisation_threshold
            .sampler()
            .map_err(|e| invalid(format!("markets[{mi}].suppliers.utilisation_threshold"), e))?;
        let b = sup
            .bad_debt_threshold
            .sampler()
            .map_err(|e| invalid(format!("markets[{mi}].suppliers.bad_debt_threshold"), e))?;
        Ok((0..sup.count as u64)
            .map(|j| {
                let mut rng =
                    stream(seed, LENDER_NAMESPACE + ((mi as u64) << 24) + ((k as u64) << 16) + j, 0, INIT_LENDERS);
                (u.sample(&mut rng), b.sample(&mut rng))
            })
            .collect())
    };
    let attention = 1.0 - (-sup.attention_per_day * dt / 86_400.0).exp();
    for l in market.lenders.iter_mut() {
        l.attention = attention;
    }
    match mc.kind {
        MarketKind::Isolated => {
            let debts: f64 = borrowers.iter().map(|&i| pop.borrow_shares[i as usize]).sum();
            let th = thresholds(0)?;
            market
                .supply_at_start(0, debts + mc.idle_supply, sup, &th)
                .map_err(|e| invalid(format!("markets[{mi}].idle_supply"), e))?;
            for &i in borrowers {
                let i = i as usize;
                pop.borrow_shares[i] = market
                    .open_isolated(pop.collateral[i], pop.borrow_shares[i])
                    .map_err(|e| invalid(format!("retail[{}].target_health_factor", pop.cohort[i]), e))?;
            }
        }
        MarketKind::Pooled => {
            // Lenders first: loan reserves get the borrowers' debts plus the idle supply, other
            // reserves their idle supply (from the passive lenders).
            let n = mc.reserves.len();
            let mut debts = vec![0.0; n];
            for &i in borrowers {
                let i = i as usize;
                let leg = cohorts[pop.cohort[i] as usize].leg.expect("borrowers have a leg");
                debts[leg.debt_reserve] += pop.borrow_shares[i];
            }
            let loan_of: Vec<Option<usize>> =
                (0..n).map(|r| market.lenders.iter().position(|l| l.reserve == r)).collect();
            for r in 0..n {
                let amount = debts[r] + mc.reserves[r].idle_supply;
                let path = format!("markets[{mi}].reserves[{r}].idle_supply");
                match loan_of[r] {
                    Some(k) => {
                        let th = thresholds(k)?;
                        market.supply_at_start(k, amount, sup, &th).map_err(|e| invalid(path, e))?;
                    }
                    None if amount > 0.0 => {
                        let b = market.pooled_mut().expect("pooled");
                        b.inner.supply(&mut b.passive, r, amount).map_err(|e| invalid(path, e))?;
                    }
                    None => {}
                }
            }
            let b = market.pooled_mut().expect("pooled");
            b.accounts.reserve_exact(borrowers.len());
            for &i in borrowers {
                let i = i as usize;
                let leg = cohorts[pop.cohort[i] as usize].leg.expect("borrowers have a leg");
                let path = if pop.strategy[i] == Strategy::Borrower { "borrowers" } else { "retail" };
                let err = |e: restake_lending::LendingError| {
                    invalid(format!("markets[{mi}] (opening a position of {path} agent {i})"), e)
                };
                let mut acct = b.inner.new_account();
                b.inner.supply(&mut acct, leg.coll_reserve, pop.collateral[i]).map_err(err)?;
                if leg.emode.is_some() {
                    b.inner.set_emode(&mut acct, leg.emode, &b.prices).map_err(err)?;
                }
                b.inner.borrow(&mut acct, leg.debt_reserve, pop.borrow_shares[i], &b.prices).map_err(err)?;
                pop.collateral[i] = 0.0;
                pop.borrow_shares[i] = 0.0;
                b.accounts.push(acct);
            }
        }
    }
    Ok(())
}

impl World {
    /// The position of agent `i` in its cohort's market, if it has one.
    #[inline]
    pub fn position(&self, i: usize) -> Option<Position> {
        let cohort = &self.cohorts[self.pop.cohort[i] as usize];
        let (m, leg) = (cohort.market?, cohort.leg?);
        if !matches!(self.pop.strategy[i], Strategy::Looper | Strategy::Borrower) {
            return None;
        }
        Some(match &self.markets[m].book {
            Book::Isolated(b) => {
                let c = self.pop.collateral[i];
                let debt = b.inner.debt_of(self.pop.borrow_shares[i]);
                let limit = c * b.feed.price * b.lltv;
                Position {
                    collateral: c,
                    debt,
                    coll_price: b.feed.price,
                    debt_price: 1.0,
                    weight: b.lltv,
                    limit,
                    debt_value: debt,
                    hf: if debt > 0.0 { limit / debt } else { f64::INFINITY },
                }
            }
            Book::Pooled(b) => {
                let acct = &b.accounts[self.pop.slot[i] as usize];
                let d = b.inner.account_data(acct, &b.prices).unwrap_or_default();
                Position {
                    collateral: b.inner.supplied(acct, leg.coll_reserve),
                    debt: b.inner.debt(acct, leg.debt_reserve),
                    coll_price: b.prices[leg.coll_reserve],
                    debt_price: b.prices[leg.debt_reserve],
                    weight: b.inner.collateral_params(acct.emode, leg.coll_reserve).1,
                    limit: d.liquidation_limit,
                    debt_value: d.total_debt,
                    hf: if d.total_debt > 0.0 { d.health_factor } else { f64::INFINITY },
                }
            }
        })
    }

    /// ETH one unit of `asset` fetches when sold now, before fees (LRT: its main pool's spot).
    #[inline]
    pub fn market_price(&self, asset: Asset) -> f64 {
        match asset {
            Asset::Eth => 1.0,
            Asset::Usd => 1.0 / self.eth.usd,
            Asset::Lrt(l) => self.lrt_views[l].price,
        }
    }

    /// Collateral (at market price) minus debt (at market price) of agent `i`'s position, in ETH.
    pub fn position_equity(&self, i: usize) -> f64 {
        let Some(leg) = self.cohorts[self.pop.cohort[i] as usize].leg else { return 0.0 };
        match self.position(i) {
            Some(p) => p.collateral * self.market_price(leg.collateral) - p.debt * self.market_price(leg.debt),
            None => 0.0,
        }
    }

    /// Collateral tokens of agent `i` (its cohort's collateral asset), wherever they are held.
    pub fn collateral_of(&self, i: usize) -> f64 {
        self.position(i).map_or(0.0, |p| p.collateral)
    }

    /// A looper's or borrower's decision: unwind in panic, deleverage back to target when the
    /// health factor falls below its personal level, else hold. Returns the intent and the
    /// collateral to sell.
    pub(super) fn decide_leveraged(&self, i: usize) -> (Intent, f64) {
        let pop = &self.pop;
        let cohort = &self.cohorts[pop.cohort[i] as usize];
        let (Some(leg), Some(p)) = (cohort.leg, self.position(i)) else { return (Intent::Hold, 0.0) };
        let c = p.collateral;
        if c <= 0.0 {
            return (Intent::Hold, 0.0);
        }
        // Herding: the more holders of the LRT exited lately, the less loss it takes to follow.
        let threshold = match leg.collateral {
            Asset::Lrt(l) => {
                pop.panic_loss[i] * (1.0 - (pop.herd_sensitivity[i] * self.lrt_views[l].exit_pressure).min(1.0))
            }
            _ => pop.panic_loss[i],
        };
        let fee = match leg.collateral {
            Asset::Lrt(l) => self.lrt_views[l].pool_fee,
            _ => 0.0,
        };
        let p_sell = self.market_price(leg.collateral) * (1.0 - fee);
        let debt_mkt = self.market_price(leg.debt);
        let equity = c * p_sell - p.debt * debt_mkt;
        if equity <= 0.0 {
            // Underwater: selling cannot repay; a rational borrower walks away.
            return (Intent::Hold, 0.0);
        }
        if 1.0 - equity / pop.initial_wealth[i] >= threshold {
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

    /// Repays agent `i`'s debt with `eth` of sale proceeds and releases `sold` collateral (the
    /// sale cleared in the step's pool batch; on chain the flash-loan deleverage is atomic).
    /// Returns the ETH used.
    pub(super) fn repay_and_release(&mut self, i: usize, eth: f64, sold: f64) -> f64 {
        let cohort = &self.cohorts[self.pop.cohort[i] as usize];
        let (Some(m), Some(leg)) = (cohort.market, cohort.leg) else { return 0.0 };
        match &mut self.markets[m].book {
            Book::Isolated(b) => {
                let used =
                    if eth > 0.0 { b.inner.repay(&mut self.pop.borrow_shares[i], eth).unwrap_or(0.0) } else { 0.0 };
                b.inner.release_collateral(&mut self.pop.collateral[i], sold);
                used
            }
            Book::Pooled(b) => {
                let acct = &mut b.accounts[self.pop.slot[i] as usize];
                let used = if eth > 0.0 { b.inner.repay(acct, leg.debt_reserve, eth).unwrap_or(0.0) } else { 0.0 };
                b.inner.release_collateral(acct, leg.coll_reserve, sold);
                used
            }
        }
    }

    /// An ETH-collateral USD borrower deleverages (or unwinds) through the deep ETH/USD market:
    /// withdraws `x` ETH, sells what repays the debt for USD, repays, and keeps the rest.
    /// Returns the debt repaid, in ETH.
    pub(super) fn deleverage_on_usd_market(&mut self, i: usize, x: f64, unwind: bool) -> f64 {
        let cohort = &self.cohorts[self.pop.cohort[i] as usize];
        let (Some(m), Some(leg)) = (cohort.market, cohort.leg) else { return 0.0 };
        let eth_usd = self.eth.usd;
        let Book::Pooled(b) = &mut self.markets[m].book else { return 0.0 };
        let acct = &mut b.accounts[self.pop.slot[i] as usize];
        let debt = b.inner.debt(acct, leg.debt_reserve);
        // Withdraw first (limited by the ETH reserve's idle cash), then sell what repays.
        let out = b.inner.release_collateral(acct, leg.coll_reserve, if unwind { f64::INFINITY } else { x });
        let spend = out.min(debt / eth_usd);
        let usd = spend * eth_usd;
        let repaid = if usd > 0.0 { b.inner.repay(acct, leg.debt_reserve, usd).unwrap_or(0.0) } else { 0.0 };
        let eth_used = repaid / eth_usd;
        self.ledger.usd_market_eth -= eth_used;
        self.ledger.usd_market_usd += repaid;
        self.pop.eth[i] += out - eth_used;
        if unwind && b.inner.supplied(acct, leg.coll_reserve) <= 1e-12 {
            self.pop.status[i] = Status::Exited;
        }
        eth_used
    }

    /// Physical USD held in the world: pooled USD reserves' cash and lenders' USD wallets.
    pub fn usd_holdings(&self) -> f64 {
        let mut t = 0.0;
        for m in &self.markets {
            t += m.cash_of(Asset::Usd);
            for l in m.lenders.iter().filter(|l| l.asset == Asset::Usd) {
                t += l.members.iter().map(|s| s.wallet).sum::<f64>();
            }
        }
        t
    }

    /// ETH in lenders' wallets (withdrawn from markets).
    pub fn lender_eth(&self) -> f64 {
        self.markets
            .iter()
            .flat_map(|m| m.lenders.iter())
            .filter(|l| l.asset == Asset::Eth)
            .flat_map(|l| l.members.iter())
            .map(|s| s.wallet)
            .sum()
    }

    /// Updates every market's price feeds for this step (after shocks moved prices).
    pub(super) fn update_market_oracles(&mut self, ctx: &StepContext) -> Result<(), WorldError> {
        let navs: Vec<f64> = (0..self.lrts.len()).map(|l| self.nav(l)).collect();
        let inputs = FeedInputs { pools: &self.pools, navs: &navs, eth_usd: self.eth.usd };
        for m in self.markets.iter_mut() {
            m.update_feeds(&inputs, ctx.step, ctx.dt_years())
                .map_err(|source| WorldError::Market { market: m.id.clone(), source })?;
        }
        Ok(())
    }
}
