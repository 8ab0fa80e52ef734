//! Ali orders and their state machine (SPEC 3.3), shared by order-hub (the
//! authority) and the client (instant feedback).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::params::Reason;
use super::role::Role;
use super::rule::{Checker, RuleError, is_valid_phone};

/// A person or company at one end of the shipment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Party {
    #[schema(max_length = 50)]
    pub name: String,
    #[serde(default)]
    #[schema(max_length = 50)]
    pub phone: String,
    #[serde(default)]
    #[schema(max_length = 100)]
    pub company: String,
    #[serde(default)]
    #[schema(max_length = 20)]
    pub province: String,
    #[serde(default)]
    #[schema(max_length = 20)]
    pub city: String,
    #[serde(default)]
    #[schema(max_length = 20)]
    pub district: String,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub address: String,
}

/// What is shipped.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Cargo {
    #[schema(max_length = 200)]
    pub name: String,
    pub pieces: i64,
    pub weight_g: i64,
    pub volume_cm3: i64,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub packaging: String,
}

/// What the customer saw when ordering (订单快照).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Snapshot {
    #[schema(max_length = 200)]
    pub goods_title: String,
    /// Price in fen.
    pub price: i64,
    #[serde(default)]
    #[schema(max_length = 1000)]
    pub description: String,
}

/// How the goods travel; air, partner-line and full-truck get no Ali
/// discounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TransportMode {
    Standard,
    Express,
    Air,
    PartnerLine,
    FullTruck,
}

/// Who pays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Payment {
    Sender,
    Receiver,
    Monthly,
}

/// Where an order is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Waiting for an outlet (or, in the pool, for HQ).
    Pending,
    /// An outlet will pick it up.
    Accepted,
    /// Imported into a waybill (开单).
    Billed,
    /// Accepted, then the pickup did not happen.
    PickupFailed,
    /// The customer cancelled before acceptance.
    Cancelled,
    /// HQ closed it.
    Closed,
}

