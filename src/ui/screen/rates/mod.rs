//! 基础资料 → 价格方案: the rate card, filtered by product and destination;
//! add, edit (If-Match) and retire a line with its tiers in a small table;
//! import a .xlsx/CSV file (every bad cell shown, nothing changed on
//! error) and export the card (SPEC 3.5).

use iced::widget::{
    button, column, container, pick_list, row, scrollable, space, text, text_input,
};
use iced::{Alignment, Length, Task};

use super::form::{FormErrors, lost};
use super::{Ctx, Lost};
use crate::api::{ImportResult, RateLine, RateLineList, RowError, Tier};
use crate::domain::pricing::{self, given};
use crate::i18n;
use crate::sync::{ClientError, SheetFormat};
use crate::ui::Element;
use crate::ui::format::yuan;
use crate::ui::theme::Tone;
use crate::ui::widget::{self, Choice};

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
    /// 导入.
    Import,
    /// The import's answer.
    Imported(Result<ImportResult, ClientError>),
    /// The file could not be read or written.
    FileError(String),
    /// 导出.
    Export,
    /// The export was written to this path.
    Exported(Result<String, ClientError>),
}

/// The line being edited, as typed.
#[derive(Debug, Clone, Default)]
struct Draft {
    id: i64,
    version: i64,
    product: String,
    origin_province: String,
    origin_city: String,
    dest_province: String,
    dest_city: String,
    dest_district: String,
    via_province: String,
    via_city: String,
    min: String,
    from: String,
    to: String,
    /// kg, yuan/kg, m³, yuan/m³ per tier.
    tiers: Vec<[String; 4]>,
}

