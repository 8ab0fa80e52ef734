//! The client's theme: the four display styles (系统显示风格), their
//! palettes, and the colours views ask for by meaning (`Tone`, overdue
//! rows, the chrome) rather than by value.

use iced::theme::Palette;
use iced::theme::palette::Extended;
use iced::{Color, Theme as IcedTheme};

mod catalogs;
pub use catalogs::{button, checkbox, container, text_input};

pub use crate::config::Style;

const fn rgb(r: u8, g: u8, b: u8) -> Color {
    Color::from_rgb8(r, g, b)
}

/// The palette of a style. Danger (overdue red) and warning (countdown
/// amber) are picked to stay apart from each other and from the
/// background in every style; rows also say it in words.
pub fn palette(style: Style) -> Palette {
    match style {
        Style::ClassicBlue => Palette {
            background: rgb(0xF3, 0xF6, 0xFA),
            text: rgb(0x1F, 0x29, 0x37),
            primary: rgb(0x1E, 0x5E, 0xB8),
            success: rgb(0x1B, 0x7F, 0x3B),
            warning: rgb(0xB4, 0x6A, 0x00),
            danger: rgb(0xC6, 0x28, 0x28),
        },
        Style::Light => Palette {
            background: rgb(0xFF, 0xFF, 0xFF),
            text: rgb(0x20, 0x20, 0x20),
            primary: rgb(0x3A, 0x6E, 0xA5),
            success: rgb(0x2E, 0x7D, 0x32),
            warning: rgb(0xAD, 0x5E, 0x00),
            danger: rgb(0xB7, 0x1C, 0x1C),
        },
        Style::Dark => Palette {
            background: rgb(0x1E, 0x22, 0x28),
            text: rgb(0xE6, 0xE8, 0xEB),
            primary: rgb(0x5B, 0x9B, 0xE8),
            success: rgb(0x4C, 0xAF, 0x50),
            warning: rgb(0xF0, 0xA8, 0x30),
            danger: rgb(0xEF, 0x53, 0x50),
        },
        Style::HighContrast => Palette {
            background: rgb(0x00, 0x00, 0x00),
            text: rgb(0xFF, 0xFF, 0xFF),
            primary: rgb(0x00, 0xB7, 0xFF),
            success: rgb(0x00, 0xE0, 0x6A),
            warning: rgb(0xFF, 0xD6, 0x00),
            danger: rgb(0xFF, 0x3B, 0x3B),
        },
    }
}

/// What a banner or a status line means; its colour comes from the theme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Info,
    Success,
    Warning,
    Danger,
}

/// The client's theme: a display style, carried through every widget by
/// the catalogs in `catalogs.rs`, so picking a style changes the whole
/// client and views never hard-code a colour.
#[derive(Debug, Clone, PartialEq)]
pub struct AppTheme {
    /// The style the user picked.
    pub style: Style,
    inner: IcedTheme,
}

impl AppTheme {
    /// The theme of `style`.
    pub fn new(style: Style) -> Self {
        let name = match style {
            Style::ClassicBlue => "经典蓝",
            Style::Light => "浅色",
            Style::Dark => "深色",
            Style::HighContrast => "高对比度",
        };
        AppTheme {
            style,
            inner: IcedTheme::custom(name, palette(style)),
        }
    }

    /// The palette and its generated shades.
    pub fn extended_palette(&self) -> &Extended {
        self.inner.extended_palette()
    }

    /// The base palette.
    pub fn palette(&self) -> Palette {
        self.inner.palette()
    }

    /// iced's built-in theme built from the same palette, for the
    /// built-in widget styles the catalogs start from.
    pub fn iced(&self) -> &IcedTheme {
        &self.inner
    }
}

impl Default for AppTheme {
    fn default() -> Self {
        AppTheme::new(Style::default())
    }
}

impl iced::theme::Base for AppTheme {
    fn default(preference: iced::theme::Mode) -> Self {
        match preference {
            iced::theme::Mode::Dark => AppTheme::new(Style::Dark),
            _ => AppTheme::new(Style::ClassicBlue),
        }
    }

    fn mode(&self) -> iced::theme::Mode {
        self.inner.mode()
    }

    fn base(&self) -> iced::theme::Style {
        self.inner.base()
    }

    fn palette(&self) -> Option<iced::theme::Palette> {
        Some(self.inner.palette())
    }

    fn name(&self) -> &str {
        self.inner.name()
    }
}

