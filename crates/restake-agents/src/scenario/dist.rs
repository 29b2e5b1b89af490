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

impl Dist {
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
