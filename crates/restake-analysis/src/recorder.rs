//! The Parquet recorder: steps and events of one run, streamed in row groups.

use crate::table::StreamingParquet;
use crate::{AnalysisError, files};
use polars::prelude::*;
use restake_agents::World;
use restake_agents::events::Event;
use restake_agents::observe::{StepColumn, step_columns};
use restake_engine::{Recorder, RunOutcome, StepContext};
use std::path::Path;

/// Rows buffered before a row group is written: bounds memory at a few MB per run.
pub const ROW_GROUP: usize = 16_384;

/// Which outputs a run keeps (large sweeps may keep runs.parquet only, or every k-th step).
#[derive(Clone, Copy, Debug)]
pub struct RecordPlan {
    pub steps: bool,
    pub events: bool,
    /// Record every k-th step (1 = all). The last step is always recorded.
    pub every: u64,
}

impl Default for RecordPlan {
    fn default() -> Self {
        RecordPlan { steps: true, events: true, every: 1 }
    }
}

pub struct ParquetRecorder {
    run_id: u32,
    plan: RecordPlan,
    columns: Vec<StepColumn>,
    steps: Option<(StreamingParquet, StepBuffer)>,
    events: Option<(StreamingParquet, EventBuffer)>,
}

struct StepBuffer {
    step: Vec<u32>,
    hours: Vec<f64>,
    values: Vec<Vec<f64>>,
}

#[derive(Default)]
struct EventBuffer {
    id: Vec<u64>,
    step: Vec<u32>,
    hours: Vec<f64>,
    round: Vec<u32>,
    kind: Vec<&'static str>,
    entity_kind: Vec<&'static str>,
    entity: Vec<String>,
    agent: Vec<Option<u32>>,
    label: Vec<Option<String>>,
    amount_eth: Vec<f64>,
    amount_token: Vec<f64>,
    bad_debt: Vec<f64>,
    price_oracle: Vec<Option<f64>>,
    price_pool: Vec<Option<f64>>,
    nav: Vec<Option<f64>>,
    cause: Vec<Option<u64>>,
    depth: Vec<u32>,
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

impl ParquetRecorder {
    /// Creates `steps.parquet` and `events.parquet` in `dir` (as temporary files until
    /// [`Recorder::finish`]). `run_id` is written into every row.
    pub fn create(dir: &Path, run_id: u32, world: &World, plan: RecordPlan) -> Result<Self, AnalysisError> {
        let columns = step_columns(world);
        let steps = if plan.steps {
            let mut fields = vec![
                Field::new("run_id".into(), DataType::UInt32),
                Field::new("step".into(), DataType::UInt32),
                Field::new("hours".into(), DataType::Float64),
            ];
            fields.extend(columns.iter().map(|c| Field::new(c.name.as_str().into(), DataType::Float64)));
            let schema = Schema::from_iter(fields);
            let buf = StepBuffer {
                step: Vec::with_capacity(ROW_GROUP),
                hours: Vec::with_capacity(ROW_GROUP),
                values: columns.iter().map(|_| Vec::with_capacity(ROW_GROUP)).collect(),
            };
            Some((StreamingParquet::create(&dir.join(files::STEPS), &schema)?, buf))
        } else {
            None
        };
        let events = if plan.events {
            Some((StreamingParquet::create(&dir.join(files::EVENTS), &event_schema())?, EventBuffer::default()))
        } else {
            None
        };
        Ok(ParquetRecorder { run_id, plan, columns, steps, events })
    }

    fn flush_steps(&mut self) -> Result<(), AnalysisError> {
        let Some((file, buf)) = &mut self.steps else { return Ok(()) };
        let n = buf.step.len();
        if n == 0 {
            return Ok(());
        }
        let mut cols = vec![
            Column::new("run_id".into(), vec![self.run_id; n]),
            Column::new("step".into(), std::mem::take(&mut buf.step)),
            Column::new("hours".into(), std::mem::take(&mut buf.hours)),
        ];
        for (c, v) in self.columns.iter().zip(buf.values.iter_mut()) {
            let v = std::mem::take(v);
            cols.push(if c.nullable {
                Column::new(c.name.as_str().into(), v.into_iter().map(finite).collect::<Vec<_>>())
            } else {
                Column::new(c.name.as_str().into(), v)
            });
        }
        file.write(&DataFrame::new(n, cols)?)
    }

