//! The report's two charts on iced's canvas: the ratio per child outlet as
//! bars with the network's average as a line and the target marked, and
//! the ratio day by day as a line. The bars, lines and axes are drawn once
//! into a cache (cleared when the answer changes) and only the hover
//! (the value under the pointer) is drawn on every frame, so 200 bars
//! redraw within a frame. Colours come from the theme and are brought to
//! the style's contrast, so the charts read in every display style.

use std::cell::Cell;
use std::time::{Duration, Instant};

use iced::alignment::Vertical;
use iced::mouse;
use iced::widget::canvas::{self, Cache, Frame, Geometry, LineDash, Path, Stroke, Text};
use iced::widget::text::{Alignment as TextAlign, Shaping};
use iced::{Color, Point, Rectangle, Renderer, Size};

use super::Message;
use crate::ui::font;
use crate::ui::theme::{self, AppTheme as Theme};

/// Height of one bar's row.
pub const ROW: f32 = 22.0;
/// Room above the bars for the average's and the target's labels.
const HEAD: f32 = 22.0;
/// Room below the bars for the scale.
const FOOT: f32 = 18.0;
/// Two presses on the same bar within this are a double-click.
const DOUBLE_CLICK: Duration = Duration::from_millis(450);
const SIZE: f32 = 12.0;

/// One bar: a child outlet's ratio.
#[derive(Debug, Clone)]
pub struct Bar<'a> {
    pub name: &'a str,
    /// billed ÷ valid, none when nothing is valid.
    pub ratio: Option<f64>,
    pub valid: i64,
    pub billed: i64,
    /// Below the target: drawn in the danger colour.
    pub low: bool,
    /// What a double-click on it opens.
    pub open: Message,
}

/// The texts the charts draw, already in the user's language.
#[derive(Debug, Clone)]
pub struct Labels {
    /// "平均 62.3%".
    pub average: String,
    /// "目标 60%".
    pub target: String,
    /// "有效单" and "已开单", for the hover's line.
    pub valid: String,
    pub billed: String,
}

/// The theme's colours for the charts, each brought to the style's
/// contrast against the chart's background.
struct Ink {
    text: Color,
    muted: Color,
    grid: Color,
    bar: Color,
    low: Color,
    average: Color,
    target: Color,
    hover: Color,
    tip_bg: Color,
    tip_text: Color,
}

impl Ink {
    fn of(t: &Theme) -> Ink {
        let p = t.extended_palette();
        let bg = p.background.weakest.color;
        let text = theme::readable(t, p.background.base.text, bg);
        Ink {
            text,
            muted: theme::readable(t, Color { a: 0.7, ..text }, bg),
            grid: Color { a: 0.18, ..text },
            bar: theme::edge(t, p.primary.base.color, bg),
            low: theme::edge(t, p.danger.base.color, bg),
            average: text,
            target: theme::edge(t, p.warning.strong.color, bg),
            hover: Color { a: 0.10, ..text },
            tip_bg: text,
            tip_text: bg,
        }
    }

    /// What the cache was drawn with: a style change draws it again.
    fn key(&self) -> [u32; 3] {
        [self.text, self.bar, self.target].map(|c| {
            let [r, g, b, a] = c.into_rgba8();
            u32::from_le_bytes([r, g, b, a])
        })
    }
}

fn label(content: String, at: Point, color: Color) -> Text {
    Text {
        content,
        position: at,
        color,
        size: SIZE.into(),
        font: font::DEFAULT,
        align_y: Vertical::Center,
        shaping: Shaping::Advanced,
        ..Text::default()
    }
}

fn dashed(color: Color) -> Stroke<'static> {
    Stroke {
        line_dash: LineDash {
            segments: &[5.0, 4.0],
            offset: 0,
        },
        ..Stroke::default().with_color(color).with_width(2.0)
    }
}

/// A percentage with one decimal.
fn pct(r: f64) -> String {
    format!("{:.1}%", r * 100.0)
}

/// A dark box with a line of text beside the pointer, kept inside `size`.
fn tip(frame: &mut Frame, ink: &Ink, at: Point, content: String, size: Size) {
    // CJK takes about a full em, Latin about half.
    let w = content
        .chars()
        .map(|c| {
            if (c as u32) >= 0x2E80 {
                SIZE
            } else {
                SIZE * 0.6
            }
        })
        .sum::<f32>()
        + 12.0;
    let h = SIZE + 10.0;
    let x = (at.x + 12.0).min(size.width - w).max(0.0);
    let y = (at.y - h - 6.0).max(0.0);
    frame.fill_rectangle(Point::new(x, y), Size::new(w, h), ink.tip_bg);
    frame.fill_text(label(
        content,
        Point::new(x + 6.0, y + h / 2.0),
        ink.tip_text,
    ));
}