impl Status {
    /// All statuses, in filter order.
    pub const ALL: [Status; 6] = [
        Status::Pending,
        Status::Accepted,
        Status::Billed,
        Status::PickupFailed,
        Status::Cancelled,
        Status::Closed,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Accepted => "accepted",
            Status::Billed => "billed",
            Status::PickupFailed => "pickup_failed",
            Status::Cancelled => "cancelled",
            Status::Closed => "closed",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Pending or accepted: still work to do (blocks deleting an outlet).
    pub fn is_open(self) -> bool {
        matches!(self, Status::Pending | Status::Accepted)
    }
}

/// Declares an order struct: the fields every Ali order carries, both as
/// upstream sends it ([`InboundOrder`]) and as the API serves it
/// ([`Order`]), written once, then the struct's own fields. A macro rather
/// than `#[serde(flatten)]` of a shared struct: utoipa would draw a
/// flattened struct as `allOf`, and the wire and the OpenAPI document
/// stay flat as they were.
macro_rules! ali_order {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $($(#[$own_meta:meta])* pub $own:ident: $own_ty:ty,)*
        }
    ) => {
        $(#[$meta])*
        pub struct $name {
            #[schema(max_length = 64)]
            pub order_no: String,
            #[serde(default)]
            #[schema(max_length = 64)]
            pub logistics_no: String,
            /// 诚信通账号: dispatch remembers the last outlet per account.
            #[serde(default)]
            #[schema(max_length = 64)]
            pub ali_account: String,
            pub shipper: Party,
            pub consignee: Party,
            pub cargo: Cargo,
            pub transport_mode: TransportMode,
            #[serde(default)]
            pub pickup_required: bool,
            #[serde(default)]
            pub pickup_time: Option<DateTime<Utc>>,
            /// Declared value (保价) in fen; required.
            pub declared_value: i64,
            #[serde(default)]
            pub cod_amount: i64,
            pub payment: Payment,
            #[serde(default)]
            #[schema(max_length = 500)]
            pub remark: String,
            #[serde(default)]
            pub snapshot: Snapshot,
            /// Trade state from Alibaba, e.g. `refunding`.
            #[serde(default)]
            #[schema(max_length = 32)]
            pub trade_status: Option<String>,
            $($(#[$own_meta])* pub $own: $own_ty,)*
        }
    };
}

ali_order! {
/// An Ali order as the API carries it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Order {
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub current_outlet_code: Option<String>,
    pub status: Status,
    #[serde(default)]
    pub contacted_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub accepting_outlet_code: Option<String>,
    #[serde(default)]
    pub billing_outlet_code: Option<String>,
    #[serde(default)]
    pub waybill_no: Option<String>,
    #[serde(default)]
    pub last_reason_code: Option<String>,
    #[serde(default)]
    pub last_note: Option<String>,
    /// Why the order is at `current_outlet_code` (absent in the pool and
    /// on orders dispatched before the hub recorded it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispatch_reason: Option<super::dispatch::DispatchReason>,
    #[serde(default)]
    pub version: i64,
    pub updated_at: DateTime<Utc>,
    /// The waybill once billed: what was entered and what it was priced
    /// at, so every screen that has the order has its charges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waybill: Option<Box<super::pricing::Waybill>>,
    /// 打印次数: how many times a document of this order was printed
    /// (extension; `printed` actions).
    #[serde(default)]
    pub print_count: i64,
}
}

/// Most pieces in one order.
pub const MAX_PIECES: i64 = 100_000;
/// Heaviest order: 100 t in grams.
pub const MAX_WEIGHT_G: i64 = 100_000_000;
/// Largest order: 1,000 m³ in cm³.
pub const MAX_VOLUME_CM3: i64 = 1_000_000_000;
/// Largest amount of money: 100 million yuan in fen.
pub const MAX_FEN: i64 = 10_000_000_000;

ali_order! {
/// What upstream (Alibaba's side) sends: an order without server fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct InboundOrder {
    /// When the customer placed it; the server's clock when absent.
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
    /// Alibaba's own dispatch decision, if it made one. Kept as sent, even
    /// HQ or an unknown code (both mean the HQ pool); absent, order-hub
    /// dispatches by account memory and city.
    #[serde(default)]
    #[schema(max_length = 64)]
    pub current_outlet_code: Option<String>,
}
}

impl InboundOrder {
    /// Checks the fields a bad upstream could get wrong.
    pub fn check(&self) -> Result<(), RuleError> {
        let mut c = Checker::default();
        c.check(self.order_no.trim().is_empty(), "order_no", "required");
        c.check(self.order_no.len() > 64, "order_no", "too_long");
        c.check(
            self.shipper.name.trim().is_empty(),
            "shipper.name",
            "required",
        );
        c.check(
            self.shipper.city.trim().is_empty(),
            "shipper.city",
            "required",
        );
        c.check(
            !is_valid_phone(&self.shipper.phone),
            "shipper.phone",
            "invalid_phone",
        );
        c.check(
            self.consignee.name.trim().is_empty(),
            "consignee.name",
            "required",
        );
        c.check(self.cargo.pieces < 1, "cargo.pieces", "out_of_range");
        c.check(self.cargo.weight_g < 0, "cargo.weight_g", "out_of_range");
        c.check(
            self.cargo.volume_cm3 < 0,
            "cargo.volume_cm3",
            "out_of_range",
        );
        c.check(self.declared_value <= 0, "declared_value", "required");
        c.check(self.cod_amount < 0, "cod_amount", "out_of_range");
        // Upper bounds no real order reaches: an i64::MAX weight would
        // overflow every sum a report or a price makes of it.
        c.check(
            self.cargo.pieces > MAX_PIECES,
            "cargo.pieces",
            "out_of_range",
        );
        c.check(
            self.cargo.weight_g > MAX_WEIGHT_G,
            "cargo.weight_g",
            "out_of_range",
        );
        c.check(
            self.cargo.volume_cm3 > MAX_VOLUME_CM3,
            "cargo.volume_cm3",
            "out_of_range",
        );
        c.check(
            self.declared_value > MAX_FEN,
            "declared_value",
            "out_of_range",
        );
        c.check(self.cod_amount > MAX_FEN, "cod_amount", "out_of_range");
        c.check(
            !(0..=MAX_FEN).contains(&self.snapshot.price),
            "snapshot.price",
            "out_of_range",
        );
        self.check_text(&mut c);
        c.finish()
    }

    /// Like [`check`](Self::check), and refuses a `created_at` or
    /// `pickup_time` more than a day ahead of `now` (a year-2999 order
    /// would stay at the top of every list and never become overdue).
    pub fn check_at(&self, now: DateTime<Utc>) -> Result<(), RuleError> {
        let mut c = Checker::default();
        if let Err(RuleError::Fields(f)) = self.check() {
            for e in f {
                c.check(true, &e.field, &e.code);
            }
        }
        let limit = now + chrono::Duration::days(1);
        c.check(
            self.created_at.is_some_and(|t| t > limit),
            "created_at",
            "in_future",
        );
        c.check(
            self.pickup_time
                .is_some_and(|t| t > now + chrono::Duration::days(366)),
            "pickup_time",
            "out_of_range",
        );
        c.finish()
    }

    fn check_text(&self, c: &mut Checker) {
        use super::text::*;
        check_line(c, "order_no", &self.order_no, NUMBER_MAX);
        check_line(c, "logistics_no", &self.logistics_no, NUMBER_MAX);
        check_line(c, "ali_account", &self.ali_account, NUMBER_MAX);
        for (prefix, p) in [("shipper", &self.shipper), ("consignee", &self.consignee)] {
            check_line(c, &format!("{prefix}.name"), &p.name, NAME_MAX);
            check_line(c, &format!("{prefix}.phone"), &p.phone, NAME_MAX);
            check_line(c, &format!("{prefix}.company"), &p.company, COMPANY_MAX);
            check_line(c, &format!("{prefix}.province"), &p.province, REGION_MAX);
            check_line(c, &format!("{prefix}.city"), &p.city, REGION_MAX);
            check_line(c, &format!("{prefix}.district"), &p.district, REGION_MAX);
            check_line(c, &format!("{prefix}.address"), &p.address, ADDRESS_MAX);
        }
        check_line(c, "cargo.name", &self.cargo.name, TITLE_MAX);
        check_line(c, "cargo.packaging", &self.cargo.packaging, TITLE_MAX);
        check_text(c, "remark", &self.remark, REMARK_MAX);
        check_line(
            c,
            "snapshot.goods_title",
            &self.snapshot.goods_title,
            TITLE_MAX,
        );
        check_text(
            c,
            "snapshot.description",
            &self.snapshot.description,
            DESCRIPTION_MAX,
        );
        check_line(
            c,
            "trade_status",
            self.trade_status.as_deref().unwrap_or(""),
            REASON_CODE_MAX,
        );
        check_line(
            c,
            "current_outlet_code",
            self.current_outlet_code.as_deref().unwrap_or(""),
            NUMBER_MAX,
        );
    }

    /// The stored order: pending at `outlet` (None = pool).
    pub fn into_order(self, outlet: Option<String>, now: DateTime<Utc>) -> Order {
        Order {
            order_no: self.order_no.trim().to_owned(),
            logistics_no: self.logistics_no,
            ali_account: self.ali_account,
            shipper: self.shipper,
            consignee: self.consignee,
            cargo: self.cargo,
            transport_mode: self.transport_mode,
            pickup_required: self.pickup_required,
            pickup_time: self.pickup_time,
            declared_value: self.declared_value,
            cod_amount: self.cod_amount,
            payment: self.payment,
            remark: self.remark,
            snapshot: self.snapshot,
            trade_status: self.trade_status,
            created_at: self.created_at.unwrap_or(now),
            current_outlet_code: outlet,
            status: Status::Pending,
            contacted_at: None,
            accepting_outlet_code: None,
            billing_outlet_code: None,
            waybill_no: None,
            last_reason_code: None,
            last_note: None,
            dispatch_reason: None,
            version: 1,
            updated_at: now,
            waybill: None,
            print_count: 0,
        }
    }
}

/// A clerk's or dispatcher's action on an order (`POST …/actions`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// 已联系: the customer was phoned.
    Contacted,
    /// 受理 with what was agreed on the phone.
    Accept {
        weight_g: i64,
        volume_cm3: i64,
        pickup_required: bool,
        #[serde(default)]
        pickup_time: Option<DateTime<Utc>>,
    },
    /// 打回: back to the HQ pool.
    Return {
        #[schema(max_length = 32)]
        reason_code: String,
        #[serde(default)]
        #[schema(max_length = 500)]
        note: String,
    },
    /// 收货失败 after acceptance.
    PickupFailed {
        #[schema(max_length = 32)]
        reason_code: String,
        #[serde(default)]
        #[schema(max_length = 500)]
        note: String,
    },
    /// 分配 (dispatcher): give the order to an outlet.
    Assign {
        #[schema(max_length = 64)]
        outlet_code: String,
    },
    /// 关闭 (dispatcher).
    Close {
        #[schema(max_length = 32)]
        reason_code: String,
        #[serde(default)]
        #[schema(max_length = 500)]
        note: String,
    },
    /// 导入开单: bill an accepted order (SPEC 3.5). The hub prices the
    /// waybill; `accept` first accepts a pending order in the caller's
    /// subtree; `logistics_no` unlocks an order outside it.
    ImportWaybill {
        waybill: Box<super::pricing::WaybillDraft>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        logistics_no: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        accept: Option<AcceptFields>,
    },
    /// 打印: records that a document was printed (any state; the order
    /// only counts it in `print_count`).
    Printed {
        /// `label`, `delivery_note` or `packing_list`.
        #[schema(max_length = 32)]
        document: String,
        #[schema(minimum = 1, maximum = 20)]
        copies: i64,
    },
}

/// What 受理 records, when an import accepts the order first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AcceptFields {
    pub weight_g: i64,
    pub volume_cm3: i64,
    pub pickup_required: bool,
    #[serde(default)]
    pub pickup_time: Option<DateTime<Utc>>,
}

