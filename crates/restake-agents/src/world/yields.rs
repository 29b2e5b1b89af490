//! Yield, step by step: reward-token prices and airdrops (start of step); rewards by source,
//! incentives paid to holders, the headline APY agents see, and the strategies' books (end of
//! step).
//!
//! Staking rewards and AVS fees, net of operator commission and the LRT's protocol fee, go to
//! the LRT's buffer, so NAV grows. Incentives do not touch NAV or the ETH books: they are
//! tokens, valued when paid, credited to whoever held the stake that earned them.

use super::*;
use crate::incentives::{Points, RewardToken, price_of};
use crate::resolve::{LegSpec, StrategySpec};
use crate::strategy::{Leg, LoanTerms, Marks, StepYield, Strategy};
use crate::vocab::{entity, purpose};
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;
use restake_engine::par::CHUNK;

/// Reward tokens, what holdings earn, and the strategies.
pub struct Yields {
    pub tokens: Vec<RewardToken>,
    pub lrt: Vec<LrtYield>,
    pub native: Vec<NativeYield>,
    pub strategies: Vec<Strategy>,
    /// Per LRT: the price per point if its airdrop landed this step.
    pub airdrop: Vec<Option<f64>>,
    /// What holders earned per token, for booking lazily (`accrual.rs`).
    pub accrual: super::accrual::Accrual,
}

/// What one token of an LRT earns.
#[derive(Clone, Copy, Debug, Default)]
pub struct LrtYield {
    /// Over the last step, per token.
    pub step: StepYield,
    /// At the rates of the last step, per token per year (points per year).
    pub annual: StepYield,
    /// NAV at the end of the previous step (what this step's change is measured from).
    pub nav_last: f64,
    /// What the LRT advertises: base yield, AVS fees and incentives net of fees, and points at
    /// their expected value, per year on NAV.
    pub headline_apy: f64,
    /// The part of it that is incentives and points.
    pub incentive_apy: f64,
    pub points: Option<Points>,
    /// Rewards per year before fees, and the fees, for the whole LRT in ETH.
    gross_eth: f64,
    fees_eth: f64,
}

/// What a native restaker earns (in ETH, for its whole position).
#[derive(Clone, Copy, Debug, Default)]
pub struct NativeYield {
    pub step: StepYield,
    pub annual: StepYield,
    /// Stake plus rewards at the end of the previous step.
    pub value_last: f64,
    pub headline_apy: f64,
}

impl LrtYield {
    pub fn new(nav: f64, points: Option<Points>) -> LrtYield {
        LrtYield { nav_last: nav, points, ..Default::default() }
    }
}

/// Annual rewards on a holding of deposit shares, by source, before the LRT's fee.
#[derive(Clone, Copy, Debug, Default)]
struct Rewards {
    base: f64,
    avs_fees: f64,
    /// Operator commission on AVS fees.
    commission: f64,
    /// Incentives' value at today's token prices, and the operators' commission on them.
    incentives: f64,
    incentive_commission: f64,
}

impl World {
    /// Reward-token prices move; airdrops due now land (the token sells off, holders' points are
    /// paid at the price after it).
    pub(super) fn step_tokens(&mut self, ctx: &StepContext) {
        let y = &mut self.yields;
        for (k, t) in y.tokens.iter_mut().enumerate() {
            if t.volatility > 0.0 || t.drift != 0.0 {
                let z: f64 = StandardNormal.sample(&mut ctx.rng(entity::TOKEN + k as u64, purpose::TOKEN_PRICE));
                t.step(ctx.dt_years(), z);
            }
        }
        y.airdrop.iter_mut().for_each(|a| *a = None);
        for l in 0..y.lrt.len() {
            let Some(p) = y.lrt[l].points.as_mut() else { continue };
            if p.paid || ctx.time_seconds() < p.airdrop_seconds {
                continue;
            }
            if let Some(k) = p.token {
                y.tokens[k].price *= 1.0 - p.selloff;
            }
            p.paid = true;
            y.airdrop[l] = Some(price_of(&y.tokens, p.token));
        }
        for l in 0..self.yields.airdrop.len() {
            if let Some(price) = self.yields.airdrop[l] {
                self.pay_airdrop(l, price);
            }
        }
    }

