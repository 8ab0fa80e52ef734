//! Printing on Windows through the spooler (GDI): the printers and their
//! state from `EnumPrintersW` (level 2), a batch drawn as ONE job on a
//! printer DC whose DEVMODE carries the paper size, and the job followed
//! with `GetJobW` until it leaves the queue or stops in error.
//!
//! The page model is drawn as it is: text with an installed CJK font
//! ("Microsoft YaHei", else "SimSun") placed glyph by glyph at the bundled
//! font's advances (so wrapping decided at layout time still holds), and
//! filled rectangles for rules, barcode bars and QR modules. Millimetres
//! become device pixels through LOGPIXELSX/Y, less the printable area's
//! offset (PHYSICALOFFSETX/Y), so a position is measured from the paper's
//! edge. The printer's calibration is already in the job's pages.
//!
//! Blocking: call from a worker thread, never from the GUI thread.

use std::time::{Duration, Instant};

use windows_sys::Win32::Foundation::{GetLastError, RECT};
use windows_sys::Win32::Graphics::Gdi::{
    CLIP_DEFAULT_PRECIS, CreateDCW, CreateFontW, CreateSolidBrush, DEFAULT_QUALITY, DEVMODEW,
    DM_IN_BUFFER, DM_ORIENTATION, DM_OUT_BUFFER, DM_PAPERLENGTH, DM_PAPERSIZE, DM_PAPERWIDTH,
    DMORIENT_PORTRAIT, DMPAPER_USER, DeleteDC, DeleteObject, ETO_OPTIONS, ExtTextOutW, FW_NORMAL,
    FillRect, GB2312_CHARSET, GetDeviceCaps, GetTextFaceW, HBRUSH, HDC, HFONT, LOGPIXELSX,
    LOGPIXELSY, OUT_TT_PRECIS, PHYSICALOFFSETX, PHYSICALOFFSETY, SelectObject, SetBkMode,
    SetTextAlign, TA_BASELINE, TA_LEFT, TRANSPARENT,
};
use windows_sys::Win32::Graphics::Printing::{
    ClosePrinter, DocumentPropertiesW, EnumPrintersW, GetJobW, JOB_INFO_1W,
    JOB_STATUS_BLOCKED_DEVQ, JOB_STATUS_COMPLETE, JOB_STATUS_DELETED, JOB_STATUS_DELETING,
    JOB_STATUS_ERROR, JOB_STATUS_OFFLINE, JOB_STATUS_PAPEROUT, JOB_STATUS_PAUSED,
    JOB_STATUS_PRINTED, JOB_STATUS_USER_INTERVENTION, OpenPrinterW, PRINTER_ATTRIBUTE_WORK_OFFLINE,
    PRINTER_ENUM_CONNECTIONS, PRINTER_ENUM_LOCAL, PRINTER_HANDLE, PRINTER_INFO_2W,
    PRINTER_STATUS_DOOR_OPEN, PRINTER_STATUS_ERROR, PRINTER_STATUS_NO_TONER,
    PRINTER_STATUS_NOT_AVAILABLE, PRINTER_STATUS_OFFLINE, PRINTER_STATUS_OUTPUT_BIN_FULL,
    PRINTER_STATUS_PAPER_JAM, PRINTER_STATUS_PAPER_OUT, PRINTER_STATUS_PAPER_PROBLEM,
    PRINTER_STATUS_PAUSED, PRINTER_STATUS_PENDING_DELETION, PRINTER_STATUS_PRINTING,
    PRINTER_STATUS_USER_INTERVENTION,
};
use windows_sys::Win32::Storage::Xps::{AbortDoc, DOCINFOW, EndDoc, EndPage, StartDocW, StartPage};

use super::font;
use super::page::{Item, MM_PER_PT, Page};
use super::spooler::{Job, Printer, PrinterState, SpoolError, Spooler};

/// The Windows print spooler.
#[derive(Debug, Clone, Copy, Default)]
pub struct WindowsSpooler;

