//! 网点管理: the network as a tree with search, the detail form below;
//! 新增 / 编辑 / 保存 / 删除 as in the manual.

use std::collections::HashSet;

use crate::ui::Element;
use iced::widget::{
    button, checkbox, column, combo_box, pick_list, row, scrollable, space, text, text_input,
};
use iced::{Length, Task};

use super::form::{FormErrors, Mode, event_for};
use super::{Ctx, Event};
use crate::domain::{Outlet, OutletKind, RuleError};
use crate::i18n;
use crate::sync::ClientError;
use crate::ui::widget::{self, Choice, Tone, tree};

/// The form's fields as typed (numbers stay text until saved).
#[derive(Debug, Clone, PartialEq)]
struct Draft {
    code: String,
    name: String,
    kind: OutletKind,
    parent_code: Option<String>,
    province: String,
    city: String,
    district: String,
    address: String,
    phone: String,
    urban: bool,
    latitude: String,
    longitude: String,
    accepts_ali_orders: bool,
    active: bool,
}

impl Draft {
    fn from_outlet(o: &Outlet) -> Draft {
        let num = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
        Draft {
            code: o.code.clone(),
            name: o.name.clone(),
            kind: o.kind,
            parent_code: o.parent_code.clone(),
            province: o.province.clone(),
            city: o.city.clone(),
            district: o.district.clone(),
            address: o.address.clone(),
            phone: o.phone.clone(),
            urban: o.urban,
            latitude: num(o.latitude),
            longitude: num(o.longitude),
            accepts_ali_orders: o.accepts_ali_orders,
            active: o.active,
        }
    }

    /// The outlet to send, or which number fields do not parse.
    fn to_outlet(&self, version: i64) -> Result<Outlet, Vec<&'static str>> {
        let mut bad = Vec::new();
        let mut num = |field: &'static str, s: &str| -> Option<f64> {
            let s = s.trim();
            if s.is_empty() {
                return None;
            }
            match s.parse::<f64>() {
                Ok(v) if v.is_finite() => Some(v),
                _ => {
                    bad.push(field);
                    None
                }
            }
        };
        let latitude = num("latitude", &self.latitude);
        let longitude = num("longitude", &self.longitude);
        if !bad.is_empty() {
            return Err(bad);
        }
        Ok(Outlet {
            code: self.code.trim().to_owned(),
            name: self.name.trim().to_owned(),
            kind: self.kind,
            parent_code: self.parent_code.clone().filter(|p| !p.is_empty()),
            province: self.province.trim().to_owned(),
            city: self.city.trim().to_owned(),
            district: self.district.trim().to_owned(),
            address: self.address.trim().to_owned(),
            phone: self.phone.trim().to_owned(),
            urban: self.urban,
            latitude,
            longitude,
            accepts_ali_orders: self.accepts_ali_orders,
            active: self.active,
            version,
        })
    }
}

/// One editable field of the form.
#[derive(Debug, Clone)]
pub enum FieldMsg {
    Code(String),
    Name(String),
    Kind(Choice<OutletKind>),
    Parent(Choice<String>),
    Province(String),
    City(String),
    District(String),
    Address(String),
    Phone(String),
    Urban(bool),
    Latitude(String),
    Longitude(String),
    AcceptsAli(bool),
    Active(bool),
}

/// 网点管理 messages.
#[derive(Debug, Clone)]
pub enum Message {
    /// The search box changed.
    Search(String),
    /// Open or close a node.
    Toggle(String),
    /// Open every node.
    ExpandAll,
    /// Close every node.
    CollapseAll,
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
}

/// A keyboard shortcut the app forwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shortcut {
    New,
    Edit,
    Save,
    Escape,
    Delete,
    Refresh,
    Yes,
    No,
}

/// The 网点管理 screen.
pub struct State {
    open: HashSet<String>,
    search: String,
    /// The tree rows to draw, from `refresh_rows`.
    rows: Vec<tree::Row>,
    selected: Option<String>,
    mode: Mode,
    draft: Option<Draft>,
    errors: FormErrors,
    notice: Option<(String, Tone)>,
    confirm_delete: Option<String>,
    /// An outlet that could not be deleted, and why.
    in_use: Option<(String, String)>,
    /// The server's record after a 412, beside the user's draft.
    conflict: Option<Outlet>,
    busy: bool,
    parents: combo_box::State<Choice<String>>,
}

