//! 网点管理: the network as a tree with search, the detail form below;
//! 新增 / 编辑 / 保存 / 删除 as in the manual.

mod form;

use crate::ui::network_data::NetworkData;
use std::collections::HashSet;

use crate::ui::Element;
use iced::widget::{button, column, row, scrollable, space, text, text_input};

use crate::ui::widget::picker::{Picked, Picker, PickerMsg};
use iced::{Length, Task};

use super::form::{Editor, FormErrors, FormKeys, Mode, prompt_key};
use super::{Ctx, Lost};
use crate::domain::{Outlet, OutletKind, RuleError};
use crate::i18n;
use crate::sync::ClientError;
use crate::ui::notice::Notice;
use crate::ui::theme::Tone;
use crate::ui::widget::shortcuts::Shortcut;
use crate::ui::widget::{self, Choice, tree};
use form::Draft;
pub use form::FieldMsg;

/// 网点管理 messages.
#[derive(Debug, Clone)]
pub enum Message {
    /// Typing, ↑↓ or Enter in the form's 上级网点.
    ParentPick(PickerMsg),
    /// The search box changed.
    Search(String),
    /// Open or close a node.
    Toggle(String),
    /// Open every node.
    ExpandAll,
    /// Close every node.
    CollapseAll,
    /// The tree was scrolled or resized: which rows are on screen.
    TreeScrolled(iced::widget::scrollable::Viewport),
    /// A row was clicked.
    Select(String),
    /// 新增: a blank form under the selected outlet.
    New,
    /// 编辑 the selected outlet.
    Edit,
    /// 保存 the form.
    Save,
    /// 取消 editing.
    Cancel,
    /// Esc on a changed form: ask before throwing it away.
    AskDiscard,
    /// 否 in that question: keep editing.
    KeepEditing,
    /// 删除: ask for confirmation.
    Delete,
    /// 是(Y) in the confirmation.
    ConfirmDelete,
    /// 否(N) in the confirmation.
    CancelDelete,
    /// 停用 an outlet that cannot be deleted.
    Deactivate(String),
    /// 刷新 from the server.
    Refresh,
    /// 知道了 on the screen's notice or error.
    DismissNotice,
    /// A form field changed.
    Field(FieldMsg),
    /// The server answered a save.
    Saved(Result<Outlet, ClientError>),
    /// The server answered a delete of the code.
    Deleted(String, Result<(), ClientError>),
    /// After a 412: discard the user's edit and show the server's record.
    TakeServer,
    /// After a 412: keep the user's edit and redo it on the server's version.
    RedoOnServer,
    /// 导出 and its panel.
    Export(crate::ui::export::ExportMsg),
}

/// What 网点管理 tells the app.
#[derive(Debug, Clone)]
pub enum Event {
    /// The server confirmed a new or changed outlet.
    Saved(Box<crate::domain::Outlet>),
    /// The server deleted an outlet.
    Deleted(String),
    /// The user asked to reload the network from the server.
    RefreshNetwork,
    /// A call failed for want of the server or the session.
    Lost(Lost),
    /// The list was exported: remember where and how on this PC.
    RememberExport(crate::config::ExportPrefs),
}

/// The 网点管理 screen.
#[derive(Default)]
pub struct State {
    open: HashSet<String>,
    search: String,
    /// The tree rows to draw, from `refresh_rows`.
    rows: Vec<tree::Row>,
    selected: Option<String>,
    /// The record form: its draft and where it stands.
    form: Editor<Draft>,
    errors: FormErrors,
    notice: Option<Notice>,
    confirm_delete: Option<String>,
    /// An outlet that could not be deleted, and why.
    in_use: Option<(String, String)>,
    /// The server's record after a 412, beside the user's draft.
    conflict: Option<Outlet>,
    busy: bool,
    parents: Picker,
    /// The tree's scroll position and height: only the rows on screen are
    /// built (20,000 outlets expanded would be 20,000 widgets a frame).
    tree_top: f32,
    tree_height: f32,
    /// 导出's panel.
    export: crate::ui::export::Exporter,
}

