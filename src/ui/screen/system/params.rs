//! 参数配置: a category's parameters, the selected one's facts and its
//! editor.

use iced::widget::{button, column, container, row, scrollable, text, text_input};
use iced::{Alignment, Length};
use serde_json::Value;

use super::{Message, State, describe, value_text};
use crate::api::Parameter;
use crate::domain::params::{ParamType, Reason};
use crate::ui::Element;
use crate::ui::screen::Ctx;
use crate::ui::widget;

impl State {
    /// 参数配置 of one category: buttons, list, and the details below.
    pub(super) fn params_view<'a>(
        &'a self,
        ctx: &Ctx<'a>,
        cat: &'static str,
        params: &'a [Parameter],
    ) -> Element<'a, Message> {
        // The operation buttons sit in the middle, as in the manual.
        let buttons = self.param_buttons(ctx);
        let list = self.param_list(ctx, cat, params);
        let top = row![
            buttons,
            container(scrollable(list).spacing(4))
                .width(Length::Fill)
                .height(Length::FillPortion(3))
                .padding(6)
                .style(crate::ui::theme::container::bordered_box)
        ]
        .spacing(12);
        let details = self.param_details(ctx, params);
        column![
            top,
            container(scrollable(details).spacing(4))
                .width(Length::Fill)
                .height(Length::FillPortion(2))
                .padding(8)
                .style(crate::ui::theme::container::bordered_box)
        ]
        .spacing(10)
        .height(Length::Fill)
        .into()
    }

    /// 修改, 保存, 恢复默认 and 取消.
    fn param_buttons<'a>(&'a self, ctx: &Ctx<'a>) -> Element<'a, Message> {
        let t = |k: &str| ctx.t(k);
        let can = ctx.can_write() && !self.busy;
        column![
            widget::tool(
                t("params.modify"),
                (can && !self.editing && self.selected.is_some()).then_some(Message::Modify)
            ),
            widget::save_button(
                ctx.lang,
                (can && self.editing).then_some(Message::Save),
                self.busy
            ),
            widget::secondary(
                t("params.restore"),
                (can && self.editing).then_some(Message::Restore)
            ),
            widget::secondary(t("action.cancel"), self.editing.then_some(Message::Cancel)),
        ]
        .spacing(8)
        .width(110)
        .into()
    }

    /// The category's parameters, one row each: description and value.
    fn param_list<'a>(
        &'a self,
        ctx: &Ctx<'a>,
        cat: &'static str,
        params: &'a [Parameter],
    ) -> Element<'a, Message> {
        let t = |k: &str| ctx.t(k);
        let in_cat: Vec<&Parameter> = params.iter().filter(|p| p.category == cat).collect();
        let mut list = column![
            text(t(&format!("params.cat.{cat}")))
                .size(16)
                .font(crate::ui::font::BOLD)
        ]
        .spacing(2);
        if in_cat.is_empty() {
            list = list.push(widget::muted(t("params.loading")).size(12));
        }
        for p in &in_cat {
            let selected = self.selected.as_deref() == Some(p.key.as_str());
            let shown = shown_value(ctx, p);
            list = list.push(
                button(
                    row![
                        text(describe(ctx.lang, p))
                            .size(13)
                            .width(Length::FillPortion(3)),
                        text(shown).size(13).width(Length::FillPortion(2))
                    ]
                    .spacing(8),
                )
                .width(Length::Fill)
                .padding([4, 8])
                .style(if selected {
                    crate::ui::theme::button::primary
                } else {
                    crate::ui::theme::button::text
                })
                .on_press(Message::Select(p.key.clone())),
            );
        }
        if !ctx.can_write() {
            list = list.push(widget::muted(t("params.read_only")).size(12));
        }
        list.into()
    }

    /// The selected parameter's facts, and its editor while editing.
    fn param_details<'a>(&'a self, ctx: &Ctx<'a>, params: &'a [Parameter]) -> Element<'a, Message> {
        let t = |k: &str| ctx.t(k);
        match self.current(params) {
            None => widget::muted(t("params.pick_hint")).into(),
            Some(p) => {
                let num = |n| crate::ui::format::param_number(p.ty, n);
                let range = match (p.min, p.max) {
                    (Some(a), Some(b)) => format!("{} – {}", num(a), num(b)),
                    _ if !p.choices.is_empty() => p.choices.join(" / "),
                    _ => "—".into(),
                };
                let who = match (&p.updated_by, p.updated_at) {
                    (Some(w), Some(at)) => format!("{w} · {}", crate::ui::format::short_time(at)),
                    _ => t("params.never_changed"),
                };
                let kv = |k: &str, v: String| {
                    row![text(ctx.t(k)).size(13).width(110), text(v).size(13)].spacing(8)
                };
                let mut col = column![
                    kv("params.key", p.key.clone()),
                    kv("params.description", describe(ctx.lang, p)),
                    kv("params.type", t(&format!("params.type.{}", unit(p.ty)))),
                    kv("params.range", range),
                    kv("params.default", shown(ctx, p.ty, &p.default)),
                    kv("params.changed", who),
                ]
                .spacing(4);
                if self.editing {
                    col = col.push(self.editor(ctx, p));
                }
                col.into()
            }
        }
    }

    fn editor<'a>(&'a self, ctx: &Ctx<'a>, p: &'a Parameter) -> Element<'a, Message> {
        let t = |k: &str| ctx.t(k);
        match p.ty {
            ParamType::Reasons => {
                let mut col = column![text(t("params.edit_reasons")).size(14)].spacing(4);
                for (i, r) in self.reasons.iter().enumerate() {
                    col = col.push(
                        row![
                            text(r.code.clone()).size(12).width(160),
                            text_input(&t("params.label_zh"), &r.label)
                                .on_input(move |v| Message::ReasonLabel(i, v))
                                .padding(4)
                                .width(160),
                            text_input(&t("params.label_en"), r.label_en.as_deref().unwrap_or(""))
                                .on_input(move |v| Message::ReasonLabelEn(i, v))
                                .padding(4)
                                .width(160),
                            widget::focus::check(
                                r.note_required,
                                t("params.note_required"),
                                Some(move |b| Message::ReasonNote(i, b))
                            ),
                            widget::focus::check(
                                r.retired,
                                t("params.retired"),
                                Some(move |b| Message::ReasonRetired(i, b))
                            ),
                        ]
                        .spacing(8)
                        .align_y(Alignment::Center),
                    );
                }
                col.push(
                    row![
                        text_input(&t("params.new_code"), &self.new_code)
                            .on_input(Message::NewCode)
                            .on_submit(Message::AddReason)
                            .padding(4)
                            .width(160),
                        text_input(&t("params.new_label"), &self.new_label)
                            .on_input(Message::NewLabel)
                            .on_submit(Message::AddReason)
                            .padding(4)
                            .width(180),
                        widget::secondary(t("params.add_reason"), Some(Message::AddReason)),
                    ]
                    .spacing(8),
                )
                .into()
            }
            ParamType::Choice => {
                let current = Some(self.value.clone());
                widget::focus::choose(p.choices.to_vec(), current, Message::Value).into()
            }
            ty => row![
                text(t("params.new_value")).size(13),
                text_input("", &self.value)
                    .id("param-value")
                    .on_input(Message::Value)
                    .on_submit(Message::Save)
                    .padding(6)
                    .width(240),
                text(t(&format!("unit.{}", unit(ty)))).size(13),
            ]
            .spacing(8)
            .align_y(Alignment::Center)
            .into(),
        }
    }
}

