//! 开单: import an accepted Ali order into a waybill (SPEC 3.5). The form
//! is pre-filled from the order; beside it a live quote, computed here by
//! the same domain function the hub uses, on the cached rate card (so it
//! is instant and works offline). The import goes through the outbox like
//! any action; the server prices again and its figures are stored.

use iced::widget::{
    checkbox, column, container, pick_list, row, scrollable, space, text, text_input,
};
use iced::{Alignment, Length, Task};

use super::form::FormErrors;
use super::{Ctx, Lost};
use crate::domain::order::{Order, Payment, Status};
use crate::domain::pricing::{
    self, CodRefund, Consignee, Delivery, Quote, QuoteError, RateCard, WaybillDraft, WaybillPattern,
};
use crate::domain::{Action, visibility};
use crate::i18n;
use crate::store::{CachedCard, StoreError};
use crate::ui::Element;
use crate::ui::format::{kg, m3, yuan};
use crate::ui::theme::Tone;
use crate::ui::widget::{self, Choice};

/// What the 开单 screen tells the app.
#[derive(Debug, Clone)]
pub enum Event {
    /// The import was saved in the outbox: send it now.
    ActionQueued,
    /// A call failed for want of the server or the session.
    Lost(Lost),
}

/// A text field of the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    WaybillNo,
    DestProvince,
    DestCity,
    DestDistrict,
    Consignee,
    ConsigneePhone,
    ConsigneeAddress,
    CargoName,
    Pieces,
    Weight,
    Volume,
    Declared,
    Cod,
    PickupKm,
}

/// What the 开单 screen reacts to.
#[derive(Debug, Clone)]
pub enum Message {
    /// The order-number box changed.
    OrderNo(String),
    /// The logistics-number box changed.
    Logistics(String),
    /// 调出订单: find the order (cache, then server).
    Load,
    /// The order was found (or not).
    Loaded(Result<Option<Box<Order>>, String>),
    /// The cached rate card arrived.
    Card(Result<CachedCard, StoreError>),
    /// A text field changed.
    Edit(Field, String),
    /// 运输性质 picked.
    Product(Choice<String>),
    /// 付款方式 picked.
    Payment(Choice<Payment>),
    /// 即日退 on/off.
    SameDay(bool),
    /// 上门接货 on/off.
    Pickup(bool),
    /// 同一提货地 on/off.
    Single(bool),
    /// 送货上门 on/off.
    Door(bool),
    /// 开单.
    Submit,
    /// The answer to "accepted elsewhere — bill here anyway?".
    ConfirmElsewhere(bool),
    /// The import was saved in the outbox.
    Queued(Result<String, StoreError>),
    /// The order as the cache has it now (after a sync).
    Refreshed(Option<Box<Order>>),
}

/// The form's text, as typed.
#[derive(Debug, Clone, Default)]
struct Form {
    waybill_no: String,
    dest_province: String,
    dest_city: String,
    dest_district: String,
    consignee: String,
    consignee_phone: String,
    consignee_address: String,
    cargo_name: String,
    pieces: String,
    weight: String,
    volume: String,
    declared: String,
    cod: String,
    pickup_km: String,
    product: String,
    payment: Option<Payment>,
    same_day: bool,
    pickup: bool,
    single: bool,
    door: bool,
    packaging: String,
}

/// The 开单 screen.
#[derive(Default)]
pub struct State {
    order_no: String,
    logistics: String,
    order: Option<Order>,
    form: Form,
    card: Option<(CachedCard, RateCard)>,
    /// The live local quote, or why there is none.
    quote: Option<Result<Quote, String>>,
    errors: FormErrors,
    confirm: bool,
    notice: Option<(String, Tone)>,
    /// The local quote when the import was queued, to compare with the
    /// server's when the billed order comes back.
    sent: Option<Quote>,
}

