//! Helpers shared by the CLI tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn restake(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_restake")).args(args).current_dir(cwd).output().expect("restake runs")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn baseline_text() -> String {
    std::fs::read_to_string(repo_root().join("configs/baseline.toml")).unwrap()
}

pub fn repo_root() -> PathBuf {
    // Read at run time (cargo sets it for tests): a test binary built in another checkout
    // that shares the target dir, and found fresh by cargo, must not read that checkout's files.
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").into());
    Path::new(&dir).join("../..")
}

/// Every file under `dir`, recursively (to prove nothing was written).
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files_under(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// A Parquet file the CLI wrote.
pub fn read(p: &Path) -> polars::prelude::DataFrame {
    use polars::prelude::*;
    ParquetReader::new(std::fs::File::open(p).unwrap()).finish().unwrap()
}

/// Column `col` of the first row, as f64 (a run's metric in runs.parquet).
pub fn f64_at(df: &polars::prelude::DataFrame, col: &str) -> f64 {
    use polars::prelude::*;
    df.column(col)
        .unwrap_or_else(|_| panic!("column {col}"))
        .cast(&DataType::Float64)
        .unwrap()
        .f64()
        .unwrap()
        .get(0)
        .unwrap()
}

/// Column `col` of the row whose string column `key` is `value`, as f64.
pub fn f64_where(df: &polars::prelude::DataFrame, key: &str, value: &str, col: &str) -> f64 {
    use polars::prelude::*;
    let rows = df.filter(&df.column(key).unwrap().str().unwrap().equal(value)).unwrap();
    assert!(rows.height() > 0, "no row with {key} = {value}");
    f64_at(&rows, col)
}
