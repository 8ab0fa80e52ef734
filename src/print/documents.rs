//! The three documents (SPEC 5.1) built into pages: labels, 发货单 and
//! 装箱单. Pure: orders and a layout in, pages out.

use chrono::{DateTime, Utc};

use super::barcode;
use super::page::{Item, MM_PER_PT, Page, Rect, TextRun};
use super::text::{ascent_mm, line_height_mm, width_mm, wrap};
use crate::domain::order::{Order, Party, TransportMode};
use crate::domain::print::{Document, Field, Layout, mask_phone, paginate, piece_marks, yuan};
use crate::i18n::{self, Lang};
use crate::ui::format::{cst, kg, m3};

/// Builds the pages of `layout.document` for `orders` (one copy; the
/// writer repeats them for more copies).
pub fn build(orders: &[Order], layout: &Layout, lang: Lang, now: DateTime<Utc>) -> Vec<Page> {
    let ctx = Ctx { layout, lang, now };
    match layout.document {
        Document::Label => orders.iter().flat_map(|o| labels(&ctx, o)).collect(),
        Document::DeliveryNote => orders.iter().flat_map(|o| delivery_note(&ctx, o)).collect(),
        Document::PackingList => packing_list(&ctx, orders),
    }
}

struct Ctx<'a> {
    layout: &'a Layout,
    lang: Lang,
    now: DateTime<Utc>,
}

impl Ctx<'_> {
    fn t(&self, key: &str) -> String {
        i18n::t(self.lang, key)
    }

    /// "收货人：value" with the language's own colon.
    fn field(&self, key: &str, value: impl std::fmt::Display) -> String {
        format!("{}{}{value}", self.t(key), self.t("print.colon"))
    }

    fn phone(&self, phone: &str) -> String {
        if self.layout.privacy {
            mask_phone(phone)
        } else {
            phone.to_owned()
        }
    }

    /// "张三 138****5678" and the full address of a party.
    fn party(&self, p: &Party) -> (String, String) {
        let name = [p.name.as_str(), &self.phone(&p.phone)]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join("  ");
        let name = if p.company.is_empty() {
            name
        } else {
            format!("{name}  {}", p.company)
        };
        let address = format!("{}{}{}{}", p.province, p.city, p.district, p.address);
        (name, address)
    }

    fn product(&self, o: &Order) -> String {
        match &o.waybill {
            Some(w) => self.t(&format!("product.{}", w.draft.product_code)),
            None => self.t(match o.transport_mode {
                TransportMode::Standard => "mode.standard",
                TransportMode::Express => "mode.express",
                TransportMode::Air => "mode.air",
                TransportMode::PartnerLine => "mode.partner_line",
                TransportMode::FullTruck => "mode.full_truck",
            }),
        }
    }

    fn destination(&self, o: &Order) -> String {
        match &o.waybill {
            Some(w) => format!(
                "{} {} {}",
                w.draft.dest_province, w.draft.dest_city, w.draft.dest_district
            ),
            None => format!(
                "{} {} {}",
                o.consignee.province, o.consignee.city, o.consignee.district
            ),
        }
        .trim()
        .to_owned()
    }

    fn cargo_line(&self, o: &Order) -> String {
        let (p, w, v) = cargo_of(o);
        format!(
            "{}  {}  {}",
            self.field("print.pieces", p),
            self.field("print.weight", format!("{} kg", kg(w))),
            self.field("print.volume", format!("{} m³", m3(v)))
        )
    }

    fn printed_at(&self) -> String {
        self.field(
            "print.printed_at",
            self.now.with_timezone(&cst()).format("%Y-%m-%d %H:%M"),
        )
    }
}

/// The number a barcode carries: the waybill number, else the order number.
pub fn barcode_number(o: &Order) -> &str {
    o.waybill_no
        .as_deref()
        .filter(|s| !s.is_empty())
        .unwrap_or(&o.order_no)
}

