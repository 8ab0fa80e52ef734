//! Staff members (SPEC 2.2).

use serde::{Deserialize, Serialize};

use super::role::Role;
use super::rule::{Checker, RuleError, is_valid_phone};

/// A staff member as the API carries it; the password never leaves the hub.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Staff {
    /// Unique login name.
    #[schema(max_length = 32)]
    pub login: String,
    /// Display name.
    #[schema(max_length = 30)]
    pub name: String,
    /// The outlet the person works at.
    pub outlet_code: String,
    pub role: Role,
    #[serde(default)]
    #[schema(max_length = 24)]
    pub phone: String,
    /// Staff are never deleted, only deactivated.
    #[serde(default = "yes")]
    pub active: bool,
    #[serde(default)]
    pub version: i64,
}

fn yes() -> bool {
    true
}

/// Minimum password length for staff accounts.
pub const MIN_PASSWORD_LEN: usize = 8;

impl Staff {
    /// Checks the fields on their own; `password` is the new one, if any.
    pub fn check_fields(&self, password: Option<&str>, creating: bool) -> Result<(), RuleError> {
        let mut c = Checker::default();
        c.check(self.login.trim().is_empty(), "login", "required");
        c.check(
            !(1..=32).contains(&self.login.len())
                || !self
                    .login
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '.' | '_' | '-')),
            "login",
            "invalid_login",
        );
        c.check(self.name.trim().is_empty(), "name", "required");
        super::text::check_line(&mut c, "name", &self.name, 30);
        c.check(
            self.outlet_code.trim().is_empty(),
            "outlet_code",
            "required",
        );
        c.check(!is_valid_phone(&self.phone), "phone", "invalid_phone");
        c.check(creating && password.is_none(), "password", "required");
        c.check(
            password.is_some_and(|p| p.chars().count() < MIN_PASSWORD_LEN),
            "password",
            "password_too_short",
        );
        c.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s() -> Staff {
        Staff {
            login: "zhang.san".into(),
            name: "张三".into(),
            outlet_code: "JS-YZ".into(),
            role: Role::Clerk,
            phone: "13800000000".into(),
            active: true,
            version: 0,
        }
    }

    #[test]
    fn valid_staff_passes() {
        assert_eq!(s().check_fields(Some("longenough"), true), Ok(()));
        assert_eq!(s().check_fields(None, false), Ok(()));
    }

    #[test]
    fn each_rule() {
        let cases: Vec<(Staff, Option<&str>, bool, &str, &str)> = vec![
            (
                Staff {
                    login: "".into(),
                    ..s()
                },
                Some("longenough"),
                true,
                "login",
                "required",
            ),
            (
                Staff {
                    login: "张三".into(),
                    ..s()
                },
                Some("longenough"),
                true,
                "login",
                "invalid_login",
            ),
            (
                Staff {
                    name: " ".into(),
                    ..s()
                },
                None,
                false,
                "name",
                "required",
            ),
            (
                Staff {
                    outlet_code: "".into(),
                    ..s()
                },
                None,
                false,
                "outlet_code",
                "required",
            ),
            (
                Staff {
                    phone: "x".into(),
                    ..s()
                },
                None,
                false,
                "phone",
                "invalid_phone",
            ),
            (s(), None, true, "password", "required"),
            (s(), Some("short"), false, "password", "password_too_short"),
        ];
        for (staff, pw, creating, field, code) in cases {
            let Err(RuleError::Fields(errs)) = staff.check_fields(pw, creating) else {
                panic!("{field} {code} should fail");
            };
            assert!(
                errs.iter().any(|e| e.field == field && e.code == code),
                "{field} {code}: {errs:?}"
            );
        }
    }
}
