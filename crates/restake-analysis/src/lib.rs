//! Results: declared step metrics, the Parquet recorder, run rows, plots and reports.
//!
//! Data collection is declared, not hand-written per model: the step columns and run metrics are
//! declared in `restake_agents::observe`. The [`recorder::ParquetRecorder`] pushes the columns,
//! and the step's events, to Parquet in bounded row groups, so memory does not grow with the
//! number of steps; [`runs`] writes the run metrics as `runs.parquet` rows.

pub mod concat;
pub mod html;
pub mod plots;
pub mod recorder;
pub mod report;
pub mod risk;
pub mod runs;
pub mod schema;
pub mod sensitivity;
pub mod sweep_plots;
pub mod table;

pub use recorder::ParquetRecorder;
pub use runs::{RunRow, Value};

/// File names inside an output directory.
pub mod files {
    pub const RUNS: &str = "runs.parquet";
    pub const STEPS: &str = "steps.parquet";
    pub const EVENTS: &str = "events.parquet";
    pub const MANIFEST: &str = "manifest.json";
}

#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    #[error("parquet: {0}")]
    Polars(#[from] polars::prelude::PolarsError),
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("plot: {0}")]
    Plot(String),
    #[error("{0}")]
    Data(String),
}

pub(crate) fn io_err(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> AnalysisError + '_ {
    move |source| AnalysisError::Io { path: path.display().to_string(), source }
}
