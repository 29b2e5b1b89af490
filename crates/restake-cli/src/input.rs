//! Reading scenarios: TOML text, `--set` overrides, parse and validation errors that name the
//! file, the line and the field.

use restake_agents::scenario::Issue;
use restake_agents::{Resolved, Scenario, resolve};
use std::path::{Path, PathBuf};

/// The built-in baseline, so `restake run` works with no file.
pub const BASELINE: &str = include_str!("../../../configs/baseline.toml");
pub const BASELINE_NAME: &str = "<built-in baseline: configs/baseline.toml>";

/// A scenario with where it came from, resolved and checked.
pub struct LoadedScenario {
    pub scenario: Scenario,
    pub resolved: Resolved,
    /// The file it was read from (None for the built-in baseline).
    pub path: Option<PathBuf>,
    pub overrides: Vec<String>,
}

/// An input error: one paragraph naming the file, the line and the field.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct InputError(pub String);

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    (line, col)
}

fn source_name(path: Option<&Path>) -> String {
    path.map_or_else(|| BASELINE_NAME.to_string(), |p| p.display().to_string())
}

/// Reads, overrides, parses and resolves a scenario (every check). Nothing is written.
pub fn load(path: Option<&Path>, sets: &[String]) -> Result<LoadedScenario, InputError> {
    let name = source_name(path);
    let text = match path {
        Some(p) => {
            std::fs::read_to_string(p).map_err(|e| InputError(format!("{name}: cannot read the scenario file: {e}")))?
        }
        None => BASELINE.to_string(),
    };
    let mut loaded = load_text(&name, &text, sets)?;
    loaded.path = path.map(Path::to_path_buf);
    Ok(loaded)
}

/// The text of the scenario at `path` (the built-in baseline without one).
pub fn read_text(path: Option<&Path>) -> Result<String, InputError> {
    match path {
        Some(p) => std::fs::read_to_string(p)
            .map_err(|e| InputError(format!("{}: cannot read the scenario file: {e}", p.display()))),
        None => Ok(BASELINE.to_string()),
    }
}

/// Overrides, parses and resolves scenario `text` (errors name `name`, the line and the field).
pub fn load_text(name: &str, text: &str, sets: &[String]) -> Result<LoadedScenario, InputError> {
    let text = apply_overrides(name, text, sets)?;
    let scenario: Scenario = toml::from_str(&text).map_err(|e| {
        let at = e.span().map(|s| line_col(&text, s.start));
        let loc = at.map_or(String::new(), |(l, c)| format!(":{l}:{c}"));
        let hint = if sets.is_empty() { String::new() } else { format!(" (after --set {})", sets.join(", ")) };
        InputError(format!("{name}{loc}: {}{hint}", e.message().trim_end()))
    })?;
    let resolved = resolve(&scenario).map_err(|issues| describe_issues(name, &text, &issues))?;
    Ok(LoadedScenario { scenario, resolved, path: None, overrides: sets.to_vec() })
}

/// One paragraph listing every issue with its file and line.
pub fn describe_issues(name: &str, text: &str, issues: &[Issue]) -> InputError {
    let lines: Vec<String> = issues
        .iter()
        .map(|i| {
            let loc = locate(text, &i.path).map_or(String::new(), |o| format!(":{}", line_col(text, o).0));
            format!("{name}{loc}: field `{}` {}", i.path, i.message)
        })
        .collect();
    InputError(format!(
        "invalid scenario ({} problem{}):\n  {}",
        issues.len(),
        if issues.len() == 1 { "" } else { "s" },
        lines.join("\n  ")
    ))
}