/// Printer status bits that mean jobs would only wait (winspool.h).
const STOPPED_BITS: u32 = PRINTER_STATUS_PAUSED
    | PRINTER_STATUS_ERROR
    | PRINTER_STATUS_PENDING_DELETION
    | PRINTER_STATUS_PAPER_JAM
    | PRINTER_STATUS_PAPER_OUT
    | PRINTER_STATUS_PAPER_PROBLEM
    | PRINTER_STATUS_OFFLINE
    | PRINTER_STATUS_OUTPUT_BIN_FULL
    | PRINTER_STATUS_NOT_AVAILABLE
    | PRINTER_STATUS_NO_TONER
    | PRINTER_STATUS_USER_INTERVENTION
    | PRINTER_STATUS_DOOR_OPEN;

/// A printer's state from its `Status` and `Attributes` (a printer set to
/// "use printer offline" reports no status bit, only the attribute).
pub fn printer_state(status: u32, attributes: u32) -> PrinterState {
    if status & STOPPED_BITS != 0 || attributes & PRINTER_ATTRIBUTE_WORK_OFFLINE != 0 {
        PrinterState::Stopped
    } else if status & PRINTER_STATUS_PRINTING != 0 {
        PrinterState::Printing
    } else {
        PrinterState::Idle
    }
}

/// Where a job in the queue stands, from its `Status` bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobStand {
    /// Waiting, spooling or printing.
    Running,
    /// Printed: done even if the spooler keeps it listed.
    Printed,
    /// Being deleted without having printed: cancelled.
    Cancelled,
    /// In error, paused, offline, out of paper: it waits for someone.
    Stopped,
}

/// Reads a job's `Status` bits.
pub fn job_stand(status: u32) -> JobStand {
    if status & (JOB_STATUS_PRINTED | JOB_STATUS_COMPLETE) != 0 {
        JobStand::Printed
    } else if status & (JOB_STATUS_DELETING | JOB_STATUS_DELETED) != 0 {
        JobStand::Cancelled
    } else if status
        & (JOB_STATUS_ERROR
            | JOB_STATUS_OFFLINE
            | JOB_STATUS_PAPEROUT
            | JOB_STATUS_PAUSED
            | JOB_STATUS_USER_INTERVENTION
            | JOB_STATUS_BLOCKED_DEVQ)
        != 0
    {
        JobStand::Stopped
    } else {
        JobStand::Running
    }
}

/// `s` as a NUL-terminated UTF-16 string.
fn wide(s: &str) -> Vec<u16> {
    s.encode_utf16().chain(std::iter::once(0)).collect()
}

/// A NUL-terminated UTF-16 string the system owns, read into a `String`.
///
/// # Safety
/// `p` is null or points to a NUL-terminated UTF-16 string.
unsafe fn from_wide(p: *const u16) -> String {
    if p.is_null() {
        return String::new();
    }
    let mut len = 0;
    // SAFETY: the caller guarantees a terminating NUL.
    while unsafe { *p.add(len) } != 0 {
        len += 1;
    }
    // SAFETY: `len` units were just read.
    String::from_utf16_lossy(unsafe { std::slice::from_raw_parts(p, len) })
}

fn last_error(what: &str) -> SpoolError {
    // SAFETY: no preconditions.
    let code = unsafe { GetLastError() };
    SpoolError::Failed(format!("{what}: Windows error {code}"))
}

/// A buffer of `bytes` aligned for the structures the spooler writes.
fn aligned(bytes: u32) -> Vec<u64> {
    vec![0u64; (bytes as usize).div_ceil(8).max(1)]
}

/// An open printer handle, closed when dropped.
struct OpenPrinter(PRINTER_HANDLE);

impl OpenPrinter {
    fn open(name: &[u16]) -> Result<OpenPrinter, SpoolError> {
        let mut h = PRINTER_HANDLE::default();
        // SAFETY: `name` is NUL-terminated; default access is enough to
        // read DEVMODEs and jobs.
        let ok = unsafe { OpenPrinterW(name.as_ptr(), &mut h, std::ptr::null()) };
        if ok == 0 {
            return Err(last_error("OpenPrinterW"));
        }
        Ok(OpenPrinter(h))
    }
}

