//! Printer calibrations kept on this PC (SPEC 5.1), in the cache's meta:
//! they belong to the printers beside this computer, never to the hub.

use super::{Store, StoreError, get_meta, set_meta};
use crate::domain::calibration::Calibrations;

const KEY: &str = "printer_calibrations";

impl Store {
    /// The calibrations kept here; a damaged entry reads as none (every
    /// printer prints true until calibrated again).
    pub fn printer_calibrations(&self) -> Result<Calibrations, StoreError> {
        let stored = self.with(|c| get_meta(c, KEY))?;
        Ok(stored
            .and_then(|s| serde_json::from_str::<Calibrations>(&s).ok())
            .unwrap_or_default()
            .sanitized())
    }

    /// Keeps `all` for the next print.
    pub fn save_printer_calibrations(&self, all: &Calibrations) -> Result<(), StoreError> {
        let text = serde_json::to_string(all).map_err(|e| StoreError::Db(e.to_string()))?;
        self.with(|c| set_meta(c, KEY, &text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::calibration::{Adjust, Calibration};

    #[test]
    fn calibrations_are_kept_per_printer_and_damage_reads_as_none() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (store, _) = Store::open(&dir.path().join("c.db")).expect("open");
        assert_eq!(
            store.printer_calibrations().expect("read"),
            Calibrations::default()
        );
        let mut all = Calibrations::default();
        let c = Calibration::default()
            .nudged(Adjust::OffsetX, true)
            .nudged(Adjust::Scale, false);
        all.set("标签机", c);
        store.save_printer_calibrations(&all).expect("save");
        let back = store.printer_calibrations().expect("read");
        assert_eq!(back.get("标签机"), c);
        assert_eq!(back.get("A4"), Calibration::default());
        store
            .with(|c| set_meta(c, KEY, "{not json"))
            .expect("damage");
        assert_eq!(
            store.printer_calibrations().expect("read"),
            Calibrations::default()
        );
    }
}
