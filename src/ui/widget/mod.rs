//! Shared view pieces.

pub mod focus;
pub mod page_view;
pub mod picker;
pub mod shortcuts;
pub mod tree;
pub mod wrap;

use crate::ui::Element;
use crate::ui::theme::AppTheme as Theme;
use iced::widget::{
    button, center, column, container, mouse_area, opaque, row, space, stack, text,
};
use iced::{Color, Length};

use crate::ui::theme::{self, Tone};

/// A form field: label above, input, and the rule message below in red.
pub fn field<'a, M: 'a>(
    label: String,
    input: impl Into<Element<'a, M>>,
    error: Option<&'a String>,
) -> Element<'a, M> {
    let mut col = column![text(label).size(13), input.into()].spacing(3);
    if let Some(e) = error {
        col = col.push(text(e.as_str()).size(12).style(|t: &Theme| text::Style {
            color: Some(theme::error_text(t)),
        }));
    }
    col.width(Length::Fill).into()
}

/// A text in the theme's danger colour.
pub fn error_line<'a, M: 'a>(s: impl text::IntoFragment<'a>) -> Element<'a, M> {
    text(s)
        .style(|t: &Theme| text::Style {
            color: Some(theme::error_text(t)),
        })
        .into()
}

/// Muted text, for codes and hints.
pub fn muted<'a>(s: impl text::IntoFragment<'a>) -> text::Text<'a, Theme> {
    text(s).style(|t: &Theme| text::Style {
        color: Some(theme::muted(t)),
    })
}

/// A coloured banner line.
pub fn banner<'a, M: 'a>(content: impl Into<Element<'a, M>>, tone: Tone) -> Element<'a, M> {
    container(content)
        .padding([6, 10])
        .width(Length::Fill)
        .style(move |t: &Theme| {
            let (bg, fg) = crate::ui::theme::banner_colors(t, tone);
            container::Style {
                background: Some(bg.into()),
                text_color: Some(fg),
                border: iced::Border {
                    radius: 4.0.into(),
                    ..Default::default()
                },
                ..container::Style::default()
            }
        })
        .into()
}

/// A screen's notice as a banner; one that waits to be read carries a
/// close button (知道了) sending `close`.
pub fn notice<'a, M: Clone + 'a>(
    lang: crate::i18n::Lang,
    n: &'a crate::ui::notice::Notice,
    close: M,
) -> Element<'a, M> {
    closable(lang, &n.text, n.tone, n.closable().then_some(close))
}

/// A banner with 知道了 when `close` is given.
pub fn closable<'a, M: Clone + 'a>(
    lang: crate::i18n::Lang,
    s: &'a str,
    tone: Tone,
    close: Option<M>,
) -> Element<'a, M> {
    let mut line = row![text(s).width(Length::Fill)]
        .spacing(10)
        .align_y(iced::Alignment::Center);
    if let Some(close) = close {
        line = line.push(
            button(text(crate::i18n::t(lang, "notice.close")).size(13))
                .padding([2, 10])
                .style(crate::ui::theme::button::secondary)
                .on_press(close),
        );
    }
    banner(line, tone)
}

/// Floats `banners` over the foot of `base`: a message appearing or going
/// never moves the page under the pointer (a click meant for one row
/// cannot land on the next).
pub fn over_foot<'a, M: 'a>(
    base: impl Into<Element<'a, M>>,
    banners: Vec<Element<'a, M>>,
) -> Element<'a, M> {
    if banners.is_empty() {
        // The same tree shape either way, so scroll positions survive.
        return stack![base.into(), space()].into();
    }
    // Each banner takes the clicks on it: none falls through to a row.
    let col = iced::widget::Column::with_children(banners.into_iter().map(opaque))
        .spacing(6)
        .max_width(720);
    stack![
        base.into(),
        container(col)
            .width(Length::Fill)
            .height(Length::Fill)
            .align_x(iced::alignment::Horizontal::Center)
            .align_y(iced::alignment::Vertical::Bottom)
            .padding(iced::Padding {
                bottom: 18.0,
                left: 12.0,
                right: 12.0,
                top: 0.0
            })
    ]
    .into()
}

/// A toolbar button, disabled when `on_press` is `None`.
/// Tab reaches it and Space/Enter presses it.
pub fn tool<'a, M: Clone + 'a>(label: String, on_press: Option<M>) -> Element<'a, M> {
    focus::keyable(
        button(text(label).size(14))
            .padding([5, 14])
            .on_press_maybe(on_press.clone()),
        on_press,
    )
    .into()
}

/// 保存: it reads 正在保存… and waits while `busy` (the server works).
pub fn save_button<'a, M: Clone + 'a>(
    lang: crate::i18n::Lang,
    on_press: Option<M>,
    busy: bool,
) -> Element<'a, M> {
    let label = crate::i18n::t(lang, if busy { "action.saving" } else { "action.save" });
    tool(label, on_press.filter(|_| !busy))
}

/// A secondary (less prominent) button.
pub fn secondary<'a, M: Clone + 'a>(label: String, on_press: Option<M>) -> Element<'a, M> {
    focus::keyable(
        button(text(label).size(14))
            .padding([5, 14])
            .style(crate::ui::theme::button::secondary)
            .on_press_maybe(on_press.clone()),
        on_press,
    )
    .into()
}

/// Puts `dialog` (if any) over `base`, dimming it; clicks outside do
/// nothing so a destructive choice is never made by accident. The tree has
/// the same shape with or without a dialog, so the page keeps its scroll
/// positions when one opens and closes.
pub fn modal_opt<'a, M: Clone + 'a>(
    base: impl Into<Element<'a, M>>,
    dialog: Option<Element<'a, M>>,
) -> Element<'a, M> {
    match dialog {
        Some(d) => modal(base, d),
        None => stack![base.into(), space()].into(),
    }
}

