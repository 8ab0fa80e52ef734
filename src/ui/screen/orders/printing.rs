//! 打印 from 阿里订单受理: ticking orders (checkbox, Ctrl/Shift+click,
//! Ctrl+A on the page), opening the preview on them (Ctrl+P), keeping its
//! layouts on this PC and recording `printed` once the batch went out.

use iced::Task;
use iced::keyboard::Modifiers;

use super::{Dialog, Event, Message, State};
use crate::domain::Action;
use crate::domain::print::Document;
use crate::i18n;
use crate::sync::OrderAnswer;
use crate::ui::notice::Notice;
use crate::ui::screen::Ctx;
use crate::ui::screen::print::{self as preview, Preview};
use crate::ui::theme::Tone;

impl State {
    /// How many orders are ticked.
    pub fn marked_count(&self) -> usize {
        self.marked.len()
    }

    /// Whether the order is ticked.
    pub(super) fn is_marked(&self, no: &str) -> bool {
        self.marked.contains_key(no)
    }

    /// A row clicked with the modifiers held: Ctrl toggles its tick, Shift
    /// ticks the rows from the last one clicked to it.
    pub(super) fn click_marks(&mut self, no: &str) {
        let mods: Modifiers = self.mods;
        if mods.shift()
            && let Some(anchor) = self.anchor.clone()
        {
            let at = |n: &str| self.rows.iter().position(|r| r.order.order_no == n);
            if let (Some(a), Some(b)) = (at(&anchor), at(no)) {
                let (from, to) = (a.min(b), a.max(b));
                for r in &self.rows[from..=to] {
                    self.marked
                        .insert(r.order.order_no.clone(), r.order.clone());
                }
            }
            return;
        }
        if mods.command() {
            self.mark(no, !self.is_marked(no));
        }
        self.anchor = Some(no.to_owned());
    }

    pub(super) fn mark(&mut self, no: &str, on: bool) {
        if !on {
            self.marked.remove(no);
        } else if let Some(r) = self.rows.iter().find(|r| r.order.order_no == no) {
            self.marked.insert(no.to_owned(), r.order.clone());
        }
        self.anchor = Some(no.to_owned());
    }

    /// The ticked orders as the clerk sees them: this page's in the list's
    /// order, then those ticked on other pages by order number.
    fn marked_in_list_order(&self) -> Vec<crate::domain::Order> {
        let place: std::collections::HashMap<&str, usize> = self
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r.order.order_no.as_str(), i))
            .collect();
        let mut orders: Vec<crate::domain::Order> = self.marked.values().cloned().collect();
        // Stable: marks off this page keep the map's order-number order.
        orders.sort_by_key(|o| {
            place
                .get(o.order_no.as_str())
                .copied()
                .unwrap_or(usize::MAX)
        });
        orders
    }

    /// Handles the printing messages.
    pub(super) fn update_print(
        &mut self,
        message: Message,
        ctx: &Ctx<'_>,
    ) -> (Task<Message>, Option<Event>) {
        match message {
            Message::Mark(no, on) => self.mark(&no, on),
            Message::MarkPage => {
                for r in &self.rows {
                    self.marked
                        .insert(r.order.order_no.clone(), r.order.clone());
                }
            }
            Message::ClearMarks => self.marked.clear(),
            Message::Modifiers(m) => self.mods = m,
            Message::OpenPrint => {
                if self.marked.is_empty()
                    && let Some(r) = self.selected_row()
                {
                    self.marked
                        .insert(r.order.order_no.clone(), r.order.clone());
                }
                if self.marked.is_empty() {
                    self.notice = Some(Notice::new(ctx.t("print.none_selected"), Tone::Warning));
                    return (Task::none(), None);
                }
                return (open_preview(self.marked_in_list_order(), ctx), None);
            }
            Message::PrintQuery => {
                // The order 查询 found, whether or not it is in the list:
                // the ticks stay as they were.
                if let Some(Dialog::Query(Ok(OrderAnswer::Full(o)))) = &self.dialog {
                    let order = (**o).clone();
                    self.dialog = None;
                    return (open_preview(vec![order], ctx), None);
                }
            }
            Message::PrintLayouts(orders, setup) => {
                let admin = ctx.user.role == crate::domain::Role::Admin;
                let (p, task) = Preview::open(
                    orders,
                    setup,
                    Document::Label,
                    ctx.lang,
                    ctx.now,
                    admin,
                    ctx.store,
                );
                self.preview = Some(p);
                return (task.map(Message::Preview), None);
            }
            Message::Preview(m) => return self.preview_message(m, ctx),
            Message::PrintRecorded(Ok(n)) => {
                self.notice = Some(Notice::new(
                    i18n::tf(ctx.lang, "print.recorded", &[("n", &n.to_string())]),
                    Tone::Success,
                ));
                return (self.reload(ctx), Some(Event::ActionQueued));
            }
            Message::PrintRecorded(Err(e)) => {
                self.notice = Some(Notice::new(e.user_message(ctx.lang), Tone::Danger));
            }
            _ => {}
        }
        (Task::none(), None)
    }

    fn preview_message(
        &mut self,
        m: preview::Message,
        ctx: &Ctx<'_>,
    ) -> (Task<Message>, Option<Event>) {
        let Some(p) = self.preview.as_mut() else {
            return (Task::none(), None);
        };
        let done = p.done(&m);
        let (task, event) = p.update(m);
        let mut tasks = vec![task.map(Message::Preview)];
        for ev in event.into_iter().chain(done) {
            match ev {
                preview::Event::SaveLayouts(layouts) => {
                    let store = ctx.store.clone();
                    tasks.push(
                        Task::perform(
                            async move { store.run(move |s| s.save_print_layouts(&layouts)).await },
                            |_| (),
                        )
                        .discard(),
                    );
                }
                preview::Event::Publish { layout, version } => {
                    let (client, store) = (ctx.client.clone(), ctx.store.clone());
                    tasks.push(Task::perform(
                        preview::publish(client, store, layout, version),
                        |r| Message::Preview(preview::Message::Published(r)),
                    ));
                }
                preview::Event::Printed {
                    document,
                    copies,
                    orders,
                } => {
                    let store = ctx.store.clone();
                    let n = orders.len();
                    tasks.push(Task::perform(
                        async move {
                            store
                                .run(move |s| {
                                    for no in &orders {
                                        s.enqueue(
                                            no,
                                            &Action::Printed {
                                                document: document.as_str().to_owned(),
                                                copies: i64::from(copies),
                                            },
                                        )?;
                                    }
                                    Ok(n)
                                })
                                .await
                        },
                        Message::PrintRecorded,
                    ));
                }
                preview::Event::Close => {
                    self.preview = None;
                }
            }
        }
        (Task::batch(tasks), None)
    }
}

