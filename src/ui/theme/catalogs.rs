//! One `Catalog` per widget for [`AppTheme`]: each widget's default look
//! comes from iced's built-in styles over the chosen style's palette, and
//! views pass our own style functions (`theme::button::secondary`, …).

use iced::widget::{
    button as b, checkbox as cb, combo_box, container as c, overlay::menu, pick_list as pl,
    progress_bar as pb, radio as r, scrollable as sc, text as t, text_input as ti,
};

use super::AppTheme;

macro_rules! with_status {
    ($module:ident, $default:path) => {
        impl $module::Catalog for AppTheme {
            type Class<'a> = $module::StyleFn<'a, Self>;

            fn default<'a>() -> <Self as $module::Catalog>::Class<'a> {
                Box::new(|th: &AppTheme, status| $default(th.iced(), status))
            }

            fn style(
                &self,
                class: &<Self as $module::Catalog>::Class<'_>,
                status: $module::Status,
            ) -> $module::Style {
                class(self, status)
            }
        }
    };
}

// Buttons default to our `button::primary`: brought to the style's
// contrast, and drawn as an outline when disabled, like every other button.
impl b::Catalog for AppTheme {
    type Class<'a> = b::StyleFn<'a, Self>;

    fn default<'a>() -> <Self as b::Catalog>::Class<'a> {
        Box::new(button::primary)
    }

    fn style(&self, class: &<Self as b::Catalog>::Class<'_>, status: b::Status) -> b::Style {
        class(self, status)
    }
}

impl cb::Catalog for AppTheme {
    type Class<'a> = cb::StyleFn<'a, Self>;

    fn default<'a>() -> <Self as cb::Catalog>::Class<'a> {
        Box::new(checkbox::default)
    }

    fn style(&self, class: &<Self as cb::Catalog>::Class<'_>, status: cb::Status) -> cb::Style {
        class(self, status)
    }
}
with_status!(r, r::default);
with_status!(sc, sc::default);
with_status!(pl, pl::default);

impl ti::Catalog for AppTheme {
    type Class<'a> = ti::StyleFn<'a, Self>;

    fn default<'a>() -> <Self as ti::Catalog>::Class<'a> {
        Box::new(text_input::default)
    }

    fn style(&self, class: &<Self as ti::Catalog>::Class<'_>, status: ti::Status) -> ti::Style {
        class(self, status)
    }
}

impl c::Catalog for AppTheme {
    type Class<'a> = c::StyleFn<'a, Self>;

    fn default<'a>() -> Self::Class<'a> {
        Box::new(|th: &AppTheme| c::transparent(th.iced()))
    }

    fn style(&self, class: &Self::Class<'_>) -> c::Style {
        class(self)
    }
}

impl t::Catalog for AppTheme {
    type Class<'a> = t::StyleFn<'a, Self>;

    fn default<'a>() -> Self::Class<'a> {
        Box::new(|_| t::Style::default())
    }

    fn style(&self, class: &Self::Class<'_>) -> t::Style {
        class(self)
    }
}

impl menu::Catalog for AppTheme {
    type Class<'a> = menu::StyleFn<'a, Self>;

    fn default<'a>() -> <Self as menu::Catalog>::Class<'a> {
        Box::new(|th: &AppTheme| menu::default(th.iced()))
    }

    fn style(&self, class: &<Self as menu::Catalog>::Class<'_>) -> menu::Style {
        class(self)
    }
}

impl combo_box::Catalog for AppTheme {}

impl pb::Catalog for AppTheme {
    type Class<'a> = pb::StyleFn<'a, Self>;

    fn default<'a>() -> Self::Class<'a> {
        Box::new(|th: &AppTheme| pb::primary(th.iced()))
    }

    fn style(&self, class: &Self::Class<'_>) -> pb::Style {
        class(self)
    }
}

/// Button styles for views.
pub mod button {
    use iced::Color;
    use iced::widget::button::{self as b, Status, Style};

    use crate::ui::theme::AppTheme;

    /// iced's style with its label brought to the style's contrast. A
    /// disabled button is drawn as an outline with muted text: iced only
    /// halves its alpha, and bringing that label back to full contrast made
    /// 恢复默认 look pressable before 修改.
    fn legible(t: &AppTheme, s: Status, mut style: Style) -> Style {
        if s == Status::Disabled {
            let muted = crate::ui::theme::muted(t);
            return Style {
                background: None,
                text_color: muted,
                border: iced::Border {
                    color: Color { a: 0.6, ..muted },
                    width: 1.0,
                    radius: style.border.radius,
                },
                shadow: iced::Shadow::default(),
                snap: style.snap,
            };
        }
        if let Some(iced::Background::Color(bg)) = style.background {
            let bg = crate::ui::theme::surface(t, bg);
            style.background = Some(bg.into());
            style.text_color = crate::ui::theme::readable(t, style.text_color, bg);
        }
        style
    }

    /// The main action.
    pub fn primary(t: &AppTheme, s: Status) -> Style {
        legible(t, s, b::primary(t.iced(), s))
    }

