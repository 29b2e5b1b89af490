//! Figures drawn from saved results (so `restake plot DIR` and `run` draw the same thing).

use crate::table::read_parquet;
use crate::{AnalysisError, files};
use polars::prelude::*;
use restake_agents::observe::columns::names;
use restake_plot::{DominoChart, LiquidationBar, LiquidityCrisisChart, Series, ShockMarker};
use std::path::{Path, PathBuf};

/// The rows of `df` that belong to run `run_id`.
fn of_run(df: &DataFrame, run_id: u32) -> Result<DataFrame, AnalysisError> {
    let mask = df.column("run_id")?.u32()?.equal(run_id);
    Ok(df.filter(&mask)?)
}

fn f64_values(df: &DataFrame, name: &str) -> Result<Vec<f64>, AnalysisError> {
    let c = df.column(name)?.cast(&DataType::Float64)?;
    Ok(c.f64()?.iter().map(|x| x.unwrap_or(f64::NAN)).collect())
}

fn series(df: &DataFrame, hours: &[f64], column: &str, label: String) -> Result<Series, AnalysisError> {
    let v = f64_values(df, column)?;
    Ok(Series::new(label, hours.iter().copied().zip(v).collect()))
}

/// Columns of `steps` named `<kind>.<id>.<metric>`, as (id, column name).
fn entity_columns(df: &DataFrame, kind: &str, metric: &str) -> Vec<(String, String)> {
    df.get_column_names()
        .iter()
        .filter_map(|n| {
            let s = n.as_str();
            let rest = s.strip_prefix(kind)?.strip_prefix('.')?.strip_suffix(metric)?.strip_suffix('.')?;
            Some((rest.to_string(), s.to_string()))
        })
        .collect()
}

fn str_values(df: &DataFrame, name: &str) -> Result<Vec<Option<String>>, AnalysisError> {
    Ok(df.column(name)?.str()?.iter().map(|s| s.map(str::to_string)).collect())
}

/// Utilisation per isolated market (`market.<id>.utilisation`) and per loan reserve of pooled
/// markets (`market.<id>.<asset>.utilisation`, which replace the pooled market's own maximum).
fn utilisation_series(steps: &DataFrame, hours: &[f64]) -> Result<Vec<Series>, AnalysisError> {
    let cols = entity_columns(steps, "market", names::MARKET_UTILISATION);
    let ids: Vec<&String> = cols.iter().map(|(id, _)| id).collect();
    cols.iter()
        .filter(|(id, _)| {
            !ids.iter().any(|other| {
                other.len() > id.len() && other.starts_with(id.as_str()) && other.as_bytes()[id.len()] == b'.'
            })
        })
        .map(|(id, col)| series(steps, hours, col, id.clone()))
        .collect()
}

/// Draws the domino and liquidity-crisis charts of run `run_id` from the files in `dir`.
/// Returns the paths written.
pub fn plot_run(dir: &Path, run_id: u32, title: &str) -> Result<Vec<PathBuf>, AnalysisError> {
    let steps = of_run(&read_parquet(&dir.join(files::STEPS))?, run_id)?;
    let events = of_run(&read_parquet(&dir.join(files::EVENTS))?, run_id)?;
    if steps.height() == 0 {
        return Err(AnalysisError::Data(format!("no steps recorded for run {run_id} in {}", dir.display())));
    }
    let hours = f64_values(&steps, "hours")?;

    let mut prices = Vec::new();
    for (id, col) in entity_columns(&steps, "lrt", names::LRT_PRICE) {
        prices.push(series(&steps, &hours, &col, format!("{id} pool price"))?);
        prices.push(series(&steps, &hours, &format!("lrt.{id}.{}", names::LRT_NAV), format!("{id} NAV"))?);
    }
    for (id, col) in entity_columns(&steps, "market", names::MARKET_ORACLE) {
        prices.push(series(&steps, &hours, &col, format!("{id} oracle"))?);
    }

    let kinds = str_values(&events, "kind")?;
    let ev_hours = f64_values(&events, "hours")?;
    let entities = str_values(&events, "entity")?;
    let labels = str_values(&events, "label")?;
    let rounds: Vec<u32> = events.column("round")?.u32()?.iter().map(|x| x.unwrap_or(0)).collect();
    let repaid = f64_values(&events, "amount_eth")?;
    let mut liquidations = Vec::new();
    let mut shocks = Vec::new();
    for k in 0..events.height() {
        match kinds[k].as_deref() {
            Some("liquidation") => liquidations.push(LiquidationBar {
                t: ev_hours[k],
                market: entities[k].clone().unwrap_or_default(),
                round: rounds[k],
                debt_repaid: repaid[k],
            }),
            Some("shock") => {
                shocks.push(ShockMarker { t: ev_hours[k], label: labels[k].clone().unwrap_or_else(|| "shock".into()) })
            }
            _ => {}
        }
    }
    let mut bad = vec![0.0; hours.len()];
    for (_, col) in entity_columns(&steps, "market", names::MARKET_BAD_DEBT) {
        for (b, x) in bad.iter_mut().zip(f64_values(&steps, &col)?) {
            *b += x;
        }
    }
    let mut cum = 0.0;
    let bad_debt = Series::new(
        "cumulative bad debt (ETH)",
        hours
            .iter()
            .zip(&bad)
            .map(|(&h, &b)| {
                cum += b;
                (h, cum)
            })
            .collect(),
    );

    let domino = DominoChart {
        title: format!("{title}: liquidation dominoes"),
        time_label: "time since start".into(),
        prices,
        eth_usd: Some(series(&steps, &hours, names::ETH_USD, "ETH/USD".into())?),
        liquidations,
        bad_debt: Some(bad_debt),
        shocks: shocks.clone(),
    };
    let mut written = Vec::new();
    let png = dir.join("domino.png");
    restake_plot::domino_chart(&domino, &png, &dir.join("domino.svg"))
        .map_err(|e| AnalysisError::Plot(e.to_string()))?;
    written.push(png);

    let many = |kind: &str, metric: &str| -> Result<Vec<Series>, AnalysisError> {
        entity_columns(&steps, kind, metric).into_iter().map(|(id, col)| series(&steps, &hours, &col, id)).collect()
    };
    // Redemption queues of LRTs and lenders' withdrawal queues of markets, both in ETH.
    let mut queue = many("lrt", names::LRT_QUEUE)?;
    for (id, col) in entity_columns(&steps, "market", names::MARKET_WITHDRAWAL_QUEUE) {
        queue.push(series(&steps, &hours, &col, format!("{id} lenders"))?);
    }
    let crisis = LiquidityCrisisChart {
        title: format!("{title}: liquidity"),
        time_label: "time since start".into(),
        pool_imbalance: many("pool", names::POOL_LRT_SHARE)?,
        queue,
        queue_wait: many("lrt", names::LRT_WAIT)?,
        buffer: many("lrt", names::LRT_BUFFER)?,
        utilisation: utilisation_series(&steps, &hours)?,
        shocks,
    };
    let png = dir.join("liquidity.png");
    restake_plot::liquidity_crisis_chart(&crisis, &png, &dir.join("liquidity.svg"))
        .map_err(|e| AnalysisError::Plot(e.to_string()))?;
    written.push(png);
    Ok(written)
}
