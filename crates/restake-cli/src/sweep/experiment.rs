//! Experiment files: a base scenario, the parameters to vary (by config path), replications, a
//! master seed and the outputs to keep. Read here, checked before anything is written, and
//! expanded on demand into runs with stable ids and seeds (see [`Experiment::run`]).
//!
//! The design is the product of up to three factors, each absent factor counting as one point:
//! an explicit table of points (CSV or Parquet, columns named by config path), the grid of every
//! parameter given as a list of `values`, and `design.samples` draws of the parameters given as a
//! `range` (independent uniform draws, or a Latin hypercube). Point `p` replicate `r` is run id
//! `p * replications + r`; its seed is `derive_seed(master_seed, run_id)` (or
//! `derive_seed(master_seed, r)` with `seeds = "common"`), so any split of the runs reproduces the
//! same rows.

use super::values::{ParamValue, cell, param_value, param_values, read_table, to_edit};
use crate::input;
use restake_agents::Scenario;
use restake_agents::{Resolved, resolve};
use restake_analysis::recorder::RecordPlan;
use restake_analysis::runs::Kind;
use restake_engine::design::{self, Design, Range};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The experiment file as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExperimentFile {
    name: String,
    #[serde(default)]
    description: String,
    /// Base scenario file, relative to the experiment file. Absent: the built-in baseline.
    scenario: Option<String>,
    /// Base scenario written inline (TOML text), instead of `scenario`.
    scenario_toml: Option<String>,
    /// Overrides applied to every run, by config path: `set = { "retail[0].agents" = 500 }`.
    #[serde(default)]
    set: toml::Table,
    #[serde(default = "one_u32")]
    replications: u32,
    master_seed: u64,
    #[serde(default)]
    seeds: SeedScheme,
    #[serde(default)]
    design: DesignFile,
    #[serde(default, rename = "parameter")]
    parameters: Vec<ParameterFile>,
    #[serde(default)]
    outputs: OutputsFile,
}

fn one_u32() -> u32 {
    1
}

/// How run seeds are derived.
#[derive(Deserialize, Default, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum SeedScheme {
    /// Every run its own seed: `derive_seed(master_seed, run_id)`.
    #[default]
    PerRun,
    /// Common random numbers: replicate `r` has the same seed at every point, so differences
    /// between points are not sampling noise of the ETH path or the population.
    Common,
}

