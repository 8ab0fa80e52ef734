//! 打印校准页: crosshairs at known distances from the paper's edges and a
//! 50 mm ruler, so a clerk can measure what a printer really does and
//! enter the offset and scale that correct it.

use super::page::{Item, Page, Rect, TextRun};
use super::text;
use crate::i18n::{self, Lang};

/// Distance of each crosshair's centre from the nearest two paper edges.
pub const MARK_INSET_MM: f32 = 20.0;
/// Length of the ruler.
pub const RULER_MM: f32 = 50.0;
/// Thickness of drawn lines.
const LINE_MM: f32 = 0.25;
/// Half the length of a crosshair's arms.
const ARM_MM: f32 = 6.0;
const SIZE_PT: f32 = 7.0;

fn fill(page: &mut Page, x_mm: f32, y_mm: f32, w_mm: f32, h_mm: f32) {
    page.items.push(Item::Fill(Rect {
        x_mm,
        y_mm,
        w_mm,
        h_mm,
    }));
}

fn line(page: &mut Page, x_mm: f32, baseline_mm: f32, size_pt: f32, text: String) {
    page.items.push(Item::Text(TextRun {
        x_mm,
        baseline_mm,
        size_pt,
        text,
    }));
}

/// A crosshair centred on (`x`, `y`) with its coordinates written beside it.
fn crosshair(page: &mut Page, x: f32, y: f32, label_left: bool) {
    fill(page, x - ARM_MM, y - LINE_MM / 2.0, 2.0 * ARM_MM, LINE_MM);
    fill(page, x - LINE_MM / 2.0, y - ARM_MM, LINE_MM, 2.0 * ARM_MM);
    let label = format!("X {x:.0} / Y {y:.0} mm");
    let w = text::width_mm(&label, SIZE_PT);
    let lx = if label_left { x - 1.0 - w } else { x + 1.0 };
    line(page, lx, y - 1.0, SIZE_PT, label);
}

/// The calibration page for paper of `size` mm, drawn true to size (the
/// printer's own calibration is applied when it is sent, as for any page).
pub fn page(size: (f32, f32), lang: Lang) -> Page {
    let (w, h) = size;
    let mut p = Page::new(size);
    let inset = MARK_INSET_MM;
    crosshair(&mut p, inset, inset, false);
    crosshair(&mut p, w - inset, h - inset, true);
    // The ruler: 1 mm ticks, longer every 5 and 10 mm, numbered every 10.
    let (rx, ry) = (inset, inset + 14.0);
    fill(&mut p, rx, ry, RULER_MM, LINE_MM);
    for mm in 0..=RULER_MM as u32 {
        let tall = match mm {
            m if m % 10 == 0 => 4.0,
            m if m % 5 == 0 => 2.5,
            _ => 1.5,
        };
        let x = rx + mm as f32 - LINE_MM / 2.0;
        fill(&mut p, x, ry - tall, LINE_MM, tall);
        if mm % 10 == 0 {
            let n = mm.to_string();
            let nx = x - text::width_mm(&n, SIZE_PT) / 2.0;
            line(&mut p, nx, ry + 3.5, SIZE_PT, n);
        }
    }
    let margin = 6.0;
    let mut y = ry + 10.0;
    let body = [
        i18n::t(lang, "printer.cal_page.title"),
        i18n::tf(
            lang,
            "printer.cal_page.offset",
            &[("inset", &format!("{inset:.0}"))],
        ),
        i18n::tf(
            lang,
            "printer.cal_page.scale",
            &[("ruler", &format!("{RULER_MM:.0}"))],
        ),
    ];
    for (i, para) in body.iter().enumerate() {
        let size = if i == 0 { 9.0 } else { SIZE_PT };
        for l in text::wrap(para, w - 2.0 * margin, size) {
            y += text::line_height_mm(size);
            if y > h - inset - ARM_MM - 2.0 {
                return p;
            }
            line(&mut p, margin, y, size, l);
        }
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_and_ruler_sit_at_their_stated_distances_on_every_paper() {
        for size in [(100.0, 150.0), (76.0, 130.0), (210.0, 297.0)] {
            let p = page(size, Lang::ZhCn);
            let fills: Vec<&Rect> = p
                .items
                .iter()
                .filter_map(|i| match i {
                    Item::Fill(r) => Some(r),
                    Item::Text(_) => None,
                })
                .collect();
            // Horizontal arms of the two crosshairs, centred on their marks.
            let centre = |r: &Rect| (r.x_mm + r.w_mm / 2.0, r.y_mm + r.h_mm / 2.0);
            let arms: Vec<(f32, f32)> = fills
                .iter()
                .filter(|r| (r.w_mm - 2.0 * ARM_MM).abs() < 1e-4)
                .map(|r| centre(r))
                .collect();
            assert_eq!(arms, [(20.0, 20.0), (size.0 - 20.0, size.1 - 20.0)]);
            let ruler = fills
                .iter()
                .find(|r| (r.w_mm - RULER_MM).abs() < 1e-4)
                .expect("ruler");
            let ticks = fills
                .iter()
                .filter(|r| r.w_mm == LINE_MM && (r.y_mm + r.h_mm - ruler.y_mm).abs() < 1e-4)
                .count();
            assert_eq!(ticks, 51, "a tick every millimetre, standing on the ruler");
            assert!(
                p.items.iter().all(|i| match i {
                    Item::Fill(r) => r.x_mm >= 0.0 && r.x_mm + r.w_mm <= size.0,
                    Item::Text(t) => {
                        t.x_mm >= 0.0
                            && t.x_mm + text::width_mm(&t.text, t.size_pt) <= size.0 + 0.01
                    }
                }),
                "everything on the paper"
            );
            assert!(p.texts().any(|t| t.contains("X 20 / Y 20 mm")));
        }
    }
}
