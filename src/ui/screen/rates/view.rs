//! Drawing 价格方案: filters, the file row, the rate-line list (rows like
//! the orders list) and the line's form with its tier table.

use iced::widget::{
    button, column, container, pick_list, row, scrollable, space, text, text_input,
};
use iced::{Alignment, Length};

use super::{Draft, LineField, Message, State};
use crate::api::RateLine;
use crate::domain::pricing::{self, given};
use crate::i18n;
use crate::ui::Element;
use crate::ui::format::yuan;
use crate::ui::screen::Ctx;
use crate::ui::theme::{self, AppTheme as Theme};
use crate::ui::widget::{self, Choice};

/// The list's columns: heading key and width share.
const COLUMNS: [(&str, u16); 6] = [
    ("rates.filter_product", 15),
    ("rates.origin", 9),
    ("rates.dest", 13),
    ("rates.via", 8),
    ("rates.min", 8),
    ("rates.valid", 14),
];

/// The form's text fields by row: label key, field, error key.
const FORM_ROWS: [&[(&str, LineField, &str)]; 3] = [
    &[
        (
            "field.origin_province",
            LineField::OriginProvince,
            "origin_province",
        ),
        ("field.origin_city", LineField::OriginCity, "origin_city"),
    ],
    &[
        (
            "field.dest_province",
            LineField::DestProvince,
            "dest_province",
        ),
        ("field.dest_city", LineField::DestCity, "dest_city"),
        (
            "field.dest_district",
            LineField::DestDistrict,
            "dest_district",
        ),
    ],
    &[
        ("field.via_province", LineField::ViaProvince, "via_province"),
        ("field.via_city", LineField::ViaCity, "via_city"),
        ("rates.min", LineField::Min, "min_charge_fen"),
        ("rates.from", LineField::From, "effective_from"),
        ("rates.to", LineField::To, "effective_to"),
    ],
];

/// The tier table's headings, in the order of a tier's four cells.
const TIER_HEADINGS: [&str; 4] = [
    "rates.tier_weight",
    "rates.tier_heavy",
    "rates.tier_volume",
    "rates.tier_light",
];

impl State {
    /// 共 n 条, or 正在加载… until the server has answered.
    pub(super) fn count_label(&self, lang: crate::i18n::Lang) -> String {
        if self.answered {
            i18n::tf(lang, "rates.count", &[("n", &self.lines.len().to_string())])
        } else {
            i18n::t(lang, "rates.loading")
        }
    }

    /// Draws the filters, the list, the form and the file row.
    pub fn view<'a>(&'a self, ctx: &Ctx<'a>) -> Element<'a, Message> {
        let lang = ctx.lang;
        let t = |k: &str| ctx.t(k);
        let count = self.count_label(lang);
        let title = row![text(t("rates.title")).size(18), widget::muted(count)]
            .spacing(12)
            .align_y(Alignment::Center);
        let mut col = column![title, self.filter_row(ctx), self.file_row(ctx)].spacing(8);
        if let Some((n, tone)) = &self.notice {
            col = col.push(widget::banner(text(n.as_str()), *tone));
        }
        for c in &self.bad_cells {
            col = col.push(widget::error_line(i18n::tf(
                lang,
                "rates.cell",
                &[
                    ("row", &c.row.to_string()),
                    ("column", &c.column),
                    ("message", &c.message),
                ],
            )));
        }
        let body = widget::list_over_form(
            self.list_view(ctx),
            self.form_view(ctx),
            self.draft.is_some() || self.selected.is_some(),
        );
        let base: Element<'a, Message> = col.push(body).padding(10).into();
        if self.confirm {
            widget::modal(
                base,
                widget::confirm(
                    t("rates.retire"),
                    t("rates.retire_confirm"),
                    (t("dialog.yes"), Message::ConfirmRetire(true)),
                    (t("dialog.no"), Message::ConfirmRetire(false)),
                ),
            )
        } else {
            base
        }
    }