/// What lies behind an open dialog: drawn, but deaf to the keyboard. A
/// field focused there before the dialog opened (查询's order number) kept
/// its focus and took the keys typed "into" the dialog.
fn behind<'a, M: 'a>(base: impl Into<Element<'a, M>>) -> Element<'a, M> {
    wrap::Wrapped::new(base, Deaf).into()
}

/// Keeps keyboard and input-method events from its child.
struct Deaf;

impl<M, R> wrap::Wrapper<M, Theme, R> for Deaf {
    type State = ();

    fn passes(&self, event: &iced::Event) -> bool {
        !matches!(
            event,
            iced::Event::Keyboard(_) | iced::Event::InputMethod(_)
        )
    }
}

/// Puts `dialog` over `base`, dimming it; clicks outside do nothing so a
/// destructive choice is never made by accident. Tab stays inside it (its
/// box carries [`focus::MODAL`]).
pub fn modal<'a, M: Clone + 'a>(
    base: impl Into<Element<'a, M>>,
    dialog: impl Into<Element<'a, M>>,
) -> Element<'a, M> {
    let dialog = container(dialog)
        .id(focus::MODAL)
        .padding(20)
        .max_width(520)
        .style(crate::ui::theme::container::rounded_box);
    stack![
        behind(base),
        opaque(mouse_area(center(opaque(dialog)).style(|_| {
            container::Style {
                background: Some(
                    Color {
                        a: 0.55,
                        ..Color::BLACK
                    }
                    .into(),
                ),
                ..container::Style::default()
            }
        })))
    ]
    .into()
}

/// A yes/no confirmation: 是(Y) / 否(N), as in the manual.
pub fn confirm<'a, M: Clone + 'a>(
    title: String,
    body: String,
    yes: (String, M),
    no: (String, M),
) -> Element<'a, M> {
    column![
        text(title).size(18).font(crate::ui::font::BOLD),
        text(body),
        row![
            focus::keyable(
                button(text(yes.0))
                    .padding([6, 18])
                    .style(crate::ui::theme::button::danger)
                    .on_press(yes.1.clone()),
                Some(yes.1)
            ),
            focus::keyable(
                button(text(no.0))
                    .padding([6, 18])
                    .style(crate::ui::theme::button::secondary)
                    .on_press(no.1.clone()),
                Some(no.1)
            ),
        ]
        .spacing(12)
    ]
    .spacing(16)
    .into()
}

/// "放弃修改？" for Esc on a changed form: 是(Y) throws the changes away.
pub fn discard_confirm<'a, M: Clone + 'a>(
    lang: crate::i18n::Lang,
    yes: M,
    no: M,
) -> Element<'a, M> {
    let t = |k: &str| crate::i18n::t(lang, k);
    confirm(
        t("discard.title"),
        t("discard.body"),
        (t("dialog.yes"), yes),
        (t("dialog.no"), no),
    )
}

/// A record screen's page (网点管理, 员工管理): its `bars` on top, the
/// list over the form, `floating` messages over the page's foot, and the
/// `dialog`, if any, over everything.
pub fn record_page<'a, M: Clone + 'a>(
    bars: Vec<Element<'a, M>>,
    list: Element<'a, M>,
    form: Element<'a, M>,
    open: bool,
    floating: Vec<Element<'a, M>>,
    dialog: Option<Element<'a, M>>,
) -> Element<'a, M> {
    let body = iced::widget::Column::with_children(bars)
        .spacing(10)
        .push(list_over_form(list, form, open));
    modal_opt(over_foot(body.padding(12), floating), dialog)
}

/// The manual's base-data layout: a list panel above, the detail form
/// below it (scrolling when the window is small). With no record `open`
/// the form is only its hint line, and the list takes the room: at 20,000
/// outlets the tree had a third of the window above an empty panel.
pub fn list_over_form<'a, M: 'a>(
    list: impl Into<Element<'a, M>>,
    form: impl Into<Element<'a, M>>,
    open: bool,
) -> Element<'a, M> {
    let form = iced::widget::scrollable(container(form).padding(iced::Padding {
        right: 16.0,
        ..iced::Padding::ZERO
    }));
    column![
        container(list)
            .height(Length::FillPortion(4))
            .width(Length::Fill)
            .padding(6)
            .style(crate::ui::theme::container::bordered_box),
        container(form)
            .height(if open {
                Length::FillPortion(5)
            } else {
                Length::Shrink
            })
            .width(Length::Fill)
            .padding(10)
            .style(crate::ui::theme::container::bordered_box),
    ]
    .spacing(10)
    .into()
}

/// A value with the label a pick list or combo box shows for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice<T> {
    pub value: T,
    pub label: String,
}

impl<T> std::fmt::Display for Choice<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.label)
    }
}

/// Outlet choices "名称 (CODE)" in tree order, for pickers.
pub fn outlet_choices(tree: &crate::domain::OutletTree) -> Vec<Choice<String>> {
    let mut out = Vec::with_capacity(tree.len());
    let mut stack: Vec<&str> = tree.roots().rev().collect();
    while let Some(code) = stack.pop() {
        if let Some(o) = tree.get(code) {
            out.push(Choice {
                value: o.code.clone(),
                label: format!("{} ({})", o.name, o.code),
            });
        }
        stack.extend(tree.children(code).rev());
    }
    out
}
