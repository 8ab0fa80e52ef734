//! The embedded CJK font as the layout pass and the PDF writer see it: one
//! face, so widths measured for wrapping are the widths drawn.

use std::sync::OnceLock;

/// WenQuanYi Micro Hei (a TrueType collection; face 0 is the proportional
/// one). It has every BMP ideograph, Latin and ￥.
pub const BYTES: &[u8] = include_bytes!("../../assets/fonts/wqy-microhei.ttc");

/// Face index inside the collection.
pub const FACE_INDEX: u32 = 0;

/// What layout needs from the font, read once.
pub struct Metrics {
    face: ttf_parser::Face<'static>,
    units_per_em: f32,
    /// Ascender above the baseline, in em.
    pub ascent: f32,
    /// Descender below the baseline, in em (positive).
    pub descent: f32,
}

/// The font's metrics; `None` only if the bundled file is damaged.
pub fn metrics() -> Option<&'static Metrics> {
    static METRICS: OnceLock<Option<Metrics>> = OnceLock::new();
    METRICS
        .get_or_init(|| {
            let face = ttf_parser::Face::parse(BYTES, FACE_INDEX).ok()?;
            let units_per_em = f32::from(face.units_per_em());
            Some(Metrics {
                ascent: f32::from(face.ascender()) / units_per_em,
                descent: -f32::from(face.descender()) / units_per_em,
                units_per_em,
                face,
            })
        })
        .as_ref()
}

impl Metrics {
    /// The glyph drawn for `c` (0, the missing-glyph box, if the font has
    /// none) and its advance in em.
    pub fn glyph(&self, c: char) -> (u16, f32) {
        let id = self.face.glyph_index(c).unwrap_or(ttf_parser::GlyphId(0));
        let advance = self.face.glyph_hor_advance(id).unwrap_or(0);
        (id.0, f32::from(advance) / self.units_per_em)
    }

    /// Width of `text` in em.
    pub fn width_em(&self, text: &str) -> f32 {
        text.chars().map(|c| self.glyph(c).1).sum()
    }
}
