//! 员工管理: query by 网络网点 and/or 姓名, the results list, the detail
//! form below; 新增, 编辑, 保存, 停用/启用, 重置密码.

mod form;
mod view;

use crate::ui::network_data::NetworkData;
use crate::ui::widget::picker::{Picked, Picker, PickerMsg};
use iced::Task;

use super::form::{Editor, FormErrors, FormKeys, Mode, lost, prompt_key};
use super::{Ctx, Lost};
use crate::api::StaffWrite;
use crate::domain::{Role, Staff};
use crate::i18n;
use crate::store::StoreError;
use crate::sync::ClientError;
use crate::ui::fetch::{self, Fetched};
use crate::ui::notice::Notice;
use crate::ui::theme::Tone;
use crate::ui::widget::{self, Choice};
use form::Draft;
pub use form::FieldMsg;

/// The 重置密码 dialog.
#[derive(Debug, Clone, Default)]
struct ResetDialog {
    login: String,
    password: String,
    confirm: String,
    error: Option<String>,
}

/// What a write to the server does (its success message names it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Write {
    Save,
    Activate,
    Deactivate,
    ResetPassword,
}

/// 员工管理 messages.
#[derive(Debug, Clone)]
pub enum Message {
    /// An outlet was picked in the 网络网点 query field.
    QueryOutlet(Choice<String>),
    /// 知道了 on the screen's notice or error.
    DismissNotice,
    /// Typing, ↑↓ or Enter in 网络网点.
    QueryOutletPick(PickerMsg),
    /// Typing, ↑↓ or Enter in the form's 所属网点.
    FormOutletPick(PickerMsg),
    /// The outlet filter was cleared.
    ClearOutlet,
    /// 含下级网点 toggled.
    IncludeSub(bool),
    /// The 姓名 query field changed.
    QueryName(String),
    /// 查询.
    Query,
    /// The query was answered (by the server, else the cache).
    Results(Fetched<Vec<Staff>>),
    /// A result row was clicked.
    Select(String),
    /// 新增.
    New,
    /// 编辑.
    Edit,
    /// 保存.
    Save,
    /// 取消.
    Cancel,
    /// Esc on a changed form: ask before throwing it away.
    AskDiscard,
    /// 否 in that question: keep editing.
    KeepEditing,
    /// A form field changed.
    Field(FieldMsg),
    /// The server answered a save.
    Saved(Result<Staff, ClientError>),
    /// 停用 / 启用 the selected member (停用 asks first).
    ToggleActive,
    /// 是(Y) in the 停用 confirmation.
    ConfirmDeactivate,
    /// 否(N) in the 停用 confirmation.
    CancelDeactivate,
    /// Open 重置密码.
    ResetOpen,
    /// The new password in the dialog changed.
    ResetPassword(String),
    /// The repeated password changed.
    ResetConfirm(String),
    /// 确定 in the dialog.
    ResetSubmit,
    /// 取消 in the dialog.
    ResetCancel,
    /// A cache write finished; a failure is only logged (the server has
    /// the record, the next query brings it back).
    Cached(Result<(), StoreError>),
    /// 导出 and its panel.
    Export(crate::ui::export::ExportMsg),
}

/// What 员工管理 tells the app.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A call failed for want of the server or the session.
    Lost(Lost),
    /// The list was exported: remember where and how on this PC.
    RememberExport(crate::config::ExportPrefs),
}

/// The 员工管理 screen.
pub struct State {
    query_outlet: Option<Choice<String>>,
    include_sub: bool,
    query_name: String,
    results: Vec<Staff>,
    queried: bool,
    from_cache: bool,
    selected: Option<String>,
    /// The record form: its draft and where it stands.
    form: Editor<Draft>,
    errors: FormErrors,
    notice: Option<Notice>,
    conflict: Option<Staff>,
    reset: Option<ResetDialog>,
    /// The login whose 停用 waits for 是(Y): it locks a colleague out.
    confirm_deactivate: Option<String>,
    /// What the write in flight does, so its success names it.
    writing: Write,
    busy: bool,
    query_outlets: Picker,
    form_outlets: Picker,
    /// 导出's panel.
    export: crate::ui::export::Exporter,
}

