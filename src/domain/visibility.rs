//! Which orders a user sees (SPEC 3.1), decided once here for the hub (the
//! authority) and the client (its outlet selector).

use super::outlet::{OutletKind, OutletTree};

/// Whether an order at `outlet` is in the HQ pool: no outlet, HQ itself, or
/// a code that is not an outlet.
pub fn is_pool(outlet: Option<&str>, tree: &OutletTree) -> bool {
    match outlet.map(str::trim).filter(|c| !c.is_empty()) {
        None => true,
        Some(code) => match tree.get(code) {
            None => true,
            Some(o) => o.kind == OutletKind::Hq,
        },
    }
}

/// A set of orders by where they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every order of the network.
    All,
    /// The HQ pool.
    Pool,
    /// Orders at this outlet or below it.
    Subtree(String),
}

impl Scope {
    /// Whether an order at `outlet` falls in this scope.
    pub fn contains(&self, outlet: Option<&str>, tree: &OutletTree) -> bool {
        match self {
            Scope::All => true,
            Scope::Pool => is_pool(outlet, tree),
            Scope::Subtree(root) => outlet.is_some_and(|o| tree.is_within(o, root)),
        }
    }
}

impl Scope {
    /// Whether an order is in this scope: by where it is, or (SPEC 3.5) by
    /// the outlet that billed it, so a billing outlet keeps seeing the
    /// orders it imported from elsewhere.
    pub fn sees(&self, order: &super::Order, tree: &OutletTree) -> bool {
        self.sees_at(
            order.current_outlet_code.as_deref(),
            order.billing_outlet_code.as_deref(),
            tree,
        )
    }

    /// [`Scope::sees`] of an order at `current`, billed by `billing`.
    pub fn sees_at(&self, current: Option<&str>, billing: Option<&str>, tree: &OutletTree) -> bool {
        self.contains(current, tree)
            || match self {
                Scope::Subtree(root) => billing.is_some_and(|b| tree.is_within(b, root)),
                _ => false,
            }
    }
}

/// The selector asked for an outlet outside the user's own subtree.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("outlet {0} is outside your network")]
pub struct OutsideSubtree(pub String);

/// Whether the user works at HQ (the root), and so sees the whole network.
pub fn is_hq_user(user_outlet: &str, tree: &OutletTree) -> bool {
    tree.get(user_outlet)
        .is_some_and(|o| o.kind == OutletKind::Hq)
}

/// Everything the user may see at all: HQ users the whole network, others
/// their outlet's subtree.
pub fn user_scope(user_outlet: &str, tree: &OutletTree) -> Scope {
    if is_hq_user(user_outlet, tree) {
        Scope::All
    } else {
        Scope::Subtree(user_outlet.to_owned())
    }
}

/// The scope of the outlet selector (网点选项) for this user.
///
/// HQ user: selector HQ → the pool; empty → everything; another outlet X →
/// X's subtree. Branch or office user: empty → their own subtree; X → X's
/// subtree, and X must lie inside their own.
pub fn selector_scope(
    user_outlet: &str,
    selector: Option<&str>,
    tree: &OutletTree,
) -> Result<Scope, OutsideSubtree> {
    let selector = selector.map(str::trim).filter(|s| !s.is_empty());
    if is_hq_user(user_outlet, tree) {
        return Ok(match selector {
            None => Scope::All,
            Some(x) if x == user_outlet => Scope::Pool,
            Some(x) => Scope::Subtree(x.to_owned()),
        });
    }
    match selector {
        None => Ok(Scope::Subtree(user_outlet.to_owned())),
        Some(x) if tree.is_within(x, user_outlet) => Ok(Scope::Subtree(x.to_owned())),
        Some(x) => Err(OutsideSubtree(x.to_owned())),
    }
}