/// An order outside the user's view, known only by its summary: the form
/// starts blank and the clerk fills it in from the customer's papers.
fn from_summary(s: crate::api::OrderSummary) -> Order {
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

impl State {
    /// Opens the screen on `order` (from 阿里订单受理's 开单).
    pub fn open(&mut self, order: Order, ctx: &Ctx<'_>) -> Task<Message> {
        self.order_no = order.order_no.clone();
        self.set_order(order, ctx);
        self.load_card(ctx)
    }

    /// Loads the cached card (on first show and after a sync refreshed it).
    pub fn load_card(&self, ctx: &Ctx<'_>) -> Task<Message> {
        let store = ctx.store.clone();
        Task::perform(
            async move { store.run(|s| s.rate_card()).await },
            Message::Card,
        )
    }

    /// After a sync: re-read the order, to show it billed.
    pub fn synced(&self, ctx: &Ctx<'_>) -> Task<Message> {
        let Some(o) = &self.order else {
            return Task::none();
        };
        let store = ctx.store.clone();
        let no = o.order_no.clone();
        Task::perform(
            async move {
                store
                    .run(move |s| Ok(s.order(&no)?.map(|r| Box::new(r.order))))
                    .await
                    .ok()
                    .flatten()
            },
            Message::Refreshed,
        )
    }

    fn set_order(&mut self, o: Order, ctx: &Ctx<'_>) {
        let d = WaybillDraft::from_order(&o);
        self.form = Form {
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
        };
        self.order = Some(o);
        self.errors = FormErrors::default();
        self.notice = None;
        self.sent = None;
        self.requote(ctx);
    }

    /// The draft the form says, or the fields that do not parse.
    fn draft(&self, lang: i18n::Lang) -> Result<WaybillDraft, FormErrors> {
        let f = &self.form;
        let mut errors = FormErrors::default();
        let mut num = |s: &str, scale: f64, field: &str| match parse_decimal(s, scale) {
            Some(n) => n,
            None if s.trim().is_empty() => 0,
            None => {
                errors.add(lang, field, "not_a_number");
                0
            }
        };
        let pieces = num(&f.pieces, 1.0, "cargo.pieces");
        let weight_g = num(&f.weight, 1000.0, "cargo.weight_g");
        let volume_cm3 = num(&f.volume, 1_000_000.0, "cargo.volume_cm3");
        let declared = num(&f.declared, 100.0, "declared_value_fen");
        let cod = num(&f.cod, 100.0, "cod_amount_fen");
        let distance = num(&f.pickup_km, 1000.0, "pickup_distance_m");
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(WaybillDraft {
            waybill_no: f.waybill_no.trim().to_owned(),
            product_code: f.product.clone(),
            dest_province: f.dest_province.trim().to_owned(),
            dest_city: f.dest_city.trim().to_owned(),
            dest_district: f.dest_district.trim().to_owned(),
            consignee: Consignee {
                name: f.consignee.trim().to_owned(),
                phone: f.consignee_phone.trim().to_owned(),
                address: f.consignee_address.trim().to_owned(),
            },
            cargo: crate::domain::order::Cargo {
                name: f.cargo_name.trim().to_owned(),
                pieces,
                weight_g,
                volume_cm3,
                packaging: f.packaging.clone(),
            },
            declared_value_fen: declared,
            cod_amount_fen: cod,
            cod_refund: if f.same_day {
                CodRefund::SameDay
            } else {
                CodRefund::ThreeDay
            },
            payment: f.payment.unwrap_or(Payment::Sender),
            pickup_required: f.pickup,
            pickup_distance_m: distance,
            single_pickup_address: f.single,
            delivery: if f.door {
                Delivery::Door
            } else {
                Delivery::SelfPickup
            },
        })
    }

    /// Prices the form again (every keystroke: microseconds).
    fn requote(&mut self, ctx: &Ctx<'_>) {
        let lang = ctx.lang;
        let Some((cached, card)) = &self.card else {
            self.quote = Some(Err(ctx.t("wb.no_card")));
            return;
        };
        let Some(outlet) = ctx.tree.get(&ctx.user.outlet_code) else {
            self.quote = None;
            return;
        };
        let draft = match self.draft(lang) {
            Ok(d) => d,
            Err(e) => {
                self.errors = e;
                self.quote = Some(Err(ctx.t("wb.fix_fields")));
                return;
            }
        };
        let q = pricing::quote(
            &draft,
            outlet,
            card,
            &cached.products,
            &cached.price_params(),
            pricing::pricing_day(ctx.now),
        );
        self.errors = FormErrors::default();
        self.quote = Some(match q {
            Ok(q) => Ok(q),
            Err(QuoteError::Invalid(r)) => {
                self.errors = FormErrors::from_rule(lang, &r);
                Err(ctx.t("wb.fix_fields"))
            }
            Err(QuoteError::NoRate { route }) => {
                let msg = i18n::tf(lang, "err.no_rate", &[("route", &route)]);
                self.errors
                    .fields
                    .insert("dest_city".into(), i18n::rule(lang, "no_rate"));
                Err(msg)
            }
        });
    }

    /// Whether the order may be billed here now: accepted, or pending at
    /// an outlet in the user's subtree (accepted in the same step).
    fn billable(&self, ctx: &Ctx<'_>) -> Result<(), String> {
        let Some(o) = &self.order else {
            return Err(ctx.t("wb.pick_order"));
        };
        let scope = visibility::user_scope(&ctx.user.outlet_code, ctx.tree);
        let pending_here = o.status == Status::Pending
            && !visibility::is_pool(o.current_outlet_code.as_deref(), ctx.tree)
            && scope.contains(o.current_outlet_code.as_deref(), ctx.tree);
        if o.status == Status::Accepted || pending_here {
            Ok(())
        } else {
            let status = ctx.t(&format!("status.{}", o.status.as_str()));
            Err(i18n::tf(ctx.lang, "wb.wrong_state", &[("status", &status)]))
        }
    }

    /// Whether another outlet (outside the user's subtree) accepted it.
    fn accepted_elsewhere(&self, ctx: &Ctx<'_>) -> bool {
        self.order.as_ref().is_some_and(|o| {
            o.accepting_outlet_code
                .as_deref()
                .is_some_and(|a| !ctx.tree.is_within(a, &ctx.user.outlet_code))
        })
    }

    /// Handles a message; returns the work to do and what the app should know.
    pub fn update(&mut self, message: Message, ctx: &Ctx<'_>) -> (Task<Message>, Option<Event>) {
        let lang = ctx.lang;
        match message {
            Message::OrderNo(s) => self.order_no = s,
            Message::Logistics(s) => self.logistics = s,
            Message::Load => {
                let no = self.order_no.trim().to_owned();
                if no.is_empty() {
                    return (Task::none(), None);
                }
                let store = ctx.store.clone();
                let client = ctx.client.clone();
                let online = ctx.online;
                let find = Task::perform(
                    async move {
                        let cached = store
                            .run({
                                let no = no.clone();
                                move |s| Ok(s.order(&no)?.map(|r| Box::new(r.order)))
                            })
                            .await
                            .map_err(|e| e.to_string())?;
                        if cached.is_some() || !online {
                            return Ok(cached);
                        }
                        // Outside the user's view the server answers a
                        // summary only: the clerk fills the form in.
                        match client.order(&no).await {
                            Ok(crate::sync::OrderAnswer::Full(o)) => Ok(Some(o)),
                            Ok(crate::sync::OrderAnswer::Summary(s)) => {
                                Ok(Some(Box::new(from_summary(s))))
                            }
                            Err(e) if e.status() == Some(404) => Ok(None),
                            Err(e) => Err(e.user_message(lang)),
                        }
                    },
                    Message::Loaded,
                );
                return (Task::batch([find, self.load_card(ctx)]), None);
            }
            Message::Loaded(Ok(Some(o))) => self.set_order(*o, ctx),
            Message::Loaded(Ok(None)) => {
                self.order = None;
                self.notice = Some((ctx.t("wb.not_found"), Tone::Warning));
            }
            Message::Loaded(Err(e)) => self.notice = Some((e, Tone::Danger)),
            Message::Card(Ok(c)) => {
                let card = c.card();
                self.card = (!c.lines.is_empty()).then_some((c, card));
                self.requote(ctx);
            }
            Message::Card(Err(e)) => self.notice = Some((e.user_message(lang), Tone::Danger)),
            Message::Edit(field, v) => {
                let f = &mut self.form;
                let slot = match field {
                    Field::WaybillNo => &mut f.waybill_no,
                    Field::DestProvince => &mut f.dest_province,
                    Field::DestCity => &mut f.dest_city,
                    Field::DestDistrict => &mut f.dest_district,
                    Field::Consignee => &mut f.consignee,
                    Field::ConsigneePhone => &mut f.consignee_phone,
                    Field::ConsigneeAddress => &mut f.consignee_address,
                    Field::CargoName => &mut f.cargo_name,
                    Field::Pieces => &mut f.pieces,
                    Field::Weight => &mut f.weight,
                    Field::Volume => &mut f.volume,
                    Field::Declared => &mut f.declared,
                    Field::Cod => &mut f.cod,
                    Field::PickupKm => &mut f.pickup_km,
                };
                *slot = v;
                self.requote(ctx);
            }
            Message::Product(c) => {
                self.form.product = c.value;
                self.requote(ctx);
            }
            Message::Payment(c) => {
                self.form.payment = Some(c.value);
                self.requote(ctx);
            }
            Message::SameDay(b) => {
                self.form.same_day = b;
                self.requote(ctx);
            }
            Message::Pickup(b) => {
                self.form.pickup = b;
                self.requote(ctx);
            }
            Message::Single(b) => {
                self.form.single = b;
                self.requote(ctx);
            }
            Message::Door(b) => {
                self.form.door = b;
                self.requote(ctx);
            }
            Message::Submit => {
                if let Err(why) = self.billable(ctx) {
                    self.notice = Some((why, Tone::Warning));
                    return (Task::none(), None);
                }
                if self.accepted_elsewhere(ctx) {
                    self.confirm = true;
                    return (Task::none(), None);
                }
                return self.send(ctx);
            }
            Message::ConfirmElsewhere(yes) => {
                self.confirm = false;
                if yes {
                    return self.send(ctx);
                }
            }
            Message::Queued(Ok(_)) => {
                self.notice = Some((ctx.t("wb.queued"), Tone::Info));
                return (Task::none(), Some(Event::ActionQueued));
            }
            Message::Queued(Err(e)) => self.notice = Some((e.user_message(lang), Tone::Danger)),
            Message::Refreshed(Some(o)) => {
                if o.status == Status::Billed {
                    let no = o.waybill_no.clone().unwrap_or_default();
                    self.notice =
                        Some((i18n::tf(lang, "wb.billed", &[("no", &no)]), Tone::Success));
                }
                self.order = Some(*o);
            }
            Message::Refreshed(None) => {}
        }
        (Task::none(), None)
    }

    /// Checks the form in full and queues the import.
    fn send(&mut self, ctx: &Ctx<'_>) -> (Task<Message>, Option<Event>) {
        let lang = ctx.lang;
        let draft = match self.draft(lang) {
            Ok(d) => d,
            Err(e) => {
                self.errors = e;
                return (Task::none(), None);
            }
        };
        let pattern = self
            .card
            .as_ref()
            .and_then(|(c, _)| c.number_pattern())
            .and_then(|p| WaybillPattern::new(&p).ok())
            .unwrap_or_default();
        let products = self
            .card
            .as_ref()
            .map(|(c, _)| c.products.clone())
            .filter(|p| !p.is_empty())
            .unwrap_or_else(pricing::standard_products);
        if let Err(e) = draft.check(&products, &pattern) {
            self.errors = FormErrors::from_rule(lang, &e);
            self.notice = self.errors.general.clone().map(|g| (g, Tone::Danger));
            return (Task::none(), None);
        }
        let Some(o) = &self.order else {
            return (Task::none(), None);
        };
        let scope = visibility::user_scope(&ctx.user.outlet_code, ctx.tree);
        let logistics = (!scope.sees(o, ctx.tree))
            .then(|| self.logistics.trim().to_owned())
            .filter(|l| !l.is_empty());
        self.sent = self.quote.clone().and_then(Result::ok);
        let action = Action::ImportWaybill {
            waybill: Box::new(draft),
            logistics_no: logistics,
            accept: None,
        };
        let store = ctx.store.clone();
        let no = o.order_no.clone();
        (
            Task::perform(
                async move { store.run(move |s| s.enqueue(&no, &action)).await },
                Message::Queued,
            ),
            None,
        )
    }

    /// Draws the form and the quote beside it.
    pub fn view<'a>(&'a self, ctx: &Ctx<'a>) -> Element<'a, Message> {
        let lang = ctx.lang;
        let t = |k: &str| ctx.t(k);
        let top = row![
            text_input(&t("wb.order_no"), &self.order_no)
                .on_input(Message::OrderNo)
                .on_submit(Message::Load)
                .padding(5)
                .width(200),
            text_input(&t("wb.logistics_no"), &self.logistics)
                .on_input(Message::Logistics)
                .on_submit(Message::Load)
                .padding(5)
                .width(260),
            widget::tool(
                t("wb.load"),
                (!self.order_no.trim().is_empty()).then_some(Message::Load)
            ),
        ]
        .spacing(8)
        .align_y(Alignment::Center);
        let mut body = column![text(t("wb.title")).size(18), top].spacing(8);
        if let Some((n, tone)) = &self.notice {
            body = body.push(widget::banner(text(n.as_str()), *tone));
        }
        if self.order.is_none() {
            body = body.push(widget::muted(t("wb.pick_order")));
            return body.padding(10).into();
        }
        let form = container(scrollable(self.form_view(ctx)).spacing(4))
            .width(Length::FillPortion(6))
            .height(Length::Fill)
            .padding(8)
            .style(crate::ui::theme::container::bordered_box);
        let quote = container(scrollable(self.quote_view(ctx)).spacing(4))
            .width(Length::FillPortion(4))
            .height(Length::Fill)
            .padding(8)
            .style(crate::ui::theme::container::bordered_box);
        body = body.push(row![form, quote].spacing(8).height(Length::Fill));
        let base: Element<'a, Message> = body.padding(10).into();
        if self.confirm {
            widget::modal(
                base,
                widget::confirm(
                    t("wb.title"),
                    t("wb.confirm_elsewhere"),
                    (i18n::t(lang, "dialog.yes"), Message::ConfirmElsewhere(true)),
                    (i18n::t(lang, "dialog.no"), Message::ConfirmElsewhere(false)),
                ),
            )
        } else {
            base
        }
    }

    fn form_view<'a>(&'a self, ctx: &Ctx<'a>) -> Element<'a, Message> {
        let t = |k: &str| ctx.t(k);
        let f = &self.form;
        let input = |key: &str, value: &'a str, field: Field, err: &str| {
            let hint = if field == Field::WaybillNo {
                t("wb.waybill_no_hint")
            } else {
                String::new()
            };
            widget::field(
                t(key),
                text_input(&hint, value)
                    .on_input(move |v| Message::Edit(field, v))
                    .padding(4),
                self.errors.get(err),
            )
        };
        let products: Vec<Choice<String>> = self
            .card
            .as_ref()
            .map(|(c, _)| c.products.clone())
            .filter(|p| !p.is_empty())
            .unwrap_or_else(pricing::standard_products)
            .into_iter()
            .map(|p| Choice {
                label: t(&format!("product.{}", p.code)),
                value: p.code,
            })
            .collect();
        let current = products.iter().find(|c| c.value == f.product).cloned();
        let payments: Vec<Choice<Payment>> = [Payment::Sender, Payment::Receiver, Payment::Monthly]
            .into_iter()
            .map(|p| Choice {
                label: t(match p {
                    Payment::Sender => "payment.sender",
                    Payment::Receiver => "payment.receiver",
                    Payment::Monthly => "payment.monthly",
                }),
                value: p,
            })
            .collect();
        let payment = payments
            .iter()
            .find(|c| Some(c.value) == f.payment)
            .cloned();
        column![
            row![
                input(
                    "wb.waybill_no",
                    &f.waybill_no,
                    Field::WaybillNo,
                    "waybill_no"
                ),
                widget::field(
                    t("wb.product"),
                    pick_list(products, current, Message::Product).padding(4),
                    self.errors.get("product_code"),
                ),
            ]
            .spacing(8),
            row![
                input(
                    "wb.dest_province",
                    &f.dest_province,
                    Field::DestProvince,
                    "dest_province"
                ),
                input("wb.dest_city", &f.dest_city, Field::DestCity, "dest_city"),
                input(
                    "wb.dest_district",
                    &f.dest_district,
                    Field::DestDistrict,
                    "dest_district"
                ),
            ]
            .spacing(8),
            row![
                input(
                    "wb.consignee",
                    &f.consignee,
                    Field::Consignee,
                    "consignee.name"
                ),
                input(
                    "wb.consignee_phone",
                    &f.consignee_phone,
                    Field::ConsigneePhone,
                    "consignee.phone"
                ),
            ]
            .spacing(8),
            input(
                "wb.consignee_address",
                &f.consignee_address,
                Field::ConsigneeAddress,
                "consignee.address"
            ),
            row![
                input(
                    "wb.cargo_name",
                    &f.cargo_name,
                    Field::CargoName,
                    "cargo.name"
                ),
                input("wb.pieces", &f.pieces, Field::Pieces, "cargo.pieces"),
                input("wb.weight", &f.weight, Field::Weight, "cargo.weight_g"),
                input("wb.volume", &f.volume, Field::Volume, "cargo.volume_cm3"),
            ]
            .spacing(8),
            row![
                input(
                    "wb.declared",
                    &f.declared,
                    Field::Declared,
                    "declared_value_fen"
                ),
                input("wb.cod", &f.cod, Field::Cod, "cod_amount_fen"),
                widget::field(
                    t("wb.payment"),
                    pick_list(payments, payment, Message::Payment).padding(4),
                    None,
                ),
            ]
            .spacing(8),
            row![
                checkbox(f.same_day)
                    .label(t("wb.cod_same_day"))
                    .on_toggle(Message::SameDay),
                checkbox(f.pickup)
                    .label(t("wb.pickup"))
                    .on_toggle(Message::Pickup),
                checkbox(f.single)
                    .label(t("wb.single_address"))
                    .on_toggle(Message::Single),
                checkbox(f.door)
                    .label(t("wb.door"))
                    .on_toggle(Message::Door),
            ]
            .spacing(12)
            .wrap(),
            row![
                input(
                    "wb.pickup_km",
                    &f.pickup_km,
                    Field::PickupKm,
                    "pickup_distance_m"
                ),
                space::horizontal(),
            ]
            .spacing(8),
            widget::tool(t("wb.submit"), Some(Message::Submit)),
        ]
        .spacing(8)
        .into()
    }

    fn quote_view<'a>(&'a self, ctx: &Ctx<'a>) -> Element<'a, Message> {
        let lang = ctx.lang;
        let t = |k: &str| ctx.t(k);
        let mut col = column![text(t("wb.quote")).size(15).font(crate::ui::font::BOLD)].spacing(4);
        match &self.quote {
            None => {}
            Some(Err(why)) => col = col.push(widget::error_line(why.clone())),
            Some(Ok(q)) => col = col.push(quote_lines(lang, q)),
        }
        // The server's figures, once the billed order is back, when they
        // differ from what was shown.
        if let Some(w) = self.order.as_ref().and_then(|o| o.waybill.as_ref()) {
            let differs = self
                .sent
                .as_ref()
                .is_some_and(|s| s.charges != w.quote.charges || s.total_fen != w.quote.total_fen);
            if differs {
                col = col
                    .push(widget::banner(text(t("wb.server_differs")), Tone::Warning))
                    .push(text(t("wb.server")).size(15).font(crate::ui::font::BOLD))
                    .push(quote_lines(lang, &w.quote));
            }
        }
        col.into()
    }
}

