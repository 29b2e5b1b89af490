//! Renders every chart from synthetic but realistic data, for looking at.
//!
//!     cargo run -p restake-plot --example gallery -- /tmp/gallery

use std::path::PathBuf;

use restake_plot::*;

/// A tiny deterministic noise source (no dependency on rand for an example).
struct Noise(u64);
impl Noise {
    fn uniform(&mut self) -> f64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 11) as f64) / ((1u64 << 53) as f64)
    }
    fn normal(&mut self) -> f64 {
        let u1 = self.uniform().max(1e-12);
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
}

fn smooth_step(t: f64, t0: f64, t1: f64) -> f64 {
    let x = ((t - t0) / (t1 - t0)).clamp(0.0, 1.0);
    x * x * (3.0 - 2.0 * x)
}

fn domino(n: &mut Noise) -> DominoChart {
    let dt = 5.0 / 60.0; // five-minute steps
    let steps = (72.0 / dt) as usize;
    let ts: Vec<f64> = (0..=steps).map(|i| i as f64 * dt).collect();
    let nav_ez: Vec<(f64, f64)> = ts.iter().map(|&t| (t, if t < 24.0 { 1.0 } else { 0.97 })).collect();
    let mut dev = 0.0;
    let pool_ez: Vec<(f64, f64)> = ts
        .iter()
        .map(|&t| {
            dev = 0.97 * dev + 0.0008 * n.normal();
            let crash = 0.10 * smooth_step(t, 24.0, 24.6);
            let recover = 0.055 * smooth_step(t, 25.0, 48.0);
            (t, 0.999 - crash + recover + dev)
        })
        .collect();
    let mut dev2 = 0.0;
    let pool_we: Vec<(f64, f64)> = ts
        .iter()
        .map(|&t| {
            dev2 = 0.97 * dev2 + 0.0005 * n.normal();
            let dip = 0.022 * smooth_step(t, 24.3, 25.5) - 0.018 * smooth_step(t, 26.0, 40.0);
            (t, 0.998 - dip + dev2)
        })
        .collect();
    let nav_we: Vec<(f64, f64)> = ts.iter().map(|&t| (t, 1.0)).collect();
    let mut eth = 3200.0;
    let eth_usd: Vec<(f64, f64)> = ts
        .iter()
        .map(|&t| {
            eth *= 1.0 + 0.0012 * n.normal();
            if (t - 24.0).abs() < dt / 2.0 {
                eth *= 0.95;
            }
            (t, eth)
        })
        .collect();
    let mut liqs = Vec::new();
    let rounds = [(1u32, 24.0, 24.75, 900.0), (2, 25.0, 26.0, 600.0), (3, 26.0, 27.0, 300.0)];
    for (round, a, b, scale) in rounds {
        let mut t = a;
        while t < b {
            for (market, share) in [("Morpho ezETH/WETH", 1.0), ("Aave v3 ezETH", 0.55)] {
                let v = scale * share * (0.5 + n.uniform());
                liqs.push(LiquidationBar { t, market: market.to_string(), round, debt_repaid: v });
            }
            t += dt;
        }
    }
    let bad_debt: Vec<(f64, f64)> = ts.iter().map(|&t| (t, 850.0 * smooth_step(t, 25.3, 27.2))).collect();
    DominoChart {
        title: "Liquidation dominoes: 30% slash of an ezETH AVS".to_string(),
        time_label: "time since start".to_string(),
        prices: vec![
            Series::new("ezETH pool price", pool_ez),
            Series::new("ezETH NAV", nav_ez),
            Series::new("weETH pool price", pool_we),
            Series::new("weETH NAV", nav_we),
        ],
        eth_usd: Some(Series::new("ETH/USD", eth_usd)),
        liquidations: liqs,
        bad_debt: Some(Series::new("", bad_debt)),
        shocks: vec![
            ShockMarker { t: 24.0, label: "AVS slashed 30% (ezETH NAV -3%)".to_string() },
            ShockMarker { t: 25.0, label: "oracle switches to market price".to_string() },
            ShockMarker { t: 48.0, label: "withdrawals unpaused".to_string() },
        ],
    }
}

