//! The page model every document is built into: pages of positioned items
//! in millimetres. The PDF writer and the preview both draw exactly these
//! items, so what is previewed is what is printed.

/// Millimetres in one PostScript point.
pub const MM_PER_PT: f32 = 25.4 / 72.0;

/// One page.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub width_mm: f32,
    pub height_mm: f32,
    pub items: Vec<Item>,
}

/// Something drawn on a page.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// One line of text, already wrapped.
    Text(TextRun),
    /// A filled black rectangle: rules, box edges, barcode bars, QR modules.
    Fill(Rect),
}

/// One line of text at a position.
#[derive(Debug, Clone, PartialEq)]
pub struct TextRun {
    pub x_mm: f32,
    /// The baseline.
    pub baseline_mm: f32,
    pub size_pt: f32,
    pub text: String,
}

/// A rectangle, top-left origin.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x_mm: f32,
    pub y_mm: f32,
    pub w_mm: f32,
    pub h_mm: f32,
}

impl Page {
    /// An empty page of the given size.
    pub fn new((width_mm, height_mm): (f32, f32)) -> Page {
        Page {
            width_mm,
            height_mm,
            items: Vec::new(),
        }
    }

    /// Every text on the page in drawing order, one line each (tests and
    /// accessibility read pages this way).
    pub fn texts(&self) -> impl Iterator<Item = &str> {
        self.items.iter().filter_map(|i| match i {
            Item::Text(t) => Some(t.text.as_str()),
            Item::Fill(_) => None,
        })
    }

    /// Lowest point any item reaches, in mm from the top.
    pub fn bottom_mm(&self) -> f32 {
        self.items
            .iter()
            .map(|i| match i {
                Item::Text(t) => {
                    t.baseline_mm
                        + super::font::metrics().map_or(0.25, |m| m.descent) * t.size_pt * MM_PER_PT
                }
                Item::Fill(r) => r.y_mm + r.h_mm,
            })
            .fold(0.0, f32::max)
    }
}
