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

/// Text colour for a banner tone used inline (countdowns, sync states).
pub fn tone_text(theme: &Theme, tone: crate::ui::widget::Tone) -> Color {
    use crate::ui::widget::Tone;
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
    theme: &Theme,
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