/// An error message fit for a terminal: a quoted excerpt of the user's input (a value, a key,
/// a line) longer than 80 characters keeps its start and end, and says how long it was.
pub fn clip(msg: &str) -> String {
    const KEEP: usize = 80;
    let mut out = String::with_capacity(msg.len().min(4096));
    let mut rest = msg;
    while let Some(open) = rest.find(['`', '"']) {
        let q = rest[open..].chars().next().unwrap_or('"');
        out.push_str(&rest[..=open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find(q) else {
            rest = after;
            out.push_str(&clip_run(rest, KEEP));
            return out;
        };
        out.push_str(&clip_run(&after[..close], KEEP));
        out.push(q);
        rest = &after[close + 1..];
    }
    out.push_str(&clip_run(rest, 4 * KEEP));
    out
}

/// `s` itself, or its first and last characters with how many were left out.
fn clip_run(s: &str, keep: usize) -> String {
    let n = s.chars().count();
    if n <= keep {
        return s.to_string();
    }
    let head: String = s.chars().take(keep * 3 / 4).collect();
    let tail: String = s.chars().skip(n - keep / 4).collect();
    format!("{head}...{tail} ({n} characters)")
}

/// One step of a config path: a key, or an array element by index or by `id`.
#[derive(Debug, PartialEq)]
enum Seg {
    Key(String),
    Index(usize),
    Id(String),
}

/// Splits `markets[0].oracle.pool` / `markets[morpho].lltv` into segments.
fn segments(path: &str) -> Result<Vec<Seg>, String> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (key, rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if key.is_empty() {
            return Err(format!("empty key in `{path}`"));
        }
        out.push(Seg::Key(key.to_string()));
        let mut rest = rest;
        while let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']').ok_or_else(|| format!("missing `]` in `{path}`"))?;
            let sel = &r[..end];
            out.push(match sel.parse::<usize>() {
                Ok(i) => Seg::Index(i),
                Err(_) => Seg::Id(sel.to_string()),
            });
            rest = &r[end + 1..];
        }
        if !rest.is_empty() {
            return Err(format!("unexpected `{rest}` in `{path}`"));
        }
    }
    Ok(out)
}

/// Byte offset of the value at `path` in `text` (or of its nearest existing ancestor).
pub fn locate(text: &str, path: &str) -> Option<usize> {
    let doc = toml_edit::Document::parse(text).ok()?;
    let segs = segments(path).ok()?;
    let mut item: &toml_edit::Item = doc.as_item();
    let mut best = None;
    for seg in &segs {
        let next = match seg {
            Seg::Key(k) => item.get(k.as_str()),
            Seg::Index(i) => item.get(*i),
            Seg::Id(id) => find_by_id(item, id),
        };
        match next {
            Some(n) => {
                item = n;
                if let Some(s) = item.span() {
                    best = Some(s.start);
                } else if let Some(t) = item.as_table() {
                    best = t.span().map(|s| s.start).or(best);
                }
            }
            None => break,
        }
    }
    best
}

fn find_by_id<'a>(item: &'a toml_edit::Item, id: &str) -> Option<&'a toml_edit::Item> {
    let aot = item.as_array_of_tables()?;
    let k = aot.iter().position(|t| t.get("id").and_then(|v| v.as_str()) == Some(id))?;
    item.get(k)
}

/// Applies `path=value` overrides to the TOML text, keeping its layout (so line numbers in
/// later errors still point into the user's file).
pub fn apply_overrides(name: &str, text: &str, sets: &[String]) -> Result<String, InputError> {
    if sets.is_empty() {
        return Ok(text.to_string());
    }
    let mut doc: toml_edit::DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| {
        let loc =
            e.span().map_or(String::new(), |s| format!(":{}:{}", line_col(text, s.start).0, line_col(text, s.start).1));
        InputError(format!("{name}{loc}: {}", e.message()))
    })?;
    for set in sets {
        let (path, raw) = set
            .split_once('=')
            .ok_or_else(|| InputError(format!("--set {set}: expected path=value, e.g. --set markets[0].lltv=0.915")))?;
        set_path(&mut doc, path.trim(), raw.trim()).map_err(|e| InputError(format!("--set {set}: {e}")))?;
    }
    Ok(doc.to_string())
}