fn liquidity(n: &mut Noise) -> LiquidityCrisisChart {
    let ts: Vec<f64> = (0..=14 * 24).map(|h| h as f64).collect();
    let s = |f: &dyn Fn(f64) -> f64| ts.iter().map(|&t| (t, f(t))).collect::<Vec<_>>();
    let mut jitter: Vec<f64> = ts.iter().map(|_| n.normal()).collect();
    for i in 1..jitter.len() {
        jitter[i] = 0.9 * jitter[i - 1] + 0.1 * jitter[i];
    }
    let j = |t: f64| jitter[(t as usize).min(jitter.len() - 1)];
    let mut c = LiquidityCrisisChart {
        title: "Liquidity crisis after the slash".to_string(),
        time_label: "time since start".to_string(),
        pool_imbalance: vec![
            Series::new(
                "ezETH",
                s(&|t| 0.5 + 0.32 * smooth_step(t, 24.0, 30.0) - 0.12 * smooth_step(t, 48.0, 200.0) + 0.01 * j(t)),
            ),
            Series::new(
                "weETH",
                s(&|t| 0.5 + 0.06 * smooth_step(t, 24.0, 36.0) - 0.04 * smooth_step(t, 60.0, 150.0) + 0.005 * j(t)),
            ),
        ],
        queue: vec![
            Series::new(
                "ezETH queue",
                s(&|t| 2_000.0 + 178_000.0 * smooth_step(t, 24.0, 60.0) - 60_000.0 * smooth_step(t, 190.0, 320.0)),
            ),
            Series::new("weETH queue", s(&|t| 1_500.0 + 22_000.0 * smooth_step(t, 26.0, 80.0))),
        ],
        queue_wait: vec![
            Series::new(
                "ezETH wait",
                s(&|t| 7.0 + 11.0 * smooth_step(t, 24.0, 70.0) - 3.0 * smooth_step(t, 190.0, 320.0)),
            ),
            Series::new("weETH wait", s(&|t| 7.0 + 2.0 * smooth_step(t, 26.0, 90.0))),
        ],
        buffer: vec![
            Series::new(
                "ezETH buffer",
                s(&|t| 12_000.0 * (1.0 - smooth_step(t, 24.0, 25.5)) + 3_000.0 * smooth_step(t, 170.0, 330.0)),
            ),
            Series::new("weETH buffer", s(&|t| 8_000.0 - 3_000.0 * smooth_step(t, 26.0, 40.0))),
        ],
        utilisation: vec![
            Series::new(
                "Morpho ezETH/WETH",
                s(&|t| {
                    (0.82 + 0.17 * smooth_step(t, 24.0, 27.0) - 0.08 * smooth_step(t, 100.0, 250.0) + 0.005 * j(t))
                        .min(1.0)
                }),
            ),
            Series::new(
                "Aave v3 WETH",
                s(&|t| 0.78 + 0.14 * smooth_step(t, 24.0, 40.0) - 0.05 * smooth_step(t, 120.0, 300.0)),
            ),
        ],
        shocks: vec![
            ShockMarker { t: 24.0, label: "AVS slashed 30%".to_string() },
            ShockMarker { t: 168.0, label: "incentives end".to_string() },
        ],
        ..Default::default()
    };
    // The discount follows the imbalance (same jitter); weETH trades at a small premium before.
    let depeg_ez =
        |t: f64| 0.001 + 0.071 * smooth_step(t, 24.0, 26.0) - 0.056 * smooth_step(t, 40.0, 200.0) + 0.002 * j(t);
    let depeg_we =
        |t: f64| -0.0008 + 0.013 * smooth_step(t, 24.0, 36.0) - 0.009 * smooth_step(t, 60.0, 150.0) + 0.001 * j(t);
    c.depeg = vec![Series::new("ezETH", s(&depeg_ez)), Series::new("weETH", s(&depeg_we))];
    // Valued at the oracle (NAV-based, 3% down) few loans are underwater; at the pool price many.
    let pulse =
        |t: f64, peak: f64, left: f64| peak * smooth_step(t, 24.0, 25.0) - (peak - left) * smooth_step(t, 25.0, 60.0);
    c.insolvent = vec![
        Series::new("Morpho ezETH/WETH at oracle", s(&|t| pulse(t, 140.0, 60.0))),
        Series::new(
            "Morpho ezETH/WETH at pool",
            s(&|t| pulse(t, 1_900.0, 250.0) - 150.0 * smooth_step(t, 60.0, 200.0)),
        ),
        Series::new("Aave v3 WETH at oracle", s(&|t| pulse(t, 25.0, 15.0))),
        Series::new("Aave v3 WETH at pool", s(&|t| pulse(t, 620.0, 80.0))),
    ];
    // Exit cost: hourly sales after the slash (decaying) times the discount they sold at.
    let cumulative = |sold: &dyn Fn(f64) -> f64, depeg: &dyn Fn(f64) -> f64| {
        let mut lost = 0.0;
        ts.iter()
            .map(|&t| {
                lost += sold(t) * depeg(t).max(0.0);
                (t, lost)
            })
            .collect::<Vec<_>>()
    };
    let sold = |scale: f64, tau: f64| move |t: f64| if t < 24.0 { 0.0 } else { scale * (-(t - 24.0) / tau).exp() };
    c.exit_cost = vec![
        Series::new("ezETH", cumulative(&sold(900.0, 36.0), &depeg_ez)),
        Series::new("weETH", cumulative(&sold(500.0, 60.0), &depeg_we)),
    ];
    // LPs leave the lopsided pools, and again when the incentives end.
    c.lp_withdrawn = vec![
        Series::new(
            "ezETH pool",
            s(&|t| 5_000.0 * smooth_step(t, 25.0, 72.0) + 1_500.0 * smooth_step(t, 170.0, 230.0)),
        ),
        Series::new("weETH pool", s(&|t| 900.0 * smooth_step(t, 30.0, 90.0) + 700.0 * smooth_step(t, 170.0, 230.0))),
    ];
    c.notes = headline_notes(&c);
    c
}

