//! 员工管理's drawing: the query bar, the result list, the actions, the
//! floating messages and the dialogs over the page.

use iced::Length;
use iced::widget::{button, column, row, scrollable, text, text_input};

use super::{Message, ResetDialog, State};
use crate::i18n;
use crate::ui::Element;
use crate::ui::screen::Ctx;
use crate::ui::screen::form::Mode;
use crate::ui::theme::Tone;
use crate::ui::widget;

impl State {
    /// Draws the screen.
    pub fn view<'a>(&'a self, ctx: &Ctx<'a>) -> Element<'a, Message> {
        widget::record_page(
            vec![self.query_bar(ctx), self.actions(ctx)],
            self.results_view(ctx),
            self.form_view(ctx),
            self.form.draft.is_some() || self.selected_staff().is_some(),
            self.floating(ctx),
            self.dialog(ctx)
                .or_else(|| self.export.view(ctx).map(|e| e.map(Message::Export))),
        )
    }

    /// 新增, 编辑, 保存, 取消, 停用/启用 and 重置密码.
    fn actions<'a>(&'a self, ctx: &Ctx<'a>) -> Element<'a, Message> {
        let t = |k: &str| ctx.t(k);
        let viewing = self.form.mode == Mode::View && !self.busy;
        let can = ctx.can_write() && viewing;
        let editing = self.form.mode != Mode::View && !self.busy;
        let selected_active = self.selected_staff().map(|s| s.active);
        row![
            widget::tool(t("action.new"), can.then_some(Message::New)),
            widget::tool(
                t("action.edit"),
                (can && self.selected.is_some()).then_some(Message::Edit)
            ),
            widget::save_button(
                ctx.lang,
                editing.then_some(Message::Save),
                self.busy && editing
            ),
            widget::secondary(t("action.cancel"), editing.then_some(Message::Cancel)),
            widget::secondary(
                t(if selected_active == Some(false) {
                    "staff.activate"
                } else {
                    "staff.deactivate"
                }),
                (can && selected_active.is_some()).then_some(Message::ToggleActive)
            ),
            widget::secondary(
                t("staff.reset_password"),
                (can && self.selected.is_some()).then_some(Message::ResetOpen)
            ),
        ]
        .spacing(8)
        .into()
    }

    /// Messages float over the page's foot: the list under them keeps
    /// its place (and its scroll position) when one comes or goes.
    fn floating<'a>(&'a self, ctx: &Ctx<'a>) -> Vec<Element<'a, Message>> {
        let lang = ctx.lang;
        let mut floating = Vec::new();
        if self.from_cache {
            floating.push(widget::banner(
                text(ctx.t("staff.from_cache")),
                Tone::Warning,
            ));
        }
        if let Some(n) = &self.notice {
            floating.push(widget::notice(lang, n, Message::DismissNotice));
        }
        if let Some(g) = &self.errors.general {
            floating.push(widget::closable(
                lang,
                g,
                Tone::Danger,
                Some(Message::DismissNotice),
            ));
        }
        if let Some(server) = &self.conflict {
            floating.push(widget::banner(
                text(i18n::tf(
                    lang,
                    "staff.conflict",
                    &[
                        ("name", &server.name),
                        ("version", &server.version.to_string()),
                    ],
                )),
                Tone::Warning,
            ));
        }
        floating
    }

    /// The dialog over the page, if any: 放弃修改？, 重置密码 or the 停用
    /// confirmation.
    fn dialog<'a>(&'a self, ctx: &Ctx<'a>) -> Option<Element<'a, Message>> {
        let lang = ctx.lang;
        let t = |k: &str| ctx.t(k);
        if self.form.confirm_discard {
            Some(widget::discard_confirm(
                lang,
                Message::Cancel,
                Message::KeepEditing,
            ))
        } else if let Some(r) = &self.reset {
            Some(self.reset_view(ctx, r))
        } else {
            self.confirm_deactivate.as_ref().map(|login| {
                let name = self
                    .results
                    .iter()
                    .find(|s| &s.login == login)
                    .map_or(login.as_str(), |s| s.name.as_str());
                widget::confirm(
                    t("staff.deactivate_title"),
                    i18n::tf(lang, "staff.confirm_deactivate", &[("name", name)]),
                    (t("dialog.yes"), Message::ConfirmDeactivate),
                    (t("dialog.no"), Message::CancelDeactivate),
                )
            })
        }
    }

