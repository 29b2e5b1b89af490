//! Colours: ink and grid greys, the categorical palette, shade families (one per market, one
//! shade per round), the viridis map, and the stable colour-by-entity assignment.

use plotters::prelude::*;

pub(crate) const INK: RGBColor = RGBColor(30, 30, 30);
pub(crate) const INK_SOFT: RGBColor = RGBColor(70, 70, 70);
pub(crate) const GRID_BOLD: RGBColor = RGBColor(218, 218, 218);
pub(crate) const GRID_LIGHT: RGBColor = RGBColor(240, 240, 240);
pub(crate) const SHOCK: RGBColor = RGBColor(150, 20, 20);
pub(crate) const MUTED: RGBColor = RGBColor(150, 150, 150);

/// Tableau 10, distinguishable on white and in most colour-vision deficiencies for the first few.
const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

pub(crate) fn palette(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Base colours of the shade families used for "one family per market".
const FAMILIES: [RGBColor; 6] = [
    RGBColor(33, 102, 172), // blue
    RGBColor(217, 95, 2),   // orange
    RGBColor(27, 120, 55),  // green
    RGBColor(118, 42, 131), // purple
    RGBColor(178, 24, 43),  // red
    RGBColor(1, 133, 113),  // teal
];

fn lerp(a: RGBColor, b: RGBColor, t: f64) -> RGBColor {
    let t = t.clamp(0.0, 1.0);
    let m = |x: u8, y: u8| (x as f64 + (y as f64 - x as f64) * t).round() as u8;
    RGBColor(m(a.0, b.0), m(a.1, b.1), m(a.2, b.2))
}

/// Shade `k` (0 = darkest) of `n` in colour family `family`.
fn shade(family: usize, k: usize, n: usize) -> RGBColor {
    let base = FAMILIES[family % FAMILIES.len()];
    let dark = lerp(base, RGBColor(0, 0, 0), 0.35);
    let light = lerp(base, RGBColor(255, 255, 255), 0.62);
    if n <= 1 {
        return base;
    }
    let t = k as f64 / (n - 1) as f64;
    if t <= 0.5 { lerp(dark, base, t * 2.0) } else { lerp(base, light, (t - 0.5) * 2.0) }
}

/// Colour of round index `k` of `n` in market family `family`. Long cascades get distinct shades
/// for rounds 1-5 and one light shade for every later round (matching the legend's "6-n"), so
/// early rounds stay distinguishable however many rounds follow.
pub(crate) fn round_shade(family: usize, k: usize, n: usize) -> RGBColor {
    if n > 8 { shade(family, k.min(5), 6) } else { shade(family, k, n) }
}

/// Perceptually ordered sequential colour map (viridis, piecewise linear through 9 anchors).
pub(crate) fn viridis(t: f64) -> RGBColor {
    const A: [(u8, u8, u8); 9] = [
        (68, 1, 84),
        (71, 44, 122),
        (59, 81, 139),
        (44, 113, 142),
        (33, 144, 141),
        (39, 173, 129),
        (92, 200, 99),
        (170, 220, 50),
        (253, 231, 37),
    ];
    let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 };
    let x = t * (A.len() - 1) as f64;
    let i = (x.floor() as usize).min(A.len() - 2);
    let f = x - i as f64;
    let a = RGBColor(A[i].0, A[i].1, A[i].2);
    let b = RGBColor(A[i + 1].0, A[i + 1].1, A[i + 1].2);
    lerp(a, b, f)
}

/// Relative luminance, to pick black or white text on a coloured cell.
pub(crate) fn is_dark(c: RGBColor) -> bool {
    0.299 * c.0 as f64 + 0.587 * c.1 as f64 + 0.114 * c.2 as f64 <= 140.0
}

/// Colour assignment by key, stable in order of first appearance, shared across the panels of a
/// chart so that one entity keeps one colour.
#[derive(Default)]
pub(crate) struct ColorMap {
    keys: Vec<String>,
}

impl ColorMap {
    pub(crate) fn get(&mut self, key: &str) -> RGBColor {
        if let Some(i) = self.keys.iter().position(|k| k == key) {
            return palette(i);
        }
        self.keys.push(key.to_string());
        palette(self.keys.len() - 1)
    }
}

/// The entity a series label names: the label without generic words such as "NAV", "pool" or
/// "price", so that "ezETH pool price" and "ezETH NAV" share a colour.
pub(crate) fn entity_key(label: &str) -> String {
    const GENERIC: [&str; 12] =
        ["nav", "pool", "price", "amm", "queue", "wait", "buffer", "market", "exchange", "rate", "(eth)", "-"];
    let words: Vec<&str> =
        label.split_whitespace().filter(|w| !GENERIC.contains(&w.to_ascii_lowercase().as_str())).collect();
    if words.is_empty() { label.trim().to_string() } else { words.join(" ") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entity_keys_pair_prices_and_navs() {
        assert_eq!(entity_key("ezETH pool price"), "ezETH");
        assert_eq!(entity_key("ezETH NAV"), "ezETH");
        assert_eq!(entity_key("Morpho ezETH/WETH"), "Morpho ezETH/WETH");
        assert_eq!(entity_key("NAV"), "NAV");
    }

    #[test]
    fn shades_go_dark_to_light() {
        let l = |c: RGBColor| c.0 as u32 + c.1 as u32 + c.2 as u32;
        assert!(l(shade(0, 0, 3)) < l(shade(0, 1, 3)) && l(shade(0, 1, 3)) < l(shade(0, 2, 3)));
    }
}
