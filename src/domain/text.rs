//! What free text may hold: length caps per field (API.md "Limits") and no
//! characters that hide or rewrite what a clerk reads (control characters,
//! terminal escapes, bidi overrides).

use super::rule::Checker;

/// A note on an action (打回/收货失败/关闭).
pub const NOTE_MAX: usize = 500;
/// An order's remark.
pub const REMARK_MAX: usize = 500;
/// A person's or company's name.
pub const NAME_MAX: usize = 50;
/// A company name.
pub const COMPANY_MAX: usize = 100;
/// A street address.
pub const ADDRESS_MAX: usize = 200;
/// Province, city or district.
pub const REGION_MAX: usize = 20;
/// Order, logistics or account numbers, codes sent by upstream.
pub const NUMBER_MAX: usize = 64;
/// Cargo name, packaging, goods title.
pub const TITLE_MAX: usize = 200;
/// The goods description of the order snapshot.
pub const DESCRIPTION_MAX: usize = 1000;
/// A reason code.
pub const REASON_CODE_MAX: usize = 32;

/// A character that must not appear in names, codes and numbers: any
/// control character (NUL, CR, LF, ESC …) and the invisible direction
/// marks and overrides (U+202E turns "exe.txt" into "txt.exe").
pub fn is_forbidden(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// Single-line text: none of [`is_forbidden`].
pub fn single_line_ok(s: &str) -> bool {
    !s.chars().any(is_forbidden)
}

/// Multi-line text (notes, remarks): line breaks and tabs are fine, the
/// rest of [`is_forbidden`] is not.
pub fn multi_line_ok(s: &str) -> bool {
    !s.chars()
        .any(|c| is_forbidden(c) && !matches!(c, '\n' | '\r' | '\t'))
}

/// Records `too_long` or `control_chars` for a single-line field.
pub fn check_line(c: &mut Checker, field: &str, value: &str, max: usize) {
    c.check(value.chars().count() > max, field, "too_long");
    c.check(!single_line_ok(value), field, "control_chars");
}

/// Records `too_long` or `control_chars` for a multi-line field.
pub fn check_text(c: &mut Checker, field: &str, value: &str, max: usize) {
    c.check(value.chars().count() > max, field, "too_long");
    c.check(!multi_line_ok(value), field, "control_chars");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_characters_are_refused_and_plain_text_is_not() {
        for bad in [
            "a\0b",
            "a\rb",
            "a\nb",
            "\u{1b}[31mred",
            "abc\u{202E}txt.exe",
            "\u{7f}",
        ] {
            assert!(!single_line_ok(bad), "{bad:?}");
        }
        assert!(single_line_ok("扬州办事处 A-01 (东区)"));
        assert!(multi_line_ok("第一行\r\n第二行\t完"));
        assert!(!multi_line_ok("note\u{1b}[2J"));
        assert!(!multi_line_ok("note\u{202E}"));
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        let mut c = Checker::default();
        check_line(&mut c, "name", &"张".repeat(NAME_MAX), NAME_MAX);
        assert!(c.finish().is_ok());
        let mut c = Checker::default();
        check_line(&mut c, "name", &"张".repeat(NAME_MAX + 1), NAME_MAX);
        assert!(c.finish().is_err());
    }
}
