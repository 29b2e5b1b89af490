//! Figures drawn from saved results (so `restake plot DIR` and `run` draw the same thing).

use crate::table::read_parquet;
use crate::{AnalysisError, files};
use polars::prelude::*;
use restake_agents::observe::columns::names;
use restake_plot::{CascadeChart, CascadeRow, DominoChart, LiquidationBar, LiquidityCrisisChart, Series, ShockMarker};
use std::path::{Path, PathBuf};

/// The rows of `df` that belong to run `run_id`.
fn of_run(df: &DataFrame, run_id: u32) -> Result<DataFrame, AnalysisError> {
    // runs.parquet stores run ids as i64, the step and event tables as u32.
    let mask = df.column("run_id")?.cast(&DataType::UInt32)?.u32()?.equal(run_id);
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

/// Most rows of the cascade chart; deeper links are summed into the last.
const CASCADE_ROWS: usize = 16;

/// The causal chain of a run's events (those with a cause, and the shocks at their roots),
/// summed per depth and kind (per round for liquidations), in causal order.
pub(crate) fn cascade_rows(events: &DataFrame) -> Result<Vec<CascadeRow>, AnalysisError> {
    let kinds = str_values(events, "kind")?;
    let entities = str_values(events, "entity")?;
    let depth: Vec<u32> =
        events.column("depth")?.cast(&DataType::UInt32)?.u32()?.iter().map(|x| x.unwrap_or(0)).collect();
    let rounds: Vec<u32> =
        events.column("round")?.cast(&DataType::UInt32)?.u32()?.iter().map(|x| x.unwrap_or(0)).collect();
    let caused: Vec<bool> = events.column("cause")?.is_not_null().iter().map(|x| x.unwrap_or(false)).collect();
    let amount_eth = f64_values(events, "amount_eth")?;
    let bad_debt = f64_values(events, "bad_debt_eth")?;
    // (row, index of its first event): rows in the order the chain reached them.
    let mut rows: Vec<CascadeRow> = Vec::new();
    let mut first: Vec<usize> = Vec::new();
    for i in 0..events.height() {
        let kind = kinds[i].as_deref().unwrap_or("");
        let amount = if kind == "bad_debt" { bad_debt[i] } else { amount_eth[i] };
        // The chain's links that moved ETH (requests and the like move none), and its root.
        if !(caused[i] || kind == "shock") || !amount.is_finite() || (amount == 0.0 && kind != "shock") {
            continue;
        }
        let label = match kind {
            "liquidation" => format!("liquidation round {}", rounds[i]),
            "shock" => "shock".to_string(),
            k => format!("{k} {}", entities[i].as_deref().unwrap_or("")).trim_end().to_string(),
        };
        match rows.iter_mut().find(|r| r.depth == depth[i] && r.label == label) {
            Some(r) => {
                r.amount_eth += amount.abs();
                r.events += 1;
            }
            None => {
                rows.push(CascadeRow { depth: depth[i], label, amount_eth: amount.abs(), events: 1 });
                first.push(i);
            }
        }
    }
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by_key(|&r| (rows[r].depth, first[r]));
    let mut rows: Vec<CascadeRow> = order.into_iter().map(|r| rows[r].clone()).collect();
    if rows.len() > CASCADE_ROWS {
        let rest = rows.split_off(CASCADE_ROWS - 1);
        rows.push(CascadeRow {
            depth: rest[0].depth,
            label: format!("{} deeper links", rest.len()),
            amount_eth: rest.iter().map(|r| r.amount_eth).sum(),
            events: rest.iter().map(|r| r.events).sum(),
        });
    }
    Ok(rows)
}

/// The domino chart cut to the cascade: from three steps before the first liquidation to three
/// steps after the one by which 95% of the liquidated debt was repaid, so each step's bar (its
/// rounds stacked) is wide enough to read. None without liquidations, or when the window would
/// cover most of the run anyway.
fn cascade_window(c: &DominoChart, step_hours: f64, end: f64) -> Option<DominoChart> {
    let mut bars: Vec<&LiquidationBar> = c.liquidations.iter().collect();
    if bars.is_empty() {
        return None;
    }
    bars.sort_by(|a, b| a.t.total_cmp(&b.t));
    let total: f64 = bars.iter().map(|b| b.debt_repaid).sum();
    let mut acc = 0.0;
    let t95 = bars
        .iter()
        .find(|b| {
            acc += b.debt_repaid;
            acc >= 0.95 * total
        })
        .map_or(bars[bars.len() - 1].t, |b| b.t);
    let lo = (bars[0].t - 3.0 * step_hours).max(0.0);
    let hi = (t95 + 3.0 * step_hours).min(end);
    if hi - lo > 0.5 * end {
        return None;
    }
    let inside = |t: f64| t >= lo - 1e-9 && t <= hi + 1e-9;
    let cut = |s: &Series| Series::new(s.label.clone(), s.points.iter().copied().filter(|p| inside(p.0)).collect());
    Some(DominoChart {
        title: format!("{}, the cascade ({:.0} h to {:.0} h)", c.title, lo, hi),
        time_label: c.time_label.clone(),
        prices: c.prices.iter().map(cut).collect(),
        eth_usd: c.eth_usd.as_ref().map(cut),
        liquidations: c.liquidations.iter().filter(|b| inside(b.t)).cloned().collect(),
        bad_debt: c.bad_debt.as_ref().map(cut),
        shocks: c.shocks.iter().filter(|s| inside(s.t)).cloned().collect(),
    })
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
    let cascade = cascade_rows(&events)?;
    if !cascade.is_empty() {
        let png = dir.join("cascade.png");
        let c = CascadeChart { title: format!("{title}: the causal chain, link by link"), rows: cascade };
        restake_plot::cascade_chart(&c, &png, &dir.join("cascade.svg"))
            .map_err(|e| AnalysisError::Plot(e.to_string()))?;
        written.push(png);
    }
    let step_hours = if hours.len() > 1 { hours[1] - hours[0] } else { 1.0 };
    if let Some(zoom) = cascade_window(&domino, step_hours, hours.last().copied().unwrap_or(0.0)) {
        let png = dir.join("domino-cascade.png");
        restake_plot::domino_chart(&zoom, &png, &dir.join("domino-cascade.svg"))
            .map_err(|e| AnalysisError::Plot(e.to_string()))?;
        written.push(png);
    }

    let many = |kind: &str, metric: &str| -> Result<Vec<Series>, AnalysisError> {
        entity_columns(&steps, kind, metric).into_iter().map(|(id, col)| series(&steps, &hours, &col, id)).collect()
    };
    // Redemption queues of LRTs and lenders' withdrawal queues of markets, both in ETH.
    let mut queue = many("lrt", names::LRT_QUEUE)?;
    for (id, col) in entity_columns(&steps, "market", names::MARKET_WITHDRAWAL_QUEUE) {
        queue.push(series(&steps, &hours, &col, format!("{id} lenders"))?);
    }
    let mut insolvent = Vec::new();
    for (id, col) in entity_columns(&steps, "market", names::MARKET_INSOLVENT) {
        insolvent.push(series(&steps, &hours, &col, format!("{id} at oracle"))?);
        insolvent.push(series(
            &steps,
            &hours,
            &format!("market.{id}.{}", names::MARKET_INSOLVENT_POOL),
            format!("{id} at pool"),
        )?);
    }
    let cumulative = |kind: &str, metric: &str| -> Result<Vec<Series>, AnalysisError> {
        let mut out = many(kind, metric)?;
        for s in out.iter_mut() {
            let mut sum = 0.0;
            for p in s.points.iter_mut() {
                sum += if p.1.is_finite() { p.1 } else { 0.0 };
                p.1 = sum;
            }
        }
        Ok(out)
    };
    let crisis = LiquidityCrisisChart {
        title: format!("{title}: liquidity"),
        time_label: "time since start".into(),
        notes: run_notes(dir, run_id).unwrap_or_default(),
        pool_imbalance: many("pool", names::POOL_LRT_SHARE)?,
        depeg: many("lrt", names::LRT_DEPEG)?,
        queue,
        queue_wait: many("lrt", names::LRT_WAIT)?,
        buffer: many("lrt", names::LRT_BUFFER)?,
        utilisation: utilisation_series(&steps, &hours)?,
        insolvent,
        exit_cost: cumulative("lrt", names::LRT_DISCOUNT_COST)?,
        lp_withdrawn: cumulative("pool", names::POOL_LP_WITHDRAWN)?,
        shocks,
    };
    let png = dir.join("liquidity.png");
    restake_plot::liquidity_crisis_chart(&crisis, &png, &dir.join("liquidity.svg"))
        .map_err(|e| AnalysisError::Plot(e.to_string()))?;
    written.push(png);
    Ok(written)
}

/// Headline liquidity figures of run `run_id` from `runs.parquet` in `dir`, one line per LRT and
/// per pool whose providers may leave (None if the file is not there).
fn run_notes(dir: &Path, run_id: u32) -> Option<Vec<String>> {
    use restake_agents::observe::metrics::names as m;
    let runs = of_run(&read_parquet(&dir.join(files::RUNS)).ok()?, run_id).ok()?;
    let get = |col: &str| f64_values(&runs, col).ok().and_then(|v| v.first().copied());
    let mut notes = Vec::new();
    let lrts: Vec<String> = entity_columns(&runs, "lrt", m::PEAK_QUEUE).into_iter().map(|(id, _)| id).collect();
    for id in lrts {
        let f = |metric: &str| get(&format!("lrt.{id}.{metric}")).unwrap_or(f64::NAN);
        let wait = if f("redeemed_eth") > 0.0 {
            format!("longest realised wait {:.1} d", f(m::LONGEST_REALISED_WAIT))
        } else {
            "no redemption paid".to_string()
        };
        notes.push(format!(
            "{id}: peak queue {} ETH, {wait}, lowest buffer {} ETH, {:.0} h beyond 1% ({:.0} h touching), {:.0} h beyond 5% ({:.0} h touching), {} sold below NAV at a cost of {} ETH",
            thousands(f(m::PEAK_QUEUE)),
            thousands(f(m::LOWEST_BUFFER)),
            f(m::HOURS_DEPEGGED_1PCT),
            f(m::HOURS_TOUCHING_1PCT),
            f(m::HOURS_DEPEGGED_5PCT),
            f(m::HOURS_TOUCHING_5PCT),
            thousands(f(m::SOLD_BELOW_NAV)),
            thousands(f(m::DISCOUNT_COST)),
        ));
    }
    for (id, _) in entity_columns(&runs, "pool", m::PEAK_POOL_IMBALANCE) {
        let f = |metric: &str| get(&format!("pool.{id}.{metric}"));
        let share = f(m::PEAK_POOL_IMBALANCE).unwrap_or(f64::NAN);
        let mut line = format!("{id}: peak LRT share {:.0}%", 100.0 * share);
        if let Some(w) = f(m::LP_WITHDRAWN).filter(|&w| w > 0.0) {
            line.push_str(&format!(", {} ETH withdrawn by LPs", thousands(w)));
        }
        notes.push(line);
    }
    for (id, _) in entity_columns(&runs, "market", m::PEAK_NET_INSOLVENT) {
        let f = |metric: &str| get(&format!("market.{id}.{metric}")).unwrap_or(f64::NAN);
        notes.push(format!(
            "{id}: peak net insolvent debt {} ETH at the oracle, {} ETH at the pool",
            thousands(f(m::PEAK_NET_INSOLVENT)),
            thousands(f(m::PEAK_NET_INSOLVENT_POOL))
        ));
    }
    Some(notes)
}

/// `x` rounded to a whole number with thousands separators ("12,345"); "-" if not finite.
fn thousands(x: f64) -> String {
    if !x.is_finite() {
        return "-".into();
    }
    let r = x.round();
    let digits = format!("{}", r.abs() as u64);
    let mut out = String::new();
    for (k, ch) in digits.chars().enumerate() {
        if k > 0 && (digits.len() - k) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if r < 0.0 { format!("-{out}") } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(t: f64, debt: f64) -> LiquidationBar {
        LiquidationBar { t, market: "m".into(), round: 1, debt_repaid: debt }
    }

    #[test]
    fn the_cascade_rows_follow_the_chain_and_sum_its_amounts() {
        // A shock, its slash, a NAV loss, two round-1 liquidations, one in round 2, a bad debt,
        // and an unrelated redemption request (no cause, no ETH): left out.
        let df = df!(
            "kind" => ["shock", "avs_slash", "nav_loss", "liquidation", "liquidation", "liquidation", "bad_debt", "redemption_request"],
            "entity" => ["", "avs-a", "rstETH", "m", "m", "m", "m", "rstETH"],
            "depth" => [0u32, 0, 0, 1, 1, 2, 2, 0],
            "round" => [0u32, 0, 0, 1, 1, 2, 2, 0],
            "cause" => [None, Some(0u64), Some(1), Some(2), Some(2), Some(3), Some(5), None],
            "amount_eth" => [0.0, 100.0, 90.0, 10.0, 20.0, 5.0, 0.0, 0.0],
            "bad_debt_eth" => [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.5, 0.0],
        )
        .unwrap();
        let rows = cascade_rows(&df).unwrap();
        let got: Vec<(&str, f64, u32)> = rows.iter().map(|r| (r.label.as_str(), r.amount_eth, r.events)).collect();
        assert_eq!(
            got,
            [
                ("shock", 0.0, 1),
                ("avs_slash avs-a", 100.0, 1),
                ("nav_loss rstETH", 90.0, 1),
                ("liquidation round 1", 30.0, 2),
                ("liquidation round 2", 5.0, 1),
                ("bad_debt m", 1.5, 1),
            ]
        );
    }

    #[test]
    fn the_cascade_window_runs_from_three_steps_before_to_three_after_95_percent() {
        // 100 + 900 of 1,001 ETH are repaid by t = 11 (99.9% >= 95%): the window is 10 - 3 to
        // 11 + 3 hours, and the straggler at t = 50 is left out.
        let c = DominoChart {
            title: "t".into(),
            liquidations: vec![bar(10.0, 100.0), bar(11.0, 900.0), bar(50.0, 1.0)],
            prices: vec![Series::new("p", (0..100).map(|h| (h as f64, 1.0)).collect())],
            ..Default::default()
        };
        let z = cascade_window(&c, 1.0, 100.0).unwrap();
        assert_eq!(z.liquidations.len(), 2);
        assert_eq!(z.prices[0].points.first().unwrap().0, 7.0);
        assert_eq!(z.prices[0].points.last().unwrap().0, 14.0);
        assert!(z.title.ends_with("the cascade (7 h to 14 h)"), "{}", z.title);
        // No liquidations, or a cascade as long as the run: no zoom.
        assert!(cascade_window(&DominoChart::default(), 1.0, 100.0).is_none());
        let long = DominoChart { liquidations: vec![bar(5.0, 1.0), bar(90.0, 1.0)], ..Default::default() };
        assert!(cascade_window(&long, 1.0, 100.0).is_none());
    }
}
