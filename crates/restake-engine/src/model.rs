//! The phases a model supplies to the step loop.

use crate::rng::{Purpose, stream, uniform};
use rand_pcg::Pcg64Mcg;

/// What every phase of a step may know: the step, time, and the run's random streams.
#[derive(Clone, Copy, Debug)]
pub struct StepContext {
    /// Index of the current step, from 0.
    pub step: u64,
    /// Number of steps in the run.
    pub steps: u64,
    /// Length of a step in seconds.
    pub dt_seconds: f64,
    /// The run's seed.
    pub seed: u64,
}

impl StepContext {
    pub const SECONDS_PER_YEAR: f64 = 365.0 * 86_400.0;

    /// Time at the start of this step, in seconds since the run began.
    #[inline]
    pub fn time_seconds(&self) -> f64 {
        self.step as f64 * self.dt_seconds
    }

    /// Step length as a fraction of a 365-day year (rates in the models are annual).
    #[inline]
    pub fn dt_years(&self) -> f64 {
        self.dt_seconds / Self::SECONDS_PER_YEAR
    }

    /// One uniform draw in [0, 1) for `entity` and `purpose` in this step. (Inlined across
    /// crates: the per-agent loops call it a million times a step, and the seed's stage of the
    /// hash is then computed once per loop.)
    #[inline]
    pub fn uniform(&self, entity: u64, purpose: Purpose) -> f64 {
        uniform(self.seed, entity, self.step, purpose)
    }

    /// Calls `f(k)` for each `k` in `0..len` chosen with probability `p` this step (see
    /// [`crate::rng::bernoulli_sample`]): who of a group of `len` entities, starting at
    /// `entity`, acts now, at a cost per entity that acts.
    #[inline]
    pub fn bernoulli(&self, entity: u64, purpose: Purpose, len: usize, p: f64, f: impl FnMut(usize)) {
        crate::rng::bernoulli_sample(self.seed, entity, self.step, purpose, len, p, f)
    }

    /// The same sample as [`Self::bernoulli`], 64 entities at a time as bit masks (see
    /// [`crate::rng::bernoulli_blocks`]).
    #[inline]
    pub fn bernoulli_blocks(&self, entity: u64, purpose: Purpose, len: usize, p: f64, f: impl FnMut(usize, u64)) {
        crate::rng::bernoulli_blocks(self.seed, entity, self.step, purpose, len, p, f)
    }

    /// The random stream of `entity` for `purpose` in this step.
    #[inline]
    pub fn rng(&self, entity: u64, purpose: Purpose) -> Pcg64Mcg {
        stream(self.seed, entity, self.step, purpose)
    }
}

/// A simulation model: the content of each phase of a step.
///
/// `decide` takes `&self`, so every decision of a step reads the same state: decisions are a
/// pure function of the snapshot and may run in parallel. Effects happen only in `apply`,
/// `resolve_round` and `settle`, each of which must process entities in a deterministic order.
pub trait Model: Sync {
    /// Per-step decisions; allocated once by the engine and reused every step.
    type Intents: Send;
    type Error: std::error::Error + Send + Sync + 'static;

    /// An intents buffer sized for this model.
    fn new_intents(&self) -> Self::Intents;

    /// Exogenous processes and scheduled or random shocks.
    fn exogenous(&mut self, ctx: &StepContext) -> Result<(), Self::Error>;

    /// Agents decide from an immutable view. Parallelism is the model's choice (see [`crate::par`]).
    fn decide(&self, ctx: &StepContext, intents: &mut Self::Intents);

    /// Apply the intents in a deterministic order.
    fn apply(&mut self, ctx: &StepContext, intents: &Self::Intents) -> Result<(), Self::Error>;

    /// One round of within-step resolution (e.g. a liquidation round). Returns the number of
    /// actions taken; the engine stops calling it when that is 0 or the round limit is reached.
    fn resolve_round(&mut self, ctx: &StepContext, round: u32) -> Result<usize, Self::Error>;

    /// End-of-step settlement: queues mature, interest and rewards accrue.
    fn settle(&mut self, ctx: &StepContext) -> Result<(), Self::Error>;

    /// Accounting invariants; `Err` describes the first violation.
    fn check_invariants(&self) -> Result<(), String>;
}
