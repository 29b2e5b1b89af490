//! The step loop.

use crate::model::{Model, StepContext};
use crate::recorder::{Recorder, RunOutcome};

/// How to run a model: everything that is not the model itself.
#[derive(Clone, Debug)]
pub struct RunPlan {
    pub steps: u64,
    pub dt_seconds: f64,
    pub seed: u64,
    /// Upper bound on [`Model::resolve_round`] calls per step.
    pub max_rounds: u32,
    /// Check [`Model::check_invariants`] after every step (costs a pass over the state).
    pub check_invariants: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum RunError<E: std::error::Error, R: std::error::Error> {
    #[error("model error at step {step}: {source}")]
    Model { step: u64, source: E },
    #[error("recorder error at step {step}: {source}")]
    Recorder { step: u64, source: R },
    #[error("accounting invariant violated after step {step}: {message}")]
    Invariant { step: u64, message: String },
}

/// Runs `model` for `plan.steps` steps, pushing every step into `recorder`.
pub fn run<M: Model, R: Recorder<M>>(
    model: &mut M,
    plan: &RunPlan,
    recorder: &mut R,
) -> Result<RunOutcome, RunError<M::Error, R::Error>> {
    let mut intents = model.new_intents();
    let mut outcome = RunOutcome::default();
    recorder.start(model).map_err(|source| RunError::Recorder { step: 0, source })?;
    if plan.check_invariants {
        model.check_invariants().map_err(|message| RunError::Invariant { step: 0, message })?;
    }
    for step in 0..plan.steps {
        let ctx = StepContext { step, steps: plan.steps, dt_seconds: plan.dt_seconds, seed: plan.seed };
        let model_err = |source| RunError::Model { step, source };
        model.exogenous(&ctx).map_err(model_err)?;
        model.decide(&ctx, &mut intents);
        model.apply(&ctx, &intents).map_err(model_err)?;
        // The last round that acted; a step whose last permitted round still acted may have left
        // work for the next step.
        let mut rounds = 0;
        for round in 1..=plan.max_rounds {
            if model.resolve_round(&ctx, round).map_err(model_err)? == 0 {
                break;
            }
            rounds = round;
        }
        if rounds == plan.max_rounds {
            outcome.steps_hitting_round_limit += 1;
        }
        outcome.max_rounds_in_step = outcome.max_rounds_in_step.max(rounds);
        model.settle(&ctx).map_err(model_err)?;
        if plan.check_invariants {
            model.check_invariants().map_err(|message| RunError::Invariant { step, message })?;
        }
        recorder.record_step(&ctx, rounds, model).map_err(|source| RunError::Recorder { step, source })?;
        outcome.steps_run = step + 1;
    }
    recorder.finish(model, &outcome).map_err(|source| RunError::Recorder { step: plan.steps, source })?;
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recorder::NullRecorder;

    /// A toy cascade: `pending` actions, each round resolves half (rounded up), so a step with
    /// 10 pending needs rounds of 5, 3, 1, 1 = 4 rounds (10 → 5 → 2 → 1 → 0).
    struct Halving {
        pending: u32,
        log: Vec<(u64, u32)>,
    }
    #[derive(Debug, thiserror::Error)]
    #[error("never")]
    struct Never;
    impl Model for Halving {
        type Intents = u32;
        type Error = Never;
        fn new_intents(&self) -> u32 {
            0
        }
        fn exogenous(&mut self, ctx: &StepContext) -> Result<(), Never> {
            if ctx.step == 1 {
                self.pending = 10;
            }
            Ok(())
        }
        fn decide(&self, _: &StepContext, intents: &mut u32) {
            *intents = self.pending;
        }
        fn apply(&mut self, _: &StepContext, _: &u32) -> Result<(), Never> {
            Ok(())
        }
        fn resolve_round(&mut self, ctx: &StepContext, round: u32) -> Result<usize, Never> {
            let n = self.pending.div_ceil(2);
            self.pending -= n;
            if n > 0 {
                self.log.push((ctx.step, round));
            }
            Ok(n as usize)
        }
        fn settle(&mut self, _: &StepContext) -> Result<(), Never> {
            Ok(())
        }
        fn check_invariants(&self) -> Result<(), String> {
            Ok(())
        }
    }

    #[test]
    fn rounds_repeat_until_nothing_is_left() {
        let mut m = Halving { pending: 0, log: vec![] };
        let plan = RunPlan { steps: 3, dt_seconds: 3600.0, seed: 1, max_rounds: 20, check_invariants: true };
        let out = run(&mut m, &plan, &mut NullRecorder).unwrap();
        assert_eq!(out.steps_run, 3);
        assert_eq!(out.max_rounds_in_step, 4);
        assert_eq!(m.log, vec![(1, 1), (1, 2), (1, 3), (1, 4)]);
        assert_eq!(out.steps_hitting_round_limit, 0);
    }

    #[test]
    fn the_round_limit_is_reported() {
        let mut m = Halving { pending: 0, log: vec![] };
        let plan = RunPlan { steps: 2, dt_seconds: 3600.0, seed: 1, max_rounds: 2, check_invariants: false };
        let out = run(&mut m, &plan, &mut NullRecorder).unwrap();
        assert_eq!(out.max_rounds_in_step, 2);
        assert_eq!(out.steps_hitting_round_limit, 1);
    }
}
