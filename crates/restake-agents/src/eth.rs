//! The exogenous ETH/USD process.

use rand::RngExt;
use rand_distr::{Distribution, StandardNormal};
use rand_pcg::Pcg64Mcg;

/// The ETH/USD process, in annual parameters and seconds.
#[derive(Clone, Debug, PartialEq)]
pub enum EthProcess {
    /// Geometric Brownian motion with lognormal jumps (Merton 1976).
    Gbm { drift: f64, volatility: f64, jumps_per_year: f64, jump_mean: f64, jump_std: f64 },
    /// Piecewise-linear path through (hours since start, USD) points.
    Scripted { points: Vec<[f64; 2]> },
    /// A Brownian bridge in log price pinned to `usd * (1 - drawdown)` at `at_seconds`, then GBM.
    Bridge { drawdown: f64, at_seconds: f64, volatility: f64 },
}

/// ETH/USD state: the path model and the current price.
#[derive(Clone, Debug)]
pub struct EthMarket {
    pub usd: f64,
    usd0: f64,
    path: EthProcess,
    /// Multiplicative effect of crash shocks applied on top of the path.
    shock_factor: f64,
    /// Log price without shocks (GBM and bridge evolve this).
    log_base: f64,
    /// A crash under way: the log shock factor walks a Brownian bridge to its target.
    crash: Option<Crash>,
}

/// A crash spread over steps: `ln(shock_factor)` moves to `target` in `steps_left` steps.
#[derive(Clone, Copy, Debug)]
struct Crash {
    target: f64,
    steps_left: u64,
    volatility: f64,
}

impl EthMarket {
    pub fn new(usd0: f64, path: EthProcess) -> Self {
        EthMarket { usd: usd0, usd0, path, shock_factor: 1.0, log_base: usd0.ln(), crash: None }
    }

    /// Advances from time `t` (seconds) by `dt` seconds using `rng` for this step's draws.
    pub fn step(&mut self, t: f64, dt: f64, rng: &mut Pcg64Mcg) {
        let year = 365.0 * 86_400.0;
        let dt_y = dt / year;
        match &self.path {
            EthProcess::Gbm { drift, volatility, jumps_per_year, jump_mean, jump_std } => {
                self.log_base += gbm_increment(*drift, *volatility, dt_y, rng);
                self.log_base += jumps(*jumps_per_year, *jump_mean, *jump_std, dt_y, rng);
            }
            EthProcess::Scripted { points } => {
                self.log_base = scripted(points, (t + dt) / 3600.0).ln();
            }
            EthProcess::Bridge { drawdown, at_seconds, volatility } => {
                let target = (self.usd0 * (1.0 - drawdown)).ln();
                let t_end = *at_seconds;
                if t + dt <= t_end {
                    // Brownian bridge from the current log price to `target` at `t_end`:
                    // X(t+dt) = X(t) + (target - X(t)) dt / (T - t) + sigma sqrt(dt (T - t - dt)/(T - t)) Z.
                    let remaining = t_end - t;
                    let z: f64 = StandardNormal.sample(rng);
                    let var = volatility * volatility * (dt / year) * (remaining - dt) / remaining;
                    self.log_base += (target - self.log_base) * dt / remaining + var.max(0.0).sqrt() * z;
                } else {
                    self.log_base += gbm_increment(0.0, *volatility, dt_y, rng);
                }
            }
        }
        if let Some(c) = &mut self.crash {
            // A Brownian bridge in the log shock factor, pinned to the target at the end:
            // x <- x + (target - x) / n + sigma sqrt(dt (n - 1) / n) Z.
            let n = c.steps_left as f64;
            let x = self.shock_factor.ln();
            let z: f64 = if c.volatility > 0.0 { StandardNormal.sample(rng) } else { 0.0 };
            let sd = c.volatility * (dt_y * (n - 1.0) / n).sqrt();
            self.shock_factor = (x + (c.target - x) / n + sd * z).exp();
            c.steps_left -= 1;
            if c.steps_left == 0 {
                self.crash = None;
            }
        }
        self.usd = self.log_base.exp() * self.shock_factor;
    }

