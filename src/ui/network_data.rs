//! The outlet network as the screens use it: the tree and the pickers'
//! entries, built together off the GUI thread (20,000 outlets take
//! 150–250 ms) and handed to it finished.

use std::sync::Arc;

use crate::domain::{Outlet, OutletTree};
use crate::ui::widget::{outlet_choices, picker};

/// A finished network: the tree, every outlet's picker entry once, and
/// which entries the user's own pickers offer.
#[derive(Debug, Clone, Default)]
pub struct NetworkData {
    pub tree: Arc<OutletTree>,
    /// "名称 (代码)" for every outlet in tree order, shared by every picker.
    pub choices: Arc<picker::Options>,
    /// Entries in the user's subtree (the orders' selector).
    pub mine: Arc<[u32]>,
    /// Entries that may receive orders (分配).
    pub targets: Arc<[u32]>,
}

impl NetworkData {
    /// Builds everything from `outlets` for the user at `user_outlet`.
    /// CPU only: call it on a blocking task.
    pub fn build(outlets: Vec<Outlet>, user_outlet: &str) -> NetworkData {
        let tree = OutletTree::new(outlets);
        let choices = picker::Options::new(outlet_choices(&tree));
        let entries = |keep: &dyn Fn(&str) -> bool| -> Arc<[u32]> {
            (0..choices.len())
                .filter(|i| choices.value(*i).is_some_and(keep))
                .filter_map(|i| u32::try_from(i).ok())
                .collect()
        };
        let mine = entries(&|code| tree.is_within(code, user_outlet));
        let targets = entries(&|code| crate::domain::dispatch::can_receive(code, &tree));
        NetworkData {
            tree: Arc::new(tree),
            choices: Arc::new(choices),
            mine,
            targets,
        }
    }

    /// The heap bytes the pickers' shared entries hold (for the bench).
    pub fn picker_bytes(&self) -> usize {
        self.choices.bytes() + (self.mine.len() + self.targets.len()) * 4
    }
}