/// Height of one tree row, spacing included: fixed, so the rows on screen
/// follow from the scroll position alone (room for 大字体).
const TREE_ROW: f32 = 31.0;
/// Rows built beyond each edge of the visible part, for smooth scrolling.
const TREE_SPARE: usize = 10;
/// The tree's height before the first scroll event says it.
const TREE_FIRST_HEIGHT: f32 = 1200.0;

fn kind_choice(lang: i18n::Lang, k: OutletKind) -> Choice<OutletKind> {
    Choice {
        value: k,
        label: i18n::t(lang, &format!("kind.{}", k.as_str())),
    }
}

impl State {
    /// Called by the app whenever the cached network changed.
    pub fn network_changed(&mut self, ctx: &Ctx<'_>, net: &NetworkData) {
        self.parents.set_options(net.choices.clone(), None);
        if self.open.is_empty() {
            // Start with HQ and the branches open: the usual first look.
            for r in ctx.tree.roots() {
                self.open.insert(r.to_owned());
            }
        }
        self.refresh_rows(ctx.tree);
        if let Some(sel) = &self.selected
            && ctx.tree.get(sel).is_none()
            && self.form.mode != Mode::New
        {
            self.selected = None;
        }
    }

    /// Maps a key to a message, given what is on screen.
    pub fn shortcut(&self, key: Shortcut) -> Option<Message> {
        if self.export.is_open() {
            return (key == crate::ui::widget::shortcuts::Shortcut::Escape)
                .then_some(Message::Export(crate::ui::export::ExportMsg::Close));
        }
        if self.form.confirm_discard {
            return prompt_key(key, Message::Cancel, Message::KeepEditing);
        }
        if self.confirm_delete.is_some() {
            return prompt_key(key, Message::ConfirmDelete, Message::CancelDelete);
        }
        match (key, &self.form.mode) {
            (Shortcut::Delete, Mode::View) if self.selected.is_some() => Some(Message::Delete),
            (Shortcut::Refresh, _) => Some(Message::Refresh),
            (key, mode) => mode.form_key(
                key,
                self.selected.is_some(),
                self.form.changed(),
                FormKeys {
                    new: Message::New,
                    edit: Message::Edit,
                    save: Message::Save,
                    ask_discard: Message::AskDiscard,
                    cancel: Message::Cancel,
                },
            ),
        }
    }

    /// Whether a form is open with changes not yet saved.
    pub fn is_editing(&self) -> bool {
        self.form.mode != Mode::View
    }

    /// Lets a success notice fade once it has had its time.
    pub fn fade_notices(&mut self, now: std::time::Instant) {
        crate::ui::notice::fade(&mut self.notice, now);
    }

    /// Handles one message.
    pub fn update(&mut self, message: Message, ctx: &Ctx<'_>) -> (Task<Message>, Option<Event>) {
        let (search, open) = (self.search.clone(), self.open.len());
        let out = self.handle(message, ctx);
        // Every change to what is open or searched adds or removes open
        // codes or edits the search text.
        if self.search != search || self.open.len() != open {
            self.refresh_rows(ctx.tree);
        }
        out
    }

    /// The tree's visible rows, worked out when the tree, the open set or
    /// the search changes rather than on every frame.
    fn refresh_rows(&mut self, tree: &crate::domain::OutletTree) {
        self.rows = tree::visible_rows(tree, &self.open, &self.search);
        // A shorter tree scrolls back as far as the scrollable itself
        // clamps it, which it does not report.
        let end = self.rows.len() as f32 * TREE_ROW - self.tree_height;
        self.tree_top = self.tree_top.min(end).max(0.0);
    }

