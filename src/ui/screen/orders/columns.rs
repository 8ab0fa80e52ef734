//! The widths of the order list's columns. Each column has a share of the
//! list's width and a floor: the width of its longest word or number on
//! the page, so a number never breaks across lines. At 1024 px with an
//! order open, shares alone gave the order number 70 px and it came out as
//! "2611270006 / 60773", the phone and the logistics number alike. What
//! the floors take comes from the other columns' shares.

/// Shares of the list's width, header and rows alike: 订单号, 发货人, 货物,
/// 重量, 上门, 下单, 联系时限, 状态, 打印次数. 上门 is wide enough for
/// "Drop-off" unbroken at 1024 px ("Picku / p" before).
pub(super) const SHARES: [u16; 9] = [14, 14, 11, 10, 9, 12, 9, 11, 9];
/// Between two columns: 4 px, not 6, was the rest of 打印次数's room at
/// 1024 px with 大字体.
pub(super) const GAP: f32 = 4.0;
/// Text sizes of the numbers in a row (order number, logistics number,
/// the shipper's line).
pub(super) const NUMBER_SIZE: f32 = 12.0;
pub(super) const LOGISTICS_SIZE: f32 = 11.0;
/// The print tick before the logistics number, and the space after it.
pub(super) const TICK: f32 = 12.0 + 4.0;
/// Rounding and hinting room beside a measured number.
const SLACK: f32 = 3.0;

/// The width `s` takes at `size` px in the bundled font (as iced draws it).
fn text_width(s: &str, size: f32) -> f32 {
    let em =
        crate::print::font::metrics().map_or(0.6 * s.chars().count() as f32, |m| m.width_em(s));
    em * size + SLACK
}

/// The widest part of `s` that cannot break at `size` px: a run of
/// letters, digits and signs between spaces (a Chinese character may
/// break on either side, so it stands alone).
pub(super) fn longest_word(s: &str, size: f32) -> f32 {
    let mut widest = 0.0_f32;
    let mut run = String::new();
    let mut flush = |run: &mut String| {
        if !run.is_empty() {
            widest = widest.max(text_width(run, size));
            run.clear();
        }
    };
    for c in s.chars() {
        if c.is_whitespace() || breaks_around(c) {
            flush(&mut run);
        }
        if !c.is_whitespace() {
            run.push(c);
        }
        if breaks_around(c) {
            flush(&mut run);
        }
    }
    flush(&mut run);
    widest
}

/// Characters a line may break before and after: CJK ideographs, kana,
/// hangul and full-width forms.
fn breaks_around(c: char) -> bool {
    matches!(c, '\u{2E80}'..='\u{9FFF}' | '\u{AC00}'..='\u{D7AF}' | '\u{F900}'..='\u{FAFF}' | '\u{FF00}'..='\u{FFEF}')
}

/// Each column's width for `width` px of row (gaps included), given each
/// column's floor (0 for none): a floor above its share is kept, and the
/// rest is shared by the other columns in their proportions.
pub(super) fn widths(width: f32, floors: [f32; 9]) -> [f32; 9] {
    let room = (width - GAP * (SHARES.len() - 1) as f32).max(0.0);
    let mut fixed = [false; 9];
    loop {
        let taken: f32 = (0..9).filter(|&i| fixed[i]).map(|i| floors[i]).sum();
        let shares: u16 = (0..9).filter(|&i| !fixed[i]).map(|i| SHARES[i]).sum();
        let per_share = if shares == 0 {
            0.0
        } else {
            (room - taken).max(0.0) / f32::from(shares)
        };
        // A column whose floor is above its share keeps its floor; the
        // others' shares shrink, so look again until none is newly fixed.
        let newly: Vec<usize> = (0..9)
            .filter(|&i| !fixed[i] && floors[i] > f32::from(SHARES[i]) * per_share)
            .collect();
        if newly.is_empty() {
            let mut out = [0.0; 9];
            for i in 0..9 {
                out[i] = if fixed[i] {
                    floors[i]
                } else {
                    f32::from(SHARES[i]) * per_share
                };
            }
            return out;
        }
        for i in newly {
            fixed[i] = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{GAP, longest_word, widths};

    #[test]
    fn the_longest_word_is_the_longest_number() {
        let phone = longest_word("13800138000", 12.0);
        assert_eq!(longest_word("张三丰 13800138000", 12.0), phone);
        // Chinese breaks anywhere: one character is the widest part.
        assert!(longest_word("新疆维吾尔自治区", 12.0) < phone / 4.0);
        assert!(longest_word("服装×35", 12.0) < phone);
        assert_eq!(longest_word("", 12.0), 0.0);
    }

    #[test]
    fn without_floors_the_columns_share_the_width() {
        let w = widths(99.0 + 8.0 * GAP, [0.0; 9]);
        assert_eq!(w[0], 14.0);
        assert_eq!(w[4], 9.0);
    }

    #[test]
    fn a_number_keeps_its_width_and_the_others_give_way() {
        // 1024 px with an order open: about 490 px for the columns.
        let mut floors = [0.0; 9];
        floors[0] = 125.0; // 19 digits
        floors[1] = 76.0; // an 11-digit phone
        let w = widths(490.0 + 8.0 * GAP, floors);
        assert_eq!(w[0], 125.0);
        assert_eq!(w[1], 76.0);
        let total: f32 = w.iter().sum();
        assert!((total - 490.0).abs() < 0.01, "{total}");
        // The rest keep their proportions.
        assert!((w[2] / w[3] - 11.0 / 10.0).abs() < 0.001);
    }

    #[test]
    fn a_floor_below_its_share_changes_nothing() {
        let mut floors = [0.0; 9];
        floors[0] = 10.0;
        assert_eq!(
            widths(990.0 + 8.0 * GAP, floors),
            widths(990.0 + 8.0 * GAP, [0.0; 9])
        );
    }
}