    /// Every holder of LRT `l`'s points is paid `price` per point.
    fn pay_airdrop(&mut self, l: usize, price: f64) {
        self.book_where(|_, c, _| c.lrt == l);
        let (pop, cohorts) = (&mut self.agents.pop, &self.agents.cohorts);
        let (cohort, inc, pts) = (&pop.cohort, &mut pop.incentives_eth, &mut pop.points);
        inc.par_chunks_mut(CHUNK).zip(pts.par_chunks_mut(CHUNK)).enumerate().for_each(|(c, (inc, pts))| {
            for k in 0..inc.len() {
                if cohorts[cohort[c * CHUNK + k] as usize].lrt == l && pts[k] > 0.0 {
                    inc[k] += pts[k] * price;
                    pts[k] = 0.0;
                }
            }
        });
    }

    /// Annual rewards on deposit `shares` per operator at time `t`: base staking yield on the
    /// stake; AVS fees and incentives on the stake allocated to each AVS; the restaking
    /// protocol's emissions on the whole stake. Operators take their commission on everything but
    /// the base yield (EigenLayer's operator split covers AVS rewards and programmatic
    /// incentives; the beacon chain pays validators directly).
    fn annual_rewards(&self, shares: &[f64], t: f64) -> Rewards {
        let re = &self.restaking;
        let tokens = &self.yields.tokens;
        let mut r = Rewards::default();
        for (o, op) in re.operators.iter().enumerate() {
            if shares[o] <= 0.0 {
                continue;
            }
            let stake = shares[o] * op.share_value();
            let base = re.beacon.staking_apr * stake;
            let mut fees = 0.0;
            let mut incentives = 0.0;
            for a in &op.allocations {
                let allocated = shares[o] * a.magnitude * op.beacon_factor;
                let avs = &re.avss[a.avs];
                fees += avs.fee_apr * allocated;
                incentives += avs.incentive.apr_at(t) * allocated * price_of(tokens, avs.incentive.token);
            }
            let e = &re.protocols[op.protocol].incentive;
            incentives += e.apr_at(t) * stake * price_of(tokens, e.token);
            r.base += base;
            r.avs_fees += fees;
            r.commission += fees * op.commission;
            r.incentives += incentives;
            r.incentive_commission += incentives * op.commission;
        }
        r
    }

    /// The rates of rewards at time `t` for every LRT (per token per year, and the headline
    /// APY agents see) and native restaker.
    pub(super) fn refresh_rates(&mut self, t: f64) {
        for l in 0..self.liquidity.lrts.len() {
            let a = self.annual_rewards(&self.liquidity.lrts[l].shares, t);
            let (nav, point_value) = (self.nav(l), self.point_value(l));
            let lrt = &self.liquidity.lrts[l];
            let pf = lrt.protocol_fee;
            let s = 1.0 / lrt.supply.max(1e-300);
            let protocol = (a.base + a.avs_fees - a.commission) * pf;
            let y = &mut self.yields.lrt[l];
            let points = y.points.map_or(0.0, |p| p.rate_at(t, nav));
            y.annual = StepYield {
                base: a.base * s,
                avs_fees: a.avs_fees * s,
                fees: (a.commission + protocol) * s,
                incentives: (a.incentives - a.incentive_commission) * (1.0 - pf) * s,
                points,
            };
            y.gross_eth = a.base + a.avs_fees;
            y.fees_eth = a.commission + protocol;
            let incentive = y.annual.incentives + points * point_value;
            y.incentive_apy = incentive / nav;
            y.headline_apy = (y.annual.net() + incentive) / nav;
        }
        for n in 0..self.restaking.natives.len() {
            let a = self.annual_rewards(&self.restaking.natives[n].shares, t);
            let value = self.native_value(n);
            let y = &mut self.yields.native[n];
            y.annual = StepYield {
                base: a.base,
                avs_fees: a.avs_fees,
                fees: a.commission,
                incentives: a.incentives - a.incentive_commission,
                points: 0.0,
            };
            y.headline_apy = (y.annual.net() + y.annual.incentives) / value;
        }
    }