impl Default for State {
    fn default() -> Self {
        State {
            open: HashSet::new(),
            search: String::new(),
            rows: Vec::new(),
            selected: None,
            mode: Mode::View,
            draft: None,
            errors: FormErrors::default(),
            notice: None,
            confirm_delete: None,
            in_use: None,
            conflict: None,
            busy: false,
            parents: combo_box::State::new(Vec::new()),
        }
    }
}

fn kind_choice(lang: i18n::Lang, k: OutletKind) -> Choice<OutletKind> {
    Choice {
        value: k,
        label: i18n::t(lang, &format!("kind.{}", k.as_str())),
    }
}

impl State {
    /// Called by the app whenever the cached network changed.
    pub fn network_changed(&mut self, ctx: &Ctx<'_>) {
        self.parents = combo_box::State::new(widget::outlet_choices(ctx.tree));
        if self.open.is_empty() {
            // Start with HQ and the branches open: the usual first look.
            for r in ctx.tree.roots() {
                self.open.insert(r.clone());
            }
        }
        self.refresh_rows(ctx.tree);
        if let Some(sel) = &self.selected
            && ctx.tree.get(sel).is_none()
            && self.mode != Mode::New
        {
            self.selected = None;
        }
    }

    /// Maps a key to a message, given what is on screen.
    pub fn shortcut(&self, key: Shortcut) -> Option<Message> {
        if self.confirm_delete.is_some() {
            return match key {
                Shortcut::Yes => Some(Message::ConfirmDelete),
                Shortcut::No | Shortcut::Escape => Some(Message::CancelDelete),
                _ => None,
            };
        }
        match (key, &self.mode) {
            (Shortcut::New, Mode::View) => Some(Message::New),
            (Shortcut::Edit, Mode::View) if self.selected.is_some() => Some(Message::Edit),
            (Shortcut::Delete, Mode::View) if self.selected.is_some() => Some(Message::Delete),
            (Shortcut::Save, Mode::Edit { .. } | Mode::New) => Some(Message::Save),
            (Shortcut::Escape, Mode::Edit { .. } | Mode::New) => Some(Message::Cancel),
            (Shortcut::Refresh, _) => Some(Message::Refresh),
            _ => None,
        }
    }

    /// Whether a form is open with changes not yet saved.
    pub fn is_editing(&self) -> bool {
        self.mode != Mode::View
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
    }

