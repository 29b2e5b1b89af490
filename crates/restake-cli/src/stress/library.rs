//! The stress library: files that add a stress to any scenario (an overlay: a `[stress]` header,
//! shocks and hazards written with placeholders for the scenario's own entities, and optional
//! overrides) or that are worlds of their own (a replay, run as it is).
//!
//! Placeholders, in any string of a stress's shocks and hazards:
//! `@lrt` (the scenario's first LRT), `@pool` (that LRT's main pool), `@market` (the first lending
//! market), `@pooled-market` (the first Aave-like one), `@avs` (the AVS with the most stake
//! allocated to it), `@operator` (the operator with the most stake), `@protocol` (the first
//! restaking protocol), `@cohort` (the first retail cohort); and numbers written as
//! `"@supply*K"` (K times the first LRT's supply at the start), `"@passive*K"` (its passive
//! supply), `"@pool_lrt*K"` and `"@pool_eth*K"` (its main pool's reserves). Each shock's `at` is an
//! offset from the stress's start, which `restake stress --at` sets.

use crate::input::{InputError, LoadedScenario, load_text, set_path};
use restake_agents::{Resolved, World};
use std::path::{Path, PathBuf};

/// One stress of the library (or a `--with` file).
#[derive(Clone, Debug)]
pub struct Stress {
    pub name: String,
    /// Which of the seed's risks it stands for.
    pub risk: String,
    pub summary: String,
    pub resembles: String,
    pub path: PathBuf,
    /// An overlay's text (applied to the user's scenario), or None for a world of its own.
    overlay: Option<toml_edit::DocumentMut>,
}

fn str_of(t: &toml_edit::Item, k: &str) -> String {
    t.get(k).and_then(|v| v.as_str()).unwrap_or_default().to_string()
}

/// Reads one stress file: an overlay if it has a `[stress]` table, else a scenario of its own.
pub fn read(path: &Path) -> Result<Stress, InputError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| InputError(format!("{}: cannot read the stress file: {e}", path.display())))?;
    let doc: toml_edit::DocumentMut =
        text.parse().map_err(|e: toml_edit::TomlError| InputError(format!("{}: {}", path.display(), e.message())))?;
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    match doc.get("stress") {
        Some(head) => {
            let name = Some(str_of(head, "name")).filter(|n| !n.is_empty()).unwrap_or(stem);
            for key in doc.as_table().iter().map(|(k, _)| k.to_string()) {
                if !["stress", "shocks", "hazards", "set"].contains(&key.as_str()) {
                    return Err(InputError(format!(
                        "{}: a stress file holds [stress], [set], [[shocks]] and [[hazards]]; `{key}` belongs in a scenario",
                        path.display()
                    )));
                }
            }
            Ok(Stress {
                name,
                risk: str_of(head, "risk"),
                summary: str_of(head, "summary"),
                resembles: str_of(head, "resembles"),
                path: path.to_path_buf(),
                overlay: Some(doc),
            })
        }
        None => {
            let name = doc.get("name").and_then(|v| v.as_str()).map(str::to_string).unwrap_or(stem);
            let summary = doc.get("description").and_then(|v| v.as_str()).unwrap_or_default().to_string();
            Ok(Stress {
                name,
                risk: "replay".into(),
                summary,
                resembles: String::new(),
                path: path.to_path_buf(),
                overlay: None,
            })
        }
    }
}

/// Every `.toml` file of `dir`, by file name.
pub fn read_dir(dir: &Path) -> Result<Vec<Stress>, InputError> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| InputError(format!("{}: cannot read the stress library: {e}", dir.display())))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files.iter().map(|p| read(p)).collect()
}

/// What placeholders stand for in one scenario.
pub struct Anchors {
    ids: Vec<(&'static str, Option<String>)>,
    numbers: Vec<(&'static str, f64)>,
    /// Where stresses start, in seconds.
    pub at_seconds: f64,
}

impl Anchors {
    pub fn of(loaded: &LoadedScenario, at_seconds: f64) -> Anchors {
        let s = &loaded.scenario;
        let r: &Resolved = &loaded.resolved;
        let w = World::new(r, s.engine.seed);
        let lrt = s.lrts.first().map(|l| l.id.clone());
        let pool = lrt.as_ref().and_then(|id| s.pools.iter().find(|p| &p.lrt == id)).map(|p| p.id.clone());
        let main = (!w.lrts().is_empty()).then(|| w.main_pool(0)).filter(|&p| p != usize::MAX);
        let most = |v: Vec<f64>| v.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).map(|(k, _)| k);
        let avs = most((0..w.avss().len()).map(|a| w.operators().iter().map(|o| o.allocated_to(a)).sum()).collect())
            .map(|a| w.avss()[a].id.clone());
        let operator = most(w.operators().iter().map(|o| o.stake()).collect()).map(|o| w.operators()[o].id.clone());
        let pooled = s.markets.iter().find(|m| m.reserves.len() > 0).map(|m| m.id.clone());
        Anchors {
            ids: vec![
                ("@lrt", lrt),
                ("@pool", pool),
                ("@market", s.markets.first().map(|m| m.id.clone())),
                ("@pooled-market", pooled),
                ("@avs", avs),
                ("@operator", operator),
                ("@protocol", s.restaking_protocols.first().map(|p| p.id.clone())),
                ("@cohort", s.retail.first().map(|c| c.id.clone())),
            ],
            numbers: vec![
                ("@supply", w.lrts().first().map_or(0.0, |l| l.supply)),
                ("@passive", s.lrts.first().map_or(0.0, |l| l.passive_supply)),
                ("@pool_lrt", main.map_or(0.0, |p| w.pools()[p].lrt_reserve())),
                ("@pool_eth", main.map_or(0.0, |p| w.pools()[p].eth_reserve())),
            ],
            at_seconds,
        }
    }

    /// The value a placeholder stands for, or what is missing.
    fn substitute(&self, s: &str) -> Result<Option<toml_edit::Value>, String> {
        if !s.starts_with('@') {
            return Ok(None);
        }
        if let Some((base, k)) = s.split_once('*') {
            let (_, v) = self.numbers.iter().find(|(n, _)| *n == base.trim()).ok_or_else(|| {
                format!("`{s}`: no number `{}`; known: @supply, @passive, @pool_lrt, @pool_eth", base.trim())
            })?;
            let k: f64 = k.trim().parse().map_err(|_| format!("`{s}`: `{}` is not a number", k.trim()))?;
            return Ok(Some(toml_edit::Value::from(v * k)));
        }
        let (_, id) = self
            .ids
            .iter()
            .find(|(n, _)| *n == s)
            .ok_or_else(|| format!("`{s}` is not a placeholder this version knows"))?;
        match id {
            Some(id) => Ok(Some(toml_edit::Value::from(id.as_str()))),
            None => Err(format!("needs {} (the scenario has none)", describe(s))),
        }
    }
}

fn describe(placeholder: &str) -> &'static str {
    match placeholder {
        "@lrt" => "an LRT",
        "@pool" => "a pool for its first LRT",
        "@market" => "a lending market",
        "@pooled-market" => "an Aave-like (pooled) market",
        "@avs" => "an AVS",
        "@operator" => "an operator",
        "@protocol" => "a restaking protocol",
        "@cohort" => "a retail cohort",
        _ => "it",
    }
}

