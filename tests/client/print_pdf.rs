//! Printing (issue 13) read back from real output: the PDF's text through
//! `pdftotext`, its pages through `pdfinfo`, and the label's barcode decoded
//! from a page `pdftoppm` rendered.

use std::path::Path;
use std::process::Command;

use chrono::{TimeZone, Utc};
use outlet_desk::domain::Order;
use outlet_desk::domain::print::{Document, Field, Layout, Paper};
use outlet_desk::i18n::Lang;
use outlet_desk::print::{documents, pdf};
use serde_json::json;

const LONG_ADDRESS: &str =
    "天河区珠江新城华夏路十号富力中心写字楼三十二层东侧三二零八室前台代收请勿放在门口谢谢配合";

/// An order as the API carries it, optionally with a waybill number.
pub(crate) fn order(no: &str, pieces: i64, waybill_no: Option<&str>) -> Order {
    let v = json!({
        "order_no": no,
        "logistics_no": format!("WL{no}"),
        "ali_account": "acct",
        "shipper": {"name": "张三", "phone": "13812345678", "company": "张三服饰", "province": "江苏省",
                    "city": "苏州", "district": "吴中区", "address": "工业园 1 号"},
        "consignee": {"name": "李四", "phone": "13987654321", "company": "", "province": "广东省",
                      "city": "广州", "district": "天河区", "address": LONG_ADDRESS},
        "cargo": {"name": "服装", "pieces": pieces, "weight_g": 12500, "volume_cm3": 60000, "packaging": "纸箱"},
        "transport_mode": "standard",
        "declared_value": 150000,
        "payment": "sender",
        "remark": "",
        "created_at": "2026-11-29T01:00:00Z",
        "updated_at": "2026-11-29T01:00:00Z",
        "status": "accepted",
        "waybill_no": waybill_no,
    });
    serde_json::from_value(v).expect("order json")
}

pub(crate) fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 29, 2, 30, 0)
        .single()
        .expect("time")
}

fn write_pdf(dir: &Path, name: &str, orders: &[Order], layout: &Layout) -> std::path::PathBuf {
    let pages = documents::build(orders, layout, Lang::ZhCn, now());
    let bytes = pdf::write(&pages, layout.copies).expect("pdf");
    let path = dir.join(name);
    std::fs::write(&path, &bytes).expect("write pdf");
    // PRINT_PDF_KEEP=DIR keeps a copy of every PDF to look at (pdftoppm).
    if let Some(keep) = std::env::var_os("PRINT_PDF_KEEP") {
        let _ = std::fs::write(Path::new(&keep).join(name), &bytes);
    }
    path
}

/// Whether poppler-utils can read the PDFs back here. Under Wine (the
/// Windows leg of CI) they cannot be started: the PDF is still written
/// and checked to be one, and the read-back is skipped with the reason.
pub(crate) fn poppler(pdf: &Path) -> bool {
    let bytes = std::fs::read(pdf).expect("pdf written");
    assert!(bytes.starts_with(b"%PDF-"), "a PDF");
    let found = Command::new("pdfinfo").arg("-v").output().is_ok();
    if !found {
        if !cfg!(windows) {
            panic!("pdfinfo (poppler-utils) must be installed on Linux");
        }
        println!("skipped read-back: poppler-utils cannot run here (Windows)");
    }
    found
}