impl State {
    /// The sync fetched the network's print templates anew: an open
    /// preview takes them from the cache (off the GUI thread).
    pub fn templates_refreshed(&self, ctx: &Ctx<'_>) -> Task<Message> {
        if self.preview.is_none() {
            return Task::none();
        }
        let store = ctx.store.clone();
        Task::perform(
            async move {
                store
                    .run(|s| s.print_setup())
                    .await
                    .inspect_err(|e| tracing::warn!("print templates not read: {e}"))
                    .ok()
            },
            |r| r,
        )
        .and_then(|setup| {
            Task::done(Message::Preview(preview::Message::NetworkTemplates(
                Box::new(setup),
            )))
        })
    }
}

/// Reads the layouts this PC prints with (off the GUI thread), then opens
/// the preview of `orders`.
fn open_preview(orders: Vec<crate::domain::Order>, ctx: &Ctx<'_>) -> Task<Message> {
    let store = ctx.store.clone();
    Task::perform(async move { store.run(|s| s.print_setup()).await }, |r| {
        Message::PrintLayouts(orders, r.unwrap_or_default())
    })
}

impl State {
    /// The first cell of a row: the order number; the logistics number
    /// beside the row's print tick.
    pub(super) fn number_cell<'a>(
        &self,
        o: &'a crate::domain::Order,
    ) -> iced::widget::Column<'a, Message, crate::ui::theme::AppTheme> {
        use iced::widget::{checkbox, column, text};
        let no = o.order_no.clone();
        column![
            // The column is as wide as the longest number (`columns`).
            text(o.order_no.as_str())
                .size(super::columns::NUMBER_SIZE)
                .wrapping(text::Wrapping::WordOrGlyph),
            checkbox(self.is_marked(&o.order_no))
                .label(o.logistics_no.as_str())
                .size(12)
                .text_size(super::columns::LOGISTICS_SIZE)
                .spacing(4)
                .width(iced::Length::Fill)
                // Never over the next column, should it ever be narrower.
                .text_wrapping(text::Wrapping::WordOrGlyph)
                .on_toggle(move |on| Message::Mark(no.clone(), on)),
        ]
    }
}

#[cfg(test)]
mod tests {
    use iced::keyboard::Modifiers;

    use super::State;
    use crate::store::{OrderRow, OutboxState};

    fn state(n: usize) -> State {
        let rows = (1..=n)
            .map(|i| {
                let order = serde_json::from_value(serde_json::json!({
                    "order_no": format!("O-{i}"),
                    "shipper": {"name": "甲"}, "consignee": {"name": "乙"},
                    "cargo": {"name": "货", "pieces": 1, "weight_g": 1000, "volume_cm3": 1000},
                    "transport_mode": "standard", "declared_value": 100, "payment": "sender",
                    "created_at": "2026-11-29T01:00:00Z", "updated_at": "2026-11-29T01:00:00Z",
                    "status": "pending"
                }))
                .expect("order");
                OrderRow {
                    order,
                    outbox: OutboxState::None,
                    pending_action: None,
                }
            })
            .collect();
        State {
            rows,
            ..State::default()
        }
    }

    fn ticked(s: &State) -> Vec<&str> {
        s.marked.keys().map(String::as_str).collect()
    }

    #[test]
    fn ctrl_click_toggles_and_shift_click_ticks_a_range() {
        let mut s = state(5);
        s.click_marks("O-2");
        assert!(ticked(&s).is_empty(), "a plain click only selects");
        s.mods = Modifiers::CTRL;
        s.click_marks("O-2");
        assert_eq!(ticked(&s), ["O-2"]);
        s.mods = Modifiers::SHIFT;
        s.click_marks("O-4");
        assert_eq!(ticked(&s), ["O-2", "O-3", "O-4"]);
        s.mods = Modifiers::CTRL;
        s.click_marks("O-3");
        assert_eq!(ticked(&s), ["O-2", "O-4"]);
    }
}