/// The theme for `style`.
pub fn theme(style: Style) -> AppTheme {
    AppTheme::new(style)
}

/// The least text/background contrast a style allows (WCAG 2: 4.5:1, and
/// 7:1 for 高对比度, whose users asked for more).
pub fn min_contrast(style: Style) -> f32 {
    match style {
        Style::HighContrast => 7.0,
        _ => 4.5,
    }
}

/// WCAG 2 relative luminance of an opaque colour.
fn luminance(c: Color) -> f32 {
    let lin = |c: f32| {
        if c <= 0.040_45 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(c.r) + 0.7152 * lin(c.g) + 0.0722 * lin(c.b)
}

/// WCAG 2 contrast ratio of two opaque colours (1 to 21).
pub fn contrast(a: Color, b: Color) -> f32 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// `fg` drawn with its alpha over the opaque `bg`, as seen.
fn over(fg: Color, bg: Color) -> Color {
    let mix = |f: f32, b: f32| f * fg.a + b * (1.0 - fg.a);
    Color::from_rgb(mix(fg.r, bg.r), mix(fg.g, bg.g), mix(fg.b, bg.b))
}

/// `fg` on `bg`, moved towards black or white (whichever reads on `bg`)
/// just enough to reach the style's minimum contrast: the hue stays, the
/// text stays readable.
pub fn readable(theme: &AppTheme, fg: Color, bg: Color) -> Color {
    reach(fg, bg, min_contrast(theme.style))
}

/// The least contrast of a control's outline (a checkbox's box) against
/// the page: WCAG 2.1's 3:1 for the parts of a control, 4.5:1 in 高对比度.
pub fn min_edge_contrast(style: Style) -> f32 {
    match style {
        Style::HighContrast => 4.5,
        _ => 3.0,
    }
}

/// A control's outline `fg` on `bg`, brought to [`min_edge_contrast`].
pub fn edge(theme: &AppTheme, fg: Color, bg: Color) -> Color {
    reach(fg, bg, min_edge_contrast(theme.style))
}

/// `fg` over `bg` moved towards black or white just enough to reach `min`.
fn reach(fg: Color, bg: Color, min: f32) -> Color {
    let fg = over(fg, bg);
    let target = readable_on(bg);
    let mut c = fg;
    for step in 1..=10 {
        if contrast(c, bg) >= min {
            break;
        }
        let k = step as f32 / 10.0;
        c = Color::from_rgb(
            fg.r + (target.r - fg.r) * k,
            fg.g + (target.g - fg.g) * k,
            fg.b + (target.b - fg.b) * k,
        );
    }
    c
}

/// A background for text: kept, unless even black or white text on it
/// would miss the style's contrast (mid tones in 高对比度); then darkened
/// until white text reaches it.
pub fn surface(theme: &AppTheme, bg: Color) -> Color {
    let min = min_contrast(theme.style);
    let mut c = bg;
    for _ in 0..30 {
        if contrast(Color::WHITE, c) >= min || contrast(Color::BLACK, c) >= min {
            break;
        }
        c = Color::from_rgb(c.r * 0.9, c.g * 0.9, c.b * 0.9);
    }
    c
}

/// A banner's background and text for `tone`.
pub fn banner_colors(theme: &AppTheme, tone: Tone) -> (Color, Color) {
    let p = theme.extended_palette();
    let pair = match tone {
        Tone::Info => p.primary.weak,
        Tone::Success => p.success.weak,
        Tone::Warning => p.warning.weak,
        Tone::Danger => p.danger.weak,
    };
    let bg = surface(theme, pair.color);
    (bg, readable_on(bg))
}

/// Colour of the top bar: the primary colour, darkened until white text
/// on it meets the style's contrast.
pub fn chrome(theme: &AppTheme) -> Color {
    let c = theme.palette().primary;
    let min = min_contrast(theme.style);
    let mut k = 0.75;
    let mut bar = Color::from_rgb(c.r * k, c.g * k, c.b * k);
    while contrast(on_chrome(theme), bar) < min && k > 0.1 {
        k -= 0.05;
        bar = Color::from_rgb(c.r * k, c.g * k, c.b * k);
    }
    bar
}

/// Text on the top bar.
pub fn on_chrome(_theme: &AppTheme) -> Color {
    Color::WHITE
}

/// The page background.
fn page(theme: &AppTheme) -> Color {
    theme.extended_palette().background.base.color
}

/// Error text under a field.
pub fn error_text(theme: &AppTheme) -> Color {
    readable(
        theme,
        theme.extended_palette().danger.base.color,
        page(theme),
    )
}

/// Muted secondary text (codes, hints).
pub fn muted(theme: &AppTheme) -> Color {
    muted_on(
        theme,
        page(theme),
        theme.extended_palette().background.base.text,
    )
}

/// Muted text on `bg` whose normal text is `fg`: softened, never below
/// the style's contrast.
fn muted_on(theme: &AppTheme, bg: Color, fg: Color) -> Color {
    readable(theme, Color { a: 0.7, ..fg }, bg)
}

/// The second line (code · kind, 已停用) of a list row drawn as a
/// button in `style` (the 网点管理 tree): muted against the button's own
/// fill, so it still reads on the blue of a selected row.
pub fn muted_in_button(
    theme: &AppTheme,
    style: fn(&AppTheme, iced::widget::button::Status) -> iced::widget::button::Style,
) -> Color {
    let s = style(theme, iced::widget::button::Status::Active);
    match s.background {
        Some(iced::Background::Color(bg)) => muted_on(theme, bg, s.text_color),
        _ => muted(theme),
    }
}

/// Text colour for a banner tone used inline (countdowns, sync states).
pub fn tone_text(theme: &AppTheme, tone: Tone) -> Color {
    tone_on(theme, tone, page(theme))
}

/// A tone's text colour on `bg`.
pub fn tone_on(theme: &AppTheme, tone: Tone, bg: Color) -> Color {
    let p = theme.extended_palette();
    let c = match tone {
        Tone::Info => p.primary.strong.color,
        Tone::Success => p.success.strong.color,
        Tone::Warning => p.warning.strong.color,
        Tone::Danger => p.danger.strong.color,
    };
    readable(theme, c, bg)
}

/// An order row's colours: background, text, and its muted second lines.
#[derive(Debug, Clone, Copy)]
pub struct RowColors {
    pub bg: Color,
    pub text: Color,
    pub muted: Color,
}

/// The colours of an order row, red when overdue, highlighted when
/// selected.
pub fn row_colors(theme: &AppTheme, selected: bool, overdue: bool) -> RowColors {
    let p = theme.extended_palette();
    let pair = match (overdue, selected) {
        (true, true) => p.danger.base,
        (true, false) => p.danger.weak,
        (false, true) => p.primary.weak,
        (false, false) => p.background.base,
    };
    let bg = surface(theme, pair.color);
    let text = readable(theme, pair.text, bg);
    RowColors {
        bg,
        text,
        muted: muted_on(theme, bg, text),
    }
}

/// An order row: red when overdue, highlighted when selected.
pub fn order_row(
    theme: &AppTheme,
    status: iced::widget::button::Status,
    selected: bool,
    overdue: bool,
) -> iced::widget::button::Style {
    use iced::widget::button::{Status, Style};
    let p = theme.extended_palette();
    let RowColors { bg, text: fg, .. } = row_colors(theme, selected, overdue);
    let bg = match status {
        Status::Hovered if !selected => Color { a: 0.85, ..bg },
        _ => bg,
    };
    Style {
        background: Some(bg.into()),
        text_color: fg,
        border: iced::Border {
            color: if selected {
                p.primary.strong.color
            } else {
                p.background.strong.color
            },
            width: if selected { 2.0 } else { 0.5 },
            radius: 3.0.into(),
        },
        ..Style::default()
    }
}

/// Black or white, whichever contrasts more with `bg`.
pub fn readable_on(bg: Color) -> Color {
    if contrast(Color::BLACK, bg) >= contrast(Color::WHITE, bg) {
        Color::BLACK
    } else {
        Color::WHITE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 9 item 15: 恢复默认 before 修改 looked pressable, because the
    /// label of a disabled button was brought back to full contrast on its
    /// filled background. Disabled is an outline in every style.
    #[test]
    fn a_disabled_button_never_looks_pressable() {
        use iced::widget::button::Status;
        for style in Style::ALL {
            let t = theme(style);
            for f in [button::primary, button::secondary, button::danger] {
                let on = f(&t, Status::Active);
                let off = f(&t, Status::Disabled);
                assert!(on.background.is_some(), "{style:?}");
                assert_eq!(off.background, None, "{style:?}: no fill when disabled");
                assert_ne!(off.text_color, on.text_color, "{style:?}");
            }
        }
    }

    #[test]
    fn banner_text_reads_on_every_tone_of_every_style() {
        for style in Style::ALL {
            let t = theme(style);
            let p = t.extended_palette();
            for pair in [
                p.primary.weak,
                p.success.weak,
                p.warning.weak,
                p.danger.weak,
            ] {
                let fg = readable_on(pair.color);
                let lum = |c: Color| 0.2126 * c.r + 0.7152 * c.g + 0.0722 * c.b;
                assert!(
                    (lum(fg) - lum(pair.color)).abs() > 0.3,
                    "{style:?}: {pair:?}"
                );
            }
        }
    }

    /// Issue 9 item 6: every text/background pair the client draws, in
    /// every style, meets WCAG 4.5:1 (7:1 in 高对比度), computed from the
    /// palettes through the same functions the views call.
    #[test]
    fn every_text_pair_of_every_style_meets_the_contrast_minimum() {
        use iced::widget::button::Status;
        let tones = [Tone::Info, Tone::Success, Tone::Warning, Tone::Danger];
        for style in Style::ALL {
            let t = theme(style);
            let p = t.extended_palette();
            let bg = p.background.base.color;
            let mut pairs: Vec<(String, Color, Color)> = vec![
                ("text".into(), p.background.base.text, bg),
                ("muted".into(), muted(&t), bg),
                ("error".into(), error_text(&t), bg),
                ("header".into(), on_chrome(&t), chrome(&t)),
            ];
            for tone in tones {
                pairs.push((format!("{tone:?} text"), tone_text(&t, tone), bg));
            }
            for tone in tones {
                let (b, f) = banner_colors(&t, tone);
                pairs.push((format!("{tone:?} banner"), f, b));
            }
            for (selected, overdue) in [(false, false), (true, false), (false, true), (true, true)]
            {
                let r = row_colors(&t, selected, overdue);
                let what = format!("row selected={selected} overdue={overdue}");
                pairs.push((what.clone(), r.text, r.bg));
                pairs.push((format!("{what} second line"), r.muted, r.bg));
                if !overdue {
                    for tone in tones {
                        pairs.push((format!("{what} {tone:?}"), tone_on(&t, tone, r.bg), r.bg));
                    }
                }
            }
            for (name, f) in [
                ("primary", button::primary as fn(&AppTheme, Status) -> _),
                ("secondary", button::secondary),
                ("danger", button::danger),
                ("warning", button::warning),
            ] {
                let s = f(&t, Status::Active);
                if let Some(iced::Background::Color(b)) = s.background {
                    pairs.push((format!("{name} button"), s.text_color, b));
                }
            }
            for (name, f) in [
                ("tree row", button::text as fn(&AppTheme, Status) -> _),
                ("selected tree row", button::primary),
            ] {
                let s = f(&t, Status::Active);
                let b = match s.background {
                    Some(iced::Background::Color(b)) => b,
                    _ => bg,
                };
                pairs.push((format!("{name} second line"), muted_in_button(&t, f), b));
            }
            let min = min_contrast(style);
            let bad: Vec<String> = pairs
                .iter()
                .map(|(what, fg, bg)| (what, contrast(over(*fg, *bg), *bg)))
                .filter(|(_, r)| *r < min)
                .map(|(what, r)| format!("{what}: {r:.2}"))
                .collect();
            assert!(bad.is_empty(), "{style:?} below {min}:1: {bad:?}");
        }
    }

    /// Issue 9 (session 4's small faults): a hovered navigation entry
    /// paled its label (iced's text button), and the shown page's entry
    /// turned a brighter blue (iced's primary hover). Hovered, an entry
    /// keeps its label colour on a highlight that differs from the page;
    /// the shown page's entry stays as it is.
    #[test]
    fn a_hovered_nav_entry_keeps_its_label_and_gets_a_highlight() {
        use iced::widget::button::Status;
        for style in Style::ALL {
            let t = theme(style);
            let idle = button::nav(&t, Status::Active);
            let hover = button::nav(&t, Status::Hovered);
            assert_eq!(idle.background, None, "{style:?}: idle entries are flat");
            let Some(iced::Background::Color(bg)) = hover.background else {
                panic!("{style:?}: hovered entry has no highlight");
            };
            assert_ne!(bg, page(&t), "{style:?}: highlight is the page colour");
            assert!(
                contrast(over(hover.text_color, bg), bg) >= min_contrast(style),
                "{style:?}: hovered label"
            );
            assert_eq!(
                hover.text_color, idle.text_color,
                "{style:?}: the label changes on hover"
            );
            // The shown page's entry (and the waiting orders') does not
            // change colour under the pointer.
            for f in [button::nav_current, button::nav_waiting] {
                assert_eq!(
                    f(&t, Status::Hovered),
                    f(&t, Status::Active),
                    "{style:?}: a highlighted entry brightens on hover"
                );
            }
        }
    }

    /// Issue 9 (session 4's small faults): a disabled unticked checkbox
    /// was drawn in the page's own greys, nearly invisible in 经典蓝 and
    /// 高对比度. Every checkbox's box edge stands out from the page, in
    /// every state, and a disabled label still reads; so does every text
    /// field's box (seen in the screenshot pass: invisible in 高对比度).
    #[test]
    fn every_checkbox_box_shows_on_the_page() {
        use iced::widget::checkbox::{Catalog, Status};
        for style in Style::ALL {
            let t = theme(style);
            let bg = page(&t);
            let mut bad = Vec::new();
            for is_checked in [false, true] {
                for s in [
                    Status::Active { is_checked },
                    Status::Hovered { is_checked },
                    Status::Disabled { is_checked },
                ] {
                    let c = <AppTheme as Catalog>::style(&t, &<AppTheme as Catalog>::default(), s);
                    let fill = match c.background {
                        iced::Background::Color(f) => over(f, bg),
                        _ => bg,
                    };
                    // The box shows by its edge or by its fill.
                    let shows = contrast(over(c.border.color, bg), bg).max(contrast(fill, bg));
                    if shows < min_edge_contrast(style) {
                        bad.push(format!("{s:?} box {shows:.2}"));
                    }
                    if let Some(label) = c.text_color {
                        let r = contrast(over(label, bg), bg);
                        if r < min_contrast(style) {
                            bad.push(format!("{s:?} label {r:.2}"));
                        }
                    }
                }
            }
            // In 高对比度 a panel's edge shows too (lists and forms ran
            // together on black).
            let panel = container::bordered_box(&t).border.color;
            let r = contrast(over(panel, bg), bg);
            if style == Style::HighContrast && r < min_edge_contrast(style) {
                bad.push(format!("panel edge {r:.2}"));
            }
            // A text field's box, editable or read-only, shows where the
            // field is (in 高对比度 iced's edge was 1.3:1 on black).
            {
                use iced::widget::text_input::{Catalog, Status};
                for s in [
                    Status::Active,
                    Status::Hovered,
                    Status::Focused { is_hovered: false },
                    Status::Disabled,
                ] {
                    let f = <AppTheme as Catalog>::style(&t, &<AppTheme as Catalog>::default(), s);
                    let r = contrast(over(f.border.color, bg), bg);
                    if r < min_edge_contrast(style) {
                        bad.push(format!("text field {s:?} edge {r:.2}"));
                    }
                }
            }
            assert!(bad.is_empty(), "{style:?}: {bad:?}");
        }
    }

    /// Issue 9 item 14: a read-only field replacing a drop-down (取消 on
    /// a form) must not draw the same box, or tiny-skia keeps the arrow.
    #[test]
    fn a_read_only_field_never_draws_the_box_of_a_drop_down() {
        use iced::widget::{pick_list, text_input as ti};
        for style in Style::ALL {
            let t = theme(style);
            let pick = <AppTheme as pick_list::Catalog>::style(
                &t,
                &<AppTheme as pick_list::Catalog>::default(),
                pick_list::Status::Active,
            );
            let input = <AppTheme as ti::Catalog>::style(
                &t,
                &<AppTheme as ti::Catalog>::default(),
                ti::Status::Disabled,
            );
            assert!(
                (input.background, input.border) != (pick.background, pick.border),
                "{style:?}: read-only input drawn like an idle drop-down"
            );
            let bg = match input.background {
                iced::Background::Color(c) => c,
                _ => page(&t),
            };
            let r = contrast(over(input.value, bg), bg);
            assert!(
                r >= min_contrast(style),
                "{style:?}: read-only value {r:.2}"
            );
        }
    }

    #[test]
    fn contrast_is_the_wcag_ratio() {
        assert!((contrast(Color::BLACK, Color::WHITE) - 21.0).abs() < 0.01);
        assert!((contrast(Color::WHITE, Color::WHITE) - 1.0).abs() < 0.01);
    }

    #[test]
    fn styles_round_trip_through_settings() {
        for s in Style::ALL {
            assert_eq!(Style::parse(s.key()), s);
        }
        assert_eq!(Style::parse("nonsense"), Style::ClassicBlue);
    }
}