    fn handle(&mut self, message: Message, ctx: &Ctx<'_>) -> (Task<Message>, Option<Event>) {
        let task = match message {
            Message::Export(m) => {
                let request = matches!(m, crate::ui::export::ExportMsg::Start)
                    .then(|| crate::ui::export_lists::outlets(ctx.tree, &self.search, ctx.lang));
                let title = ctx.t("export.outlets_title");
                let (task, remember) = self.export.update(m, request, &title, ctx);
                return (
                    task.map(Message::Export),
                    remember.map(Event::RememberExport),
                );
            }
            Message::Search(s) => {
                self.search = s;
                Task::none()
            }
            Message::Toggle(_) | Message::ExpandAll | Message::CollapseAll => {
                self.fold(message, ctx);
                Task::none()
            }
            Message::TreeScrolled(v) => {
                self.tree_top = v.absolute_offset().y;
                self.tree_height = v.bounds().height;
                Task::none()
            }
            Message::Select(code) => {
                self.select(code);
                Task::none()
            }
            Message::New if ctx.can_write() => self.new_draft(ctx),
            Message::Edit if ctx.can_write() => self.edit(ctx),
            Message::AskDiscard => {
                self.form.confirm_discard = true;
                widget::focus::blur()
            }
            Message::DismissNotice => {
                self.notice = None;
                self.errors.general = None;
                Task::none()
            }
            Message::KeepEditing => {
                self.form.confirm_discard = false;
                Task::none()
            }
            Message::Cancel => {
                self.cancel();
                Task::none()
            }
            Message::Field(f) => {
                self.edit_field(f);
                Task::none()
            }
            Message::ParentPick(m) => {
                if let Picked::Chose(c) = self.parents.update(m) {
                    self.edit_field(FieldMsg::Parent(c));
                }
                Task::none()
            }
            Message::Save => self.save(ctx),
            Message::Saved(result) => return self.saved(result, ctx),
            Message::Delete if ctx.can_write() => {
                if let Some(code) = self.selected.clone() {
                    self.in_use = None;
                    self.confirm_delete = Some(code);
                    return (widget::focus::blur(), None);
                }
                Task::none()
            }
            Message::CancelDelete => {
                self.confirm_delete = None;
                Task::none()
            }
            Message::ConfirmDelete => self.delete(ctx),
            Message::Deleted(code, result) => return self.deleted(code, result, ctx),
            Message::Deactivate(code) if ctx.can_write() => self.deactivate(&code, ctx),
            Message::Refresh => return (Task::none(), Some(Event::RefreshNetwork)),
            Message::TakeServer => return (Task::none(), self.take_server()),
            Message::RedoOnServer => return (Task::none(), self.redo_on_server(ctx)),
            Message::New | Message::Edit | Message::Delete | Message::Deactivate(_) => Task::none(),
        };
        (task, None)
    }

    /// Opens or closes tree branches.
    fn fold(&mut self, message: Message, ctx: &Ctx<'_>) {
        match message {
            Message::Toggle(code) if !self.open.remove(&code) => {
                self.open.insert(code);
            }
            Message::ExpandAll => {
                self.open = ctx.tree.outlets().map(|o| o.code.clone()).collect();
            }
            Message::CollapseAll => self.open.clear(),
            _ => {}
        }
    }

    fn select(&mut self, code: String) {
        if self.form.mode == Mode::View {
            self.selected = Some(code);
            self.errors = FormErrors::default();
            self.in_use = None;
        }
    }

    /// 编辑 the selected outlet.
    fn edit(&mut self, ctx: &Ctx<'_>) -> Task<Message> {
        let Some(o) = self.selected.as_deref().and_then(|c| ctx.tree.get(c)) else {
            return Task::none();
        };
        self.form
            .open(Draft::from_outlet(o), Mode::Edit { version: o.version });
        self.clear_messages();
        iced::widget::operation::focus("outlet-name")
    }

    fn cancel(&mut self) {
        self.form.close();
        self.clear_messages();
    }

    /// The confirmed 删除.
    fn delete(&mut self, ctx: &Ctx<'_>) -> Task<Message> {
        let Some(code) = self.confirm_delete.take() else {
            return Task::none();
        };
        self.busy = true;
        let client = ctx.client.clone();
        let c = code.clone();
        Task::perform(async move { client.delete_outlet(&c).await }, move |r| {
            Message::Deleted(code.clone(), r)
        })
    }

    /// 停用 an outlet in use instead of deleting it.
    fn deactivate(&mut self, code: &str, ctx: &Ctx<'_>) -> Task<Message> {
        let Some(o) = ctx.tree.get(code) else {
            return Task::none();
        };
        let mut o = o.clone();
        o.active = false;
        self.in_use = None;
        self.busy = true;
        let version = o.version;
        let client = ctx.client.clone();
        Task::perform(
            async move { client.update_outlet(&o, version).await },
            Message::Saved,
        )
    }

