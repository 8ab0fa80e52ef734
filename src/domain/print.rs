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
///
/// Its wire name (print templates) is the snake_case of its name.
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
    /// Every field.
    pub const ALL: [Field; 10] = [
        Field::Barcode,
        Field::Qr,
        Field::Destination,
        Field::Product,
        Field::Consignee,
        Field::Shipper,
        Field::Cargo,
        Field::OrderNo,
        Field::Charges,
        Field::Remark,
    ];

    /// The wire name (print templates).
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Barcode => "barcode",
            Field::Qr => "qr",
            Field::Destination => "destination",
            Field::Product => "product",
            Field::Consignee => "consignee",
            Field::Shipper => "shipper",
            Field::Cargo => "cargo",
            Field::OrderNo => "order_no",
            Field::Charges => "charges",
            Field::Remark => "remark",
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.as_str() == s)
    }

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

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<Paper> {
        [
            Paper::Label100x150,
            Paper::Label100x100,
            Paper::Label76x130,
            Paper::A4,
            Paper::A5,
        ]
        .into_iter()
        .find(|p| p.as_str() == s)
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

/// A print template as the wire carries it (API.md "Print templates"):
/// names as text, so that a word this version does not know is a rule
/// broken (422), not a malformed body.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateWords<'a> {
    pub paper: &'a str,
    pub fields: &'a [String],
    pub font_size_pt: f64,
    pub copies: i64,
    pub privacy: bool,
}

impl Layout {
    /// The layout of `document` an administrator sent, or every rule it
    /// breaks: an unknown or repeated field or one this document does not
    /// have (`fields`: `invalid_choice`, `duplicate_field`; none at all:
    /// `required`), a paper this document is not printed on (`paper`:
    /// `invalid_choice`), a font size or copies outside their ranges
    /// (`out_of_range`).
    pub fn from_words(
        document: Document,
        w: &TemplateWords<'_>,
    ) -> Result<Layout, crate::domain::RuleError> {
        let mut c = crate::domain::rule::Checker::default();
        let paper = Paper::parse(w.paper).filter(|p| document.papers().contains(p));
        c.check(paper.is_none(), "paper", "invalid_choice");
        let mut fields = Vec::new();
        for name in w.fields {
            match Field::parse(name).filter(|f| document.fields().contains(f)) {
                None => c.check(true, "fields", "invalid_choice"),
                Some(f) if fields.contains(&f) => c.check(true, "fields", "duplicate_field"),
                Some(f) => fields.push(f),
            }
        }
        c.check(w.fields.is_empty(), "fields", "required");
        let (lo, hi) = FONT_SIZE_RANGE;
        let size_ok = (f64::from(lo)..=f64::from(hi)).contains(&w.font_size_pt);
        c.check(!size_ok, "font_size_pt", "out_of_range");
        let copies_ok = (1..=i64::from(MAX_COPIES)).contains(&w.copies);
        c.check(!copies_ok, "copies", "out_of_range");
        c.finish()?;
        Ok(Layout {
            document,
            paper: paper.unwrap_or(document.default_paper()),
            fields,
            font_size_pt: w.font_size_pt as f32,
            copies: u32::try_from(w.copies).unwrap_or(1),
            privacy: w.privacy,
        })
    }

    /// The wire names of the fields shown, in order.
    pub fn field_words(&self) -> Vec<String> {
        self.fields.iter().map(|f| f.as_str().to_owned()).collect()
    }
}

/// The layouts one PC prints with (SPEC 5.1): the network's template of
/// each document as last fetched, and this PC's own adjustments. A
/// document this PC never adjusted prints with the network's template.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PrintSetup {
    /// The network's templates with their versions (a document missing
    /// here has its built-in layout at version 1, as on the hub).
    pub network: Vec<(Layout, i64)>,
    /// This PC's adjustments, at most one per document.
    pub local: Vec<Layout>,
}

impl PrintSetup {
    /// The network's template of `document` and its version.
    pub fn network_of(&self, document: Document) -> (Layout, i64) {
        self.network
            .iter()
            .find(|(l, _)| l.document == document)
            .cloned()
            .unwrap_or_else(|| (Layout::default_for(document), 1))
    }

    /// Whether this PC prints `document` with its own layout.
    pub fn adjusted(&self, document: Document) -> bool {
        self.local.iter().any(|l| l.document == document)
    }

    /// The layout `document` prints with: this PC's, else the network's.
    pub fn layout(&self, document: Document) -> Layout {
        self.local
            .iter()
            .find(|l| l.document == document)
            .cloned()
            .unwrap_or_else(|| self.network_of(document).0)
    }

    /// Changes `document`'s layout on this PC with `f`. A change that
    /// ends where the network's template is drops the adjustment, so the
    /// PC follows the network again.
    pub fn adjust(&mut self, document: Document, f: impl FnOnce(&mut Layout)) {
        let mut layout = self.layout(document);
        f(&mut layout);
        self.local.retain(|l| l.document != document);
        if layout != self.network_of(document).0 {
            self.local.push(layout);
        }
    }