impl AcceptFields {
    /// The accept action they stand for.
    pub fn action(&self) -> Action {
        Action::Accept {
            weight_g: self.weight_g,
            volume_cm3: self.volume_cm3,
            pickup_required: self.pickup_required,
            pickup_time: self.pickup_time,
        }
    }
}

impl Action {
    /// Length and character limits of the free-text fields.
    pub fn check_text(&self) -> Result<(), RuleError> {
        use super::text::*;
        let mut c = Checker::default();
        match self {
            Action::Return { reason_code, note }
            | Action::PickupFailed { reason_code, note }
            | Action::Close { reason_code, note } => {
                check_line(&mut c, "reason_code", reason_code, REASON_CODE_MAX);
                check_text(&mut c, "note", note, NOTE_MAX);
            }
            Action::Assign { outlet_code } => {
                check_line(&mut c, "outlet_code", outlet_code, NUMBER_MAX);
            }
            Action::ImportWaybill {
                waybill,
                logistics_no,
                ..
            } => {
                let w = waybill.as_ref();
                for (field, value, max) in [
                    ("waybill_no", &w.waybill_no, NUMBER_MAX),
                    ("product_code", &w.product_code, NUMBER_MAX),
                    ("dest_province", &w.dest_province, REGION_MAX),
                    ("dest_city", &w.dest_city, REGION_MAX),
                    ("dest_district", &w.dest_district, REGION_MAX),
                    ("consignee.name", &w.consignee.name, NAME_MAX),
                    ("consignee.phone", &w.consignee.phone, NUMBER_MAX),
                    ("consignee.address", &w.consignee.address, ADDRESS_MAX),
                    ("cargo.name", &w.cargo.name, NAME_MAX),
                    ("cargo.packaging", &w.cargo.packaging, NAME_MAX),
                ] {
                    check_line(&mut c, field, value, max);
                }
                if let Some(no) = logistics_no {
                    check_line(&mut c, "logistics_no", no, NUMBER_MAX);
                }
            }
            Action::Printed { document, copies } => {
                let known = super::print::Document::parse(document).is_some();
                c.check(!known, "document", "invalid_choice");
                let copies_ok = (1..=i64::from(super::print::MAX_COPIES)).contains(copies);
                c.check(!copies_ok, "copies", "out_of_range");
            }
            Action::Contacted | Action::Accept { .. } => {}
        }
        c.finish()
    }

