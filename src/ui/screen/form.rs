//! What the record forms (网点管理, 员工管理) share: turning rule
//! violations and server errors into messages beside fields, and the
//! form's text field.

use std::collections::HashMap;

use crate::domain::RuleError;
use crate::i18n::{self, Lang};
use crate::sync::ClientError;
use crate::ui::theme::AppTheme;
use crate::ui::widget::shortcuts::Shortcut;
use iced::widget::{TextInput, text_input};

/// A form's text field `id`: its hint (`hint.<id>`) shows only while it
/// can be edited, and Enter in it saves, like Ctrl+S.
pub fn input<'a, M: Clone + 'a>(
    lang: Lang,
    id: &'static str,
    value: &str,
    on_input: Option<impl Fn(String) -> M + 'a>,
    save: M,
) -> TextInput<'a, M, AppTheme> {
    let enabled = on_input.is_some();
    let hint = if enabled {
        i18n::t(lang, &format!("hint.{id}"))
    } else {
        String::new()
    };
    text_input(&hint, value)
        .id(id)
        .padding(5)
        .on_input_maybe(on_input)
        .on_submit_maybe(enabled.then_some(save))
}

/// Messages to show on a form: per field, and one for the whole form.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FormErrors {
    pub fields: HashMap<String, String>,
    pub general: Option<String>,
}

impl FormErrors {
    /// Whether nothing is wrong.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.general.is_none()
    }

    /// The message for `field`, if any.
    pub fn get(&self, field: &str) -> Option<&String> {
        self.fields.get(field)
    }

    /// From a rule checked locally (instant feedback before sending).
    pub fn from_rule(lang: Lang, e: &RuleError) -> FormErrors {
        let mut out = FormErrors::default();
        match e {
            RuleError::Fields(list) => {
                for f in list {
                    out.fields
                        .insert(f.field.clone(), i18n::rule(lang, &f.code));
                }
            }
            RuleError::Duplicate { field } => {
                out.fields.insert(
                    field.clone(),
                    i18n::rule(lang, &format!("duplicate_{field}")),
                );
            }
        }
        out.general = Some(i18n::t(lang, "form.fix_fields"));
        out
    }

    /// From a server answer: field errors go beside their fields, the
    /// server's message (already in our language) on top.
    pub fn from_client(lang: Lang, e: &ClientError) -> FormErrors {
        let mut out = FormErrors::default();
        match e {
            ClientError::Unreachable(_) => {
                out.general = Some(i18n::t(lang, "net.unreachable_action"))
            }
            ClientError::Decode(d) => {
                out.general = Some(format!("{} ({d})", i18n::t(lang, "net.bad_answer")))
            }
            ClientError::Http { detail, .. } => {
                for f in &detail.fields {
                    out.fields
                        .insert(f.field.clone(), i18n::rule(lang, &f.code));
                }
                out.general = Some(detail.message.clone());
            }
        }
        out
    }

    /// A failed call: its errors beside their fields (and its general
    /// message), and what it means for the app.
    pub fn failed(&mut self, lang: Lang, e: &ClientError) -> Option<super::Lost> {
        *self = FormErrors::from_client(lang, e);
        lost(e)
    }

    /// Adds a local parse error (e.g. a number field holding letters).
    pub fn add(&mut self, lang: Lang, field: &str, code: &str) {
        self.fields.insert(field.to_owned(), i18n::rule(lang, code));
        self.general = Some(i18n::t(lang, "form.fix_fields"));
    }
}

/// Where a record form stands.
#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    /// Showing the selected record read-only.
    View,
    /// Editing the selected record, last seen at `version`.
    Edit { version: i64 },
    /// Filling in a new record.
    New,
}

/// A record form's draft and where it stands; 网点管理 and 员工管理 open
/// and close theirs the same way.
#[derive(Debug)]
pub struct Editor<D> {
    pub mode: Mode,
    pub draft: Option<D>,
    /// The form as opened, to tell whether Esc would lose changes.
    pub pristine: Option<D>,
    /// "放弃修改？" is showing.
    pub confirm_discard: bool,
}

impl<D> Default for Editor<D> {
    fn default() -> Self {
        Editor {
            mode: Mode::View,
            draft: None,
            pristine: None,
            confirm_discard: false,
        }
    }
}

impl<D: Clone + PartialEq> Editor<D> {
    /// Opens `draft` for 新增 or 编辑 (`mode`), remembering it as opened.
    pub fn open(&mut self, draft: D, mode: Mode) {
        self.pristine = Some(draft.clone());
        self.draft = Some(draft);
        self.mode = mode;
    }

    /// Closes the form unsaved (取消).
    pub fn close(&mut self) {
        self.confirm_discard = false;
        self.mode = Mode::View;
        self.draft = None;
    }

    /// Whether the draft differs from the form as opened.
    pub fn changed(&self) -> bool {
        self.draft != self.pristine
    }
}

/// Y answers a yes/no prompt yes, N or Esc answers it no.
pub fn prompt_key<M>(key: Shortcut, yes: M, no: M) -> Option<M> {
    match key {
        Shortcut::Yes => Some(yes),
        Shortcut::No | Shortcut::Escape => Some(no),
        _ => None,
    }
}

/// The messages a record screen gives its form keys.
pub struct FormKeys<M> {
    pub new: M,
    pub edit: M,
    pub save: M,
    pub ask_discard: M,
    pub cancel: M,
}

impl Mode {
    /// A record screen's form keys: 新增, and 编辑 with a record selected,
    /// while viewing; 保存 and Esc while editing, Esc asking first when the
    /// draft was `changed`.
    pub fn form_key<M>(
        &self,
        key: Shortcut,
        selected: bool,
        changed: bool,
        keys: FormKeys<M>,
    ) -> Option<M> {
        match (key, self) {
            (Shortcut::New, Mode::View) => Some(keys.new),
            (Shortcut::Edit, Mode::View) if selected => Some(keys.edit),
            (Shortcut::Save, Mode::Edit { .. } | Mode::New) => Some(keys.save),
            (Shortcut::Escape, Mode::Edit { .. } | Mode::New) if changed => Some(keys.ask_discard),
            (Shortcut::Escape, Mode::Edit { .. } | Mode::New) => Some(keys.cancel),
            _ => None,
        }
    }
}

/// What a failed call means for the app: offline, or log in again.
pub fn lost(e: &ClientError) -> Option<super::Lost> {
    match e.status() {
        None if e.is_unreachable() => Some(super::Lost::Unreachable),
        Some(401) => Some(super::Lost::SessionExpired),
        _ => None,
    }
}
