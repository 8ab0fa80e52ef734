//! The client's theme: the four display styles (系统显示风格), their
//! palettes, and the colours views ask for by meaning (`Tone`, overdue
//! rows, the chrome) rather than by value.

use iced::theme::Palette;
use iced::theme::palette::Extended;
use iced::{Color, Theme as IcedTheme};

mod catalogs;
pub use catalogs::{button, container};

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

/// Colour of the top bar: the primary colour, darkened so white text on
/// it stays readable.
pub fn chrome(theme: &AppTheme) -> Color {
    let c = theme.palette().primary;
    Color::from_rgb(c.r * 0.75, c.g * 0.75, c.b * 0.75)
}

/// Text on the top bar.
pub fn on_chrome(_theme: &AppTheme) -> Color {
    Color::WHITE
}

/// Error text under a field.
pub fn error_text(theme: &AppTheme) -> Color {
    theme.extended_palette().danger.base.color
}

/// Muted secondary text (codes, hints).
pub fn muted(theme: &AppTheme) -> Color {
    let p = theme.extended_palette();
    Color {
        a: 0.65,
        ..p.background.base.text
    }
}

/// Text colour for a banner tone used inline (countdowns, sync states).
pub fn tone_text(theme: &AppTheme, tone: Tone) -> Color {
    let p = theme.extended_palette();
    match tone {
        Tone::Info => p.primary.strong.color,
        Tone::Success => p.success.strong.color,
        Tone::Warning => p.warning.strong.color,
        Tone::Danger => p.danger.strong.color,
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
    let (bg, fg) = match (overdue, selected) {
        (true, true) => (p.danger.base.color, p.danger.base.text),
        (true, false) => (p.danger.weak.color, p.danger.weak.text),
        (false, true) => (p.primary.weak.color, p.primary.weak.text),
        (false, false) => (p.background.base.color, p.background.base.text),
    };
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

/// Black or white, whichever reads better on `bg` (relative luminance).
pub fn readable_on(bg: Color) -> Color {
    let lin = |c: f32| {
        if c <= 0.040_45 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    let l = 0.2126 * lin(bg.r) + 0.7152 * lin(bg.g) + 0.0722 * lin(bg.b);
    if l > 0.4 { Color::BLACK } else { Color::WHITE }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn styles_round_trip_through_settings() {
        for s in Style::ALL {
            assert_eq!(Style::parse(s.key()), s);
        }
        assert_eq!(Style::parse("nonsense"), Style::ClassicBlue);
    }
}