/// The lines of a quote: each charge, each Ali discount with its reason,
/// the totals and which basis set the freight.
pub fn quote_lines<'a, M: 'a>(lang: i18n::Lang, q: &Quote) -> Element<'a, M> {
    let t = |k: &str| i18n::t(lang, k);
    let line = |label: String, amount: String| {
        row![
            text(label).size(13).width(Length::Fill),
            text(amount).size(13)
        ]
        .spacing(8)
    };
    let mut col = column![].spacing(3);
    for c in &q.charges {
        col = col.push(line(
            format!(
                "{} ({})",
                t(&format!("charge.{}", c.code.as_str())),
                t(&format!("basis.{}", c.basis))
            ),
            yuan(c.amount_fen),
        ));
    }
    for d in &q.discounts {
        col = col.push(line(
            format!("− {}", t(&d.code.reason_key())),
            format!("−{}", yuan(d.amount_fen)),
        ));
    }
    let basis = t(&format!("basis.{}", q.freight_basis.as_str()));
    col.push(line(t("wb.published"), yuan(q.published_fen)))
        .push(line(
            t("wb.discount_total"),
            format!("−{}", yuan(q.discount_fen)),
        ))
        .push(line(t("wb.payable"), yuan(q.total_fen)))
        .push(line(t("wb.prepaid"), yuan(q.prepaid_fen)))
        .push(line(t("wb.collect"), yuan(q.collect_fen)))
        .push(widget::muted(i18n::tf(lang, "wb.freight_by", &[("basis", &basis)])).size(12))
        .into()
}
