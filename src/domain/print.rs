//! Printing rules (SPEC 5.1) that need no font or file: which documents
//! exist, the fields each can show and in what order, paper sizes, the
//! privacy mask, piece numbering and how a long table splits into pages.

use serde::{Deserialize, Serialize};

/// A printable document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Document {
    /// 运单标签/快递单: one label per piece.
    Label,
    /// 发货单: one A4 page per order.
    DeliveryNote,
    /// 装箱单: many orders in one table.
    PackingList,
}

impl Document {
    /// Every document, in menu order.
    pub const ALL: [Document; 3] = [
        Document::Label,
        Document::DeliveryNote,
        Document::PackingList,
    ];

    /// The wire name (API.md `printed` action, print templates).
    pub fn as_str(self) -> &'static str {
        match self {
            Document::Label => "label",
            Document::DeliveryNote => "delivery_note",
            Document::PackingList => "packing_list",
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<Document> {
        Document::ALL.into_iter().find(|d| d.as_str() == s)
    }

    /// The fields this document can show, in their default order.
    pub fn fields(self) -> &'static [Field] {
        use Field::*;
        match self {
            Document::Label => &[
                Barcode,
                Destination,
                Product,
                Consignee,
                Shipper,
                Cargo,
                Qr,
                OrderNo,
                Remark,
            ],
            Document::DeliveryNote => &[
                OrderNo, Barcode, Shipper, Consignee, Cargo, Product, Charges, Remark,
            ],
            Document::PackingList => &[OrderNo, Consignee, Destination, Cargo, Product],
        }
    }

    /// The paper a new layout starts with.
    pub fn default_paper(self) -> Paper {
        match self {
            Document::Label => Paper::Label100x150,
            _ => Paper::A4,
        }
    }

    /// The papers offered for this document.
    pub fn papers(self) -> &'static [Paper] {
        match self {
            Document::Label => &[Paper::Label100x150, Paper::Label100x100, Paper::Label76x130],
            _ => &[Paper::A4, Paper::A5],
        }
    }
}

/// One block of a document the user can show, hide and move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// Code128 of the waybill number (else the order number) with its text.
    Barcode,
    /// QR code of the same number.
    Qr,
    /// Destination province/city/district, large.
    Destination,
    /// Transport product.
    Product,
    /// Consignee name, phone, address.
    Consignee,
    /// Shipper name, phone, address.
    Shipper,
    /// Pieces, weight, volume.
    Cargo,
    /// Order and logistics numbers.
    OrderNo,
    /// Charges once billed.
    Charges,
    /// The order's remark.
    Remark,
}

impl Field {
    /// Key of its name in the i18n tables.
    pub fn label_key(self) -> &'static str {
        match self {
            Field::Barcode => "print.field.barcode",
            Field::Qr => "print.field.qr",
            Field::Destination => "print.field.destination",
            Field::Product => "print.field.product",
            Field::Consignee => "print.field.consignee",
            Field::Shipper => "print.field.shipper",
            Field::Cargo => "print.field.cargo",
            Field::OrderNo => "print.field.order_no",
            Field::Charges => "print.field.charges",
            Field::Remark => "print.field.remark",
        }
    }
}

/// A paper size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Paper {
    /// 100×150 mm thermal label, the trade's usual.
    Label100x150,
    /// 100×100 mm label.
    Label100x100,
    /// 76×130 mm label.
    Label76x130,
    /// 210×297 mm.
    A4,
    /// 148×210 mm.
    A5,
}

impl Paper {
    /// Width and height in millimetres.
    pub fn size_mm(self) -> (f32, f32) {
        match self {
            Paper::Label100x150 => (100.0, 150.0),
            Paper::Label100x100 => (100.0, 100.0),
            Paper::Label76x130 => (76.0, 130.0),
            Paper::A4 => (210.0, 297.0),
            Paper::A5 => (148.0, 210.0),
        }
    }