    /// Rewards of the step, at the rates now, into each LRT's buffer (so NAV grows) and each
    /// native restaker's balance; incentives to the natives (LRT holders: `pay_incentives`).
    pub(super) fn accrue_rewards(&mut self, ctx: &StepContext) {
        let dt_y = ctx.dt_years();
        self.refresh_rates(ctx.time_seconds());
        for l in 0..self.liquidity.lrts.len() {
            let y = &mut self.yields.lrt[l];
            y.step = y.annual.scaled(dt_y);
            let (gross, fees) = (y.gross_eth * dt_y, y.fees_eth * dt_y);
            self.liquidity.lrts[l].buffer_eth += gross - fees;
            self.book_rewards(gross, fees);
        }
        for n in 0..self.restaking.natives.len() {
            let y = &mut self.yields.native[n];
            y.step = y.annual.scaled(dt_y);
            let step = y.step;
            self.restaking.natives[n].rewards_eth += step.net();
            self.book_rewards(step.base + step.avs_fees, step.fees);
        }
    }

    /// Stake plus rewards of native restaker `n`, in ETH.
    pub fn native_value(&self, n: usize) -> f64 {
        let x = &self.restaking.natives[n];
        x.stake(&self.restaking.operators) + x.rewards_eth
    }

    /// The strategies' books for the step, then this step's NAVs and values become the next
    /// step's reference.
    pub(super) fn update_strategies(&mut self, ctx: &StepContext) {
        let navs: Vec<f64> = (0..self.liquidity.lrts.len()).map(|l| self.nav(l)).collect();
        let native_value: Vec<f64> = (0..self.restaking.natives.len()).map(|n| self.native_value(n)).collect();
        if !self.yields.strategies.is_empty() {
            let mut strategies = std::mem::take(&mut self.yields.strategies);
            let point_value: Vec<f64> = (0..self.liquidity.lrts.len()).map(|l| self.point_value(l)).collect();
            let y = &self.yields;
            let nav_last: Vec<f64> = y.lrt.iter().map(|x| x.nav_last).collect();
            let lrt_yield: Vec<StepYield> = y.lrt.iter().map(|x| x.step).collect();
            let native_value_last: Vec<f64> = y.native.iter().map(|x| x.value_last).collect();
            let native_yield: Vec<StepYield> = y.native.iter().map(|x| x.step).collect();
            // A loop is liquidated if the oracle fell low enough at any round of the step.
            let loan: Vec<LoanTerms> = (self.lending.markets.iter().zip(&self.obs.tally.market))
                .map(|(m, t)| {
                    let terms = loan_terms(m);
                    LoanTerms {
                        oracle_price: t.oracle_low.map_or(terms.oracle_price, |p| p.min(terms.oracle_price)),
                        ..terms
                    }
                })
                .collect();
            let marks = Marks {
                dt_years: ctx.dt_years(),
                nav: &navs,
                nav_last: &nav_last,
                lrt_yield: &lrt_yield,
                point_value: &point_value,
                airdrop: &y.airdrop,
                native_value: &native_value,
                native_value_last: &native_value_last,
                native_yield: &native_yield,
                loan: &loan,
            };
            strategies.iter_mut().for_each(|s| s.update(&marks));
            self.yields.strategies = strategies;
        }
        for (y, nav) in self.yields.lrt.iter_mut().zip(navs) {
            y.nav_last = nav;
        }
        for (y, v) in self.yields.native.iter_mut().zip(native_value) {
            y.value_last = v;
        }
    }
}

impl World {
    /// A strategy entered now at NAV: tokens minted for its LRT legs, a share of a native
    /// restaker's position, a loop levered to its health factor at the oracle's price
    /// (collateral C = E / (NAV - P_o LLTV / h), debt C P_o LLTV / h), with the APY its legs
    /// advertise now (a loop's levered: collateral x headline less debt x borrow rate, on equity).
    pub(super) fn enter_strategy(&self, s: &StrategySpec) -> Strategy {
        let mut legs = Vec::with_capacity(s.legs.len());
        let mut advertised = 0.0;
        for &(ref spec, weight) in &s.legs {
            let equity = s.capital * weight;
            match *spec {
                LegSpec::Lrt { lrt } => {
                    legs.push(Leg::Lrt { lrt, tokens: equity / self.nav(lrt) });
                    advertised += weight * self.yields.lrt[lrt].headline_apy;
                }
                LegSpec::Native { native } => {
                    legs.push(Leg::Native { native, fraction: equity / self.native_value(native) });
                    advertised += weight * self.yields.native[native].headline_apy;
                }
                LegSpec::Loop { lrt, market, health_factor } => {
                    let t = loan_terms(&self.lending.markets[market]);
                    let nav = self.nav(lrt);
                    // A target the oracle cannot carry at the start is capped at 100x leverage.
                    let margin = (nav - t.oracle_price * t.lltv / health_factor).max(nav / 100.0);
                    let collateral = equity / margin;
                    let debt = collateral * nav - equity;
                    legs.push(Leg::Loop { lrt, market, collateral, debt });
                    let levered = collateral * nav * self.yields.lrt[lrt].headline_apy - debt * t.borrow_rate;
                    advertised += weight * levered / equity;
                }
            }
        }
        Strategy::new(s.id.clone(), s.capital, legs, self.liquidity.lrts.len(), advertised)
    }
}