    /// A less prominent action.
    pub fn secondary(t: &AppTheme, s: Status) -> Style {
        legible(t, s, b::secondary(t.iced(), s))
    }

    /// A destructive action (是 in a delete confirmation).
    pub fn danger(t: &AppTheme, s: Status) -> Style {
        legible(t, s, b::danger(t.iced(), s))
    }

    /// Something waiting for attention (the orders badge).
    pub fn warning(t: &AppTheme, s: Status) -> Style {
        legible(t, s, b::warning(t.iced(), s))
    }

    /// A button that looks like text (rows).
    pub fn text(t: &AppTheme, s: Status) -> Style {
        b::text(t.iced(), s)
    }

    /// An entry of the navigation column that is not the shown page. iced's
    /// text button answers the pointer by paling its label to 80 % (the
    /// entry seemed to brighten, as if disabled); here the label stays and
    /// the entry gets the page's weak shade behind it, like a list row.
    pub fn nav(t: &AppTheme, s: Status) -> Style {
        let base = b::text(t.iced(), Status::Active);
        match s {
            Status::Hovered | Status::Pressed => {
                let bg = crate::ui::theme::surface(t, t.extended_palette().background.weak.color);
                Style {
                    background: Some(bg.into()),
                    text_color: crate::ui::theme::readable(t, base.text_color, bg),
                    border: iced::border::rounded(2),
                    ..base
                }
            }
            Status::Active | Status::Disabled => base,
        }
    }

    /// The navigation entry of the shown page: the primary fill, which the
    /// pointer does not change (iced's hover turned it a brighter blue).
    pub fn nav_current(t: &AppTheme, _s: Status) -> Style {
        primary(t, Status::Active)
    }

    /// 阿里订单受理 in the navigation while orders wait (not shown): the
    /// warning fill, steady under the pointer like [`nav_current`].
    pub fn nav_waiting(t: &AppTheme, _s: Status) -> Style {
        warning(t, Status::Active)
    }
}

/// Checkbox styles.
pub mod checkbox {
    use iced::widget::checkbox::{self as cb, Status, Style};

    use crate::ui::theme::{AppTheme, edge, muted, page};

    /// iced's style with a box that shows on the page: its edge reaches the
    /// contrast of a control's outline (see [`edge`]) in every state. iced
    /// draws a disabled unticked box in the page's own greys (1.1:1 in
    /// 经典蓝, nearly invisible), so a read-only form seemed to have no
    /// checkbox at all.
    pub fn default(t: &AppTheme, s: Status) -> Style {
        let mut style = cb::primary(t.iced(), s);
        let bg = page(t);
        match s {
            Status::Disabled { is_checked } => {
                let muted = muted(t);
                let rim = edge(t, iced::Color { a: 0.6, ..muted }, bg);
                style.border.color = rim;
                style.text_color = Some(muted);
                if is_checked {
                    style.background = rim.into();
                    style.icon_color = bg;
                }
            }
            Status::Active { is_checked: false } | Status::Hovered { is_checked: false } => {
                style.border.color = edge(t, style.border.color, bg);
            }
            _ => {}
        }
        style
    }
}

/// Text input styles.
pub mod text_input {
    use iced::widget::text_input::{self as ti, Status, Style};

    use crate::ui::theme::AppTheme;

    /// iced's style, except read-only (disabled): on the page colour with
    /// muted text. iced draws a disabled input with exactly the box of an
    /// idle drop-down, and forms swap one for the other on 修改/取消;
    /// with an identical box the software renderer repaints nothing there
    /// and the old drop-down arrow stays on screen (its damage rectangle
    /// for right-aligned text starts right of the arrow). A different box
    /// makes it repaint the whole field.
    ///
    /// In every state the box's edge reaches a control's outline contrast
    /// against the page: in 高对比度 iced's dark grey edge on black hid
    /// where a field was (read-only ones showed as loose text).
    pub fn default(t: &AppTheme, s: Status) -> Style {
        let mut style = ti::default(t.iced(), s);
        let page = crate::ui::theme::page(t);
        style.border.color = crate::ui::theme::edge(t, style.border.color, page);
        if s != Status::Disabled {
            return style;
        }
        let muted = crate::ui::theme::muted(t);
        Style {
            background: page.into(),
            value: muted,
            ..style
        }
    }
}

/// Container styles for views.
pub mod container {
    use iced::widget::container::{self as c, Style};

    use crate::ui::theme::AppTheme;

    /// A panel with rounded corners (dialogs, the login box).
    pub fn rounded_box(t: &AppTheme) -> Style {
        c::rounded_box(t.iced())
    }

    /// A panel with a border (lists, forms). In 高对比度 the border is
    /// brought to a control's outline contrast against the page: iced's
    /// edge vanished on black and the panels ran into each other. The
    /// other styles keep iced's soft edge (their panels differ in fill).
    pub fn bordered_box(t: &AppTheme) -> Style {
        let mut style = c::bordered_box(t.iced());
        if t.style == crate::ui::theme::Style::HighContrast {
            let page = crate::ui::theme::page(t);
            style.border.color = crate::ui::theme::edge(t, style.border.color, page);
        }
        style
    }
}
