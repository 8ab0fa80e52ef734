//! Measuring and wrapping text with the embedded font: Chinese may break
//! between any two characters, Latin words only at spaces (a word wider
//! than the line is broken where it must be, so nothing is ever cut off).

use super::font;
use super::page::MM_PER_PT;

/// Width of `text` at `size_pt`, in mm.
pub fn width_mm(text: &str, size_pt: f32) -> f32 {
    font::metrics().map_or(0.5 * text.chars().count() as f32, |m| m.width_em(text))
        * size_pt
        * MM_PER_PT
}

/// Distance between two baselines at `size_pt`, in mm.
pub fn line_height_mm(size_pt: f32) -> f32 {
    size_pt * MM_PER_PT * 1.3
}

/// Ascent above the baseline at `size_pt`, in mm.
pub fn ascent_mm(size_pt: f32) -> f32 {
    font::metrics().map_or(0.8, |m| m.ascent) * size_pt * MM_PER_PT
}

/// Whether a line may break before or after `c` without a space.
fn breaks_anywhere(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFFEF)
}

/// Splits into units a line never breaks inside: a Latin word with the
/// spaces after it, or one CJK character (with its trailing spaces).
fn units(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut prev: Option<char> = None;
    for (i, c) in text.char_indices() {
        if let Some(p) = prev {
            let boundary =
                (p == ' ' && c != ' ') || breaks_anywhere(c) || (breaks_anywhere(p) && c != ' ');
            if boundary && i > start {
                out.push(&text[start..i]);
                start = i;
            }
        }
        prev = Some(c);
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

/// Wraps `text` into lines no wider than `max_mm` at `size_pt`. Newlines in
/// the text start new lines; trailing spaces are dropped. Each unit is
/// measured once, so a long address costs linear time.
pub fn wrap(text: &str, max_mm: f32, size_pt: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        // Width of `line`, trailing spaces included.
        let mut full = 0.0;
        for unit in units(para) {
            let unit_full = width_mm(unit, size_pt);
            let unit_trimmed = width_mm(unit.trim_end(), size_pt);
            if !line.is_empty() && full + unit_trimmed > max_mm {
                lines.push(line.trim_end().to_owned());
                line.clear();
                full = 0.0;
            }
            if line.is_empty() && unit_trimmed > max_mm {
                // A single word wider than the line: break it by characters.
                let mut head = String::new();
                let mut w = 0.0;
                for c in unit.trim_end().chars() {
                    let cw = width_mm(c.encode_utf8(&mut [0; 4]), size_pt);
                    if !head.is_empty() && w + cw > max_mm {
                        lines.push(std::mem::take(&mut head));
                        w = 0.0;
                    }
                    head.push(c);
                    w += cw;
                }
                line = head;
                full = w;
                continue;
            }
            full += unit_full;
            line.push_str(unit);
        }
        lines.push(line.trim_end().to_owned());
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_breaks_anywhere_and_every_line_fits() {
        let text = "浙江省杭州市西湖区文三路一百号华星科技大厦十二层东侧一二零八室收发室";
        let lines = wrap(text, 30.0, 10.0);
        assert!(lines.len() > 1);
        assert_eq!(lines.concat(), text);
        for l in &lines {
            assert!(width_mm(l, 10.0) <= 30.0, "{l} too wide");
        }
    }

    #[test]
    fn latin_breaks_at_spaces_and_long_words_still_fit() {
        let lines = wrap("Room 1208 Huaxing Technology Building", 25.0, 10.0);
        assert!(
            lines
                .iter()
                .all(|l| !l.starts_with(' ') && !l.ends_with(' '))
        );
        assert_eq!(lines.join(" "), "Room 1208 Huaxing Technology Building");
        let long = "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMNOPQRSTUVWXYZ";
        let lines = wrap(long, 20.0, 10.0);
        assert_eq!(lines.concat(), long);
        assert!(lines.iter().all(|l| width_mm(l, 10.0) <= 20.0));
    }

    #[test]
    fn mixed_text_keeps_numbers_whole() {
        let lines = wrap("电话13812345678地址", 30.0, 10.0);
        assert!(lines.iter().any(|l| l.contains("13812345678")), "{lines:?}");
    }
}