/// Places items top to bottom inside a column of a page.
struct Cursor<'p> {
    page: &'p mut Page,
    x: f32,
    width: f32,
    y: f32,
}

impl Cursor<'_> {
    /// Wrapped text; returns nothing, moves down by its lines.
    fn text(&mut self, text: &str, size_pt: f32) {
        for line in wrap(text, self.width, size_pt) {
            self.line(line, size_pt, self.x);
        }
    }

    fn line(&mut self, text: String, size_pt: f32, x: f32) {
        let lh = line_height_mm(size_pt);
        let baseline = self.y + ascent_mm(size_pt) + (lh - size_pt * MM_PER_PT) / 2.0;
        self.page.items.push(Item::Text(TextRun {
            x_mm: x,
            baseline_mm: baseline,
            size_pt,
            text,
        }));
        self.y += lh;
    }

    /// One line centred in the column (wrapped if it must be).
    fn centred(&mut self, text: &str, size_pt: f32) {
        for line in wrap(text, self.width, size_pt) {
            let x = self.x + (self.width - width_mm(&line, size_pt)) / 2.0;
            self.line(line, size_pt, x);
        }
    }

    fn rule(&mut self) {
        self.y += 1.0;
        self.page.items.push(fill(self.x, self.y, self.width, 0.3));
        self.y += 1.3;
    }

    /// Code128 bars `height` tall, centred, with the number below.
    fn code128(&mut self, data: &str, height: f32, size_pt: f32) {
        if let Some(modules) = barcode::code128(data) {
            // Quiet zone of ten modules each side.
            let module = (self.width / (modules.len() as f32 + 20.0)).min(0.5);
            let left = self.x + (self.width - module * modules.len() as f32) / 2.0;
            push_bars(&mut self.page.items, &modules, left, self.y, module, height);
            self.y += height + 0.5;
        }
        self.centred(data, size_pt);
    }

    /// A QR code `side` mm wide at the left of the column, with its quiet
    /// zone of four modules above and below (a rule closer than that can
    /// stop a scanner finding the symbol).
    fn qr(&mut self, data: &str, side: f32) {
        let Some((w, modules)) = barcode::qr(data) else {
            return;
        };
        let m = side / w as f32;
        self.y += 4.0 * m;
        for (i, dark) in modules.iter().enumerate() {
            if *dark {
                let (col, row) = ((i % w) as f32, (i / w) as f32);
                self.page
                    .items
                    .push(fill(self.x + col * m, self.y + row * m, m, m));
            }
        }
        self.y += side + 4.0 * m;
    }
}

fn fill(x_mm: f32, y_mm: f32, w_mm: f32, h_mm: f32) -> Item {
    Item::Fill(Rect {
        x_mm,
        y_mm,
        w_mm,
        h_mm,
    })
}

/// Adjacent bars merge into one rectangle (fewer items, no hairline gaps).
fn push_bars(
    items: &mut Vec<Item>,
    modules: &[bool],
    left: f32,
    top: f32,
    module: f32,
    height: f32,
) {
    let mut i = 0;
    while i < modules.len() {
        if modules[i] {
            let start = i;
            while i < modules.len() && modules[i] {
                i += 1;
            }
            items.push(fill(
                left + start as f32 * module,
                top,
                (i - start) as f32 * module,
                height,
            ));
        } else {
            i += 1;
        }
    }
}

const LABEL_MARGIN_MM: f32 = 3.0;

/// One label per piece, numbered 1/N … N/N. A label whose content would
/// run past its bottom is laid out again smaller, so nothing is cut off.
/// The pieces of one order differ only in their mark: the order is laid
/// out once and each piece gets a copy with its own mark.
fn labels(ctx: &Ctx, o: &Order) -> Vec<Page> {
    let (pieces, _, _) = cargo_of(o);
    let marks = piece_marks(pieces);
    let first = marks.first().cloned().unwrap_or_default();
    let mut scale = 1.0;
    let page = loop {
        let page = label(ctx, o, &first, scale);
        if page.bottom_mm() <= page.height_mm - LABEL_MARGIN_MM || scale < 0.45 {
            break page;
        }
        scale *= 0.85;
    };
    let right = page.width_mm - LABEL_MARGIN_MM;
    marks
        .into_iter()
        .map(|mark| {
            let mut p = page.clone();
            if let Some(Item::Text(t)) = p.items.get_mut(MARK_ITEM) {
                t.x_mm = right - width_mm(&mark, t.size_pt);
                t.text = mark;
            }
            p
        })
        .collect()
}

