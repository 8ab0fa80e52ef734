//! 基础资料 → 价格方案: the rate card, filtered by product and destination;
//! add, edit (If-Match) and retire a line with its tiers in a small table;
//! import a .xlsx/CSV file (every bad cell shown, nothing changed on
//! error) and export the card (SPEC 3.5).

mod draft;
mod files;
mod view;

use iced::Task;

use super::form::{FormErrors, lost};
use super::{Ctx, Lost};
use crate::api::{ImportResult, RateLine, RateLineList, RowError};
use crate::domain::pricing;
use crate::sync::ClientError;
pub use crate::ui::file_dialog::Chosen;
use crate::ui::theme::Tone;
use crate::ui::widget::Choice;
use draft::Draft;
pub use files::Purpose;

/// What the 价格方案 screen tells the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A call failed for want of the server or the session.
    Lost(Lost),
}

/// A text field of the line form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineField {
    OriginProvince,
    OriginCity,
    DestProvince,
    DestCity,
    DestDistrict,
    ViaProvince,
    ViaCity,
    Min,
    From,
    To,
}

/// What the 价格方案 screen reacts to.
#[derive(Debug, Clone)]
pub enum Message {
    /// Product filter picked (None = all).
    ProductFilter(Choice<Option<String>>),
    /// Destination-province filter typed.
    DestFilter(String),
    /// 查询.
    Query,
    /// The list arrived.
    Listed(Result<RateLineList, ClientError>),
    /// A line was clicked.
    Select(usize),
    /// 新增.
    New,
    /// 编辑 the selected line.
    Edit,
    /// Product of the line being edited.
    Product(Choice<String>),
    /// A field of the line changed.
    Field(LineField, String),
    /// Tier `row`, column `col` (0..4) changed.
    Tier(usize, usize, String),
    /// 加一段.
    AddTier,
    /// 删除 a tier.
    RemoveTier(usize),
    /// 保存.
    Save,
    /// The server saved the line.
    Saved(Box<Result<RateLine, ClientError>>),
    /// 取消 the edit.
    Cancel,
    /// 停用 (asks first).
    Retire,
    /// The answer to "retire this line?".
    ConfirmRetire(bool),
    /// The server retired it.
    Retired(Result<(), ClientError>),
    /// The file path changed.
    Path(String),
    /// 导入: the typed file, else one picked in the file dialog.
    Import,
    /// The file dialog's answer.
    Chosen(Purpose, Chosen),
    /// The import's answer.
    Imported(Result<ImportResult, ClientError>),
    /// The file could not be read or written.
    FileError(String),
    /// 导出: to the typed path, else one named in the file dialog.
    Export,
    /// The export was written to this path.
    Exported(Result<String, ClientError>),
}

/// The 价格方案 screen.
#[derive(Default)]
pub struct State {
    product: Option<String>,
    dest: String,
    lines: Vec<RateLine>,
    selected: Option<usize>,
    draft: Option<Draft>,
    errors: FormErrors,
    path: String,
    bad_cells: Vec<RowError>,
    notice: Option<(String, Tone)>,
    confirm: bool,
    busy: bool,
    /// Whether the server has answered a list request yet: before that
    /// the list is loading, not empty (共 0 条 showed on the first open).
    answered: bool,
}

impl State {
    /// Loads the list (when the screen is shown).
    pub fn reload(&self, ctx: &Ctx<'_>) -> Task<Message> {
        let client = ctx.client.clone();
        let product = self.product.clone();
        let dest = self.dest.trim().to_owned();
        Task::perform(
            async move { client.rate_lines(product.as_deref(), Some(&dest)).await },
            Message::Listed,
        )
    }

    fn failed(&mut self, ctx: &Ctx<'_>, e: &ClientError) -> Option<Event> {
        self.busy = false;
        let f = FormErrors::from_client(ctx.lang, e);
        self.notice = f.general.clone().map(|g| (g, Tone::Danger));
        if !f.fields.is_empty() {
            self.errors = f;
        }
        lost(e).map(Event::Lost)
    }

