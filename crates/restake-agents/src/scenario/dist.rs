use rand::Rng;
use rand_distr::{Beta, Distribution, LogNormal, Normal, Triangular, Uniform};
use serde::{Deserialize, Serialize};

/// A distribution of an agent parameter, drawn once per agent at the start.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "dist", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Dist {
    Fixed {
        value: f64,
    },
    Uniform {
        low: f64,
        high: f64,
    },
    /// Normal, truncated to [low, high] by clamping.
    Normal {
        mean: f64,
        std: f64,
        low: f64,
        high: f64,
    },
    LogNormal {
        mu: f64,
        sigma: f64,
    },
    /// Beta(alpha, beta) scaled to [low, high].
    Beta {
        alpha: f64,
        beta: f64,
        low: f64,
        high: f64,
    },
    Triangular {
        low: f64,
        mode: f64,
        high: f64,
    },
}

/// A validated distribution, ready to sample.
#[derive(Clone, Copy, Debug)]
pub enum Sampler {
    Fixed(f64),
    Uniform(Uniform<f64>),
    Normal(Normal<f64>, f64, f64),
    LogNormal(LogNormal<f64>),
    Beta(Beta<f64>, f64, f64),
    Triangular(Triangular<f64>),
}

impl Dist {
    /// Checks the parameters and returns a sampler, or what is wrong and what is allowed.
    pub fn sampler(&self) -> Result<Sampler, String> {
        let finite = |v: f64, name: &str| if v.is_finite() { Ok(()) } else { Err(format!("{name} must be finite")) };
        match *self {
            Dist::Fixed { value } => finite(value, "value").map(|_| Sampler::Fixed(value)),
            Dist::Uniform { low, high } => {
                finite(low, "low")?;
                finite(high, "high")?;
                if low > high {
                    return Err(format!("low ({low}) must be <= high ({high})"));
                }
                if low == high {
                    return Ok(Sampler::Fixed(low));
                }
                Uniform::new(low, high).map(Sampler::Uniform).map_err(|e| e.to_string())
            }
            Dist::Normal { mean, std, low, high } => {
                if low > high {
                    return Err(format!("low ({low}) must be <= high ({high})"));
                }
                Normal::new(mean, std)
                    .map(|n| Sampler::Normal(n, low, high))
                    .map_err(|e| format!("std must be finite and >= 0 ({e})"))
            }
            Dist::LogNormal { mu, sigma } => LogNormal::new(mu, sigma)
                .map(Sampler::LogNormal)
                .map_err(|e| format!("sigma must be finite and >= 0 ({e})")),
            Dist::Beta { alpha, beta, low, high } => {
                if !(low < high) {
                    return Err(format!("low ({low}) must be < high ({high})"));
                }
                Beta::new(alpha, beta)
                    .map(|b| Sampler::Beta(b, low, high))
                    .map_err(|e| format!("alpha and beta must be > 0 ({e})"))
            }
            Dist::Triangular { low, mode, high } => Triangular::new(low, high, mode)
                .map(Sampler::Triangular)
                .map_err(|e| format!("need low <= mode <= high, low < high ({e})")),
        }
    }

    /// The smallest and largest values it can produce (for range checks).
    pub fn support(&self) -> (f64, f64) {
        match *self {
            Dist::Fixed { value } => (value, value),
            Dist::Uniform { low, high }
            | Dist::Normal { low, high, .. }
            | Dist::Beta { low, high, .. }
            | Dist::Triangular { low, high, .. } => (low, high),
            Dist::LogNormal { .. } => (0.0, f64::INFINITY),
        }
    }
}

impl Sampler {
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            Sampler::Fixed(v) => *v,
            Sampler::Uniform(u) => u.sample(rng),
            Sampler::Normal(n, lo, hi) => n.sample(rng).clamp(*lo, *hi),
            Sampler::LogNormal(l) => l.sample(rng),
            Sampler::Beta(b, lo, hi) => lo + (hi - lo) * b.sample(rng),
            Sampler::Triangular(t) => t.sample(rng),
        }
    }
}
