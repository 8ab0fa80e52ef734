//! The rate card as a spreadsheet (CSV or .xlsx), for `POST
//! /api/v1/rate_lines/import` and `GET /api/v1/rate_lines/export`.
//!
//! One line per row; header row first. Columns (any order): `id` (blank =
//! a new line), `product_code`, `origin_province`, `origin_city`,
//! `dest_province`, `dest_city`, `dest_district`, `via_province`,
//! `via_city`, `min_charge_fen`, `effective_from`, `effective_to`
//! (YYYY-MM-DD or an Excel date), then per tier N = 1, 2, …
//! `tierN_from_weight_g`, `tierN_heavy_fen_per_kg`, `tierN_from_volume_cm3`,
//! `tierN_light_fen_per_m3` (a tier whose four cells are blank is absent).
//! Units are API.md's: fen, grams, cm³.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::pricing::{RateLine, Tier};

/// One bad cell (API.md `rows` of a 422): spreadsheet row (the header is
/// row 1), column name, message in the request's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CellError {
    pub row: usize,
    pub column: String,
    pub message: String,
}

/// A cell problem before it is put in words: an i18n key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellProblem {
    pub row: usize,
    pub column: String,
    pub key: String,
}

impl CellProblem {
    fn new(row: usize, column: &str, key: &str) -> Self {
        CellProblem {
            row,
            column: column.to_owned(),
            key: key.to_owned(),
        }
    }
}

const FIXED: [&str; 12] = [
    "id",
    "product_code",
    "origin_province",
    "origin_city",
    "dest_province",
    "dest_city",
    "dest_district",
    "via_province",
    "via_city",
    "min_charge_fen",
    "effective_from",
    "effective_to",
];
const TIER: [&str; 4] = [
    "from_weight_g",
    "heavy_fen_per_kg",
    "from_volume_cm3",
    "light_fen_per_m3",
];
const REQUIRED: [&str; 4] = [
    "product_code",
    "dest_province",
    "min_charge_fen",
    "effective_from",
];

/// A parsed row: the line (id 0 = new) and its spreadsheet row number.
#[derive(Debug, Clone, PartialEq)]
pub struct SheetLine {
    pub row: usize,
    pub line: RateLine,
}

/// Text rows (first = header) → lines, or every cell that is wrong.
/// `first_row` is the spreadsheet number of the header row.
pub fn parse_rows(
    rows: &[Vec<String>],
    first_row: usize,
) -> Result<Vec<SheetLine>, Vec<CellProblem>> {
    let Some(header) = rows.first() else {
        return Err(vec![CellProblem::new(first_row, "", "import.empty")]);
    };
    let header = Header::read(header, first_row)?;
    let mut problems = Vec::new();
    let mut out = Vec::new();
    for (i, cells) in rows.iter().enumerate().skip(1) {
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let mut row = Row {
            header: &header,
            cells,
            row: first_row + i,
            problems: &mut problems,
        };
        out.push(SheetLine {
            row: row.row,
            line: row.line(),
        });
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    if out.is_empty() {
        return Err(vec![CellProblem::new(first_row + 1, "", "import.empty")]);
    }
    Ok(out)
}

/// The header row: where each column is and how many tiers there are.
struct Header {
    names: Vec<String>,
    tiers: usize,
}

impl Header {
    /// The header, or every required column it lacks.
    fn read(cells: &[String], first_row: usize) -> Result<Header, Vec<CellProblem>> {
        let names = cells
            .iter()
            .map(|h| h.trim().to_ascii_lowercase())
            .collect();
        let mut h = Header { names, tiers: 0 };
        let mut problems: Vec<CellProblem> = REQUIRED
            .iter()
            .filter(|c| h.col(c).is_none())
            .map(|c| CellProblem::new(first_row, c, "import.missing_column"))
            .collect();
        while TIER
            .iter()
            .any(|t| h.col(&format!("tier{}_{t}", h.tiers + 1)).is_some())
        {
            h.tiers += 1;
        }
        if h.tiers == 0 {
            problems.push(CellProblem::new(
                first_row,
                "tier1_from_weight_g",
                "import.missing_column",
            ));
        }
        if problems.is_empty() {
            Ok(h)
        } else {
            Err(problems)
        }
    }

    fn col(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|h| h == name)
    }
}

