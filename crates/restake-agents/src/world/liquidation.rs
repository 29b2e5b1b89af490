//! Liquidation rounds inside a step.
//!
//! A round scans every position of every market in parallel against the prices the market's
//! oracles report now, then executes liquidations one by one in a fixed order (worst health
//! factor first, then agent index) at those prices: the oracle is read once per round (a
//! pool-spot oracle with no delay reads the pool as earlier rounds left it; other oracles report
//! the step's price). A liquidator repays debt, seizes collateral with the market's
//! incentive (Morpho: the LLTV's incentive factor; Aave: the reserve's or e-mode's bonus, less the
//! protocol's fee, within the close factor) and sells it (LRT into the pool, USD on the ETH/USD
//! market; ETH is kept), moving the price the next round's scan sees. Every liquidation names its
//! cause: the largest liquidation sale of the previous round on the same pool, or, in round one,
//! the last event that moved that pool's price, the LRT's NAV, or ETH/USD.
//!
//! Competition: for each position and round, liquidators are tried in a random order (a stream
//! keyed by the agent, the step and the round); the first one with the capital and a profit after
//! the price impact of selling the seizure and gas takes it. This stands in for a gas auction
//! between bots of similar speed. Capital runs out: ETH spent repaying comes back only when the
//! seizure is sold (or, for a redeeming liquidator, when the redemption queue pays).

use super::*;
use crate::events::{Entity, Event, EventKind};
use crate::lrt::{Owner, Redemption};
use crate::market::{Asset, Book};
use crate::population::{RETAIL_NAMESPACE, Status};
use rand::RngExt;
use restake_engine::Purpose;
use restake_engine::par::par_fill;
use restake_lending::LendingError;

#[derive(Debug, Default)]
pub(super) struct Scratch {
    /// Health factor of each borrower of the market being scanned.
    hf: Vec<f64>,
    /// (health factor, slot) of the positions to liquidate.
    candidates: Vec<(f64, u32)>,
    /// Oracle prices of a pooled market's reserves in this round.
    prices: Vec<f64>,
}

/// The largest liquidation sale into a pool during the current round.
#[derive(Clone, Copy, Default)]
struct RoundMover {
    event: Option<u64>,
    depth: u32,
    size: f64,
}

struct Choice {
    liquidator: usize,
    /// Debt to repay (isolated), or the `debt_to_cover` request whose preview passed (pooled;
    /// `f64::INFINITY` for the most the close factor allows), in the debt asset's units.
    repay: f64,
    redeem: bool,
}

/// Slices of the largest repayment a liquidator tries, largest first: when selling the whole
/// seizure into a thin pool costs more in price impact than the incentive pays, a smaller
/// liquidation may still pay (the rest waits for the next round, after arbitrage).
const SLICES: [f64; 3] = [1.0, 0.25, 0.0625];

/// The stream that orders liquidators for agent `i`'s position in `round`.
fn order_purpose(round: u32) -> Purpose {
    Purpose(purpose::LIQUIDATOR_ORDER.0 + ((round as u64) << 32))
}

impl World {
    pub(super) fn liquidation_round(&mut self, ctx: &StepContext, round: u32) -> Result<usize, WorldError> {
        let mut actions = 0;
        let mut movers = vec![RoundMover::default(); self.pools.len()];
        for m in 0..self.markets.len() {
            actions += match self.markets[m].book {
                Book::Isolated(_) => self.liquidate_isolated(ctx, round, m, &mut movers)?,
                Book::Pooled(_) => self.liquidate_pooled(ctx, round, m, &mut movers)?,
            };
        }
        for (p, mv) in movers.iter().enumerate() {
            if mv.event.is_some() {
                self.pool_cause[p] = CauseRef { event: mv.event, depth: mv.depth };
            }
        }
        if actions > 0 {
            self.tally.rounds = self.tally.rounds.max(round);
            // Arbitrage bots back-run liquidation sales between rounds, within their capital.
            self.arbitrage(ctx)?;
        }
        Ok(actions)
    }

    /// The cause of a price move of `asset` as fed by `pool` (a market-price feed) or NAV.
    fn price_cause(&self, asset: Asset, pool: Option<usize>) -> CauseRef {
        match (asset, pool) {
            (_, Some(p)) => self.pool_cause[p],
            (Asset::Lrt(l), None) => self.nav_cause[l],
            (Asset::Eth | Asset::Usd, None) => self.eth_cause,
        }
    }

