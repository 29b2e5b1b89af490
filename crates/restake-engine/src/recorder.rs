//! The sink side of a run: like ripgrep's `Sink`, the engine pushes, the recorder observes.
//! A recorder only ever receives `&M`, so it cannot change simulation state.

use crate::model::{Model, StepContext};

/// What the engine reports about a finished run (handed to [`Recorder::finish`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunOutcome {
    pub steps_run: u64,
    /// Largest number of resolution rounds in any step.
    pub max_rounds_in_step: u32,
    /// Steps whose last permitted resolution round still acted (work may have been left over).
    pub steps_hitting_round_limit: u64,
}

pub trait Recorder<M: Model> {
    type Error: std::error::Error + Send + Sync + 'static;

    /// Called once before the first step with the initial state.
    fn start(&mut self, _model: &M) -> Result<(), Self::Error> {
        Ok(())
    }

    /// Called after every step, after settlement.
    fn record_step(&mut self, ctx: &StepContext, rounds: u32, model: &M) -> Result<(), Self::Error>;

    /// Called once when the run ends normally.
    fn finish(&mut self, _model: &M, _outcome: &RunOutcome) -> Result<(), Self::Error> {
        Ok(())
    }
}

/// A recorder lent to a run (the caller keeps it, to read it afterwards).
impl<M: Model, R: Recorder<M>> Recorder<M> for &mut R {
    type Error = R::Error;
    fn start(&mut self, model: &M) -> Result<(), Self::Error> {
        (**self).start(model)
    }
    fn record_step(&mut self, ctx: &StepContext, rounds: u32, model: &M) -> Result<(), Self::Error> {
        (**self).record_step(ctx, rounds, model)
    }
    fn finish(&mut self, model: &M, outcome: &RunOutcome) -> Result<(), Self::Error> {
        (**self).finish(model, outcome)
    }
}

/// Records nothing (benchmarks, invariant tests).
#[derive(Default, Debug, Clone, Copy)]
pub struct NullRecorder;

impl<M: Model> Recorder<M> for NullRecorder {
    type Error = std::convert::Infallible;
    fn record_step(&mut self, _: &StepContext, _: u32, _: &M) -> Result<(), Self::Error> {
        Ok(())
    }
}

/// A recorder from a closure called after every step (ripgrep's `sinks::UTF8` for runs):
/// `FnRecorder(|ctx, rounds, model| ...)`.
pub struct FnRecorder<F>(pub F);

impl<M: Model, F: FnMut(&StepContext, u32, &M)> Recorder<M> for FnRecorder<F> {
    type Error = std::convert::Infallible;
    fn record_step(&mut self, ctx: &StepContext, rounds: u32, model: &M) -> Result<(), Self::Error> {
        (self.0)(ctx, rounds, model);
        Ok(())
    }
}

/// Two recorders fed the same stream, in order.
pub struct Tee<A, B>(pub A, pub B);

#[derive(Debug, thiserror::Error)]
pub enum TeeError<A: std::error::Error, B: std::error::Error> {
    #[error(transparent)]
    First(A),
    #[error(transparent)]
    Second(B),
}

impl<M: Model, A: Recorder<M>, B: Recorder<M>> Recorder<M> for Tee<A, B> {
    type Error = TeeError<A::Error, B::Error>;
    fn start(&mut self, model: &M) -> Result<(), Self::Error> {
        self.0.start(model).map_err(TeeError::First)?;
        self.1.start(model).map_err(TeeError::Second)
    }
    fn record_step(&mut self, ctx: &StepContext, rounds: u32, model: &M) -> Result<(), Self::Error> {
        self.0.record_step(ctx, rounds, model).map_err(TeeError::First)?;
        self.1.record_step(ctx, rounds, model).map_err(TeeError::Second)
    }
    fn finish(&mut self, model: &M, outcome: &RunOutcome) -> Result<(), Self::Error> {
        self.0.finish(model, outcome).map_err(TeeError::First)?;
        self.1.finish(model, outcome).map_err(TeeError::Second)
    }
}