/// One data row being read; a cell that does not parse is noted in
/// `problems` and read as blank, so every bad cell is reported at once.
struct Row<'a> {
    header: &'a Header,
    cells: &'a [String],
    row: usize,
    problems: &'a mut Vec<CellProblem>,
}

impl Row<'_> {
    fn cell(&self, name: &str) -> String {
        self.header
            .col(name)
            .and_then(|i| self.cells.get(i))
            .map_or(String::new(), |s| s.trim().to_owned())
    }

    fn text(&self, name: &str) -> Option<String> {
        Some(self.cell(name)).filter(|s| !s.is_empty())
    }

    fn int(&mut self, name: &str, blank: i64) -> i64 {
        let s = self.cell(name);
        if s.is_empty() {
            return blank;
        }
        s.parse::<i64>().unwrap_or_else(|_| {
            self.problem(name, "import.not_a_number");
            blank
        })
    }

    fn date(&mut self, name: &str) -> Option<NaiveDate> {
        let s = self.cell(name);
        if s.is_empty() {
            return None;
        }
        let d = NaiveDate::parse_from_str(&s, "%Y-%m-%d")
            .or_else(|_| NaiveDate::parse_from_str(&s, "%Y/%m/%d"));
        if d.is_err() {
            self.problem(name, "rule.invalid_date");
        }
        d.ok()
    }

    fn problem(&mut self, name: &str, key: &str) {
        self.problems.push(CellProblem::new(self.row, name, key));
    }

    /// The tiers whose four cells are not all blank.
    fn tiers(&mut self) -> Vec<Tier> {
        let mut tiers = Vec::new();
        for n in 1..=self.header.tiers {
            let names: Vec<String> = TIER.iter().map(|t| format!("tier{n}_{t}")).collect();
            if names.iter().all(|c| self.cell(c).is_empty()) {
                continue;
            }
            tiers.push(Tier {
                from_weight_g: self.int(&names[0], 0),
                heavy_fen_per_kg: self.int(&names[1], 0),
                from_volume_cm3: self.int(&names[2], 0),
                light_fen_per_m3: self.int(&names[3], 0),
            });
        }
        tiers
    }

    fn line(&mut self) -> RateLine {
        let id = self.int("id", 0);
        let min_charge_fen = self.int("min_charge_fen", 0);
        let tiers = self.tiers();
        let from = self.date("effective_from");
        let effective_to = self.date("effective_to");
        let effective_from = from.unwrap_or_else(|| {
            if self.cell("effective_from").is_empty() {
                self.problem("effective_from", "rule.required");
            }
            NaiveDate::MIN
        });
        RateLine {
            id,
            origin_province: self.text("origin_province"),
            origin_city: self.text("origin_city"),
            dest_province: self.cell("dest_province"),
            dest_city: self.text("dest_city"),
            dest_district: self.text("dest_district"),
            product_code: self.cell("product_code"),
            via_province: self.text("via_province"),
            via_city: self.text("via_city"),
            min_charge_fen,
            tiers,
            effective_from,
            effective_to,
            version: 0,
            retired: false,
        }
    }
}

/// The column a rule's field error belongs to (`tiers` → the first tier
/// weight column, the table's start).
pub fn column_of(field: &str) -> String {
    match field {
        "tiers" => "tier1_from_weight_g".to_owned(),
        f => f.to_owned(),
    }
}

/// The header of an export with `tiers` tier groups.
fn header(tiers: usize) -> Vec<String> {
    let mut h: Vec<String> = FIXED.iter().map(|s| (*s).to_owned()).collect();
    for n in 1..=tiers.max(1) {
        h.extend(TIER.iter().map(|t| format!("tier{n}_{t}")));
    }
    h
}

/// A cell of an exported line: text, or a whole number.
enum Out {
    Text(String),
    Num(i64),
}