/// The figures a caller would put in the notes, read off the chart's own series (hourly
/// points, so a count of points is a count of hours).
fn headline_notes(c: &LiquidityCrisisChart) -> Vec<String> {
    let find = |v: &[Series], lrt: &str| v.iter().find(|s| s.label.split(' ').next() == Some(lrt)).cloned();
    let values = |s: &Series| s.points.iter().map(|p| p.1).filter(|v| v.is_finite()).collect::<Vec<_>>();
    let mut notes = Vec::new();
    for lrt in ["ezETH", "weETH"] {
        let mut parts = Vec::new();
        if let Some(w) = find(&c.queue_wait, lrt) {
            parts.push(format!("longest realised wait {:.1} d", values(&w).into_iter().fold(0.0, f64::max)));
        }
        if let Some(b) = find(&c.buffer, lrt) {
            parts.push(format!("lowest buffer {:.0} ETH", values(&b).into_iter().fold(f64::INFINITY, f64::min)));
        }
        if let Some(d) = find(&c.depeg, lrt) {
            for level in [0.01, 0.05] {
                let hours = values(&d).into_iter().filter(|v| *v > level).count();
                parts.push(format!("{hours} h beyond {:.0}%", level * 100.0));
            }
        }
        if !parts.is_empty() {
            notes.push(format!("{lrt}: {}", parts.join(", ")));
        }
    }
    let peak =
        |label: &str| c.insolvent.iter().find(|s| s.label == label).map(|s| values(s).into_iter().fold(0.0, f64::max));
    if let (Some(pool), Some(oracle)) = (peak("Morpho ezETH/WETH at pool"), peak("Morpho ezETH/WETH at oracle")) {
        notes.push(format!(
            "Morpho ezETH/WETH: peak net insolvent debt {pool:.0} ETH at pool, {oracle:.0} ETH at oracle"
        ));
    }
    notes
}