    /// The wire name, for events and logs.
    pub fn name(&self) -> &'static str {
        self.kind().name()
    }
}

/// An action without its payload: what a button or key offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActionKind {
    Contacted,
    Accept,
    Return,
    PickupFailed,
    Assign,
    Close,
    ImportWaybill,
    Printed,
}

impl ActionKind {
    /// The wire name, for events and logs.
    pub fn name(self) -> &'static str {
        match self {
            ActionKind::Contacted => "contacted",
            ActionKind::Accept => "accept",
            ActionKind::Return => "return",
            ActionKind::PickupFailed => "pickup_failed",
            ActionKind::Assign => "assign",
            ActionKind::Close => "close",
            ActionKind::ImportWaybill => "import_waybill",
            ActionKind::Printed => "printed",
        }
    }
}

impl Action {
    /// The action without its payload.
    pub fn kind(&self) -> ActionKind {
        match self {
            Action::Contacted => ActionKind::Contacted,
            Action::Accept { .. } => ActionKind::Accept,
            Action::Return { .. } => ActionKind::Return,
            Action::PickupFailed { .. } => ActionKind::PickupFailed,
            Action::Assign { .. } => ActionKind::Assign,
            Action::Close { .. } => ActionKind::Close,
            Action::ImportWaybill { .. } => ActionKind::ImportWaybill,
            Action::Printed { .. } => ActionKind::Printed,
        }
    }
}