impl Default for State {
    fn default() -> Self {
        State {
            query_outlet: None,
            include_sub: true,
            query_name: String::new(),
            results: Vec::new(),
            queried: false,
            from_cache: false,
            selected: None,
            form: Editor::default(),
            errors: FormErrors::default(),
            notice: None,
            conflict: None,
            reset: None,
            confirm_deactivate: None,
            writing: Write::Save,
            busy: false,
            query_outlets: Picker::default(),
            form_outlets: Picker::default(),
            export: crate::ui::export::Exporter::default(),
        }
    }
}

fn role_choice(lang: i18n::Lang, r: Role) -> Choice<Role> {
    Choice {
        value: r,
        label: i18n::t(lang, &format!("role.{}", r.as_str())),
    }
}

impl State {
    /// Called by the app whenever the cached network changed.
    pub fn network_changed(&mut self, net: &NetworkData) {
        self.query_outlets.set_options(net.choices.clone(), None);
        self.form_outlets.set_options(net.choices.clone(), None);
    }

    /// Maps a key to a message, given what is on screen.
    pub fn shortcut(&self, key: crate::ui::widget::shortcuts::Shortcut) -> Option<Message> {
        use crate::ui::widget::shortcuts::Shortcut as S;
        if self.export.is_open() {
            return (key == crate::ui::widget::shortcuts::Shortcut::Escape)
                .then_some(Message::Export(crate::ui::export::ExportMsg::Close));
        }
        if self.reset.is_some() {
            return (key == S::Escape).then_some(Message::ResetCancel);
        }
        if self.form.confirm_discard {
            return prompt_key(key, Message::Cancel, Message::KeepEditing);
        }
        if self.confirm_deactivate.is_some() {
            return prompt_key(key, Message::ConfirmDeactivate, Message::CancelDeactivate);
        }
        match (key, &self.form.mode) {
            (S::Refresh, Mode::View) => Some(Message::Query),
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

    fn selected_staff(&self) -> Option<&Staff> {
        let login = self.selected.as_deref()?;
        self.results.iter().find(|s| s.login == login)
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
        match message {
            Message::Export(m) => {
                let request = matches!(m, crate::ui::export::ExportMsg::Start).then(|| {
                    crate::ui::export_lists::staff(self.results.clone(), ctx.tree, ctx.lang)
                });
                let title = ctx.t("export.staff_title");
                let (task, remember) = self.export.update(m, request, &title, ctx);
                return (
                    task.map(Message::Export),
                    remember.map(Event::RememberExport),
                );
            }
            Message::DismissNotice => {
                self.notice = None;
                self.errors.general = None;
            }
            Message::QueryOutlet(c) => self.query_outlet = Some(c),
            Message::QueryOutletPick(m) => match self.query_outlets.update(m) {
                Picked::Chose(c) => self.query_outlet = Some(c),
                Picked::Confirm => return (self.query(ctx), None),
                Picked::Nothing => {}
            },
            Message::FormOutletPick(m) => {
                if let Picked::Chose(c) = self.form_outlets.update(m)
                    && let Some(d) = self.form.draft.as_mut()
                {
                    d.edit(FieldMsg::Outlet(c));
                }
            }
            Message::ClearOutlet => self.query_outlet = None,
            Message::IncludeSub(b) => self.include_sub = b,
            Message::QueryName(s) => self.query_name = s,
            Message::Query => return (self.query(ctx), None),
            Message::Results(f) => return self.results(f, ctx),
            Message::Select(login) => {
                if self.form.mode == Mode::View {
                    self.selected = Some(login);
                    self.errors = FormErrors::default();
                }
            }
            Message::New if ctx.can_write() => return (self.new_draft(ctx), None),
            Message::Edit if ctx.can_write() => return (self.edit(), None),
            Message::AskDiscard => {
                self.form.confirm_discard = true;
                return (widget::focus::blur(), None);
            }
            Message::KeepEditing => self.form.confirm_discard = false,
            Message::Cancel => self.cancel(),
            Message::Field(f) => {
                if let Some(d) = self.form.draft.as_mut() {
                    d.edit(f);
                }
            }
            Message::Save => return (self.save(ctx), None),
            Message::Saved(r) => return self.saved(r, ctx),
            Message::ToggleActive if ctx.can_write() => return (self.toggle_active(ctx), None),
            Message::CancelDeactivate => self.confirm_deactivate = None,
            Message::ConfirmDeactivate if ctx.can_write() => {
                // The member the question named: the selection may have
                // moved since.
                if let Some(login) = self.confirm_deactivate.take() {
                    return (self.set_active(ctx, &login, false), None);
                }
            }
            Message::ResetOpen if ctx.can_write() => return (self.reset_open(), None),
            Message::ResetPassword(p) => {
                if let Some(r) = self.reset.as_mut() {
                    r.password = p;
                }
            }
            Message::ResetConfirm(p) => {
                if let Some(r) = self.reset.as_mut() {
                    r.confirm = p;
                }
            }
            Message::ResetCancel => self.reset = None,
            Message::ResetSubmit => return (self.reset_submit(ctx), None),
            Message::Cached(Ok(())) => {}
            Message::Cached(Err(e)) => tracing::warn!("caching staff failed: {e}"),
            Message::New
            | Message::Edit
            | Message::ToggleActive
            | Message::ConfirmDeactivate
            | Message::ResetOpen => {}
        }
        (Task::none(), None)
    }

    /// 编辑 the selected member.
    fn edit(&mut self) -> Task<Message> {
        let Some(s) = self.selected_staff().cloned() else {
            return Task::none();
        };
        self.form
            .open(Draft::from_staff(&s), Mode::Edit { version: s.version });
        self.clear_messages();
        iced::widget::operation::focus("staff-name")
    }

    fn cancel(&mut self) {
        self.form.close();
        self.clear_messages();
    }

    /// 启用 at once; 停用 asks first.
    fn toggle_active(&mut self, ctx: &Ctx<'_>) -> Task<Message> {
        let Some(s) = self.selected_staff() else {
            return Task::none();
        };
        if s.active {
            self.confirm_deactivate = Some(s.login.clone());
            widget::focus::blur()
        } else {
            let login = s.login.clone();
            self.set_active(ctx, &login, true)
        }
    }

    /// 重置密码 for the selected member.
    fn reset_open(&mut self) -> Task<Message> {
        let Some(login) = self.selected.clone() else {
            return Task::none();
        };
        self.reset = Some(ResetDialog {
            login,
            ..ResetDialog::default()
        });
        iced::widget::operation::focus("reset-password")
    }

    /// The answer to 查询; from the cache it says so.
    fn results(&mut self, f: Fetched<Vec<Staff>>, ctx: &Ctx<'_>) -> (Task<Message>, Option<Event>) {
        self.busy = false;
        match f {
            Fetched::Server(rows) => {
                self.queried = true;
                self.from_cache = false;
                self.notice = None;
                self.set_results(rows);
                (Task::none(), None)
            }
            Fetched::Cache {
                answer,
                unreachable,
            } => {
                self.queried = true;
                self.from_cache = true;
                match answer {
                    Ok(rows) => self.set_results(rows),
                    Err(e) => {
                        self.notice = Some(Notice::new(e.user_message(ctx.lang), Tone::Danger))
                    }
                }
                (
                    Task::none(),
                    unreachable.then_some(Event::Lost(Lost::Unreachable)),
                )
            }
            Fetched::Refused(e) => (Task::none(), self.failed(ctx.lang, &e)),
        }
    }

    /// 新增: a blank member at the queried outlet (else the user's own).
    fn new_draft(&mut self, ctx: &Ctx<'_>) -> Task<Message> {
        let outlet = self
            .query_outlet
            .as_ref()
            .map(|c| c.value.clone())
            .or_else(|| Some(ctx.user.outlet_code.clone()));
        let draft = Draft {
            login: String::new(),
            name: String::new(),
            outlet_code: outlet,
            role: Role::Clerk,
            phone: String::new(),
            active: true,
            password: String::new(),
        };
        self.form.open(draft, Mode::New);
        self.clear_messages();
        iced::widget::operation::focus("staff-login")
    }

    /// 确定 in 重置密码: checked here; the dialog stays until the server
    /// has the new password.
    fn reset_submit(&mut self, ctx: &Ctx<'_>) -> Task<Message> {
        let lang = ctx.lang;
        let Some(r) = self.reset.as_mut() else {
            return Task::none();
        };
        if r.password.chars().count() < crate::domain::staff::MIN_PASSWORD_LEN {
            r.error = Some(i18n::rule(lang, "password_too_short"));
            return Task::none();
        }
        if r.password != r.confirm {
            r.error = Some(ctx.t("staff.password_mismatch"));
            return Task::none();
        }
        let Some(s) = self.results.iter().find(|s| s.login == r.login).cloned() else {
            return Task::none();
        };
        if self.busy {
            return Task::none();
        }
        let w = StaffWrite {
            staff: s.clone(),
            password: Some(r.password.clone()),
        };
        r.error = None;
        self.notice = None;
        self.writing = Write::ResetPassword;
        // The dialog stays until the server has the new password.
        self.send(ctx, w, Some(s.version))
    }

    fn set_results(&mut self, rows: Vec<Staff>) {
        if let Some(sel) = &self.selected
            && !rows.iter().any(|s| &s.login == sel)
        {
            self.selected = None;
        }
        if self.selected.is_none() {
            self.selected = rows.first().map(|s| s.login.clone());
        }
        self.results = rows;
    }

    fn clear_messages(&mut self) {
        self.errors = FormErrors::default();
        self.notice = None;
        self.conflict = None;
    }

    /// 查询: the server, else (offline) the cache.
    pub fn query(&mut self, ctx: &Ctx<'_>) -> Task<Message> {
        self.busy = true;
        let client = ctx.client.clone();
        let outlet = self.query_outlet.as_ref().map(|c| c.value.clone());
        let include_sub = self.include_sub;
        let name = self.query_name.trim().to_owned();
        // The cache knows no 含下级: it is given the codes themselves.
        let codes: Option<Vec<String>> = self.query_outlet.as_ref().map(|c| {
            if self.include_sub {
                let mut v: Vec<String> = ctx.tree.subtree(&c.value).into_iter().collect();
                v.sort();
                v
            } else {
                vec![c.value.clone()]
            }
        });
        let cached_name = name.clone();
        let ask = async move { client.staff(outlet.as_deref(), include_sub, &name).await };
        Task::perform(
            fetch::server_else_cache(
                ctx.online,
                ask,
                ctx.store.clone(),
                move |s| s.staff(codes.as_deref(), &cached_name, 500),
                |s, rows| s.put_staff(rows),
            ),
            Message::Results,
        )
    }

    fn save(&mut self, ctx: &Ctx<'_>) -> Task<Message> {
        let lang = ctx.lang;
        let Some(d) = self.form.draft.clone() else {
            return Task::none();
        };
        let creating = self.form.mode == Mode::New;
        let version = match self.form.mode {
            Mode::Edit { version } => version,
            _ => 0,
        };
        let staff = d.to_staff(version);
        let password = (!d.password.is_empty()).then(|| d.password.clone());
        if let Err(e) = staff.check_fields(password.as_deref(), creating) {
            self.errors = FormErrors::from_rule(lang, &e);
            return Task::none();
        }
        if ctx.tree.get(&staff.outlet_code).is_none() {
            self.errors = FormErrors::default();
            self.errors.add(lang, "outlet_code", "unknown_outlet");
            return Task::none();
        }
        self.errors = FormErrors::default();
        let w = StaffWrite { staff, password };
        self.writing = Write::Save;
        self.send(ctx, w, (!creating).then_some(version))
    }

    /// Sends `login`'s record with `active` set.
    fn set_active(&mut self, ctx: &Ctx<'_>, login: &str, active: bool) -> Task<Message> {
        let Some(mut s) = self.results.iter().find(|s| s.login == login).cloned() else {
            return Task::none();
        };
        s.active = active;
        let version = s.version;
        self.writing = if active {
            Write::Activate
        } else {
            Write::Deactivate
        };
        self.send(
            ctx,
            StaffWrite {
                staff: s,
                password: None,
            },
            Some(version),
        )
    }

    fn send(&mut self, ctx: &Ctx<'_>, w: StaffWrite, version: Option<i64>) -> Task<Message> {
        if self.busy {
            return Task::none();
        }
        self.busy = true;
        let client = ctx.client.clone();
        Task::perform(
            async move {
                match version {
                    None => client.create_staff(&w).await,
                    Some(v) => client.update_staff(&w, v).await,
                }
            },
            Message::Saved,
        )
    }

    fn saved(
        &mut self,
        r: Result<Staff, ClientError>,
        ctx: &Ctx<'_>,
    ) -> (Task<Message>, Option<Event>) {
        let lang = ctx.lang;
        self.busy = false;
        if let (Err(e), Some(reset)) = (&r, self.reset.as_mut()) {
            // Keep the dialog and what was typed; say why, in it. A lost
            // session or server still tells the app.
            reset.error = Some(e.user_message(lang));
            let ev = lost(e).map(Event::Lost);
            if let Some(server) = e.current::<Staff>()
                && let Some(x) = self.results.iter_mut().find(|x| x.login == server.login)
            {
                // The next try goes against the server's version.
                *x = server;
            }
            return (Task::none(), ev);
        }
        self.reset = None;
        match r {
            Ok(s) => {
                self.form.mode = Mode::View;
                self.form.draft = None;
                self.errors = FormErrors::default();
                self.conflict = None;
                self.selected = Some(s.login.clone());
                match self.results.iter_mut().find(|x| x.login == s.login) {
                    Some(x) => *x = s.clone(),
                    None => self.results.insert(0, s.clone()),
                }
                let done = match self.writing {
                    Write::Save => "staff.saved",
                    Write::Activate => "staff.activated",
                    Write::Deactivate => "staff.deactivated",
                    Write::ResetPassword => "staff.password_reset",
                };
                self.notice = Some(Notice::new(
                    i18n::tf(lang, done, &[("name", &s.name)]),
                    Tone::Success,
                ));
                let store = ctx.store.clone();
                (
                    Task::perform(
                        async move { store.run(move |st| st.put_staff(&[s])).await },
                        Message::Cached,
                    ),
                    None,
                )
            }
            Err(e) if e.status() == Some(412) => {
                self.conflict = e.current::<Staff>();
                if let Some(server) = &self.conflict {
                    if let Some(x) = self.results.iter_mut().find(|x| x.login == server.login) {
                        *x = server.clone();
                    }
                    if let Mode::Edit { .. } = self.form.mode {
                        self.form.mode = Mode::Edit {
                            version: server.version,
                        };
                    }
                }
                self.errors = FormErrors::from_client(lang, &e);
                (Task::none(), None)
            }
            Err(e) => (Task::none(), self.failed(lang, &e)),
        }
    }

    fn failed(&mut self, lang: i18n::Lang, e: &ClientError) -> Option<Event> {
        self.errors.failed(lang, e).map(Event::Lost)
    }
}
