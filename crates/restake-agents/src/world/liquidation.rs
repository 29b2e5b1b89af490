//! Liquidation rounds inside a step: one loop for every kind of market.
//!
//! A round reads each market's oracles once (a pool-spot oracle with no delay reads the pool as
//! earlier rounds left it; other oracles report the step's price), scans every position's health
//! in parallel at those prices, then executes liquidations one by one in a fixed order (worst
//! health factor first, then slot, which is agent order). A liquidator repays debt, seizes
//! collateral with the market's incentive and sells it (LRT into the pool, USD on the ETH/USD
//! market; ETH is kept), moving the price the next round's scan sees. Every liquidation names its
//! cause: the largest liquidation sale of the previous round on the same pool, or, in round one,
//! the last event that moved that pool's price, the LRT's NAV, or ETH/USD.
//!
//! Competition: for each position and round, liquidators are tried in an order drawn from a
//! stream keyed by the agent, the step and the round (a random rotation of their fixed order); the
//! first one with the capital and a profit after the price impact of selling the seizure and gas
//! takes it. This stands in for a gas auction between bots of similar speed. Capital runs out: ETH
//! spent repaying comes back only when the seizure is sold (or, for a redeeming liquidator, when
//! the redemption queue pays).

use super::*;
use crate::events::{Event, EventKind};
use crate::market::{Next, NoQuote, OUTSIDE, Quote, Target};
use crate::population::Status;
use crate::vocab::{Holder, entity, purpose};
use rand::RngExt;

#[derive(Debug, Default)]
pub(super) struct Scratch {
    /// (health factor, slot) of the positions to liquidate.
    candidates: Vec<(f64, u32)>,
    /// Per liquidator, what bounds its profit this round (`World::pay_margins`).
    margins: Vec<(f64, f64, f64)>,
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
    /// The quote to execute.
    quote: Quote,
    redeem: bool,
}

/// Slices of the largest repayment a liquidator tries, largest first: when selling the whole
/// seizure into a thin pool costs more in price impact than the incentive pays, a smaller
/// liquidation may still pay (the rest waits for the next round, after arbitrage).
const SLICES: [f64; 3] = [1.0, 0.25, 0.0625];

/// Whether no liquidator of `margins` (`World::pay_margins`) could profit from a position
/// holding `collateral` tokens.
fn none_can_pay(margins: &[(f64, f64, f64)], collateral: f64) -> bool {
    margins.iter().all(|&(margin, gas, least)| collateral * margin - gas < least)
}

impl World {
    pub(super) fn liquidation_round(&mut self, ctx: &StepContext, round: u32) -> Result<usize, WorldError> {
        let mut actions = 0;
        let mut movers = vec![RoundMover::default(); self.liquidity.pools.len()];
        for m in 0..self.lending.markets.len() {
            actions += self.liquidate_market(ctx, round, m, &mut movers)?;
        }
        for (p, mv) in movers.iter().enumerate() {
            if mv.event.is_some() {
                self.obs.pool_cause[p] = CauseRef { event: mv.event, depth: mv.depth };
            }
        }
        if actions > 0 {
            self.obs.tally.rounds = self.obs.tally.rounds.max(round);
            // Arbitrage bots back-run liquidation sales between rounds, within their capital.
            self.arbitrage(ctx)?;
        }
        Ok(actions)
    }

