//! Print layouts on this PC (SPEC 5.1): the network's templates as last
//! fetched from order-hub, so printing works offline, and this PC's own
//! adjustments.

use super::{Store, StoreError, get_meta, set_meta};
use crate::api::print::PrintTemplate;
use crate::domain::print::{Layout, PrintSetup};

/// This PC's adjustments.
const KEY: &str = "print_layouts";
/// The network's templates, as the hub sent them.
const NETWORK: &str = "print_templates";
/// The feed's parameter revision they were fetched at.
const NETWORK_KEY: &str = "print_templates_key";

impl Store {
    /// The network's templates (built-in layouts before the first fetch)
    /// and this PC's adjustments. A damaged entry falls back to the
    /// network's template, a damaged template to the built-in layout.
    pub fn print_setup(&self) -> Result<PrintSetup, StoreError> {
        let (kept, network) = self.with(|c| Ok((get_meta(c, KEY)?, get_meta(c, NETWORK)?)))?;
        let mut setup = PrintSetup::default();
        let templates: Vec<PrintTemplate> = network
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default();
        for t in &templates {
            if let Some(layout) = t.layout() {
                setup.set_network(layout, t.version);
            }
        }
        let kept: Vec<Layout> = kept
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default();
        for layout in kept {
            let layout = layout.sanitized();
            // Before the network's templates, every document's layout was
            // kept here, adjusted or not: an untouched built-in layout is
            // not an adjustment.
            if layout != Layout::default_for(layout.document) {
                setup.adjust(layout.document, |l| *l = layout);
            }
        }
        Ok(setup)
    }

    /// Keeps this PC's adjustments for the next print.
    pub fn save_print_layouts(&self, local: &[Layout]) -> Result<(), StoreError> {
        let text = serde_json::to_string(local).map_err(|e| StoreError::Db(e.to_string()))?;
        self.with(|c| set_meta(c, KEY, &text))
    }

    /// Keeps the network's templates `templates` (a template of a
    /// document not named there stays as it was), fetched at `key` when
    /// given.
    pub fn keep_print_templates(
        &self,
        templates: &[PrintTemplate],
        key: Option<&str>,
    ) -> Result<(), StoreError> {
        self.with(|c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let mut all: Vec<PrintTemplate> = get_meta(&tx, NETWORK)?
                .and_then(|s| serde_json::from_str(&s).ok())
                .unwrap_or_default();
            for t in templates {
                all.retain(|old| old.document != t.document);
                all.push(t.clone());
            }
            let text = serde_json::to_string(&all).map_err(|e| StoreError::Db(e.to_string()))?;
            set_meta(&tx, NETWORK, &text)?;
            if let Some(key) = key {
                set_meta(&tx, NETWORK_KEY, key)?;
            }
            tx.commit()?;
            Ok(())
        })
    }

    /// The feed revision the network's templates were last fetched at.
    pub fn print_templates_key(&self) -> Result<Option<String>, StoreError> {
        self.with(|c| get_meta(c, NETWORK_KEY))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::print::{Document, Field};

    #[test]
    fn templates_and_adjustments_are_kept_and_damage_falls_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (store, _) = Store::open(&dir.path().join("c.db")).expect("open");
        let setup = store.print_setup().expect("read");
        assert_eq!(
            setup.layout(Document::Label),
            Layout::default_for(Document::Label)
        );
        assert_eq!(store.print_templates_key().expect("key"), None);

        let mut network = Layout::default_for(Document::Label);
        network.font_size_pt = 12.0;
        store
            .keep_print_templates(&[PrintTemplate::of(&network, 2)], Some("7"))
            .expect("keep");
        let setup = store.print_setup().expect("read");
        assert_eq!(setup.network_of(Document::Label), (network.clone(), 2));
        assert_eq!(setup.layout(Document::Label), network);
        assert_eq!(
            store.print_templates_key().expect("key").as_deref(),
            Some("7")
        );

        let mut mine = network.clone();
        mine.toggle(Field::Qr);
        store.save_print_layouts(&[mine.clone()]).expect("save");
        let setup = store.print_setup().expect("read");
        assert_eq!(setup.layout(Document::Label), mine);
        assert_eq!(
            setup.layout(Document::PackingList),
            Layout::default_for(Document::PackingList)
        );

        // One template kept later leaves the others as they were.
        let packing = Layout::default_for(Document::PackingList);
        store
            .keep_print_templates(&[PrintTemplate::of(&packing, 3)], None)
            .expect("keep one");
        let setup = store.print_setup().expect("read");
        assert_eq!(setup.network_of(Document::Label).1, 2);
        assert_eq!(setup.network_of(Document::PackingList).1, 3);
        assert_eq!(
            store.print_templates_key().expect("key").as_deref(),
            Some("7")
        );

        store
            .with(|c| set_meta(c, KEY, "{not json"))
            .expect("damage");
        store
            .with(|c| set_meta(c, NETWORK, "[{\"document\": 5}]"))
            .expect("damage");
        let setup = store.print_setup().expect("read");
        assert_eq!(
            setup.layout(Document::Label),
            Layout::default_for(Document::Label)
        );
    }

    #[test]
    fn layouts_kept_before_templates_count_only_when_changed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (store, _) = Store::open(&dir.path().join("c.db")).expect("open");
        let mut label = Layout::default_for(Document::Label);
        label.font_size_pt = 11.0;
        let untouched = Layout::default_for(Document::PackingList);
        store
            .save_print_layouts(&[label.clone(), untouched])
            .expect("save");
        let mut network = Layout::default_for(Document::PackingList);
        network.copies = 3;
        store
            .keep_print_templates(&[PrintTemplate::of(&network, 2)], None)
            .expect("keep");
        let setup = store.print_setup().expect("read");
        assert_eq!(setup.layout(Document::Label), label);
        assert_eq!(setup.layout(Document::PackingList), network);
    }
}