    /// The wire name (print templates).
    pub fn as_str(self) -> &'static str {
        match self {
            Paper::Label100x150 => "100x150mm",
            Paper::Label100x100 => "100x100mm",
            Paper::Label76x130 => "76x130mm",
            Paper::A4 => "A4",
            Paper::A5 => "A5",
        }
    }

    /// The CUPS `media` option naming this size (PWG self-describing names).
    pub fn cups_media(self) -> &'static str {
        match self {
            Paper::Label100x150 => "oe_100x150mm_100x150mm",
            Paper::Label100x100 => "oe_100x100mm_100x100mm",
            Paper::Label76x130 => "oe_76x130mm_76x130mm",
            Paper::A4 => "iso_a4_210x297mm",
            Paper::A5 => "iso_a5_148x210mm",
        }
    }
}

/// How one document is laid out: kept per document on this PC.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Layout {
    pub document: Document,
    pub paper: Paper,
    /// Fields shown, in order.
    pub fields: Vec<Field>,
    /// Body text size; headings scale from it.
    pub font_size_pt: f32,
    pub copies: u32,
    /// 隐私面单: phone numbers with their middle four digits masked.
    pub privacy: bool,
}

/// Smallest and largest body text size offered.
pub const FONT_SIZE_RANGE: (f32, f32) = (6.0, 16.0);
/// Most copies of one batch.
pub const MAX_COPIES: u32 = 20;

impl Layout {
    /// The default layout of `document`: every field in default order.
    pub fn default_for(document: Document) -> Layout {
        Layout {
            document,
            paper: document.default_paper(),
            fields: document.fields().to_vec(),
            font_size_pt: match document {
                Document::Label => 9.0,
                _ => 10.0,
            },
            copies: 1,
            privacy: document == Document::Label,
        }
    }

    /// Whether `field` is shown.
    pub fn shows(&self, field: Field) -> bool {
        self.fields.contains(&field)
    }

    /// Shows or hides `field`; a field shown again goes back to its default
    /// place relative to the fields already shown.
    pub fn toggle(&mut self, field: Field) {
        if let Some(i) = self.fields.iter().position(|f| *f == field) {
            self.fields.remove(i);
            return;
        }
        if !self.document.fields().contains(&field) {
            return;
        }
        let rank = |f: &Field| self.document.fields().iter().position(|d| d == f);
        let at = self
            .fields
            .iter()
            .position(|f| rank(f) > rank(&field))
            .unwrap_or(self.fields.len());
        self.fields.insert(at, field);
    }

    /// Moves a shown field one place earlier (`up`) or later.
    pub fn move_field(&mut self, field: Field, up: bool) {
        let Some(i) = self.fields.iter().position(|f| *f == field) else {
            return;
        };
        let j = if up { i.checked_sub(1) } else { Some(i + 1) };
        if let Some(j) = j.filter(|j| *j < self.fields.len()) {
            self.fields.swap(i, j);
        }
    }

    /// Brings a layout read from a file back inside the allowed values:
    /// unknown or repeated fields dropped, size and copies clamped, a paper
    /// this document does not offer replaced by its default.
    pub fn sanitized(mut self) -> Layout {
        let allowed = self.document.fields();
        let mut seen = Vec::new();
        self.fields.retain(|f| {
            allowed.contains(f) && !seen.contains(f) && {
                seen.push(*f);
                true
            }
        });
        if !self.font_size_pt.is_finite() {
            self.font_size_pt = Layout::default_for(self.document).font_size_pt;
        }
        self.font_size_pt = self
            .font_size_pt
            .clamp(FONT_SIZE_RANGE.0, FONT_SIZE_RANGE.1);
        self.copies = self.copies.clamp(1, MAX_COPIES);
        if !self.document.papers().contains(&self.paper) {
            self.paper = self.document.default_paper();
        }
        self
    }
}

/// A phone number with the middle four digits masked (隐私面单): the four
/// digits before the last four, so 13812345678 → 138****5678 and a
/// landline 0512-66881234 → 0512-****1234. Numbers of eight digits or fewer
/// keep only their last four.
pub fn mask_phone(phone: &str) -> String {
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    let (from, to) = if digits > 8 {
        (digits - 8, digits - 4)
    } else {
        (0, digits.saturating_sub(4))
    };
    let mut n = 0;
    phone
        .chars()
        .map(|c| {
            if !c.is_ascii_digit() {
                return c;
            }
            let masked = n >= from && n < to;
            n += 1;
            if masked { '*' } else { c }
        })
        .collect()
}

