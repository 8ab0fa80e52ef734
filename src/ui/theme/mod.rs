//! Display styles. SPEC 4's style switcher builds on this; the row colours
//! for orders come from here, never from a view.

use iced::theme::Palette;
use iced::{Color, Theme};

/// A display style the user can pick.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Style {
    /// 经典蓝: office blue, the default.
    #[default]
    ClassicBlue,
}

impl Style {
    /// Parses a settings value, falling back to the default.
    pub fn parse(_s: &str) -> Style {
        Style::ClassicBlue
    }
}

const fn rgb(r: u8, g: u8, b: u8) -> Color {
    Color::from_rgb8(r, g, b)
}

/// The iced theme for `style`.
pub fn theme(style: Style) -> Theme {
    match style {
        Style::ClassicBlue => Theme::custom(
            "经典蓝",
            Palette {
                background: rgb(0xF3, 0xF6, 0xFA),
                text: rgb(0x1F, 0x29, 0x37),
                primary: rgb(0x1E, 0x5E, 0xB8),
                success: rgb(0x1B, 0x7F, 0x3B),
                warning: rgb(0xB4, 0x6A, 0x00),
                danger: rgb(0xC6, 0x28, 0x28),
            },
        ),
    }
}

/// Colour of the top bar: the primary colour, darkened so white text on
/// it stays readable.
pub fn chrome(theme: &Theme) -> Color {
    let c = theme.palette().primary;
    Color::from_rgb(c.r * 0.75, c.g * 0.75, c.b * 0.75)
}

/// Text on the top bar.
pub fn on_chrome(_theme: &Theme) -> Color {
    Color::WHITE
}

/// Error text under a field.
pub fn error_text(theme: &Theme) -> Color {
    theme.extended_palette().danger.base.color
}

/// Muted secondary text (codes, hints).
pub fn muted(theme: &Theme) -> Color {
    let p = theme.extended_palette();
    Color {
        a: 0.65,
        ..p.background.base.text
    }
}