    /// A crash spread over the next `steps` steps, along a Brownian bridge of annual
    /// `volatility` (0: a straight line in log price) that ends `fraction` lower.
    pub fn crash_over(&mut self, fraction: f64, steps: u64, volatility: f64) {
        if steps == 0 {
            self.crash(fraction);
            return;
        }
        let target = self.shock_factor.ln() + (1.0 - fraction).ln();
        self.crash = Some(Crash { target, steps_left: steps, volatility });
    }

    /// A crash shock: the price falls by `fraction` on top of its path from now on.
    pub fn crash(&mut self, fraction: f64) {
        self.shock_factor *= 1.0 - fraction;
        self.usd = self.log_base.exp() * self.shock_factor;
    }
}

/// Log-return of GBM over `dt_y` years: (mu - sigma^2/2) dt + sigma sqrt(dt) Z.
fn gbm_increment(mu: f64, sigma: f64, dt_y: f64, rng: &mut Pcg64Mcg) -> f64 {
    let z: f64 = StandardNormal.sample(rng);
    (mu - 0.5 * sigma * sigma) * dt_y + sigma * dt_y.sqrt() * z
}

/// Merton jumps: a jump happens with probability 1 - exp(-lambda dt) per step (at most one per
/// step, fine for steps much shorter than 1/lambda), with a normal log-size.
fn jumps(lambda: f64, mean: f64, std: f64, dt_y: f64, rng: &mut Pcg64Mcg) -> f64 {
    if lambda <= 0.0 {
        return 0.0;
    }
    let u: f64 = rng.random();
    if u < 1.0 - (-lambda * dt_y).exp() {
        let z: f64 = StandardNormal.sample(rng);
        mean + std * z
    } else {
        0.0
    }
}

/// Linear interpolation through (hours, usd) points, flat outside.
pub fn scripted(points: &[[f64; 2]], hours: f64) -> f64 {
    match points.iter().position(|p| p[0] >= hours) {
        None => points.last().map_or(f64::NAN, |p| p[1]),
        Some(0) => points[0][1],
        Some(k) => {
            let [h0, v0] = points[k - 1];
            let [h1, v1] = points[k];
            v0 + (v1 - v0) * (hours - h0) / (h1 - h0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use restake_engine::{Purpose, stream};

    #[test]
    fn scripted_path_interpolates() {
        let pts = [[0.0, 3000.0], [10.0, 2000.0], [20.0, 2500.0]];
        assert_eq!(scripted(&pts, 5.0), 2500.0);
        assert_eq!(scripted(&pts, 15.0), 2250.0);
        assert_eq!(scripted(&pts, 30.0), 2500.0);
    }

    #[test]
    fn gbm_log_returns_have_the_right_mean_and_variance() {
        // One year of hourly steps, sigma = 0.8, mu = 0.1: E[log S_T/S_0] = mu - sigma^2/2 = -0.22,
        // Var = sigma^2 = 0.64. Over 2000 paths the standard error of the mean is 0.8/sqrt(2000)=0.018.
        let (mu, sigma) = (0.1, 0.8);
        let n = 2000;
        let mut finals = Vec::new();
        for p in 0..n {
            let mut m = EthMarket::new(
                3000.0,
                EthProcess::Gbm { drift: mu, volatility: sigma, jumps_per_year: 0.0, jump_mean: 0.0, jump_std: 0.0 },
            );
            for s in 0..8760u64 {
                let mut rng = stream(9, p, s, Purpose(1));
                m.step(s as f64 * 3600.0, 3600.0, &mut rng);
            }
            finals.push((m.usd / 3000.0).ln());
        }
        let mean = finals.iter().sum::<f64>() / n as f64;
        let var = finals.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        assert!((mean - (mu - sigma * sigma / 2.0)).abs() < 4.0 * 0.018, "mean {mean}");
        // Var of the sample variance of normals: 2 sigma^4/(n-1) -> sd 0.0202.
        assert!((var - sigma * sigma).abs() < 4.0 * 0.0202, "var {var}");
    }

    #[test]
    fn bridge_lands_on_the_drawdown() {
        let mut m =
            EthMarket::new(3000.0, EthProcess::Bridge { drawdown: 0.4, at_seconds: 72.0 * 3600.0, volatility: 0.9 });
        for s in 0..72u64 {
            let mut rng = stream(3, 0, s, Purpose(1));
            m.step(s as f64 * 3600.0, 3600.0, &mut rng);
        }
        assert!((m.usd - 1800.0).abs() < 1e-6, "{}", m.usd);
    }
}