    /// Drops this PC's adjustment of `document` (恢复网络默认).
    pub fn reset(&mut self, document: Document) {
        self.local.retain(|l| l.document != document);
    }

    /// Takes a template from the network; an adjustment equal to it is
    /// dropped.
    pub fn set_network(&mut self, layout: Layout, version: i64) {
        let document = layout.document;
        self.local
            .retain(|l| l.document != document || *l != layout);
        self.network.retain(|(l, _)| l.document != document);
        self.network.push((layout, version));
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
    fn a_template_from_the_wire_is_checked_field_by_field() {
        let words = |fields: &[&str]| fields.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let fields = words(&["qr", "barcode"]);
        let ok = TemplateWords {
            paper: "100x100mm",
            fields: &fields,
            font_size_pt: 12.0,
            copies: 2,
            privacy: false,
        };
        let l = Layout::from_words(Document::Label, &ok).expect("valid");
        assert_eq!(l.fields, vec![Field::Qr, Field::Barcode]);
        assert_eq!(l.paper, Paper::Label100x100);
        assert_eq!((l.font_size_pt, l.copies, l.privacy), (12.0, 2, false));
        // Round trip through the wire names.
        let back = l.field_words();
        let again = TemplateWords {
            fields: &back,
            paper: l.paper.as_str(),
            ..ok.clone()
        };
        assert_eq!(Layout::from_words(Document::Label, &again), Ok(l));

        let codes = |doc, w: &TemplateWords<'_>| match Layout::from_words(doc, w) {
            Err(crate::domain::RuleError::Fields(f)) => f
                .into_iter()
                .map(|e| format!("{}:{}", e.field, e.code))
                .collect::<Vec<_>>(),
            other => panic!("{other:?}"),
        };
        let bad_fields = words(&["qr", "charges"]);
        let bad = TemplateWords {
            paper: "A4",
            fields: &bad_fields,
            font_size_pt: 40.0,
            copies: 0,
            privacy: true,
        };
        assert_eq!(
            codes(Document::Label, &bad),
            [
                "paper:invalid_choice",
                "fields:invalid_choice",
                "font_size_pt:out_of_range",
                "copies:out_of_range"
            ]
        );
        let twice = words(&["qr", "qr"]);
        let w = TemplateWords {
            fields: &twice,
            ..ok.clone()
        };
        assert_eq!(codes(Document::Label, &w), ["fields:duplicate_field"]);
        let w = TemplateWords {
            fields: &[],
            copies: 21,
            ..ok.clone()
        };
        assert_eq!(
            codes(Document::Label, &w),
            ["fields:required", "copies:out_of_range"]
        );
    }

    #[test]
    fn a_pc_prints_with_the_network_template_until_it_adjusts_its_own() {
        let mut setup = PrintSetup::default();
        assert_eq!(
            setup.layout(Document::Label),
            Layout::default_for(Document::Label)
        );
        let mut network = Layout::default_for(Document::Label);
        network.font_size_pt = 12.0;
        setup.set_network(network.clone(), 2);
        assert_eq!(setup.layout(Document::Label), network);
        assert!(!setup.adjusted(Document::Label));

        setup.adjust(Document::Label, |l| l.toggle(Field::Qr));
        assert!(setup.adjusted(Document::Label));
        assert!(!setup.layout(Document::Label).shows(Field::Qr));
        assert_eq!(setup.layout(Document::Label).font_size_pt, 12.0);
        // The network moves on: this PC keeps its own layout.
        network.font_size_pt = 13.0;
        setup.set_network(network.clone(), 3);
        assert!(!setup.layout(Document::Label).shows(Field::Qr));
        assert_eq!(setup.network_of(Document::Label), (network.clone(), 3));
        // 恢复网络默认.
        setup.reset(Document::Label);
        assert_eq!(setup.layout(Document::Label), network);

        // Adjusting back to the network's layout follows the network again.
        setup.adjust(Document::Label, |l| l.font_size_pt = 14.0);
        setup.adjust(Document::Label, |l| l.font_size_pt = 13.0);
        assert!(!setup.adjusted(Document::Label));
        // A template published from this PC's layout replaces it.
        setup.adjust(Document::Label, |l| l.copies = 2);
        let mine = setup.layout(Document::Label);
        setup.set_network(mine.clone(), 4);
        assert!(!setup.adjusted(Document::Label));
        assert_eq!(setup.layout(Document::Label), mine);
        // Other documents are untouched.
        assert_eq!(setup.network_of(Document::PackingList).1, 1);
    }

    #[test]
    fn amounts_carry_the_yuan_sign() {
        assert_eq!(yuan(123456), "￥1234.56");
        assert_eq!(yuan(5), "￥0.05");
        assert_eq!(yuan(-100), "-￥1.00");
    }
}