impl Drop for OpenPrinter {
    fn drop(&mut self) {
        // SAFETY: the handle came from OpenPrinterW and is closed once.
        unsafe { ClosePrinter(self.0) };
    }
}

/// The printer's default DEVMODE with the paper set to `w`×`h` mm
/// (in the 0.1 mm the DEVMODE counts), portrait; the driver merges it.
fn devmode(
    printer: &OpenPrinter,
    name: &[u16],
    (w, h): (f32, f32),
) -> Result<Vec<u64>, SpoolError> {
    // SAFETY: a null output asks for the size the DEVMODE needs.
    let size = unsafe {
        DocumentPropertiesW(
            std::ptr::null_mut(),
            printer.0,
            name.as_ptr(),
            std::ptr::null_mut(),
            std::ptr::null(),
            0,
        )
    };
    if size <= 0 {
        return Err(last_error("DocumentPropertiesW"));
    }
    let mut buf = aligned(size as u32);
    let dm = buf.as_mut_ptr().cast::<DEVMODEW>();
    // SAFETY: `buf` holds `size` bytes, aligned for DEVMODEW.
    let got = unsafe {
        DocumentPropertiesW(
            std::ptr::null_mut(),
            printer.0,
            name.as_ptr(),
            dm,
            std::ptr::null(),
            DM_OUT_BUFFER,
        )
    };
    if got < 0 {
        return Err(last_error("DocumentPropertiesW"));
    }
    // SAFETY: the driver filled a DEVMODEW at the start of `buf`.
    unsafe {
        (*dm).dmFields |= DM_PAPERSIZE | DM_PAPERWIDTH | DM_PAPERLENGTH | DM_ORIENTATION;
        let paper = &mut (*dm).Anonymous1.Anonymous1;
        paper.dmOrientation = DMORIENT_PORTRAIT as i16;
        paper.dmPaperSize = DMPAPER_USER as i16;
        paper.dmPaperWidth = (w * 10.0).round() as i16;
        paper.dmPaperLength = (h * 10.0).round() as i16;
    }
    // SAFETY: in and out are the same valid buffer, as the API allows.
    let merged = unsafe {
        DocumentPropertiesW(
            std::ptr::null_mut(),
            printer.0,
            name.as_ptr(),
            dm,
            dm,
            DM_IN_BUFFER | DM_OUT_BUFFER,
        )
    };
    if merged < 0 {
        return Err(last_error("DocumentPropertiesW"));
    }
    Ok(buf)
}

/// A printer DC with the GDI objects made for it, all freed when dropped.
struct PrinterDc {
    hdc: HDC,
    fonts: Vec<(i32, HFONT)>,
    brush: HBRUSH,
    /// Device pixels per mm, across and down.
    px_per_mm: (f32, f32),
    /// The printable area's corner, in device pixels from the paper's.
    offset_px: (f32, f32),
    face: Vec<u16>,
}

impl PrinterDc {
    fn create(name: &[u16], dm: &[u64]) -> Result<PrinterDc, SpoolError> {
        let driver = wide("WINSPOOL");
        // SAFETY: strings are NUL-terminated; `dm` holds a merged DEVMODEW.
        let hdc = unsafe {
            CreateDCW(
                driver.as_ptr(),
                name.as_ptr(),
                std::ptr::null(),
                dm.as_ptr().cast::<DEVMODEW>(),
            )
        };
        if hdc.is_null() {
            return Err(last_error("CreateDCW"));
        }
        // SAFETY: `hdc` is a valid DC from here on.
        let (dpi_x, dpi_y, off_x, off_y, brush) = unsafe {
            SetBkMode(hdc, TRANSPARENT as i32);
            SetTextAlign(hdc, TA_BASELINE | TA_LEFT);
            (
                GetDeviceCaps(hdc, LOGPIXELSX as i32),
                GetDeviceCaps(hdc, LOGPIXELSY as i32),
                GetDeviceCaps(hdc, PHYSICALOFFSETX as i32),
                GetDeviceCaps(hdc, PHYSICALOFFSETY as i32),
                CreateSolidBrush(0),
            )
        };
        let mut dc = PrinterDc {
            hdc,
            fonts: Vec::new(),
            brush,
            px_per_mm: (dpi_x.max(1) as f32 / 25.4, dpi_y.max(1) as f32 / 25.4),
            offset_px: (off_x as f32, off_y as f32),
            face: wide("Microsoft YaHei"),
        };
        dc.face = dc.cjk_face();
        Ok(dc)
    }