/// Whether `kind` can apply to an order in `status` for `role` at all
/// (before its payload is looked at): the state machine's first check, used
/// by `apply` and by the client to disable what cannot apply.
pub fn precondition(
    kind: ActionKind,
    status: Status,
    role: Role,
    in_pool: bool,
) -> Result<(), ActionError> {
    let pending_at_outlet = status == Status::Pending && !in_pool;
    let state_ok = match kind {
        ActionKind::Contacted | ActionKind::Accept | ActionKind::Return => pending_at_outlet,
        ActionKind::PickupFailed => status == Status::Accepted,
        ActionKind::Assign => {
            if !role.can_dispatch() {
                return Err(ActionError::Role);
            }
            status == Status::Pending
        }
        // SPEC 3.3: a returned order lies in the HQ pool, "HQ can reassign
        // it or close it". An order sitting at an outlet is that outlet's
        // work: a dispatcher reassigns it, or the outlet returns it first;
        // closing it there would take it from under the clerk who may be on
        // the phone with the customer.
        ActionKind::Close => {
            if !role.can_dispatch() {
                return Err(ActionError::Role);
            }
            status == Status::Pending && in_pool
        }
        // SPEC 3.5: from accepted, or pending at an outlet when the import
        // accepts it first (the hub does that as its own event, so `apply`
        // below still sees an accepted order).
        ActionKind::ImportWaybill => status == Status::Accepted || pending_at_outlet,
        // Reprint is always possible (SPEC 5.1).
        ActionKind::Printed => true,
    };
    if state_ok {
        Ok(())
    } else {
        Err(ActionError::State(status))
    }
}

/// Why an action was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActionError {
    /// The order's state does not allow it (HTTP 409 `state_conflict`).
    #[error("the order is {0:?}")]
    State(Status),
    /// The user's role may not do it (HTTP 403).
    #[error("not allowed for this role")]
    Role,
    /// The body breaks a rule (HTTP 422).
    #[error(transparent)]
    Rule(#[from] RuleError),
}

/// What the rules need to know besides the order.
pub struct ActionContext<'a> {
    pub role: Role,
    /// Whether the order is in the HQ pool (see `visibility::is_pool`).
    pub in_pool: bool,
    /// Whether `outlet_code` of an `assign` is an active outlet that
    /// takes Ali orders (and is not HQ).
    pub assignable: &'a dyn Fn(&str) -> bool,
    pub return_reasons: &'a [Reason],
    pub pickup_failed_reasons: &'a [Reason],
    pub now: DateTime<Utc>,
}

/// What an allowed action does.
#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    /// The order after the action (version and `updated_at` advanced).
    pub order: Order,
    pub from: Status,
    pub to: Status,
    pub reason_code: Option<String>,
    pub note: Option<String>,
}

fn check_reason(reasons: &[Reason], code: &str, note: &str) -> Result<(), RuleError> {
    match reasons.iter().find(|r| r.code == code && !r.retired) {
        None => Err(RuleError::field("reason_code", "unknown_reason")),
        Some(r) if r.note_required && note.trim().is_empty() => {
            Err(RuleError::field("note", "note_required"))
        }
        Some(_) => Ok(()),
    }
}