/// Where `label` puts the piece mark among its items.
const MARK_ITEM: usize = 1;

fn label(ctx: &Ctx, o: &Order, mark: &str, scale: f32) -> Page {
    let layout = ctx.layout;
    let mut page = Page::new(layout.paper.size_mm());
    let width = page.width_mm - 2.0 * LABEL_MARGIN_MM;
    let f = layout.font_size_pt * scale;
    let mut c = Cursor {
        x: LABEL_MARGIN_MM,
        width,
        y: LABEL_MARGIN_MM,
        page: &mut page,
    };
    // Header: the document name left, the piece mark large at the right.
    let big = f * 2.0;
    let mark_x = c.x + width - width_mm(mark, big);
    c.line(ctx.t("print.doc.label"), f, c.x);
    c.y -= line_height_mm(f);
    c.line(mark.to_owned(), big, mark_x);
    c.rule();
    let number = barcode_number(o);
    for field in &layout.fields {
        match field {
            Field::Barcode => c.code128(number, 14.0 * scale, f * 1.2),
            Field::Qr => c.qr(number, 20.0 * scale),
            Field::Destination => c.text(&ctx.destination(o), f * 2.4),
            Field::Product => c.text(&ctx.field("print.product", ctx.product(o)), f * 1.2),
            Field::Consignee => party_block(ctx, &mut c, "print.consignee", &o.consignee, f),
            Field::Shipper => party_block(ctx, &mut c, "print.shipper", &o.shipper, f),
            Field::Cargo => c.text(&ctx.cargo_line(o), f),
            Field::OrderNo => order_numbers(ctx, &mut c, o, f),
            Field::Remark if !o.remark.is_empty() => {
                c.text(&ctx.field("print.remark", &o.remark), f)
            }
            Field::Remark | Field::Charges => continue,
        }
        c.rule();
    }
    page
}

fn party_block(ctx: &Ctx, c: &mut Cursor, key: &str, p: &Party, f: f32) {
    let (name, address) = ctx.party(p);
    c.text(&ctx.field(key, &name), f * 1.1);
    c.text(&address, f);
}

fn order_numbers(ctx: &Ctx, c: &mut Cursor, o: &Order, f: f32) {
    c.text(&ctx.field("print.order_no", &o.order_no), f);
    if !o.logistics_no.is_empty() {
        c.text(&ctx.field("print.logistics_no", &o.logistics_no), f);
    }
    if let Some(w) = o.waybill_no.as_deref().filter(|w| !w.is_empty()) {
        c.text(&ctx.field("print.waybill_no", w), f);
    }
}

const A4_MARGIN_MM: f32 = 15.0;