fn unit(ty: ParamType) -> &'static str {
    match ty {
        ParamType::Int => "int",
        ParamType::Minutes => "minutes",
        ParamType::Seconds => "seconds",
        ParamType::Fen => "fen",
        ParamType::Grams => "grams",
        ParamType::Cm3 => "cm3",
        ParamType::Metres => "metres",
        ParamType::Url => "url",
        ParamType::Pattern => "pattern",
        ParamType::Choice => "choice",
        ParamType::Reasons => "reasons",
    }
}

/// A parameter's value as the list shows it.
fn shown_value(ctx: &Ctx<'_>, p: &Parameter) -> String {
    shown(ctx, p.ty, &p.value)
}

/// A value as people read it: live reasons by label in the current
/// language (never raw JSON), a number in its unit (2 元, not 200 分).
fn shown(ctx: &Ctx<'_>, ty: ParamType, v: &Value) -> String {
    let t = |k: &str| ctx.t(k);
    match ty {
        ParamType::Reasons => {
            let r: Vec<Reason> = serde_json::from_value(v.clone()).unwrap_or_default();
            r.iter()
                .filter(|x| !x.retired)
                .map(|x| x.label_in(ctx.lang).to_owned())
                .collect::<Vec<_>>()
                .join(&t("list.separator"))
        }
        ty => {
            let u = t(&format!("unit.{}", unit(ty)));
            if u == "—" {
                value_text(ty, v)
            } else {
                format!("{} {u}", value_text(ty, v))
            }
        }
    }
}
