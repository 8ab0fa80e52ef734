//! Turning rule violations and server errors into messages beside fields.

use std::collections::HashMap;

use crate::domain::RuleError;
use crate::i18n::{self, Lang};
use crate::sync::ClientError;

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

/// What a failed call means for the app: offline, or log in again.
pub fn event_for(e: &ClientError) -> Option<super::Event> {
    match e.status() {
        None if e.is_unreachable() => Some(super::Event::Unreachable),
        Some(401) => Some(super::Event::SessionExpired),
        _ => None,
    }
}