    /// After a conflict: keep the server's version, drop the edit.
    fn take_server(&mut self) -> Option<Event> {
        let server = self.conflict.take()?;
        self.form.mode = Mode::View;
        self.form.draft = None;
        self.errors = FormErrors::default();
        self.notice = None;
        Some(Event::Saved(Box::new(server)))
    }

    /// After a conflict: keep editing, now against the server's version.
    fn redo_on_server(&mut self, ctx: &Ctx<'_>) -> Option<Event> {
        let server = self.conflict.take()?;
        self.form.mode = Mode::Edit {
            version: server.version,
        };
        self.errors = FormErrors::default();
        self.notice = Some(Notice::new(
            i18n::t(ctx.lang, "outlets.redo_hint"),
            Tone::Info,
        ));
        Some(Event::Saved(Box::new(server)))
    }

    /// 新增: a blank office under the selected outlet (else HQ), in its
    /// province and city.
    fn new_draft(&mut self, ctx: &Ctx<'_>) -> Task<Message> {
        let parent = self
            .selected
            .clone()
            .or_else(|| ctx.tree.hq().map(|h| h.code.clone()));
        let mut o = Outlet::blank(OutletKind::Office, parent.as_deref());
        if let Some(p) = parent.as_deref().and_then(|p| ctx.tree.get(p)) {
            o.province = p.province.clone();
            o.city = p.city.clone();
        }
        self.form.open(Draft::from_outlet(&o), Mode::New);
        self.clear_messages();
        iced::widget::operation::focus("outlet-code")
    }

    /// The server's answer to 删除: gone, or still in use (with what).
    fn deleted(
        &mut self,
        code: String,
        result: Result<(), ClientError>,
        ctx: &Ctx<'_>,
    ) -> (Task<Message>, Option<Event>) {
        let lang = ctx.lang;
        self.busy = false;
        match result {
            Ok(()) => {
                let name = ctx
                    .tree
                    .get(&code)
                    .map(|o| o.name.clone())
                    .unwrap_or(code.clone());
                self.selected = ctx.tree.get(&code).and_then(|o| o.parent_code.clone());
                self.notice = Some(Notice::new(
                    i18n::tf(lang, "outlets.deleted", &[("name", &name)]),
                    Tone::Success,
                ));
                (Task::none(), Some(Event::Deleted(code)))
            }
            Err(e) if e.code() == Some("outlet_in_use") => {
                let msg = e.detail().map(|d| d.message.clone()).unwrap_or_default();
                self.in_use = Some((code, msg));
                (Task::none(), None)
            }
            Err(e) => (Task::none(), self.failed(lang, &e)),
        }
    }

    fn clear_messages(&mut self) {
        self.errors = FormErrors::default();
        self.notice = None;
        self.in_use = None;
        self.conflict = None;
    }

    fn save(&mut self, ctx: &Ctx<'_>) -> Task<Message> {
        let lang = ctx.lang;
        let (Some(draft), false) = (self.form.draft.as_ref(), self.busy) else {
            return Task::none();
        };
        let version = match self.form.mode {
            Mode::Edit { version } => version,
            _ => 0,
        };
        // Unreadable numbers and the server's rules, all reported at once.
        let (outlet, bad) = draft.to_outlet(version);
        let local: Result<(), RuleError> = match self.form.mode {
            Mode::New => ctx.tree.check_create(&outlet),
            _ => ctx.tree.check_update(&outlet),
        };
        if local.is_err() || !bad.is_empty() {
            self.errors = match &local {
                Err(e) => FormErrors::from_rule(lang, e),
                Ok(()) => FormErrors::default(),
            };
            for f in bad {
                self.errors.add(lang, f, "not_a_number");
            }
            return Task::none();
        }
        self.errors = FormErrors::default();
        self.busy = true;
        let client = ctx.client.clone();
        let creating = self.form.mode == Mode::New;
        Task::perform(
            async move {
                if creating {
                    client.create_outlet(&outlet).await
                } else {
                    client.update_outlet(&outlet, version).await
                }
            },
            Message::Saved,
        )
    }

