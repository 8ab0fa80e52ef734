//! Drawing 开单: the order/logistics row, the form and the quote beside it.

use iced::widget::{
    checkbox, column, container, pick_list, row, scrollable, space, text, text_input,
};
use iced::{Alignment, Length};

use super::{Field, Message, State};
use crate::domain::order::Payment;
use crate::domain::pricing;
use crate::i18n;
use crate::ui::Element;
use crate::ui::screen::Ctx;
use crate::ui::widget::{self, Choice};

impl State {
    /// Draws the form and the quote beside it.
    pub fn view<'a>(&'a self, ctx: &Ctx<'a>) -> Element<'a, Message> {
        let lang = ctx.lang;
        let t = |k: &str| ctx.t(k);
        let mut body = column![text(t("wb.title")).size(18), self.find_row(ctx)].spacing(8);
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

    /// The order-number and logistics-number boxes with 调出订单.
    fn find_row<'a>(&'a self, ctx: &Ctx<'a>) -> Element<'a, Message> {
        let t = |k: &str| ctx.t(k);
        row![
            text_input(&t("wb.order_no"), &self.order_no)
                .on_input(Message::OrderNo)
                .on_submit(Message::Load)
                .padding(5)
                .width(200),
            text_input(&t("wb.logistics_no"), &self.logistics)
                .on_input(Message::Logistics)
                .on_submit(Message::Load)
                .padding(5)
                .width(340),
            widget::tool(
                t("wb.load"),
                (!self.order_no.trim().is_empty()).then_some(Message::Load)
            ),
        ]
        .spacing(8)
        .align_y(Alignment::Center)
        .into()
    }

    /// One labelled text field of the form, with its error.
    fn input<'a>(
        &'a self,
        ctx: &Ctx<'a>,
        key: &str,
        value: String,
        field: Field,
        err: &str,
    ) -> Element<'a, Message> {
        let hint = if field == Field::WaybillNo {
            ctx.t("wb.waybill_no_hint")
        } else {
            String::new()
        };
        widget::field(
            ctx.t(key),
            text_input(&hint, &value)
                .on_input(move |v| Message::Edit(field, v))
                .padding(4),
            self.errors.get(err),
        )
    }

    fn form_view<'a>(&'a self, ctx: &Ctx<'a>) -> Element<'a, Message> {
        // The text is copied into each input anyway: read it off a copy.
        let mut form = self.form.clone();
        let mut input =
            |key, field, err| self.input(ctx, key, form.slot(field).clone(), field, err);
        column![
            // Product names run long in English ("Precision Road Freight,
            // short haul"): at 1024 px with 大字体 even two thirds of the
            // line cut them (and the waybill number's hint), so each has
            // a line of its own.
            input("wb.waybill_no", Field::WaybillNo, "waybill_no"),
            self.product_pick(ctx),
            row![
                input("wb.dest_province", Field::DestProvince, "dest_province"),
                input("wb.dest_city", Field::DestCity, "dest_city"),
                input("wb.dest_district", Field::DestDistrict, "dest_district"),
            ]
            .spacing(8),
            row![
                input("wb.consignee", Field::Consignee, "consignee.name"),
                input(
                    "wb.consignee_phone",
                    Field::ConsigneePhone,
                    "consignee.phone"
                ),
            ]
            .spacing(8),
            input(
                "wb.consignee_address",
                Field::ConsigneeAddress,
                "consignee.address"
            ),
            row![
                input("wb.cargo_name", Field::CargoName, "cargo.name"),
                input("wb.pieces", Field::Pieces, "cargo.pieces"),
                input("wb.weight", Field::Weight, "cargo.weight_g"),
                input("wb.volume", Field::Volume, "cargo.volume_cm3"),
            ]
            .spacing(8),
            row![
                input("wb.declared", Field::Declared, "declared_value_fen"),
                input("wb.cod", Field::Cod, "cod_amount_fen"),
                self.payment_pick(ctx),
            ]
            .spacing(8),
            self.options_row(ctx),
            row![
                input("wb.pickup_km", Field::PickupKm, "pickup_distance_m"),
                space::horizontal(),
            ]
            .spacing(8),
            widget::tool(ctx.t("wb.submit"), Some(Message::Submit)),
        ]
        .spacing(8)
        .into()
    }

    /// 运输性质: the card's products, else the standard ones.
    fn product_pick<'a>(&'a self, ctx: &Ctx<'a>) -> Element<'a, Message> {
        let products: Vec<Choice<String>> = self
            .card
            .as_ref()
            .map(|(c, _)| c.products.clone())
            .filter(|p| !p.is_empty())
            .unwrap_or_else(pricing::standard_products)
            .into_iter()
            .map(|p| Choice {
                label: ctx.t(&format!("product.{}", p.code)),
                value: p.code,
            })
            .collect();
        let current = products
            .iter()
            .find(|c| c.value == self.form.product)
            .cloned();
        widget::field(
            ctx.t("wb.product"),
            pick_list(products, current, Message::Product)
                .padding(4)
                .width(Length::Fill),
            self.errors.get("product_code"),
        )
    }

    /// 付款方式.
    fn payment_pick<'a>(&'a self, ctx: &Ctx<'a>) -> Element<'a, Message> {
        let payments: Vec<Choice<Payment>> = [Payment::Sender, Payment::Receiver, Payment::Monthly]
            .into_iter()
            .map(|p| Choice {
                label: ctx.t(match p {
                    Payment::Sender => "payment.sender",
                    Payment::Receiver => "payment.receiver",
                    Payment::Monthly => "payment.monthly",
                }),
                value: p,
            })
            .collect();
        let payment = payments
            .iter()
            .find(|c| Some(c.value) == self.form.payment)
            .cloned();
        widget::field(
            ctx.t("wb.payment"),
            pick_list(payments, payment, Message::Payment).padding(4),
            None,
        )
    }

    /// 即日退, 上门接货, 同一提货地, 送货上门.
    fn options_row<'a>(&'a self, ctx: &Ctx<'a>) -> Element<'a, Message> {
        let f = &self.form;
        let t = |k: &str| ctx.t(k);
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
        .wrap()
        .into()
    }
}