pub(crate) fn run(cmd: &str, args: &[&str]) -> String {
    let out = Command::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{cmd} (poppler-utils) must be installed: {e}"));
    assert!(
        out.status.success(),
        "{cmd} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `pdftotext` of the whole file, or of page `page` only.
fn text_of(pdf: &Path, page: Option<u32>) -> String {
    let p = pdf.to_string_lossy().into_owned();
    match page {
        Some(n) => run(
            "pdftotext",
            &["-f", &n.to_string(), "-l", &n.to_string(), &p, "-"],
        ),
        None => run("pdftotext", &[&p, "-"]),
    }
}

/// (page count, page size in whole points) from `pdfinfo`.
pub(crate) fn info(pdf: &Path) -> (u32, (i64, i64)) {
    let out = run("pdfinfo", &[&pdf.to_string_lossy()]);
    let field = |name: &str| {
        out.lines()
            .find(|l| l.starts_with(name))
            .map(|l| l[name.len()..].trim().to_owned())
            .unwrap_or_default()
    };
    let size = field("Page size:");
    let mut dims = size
        .split_whitespace()
        .filter_map(|w| w.parse::<f64>().ok())
        .map(|v| v.round() as i64);
    let wh = (dims.next().unwrap_or(0), dims.next().unwrap_or(0));
    (field("Pages:").parse().unwrap_or(0), wh)
}

/// Text with all whitespace removed, so wrapped lines read as one.
fn squeezed(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

#[test]
fn labels_one_per_piece_sized_100_by_150_with_chinese_and_masked_phones() {
    let dir = tempfile::tempdir().expect("tempdir");
    let layout = Layout::default_for(Document::Label);
    assert!(layout.privacy);
    let pdf = write_pdf(
        dir.path(),
        "labels.pdf",
        &[order("A1001", 3, Some("DB2026112900017"))],
        &layout,
    );
    if !poppler(&pdf) {
        return;
    }
    let (pages, size) = info(&pdf);
    assert_eq!(pages, 3);
    assert_eq!(size, (283, 425), "100×150 mm");
    for (n, mark) in [(1, "1/3"), (2, "2/3"), (3, "3/3")] {
        let text = text_of(&pdf, Some(n));
        assert!(text.contains(mark), "page {n}: {text}");
        assert!(text.contains("DB2026112900017"));
        assert!(text.contains("李四"));
        assert!(text.contains("139****4321"), "{text}");
        assert!(!text.contains("13987654321"));
        assert!(text.contains("广州"));
        assert!(text.contains("12.5 kg"), "{text}");
        // The long address is wrapped, never cut off.
        assert!(squeezed(&text).contains(LONG_ADDRESS), "{text}");
    }
}

#[test]
fn label_barcode_decodes_to_the_waybill_number_and_falls_back_to_the_order_number() {
    let dir = tempfile::tempdir().expect("tempdir");
    let layout = Layout::default_for(Document::Label);
    let pdf = write_pdf(
        dir.path(),
        "l.pdf",
        &[order("A1002", 1, Some("DB2026112900018"))],
        &layout,
    );
    if !poppler(&pdf) {
        return;
    }
    assert_eq!(
        code128::decode_page(&pdf, dir.path()).as_deref(),
        Some("DB2026112900018")
    );
    let pdf = write_pdf(dir.path(), "n.pdf", &[order("A1003", 1, None)], &layout);
    if !poppler(&pdf) {
        return;
    }
    assert_eq!(
        code128::decode_page(&pdf, dir.path()).as_deref(),
        Some("A1003")
    );
    // Before a waybill exists, the label prints the order and logistics numbers.
    let text = text_of(&pdf, None);
    assert!(text.contains("A1003") && text.contains("WLA1003"), "{text}");
}

#[test]
fn layout_choices_change_the_pages_size_fields_and_phones() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut layout = Layout::default_for(Document::Label);
    layout.paper = Paper::Label100x100;
    layout.privacy = false;
    layout.toggle(Field::Shipper);
    layout.copies = 2;
    let pdf = write_pdf(
        dir.path(),
        "l.pdf",
        &[order("A1004", 1, Some("DB1"))],
        &layout,
    );
    if !poppler(&pdf) {
        return;
    }
    let (pages, size) = info(&pdf);
    assert_eq!(pages, 2, "two copies of one label");
    assert_eq!(size, (283, 283), "100×100 mm");
    let text = text_of(&pdf, Some(1));
    assert!(text.contains("13987654321"), "privacy off: {text}");
    assert!(!text.contains("张三"), "shipper hidden: {text}");
}

#[test]
fn packing_list_repeats_its_header_and_numbers_its_pages() {
    let dir = tempfile::tempdir().expect("tempdir");
    let orders: Vec<Order> = (0..60)
        .map(|i| order(&format!("P{i:04}"), 2, Some(&format!("DB9{i:04}"))))
        .collect();
    let layout = Layout::default_for(Document::PackingList);
    let pdf = write_pdf(dir.path(), "p.pdf", &orders, &layout);
    if !poppler(&pdf) {
        return;
    }
    let (pages, size) = info(&pdf);
    assert!(
        pages >= 3,
        "60 orders with long addresses span pages: {pages}"
    );
    assert_eq!(size, (595, 842), "A4");
    let mut seen = Vec::new();
    for n in 1..=pages {
        let text = text_of(&pdf, Some(n));
        assert!(
            text.contains("装箱单") && text.contains("收货人"),
            "header on page {n}"
        );
        assert!(
            text.contains(&format!("第{n}页/共{pages}页")),
            "page {n}: {text}"
        );
        seen.extend((0..60).filter(|i| text.contains(&format!("P{i:04}"))));
    }
    // Every order appears once, in order.
    assert_eq!(seen, (0..60).collect::<Vec<_>>());
    let last = text_of(&pdf, Some(pages));
    assert!(
        last.contains("合计") && last.contains("120"),
        "totals: {last}"
    );
}

#[test]
fn delivery_note_one_per_order_with_charges_once_billed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut billed = order("D2001", 2, Some("DB77"));
    billed.waybill = Some(Box::new(
        serde_json::from_value(json!({
            "order_no": "D2001", "waybill_no": "DB77", "product_code": "JZKH",
            "dest_province": "广东省", "dest_city": "广州", "dest_district": "天河区",
            "consignee": {"name": "李四", "phone": "13987654321", "address": LONG_ADDRESS},
            "cargo": {"name": "服装", "pieces": 2, "weight_g": 12500, "volume_cm3": 60000},
            "declared_value_fen": 150000, "payment": "sender",
            "charges": [{"code": "FRT", "name": "运费", "amount_fen": 12345, "basis": "weight"}],
            "discounts": [], "published_fen": 12345, "discount_fen": 0, "total_fen": 12345,
            "prepaid_fen": 12345, "collect_fen": 0, "freight_basis": "weight",
            "chargeable_weight_g": 12500, "rate_line_id": 1, "rate_line_version": 1,
            "billing_outlet_code": "JS", "billed_by": "js.clerk", "billed_at": "2026-11-29T02:00:00Z"
        }))
        .expect("waybill json"),
    ));
    let layout = Layout::default_for(Document::DeliveryNote);
    let pdf = write_pdf(
        dir.path(),
        "d.pdf",
        &[billed, order("D2002", 1, None)],
        &layout,
    );
    if !poppler(&pdf) {
        return;
    }
    let (pages, size) = info(&pdf);
    assert_eq!(pages, 2);
    assert_eq!(size, (595, 842), "A4");
    let first = text_of(&pdf, Some(1));
    assert!(first.contains("发货单") && first.contains("D2001"));
    assert!(
        first.contains("运费") && first.contains("￥123.45"),
        "{first}"
    );
    assert!(first.contains("精准卡航"), "{first}");
    let second = text_of(&pdf, Some(2));
    assert!(
        second.contains("D2002") && second.contains("尚未开单"),
        "{second}"
    );
}

/// A Code128 reader for the tests: finds the bars in a rendered page and
/// decodes set-B symbols, checking the check symbol. The symbol patterns
/// come from the encoder; what is tested is that the drawn bars carry them.
mod code128 {
    use std::path::Path;
    use std::process::Command;

    /// Bar/space widths of one symbol, in modules.
    type Widths = Vec<usize>;

    /// Bar/space widths of each set-B value, and start B / stop.
    fn table() -> (Vec<(Widths, u32)>, Widths, Widths) {
        let runs = |m: &[bool]| {
            let mut out = Vec::new();
            let mut n = 0;
            for (i, b) in m.iter().enumerate() {
                n += 1;
                if i + 1 == m.len() || m[i + 1] != *b {
                    out.push(n);
                    n = 0;
                }
            }
            out
        };
        let mut values = Vec::new();
        let mut start = Vec::new();
        let mut stop = Vec::new();
        for c in ' '..='~' {
            let m = outlet_desk::print::barcode::code128(&c.to_string()).expect("encodes");
            start = runs(&m[..11]);
            values.push((runs(&m[11..22]), c as u32 - 32));
            stop = runs(&m[m.len() - 13..]);
        }
        (values, start, stop)
    }

    /// Renders page 1 at 300 dpi and decodes the first Code128 it finds.
    pub fn decode_page(pdf: &Path, dir: &Path) -> Option<String> {
        let prefix = dir.join("page");
        let ok = Command::new("pdftoppm")
            .args(["-r", "300", "-gray", "-f", "1", "-l", "1"])
            .arg(pdf)
            .arg(&prefix)
            .status()
            .ok()?
            .success();
        assert!(ok, "pdftoppm failed");
        let file = std::fs::read_dir(dir)
            .ok()?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|e| e == "pgm"))?;
        let data = std::fs::read(&file).ok()?;
        let _ = std::fs::remove_file(&file);
        let (w, h, pixels) = pgm(&data)?;
        (0..h)
            .step_by(4)
            .find_map(|y| decode_row(&pixels[y * w..(y + 1) * w]))
    }

    /// Width, height and pixels of a binary PGM (P5, 8-bit).
    fn pgm(data: &[u8]) -> Option<(usize, usize, &[u8])> {
        let mut fields = Vec::new();
        let mut i = 0;
        while fields.len() < 4 {
            while data.get(i)?.is_ascii_whitespace() {
                i += 1;
            }
            let s = i;
            while !data.get(i)?.is_ascii_whitespace() {
                i += 1;
            }
            fields.push(std::str::from_utf8(&data[s..i]).ok()?.to_owned());
        }
        let (w, h): (usize, usize) = (fields[1].parse().ok()?, fields[2].parse().ok()?);
        Some((w, h, data.get(i + 1..i + 1 + w * h)?))
    }

    fn decode_row(row: &[u8]) -> Option<String> {
        // Runs of dark / light pixels, starting with light.
        let mut runs: Vec<(bool, usize)> = Vec::new();
        for p in row {
            let dark = *p < 128;
            match runs.last_mut() {
                Some((d, n)) if *d == dark => *n += 1,
                _ => runs.push((dark, 1)),
            }
        }
        let (values, start, stop) = table();
        let widths: Vec<usize> = runs.iter().map(|r| r.1).collect();
        for i in 1..runs.len() {
            if !runs[i].0 || runs[i - 1].1 < 20 || i + 6 > runs.len() {
                continue;
            }
            let symbol = |at: usize| -> Option<Vec<usize>> {
                let ws = widths.get(at..at + 6)?;
                let module = ws.iter().sum::<usize>() as f32 / 11.0;
                Some(
                    ws.iter()
                        .map(|w| (*w as f32 / module).round() as usize)
                        .collect(),
                )
            };
            if symbol(i)? != start {
                continue;
            }
            let mut at = i + 6;
            let mut symbols = Vec::new();
            loop {
                let s = symbol(at)?;
                if s == stop[..6] {
                    break;
                }
                symbols.push(s);
                at += 6;
            }
            let (check, data) = symbols.split_last()?;
            let data: Vec<u32> = data
                .iter()
                .map(|s| values.iter().find(|(p, _)| p == s).map(|v| v.1))
                .collect::<Option<_>>()?;
            let sum: u32 = 104
                + data
                    .iter()
                    .enumerate()
                    .map(|(k, v)| (k as u32 + 1) * v)
                    .sum::<u32>();
            // Check values 95..=102 have no printable set-B character.
            let check = values.iter().find(|(p, _)| p == check).map(|v| v.1);
            if check.is_some_and(|c| c != sum % 103) || (check.is_none() && sum % 103 < 95) {
                continue;
            }
            return Some(
                data.iter()
                    .map(|v| char::from_u32(v + 32).unwrap_or('?'))
                    .collect(),
            );
        }
        None
    }
}