impl SeedScheme {
    /// As written in an experiment file.
    pub fn as_str(self) -> &'static str {
        match self {
            SeedScheme::PerRun => "per-run",
            SeedScheme::Common => "common",
        }
    }

    fn design(self) -> design::SeedScheme {
        match self {
            SeedScheme::PerRun => design::SeedScheme::PerRun,
            SeedScheme::Common => design::SeedScheme::Common,
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct DesignFile {
    sampling: Option<Sampling>,
    samples: Option<u32>,
    /// Explicit points: a CSV or Parquet file, relative to the experiment file.
    table: Option<String>,
}

#[derive(Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Sampling {
    Random,
    Lhs,
    /// Saltelli's design for Sobol indices (`restake sensitivity`).
    Sobol,
    /// Morris's trajectories for elementary effects (`restake sensitivity`, a cheap screen).
    Morris,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ParameterFile {
    path: String,
    values: Option<Vec<toml::Value>>,
    range: Option<[f64; 2]>,
    #[serde(default)]
    scale: Scale,
    #[serde(default)]
    integer: bool,
}

#[derive(Deserialize, Default, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Scale {
    #[default]
    Linear,
    Log,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OutputsFile {
    #[serde(default = "yes")]
    steps: bool,
    #[serde(default = "one_u64")]
    steps_every: u64,
    #[serde(default = "yes")]
    events: bool,
    #[serde(default = "default_batch_runs")]
    batch_runs: u32,
    #[serde(default = "default_batch_seconds")]
    batch_seconds: f64,
}

impl Default for OutputsFile {
    fn default() -> Self {
        OutputsFile {
            steps: true,
            steps_every: 1,
            events: true,
            batch_runs: default_batch_runs(),
            batch_seconds: default_batch_seconds(),
        }
    }
}

fn yes() -> bool {
    true
}
fn one_u64() -> u64 {
    1
}
fn default_batch_runs() -> u32 {
    100
}
fn default_batch_seconds() -> f64 {
    60.0
}

/// A varied parameter, as a runs.parquet column.
#[derive(Clone, Debug)]
pub struct ParamColumn {
    pub path: String,
    pub kind: Kind,
}

/// How often a shard commits its finished runs as parts.
#[derive(Clone, Copy, Debug)]
pub struct Batching {
    pub runs: u32,
    pub seconds: f64,
}

/// A checked experiment, ready to expand.
pub struct Experiment {
    pub name: String,
    pub description: String,
    /// The experiment file as given on the command line.
    pub file: PathBuf,
    pub text: String,
    /// Where the base scenario came from (for messages and the manifest).
    pub base_source: String,
    /// The base scenario's TOML after `set` (each run applies its parameters to this).
    pub base_text: String,
    base_doc: toml_edit::DocumentMut,
    pub base: Scenario,
    pub replications: u32,
    pub master_seed: u64,
    pub seeds: SeedScheme,
    pub sampling: Option<Sampling>,
    /// Columns of the varied parameters, in design order: table, grid, sampled.
    pub columns: Vec<ParamColumn>,
    /// The points, run ids and seeds.
    pub design: Design<ParamValue>,
    /// The first table row and each grid parameter's values (to check them against the base).
    table_first: Option<Vec<ParamValue>>,
    grid_values: Vec<Vec<ParamValue>>,
    ranges: Vec<Range>,
    pub record: RecordPlan,
    pub batching: Batching,
    /// Digest of everything that decides the runs' results: a sweep directory holds the results
    /// of one fingerprint only.
    pub fingerprint: String,
}

pub use restake_engine::design::RunSpec;

/// An input error in an experiment file: names the file, the line and the field.
#[derive(Debug)]
pub struct ExperimentError(pub String);

impl From<ExperimentError> for crate::Failure {
    fn from(e: ExperimentError) -> Self {
        crate::Failure::Input(e.0)
    }
}

fn line_of_offset(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// `file:line: field `path`: message`, with the line of `path` in the experiment file.
fn field_error(name: &str, text: &str, path: &str, message: impl std::fmt::Display) -> ExperimentError {
    let loc = input::locate(text, path).map_or(String::new(), |o| format!(":{}", line_of_offset(text, o)));
    ExperimentError(format!("{name}{loc}: field `{path}` {message}"))
}

/// FNV-1a, 64 bit: a stable digest (std's hasher may change between Rust versions).
fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for &b in p.iter().chain(&[0xff]) {
            h ^= b as u64;
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

impl Experiment {
    /// Reads and checks `path`. Nothing is written; every error names file, line and field.
    pub fn load(path: &Path) -> Result<Experiment, ExperimentError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| ExperimentError(format!("{name}: cannot read the experiment file: {e}")))?;
        let file: ExperimentFile = toml::from_str(&text).map_err(|e| {
            let loc = e.span().map_or(String::new(), |s| format!(":{}", line_of_offset(&text, s.start)));
            ExperimentError(format!("{name}{loc}: {}", e.message().trim_end()))
        })?;
        let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let err = |field: &str, msg: String| field_error(&name, &text, field, msg);

        if file.name.trim().is_empty() || file.name.contains(['/', '\\']) {
            return Err(err("name", "must be a non-empty name without slashes".into()));
        }
        if file.replications == 0 {
            return Err(err("replications", "must be at least 1".into()));
        }
        let o = &file.outputs;
        if o.steps_every == 0 {
            return Err(err("outputs.steps_every", "must be at least 1 (1 = every step)".into()));
        }
        if o.batch_runs == 0 {
            return Err(err("outputs.batch_runs", "must be at least 1".into()));
        }
        if !(o.batch_seconds.is_finite() && o.batch_seconds > 0.0) {
            return Err(err(
                "outputs.batch_seconds",
                format!("must be a positive number of seconds, got {}", o.batch_seconds),
            ));
        }

        // The base scenario, with `set` applied.
        let (base_source, raw_base) = match (&file.scenario, &file.scenario_toml) {
            (Some(_), Some(_)) => {
                return Err(err(
                    "scenario_toml",
                    "cannot be given together with `scenario`: choose a file or inline text".into(),
                ));
            }
            (Some(p), None) => {
                let full = dir.join(p);
                let t = std::fs::read_to_string(&full)
                    .map_err(|e| err("scenario", format!("names `{}`, which cannot be read: {e}", full.display())))?;
                (full.display().to_string(), t)
            }
            (None, Some(t)) => (format!("{name} (scenario_toml)"), t.clone()),
            (None, None) => (input::BASELINE_NAME.to_string(), input::BASELINE.to_string()),
        };
        let mut base_doc: toml_edit::DocumentMut = raw_base.parse().map_err(|e: toml_edit::TomlError| {
            let loc = e.span().map_or(String::new(), |s| format!(":{}", line_of_offset(&raw_base, s.start)));
            ExperimentError(format!("{base_source}{loc}: {}", e.message().trim_end()))
        })?;
        for (key, value) in &file.set {
            let at = text
                .find(&format!("\"{key}\""))
                .or_else(|| text.find(key.as_str()))
                .map_or(String::new(), |o| format!(":{}", line_of_offset(&text, o)));
            input::set_path(&mut base_doc, key, &to_edit(value).to_string())
                .map_err(|e| ExperimentError(format!("{name}{at}: field `set.\"{key}\"`: {e}")))?;
        }
        let base_text = base_doc.to_string();
        let base: Scenario = toml::from_str(&base_text).map_err(|e| {
            let loc = e.span().map_or(String::new(), |s| format!(":{}", line_of_offset(&base_text, s.start)));
            let hint =
                if file.set.is_empty() { String::new() } else { format!(" (after the experiment's `set`, {name})") };
            ExperimentError(format!("{base_source}{loc}: {}{hint}", e.message().trim_end()))
        })?;
        if let Err(issues) = resolve(&base) {
            let mut msg = input::describe_issues(&base_source, &base_text, &issues).0;
            if !file.set.is_empty() {
                msg.push_str(&format!("\n  (the base scenario after the `set` overrides of {name})"));
            }
            return Err(ExperimentError(msg));
        }

        // Parameters.
        let mut columns = Vec::new();
        let mut grid = Vec::new();
        let mut sampled = Vec::new();
        let mut fingerprint_parts: Vec<Vec<u8>> = vec![text.clone().into_bytes(), base_text.clone().into_bytes()];
        let mut table = Vec::new();
        if let Some(t) = &file.design.table {
            let full = dir.join(t);
            let bytes = std::fs::read(&full)
                .map_err(|e| err("design.table", format!("names `{}`, which cannot be read: {e}", full.display())))?;
            fingerprint_parts.push(bytes);
            let (cols, rows) =
                read_table(&full).map_err(|e| err("design.table", format!("(`{}`): {e}", full.display())))?;
            if rows.is_empty() {
                return Err(err("design.table", format!("(`{}`) has no rows", full.display())));
            }
            for (c, path) in cols.iter().enumerate() {
                let (kind, _) = param_values(rows.iter().map(|r| r[c].clone()).collect());
                columns.push(ParamColumn { path: path.clone(), kind });
            }
            table = rows
                .into_iter()
                .map(|r| {
                    r.into_iter().zip(&columns).map(|(v, c)| ParamValue { cell: cell(&v, c.kind), toml: v }).collect()
                })
                .collect();
        }
        for (i, p) in file.parameters.iter().enumerate() {
            let field = |f: &str| format!("parameter[{i}].{f}");
            if p.path.trim().is_empty() {
                return Err(err(&field("path"), "must be a config path, e.g. \"markets[0].lltv\"".into()));
            }
            if columns.iter().any(|c| c.path == p.path) {
                return Err(err(
                    &field("path"),
                    format!("`{}` is varied twice (another parameter or a column of design.table)", p.path),
                ));
            }
            match (&p.values, &p.range) {
                (Some(values), None) => {
                    if values.is_empty() {
                        return Err(err(&field("values"), "must list at least one value".into()));
                    }
                    if p.scale != Scale::Linear || p.integer {
                        return Err(err(&field("scale"), "and `integer` apply to a `range`, not to `values`".into()));
                    }
                    let (kind, values) = param_values(values.iter().map(to_edit).collect());
                    columns.push(ParamColumn { path: p.path.clone(), kind });
                    grid.push((p.path.clone(), values));
                }
                (None, Some([lo, hi])) => {
                    let ok = lo.is_finite() && hi.is_finite() && lo < hi && (p.scale == Scale::Linear || *lo > 0.0);
                    if !ok {
                        let need = if p.scale == Scale::Log {
                            "two finite numbers with 0 < low < high (log scale)"
                        } else {
                            "two finite numbers with low < high"
                        };
                        return Err(err(&field("range"), format!("must be [low, high]: {need}; got [{lo}, {hi}]")));
                    }
                    if file.design.sampling.is_none() {
                        return Err(err(
                            &field("range"),
                            "needs `design.sampling` (\"random\", \"lhs\", \"sobol\" or \"morris\") and `design.samples`".into(),
                        ));
                    }
                    columns.push(ParamColumn {
                        path: p.path.clone(),
                        kind: if p.integer { Kind::I64 } else { Kind::F64 },
                    });
                    let scale = match p.scale {
                        Scale::Linear => design::Scale::Linear,
                        Scale::Log => design::Scale::Log,
                    };
                    sampled.push((p.path.clone(), Range { lo: *lo, hi: *hi, scale, integer: p.integer }));
                }
                (Some(_), Some(_)) => {
                    return Err(err(
                        &field("range"),
                        "cannot be given together with `values`: a list makes a grid, a range is sampled".into(),
                    ));
                }
                (None, None) => {
                    return Err(err(
                        &field("path"),
                        format!("(`{}`) needs `values = [...]` (a grid) or `range = [low, high]` (sampled)", p.path),
                    ));
                }
            }
        }
        let samples = match (file.design.sampling, file.design.samples) {
            (Some(_), None) => {
                return Err(err("design.sampling", "needs `design.samples`, the number of points to draw".into()));
            }
            (Some(_), Some(0)) => return Err(err("design.samples", "must be at least 1".into())),
            (None, Some(_)) => {
                return Err(err("design.samples", "needs `design.sampling` = \"random\" or \"lhs\"".into()));
            }
            (Some(_), Some(_)) if sampled.is_empty() => {
                return Err(err("design.sampling", "is set but no parameter has a `range` to sample".into()));
            }
            (Some(s @ (Sampling::Sobol | Sampling::Morris)), Some(_)) if !grid.is_empty() || !table.is_empty() => {
                let name = if s == Sampling::Sobol { "sobol" } else { "morris" };
                return Err(err(
                    "design.sampling",
                    format!("\"{name}\" needs every parameter as a `range` (no `values` lists, no `design.table`)"),
                ));
            }
            (Some(Sampling::Sobol), Some(n))
                if n as usize > design::SALTELLI_MAX_SAMPLES || sampled.len() > design::SALTELLI_MAX_DIMS =>
            {
                return Err(err(
                    "design.samples",
                    format!(
                        "\"sobol\" takes at most {} base samples and {} parameters; got {n} and {}",
                        design::SALTELLI_MAX_SAMPLES,
                        design::SALTELLI_MAX_DIMS,
                        sampled.len()
                    ),
                ));
            }
            (Some(_), Some(n)) => n,
            (None, None) => 1,
        };
        let table_columns: Vec<String> =
            columns.iter().take(table.first().map_or(0, Vec::len)).map(|c| c.path.clone()).collect();
        let table_first = table.first().cloned();
        let grid_values: Vec<Vec<ParamValue>> = grid.iter().map(|(_, v)| v.clone()).collect();
        let ranges: Vec<Range> = sampled.iter().map(|(_, r)| *r).collect();
        let mut design =
            Design::new(file.replications, file.master_seed, file.seeds.design()).with_table(table_columns, table);
        for (path, values) in grid {
            design = design.with_grid(path, values);
        }
        if let Some(sampling) = file.design.sampling {
            let method = match sampling {
                Sampling::Random => design::Sampling::Random,
                Sampling::Lhs => design::Sampling::Lhs,
                Sampling::Sobol => design::Sampling::Saltelli,
                Sampling::Morris => design::Sampling::Morris,
            };
            design = design.with_sampled(sampled, samples, method);
        }

        let mut exp = Experiment {
            name: file.name.clone(),
            description: file.description.clone(),
            file: path.to_path_buf(),
            text: text.clone(),
            base_source,
            base_text,
            base_doc,
            base,
            replications: file.replications,
            master_seed: file.master_seed,
            seeds: file.seeds,
            sampling: file.design.sampling,
            columns,
            design,
            table_first,
            grid_values,
            ranges,
            record: RecordPlan {
                steps: file.outputs.steps,
                events: file.outputs.events,
                every: file.outputs.steps_every,
            },
            batching: Batching { runs: file.outputs.batch_runs, seconds: file.outputs.batch_seconds },
            fingerprint: String::new(),
        };
        let runs = exp.points() as u128 * exp.replications as u128;
        if runs > u32::MAX as u128 {
            return Err(err("replications", format!("the design has {runs} runs; at most {} fit run ids", u32::MAX)));
        }
        let parts: Vec<&[u8]> = fingerprint_parts.iter().map(|p| p.as_slice()).collect();
        exp.fingerprint = format!("{:016x}", fnv1a(&parts));
        exp.check_parameter_values(&name, &text, &file)?;
        Ok(exp)
    }

    /// Writes each parameter's values (list values, range ends, the table's first row) into the
    /// base scenario alone: a path that does not exist or a value of the wrong type is an input
    /// error now; a value that parses but breaks a rule only makes its runs fail (recorded), and
    /// is reported as a warning by [`Experiment::warnings`].
    fn check_parameter_values(&self, name: &str, text: &str, file: &ExperimentFile) -> Result<(), ExperimentError> {
        let mut probes: Vec<(String, String, toml_edit::Value)> = Vec::new();
        if let Some(row) = &self.table_first {
            for (c, v) in row.iter().enumerate() {
                probes.push(("design.table".into(), self.columns[c].path.clone(), v.toml.clone()));
            }
        }
        let (mut g, mut s) = (0, 0);
        for (i, p) in file.parameters.iter().enumerate() {
            if p.values.is_some() {
                for (k, v) in self.grid_values[g].iter().enumerate() {
                    probes.push((format!("parameter[{i}].values[{k}]"), p.path.clone(), v.toml.clone()));
                }
                g += 1;
            } else {
                let range = &self.ranges[s];
                for u in [0.0, 1.0 - 1e-12] {
                    probes.push((
                        format!("parameter[{i}].range"),
                        p.path.clone(),
                        param_value(design::level(range, u)).toml,
                    ));
                }
                s += 1;
            }
        }
        for (field, path, value) in probes {
            let mut doc = self.base_doc.clone();
            input::set_path(&mut doc, &path, &value.to_string())
                .map_err(|e| field_error(name, text, &field, format!("(`{path}`): {e}")))?;
            if let Err(e) = toml::from_str::<Scenario>(&doc.to_string()) {
                return Err(field_error(
                    name,
                    text,
                    &field,
                    format!(
                        "(`{path} = {}`) does not fit the scenario: {}",
                        value.to_string().trim(),
                        e.message().trim_end()
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Points of the design whose scenario breaks a rule (checked one parameter value at a time
    /// against the base, so a sweep of many points is not expanded just to warn).
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut check = |path: &str, v: &ParamValue| {
            let mut doc = self.base_doc.clone();
            if input::set_path(&mut doc, path, &v.toml.to_string()).is_err() {
                return;
            }
            if let Ok(s) = toml::from_str::<Scenario>(&doc.to_string())
                && let Err(issues) = resolve(&s)
            {
                let what: Vec<String> = issues.iter().map(|i| i.to_string()).collect();
                out.push(format!(
                    "`{path} = {}` breaks a rule ({}); runs at points with it will be recorded as failed",
                    v.toml.to_string().trim(),
                    what.join("; ")
                ));
            }
        };
        let grid_cols = &self.columns[self.table_first.as_ref().map_or(0, |r| r.len())..];
        for (values, col) in self.grid_values.iter().zip(grid_cols) {
            for v in values {
                check(&col.path, v);
            }
        }
        out
    }

    pub fn points(&self) -> u64 {
        self.design.points()
    }

    pub fn runs(&self) -> u64 {
        self.design.runs()
    }

    /// The run with id `run_id`.
    pub fn run(&self, run_id: u32) -> RunSpec {
        self.design.run(run_id)
    }

    /// The parameter values of point `p`, in column order.
    pub fn point_params(&self, p: u32) -> Vec<(&str, ParamValue)> {
        self.design.point(p).into_iter().map(|(path, level)| (path, param_value(level))).collect()
    }

    /// The scenario of point `p`: the base with the point's parameters written in, parsed and
    /// validated. An error here makes the point's runs fail; it does not stop the sweep.
    pub fn scenario_at(&self, p: u32) -> Result<(Scenario, Resolved), String> {
        let mut doc = self.base_doc.clone();
        let params = self.point_params(p);
        for (path, v) in &params {
            input::set_path(&mut doc, path, &v.toml.to_string()).map_err(|e| format!("cannot set `{path}`: {e}"))?;
        }
        let text = doc.to_string();
        let s: Scenario = toml::from_str(&text)
            .map_err(|e| format!("the scenario at this point does not parse: {}", e.message().trim_end()))?;
        let r = resolve(&s).map_err(|issues| {
            format!(
                "invalid scenario at this point: {}",
                issues.iter().map(|i| i.to_string()).collect::<Vec<_>>().join("; ")
            )
        })?;
        Ok((s, r))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use restake_analysis::Value;
    use restake_engine::derive_seed;
    use restake_engine::design::latin_hypercube;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    const SMALL: &str = r#"
name = "t"
master_seed = 7
replications = 3
set = { "retail[0].agents" = 50, "time.duration" = "12h", "shocks[0].at" = "6h" }

[[parameter]]
path = "markets[0].lltv"
values = [0.86, 0.9]

[[parameter]]
path = "lrts[0].buffer_fraction"
values = [0.0, 0.02, 0.05]
"#;

    #[test]
    fn a_grid_expands_last_parameter_fastest_with_stable_seeds() {
        let dir = tempfile::tempdir().unwrap();
        let e = Experiment::load(&write(dir.path(), "e.toml", SMALL)).unwrap();
        assert_eq!(e.points(), 6);
        assert_eq!(e.runs(), 18);
        let p = e.point_params(4);
        assert_eq!(p[0].1.cell, Value::F64(0.9));
        assert_eq!(p[1].1.cell, Value::F64(0.02));
        let r = e.run(13);
        assert_eq!((r.point, r.replicate), (4, 1));
        assert_eq!(r.seed, derive_seed(7, 13));
        assert_eq!(e.scenario_at(4).unwrap().0.retail[0].agents, 50);
    }

    #[test]
    fn latin_hypercube_puts_one_point_in_every_stratum() {
        let d = latin_hypercube(3, 10, 2);
        for dim in 0..2 {
            let mut strata: Vec<usize> = d.iter().map(|r| (r[dim] * 10.0) as usize).collect();
            strata.sort();
            assert_eq!(strata, (0..10).collect::<Vec<_>>());
        }
    }

    #[test]
    fn unknown_fields_and_bad_paths_name_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let bad = SMALL.replace("replications = 3", "replications = 3\nreplicates = 2");
        let e = Experiment::load(&write(dir.path(), "e.toml", &bad)).err().unwrap().0;
        assert!(e.contains("e.toml:5") && e.contains("replicates"), "{e}");
        let bad = SMALL.replace("markets[0].lltv", "markets[0].lltvv");
        let e = Experiment::load(&write(dir.path(), "e.toml", &bad)).err().unwrap().0;
        assert!(e.contains("e.toml:9") && e.contains("parameter[0].values[0]") && e.contains("lltvv"), "{e}");
        let bad = SMALL.replace("values = [0.86, 0.9]", "range = [0.8, 0.9]");
        let e = Experiment::load(&write(dir.path(), "e.toml", &bad)).err().unwrap().0;
        assert!(e.contains("design.sampling") && e.contains("lhs"), "{e}");
    }
}