    /// 网络网点, 包含下级, 姓名 and 查询.
    fn query_bar<'a>(&'a self, ctx: &Ctx<'a>) -> Element<'a, Message> {
        let t = |k: &str| ctx.t(k);
        // Each label stays on the line of its field when the bar wraps.
        let labelled = |label: String, field: Element<'a, Message>| {
            row![text(label), field]
                .spacing(8)
                .align_y(iced::Alignment::Center)
        };
        row![
            labelled(
                t("staff.query_outlet"),
                self.query_outlets
                    .field(
                        "staff-query-outlet",
                        self.query_outlet.as_ref().map(|c| c.label.clone()),
                        t("staff.any_outlet"),
                        Message::QueryOutletPick
                    )
                    .width(260)
                    .into()
            ),
            widget::secondary(
                t("action.clear"),
                self.query_outlet.is_some().then_some(Message::ClearOutlet)
            ),
            widget::focus::check(
                self.include_sub,
                t("staff.include_sub"),
                Some(Message::IncludeSub)
            ),
            labelled(
                t("staff.query_name"),
                text_input(&t("staff.name_placeholder"), &self.query_name)
                    .id("staff-query-name")
                    .on_input(Message::QueryName)
                    .on_submit(Message::Query)
                    .padding(5)
                    .width(200)
                    .into()
            ),
            widget::tool(t("action.query"), (!self.busy).then_some(Message::Query)),
            widget::secondary(
                t("export.button"),
                self.queried
                    .then_some(Message::Export(crate::ui::export::ExportMsg::Open))
            ),
        ]
        .spacing(8)
        .align_y(iced::Alignment::Center)
        .wrap()
        .vertical_spacing(6)
        .into()
    }

    /// The 重置密码 dialog.
    fn reset_view<'a>(&'a self, ctx: &Ctx<'a>, r: &'a ResetDialog) -> Element<'a, Message> {
        let lang = ctx.lang;
        let t = |k: &str| ctx.t(k);
        let name = self
            .results
            .iter()
            .find(|s| s.login == r.login)
            .map_or(r.login.as_str(), |s| s.name.as_str());
        let mut dlg = column![
            text(i18n::tf(lang, "staff.reset_title", &[("name", name)])).size(18),
            widget::field(
                t("staff.new_password"),
                text_input("", &r.password)
                    .id("reset-password")
                    .secure(true)
                    .on_input(Message::ResetPassword)
                    .on_submit(Message::ResetSubmit)
                    .padding(6),
                None
            ),
            widget::field(
                t("staff.confirm_password"),
                text_input("", &r.confirm)
                    .secure(true)
                    .on_input(Message::ResetConfirm)
                    .on_submit(Message::ResetSubmit)
                    .padding(6),
                None
            ),
        ]
        .spacing(12);
        if let Some(e) = &r.error {
            dlg = dlg.push(widget::error_line(e.as_str()));
        }
        dlg = dlg.push(
            row![
                widget::tool(t("dialog.ok"), Some(Message::ResetSubmit)),
                widget::secondary(t("action.cancel"), Some(Message::ResetCancel)),
            ]
            .spacing(10),
        );
        dlg.into()
    }

    /// What an empty list says: the query opening the screen is running
    /// (it said "click 查询" beside a greyed-out 查询), found nothing, or
    /// has not been asked.
    pub(super) fn empty_hint(&self) -> &'static str {
        if self.busy {
            "staff.searching"
        } else if self.queried {
            "staff.no_results"
        } else {
            "staff.query_hint"
        }
    }

    fn results_view<'a>(&'a self, ctx: &Ctx<'a>) -> Element<'a, Message> {
        let t = |k: &str| ctx.t(k);
        let header = row![
            text(t("field.login")).width(Length::FillPortion(4)),
            text(t("field.person_name")).width(Length::FillPortion(4)),
            text(t("field.outlet_code")).width(Length::FillPortion(5)),
            text(t("field.role")).width(Length::FillPortion(4)),
            text(t("field.phone")).width(Length::FillPortion(4)),
            text(t("staff.col_state")).width(Length::FillPortion(2)),
        ]
        .spacing(8)
        .padding([2, 6]);
        if self.results.is_empty() {
            return column![header, widget::muted(t(self.empty_hint()))]
                .spacing(6)
                .into();
        }
        let mut list = column![].spacing(1);
        for s in &self.results {
            let selected = self.selected.as_deref() == Some(s.login.as_str());
            let line = row![
                text(s.login.as_str()).width(Length::FillPortion(4)),
                text(s.name.as_str()).width(Length::FillPortion(4)),
                text(ctx.outlet_label(&s.outlet_code)).width(Length::FillPortion(5)),
                text(t(&format!("role.{}", s.role.as_str()))).width(Length::FillPortion(4)),
                text(s.phone.as_str()).width(Length::FillPortion(4)),
                text(t(if s.active {
                    "staff.state_active"
                } else {
                    "staff.state_inactive"
                }))
                .width(Length::FillPortion(2)),
            ]
            .spacing(8);
            list = list.push(
                button(line)
                    .width(Length::Fill)
                    .padding([3, 6])
                    .style(if selected {
                        crate::ui::theme::button::primary
                    } else {
                        crate::ui::theme::button::text
                    })
                    .on_press(Message::Select(s.login.clone())),
            );
        }
        column![
            header,
            scrollable(list).height(Length::Fill),
            widget::muted(i18n::tf(
                ctx.lang,
                "staff.count",
                &[("n", &self.results.len().to_string())]
            ))
            .size(12)
        ]
        .spacing(4)
        .into()
    }
}

#[cfg(test)]
mod tests {
    use super::State;
    use crate::domain::Role;
    use crate::ui::screen::fixture::Fixture;

    /// Issue 9 (session 4's small faults): entering 员工管理 starts its
    /// query, and the empty list said "输入条件后点击“查询”" beside a
    /// greyed-out 查询. While the query runs, the list says so.
    #[test]
    fn the_empty_list_says_the_opening_query_is_running() {
        let fixture = Fixture::new(Role::Admin);
        let ctx = fixture.ctx();
        let mut s = State::default();
        assert_eq!(ctx.t(s.empty_hint()), "输入条件后点击“查询”。");
        let _ = s.query(&ctx);
        assert_eq!(ctx.t(s.empty_hint()), "正在查询…");
    }
}
