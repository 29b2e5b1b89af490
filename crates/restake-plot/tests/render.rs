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

/// Checks both files and that no temporary file is left behind; the canvas is [`SIZE`].
fn check(dir: &Path, name: &str, title: &str) {
    assert_eq!(check_files(dir, name, title), SIZE);
}

/// Like [`check`] for a canvas of any size: returns the PNG's, which the SVG must share.
fn check_files(dir: &Path, name: &str, title: &str) -> (u32, u32) {
    let png = dir.join(format!("{name}.png"));
    let svg = dir.join(format!("{name}.svg"));
    let size = png_size(&png);
    assert!(fs::metadata(&png).unwrap().len() > 5_000);
    let text = fs::read_to_string(&svg).unwrap();
    assert!(text.starts_with("<svg"), "SVG header");
    let head = tags(&text, "svg")[0];
    assert_eq!((num(head, "width"), num(head, "height")), (size.0 as f64, size.1 as f64), "SVG and PNG sizes differ");
    assert!(text.contains(title), "SVG of {name} lacks its title {title:?}");
    assert!(text.trim_end().ends_with("</svg>"));
    let leftovers: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    size
}

/// The value of attribute `name` in one SVG tag.
fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    Some(tag[start..].split('"').next()?.to_string())
}

fn num(tag: &str, name: &str) -> f64 {
    attr(tag, name).and_then(|v| v.parse().ok()).unwrap_or(f64::NAN)
}

/// The tags named `name` of an SVG, each up to its closing '>' (attributes only).
fn tags<'a>(svg: &'a str, name: &str) -> Vec<&'a str> {
    let open = format!("<{name} ");
    svg.match_indices(&open).map(|(i, _)| &svg[i..i + svg[i..].find('>').unwrap_or(0)]).collect()
}

/// The frames of the stacked panels, top to bottom: (x, y, width, height) of the unfilled grey
/// rectangles drawn around each plotting area.
fn frames(svg: &str) -> Vec<(f64, f64, f64, f64)> {
    let mut f: Vec<_> = tags(svg, "rect")
        .into_iter()
        .filter(|t| attr(t, "fill").as_deref() == Some("none") && attr(t, "stroke").as_deref() == Some("#969696"))
        .map(|t| (num(t, "x"), num(t, "y"), num(t, "width"), num(t, "height")))
        .collect();
    f.sort_by(|a, b| a.1.total_cmp(&b.1));
    f
}

/// A text of an SVG: its anchor, its content and whether it is turned (y-axis descriptions).
struct SvgText {
    x: f64,
    y: f64,
    text: String,
    rotated: bool,
}

fn texts(svg: &str) -> Vec<SvgText> {
    svg.match_indices("<text ")
        .map(|(i, _)| {
            let rest = &svg[i..];
            let close = rest.find('>').unwrap_or(0);
            let end = rest.find("</text>").unwrap_or(rest.len());
            let tag = &rest[..close];
            let text = rest[close + 1..end].trim().to_string();
            SvgText { x: num(tag, "x"), y: num(tag, "y"), text, rotated: tag.contains("rotate(") }
        })
        .collect()
}

/// Horizontal polylines (all points on one pixel row): (stroke, y, leftmost x, rightmost x).
fn hlines(svg: &str) -> Vec<(String, f64, f64, f64)> {
    tags(svg, "polyline")
        .into_iter()
        .filter_map(|t| {
            let pts: Vec<(f64, f64)> = attr(t, "points")?
                .split_whitespace()
                .filter_map(|p| p.split_once(','))
                .map(|(x, y)| (x.parse().unwrap_or(f64::NAN), y.parse().unwrap_or(f64::NAN)))
                .collect();
            let y = pts.first()?.1;
            if pts.len() < 2 || pts.iter().any(|p| p.1 != y) {
                return None;
            }
            let (x0, x1) = pts.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |a, p| (a.0.min(p.0), a.1.max(p.0)));
            Some((attr(t, "stroke")?, y, x0, x1))
        })
        .collect()
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
        ..Default::default()
    }
}