/// Replaces placeholders in every value of `item`, and moves `at` by the anchor.
fn substitute_all(item: &mut toml_edit::Item, a: &Anchors) -> Result<(), String> {
    fn walk_value(v: &mut toml_edit::Value, a: &Anchors) -> Result<(), String> {
        match v {
            toml_edit::Value::String(s) => {
                if let Some(new) = a.substitute(s.value())? {
                    *v = new;
                }
            }
            toml_edit::Value::Array(arr) => {
                for x in arr.iter_mut() {
                    walk_value(x, a)?;
                }
            }
            toml_edit::Value::InlineTable(t) => {
                for (_, x) in t.iter_mut() {
                    walk_value(x, a)?;
                }
            }
            _ => {}
        }
        Ok(())
    }
    let Some(tables) = item.as_array_of_tables_mut() else { return Ok(()) };
    for t in tables.iter_mut() {
        for (k, x) in t.iter_mut() {
            if let Some(v) = x.as_value_mut() {
                if k == "at" {
                    let offset: restake_agents::scenario::Span = v
                        .as_str()
                        .ok_or("`at` must be a duration string, e.g. \"2h\"")?
                        .parse()
                        .map_err(|e: String| format!("at: {e}"))?;
                    let secs = (a.at_seconds + offset.seconds()).round() as u64;
                    *v = toml_edit::Value::from(format!("{secs}s"));
                } else {
                    walk_value(v, a)?;
                }
            }
        }
    }
    Ok(())
}

/// The user's scenario under `stress`: its own shocks and hazards replaced (or kept, with
/// `keep`) by the stress's, placeholders filled in, the stress's overrides applied; resolved. A
/// replay is its own world. `Err` says why the stress does not apply to this scenario.
pub fn apply(
    stress: &Stress,
    user_text: &str,
    user_name: &str,
    anchors: &Anchors,
    keep: bool,
) -> Result<LoadedScenario, InputError> {
    let Some(overlay) = &stress.overlay else {
        let text = std::fs::read_to_string(&stress.path)
            .map_err(|e| InputError(format!("{}: cannot read: {e}", stress.path.display())))?;
        return load_text(&stress.path.display().to_string(), &text, &[]);
    };
    let fail = |m: String| InputError(format!("{}: {m}", stress.path.display()));
    let mut doc: toml_edit::DocumentMut =
        user_text.parse().map_err(|e: toml_edit::TomlError| InputError(format!("{user_name}: {}", e.message())))?;
    for key in ["shocks", "hazards"] {
        let mut add = overlay.get(key).cloned().unwrap_or(toml_edit::Item::None);
        substitute_all(&mut add, anchors).map_err(fail)?;
        let Some(add) = add.as_array_of_tables().cloned() else {
            if !keep {
                doc.remove(key);
            }
            continue;
        };
        let mut all = match (keep, doc.get(key).and_then(|i| i.as_array_of_tables())) {
            (true, Some(existing)) => existing.clone(),
            _ => toml_edit::ArrayOfTables::new(),
        };
        for t in add.iter() {
            all.push(t.clone());
        }
        doc.insert(key, toml_edit::Item::ArrayOfTables(all));
    }
    if let Some(sets) = overlay.get("set").and_then(|s| s.as_table_like()) {
        for (path, v) in sets.iter() {
            let raw = v.as_value().map(|v| v.to_string()).unwrap_or_default();
            set_path(&mut doc, path, raw.trim()).map_err(|e| fail(format!("set {path}: {e}")))?;
        }
    }
    let name = format!("{user_name} under stress {}", stress.name);
    let mut loaded = load_text(&name, &doc.to_string(), &[])?;
    loaded.scenario.name = format!("{}+{}", loaded.scenario.name, stress.name);
    Ok(loaded)
}

/// A reference row (the scenario without shocks, or as given).
pub fn reference(name: &str, summary: &str) -> Stress {
    Stress {
        name: name.into(),
        risk: "reference".into(),
        summary: summary.into(),
        resembles: String::new(),
        path: PathBuf::new(),
        overlay: None,
    }
}
