//! Writes the page model to PDF with krilla, which embeds only the glyphs
//! used from the CJK font (a label PDF stays small) and maps each glyph
//! back to its text, so the PDF can be searched and read back.

use std::sync::OnceLock;

use krilla::Document;
use krilla::geom::{PathBuilder, Point, Rect as PdfRect};
use krilla::page::PageSettings;
use krilla::paint::Fill;
use krilla::text::{Font, GlyphId, KrillaGlyph};

use super::font;
use super::page::{Item, MM_PER_PT, Page};

/// Why a PDF could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the bundled font cannot be read")]
    Font,
    #[error("nothing to print")]
    Empty,
    #[error("PDF: {0}")]
    Write(String),
}

fn pdf_font() -> Option<Font> {
    static FONT: OnceLock<Option<Font>> = OnceLock::new();
    FONT.get_or_init(|| Font::new(font::BYTES.into(), font::FACE_INDEX))
        .clone()
}

fn pt(mm: f32) -> f32 {
    mm / MM_PER_PT
}

/// The PDF of `pages`, the whole set repeated `copies` times (collated).
pub fn write(pages: &[Page], copies: u32) -> Result<Vec<u8>, PdfError> {
    if pages.is_empty() {
        return Err(PdfError::Empty);
    }
    let font = pdf_font().ok_or(PdfError::Font)?;
    let metrics = font::metrics().ok_or(PdfError::Font)?;
    let mut doc = Document::new();
    for page in std::iter::repeat_n(pages, copies.max(1) as usize).flatten() {
        let settings = PageSettings::from_wh(pt(page.width_mm), pt(page.height_mm))
            .ok_or_else(|| PdfError::Write("page size".into()))?;
        let mut pdf_page = doc.start_page_with(settings);
        let mut surface = pdf_page.surface();
        surface.set_fill(Some(Fill::default()));
        let mut rects = PathBuilder::new();
        for item in &page.items {
            match item {
                Item::Fill(r) => {
                    if let Some(rect) =
                        PdfRect::from_xywh(pt(r.x_mm), pt(r.y_mm), pt(r.w_mm), pt(r.h_mm))
                    {
                        rects.push_rect(rect);
                    }
                }
                Item::Text(t) => {
                    let glyphs: Vec<KrillaGlyph> = t
                        .text
                        .char_indices()
                        .map(|(i, c)| {
                            let (id, advance) = metrics.glyph(c);
                            KrillaGlyph::new(
                                GlyphId::new(u32::from(id)),
                                advance,
                                0.0,
                                0.0,
                                0.0,
                                i..i + c.len_utf8(),
                                None,
                            )
                        })
                        .collect();
                    surface.draw_glyphs(
                        Point::from_xy(pt(t.x_mm), pt(t.baseline_mm)),
                        &glyphs,
                        font.clone(),
                        &t.text,
                        t.size_pt,
                        false,
                    );
                }
            }
        }
        if let Some(path) = rects.finish() {
            surface.draw_path(&path);
        }
        surface.finish();
        pdf_page.finish();
    }
    doc.finish().map_err(|e| PdfError::Write(format!("{e:?}")))
}