impl Labels {
    /// The hover's line: "扬州办事处 58.2% · 已开单 70 / 有效单 120".
    fn value(&self, head: &str, ratio: Option<f64>, billed: i64, valid: i64) -> String {
        format!(
            "{head} {} · {} {billed} / {} {valid}",
            ratio.map_or_else(|| "—".to_owned(), pct),
            self.billed,
            self.valid
        )
    }
}

/// The chart's cached drawing (drawn again first when the style changed)
/// and the colours it was drawn with.
fn cached(
    cache: &Cache,
    state: &Hover,
    renderer: &Renderer,
    theme: &Theme,
    size: Size,
    draw: impl FnOnce(&mut Frame, &Ink),
) -> (Ink, Geometry) {
    let ink = Ink::of(theme);
    state.check_style(cache, &ink);
    let g = cache.draw(renderer, size, |f| draw(f, &ink));
    (ink, g)
}

/// The canvas's own state: the hovered item and the last press.
#[derive(Default)]
pub struct Hover {
    index: Option<usize>,
    press: Option<(Instant, usize)>,
    /// The colours the cache holds.
    drawn_with: Cell<Option<[u32; 3]>>,
}

impl Hover {
    /// The pointer is over `index` now: a redraw when that changed.
    fn moved(&mut self, index: Option<usize>) -> Option<canvas::Action<Message>> {
        (index != self.index).then(|| {
            self.index = index;
            canvas::Action::request_redraw()
        })
    }

    /// Clears `cache` when the style changed since it was drawn.
    fn check_style(&self, cache: &Cache, ink: &Ink) {
        let key = Some(ink.key());
        if self.drawn_with.get() != key {
            cache.clear();
            self.drawn_with.set(key);
        }
    }
}

/// The ratio per child outlet: horizontal bars (names read at any count),
/// the average as a solid line, the target dashed.
pub struct Bars<'a> {
    pub bars: Vec<Bar<'a>>,
    pub average: Option<f64>,
    /// 0..1.
    pub target: f64,
    pub labels: Labels,
    pub cache: &'a Cache,
}

/// Where the bars are drawn in a chart of `width`: (name column, bar
/// start, bar length for the scale's end).
fn bar_area(width: f32) -> (f32, f32, f32) {
    let names = (width * 0.32).clamp(60.0, 200.0);
    let start = names + 8.0;
    // Room on the right for a bar's value.
    let length = (width - start - 52.0).max(10.0);
    (names, start, length)
}