/// [`liquidity_data`] with every panel added since the first four, and notes.
fn liquidity_full() -> LiquidityCrisisChart {
    LiquidityCrisisChart {
        title: "Full liquidity test chart".into(),
        notes: vec![
            "ezETH: longest realised wait 9.0 d, lowest buffer 3010 ETH, 176 h beyond 1%, 126 h beyond 5%".into(),
            "Morpho: peak net insolvent debt 800 ETH at pool, 40 ETH at oracle".into(),
        ],
        depeg: vec![Series::new(
            "ezETH",
            ramp(200, 1.0, |t| if t < 24.0 { 0.001 } else { 0.06 - 0.0002 * (t - 24.0) }),
        )],
        insolvent: vec![
            Series::new("Morpho at oracle", ramp(200, 1.0, |t| if t < 24.0 { 0.0 } else { 40.0 })),
            Series::new("Morpho at pool", ramp(200, 1.0, |t| if t < 24.0 { 0.0 } else { 800.0 - 2.0 * (t - 24.0) })),
        ],
        exit_cost: vec![Series::new("ezETH", ramp(200, 1.0, |t| 10.0 * (t - 24.0).max(0.0)))],
        lp_withdrawn: vec![Series::new("ezETH pool", ramp(200, 1.0, |t| 25.0 * (t - 24.0).max(0.0)))],
        ..liquidity_data()
    }
}

/// The panels' left y-axis descriptions, in the order of the frames they sit beside.
fn panel_names(svg: &str) -> Vec<String> {
    let names: Vec<SvgText> = texts(svg).into_iter().filter(|t| t.rotated).collect();
    frames(svg)
        .iter()
        .map(|f| {
            let beside = |n: &&SvgText| n.x < f.0 && n.y > f.1 && n.y < f.1 + f.3;
            let inside: Vec<&str> = names.iter().filter(beside).map(|n| n.text.as_str()).collect();
            assert_eq!(inside.len(), 1, "frame {f:?} has descriptions {inside:?}");
            inside[0].to_string()
        })
        .collect()
}

