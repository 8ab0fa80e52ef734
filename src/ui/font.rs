//! Bundled fonts: Chinese must render on any PC, and tests must draw the
//! same glyphs everywhere.

use iced::Font;

/// WenQuanYi Micro Hei: all CJK Unified Ideographs of the BMP plus Latin.
pub const CJK_BYTES: &[u8] = include_bytes!("../../assets/fonts/wqy-microhei.ttc");

/// The family every text uses by default. Pure-ASCII text is drawn with the
/// default font alone, so it must be the bundled one too.
pub const DEFAULT: Font = Font::with_name("WenQuanYi Micro Hei");

/// The same family in bold, for headings.
pub const BOLD: Font = Font {
    weight: iced::font::Weight::Bold,
    ..DEFAULT
};

/// Hands the bundled font to iced's text system as the static bytes it is,
/// before the window opens (issue 11). iced's own way (`.font(bytes)`)
/// copies every font into the heap, borrowed or not: 5.18 MB copied on the
/// first frame's path and kept resident all session. Here the text system
/// reads the bytes mapped from the executable. Call it before `run()`:
/// nothing has been laid out yet, so no text cache holds a fallback glyph
/// from before the font arrived. Later calls do nothing.
pub fn load() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(load_now);
}

fn load_now() {
    use iced::advanced::graphics::text::{cosmic_text::fontdb, font_system};
    let Ok(mut fonts) = font_system().write() else {
        // Poisoned only by a panic inside iced's text system; the window
        // then draws with its own fallback font rather than not at all.
        tracing::error!("font system unavailable: the bundled CJK font is not loaded");
        return;
    };
    let source = fontdb::Source::Binary(std::sync::Arc::new(CJK_BYTES));
    if fonts.raw().db_mut().load_font_source(source).is_empty() {
        tracing::error!("the bundled CJK font did not load");
    }
}