    /// Product and destination filters, 查询, and the admin's buttons.
    fn filter_row<'a>(&'a self, ctx: &Ctx<'a>) -> Element<'a, Message> {
        let t = |k: &str| ctx.t(k);
        let products: Vec<Choice<Option<String>>> = std::iter::once(Choice {
            value: None,
            label: t("rates.all_products"),
        })
        .chain(pricing::standard_products().into_iter().map(|p| Choice {
            label: t(&format!("product.{}", p.code)),
            value: Some(p.code),
        }))
        .collect();
        let current = products.iter().find(|c| c.value == self.product).cloned();
        let admin = ctx.can_write() && self.draft.is_none();
        let picked = admin && self.selected.is_some();
        row![
            text(t("rates.filter_product")),
            // Fixed widths: sized to its longest product name the filter
            // pushes the buttons onto a second line at 1024 px with
            // large text; the destination box keeps its English hint.
            pick_list(products, current, Message::ProductFilter)
                .padding(5)
                .width(160),
            text_input(&t("rates.filter_dest"), &self.dest)
                .on_input(Message::DestFilter)
                .on_submit(Message::Query)
                .padding(5)
                .width(170),
            widget::tool(t("rates.query"), Some(Message::Query)),
            widget::tool(t("rates.new"), admin.then_some(Message::New)),
            widget::secondary(t("rates.edit"), picked.then_some(Message::Edit)),
            widget::secondary(t("rates.retire"), picked.then_some(Message::Retire)),
        ]
        .spacing(8)
        .align_y(Alignment::Center)
        .wrap()
        .into()
    }

    /// The typed path (blank: 导入/导出 open the file dialog).
    fn file_row<'a>(&'a self, ctx: &Ctx<'a>) -> Element<'a, Message> {
        let t = |k: &str| ctx.t(k);
        let admin = ctx.can_write();
        column![
            row![
                text_input(&t("rates.path"), &self.path)
                    .on_input(Message::Path)
                    .padding(5)
                    .width(Length::Fill),
                widget::tool(
                    t("rates.import"),
                    (admin && !self.busy).then_some(Message::Import)
                ),
                widget::secondary(t("rates.export"), Some(Message::Export)),
            ]
            .spacing(8)
            .align_y(Alignment::Center),
            widget::muted(t("rates.path_hint")).size(12),
        ]
        .spacing(2)
        .into()
    }

    fn list_view<'a>(&'a self, ctx: &Ctx<'a>) -> Element<'a, Message> {
        let header = COLUMNS
            .iter()
            .fold(row![].spacing(6).padding([2, 6]), |r, (key, w)| {
                r.push(text(ctx.t(key)).size(12).width(Length::FillPortion(*w)))
            });
        let list = self
            .lines
            .iter()
            .enumerate()
            .fold(column![].spacing(2), |col, (i, l)| {
                col.push(self.row_view(ctx, i, l))
            });
        column![header, scrollable(list).height(Length::Fill)]
            .spacing(4)
            .into()
    }

