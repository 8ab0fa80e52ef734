//! 系统管理's own pages: 系统显示风格 (styles with a preview) and 本机设置.

use iced::widget::{button, column, container, row, space, text, text_input};
use iced::{Alignment, Length};

use super::{Message, State, lang_choice};
use crate::config::Settings;
use crate::i18n::{self, Lang};
use crate::ui::Element;
use crate::ui::screen::Ctx;
use crate::ui::theme::AppTheme as Theme;
use crate::ui::theme::{self, Style, Tone};
use crate::ui::widget;

impl State {
    /// 系统显示风格: the styles, 大字体, and a preview.
    pub(super) fn display_view<'a>(
        &'a self,
        ctx: &Ctx<'a>,
        settings: &'a Settings,
    ) -> Element<'a, Message> {
        let t = |k: &str| ctx.t(k);
        let current = settings.theme;
        let mut styles = column![
            text(t("system.display"))
                .size(18)
                .font(crate::ui::font::BOLD)
        ]
        .spacing(8);
        for s in Style::ALL {
            styles = styles.push(style_button(ctx, s, current));
        }
        styles = styles.push(widget::focus::check(
            settings.font_size == crate::config::FontSize::Large,
            t("system.large_text"),
            Some(Message::LargeText),
        ));
        styles = styles.push(widget::muted(t("system.display_hint")).size(12));
        let preview = preview(ctx, current);
        // Narrow windows: the preview goes under the styles, not squeezed.
        row![styles, preview].spacing(24).wrap().into()
    }

    /// 本机设置: language, sound and the server address.
    pub(super) fn local_view<'a>(
        &'a self,
        ctx: &Ctx<'a>,
        settings: &'a Settings,
    ) -> Element<'a, Message> {
        let t = |k: &str| ctx.t(k);
        let mut langs = row![].spacing(8);
        for l in Lang::ALL {
            langs = langs.push(
                button(text(i18n::t(l, "lang.name")))
                    .padding([5, 14])
                    .style(if l == settings.language {
                        crate::ui::theme::button::primary
                    } else {
                        crate::ui::theme::button::secondary
                    })
                    .on_press(Message::Language(lang_choice(l))),
            );
        }
        column![
            text(t("system.local")).size(18).font(crate::ui::font::BOLD),
            widget::field(t("system.language"), langs, None),
            widget::focus::check(settings.sound, t("system.sound"), Some(Message::Sound)),
            widget::field(
                t("system.server_url"),
                row![
                    text_input(&t("system.server_placeholder"), &self.server_url)
                        .on_input(Message::ServerUrl)
                        .on_submit(Message::SaveServer)
                        .padding(6)
                        .width(360),
                    widget::tool(t("action.save"), Some(Message::SaveServer)),
                ]
                .spacing(8),
                None
            ),
            widget::muted(t("system.server_hint")).size(12),
        ]
        .spacing(14)
        .max_width(720)
        .into()
    }
}

/// One style to pick: its main colours as swatches, then its name.
fn style_button<'a>(ctx: &Ctx<'a>, s: Style, current: Style) -> Element<'a, Message> {
    let t = |k: &str| ctx.t(k);
    let p = theme::palette(s);
    let swatch = |c: iced::Color| {
        container(space().width(22).height(16)).style(move |_: &Theme| container::Style {
            background: Some(c.into()),
            border: iced::Border {
                color: iced::Color::from_rgb(0.5, 0.5, 0.5),
                width: 1.0,
                radius: 2.0.into(),
            },
            ..container::Style::default()
        })
    };
    let label = format!(
        "{}{}",
        t(&format!("style.{}", s.key())),
        if s == current {
            t("system.current")
        } else {
            String::new()
        }
    );
    button(
        row![
            swatch(p.background),
            swatch(p.primary),
            swatch(p.danger),
            swatch(p.warning),
            text(label)
        ]
        .spacing(6)
        .align_y(Alignment::Center),
    )
    .style(if s == current {
        crate::ui::theme::button::primary
    } else {
        crate::ui::theme::button::secondary
    })
    .padding([6, 10])
    .on_press(Message::Style(s))
    .into()
}

/// A preview of the rows clerks read all day, in this style.
fn preview<'a>(ctx: &Ctx<'a>, current: Style) -> Element<'a, Message> {
    let t = |k: &str| ctx.t(k);
    let sample = |label: String, overdue: bool, amber: bool| {
        let tone = amber.then_some(Tone::Warning);
        button(
            row![
                text(label).width(Length::Fill),
                text(if amber {
                    "! 03:12".to_owned()
                } else {
                    String::new()
                })
                .style(move |th: &Theme| text::Style {
                    color: tone.filter(|_| !overdue).map(|tn| theme::tone_text(th, tn)),
                }),
            ]
            .spacing(8),
        )
        .width(Length::Fill)
        .padding([4, 8])
        .style(move |th: &Theme, st| theme::order_row(th, st, false, overdue))
        .on_press(Message::Style(current))
    };
    column![
        text(t("system.preview")).size(14),
        sample(t("system.preview_normal"), false, false),
        sample(
            format!("{} {}", t("orders.overdue_mark"), t("system.preview_red")),
            true,
            false
        ),
        sample(t("system.preview_amber"), false, true),
    ]
    .spacing(4)
    .width(420)
    .into()
}