    /// ETH a liquidator gets for `amount` of seized `asset` now (LRT: sold into its pool, or
    /// redeemed at NAV less the carry of waiting if that pays more and it may), and whether it
    /// redeems.
    fn seizure_value(&self, li: usize, asset: Asset, amount: f64, nav: f64, wait_years: f64) -> (f64, bool) {
        match asset {
            Asset::Eth => (amount, false),
            Asset::Usd => (amount / self.eth.usd, false),
            Asset::Lrt(l) => {
                let liq = &self.liquidators[li];
                let sale = self.pools[self.lrt_pool[l]].quote_sell(amount);
                let redeem = if liq.may_redeem && self.lrts[l].redemptions_open {
                    amount * nav * (1.0 - liq.carry_rate * wait_years).max(0.0)
                } else {
                    0.0
                };
                if redeem > sale { (redeem, true) } else { (sale, false) }
            }
        }
    }

    /// Hands `seized` of `asset` to liquidator `li`: sells or queues an LRT, keeps ETH, sells USD
    /// on the ETH/USD market. Returns the ETH received now.
    fn take_seizure(
        &mut self,
        ctx: &StepContext,
        li: usize,
        asset: Asset,
        seized: f64,
        redeem: bool,
    ) -> Result<f64, WorldError> {
        let eth = match asset {
            Asset::Eth => seized,
            Asset::Usd => {
                let eth = seized / self.eth.usd;
                self.ledger.usd_market_usd -= seized;
                self.ledger.usd_market_eth += eth;
                eth
            }
            Asset::Lrt(l) if redeem => {
                let q = &mut self.lrts[l];
                q.queue.push_back(Redemption {
                    owner: Owner::Liquidator(li as u32),
                    tokens: seized,
                    requested_step: ctx.step,
                });
                q.queued_tokens += seized;
                0.0
            }
            Asset::Lrt(l) => {
                let p = self.lrt_pool[l];
                let eth = self.pools[p]
                    .sell(seized)
                    .map_err(|source| WorldError::Pool { pool: self.pools[p].id.clone(), source })?;
                self.tally.saw_price(p, self.pools[p].price());
                eth
            }
        };
        self.liquidators[li].eth += eth;
        Ok(eth)
    }

    /// Books a liquidation's event, bad-debt event, tallies and round mover.
    #[allow(clippy::too_many_arguments)]
    fn record_liquidation(
        &mut self,
        round: u32,
        m: usize,
        agent: u32,
        repaid_eth: f64,
        seized: f64,
        bad_debt: f64,
        price: f64,
        sale_pool: Option<(usize, f64)>,
        nav: f64,
        cause: CauseRef,
        label: Option<String>,
        movers: &mut [RoundMover],
    ) {
        let depth = cause.depth + 1;
        let mut e = Event::new(EventKind::Liquidation, Entity::Market(m as u32));
        e.round = round;
        e.agent = Some(agent);
        e.label = label;
        e.amount_eth = repaid_eth;
        e.amount_token = seized;
        e.bad_debt = bad_debt;
        e.price_oracle = price;
        e.price_pool = sale_pool.map_or(f64::NAN, |(p, _)| self.pools[p].price());
        e.nav = nav;
        e.cause = cause.event;
        e.depth = depth;
        let id = self.events.push(e);
        if bad_debt > 0.0 {
            self.push_bad_debt(m, round, agent, bad_debt, price, Some(id));
        }
        if let Some((p, before)) = sale_pool {
            let impact = before - self.pools[p].price();
            if impact > movers[p].size {
                movers[p] = RoundMover { event: Some(id), depth, size: impact };
            }
        }
        let t = &mut self.tally.market[m];
        t.liquidations += 1;
        t.liquidated_debt += repaid_eth;
        t.bad_debt += bad_debt;
        self.tally.max_depth = self.tally.max_depth.max(depth);
        self.tally.record_round(round, m, repaid_eth);
    }

    // ---- isolated (Morpho-Blue-like) markets ----

