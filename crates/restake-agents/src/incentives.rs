//! Incentives that are paid: reward tokens with a price process of their own, emission
//! schedules (AVS and restaking-protocol tokens) and LRT points with an airdrop.
//!
//! Incentives are not NAV: they accrue to whoever holds the stake that earns them, valued at
//! the token's price when they are paid (emissions) or when the airdrop lands (points). NAV
//! still changes only through slashing, staking rewards and fees, and exploits.

/// A reward token. `price` is an index, 1 at the start: an incentive APR is an emission valued
/// at the start price, and what it is worth later follows the token.
#[derive(Clone, Debug)]
pub struct RewardToken {
    pub id: String,
    pub price: f64,
    pub drift: f64,
    pub volatility: f64,
}

impl RewardToken {
    /// One step of geometric Brownian motion: log return (mu - sigma^2/2) dt + sigma sqrt(dt) z.
    pub fn step(&mut self, dt_years: f64, z: f64) {
        let s = self.volatility;
        self.price *= ((self.drift - 0.5 * s * s) * dt_years + s * dt_years.sqrt() * z).exp();
    }
}

/// A schedule of token emissions: an APR on the stake that earns it (at the token's start
/// price), halving every half-life, zero from the end.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Emission {
    pub apr: f64,
    pub end_seconds: Option<f64>,
    pub half_life_seconds: Option<f64>,
    /// The token paid (index into the world's tokens; None: valued at a constant 1).
    pub token: Option<usize>,
}

impl Emission {
    /// Tokens emitted per unit of stake per year at time `t`.
    pub fn apr_at(&self, t: f64) -> f64 {
        match self.end_seconds {
            Some(end) if t >= end => 0.0,
            _ => self.apr * self.half_life_seconds.map_or(1.0, |h| 0.5f64.powf(t / h)),
        }
    }
}

/// An LRT's points programme, paid as a token at the airdrop.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Points {
    /// Points per token-year, per ETH of NAV (one point is one token at its start price).
    pub apr: f64,
    pub token: Option<usize>,
    pub airdrop_seconds: f64,
    /// Share of the token's price lost when the airdrop lands.
    pub selloff: f64,
    /// The airdrop has been paid (the programme is over).
    pub paid: bool,
}

impl Points {
    /// Points accruing per token per year at time `t`, for a token worth `nav`.
    pub fn rate_at(&self, t: f64, nav: f64) -> f64 {
        if self.paid || t >= self.airdrop_seconds { 0.0 } else { self.apr * nav }
    }

    /// What a point is expected to pay, at token price `price`: the price after the sell-off
    /// (before the airdrop), or nothing more once it is paid (points are then tokens).
    pub fn expected_value(&self, price: f64) -> f64 {
        if self.paid { 0.0 } else { price * (1.0 - self.selloff) }
    }
}

/// A token's price now (1 for incentives valued at a constant start price).
pub fn price_of(tokens: &[RewardToken], token: Option<usize>) -> f64 {
    token.map_or(1.0, |k| tokens[k].price)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emission_halves_and_ends() {
        let e = Emission { apr: 0.04, end_seconds: Some(100.0), half_life_seconds: Some(10.0), token: None };
        assert_eq!(e.apr_at(0.0), 0.04);
        assert!((e.apr_at(20.0) - 0.01).abs() < 1e-15);
        assert_eq!(e.apr_at(100.0), 0.0);
    }

    #[test]
    fn token_price_follows_gbm_with_its_ito_correction() {
        // With z = 0, a year of steps gives exp((mu - sigma^2 / 2) T): 0.8 volatility and no
        // drift lose 32% of the log price, exp(-0.32) = 0.72615.
        let mut t = RewardToken { id: "T".into(), price: 1.0, drift: 0.0, volatility: 0.8 };
        for _ in 0..365 {
            t.step(1.0 / 365.0, 0.0);
        }
        assert!((t.price - (-0.32f64).exp()).abs() < 1e-12, "{}", t.price);
    }

    #[test]
    fn points_stop_at_the_airdrop_and_are_worth_the_price_after_the_selloff() {
        let mut p = Points { apr: 0.05, token: None, airdrop_seconds: 50.0, selloff: 0.4, paid: false };
        assert_eq!(p.rate_at(10.0, 1.02), 0.05 * 1.02);
        assert_eq!(p.rate_at(50.0, 1.0), 0.0);
        assert!((p.expected_value(2.0) - 1.2).abs() < 1e-15);
        p.paid = true;
        assert_eq!(p.expected_value(2.0), 0.0);
    }
}