    fn liquidate_market(
        &mut self,
        ctx: &StepContext,
        round: u32,
        m: usize,
        movers: &mut [RoundMover],
    ) -> Result<usize, WorldError> {
        let eth_usd = self.eth.usd;
        self.lending.markets[m].begin_round(&self.liquidity.pools, ctx.step, eth_usd);
        let p = self.lending.markets[m].round_oracle_price();
        let low = &mut self.obs.tally.market[m].oracle_low;
        *low = Some(low.map_or(p, |x| x.min(p)));
        // Positions no liquidator could profit from now (`pay_margins`) cannot become profitable
        // later in the round (sales only lower the pool, budgets only shrink, the oracle's round
        // price is fixed), so the scan leaves them out: a cascade's many small or deeply
        // underwater positions are not listed, sorted and quoted again in every round.
        let mut candidates = std::mem::take(&mut self.scratch.liquidation.candidates);
        let mut margins = std::mem::take(&mut self.scratch.liquidation.margins);
        let applies = match self.lending.markets[m].single_target() {
            Some(t) => self.pay_margins(m, &t, &mut margins),
            None => false,
        };
        self.lending.markets[m].unhealthy(|c| !(applies && none_can_pay(&margins, c)), &mut candidates);
        self.scratch.liquidation.margins = margins;
        // (health factor, slot) keys are unique: any sort gives the same sequence (in parallel
        // for a cascade's tens of thousands).
        restake_engine::par::sort_unique_by(&mut candidates, |a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        self.scratch.liquidation.candidates = candidates;
        let mut actions = 0;
        // The bound again as sales lower the pool within the round: recomputed when the price
        // moved (margins computed earlier in the round are only larger, so never skip wrongly).
        let mut margins = std::mem::take(&mut self.scratch.liquidation.margins);
        let (mut margin_price, mut applies) = (f64::NAN, false);
        for c in 0..self.scratch.liquidation.candidates.len() {
            let slot = self.scratch.liquidation.candidates[c].1 as usize;
            let agent = self.lending.markets[m].owner(slot);
            let t = match self.lending.markets[m].next(slot) {
                Next::Skip => continue,
                Next::WriteOff(t) => {
                    // Nothing left to seize: the remaining debt is bad debt now.
                    let (bad, price) = self.lending.markets[m].write_off(slot);
                    if bad > 0.0 {
                        let cause = self.price_cause(t.collateral, t.feed_pool);
                        self.push_bad_debt(m, round, agent, bad, price, cause.event);
                        self.obs.tally.market[m].bad_debt += bad;
                        actions += 1;
                    }
                    continue;
                }
                Next::Liquidate(t) => t,
            };
            if let Asset::Lrt(l) = t.collateral {
                let price = self.liquidity.pools[self.liquidity.lrt_pool[l]].price();
                if price != margin_price {
                    applies = self.pay_margins(m, &t, &mut margins);
                    margin_price = price;
                }
                let collateral = self.lending.markets[m].supplied(slot, t.coll_reserve);
                if applies && none_can_pay(&margins, collateral) {
                    continue;
                }
            }
            let unit_cost = match t.debt {
                Asset::Eth => 1.0,
                Asset::Usd => 1.0 / eth_usd,
                Asset::Lrt(_) => continue,
            };
            let cause = match (t.collateral, t.debt) {
                (Asset::Eth, Asset::Usd) => self.obs.eth_cause,
                _ => self.price_cause(t.collateral, t.feed_pool),
            };
            let (nav, wait_years) = match t.collateral {
                Asset::Lrt(l) => (self.nav(l), self.liquidity.views[l].wait_years),
                _ => (f64::NAN, 0.0),
            };
            let Some(choice) = self.pick(ctx, round, m, slot, agent, &t, unit_cost, nav, wait_years) else { continue };
            // The position's collateral (and perhaps its owner's status) is about to change.
            if (agent as usize) < self.agents.pop.len() {
                self.book_incentives(agent as usize);
            }
            let out = self.lending.markets[m]
                .liquidate(slot, &t, &choice.quote, choice.liquidator)
                .map_err(|source| WorldError::Market { market: self.lending.markets[m].id.clone(), source })?;
            let li = choice.liquidator;
            let cost = out.repaid * unit_cost;
            let gas = self.pay_repayment_and_gas(li, cost);
            if t.debt == Asset::Usd {
                // The liquidator buys the USD it repays on the ETH/USD market.
                self.buy_usd_for(cost, out.repaid);
            }
            let sale_pool = match t.collateral {
                Asset::Lrt(l) if !choice.redeem => {
                    let p = self.liquidity.lrt_pool[l];
                    Some((p, self.liquidity.pools[p].price()))
                }
                _ => None,
            };
            // A claim on the reserve (aTokens) is collected as the reserve gets cash (`claims.rs`).
            let eth_back = if out.claim {
                0.0
            } else {
                self.take_seizure(ctx, li, t.collateral, out.liquidator_seized, choice.redeem)?
            };
            let liq = &mut self.agents.liquidators[li];
            liq.liquidations += 1;
            liq.profit_eth += eth_back - cost - gas;
            if out.no_collateral_left {
                if let Some(s) = self.agents.pop.status.get_mut(agent as usize) {
                    *s = Status::Liquidated;
                }
            }
            // The oracle prices collateral in debt units; `unit_cost` turns debt units into ETH.
            let seized_eth = out.seized * out.oracle_price * unit_cost;
            let mt = &mut self.obs.tally.market[m];
            mt.collateral_seized_eth += seized_eth;
            if let Asset::Lrt(_) = t.collateral {
                mt.lrt_seized += out.seized;
            }
            let done =
                Done { repaid_eth: cost, seized: out.seized, bad_debt: out.bad_debt_eth, price: out.oracle_price };
            self.record_liquidation(round, m, agent, done, sale_pool, nav, cause, out.label, movers);
            actions += 1;
        }
        self.scratch.liquidation.margins = margins;
        Ok(actions)
    }

    /// The cause of a price move of `asset` as fed by `pool` (a market-price feed) or NAV.
    fn price_cause(&self, asset: Asset, pool: Option<usize>) -> CauseRef {
        match (asset, pool) {
            (_, Some(p)) => self.obs.pool_cause[p],
            (Asset::Lrt(l), None) => self.obs.nav_cause[l],
            (Asset::Eth | Asset::Usd, None) => self.obs.eth_cause,
        }
    }

    /// The first liquidator, in an order drawn per position and round, that can pay and profits
    /// after the price impact of selling the seizure and gas. The market bounds what it may repay
    /// (Aave's close factor; Morpho: the whole debt); a liquidator short of capital repays what it
    /// can, or, if that would leave dust, the whole position when it can afford it.
    #[allow(clippy::too_many_arguments)]
    fn pick(
        &self,
        ctx: &StepContext,
        round: u32,
        m: usize,
        slot: usize,
        agent: u32,
        t: &Target,
        unit_cost: f64,
        nav: f64,
        wait_years: f64,
    ) -> Option<Choice> {
        let market = &self.lending.markets[m];
        let mut most = None;
        // Liquidators whose budget covers the whole repayment ask for the same slices, so the
        // market's quote and the pool's price for the seizure are the same for them: computed
        // once per slice and request (the decision is the same as quoting each time).
        let mut memo: [Option<(f64, Result<Quote, NoQuote>)>; SLICES.len()] = [None; SLICES.len()];
        let mut sales: [Option<(f64, f64)>; SLICES.len()] = [None; SLICES.len()];
        // A sale of `x` LRT fetches at most `x` times the pool's spot after its fee (the price
        // falls as it sells; restake-amm's `post_trade_spot_price_is_monotone_in_size` checks
        // it to 1e-12), with a hair of slack for rounding: a quote that cannot pay even at that
        // price is refused without solving the sale.
        let sale_per_token = match t.collateral {
            Asset::Lrt(l) => self.spot_sale(l) * (1.0 + 1e-9),
            _ => f64::NAN,
        };
        for (li, budget) in self.liquidator_order(ctx, round, agent) {
            let liq = &self.agents.liquidators[li];
            let most = match most {
                Some(x) => x,
                None => *most.insert(market.max_repay(slot, t).ok()?),
            };
            for (fi, f) in SLICES.into_iter().enumerate() {
                let request = (budget / unit_cost).min(most) * f;
                let quoted = match memo[fi] {
                    Some((r, q)) if r == request => q,
                    _ => {
                        let q = market.quote(slot, t, request);
                        memo[fi] = Some((request, q));
                        q
                    }
                };
                let q = match quoted {
                    Ok(q) => q,
                    Err(NoQuote::Skip) => break,
                    Err(NoQuote::Stop) => return None,
                    // A slice that would leave dust: the whole position, if affordable.
                    Err(NoQuote::TooSmall) => match market.quote(slot, t, f64::INFINITY) {
                        Ok(q) if q.repaid * unit_cost <= budget => q,
                        _ => continue,
                    },
                };
                if q.repaid <= 0.0 {
                    break;
                }
                // (A pool that cannot price, NaN, never refuses: the sale is solved.)
                if let Asset::Lrt(l) = t.collateral
                    && sale_per_token >= 0.0
                {
                    let at_spot = q.liquidator_seized * sale_per_token;
                    let most = at_spot.max(self.redemption_value(li, l, q.liquidator_seized, nav, wait_years));
                    if most - q.repaid * unit_cost - liq.gas_eth < liq.min_profit {
                        continue;
                    }
                }
                let sale = match sales[fi] {
                    Some((amount, eth)) if amount == q.liquidator_seized => eth,
                    _ => {
                        let eth = self.sale_value(t.collateral, q.liquidator_seized);
                        sales[fi] = Some((q.liquidator_seized, eth));
                        eth
                    }
                };
                let (value, redeem) =
                    self.seizure_value_given(li, t.collateral, q.liquidator_seized, nav, wait_years, sale);
                // A claim pays when the reserve has cash again: discounted for the expected wait.
                let value =
                    if q.claim { value * (1.0 - liq.carry_rate * liq.claim_wait_years).max(0.0) } else { value };
                if value - q.repaid * unit_cost - liq.gas_eth >= liq.min_profit {
                    return Some(Choice { liquidator: li, quote: q, redeem: redeem && !q.claim });
                }
            }
        }
        None
    }

    /// What bounds a liquidator's profit on isolated market `m` this round, into `out`: per
    /// liquidator with capital, (most it can earn per seized token, its gas, the least profit it
    /// acts for, less a hair). Morpho pays `x` seized tokens for `x P / LIF` of debt (`P` the
    /// round's oracle price); `x` sells for at most `x` times the pool's spot after its fee (the
    /// price only falls as it sells), or redeems at NAV less the carry of the wait for a
    /// liquidator that may. So on a position with `c` tokens of collateral the profit is at most
    /// `c x margin - gas`: where that is below what every liquidator needs, every quote would
    /// fail. Returns false where the bound does not apply (pooled markets, other assets).
    fn pay_margins(&self, m: usize, t: &Target, out: &mut Vec<(f64, f64, f64)>) -> bool {
        out.clear();
        let market = &self.lending.markets[m];
        let (Asset::Lrt(l), Asset::Eth) = (t.collateral, t.debt) else { return false };
        if market.holds_collateral_as_cash() {
            return false;
        }
        let (nav, wait_years) = (self.nav(l), self.liquidity.views[l].wait_years);
        let sale = self.spot_sale(l);
        let (_, lltv, _) = market.collateral_terms(t.coll_reserve, None);
        let cost = market.round_oracle_price() / restake_lending::liquidation_incentive_factor(lltv);
        for (li, liq) in self.agents.liquidators.iter().enumerate().filter(|(_, q)| q.eth - q.gas_eth > 0.0) {
            let redeem = self.redemption_value(li, l, 1.0, nav, wait_years);
            // A hair of slack both ways, so rounding can never skip a liquidation that pays.
            out.push(((sale.max(redeem) * (1.0 + 1e-9) - cost).max(0.0), liq.gas_eth, liq.min_profit - 1e-12));
        }
        true
    }

    /// Liquidators with capital left after gas, with that budget, in the order drawn for
    /// `agent`'s position in `round` (the stand-in for a gas auction between bots).
    fn liquidator_order(&self, ctx: &StepContext, round: u32, agent: u32) -> impl Iterator<Item = (usize, f64)> + '_ {
        let liquidators = &self.agents.liquidators;
        let n = liquidators.len();
        let start = if n == 0 {
            0
        } else {
            ctx.rng(entity::retail(agent as usize), purpose::liquidator_order(round)).random_range(0..n)
        };
        (0..n).map(move |k| (start + k) % n).filter_map(move |li| {
            let liq = &liquidators[li];
            let budget = liq.eth - liq.gas_eth;
            (budget > 0.0).then_some((li, budget))
        })
    }