/// A private cupsd with a cups-pdf queue (scripts/cups-test.sh), stopped
/// when dropped.
pub(crate) struct PrivateCups {
    pub(crate) dir: tempfile::TempDir,
    pub(crate) server: String,
    pub(crate) queue: String,
}

impl PrivateCups {
    /// `Err` with the reason when this machine cannot run one.
    fn start() -> Result<PrivateCups, String> {
        PrivateCups::start_queue("outletdesk-test")
    }

    /// One with its own queue name: cups-pdf's settings are per queue name,
    /// so tests running side by side each need their own.
    pub(crate) fn start_queue(queue: &str) -> Result<PrivateCups, String> {
        if !cfg!(target_os = "linux") {
            return Err("CUPS runs on Linux only (Windows prints through its spooler)".into());
        }
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| e.to_string())?
            .port();
        let queue = queue.to_owned();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/cups-test.sh");
        let out = Command::new("bash")
            .arg(&script)
            .arg("start")
            .arg(dir.path())
            .arg(port.to_string())
            .arg(&queue)
            .output()
            .map_err(|e| e.to_string())?;
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        match out.status.code() {
            Some(0) => Ok(PrivateCups {
                dir,
                server: format!("127.0.0.1:{port}"),
                queue,
            }),
            Some(3) => Err(stderr),
            _ => panic!("private cupsd did not start: {stderr}"),
        }
    }
}

