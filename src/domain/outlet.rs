//! The outlet network (SPEC 2.1): a tree with one HQ at the root.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::rule::{Checker, FieldError, RuleError, is_valid_code, is_valid_phone};

/// What an outlet is in the company's structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutletKind {
    /// 总公司: the single root.
    Hq,
    /// 分公司.
    Branch,
    /// 办事处.
    Office,
    /// 营业部: a sales outlet.
    Outlet,
}

impl OutletKind {
    /// All kinds, in form order.
    pub const ALL: [OutletKind; 4] = [
        OutletKind::Hq,
        OutletKind::Branch,
        OutletKind::Office,
        OutletKind::Outlet,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            OutletKind::Hq => "hq",
            OutletKind::Branch => "branch",
            OutletKind::Office => "office",
            OutletKind::Outlet => "outlet",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<OutletKind> {
        OutletKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One node of the network, as the API carries it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Outlet {
    /// Unique, stable key.
    #[schema(max_length = 20)]
    pub code: String,
    /// Display name, unique among siblings.
    #[schema(max_length = 50)]
    pub name: String,
    /// Place in the structure.
    pub kind: OutletKind,
    /// `None` only for HQ.
    pub parent_code: Option<String>,
    #[serde(default)]
    #[schema(max_length = 20)]
    pub province: String,
    #[serde(default)]
    #[schema(max_length = 20)]
    pub city: String,
    #[serde(default)]
    #[schema(max_length = 20)]
    pub district: String,
    #[serde(default)]
    #[schema(max_length = 120)]
    pub address: String,
    #[serde(default)]
    #[schema(max_length = 24)]
    pub phone: String,
    /// 市区网点: urban outlets can grant free pickup.
    #[serde(default)]
    pub urban: bool,
    #[serde(default)]
    pub latitude: Option<f64>,
    #[serde(default)]
    pub longitude: Option<f64>,
    /// Whether dispatch may send Ali orders here.
    #[serde(default)]
    pub accepts_ali_orders: bool,
    /// Inactive outlets stay in the tree (history) but get no new work.
    #[serde(default = "yes")]
    pub active: bool,
    /// Optimistic-concurrency version; the server sets it.
    #[serde(default)]
    pub version: i64,
}

fn yes() -> bool {
    true
}

impl Outlet {
    /// An empty outlet of `kind` under `parent`, as the 新增 form starts.
    pub fn blank(kind: OutletKind, parent: Option<&str>) -> Self {
        Outlet {
            code: String::new(),
            name: String::new(),
            kind,
            parent_code: parent.map(str::to_owned),
            province: String::new(),
            city: String::new(),
            district: String::new(),
            address: String::new(),
            phone: String::new(),
            urban: false,
            latitude: None,
            longitude: None,
            accepts_ali_orders: true,
            active: true,
            version: 0,
        }
    }

    /// Checks the fields on their own, without the rest of the network.
    pub fn check_fields(&self) -> Result<(), RuleError> {
        let mut c = Checker::default();
        c.check(self.code.trim().is_empty(), "code", "required");
        c.check(!is_valid_code(&self.code), "code", "invalid_code");
        c.check(self.name.trim().is_empty(), "name", "required");
        c.check(self.name.chars().count() > 50, "name", "too_long");
        c.check(
            self.kind != OutletKind::Hq && self.parent_code.as_deref().unwrap_or("").is_empty(),
            "parent_code",
            "parent_required",
        );
        c.check(
            self.kind == OutletKind::Hq && self.parent_code.is_some(),
            "parent_code",
            "hq_has_no_parent",
        );
        c.check(!is_valid_phone(&self.phone), "phone", "invalid_phone");
        c.check(
            self.kind == OutletKind::Hq && !self.active,
            "active",
            "hq_must_stay",
        );
        c.check(
            self.latitude.is_some_and(|v| !(-90.0..=90.0).contains(&v)),
            "latitude",
            "out_of_range",
        );
        c.check(
            self.longitude
                .is_some_and(|v| !(-180.0..=180.0).contains(&v)),
            "longitude",
            "out_of_range",
        );
        for (field, value, max) in [
            ("name", &self.name, 50),
            ("province", &self.province, 20),
            ("city", &self.city, 20),
            ("district", &self.district, 20),
            ("address", &self.address, 120),
        ] {
            super::text::check_line(&mut c, field, value, max);
        }
        c.finish()
    }
}

/// An index over the whole network for tree rules and subtree queries.
///
/// Built once per revision; lookups are O(log n) and subtree walks touch
/// only the subtree. The outlets are kept once, in code order, and every
/// link between them (children, roots, cities) is an index into that
/// list: at 20,000 outlets each link a copy of a code was 60,000 more
/// strings and about 4 MB (issue 11).
#[derive(Debug, Default, Clone)]
pub struct OutletTree {
    /// Every outlet, in code order.
    outlets: Vec<Outlet>,
    /// `outlets[i]`'s children are `child_list[child_start[i]..child_start[i + 1]]`,
    /// in code order.
    child_start: Vec<u32>,
    child_list: Vec<u32>,
    roots: Vec<u32>,
    /// Outlets reachable from a root, by city (without a trailing 市), the
    /// most local kind first, then by code: dispatch by city reads one
    /// entry instead of walking 20,000 outlets per order.
    by_city: HashMap<String, Vec<u32>>,
}

/// Codes of outlets of a [`OutletTree`] (children, roots, a city's).
#[derive(Debug, Clone)]
pub struct Codes<'a> {
    outlets: &'a [Outlet],
    at: std::slice::Iter<'a, u32>,
}

impl<'a> Codes<'a> {
    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.at.len() == 0
    }

    fn code(&self, i: &u32) -> &'a str {
        // Every index was made from `outlets` itself.
        self.outlets
            .get(*i as usize)
            .map_or("", |o| o.code.as_str())
    }
}