    fn flush_events(&mut self) -> Result<(), AnalysisError> {
        let Some((file, b)) = &mut self.events else { return Ok(()) };
        let n = b.id.len();
        if n == 0 {
            return Ok(());
        }
        let b = std::mem::take(b);
        let cols = vec![
            Column::new("run_id".into(), vec![self.run_id; n]),
            Column::new("event_id".into(), b.id),
            Column::new("step".into(), b.step),
            Column::new("hours".into(), b.hours),
            Column::new("round".into(), b.round),
            Column::new("kind".into(), b.kind),
            Column::new("entity_kind".into(), b.entity_kind),
            Column::new("entity".into(), b.entity),
            Column::new("agent".into(), b.agent),
            Column::new("label".into(), b.label),
            Column::new("amount_eth".into(), b.amount_eth),
            Column::new("amount_token".into(), b.amount_token),
            Column::new("bad_debt_eth".into(), b.bad_debt),
            Column::new("price_oracle".into(), b.price_oracle),
            Column::new("price_pool".into(), b.price_pool),
            Column::new("nav".into(), b.nav),
            Column::new("cause".into(), b.cause),
            Column::new("depth".into(), b.depth),
        ];
        file.write(&DataFrame::new(n, cols)?)
    }
}

/// Schema of `events.parquet`.
pub fn event_schema() -> Schema {
    use DataType::*;
    Schema::from_iter(
        [
            ("run_id", UInt32),
            ("event_id", UInt64),
            ("step", UInt32),
            ("hours", Float64),
            ("round", UInt32),
            ("kind", String),
            ("entity_kind", String),
            ("entity", String),
            ("agent", UInt32),
            ("label", String),
            ("amount_eth", Float64),
            ("amount_token", Float64),
            ("bad_debt_eth", Float64),
            ("price_oracle", Float64),
            ("price_pool", Float64),
            ("nav", Float64),
            ("cause", UInt64),
            ("depth", UInt32),
        ]
        .into_iter()
        .map(|(n, t)| Field::new(n.into(), t)),
    )
}

fn push_event(b: &mut EventBuffer, w: &World, e: &Event, hours: f64) {
    let (ek, id) = w.entity_name(e.entity);
    b.id.push(e.id);
    b.step.push(e.step as u32);
    b.hours.push(hours);
    b.round.push(e.round);
    b.kind.push(e.kind.as_str());
    b.entity_kind.push(ek);
    b.entity.push(id);
    b.agent.push(e.agent);
    b.label.push(e.label.clone());
    b.amount_eth.push(e.amount_eth);
    b.amount_token.push(e.amount_token);
    b.bad_debt.push(e.bad_debt);
    b.price_oracle.push(finite(e.price_oracle));
    b.price_pool.push(finite(e.price_pool));
    b.nav.push(finite(e.nav));
    b.cause.push(e.cause);
    b.depth.push(e.depth);
}

/// Hours since the start at the end of step `ctx.step`.
pub fn hours_at_end(ctx: &StepContext) -> f64 {
    (ctx.step + 1) as f64 * ctx.dt_seconds / 3600.0
}

impl Recorder<World> for ParquetRecorder {
    type Error = AnalysisError;

    fn record_step(&mut self, ctx: &StepContext, _rounds: u32, w: &World) -> Result<(), AnalysisError> {
        let hours = hours_at_end(ctx);
        let keep = ctx.step % self.plan.every.max(1) == 0 || ctx.step + 1 == ctx.steps;
        if let (true, Some((_, buf))) = (keep, &mut self.steps) {
            buf.step.push(ctx.step as u32);
            buf.hours.push(hours);
            for (c, v) in self.columns.iter().zip(buf.values.iter_mut()) {
                let x = (c.probe)(w);
                if !x.is_finite() && !c.nullable {
                    return Err(AnalysisError::Data(format!("step {}: column `{}` is {x}", ctx.step, c.name)));
                }
                v.push(x);
            }
            if buf.step.len() >= ROW_GROUP {
                self.flush_steps()?;
            }
        }
        if let Some((_, b)) = &mut self.events {
            // Event hours: the start of the step in which they happened.
            let start = ctx.step as f64 * ctx.dt_seconds / 3600.0;
            for e in w.events().current() {
                push_event(b, w, e, start);
            }
            if b.id.len() >= ROW_GROUP {
                self.flush_events()?;
            }
        }
        Ok(())
    }

    fn finish(&mut self, _w: &World, _o: &RunOutcome) -> Result<(), AnalysisError> {
        self.flush_steps()?;
        self.flush_events()?;
        if let Some((f, _)) = self.steps.take() {
            f.finish()?;
        }
        if let Some((f, _)) = self.events.take() {
            f.finish()?;
        }
        Ok(())
    }
}
