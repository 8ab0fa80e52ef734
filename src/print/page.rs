//! The page model every document is built into: pages of positioned items
//! in millimetres. The PDF writer and the preview both draw exactly these
//! items, so what is previewed is what is printed.

use crate::domain::calibration::Calibration;

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

    /// This page as it must be sent to a printer calibrated with `c`:
    /// every item scaled about the top-left corner (text sizes too) and
    /// moved by the offsets; the paper stays the same size.
    pub fn calibrated(&self, c: &Calibration) -> Page {
        if c.is_identity() {
            return self.clone();
        }
        let s = c.factor();
        let items = self
            .items
            .iter()
            .map(|item| match item {
                Item::Text(t) => {
                    let (x_mm, baseline_mm) = c.map(t.x_mm, t.baseline_mm);
                    Item::Text(TextRun {
                        x_mm,
                        baseline_mm,
                        size_pt: t.size_pt * s,
                        text: t.text.clone(),
                    })
                }
                Item::Fill(r) => {
                    let (x_mm, y_mm) = c.map(r.x_mm, r.y_mm);
                    Item::Fill(Rect {
                        x_mm,
                        y_mm,
                        w_mm: r.w_mm * s,
                        h_mm: r.h_mm * s,
                    })
                }
            })
            .collect();
        Page {
            width_mm: self.width_mm,
            height_mm: self.height_mm,
            items,
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn page() -> Page {
        let mut p = Page::new((100.0, 150.0));
        p.items.push(Item::Text(TextRun {
            x_mm: 10.0,
            baseline_mm: 20.0,
            size_pt: 10.0,
            text: "运单".into(),
        }));
        p.items.push(Item::Fill(Rect {
            x_mm: 50.0,
            y_mm: 100.0,
            w_mm: 20.0,
            h_mm: 4.0,
        }));
        p
    }

    #[test]
    fn calibration_moves_and_scales_every_item_but_not_the_paper() {
        let c = Calibration {
            offset_x_mm: 3.0,
            offset_y_mm: -1.5,
            scale_percent: 90.0,
        };
        let out = page().calibrated(&c);
        assert_eq!((out.width_mm, out.height_mm), (100.0, 150.0));
        let close = |a: f32, b: f32| (a - b).abs() < 1e-4;
        match &out.items[0] {
            Item::Text(t) => {
                assert!(close(t.x_mm, 12.0) && close(t.baseline_mm, 16.5), "{t:?}");
                assert!(close(t.size_pt, 9.0) && t.text == "运单");
            }
            other => panic!("{other:?}"),
        }
        match &out.items[1] {
            Item::Fill(r) => assert!(
                close(r.x_mm, 48.0)
                    && close(r.y_mm, 88.5)
                    && close(r.w_mm, 18.0)
                    && close(r.h_mm, 3.6),
                "{r:?}"
            ),
            other => panic!("{other:?}"),
        }
        assert_eq!(page().calibrated(&Calibration::default()), page());
    }
}
