//! The live quote beside the 开单 form: priced locally on every change
//! from the cached card, and the server's figures when they differ.

use iced::Length;
use iced::widget::{column, row, text};

use super::State;
use crate::domain::pricing::{self, Quote, QuoteError};
use crate::i18n;
use crate::ui::Element;
use crate::ui::format::yuan;
use crate::ui::screen::Ctx;
use crate::ui::screen::form::FormErrors;
use crate::ui::theme::Tone;
use crate::ui::widget;

impl State {
    /// Prices the form again (every keystroke: microseconds).
    pub(super) fn requote(&mut self, ctx: &Ctx<'_>) {
        let lang = ctx.lang;
        let Some((cached, card)) = &self.card else {
            self.quote = Some(Err(ctx.t("wb.no_card")));
            return;
        };
        let Some(outlet) = ctx.tree.get(&ctx.user.outlet_code) else {
            self.quote = None;
            return;
        };
        let draft = match self.form.draft(lang) {
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

    pub(super) fn quote_view<'a, M: 'a>(&'a self, ctx: &Ctx<'a>) -> Element<'a, M> {
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