    /// One rate line as a list row: selected rows stand out like the
    /// orders list's, in the colours the contrast test checks.
    fn row_view<'a>(&'a self, ctx: &Ctx<'a>, i: usize, l: &'a RateLine) -> Element<'a, Message> {
        let t = |k: &str| ctx.t(k);
        let selected = self.selected == Some(i);
        let any = || t("rates.any");
        let origin = given(&l.origin_city)
            .or(given(&l.origin_province))
            .map_or_else(any, str::to_owned);
        let dest = [given(&l.dest_city), given(&l.dest_district)]
            .into_iter()
            .flatten()
            .fold(l.dest_province.clone(), |s, part| format!("{s} {part}"));
        let via = given(&l.via_city).map_or_else(String::new, str::to_owned);
        let valid = format!(
            "{} ~ {}",
            l.effective_from,
            l.effective_to.map(|d| d.to_string()).unwrap_or_default()
        );
        let cells = [
            t(&format!("product.{}", l.product_code)),
            origin,
            dest,
            via,
            yuan(l.min_charge_fen),
            valid,
        ];
        let content = cells
            .into_iter()
            .zip(COLUMNS)
            .fold(row![].spacing(6), |r, (s, (_, w))| {
                r.push(
                    text(s)
                        .size(13)
                        .wrapping(text::Wrapping::WordOrGlyph)
                        .width(Length::FillPortion(w)),
                )
            })
            .align_y(Alignment::Center);
        button(content)
            .width(Length::Fill)
            .padding([4, 6])
            .on_press(Message::Select(i))
            .style(move |t: &Theme, status| theme::order_row(t, status, selected, false))
            .into()
    }

    fn form_view<'a>(&'a self, ctx: &Ctx<'a>) -> Element<'a, Message> {
        let shown = self
            .draft
            .clone()
            .or_else(|| self.selected.and_then(|i| self.lines.get(i)).map(Draft::of));
        let Some(mut d) = shown else {
            return widget::muted(ctx.t("rates.pick_hint")).into();
        };
        let editing = self.draft.is_some();
        let mut col = column![].spacing(6);
        for (n, fields) in FORM_ROWS.iter().enumerate() {
            let mut r = row![].spacing(8);
            if n == 0 {
                r = r.push(self.product_pick(ctx, &d.product));
            }
            for (key, field, err) in fields.iter().copied() {
                let mut i = text_input("", d.slot(field)).padding(4);
                if editing {
                    i = i.on_input(move |v| Message::Field(field, v));
                }
                r = r.push(widget::field(ctx.t(key), i, self.errors.get(err)));
            }
            col = col.push(r);
        }
        col = col.push(self.tiers_view(ctx, &d.tiers, editing));
        if editing {
            col = col.push(
                row![
                    widget::secondary(ctx.t("rates.add_tier"), Some(Message::AddTier)),
                    widget::save_button(ctx.lang, Some(Message::Save), self.busy),
                    widget::secondary(ctx.t("rates.cancel"), Some(Message::Cancel)),
                ]
                .spacing(8),
            );
        }
        container(col).into()
    }

    /// 运输性质 of the line.
    fn product_pick<'a>(&'a self, ctx: &Ctx<'a>, product: &str) -> Element<'a, Message> {
        let products: Vec<Choice<String>> = pricing::standard_products()
            .into_iter()
            .map(|p| Choice {
                label: ctx.t(&format!("product.{}", p.code)),
                value: p.code,
            })
            .collect();
        let current = products.iter().find(|c| c.value == product).cloned();
        widget::field(
            ctx.t("wb.product"),
            pick_list(products, current, Message::Product).padding(4),
            self.errors.get("product_code"),
        )
    }

    /// The tier table: headings, then one row of four cells per tier, each
    /// row laid out by the same `tier_row`.
    fn tiers_view<'a>(
        &'a self,
        ctx: &Ctx<'a>,
        tiers: &[[String; 4]],
        editing: bool,
    ) -> Element<'a, Message> {
        let heading = |k: &str| -> Element<'a, Message> { text(ctx.t(k)).size(12).into() };
        let mut col = column![
            text(ctx.t("rates.tiers")).size(14),
            tier_row(
                TIER_HEADINGS.map(heading),
                space::horizontal().width(70).into()
            ),
        ]
        .spacing(6);
        for (r, tier) in tiers.iter().enumerate() {
            let cell = |c: usize| -> Element<'a, Message> {
                let mut i = text_input("", &tier[c]).padding(3);
                if editing {
                    i = i.on_input(move |v| Message::Tier(r, c, v));
                }
                i.into()
            };
            let remove = widget::secondary(
                ctx.t("rates.remove_tier"),
                (editing && tiers.len() > 1).then_some(Message::RemoveTier(r)),
            );
            col = col.push(tier_row(std::array::from_fn(cell), remove));
        }
        if let Some(e) = self.errors.get("tiers") {
            col = col.push(widget::error_line(e.clone()));
        }
        col.into()
    }
}

/// Four equal cells and what ends the row.
fn tier_row<'a>(
    cells: [Element<'a, Message>; 4],
    tail: Element<'a, Message>,
) -> Element<'a, Message> {
    cells
        .into_iter()
        .fold(row![].spacing(6), |r, c| {
            r.push(container(c).width(Length::Fill))
        })
        .push(tail)
        .into()
}

#[cfg(test)]
mod tests {
    use super::super::{Message, State};
    use crate::api::RateLineList;
    use crate::domain::Role;
    use crate::i18n::Lang;
    use crate::ui::screen::fixture::Fixture;

    /// Issue 9 (session 4's small faults): on the first open the list said
    /// 共 0 条 before its data arrived. Until the server answers it says it
    /// is loading; after that it counts what came.
    #[test]
    fn the_count_says_loading_until_the_server_answers() {
        let fixture = Fixture::new(Role::Admin);
        let ctx = fixture.ctx();
        let mut s = State::default();
        assert_eq!(s.count_label(Lang::ZhCn), "正在加载…");
        assert_eq!(s.count_label(Lang::En), "Loading…");
        let _ = s.update(
            Message::Listed(Ok(RateLineList {
                revision: 1,
                lines: Vec::new(),
            })),
            &ctx,
        );
        assert_eq!(s.count_label(Lang::ZhCn), "共 0 条");
    }
}