/// 发货单: one order on its own page(s); a block that does not fit on the
/// rest of a page starts the next one.
fn delivery_note(ctx: &Ctx, o: &Order) -> Vec<Page> {
    let f = ctx.layout.font_size_pt;
    let size = ctx.layout.paper.size_mm();
    let bottom = size.1 - A4_MARGIN_MM;
    let mut pages = Vec::new();
    let mut page = Page::new(size);
    let mut y = A4_MARGIN_MM;
    let head = |page: &mut Page, y: &mut f32| {
        let mut c = Cursor {
            x: A4_MARGIN_MM,
            width: size.0 - 2.0 * A4_MARGIN_MM,
            y: *y,
            page,
        };
        c.centred(&ctx.t("print.doc.delivery_note"), f * 1.8);
        c.text(&ctx.printed_at(), f * 0.9);
        c.rule();
        *y = c.y;
    };
    head(&mut page, &mut y);
    for field in &ctx.layout.fields {
        // Lay the block out on a scratch page to learn its height.
        let mut scratch = Page::new(size);
        let mut c = Cursor {
            x: A4_MARGIN_MM,
            width: size.0 - 2.0 * A4_MARGIN_MM,
            y: 0.0,
            page: &mut scratch,
        };
        match field {
            Field::OrderNo => order_numbers(ctx, &mut c, o, f),
            Field::Barcode => {
                // A short barcode at the left, as scanners at the desk expect.
                let full = std::mem::replace(&mut c.width, 90.0);
                c.code128(barcode_number(o), 12.0, f);
                c.width = full;
            }
            Field::Qr => c.qr(barcode_number(o), 20.0),
            Field::Shipper => party_block(ctx, &mut c, "print.shipper", &o.shipper, f),
            Field::Consignee => party_block(ctx, &mut c, "print.consignee", &o.consignee, f),
            Field::Destination => c.text(&ctx.field("print.destination", ctx.destination(o)), f),
            Field::Cargo => {
                c.text(&ctx.field("print.goods", &o.cargo.name), f);
                if !o.cargo.packaging.is_empty() {
                    c.text(&ctx.field("print.packaging", &o.cargo.packaging), f);
                }
                c.text(&ctx.cargo_line(o), f);
            }
            Field::Product => c.text(&ctx.field("print.product", ctx.product(o)), f),
            Field::Charges => charges(ctx, &mut c, o, f),
            Field::Remark if !o.remark.is_empty() => {
                c.text(&ctx.field("print.remark", &o.remark), f)
            }
            Field::Remark => continue,
        }
        c.rule();
        let height = c.y;
        if y + height > bottom && y > A4_MARGIN_MM + 30.0 {
            pages.push(std::mem::replace(&mut page, Page::new(size)));
            y = A4_MARGIN_MM;
            head(&mut page, &mut y);
        }
        page.items
            .extend(scratch.items.into_iter().map(|i| shifted(i, y)));
        y += height;
    }
    pages.push(page);
    pages
}

fn shifted(item: Item, dy: f32) -> Item {
    match item {
        Item::Text(mut t) => {
            t.baseline_mm += dy;
            Item::Text(t)
        }
        Item::Fill(mut r) => {
            r.y_mm += dy;
            Item::Fill(r)
        }
    }
}

/// The charges as billed, amounts at the right; "not billed yet" before.
fn charges(ctx: &Ctx, c: &mut Cursor, o: &Order, f: f32) {
    c.text(&ctx.t("print.charges"), f * 1.1);
    let Some(w) = &o.waybill else {
        c.text(&ctx.t("print.not_billed"), f);
        return;
    };
    let right = c.x + c.width;
    let amount_line = |c: &mut Cursor, label: String, amount: String| {
        let x = right - width_mm(&amount, f);
        c.line(amount, f, x);
        c.y -= line_height_mm(f);
        c.line(label, f, c.x + 4.0);
    };
    let q = &w.quote;
    for ch in &q.charges {
        amount_line(
            c,
            ctx.t(&format!("charge.{}", ch.code.as_str())),
            yuan(ch.amount_fen),
        );
    }
    for d in &q.discounts {
        amount_line(c, ctx.t(&d.code.reason_key()), yuan(-d.amount_fen));
    }
    amount_line(c, ctx.t("wb.payable"), yuan(q.total_fen));
    amount_line(c, ctx.t("wb.prepaid"), yuan(q.prepaid_fen));
    amount_line(c, ctx.t("wb.collect"), yuan(q.collect_fen));
}

/// Pieces, grams and cm³.
type Cargo3 = (i64, i64, i64);
/// A cell's text from the row's index and order.
type CellText = Box<dyn Fn(usize, &Order) -> String>;

