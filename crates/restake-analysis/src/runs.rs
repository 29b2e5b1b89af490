//! `runs.parquet`: one row per run, with its swept parameters and summary metrics.

use crate::AnalysisError;
use polars::prelude::*;
use restake_agents::observe::{MetricKind, MetricValue, RunMetric, Summary};

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    F64(f64),
    I64(i64),
    Str(String),
    Null,
}

/// One row of `runs.parquet`, as ordered (column, value) pairs.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunRow {
    pub cells: Vec<(String, Value)>,
}

impl RunRow {
    pub fn push(&mut self, name: impl Into<String>, v: Value) -> &mut Self {
        self.cells.push((name.into(), v));
        self
    }

    pub fn get(&self, name: &str) -> Option<&Value> {
        self.cells.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// The identifying columns every row starts with.
    pub fn header(run_id: u32, scenario: &str, seed: u64, replicate: u32) -> Self {
        let mut r = RunRow::default();
        r.push("run_id", Value::I64(run_id as i64))
            .push("scenario", Value::Str(scenario.to_string()))
            .push("seed", Value::Str(seed.to_string()))
            .push("replicate", Value::I64(replicate as i64));
        r
    }

    /// Appends the run metrics of a finished run (declared in `restake_agents::observe`).
    pub fn push_summary(&mut self, s: &Summary) -> &mut Self {
        self.push("status", Value::Str("ok".into())).push("error", Value::Null);
        for (name, v) in &s.values {
            self.push(name.clone(), Value::from(*v));
        }
        self
    }

    /// Marks a run that failed, with its error.
    pub fn push_failure(&mut self, error: &str) -> &mut Self {
        self.push("status", Value::Str("failed".into())).push("error", Value::Str(error.to_string()))
    }
}

/// Builds a table from rows: columns in order of first appearance, missing cells null.
pub fn runs_frame(rows: &[RunRow]) -> Result<DataFrame, AnalysisError> {
    let mut names: Vec<&str> = Vec::new();
    for r in rows {
        for (n, _) in &r.cells {
            if !names.contains(&n.as_str()) {
                names.push(n);
            }
        }
    }
    let mut cols = Vec::with_capacity(names.len());
    for name in names {
        let cells: Vec<&Value> = rows.iter().map(|r| r.get(name).unwrap_or(&Value::Null)).collect();
        let kind = cells.iter().find(|v| !matches!(v, Value::Null));
        let col = match kind {
            Some(Value::Str(_)) | None => Column::new(
                name.into(),
                cells
                    .iter()
                    .map(|v| match v {
                        Value::Str(s) => Some(s.clone()),
                        Value::Null => None,
                        Value::F64(x) => Some(x.to_string()),
                        Value::I64(x) => Some(x.to_string()),
                    })
                    .collect::<Vec<_>>(),
            ),
            Some(Value::I64(_)) => Column::new(
                name.into(),
                cells
                    .iter()
                    .map(|v| match v {
                        Value::I64(x) => Some(*x),
                        Value::F64(x) => Some(*x as i64),
                        _ => None,
                    })
                    .collect::<Vec<_>>(),
            ),
            Some(Value::F64(_)) => Column::new(
                name.into(),
                cells
                    .iter()
                    .map(|v| match v {
                        Value::F64(x) => Some(*x),
                        Value::I64(x) => Some(*x as f64),
                        _ => None,
                    })
                    .collect::<Vec<_>>(),
            ),
            Some(Value::Null) => unreachable!(),
        };
        cols.push(col);
    }
    Ok(DataFrame::new(rows.len(), cols)?)
}

/// The type of a `runs.parquet` column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    F64,
    I64,
    Str,
}

impl From<MetricValue> for Value {
    fn from(v: MetricValue) -> Self {
        match v {
            MetricValue::F64(x) => Value::F64(x),
            MetricValue::I64(x) => Value::I64(x),
            MetricValue::Null => Value::Null,
        }
    }
}

impl From<MetricKind> for Kind {
    fn from(k: MetricKind) -> Self {
        match k {
            MetricKind::F64 => Kind::F64,
            MetricKind::I64 => Kind::I64,
        }
    }
}