/// The legend swatch left of the legend label `label` whose row lies within `rows` (y pixels):
/// its stroke and how many pieces it is drawn in (1 solid, more when dashed).
fn swatch(svg: &str, label: &str, rows: (f64, f64)) -> (String, usize) {
    let t = texts(svg)
        .into_iter()
        .find(|t| t.text == label && t.y >= rows.0 && t.y <= rows.1)
        .unwrap_or_else(|| panic!("no legend label {label:?} in rows {rows:?}"));
    let pieces: Vec<_> =
        hlines(svg).into_iter().filter(|h| (h.1 - t.y).abs() < 1.5 && h.3 < t.x && h.2 > t.x - 60.0).collect();
    assert!(!pieces.is_empty(), "no swatch beside {label:?}");
    assert!(pieces.iter().all(|h| h.0 == pieces[0].0), "swatch of {label:?} has several colours");
    (pieces[0].0.clone(), pieces.len())
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
        x_ticks: vec![],
        y_ticks: vec![],
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
        x_is_value: false,
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

#[test]
fn liquidity_chart_without_new_fields_is_unchanged() {
    let dir = tmp_dir("classic");
    let (p, s) = paths(&dir, "liquidity");
    liquidity_crisis_chart(&liquidity_data(), &p, &s).unwrap();
    check(&dir, "liquidity", "Liquidity test chart");
    let svg = fs::read_to_string(&s).unwrap();
    // The four panels exactly where the chart put them before the new fields existed.
    let before = [(110.0, 183.0), (318.0, 214.0), (557.0, 162.0), (744.0, 193.0)];
    let f = frames(&svg);
    assert_eq!(f.iter().map(|f| (f.1, f.3)).collect::<Vec<_>>(), before);
    assert!(f.iter().all(|f| (f.0, f.2) == (114.0, 1080.0)), "{f:?}");
    assert_eq!(panel_names(&svg), ["LRT share of pool", "queue (ETH)", "buffer (ETH)", "utilisation"]);
    let all = texts(&svg);
    for new in ["discount to NAV", "1% below NAV", "insolvent debt (ETH)", "cumulative (ETH)", "LP"] {
        assert!(!all.iter().any(|t| t.text.contains(new)), "{new:?} drawn without its data");
    }
    fs::remove_dir_all(&dir).ok();
}

#[test]
fn liquidity_chart_with_every_panel_renders_png_and_svg() {
    let dir = tmp_dir("full-liquidity");
    let c = liquidity_full();
    let (p, s) = paths(&dir, "liquidity");
    liquidity_crisis_chart(&c, &p, &s).unwrap();
    let (w, h) = check_files(&dir, "liquidity", "Full liquidity test chart");
    assert_eq!(w, SIZE.0);
    assert!(h > SIZE.1, "seven panels on the four-panel canvas: {h} px high");
    let svg = fs::read_to_string(&s).unwrap();
    assert_eq!(
        panel_names(&svg),
        [
            "LRT share of pool",
            "discount to NAV",
            "queue (ETH)",
            "buffer (ETH)",
            "utilisation",
            "insolvent debt (ETH)",
            "cumulative (ETH)",
        ]
    );
    // Aligned, and no panel squeezed below the smallest of the four-panel chart (162 px; 2 px
    // of rounding).
    let f = frames(&svg);
    assert!(f.iter().all(|f| (f.0, f.2) == (114.0, 1080.0) && f.3 >= 160.0), "{f:?}");
    assert!(f.windows(2).all(|w| w[0].1 + w[0].3 <= w[1].1), "panels overlap: {f:?}");
    // Notes: one line each, in order, between the title and the panels, where the plots start.
    let all = texts(&svg);
    let title_y = all.iter().find(|t| t.text == c.title).unwrap().y;
    let ys: Vec<f64> = c
        .notes
        .iter()
        .map(|n| {
            let t = all.iter().find(|t| t.text == *n).unwrap_or_else(|| panic!("note {n:?} not drawn"));
            assert_eq!(t.x, 114.0, "note {n:?} not aligned with the plots");
            t.y
        })
        .collect();
    assert!(title_y < ys[0] && ys[0] < ys[1] && ys[1] < f[0].1, "title {title_y}, notes {ys:?}, panels {}", f[0].1);
    // The insolvent panel: one colour for the market, solid for the first valuation, dashed for
    // the second, and the market's colour from the utilisation panel.
    let rows = |k: usize| (f[k].1 - 20.0, f[k].1 + f[k].3 + 20.0);
    let (oracle, oracle_pieces) = swatch(&svg, "Morpho at oracle", rows(5));
    let (pool, pool_pieces) = swatch(&svg, "Morpho at pool", rows(5));
    assert_eq!(oracle, pool);
    assert_eq!(swatch(&svg, "Morpho", rows(4)).0, oracle);
    assert!(oracle_pieces == 1 && pool_pieces > 1, "{oracle_pieces} / {pool_pieces} pieces");
    // The bottom panel: exit cost solid, LP withdrawals dashed, in the LRT's colour.
    let (cost, cost_pieces) = swatch(&svg, "ezETH", rows(6));
    let (lp, lp_pieces) = swatch(&svg, "ezETH pool", rows(6));
    assert!(cost == lp && cost_pieces == 1 && lp_pieces > 1, "{cost} {cost_pieces} / {lp} {lp_pieces}");
    for heading in ["exit cost: sold below NAV", "liquidity withdrawn by LPs", "net insolvent debt"] {
        assert!(all.iter().any(|t| t.text == heading), "no legend heading {heading:?}");
    }
    fs::remove_dir_all(&dir).ok();
}

#[test]
fn depeg_reference_lines_sit_at_1_and_5_percent() {
    let dir = tmp_dir("depeg");
    let (p, s) = paths(&dir, "liquidity");
    liquidity_crisis_chart(&liquidity_full(), &p, &s).unwrap();
    let svg = fs::read_to_string(&s).unwrap();
    let f = frames(&svg)[1];
    let inside = |y: f64| y > f.1 && y < f.1 + f.3;
    // The y axis maps values to pixels through its percent tick labels (left of the plot).
    let ticks: Vec<(f64, f64)> = texts(&svg)
        .into_iter()
        .filter(|t| t.x < f.0 && (inside(t.y) || (t.y - f.1 - f.3).abs() < 1.0))
        .filter_map(|t| Some((t.text.strip_suffix('%')?.parse::<f64>().ok()? / 100.0, t.y)))
        .collect();
    assert!(ticks.len() >= 3 && ticks.iter().any(|t| t.0 == 0.0), "percent ticks with 0%: {ticks:?}");
    let (a, b) = (ticks[0], ticks[ticks.len() - 1]);
    let pixel = |v: f64| a.1 + (v - a.0) * (b.1 - a.1) / (b.0 - a.0);
    // Dashed lines across the whole plot: many short pieces on one row, from edge to edge.
    let mut rows: Vec<(String, f64, usize, f64, f64)> = Vec::new();
    for (stroke, y, x0, x1) in hlines(&svg).into_iter().filter(|h| inside(h.1) && h.2 >= f.0 && h.3 <= f.0 + f.2) {
        match rows.iter_mut().find(|r| r.0 == stroke && r.1 == y) {
            Some(r) => (r.2, r.3, r.4) = (r.2 + 1, r.3.min(x0), r.4.max(x1)),
            None => rows.push((stroke, y, 1, x0, x1)),
        }
    }
    rows.retain(|r| r.2 > 20 && r.3 - f.0 < 20.0 && f.0 + f.2 - r.4 < 20.0);
    assert_eq!(rows.len(), 2, "reference lines: {rows:?}");
    for (v, label) in [(0.01, "1% below NAV"), (0.05, "5% below NAV")] {
        let (stroke, pieces) = swatch(&svg, label, (f.1 - 20.0, f.1 + f.3 + 20.0));
        assert!(pieces > 1, "{label:?} not dashed in the legend");
        let line = rows.iter().find(|r| r.0 == stroke).unwrap_or_else(|| panic!("no line drawn like {label:?}"));
        assert!((line.1 - pixel(v)).abs() <= 1.5, "{label:?} at y {} instead of {}", line.1, pixel(v));
    }
    fs::remove_dir_all(&dir).ok();
}

#[test]
fn nan_only_new_series_add_no_panel() {
    let dir = tmp_dir("nan-new");
    let (p0, s0) = paths(&dir, "classic");
    liquidity_crisis_chart(&liquidity_data(), &p0, &s0).unwrap();
    let nan = f64::NAN;
    let hollow = |label: &str| {
        vec![Series::new(label, vec![(1.0, nan), (nan, 2.0), (3.0, f64::INFINITY)]), Series::new(label, vec![])]
    };
    let c = LiquidityCrisisChart {
        notes: vec!["".into(), "   ".into()],
        depeg: hollow("ezETH"),
        insolvent: hollow("Morpho at pool"),
        exit_cost: hollow("ezETH"),
        lp_withdrawn: hollow("ezETH pool"),
        ..liquidity_data()
    };
    let (p, s) = paths(&dir, "hollow");
    liquidity_crisis_chart(&c, &p, &s).unwrap();
    check(&dir, "hollow", "Liquidity test chart");
    assert_eq!(fs::read_to_string(&s).unwrap(), fs::read_to_string(&s0).unwrap());
    assert_eq!(fs::read(&p).unwrap(), fs::read(&p0).unwrap());
    fs::remove_dir_all(&dir).ok();
}

#[test]
fn notes_strip_pushes_the_panels_down_unchanged() {
    let dir = tmp_dir("notes");
    let (p0, s0) = paths(&dir, "classic");
    liquidity_crisis_chart(&liquidity_data(), &p0, &s0).unwrap();
    let before = frames(&fs::read_to_string(&s0).unwrap());
    let notes: Vec<String> = (1..=9).map(|i| format!("note {i}")).collect();
    let c = LiquidityCrisisChart { notes, ..liquidity_data() };
    let (p, s) = paths(&dir, "notes");
    liquidity_crisis_chart(&c, &p, &s).unwrap();
    let (_, h) = check_files(&dir, "notes", "Liquidity test chart");
    let svg = fs::read_to_string(&s).unwrap();
    // The strip adds its own height: every panel keeps its size and moves down by it.
    let after = frames(&svg);
    let grown = h as f64 - SIZE.1 as f64;
    assert!(grown > 0.0);
    assert_eq!(after.len(), before.len());
    assert!(before.iter().zip(&after).all(|(b, a)| a.1 - b.1 == grown && a.3 == b.3), "{before:?} -> {after:?}");
    // Past six lines the rest are counted, not drawn.
    let all = texts(&svg);
    let shown = |n: &str| all.iter().any(|t| t.text == n);
    assert!((1..=5).all(|i| shown(&format!("note {i}"))));
    assert!(!shown("note 6") && !shown("note 9") && shown("+4 more"));
    fs::remove_dir_all(&dir).ok();
}