/// One column of the 装箱单 table.
struct Column {
    title: String,
    /// Share of the table width.
    weight: f32,
    cell: CellText,
    /// What the totals row shows from (pieces, grams, cm³).
    total: Option<fn(Cargo3) -> String>,
}

/// 装箱单: all orders in one table; title, header row and page numbers on
/// every page; totals as the last row.
fn packing_list(ctx: &Ctx, orders: &[Order]) -> Vec<Page> {
    let f = ctx.layout.font_size_pt;
    let size = ctx.layout.paper.size_mm();
    let table_w = size.0 - 2.0 * A4_MARGIN_MM;
    let columns = packing_columns(ctx);
    let total_weight: f32 = columns.iter().map(|c| c.weight).sum();
    let widths: Vec<f32> = columns
        .iter()
        .map(|c| c.weight / total_weight * table_w)
        .collect();
    const PAD: f32 = 1.2;
    let mut rows: Vec<Vec<Vec<String>>> = orders
        .iter()
        .enumerate()
        .map(|(i, o)| {
            columns
                .iter()
                .zip(&widths)
                .map(|(col, w)| wrap(&(col.cell)(i, o), w - 2.0 * PAD, f))
                .collect()
        })
        .collect();
    // Totals row.
    let sums = orders
        .iter()
        .map(cargo_of)
        .fold((0, 0, 0), |a, b| (a.0 + b.0, a.1 + b.1, a.2 + b.2));
    let total_cells = columns
        .iter()
        .enumerate()
        .map(|(i, col)| match col.total {
            _ if i == 0 => ctx.t("print.total"),
            Some(total) => total(sums),
            None => String::new(),
        })
        .zip(&widths)
        .map(|(s, w)| wrap(&s, w - 2.0 * PAD, f))
        .collect();
    rows.push(total_cells);
    let lh = line_height_mm(f);
    let row_height = |row: &Vec<Vec<String>>| {
        row.iter().map(Vec::len).max().unwrap_or(1) as f32 * lh + 2.0 * PAD
    };
    let header: Vec<Vec<String>> = columns
        .iter()
        .zip(&widths)
        .map(|(col, w)| wrap(&col.title, w - 2.0 * PAD, f))
        .collect();
    let header_h = row_height(&header);
    let title_h = line_height_mm(f * 1.8) + line_height_mm(f * 0.9) + 2.0;
    let footer_h = line_height_mm(f) + 2.0;
    let body = size.1 - 2.0 * A4_MARGIN_MM - title_h - header_h - footer_h;
    let heights: Vec<f32> = rows.iter().map(row_height).collect();
    let ranges = paginate(&heights, body);
    let count = ranges.len();
    ranges
        .into_iter()
        .enumerate()
        .map(|(n, range)| {
            let mut page = Page::new(size);
            let mut c = Cursor {
                x: A4_MARGIN_MM,
                width: table_w,
                y: A4_MARGIN_MM,
                page: &mut page,
            };
            c.centred(&ctx.t("print.doc.packing_list"), f * 1.8);
            c.text(&ctx.printed_at(), f * 0.9);
            c.y += 2.0;
            let mut y = c.y;
            draw_row(&mut page, &header, &widths, y, header_h, f, PAD);
            y += header_h;
            for row in &rows[range] {
                let h = row_height(row);
                draw_row(&mut page, row, &widths, y, h, f, PAD);
                y += h;
            }
            let mark = i18n::tf(
                ctx.lang,
                "print.page_of",
                &[("x", &(n + 1).to_string()), ("y", &count.to_string())],
            );
            let mut c = Cursor {
                x: A4_MARGIN_MM,
                width: table_w,
                y: size.1 - A4_MARGIN_MM - footer_h,
                page: &mut page,
            };
            c.centred(&mark, f);
            page
        })
        .collect()
}