    fn handle(&mut self, message: Message, ctx: &Ctx<'_>) -> (Task<Message>, Option<Event>) {
        let lang = ctx.lang;
        match message {
            Message::Search(s) => self.search = s,
            Message::Toggle(code) => {
                if !self.open.remove(&code) {
                    self.open.insert(code);
                }
            }
            Message::ExpandAll => {
                self.open = widget::outlet_choices(ctx.tree)
                    .into_iter()
                    .map(|c| c.value)
                    .collect();
            }
            Message::CollapseAll => self.open.clear(),
            Message::Select(code) => {
                if self.mode == Mode::View {
                    self.selected = Some(code);
                    self.errors = FormErrors::default();
                    self.in_use = None;
                }
            }
            Message::New if ctx.can_write() => {
                let parent = self
                    .selected
                    .clone()
                    .or_else(|| ctx.tree.hq().map(|h| h.code.clone()));
                let mut o = Outlet::blank(OutletKind::Office, parent.as_deref());
                if let Some(p) = parent.as_deref().and_then(|p| ctx.tree.get(p)) {
                    o.province = p.province.clone();
                    o.city = p.city.clone();
                }
                self.draft = Some(Draft::from_outlet(&o));
                self.mode = Mode::New;
                self.clear_messages();
                return (iced::widget::operation::focus("outlet-code"), None);
            }
            Message::Edit if ctx.can_write() => {
                if let Some(o) = self.selected.as_deref().and_then(|c| ctx.tree.get(c)) {
                    self.draft = Some(Draft::from_outlet(o));
                    self.mode = Mode::Edit { version: o.version };
                    self.clear_messages();
                    return (iced::widget::operation::focus("outlet-name"), None);
                }
            }
            Message::Cancel => {
                self.mode = Mode::View;
                self.draft = None;
                self.clear_messages();
            }
            Message::Field(f) => self.edit_field(f),
            Message::Save => return (self.save(ctx), None),
            Message::Saved(result) => return self.saved(result, ctx),
            Message::Delete if ctx.can_write() => {
                if let Some(code) = self.selected.clone() {
                    self.in_use = None;
                    self.confirm_delete = Some(code);
                }
            }
            Message::CancelDelete => self.confirm_delete = None,
            Message::ConfirmDelete => {
                if let Some(code) = self.confirm_delete.take() {
                    self.busy = true;
                    let client = ctx.client.clone();
                    let c = code.clone();
                    return (
                        Task::perform(async move { client.delete_outlet(&c).await }, move |r| {
                            Message::Deleted(code.clone(), r)
                        }),
                        None,
                    );
                }
            }
            Message::Deleted(code, result) => {
                self.busy = false;
                match result {
                    Ok(()) => {
                        let name = ctx
                            .tree
                            .get(&code)
                            .map(|o| o.name.clone())
                            .unwrap_or(code.clone());
                        self.selected = ctx.tree.get(&code).and_then(|o| o.parent_code.clone());
                        self.notice = Some((
                            i18n::tf(lang, "outlets.deleted", &[("name", &name)]),
                            Tone::Success,
                        ));
                        return (Task::none(), Some(Event::OutletDeleted(code)));
                    }
                    Err(e) if e.code() == Some("outlet_in_use") => {
                        let msg = e.detail().map(|d| d.message.clone()).unwrap_or_default();
                        self.in_use = Some((code, msg));
                    }
                    Err(e) => return (Task::none(), self.failed(lang, &e)),
                }
            }
            Message::Deactivate(code) if ctx.can_write() => {
                if let Some(o) = ctx.tree.get(&code) {
                    let mut o = o.clone();
                    o.active = false;
                    self.in_use = None;
                    self.busy = true;
                    let version = o.version;
                    let client = ctx.client.clone();
                    return (
                        Task::perform(
                            async move { client.update_outlet(&o, version).await },
                            Message::Saved,
                        ),
                        None,
                    );
                }
            }
            Message::Refresh => return (Task::none(), Some(Event::RefreshNetwork)),
            Message::TakeServer => {
                if let Some(server) = self.conflict.take() {
                    self.mode = Mode::View;
                    self.draft = None;
                    self.errors = FormErrors::default();
                    self.notice = None;
                    return (Task::none(), Some(Event::OutletSaved(server)));
                }
            }
            Message::RedoOnServer => {
                if let Some(server) = self.conflict.take() {
                    self.mode = Mode::Edit {
                        version: server.version,
                    };
                    self.errors = FormErrors::default();
                    self.notice = Some((i18n::t(lang, "outlets.redo_hint"), Tone::Info));
                    return (Task::none(), Some(Event::OutletSaved(server)));
                }
            }
            Message::New | Message::Edit | Message::Delete | Message::Deactivate(_) => {}
        }
        (Task::none(), None)
    }

    fn clear_messages(&mut self) {
        self.errors = FormErrors::default();
        self.notice = None;
        self.in_use = None;
        self.conflict = None;
    }

    fn edit_field(&mut self, f: FieldMsg) {
        let Some(d) = self.draft.as_mut() else { return };
        match f {
            FieldMsg::Code(v) => d.code = v,
            FieldMsg::Name(v) => d.name = v,
            FieldMsg::Kind(v) => d.kind = v.value,
            FieldMsg::Parent(v) => d.parent_code = Some(v.value),
            FieldMsg::Province(v) => d.province = v,
            FieldMsg::City(v) => d.city = v,
            FieldMsg::District(v) => d.district = v,
            FieldMsg::Address(v) => d.address = v,
            FieldMsg::Phone(v) => d.phone = v,
            FieldMsg::Urban(v) => d.urban = v,
            FieldMsg::Latitude(v) => d.latitude = v,
            FieldMsg::Longitude(v) => d.longitude = v,
            FieldMsg::AcceptsAli(v) => d.accepts_ali_orders = v,
            FieldMsg::Active(v) => d.active = v,
        }
    }

