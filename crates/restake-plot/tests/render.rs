//! Rendering tests: every chart writes a PNG of the expected size and an SVG carrying its title,
//! and empty or NaN inputs render ("no data") instead of failing.

use std::fs;
use std::path::{Path, PathBuf};

use restake_plot::*;

fn tmp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("restake-plot-test-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&d);
    fs::create_dir_all(&d).unwrap();
    d
}

/// Width and height from a PNG's IHDR chunk.
fn png_size(path: &Path) -> (u32, u32) {
    let b = fs::read(path).unwrap();
    assert!(b.len() > 24, "{} is too short", path.display());
    assert_eq!(&b[..8], b"\x89PNG\r\n\x1a\n", "{} is not a PNG", path.display());
    assert_eq!(&b[12..16], b"IHDR");
    let w = u32::from_be_bytes([b[16], b[17], b[18], b[19]]);
    let h = u32::from_be_bytes([b[20], b[21], b[22], b[23]]);
    (w, h)
}

/// Checks both files and that no temporary file is left behind.
fn check(dir: &Path, name: &str, title: &str) {
    let png = dir.join(format!("{name}.png"));
    let svg = dir.join(format!("{name}.svg"));
    assert_eq!(png_size(&png), SIZE);
    assert!(fs::metadata(&png).unwrap().len() > 5_000);
    let text = fs::read_to_string(&svg).unwrap();
    assert!(text.starts_with("<svg"), "SVG header");
    assert!(text.contains(title), "SVG of {name} lacks its title {title:?}");
    assert!(text.trim_end().ends_with("</svg>"));
    let leftovers: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

fn paths(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    (dir.join(format!("{name}.png")), dir.join(format!("{name}.svg")))
}

fn ramp(n: usize, dt: f64, f: impl Fn(f64) -> f64) -> Vec<(f64, f64)> {
    (0..n).map(|i| i as f64 * dt).map(|t| (t, f(t))).collect()
}

fn domino_data() -> DominoChart {
    let mut liqs = Vec::new();
    for (round, t0) in [(1, 24.0), (2, 25.0), (3, 26.0)] {
        for k in 0..4 {
            for market in ["Morpho ezETH/WETH", "Aave ezETH"] {
                liqs.push(LiquidationBar {
                    t: t0 + k as f64 * 0.25,
                    market: market.into(),
                    round,
                    debt_repaid: 100.0 * round as f64,
                });
            }
        }
    }
    DominoChart {
        title: "Domino test chart".into(),
        time_label: "time since start".into(),
        prices: vec![
            Series::new("ezETH pool price", ramp(289, 0.25, |t| if t < 24.0 { 1.0 } else { 0.9 + 0.001 * (t - 24.0) })),
            Series::new("ezETH NAV", ramp(289, 0.25, |t| if t < 24.0 { 1.0 } else { 0.97 })),
        ],
        eth_usd: Some(Series::new("ETH/USD", ramp(289, 0.25, |t| 3000.0 - t))),
        liquidations: liqs,
        bad_debt: Some(Series::new("bad debt", ramp(289, 0.25, |t| if t < 25.0 { 0.0 } else { 500.0 }))),
        shocks: vec![ShockMarker { t: 24.0, label: "slash".into() }, ShockMarker { t: 24.2, label: "depeg".into() }],
    }
}

fn liquidity_data() -> LiquidityCrisisChart {
    LiquidityCrisisChart {
        title: "Liquidity test chart".into(),
        time_label: "time since start".into(),
        pool_imbalance: vec![Series::new("ezETH", ramp(200, 1.0, |t| 0.5 + 0.001 * t))],
        queue: vec![Series::new("ezETH queue", ramp(200, 1.0, |t| 1000.0 * t))],
        queue_wait: vec![Series::new("ezETH wait", ramp(200, 1.0, |t| 7.0 + 0.01 * t))],
        buffer: vec![Series::new("ezETH buffer", ramp(200, 1.0, |t| 5000.0 - 10.0 * t))],
        utilisation: vec![Series::new("Morpho", ramp(200, 1.0, |t| 0.8 + 0.0009 * t))],
        shocks: vec![ShockMarker { t: 24.0, label: "slash".into() }],
    }
}

fn heatmap_data() -> Heatmap {
    Heatmap {
        title: "Heatmap test chart".into(),
        x_label: "delay (days)".into(),
        y_label: "LLTV".into(),
        x: vec![1.0, 7.0, 14.0],
        y: vec![0.8, 0.9],
        z: vec![vec![1.0, 2.0, 3.0], vec![4.0, f64::NAN, 6000.0]],
        z_label: "bad debt (ETH)".into(),
    }
}

fn fan_data() -> FanChart {
    let t: Vec<f64> = (0..100).map(|i| i as f64).collect();
    let median: Vec<f64> = t.iter().map(|x| 1.0 - 0.001 * x).collect();
    let lo90 = median.iter().map(|m| m - 0.02).collect();
    let hi90 = median.iter().map(|m| m + 0.02).collect();
    let lo50 = median.iter().map(|m| m - 0.01).collect();
    let hi50 = median.iter().map(|m| m + 0.01).collect();
    FanChart {
        title: "Fan test chart".into(),
        time_label: "time since start".into(),
        y_label: "price (ETH)".into(),
        t,
        median,
        bands: vec![(0.5, lo50, hi50), (0.9, lo90, hi90)],
    }
}

fn loss_data() -> LossDistribution {
    let a: Vec<f64> = (0..500).map(|i| (i as f64 * 0.37).sin().abs() * 3.0).collect();
    let b: Vec<f64> = (0..500).map(|i| (i as f64 * 0.11).cos().abs()).collect();
    LossDistribution {
        title: "Loss test chart".into(),
        x_label: "loss (ETH)".into(),
        groups: vec![("a".into(), a), ("b".into(), b)],
        var_cvar: vec![("a".into(), 2.8, 2.9), ("b".into(), 0.95, 0.98)],
        quantile: 0.95,
    }
}

#[test]
fn every_chart_renders_png_and_svg() {
    let dir = tmp_dir("full");
    let (p, s) = paths(&dir, "domino");
    domino_chart(&domino_data(), &p, &s).unwrap();
    check(&dir, "domino", "Domino test chart");
    let (p, s) = paths(&dir, "liquidity");
    liquidity_crisis_chart(&liquidity_data(), &p, &s).unwrap();
    check(&dir, "liquidity", "Liquidity test chart");
    let (p, s) = paths(&dir, "heatmap");
    heatmap(&heatmap_data(), &p, &s).unwrap();
    check(&dir, "heatmap", "Heatmap test chart");
    let (p, s) = paths(&dir, "fan");
    fan_chart(&fan_data(), &p, &s).unwrap();
    check(&dir, "fan", "Fan test chart");
    let (p, s) = paths(&dir, "loss");
    loss_distribution(&loss_data(), &p, &s).unwrap();
    check(&dir, "loss", "Loss test chart");
    fs::remove_dir_all(&dir).ok();
}

#[test]
fn empty_inputs_render_no_data() {
    let dir = tmp_dir("empty");
    let (p, s) = paths(&dir, "domino");
    domino_chart(&DominoChart { title: "Empty domino".into(), ..Default::default() }, &p, &s).unwrap();
    check(&dir, "domino", "Empty domino");
    assert!(fs::read_to_string(&s).unwrap().contains("no data"));
    let (p, s) = paths(&dir, "liquidity");
    liquidity_crisis_chart(&LiquidityCrisisChart { title: "Empty liquidity".into(), ..Default::default() }, &p, &s)
        .unwrap();
    check(&dir, "liquidity", "Empty liquidity");
    let (p, s) = paths(&dir, "heatmap");
    heatmap(&Heatmap { title: "Empty heatmap".into(), ..Default::default() }, &p, &s).unwrap();
    check(&dir, "heatmap", "Empty heatmap");
    let (p, s) = paths(&dir, "fan");
    fan_chart(&FanChart { title: "Empty fan".into(), ..Default::default() }, &p, &s).unwrap();
    check(&dir, "fan", "Empty fan");
    let (p, s) = paths(&dir, "loss");
    loss_distribution(&LossDistribution { title: "Empty loss".into(), ..Default::default() }, &p, &s).unwrap();
    check(&dir, "loss", "Empty loss");
    // Series present but without a single point, and groups without values.
    let (p, s) = paths(&dir, "domino2");
    let c = DominoChart {
        title: "Hollow domino".into(),
        prices: vec![Series::new("x", vec![])],
        eth_usd: Some(Series::default()),
        bad_debt: Some(Series::default()),
        shocks: vec![ShockMarker { t: 1.0, label: "s".into() }],
        ..Default::default()
    };
    domino_chart(&c, &p, &s).unwrap();
    check(&dir, "domino2", "Hollow domino");
    let (p, s) = paths(&dir, "loss2");
    let c = LossDistribution { title: "Hollow loss".into(), groups: vec![("g".into(), vec![])], ..Default::default() };
    loss_distribution(&c, &p, &s).unwrap();
    check(&dir, "loss2", "Hollow loss");
    fs::remove_dir_all(&dir).ok();
}

#[test]
fn nan_and_degenerate_inputs_render() {
    let dir = tmp_dir("nan");
    let nan = f64::NAN;
    let inf = f64::INFINITY;

    let mut d = domino_data();
    d.title = "NaN domino".into();
    d.prices[0].points[10].1 = nan;
    d.prices[0].points[20].0 = nan;
    d.prices.push(Series::new("all nan", vec![(nan, nan), (1.0, nan)]));
    d.liquidations.push(LiquidationBar { t: nan, market: "m".into(), round: 1, debt_repaid: 5.0 });
    d.liquidations.push(LiquidationBar { t: 3.0, market: "m".into(), round: 1, debt_repaid: inf });
    d.shocks.push(ShockMarker { t: nan, label: "nan shock".into() });
    let (p, s) = paths(&dir, "domino");
    domino_chart(&d, &p, &s).unwrap();
    check(&dir, "domino", "NaN domino");

    // Only liquidations, all at one instant; constant prices.
    let d = DominoChart {
        title: "One instant".into(),
        prices: vec![Series::new("flat", vec![(5.0, 1.0), (5.0, 1.0)])],
        liquidations: vec![LiquidationBar { t: 5.0, market: "m".into(), round: 2, debt_repaid: 1.0 }],
        ..Default::default()
    };
    let (p, s) = paths(&dir, "instant");
    domino_chart(&d, &p, &s).unwrap();
    check(&dir, "instant", "One instant");

    let mut l = liquidity_data();
    l.title = "NaN liquidity".into();
    l.queue[0].points.iter_mut().for_each(|p| p.1 = nan);
    l.utilisation[0].points[3].1 = inf;
    let (p, s) = paths(&dir, "liquidity");
    liquidity_crisis_chart(&l, &p, &s).unwrap();
    check(&dir, "liquidity", "NaN liquidity");

    let h = Heatmap {
        title: "NaN heatmap".into(),
        x: vec![1.0, 2.0],
        y: vec![1.0],
        z: vec![vec![nan, nan]],
        ..Default::default()
    };
    let (p, s) = paths(&dir, "heatmap");
    heatmap(&h, &p, &s).unwrap();
    check(&dir, "heatmap", "NaN heatmap");

    let mut f = fan_data();
    f.title = "NaN fan".into();
    f.median[5] = nan;
    f.bands[0].1[7] = nan;
    f.bands[1].2.truncate(50); // mismatched length
    let (p, s) = paths(&dir, "fan");
    fan_chart(&f, &p, &s).unwrap();
    check(&dir, "fan", "NaN fan");

    let c = LossDistribution {
        title: "NaN loss".into(),
        x_label: "loss".into(),
        groups: vec![("a".into(), vec![nan, 1.0, 1.0, inf]), ("b".into(), vec![1.0])],
        var_cvar: vec![("a".into(), nan, 1.0), ("unknown".into(), 2.0, 3.0)],
        quantile: 0.99,
    };
    let (p, s) = paths(&dir, "loss");
    loss_distribution(&c, &p, &s).unwrap();
    check(&dir, "loss", "NaN loss");
    fs::remove_dir_all(&dir).ok();
}

#[test]
fn heatmap_shape_mismatch_is_an_error() {
    let dir = tmp_dir("shape");
    let mut h = heatmap_data();
    h.z[1].pop();
    let (p, s) = paths(&dir, "heatmap");
    assert!(matches!(heatmap(&h, &p, &s), Err(PlotError::InvalidData(_))));
    h.z.pop();
    assert!(matches!(heatmap(&h, &p, &s), Err(PlotError::InvalidData(_))));
    assert!(!p.exists() && !s.exists());
    fs::remove_dir_all(&dir).ok();
}

#[test]
fn unwritable_target_is_an_io_error() {
    let dir = tmp_dir("io");
    // A directory where the PNG should go: the rename fails.
    let png = dir.join("taken.png");
    fs::create_dir_all(png.join("x")).unwrap();
    let r = fan_chart(&fan_data(), &png, &dir.join("taken.svg"));
    assert!(matches!(r, Err(PlotError::Io { .. })), "{r:?}");
    let leftovers: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
    fs::remove_dir_all(&dir).ok();
}

#[test]
fn svg_escapes_markup_in_text() {
    let dir = tmp_dir("escape");
    let mut f = fan_data();
    f.title = "P&L <tail>".into();
    let (p, s) = paths(&dir, "fan");
    fan_chart(&f, &p, &s).unwrap();
    let text = fs::read_to_string(&s).unwrap();
    assert!(text.contains("P&amp;L &lt;tail&gt;"));
    fs::remove_dir_all(&dir).ok();
}