    /// ETH a liquidator gets for `amount` of seized `asset` now (LRT: sold into its pool, or
    /// redeemed at NAV less the carry of waiting if that pays more and it may), and whether it
    /// redeems.
    pub(super) fn seizure_value(&self, li: usize, asset: Asset, amount: f64, nav: f64, wait_years: f64) -> (f64, bool) {
        self.seizure_value_given(li, asset, amount, nav, wait_years, self.sale_value(asset, amount))
    }

    /// ETH `amount` of seized `asset` fetches when sold now (LRT: into its main pool).
    fn sale_value(&self, asset: Asset, amount: f64) -> f64 {
        match asset {
            Asset::Eth => amount,
            Asset::Usd => amount / self.eth.usd,
            Asset::Lrt(l) => self.liquidity.pools[self.liquidity.lrt_pool[l]].quote_sell(amount),
        }
    }

    /// [`World::seizure_value`] with the sale's proceeds `sale` already quoted.
    fn seizure_value_given(
        &self,
        li: usize,
        asset: Asset,
        amount: f64,
        nav: f64,
        wait_years: f64,
        sale: f64,
    ) -> (f64, bool) {
        match asset {
            Asset::Eth | Asset::Usd => (sale, false),
            Asset::Lrt(l) => {
                let redeem = self.redemption_value(li, l, amount, nav, wait_years);
                if redeem > sale { (redeem, true) } else { (sale, false) }
            }
        }
    }

