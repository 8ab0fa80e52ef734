//! A file being exported, row by row: CSV is written as it comes, .xlsx
//! through rust_xlsxwriter's constant-memory sheet (each row goes to a
//! temporary file beside the target once the next one starts), so a
//! 100,000-row export never holds its rows. The target appears only at
//! [`Sink::finish`]: until then the rows go to `<name>.partial`, which a
//! failure, a cancel or a panic (dropping the sink) removes, and an older
//! file of the same name stays as it was.

use std::io::Write;
use std::path::{Path, PathBuf};

use rust_xlsxwriter::{Format, Workbook, Worksheet};

use super::{Cell, ExportError, FileKind, Kind, display_width, shown};

/// The widest a column is made, in characters.
const MAX_WIDTH: usize = 60;

/// An export under way.
pub struct Sink {
    /// `None` once finished.
    out: Option<Out>,
    partial: PathBuf,
    path: PathBuf,
    rows: u64,
    done: bool,
}

enum Out {
    Csv(std::io::BufWriter<std::fs::File>),
    Xlsx(Box<Sheet>),
}

struct Sheet {
    wb: Workbook,
    ws: Worksheet,
    widths: Vec<usize>,
    percent: Format,
    money: Format,
    kg: Format,
    m3: Format,
}

/// The file beside `path` an export is written to first.
pub(super) fn partial(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    path.with_file_name(name)
}

impl Sink {
    /// Starts `path`: the header row is written at once, so a folder that
    /// is gone or read-only fails here, before any row is read.
    pub fn create(
        path: &Path,
        format: FileKind,
        title: &str,
        columns: &[(String, Kind)],
    ) -> Result<Sink, ExportError> {
        let partial = partial(path);
        let out = match format {
            FileKind::Csv => {
                let mut w = std::io::BufWriter::new(std::fs::File::create(&partial)?);
                w.write_all("\u{FEFF}".as_bytes())?;
                write_csv_line(&mut w, columns.iter().map(|(h, _)| h.clone()))?;
                Out::Csv(w)
            }
            FileKind::Xlsx => {
                // The package is zipped into `partial` at the end; its
                // parts wait in the target's own folder meanwhile (the
                // disk the file goes to, which this also checks).
                std::fs::File::create(&partial)?;
                let mut wb = Workbook::new();
                let folder = path
                    .parent()
                    .filter(|f| !f.as_os_str().is_empty())
                    .unwrap_or(Path::new("."));
                wb.set_tempdir(folder)?;
                let mut ws = wb.new_worksheet_with_constant_memory();
                ws.set_name(super::sheet_name(title))?;
                let bold = Format::new().set_bold();
                for (c, (h, _)) in columns.iter().enumerate() {
                    ws.write_string_with_format(0, c as u16, h, &bold)?;
                }
                Out::Xlsx(Box::new(Sheet {
                    wb,
                    ws,
                    widths: columns.iter().map(|(h, _)| display_width(h)).collect(),
                    percent: Format::new().set_num_format("0.0%"),
                    money: Format::new().set_num_format("¥#,##0.00"),
                    kg: Format::new().set_num_format("0.00"),
                    m3: Format::new().set_num_format("0.000"),
                }))
            }
        };
        Ok(Sink {
            out: Some(out),
            partial,
            path: path.to_path_buf(),
            rows: 0,
            done: false,
        })
    }

    /// Rows written so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Writes one row.
    pub fn push(&mut self, row: &[Cell]) -> Result<(), ExportError> {
        self.rows += 1;
        match &mut self.out {
            Some(Out::Csv(w)) => write_csv_line(w, row.iter().map(shown))?,
            Some(Out::Xlsx(s)) => s.push(self.rows as u32, row)?,
            None => {}
        }
        Ok(())
    }

    /// Completes the file (with a second sheet of `notes` lines, if any)
    /// and puts it in its place, replacing an older one.
    pub fn finish(mut self, notes: Option<(&str, &[String])>) -> Result<u64, ExportError> {
        match self.out.take() {
            Some(Out::Csv(w)) => {
                // Flushed and synced: a full disk shows here, not later.
                let f = w.into_inner().map_err(|e| e.into_error())?;
                f.sync_all()?;
            }
            Some(Out::Xlsx(s)) => s.save(self.rows as u32, notes, &self.partial)?,
            None => {}
        }
        std::fs::rename(&self.partial, &self.path)?;
        self.done = true;
        Ok(self.rows)
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_file(&self.partial);
        }
    }
}

impl Sheet {
    fn push(&mut self, at: u32, row: &[Cell]) -> Result<(), ExportError> {
        for (c, cell) in row.iter().enumerate() {
            if let Some(w) = self.widths.get_mut(c) {
                *w = (*w).max(display_width(&shown(cell)).min(MAX_WIDTH));
            }
            let col = c as u16;
            let ws = &mut self.ws;
            match cell {
                Cell::Text(s) if s.is_empty() => {}
                Cell::Text(s) => {
                    ws.write_string(at, col, s)?;
                }
                Cell::Int(n) => {
                    ws.write_number(at, col, *n as f64)?;
                }
                Cell::Percent(Some(p)) => {
                    ws.write_number_with_format(at, col, *p, &self.percent)?;
                }
                Cell::Percent(None) => {}
                Cell::Fen(f) => {
                    ws.write_number_with_format(at, col, *f as f64 / 100.0, &self.money)?;
                }
                Cell::Grams(g) => {
                    ws.write_number_with_format(at, col, *g as f64 / 1000.0, &self.kg)?;
                }
                Cell::Cm3(v) => {
                    ws.write_number_with_format(at, col, *v as f64 / 1_000_000.0, &self.m3)?;
                }
            }
        }
        Ok(())
    }

    fn save(
        mut self,
        rows: u32,
        notes: Option<(&str, &[String])>,
        to: &Path,
    ) -> Result<(), ExportError> {
        for (c, w) in self.widths.iter().enumerate() {
            self.ws
                .set_column_width(c as u16, (*w).clamp(6, MAX_WIDTH) as f64 + 2.0)?;
        }
        self.ws.set_freeze_panes(1, 0)?;
        let last_col = self.widths.len().max(1) as u16 - 1;
        self.ws.autofilter(0, 0, rows, last_col)?;
        self.wb.push_worksheet(self.ws);
        if let Some((title, lines)) = notes {
            let ws = self.wb.add_worksheet();
            ws.set_name(super::sheet_name(title))?;
            ws.set_column_width(0, 100)?;
            for (i, l) in lines.iter().enumerate() {
                ws.write_string(i as u32, 0, l)?;
            }
        }
        self.wb.save(to)?;
        Ok(())
    }
}

fn write_csv_line(
    out: &mut impl Write,
    cells: impl Iterator<Item = String>,
) -> std::io::Result<()> {
    let mut first = true;
    for c in cells {
        if !first {
            out.write_all(b",")?;
        }
        first = false;
        if c.contains([',', '"', '\n', '\r']) {
            write!(out, "\"{}\"", c.replace('"', "\"\""))?;
        } else {
            out.write_all(c.as_bytes())?;
        }
    }
    out.write_all(b"\r\n")
}
