//! Barcode symbols as module patterns, drawn by the page model as black
//! rectangles (so the PDF and the preview show the same bars).

use barcoders::sym::code128::Code128;
use qrcode::{Color, QrCode};

/// Code128 (character set B) of `data` as modules, `true` = bar, including
/// start, check and stop symbols but no quiet zone. `None` for data set B
/// cannot carry (anything outside printable ASCII) or empty data.
pub fn code128(data: &str) -> Option<Vec<bool>> {
    if data.is_empty() || !data.chars().all(|c| (' '..='~').contains(&c)) {
        return None;
    }
    let symbol = Code128::new(format!("\u{0181}{data}")).ok()?;
    Some(symbol.encode().into_iter().map(|m| m == 1).collect())
}

/// A QR code of `data`: its width in modules and the modules row by row,
/// `true` = dark. No quiet zone.
pub fn qr(data: &str) -> Option<(usize, Vec<bool>)> {
    let code = QrCode::new(data.as_bytes()).ok()?;
    let modules = code
        .to_colors()
        .into_iter()
        .map(|c| c == Color::Dark)
        .collect();
    Some((code.width(), modules))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code128_has_start_and_stop_and_rejects_chinese() {
        let m = code128("DB20261129001").unwrap_or_default();
        // 11 modules per symbol (start, 13 data, check) plus the 13-module stop.
        assert_eq!(m.len(), 11 * 15 + 13);
        assert!(m[0] && m[m.len() - 1]);
        assert!(code128("运单").is_none());
        assert!(code128("").is_none());
    }

    #[test]
    fn qr_is_square() {
        let (w, m) = qr("DB20261129001").unwrap_or_default();
        assert!(w >= 21);
        assert_eq!(m.len(), w * w);
    }
}
