//! The rows an outlet tree shows: which nodes, how deep, open or closed.
//! A pure function of the tree, the open set and the search, so it is
//! tested without drawing anything.

use std::collections::HashSet;

use crate::domain::OutletTree;

/// One visible row of the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub code: String,
    pub depth: usize,
    pub has_children: bool,
    pub open: bool,
}

/// The rows to draw. With an empty `search`, children of open nodes only;
/// otherwise every node whose name or code contains it (case-insensitive),
/// with its ancestors, all open.
pub fn visible_rows(tree: &OutletTree, open: &HashSet<String>, search: &str) -> Vec<Row> {
    let needle = search.trim().to_lowercase();
    let keep: Option<HashSet<String>> = (!needle.is_empty()).then(|| {
        let mut keep = HashSet::new();
        let mut stack: Vec<&str> = tree.roots().collect();
        while let Some(code) = stack.pop() {
            stack.extend(tree.children(code));
            let Some(o) = tree.get(code) else { continue };
            if o.name.to_lowercase().contains(&needle) || o.code.to_lowercase().contains(&needle) {
                for p in tree.path(code) {
                    keep.insert(p.code.clone());
                }
            }
        }
        keep
    });
    let mut rows = Vec::new();
    let mut stack: Vec<(String, usize)> = tree.roots().rev().map(|c| (c.to_owned(), 0)).collect();
    while let Some((code, depth)) = stack.pop() {
        if keep.as_ref().is_some_and(|k| !k.contains(&code)) {
            continue;
        }
        let kids = tree.children(&code);
        let is_open = keep.is_some() || open.contains(&code);
        if is_open {
            stack.extend(kids.clone().rev().map(|c| (c.to_owned(), depth + 1)));
        }
        rows.push(Row {
            code,
            depth,
            has_children: !kids.is_empty(),
            open: is_open && !kids.is_empty(),
        });
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Outlet, OutletKind};

    fn tree() -> OutletTree {
        let o = |c: &str, k, p: Option<&str>, n: &str| Outlet {
            code: c.into(),
            name: n.into(),
            ..Outlet::blank(k, p)
        };
        OutletTree::new([
            o("HQ", OutletKind::Hq, None, "总公司"),
            o("JS", OutletKind::Branch, Some("HQ"), "江苏分公司"),
            o("JS-YZ", OutletKind::Office, Some("JS"), "扬州办事处"),
            o("ZJ", OutletKind::Branch, Some("HQ"), "浙江分公司"),
        ])
    }

    fn codes(rows: &[Row]) -> Vec<&str> {
        rows.iter().map(|r| r.code.as_str()).collect()
    }

    #[test]
    fn closed_tree_shows_roots_only() {
        let rows = visible_rows(&tree(), &HashSet::new(), "");
        assert_eq!(codes(&rows), ["HQ"]);
        assert!(rows[0].has_children && !rows[0].open);
    }

    #[test]
    fn opening_shows_children_in_order() {
        let open: HashSet<String> = ["HQ".to_owned()].into();
        let rows = visible_rows(&tree(), &open, "");
        assert_eq!(codes(&rows), ["HQ", "JS", "ZJ"]);
        assert_eq!(rows[1].depth, 1);
    }

    #[test]
    fn search_shows_matches_with_ancestors() {
        let rows = visible_rows(&tree(), &HashSet::new(), "扬州");
        assert_eq!(codes(&rows), ["HQ", "JS", "JS-YZ"]);
        let rows = visible_rows(&tree(), &HashSet::new(), "zj");
        assert_eq!(codes(&rows), ["HQ", "ZJ"]);
        assert!(visible_rows(&tree(), &HashSet::new(), "nothing").is_empty());
    }
}