fn packing_columns(ctx: &Ctx) -> Vec<Column> {
    let mut cols = vec![Column {
        title: ctx.t("print.seq"),
        weight: 12.0,
        cell: Box::new(|i, _| (i + 1).to_string()),
        total: None,
    }];
    let privacy = ctx.layout.privacy;
    for field in &ctx.layout.fields {
        match field {
            Field::OrderNo => cols.push(Column {
                title: format!("{}/{}", ctx.t("print.order_no"), ctx.t("print.waybill_no")),
                weight: 30.0,
                cell: Box::new(
                    |_, o| match o.waybill_no.as_deref().filter(|w| !w.is_empty()) {
                        Some(w) => format!("{}\n{w}", o.order_no),
                        None => o.order_no.clone(),
                    },
                ),
                total: None,
            }),
            Field::Consignee => cols.push(Column {
                title: ctx.t("print.consignee"),
                weight: 48.0,
                cell: Box::new(move |_, o| {
                    let p = &o.consignee;
                    let phone = if privacy {
                        mask_phone(&p.phone)
                    } else {
                        p.phone.clone()
                    };
                    format!(
                        "{} {phone}\n{}{}{}{}",
                        p.name, p.province, p.city, p.district, p.address
                    )
                }),
                total: None,
            }),
            Field::Destination => cols.push(Column {
                title: ctx.t("print.destination"),
                weight: 24.0,
                cell: Box::new(|_, o| match &o.waybill {
                    Some(w) => format!("{}{}", w.draft.dest_city, w.draft.dest_district),
                    None => format!("{}{}", o.consignee.city, o.consignee.district),
                }),
                total: None,
            }),
            Field::Cargo => {
                cols.push(Column {
                    title: ctx.t("print.pieces"),
                    weight: 10.0,
                    cell: Box::new(|_, o| cargo_of(o).0.to_string()),
                    total: Some(|t| t.0.to_string()),
                });
                cols.push(Column {
                    title: format!("{}(kg)", ctx.t("print.weight")),
                    weight: 14.0,
                    cell: Box::new(|_, o| kg(cargo_of(o).1)),
                    total: Some(|t| kg(t.1)),
                });
                cols.push(Column {
                    title: format!("{}(m³)", ctx.t("print.volume")),
                    weight: 14.0,
                    cell: Box::new(|_, o| m3(cargo_of(o).2)),
                    total: Some(|t| m3(t.2)),
                });
            }
            Field::Product => {
                let lang = ctx.lang;
                cols.push(Column {
                    title: ctx.t("print.product"),
                    weight: 18.0,
                    cell: Box::new(move |_, o| match &o.waybill {
                        Some(w) => i18n::t(lang, &format!("product.{}", w.draft.product_code)),
                        None => o.cargo.name.clone(),
                    }),
                    total: None,
                })
            }
            _ => {}
        }
    }
    cols
}

/// Pieces, weight and volume as billed, else as ordered.
fn cargo_of(o: &Order) -> Cargo3 {
    match &o.waybill {
        Some(w) => (
            w.draft.cargo.pieces,
            w.draft.cargo.weight_g,
            w.draft.cargo.volume_cm3,
        ),
        None => (o.cargo.pieces, o.cargo.weight_g, o.cargo.volume_cm3),
    }
}

/// One table row: cell borders and the wrapped lines of each cell.
fn draw_row(
    page: &mut Page,
    cells: &[Vec<String>],
    widths: &[f32],
    y: f32,
    h: f32,
    f: f32,
    pad: f32,
) {
    let mut x = A4_MARGIN_MM;
    let line = 0.2;
    let total: f32 = widths.iter().sum();
    page.items.push(fill(x, y, total, line));
    page.items.push(fill(x, y + h, total, line));
    for (cell, w) in cells.iter().zip(widths) {
        page.items.push(fill(x, y, line, h));
        let mut c = Cursor {
            x: x + pad,
            width: w - 2.0 * pad,
            y: y + pad,
            page,
        };
        for l in cell {
            c.line(l.clone(), f, x + pad);
        }
        x += w;
    }
    page.items.push(fill(x, y, line, h + line));
}