/// The state machine: checks `action` on `order` and returns its effect.
pub fn apply(
    order: &Order,
    action: &Action,
    ctx: &ActionContext<'_>,
) -> Result<Transition, ActionError> {
    use Status::*;
    let from = order.status;
    precondition(action.kind(), from, ctx.role, ctx.in_pool)?;
    let mut next = order.clone();
    action.check_text()?;
    // The reason and note the action carries, checked against its list.
    let reasoned = |reasons: &[Reason], code: &String, note: &String| {
        check_reason(reasons, code, note).map(|()| Some((code.clone(), note.clone())))
    };
    let given = match action {
        Action::Contacted => {
            next.contacted_at.get_or_insert(ctx.now);
            None
        }
        Action::Accept { .. } => {
            accept(&mut next, action, ctx.now)?;
            None
        }
        Action::Return { reason_code, note } => {
            let given = reasoned(ctx.return_reasons, reason_code, note)?;
            next.current_outlet_code = None;
            next.dispatch_reason = None;
            next.contacted_at = None;
            given
        }
        Action::PickupFailed { reason_code, note } => {
            let given = reasoned(ctx.pickup_failed_reasons, reason_code, note)?;
            next.status = PickupFailed;
            given
        }
        Action::Assign { outlet_code } => {
            if !(ctx.assignable)(outlet_code) {
                return Err(RuleError::field("outlet_code", "unknown_outlet").into());
            }
            next.current_outlet_code = Some(outlet_code.clone());
            next.contacted_at = None;
            // The hub adds who (`by`); the rule is the state machine's.
            next.dispatch_reason = Some(super::dispatch::DispatchReason::rule(
                super::dispatch::DispatchRule::HqAssigned,
            ));
            None
        }
        Action::Close { reason_code, note } => {
            let given = reasoned(ctx.return_reasons, reason_code, note)?;
            next.status = Closed;
            given
        }
        Action::ImportWaybill { waybill, .. } => {
            // The hub accepts a pending order first (its own event) and
            // attaches the priced waybill; here only the state moves.
            if from != Accepted {
                return Err(ActionError::State(from));
            }
            next.status = Billed;
            next.waybill_no = Some(waybill.waybill_no.clone());
            None
        }
        Action::Printed { .. } => {
            next.print_count += 1;
            None
        }
    };
    let (reason, note) = given.unzip();
    if reason.is_some() {
        next.last_reason_code = reason.clone();
        next.last_note = note.clone().filter(|n| !n.is_empty());
    }
    next.version = order.version + 1;
    next.updated_at = ctx.now;
    Ok(Transition {
        to: next.status,
        order: next,
        from,
        reason_code: reason,
        note,
    })
}

/// 受理: the measured cargo and the pickup, checked, onto `next`.
fn accept(next: &mut Order, action: &Action, now: DateTime<Utc>) -> Result<(), RuleError> {
    let Action::Accept {
        weight_g,
        volume_cm3,
        pickup_required,
        pickup_time,
    } = action
    else {
        return Ok(());
    };
    let mut c = Checker::default();
    c.check(
        !(1..=MAX_WEIGHT_G).contains(weight_g),
        "weight_g",
        "out_of_range",
    );
    c.check(
        !(0..=MAX_VOLUME_CM3).contains(volume_cm3),
        "volume_cm3",
        "out_of_range",
    );
    c.check(
        *pickup_required && pickup_time.is_none(),
        "pickup_time",
        "required",
    );
    c.finish()?;
    next.status = Status::Accepted;
    next.cargo.weight_g = *weight_g;
    next.cargo.volume_cm3 = *volume_cm3;
    next.pickup_required = *pickup_required;
    next.pickup_time = if *pickup_required { *pickup_time } else { None };
    next.accepting_outlet_code = next.current_outlet_code.clone();
    next.contacted_at.get_or_insert(now);
    Ok(())
}