    /// "Microsoft YaHei" when installed (its name may come back in
    /// Chinese), else "SimSun", which every Chinese Windows has.
    fn cjk_face(&self) -> Vec<u16> {
        let yahei = wide("Microsoft YaHei");
        let probe = self.make_font(&yahei, 100);
        let mut name = [0u16; 64];
        // SAFETY: valid DC and font; `name` holds 64 units.
        let got = unsafe {
            let old = SelectObject(self.hdc, probe);
            let n = GetTextFaceW(self.hdc, name.len() as i32, name.as_mut_ptr());
            SelectObject(self.hdc, old);
            DeleteObject(probe);
            n
        };
        let face = String::from_utf16_lossy(&name[..(got.max(1) as usize - 1).min(63)]);
        if face.eq_ignore_ascii_case("Microsoft YaHei") || face == "微软雅黑" {
            yahei
        } else {
            wide("SimSun")
        }
    }

    fn make_font(&self, face: &[u16], height_px: i32) -> HFONT {
        // SAFETY: `face` is NUL-terminated; a negative height asks for the
        // em size (character height), as point sizes mean.
        unsafe {
            CreateFontW(
                -height_px,
                0,
                0,
                0,
                FW_NORMAL as i32,
                0,
                0,
                0,
                u32::from(GB2312_CHARSET),
                u32::from(OUT_TT_PRECIS),
                u32::from(CLIP_DEFAULT_PRECIS),
                u32::from(DEFAULT_QUALITY),
                0,
                face.as_ptr(),
            )
        }
    }

    fn font(&mut self, height_px: i32) -> HFONT {
        if let Some((_, f)) = self.fonts.iter().find(|(h, _)| *h == height_px) {
            return *f;
        }
        let f = self.make_font(&self.face, height_px);
        self.fonts.push((height_px, f));
        f
    }

    fn x(&self, mm: f32) -> i32 {
        (mm * self.px_per_mm.0 - self.offset_px.0).round() as i32
    }

    fn y(&self, mm: f32) -> i32 {
        (mm * self.px_per_mm.1 - self.offset_px.1).round() as i32
    }

    /// Draws one page of the model.
    fn draw(&mut self, page: &Page) -> Result<(), SpoolError> {
        let metrics = font::metrics().ok_or_else(|| SpoolError::Failed("font".into()))?;
        for item in &page.items {
            match item {
                Item::Fill(r) => {
                    let (l, t) = (self.x(r.x_mm), self.y(r.y_mm));
                    // A hairline still shows: at least one device pixel.
                    let rect = RECT {
                        left: l,
                        top: t,
                        right: self.x(r.x_mm + r.w_mm).max(l + 1),
                        bottom: self.y(r.y_mm + r.h_mm).max(t + 1),
                    };
                    // SAFETY: valid DC, rect and brush.
                    unsafe { FillRect(self.hdc, &rect, self.brush) };
                }
                Item::Text(t) => {
                    let size_px = t.size_pt * MM_PER_PT * self.px_per_mm.1;
                    let font = self.font(size_px.round().max(1.0) as i32);
                    // Each UTF-16 unit gets the advance our layout used.
                    let mut units: Vec<u16> = Vec::new();
                    let mut dx: Vec<i32> = Vec::new();
                    let mut pen = 0.0f32;
                    let mut placed = 0i32;
                    for c in t.text.chars() {
                        let mut buf = [0u16; 2];
                        let enc = c.encode_utf16(&mut buf);
                        pen += metrics.glyph(c).1 * t.size_pt * MM_PER_PT * self.px_per_mm.0;
                        let step = pen.round() as i32 - placed;
                        placed += step;
                        units.extend_from_slice(enc);
                        dx.push(step);
                        if enc.len() == 2 {
                            dx.push(0);
                        }
                    }
                    // SAFETY: valid DC and font; `units` and `dx` have the
                    // same length, as ExtTextOutW requires.
                    unsafe {
                        SelectObject(self.hdc, font);
                        ExtTextOutW(
                            self.hdc,
                            self.x(t.x_mm),
                            self.y(t.baseline_mm),
                            0 as ETO_OPTIONS,
                            std::ptr::null(),
                            units.as_ptr(),
                            units.len() as u32,
                            dx.as_ptr(),
                        )
                    };
                }
            }
        }
        Ok(())
    }

