//! Roles and what each may do.

use serde::{Deserialize, Serialize};

/// A staff member's role (SPEC 2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 系统管理员: manages outlets, staff and parameters.
    Admin,
    /// HQ dispatcher: assigns pool orders, sees the whole network.
    Dispatcher,
    /// Outlet clerk: works the orders of their own subtree.
    Clerk,
}

impl Role {
    /// All roles, in the order forms list them.
    pub const ALL: [Role; 3] = [Role::Admin, Role::Dispatcher, Role::Clerk];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Dispatcher => "dispatcher",
            Role::Clerk => "clerk",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Only administrators write base data (outlets, staff) and parameters.
    pub fn can_write_base_data(self) -> bool {
        self == Role::Admin
    }

    /// Staff records hold phone numbers: only administrators list them.
    pub fn can_read_staff(self) -> bool {
        self == Role::Admin
    }

    /// Dispatchers and administrators may assign and close pool orders.
    pub fn can_dispatch(self) -> bool {
        matches!(self, Role::Admin | Role::Dispatcher)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions_table() {
        // (role, writes base data, reads staff, dispatches)
        let table = [
            (Role::Admin, true, true, true),
            (Role::Dispatcher, false, false, true),
            (Role::Clerk, false, false, false),
        ];
        for (role, write, staff, dispatch) in table {
            assert_eq!(role.can_write_base_data(), write, "{role:?}");
            assert_eq!(role.can_read_staff(), staff, "{role:?}");
            assert_eq!(role.can_dispatch(), dispatch, "{role:?}");
        }
    }

    #[test]
    fn wire_names_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
