//! 开单: import an accepted Ali order into a waybill (SPEC 3.5). The form
//! is pre-filled from the order; beside it a live quote, computed here by
//! the same domain function the hub uses, on the cached rate card (so it
//! is instant and works offline). The import goes through the outbox like
//! any action; the server prices again and its figures are stored.

mod form;
mod quote;
mod view;

use iced::Task;

use super::form::FormErrors;
use super::{Ctx, Lost};
use crate::domain::order::{Order, Payment, Status};
use crate::domain::pricing::{self, Quote, RateCard, WaybillPattern};
use crate::domain::{Action, visibility};
use crate::i18n;
use crate::store::{CachedCard, StoreError};
use crate::ui::theme::Tone;
use crate::ui::widget::Choice;
use form::Form;
pub use quote::quote_lines;

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
        self.form = Form::of(&o);
        self.order = Some(o);
        self.errors = FormErrors::default();
        self.notice = None;
        self.sent = None;
        self.requote(ctx);
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
        match message {
            Message::OrderNo(s) => self.order_no = s,
            Message::Logistics(s) => self.logistics = s,
            Message::Load => return (self.load(ctx), None),
            Message::Loaded(r) => self.loaded(r, ctx),
            Message::Card(r) => self.card_loaded(r, ctx),
            Message::Submit => return self.submit(ctx),
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
            Message::Queued(Err(e)) => self.notice = Some((e.user_message(ctx.lang), Tone::Danger)),
            Message::Refreshed(o) => self.refreshed(o, ctx),
            edit => self.edit(edit, ctx),
        }
        (Task::none(), None)
    }

    /// 调出订单: the order from the cache, else (online) from the server.
    fn load(&self, ctx: &Ctx<'_>) -> Task<Message> {
        let no = self.order_no.trim().to_owned();
        if no.is_empty() {
            return Task::none();
        }
        let lang = ctx.lang;
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
                        Ok(Some(Box::new(form::from_summary(s))))
                    }
                    Err(e) if e.status() == Some(404) => Ok(None),
                    Err(e) => Err(e.user_message(lang)),
                }
            },
            Message::Loaded,
        );
        Task::batch([find, self.load_card(ctx)])
    }

    fn loaded(&mut self, r: Result<Option<Box<Order>>, String>, ctx: &Ctx<'_>) {
        match r {
            Ok(Some(o)) => self.set_order(*o, ctx),
            Ok(None) => {
                self.order = None;
                self.notice = Some((ctx.t("wb.not_found"), Tone::Warning));
            }
            Err(e) => self.notice = Some((e, Tone::Danger)),
        }
    }

    fn card_loaded(&mut self, r: Result<CachedCard, StoreError>, ctx: &Ctx<'_>) {
        match r {
            Ok(c) => {
                let card = c.card();
                self.card = (!c.lines.is_empty()).then_some((c, card));
                self.requote(ctx);
            }
            Err(e) => self.notice = Some((e.user_message(ctx.lang), Tone::Danger)),
        }
    }

    /// A change to the form: take it and price again.
    fn edit(&mut self, message: Message, ctx: &Ctx<'_>) {
        let f = &mut self.form;
        match message {
            Message::Edit(field, v) => *f.slot(field) = v,
            Message::Product(c) => f.product = c.value,
            Message::Payment(c) => f.payment = Some(c.value),
            Message::SameDay(b) => f.same_day = b,
            Message::Pickup(b) => f.pickup = b,
            Message::Single(b) => f.single = b,
            Message::Door(b) => f.door = b,
            _ => return,
        }
        self.requote(ctx);
    }

    /// 开单: refuse a state that cannot be billed, ask about an order
    /// accepted elsewhere, else queue the import.
    fn submit(&mut self, ctx: &Ctx<'_>) -> (Task<Message>, Option<Event>) {
        if let Err(why) = self.billable(ctx) {
            self.notice = Some((why, Tone::Warning));
            return (Task::none(), None);
        }
        if self.accepted_elsewhere(ctx) {
            self.confirm = true;
            return (Task::none(), None);
        }
        self.send(ctx)
    }

    fn refreshed(&mut self, o: Option<Box<Order>>, ctx: &Ctx<'_>) {
        let Some(o) = o else {
            return;
        };
        if o.status == Status::Billed {
            let no = o.waybill_no.clone().unwrap_or_default();
            self.notice = Some((
                i18n::tf(ctx.lang, "wb.billed", &[("no", &no)]),
                Tone::Success,
            ));
        }
        self.order = Some(*o);
    }

    /// Checks the form in full and queues the import.
    fn send(&mut self, ctx: &Ctx<'_>) -> (Task<Message>, Option<Event>) {
        let lang = ctx.lang;
        let draft = match self.form.draft(lang) {
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
}