    fn save(&mut self, ctx: &Ctx<'_>) -> Task<Message> {
        let lang = ctx.lang;
        let (Some(draft), false) = (self.draft.as_ref(), self.busy) else {
            return Task::none();
        };
        let version = match self.mode {
            Mode::Edit { version } => version,
            _ => 0,
        };
        let outlet = match draft.to_outlet(version) {
            Ok(o) => o,
            Err(bad) => {
                self.errors = FormErrors::default();
                for f in bad {
                    self.errors.add(lang, f, "not_a_number");
                }
                return Task::none();
            }
        };
        // The same rules the server applies, for instant feedback.
        let local: Result<(), RuleError> = match self.mode {
            Mode::New => ctx.tree.check_create(&outlet),
            _ => ctx.tree.check_update(&outlet),
        };
        if let Err(e) = local {
            self.errors = FormErrors::from_rule(lang, &e);
            return Task::none();
        }
        self.errors = FormErrors::default();
        self.busy = true;
        let client = ctx.client.clone();
        let creating = self.mode == Mode::New;
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
                self.mode = Mode::View;
                self.draft = None;
                self.errors = FormErrors::default();
                self.conflict = None;
                self.selected = Some(o.code.clone());
                if let Some(p) = &o.parent_code {
                    for a in ctx.tree.path(p) {
                        self.open.insert(a.code.clone());
                    }
                }
                self.notice = Some((
                    i18n::tf(lang, "outlets.saved", &[("name", &o.name)]),
                    Tone::Success,
                ));
                (Task::none(), Some(Event::OutletSaved(o)))
            }
            Err(e) if e.status() == Some(412) => {
                let server = e
                    .detail()
                    .and_then(|d| d.current.clone())
                    .and_then(|v| serde_json::from_value::<Outlet>(v).ok());
                self.conflict = server;
                self.errors = FormErrors::from_client(lang, &e);
                if self.draft.is_none() {
                    // A quick action (deactivate) lost the race: just show
                    // the server's record.
                    if let Some(s) = self.conflict.take() {
                        return (Task::none(), Some(Event::OutletSaved(s)));
                    }
                }
                (Task::none(), None)
            }
            Err(e) => {
                let ev = self.failed(lang, &e);
                (Task::none(), ev)
            }
        }
    }

    fn failed(&mut self, lang: i18n::Lang, e: &ClientError) -> Option<Event> {
        self.errors = FormErrors::from_client(lang, e);
        event_for(e)
    }

    /// Draws the screen.
    pub fn view<'a>(&'a self, ctx: &Ctx<'a>) -> Element<'a, Message> {
        let t = |k: &str| ctx.t(k);
        let viewing = self.mode == Mode::View && !self.busy;
        let can = ctx.can_write() && viewing;
        let editing = self.mode != Mode::View && !self.busy;
        let toolbar = row![
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
            space::horizontal(),
            widget::secondary(t("outlets.expand_all"), Some(Message::ExpandAll)),
            widget::secondary(t("outlets.collapse_all"), Some(Message::CollapseAll)),
            widget::secondary(t("action.refresh"), Some(Message::Refresh)),
        ]
        .spacing(8)
        .align_y(iced::Alignment::Center);

        let mut body = column![toolbar].spacing(10);
        if let Some((n, tone)) = &self.notice {
            body = body.push(widget::banner(text(n.as_str()), *tone));
        }
        if let Some((code, msg)) = &self.in_use {
            body = body.push(widget::banner(
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
            body = body.push(widget::banner(text(g.as_str()), Tone::Danger));
        }
        if let (Some(server), Some(draft)) = (&self.conflict, &self.draft) {
            body = body.push(self.conflict_view(ctx, server, draft));
        }
        body = body.push(widget::list_over_form(
            self.tree_view(ctx),
            self.form_view(ctx),
        ));
        let base: Element<'a, Message> = body.padding(12).into();
        match &self.confirm_delete {
            Some(code) => {
                let name = ctx
                    .tree
                    .get(code)
                    .map_or(code.as_str(), |o| o.name.as_str());
                widget::modal(
                    base,
                    widget::confirm(
                        t("outlets.confirm_title"),
                        i18n::tf(ctx.lang, "outlets.confirm_delete", &[("name", name)]),
                        (t("dialog.yes"), Message::ConfirmDelete),
                        (t("dialog.no"), Message::CancelDelete),
                    ),
                )
            }
            None => base,
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
        let mut col = column![].spacing(1);
        for r in rows {
            let Some(o) = ctx.tree.get(&r.code) else {
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
            let mut label = row![
                text(o.name.as_str()),
                widget::muted(format!(
                    "{} · {}",
                    o.code,
                    ctx.t(&format!("kind.{}", o.kind.as_str()))
                ))
                .size(12),
            ]
            .spacing(8)
            .align_y(iced::Alignment::Center);
            if !o.active {
                label = label.push(widget::muted(ctx.t("outlets.inactive")).size(12));
            }
            let line = button(label)
                .padding([3, 6])
                .style(if selected {
                    crate::ui::theme::button::primary
                } else {
                    crate::ui::theme::button::text
                })
                .on_press(Message::Select(o.code.clone()));
            col = col.push(
                row![space().width((r.depth * 18) as f32), toggle, line]
                    .align_y(iced::Alignment::Center),
            );
        }
        scrollable(col)
            .spacing(4)
            .width(Length::Fill)
            .height(Length::Fill)
            .into()
    }

    fn form_view<'a>(&'a self, ctx: &Ctx<'a>) -> Element<'a, Message> {
        let lang = ctx.lang;
        let t = |k: &str| ctx.t(k);
        let shown: Option<Draft> = match (&self.draft, &self.selected) {
            (Some(d), _) => Some(d.clone()),
            (None, Some(code)) => ctx.tree.get(code).map(Draft::from_outlet),
            _ => None,
        };
        let Some(d) = shown else {
            return widget::muted(t("outlets.pick_hint")).into();
        };
        let editable = self.mode != Mode::View && !self.busy;
        let err = |f: &str| self.errors.get(f);
        let input = |id: &'static str, value: String, on: fn(String) -> FieldMsg, enabled: bool| {
            let hint = if enabled {
                ctx.t(&format!("hint.{id}"))
            } else {
                String::new()
            };
            text_input(&hint, &value)
                .id(id)
                .padding(5)
                .on_input_maybe(enabled.then_some(move |s| Message::Field(on(s))))
                // Enter in any field saves, like Ctrl+S.
                .on_submit_maybe(enabled.then_some(Message::Save))
        };
        let title = match self.mode {
            Mode::New => t("outlets.new_title"),
            Mode::Edit { .. } => t("outlets.edit_title"),
            Mode::View => t("outlets.detail_title"),
        };
        let kinds: Vec<Choice<OutletKind>> = OutletKind::ALL
            .iter()
            .map(|k| kind_choice(lang, *k))
            .collect();
        let kind_pick: Element<'a, Message> = if editable {
            pick_list(kinds, Some(kind_choice(lang, d.kind)), |c| {
                Message::Field(FieldMsg::Kind(c))
            })
            .padding(5)
            .width(Length::Fill)
            .into()
        } else {
            text_input("", &kind_choice(lang, d.kind).label)
                .padding(5)
                .into()
        };
        let parent_label = d
            .parent_code
            .as_deref()
            .map(|p| ctx.outlet_label(p))
            .unwrap_or_default();
        let parent_pick: Element<'a, Message> = if editable && d.kind != OutletKind::Hq {
            let current = d.parent_code.as_ref().map(|p| Choice {
                value: p.clone(),
                label: parent_label.clone(),
            });
            combo_box(
                &self.parents,
                &t("outlets.parent_placeholder"),
                current.as_ref(),
                |c| Message::Field(FieldMsg::Parent(c)),
            )
            .padding(5)
            .width(Length::Fill)
            .into()
        } else {
            text_input("", &parent_label).padding(5).into()
        };
        let code_editable = editable && self.mode == Mode::New;
        let grid = column![
            text(title).size(16).font(crate::ui::font::BOLD),
            row![
                widget::field(
                    t("field.code"),
                    input("outlet-code", d.code.clone(), FieldMsg::Code, code_editable),
                    err("code")
                ),
                widget::field(
                    t("field.name"),
                    input("outlet-name", d.name.clone(), FieldMsg::Name, editable),
                    err("name")
                ),
                widget::field(t("field.kind"), kind_pick, err("kind")),
            ]
            .spacing(12),
            row![
                widget::field(t("field.parent_code"), parent_pick, err("parent_code")),
                widget::field(
                    t("field.phone"),
                    input("outlet-phone", d.phone.clone(), FieldMsg::Phone, editable),
                    err("phone")
                ),
                widget::field(
                    t("field.province"),
                    input(
                        "outlet-province",
                        d.province.clone(),
                        FieldMsg::Province,
                        editable
                    ),
                    err("province")
                ),
            ]
            .spacing(12),
            row![
                widget::field(
                    t("field.city"),
                    input("outlet-city", d.city.clone(), FieldMsg::City, editable),
                    err("city")
                ),
                widget::field(
                    t("field.district"),
                    input(
                        "outlet-district",
                        d.district.clone(),
                        FieldMsg::District,
                        editable
                    ),
                    err("district")
                ),
                widget::field(
                    t("field.address"),
                    input(
                        "outlet-address",
                        d.address.clone(),
                        FieldMsg::Address,
                        editable
                    ),
                    err("address")
                ),
            ]
            .spacing(12),
            row![
                widget::field(
                    t("field.latitude"),
                    input(
                        "outlet-lat",
                        d.latitude.clone(),
                        FieldMsg::Latitude,
                        editable
                    ),
                    err("latitude")
                ),
                widget::field(
                    t("field.longitude"),
                    input(
                        "outlet-lon",
                        d.longitude.clone(),
                        FieldMsg::Longitude,
                        editable
                    ),
                    err("longitude")
                ),
                column![
                    checkbox(d.urban).label(t("field.urban")).on_toggle_maybe(
                        editable.then_some(|b| Message::Field(FieldMsg::Urban(b)))
                    ),
                    checkbox(d.accepts_ali_orders)
                        .label(t("field.accepts_ali_orders"))
                        .on_toggle_maybe(
                            editable.then_some(|b| Message::Field(FieldMsg::AcceptsAli(b)))
                        ),
                    checkbox(d.active).label(t("field.active")).on_toggle_maybe(
                        editable.then_some(|b| Message::Field(FieldMsg::Active(b)))
                    ),
                ]
                .spacing(4)
                .width(Length::Fill),
            ]
            .spacing(12),
        ]
        .spacing(10);
        let mut col = column![grid].spacing(6);
        if let Some(e) = err("active") {
            col = col.push(widget::error_line(e.as_str()));
        }
        col.into()
    }

    fn conflict_view<'a>(
        &'a self,
        ctx: &Ctx<'a>,
        server: &Outlet,
        draft: &Draft,
    ) -> Element<'a, Message> {
        let t = |k: &str| ctx.t(k);
        let theirs = Draft::from_outlet(server);
        let yes_no = |b: bool| t(if b { "common.yes" } else { "common.no" });
        let pairs: Vec<(&str, String, String)> = vec![
            ("field.name", draft.name.clone(), theirs.name.clone()),
            (
                "field.kind",
                t(&format!("kind.{}", draft.kind.as_str())),
                t(&format!("kind.{}", theirs.kind.as_str())),
            ),
            (
                "field.parent_code",
                draft.parent_code.clone().unwrap_or_default(),
                theirs.parent_code.clone().unwrap_or_default(),
            ),
            (
                "field.province",
                draft.province.clone(),
                theirs.province.clone(),
            ),
            ("field.city", draft.city.clone(), theirs.city.clone()),
            (
                "field.district",
                draft.district.clone(),
                theirs.district.clone(),
            ),
            (
                "field.address",
                draft.address.clone(),
                theirs.address.clone(),
            ),
            ("field.phone", draft.phone.clone(), theirs.phone.clone()),
            ("field.urban", yes_no(draft.urban), yes_no(theirs.urban)),
            (
                "field.latitude",
                draft.latitude.clone(),
                theirs.latitude.clone(),
            ),
            (
                "field.longitude",
                draft.longitude.clone(),
                theirs.longitude.clone(),
            ),
            (
                "field.accepts_ali_orders",
                yes_no(draft.accepts_ali_orders),
                yes_no(theirs.accepts_ali_orders),
            ),
            ("field.active", yes_no(draft.active), yes_no(theirs.active)),
        ];
        let mut table = column![
            row![
                text(t("conflict.field")).width(140),
                text(t("conflict.yours")).width(Length::Fill),
                text(t("conflict.server")).width(Length::Fill),
            ]
            .spacing(8)
        ]
        .spacing(2);
        for (k, mine, theirs) in pairs.into_iter().filter(|(_, a, b)| a != b) {
            table = table.push(
                row![
                    text(t(k)).width(140),
                    text(mine).width(Length::Fill),
                    text(theirs).width(Length::Fill)
                ]
                .spacing(8),
            );
        }
        widget::banner(
            column![
                text(i18n::tf(
                    ctx.lang,
                    "conflict.title",
                    &[("version", &server.version.to_string())]
                )),
                table,
                row![
                    widget::tool(t("conflict.redo"), Some(Message::RedoOnServer)),
                    widget::secondary(t("conflict.take_server"), Some(Message::TakeServer)),
                ]
                .spacing(8),
            ]
            .spacing(8),
            Tone::Warning,
        )
    }
}
