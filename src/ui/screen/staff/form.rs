//! The 员工管理 record form: the draft as typed and its fields.

use crate::ui::Element;
use iced::Length;
use iced::widget::{column, row, space, text, text_input};

use super::{Message, State, role_choice};
use crate::domain::{Role, Staff};
use crate::ui::screen::Ctx;
use crate::ui::screen::form::{self, Mode};
use crate::ui::widget::{self, Choice};

/// The form's fields as typed.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Draft {
    pub(super) login: String,
    pub(super) name: String,
    pub(super) outlet_code: Option<String>,
    pub(super) role: Role,
    pub(super) phone: String,
    pub(super) active: bool,
    pub(super) password: String,
}

impl Draft {
    pub(super) fn from_staff(s: &Staff) -> Draft {
        Draft {
            login: s.login.clone(),
            name: s.name.clone(),
            outlet_code: Some(s.outlet_code.clone()),
            role: s.role,
            phone: s.phone.clone(),
            active: s.active,
            password: String::new(),
        }
    }

    /// One field typed.
    pub(super) fn edit(&mut self, f: FieldMsg) {
        match f {
            FieldMsg::Login(v) => self.login = v,
            FieldMsg::Name(v) => self.name = v,
            FieldMsg::Outlet(c) => self.outlet_code = Some(c.value),
            FieldMsg::Role(c) => self.role = c.value,
            FieldMsg::Phone(v) => self.phone = v,
            FieldMsg::Active(v) => self.active = v,
            FieldMsg::Password(v) => self.password = v,
        }
    }

    pub(super) fn to_staff(&self, version: i64) -> Staff {
        Staff {
            login: self.login.trim().to_owned(),
            name: self.name.trim().to_owned(),
            outlet_code: self.outlet_code.clone().unwrap_or_default(),
            role: self.role,
            phone: self.phone.trim().to_owned(),
            active: self.active,
            version,
        }
    }
}

/// One editable field of the form.
#[derive(Debug, Clone)]
pub enum FieldMsg {
    Login(String),
    Name(String),
    Outlet(Choice<String>),
    Role(Choice<Role>),
    Phone(String),
    Active(bool),
    Password(String),
}

impl State {
    pub(super) fn form_view<'a>(&'a self, ctx: &Ctx<'a>) -> Element<'a, Message> {
        let lang = ctx.lang;
        let t = |k: &str| ctx.t(k);
        let shown = match (&self.form.draft, self.selected_staff()) {
            (Some(d), _) => Some(d.clone()),
            (None, Some(s)) => Some(Draft::from_staff(s)),
            _ => None,
        };
        let Some(d) = shown else {
            // Only those who may add staff are told to click 新增.
            return widget::muted(t(if ctx.can_write() {
                "staff.pick_hint"
            } else {
                "staff.pick_hint_read_only"
            }))
            .into();
        };
        let editable = self.form.mode != Mode::View && !self.busy;
        let err = |f: &str| self.errors.get(f);
        // One labelled text field: `key` names its label and its errors.
        let field =
            |key: &'static str, id: &'static str, value: &str, on: fn(String) -> FieldMsg| {
                let enabled = editable && (key != "login" || self.form.mode == Mode::New);
                let on_input = enabled.then_some(move |s| Message::Field(on(s)));
                // A person has a 姓名 (as the list says), an outlet a 名称.
                let label = match key {
                    "name" => t("field.person_name"),
                    _ => t(&format!("field.{key}")),
                };
                widget::field(
                    label,
                    form::input(ctx.lang, id, value, on_input, Message::Save),
                    err(key),
                )
            };
        let outlet_pick = self.outlet_pick(ctx, &d, editable);
        let role_pick = role_pick(lang, d.role, editable);
        let title = match self.form.mode {
            Mode::New => t("staff.new_title"),
            Mode::Edit { .. } => t("staff.edit_title"),
            Mode::View => t("staff.detail_title"),
        };
        let mut grid = column![
            text(title).size(16).font(crate::ui::font::BOLD),
            row![
                field("login", "staff-login", &d.login, FieldMsg::Login),
                field("name", "staff-name", &d.name, FieldMsg::Name),
                widget::field(t("field.outlet_code"), outlet_pick, err("outlet_code")),
            ]
            .spacing(12),
            row![
                widget::field(t("field.role"), role_pick, err("role")),
                field("phone", "staff-phone", &d.phone, FieldMsg::Phone),
                column![
                    space().height(18),
                    widget::focus::check(
                        d.active,
                        t("field.active"),
                        editable.then_some(|b| Message::Field(FieldMsg::Active(b)))
                    ),
                ]
                .width(Length::Fill),
            ]
            .spacing(12),
        ]
        .spacing(10);
        if self.form.mode == Mode::New {
            grid = grid.push(row![
                widget::field(
                    t("field.password"),
                    text_input(&t("staff.password_placeholder"), &d.password)
                        .id("staff-password")
                        .secure(true)
                        .padding(5)
                        .on_input(|s| Message::Field(FieldMsg::Password(s)))
                        .on_submit(Message::Save),
                    err("password")
                ),
                space().width(Length::FillPortion(2)),
            ]);
        }
        grid.into()
    }

    /// 所属网点: the picker while editing, else the outlet's name.
    fn outlet_pick<'a>(&'a self, ctx: &Ctx<'a>, d: &Draft, editable: bool) -> Element<'a, Message> {
        let outlet_label = d
            .outlet_code
            .as_deref()
            .map(|c| ctx.outlet_label(c))
            .unwrap_or_default();
        if editable {
            self.form_outlets.view(
                ctx.lang,
                "staff-outlet",
                d.outlet_code.as_ref().map(|_| outlet_label.clone()),
                ctx.t("staff.outlet_placeholder"),
                Message::FormOutletPick,
            )
        } else {
            text_input("", &outlet_label).padding(5).into()
        }
    }
}

/// 角色: a pick list while editing, else its name.
fn role_pick<'a>(lang: crate::i18n::Lang, role: Role, editable: bool) -> Element<'a, Message> {
    if editable {
        let roles: Vec<Choice<Role>> = Role::ALL.iter().map(|r| role_choice(lang, *r)).collect();
        widget::focus::choose(roles, Some(role_choice(lang, role)), |c| {
            Message::Field(FieldMsg::Role(c))
        })
        .into()
    } else {
        text_input("", &role_choice(lang, role).label)
            .padding(5)
            .into()
    }
}