/// The customer cancels (撤销): only while pending [manual].
pub fn cancel(order: &Order, now: DateTime<Utc>) -> Result<Order, ActionError> {
    match order.status {
        Status::Pending => {
            let mut next = order.clone();
            next.status = Status::Cancelled;
            next.version += 1;
            next.updated_at = now;
            Ok(next)
        }
        s => Err(ActionError::State(s)),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use chrono::TimeZone;

    pub fn sample(order_no: &str, outlet: Option<&str>) -> Order {
        let t = Utc.with_ymd_and_hms(2026, 11, 26, 8, 0, 0).unwrap();
        InboundOrder {
            order_no: order_no.into(),
            logistics_no: format!("WL{order_no}"),
            ali_account: "zhangsan".into(),
            shipper: Party {
                name: "张三".into(),
                phone: "13800000000".into(),
                city: "杭州".into(),
                ..Party::default()
            },
            consignee: Party {
                name: "李四".into(),
                city: "北京".into(),
                ..Party::default()
            },
            cargo: Cargo {
                name: "服装".into(),
                pieces: 2,
                weight_g: 12_000,
                volume_cm3: 50_000,
                packaging: "纸箱".into(),
            },
            transport_mode: TransportMode::Standard,
            pickup_required: false,
            pickup_time: None,
            declared_value: 100_000,
            cod_amount: 0,
            payment: Payment::Sender,
            remark: String::new(),
            snapshot: Snapshot::default(),
            trade_status: None,
            created_at: Some(t),
            current_outlet_code: None,
        }
        .into_order(outlet.map(str::to_owned), t)
    }

    fn reasons() -> Vec<Reason> {
        let r = |c: &str, note: bool| Reason {
            code: c.into(),
            label: c.into(),
            label_en: None,
            retired: false,
            note_required: note,
        };
        vec![
            r("unreachable", false),
            r("other", true),
            Reason {
                retired: true,
                ..r("old", false)
            },
        ]
    }

    fn ctx<'a>(
        role: Role,
        in_pool: bool,
        reasons: &'a [Reason],
        ok: &'a dyn Fn(&str) -> bool,
    ) -> ActionContext<'a> {
        ActionContext {
            role,
            in_pool,
            assignable: ok,
            return_reasons: reasons,
            pickup_failed_reasons: reasons,
            now: Utc::now(),
        }
    }

    fn accept() -> Action {
        Action::Accept {
            weight_g: 10_000,
            volume_cm3: 40_000,
            pickup_required: false,
            pickup_time: None,
        }
    }

    fn ret(code: &str, note: &str) -> Action {
        Action::Return {
            reason_code: code.into(),
            note: note.into(),
        }
    }

    /// Every (status, pool?, action, role) → allowed or the error.
    #[test]
    fn state_machine_table() {
        use ActionError as E;
        use Status::*;
        let rs = reasons();
        let ok = |c: &str| c == "JS-YZ";
        let assign = Action::Assign {
            outlet_code: "JS-YZ".into(),
        };
        let close = Action::Close {
            reason_code: "unreachable".into(),
            note: String::new(),
        };
        let failed = Action::PickupFailed {
            reason_code: "unreachable".into(),
            note: String::new(),
        };
        let all = [
            Action::Contacted,
            accept(),
            ret("unreachable", ""),
            failed.clone(),
            assign.clone(),
            close.clone(),
            Action::ImportWaybill {
                waybill: Box::new(crate::domain::pricing::WaybillDraft::from_order(&sample(
                    "1", None,
                ))),
                logistics_no: None,
                accept: None,
            },
        ];
        // (status, in_pool, action index, role) → Ok(to) / Err
        let expect = |status: Status, pool: bool, i: usize, role: Role| -> Result<Status, E> {
            let dispatcher = role.can_dispatch();
            match (i, status, pool) {
                (0, Pending, false) => Ok(Pending),
                (1, Pending, false) => Ok(Accepted),
                (2, Pending, false) => Ok(Pending),
                (3, Accepted, _) => Ok(PickupFailed),
                (4, _, _) if !dispatcher => Err(E::Role),
                (4, Pending, _) => Ok(Pending),
                (5, _, _) if !dispatcher => Err(E::Role),
                (5, Pending, true) => Ok(Closed),
                (6, Accepted, _) => Ok(Billed),
                (_, s, _) => Err(E::State(s)),
            }
        };
        for status in Status::ALL {
            for pool in [false, true] {
                for (i, action) in all.iter().enumerate() {
                    for role in Role::ALL {
                        let mut o = sample("1", if pool { None } else { Some("JS-YZ") });
                        o.status = status;
                        let got = apply(&o, action, &ctx(role, pool, &rs, &ok)).map(|t| t.to);
                        assert_eq!(
                            got,
                            expect(status, pool, i, role),
                            "{status:?} pool={pool} {} {role:?}",
                            action.name()
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn accept_records_what_was_agreed() {
        let rs = reasons();
        let ok = |_: &str| true;
        let o = sample("1", Some("JS-YZ"));
        let t = apply(&o, &accept(), &ctx(Role::Clerk, false, &rs, &ok)).unwrap();
        assert_eq!(t.order.status, Status::Accepted);
        assert_eq!(t.order.cargo.weight_g, 10_000);
        assert_eq!(t.order.accepting_outlet_code.as_deref(), Some("JS-YZ"));
        assert!(t.order.contacted_at.is_some());
        assert_eq!(t.order.version, o.version + 1);
        // Pickup needs a time.
        let bad = Action::Accept {
            weight_g: 1,
            volume_cm3: 0,
            pickup_required: true,
            pickup_time: None,
        };
        assert_eq!(
            apply(&o, &bad, &ctx(Role::Clerk, false, &rs, &ok)),
            Err(ActionError::Rule(RuleError::field(
                "pickup_time",
                "required"
            )))
        );
        let neg = Action::Accept {
            weight_g: -1,
            volume_cm3: 0,
            pickup_required: false,
            pickup_time: None,
        };
        assert!(matches!(
            apply(&o, &neg, &ctx(Role::Clerk, false, &rs, &ok)),
            Err(ActionError::Rule(_))
        ));
    }

    #[test]
    fn return_needs_a_live_reason_and_sometimes_a_note() {
        let rs = reasons();
        let ok = |_: &str| true;
        let o = sample("1", Some("JS-YZ"));
        let c = ctx(Role::Clerk, false, &rs, &ok);
        let t = apply(&o, &ret("unreachable", ""), &c).unwrap();
        assert_eq!(t.order.current_outlet_code, None, "back to the pool");
        assert_eq!(t.order.last_reason_code.as_deref(), Some("unreachable"));
        assert_eq!(
            apply(&o, &ret("nonsense", ""), &c),
            Err(ActionError::Rule(RuleError::field(
                "reason_code",
                "unknown_reason"
            )))
        );
        assert_eq!(
            apply(&o, &ret("old", ""), &c),
            Err(ActionError::Rule(RuleError::field(
                "reason_code",
                "unknown_reason"
            ))),
            "retired reasons are not offered"
        );
        assert_eq!(
            apply(&o, &ret("other", " "), &c),
            Err(ActionError::Rule(RuleError::field("note", "note_required")))
        );
        assert!(apply(&o, &ret("other", "客户改期"), &c).is_ok());
    }

    #[test]
    fn assign_only_to_assignable_outlets() {
        let rs = reasons();
        let ok = |c: &str| c == "JS-YZ";
        let o = sample("1", None);
        let c = ctx(Role::Dispatcher, true, &rs, &ok);
        let t = apply(
            &o,
            &Action::Assign {
                outlet_code: "JS-YZ".into(),
            },
            &c,
        )
        .unwrap();
        assert_eq!(t.order.current_outlet_code.as_deref(), Some("JS-YZ"));
        assert_eq!(
            apply(
                &o,
                &Action::Assign {
                    outlet_code: "HQ".into()
                },
                &c
            ),
            Err(ActionError::Rule(RuleError::field(
                "outlet_code",
                "unknown_outlet"
            )))
        );
    }

    #[test]
    fn customer_cancel_only_while_pending() {
        let now = Utc::now();
        let o = sample("1", Some("JS-YZ"));
        assert_eq!(cancel(&o, now).unwrap().status, Status::Cancelled);
        let pool = sample("2", None);
        assert_eq!(cancel(&pool, now).unwrap().status, Status::Cancelled);
        let mut accepted = o.clone();
        accepted.status = Status::Accepted;
        assert_eq!(
            cancel(&accepted, now),
            Err(ActionError::State(Status::Accepted))
        );
    }

    #[test]
    fn action_wire_format() {
        let a: Action = serde_json::from_str(
            r#"{"action":"accept","weight_g":1000,"volume_cm3":0,"pickup_required":false}"#,
        )
        .unwrap();
        assert_eq!(a.name(), "accept");
        let r: Action =
            serde_json::from_str(r#"{"action":"return","reason_code":"other","note":"x"}"#)
                .unwrap();
        assert_eq!(r, ret("other", "x"));
        assert!(serde_json::from_str::<Action>(r#"{"action":"fly"}"#).is_err());
    }

    #[test]
    fn inbound_checks() {
        let mut o = InboundOrder {
            order_no: " ".into(),
            ..serde_json::from_value(serde_json::to_value(sample("1", None)).unwrap()).unwrap()
        };
        o.declared_value = 0;
        let Err(RuleError::Fields(f)) = o.check() else {
            panic!()
        };
        assert!(f.iter().any(|e| e.field == "order_no"));
        assert!(f.iter().any(|e| e.field == "declared_value"));
    }

    #[test]
    fn the_precondition_refuses_what_the_state_forbids() {
        use super::{ActionError, ActionKind as K, precondition};
        let clerk = Role::Clerk;
        // An accepted order: no more 已联系/受理/打回; 收货失败 is offered.
        for k in [K::Contacted, K::Accept, K::Return] {
            assert_eq!(
                precondition(k, Status::Accepted, clerk, false),
                Err(ActionError::State(Status::Accepted))
            );
        }
        assert_eq!(
            precondition(K::PickupFailed, Status::Accepted, clerk, false),
            Ok(())
        );
        // A pending order: 收货失败 is not.
        assert!(precondition(K::PickupFailed, Status::Pending, clerk, false).is_err());
        assert_eq!(
            precondition(K::Accept, Status::Pending, clerk, false),
            Ok(())
        );
        // In the pool only a dispatcher acts, by 分配 or 关闭.
        assert!(precondition(K::Accept, Status::Pending, Role::Dispatcher, true).is_err());
        assert_eq!(
            precondition(K::Assign, Status::Pending, Role::Dispatcher, true),
            Ok(())
        );
        assert_eq!(
            precondition(K::Assign, Status::Pending, clerk, false),
            Err(ActionError::Role)
        );
    }
}