fn row_of(l: &RateLine, tiers: usize) -> Vec<Out> {
    let t = |v: &Option<String>| Out::Text(v.clone().unwrap_or_default());
    let mut r = vec![
        Out::Num(l.id),
        Out::Text(l.product_code.clone()),
        t(&l.origin_province),
        t(&l.origin_city),
        Out::Text(l.dest_province.clone()),
        t(&l.dest_city),
        t(&l.dest_district),
        t(&l.via_province),
        t(&l.via_city),
        Out::Num(l.min_charge_fen),
        Out::Text(l.effective_from.to_string()),
        Out::Text(l.effective_to.map(|d| d.to_string()).unwrap_or_default()),
    ];
    for n in 0..tiers {
        match l.tiers.get(n) {
            Some(x) => r.extend([
                Out::Num(x.from_weight_g),
                Out::Num(x.heavy_fen_per_kg),
                Out::Num(x.from_volume_cm3),
                Out::Num(x.light_fen_per_m3),
            ]),
            None => r.extend((0..4).map(|_| Out::Text(String::new()))),
        }
    }
    r
}

fn max_tiers(lines: &[RateLine]) -> usize {
    lines
        .iter()
        .map(|l| l.tiers.len())
        .max()
        .unwrap_or(1)
        .max(1)
}

/// The card as CSV, UTF-8 with a BOM so Excel on Windows reads the
/// Chinese.
pub fn to_csv(lines: &[RateLine]) -> String {
    let tiers = max_tiers(lines);
    let mut s = String::from("\u{feff}");
    s.push_str(&header(tiers).join(","));
    s.push_str("\r\n");
    for l in lines {
        let cells: Vec<String> = row_of(l, tiers)
            .into_iter()
            .map(|c| match c {
                Out::Num(n) => n.to_string(),
                Out::Text(t) => csv_quote(&t),
            })
            .collect();
        s.push_str(&cells.join(","));
        s.push_str("\r\n");
    }
    s
}

fn csv_quote(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// The card as an .xlsx workbook: frozen header, filters.
pub fn to_xlsx(lines: &[RateLine]) -> Result<Vec<u8>, String> {
    use rust_xlsxwriter::Workbook;
    let tiers = max_tiers(lines);
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let e = |e: rust_xlsxwriter::XlsxError| e.to_string();
    ws.set_name("rate_lines").map_err(e)?;
    let head = header(tiers);
    for (c, h) in head.iter().enumerate() {
        ws.write_string(0, c as u16, h).map_err(e)?;
    }
    for (r, l) in lines.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row_of(l, tiers).into_iter().enumerate() {
            let c = c as u16;
            match cell {
                Out::Num(n) => {
                    // Whole numbers far below 2^53: exact as a double.
                    ws.write_number(r, c, n as f64).map_err(e)?;
                }
                Out::Text(t) if t.is_empty() => {}
                Out::Text(t) => {
                    ws.write_string(r, c, &t).map_err(e)?;
                }
            }
        }
    }
    ws.set_freeze_panes(1, 0).map_err(e)?;
    ws.autofilter(0, 0, lines.len() as u32, head.len() as u16 - 1)
        .map_err(e)?;
    wb.save_to_buffer().map_err(e)
}

/// Parses CSV text (RFC 4180: quotes, doubled quotes, CRLF or LF; a
/// leading BOM is dropped) into rows of cells.
pub fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(ch) = chars.next() {
        if quoted {
            match ch {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    cell.push('"');
                }
                '"' => quoted = false,
                c => cell.push(c),
            }
            continue;
        }
        match ch {
            '"' => quoted = true,
            ',' => row.push(std::mem::take(&mut cell)),
            '\r' => {}
            '\n' => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            c => cell.push(c),
        }
    }
    if !cell.is_empty() || !row.is_empty() {
        row.push(cell);
        rows.push(row);
    }
    rows
}