    fn saved(
        &mut self,
        result: Result<Outlet, ClientError>,
        ctx: &Ctx<'_>,
    ) -> (Task<Message>, Option<Event>) {
        let lang = ctx.lang;
        self.busy = false;
        match result {
            Ok(o) => {
                self.form.mode = Mode::View;
                self.form.draft = None;
                self.errors = FormErrors::default();
                self.conflict = None;
                self.selected = Some(o.code.clone());
                if let Some(p) = &o.parent_code {
                    for a in ctx.tree.path(p) {
                        self.open.insert(a.code.clone());
                    }
                }
                self.notice = Some(Notice::new(
                    i18n::tf(lang, "outlets.saved", &[("name", &o.name)]),
                    Tone::Success,
                ));
                (Task::none(), Some(Event::Saved(Box::new(o))))
            }
            Err(e) if e.status() == Some(412) => {
                self.conflict = e.current::<Outlet>();
                self.errors = FormErrors::from_client(lang, &e);
                if self.form.draft.is_none() {
                    // A quick action (deactivate) lost the race: just show
                    // the server's record.
                    if let Some(s) = self.conflict.take() {
                        return (Task::none(), Some(Event::Saved(Box::new(s))));
                    }
                }
                (Task::none(), None)
            }
            Err(e) => (Task::none(), self.failed(lang, &e)),
        }
    }

    fn failed(&mut self, lang: i18n::Lang, e: &ClientError) -> Option<Event> {
        self.errors.failed(lang, e).map(Event::Lost)
    }

    /// Draws the screen.
    pub fn view<'a>(&'a self, ctx: &Ctx<'a>) -> Element<'a, Message> {
        widget::record_page(
            vec![self.toolbar(ctx)],
            self.tree_view(ctx),
            self.form_view(ctx),
            self.form.draft.is_some() || self.selected.is_some(),
            self.floating(ctx),
            self.dialog(ctx)
                .or_else(|| self.export.view(ctx).map(|e| e.map(Message::Export))),
        )
    }

    /// The search box and 新增, 编辑, 保存, 取消, 删除, 全部展开, 全部收起, 刷新.
    fn toolbar<'a>(&'a self, ctx: &Ctx<'a>) -> Element<'a, Message> {
        let t = |k: &str| ctx.t(k);
        let viewing = self.form.mode == Mode::View && !self.busy;
        let can = ctx.can_write() && viewing;
        let editing = self.form.mode != Mode::View && !self.busy;
        row![
            text_input(&t("outlets.search_placeholder"), &self.search)
                .id("outlet-search")
                .on_input(Message::Search)
                .padding(6)
                .width(260),
            widget::tool(t("action.new"), can.then_some(Message::New)),
            widget::tool(
                t("action.edit"),
                (can && self.selected.is_some()).then_some(Message::Edit)
            ),
            widget::save_button(ctx.lang, editing.then_some(Message::Save), self.busy),
            widget::secondary(t("action.cancel"), editing.then_some(Message::Cancel)),
            widget::tool(
                t("action.delete"),
                (can && self.selected.is_some()).then_some(Message::Delete)
            ),
            widget::secondary(t("outlets.expand_all"), Some(Message::ExpandAll)),
            widget::secondary(t("outlets.collapse_all"), Some(Message::CollapseAll)),
            widget::secondary(t("action.refresh"), Some(Message::Refresh)),
            widget::secondary(
                t("export.button"),
                Some(Message::Export(crate::ui::export::ExportMsg::Open))
            ),
        ]
        .spacing(8)
        .align_y(iced::Alignment::Center)
        // Narrow windows and 大字体: a second line, never a button squeezed
        // into a column of characters.
        .wrap()
        .vertical_spacing(6)
        .into()
    }

    /// Messages float over the page's foot, the tree keeping its place.
    fn floating<'a>(&'a self, ctx: &Ctx<'a>) -> Vec<Element<'a, Message>> {
        let t = |k: &str| ctx.t(k);
        let mut floating = Vec::new();
        if let Some(n) = &self.notice {
            floating.push(widget::notice(ctx.lang, n, Message::DismissNotice));
        }
        if let Some((code, msg)) = &self.in_use {
            floating.push(widget::banner(
                column![
                    text(msg.as_str()),
                    row![widget::tool(
                        t("outlets.deactivate_instead"),
                        ctx.can_write().then(|| Message::Deactivate(code.clone()))
                    )]
                ]
                .spacing(6),
                Tone::Warning,
            ));
        }
        if let Some(g) = &self.errors.general {
            floating.push(widget::closable(
                ctx.lang,
                g,
                Tone::Danger,
                Some(Message::DismissNotice),
            ));
        }
        if let (Some(server), Some(draft)) = (&self.conflict, &self.form.draft) {
            floating.push(self.conflict_view(ctx, server, draft));
        }
        floating
    }

