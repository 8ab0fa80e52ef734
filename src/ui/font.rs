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