impl Bars<'_> {
    /// The chart's height for its bars.
    pub fn height(&self) -> f32 {
        HEAD + ROW * self.bars.len().max(1) as f32 + FOOT
    }

    /// The ratio at the scale's right end: 100 %, or more if a ratio is.
    fn top(&self) -> f64 {
        self.bars.iter().filter_map(|b| b.ratio).fold(1.0, f64::max)
    }

    fn index_at(&self, p: Point) -> Option<usize> {
        let i = ((p.y - HEAD) / ROW).floor();
        (i >= 0.0 && (i as usize) < self.bars.len()).then_some(i as usize)
    }

    fn draw_static(&self, frame: &mut Frame, ink: &Ink) {
        let size = frame.size();
        let (names, start, length) = bar_area(size.width);
        let top = self.top();
        let x_of = |r: f64| start + (r / top) as f32 * length;
        let bottom = HEAD + ROW * self.bars.len() as f32;
        // The scale: 0, 25, 50, 75, 100 %.
        for q in 0..=4 {
            let r = top * f64::from(q) / 4.0;
            let x = x_of(r);
            frame.stroke(
                &Path::line(Point::new(x, HEAD - 4.0), Point::new(x, bottom)),
                Stroke::default().with_color(ink.grid).with_width(1.0),
            );
            frame.fill_text(Text {
                align_x: TextAlign::Center,
                ..label(
                    format!("{:.0}%", r * 100.0),
                    Point::new(x, bottom + FOOT / 2.0),
                    ink.muted,
                )
            });
        }
        for (i, b) in self.bars.iter().enumerate() {
            let y = HEAD + ROW * i as f32;
            frame.fill_text(Text {
                max_width: names,
                ..label(b.name.to_owned(), Point::new(0.0, y + ROW / 2.0), ink.text)
            });
            let Some(r) = b.ratio else {
                frame.fill_text(label(
                    "—".into(),
                    Point::new(start + 2.0, y + ROW / 2.0),
                    ink.muted,
                ));
                continue;
            };
            let w = (x_of(r) - start).max(1.0);
            frame.fill_rectangle(
                Point::new(start, y + 4.0),
                Size::new(w, ROW - 8.0),
                if b.low { ink.low } else { ink.bar },
            );
            frame.fill_text(label(
                pct(r),
                Point::new(start + w + 4.0, y + ROW / 2.0),
                ink.text,
            ));
        }
        // The target, dashed, labelled at the bottom; the average, solid,
        // labelled at the top: the two labels never meet.
        let tx = x_of(self.target);
        frame.stroke(
            &Path::line(Point::new(tx, HEAD - 2.0), Point::new(tx, bottom)),
            dashed(ink.target),
        );
        if let Some(avg) = self.average {
            let ax = x_of(avg);
            frame.stroke(
                &Path::line(Point::new(ax, HEAD - 2.0), Point::new(ax, bottom)),
                Stroke::default().with_color(ink.average).with_width(2.0),
            );
            frame.fill_text(Text {
                align_x: if ax > size.width / 2.0 {
                    TextAlign::Right
                } else {
                    TextAlign::Left
                },
                ..label(
                    self.labels.average.clone(),
                    Point::new(ax, HEAD / 2.0 - 1.0),
                    ink.average,
                )
            });
        }
        // The target's label sits at the top too, on the far side from the
        // average's, unless they are far apart.
        let avg_right = self.average.is_some_and(|a| x_of(a) > size.width / 2.0);
        frame.fill_text(Text {
            align_x: if avg_right {
                TextAlign::Left
            } else {
                TextAlign::Right
            },
            ..label(
                self.labels.target.clone(),
                Point::new(if avg_right { 0.0 } else { size.width }, HEAD / 2.0 - 1.0),
                ink.target,
            )
        });
    }
}

impl canvas::Program<Message, Theme> for Bars<'_> {
    type State = Hover;

    fn update(
        &self,
        state: &mut Hover,
        event: &canvas::Event,
        bounds: Rectangle,
        cursor: mouse::Cursor,
    ) -> Option<canvas::Action<Message>> {
        let at = cursor.position_in(bounds);
        match event {
            canvas::Event::Mouse(mouse::Event::CursorMoved { .. } | mouse::Event::CursorLeft) => {
                state.moved(at.and_then(|p| self.index_at(p)))
            }
            canvas::Event::Mouse(mouse::Event::ButtonPressed(mouse::Button::Left)) => {
                let i = at.and_then(|p| self.index_at(p))?;
                let now = Instant::now();
                let double = state
                    .press
                    .is_some_and(|(t, j)| j == i && now.duration_since(t) <= DOUBLE_CLICK);
                state.press = (!double).then_some((now, i));
                double.then(|| canvas::Action::publish(self.bars[i].open.clone()).and_capture())
            }
            _ => None,
        }
    }

    fn draw(
        &self,
        state: &Hover,
        renderer: &Renderer,
        theme: &Theme,
        bounds: Rectangle,
        cursor: mouse::Cursor,
    ) -> Vec<Geometry> {
        let (ink, bars) = cached(
            self.cache,
            state,
            renderer,
            theme,
            bounds.size(),
            |f, ink| self.draw_static(f, ink),
        );
        let Some(i) = state.index.filter(|i| *i < self.bars.len()) else {
            return vec![bars];
        };
        let mut over = Frame::new(renderer, bounds.size());
        let b = &self.bars[i];
        let y = HEAD + ROW * i as f32;
        over.fill_rectangle(Point::new(0.0, y), Size::new(bounds.width, ROW), ink.hover);
        let value = self.labels.value(b.name, b.ratio, b.billed, b.valid);
        let at = cursor
            .position_in(bounds)
            .unwrap_or(Point::new(bounds.width / 2.0, y));
        tip(&mut over, &ink, Point::new(at.x, y), value, bounds.size());
        vec![bars, over.into_geometry()]
    }

    fn mouse_interaction(
        &self,
        state: &Hover,
        _bounds: Rectangle,
        _cursor: mouse::Cursor,
    ) -> mouse::Interaction {
        if state.index.is_some() {
            mouse::Interaction::Pointer
        } else {
            mouse::Interaction::default()
        }
    }
}

