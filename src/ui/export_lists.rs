//! What 网点管理 and 员工管理 export: the outlets the tree shows (its
//! search applied, every branch open) and the staff the query found. A
//! staff row has no password field to leak: the API never returns one.

use crate::domain::{Outlet, OutletTree, Staff};
use crate::export::{Cell, Kind, Mapped};
use crate::i18n::{self, Lang};
use crate::ui::export::Request;
use crate::ui::widget::tree;

fn heads(lang: Lang, keys: &[(&str, Kind)]) -> Vec<(String, Kind)> {
    keys.iter()
        .map(|(k, kind)| (i18n::t(lang, &format!("export.col.{k}")), *kind))
        .collect()
}

fn yes_no(lang: Lang, b: bool) -> Cell {
    Cell::Text(i18n::t(lang, if b { "export.yes" } else { "export.no" }))
}

/// The outlets matching `search` (with their ancestors), in tree order.
pub fn outlets(tree: &OutletTree, search: &str, lang: Lang) -> Request {
    let all_open = tree.outlets().map(|o| o.code.clone()).collect();
    let shown: Vec<Outlet> = tree::visible_rows(tree, &all_open, search)
        .into_iter()
        .filter_map(|r| tree.get(&r.code).cloned())
        .collect();
    let parent_names: std::collections::HashMap<String, String> = shown
        .iter()
        .filter_map(|o| o.parent_code.as_ref())
        .filter_map(|p| tree.get(p).map(|o| (p.clone(), o.name.clone())))
        .collect();
    let total = shown.len() as u64;
    Request {
        title: i18n::t(lang, "export.outlets_title"),
        columns: heads(
            lang,
            &[
                ("code", Kind::Text),
                ("name", Kind::Text),
                ("kind", Kind::Text),
                ("parent", Kind::Text),
                ("province", Kind::Text),
                ("city", Kind::Text),
                ("district", Kind::Text),
                ("address", Kind::Text),
                ("phone", Kind::Text),
                ("urban", Kind::Text),
                ("accepts_ali", Kind::Text),
                ("active", Kind::Text),
            ],
        ),
        rows: Box::new(Mapped::new(shown, move |o: Outlet| {
            let parent = o
                .parent_code
                .as_ref()
                .map(|p| parent_names.get(p).cloned().unwrap_or_else(|| p.clone()))
                .unwrap_or_default();
            vec![
                Cell::Text(o.code),
                Cell::Text(o.name),
                Cell::Text(i18n::t(lang, &format!("kind.{}", o.kind.as_str()))),
                Cell::Text(parent),
                Cell::Text(o.province),
                Cell::Text(o.city),
                Cell::Text(o.district),
                Cell::Text(o.address),
                Cell::Text(o.phone),
                yes_no(lang, o.urban),
                yes_no(lang, o.accepts_ali_orders),
                yes_no(lang, o.active),
            ]
        })),
        total: Some(total),
    }
}

/// The staff list as the query found it.
pub fn staff(rows: Vec<Staff>, tree: &OutletTree, lang: Lang) -> Request {
    let names: std::collections::HashMap<String, String> = rows
        .iter()
        .filter_map(|s| {
            tree.get(&s.outlet_code)
                .map(|o| (s.outlet_code.clone(), o.name.clone()))
        })
        .collect();
    let total = rows.len() as u64;
    Request {
        title: i18n::t(lang, "export.staff_title"),
        columns: heads(
            lang,
            &[
                ("login", Kind::Text),
                ("person", Kind::Text),
                ("outlet", Kind::Text),
                ("code", Kind::Text),
                ("role", Kind::Text),
                ("phone", Kind::Text),
                ("active", Kind::Text),
            ],
        ),
        rows: Box::new(Mapped::new(rows, move |s: Staff| {
            vec![
                Cell::Text(s.login),
                Cell::Text(s.name),
                Cell::Text(names.get(&s.outlet_code).cloned().unwrap_or_default()),
                Cell::Text(s.outlet_code),
                Cell::Text(i18n::t(lang, &format!("role.{}", s.role.as_str()))),
                Cell::Text(s.phone),
                yes_no(lang, s.active),
            ]
        })),
        total: Some(total),
    }
}