fn heat() -> Heatmap {
    let x = vec![1.0, 3.0, 7.0, 14.0, 21.0];
    let y = vec![0.77, 0.86, 0.915, 0.945, 0.965];
    let z: Vec<Vec<f64>> = y
        .iter()
        .map(|&lltv| {
            x.iter()
                .map(|&delay| {
                    let v: f64 = 24_000.0 * ((lltv - 0.75f64) / 0.215).powf(2.5) * (delay / 21.0f64).powf(0.7);
                    if (lltv - 0.945f64).abs() < 1e-9 && delay == 3.0 { f64::NAN } else { v }
                })
                .collect()
        })
        .collect();
    Heatmap {
        title: "Bad debt by withdrawal delay and LLTV".to_string(),
        x_label: "withdrawal delay (days)".to_string(),
        y_label: "LLTV".to_string(),
        x,
        y,
        z,
        z_label: "mean bad debt (ETH)".to_string(),
        x_ticks: vec![],
        y_ticks: vec![],
    }
}

fn fan(n: &mut Noise) -> FanChart {
    let t: Vec<f64> = (0..=168).map(|h| h as f64).collect();
    let median: Vec<f64> =
        t.iter().map(|&h| 1.0 - 0.06 * smooth_step(h, 24.0, 26.0) + 0.04 * smooth_step(h, 26.0, 120.0)).collect();
    let width = |h: f64| 0.002 + 0.05 * smooth_step(h, 24.0, 30.0) - 0.02 * smooth_step(h, 60.0, 168.0);
    let mut band = |cov: f64, k: f64| {
        let lo: Vec<f64> = t.iter().zip(&median).map(|(&h, m)| m - k * width(h) * (1.0 + 0.05 * n.normal())).collect();
        let hi: Vec<f64> = t.iter().zip(&median).map(|(&h, m)| (m + 0.4 * k * width(h)).min(1.005)).collect();
        (cov, lo, hi)
    };
    let bands = vec![band(0.5, 0.35), band(0.9, 1.0)];
    FanChart {
        x_is_value: false,
        title: "ezETH pool price across 500 replications".to_string(),
        time_label: "time since start".to_string(),
        y_label: "price (ETH)".to_string(),
        t,
        median,
        bands,
    }
}

