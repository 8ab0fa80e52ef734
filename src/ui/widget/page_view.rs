//! A printed page drawn on screen from the same page model the PDF is
//! written from, so the preview cannot drift from what is printed.

use iced::widget::canvas::{self, Frame, Geometry};
use iced::{Color, Length, Pixels, Point, Rectangle, Renderer, Size, mouse};

use crate::ui::Element;
use crate::ui::theme::AppTheme as Theme;

use crate::print::page::{Item, MM_PER_PT, Page};

/// Draws `page` at `px_per_mm` (white paper, black ink, whatever the theme).
pub fn page_view<'a, M: 'a>(page: &'a Page, px_per_mm: f32) -> Element<'a, M> {
    canvas::Canvas::new(PageProgram { page, px_per_mm })
        .width(Length::Fixed(page.width_mm * px_per_mm))
        .height(Length::Fixed(page.height_mm * px_per_mm))
        .into()
}

struct PageProgram<'a> {
    page: &'a Page,
    px_per_mm: f32,
}

/// The page's drawing, kept until the page or the zoom changes: without
/// it every pointer move over the preview laid out every text run again.
#[derive(Default)]
struct Drawn {
    cache: canvas::Cache<Renderer>,
    key: std::cell::Cell<Option<u64>>,
}

impl<M> canvas::Program<M, Theme> for PageProgram<'_> {
    type State = Drawn;

    fn draw(
        &self,
        state: &Drawn,
        renderer: &Renderer,
        _theme: &Theme,
        bounds: Rectangle,
        _cursor: mouse::Cursor,
    ) -> Vec<Geometry> {
        let key = Some(fingerprint(self.page, self.px_per_mm));
        if state.key.replace(key) != key {
            state.cache.clear();
        }
        vec![state.cache.draw(renderer, bounds.size(), |frame| {
            paint(frame, self.page, self.px_per_mm, bounds.size());
        })]
    }
}

/// What the drawing depends on (the page is rebuilt, not edited, so its
/// content is what identifies it).
fn fingerprint(page: &Page, px_per_mm: f32) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    let bits =
        |h: &mut std::hash::DefaultHasher, v: &[f32]| v.iter().for_each(|f| f.to_bits().hash(h));
    bits(&mut h, &[px_per_mm, page.width_mm, page.height_mm]);
    for item in &page.items {
        match item {
            Item::Fill(r) => bits(&mut h, &[r.x_mm, r.y_mm, r.w_mm, r.h_mm]),
            Item::Text(t) => {
                bits(&mut h, &[t.x_mm, t.baseline_mm, t.size_pt]);
                t.text.hash(&mut h);
            }
        }
    }
    h.finish()
}

/// The page drawn at `px_per_mm` into a frame of `size`: what the preview
/// shows (public for the print bench, which times it).
pub fn draw(page: &Page, px_per_mm: f32, renderer: &Renderer, size: Size) -> Geometry {
    let mut frame = Frame::new(renderer, size);
    paint(&mut frame, page, px_per_mm, size);
    frame.into_geometry()
}

fn paint(frame: &mut Frame, page: &Page, px_per_mm: f32, size: Size) {
    let k = px_per_mm;
    frame.fill_rectangle(Point::ORIGIN, size, Color::WHITE);
    let (ascent, descent) =
        crate::print::font::metrics().map_or((0.8, 0.2), |m| (m.ascent, m.descent));
    for item in &page.items {
        match item {
            Item::Fill(r) => {
                let (x, w) = hairline(r.x_mm * k, r.w_mm * k);
                let (y, h) = hairline(r.y_mm * k, r.h_mm * k);
                frame.fill_rectangle(Point::new(x, y), Size::new(w, h), Color::BLACK);
            }
            Item::Text(t) => {
                let size = t.size_pt * MM_PER_PT * k;
                frame.fill_text(canvas::Text {
                    content: t.text.clone(),
                    position: Point::new(t.x_mm * k, t.baseline_mm * k - ascent * size),
                    color: Color::BLACK,
                    size: Pixels(size),
                    // One line box exactly ascent + descent tall, so its
                    // top is the baseline minus the ascent.
                    line_height: iced::widget::text::LineHeight::Absolute(Pixels(
                        (ascent + descent) * size,
                    )),
                    font: crate::ui::font::DEFAULT,
                    align_y: iced::alignment::Vertical::Top,
                    ..canvas::Text::default()
                });
            }
        }
    }
}

/// A rule thinner than a pixel is drawn one whole pixel wide on the pixel
/// grid: anti-aliased across a pixel boundary it faded to nothing, and a
/// 装箱单's column lines vanished at some positions.
fn hairline(at: f32, len: f32) -> (f32, f32) {
    if len >= 1.0 {
        (at, len)
    } else {
        (at.round(), 1.0)
    }
}
