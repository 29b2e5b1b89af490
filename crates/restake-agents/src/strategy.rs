//! Strategies: portfolios an investor can hold, entered at NAV at the start and held passively,
//! valued every step with the return taken apart by source.
//!
//! A strategy is a price taker: it reads what one LRT token (or one unit of a native
//! restaker's position) earned in the step and scales it, so it does not move the world and its
//! accounting is exact: the parts sum to the change in value, step by step. LRT holdings are
//! valued at NAV (what redemption pays); losses from selling below NAV reach a strategy only
//! through its loop's liquidations, which sell collateral at the market's oracle price.

/// Where a strategy's gains and losses came from, in ETH (costs and losses negative).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Parts {
    /// Consensus and execution staking yield.
    pub base: f64,
    /// AVS fee revenue.
    pub avs_fees: f64,
    /// Operator commission and the LRT protocol's fee, on rewards and incentives (negative).
    pub fees: f64,
    /// NAV changes other than rewards and fees: slashing, exploits, forfeited rewards.
    pub slashing: f64,
    /// AVS and restaking-protocol token emissions, valued when paid, net of fees.
    pub incentives: f64,
    /// Airdrops paid, plus the expected value of points not yet paid.
    pub points: f64,
    /// Interest on a loop's debt (negative).
    pub borrow_cost: f64,
    /// Collateral seized beyond the debt it repaid, valued at NAV (negative).
    pub liquidation: f64,
}

impl Parts {
    /// Names of the parts, in the order of [`Parts::values`].
    pub const NAMES: [&'static str; 8] =
        ["base", "avs_fees", "fees", "slashing", "incentives", "points", "borrow_cost", "liquidation"];

    pub fn values(&self) -> [f64; 8] {
        [
            self.base,
            self.avs_fees,
            self.fees,
            self.slashing,
            self.incentives,
            self.points,
            self.borrow_cost,
            self.liquidation,
        ]
    }

    pub fn total(&self) -> f64 {
        self.values().iter().sum()
    }
}

/// What one unit of a holding earned over a step, by source: per LRT token (ETH per token;
/// points in points per token) or per native restaker (ETH).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct StepYield {
    pub base: f64,
    pub avs_fees: f64,
    /// Fees taken (positive).
    pub fees: f64,
    /// Incentives' value when paid, net of fees.
    pub incentives: f64,
    pub points: f64,
}

impl StepYield {
    /// Rewards that reach NAV: base yield and AVS fees, less the fees.
    pub fn net(&self) -> f64 {
        self.base + self.avs_fees - self.fees
    }

    /// Every part times `k` (annual rates to a step's amounts).
    pub fn scaled(&self, k: f64) -> StepYield {
        StepYield {
            base: self.base * k,
            avs_fees: self.avs_fees * k,
            fees: self.fees * k,
            incentives: self.incentives * k,
            points: self.points * k,
        }
    }
}

/// One leg of a strategy.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Leg {
    /// LRT tokens held.
    Lrt { lrt: usize, tokens: f64 },
    /// A share of a native restaker's position (its stake and its rewards).
    Native { native: usize, fraction: f64 },
    /// LRT collateral against ETH debt on an isolated market.
    Loop { lrt: usize, market: usize, collateral: f64, debt: f64 },
}

/// What a strategy reads of the world at the end of a step.
pub struct Marks<'a> {
    pub dt_years: f64,
    /// Per LRT: NAV now and at the end of the last step, and what one token earned.
    pub nav: &'a [f64],
    pub nav_last: &'a [f64],
    pub lrt_yield: &'a [StepYield],
    /// Per LRT: what a point not yet paid is expected to be worth, and the price a point is paid
    /// at if the airdrop landed this step.
    pub point_value: &'a [f64],
    pub airdrop: &'a [Option<f64>],
    /// Per native restaker: position value (stake plus rewards) now and last step, and its yield.
    pub native_value: &'a [f64],
    pub native_value_last: &'a [f64],
    pub native_yield: &'a [StepYield],
    /// Per market: the collateral's oracle price, LLTV, liquidation incentive factor, and the
    /// annual borrow rate of the step.
    pub loan: &'a [LoanTerms],
}

#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LoanTerms {
    pub oracle_price: f64,
    pub lltv: f64,
    pub lif: f64,
    pub borrow_rate: f64,
}

