//! Values of swept parameters: TOML values from experiment files and point tables (CSV,
//! Parquet), the runs.parquet cells they become, and their column types.

use restake_analysis::Value;
use restake_analysis::runs::Kind;
use restake_engine::design::Level;
use std::path::Path;

/// One value of a parameter: what is written into the scenario, and its runs.parquet cell.
#[derive(Clone, Debug)]
pub struct ParamValue {
    pub toml: toml_edit::Value,
    pub cell: Value,
}

/// A TOML value of the experiment file as a value that can be written into a scenario.
pub(super) fn to_edit(v: &toml::Value) -> toml_edit::Value {
    match v {
        toml::Value::String(s) => s.as_str().into(),
        toml::Value::Integer(i) => (*i).into(),
        toml::Value::Float(f) => (*f).into(),
        toml::Value::Boolean(b) => (*b).into(),
        toml::Value::Datetime(d) => d.to_string().parse().unwrap_or_else(|_| d.to_string().into()),
        toml::Value::Array(a) => toml_edit::Value::Array(a.iter().map(to_edit).collect()),
        toml::Value::Table(t) => {
            toml_edit::Value::InlineTable(t.iter().map(|(k, v)| (k.as_str(), to_edit(v))).collect())
        }
    }
}

/// The runs.parquet column type of a parameter with these values: integers stay integers,
/// numbers become floats, anything else is written as text.
pub(super) fn column_kind<'a>(values: impl Iterator<Item = &'a toml_edit::Value>) -> Kind {
    let mut kind = None;
    for v in values {
        let k = match v {
            toml_edit::Value::Integer(_) => Kind::I64,
            toml_edit::Value::Float(_) => Kind::F64,
            _ => Kind::Str,
        };
        kind = Some(match (kind, k) {
            (None, k) => k,
            (Some(Kind::Str), _) | (_, Kind::Str) => Kind::Str,
            (Some(Kind::F64), _) | (_, Kind::F64) => Kind::F64,
            _ => Kind::I64,
        });
    }
    kind.unwrap_or(Kind::Str)
}

pub(super) fn cell(v: &toml_edit::Value, kind: Kind) -> Value {
    match (v, kind) {
        (toml_edit::Value::Integer(i), Kind::I64) => Value::I64(*i.value()),
        (toml_edit::Value::Integer(i), Kind::F64) => Value::F64(*i.value() as f64),
        (toml_edit::Value::Float(f), _) => Value::F64(*f.value()),
        (toml_edit::Value::String(s), _) => Value::Str(s.value().clone()),
        (other, _) => Value::Str(other.to_string().trim().to_string()),
    }
}

pub(super) fn param_values(values: Vec<toml_edit::Value>) -> (Kind, Vec<ParamValue>) {
    let kind = column_kind(values.iter());
    (kind, values.into_iter().map(|v| ParamValue { cell: cell(&v, kind), toml: v }).collect())
}

/// A point's value of a parameter, as written into the scenario and as its runs.parquet cell.
pub(super) fn param_value(level: Level<'_, ParamValue>) -> ParamValue {
    match level {
        Level::Listed(v) => v.clone(),
        Level::Float(x) => ParamValue { toml: x.into(), cell: Value::F64(x) },
        Level::Int(k) => ParamValue { toml: k.into(), cell: Value::I64(k) },
    }
}

/// Reads an explicit table of points: a header of config paths, one row per point. CSV cells
/// are read as TOML values (`0.9`, `"pool-spot"`, `true`), or as text when they are not TOML.
pub(super) fn read_table(path: &Path) -> Result<(Vec<String>, Vec<Vec<toml_edit::Value>>), String> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "csv" => {
            let mut r = csv::ReaderBuilder::new().trim(csv::Trim::All).from_path(path).map_err(|e| e.to_string())?;
            let header: Vec<String> = r.headers().map_err(|e| e.to_string())?.iter().map(str::to_string).collect();
            let mut rows = Vec::new();
            for (i, rec) in r.records().enumerate() {
                let rec = rec.map_err(|e| format!("row {}: {e}", i + 2))?;
                let mut row = Vec::with_capacity(header.len());
                for (c, cellv) in rec.iter().enumerate() {
                    if cellv.is_empty() {
                        return Err(format!("line {}: column `{}` is empty", i + 2, header[c]));
                    }
                    row.push(cellv.parse::<toml_edit::Value>().unwrap_or_else(|_| cellv.into()));
                }
                rows.push(row);
            }
            Ok((header, rows))
        }
        "parquet" => {
            use polars::prelude::*;
            let df = restake_analysis::table::read_parquet(path).map_err(|e| e.to_string())?;
            let header: Vec<String> = df.get_column_names().iter().map(|s| s.to_string()).collect();
            let mut rows = vec![Vec::with_capacity(header.len()); df.height()];
            for c in df.columns() {
                for (i, row) in rows.iter_mut().enumerate() {
                    let v = match c.get(i).map_err(|e| e.to_string())? {
                        AnyValue::Null => return Err(format!("row {i}: column `{}` is null", c.name())),
                        AnyValue::Boolean(b) => b.into(),
                        AnyValue::String(s) => s.into(),
                        AnyValue::StringOwned(s) => s.as_str().into(),
                        AnyValue::Float64(x) => x.into(),
                        AnyValue::Float32(x) => (x as f64).into(),
                        v if v.is_integer() => v
                            .extract::<i64>()
                            .ok_or_else(|| format!("column `{}`: integer out of range", c.name()))?
                            .into(),
                        v => {
                            return Err(format!(
                                "column `{}` has type {}, expected numbers, text or booleans",
                                c.name(),
                                v.dtype()
                            ));
                        }
                    };
                    row.push(v);
                }
            }
            Ok((header, rows))
        }
        _ => Err("must be a .csv or .parquet file".into()),
    }
}
