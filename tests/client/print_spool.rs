//! Printing through a real (private) CUPS with a cups-pdf queue, read back
//! from what the queue wrote: a printer's calibration moves the printed
//! text by its offset (and only on the way to that printer), and a job is
//! followed to its real end — completed, cancelled, or stopped in the queue.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use outlet_desk::domain::calibration::Calibration;
use outlet_desk::domain::print::{Document, Layout};
use outlet_desk::i18n::Lang;
use outlet_desk::print::cups::{Cups, CupsError};
use outlet_desk::print::spooler::{Job, Spooler};
use outlet_desk::print::{calibration_page, documents};

use crate::print_pdf::{PrivateCups, info, now, order, poppler, run};

/// The PDF files the queue has written so far.
fn written(out: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(out)
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
                .collect()
        })
        .unwrap_or_default()
}

/// Prints `job` and returns the file cups-pdf wrote for it.
fn print_and_collect(cups: &Cups, queue: &str, out: &Path, job: &Job) -> PathBuf {
    let before = written(out);
    cups.print(queue, job, Duration::from_secs(60))
        .expect("job completed");
    for _ in 0..100 {
        if let Some(new) = written(out).into_iter().find(|p| !before.contains(p)) {
            // cups-pdf renames its file into place once complete.
            return new;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("cups-pdf wrote nothing for {}", job.title);
}

/// (xMin, yMin) in points of every word on page 1, from `pdftotext
/// -bbox`. cups-pdf's Ghostscript pass drops the fonts' Unicode map, so
/// the words are compared by place, not by text.
fn words(pdf: &Path) -> Vec<(f32, f32)> {
    let html = run(
        "pdftotext",
        &["-bbox", "-f", "1", "-l", "1", &pdf.to_string_lossy(), "-"],
    );
    html.lines()
        .filter(|l| l.trim_start().starts_with("<word "))
        .map(|line| {
            let attr = |name: &str| -> f32 {
                line.split(&format!("{name}=\""))
                    .nth(1)
                    .and_then(|r| r.split('"').next())
                    .and_then(|v| v.parse().ok())
                    .unwrap_or_else(|| panic!("{name} in {line}"))
            };
            (attr("xMin"), attr("yMin"))
        })
        .collect()
}

const PT_PER_MM: f32 = 72.0 / 25.4;

fn ipptool_here() -> bool {
    Command::new("ipptool").arg("--help").output().is_ok()
}

#[test]
fn a_printers_calibration_moves_the_printed_text_by_its_offset() {
    let host = match PrivateCups::start_queue("outletdesk-cal") {
        Ok(c) => c,
        Err(reason) => {
            println!("skipped: {reason}");
            return;
        }
    };
    let cups = Cups {
        server: Some(host.server.clone()),
    };
    let out = host.dir.path().join("out");
    let layout = Layout::default_for(Document::Label);
    let pages = documents::build(
        &[order("CAL1", 1, Some("DB20261130001"))],
        &layout,
        Lang::ZhCn,
        now(),
    );
    let true_size = Job::new("true", layout.paper, 1, &pages, &Calibration::default());
    let moved = Calibration {
        offset_x_mm: 5.0,
        offset_y_mm: -3.0,
        scale_percent: 100.0,
    };
    let shifted = Job::new("moved", layout.paper, 1, &pages, &moved);
    let scaled_cal = Calibration {
        offset_x_mm: 0.0,
        offset_y_mm: 0.0,
        scale_percent: 90.0,
    };
    let scaled = Job::new("scaled", layout.paper, 1, &pages, &scaled_cal);

    let a = print_and_collect(&cups, &host.queue, &out, &true_size);
    if !poppler(&a) {
        return;
    }
    let b = print_and_collect(&cups, &host.queue, &out, &shifted);
    let c = print_and_collect(&cups, &host.queue, &out, &scaled);
    // The paper is the same: the calibration moves the print, not the media.
    assert_eq!(info(&b).1, (283, 425));
    let (wa, wb, wc) = (words(&a), words(&b), words(&c));
    assert!(
        wa.len() >= 10,
        "the label's text is in the queue's PDF: {wa:?}"
    );
    assert_eq!((wa.len(), wc.len()), (wb.len(), wb.len()));
    // Ghostscript places glyphs on cups-pdf's 300 dpi grid (0.24 pt), in
    // each file: two readings may differ by two steps.
    let close = |got: f32, want: f32| (got - want).abs() < 0.5;
    for ((a, b), c) in wa.iter().zip(&wb).zip(&wc) {
        assert!(
            close(b.0 - a.0, 5.0 * PT_PER_MM) && close(b.1 - a.1, -3.0 * PT_PER_MM),
            "a word moved by ({}, {}) pt, want (14.17, -8.50)",
            b.0 - a.0,
            b.1 - a.1
        );
        assert!(
            close(c.0, a.0 * 0.9) && close(c.1, a.1 * 0.9),
            "a word scaled to {c:?} from {a:?}"
        );
    }

    // The calibration page: its first crosshair's label where the page
    // model put it (1 mm right of the mark 20 mm from the left edge).
    let cal = Job::new(
        "cal",
        layout.paper,
        1,
        &[calibration_page::page(layout.paper.size_mm(), Lang::En)],
        &Calibration::default(),
    );
    let d = print_and_collect(&cups, &host.queue, &out, &cal);
    let found = words(&d);
    assert!(
        found.iter().any(|w| (w.0 - 21.0 * PT_PER_MM).abs() < 1.0),
        "no crosshair label 21 mm from the left edge: {found:?}"
    );
}

#[test]
fn a_job_is_followed_to_its_real_end_cancelled_or_stopped_in_the_queue() {
    let host = match PrivateCups::start_queue("outletdesk-end") {
        Ok(c) => c,
        Err(reason) => {
            println!("skipped: {reason}");
            return;
        }
    };
    assert!(
        ipptool_here(),
        "ipptool (cups-ipp-utils) must be installed with CUPS: it tells a cancelled job from a completed one"
    );
    let cups = Cups {
        server: Some(host.server.clone()),
    };
    let queue = host.queue.as_str();
    let work = tempfile::tempdir().expect("tempdir");

    // A job someone cancels while it waits: not a success.
    let held = work.path().join("held.txt");
    std::fs::write(&held, "held").expect("write");
    let lp = run(
        "lp",
        &[
            "-h",
            &host.server,
            "-d",
            queue,
            "-H",
            "hold",
            &held.to_string_lossy(),
        ],
    );
    let id = outlet_desk::print::cups::parse_job_id(&lp).expect("job id");
    let server = host.server.clone();
    let cancel_id = id.clone();
    let canceller = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(800));
        run("cancel", &["-h", &server, &cancel_id]);
    });
    assert_eq!(
        cups.follow(queue, &id, Duration::from_secs(30)),
        Err(CupsError::Cancelled(id.clone()))
    );
    canceller.join().expect("cancel");

    // A file the printer's filters cannot read: the job stops in the queue
    // with CUPS's reason, instead of being waited on until the time limit.
    let broken = work.path().join("broken.pdf");
    std::fs::write(&broken, b"%PDF-1.7\nnot really a pdf").expect("write");
    let layout = Layout::default_for(Document::Label);
    let id = cups
        .submit_file(queue, &broken, layout.paper, "broken")
        .expect("submit");
    let started = std::time::Instant::now();
    match cups.follow(queue, &id, Duration::from_secs(60)) {
        Err(CupsError::JobStopped { printer, job, .. }) => {
            assert_eq!((printer.as_str(), job.as_str()), (queue, id.as_str()));
        }
        other => panic!("a broken job must end stopped, got {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(30));
    run("cancel", &["-h", &host.server, &id]);

    // And a good one completes.
    let pages = documents::build(&[order("END1", 1, None)], &layout, Lang::En, now());
    let job = Job::new("ok", layout.paper, 1, &pages, &Calibration::default());
    cups.print(queue, &job, Duration::from_secs(60))
        .expect("completed");
}
