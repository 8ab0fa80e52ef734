//! Print layouts kept on this PC (SPEC 5.1: per document; the hub's
//! network templates are not built yet).

use super::{Store, StoreError, get_meta, set_meta};
use crate::domain::print::{Document, Layout};

const KEY: &str = "print_layouts";

impl Store {
    /// The layouts kept here, one per document; a document never laid out
    /// (or a damaged entry) gets its default.
    pub fn print_layouts(&self) -> Result<Vec<Layout>, StoreError> {
        let stored = self.with(|c| get_meta(c, KEY))?;
        let kept: Vec<Layout> = stored
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default();
        Ok(Document::ALL
            .into_iter()
            .map(|d| {
                kept.iter()
                    .find(|l| l.document == d)
                    .cloned()
                    .map_or_else(|| Layout::default_for(d), Layout::sanitized)
            })
            .collect())
    }

    /// Keeps `layouts` for the next print.
    pub fn save_print_layouts(&self, layouts: &[Layout]) -> Result<(), StoreError> {
        let text = serde_json::to_string(layouts).map_err(|e| StoreError::Db(e.to_string()))?;
        self.with(|c| set_meta(c, KEY, &text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::print::Field;

    #[test]
    fn layouts_are_kept_and_damage_falls_back_to_defaults() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (store, _) = Store::open(&dir.path().join("c.db")).expect("open");
        assert_eq!(
            store.print_layouts().expect("read")[0],
            Layout::default_for(Document::Label)
        );
        let mut label = Layout::default_for(Document::Label);
        label.toggle(Field::Qr);
        label.font_size_pt = 12.0;
        store.save_print_layouts(&[label.clone()]).expect("save");
        let back = store.print_layouts().expect("read");
        assert_eq!(back[0], label);
        assert_eq!(back[2], Layout::default_for(Document::PackingList));
        store
            .with(|c| set_meta(c, KEY, "{not json"))
            .expect("damage");
        assert_eq!(store.print_layouts().expect("read").len(), 3);
    }
}