#[derive(Clone, Debug)]
pub struct Strategy {
    pub id: String,
    pub capital: f64,
    pub legs: Vec<Leg>,
    pub parts: Parts,
    /// Points held per LRT programme, not yet airdropped.
    pub points_held: Vec<f64>,
    /// Value of airdrops received.
    pub airdropped: f64,
    pub value: f64,
    pub peak: f64,
    pub max_drawdown: f64,
    /// The APY the legs advertised at the start (headline rates, levered for loops).
    pub advertised_apy: f64,
    /// A loop of this strategy was liquidated.
    pub liquidated: bool,
}

impl Strategy {
    pub fn new(id: String, capital: f64, legs: Vec<Leg>, n_lrts: usize, advertised_apy: f64) -> Strategy {
        Strategy {
            id,
            capital,
            legs,
            parts: Parts::default(),
            points_held: vec![0.0; n_lrts],
            airdropped: 0.0,
            value: capital,
            peak: capital,
            max_drawdown: 0.0,
            advertised_apy,
            liquidated: false,
        }
    }

    /// One step: each leg's yield by source, a loop's interest and liquidation, then the value.
    pub fn update(&mut self, m: &Marks) {
        let mut legs_value = 0.0;
        for leg in &mut self.legs {
            match leg {
                Leg::Lrt { lrt, tokens } => {
                    hold_lrt(&mut self.parts, &mut self.points_held, m, *lrt, *tokens);
                    legs_value += *tokens * m.nav[*lrt];
                }
                Leg::Native { native, fraction } => {
                    let (n, f) = (*native, *fraction);
                    let y = &m.native_yield[n];
                    let p = &mut self.parts;
                    p.base += f * y.base;
                    p.avs_fees += f * y.avs_fees;
                    p.fees -= f * y.fees;
                    p.incentives += f * y.incentives;
                    p.slashing += f * (m.native_value[n] - m.native_value_last[n] - y.net());
                    legs_value += f * m.native_value[n];
                }
                Leg::Loop { lrt, market, collateral, debt } => {
                    let (l, t) = (*lrt, m.loan[*market]);
                    hold_lrt(&mut self.parts, &mut self.points_held, m, l, *collateral);
                    // Interest compounds continuously at the step's rate (Morpho's wTaylorCompounded).
                    let interest = *debt * (t.borrow_rate * m.dt_years).exp_m1();
                    *debt += interest;
                    self.parts.borrow_cost -= interest;
                    // Unhealthy at the oracle: liquidated in full (an isolated market has no
                    // close factor), the liquidator seizing debt x LIF / price, or all of it.
                    if *debt > 0.0 && *collateral * t.oracle_price * t.lltv < *debt {
                        let seized = (*debt * t.lif / t.oracle_price).min(*collateral);
                        *collateral -= seized;
                        // The debt is gone: repaid, or (what the collateral did not cover) bad
                        // debt, since the loan is non-recourse.
                        self.parts.liquidation += std::mem::take(debt) - seized * m.nav[l];
                        self.liquidated = true;
                    }
                    legs_value += *collateral * m.nav[l] - *debt;
                }
            }
        }
        // Points: airdrops landing now are paid; the rest is marked at its expected value.
        let mut marked = 0.0;
        for (l, held) in self.points_held.iter_mut().enumerate() {
            if let Some(price) = m.airdrop[l] {
                self.airdropped += *held * price;
                *held = 0.0;
            }
            marked += *held * m.point_value[l];
        }
        self.parts.points = self.airdropped + marked;
        self.value = legs_value + self.parts.incentives + self.parts.points;
        self.peak = self.peak.max(self.value);
        if self.peak > 0.0 {
            self.max_drawdown = self.max_drawdown.max(1.0 - self.value / self.peak);
        }
    }

    /// Simple annualised return over `years`: (value / capital - 1) / years.
    pub fn apy(&self, years: f64) -> f64 {
        (self.value / self.capital - 1.0) / years
    }

    /// Part `k` of [`Parts::NAMES`] as an annualised return on the capital.
    pub fn part_apy(&self, k: usize, years: f64) -> f64 {
        self.parts.values()[k] / self.capital / years
    }
}

/// `tokens` of LRT `l` held through the step: their share of what one token earned.
fn hold_lrt(p: &mut Parts, points: &mut [f64], m: &Marks, l: usize, tokens: f64) {
    let y = &m.lrt_yield[l];
    p.base += tokens * y.base;
    p.avs_fees += tokens * y.avs_fees;
    p.fees -= tokens * y.fees;
    p.incentives += tokens * y.incentives;
    p.slashing += tokens * (m.nav[l] - m.nav_last[l] - y.net());
    points[l] += tokens * y.points;
}

