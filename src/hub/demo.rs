//! First start: HQ, the admin, parameters; with `--demo`, the demo network.

use rusqlite::Connection;

use super::password_workers::PasswordWorkers;
use super::{FirstStart, HubConfig, auth, db};
use crate::domain::{Outlet, OutletKind, Role, Staff};

/// The name of the `admin` account made at first start: the manual's
/// 系统管理员 (a person's name in the data, not UI text).
pub const ADMIN_NAME: &str = "系统管理员";

/// The file beside the embedded demo's hub.db holding its password.
const DEMO_PASSWORD_FILE: &str = "demo-password.txt";

/// The embedded demo's password for the hub in `dir`: made at random the
/// first time and kept in an owner-only file there, so the login screen
/// can show it to the PC's user and to nobody else (no fixed password any
/// local user could try). `true` when it was just made.
pub fn local_demo_password(dir: &std::path::Path) -> Result<(String, bool), String> {
    let file = dir.join(DEMO_PASSWORD_FILE);
    let shown = |e: std::io::Error| format!("{}: {e}", file.display());
    if let Ok(text) = std::fs::read_to_string(&file)
        && let Some(pw) = text.lines().next().map(str::trim).filter(|p| p.len() >= 8)
    {
        return Ok((pw.to_owned(), false));
    }
    crate::private_files::private_dir(dir).map_err(shown)?;
    crate::private_files::private_file(&file).map_err(shown)?;
    let pw = auth::generate_secret();
    std::fs::write(&file, format!("{pw}\n")).map_err(shown)?;
    Ok((pw, true))
}

/// The HQ outlet every hub starts with (code `HQ`, 总公司).
pub fn hq_outlet() -> Outlet {
    Outlet {
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
    }
}

/// Seeds an empty database; returns the secrets to print once.
pub fn first_start(
    conn: &mut Connection,
    cfg: &HubConfig,
    passwords: &PasswordWorkers,
) -> Result<FirstStart, String> {
    let err = |e: rusqlite::Error| e.to_string();
    let hash_password = |pw: &str| {
        let pw = pw.to_owned();
        passwords.run_blocking(move |s| auth::hash_password_with(s, &pw))?
    };
    let tx = conn.transaction().map_err(err)?;
    db::seed_parameters(&tx)?;
    let mut first = FirstStart::default();
    let mut seed_demo_orders = false;
    if db::meta_get(&tx, "initialized").map_err(err)?.is_none() {
        let hq = hq_outlet();
        db::insert_outlet(&tx, &hq).map_err(err)?;
        let (password, generated) = match &cfg.admin_password {
            Some(p) if !p.is_empty() => (p.clone(), false),
            _ => (auth::generate_secret(), true),
        };
        let admin = Staff {
            login: "admin".into(),
            name: ADMIN_NAME.into(),
            outlet_code: "HQ".into(),
            role: Role::Admin,
            phone: String::new(),
            active: true,
            version: 0,
        };
        db::insert_staff(&tx, &admin, &hash_password(&password)?).map_err(err)?;
        if generated {
            first
                .notices
                .push(format!("admin password (shown once): {password}"));
        }
        let (upstream, generated) = match &cfg.upstream_token {
            Some(t) if !t.is_empty() => (t.clone(), false),
            _ => (auth::new_token(), true),
        };
        db::meta_set(&tx, "upstream_token_sha256", &auth::digest(&upstream)).map_err(err)?;
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
            super::demo_rates::seed_card(&tx).map_err(err)?;
            seed_demo_orders = cfg.demo_rate > 0;
            for s in demo_staff() {
                db::insert_staff(&tx, &s, &hash_password(&pw)?).map_err(err)?;
                first.notices.push(format!(
                    "demo account {} ({}) password: {pw}",
                    s.login, s.name
                ));
            }
        }
        db::meta_set(&tx, "initialized", "1").map_err(err)?;
    } else {
        if let Some(t) = cfg.upstream_token.as_ref().filter(|t| !t.is_empty()) {
            // An operator may rotate the upstream token through the environment.
            db::meta_set(&tx, "upstream_token_sha256", &auth::digest(t)).map_err(err)?;
        }
        if cfg.demo_reset_passwords
            && let Some(pw) = cfg.demo_password.as_ref().filter(|p| !p.is_empty())
        {
            // A demo made before passwords were per data dir still has the
            // old fixed one: move every demo account to the new one.
            let hash = hash_password(pw)?;
            let logins = std::iter::once("admin".to_owned())
                .chain(demo_staff().into_iter().map(|s| s.login));
            for login in logins {
                tx.execute(
                    "UPDATE staff SET password_hash = ?2 WHERE login = ?1",
                    rusqlite::params![login, hash],
                )
                .map_err(err)?;
            }
        }
    }
    tx.commit().map_err(err)?;
    if seed_demo_orders {
        let tree = crate::domain::OutletTree::new(db::outlets(conn).map_err(err)?);
        seed_orders(conn, &tree)?;
        super::demo_rates::bill_some(conn, &tree)?;
    }
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