/// One day of the trend.
#[derive(Debug, Clone)]
pub struct Day {
    /// "03-05".
    pub label: String,
    pub ratio: Option<f64>,
    pub valid: i64,
    pub billed: i64,
}

/// The ratio day by day as a line, the target dashed.
pub struct Trend<'a> {
    pub days: Vec<Day>,
    /// 0..1.
    pub target: f64,
    pub labels: Labels,
    pub cache: &'a Cache,
}

/// The trend's plot area in a chart of `size`.
fn plot(size: Size) -> Rectangle {
    let left = 40.0;
    Rectangle {
        x: left,
        y: 10.0,
        width: (size.width - left - 10.0).max(10.0),
        height: (size.height - 10.0 - FOOT - 4.0).max(10.0),
    }
}

impl Trend<'_> {
    fn x_of(&self, area: Rectangle, i: usize) -> f32 {
        if self.days.len() <= 1 {
            return area.x + area.width / 2.0;
        }
        area.x + area.width * i as f32 / (self.days.len() - 1) as f32
    }

    fn y_of(area: Rectangle, r: f64) -> f32 {
        area.y + area.height * (1.0 - r.clamp(0.0, 1.0) as f32)
    }

    fn index_at(&self, size: Size, p: Point) -> Option<usize> {
        let area = plot(size);
        if self.days.is_empty() || p.x < area.x - 8.0 || p.x > area.x + area.width + 8.0 {
            return None;
        }
        let n = self.days.len();
        if n == 1 {
            return Some(0);
        }
        let f = (p.x - area.x) / area.width * (n - 1) as f32;
        Some((f.round().max(0.0) as usize).min(n - 1))
    }

    fn draw_static(&self, frame: &mut Frame, ink: &Ink) {
        let area = plot(frame.size());
        for q in 0..=4 {
            let r = f64::from(q) / 4.0;
            let y = Self::y_of(area, r);
            frame.stroke(
                &Path::line(Point::new(area.x, y), Point::new(area.x + area.width, y)),
                Stroke::default().with_color(ink.grid).with_width(1.0),
            );
            if q % 2 == 0 {
                frame.fill_text(Text {
                    align_x: TextAlign::Right,
                    ..label(
                        format!("{:.0}%", r * 100.0),
                        Point::new(area.x - 4.0, y),
                        ink.muted,
                    )
                });
            }
        }
        let ty = Self::y_of(area, self.target);
        frame.stroke(
            &Path::line(Point::new(area.x, ty), Point::new(area.x + area.width, ty)),
            dashed(ink.target),
        );
        // The line breaks over days with nothing valid (no ratio).
        let line = Path::new(|b| {
            let mut drawing = false;
            for (i, d) in self.days.iter().enumerate() {
                match d.ratio {
                    Some(r) => {
                        let p = Point::new(self.x_of(area, i), Self::y_of(area, r));
                        if drawing {
                            b.line_to(p);
                        } else {
                            b.move_to(p);
                        }
                        drawing = true;
                    }
                    None => drawing = false,
                }
            }
        });
        frame.stroke(&line, Stroke::default().with_color(ink.bar).with_width(2.0));
        // Points only while they stay apart.
        if self.days.len() <= 62 {
            for (i, d) in self.days.iter().enumerate() {
                if let Some(r) = d.ratio {
                    let p = Point::new(self.x_of(area, i), Self::y_of(area, r));
                    frame.fill(&Path::circle(p, 2.5), ink.bar);
                }
            }
        }
        let foot = area.y + area.height + FOOT / 2.0 + 4.0;
        if let Some(first) = self.days.first() {
            frame.fill_text(label(
                first.label.clone(),
                Point::new(area.x, foot),
                ink.muted,
            ));
        }
        if let (Some(last), true) = (self.days.last(), self.days.len() > 1) {
            frame.fill_text(Text {
                align_x: TextAlign::Right,
                ..label(
                    last.label.clone(),
                    Point::new(area.x + area.width, foot),
                    ink.muted,
                )
            });
        }
    }
}