    fn liquidate_isolated(
        &mut self,
        ctx: &StepContext,
        round: u32,
        m: usize,
        movers: &mut [RoundMover],
    ) -> Result<usize, WorldError> {
        let Book::Isolated(b) = &self.markets[m].book else { return Ok(0) };
        let (lrt, lltv) = (b.lrt, b.lltv);
        let sale_pool = self.lrt_pool[lrt];
        let price = b.feed.round_price(&self.pools, ctx.step);
        let cause = self.price_cause(Asset::Lrt(lrt), b.feed.pool);

        // Scan the market's borrowers in parallel.
        let mut scratch = std::mem::take(&mut self.scratch);
        let borrowers = &self.borrowers[m];
        scratch.hf.resize(borrowers.len(), f64::INFINITY);
        {
            let pop = &self.pop;
            par_fill(&mut scratch.hf[..borrowers.len()], |k| {
                let i = borrowers[k] as usize;
                let debt = b.inner.debt_of(pop.borrow_shares[i]);
                if debt <= 1e-12 {
                    return f64::INFINITY;
                }
                pop.collateral[i] * price * lltv / debt
            });
        }
        scratch.candidates.clear();
        scratch.candidates.extend(
            scratch.hf[..borrowers.len()].iter().zip(borrowers).filter(|(h, _)| **h < 1.0).map(|(h, &i)| (*h, i)),
        );
        scratch.candidates.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));

        let mut actions = 0;
        let nav = self.nav(lrt);
        let wait_years = self.lrt_views[lrt].wait_years;
        for &(_, agent) in &scratch.candidates {
            let i = agent as usize;
            if self.pop.collateral[i] <= 1e-12 {
                // Nothing left to seize: the remaining debt is bad debt now.
                let bad = self.markets[m].realize_bad_debt(
                    &mut self.pop.collateral[i],
                    &mut self.pop.borrow_shares[i],
                    price,
                );
                if bad > 0.0 {
                    self.push_bad_debt(m, round, agent, bad, price, cause.event);
                    self.tally.market[m].bad_debt += bad;
                    actions += 1;
                }
                continue;
            }
            let Some(choice) = self.pick_isolated(ctx, round, m, i, price, nav, wait_years) else { continue };
            let outcome = self.markets[m]
                .liquidate_isolated(&mut self.pop.collateral[i], &mut self.pop.borrow_shares[i], choice.repay, price)
                .map_err(|source| WorldError::Market { market: self.markets[m].id.clone(), source })?;
            let li = choice.liquidator;
            let gas = self.liquidators[li].gas_eth;
            self.liquidators[li].eth -= outcome.repaid + gas;
            self.ledger.gas_burned += gas;
            let price_before = self.pools[sale_pool].price();
            let eth_back = self.take_seizure(ctx, li, Asset::Lrt(lrt), outcome.liquidator_seized, choice.redeem)?;
            let liq = &mut self.liquidators[li];
            liq.liquidations += 1;
            liq.profit_eth += eth_back - outcome.repaid - gas;
            if self.pop.collateral[i] <= 1e-12 {
                self.pop.status[i] = Status::Liquidated;
            }
            let moved = if choice.redeem { None } else { Some((sale_pool, price_before)) };
            self.record_liquidation(
                round,
                m,
                agent,
                outcome.repaid,
                outcome.seized,
                outcome.bad_debt,
                price,
                moved,
                nav,
                cause,
                None,
                movers,
            );
            actions += 1;
        }
        self.scratch = scratch;
        Ok(actions)
    }

    /// The first liquidator, in an order drawn per position and round, with the capital and a
    /// profit after price impact and gas.
    #[allow(clippy::too_many_arguments)]
    fn pick_isolated(
        &self,
        ctx: &StepContext,
        round: u32,
        m: usize,
        i: usize,
        price: f64,
        nav: f64,
        wait_years: f64,
    ) -> Option<Choice> {
        let market = &self.markets[m];
        let lrt = market.isolated()?.lrt;
        let debt = market.debt(self.pop.borrow_shares[i]);
        let collateral = self.pop.collateral[i];
        for (li, budget) in self.liquidator_order(ctx, round, i as u32) {
            let liq = &self.liquidators[li];
            for f in SLICES {
                let (repay, seized) =
                    market.liquidation_amounts(collateral, self.pop.borrow_shares[i], debt.min(budget) * f, price);
                if repay <= 0.0 {
                    break;
                }
                let (value, redeem) = self.seizure_value(li, Asset::Lrt(lrt), seized, nav, wait_years);
                if value - repay - liq.gas_eth >= liq.min_profit {
                    return Some(Choice { liquidator: li, repay, redeem });
                }
            }
        }
        None
    }

    /// A bad-debt event on market `m` for `agent`'s position, following `cause`.
    fn push_bad_debt(&mut self, m: usize, round: u32, agent: u32, bad_debt: f64, price: f64, cause: Option<u64>) {
        let mut e = Event::new(EventKind::BadDebt, Entity::Market(m as u32));
        e.round = round;
        e.agent = Some(agent);
        e.bad_debt = bad_debt;
        e.price_oracle = price;
        e.cause = cause;
        self.events.push(e);
    }

    /// Liquidators with capital left after gas, with that budget, in the order drawn for
    /// `agent`'s position in `round` (the stand-in for a gas auction between bots).
    fn liquidator_order(&self, ctx: &StepContext, round: u32, agent: u32) -> impl Iterator<Item = (usize, f64)> + '_ {
        let n = self.liquidators.len();
        let start =
            if n == 0 { 0 } else { ctx.rng(RETAIL_NAMESPACE + agent as u64, order_purpose(round)).random_range(0..n) };
        (0..n).map(move |k| (start + k) % n).filter_map(move |li| {
            let liq = &self.liquidators[li];
            let budget = liq.eth - liq.gas_eth;
            (budget > 0.0).then_some((li, budget))
        })
    }

    // ---- pooled (Aave-v3-like) markets ----

    fn liquidate_pooled(
        &mut self,
        ctx: &StepContext,
        round: u32,
        m: usize,
        movers: &mut [RoundMover],
    ) -> Result<usize, WorldError> {
        let mut scratch = std::mem::take(&mut self.scratch);
        let n = self.borrowers[m].len();
        {
            let Book::Pooled(b) = &self.markets[m].book else { return Ok(0) };
            let Scratch { hf, candidates, prices } = &mut scratch;
            prices.clear();
            prices.extend(b.feeds.iter().map(|f| f.round_price(&self.pools, ctx.step)));
            hf.resize(n, f64::INFINITY);
            let prices: &[f64] = prices;
            par_fill(&mut hf[..n], |k| match b.inner.account_data(&b.accounts[k], prices) {
                Ok(d) if d.total_debt > 1e-12 => d.health_factor,
                _ => f64::INFINITY,
            });
            candidates.clear();
            candidates.extend(hf[..n].iter().enumerate().filter(|(_, h)| **h < 1.0).map(|(k, h)| (*h, k as u32)));
            candidates.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        }

        let mut actions = 0;
        let eth_usd = self.eth.usd;
        for c in 0..scratch.candidates.len() {
            let k = scratch.candidates[c].1 as usize;
            let agent = self.borrowers[m][k];
            let Book::Pooled(b) = &self.markets[m].book else { unreachable!() };
            let prices = &scratch.prices;
            // The liquidator's pick of reserves: the largest collateral and the largest debt.
            let acct = &b.accounts[k];
            let value = |r: usize, debt: bool| {
                if debt { b.inner.debt(acct, r) * prices[r] } else { b.inner.supplied(acct, r) * prices[r] }
            };
            let rc = (0..b.assets.len())
                .filter(|&r| b.inner.collateral_params(acct.emode, r).1 > 0.0 && b.inner.supplied(acct, r) > 0.0)
                .max_by(|&x, &y| value(x, false).total_cmp(&value(y, false)).then(y.cmp(&x)));
            let rd = (0..b.assets.len())
                .filter(|&r| b.inner.debt(acct, r) > 0.0)
                .max_by(|&x, &y| value(x, true).total_cmp(&value(y, true)).then(y.cmp(&x)));
            let (Some(rc), Some(rd)) = (rc, rd) else { continue };
            let (coll_asset, debt_asset) = (b.assets[rc], b.assets[rd]);
            let unit_cost = match debt_asset {
                Asset::Eth => 1.0,
                Asset::Usd => 1.0 / eth_usd,
                Asset::Lrt(_) => continue, // not borrowable (validated)
            };
            let feed_pool = b.feeds[rc].pool;
            let cause = match (coll_asset, debt_asset) {
                (Asset::Eth, Asset::Usd) => self.eth_cause,
                _ => self.price_cause(coll_asset, feed_pool),
            };
            let (nav, wait_years) = match coll_asset {
                Asset::Lrt(l) => (self.nav(l), self.lrt_views[l].wait_years),
                _ => (f64::NAN, 0.0),
            };
            let Some(choice) = self.pick_pooled(ctx, round, m, k, agent, rc, rd, unit_cost, prices, nav, wait_years)
            else {
                continue;
            };
            let Book::Pooled(b) = &mut self.markets[m].book else { unreachable!() };
            let out = b
                .inner
                .liquidate(&mut b.accounts[k], rc, rd, choice.repay, &scratch.prices, eth_usd)
                .map_err(|source| WorldError::Market { market: self.markets[m].id.clone(), source })?;
            let no_collateral = out.no_collateral_left;
            let o = out.outcome;
            let li = choice.liquidator;
            let gas = self.liquidators[li].gas_eth;
            let cost = o.repaid * unit_cost;
            self.liquidators[li].eth -= cost + gas;
            self.ledger.gas_burned += gas;
            if debt_asset == Asset::Usd {
                // The liquidator buys the USD it repays on the ETH/USD market.
                self.ledger.usd_market_eth -= cost;
                self.ledger.usd_market_usd += o.repaid;
            }
            let sale_pool = match coll_asset {
                Asset::Lrt(l) if !choice.redeem => Some((self.lrt_pool[l], self.pools[self.lrt_pool[l]].price())),
                _ => None,
            };
            let eth_back = self.take_seizure(ctx, li, coll_asset, o.liquidator_seized, choice.redeem)?;
            let liq = &mut self.liquidators[li];
            liq.liquidations += 1;
            liq.profit_eth += eth_back - cost - gas;
            if no_collateral {
                self.pop.status[agent as usize] = Status::Liquidated;
            }
            let label = {
                let p = &self.markets[m].pooled().expect("pooled").inner.params().reserves;
                Some(format!("{}/{} close factor {}", p[rc].name, p[rd].name, out.close_factor))
            };
            // The oracle price recorded is the collateral's in units of the debt asset (as
            // Morpho's oracle reports it): rsETH in ETH, or ETH in USD.
            let price = scratch.prices[rc] / scratch.prices[rd];
            self.record_liquidation(
                round,
                m,
                agent,
                cost,
                o.seized,
                out.bad_debt_value,
                price,
                sale_pool,
                nav,
                cause,
                label,
                movers,
            );
            actions += 1;
        }
        self.scratch = scratch;
        Ok(actions)
    }

    /// The first liquidator, in an order drawn per position and round, that can pay and profits
    /// after the price impact of selling the seizure and gas. Aave's close factor and its
    /// dust rule bound what it may repay; a liquidator short of capital repays what it can, or,
    /// if that would leave dust, the whole position when it can afford it.
    #[allow(clippy::too_many_arguments)]
    fn pick_pooled(
        &self,
        ctx: &StepContext,
        round: u32,
        m: usize,
        k: usize,
        agent: u32,
        rc: usize,
        rd: usize,
        unit_cost: f64,
        prices: &[f64],
        nav: f64,
        wait_years: f64,
    ) -> Option<Choice> {
        let b = self.markets[m].pooled()?;
        let acct = &b.accounts[k];
        let eth_usd = self.eth.usd;
        for (li, budget) in self.liquidator_order(ctx, round, agent) {
            let liq = &self.liquidators[li];
            // The most it may repay (close factor) within its capital, then smaller slices.
            let most = match b.inner.preview_liquidation(acct, rc, rd, f64::INFINITY, prices, eth_usd) {
                Ok(p) => p.outcome.repaid,
                // No idle cash to pay the seizure in underlying: nobody can liquidate now.
                Err(_) => return None,
            };
            for f in SLICES {
                let mut request = (budget / unit_cost).min(most) * f;
                let preview = match b.inner.preview_liquidation(acct, rc, rd, request, prices, eth_usd) {
                    Ok(p) => p,
                    // A slice that would leave dust: the whole position, if affordable.
                    Err(LendingError::MustNotLeaveDust { .. }) => {
                        request = f64::INFINITY;
                        match b.inner.preview_liquidation(acct, rc, rd, request, prices, eth_usd) {
                            Ok(p) if p.outcome.repaid * unit_cost <= budget => p,
                            _ => continue,
                        }
                    }
                    Err(_) => return None,
                };
                let o = preview.outcome;
                if o.repaid <= 0.0 {
                    break;
                }
                let (value, redeem) = self.seizure_value(li, b.assets[rc], o.liquidator_seized, nav, wait_years);
                if value - o.repaid * unit_cost - liq.gas_eth >= liq.min_profit {
                    // Execute the very request that was previewed (re-deriving it from `repaid`
                    // could leave float dust of collateral and trip the dust rule).
                    return Some(Choice { liquidator: li, repay: request, redeem });
                }
            }
        }
        None
    }
}