    /// ETH per LRT `l` at the pool's spot price after its fee: more than any sale into it fetches
    /// per token (the price falls as it sells).
    fn spot_sale(&self, l: usize) -> f64 {
        let pool = &self.liquidity.pools[self.liquidity.lrt_pool[l]];
        pool.price() * (1.0 - restake_amm::Amm::fee(&pool.amm))
    }

    /// ETH liquidator `li` counts on for redeeming `amount` of LRT `l` at NAV after the queue's
    /// wait (less the carry of waiting); 0 where it may not or the LRT takes no requests.
    fn redemption_value(&self, li: usize, l: usize, amount: f64, nav: f64, wait_years: f64) -> f64 {
        let liq = &self.agents.liquidators[li];
        if liq.may_redeem && self.liquidity.lrts[l].accepts_requests() {
            amount * nav * (1.0 - liq.carry_rate * wait_years).max(0.0)
        } else {
            0.0
        }
    }

    /// Hands `seized` of `asset` to liquidator `li`: sells or queues an LRT, keeps ETH, sells USD
    /// on the ETH/USD market. Returns the ETH received now.
    pub(super) fn take_seizure(
        &mut self,
        ctx: &StepContext,
        li: usize,
        asset: Asset,
        seized: f64,
        redeem: bool,
    ) -> Result<f64, WorldError> {
        let eth = match asset {
            Asset::Eth => seized,
            Asset::Usd => self.sell_usd(seized),
            Asset::Lrt(l) if redeem => {
                self.enqueue_redemption(l, Holder::Liquidator(li as u32), seized, ctx.step);
                0.0
            }
            Asset::Lrt(l) => self.sell_to_pool(self.liquidity.lrt_pool[l], seized)?,
        };
        self.credit(Holder::Liquidator(li as u32), eth);
        Ok(eth)
    }