fn losses(n: &mut Noise) -> LossDistribution {
    let mut conc = Vec::new();
    let mut div = Vec::new();
    for _ in 0..2000 {
        let big = n.uniform() < 0.12;
        conc.push(if big { 6.0 + 9.0 * n.uniform() } else { (0.6 + 0.5 * n.normal()).max(0.0) });
        let big = n.uniform() < 0.05;
        div.push(if big { 2.0 + 4.0 * n.uniform() } else { (0.5 + 0.3 * n.normal()).max(0.0) });
    }
    let q = 0.95;
    let vc = |name: &str, v: &[f64]| {
        let mut s = v.to_vec();
        s.sort_by(f64::total_cmp);
        let k = ((s.len() as f64) * q).floor() as usize;
        let var = s[k.min(s.len() - 1)];
        let tail = &s[k..];
        let cvar = tail.iter().sum::<f64>() / tail.len() as f64;
        (name.to_string(), var, cvar)
    };
    let a = "concentrated: ezETH, one AVS set";
    let b = "diversified: 3 LRTs, 5 AVSs";
    LossDistribution {
        title: "Restaker loss over 30 days, 2000 runs each".to_string(),
        x_label: "loss (% of deposit)".to_string(),
        var_cvar: vec![vc(a, &conc), vc(b, &div)],
        groups: vec![(a.to_string(), conc), (b.to_string(), div)],
        quantile: q,
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "/tmp/gallery".to_string()));
    std::fs::create_dir_all(&dir)?;
    let mut n = Noise(42);
    let p = |name: &str| (dir.join(format!("{name}.png")), dir.join(format!("{name}.svg")));
    let (a, b) = p("domino");
    domino_chart(&domino(&mut n), &a, &b)?;
    let (a, b) = p("liquidity");
    let l = liquidity(&mut n);
    liquidity_crisis_chart(&l, &a, &b)?;
    // A caller that fills only the first four panels gets the chart as it was before the others.
    let classic = LiquidityCrisisChart {
        notes: Vec::new(),
        depeg: Vec::new(),
        insolvent: Vec::new(),
        exit_cost: Vec::new(),
        lp_withdrawn: Vec::new(),
        ..l
    };
    let (a, b) = p("liquidity_classic");
    liquidity_crisis_chart(&classic, &a, &b)?;
    let (a, b) = p("heatmap");
    heatmap(&heat(), &a, &b)?;
    let (a, b) = p("fan");
    fan_chart(&fan(&mut n), &a, &b)?;
    let (a, b) = p("loss");
    loss_distribution(&losses(&mut n), &a, &b)?;
    // Degenerate inputs must still render.
    let (a, b) = p("domino_empty");
    domino_chart(&DominoChart { title: "Empty domino chart".into(), ..Default::default() }, &a, &b)?;
    // Sparse inputs: no ETH/USD, no bad debt, hourly steps, one market, NaN gaps.
    let mut d = domino(&mut n);
    d.title = "Sparse domino: one market, hourly steps, gaps".into();
    d.eth_usd = None;
    d.bad_debt = None;
    d.shocks.truncate(1);
    d.liquidations = (0..6)
        .map(|k| LiquidationBar {
            t: 24.0 + k as f64,
            market: "Morpho ezETH/WETH".into(),
            round: 1 + k / 2,
            debt_repaid: 1000.0 / (k + 1) as f64,
        })
        .collect();
    for s in &mut d.prices {
        s.points.iter_mut().skip(400).take(60).for_each(|p| p.1 = f64::NAN);
    }
    let (a, b) = p("domino_sparse");
    domino_chart(&d, &a, &b)?;
    // No liquidations at all: the bottom panel says so.
    d.title = "Calm run: no liquidations".into();
    d.liquidations.clear();
    let (a, b) = p("domino_calm");
    domino_chart(&d, &a, &b)?;
    // Dense grid: tick labels must thin out, annotations must give way.
    let xs: Vec<f64> = (0..30).map(|i| 0.5 + i as f64 * 0.5).collect();
    let ys: Vec<f64> = (0..20).map(|i| 0.70 + i as f64 * 0.0135).collect();
    let z = ys.iter().map(|y| xs.iter().map(|x| (x * y).sin() * 1e5).collect()).collect();
    let h = Heatmap {
        title: "Dense grid".into(),
        x_label: "withdrawal delay (days)".into(),
        y_label: "LLTV".into(),
        x: xs,
        y: ys,
        z,
        z_label: "metric".into(),
        x_ticks: vec![],
        y_ticks: vec![],
    };
    let (a, b) = p("heatmap_dense");
    heatmap(&h, &a, &b)?;
    // Only a wait series in the queue panel, no buffer, LP withdrawals without exit cost.
    let mut l = liquidity(&mut n);
    l.title = "Partial liquidity data".into();
    l.queue.clear();
    l.buffer.clear();
    l.exit_cost.clear();
    l.notes = headline_notes(&l);
    let (a, b) = p("liquidity_partial");
    liquidity_crisis_chart(&l, &a, &b)?;
    println!("wrote charts to {}", dir.display());
    Ok(())
}
