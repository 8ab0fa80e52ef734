//! Per-printer calibration kept on this PC (SPEC 5.1: "labels printed 3 mm
//! off are a daily complaint"): a printer's feed and driver shift and
//! stretch what it prints, so each printer gets its own offset and scale,
//! applied only when sending to it (a saved PDF stays true to size).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Offsets offered, in mm either way.
pub const OFFSET_RANGE_MM: (f32, f32) = (-10.0, 10.0);
/// One click of an offset.
pub const OFFSET_STEP_MM: f32 = 0.5;
/// Scales offered, in percent.
pub const SCALE_RANGE_PERCENT: (f32, f32) = (90.0, 110.0);
/// One click of the scale.
pub const SCALE_STEP_PERCENT: f32 = 0.5;

/// How one printer's output is corrected: the page is scaled about its
/// top-left corner, then moved right by `offset_x_mm` and down by
/// `offset_y_mm`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Calibration {
    pub offset_x_mm: f32,
    pub offset_y_mm: f32,
    pub scale_percent: f32,
}

impl Default for Calibration {
    fn default() -> Self {
        Calibration {
            offset_x_mm: 0.0,
            offset_y_mm: 0.0,
            scale_percent: 100.0,
        }
    }
}

/// Which value a click changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Adjust {
    OffsetX,
    OffsetY,
    Scale,
}

/// `v` on the grid of `step` inside `range` (a typed or stored value never
/// drifts off the steps the buttons make).
fn snap(v: f32, step: f32, (lo, hi): (f32, f32)) -> f32 {
    ((v / step).round() * step).clamp(lo, hi)
}

impl Calibration {
    /// Whether printing through it changes nothing.
    pub fn is_identity(&self) -> bool {
        *self == Calibration::default()
    }

    /// The scale as a factor (1.0 is true size).
    pub fn factor(&self) -> f32 {
        self.scale_percent / 100.0
    }

    /// Where a point `mm` from the paper's top-left corner is drawn.
    pub fn map(&self, x_mm: f32, y_mm: f32) -> (f32, f32) {
        let s = self.factor();
        (x_mm * s + self.offset_x_mm, y_mm * s + self.offset_y_mm)
    }

    /// One step up (`true`) or down of `what`, kept inside its range.
    pub fn nudged(self, what: Adjust, up: bool) -> Calibration {
        let sign = if up { 1.0 } else { -1.0 };
        let mut c = self;
        match what {
            Adjust::OffsetX => c.offset_x_mm += sign * OFFSET_STEP_MM,
            Adjust::OffsetY => c.offset_y_mm += sign * OFFSET_STEP_MM,
            Adjust::Scale => c.scale_percent += sign * SCALE_STEP_PERCENT,
        }
        c.sanitized()
    }

    /// Brought back onto the steps and inside the ranges; a value that is
    /// not a number (a damaged entry) falls back to no correction.
    pub fn sanitized(self) -> Calibration {
        let d = Calibration::default();
        let or = |v: f32, dv: f32| if v.is_finite() { v } else { dv };
        Calibration {
            offset_x_mm: snap(
                or(self.offset_x_mm, d.offset_x_mm),
                OFFSET_STEP_MM,
                OFFSET_RANGE_MM,
            ),
            offset_y_mm: snap(
                or(self.offset_y_mm, d.offset_y_mm),
                OFFSET_STEP_MM,
                OFFSET_RANGE_MM,
            ),
            scale_percent: snap(
                or(self.scale_percent, d.scale_percent),
                SCALE_STEP_PERCENT,
                SCALE_RANGE_PERCENT,
            ),
        }
    }
}

/// The calibrations kept on this PC, by printer name.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Calibrations(BTreeMap<String, Calibration>);

impl Calibrations {
    /// `printer`'s calibration; a printer never calibrated prints true.
    pub fn get(&self, printer: &str) -> Calibration {
        self.0.get(printer).copied().unwrap_or_default()
    }

    /// Keeps `c` for `printer`; no correction is not stored.
    pub fn set(&mut self, printer: &str, c: Calibration) {
        let c = c.sanitized();
        if c.is_identity() {
            self.0.remove(printer);
        } else {
            self.0.insert(printer.to_owned(), c);
        }
    }

    /// Every entry brought inside the limits.
    pub fn sanitized(self) -> Calibrations {
        let mut out = Calibrations::default();
        for (name, c) in self.0 {
            out.set(&name, c);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_stay_on_the_grid_and_inside_the_ranges() {
        let mut c = Calibration::default();
        for _ in 0..7 {
            c = c.nudged(Adjust::OffsetX, false);
        }
        assert_eq!(c.offset_x_mm, -3.5);
        for _ in 0..100 {
            c = c.nudged(Adjust::OffsetY, true).nudged(Adjust::Scale, false);
        }
        assert_eq!((c.offset_y_mm, c.scale_percent), (10.0, 90.0));
        let typed = Calibration {
            offset_x_mm: 1.26,
            offset_y_mm: f32::NAN,
            scale_percent: 250.0,
        }
        .sanitized();
        assert_eq!(
            typed,
            Calibration {
                offset_x_mm: 1.5,
                offset_y_mm: 0.0,
                scale_percent: 110.0
            }
        );
    }

    #[test]
    fn points_are_scaled_from_the_corner_then_moved() {
        let c = Calibration {
            offset_x_mm: 3.0,
            offset_y_mm: -2.0,
            scale_percent: 98.0,
        };
        let (x, y) = c.map(50.0, 100.0);
        assert!(
            (x - 52.0).abs() < 1e-4 && (y - 96.0).abs() < 1e-4,
            "{x} {y}"
        );
        assert_eq!(Calibration::default().map(7.0, 9.0), (7.0, 9.0));
    }

    #[test]
    fn each_printer_keeps_its_own_and_identity_is_not_stored() {
        let mut all = Calibrations::default();
        let c = Calibration::default().nudged(Adjust::OffsetY, true);
        all.set("Zebra", c);
        assert_eq!(all.get("Zebra"), c);
        assert_eq!(all.get("HP"), Calibration::default());
        all.set("Zebra", Calibration::default());
        assert_eq!(all, Calibrations::default());
        let text = r#"{"A":{"offset_x_mm":-40,"scale_percent":101}}"#;
        let read: Calibrations = serde_json::from_str(text).expect("json");
        assert_eq!(
            read.sanitized().get("A"),
            Calibration {
                offset_x_mm: -10.0,
                offset_y_mm: 0.0,
                scale_percent: 101.0
            }
        );
    }
}