impl Drop for PrivateCups {
    fn drop(&mut self) {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/cups-test.sh");
        let _ = Command::new("bash")
            .arg(&script)
            .arg("stop")
            .arg(self.dir.path())
            .status();
    }
}

#[test]
fn a_batch_prints_through_cups_to_a_pdf_queue_and_a_stopped_queue_is_refused() {
    use outlet_desk::print::cups::{Cups, CupsError, PrinterState};
    use outlet_desk::print::spooler::Spooler;
    let cups_host = match PrivateCups::start() {
        Ok(c) => c,
        Err(reason) => {
            println!("skipped: {reason}");
            return;
        }
    };
    let cups = Cups {
        server: Some(cups_host.server.clone()),
    };
    let queue = cups_host.queue.as_str();
    let printers = cups.printers().expect("lpstat");
    assert!(
        printers
            .iter()
            .any(|p| p.name == queue && p.state == PrinterState::Idle),
        "{printers:?}"
    );

    let work = tempfile::tempdir().expect("tempdir");
    let layout = Layout::default_for(Document::Label);
    let batch = [
        order("C3001", 2, Some("DB2026112930011")),
        order("C3002", 1, Some("DB2026112930012")),
    ];
    let pdf = write_pdf(work.path(), "batch.pdf", &batch, &layout);
    if !poppler(&pdf) {
        return;
    }
    let job = cups
        .submit_file(queue, &pdf, layout.paper, "batch")
        .expect("submit");
    cups.follow(queue, &job, std::time::Duration::from_secs(60))
        .expect("job done");

    let out_dir = cups_host.dir.path().join("out");
    let printed = (0..100)
        .find_map(|_| {
            let found = std::fs::read_dir(&out_dir)
                .ok()?
                .filter_map(Result::ok)
                .map(|e| e.path())
                .find(|p| p.extension().is_some_and(|e| e == "pdf"));
            if found.is_none() {
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            found
        })
        .expect("cups-pdf wrote the job");
    let (pages, size) = info(&printed);
    assert_eq!(pages, 3, "one job with the whole batch");
    assert_eq!(size, (283, 425), "media size sent");
    let scan = tempfile::tempdir().expect("tempdir");
    assert_eq!(
        code128::decode_page(&printed, scan.path()).as_deref(),
        Some("DB2026112930011")
    );

    // A stopped queue: refused before anything is sent, with its name.
    let ok = Command::new("cupsdisable")
        .args(["-h", &cups_host.server, queue])
        .status()
        .expect("cupsdisable")
        .success();
    assert!(ok);
    assert_eq!(
        cups.submit_file(queue, &pdf, layout.paper, "batch"),
        Err(CupsError::Stopped(queue.to_owned()))
    );
    let queued = run(
        "lpstat",
        &["-h", &cups_host.server, "-W", "all", "-o", queue],
    );
    assert!(queued.lines().count() <= 1, "nothing new queued: {queued}");
    assert!(pdf.exists(), "the batch's PDF is kept");
}