/// The piece marks of an order's labels: "1/N" … "N/N" (at least one label
/// even when no piece count was given).
pub fn piece_marks(pieces: i64) -> Vec<String> {
    let n = pieces.max(1);
    (1..=n).map(|i| format!("{i}/{n}")).collect()
}

/// Splits table rows of the given heights into pages: each page holds the
/// repeated header and as many whole rows as fit in `body` (a row taller
/// than a whole page gets a page of its own). Returns the row ranges.
pub fn paginate(row_heights: &[f32], body: f32) -> Vec<std::ops::Range<usize>> {
    let mut pages = Vec::new();
    let mut start = 0;
    let mut used = 0.0;
    for (i, h) in row_heights.iter().enumerate() {
        if i > start && used + h > body {
            pages.push(start..i);
            start = i;
            used = 0.0;
        }
        used += h;
    }
    if start < row_heights.len() || pages.is_empty() {
        pages.push(start..row_heights.len());
    }
    pages
}

/// Money in fen as printed: ￥ and yuan with two decimals.
pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let fen = fen.unsigned_abs();
    format!("{sign}￥{}.{:02}", fen / 100, fen % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobile_and_landline_numbers_mask_the_middle_four_digits() {
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("0512-66881234"), "0512-****1234");
        assert_eq!(mask_phone("+86 138 1234 5678"), "+86 138 **** 5678");
        assert_eq!(mask_phone("12345678"), "****5678");
        assert_eq!(mask_phone("123"), "123");
        assert_eq!(mask_phone(""), "");
    }

    #[test]
    fn labels_are_numbered_one_per_piece() {
        assert_eq!(piece_marks(3), ["1/3", "2/3", "3/3"]);
        assert_eq!(piece_marks(0), ["1/1"]);
    }

    #[test]
    fn a_table_breaks_between_rows_and_never_loses_one() {
        let rows = [10.0, 10.0, 10.0, 25.0, 10.0];
        let pages = paginate(&rows, 30.0);
        assert_eq!(pages, vec![0..3, 3..4, 4..5]);
        // A row taller than the body still gets printed on its own page.
        assert_eq!(paginate(&[50.0, 5.0], 30.0), vec![0..1, 1..2]);
        // An empty table is one page with its header.
        assert_eq!(paginate(&[], 30.0), vec![0..0]);
    }

    #[test]
    fn hidden_field_comes_back_in_its_default_place() {
        let mut l = Layout::default_for(Document::Label);
        l.toggle(Field::Product);
        assert!(!l.shows(Field::Product));
        l.move_field(Field::Shipper, true);
        l.toggle(Field::Product);
        let i = |f| l.fields.iter().position(|x| *x == f);
        assert!(i(Field::Destination) < i(Field::Product));
        assert!(i(Field::Product) < i(Field::Cargo));
        // A field another document has cannot be added.
        l.toggle(Field::Charges);
        assert!(!l.shows(Field::Charges));
    }

    #[test]
    fn a_layout_from_a_file_is_brought_inside_the_limits() {
        let mut l = Layout::default_for(Document::PackingList);
        l.fields = vec![Field::OrderNo, Field::OrderNo, Field::Qr];
        l.font_size_pt = f32::NAN;
        l.copies = 0;
        l.paper = Paper::Label100x150;
        let l = l.sanitized();
        assert_eq!(l.fields, vec![Field::OrderNo]);
        assert_eq!(l.font_size_pt, 10.0);
        assert_eq!(l.copies, 1);
        assert_eq!(l.paper, Paper::A4);
    }

    #[test]
    fn amounts_carry_the_yuan_sign() {
        assert_eq!(yuan(123456), "￥1234.56");
        assert_eq!(yuan(5), "￥0.05");
        assert_eq!(yuan(-100), "-￥1.00");
    }
}