    /// The dialog over the page, if any: 放弃修改？ or the 删除
    /// confirmation.
    fn dialog<'a>(&'a self, ctx: &Ctx<'a>) -> Option<Element<'a, Message>> {
        let t = |k: &str| ctx.t(k);
        if self.form.confirm_discard {
            Some(widget::discard_confirm(
                ctx.lang,
                Message::Cancel,
                Message::KeepEditing,
            ))
        } else {
            self.confirm_delete.as_ref().map(|code| {
                let name = ctx
                    .tree
                    .get(code)
                    .map_or(code.as_str(), |o| o.name.as_str());
                widget::confirm(
                    t("outlets.confirm_title"),
                    i18n::tf(ctx.lang, "outlets.confirm_delete", &[("name", name)]),
                    (t("dialog.yes"), Message::ConfirmDelete),
                    (t("dialog.no"), Message::CancelDelete),
                )
            })
        }
    }

    fn tree_view<'a>(&'a self, ctx: &Ctx<'a>) -> Element<'a, Message> {
        let rows = &self.rows;
        if rows.is_empty() {
            return widget::muted(ctx.t(if ctx.tree.is_empty() {
                "outlets.empty"
            } else {
                "outlets.no_match"
            }))
            .into();
        }
        // Only the rows on screen (and a few either side) are built; spaces
        // of the right height stand for the rest, so the scrollbar is true.
        let height = if self.tree_height > 0.0 {
            self.tree_height
        } else {
            TREE_FIRST_HEIGHT
        };
        let first = ((self.tree_top / TREE_ROW) as usize)
            .saturating_sub(TREE_SPARE)
            .min(rows.len());
        let last = (first + (height / TREE_ROW) as usize + 2 * TREE_SPARE + 1).min(rows.len());
        let mut col = column![space().height(first as f32 * TREE_ROW)];
        for r in &rows[first..last] {
            let Some(o) = ctx.tree.get(&r.code) else {
                col = col.push(space().height(TREE_ROW));
                continue;
            };
            let toggle: Element<'a, Message> = if r.has_children {
                button(text(if r.open { "▼" } else { "▶" }).size(12))
                    .style(crate::ui::theme::button::text)
                    .padding([2, 4])
                    .width(22)
                    .on_press(Message::Toggle(r.code.clone()))
                    .into()
            } else {
                space().width(22).into()
            };
            let selected = self.selected.as_deref() == Some(o.code.as_str());
            let look = if selected {
                crate::ui::theme::button::primary
            } else {
                crate::ui::theme::button::text
            };
            let second = move |s: String| {
                text(s)
                    .size(12)
                    .style(move |t: &crate::ui::theme::AppTheme| text::Style {
                        color: Some(crate::ui::theme::muted_in_button(t, look)),
                    })
            };
            let mut label = row![
                text(o.name.as_str()),
                second(format!(
                    "{} · {}",
                    o.code,
                    ctx.t(&format!("kind.{}", o.kind.as_str()))
                )),
            ]
            .spacing(8)
            .align_y(iced::Alignment::Center);
            if !o.active {
                label = label.push(second(ctx.t("outlets.inactive")));
            }
            let line = button(label)
                .padding([3, 6])
                .style(look)
                .on_press(Message::Select(o.code.clone()));
            col = col.push(
                row![space().width((r.depth * 18) as f32), toggle, line]
                    .height(TREE_ROW)
                    .align_y(iced::Alignment::Center),
            );
        }
        col = col.push(space().height((rows.len() - last) as f32 * TREE_ROW));
        scrollable(col)
            .on_scroll(Message::TreeScrolled)
            .spacing(4)
            .width(Length::Fill)
            .height(Length::Fill)
            .into()
    }
}
