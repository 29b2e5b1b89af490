//! The stress report: one row per stress with intervals across replications (stress.md and the
//! terminal), every run (stress_runs.parquet), every metric's statistics per stress
//! (stress_summary.parquet), and the worst case's steps, events and charts (worst/).

use super::{Row, row_seed};
use crate::Failure;
use crate::input::LoadedScenario;
use crate::runner::{run_into, run_row};
use anyhow::Context;
use restake_agents::observe::Summary;
use restake_agents::observe::metrics::names as m;
use restake_analysis::recorder::RecordPlan;
use restake_analysis::risk::MetricSummary;
use restake_analysis::runs::runs_frame;
use restake_analysis::{Value, files, plots, risk, table};
use std::fmt::Write;
use std::path::Path;

/// A metric's values over a row's successful runs.
fn values(row: &Row, name: &str) -> Vec<f64> {
    row.runs.iter().filter_map(|r| r.as_ref().ok()).filter_map(|s| s.get(name)).collect()
}

/// "mean [p05-p95]" (or the mean alone for one run), `scale` applied, `-` without values.
fn cell(v: &[f64], scale: f64, digits: usize) -> String {
    let s = MetricSummary::of(v, restake_agents::observe::metrics::Tail::Upper);
    let f = |x: Option<f64>| x.map_or("-".to_string(), |x| fmt(x * scale, digits));
    match s.n {
        0 => "-".into(),
        1 => f(s.mean),
        _ => format!("{} [{}–{}]", f(s.mean), f(s.p05), f(s.p95)),
    }
}

fn fmt(x: f64, digits: usize) -> String {
    // No "-0.0": a value that rounds to zero prints as 0.
    let r = if x.abs() < 0.5 * 10f64.powi(-(digits as i32)) { 0.0 } else { x };
    if digits == 0 {
        let s = format!("{}", r.round().abs() as u64);
        let n = s.len();
        let body: String = s
            .chars()
            .enumerate()
            .flat_map(|(k, c)| (k > 0 && (n - k) % 3 == 0).then_some(',').into_iter().chain([c]))
            .collect();
        if r < 0.0 { format!("-{body}") } else { body }
    } else {
        format!("{r:.digits$}")
    }
}

/// The first LRT of the row's scenario (its id), for the per-LRT columns.
fn first_lrt(row: &Row) -> Option<String> {
    row.loaded.as_ref().and_then(|l| l.scenario.lrts.first().map(|x| x.id.clone()))
}

/// The columns of the table: (heading, cell of a row).
fn columns() -> Vec<(&'static str, Box<dyn Fn(&Row) -> String>)> {
    let lrt = |metric: &'static str, scale: f64, digits: usize| -> Box<dyn Fn(&Row) -> String> {
        Box::new(move |r: &Row| {
            first_lrt(r).map_or("-".into(), |id| cell(&values(r, &format!("lrt.{id}.{metric}")), scale, digits))
        })
    };
    let run = |metric: &'static str, scale: f64, digits: usize| -> Box<dyn Fn(&Row) -> String> {
        Box::new(move |r: &Row| cell(&values(r, metric), scale, digits))
    };
    vec![
        ("liquidated debt (ETH)", run(m::LIQUIDATED_DEBT, 1.0, 0)),
        ("bad debt (ETH)", run(m::BAD_DEBT, 1.0, 0)),
        ("peak insolvent debt (ETH)", run(m::PEAK_NET_INSOLVENT, 1.0, 0)),
        ("max depeg (%)", lrt(m::MAX_DEPEG, 100.0, 1)),
        ("h beyond 1%", lrt(m::HOURS_DEPEGGED_1PCT, 1.0, 0)),
        ("peak queue (ETH)", lrt(m::PEAK_QUEUE, 1.0, 0)),
        ("peak wait (d)", lrt("peak_wait_days", 1.0, 1)),
        ("holders' loss (%)", run(m::LOSS_HOLDERS, 100.0, 1)),
        ("loopers' loss (%)", run(m::LOSS_LOOPERS, 100.0, 1)),
        ("borrowers' loss (%)", run(m::LOSS_BORROWERS, 100.0, 1)),
        ("cascade depth", run(m::CASCADE_DEPTH, 1.0, 1)),
    ]
}

