//! A pool's liquidity providers who may leave: struct-of-arrays, one entry per provider.
//!
//! Each provider holds LP shares of the pool (an equal part of the cohort's share of the
//! liquidity at the start) and three personal thresholds, drawn once: the LRT's share of the
//! pool's value, the discount of the pool price to NAV, and the pool price's annualised
//! volatility. A provider who looks (attention) withdraws its liquidity, pro rata, once any of
//! the three exceeds its threshold, holds the coins it got, and deposits them back, pro rata, once
//! all three are below `calm` x its thresholds. The rest of the pool's liquidity never moves.

#[derive(Clone, Debug)]
pub struct LpCohort {
    /// The pool (index).
    pub pool: usize,
    /// LP shares in the pool, per provider (0 while out).
    pub lp: Vec<f64>,
    /// Coins withdrawn and held while out (and what a pro-rata deposit could not take).
    pub eth: Vec<f64>,
    pub lrt: Vec<f64>,
    pub imbalance: Vec<f64>,
    pub depeg: Vec<f64>,
    pub volatility: Vec<f64>,
    pub calm: f64,
    /// Probability of looking in one step.
    pub attention: f64,
    /// Weight of the last estimate in the EWMA of squared log price changes, per step.
    pub vol_decay: f64,
    /// The pool price at the end of the last step, and the EWMA of squared log changes.
    pub last_price: f64,
    pub variance: f64,
}

/// What the providers look at, for one pool at the end of a step.
#[derive(Clone, Copy, Debug)]
pub struct PoolState {
    pub lrt_share: f64,
    pub depeg: f64,
    /// Annualised volatility of the pool price.
    pub volatility: f64,
}

impl LpCohort {
    pub fn len(&self) -> usize {
        self.lp.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lp.is_empty()
    }

    /// Updates the volatility estimate with the pool price at the end of a step; returns the
    /// annualised volatility (`steps_per_year` steps a year).
    pub fn observe(&mut self, price: f64, steps_per_year: f64) -> f64 {
        if self.last_price > 0.0 && price > 0.0 {
            let r = (price / self.last_price).ln();
            self.variance = self.vol_decay * self.variance + (1.0 - self.vol_decay) * r * r;
        }
        self.last_price = price;
        (self.variance * steps_per_year).sqrt()
    }

    /// Whether provider `j` wants out at `s` (any threshold exceeded).
    pub fn alarmed(&self, j: usize, s: &PoolState) -> bool {
        s.lrt_share > self.imbalance[j] || s.depeg > self.depeg[j] || s.volatility > self.volatility[j]
    }

    /// Whether provider `j` is calm enough to come back at `s` (all below `calm` x threshold;
    /// imbalance measured as the distance from balance).
    pub fn calm_at(&self, j: usize, s: &PoolState) -> bool {
        let k = self.calm;
        (s.lrt_share - 0.5) < k * (self.imbalance[j] - 0.5)
            && s.depeg < k * self.depeg[j]
            && s.volatility < k * self.volatility[j]
    }
}