/// The first sheet of an .xlsx as text rows, and the spreadsheet row
/// number of its first row.
pub fn xlsx_rows(bytes: &[u8]) -> Result<(Vec<Vec<String>>, usize), String> {
    use calamine::{Data, DataType, Reader, Xlsx};
    let mut wb: Xlsx<_> =
        Xlsx::new(std::io::Cursor::new(bytes.to_vec())).map_err(|e| e.to_string())?;
    let range = wb
        .worksheet_range_at(0)
        .ok_or_else(|| "no worksheet".to_owned())?
        .map_err(|e| e.to_string())?;
    let first = range.start().map_or(1, |(r, _)| r as usize + 1);
    let first_col = range.start().map_or(0, |(_, c)| c as usize);
    let rows = range
        .rows()
        .map(|cells| {
            // Keep columns where they are on the sheet.
            let mut out = vec![String::new(); first_col];
            out.extend(cells.iter().map(|c| {
                match c {
                    Data::Empty => String::new(),
                    Data::String(s) => s.clone(),
                    Data::Int(n) => n.to_string(),
                    Data::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => {
                        format!("{}", *f as i64)
                    }
                    Data::Float(f) => f.to_string(),
                    Data::Bool(b) => b.to_string(),
                    Data::DateTime(_) | Data::DateTimeIso(_) => c
                        .as_date()
                        .map(|d| d.to_string())
                        .unwrap_or_else(|| c.to_string()),
                    other => other.to_string(),
                }
            }));
            out
        })
        .collect();
    Ok((rows, first))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line() -> RateLine {
        RateLine {
            id: 7,
            origin_province: Some("浙江省".into()),
            origin_city: Some("杭州".into()),
            dest_province: "北京市".into(),
            dest_city: Some("北京, 朝阳\"东\"".into()),
            dest_district: None,
            product_code: "JZKH".into(),
            via_province: None,
            via_city: None,
            min_charge_fen: 3_000,
            tiers: vec![
                Tier {
                    from_weight_g: 0,
                    heavy_fen_per_kg: 150,
                    from_volume_cm3: 0,
                    light_fen_per_m3: 30_000,
                },
                Tier {
                    from_weight_g: 100_000,
                    heavy_fen_per_kg: 120,
                    from_volume_cm3: 500_000,
                    light_fen_per_m3: 25_000,
                },
            ],
            effective_from: NaiveDate::from_ymd_opt(2026, 1, 1).expect("date"),
            effective_to: None,
            version: 3,
            retired: false,
        }
    }

    #[test]
    fn csv_and_xlsx_round_trip() {
        let lines = vec![line()];
        let back = parse_rows(&csv_rows(&to_csv(&lines)), 1).expect("parses");
        assert_eq!(back.len(), 1);
        assert_eq!(back[0].row, 2);
        let mut want = line();
        want.version = 0;
        assert_eq!(back[0].line, want);
        let bytes = to_xlsx(&lines).expect("writes");
        let (rows, first) = xlsx_rows(&bytes).expect("reads");
        let back = parse_rows(&rows, first).expect("parses");
        assert_eq!(back[0].line, want);
    }

    #[test]
    fn every_bad_cell_is_reported() {
        let csv = "product_code,dest_province,min_charge_fen,effective_from,tier1_from_weight_g,tier1_heavy_fen_per_kg,tier1_from_volume_cm3,tier1_light_fen_per_m3\n\
                   JZKH,北京市,abc,2026-01-01,0,1,0,1\n\
                   JZKH,北京市,100,2026-13-01,0,x,0,1\n";
        let err = parse_rows(&csv_rows(csv), 1).expect_err("bad cells");
        let got: Vec<(usize, &str)> = err.iter().map(|p| (p.row, p.column.as_str())).collect();
        assert_eq!(
            got,
            vec![
                (2, "min_charge_fen"),
                (3, "tier1_heavy_fen_per_kg"),
                (3, "effective_from")
            ]
        );
        let err = parse_rows(&csv_rows("product_code,dest_province\nJZKH,x\n"), 1)
            .expect_err("columns missing");
        assert!(err.iter().any(|p| p.column == "min_charge_fen"));
    }
}