/// The table as Markdown, one row per stress.
pub fn table_text(rows: &[Row]) -> String {
    let cols = columns();
    let mut t = String::new();
    let _ = write!(t, "| stress | risk |");
    for (h, _) in &cols {
        let _ = write!(t, " {h} |");
    }
    let _ = write!(t, "\n|---|---|");
    for _ in &cols {
        let _ = write!(t, "---|");
    }
    t.push('\n');
    for r in rows {
        let _ = write!(t, "| {} | {} |", r.stress.name, r.stress.risk);
        if let Some(why) = &r.skipped {
            let _ = writeln!(t, " does not apply: {} |{}", first_line(why), " |".repeat(cols.len() - 1));
            continue;
        }
        let failed = r.runs.iter().filter(|x| x.is_err()).count();
        for (k, (_, f)) in cols.iter().enumerate() {
            let mut c = f(r);
            if k == 0 && failed > 0 {
                c = format!("{c} ({failed} runs failed)");
            }
            let _ = write!(t, " {c} |");
        }
        t.push('\n');
    }
    t
}

/// The reason in one line: the first issue of a list, without the file it came from.
fn first_line(s: &str) -> String {
    let mut lines = s.lines();
    let head = lines.next().unwrap_or_default();
    let line = if head.trim_end().ends_with(':') { lines.next().unwrap_or(head) } else { head };
    let line = line.trim().trim_start_matches("- ");
    let line = if line.contains(".toml") || line.contains("<built-in") {
        line.splitn(2, ": ").nth(1).unwrap_or(line)
    } else {
        line
    };
    line.replace('|', "/")
}

/// Per market: bad and peak net insolvent debt (at the oracle and at the pool).
fn market_text(rows: &[Row]) -> String {
    let mut t = String::from(
        "| stress | market | bad debt (ETH) | peak insolvent at oracle (ETH) | at pool (ETH) |\n|---|---|---|---|---|\n",
    );
    for r in rows {
        let Some(l) = &r.loaded else { continue };
        for mk in &l.scenario.markets {
            let v = |x: &str| cell(&values(r, &format!("market.{}.{x}", mk.id)), 1.0, 0);
            let _ = writeln!(
                t,
                "| {} | {} | {} | {} | {} |",
                r.stress.name,
                mk.id,
                v(m::BAD_DEBT),
                v(m::PEAK_NET_INSOLVENT),
                v(m::PEAK_NET_INSOLVENT_POOL)
            );
        }
    }
    t
}

/// How bad a run was, for picking the worst case: bad plus insolvent debt, then retail loss.
fn severity(s: &Summary) -> (f64, f64) {
    let g = |n: &str| s.get(n).filter(|x| x.is_finite()).unwrap_or(0.0);
    (g(m::BAD_DEBT) + g(m::PEAK_NET_INSOLVENT), g(m::RETAIL_LOSS_MEAN))
}