/// What a loop on market `m` sees: the collateral's oracle price, LLTV, liquidation incentive
/// and the ETH borrow rate (pooled markets carry no loop legs; their terms are unused).
fn loan_terms(m: &Market) -> LoanTerms {
    let (oracle_price, lltv, _) = m.collateral_terms(0, None);
    LoanTerms {
        oracle_price,
        lltv,
        lif: restake_lending::liquidation_incentive_factor(lltv),
        borrow_rate: m.eth_borrow_rate(),
    }
}

impl World {
    /// Years since the start, after the steps run so far.
    pub fn elapsed_years(&self) -> f64 {
        (self.step + 1) as f64 * self.dt_seconds / StepContext::SECONDS_PER_YEAR
    }

    /// Incentives agent `i` received, airdrops included, plus its points not yet paid at `ev`
    /// each (the expected value of a point of its LRT), in ETH.
    fn incentives_of(&self, i: usize, ev: f64) -> f64 {
        let [inc, pts] = self.pending_incentives(i);
        self.agents.pop.incentives_eth[i] + inc + (self.agents.pop.points[i] + pts) * ev
    }

    /// Incentives received by the agents of cohort `c` (see `incentives_of`), in ETH.
    pub fn cohort_incentives(&self, c: usize) -> f64 {
        let cohort = &self.agents.cohorts[c];
        let ev = self.point_value(cohort.lrt);
        ordered_total(cohort.range.clone(), |i| self.incentives_of(i, ev))
    }

    /// Realised APY of cohort `c`: its agents' wealth marked to market plus their incentives,
    /// against their wealth at the start, per year.
    pub fn cohort_apy(&self, c: usize) -> f64 {
        let cohort = &self.agents.cohorts[c];
        let pop = &self.agents.pop;
        let start: f64 = cohort.range.clone().map(|i| pop.initial_wealth[i]).sum();
        let end: f64 = ordered_total(cohort.range.clone(), |i| self.wealth_of(i)) + self.cohort_incentives(c);
        (end / start - 1.0) / self.elapsed_years()
    }

    /// Each agent of cohort `c`: its realised APY (wealth marked to market plus its incentives,
    /// against its wealth at the start, per year).
    pub fn agent_apys(&self, c: usize) -> Vec<f64> {
        let cohort = &self.agents.cohorts[c];
        let ev = self.point_value(cohort.lrt);
        let (pop, years) = (&self.agents.pop, self.elapsed_years());
        cohort
            .range
            .clone()
            .into_par_iter()
            .map(|i| ((self.wealth_of(i) + self.incentives_of(i, ev)) / pop.initial_wealth[i] - 1.0) / years)
            .collect()
    }

    /// What a point of LRT `l`'s programme is expected to pay now (0 without one, or once paid).
    pub fn point_value(&self, l: usize) -> f64 {
        let y = &self.yields;
        y.lrt.get(l).and_then(|x| x.points).map_or(0.0, |p| p.expected_value(price_of(&y.tokens, p.token)))
    }
}

/// Σ f(i) over `range` in index order, the terms computed in parallel: the same sum, to the
/// bit, as a sequential map and sum.
fn ordered_total(range: std::ops::Range<usize>, f: impl Fn(usize) -> f64 + Sync + Send) -> f64 {
    let terms: Vec<f64> = range.into_par_iter().map(f).collect();
    terms.iter().sum()
}