/// The selector an HQ user starts with (HQ), or empty for everyone else.
pub fn default_selector(user_outlet: &str, tree: &OutletTree) -> Option<String> {
    is_hq_user(user_outlet, tree).then(|| user_outlet.to_owned())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::domain::Outlet;

    /// HQ; branches A and B; offices A1, A2 under A and B1 under B.
    pub fn network() -> OutletTree {
        let o = |c: &str, k, p: Option<&str>| Outlet {
            code: c.into(),
            name: c.into(),
            ..Outlet::blank(k, p)
        };
        OutletTree::new([
            o("HQ", OutletKind::Hq, None),
            o("A", OutletKind::Branch, Some("HQ")),
            o("A1", OutletKind::Office, Some("A")),
            o("A2", OutletKind::Office, Some("A")),
            o("B", OutletKind::Branch, Some("HQ")),
            o("B1", OutletKind::Office, Some("B")),
        ])
    }

    /// Orders at each place: every outlet, HQ, none, an unknown code.
    pub const ORDERS: [(&str, Option<&str>); 9] = [
        ("o-HQ", Some("HQ")),
        ("o-A", Some("A")),
        ("o-A1", Some("A1")),
        ("o-A2", Some("A2")),
        ("o-B", Some("B")),
        ("o-B1", Some("B1")),
        ("o-none", None),
        ("o-empty", Some("")),
        ("o-unknown", Some("ZZ9")),
    ];

    /// The visibility table of the orders issue: (user outlet, selector)
    /// → the orders seen, or refused.
    /// (user outlet, selector, the orders seen or None for refused).
    pub type Row = (
        &'static str,
        Option<&'static str>,
        Option<Vec<&'static str>>,
    );

    pub fn table() -> Vec<Row> {
        vec![
            // HQ: selector HQ = the pool.
            (
                "HQ",
                Some("HQ"),
                Some(vec!["o-HQ", "o-none", "o-empty", "o-unknown"]),
            ),
            // HQ: empty = everything.
            ("HQ", None, Some(ORDERS.iter().map(|(n, _)| *n).collect())),
            // HQ: an office = that office's subtree.
            ("HQ", Some("A1"), Some(vec!["o-A1"])),
            ("HQ", Some("A"), Some(vec!["o-A", "o-A1", "o-A2"])),
            // Branch clerk: empty = own subtree.
            ("A", None, Some(vec!["o-A", "o-A1", "o-A2"])),
            // Branch clerk: an office below.
            ("A", Some("A2"), Some(vec!["o-A2"])),
            // Branch clerk: an office elsewhere → refused.
            ("A", Some("B1"), None),
            ("A", Some("HQ"), None),
            // Office clerk: only itself.
            ("A1", None, Some(vec!["o-A1"])),
            ("A1", Some("A"), None),
        ]
    }

    #[test]
    fn visibility_table() {
        let tree = network();
        for (user, selector, want) in table() {
            let got = selector_scope(user, selector, &tree).ok().map(|scope| {
                ORDERS
                    .iter()
                    .filter(|(_, at)| scope.contains(*at, &tree))
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
            });
            assert_eq!(got, want, "user {user} selector {selector:?}");
        }
    }

    #[test]
    fn pool_rule_is_explicit() {
        let tree = network();
        assert!(is_pool(None, &tree));
        assert!(is_pool(Some(""), &tree));
        assert!(is_pool(Some("  "), &tree));
        assert!(is_pool(Some("HQ"), &tree));
        assert!(is_pool(Some("NOT-AN-OUTLET"), &tree));
        assert!(!is_pool(Some("A1"), &tree));
        assert!(!is_pool(Some("B"), &tree));
    }

    #[test]
    fn whole_view_of_a_user() {
        let tree = network();
        assert_eq!(user_scope("HQ", &tree), Scope::All);
        assert_eq!(user_scope("A", &tree), Scope::Subtree("A".into()));
        assert_eq!(default_selector("HQ", &tree), Some("HQ".into()));
        assert_eq!(default_selector("A", &tree), None);
    }
}