    /// Books a liquidation's event, bad-debt event, tallies and round mover.
    #[allow(clippy::too_many_arguments)]
    fn record_liquidation(
        &mut self,
        round: u32,
        m: usize,
        agent: u32,
        done: Done,
        sale_pool: Option<(usize, f64)>,
        nav: f64,
        cause: CauseRef,
        label: Option<String>,
        movers: &mut [RoundMover],
    ) {
        let depth = cause.depth + 1;
        let mut e = Event::new(EventKind::Liquidation, Entity::Market(m as u32));
        e.round = round;
        e.agent = (agent != OUTSIDE).then_some(agent);
        e.label = label;
        e.amount_eth = done.repaid_eth;
        e.amount_token = done.seized;
        e.bad_debt = done.bad_debt;
        e.price_oracle = done.price;
        e.price_pool = sale_pool.map_or(f64::NAN, |(p, _)| self.liquidity.pools[p].price());
        e.nav = nav;
        e.cause = cause.event;
        e.depth = depth;
        let id = self.obs.events.push(e);
        if done.bad_debt > 0.0 {
            self.push_bad_debt(m, round, agent, done.bad_debt, done.price, Some(id));
        }
        if let Some((p, before)) = sale_pool {
            let impact = before - self.liquidity.pools[p].price();
            if impact > movers[p].size {
                movers[p] = RoundMover { event: Some(id), depth, size: impact };
            }
        }
        let t = &mut self.obs.tally;
        let mt = &mut t.market[m];
        mt.liquidations += 1;
        mt.liquidated_debt += done.repaid_eth;
        mt.bad_debt += done.bad_debt;
        t.max_depth = t.max_depth.max(depth);
        t.record_round(round, m, done.repaid_eth);
    }

    /// A bad-debt event on market `m` for `agent`'s position, following `cause`.
    fn push_bad_debt(&mut self, m: usize, round: u32, agent: u32, bad_debt: f64, price: f64, cause: Option<u64>) {
        let mut e = Event::new(EventKind::BadDebt, Entity::Market(m as u32));
        e.round = round;
        e.agent = (agent != OUTSIDE).then_some(agent);
        e.bad_debt = bad_debt;
        e.price_oracle = price;
        e.cause = cause;
        self.obs.events.push(e);
    }
}

/// What a liquidation did, in the units its event reports.
struct Done {
    repaid_eth: f64,
    seized: f64,
    bad_debt: f64,
    price: f64,
}
