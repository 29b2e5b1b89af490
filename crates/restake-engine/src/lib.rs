//! A domain-free, time-stepped simulation engine.
//!
//! The engine owns the *shape* of a step, not its content. A [`Model`] supplies the phases:
//!
//! 1. [`Model::exogenous`] — exogenous processes and shocks;
//! 2. [`Model::decide`] — agents decide in parallel from an immutable view of the model,
//!    writing intents into a buffer the engine owns and reuses (`&self`: no state changes);
//! 3. [`Model::apply`] — intents take effect in a deterministic order;
//! 4. [`Model::resolve_round`] — repeated until it reports no action or the round limit
//!    (a liquidation cascade inside one step is visible round by round);
//! 5. [`Model::settle`] — queues mature, interest and rewards accrue;
//! 6. the [`Recorder`] observes the model through `&M` and can never change it.
//!
//! All randomness comes from [`rng::stream`], keyed by (seed, entity, step, purpose), so a run
//! is a pure function of (model, seed) whatever the thread count. [`par`] holds the parallel
//! helpers that keep floating-point reductions in a fixed order.

pub mod design;
pub mod ensemble;
pub mod model;
pub mod par;
pub mod recorder;
pub mod rng;
pub mod run;

pub use model::{Model, StepContext};
pub use recorder::{FnRecorder, NullRecorder, Recorder, RunOutcome};
pub use rng::{Purpose, derive_seed, stream, uniform};
pub use run::{RunError, RunPlan, run};
