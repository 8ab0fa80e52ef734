//! Pure product rules (SPEC.md): no I/O, shared by order-hub (the authority)
//! and the client (instant feedback).

pub mod calibration;
pub mod clock;
pub mod dispatch;
pub mod name_match;
pub mod order;
pub mod outlet;
pub mod params;
pub mod pricing;
pub mod print;
pub mod report;
pub mod role;
pub mod rule;
pub mod sla;
pub mod staff;
pub mod text;
pub mod throttle;
pub mod visibility;

pub use order::{Action, Order, Status};
pub use outlet::{Outlet, OutletKind, OutletTree};
pub use role::Role;
pub use rule::{FieldError, RuleError};
pub use staff::Staff;
