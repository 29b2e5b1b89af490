//! `restake report DIR`: one self-contained HTML page of a results folder — the scenario, the
//! headline numbers, every chart (embedded as data URIs: no external links), the causal chain,
//! and the stress table or the sweep summary when the folder has one. The page a risk analyst
//! would forward.

use crate::table::read_parquet;
use crate::{AnalysisError, io_err};
use base64::Engine;
use polars::prelude::*;
use std::fmt::Write;
use std::path::{Path, PathBuf};

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn fmt(v: f64) -> String {
    if v == 0.0 || v.abs() < 5e-13 {
        "0".into()
    } else if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else if v.abs() >= 1000.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.4}")
    }
}

/// Every PNG in `dir` and in its `plots/` and `worst/` folders, in name order.
fn pngs(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![];
    for d in [dir.to_path_buf(), dir.join("plots"), dir.join("worst")] {
        let mut here: Vec<PathBuf> = std::fs::read_dir(&d)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "png"))
            .collect();
        here.sort();
        out.extend(here);
    }
    out
}

/// A table of one row's numeric columns (a run's metrics), name and value.
fn metrics_table(df: &DataFrame, row: usize, t: &mut String) -> Result<(), AnalysisError> {
    let _ = writeln!(t, "<table><tr><th>metric</th><th>value</th></tr>");
    for c in df.columns() {
        if !c.dtype().is_primitive_numeric() || c.name().as_str() == "run_id" {
            continue;
        }
        let v = c.cast(&DataType::Float64)?.f64()?.get(row);
        let shown = v.map_or("-".to_string(), fmt);
        let _ = writeln!(t, "<tr><td>{}</td><td class=\"n\">{shown}</td></tr>", esc(c.name()));
    }
    let _ = writeln!(t, "</table>");
    Ok(())
}

/// Writes `dir/report.html` (written aside and renamed into place) and returns its path.
pub fn write_report(dir: &Path) -> Result<PathBuf, AnalysisError> {
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut body = String::new();
    let mut title = name.clone();
    // What the folder is: a sweep, a stress report, or a run.
    if crate::sweep_plots::is_sweep(dir) {
        let meta = crate::sweep_plots::read_meta(dir)?;
        title = format!("sweep {}", meta["name"].as_str().unwrap_or(&name));
        let _ = writeln!(
            body,
            "<p>{}</p><p>{} points × {} replications = {} runs; parameters: {}</p>",
            esc(meta["description"].as_str().unwrap_or("")),
            meta["points"],
            meta["replications"],
            meta["runs"],
            esc(&crate::sweep_plots::parameters(&meta).join(", "))
        );
        let summary = read_parquet(&dir.join("summary.parquet"))?;
        let bad = summary.filter(&summary.column("metric")?.str()?.equal("bad_debt_eth"))?;
        let _ = writeln!(
            body,
            "<h2>Bad debt per point (ETH)</h2><table><tr><th>point</th><th>mean</th><th>95% CI</th><th>VaR95</th><th>CVaR95</th></tr>"
        );
        let get = |c: &str, i: usize| {
            bad.column(c)
                .ok()
                .and_then(|s| s.cast(&DataType::Float64).ok())
                .and_then(|s| s.f64().ok().and_then(|s| s.get(i)))
        };
        for i in 0..bad.height() {
            let f = |c: &str| get(c, i).map_or("-".into(), fmt);
            let _ = writeln!(
                body,
                "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">[{}, {}]</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                f("point"),
                f("mean"),
                f("mean_ci_low"),
                f("mean_ci_high"),
                f("var95"),
                f("cvar95")
            );
        }
        let _ = writeln!(body, "</table>");
    } else if let Ok(md) = std::fs::read_to_string(dir.join("stress.md")) {
        title = format!("stress report {name}");
        let _ = writeln!(body, "<h2>Stress table</h2><pre>{}</pre>", esc(&md));
    } else {
        let runs = read_parquet(&dir.join("runs.parquet"))?;
        if let Ok(s) = runs.column("scenario").and_then(|c| c.str().cloned()) {
            title = format!("run {}", s.get(0).unwrap_or(&name));
        }
        let _ = writeln!(body, "<h2>Headline figures</h2>");
        if let Ok(text) = std::fs::read_to_string(dir.join("summary.txt")) {
            let _ = writeln!(body, "<pre>{}</pre>", esc(text.trim_end()));
        }
        let _ = writeln!(body, "<details><summary>every run metric (runs.parquet)</summary>");
        metrics_table(&runs, 0, &mut body)?;
        let _ = writeln!(body, "</details>");
        if let Ok(events) = read_parquet(&dir.join("events.parquet")) {
            let rows = crate::plots::cascade_rows(&events)?;
            if !rows.is_empty() {
                let _ = writeln!(
                    body,
                    "<h2>The causal chain</h2><table><tr><th>link</th><th>ETH moved</th><th>events</th></tr>"
                );
                for r in rows {
                    let _ = writeln!(
                        body,
                        "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                        esc(&r.label),
                        fmt(r.amount_eth),
                        r.events
                    );
                }
                let _ = writeln!(body, "</table>");
            }
        }
    }
    let _ = writeln!(body, "<h2>Charts</h2>");
    for p in pngs(dir) {
        let bytes = std::fs::read(&p).map_err(io_err(&p))?;
        let data = base64::engine::general_purpose::STANDARD.encode(bytes);
        let label = p.strip_prefix(dir).unwrap_or(&p).display().to_string();
        let _ = writeln!(
            body,
            "<figure><img alt=\"{0}\" src=\"data:image/png;base64,{data}\"><figcaption>{0}</figcaption></figure>",
            esc(&label)
        );
    }
    if let Ok(m) = std::fs::read_to_string(dir.join("manifest.json")) {
        let _ = writeln!(
            body,
            "<details><summary>manifest.json (scenario, version, timings)</summary><pre>{}</pre></details>",
            esc(&m)
        );
    }
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title><style>\
         body{{font-family:sans-serif;max-width:1200px;margin:2em auto;color:#1e1e1e}}\
         table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #ccc;padding:3px 8px}}\
         td.n{{text-align:right;font-variant-numeric:tabular-nums}}img{{max-width:100%}}\
         pre{{background:#f6f6f6;padding:1em;overflow:auto;white-space:pre-wrap}}</style></head><body>\n<h1>{t}</h1>\n{body}</body></html>\n",
        t = esc(&title)
    );
    let out = dir.join("report.html");
    let tmp = dir.join(".report.html.tmp");
    std::fs::write(&tmp, html).map_err(io_err(&tmp))?;
    std::fs::rename(&tmp, &out).map_err(io_err(&out))?;
    Ok(out)
}