/// Sets the value at `path` in `doc`: the value is read as TOML (number, bool, string, array,
/// inline table); anything that is not valid TOML is taken as a string.
pub fn set_path(doc: &mut toml_edit::DocumentMut, path: &str, raw: &str) -> Result<(), String> {
    let value: toml_edit::Value = raw.parse().unwrap_or_else(|_| toml_edit::Value::from(raw));
    let segs = segments(path)?;
    let (last, parents) = segs.split_last().ok_or("empty path")?;
    let mut item: &mut toml_edit::Item = doc.as_item_mut();
    for seg in parents {
        item = match seg {
            Seg::Key(k) => {
                if item.get(k.as_str()).is_none() {
                    return Err(format!("no `{k}` in the scenario"));
                }
                &mut item[k.as_str()]
            }
            Seg::Index(i) => {
                let len = item
                    .as_array_of_tables()
                    .map(|a| a.len())
                    .or_else(|| item.as_array().map(|a| a.len()))
                    .unwrap_or(0);
                if *i >= len {
                    return Err(format!("index {i} is out of range (there are {len})"));
                }
                &mut item[*i]
            }
            Seg::Id(id) => {
                let aot = item
                    .as_array_of_tables()
                    .ok_or_else(|| format!("`[{id}]` selects by id, but this is not a list of tables"))?;
                let k = aot
                    .iter()
                    .position(|t| t.get("id").and_then(|v| v.as_str()) == Some(id.as_str()))
                    .ok_or_else(|| format!("no entry with id `{id}`"))?;
                &mut item[k]
            }
        };
    }
    match last {
        Seg::Key(k) => {
            if let Some(t) = item.as_inline_table_mut() {
                t.insert(k, value);
            } else if let Some(t) = item.as_table_like_mut() {
                t.insert(k, toml_edit::Item::Value(value));
            } else {
                return Err(format!("cannot set `{k}`: its parent is not a table"));
            }
        }
        Seg::Index(i) => {
            let arr = item.as_array_mut().ok_or("not an array")?;
            if *i >= arr.len() {
                return Err(format!("index {i} is out of range (there are {})", arr.len()));
            }
            arr.replace(*i, value);
        }
        Seg::Id(_) => return Err("a path must end in a field name".into()),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_split_into_keys_indices_and_ids() {
        assert_eq!(
            segments("markets[0].oracle.pool").unwrap(),
            vec![Seg::Key("markets".into()), Seg::Index(0), Seg::Key("oracle".into()), Seg::Key("pool".into())]
        );
        assert_eq!(
            segments("lrts[rstETH].nav").unwrap(),
            vec![Seg::Key("lrts".into()), Seg::Id("rstETH".into()), Seg::Key("nav".into())]
        );
        assert!(segments("a..b").is_err());
    }

    #[test]
    fn overrides_keep_line_numbers_and_locate_fields() {
        let text = "name = \"x\"\n\n[[markets]]\nid = \"m\"\nlltv = 0.9\noracle = { kind = \"fixed\", price = 1.0 }\n";
        let out =
            apply_overrides("f", text, &["markets[m].lltv=0.8".into(), "markets[0].oracle.price=0.5".into()]).unwrap();
        assert!(out.contains("lltv = 0.8"));
        assert!(out.contains("price = 0.5"));
        assert_eq!(line_col(&out, locate(&out, "markets[0].lltv").unwrap()).0, 5);
        assert_eq!(line_col(&out, locate(&out, "markets[0].oracle.price").unwrap()).0, 6);
        // A missing leaf falls back to its table.
        assert_eq!(line_col(&out, locate(&out, "markets[0].nothing").unwrap()).0, 3);
    }

    #[test]
    fn long_excerpts_are_clipped() {
        let long = "x".repeat(2_000_000);
        let msg = format!("f.toml:3:7: invalid type: string \"{long}\", expected f64");
        let c = clip(&msg);
        assert!(c.len() < 300, "{}", c.len());
        assert!(c.starts_with("f.toml:3:7: invalid type: string \"xxx") && c.ends_with("\", expected f64"), "{c}");
        assert!(c.contains("(2000000 characters)"));
        // Short messages are untouched.
        assert_eq!(clip("field `markets[0].lltv` must be in (0, 1)"), "field `markets[0].lltv` must be in (0, 1)");
    }

    #[test]
    fn the_baseline_loads() {
        let s = load(None, &[]).unwrap();
        assert_eq!(s.scenario.name, "baseline");
    }
}