    /// Handles a message; returns the work to do and what the app should know.
    pub fn update(&mut self, message: Message, ctx: &Ctx<'_>) -> (Task<Message>, Option<Event>) {
        let task = match message {
            Message::ProductFilter(c) => {
                self.product = c.value;
                self.reload(ctx)
            }
            Message::DestFilter(s) => {
                self.dest = s;
                Task::none()
            }
            Message::Query => self.reload(ctx),
            Message::Listed(r) => return (Task::none(), self.listed(r, ctx)),
            Message::Select(i) => {
                if self.draft.is_none() {
                    self.selected = Some(i);
                }
                Task::none()
            }
            Message::New => self.start_edit(Some(Draft::blank(pricing::pricing_day(ctx.now)))),
            Message::Edit => {
                let d = self.selected.and_then(|i| self.lines.get(i)).map(Draft::of);
                self.start_edit(d)
            }
            Message::Save => self.save(ctx),
            Message::Saved(r) => return self.saved(*r, ctx),
            Message::Cancel => self.start_edit(None),
            Message::Retire => {
                self.confirm = self.selected.is_some();
                Task::none()
            }
            Message::ConfirmRetire(yes) => self.retire(yes, ctx),
            Message::Retired(Ok(())) => self.reload(ctx),
            Message::Retired(Err(e)) => return (Task::none(), self.failed(ctx, &e)),
            Message::Path(p) => {
                self.path = p;
                Task::none()
            }
            Message::Import => self.file(Purpose::Import, ctx),
            Message::Export => self.file(Purpose::Export, ctx),
            Message::Chosen(purpose, c) => self.chosen(purpose, c, ctx),
            Message::Imported(r) => return self.imported(r, ctx),
            Message::Exported(r) => return (Task::none(), self.exported(r, ctx)),
            Message::FileError(why) => {
                self.file_error(&why, ctx);
                Task::none()
            }
            edit => {
                self.edit(edit);
                Task::none()
            }
        };
        (task, None)
    }

    fn listed(&mut self, r: Result<RateLineList, ClientError>, ctx: &Ctx<'_>) -> Option<Event> {
        match r {
            Ok(list) => {
                self.answered = true;
                self.lines = list.lines;
                self.selected = None;
                None
            }
            Err(e) => {
                self.answered = true;
                self.failed(ctx, &e)
            }
        }
    }

    /// 新增/编辑 (with a draft) and 取消 (without).
    fn start_edit(&mut self, draft: Option<Draft>) -> Task<Message> {
        self.errors = FormErrors::default();
        self.draft = draft;
        Task::none()
    }

    /// A change to the draft's product, fields or tiers.
    fn edit(&mut self, message: Message) {
        let Some(d) = &mut self.draft else {
            return;
        };
        match message {
            Message::Product(c) => d.product = c.value,
            Message::Field(f, v) => *d.slot(f) = v,
            Message::Tier(r, c, v) => {
                if let Some(cell) = d.tiers.get_mut(r).and_then(|t| t.get_mut(c)) {
                    *cell = v;
                }
            }
            Message::AddTier => d.tiers.push(Default::default()),
            Message::RemoveTier(i) if i < d.tiers.len() => {
                d.tiers.remove(i);
            }
            _ => {}
        }
    }

    /// 保存: check the draft here, then create or update it (If-Match).
    fn save(&mut self, ctx: &Ctx<'_>) -> Task<Message> {
        let Some(d) = &self.draft else {
            return Task::none();
        };
        let line = match d.line(ctx.lang) {
            Ok(l) => l,
            Err(e) => {
                self.errors = e;
                return Task::none();
            }
        };
        if let Err(e) = line.check(&pricing::standard_products()) {
            self.errors = FormErrors::from_rule(ctx.lang, &e);
            return Task::none();
        }
        self.busy = true;
        let client = ctx.client.clone();
        Task::perform(
            async move {
                Box::new(if line.id == 0 {
                    client.create_rate_line(&line).await
                } else {
                    client.update_rate_line(&line, line.version).await
                })
            },
            Message::Saved,
        )
    }

    fn saved(
        &mut self,
        r: Result<RateLine, ClientError>,
        ctx: &Ctx<'_>,
    ) -> (Task<Message>, Option<Event>) {
        if let Err(e) = r {
            return (Task::none(), self.failed(ctx, &e));
        }
        self.busy = false;
        self.draft = None;
        self.errors = FormErrors::default();
        self.notice = Some((ctx.t("rates.saved"), Tone::Success));
        (self.reload(ctx), None)
    }

    /// The answer to "retire this line?".
    fn retire(&mut self, yes: bool, ctx: &Ctx<'_>) -> Task<Message> {
        self.confirm = false;
        let Some(id) = self
            .selected
            .and_then(|i| self.lines.get(i))
            .filter(|_| yes)
            .map(|l| l.id)
        else {
            return Task::none();
        };
        let client = ctx.client.clone();
        Task::perform(
            async move { client.retire_rate_line(id).await },
            Message::Retired,
        )
    }
}