impl canvas::Program<Message, Theme> for Trend<'_> {
    type State = Hover;

    fn update(
        &self,
        state: &mut Hover,
        event: &canvas::Event,
        bounds: Rectangle,
        cursor: mouse::Cursor,
    ) -> Option<canvas::Action<Message>> {
        match event {
            canvas::Event::Mouse(mouse::Event::CursorMoved { .. } | mouse::Event::CursorLeft) => {
                state.moved(
                    cursor
                        .position_in(bounds)
                        .and_then(|p| self.index_at(bounds.size(), p)),
                )
            }
            _ => None,
        }
    }

    fn draw(
        &self,
        state: &Hover,
        renderer: &Renderer,
        theme: &Theme,
        bounds: Rectangle,
        _cursor: mouse::Cursor,
    ) -> Vec<Geometry> {
        let (ink, line) = cached(
            self.cache,
            state,
            renderer,
            theme,
            bounds.size(),
            |f, ink| self.draw_static(f, ink),
        );
        let Some(i) = state.index.filter(|i| *i < self.days.len()) else {
            return vec![line];
        };
        let mut over = Frame::new(renderer, bounds.size());
        let area = plot(bounds.size());
        let d = &self.days[i];
        let x = self.x_of(area, i);
        over.stroke(
            &Path::line(Point::new(x, area.y), Point::new(x, area.y + area.height)),
            Stroke::default().with_color(ink.muted).with_width(1.0),
        );
        let y = d
            .ratio
            .map_or(area.y + area.height / 2.0, |r| Self::y_of(area, r));
        if d.ratio.is_some() {
            over.fill(&Path::circle(Point::new(x, y), 4.0), ink.bar);
        }
        let value = self.labels.value(&d.label, d.ratio, d.billed, d.valid);
        tip(&mut over, &ink, Point::new(x, y), value, bounds.size());
        vec![line, over.into_geometry()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::report::ReportColumn;
    use crate::sync::report_client::RowPart;

    fn labels() -> Labels {
        Labels {
            average: String::new(),
            target: String::new(),
            valid: "有效单".into(),
            billed: "已开单".into(),
        }
    }

    fn bar(name: &str, ratio: Option<f64>) -> Bar<'_> {
        Bar {
            name,
            ratio,
            valid: 10,
            billed: 5,
            low: false,
            open: Message::Behind(RowPart::Pool, ReportColumn::Billed, String::new()),
        }
    }

    #[test]
    fn the_pointer_finds_the_bar_under_it_and_the_nearest_day() {
        let cache = Cache::new();
        let bars = Bars {
            bars: vec![bar("甲", Some(0.5)), bar("乙", None), bar("丙", Some(1.2))],
            average: Some(0.6),
            target: 0.6,
            labels: labels(),
            cache: &cache,
        };
        assert_eq!(bars.height(), HEAD + 3.0 * ROW + FOOT);
        assert_eq!(bars.index_at(Point::new(5.0, HEAD + 1.0)), Some(0));
        assert_eq!(bars.index_at(Point::new(5.0, HEAD + 2.5 * ROW)), Some(2));
        assert_eq!(
            bars.index_at(Point::new(5.0, HEAD - 1.0)),
            None,
            "the labels"
        );
        assert_eq!(
            bars.index_at(Point::new(5.0, HEAD + 3.0 * ROW)),
            None,
            "the scale"
        );
        // A ratio over 100 % (not expected) stretches the scale, not the bar.
        assert_eq!(bars.top(), 1.2);

        let day = |ratio| Day {
            label: String::new(),
            ratio,
            valid: 1,
            billed: 1,
        };
        let trend = Trend {
            days: vec![day(Some(0.5)), day(None), day(Some(0.7))],
            target: 0.6,
            labels: labels(),
            cache: &cache,
        };
        let size = Size::new(400.0, 170.0);
        let area = plot(size);
        let mid = area.x + area.width / 2.0;
        assert_eq!(trend.index_at(size, Point::new(mid + 3.0, 50.0)), Some(1));
        assert_eq!(
            trend.index_at(size, Point::new(area.x + area.width, 50.0)),
            Some(2)
        );
        assert_eq!(
            trend.index_at(size, Point::new(2.0, 50.0)),
            None,
            "the axis"
        );
    }

    #[test]
    fn the_hover_line_says_the_ratio_and_its_counts() {
        assert_eq!(
            labels().value("扬州办事处", Some(0.5), 5, 10),
            "扬州办事处 50.0% · 已开单 5 / 有效单 10"
        );
        assert_eq!(
            labels().value("03-05", None, 0, 0),
            "03-05 — · 已开单 0 / 有效单 0"
        );
    }
}
