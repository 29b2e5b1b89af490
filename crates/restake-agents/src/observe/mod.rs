//! What is observed of a run, declared once: the step columns (one value per step) and the run
//! metrics (one value per run, a reduction of the run), and the recorder that computes the
//! latter. Recorders receive `&World` only; nothing here changes state.

pub mod columns;
pub mod metrics;
pub mod summary;

pub use columns::{Probe, StepColumn, entity_column, step_columns};
pub use metrics::{MetricDecl, MetricKind, RunMetric, Scope, Tail, declarations, run_metrics, tail_of};
pub use summary::{MetricValue, Summary, SummaryRecorder, quantile_sorted};
