//! Dashed lines: dash patterns and drawing a pixel polyline with one.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::PlotError;

/// Line style of a series.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Dash {
    Solid,
    Dashed,
    Dotted,
}

impl Dash {
    fn pattern(self) -> Option<(i32, i32)> {
        match self {
            Dash::Solid => None,
            Dash::Dashed => Some((12, 7)),
            Dash::Dotted => Some((3, 5)),
        }
    }
}

/// Splits a pixel polyline into dash segments of `on` pixels separated by `off` pixels.
fn dash_segments(pts: &[(i32, i32)], on: i32, off: i32) -> Vec<Vec<(i32, i32)>> {
    let mut out = Vec::new();
    let mut cur: Vec<(f64, f64)> = Vec::new();
    let mut drawing = true;
    let mut left = on as f64;
    for w in pts.windows(2) {
        let (x0, y0) = (w[0].0 as f64, w[0].1 as f64);
        let (x1, y1) = (w[1].0 as f64, w[1].1 as f64);
        let len = ((x1 - x0).powi(2) + (y1 - y0).powi(2)).sqrt();
        if len == 0.0 {
            continue;
        }
        let mut pos = 0.0;
        if drawing && cur.is_empty() {
            cur.push((x0, y0));
        }
        while pos < len {
            let take = left.min(len - pos);
            pos += take;
            left -= take;
            let p = (x0 + (x1 - x0) * pos / len, y0 + (y1 - y0) * pos / len);
            if drawing {
                cur.push(p);
            }
            if left <= 1e-9 {
                if drawing {
                    out.push(std::mem::take(&mut cur));
                    left = off as f64;
                } else {
                    cur = vec![p];
                    left = on as f64;
                }
                drawing = !drawing;
            }
        }
    }
    if drawing && cur.len() > 1 {
        out.push(cur);
    }
    out.into_iter().map(|v| v.into_iter().map(|(x, y)| (x.round() as i32, y.round() as i32)).collect()).collect()
}

/// Draws a polyline given in pixel coordinates (relative to `area`) with a dash pattern.
pub(crate) fn pixel_line<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    pts: &[(i32, i32)],
    style: ShapeStyle,
    dash: Dash,
) -> Result<(), PlotError> {
    match dash.pattern() {
        None => {
            area.draw(&PathElement::new(pts.to_vec(), style))?;
        }
        Some((on, off)) => {
            for seg in dash_segments(pts, on, off) {
                area.draw(&PathElement::new(seg, style))?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dashes_cover_the_line() {
        let segs = dash_segments(&[(0, 0), (100, 0)], 10, 5);
        assert_eq!(segs.len(), 7);
        assert!(segs.iter().all(|s| s.len() >= 2));
        assert!(dash_segments(&[(0, 0), (0, 0)], 10, 5).is_empty());
    }
}