impl<'a> Iterator for Codes<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let i = self.at.next()?;
        Some(self.code(i))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.at.size_hint()
    }
}

impl DoubleEndedIterator for Codes<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        let i = self.at.next_back()?;
        Some(self.code(i))
    }
}

impl ExactSizeIterator for Codes<'_> {}

/// A city name as dispatch compares it: trimmed, without a trailing 市.
pub fn city_key(city: &str) -> &str {
    city.trim().trim_end_matches('市')
}

/// An index into the tree's list (20,000 outlets, far below `u32::MAX`).
fn index(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

impl OutletTree {
    /// Indexes `outlets`. Children are kept in code order for stable display.
    /// Of two outlets with one code the later is kept.
    pub fn new(outlets: impl IntoIterator<Item = Outlet>) -> Self {
        let mut list: Vec<Outlet> = outlets.into_iter().collect();
        // Stable: of equal codes the later stays last, and dedup keeps the
        // first of a run, so reverse each run's order first.
        list.reverse();
        list.sort_by(|a, b| a.code.cmp(&b.code));
        list.dedup_by(|a, b| a.code == b.code);
        list.shrink_to_fit();
        let mut tree = OutletTree {
            outlets: list,
            ..OutletTree::default()
        };
        let parents: Vec<Option<u32>> = tree
            .outlets
            .iter()
            .map(|o| {
                o.parent_code
                    .as_deref()
                    .and_then(|p| tree.position(p))
                    .map(index)
            })
            .collect();
        // Children by parent, each parent's in code order (the list's).
        let mut count = vec![0u32; tree.outlets.len() + 1];
        for p in parents.iter().flatten() {
            count[*p as usize + 1] += 1;
        }
        for i in 1..count.len() {
            count[i] += count[i - 1];
        }
        let mut next = count.clone();
        let mut child_list = vec![0u32; parents.iter().flatten().count()];
        for (i, p) in parents.iter().enumerate() {
            match p {
                Some(p) => {
                    let slot = &mut next[*p as usize];
                    child_list[*slot as usize] = index(i);
                    *slot += 1;
                }
                None => tree.roots.push(index(i)),
            }
        }
        tree.child_start = count;
        tree.child_list = child_list;
        tree.index_cities();
        tree
    }

    /// Where `code` is in the list.
    fn position(&self, code: &str) -> Option<usize> {
        self.outlets
            .binary_search_by(|o| o.code.as_str().cmp(code))
            .ok()
    }

    fn codes<'a>(&'a self, at: &'a [u32]) -> Codes<'a> {
        Codes {
            outlets: &self.outlets,
            at: at.iter(),
        }
    }

    fn child_indexes(&self, i: usize) -> &[u32] {
        let (Some(from), Some(to)) = (self.child_start.get(i), self.child_start.get(i + 1)) else {
            return &[];
        };
        self.child_list
            .get(*from as usize..*to as usize)
            .unwrap_or(&[])
    }

    fn index_cities(&mut self) {
        let mut by_city: HashMap<String, Vec<u32>> = HashMap::new();
        let mut stack: Vec<u32> = self.roots.clone();
        while let Some(i) = stack.pop() {
            stack.extend_from_slice(self.child_indexes(i as usize));
            let key = city_key(&self.outlets[i as usize].city);
            if !key.is_empty() {
                by_city.entry(key.to_owned()).or_default().push(i);
            }
        }
        let rank = |k: OutletKind| match k {
            OutletKind::Outlet => 0,
            OutletKind::Office => 1,
            OutletKind::Branch => 2,
            OutletKind::Hq => 3,
        };
        // The list is in code order, so the index orders by code too.
        for at in by_city.values_mut() {
            at.sort_by_key(|i| (rank(self.outlets[*i as usize].kind), *i));
            at.shrink_to_fit();
        }
        by_city.shrink_to_fit();
        self.by_city = by_city;
    }

    /// Outlets in `city` (compared as [`city_key`]), the most local kind
    /// first, then in code order.
    pub fn in_city(&self, city: &str) -> Codes<'_> {
        self.codes(self.by_city.get(city_key(city)).map_or(&[], Vec::as_slice))
    }

    /// The outlet with `code`.
    pub fn get(&self, code: &str) -> Option<&Outlet> {
        self.position(code).map(|i| &self.outlets[i])
    }

    /// Every outlet, in code order.
    pub fn outlets(&self) -> impl Iterator<Item = &Outlet> {
        self.outlets.iter()
    }

    /// This network with `changed` outlets added or replaced and `removed`
    /// codes gone (an incremental outlet list), in code order.
    pub fn with_changes(&self, changed: Vec<Outlet>, removed: &[String]) -> Vec<Outlet> {
        let gone: HashSet<&str> = removed
            .iter()
            .map(String::as_str)
            .chain(changed.iter().map(|o| o.code.as_str()))
            .collect();
        let mut out: Vec<Outlet> = self
            .outlets
            .iter()
            .filter(|o| !gone.contains(o.code.as_str()))
            .cloned()
            .collect();
        out.extend(changed);
        out.sort_by(|a, b| a.code.cmp(&b.code));
        out
    }

    /// Number of outlets.
    pub fn len(&self) -> usize {
        self.outlets.len()
    }

    /// Whether the network is empty.
    pub fn is_empty(&self) -> bool {
        self.outlets.is_empty()
    }

    /// Codes of outlets without a (known) parent: normally just HQ.
    pub fn roots(&self) -> Codes<'_> {
        self.codes(&self.roots)
    }

    /// Direct children of `code`, in code order.
    pub fn children(&self, code: &str) -> Codes<'_> {
        match self.position(code) {
            Some(i) => self.codes(self.child_indexes(i)),
            None => self.codes(&[]),
        }
    }

    /// The HQ outlet, if there is one.
    pub fn hq(&self) -> Option<&Outlet> {
        self.outlets.iter().find(|o| o.kind == OutletKind::Hq)
    }

    /// `code` and every outlet below it. Empty for an unknown code.
    pub fn subtree(&self, code: &str) -> HashSet<String> {
        let mut out = HashSet::new();
        let Some(top) = self.position(code) else {
            return out;
        };
        let mut stack = vec![index(top)];
        while let Some(i) = stack.pop() {
            stack.extend_from_slice(self.child_indexes(i as usize));
            out.insert(self.outlets[i as usize].code.clone());
        }
        out
    }

    /// Whether `code` is `root` or lies below it.
    pub fn is_within(&self, code: &str, root: &str) -> bool {
        let mut cur = Some(code);
        let mut steps = 0;
        while let Some(c) = cur {
            if c == root {
                return self.position(root).is_some();
            }
            steps += 1;
            if steps > self.outlets.len() {
                return false; // a corrupt cycle must not hang us
            }
            cur = self.get(c).and_then(|o| o.parent_code.as_deref());
        }
        false
    }

    /// Names from the root down to `code`, for breadcrumbs and pickers.
    pub fn path(&self, code: &str) -> Vec<&Outlet> {
        let mut path = Vec::new();
        let mut cur = self.get(code);
        while let Some(o) = cur {
            if path.len() > self.outlets.len() {
                break;
            }
            path.push(o);
            cur = o.parent_code.as_deref().and_then(|p| self.get(p));
        }
        path.reverse();
        path
    }

    /// Checks a new outlet against the network (SPEC 2.1). Every problem
    /// is reported at once, so a clerk fixes the form in one go; a taken
    /// code on its own is `Duplicate` (HTTP 409).
    pub fn check_create(&self, new: &Outlet) -> Result<(), RuleError> {
        let mut errs = field_errors(new);
        let mut add = |e: FieldError| {
            if !errs.iter().any(|x| x.field == e.field) {
                errs.push(e);
            }
        };
        if new.kind == OutletKind::Hq && self.hq().is_some() {
            add(FieldError::new("kind", "hq_exists"));
        }
        if let Some(e) = self.parent_and_name(new) {
            add(e);
        }
        if self.get(&new.code).is_some() {
            if errs.is_empty() {
                return Err(RuleError::Duplicate {
                    field: "code".into(),
                });
            }
            if !errs.iter().any(|x| x.field == "code") {
                errs.push(FieldError::new("code", "duplicate_code"));
            }
        }
        into_result(errs)
    }

    /// Checks an edit of an existing outlet (same code) against the
    /// network, every problem at once.
    pub fn check_update(&self, new: &Outlet) -> Result<(), RuleError> {
        let Some(old) = self.get(&new.code) else {
            return Err(RuleError::field("code", "not_found"));
        };
        let mut errs = field_errors(new);
        let mut add = |e: FieldError| {
            if !errs.iter().any(|x| x.field == e.field) {
                errs.push(e);
            }
        };
        if new.kind == OutletKind::Hq && old.kind != OutletKind::Hq {
            add(FieldError::new("kind", "hq_exists"));
        }
        if old.kind == OutletKind::Hq && new.kind != OutletKind::Hq {
            add(FieldError::new("kind", "hq_must_stay"));
        }
        if let Some(parent) = new.parent_code.as_deref()
            && self.is_within(parent, &new.code)
        {
            add(FieldError::new("parent_code", "cycle"));
        }
        if let Some(e) = self.parent_and_name(new) {
            add(e);
        }
        into_result(errs)
    }

    /// A missing parent, or a sibling already of this name.
    fn parent_and_name(&self, new: &Outlet) -> Option<FieldError> {
        let parent = new.parent_code.as_deref()?;
        if self.get(parent).is_none() {
            return Some(FieldError::new("parent_code", "parent_missing"));
        }
        let clash = self.children(parent).any(|c| {
            c != new.code
                && self
                    .get(c)
                    .is_some_and(|o| o.name.trim() == new.name.trim())
        });
        clash.then(|| FieldError::new("name", "duplicate_sibling_name"))
    }
}