    /// The whole job between StartDocW and EndDoc; on any failure the
    /// document is aborted so no half batch prints. Returns the job id.
    fn print(&mut self, job: &Job) -> Result<u32, SpoolError> {
        let title = wide(&job.title);
        let doc = DOCINFOW {
            cbSize: std::mem::size_of::<DOCINFOW>() as i32,
            lpszDocName: title.as_ptr(),
            ..Default::default()
        };
        // SAFETY: valid DC; `doc` and `title` outlive the call.
        let id = unsafe { StartDocW(self.hdc, &doc) };
        if id <= 0 {
            return Err(last_error("StartDocW"));
        }
        let result = (|| {
            for _ in 0..job.copies {
                for page in &job.pages {
                    // SAFETY: valid DC inside a document.
                    if unsafe { StartPage(self.hdc) } <= 0 {
                        return Err(last_error("StartPage"));
                    }
                    self.draw(page)?;
                    // SAFETY: as above, closing the page just started.
                    if unsafe { EndPage(self.hdc) } <= 0 {
                        return Err(last_error("EndPage"));
                    }
                }
            }
            // SAFETY: valid DC inside a document.
            if unsafe { EndDoc(self.hdc) } <= 0 {
                return Err(last_error("EndDoc"));
            }
            Ok(())
        })();
        if result.is_err() {
            // SAFETY: valid DC; the document was started.
            unsafe { AbortDoc(self.hdc) };
        }
        result.map(|()| id as u32)
    }
}

impl Drop for PrinterDc {
    fn drop(&mut self) {
        // SAFETY: every object was made for this DC and is freed once.
        unsafe {
            for (_, f) in &self.fonts {
                DeleteObject(*f);
            }
            DeleteObject(self.brush);
            DeleteDC(self.hdc);
        }
    }
}

impl Spooler for WindowsSpooler {
    fn printers(&self) -> Result<Vec<Printer>, SpoolError> {
        let flags = PRINTER_ENUM_LOCAL | PRINTER_ENUM_CONNECTIONS;
        let (mut needed, mut count) = (0u32, 0u32);
        // SAFETY: a null buffer of size 0 asks for the size needed.
        unsafe {
            EnumPrintersW(
                flags,
                std::ptr::null(),
                2,
                std::ptr::null_mut(),
                0,
                &mut needed,
                &mut count,
            )
        };
        if needed == 0 {
            return Ok(Vec::new());
        }
        let mut buf = aligned(needed);
        // SAFETY: `buf` holds `needed` bytes, aligned for PRINTER_INFO_2W.
        let ok = unsafe {
            EnumPrintersW(
                flags,
                std::ptr::null(),
                2,
                buf.as_mut_ptr().cast::<u8>(),
                needed,
                &mut needed,
                &mut count,
            )
        };
        if ok == 0 {
            return Err(last_error("EnumPrintersW"));
        }
        // SAFETY: the spooler wrote `count` PRINTER_INFO_2W at the start.
        let infos = unsafe {
            std::slice::from_raw_parts(buf.as_ptr().cast::<PRINTER_INFO_2W>(), count as usize)
        };
        Ok(infos
            .iter()
            .map(|i| Printer {
                // SAFETY: the names point into `buf`, NUL-terminated.
                name: unsafe { from_wide(i.pPrinterName) },
                state: printer_state(i.Status, i.Attributes),
            })
            .collect())
    }

