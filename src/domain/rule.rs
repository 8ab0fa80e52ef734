//! Rule violations, named by stable codes that the i18n tables turn into text.

use serde::{Deserialize, Serialize};

/// One broken rule on one form field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FieldError {
    /// The wire name of the field (`code`, `parent_code`, ...).
    pub field: String,
    /// A stable code such as `required` or `duplicate_code`; see `i18n`.
    pub code: String,
}

impl FieldError {
    /// A field error with the given field and code.
    pub fn new(field: &str, code: &str) -> Self {
        Self {
            field: field.to_owned(),
            code: code.to_owned(),
        }
    }
}

/// Why a write was refused by a rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    /// One or more fields are invalid (HTTP 422).
    #[error("invalid fields: {0:?}")]
    Fields(Vec<FieldError>),
    /// The key is already taken (HTTP 409).
    #[error("duplicate key {field}")]
    Duplicate {
        /// Which field collided (`code`, `login`).
        field: String,
    },
}

impl RuleError {
    /// A single field error.
    pub fn field(field: &str, code: &str) -> Self {
        RuleError::Fields(vec![FieldError::new(field, code)])
    }
}

/// Collects field errors and turns them into a result.
#[derive(Debug, Default)]
pub struct Checker {
    errors: Vec<FieldError>,
}

impl Checker {
    /// Records `code` on `field` when `bad` holds.
    pub fn check(&mut self, bad: bool, field: &str, code: &str) {
        if bad && !self.errors.iter().any(|e| e.field == field) {
            self.errors.push(FieldError::new(field, code));
        }
    }

    /// `Ok` when nothing was recorded.
    pub fn finish(self) -> Result<(), RuleError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(RuleError::Fields(self.errors))
        }
    }
}

/// A phone number as clerks type it: digits with `+`, `-`, spaces, brackets.
pub fn is_valid_phone(phone: &str) -> bool {
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    phone.is_empty()
        || ((3..=20).contains(&digits)
            && phone.chars().count() <= 24
            && phone
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | ' ' | '(' | ')')))
}

/// A code used as a key: 1..=20 ASCII letters, digits, `-` or `_`.
pub fn is_valid_code(code: &str) -> bool {
    (1..=20).contains(&code.len())
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones() {
        assert!(is_valid_phone(""));
        assert!(is_valid_phone("0514-87654321"));
        assert!(is_valid_phone("+86 138 0000 0000"));
        assert!(!is_valid_phone("12"));
        assert!(!is_valid_phone("call me"));
    }

    #[test]
    fn codes() {
        assert!(is_valid_code("JS-YZ01"));
        assert!(!is_valid_code(""));
        assert!(!is_valid_code("扬州"));
        assert!(!is_valid_code("a b"));
        assert!(!is_valid_code(&"x".repeat(21)));
    }

    #[test]
    fn checker_keeps_first_error_per_field() {
        let mut c = Checker::default();
        c.check(true, "name", "required");
        c.check(true, "name", "too_long");
        c.check(false, "code", "required");
        assert_eq!(
            c.finish(),
            Err(RuleError::Fields(vec![FieldError::new("name", "required")]))
        );
    }
}
