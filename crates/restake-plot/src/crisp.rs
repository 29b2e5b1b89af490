//! Text rendering for bitmap output.
//!
//! plotters' ab_glyph text drawing drops each glyph's left side bearing and rounds the pen
//! position to whole pixels, which spaces letter pairs unevenly ("ezE TH", "s witches"). This
//! wrapper delegates everything to the inner backend except text, which it lays out with
//! ab_glyph itself: sub-pixel pen positions, side bearings, kerning, and a baseline placed from
//! the font's metrics so that centred text is centred on its capitals.
//! The SVG output does not need it: there the viewer lays out the text.

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, Glyph, PxScale, ScaleFont, point};
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind, FontFamily, FontStyle,
};

struct Faces {
    regular: FontRef<'static>,
    bold: FontRef<'static>,
}

fn faces() -> Option<&'static Faces> {
    static FACES: OnceLock<Option<Faces>> = OnceLock::new();
    FACES
        .get_or_init(|| {
            Some(Faces {
                regular: FontRef::try_from_slice(dejavu::sans::regular()).ok()?,
                bold: FontRef::try_from_slice(dejavu::sans::bold()).ok()?,
            })
        })
        .as_ref()
}

/// The face for a style, if it is one of ours (family "sans-serif").
fn face(family: FontFamily, style: FontStyle) -> Option<&'static FontRef<'static>> {
    if family.as_str() != "sans-serif" {
        return None;
    }
    let f = faces()?;
    Some(match style {
        FontStyle::Bold => &f.bold,
        _ => &f.regular,
    })
}

/// Glyphs of `text` on a baseline at y = 0 starting at x = 0, and the advance width.
fn layout(font: &FontRef<'static>, scale: PxScale, text: &str) -> (Vec<Glyph>, f32) {
    let sf = font.as_scaled(scale);
    let mut pen = 0.0f32;
    let mut prev = None;
    let mut glyphs = Vec::with_capacity(text.len());
    for c in text.chars() {
        let id = sf.glyph_id(c);
        if let Some(p) = prev {
            pen += sf.kern(p, id);
        }
        glyphs.push(id.with_scale_and_position(scale, point(pen, 0.0)));
        pen += sf.h_advance(id);
        prev = Some(id);
    }
    (glyphs, pen)
}

/// A backend wrapper that draws text itself (see the module docs).
pub(crate) struct Crisp<B>(pub B);

impl<B: DrawingBackend> DrawingBackend for Crisp<B> {
    type ErrorType = B::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.0.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.present()
    }

    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.fill_polygon(vert, style)
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.blit_bitmap(pos, size, src)
    }

    fn estimate_text_size<TStyle: BackendTextStyle>(
        &self,
        text: &str,
        style: &TStyle,
    ) -> Result<(u32, u32), DrawingErrorKind<Self::ErrorType>> {
        let Some(font) = face(style.family(), style.style()) else {
            return self.0.estimate_text_size(text, style);
        };
        let (_, w) = layout(font, PxScale::from(style.size() as f32), text);
        // Same height as plotters' own estimate, so that its label-area layout is unchanged.
        Ok((w.ceil().max(0.0) as u32, (style.size() / 1.24) as u32))
    }

    fn draw_text<TStyle: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &TStyle,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let Some(font) = face(style.family(), style.style()) else {
            return self.0.draw_text(text, style, pos);
        };
        let color = style.color();
        if color.alpha == 0.0 || text.is_empty() {
            return Ok(());
        }
        let scale = PxScale::from(style.size() as f32);
        let sf = font.as_scaled(scale);
        let (glyphs, width) = layout(font, scale, text);
        // Em size in pixels, and the cap height of DejaVu Sans (0.729 em).
        let em = scale.y * font.units_per_em().unwrap_or(2048.0) / font.height_unscaled();
        let cap = 0.729 * em;
        let anchor = style.anchor();
        let dx = match anchor.h_pos {
            HPos::Left => 0.0,
            HPos::Center => -width / 2.0,
            HPos::Right => -width,
        };
        let baseline = match anchor.v_pos {
            VPos::Top => 0.76 * em,
            VPos::Center => cap / 2.0,
            VPos::Bottom => sf.descent(),
        };
        let trans = style.transform();
        let (w, h) = self.get_size();
        let mut pixels: Vec<(i32, i32, f32)> = Vec::new();
        for mut g in glyphs {
            g.position = point(g.position.x + dx, baseline);
            if let Some(og) = font.outline_glyph(g) {
                let b = og.px_bounds();
                og.draw(|x, y, cov| {
                    if cov <= 0.0 {
                        return;
                    }
                    let ox = b.min.x as i32 + x as i32;
                    let oy = b.min.y as i32 + y as i32;
                    let (rx, ry) = trans.transform(ox, oy);
                    let (px, py) = (pos.0 + rx, pos.1 + ry);
                    if px >= 0 && py >= 0 && (px as u32) < w && (py as u32) < h {
                        pixels.push((px, py, cov.min(1.0)));
                    }
                });
            }
        }
        for (x, y, cov) in pixels {
            self.0.draw_pixel((x, y), BackendColor { alpha: color.alpha * cov as f64, rgb: color.rgb })?;
        }
        Ok(())
    }
}
