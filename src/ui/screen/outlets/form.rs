//! The 网点管理 record form: the draft as typed, its fields, and the
//! two versions side by side after an edit lost a race (412).

use crate::ui::Element;
use iced::Length;
use iced::widget::{column, row, text, text_input};

use super::{Message, State, kind_choice};
use crate::domain::{Outlet, OutletKind};
use crate::i18n;
use crate::ui::screen::Ctx;
use crate::ui::screen::form::{self, Mode};
use crate::ui::theme::Tone;
use crate::ui::widget::{self, Choice};

/// The form's fields as typed (numbers stay text until saved).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Draft {
    pub(super) code: String,
    pub(super) name: String,
    pub(super) kind: OutletKind,
    pub(super) parent_code: Option<String>,
    pub(super) province: String,
    pub(super) city: String,
    pub(super) district: String,
    pub(super) address: String,
    pub(super) phone: String,
    pub(super) urban: bool,
    pub(super) latitude: String,
    pub(super) longitude: String,
    pub(super) accepts_ali_orders: bool,
    pub(super) active: bool,
}

impl Draft {
    pub(super) fn from_outlet(o: &Outlet) -> Draft {
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

    /// The outlet to send, and which number fields do not parse (sent as
    /// empty, so the other rules can still be checked).
    pub(super) fn to_outlet(&self, version: i64) -> (Outlet, Vec<&'static str>) {
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
        let outlet = Outlet {
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
        };
        (outlet, bad)
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

impl State {
    pub(super) fn edit_field(&mut self, f: FieldMsg) {
        let Some(d) = self.form.draft.as_mut() else {
            return;
        };
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

    pub(super) fn form_view<'a>(&'a self, ctx: &Ctx<'a>) -> Element<'a, Message> {
        let t = |k: &str| ctx.t(k);
        let shown: Option<Draft> = match (&self.form.draft, &self.selected) {
            (Some(d), _) => Some(d.clone()),
            (None, Some(code)) => ctx.tree.get(code).map(Draft::from_outlet),
            _ => None,
        };
        let Some(d) = shown else {
            // Only a user who may add outlets is told to click 新增.
            let hint = if ctx.can_write() {
                "outlets.pick_hint"
            } else {
                "outlets.pick_hint_read_only"
            };
            return widget::muted(t(hint)).into();
        };
        let editable = self.form.mode != Mode::View && !self.busy;
        let err = |f: &str| self.errors.get(f);
        // One labelled text field: `key` names its label and its errors.
        let field =
            |key: &'static str, id: &'static str, value: &str, on: fn(String) -> FieldMsg| {
                let enabled = editable && (key != "code" || self.form.mode == Mode::New);
                let on_input = enabled.then_some(move |s| Message::Field(on(s)));
                widget::field(
                    t(&format!("field.{key}")),
                    form::input(ctx.lang, id, value, on_input, Message::Save),
                    err(key),
                )
            };
        let title = match self.form.mode {
            Mode::New => t("outlets.new_title"),
            Mode::Edit { .. } => t("outlets.edit_title"),
            Mode::View => t("outlets.detail_title"),
        };
        let (kind_pick, parent_pick) = self.picks(ctx, &d, editable);
        let toggle = |on: fn(bool) -> FieldMsg| editable.then_some(move |b| Message::Field(on(b)));
        let grid = column![
            text(title).size(16).font(crate::ui::font::BOLD),
            row![
                field("code", "outlet-code", &d.code, FieldMsg::Code),
                field("name", "outlet-name", &d.name, FieldMsg::Name),
                widget::field(t("field.kind"), kind_pick, err("kind")),
            ]
            .spacing(12),
            row![
                widget::field(t("field.parent_code"), parent_pick, err("parent_code")),
                field("phone", "outlet-phone", &d.phone, FieldMsg::Phone),
                field(
                    "province",
                    "outlet-province",
                    &d.province,
                    FieldMsg::Province
                ),
            ]
            .spacing(12),
            row![
                field("city", "outlet-city", &d.city, FieldMsg::City),
                field(
                    "district",
                    "outlet-district",
                    &d.district,
                    FieldMsg::District
                ),
                field("address", "outlet-address", &d.address, FieldMsg::Address),
            ]
            .spacing(12),
            row![
                field("latitude", "outlet-lat", &d.latitude, FieldMsg::Latitude),
                field("longitude", "outlet-lon", &d.longitude, FieldMsg::Longitude),
                column![
                    widget::focus::check(d.urban, t("field.urban"), toggle(FieldMsg::Urban)),
                    widget::focus::check(
                        d.accepts_ali_orders,
                        t("field.accepts_ali_orders"),
                        toggle(FieldMsg::AcceptsAli)
                    ),
                    widget::focus::check(d.active, t("field.active"), toggle(FieldMsg::Active)),
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

    /// 类型 and 上级网点: lists while editing, plain text otherwise.
    fn picks<'a>(
        &'a self,
        ctx: &Ctx<'a>,
        d: &Draft,
        editable: bool,
    ) -> (Element<'a, Message>, Element<'a, Message>) {
        let lang = ctx.lang;
        let t = |k: &str| ctx.t(k);
        let kinds: Vec<Choice<OutletKind>> = OutletKind::ALL
            .iter()
            .map(|k| kind_choice(lang, *k))
            .collect();
        let kind_pick: Element<'a, Message> = if editable {
            widget::focus::choose(kinds, Some(kind_choice(lang, d.kind)), |c| {
                Message::Field(FieldMsg::Kind(c))
            })
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
            self.parents.view(
                ctx.lang,
                "outlet-parent",
                d.parent_code.as_ref().map(|_| parent_label.clone()),
                t("outlets.parent_placeholder"),
                Message::ParentPick,
            )
        } else {
            text_input("", &parent_label).padding(5).into()
        };
        (kind_pick, parent_pick)
    }

    pub(super) fn conflict_view<'a>(
        &'a self,
        ctx: &Ctx<'a>,
        server: &Outlet,
        draft: &Draft,
    ) -> Element<'a, Message> {
        let t = |k: &str| ctx.t(k);
        let theirs = Draft::from_outlet(server);
        let pairs = compared(ctx, draft, &theirs);
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

/// Each field of `draft` beside the server's (`theirs`), as people read
/// them: the label key, the user's value, the server's.
fn compared(ctx: &Ctx<'_>, draft: &Draft, theirs: &Draft) -> Vec<(&'static str, String, String)> {
    let t = |k: &str| ctx.t(k);
    let yes_no = |b: bool| t(if b { "common.yes" } else { "common.no" });
    vec![
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
    ]
}