/// Writes every output into `dir`; returns the names written.
pub fn write(dir: &Path, rows: &[Row], seeds: &[u64], user: &LoadedScenario, at: f64) -> Result<Vec<String>, Failure> {
    let mut written = Vec::new();
    // Every run.
    let mut run_rows = Vec::new();
    for (p, r) in rows.iter().enumerate() {
        for (k, res) in r.runs.iter().enumerate() {
            let id = (p * seeds.len() + k) as u32;
            let params = [
                ("stress".to_string(), Value::Str(r.stress.name.clone())),
                ("risk".to_string(), Value::Str(r.stress.risk.clone())),
            ];
            let mut row = match res {
                Ok(s) => run_row(id, &r.stress.name, row_seed(r, seeds, k), k as u32, &params, s),
                Err(e) => {
                    let mut row = restake_analysis::RunRow::header(id, &r.stress.name, row_seed(r, seeds, k), k as u32);
                    for (n, v) in &params {
                        row.push(n.clone(), v.clone());
                    }
                    row.push_failure(e);
                    row
                }
            };
            row.push("point", Value::I64(p as i64));
            run_rows.push(row);
        }
    }
    let mut runs = runs_frame(&run_rows).map_err(|e| Failure::Run(e.into()))?;
    table::write_parquet(&dir.join("stress_runs.parquet"), &mut runs).map_err(|e| Failure::Run(e.into()))?;
    written.push("stress_runs.parquet".to_string());
    let mut summary =
        risk::summary_frame(&runs, &["stress".to_string(), "risk".to_string()]).map_err(|e| Failure::Run(e.into()))?;
    table::write_parquet(&dir.join("stress_summary.parquet"), &mut summary).map_err(|e| Failure::Run(e.into()))?;
    written.push("stress_summary.parquet".to_string());

    // The worst case: the stress whose mean severity is highest, its worst replication.
    let mean_severity = |r: &Row| {
        let v: Vec<(f64, f64)> = r.runs.iter().filter_map(|x| x.as_ref().ok()).map(severity).collect();
        let n = v.len().max(1) as f64;
        (v.iter().map(|x| x.0).sum::<f64>() / n, v.iter().map(|x| x.1).sum::<f64>() / n)
    };
    let worst =
        rows.iter().enumerate().filter(|(_, r)| r.loaded.is_some() && r.stress.risk != "reference").max_by(|a, b| {
            let (x, y) = (mean_severity(a.1), mean_severity(b.1));
            x.0.total_cmp(&y.0).then(x.1.total_cmp(&y.1))
        });
    let mut worst_line = String::from("no stress ran");
    if let Some((_, r)) = worst {
        let (k, _) = r
            .runs
            .iter()
            .enumerate()
            .filter_map(|(k, x)| x.as_ref().ok().map(|s| (k, severity(s))))
            .max_by(|a, b| a.1.0.total_cmp(&b.1.0).then(a.1.1.total_cmp(&b.1.1)))
            .unwrap_or((0, (0.0, 0.0)));
        let l = r.loaded.as_ref().expect("filtered");
        let wdir = dir.join("worst");
        std::fs::create_dir_all(&wdir).context("cannot create worst/")?;
        let seed = row_seed(r, seeds, k);
        let result = run_into(&wdir, &l.resolved, seed, 0, RecordPlan::default(), false)?;
        let row = run_row(0, &r.stress.name, seed, k as u32, &[], &result.summary);
        table::write_parquet(&wdir.join(files::RUNS), &mut runs_frame(&[row]).map_err(|e| Failure::Run(e.into()))?)
            .map_err(|e| Failure::Run(e.into()))?;
        let drawn = plots::plot_run(&wdir, 0, &format!("{} under {}", user.scenario.name, r.stress.name))
            .map_err(|e| Failure::Run(e.into()))?;
        for f in drawn {
            written.push(format!("worst/{}", f.file_name().unwrap_or_default().to_string_lossy()));
        }
        worst_line = format!(
            "worst case: `{}`, replication {k} (seed {}): steps, events and charts in worst/",
            r.stress.name, seeds[k]
        );
    }

    // The page.
    let mut md = String::new();
    let _ = writeln!(md, "# Stress report: {}\n", user.scenario.name);
    let _ = writeln!(
        md,
        "Each stress replaces the scenario's own shocks and starts {:.0} h into its {} run; {} replications \
         per stress with the same seeds (mean [5th–95th percentile] across them). `none` is the scenario \
         without shocks, `as given` with its own.\n",
        at / 3600.0,
        user.scenario.time.duration,
        seeds.len()
    );
    md.push_str(&table_text(rows));
    let _ = writeln!(md, "\n## Per market\n");
    md.push_str(&market_text(rows));
    let _ = writeln!(md, "\n## The stresses\n");
    for r in rows.iter().filter(|r| r.stress.risk != "reference") {
        let _ = writeln!(md, "- **{}** ({}): {}", r.stress.name, r.stress.risk, r.stress.summary);
        if !r.stress.resembles.is_empty() {
            let _ = writeln!(md, "  Resembles: {}", r.stress.resembles);
        }
        if let Some(why) = &r.skipped {
            let _ = writeln!(md, "  Not applied here: {}", first_line(why));
        }
    }
    let _ = writeln!(md, "\n{worst_line}.");
    std::fs::write(dir.join("stress.md"), md).context("cannot write stress.md")?;
    written.insert(0, "stress.md".to_string());
    Ok(written)
}