fn dec(v: i64, scale: i64) -> String {
    let s = format!("{:.3}", v as f64 / scale as f64);
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

fn undec(s: &str, scale: f64) -> Option<i64> {
    let v: f64 = s.trim().parse().ok()?;
    v.is_finite().then(|| (v * scale).round() as i64)
}

fn opt(s: &str) -> Option<String> {
    Some(s.trim().to_owned()).filter(|s| !s.is_empty())
}

impl Draft {
    fn of(l: &RateLine) -> Draft {
        let s = |v: &Option<String>| v.clone().unwrap_or_default();
        Draft {
            id: l.id,
            version: l.version,
            product: l.product_code.clone(),
            origin_province: s(&l.origin_province),
            origin_city: s(&l.origin_city),
            dest_province: l.dest_province.clone(),
            dest_city: s(&l.dest_city),
            dest_district: s(&l.dest_district),
            via_province: s(&l.via_province),
            via_city: s(&l.via_city),
            min: dec(l.min_charge_fen, 100),
            from: l.effective_from.to_string(),
            to: l.effective_to.map(|d| d.to_string()).unwrap_or_default(),
            tiers: l
                .tiers
                .iter()
                .map(|t| {
                    [
                        dec(t.from_weight_g, 1000),
                        dec(t.heavy_fen_per_kg, 100),
                        dec(t.from_volume_cm3, 1_000_000),
                        dec(t.light_fen_per_m3, 100),
                    ]
                })
                .collect(),
        }
    }

    /// The line, or the fields that do not parse.
    fn line(&self, lang: i18n::Lang) -> Result<RateLine, FormErrors> {
        let mut e = FormErrors::default();
        let min = undec(&self.min, 100.0).unwrap_or_else(|| {
            e.add(lang, "min_charge_fen", "not_a_number");
            0
        });
        let date = |s: &str| chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok();
        let from = date(&self.from).unwrap_or_else(|| {
            e.add(lang, "effective_from", "invalid_date");
            chrono::NaiveDate::MIN
        });
        let to = if self.to.trim().is_empty() {
            None
        } else {
            let d = date(&self.to);
            if d.is_none() {
                e.add(lang, "effective_to", "invalid_date");
            }
            d
        };
        let mut tiers = Vec::new();
        for t in &self.tiers {
            let n = |s: &str, scale: f64| undec(s, scale);
            match (
                n(&t[0], 1000.0),
                n(&t[1], 100.0),
                n(&t[2], 1_000_000.0),
                n(&t[3], 100.0),
            ) {
                (Some(w), Some(h), Some(v), Some(l)) => tiers.push(Tier {
                    from_weight_g: w,
                    heavy_fen_per_kg: h,
                    from_volume_cm3: v,
                    light_fen_per_m3: l,
                }),
                _ => e.add(lang, "tiers", "not_a_number"),
            }
        }
        if !e.is_empty() {
            return Err(e);
        }
        Ok(RateLine {
            id: self.id,
            origin_province: opt(&self.origin_province),
            origin_city: opt(&self.origin_city),
            dest_province: self.dest_province.trim().to_owned(),
            dest_city: opt(&self.dest_city),
            dest_district: opt(&self.dest_district),
            product_code: self.product.clone(),
            via_province: opt(&self.via_province),
            via_city: opt(&self.via_city),
            min_charge_fen: min,
            tiers,
            effective_from: from,
            effective_to: to,
            version: self.version,
            retired: false,
        })
    }
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
        let lang = ctx.lang;
        match message {
            Message::ProductFilter(c) => {
                self.product = c.value;
                return (self.reload(ctx), None);
            }
            Message::DestFilter(s) => self.dest = s,
            Message::Query => return (self.reload(ctx), None),
            Message::Listed(Ok(list)) => {
                self.lines = list.lines;
                self.selected = None;
            }
            Message::Listed(Err(e)) => return (Task::none(), self.failed(ctx, &e)),
            Message::Select(i) => {
                if self.draft.is_none() {
                    self.selected = Some(i);
                }
            }
            Message::New => {
                self.errors = FormErrors::default();
                self.draft = Some(Draft {
                    product: "JZKH".into(),
                    from: pricing::pricing_day(ctx.now).to_string(),
                    tiers: vec![["0".into(), String::new(), "0".into(), String::new()]],
                    ..Draft::default()
                });
            }
            Message::Edit => {
                self.errors = FormErrors::default();
                self.draft = self.selected.and_then(|i| self.lines.get(i)).map(Draft::of);
            }
            Message::Product(c) => {
                if let Some(d) = &mut self.draft {
                    d.product = c.value;
                }
            }
            Message::Field(f, v) => {
                if let Some(d) = &mut self.draft {
                    let slot = match f {
                        LineField::OriginProvince => &mut d.origin_province,
                        LineField::OriginCity => &mut d.origin_city,
                        LineField::DestProvince => &mut d.dest_province,
                        LineField::DestCity => &mut d.dest_city,
                        LineField::DestDistrict => &mut d.dest_district,
                        LineField::ViaProvince => &mut d.via_province,
                        LineField::ViaCity => &mut d.via_city,
                        LineField::Min => &mut d.min,
                        LineField::From => &mut d.from,
                        LineField::To => &mut d.to,
                    };
                    *slot = v;
                }
            }
            Message::Tier(r, c, v) => {
                if let Some(cell) = self
                    .draft
                    .as_mut()
                    .and_then(|d| d.tiers.get_mut(r))
                    .and_then(|t| t.get_mut(c))
                {
                    *cell = v;
                }
            }
            Message::AddTier => {
                if let Some(d) = &mut self.draft {
                    d.tiers.push(Default::default());
                }
            }
            Message::RemoveTier(i) => {
                if let Some(d) = self.draft.as_mut().filter(|d| i < d.tiers.len()) {
                    d.tiers.remove(i);
                }
            }
            Message::Save => {
                let Some(d) = &self.draft else {
                    return (Task::none(), None);
                };
                let line = match d.line(lang) {
                    Ok(l) => l,
                    Err(e) => {
                        self.errors = e;
                        return (Task::none(), None);
                    }
                };
                if let Err(e) = line.check(&pricing::standard_products()) {
                    self.errors = FormErrors::from_rule(lang, &e);
                    return (Task::none(), None);
                }
                self.busy = true;
                let client = ctx.client.clone();
                return (
                    Task::perform(
                        async move {
                            Box::new(if line.id == 0 {
                                client.create_rate_line(&line).await
                            } else {
                                client.update_rate_line(&line, line.version).await
                            })
                        },
                        Message::Saved,
                    ),
                    None,
                );
            }
            Message::Saved(r) if r.is_ok() => {
                self.busy = false;
                self.draft = None;
                self.errors = FormErrors::default();
                self.notice = Some((ctx.t("rates.saved"), Tone::Success));
                return (self.reload(ctx), None);
            }
            Message::Saved(r) => {
                if let Err(e) = *r {
                    return (Task::none(), self.failed(ctx, &e));
                }
            }
            Message::Cancel => {
                self.draft = None;
                self.errors = FormErrors::default();
            }
            Message::Retire => self.confirm = self.selected.is_some(),
            Message::ConfirmRetire(yes) => {
                self.confirm = false;
                if let Some(l) = self
                    .selected
                    .and_then(|i| self.lines.get(i))
                    .filter(|_| yes)
                {
                    let client = ctx.client.clone();
                    let id = l.id;
                    return (
                        Task::perform(
                            async move { client.retire_rate_line(id).await },
                            Message::Retired,
                        ),
                        None,
                    );
                }
            }
            Message::Retired(Ok(())) => return (self.reload(ctx), None),
            Message::Retired(Err(e)) => return (Task::none(), self.failed(ctx, &e)),
            Message::Path(p) => self.path = p,
            Message::Import => {
                let path = std::path::PathBuf::from(self.path.trim());
                let client = ctx.client.clone();
                self.busy = true;
                self.bad_cells.clear();
                let format = SheetFormat::of_path(&path);
                return (
                    Task::perform(
                        async move {
                            match tokio::fs::read(&path).await {
                                Err(e) => Message::FileError(e.to_string()),
                                Ok(bytes) => {
                                    Message::Imported(client.import_rate_card(bytes, format).await)
                                }
                            }
                        },
                        std::convert::identity,
                    ),
                    None,
                );
            }
            Message::Imported(Ok(r)) => {
                self.busy = false;
                self.notice = Some((
                    i18n::tf(
                        lang,
                        "rates.imported",
                        &[
                            ("added", &r.added.to_string()),
                            ("updated", &r.updated.to_string()),
                        ],
                    ),
                    Tone::Success,
                ));
                return (self.reload(ctx), None);
            }
            Message::Imported(Err(e)) => {
                self.bad_cells = e.detail().map(|d| d.rows.clone()).unwrap_or_default();
                let ev = self.failed(ctx, &e);
                if !self.bad_cells.is_empty() {
                    self.notice = Some((ctx.t("rates.import_failed"), Tone::Danger));
                }
                return (Task::none(), ev);
            }
            Message::FileError(why) => {
                self.busy = false;
                self.notice = Some((
                    i18n::tf(lang, "rates.file_error", &[("why", &why)]),
                    Tone::Danger,
                ));
            }
            Message::Export => {
                let path = std::path::PathBuf::from(self.path.trim());
                let client = ctx.client.clone();
                return (
                    Task::perform(
                        async move {
                            let bytes =
                                client.export_rate_card(SheetFormat::of_path(&path)).await?;
                            tokio::fs::write(&path, bytes)
                                .await
                                .map_err(|e| ClientError::Decode(e.to_string()))?;
                            Ok(path.display().to_string())
                        },
                        Message::Exported,
                    ),
                    None,
                );
            }
            Message::Exported(Ok(p)) => {
                self.notice = Some((
                    i18n::tf(lang, "rates.exported", &[("path", &p)]),
                    Tone::Success,
                ));
            }
            Message::Exported(Err(e)) => return (Task::none(), self.failed(ctx, &e)),
        }
        (Task::none(), None)
    }

    /// Draws the filters, the list, the form and the file row.
    pub fn view<'a>(&'a self, ctx: &Ctx<'a>) -> Element<'a, Message> {
        let lang = ctx.lang;
        let t = |k: &str| ctx.t(k);
        let products: Vec<Choice<Option<String>>> = std::iter::once(Choice {
            value: None,
            label: t("rates.all_products"),
        })
        .chain(pricing::standard_products().into_iter().map(|p| Choice {
            label: t(&format!("product.{}", p.code)),
            value: Some(p.code),
        }))
        .collect();
        let current = products.iter().find(|c| c.value == self.product).cloned();
        let admin = ctx.can_write();
        let top = row![
            text(t("rates.filter_product")),
            pick_list(products, current, Message::ProductFilter).padding(5),
            text_input(&t("rates.filter_dest"), &self.dest)
                .on_input(Message::DestFilter)
                .on_submit(Message::Query)
                .padding(5)
                .width(160),
            widget::tool(t("rates.query"), Some(Message::Query)),
            widget::tool(
                t("rates.new"),
                (admin && self.draft.is_none()).then_some(Message::New)
            ),
            widget::secondary(
                t("rates.edit"),
                (admin && self.draft.is_none() && self.selected.is_some()).then_some(Message::Edit),
            ),
            widget::secondary(
                t("rates.retire"),
                (admin && self.draft.is_none() && self.selected.is_some())
                    .then_some(Message::Retire),
            ),
            space::horizontal(),
            widget::muted(i18n::tf(
                lang,
                "rates.count",
                &[("n", &self.lines.len().to_string())]
            )),
        ]
        .spacing(8)
        .align_y(Alignment::Center);
        let files = row![
            text_input(&t("rates.path"), &self.path)
                .on_input(Message::Path)
                .padding(5)
                .width(Length::Fill),
            widget::tool(
                t("rates.import"),
                (admin && !self.path.trim().is_empty() && !self.busy).then_some(Message::Import)
            ),
            widget::secondary(
                t("rates.export"),
                (!self.path.trim().is_empty()).then_some(Message::Export)
            ),
        ]
        .spacing(8)
        .align_y(Alignment::Center);
        let mut col = column![text(t("rates.title")).size(18), top, files].spacing(8);
        if let Some((n, tone)) = &self.notice {
            col = col.push(widget::banner(text(n.as_str()), *tone));
        }
        for c in &self.bad_cells {
            col = col.push(widget::error_line(i18n::tf(
                lang,
                "rates.cell",
                &[
                    ("row", &c.row.to_string()),
                    ("column", &c.column),
                    ("message", &c.message),
                ],
            )));
        }
        let body = widget::list_over_form(self.list_view(ctx), self.form_view(ctx));
        let base: Element<'a, Message> = col.push(body).padding(10).into();
        if self.confirm {
            widget::modal(
                base,
                widget::confirm(
                    t("rates.retire"),
                    t("rates.retire_confirm"),
                    (t("dialog.yes"), Message::ConfirmRetire(true)),
                    (t("dialog.no"), Message::ConfirmRetire(false)),
                ),
            )
        } else {
            base
        }
    }

    fn list_view<'a>(&'a self, ctx: &Ctx<'a>) -> Element<'a, Message> {
        let t = |k: &str| ctx.t(k);
        let mut col = column![].spacing(2);
        for (i, l) in self.lines.iter().enumerate() {
            let origin = given(&l.origin_city)
                .or(given(&l.origin_province))
                .map_or_else(|| t("rates.any"), str::to_owned);
            let via = given(&l.via_city)
                .map(|v| format!(" / {} {v}", t("rates.via")))
                .unwrap_or_default();
            let label = format!(
                "{}  {} → {}{}  {} {}  {}~{}",
                t(&format!("product.{}", l.product_code)),
                origin,
                l.route_text().split(" → ").nth(1).unwrap_or_default(),
                via,
                t("rates.min"),
                yuan(l.min_charge_fen),
                l.effective_from,
                l.effective_to.map(|d| d.to_string()).unwrap_or_default(),
            );
            let selected = self.selected == Some(i);
            col = col.push(
                button(text(label).size(13))
                    .width(Length::Fill)
                    .padding([3, 6])
                    .style(if selected {
                        crate::ui::theme::button::primary
                    } else {
                        crate::ui::theme::button::secondary
                    })
                    .on_press(Message::Select(i)),
            );
        }
        scrollable(col).height(Length::Fill).into()
    }

    fn form_view<'a>(&'a self, ctx: &Ctx<'a>) -> Element<'a, Message> {
        let t = |k: &str| ctx.t(k);
        let shown = self
            .draft
            .clone()
            .or_else(|| self.selected.and_then(|i| self.lines.get(i)).map(Draft::of));
        let Some(d) = shown else {
            return widget::muted(t("rates.pick_hint")).into();
        };
        let editing = self.draft.is_some();
        let input = |key: &str, value: String, field: LineField, err: &str| {
            let mut i = text_input("", &value).padding(4);
            if editing {
                i = i.on_input(move |v| Message::Field(field, v));
            }
            widget::field(t(key), i, self.errors.get(err))
        };
        let products: Vec<Choice<String>> = pricing::standard_products()
            .into_iter()
            .map(|p| Choice {
                label: t(&format!("product.{}", p.code)),
                value: p.code,
            })
            .collect();
        let current = products.iter().find(|c| c.value == d.product).cloned();
        let mut col = column![
            row![
                widget::field(
                    t("wb.product"),
                    pick_list(products, current, Message::Product).padding(4),
                    self.errors.get("product_code"),
                ),
                input(
                    "field.origin_province",
                    d.origin_province.clone(),
                    LineField::OriginProvince,
                    "origin_province"
                ),
                input(
                    "field.origin_city",
                    d.origin_city.clone(),
                    LineField::OriginCity,
                    "origin_city"
                ),
            ]
            .spacing(8),
            row![
                input(
                    "field.dest_province",
                    d.dest_province.clone(),
                    LineField::DestProvince,
                    "dest_province"
                ),
                input(
                    "field.dest_city",
                    d.dest_city.clone(),
                    LineField::DestCity,
                    "dest_city"
                ),
                input(
                    "field.dest_district",
                    d.dest_district.clone(),
                    LineField::DestDistrict,
                    "dest_district"
                ),
            ]
            .spacing(8),
            row![
                input(
                    "field.via_province",
                    d.via_province.clone(),
                    LineField::ViaProvince,
                    "via_province"
                ),
                input(
                    "field.via_city",
                    d.via_city.clone(),
                    LineField::ViaCity,
                    "via_city"
                ),
                input("rates.min", d.min.clone(), LineField::Min, "min_charge_fen"),
                input(
                    "rates.from",
                    d.from.clone(),
                    LineField::From,
                    "effective_from"
                ),
                input("rates.to", d.to.clone(), LineField::To, "effective_to"),
            ]
            .spacing(8),
            text(t("rates.tiers")).size(14),
            row![
                text(t("rates.tier_weight")).size(12).width(Length::Fill),
                text(t("rates.tier_heavy")).size(12).width(Length::Fill),
                text(t("rates.tier_volume")).size(12).width(Length::Fill),
                text(t("rates.tier_light")).size(12).width(Length::Fill),
                space::horizontal().width(70),
            ]
            .spacing(6),
        ]
        .spacing(6);
        for (r, tier) in d.tiers.iter().enumerate() {
            let mut cells = row![].spacing(6);
            for (c, v) in tier.iter().enumerate() {
                let mut i = text_input("", v).padding(3).width(Length::Fill);
                if editing {
                    i = i.on_input(move |v| Message::Tier(r, c, v));
                }
                cells = cells.push(i);
            }
            cells = cells.push(widget::secondary(
                t("rates.remove_tier"),
                (editing && d.tiers.len() > 1).then_some(Message::RemoveTier(r)),
            ));
            col = col.push(cells);
        }
        if let Some(e) = self.errors.get("tiers") {
            col = col.push(widget::error_line(e.clone()));
        }
        if editing {
            col = col.push(
                row![
                    widget::secondary(t("rates.add_tier"), Some(Message::AddTier)),
                    widget::save_button(ctx.lang, Some(Message::Save), self.busy),
                    widget::secondary(t("rates.cancel"), Some(Message::Cancel)),
                ]
                .spacing(8),
            );
        }
        container(col).into()
    }
}