/// A small random source for demo data (not for secrets).
pub struct Dice(u64);

impl Dice {
    /// Seeded from the system's randomness.
    pub fn new() -> Dice {
        Dice((uuid::Uuid::new_v4().as_u128() as u64) | 1)
    }

    /// A fixed seed, for reproducible data.
    pub fn seeded(seed: u64) -> Dice {
        Dice(seed | 1)
    }

    /// The next number (xorshift64*).
    pub fn roll(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `lo..hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.roll() % (hi - lo).max(1) as u64) as i64
    }

    /// One of `items`.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.roll() % items.len() as u64) as usize]
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.roll() % 100 < percent
    }
}

impl Default for Dice {
    fn default() -> Self {
        Dice::new()
    }
}

use crate::domain::order::{Cargo, InboundOrder, Party, Payment, Snapshot, TransportMode};

// What demo orders are made of: real-looking shippers, goods and places.
const CITIES: &[(&str, &str, &str)] = &[
    ("江苏省", "扬州", "邗江区"),
    ("江苏省", "扬州", "江都区"),
    ("江苏省", "南京", "江宁区"),
    ("浙江省", "杭州", "萧山区"),
    ("浙江省", "杭州", "余杭区"),
    ("北京市", "北京", "朝阳区"),
    ("北京市", "北京", "海淀区"),
    ("福建省", "厦门", "思明区"),
    ("福建省", "泉州", "晋江市"),
    ("上海市", "上海", "松江区"),
    ("四川省", "成都", "武侯区"),
];
const ACCOUNTS: &[(&str, &str, &str)] = &[
    ("zhangsan_trade", "张三", "张三服饰商行"),
    ("lisi_tools", "李四", "李四五金工具厂"),
    ("wangwu_tea", "王五", "王五茶叶"),
    ("zhaoliu_led", "赵六", "赵六照明"),
    ("sunqi_toys", "孙七", "孙七玩具"),
    ("zhouba_paper", "周八", "周八纸业"),
    ("wujiu_shoes", "吴九", "吴九鞋业"),
    ("zhengshi_fab", "郑十", "郑十布艺"),
    ("chen_bearing", "陈晓燕", "晓燕轴承"),
    ("lin_ceramic", "林建国", "建国陶瓷"),
    ("huang_pump", "黄志强", "志强水泵"),
    ("guo_printing", "郭美玲", "美玲印务"),
];
const GOODS: &[(&str, &str, i64)] = &[
    ("服装", "夏季纯棉T恤 批发 100件", 158_000),
    ("五金工具", "不锈钢扳手套装 20套", 96_000),
    ("茶叶", "明前龙井 礼盒装 30盒", 420_000),
    ("LED灯具", "LED吸顶灯 36W 50只", 235_000),
    ("玩具", "益智积木 儿童玩具 80盒", 112_000),
    ("纸制品", "A4复印纸 80g 100箱", 260_000),
    ("鞋", "男士休闲鞋 60双", 330_000),
    ("布料", "涤纶面料 500米", 175_000),
    ("机械配件", "深沟球轴承 6204 2000个", 560_000),
    ("陶瓷", "釉面地砖 800x800 120片", 648_000),
];
const DESTS: &[(&str, &str)] = &[
    ("广东省", "广州"),
    ("四川省", "成都"),
    ("湖北省", "武汉"),
    ("山东省", "青岛"),
    ("陕西省", "西安"),
    ("辽宁省", "沈阳"),
    ("云南省", "昆明"),
];

/// A plausible inbound order placed at `at`.
pub fn demo_order(d: &mut Dice, at: chrono::DateTime<chrono::Utc>) -> InboundOrder {
    let (province, city, district) = *d.pick(CITIES);
    let (account, name, company) = *d.pick(ACCOUNTS);
    let (cargo, title, price) = *d.pick(GOODS);
    let (dprov, dcity) = *d.pick(DESTS);
    let heavy = d.chance(12);
    let bulky = d.chance(10);
    let mode = match d.range(0, 20) {
        0 => TransportMode::Air,
        1 => TransportMode::PartnerLine,
        2 => TransportMode::FullTruck,
        3..=6 => TransportMode::Express,
        _ => TransportMode::Standard,
    };
    let n = d.roll() % 1_000_000_000;
    InboundOrder {
        order_no: format!("{}{:09}", at.format("%y%m%d"), n),
        logistics_no: format!("WL{:010}", d.roll() % 10_000_000_000),
        ali_account: account.into(),
        shipper: Party {
            name: name.into(),
            phone: format!("1{}{:09}", d.range(3, 9), d.roll() % 1_000_000_000),
            company: company.into(),
            province: province.into(),
            city: city.into(),
            district: district.into(),
            address: format!("{district}工业园{}号", d.range(1, 300)),
        },
        consignee: Party {
            name: format!("{}先生", d.pick(&["刘", "杨", "何", "高", "罗", "宋"])),
            phone: format!("13{:09}", d.roll() % 1_000_000_000),
            company: String::new(),
            province: dprov.into(),
            city: dcity.into(),
            district: String::new(),
            address: format!("{dcity}市中心路{}号", d.range(1, 999)),
        },
        cargo: Cargo {
            name: cargo.into(),
            pieces: d.range(1, 40),
            weight_g: if heavy {
                d.range(520_000, 1_600_000)
            } else {
                d.range(1_000, 80_000)
            },
            volume_cm3: if bulky {
                d.range(3_100_000, 6_500_000)
            } else {
                d.range(10_000, 500_000)
            },
            packaging: d.pick(&["纸箱", "木箱", "编织袋", "托盘"]).to_string(),
        },
        transport_mode: mode,
        pickup_required: d.chance(60),
        pickup_time: None,
        declared_value: price * d.range(1, 3),
        cod_amount: if d.chance(20) { price } else { 0 },
        payment: *d.pick(&[
            Payment::Sender,
            Payment::Sender,
            Payment::Receiver,
            Payment::Monthly,
        ]),
        remark: if d.chance(25) {
            "请提前电话联系".into()
        } else {
            String::new()
        },
        snapshot: Snapshot {
            goods_title: title.into(),
            price,
            description: format!("{company} 1688 店铺商品：{title}"),
        },
        trade_status: d.chance(6).then(|| "refunding".to_owned()),
        created_at: Some(at),
        current_outlet_code: None,
    }
}

/// Seeds the first demo orders, spread over the last five hours so a new
/// user sees red, amber and fresh rows at once.
pub fn seed_orders(c: &mut Connection, tree: &crate::domain::OutletTree) -> Result<(), String> {
    let mut d = Dice::seeded(20_261_126);
    let now = chrono::Utc::now();
    for i in 0..36 {
        let at = now - chrono::Duration::minutes(300 - i * 8 - d.range(0, 6));
        let o = demo_order(&mut d, at);
        super::storage::sqlite_intake::create(c, tree, o, now).map_err(|e| e.code.clone())?;
    }
    Ok(())
}

/// Keeps demo orders arriving: `rate` a minute, and now and then a
/// customer cancels one that is still pending.
pub fn spawn_generator(state: std::sync::Arc<super::HubState>, rate: u32) {
    let every = std::time::Duration::from_millis(60_000 / u64::from(rate.max(1)));
    tokio::spawn(async move {
        let mut d = Dice::new();
        let mut ticker = tokio::time::interval(every);
        ticker.tick().await;
        loop {
            ticker.tick().await;
            let o = demo_order(&mut d, chrono::Utc::now());
            let cancel_later = d.chance(5).then(|| o.order_no.clone());
            // Through the intake and the cancel route's storage, as
            // upstream's own orders go: the same on either engine.
            if let Err(e) = super::intake::submit(&state, o).await {
                tracing::warn!("demo order failed: {}", e.code);
            }
            if let Some(no) = cancel_later {
                let st = state.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(std::time::Duration::from_secs(90)).await;
                    // Too late once a clerk accepted it: that is the demo too.
                    let _ = st.inbound_cancel(no).await;
                });
            }
        }
    });
}
