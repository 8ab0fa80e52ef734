//! First start: HQ, the admin, parameters; with `--demo`, the demo network.

use rusqlite::Connection;

use super::{FirstStart, HubConfig, auth, db};
use crate::domain::{Outlet, OutletKind, Role, Staff};

/// Seeds an empty database; returns the secrets to print once.
pub fn first_start(conn: &mut Connection, cfg: &HubConfig) -> Result<FirstStart, String> {
    let err = |e: rusqlite::Error| e.to_string();
    let tx = conn.transaction().map_err(err)?;
    db::seed_parameters(&tx)?;
    let mut first = FirstStart::default();
    if db::meta_get(&tx, "initialized").map_err(err)?.is_none() {
        let hq = Outlet {
            code: "HQ".into(),
            name: "总公司".into(),
            province: "上海市".into(),
            city: "上海".into(),
            district: "青浦区".into(),
            address: "华新镇华志路 1 号".into(),
            phone: "021-60000000".into(),
            urban: true,
            accepts_ali_orders: false,
            ..Outlet::blank(OutletKind::Hq, None)
        };
        db::insert_outlet(&tx, &hq).map_err(err)?;
        let (password, generated) = match &cfg.admin_password {
            Some(p) if !p.is_empty() => (p.clone(), false),
            _ => (auth::generate_secret(), true),
        };
        let admin = Staff {
            login: "admin".into(),
            name: "系统管理员".into(),
            outlet_code: "HQ".into(),
            role: Role::Admin,
            phone: String::new(),
            active: true,
            version: 0,
        };
        db::insert_staff(&tx, &admin, &auth::hash_password(&password)?).map_err(err)?;
        if generated {
            first
                .notices
                .push(format!("admin password (shown once): {password}"));
        }
        let (upstream, generated) = match &cfg.upstream_token {
            Some(t) if !t.is_empty() => (t.clone(), false),
            _ => (auth::new_token(), true),
        };
        db::meta_set(&tx, "upstream_token", &upstream).map_err(err)?;
        if generated {
            first
                .notices
                .push(format!("upstream token (shown once): {upstream}"));
        }
        if cfg.demo {
            let pw = cfg
                .demo_password
                .clone()
                .filter(|p| !p.is_empty())
                .unwrap_or_else(auth::generate_secret);
            seed_network(&tx)?;
            for s in demo_staff() {
                db::insert_staff(&tx, &s, &auth::hash_password(&pw)?).map_err(err)?;
                first.notices.push(format!(
                    "demo account {} ({}) password: {pw}",
                    s.login, s.name
                ));
            }
        }
        db::meta_set(&tx, "initialized", "1").map_err(err)?;
    } else if let Some(t) = cfg.upstream_token.as_ref().filter(|t| !t.is_empty()) {
        // An operator may rotate the upstream token through the environment.
        db::meta_set(&tx, "upstream_token", t).map_err(err)?;
    }
    tx.commit().map_err(err)?;
    Ok(first)
}

struct Node {
    code: &'static str,
    name: &'static str,
    kind: OutletKind,
    parent: &'static str,
    province: &'static str,
    city: &'static str,
    district: &'static str,
    urban: bool,
    lat: f64,
    lon: f64,
}

#[allow(clippy::too_many_arguments)]
const fn n(
    code: &'static str,
    name: &'static str,
    kind: OutletKind,
    parent: &'static str,
    province: &'static str,
    city: &'static str,
    district: &'static str,
    urban: bool,
    lat: f64,
    lon: f64,
) -> Node {
    Node {
        code,
        name,
        kind,
        parent,
        province,
        city,
        district,
        urban,
        lat,
        lon,
    }
}

use OutletKind::{Branch, Office, Outlet as Sales};

