//! The 开单 form as typed: filled from the order, read back into a
//! `WaybillDraft` with every field that does not parse named.

use super::Field;
use crate::domain::order::{Order, Payment};
use crate::domain::pricing::{CodRefund, Consignee, Delivery, WaybillDraft};
use crate::i18n;
use crate::ui::format::{kg, m3};
use crate::ui::screen::form::FormErrors;

/// The form's text, as typed.
#[derive(Debug, Clone, Default)]
pub(super) struct Form {
    pub waybill_no: String,
    pub dest_province: String,
    pub dest_city: String,
    pub dest_district: String,
    pub consignee: String,
    pub consignee_phone: String,
    pub consignee_address: String,
    pub cargo_name: String,
    pub pieces: String,
    pub weight: String,
    pub volume: String,
    pub declared: String,
    pub cod: String,
    pub pickup_km: String,
    pub product: String,
    pub payment: Option<Payment>,
    pub same_day: bool,
    pub pickup: bool,
    pub single: bool,
    pub door: bool,
    pub packaging: String,
}

/// An order outside the user's view, known only by its summary: the form
/// starts blank and the clerk fills it in from the customer's papers.
pub(super) fn from_summary(s: crate::api::OrderSummary) -> Order {
    use crate::domain::order::{Cargo, InboundOrder, Party, Snapshot, TransportMode};
    let now = chrono::Utc::now();
    let mut o = InboundOrder {
        order_no: s.order_no,
        logistics_no: String::new(),
        ali_account: String::new(),
        shipper: Party::default(),
        consignee: Party::default(),
        cargo: Cargo {
            pieces: 1,
            ..Cargo::default()
        },
        transport_mode: TransportMode::Standard,
        pickup_required: false,
        pickup_time: None,
        declared_value: 0,
        cod_amount: 0,
        payment: Payment::Sender,
        remark: String::new(),
        snapshot: Snapshot::default(),
        trade_status: None,
        created_at: None,
        current_outlet_code: None,
    }
    .into_order(s.current_outlet_code, now);
    o.status = s.status;
    o.accepting_outlet_code = s.accepting_outlet_code;
    o
}

fn parse_decimal(s: &str, scale: f64) -> Option<i64> {
    let v: f64 = s.trim().parse().ok()?;
    v.is_finite().then(|| (v * scale).round() as i64)
}

fn fen_text(fen: i64) -> String {
    let s = format!("{:.2}", fen as f64 / 100.0);
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

impl Form {
    /// The form pre-filled from the order.
    pub fn of(o: &Order) -> Form {
        let d = WaybillDraft::from_order(o);
        Form {
            waybill_no: String::new(),
            dest_province: d.dest_province,
            dest_city: d.dest_city,
            dest_district: d.dest_district,
            consignee: d.consignee.name,
            consignee_phone: d.consignee.phone,
            consignee_address: d.consignee.address,
            cargo_name: d.cargo.name,
            pieces: d.cargo.pieces.to_string(),
            weight: kg(d.cargo.weight_g),
            volume: m3(d.cargo.volume_cm3),
            declared: fen_text(d.declared_value_fen),
            cod: fen_text(d.cod_amount_fen),
            pickup_km: "0".into(),
            product: d.product_code,
            payment: Some(d.payment),
            same_day: false,
            pickup: d.pickup_required,
            single: true,
            door: false,
            packaging: d.cargo.packaging,
        }
    }

    /// The text behind a field.
    pub fn slot(&mut self, field: Field) -> &mut String {
        match field {
            Field::WaybillNo => &mut self.waybill_no,
            Field::DestProvince => &mut self.dest_province,
            Field::DestCity => &mut self.dest_city,
            Field::DestDistrict => &mut self.dest_district,
            Field::Consignee => &mut self.consignee,
            Field::ConsigneePhone => &mut self.consignee_phone,
            Field::ConsigneeAddress => &mut self.consignee_address,
            Field::CargoName => &mut self.cargo_name,
            Field::Pieces => &mut self.pieces,
            Field::Weight => &mut self.weight,
            Field::Volume => &mut self.volume,
            Field::Declared => &mut self.declared,
            Field::Cod => &mut self.cod,
            Field::PickupKm => &mut self.pickup_km,
        }
    }

    /// The draft the form says, or the fields that do not parse.
    pub fn draft(&self, lang: i18n::Lang) -> Result<WaybillDraft, FormErrors> {
        let mut errors = FormErrors::default();
        let mut num = |s: &str, scale: f64, field: &str| match parse_decimal(s, scale) {
            Some(n) => n,
            None if s.trim().is_empty() => 0,
            None => {
                errors.add(lang, field, "not_a_number");
                0
            }
        };
        let pieces = num(&self.pieces, 1.0, "cargo.pieces");
        let weight_g = num(&self.weight, 1000.0, "cargo.weight_g");
        let volume_cm3 = num(&self.volume, 1_000_000.0, "cargo.volume_cm3");
        let declared = num(&self.declared, 100.0, "declared_value_fen");
        let cod = num(&self.cod, 100.0, "cod_amount_fen");
        let distance = num(&self.pickup_km, 1000.0, "pickup_distance_m");
        if !errors.is_empty() {
            return Err(errors);
        }
        let trim = |s: &str| s.trim().to_owned();
        Ok(WaybillDraft {
            waybill_no: trim(&self.waybill_no),
            product_code: self.product.clone(),
            dest_province: trim(&self.dest_province),
            dest_city: trim(&self.dest_city),
            dest_district: trim(&self.dest_district),
            consignee: Consignee {
                name: trim(&self.consignee),
                phone: trim(&self.consignee_phone),
                address: trim(&self.consignee_address),
            },
            cargo: crate::domain::order::Cargo {
                name: trim(&self.cargo_name),
                pieces,
                weight_g,
                volume_cm3,
                packaging: self.packaging.clone(),
            },
            declared_value_fen: declared,
            cod_amount_fen: cod,
            cod_refund: if self.same_day {
                CodRefund::SameDay
            } else {
                CodRefund::ThreeDay
            },
            payment: self.payment.unwrap_or(Payment::Sender),
            pickup_required: self.pickup,
            pickup_distance_m: distance,
            single_pickup_address: self.single,
            delivery: if self.door {
                Delivery::Door
            } else {
                Delivery::SelfPickup
            },
        })
    }
}
