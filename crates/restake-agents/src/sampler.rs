//! Distributions of agent parameters, checked and ready to sample (built from the scenario's
//! `Dist` by the resolve pass).

use rand::Rng;
use rand_distr::{Beta, Distribution, LogNormal, Normal, Triangular, Uniform};

/// A validated distribution, drawn once per agent at the start.
#[derive(Clone, Copy, Debug)]
pub enum Sampler {
    Fixed(f64),
    Uniform(Uniform<f64>),
    /// Normal, truncated to [low, high] by clamping.
    Normal(Normal<f64>, f64, f64),
    LogNormal(LogNormal<f64>),
    /// Beta(alpha, beta) scaled to [low, high].
    Beta(Beta<f64>, f64, f64),
    Triangular(Triangular<f64>),
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
