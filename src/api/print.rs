//! Print templates on the wire (API.md "Print templates"): the network's
//! layout of each document, set by administrators.

use serde::{Deserialize, Serialize};

use crate::domain::RuleError;
use crate::domain::print::{Document, Layout, TemplateWords};

/// One document's network template, as `GET /api/v1/print_templates`
/// lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PrintTemplate {
    /// `label`, `delivery_note` or `packing_list`.
    pub document: String,
    #[serde(flatten)]
    pub body: PrintTemplateWrite,
    /// Grows on every change; send it back in `If-Match`.
    pub version: i64,
}

/// `PUT /api/v1/print_templates/{document}` body (a whole
/// [`PrintTemplate`] is accepted too: its `document` and `version` are
/// read from the path and `If-Match`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PrintTemplateWrite {
    /// `100x150mm`, `100x100mm`, `76x130mm` (labels), `A4`, `A5`.
    #[schema(example = "100x150mm")]
    pub paper: String,
    /// The fields shown, in order: `barcode`, `qr`, `destination`,
    /// `product`, `consignee`, `shipper`, `cargo`, `order_no`, `charges`,
    /// `remark` (each document has its own set).
    #[schema(min_items = 1)]
    pub fields: Vec<String>,
    /// Body text size, 6..16.
    #[schema(minimum = 6, maximum = 16)]
    pub font_size_pt: f64,
    /// Copies of each batch, 1..20.
    #[schema(minimum = 1, maximum = 20)]
    pub copies: i64,
    /// 隐私面单: phones with their middle four digits masked.
    pub privacy: bool,
}

impl PrintTemplateWrite {
    /// The words of `layout`.
    pub fn of(layout: &Layout) -> PrintTemplateWrite {
        PrintTemplateWrite {
            paper: layout.paper.as_str().to_owned(),
            fields: layout.field_words(),
            font_size_pt: f64::from(layout.font_size_pt),
            copies: i64::from(layout.copies),
            privacy: layout.privacy,
        }
    }

    /// The layout of `document` these words describe, or the rules they
    /// break.
    pub fn layout(&self, document: Document) -> Result<Layout, RuleError> {
        Layout::from_words(
            document,
            &TemplateWords {
                paper: &self.paper,
                fields: &self.fields,
                font_size_pt: self.font_size_pt,
                copies: self.copies,
                privacy: self.privacy,
            },
        )
    }
}

impl PrintTemplate {
    /// `layout` at `version`.
    pub fn of(layout: &Layout, version: i64) -> PrintTemplate {
        PrintTemplate {
            document: layout.document.as_str().to_owned(),
            body: PrintTemplateWrite::of(layout),
            version,
        }
    }

    /// The layout it describes; `None` for a document or words this
    /// version does not know (a newer hub), which the client then leaves
    /// at its default.
    pub fn layout(&self) -> Option<Layout> {
        let doc = Document::parse(&self.document)?;
        self.body.layout(doc).ok()
    }
}
