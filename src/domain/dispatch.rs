//! Dispatch (调度, SPEC 3.4): which outlet a new order goes to.

use super::outlet::{OutletKind, OutletTree};

/// Whether dispatch and HQ may send orders to `code`: an active outlet,
/// not HQ, that accepts Ali orders.
pub fn can_receive(code: &str, tree: &OutletTree) -> bool {
    tree.get(code)
        .is_some_and(|o| o.active && o.accepts_ali_orders && o.kind != OutletKind::Hq)
}

/// Which rule put an order at its outlet (SPEC 3.4), so a clerk can see
/// why an order from another city is theirs.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum DispatchRule {
    /// The account's remembered outlet (诚信通账号记忆).
    RememberedAccount,
    /// An outlet in the shipper's city.
    ShipperCity,
    /// A dispatcher assigned it (分配).
    HqAssigned,
    /// Upstream named the outlet.
    Upstream,
}

/// Why an order is at its current outlet: the rule and, for 分配, who.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct DispatchReason {
    pub rule: DispatchRule,
    /// The dispatcher's login, for `hq_assigned`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
}

impl DispatchReason {
    /// A reason without a person.
    pub fn rule(rule: DispatchRule) -> DispatchReason {
        DispatchReason { rule, by: None }
    }
}

/// The outlet for a new order and the rule that chose it; see `dispatch`.
pub fn dispatch_why(
    remembered: Option<&str>,
    city: &str,
    tree: &OutletTree,
) -> Option<(String, DispatchRule)> {
    if let Some(code) = remembered.filter(|c| can_receive(c, tree)) {
        return Some((code.to_owned(), DispatchRule::RememberedAccount));
    }
    tree.in_city(city)
        .find(|c| can_receive(c, tree))
        .map(|c| (c.to_owned(), DispatchRule::ShipperCity))
}

/// The outlet for a new order of `account` shipping from `city`.
///
/// The account's remembered outlet wins, even for another city (the
/// manual's 张三: 北京 then 杭州 still goes to 北京), while it can still
/// receive orders. Otherwise an outlet in the shipper's city, the most
/// local kind first; otherwise `None`: the HQ pool.
pub fn dispatch(remembered: Option<&str>, city: &str, tree: &OutletTree) -> Option<String> {
    dispatch_why(remembered, city, tree).map(|(code, _)| code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Outlet;

    fn tree() -> OutletTree {
        let o = |c: &str, k, p: Option<&str>, city: &str| Outlet {
            code: c.into(),
            name: c.into(),
            city: city.into(),
            ..Outlet::blank(k, p)
        };
        let mut closed = o("HZ-OLD", OutletKind::Outlet, Some("ZJ"), "杭州");
        closed.active = false;
        let mut no_ali = o("SH-1", OutletKind::Outlet, Some("HQ"), "上海");
        no_ali.accepts_ali_orders = false;
        OutletTree::new([
            o("HQ", OutletKind::Hq, None, "上海"),
            o("BJ", OutletKind::Branch, Some("HQ"), "北京"),
            o("BJ-1", OutletKind::Outlet, Some("BJ"), "北京"),
            o("ZJ", OutletKind::Branch, Some("HQ"), "杭州"),
            o("ZJ-HZ", OutletKind::Office, Some("ZJ"), "杭州"),
            closed,
            no_ali,
        ])
    }

    #[test]
    fn memory_wins_even_for_another_city() {
        let t = tree();
        // 张三 first ships from 北京: no memory yet, the city decides.
        assert_eq!(dispatch(None, "北京", &t).as_deref(), Some("BJ-1"));
        assert_eq!(
            dispatch_why(None, "北京", &t).map(|(_, r)| r),
            Some(DispatchRule::ShipperCity)
        );
        assert_eq!(
            dispatch_why(Some("BJ-1"), "杭州", &t).map(|(_, r)| r),
            Some(DispatchRule::RememberedAccount)
        );
        // Then from 杭州: the remembered 北京 outlet still gets it.
        assert_eq!(dispatch(Some("BJ-1"), "杭州", &t).as_deref(), Some("BJ-1"));
    }

    #[test]
    fn city_then_pool() {
        let t = tree();
        assert_eq!(
            dispatch(None, "杭州市", &t).as_deref(),
            Some("ZJ-HZ"),
            "inactive outlets skipped"
        );
        assert_eq!(
            dispatch(None, "上海", &t),
            None,
            "HQ and non-Ali outlets never get orders"
        );
        assert_eq!(
            dispatch(None, "拉萨", &t),
            None,
            "no outlet in the city: pool"
        );
        assert_eq!(
            dispatch(Some("HZ-OLD"), "拉萨", &t),
            None,
            "a closed remembered outlet is skipped"
        );
    }
}