/// The demo network: three-plus branches, offices and outlets in the
/// manual's cities.
const NETWORK: &[Node] = &[
    n(
        "JS",
        "江苏分公司",
        Branch,
        "HQ",
        "江苏省",
        "南京",
        "建邺区",
        true,
        32.00,
        118.73,
    ),
    n(
        "JS-NJ",
        "南京办事处",
        Office,
        "JS",
        "江苏省",
        "南京",
        "江宁区",
        true,
        31.95,
        118.84,
    ),
    n(
        "JS-YZ",
        "扬州办事处",
        Office,
        "JS",
        "江苏省",
        "扬州",
        "邗江区",
        true,
        32.39,
        119.42,
    ),
    n(
        "JS-YZ-01",
        "扬州邗江营业部",
        Sales,
        "JS-YZ",
        "江苏省",
        "扬州",
        "邗江区",
        true,
        32.38,
        119.40,
    ),
    n(
        "JS-YZ-02",
        "扬州江都营业部",
        Sales,
        "JS-YZ",
        "江苏省",
        "扬州",
        "江都区",
        false,
        32.43,
        119.57,
    ),
    n(
        "ZJ",
        "浙江分公司",
        Branch,
        "HQ",
        "浙江省",
        "杭州",
        "上城区",
        true,
        30.24,
        120.17,
    ),
    n(
        "ZJ-HZ",
        "杭州办事处",
        Office,
        "ZJ",
        "浙江省",
        "杭州",
        "余杭区",
        true,
        30.42,
        120.30,
    ),
    n(
        "ZJ-HZ-01",
        "杭州萧山营业部",
        Sales,
        "ZJ-HZ",
        "浙江省",
        "杭州",
        "萧山区",
        true,
        30.18,
        120.26,
    ),
    n(
        "BJ",
        "北京分公司",
        Branch,
        "HQ",
        "北京市",
        "北京",
        "朝阳区",
        true,
        39.92,
        116.44,
    ),
    n(
        "BJ-CY",
        "北京朝阳营业部",
        Sales,
        "BJ",
        "北京市",
        "北京",
        "朝阳区",
        true,
        39.95,
        116.48,
    ),
    n(
        "BJ-HD",
        "北京海淀营业部",
        Sales,
        "BJ",
        "北京市",
        "北京",
        "海淀区",
        true,
        39.96,
        116.30,
    ),
    n(
        "FJ",
        "福建分公司",
        Branch,
        "HQ",
        "福建省",
        "福州",
        "鼓楼区",
        true,
        26.08,
        119.30,
    ),
    n(
        "FJ-XM",
        "厦门办事处",
        Office,
        "FJ",
        "福建省",
        "厦门",
        "思明区",
        true,
        24.48,
        118.09,
    ),
    n(
        "FJ-QZ",
        "泉州办事处",
        Office,
        "FJ",
        "福建省",
        "泉州",
        "丰泽区",
        true,
        24.90,
        118.59,
    ),
    n(
        "FJ-QZ-01",
        "泉州晋江营业部",
        Sales,
        "FJ-QZ",
        "福建省",
        "泉州",
        "晋江市",
        false,
        24.78,
        118.55,
    ),
];

fn seed_network(c: &Connection) -> Result<(), String> {
    for (i, node) in NETWORK.iter().enumerate() {
        let o = Outlet {
            code: node.code.into(),
            name: node.name.into(),
            province: node.province.into(),
            city: node.city.into(),
            district: node.district.into(),
            address: format!("{}{}物流园 {} 号", node.city, node.district, 10 + i),
            phone: format!("400-800-{:04}", 1000 + i),
            urban: node.urban,
            latitude: Some(node.lat),
            longitude: Some(node.lon),
            accepts_ali_orders: node.kind != Branch,
            ..Outlet::blank(node.kind, Some(node.parent))
        };
        db::insert_outlet(c, &o).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Demo staff: every role, at HQ, a branch and offices.
pub fn demo_staff() -> Vec<Staff> {
    let s = |login: &str, name: &str, outlet: &str, role: Role, phone: &str| Staff {
        login: login.into(),
        name: name.into(),
        outlet_code: outlet.into(),
        role,
        phone: phone.into(),
        active: true,
        version: 0,
    };
    vec![
        s(
            "dispatch",
            "调度员王芳",
            "HQ",
            Role::Dispatcher,
            "13900000001",
        ),
        s(
            "js.clerk",
            "江苏分公司周敏",
            "JS",
            Role::Clerk,
            "13900000002",
        ),
        s(
            "yz.clerk",
            "扬州办事处李明",
            "JS-YZ",
            Role::Clerk,
            "13900000003",
        ),
        s(
            "hz.clerk",
            "杭州办事处陈静",
            "ZJ-HZ",
            Role::Clerk,
            "13900000004",
        ),
        s(
            "bj.clerk",
            "北京朝阳赵强",
            "BJ-CY",
            Role::Clerk,
            "13900000005",
        ),
        s(
            "xm.clerk",
            "厦门办事处林小红",
            "FJ-XM",
            Role::Clerk,
            "13900000006",
        ),
        s(
            "qz.clerk",
            "泉州办事处黄伟",
            "FJ-QZ",
            Role::Clerk,
            "13900000007",
        ),
    ]
}