/// The field errors of `o` on its own, as a list to add to.
fn field_errors(o: &Outlet) -> Vec<FieldError> {
    match o.check_fields() {
        Err(RuleError::Fields(v)) => v,
        _ => Vec::new(),
    }
}

fn into_result(errs: Vec<FieldError>) -> Result<(), RuleError> {
    if errs.is_empty() {
        Ok(())
    } else {
        Err(RuleError::Fields(errs))
    }
}

/// What still hangs on an outlet that someone wants to delete.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Attached {
    /// Codes of direct sub-outlets.
    pub sub_outlets: Vec<String>,
    /// Logins of staff members at the outlet.
    pub staff: Vec<String>,
    /// Number of open (pending or accepted) orders held there.
    pub open_orders: u64,
}

impl Attached {
    /// Deletion is allowed only when nothing is attached; otherwise the
    /// outlet can be deactivated, so nothing is lost.
    pub fn is_empty(&self) -> bool {
        self.sub_outlets.is_empty() && self.staff.is_empty() && self.open_orders == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn o(code: &str, kind: OutletKind, parent: Option<&str>, name: &str) -> Outlet {
        Outlet {
            code: code.into(),
            name: name.into(),
            ..Outlet::blank(kind, parent)
        }
    }

    fn net() -> OutletTree {
        OutletTree::new([
            o("HQ", OutletKind::Hq, None, "总公司"),
            o("JS", OutletKind::Branch, Some("HQ"), "江苏分公司"),
            o("JS-YZ", OutletKind::Office, Some("JS"), "扬州办事处"),
            o(
                "JS-YZ-01",
                OutletKind::Outlet,
                Some("JS-YZ"),
                "扬州邗江营业部",
            ),
            o("ZJ", OutletKind::Branch, Some("HQ"), "浙江分公司"),
        ])
    }

    #[test]
    fn subtree_contains_self_and_descendants_only() {
        let t = net();
        let s = t.subtree("JS");
        assert_eq!(s.len(), 3);
        assert!(s.contains("JS-YZ-01") && !s.contains("ZJ") && !s.contains("HQ"));
        assert_eq!(t.subtree("HQ").len(), 5);
        assert!(t.subtree("NOPE").is_empty());
    }

    #[test]
    fn an_incremental_list_replaces_adds_and_removes() {
        let t = net();
        let renamed = o("JS", OutletKind::Branch, Some("HQ"), "江苏新名");
        let added = o("ZJ-HZ", OutletKind::Office, Some("ZJ"), "杭州办事处");
        let list = t.with_changes(vec![renamed, added], &["JS-YZ-01".to_owned()]);
        let codes: Vec<&str> = list.iter().map(|o| o.code.as_str()).collect();
        assert_eq!(codes, ["HQ", "JS", "JS-YZ", "ZJ", "ZJ-HZ"]);
        assert_eq!(list[1].name, "江苏新名");
    }

    #[test]
    fn is_within_follows_parents() {
        let t = net();
        assert!(t.is_within("JS-YZ-01", "JS"));
        assert!(t.is_within("JS", "JS"));
        assert!(!t.is_within("ZJ", "JS"));
        assert!(!t.is_within("UNKNOWN", "HQ"));
    }

    /// Issue 9 item 15: every problem at once, not one per 保存.
    #[test]
    fn create_reports_every_problem_at_once() {
        let t = net();
        let mut bad = o("JS", OutletKind::Office, Some("JS"), "扬州办事处");
        bad.phone = "call me".into();
        let Err(RuleError::Fields(errs)) = t.check_create(&bad) else {
            panic!("field errors expected");
        };
        let mut got: Vec<(&str, &str)> = errs
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_str()))
            .collect();
        got.sort_unstable();
        assert_eq!(
            got,
            [
                ("code", "duplicate_code"),
                ("name", "duplicate_sibling_name"),
                ("phone", "invalid_phone"),
            ]
        );
    }

    #[test]
    fn create_rules() {
        let t = net();
        let ok = o("JS-YZ-T", OutletKind::Office, Some("JS"), "扬州测试办事处");
        assert_eq!(t.check_create(&ok), Ok(()));
        let dup = o("JS", OutletKind::Office, Some("HQ"), "x");
        assert_eq!(
            t.check_create(&dup),
            Err(RuleError::Duplicate {
                field: "code".into()
            })
        );
        let second_hq = o("HQ2", OutletKind::Hq, None, "总部二");
        assert_eq!(
            t.check_create(&second_hq),
            Err(RuleError::field("kind", "hq_exists"))
        );
        let orphan = o("X1", OutletKind::Office, Some("NOPE"), "x");
        assert_eq!(
            t.check_create(&orphan),
            Err(RuleError::field("parent_code", "parent_missing"))
        );
        let no_parent = o("X2", OutletKind::Office, None, "x");
        assert_eq!(
            t.check_create(&no_parent),
            Err(RuleError::field("parent_code", "parent_required"))
        );
        let sibling = o("X3", OutletKind::Office, Some("JS"), "扬州办事处");
        assert_eq!(
            t.check_create(&sibling),
            Err(RuleError::field("name", "duplicate_sibling_name"))
        );
        // The same name under another parent is fine.
        let elsewhere = o("X4", OutletKind::Office, Some("ZJ"), "扬州办事处");
        assert_eq!(t.check_create(&elsewhere), Ok(()));
        let blank = o("", OutletKind::Office, Some("JS"), "");
        let Err(RuleError::Fields(errs)) = t.check_create(&blank) else {
            panic!("blank form must fail");
        };
        assert!(
            errs.iter()
                .any(|e| e.field == "code" && e.code == "required")
        );
        assert!(
            errs.iter()
                .any(|e| e.field == "name" && e.code == "required")
        );
    }

    #[test]
    fn moves_that_make_a_cycle_are_refused() {
        let t = net();
        let mut js = t.get("JS").cloned().unwrap();
        js.parent_code = Some("JS-YZ-01".into());
        assert_eq!(
            t.check_update(&js),
            Err(RuleError::field("parent_code", "cycle"))
        );
        js.parent_code = Some("JS".into());
        assert_eq!(
            t.check_update(&js),
            Err(RuleError::field("parent_code", "cycle"))
        );
        js.parent_code = Some("ZJ".into());
        assert_eq!(t.check_update(&js), Ok(()));
    }

    #[test]
    fn hq_stays_single() {
        let t = net();
        let mut js = t.get("JS").cloned().unwrap();
        js.kind = OutletKind::Hq;
        js.parent_code = None;
        assert_eq!(
            t.check_update(&js),
            Err(RuleError::field("kind", "hq_exists"))
        );
        let mut hq = t.get("HQ").cloned().unwrap();
        hq.kind = OutletKind::Branch;
        hq.parent_code = Some("JS".into());
        assert!(t.check_update(&hq).is_err());
    }

    #[test]
    fn deletion_guard() {
        assert!(Attached::default().is_empty());
        let a = Attached {
            staff: vec!["zhang".into()],
            ..Attached::default()
        };
        assert!(!a.is_empty());
        let b = Attached {
            open_orders: 1,
            ..Attached::default()
        };
        assert!(!b.is_empty());
    }

    #[test]
    fn path_runs_root_first() {
        let t = net();
        let names: Vec<_> = t.path("JS-YZ-01").iter().map(|o| o.code.as_str()).collect();
        assert_eq!(names, ["HQ", "JS", "JS-YZ", "JS-YZ-01"]);
    }

    #[test]
    fn field_checks() {
        let mut x = o("A1", OutletKind::Office, Some("HQ"), "n");
        x.latitude = Some(91.0);
        x.phone = "abc".into();
        let Err(RuleError::Fields(errs)) = x.check_fields() else {
            panic!()
        };
        assert_eq!(errs.len(), 2);
    }
}