    fn submit(&self, printer: &str, job: &Job) -> Result<String, SpoolError> {
        super::spooler::check_ready(&self.printers()?, printer)?;
        let name = wide(printer);
        let handle = OpenPrinter::open(&name)?;
        let size = job
            .pages
            .first()
            .map_or(job.paper.size_mm(), |p| (p.width_mm, p.height_mm));
        let dm = devmode(&handle, &name, size)?;
        drop(handle);
        let mut dc = PrinterDc::create(&name, &dm)?;
        dc.print(job).map(|id| id.to_string())
    }

    fn follow(&self, printer: &str, id: &str, limit: Duration) -> Result<(), SpoolError> {
        let job_id: u32 = id
            .parse()
            .map_err(|_| SpoolError::Failed(format!("job id {id}")))?;
        let name = wide(printer);
        let handle = OpenPrinter::open(&name)?;
        let started = Instant::now();
        loop {
            let mut needed = 0u32;
            // SAFETY: a null buffer of size 0 asks for the size needed; a
            // job that is gone fails here.
            unsafe { GetJobW(handle.0, job_id, 1, std::ptr::null_mut(), 0, &mut needed) };
            if needed == 0 {
                // Left the queue: the spooler removes a job once printed
                // (a cancelled one is seen as deleting before it goes).
                return Ok(());
            }
            let mut buf = aligned(needed);
            // SAFETY: `buf` holds `needed` bytes, aligned for JOB_INFO_1W.
            let ok = unsafe {
                GetJobW(
                    handle.0,
                    job_id,
                    1,
                    buf.as_mut_ptr().cast::<u8>(),
                    needed,
                    &mut needed,
                )
            };
            if ok == 0 {
                return Ok(());
            }
            // SAFETY: the spooler wrote a JOB_INFO_1W at the start of `buf`.
            let info = unsafe { &*buf.as_ptr().cast::<JOB_INFO_1W>() };
            match job_stand(info.Status) {
                JobStand::Printed => return Ok(()),
                JobStand::Cancelled => return Err(SpoolError::Cancelled(id.to_owned())),
                JobStand::Stopped => {
                    return Err(SpoolError::JobStopped {
                        printer: printer.to_owned(),
                        job: id.to_owned(),
                        // SAFETY: points into `buf`, NUL-terminated.
                        reason: unsafe { from_wide(info.pStatus) },
                    });
                }
                JobStand::Running => {}
            }
            let stopped = self
                .printers()?
                .iter()
                .any(|p| p.name == printer && p.state == PrinterState::Stopped);
            if stopped {
                return Err(SpoolError::JobStopped {
                    printer: printer.to_owned(),
                    job: id.to_owned(),
                    reason: String::new(),
                });
            }
            if started.elapsed() > limit {
                return Err(SpoolError::Timeout(id.to_owned()));
            }
            std::thread::sleep(Duration::from_millis(500));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_bits_read_as_states() {
        assert_eq!(printer_state(0, 0), PrinterState::Idle);
        assert_eq!(
            printer_state(PRINTER_STATUS_PRINTING, 0),
            PrinterState::Printing
        );
        for bit in [
            PRINTER_STATUS_PAUSED,
            PRINTER_STATUS_PAPER_OUT,
            PRINTER_STATUS_OFFLINE,
            PRINTER_STATUS_ERROR | PRINTER_STATUS_PRINTING,
        ] {
            assert_eq!(printer_state(bit, 0), PrinterState::Stopped, "{bit:#x}");
        }
        assert_eq!(
            printer_state(0, PRINTER_ATTRIBUTE_WORK_OFFLINE),
            PrinterState::Stopped
        );
        assert_eq!(job_stand(0), JobStand::Running);
        assert_eq!(job_stand(JOB_STATUS_PRINTED), JobStand::Printed);
        assert_eq!(job_stand(JOB_STATUS_DELETING), JobStand::Cancelled);
        assert_eq!(
            job_stand(JOB_STATUS_ERROR | JOB_STATUS_PAPEROUT),
            JobStand::Stopped
        );
    }
}