/// The runs.parquet columns a finished run adds after its identifying columns and parameters:
/// `status`, `error`, then every declared run metric of `metrics`, with their types.
pub fn metric_columns(metrics: &[RunMetric]) -> Vec<(String, Kind)> {
    let mut out = vec![("status".to_string(), Kind::Str), ("error".to_string(), Kind::Str)];
    out.extend(metrics.iter().map(|m| (m.name.clone(), m.kind.into())));
    out
}

impl Value {
    /// The column type this value belongs in (None for null, which fits any).
    pub fn kind(&self) -> Option<Kind> {
        match self {
            Value::F64(_) => Some(Kind::F64),
            Value::I64(_) => Some(Kind::I64),
            Value::Str(_) => Some(Kind::Str),
            Value::Null => None,
        }
    }
}

/// Builds a table with exactly the declared `columns` (name and type, in order), whatever the
/// rows hold: missing cells are null. Parts of one dataset written this way share one schema,
/// even a part whose runs all failed (so readers can treat a folder of parts as one table).
/// A cell whose column is not declared, or whose value does not fit its type, is an error.
pub fn runs_frame_typed(rows: &[RunRow], columns: &[(String, Kind)]) -> Result<DataFrame, AnalysisError> {
    for r in rows {
        for (n, v) in &r.cells {
            let Some((_, k)) = columns.iter().find(|(c, _)| c == n) else {
                return Err(AnalysisError::Data(format!("run row has column `{n}`, which the table does not declare")));
            };
            let fits = matches!(
                (v, k),
                (Value::Null, _)
                    | (Value::F64(_) | Value::I64(_), Kind::F64)
                    | (Value::I64(_), Kind::I64)
                    | (Value::Str(_), Kind::Str)
            );
            if !fits {
                return Err(AnalysisError::Data(format!("column `{n}` is {k:?} but a run has {v:?}")));
            }
        }
    }
    let mut cols = Vec::with_capacity(columns.len());
    for (name, kind) in columns {
        let cells = rows.iter().map(|r| r.get(name).unwrap_or(&Value::Null));
        let col = match kind {
            Kind::F64 => Column::new(
                name.into(),
                cells
                    .map(|v| match v {
                        Value::F64(x) => Some(*x),
                        Value::I64(x) => Some(*x as f64),
                        _ => None,
                    })
                    .collect::<Vec<_>>(),
            ),
            Kind::I64 => Column::new(
                name.into(),
                cells
                    .map(|v| match v {
                        Value::I64(x) => Some(*x),
                        _ => None,
                    })
                    .collect::<Vec<_>>(),
            ),
            Kind::Str => Column::new(
                name.into(),
                cells
                    .map(|v| match v {
                        Value::Str(s) => Some(s.clone()),
                        _ => None,
                    })
                    .collect::<Vec<Option<String>>>(),
            ),
        };
        cols.push(col);
    }
    Ok(DataFrame::new(rows.len(), cols)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_with_different_columns_align() {
        let mut a = RunRow::header(0, "s", 1, 0);
        a.push("x", Value::F64(1.5));
        let mut b = RunRow::header(1, "s", 2, 0);
        b.push_failure("boom");
        let df = runs_frame(&[a, b]).unwrap();
        assert_eq!(df.height(), 2);
        let x = df.column("x").unwrap().f64().unwrap();
        assert_eq!(x.get(0), Some(1.5));
        assert_eq!(x.get(1), None);
        assert_eq!(df.column("status").unwrap().str().unwrap().get(1), Some("failed"));
    }

    #[test]
    fn typed_frames_share_one_schema_even_when_every_run_failed() {
        let cols =
            vec![("run_id".to_string(), Kind::I64), ("x".to_string(), Kind::F64), ("status".to_string(), Kind::Str)];
        let mut failed = RunRow::default();
        failed.push("run_id", Value::I64(3)).push("status", Value::Str("failed".into()));
        let mut ok = RunRow::default();
        ok.push("run_id", Value::I64(4)).push("x", Value::I64(2)).push("status", Value::Str("ok".into()));
        let a = runs_frame_typed(&[failed], &cols).unwrap();
        let b = runs_frame_typed(&[ok], &cols).unwrap();
        assert_eq!(a.schema(), b.schema());
        assert_eq!(b.column("x").unwrap().f64().unwrap().get(0), Some(2.0));
        let mut stray = RunRow::default();
        stray.push("y", Value::F64(1.0));
        assert!(runs_frame_typed(&[stray], &cols).is_err());
    }
}