#[cfg(test)]
mod tests {
    use super::*;

    struct World {
        nav: Vec<f64>,
        nav_last: Vec<f64>,
        y: Vec<StepYield>,
        loan: Vec<LoanTerms>,
    }

    impl World {
        fn marks(&self) -> Marks<'_> {
            Marks {
                dt_years: 1.0 / 365.0,
                nav: &self.nav,
                nav_last: &self.nav_last,
                lrt_yield: &self.y,
                point_value: &[0.6],
                airdrop: &[None],
                native_value: &[],
                native_value_last: &[],
                native_yield: &[],
                loan: &self.loan,
            }
        }
    }

    #[test]
    fn parts_sum_to_the_change_in_value() {
        // 100 ETH in an LRT at NAV 1: one day of 3% base, 2% AVS fees, 10% of the AVS fees in
        // commission, then a 5% slash; 1% incentives and 5% points (expected 0.6 per point).
        let y = StepYield {
            base: 0.03 / 365.0,
            avs_fees: 0.02 / 365.0,
            fees: 0.002 / 365.0,
            incentives: 0.01 / 365.0,
            points: 0.05 / 365.0,
        };
        let nav1 = 1.0 + y.net();
        let mut w = World { nav: vec![nav1], nav_last: vec![1.0], y: vec![y], loan: vec![] };
        let mut s = Strategy::new("s".into(), 100.0, vec![Leg::Lrt { lrt: 0, tokens: 100.0 }], 1, 0.0);
        s.update(&w.marks());
        assert!((s.parts.base - 100.0 * 0.03 / 365.0).abs() < 1e-12);
        assert!(s.parts.slashing.abs() < 1e-12, "no slash yet: {}", s.parts.slashing);
        assert!((s.parts.points - 100.0 * 0.05 / 365.0 * 0.6).abs() < 1e-12);
        w.nav_last = vec![nav1];
        w.nav = vec![nav1 * 0.95 + y.net()];
        s.update(&w.marks());
        assert!((s.parts.slashing + nav1 * 0.05 * 100.0).abs() < 1e-9, "{}", s.parts.slashing);
        assert!((s.capital + s.parts.total() - s.value).abs() < 1e-12);
        assert!((s.max_drawdown - (1.0 - s.value / s.peak)).abs() < 1e-15);
    }

    #[test]
    fn a_loop_pays_interest_and_is_liquidated_below_health_one() {
        // Equity 10 at NAV 1, oracle 1, LLTV 0.945, HF 1.05: collateral 10 / (1 - 0.9) = 100,
        // debt 90. One day at 5%: interest 90 (e^(0.05/365) - 1) = 0.012330.
        let lif = 1.0 / (1.0 - 0.3 * (1.0 - 0.945));
        let loan = LoanTerms { oracle_price: 1.0, lltv: 0.945, lif, borrow_rate: 0.05 };
        let mut w = World { nav: vec![1.0], nav_last: vec![1.0], y: vec![StepYield::default()], loan: vec![loan] };
        let leg = Leg::Loop { lrt: 0, market: 0, collateral: 100.0, debt: 90.0 };
        let mut s = Strategy::new("loop".into(), 10.0, vec![leg], 1, 0.0);
        s.update(&w.marks());
        let interest = 90.0 * (0.05f64 / 365.0).exp_m1();
        assert!((s.parts.borrow_cost + interest).abs() < 1e-12);
        assert!(!s.liquidated);
        // The oracle falls to 0.95: 100 x 0.95 x 0.945 = 89.78 < debt, liquidated in full: the
        // liquidator seizes debt x LIF / 0.95 tokens; the holder loses their value at NAV less
        // the debt repaid.
        w.loan[0].oracle_price = 0.95;
        let debt = 90.0 + interest;
        let debt2 = debt * (0.05f64 / 365.0).exp_m1() + debt;
        s.update(&w.marks());
        assert!(s.liquidated);
        let seized = debt2 * lif / 0.95;
        assert!((s.parts.liquidation - (debt2 - seized)).abs() < 1e-9, "{}", s.parts.liquidation);
        assert!((s.value - (100.0 - seized)).abs() < 1e-9);
        assert!((s.capital + s.parts.total() - s.value).abs() < 1e-9);
    }
}
