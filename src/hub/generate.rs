//! The national data set (`order-hub generate`): a network the size of the
//! company's (HQ → 30 branches → 600 offices → ~19,400 outlets) and a
//! Zipf-skewed order history written straight into a hub database, so the
//! benches and a person at a screen can see the product at its real size.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use rusqlite::Connection;

use super::demo::{Dice, demo_order};
use super::{auth, db, orders, report, scope};
use crate::domain::{Order, Outlet, OutletKind, Role, Staff, order::Status};

/// What to generate.
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    /// The hub's data dir; `hub.db` there must not hold data yet.
    pub data_dir: PathBuf,
    /// Outlets in all, HQ, branches and offices included.
    pub outlets: usize,
    /// Orders in all.
    pub orders: usize,
    /// Seed for a reproducible data set.
    pub seed: u64,
    /// The password of every generated account.
    pub password: String,
    /// The upstream token to store (generated when `None`).
    pub upstream_token: Option<String>,
}

/// What was generated, printed as one JSON line.
#[derive(Debug, Clone, serde::Serialize)]
pub struct GenerateSummary {
    pub outlets: usize,
    pub staff: usize,
    pub orders: usize,
    pub pending: usize,
    pub pool: usize,
    /// The branch whose subtree holds the most orders.
    pub largest_branch: String,
    /// The outlet holding the most orders.
    pub busiest_outlet: String,
    /// The outlet with the fewest (but some) pending orders.
    pub tiniest_outlet_with_pending: String,
    pub upstream_token: String,
    pub seconds: f64,
    /// Of `seconds`, building the indexes, scope index and change log
    /// after the rows were written.
    pub seconds_indexing: f64,
}

/// Branches: one per province, with cities for its offices (real names, so
/// dispatch by the shipper's city has something true to match).
const PROVINCES: &[(&str, &str, &[&str])] = &[
    (
        "JS",
        "江苏省",
        &[
            "南京",
            "苏州",
            "无锡",
            "常州",
            "扬州",
            "南通",
            "徐州",
            "镇江",
            "泰州",
            "盐城",
            "淮安",
            "宿迁",
            "连云港",
        ],
    ),
    (
        "ZJ",
        "浙江省",
        &[
            "杭州", "宁波", "温州", "嘉兴", "湖州", "绍兴", "金华", "台州", "丽水", "衢州", "舟山",
        ],
    ),
    (
        "GD",
        "广东省",
        &[
            "广州", "深圳", "东莞", "佛山", "中山", "珠海", "惠州", "汕头", "江门", "湛江", "揭阳",
            "肇庆",
        ],
    ),
    (
        "FJ",
        "福建省",
        &[
            "福州", "厦门", "泉州", "漳州", "莆田", "宁德", "龙岩", "三明", "南平",
        ],
    ),
    (
        "SD",
        "山东省",
        &[
            "济南", "青岛", "烟台", "潍坊", "临沂", "淄博", "济宁", "威海", "德州", "聊城", "菏泽",
        ],
    ),
    (
        "HB",
        "河北省",
        &[
            "石家庄",
            "保定",
            "唐山",
            "廊坊",
            "邯郸",
            "沧州",
            "邢台",
            "衡水",
        ],
    ),
    (
        "HN",
        "河南省",
        &[
            "郑州", "洛阳", "新乡", "南阳", "许昌", "开封", "安阳", "商丘", "周口",
        ],
    ),
    (
        "HUB",
        "湖北省",
        &["武汉", "宜昌", "襄阳", "荆州", "黄石", "十堰", "孝感"],
    ),
    (
        "HUN",
        "湖南省",
        &["长沙", "株洲", "湘潭", "衡阳", "岳阳", "常德", "郴州"],
    ),
    (
        "SC",
        "四川省",
        &["成都", "绵阳", "德阳", "宜宾", "南充", "泸州", "乐山"],
    ),
    (
        "AH",
        "安徽省",
        &["合肥", "芜湖", "蚌埠", "阜阳", "安庆", "马鞍山", "滁州"],
    ),
    (
        "JX",
        "江西省",
        &["南昌", "赣州", "九江", "上饶", "宜春", "景德镇"],
    ),
    ("SX", "山西省", &["太原", "大同", "运城", "长治", "临汾"]),
    ("SN", "陕西省", &["西安", "宝鸡", "咸阳", "渭南", "榆林"]),
    (
        "LN",
        "辽宁省",
        &["沈阳", "大连", "鞍山", "抚顺", "锦州", "营口"],
    ),
    ("JL", "吉林省", &["长春", "吉林", "四平", "延吉"]),
    ("HL", "黑龙江省", &["哈尔滨", "齐齐哈尔", "大庆", "牡丹江"]),
    ("GX", "广西壮族自治区", &["南宁", "柳州", "桂林", "玉林"]),
    ("YN", "云南省", &["昆明", "曲靖", "大理", "玉溪"]),
    ("GZ", "贵州省", &["贵阳", "遵义", "六盘水", "安顺"]),
    ("CQ", "重庆市", &["重庆"]),
    ("BJ", "北京市", &["北京"]),
    ("SH", "上海市", &["上海"]),
    ("TJ", "天津市", &["天津"]),
    ("NM", "内蒙古自治区", &["呼和浩特", "包头", "鄂尔多斯"]),
    ("XJ", "新疆维吾尔自治区", &["乌鲁木齐", "克拉玛依"]),
    ("GS", "甘肃省", &["兰州", "天水"]),
    ("HAN", "海南省", &["海口", "三亚"]),
    ("NX", "宁夏回族自治区", &["银川"]),
    ("QH", "青海省", &["西宁"]),
];

const DISTRICTS: &[&str] = &[
    "城东",
    "城西",
    "城南",
    "城北",
    "高新",
    "经开",
    "新区",
    "开发区",
    "工业园",
    "港区",
    "老城",
    "滨江",
    "湖滨",
    "北站",
    "南站",
    "物流园",
    "商贸城",
    "大学城",
];

/// Writes the national data set; refuses a database that already has data.
pub fn generate(opts: &GenerateOptions) -> Result<GenerateSummary, String> {
    let started = Instant::now();
    std::fs::create_dir_all(&opts.data_dir)
        .map_err(|e| format!("{}: {e}", opts.data_dir.display()))?;
    let path = opts.data_dir.join("hub.db");
    let mut conn = db::open(&path)?;
    refuse_if_not_empty(&conn, &path)?;
    let err = |e: rusqlite::Error| e.to_string();
    let mut dice = Dice::seeded(opts.seed);

    let tx = conn.transaction().map_err(err)?;
    db::seed_parameters(&tx)?;
    let network = network(opts.outlets.max(32), &mut dice);
    for o in &network {
        db::insert_outlet_row(&tx, o).map_err(err)?;
    }
    // The closure once for the whole tree (the report's counters below
    // read it), not re-derived per outlet.
    scope::rebuild(&tx).map_err(err)?;
    let hash = auth::hash_password(&opts.password)?;
    let staff = staff(&network);
    for s in &staff {
        db::insert_staff(&tx, s, &hash).map_err(err)?;
    }
    let upstream = opts
        .upstream_token
        .clone()
        .filter(|t| !t.is_empty())
        .unwrap_or_else(auth::new_token);
    db::meta_set(&tx, "upstream_token", &upstream).map_err(err)?;
    db::meta_set(&tx, "initialized", "1").map_err(err)?;
    tx.commit().map_err(err)?;

    let stats = write_orders(&mut conn, &network, opts.orders, &mut dice)?;
    let summary = stats.summary(&network, staff.len(), upstream, started);
    Ok(summary)
}

fn refuse_if_not_empty(c: &Connection, path: &Path) -> Result<(), String> {
    let initialized = db::meta_get(c, "initialized").map_err(|e| e.to_string())?;
    if initialized.is_some() {
        return Err(format!(
            "{} already holds a hub's data; generate writes only into an empty data dir",
            path.display()
        ));
    }
    Ok(())
}

/// HQ, one branch per province (30), offices spread over the provinces'
/// cities (20 a branch), and the rest as outlets under the offices, a few
/// offices much larger than others as in life.
fn network(total: usize, d: &mut Dice) -> Vec<Outlet> {
    let mut out = Vec::with_capacity(total);
    out.push(super::demo::hq_outlet());
    let branches = PROVINCES.len().min(total / 30).max(1);
    let offices_per_branch = 20.min((total - 1 - branches) / (branches * 2)).max(1);
    let mut offices: Vec<usize> = Vec::new();
    for (b, (code, province, cities)) in PROVINCES.iter().take(branches).enumerate() {
        out.push(Outlet {
            code: (*code).into(),
            name: format!("{}分公司", province_short(province)),
            province: (*province).into(),
            city: cities[0].into(),
            district: String::new(),
            address: format!("{}物流园 {} 号", cities[0], b + 1),
            phone: format!("400-810-{:04}", b),
            urban: true,
            accepts_ali_orders: false,
            ..Outlet::blank(OutletKind::Branch, Some("HQ"))
        });
        for i in 0..offices_per_branch {
            let city = cities[i % cities.len()];
            let district = DISTRICTS[(i / cities.len()) % DISTRICTS.len()];
            offices.push(out.len());
            out.push(Outlet {
                code: format!("{code}-{:02}", i + 1),
                name: format!("{city}{district}办事处"),
                province: (*province).into(),
                city: city.into(),
                district: format!("{district}区"),
                address: format!("{city}{district}区物流路 {} 号", i + 1),
                phone: format!("0{:03}-{:08}", 100 + b, d.range(10_000_000, 99_999_999)),
                urban: true,
                ..Outlet::blank(OutletKind::Office, Some(code))
            });
        }
    }
    // Outlets: offices get a skewed share (some hold a hundred, most a few
    // dozen), assigned round-robin by weight.
    let remaining = total.saturating_sub(out.len());
    let weights: Vec<u64> = offices
        .iter()
        .map(|_| 1 + d.range(0, 4) as u64 * d.range(0, 4) as u64)
        .collect();
    let sum: u64 = weights.iter().sum();
    let mut counts: Vec<usize> = weights
        .iter()
        .map(|w| (remaining as u64 * w / sum.max(1)) as usize)
        .collect();
    let mut short = remaining - counts.iter().sum::<usize>();
    let (mut k, len) = (0, counts.len());
    while short > 0 {
        counts[k % len] += 1;
        short -= 1;
        k += 1;
    }
    for (oi, &n) in offices.iter().zip(&counts) {
        let office = out[*oi].clone();
        for j in 0..n {
            let district = DISTRICTS[d.range(0, DISTRICTS.len() as i64) as usize];
            out.push(Outlet {
                code: format!("{}-{:03}", office.code, j + 1),
                name: format!("{}{}营业部{}", office.city, district, j + 1),
                province: office.province.clone(),
                city: office.city.clone(),
                district: format!("{district}区"),
                address: format!("{}{}区商贸街 {} 号", office.city, district, j + 1),
                phone: format!("1{}{:09}", d.range(3, 9), d.roll() % 1_000_000_000),
                urban: d.chance(70),
                ..Outlet::blank(OutletKind::Outlet, Some(&office.code))
            });
        }
    }
    out
}

fn province_short(p: &str) -> &str {
    for suffix in [
        "维吾尔自治区",
        "壮族自治区",
        "回族自治区",
        "自治区",
        "省",
        "市",
    ] {
        if let Some(s) = p.strip_suffix(suffix) {
            return s;
        }
    }
    p
}

/// `gen.admin`, `gen.disp` at HQ, and a clerk for every branch, office and
/// outlet (login: the code in lower case + `.clerk`).
fn staff(network: &[Outlet]) -> Vec<Staff> {
    let s = |login: String, name: String, outlet: &str, role: Role| Staff {
        login,
        name,
        outlet_code: outlet.into(),
        role,
        phone: String::new(),
        active: true,
        version: 0,
    };
    let mut out = vec![
        s("gen.admin".into(), "系统管理员".into(), "HQ", Role::Admin),
        s("gen.disp".into(), "总部调度".into(), "HQ", Role::Dispatcher),
    ];
    for o in network.iter().filter(|o| o.kind != OutletKind::Hq) {
        out.push(s(
            format!("{}.clerk", o.code.to_lowercase()),
            format!("{}开单员", o.name),
            &o.code,
            Role::Clerk,
        ));
    }
    out
}

#[derive(Default)]
struct Stats {
    orders: usize,
    pending: usize,
    pool: usize,
    per_outlet: HashMap<String, (usize, usize)>,
    /// Seconds spent indexing after the bulk insert.
    indexing: f64,
}

impl Stats {
    fn count(&mut self, o: &Order, holder: Option<&str>) {
        self.orders += 1;
        let pending = o.status == Status::Pending;
        if pending {
            self.pending += 1;
        }
        match holder {
            Some(code) => {
                let e = self.per_outlet.entry(code.to_owned()).or_default();
                e.0 += 1;
                e.1 += usize::from(pending);
            }
            None => self.pool += 1,
        }
    }

    fn summary(
        &self,
        network: &[Outlet],
        staff: usize,
        upstream_token: String,
        started: Instant,
    ) -> GenerateSummary {
        let parent: HashMap<&str, &str> = network
            .iter()
            .filter_map(|o| Some((o.code.as_str(), o.parent_code.as_deref()?)))
            .collect();
        let mut per_branch: HashMap<&str, usize> = HashMap::new();
        for (code, (n, _)) in &self.per_outlet {
            *per_branch.entry(branch_of(&parent, code)).or_default() += n;
        }
        let kind: HashMap<&str, OutletKind> =
            network.iter().map(|o| (o.code.as_str(), o.kind)).collect();
        let best = |it: &mut dyn Iterator<Item = (&String, usize)>, max: bool| {
            it.fold(None::<(&String, usize)>, |acc, (c, n)| match acc {
                Some((ac, an)) if (max && an > n) || (!max && an < n) || (an == n && ac < c) => {
                    Some((ac, an))
                }
                _ => Some((c, n)),
            })
            .map(|(c, _)| c.clone())
            .unwrap_or_default()
        };
        let largest_branch = per_branch
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
            .map(|(c, _)| (*c).to_owned())
            .unwrap_or_default();
        let busiest_outlet = best(&mut self.per_outlet.iter().map(|(c, (n, _))| (c, *n)), true);
        let tiniest = best(
            &mut self
                .per_outlet
                .iter()
                .filter(|(c, (_, p))| *p > 0 && kind.get(c.as_str()) == Some(&OutletKind::Outlet))
                .map(|(c, (_, p))| (c, *p)),
            false,
        );
        GenerateSummary {
            outlets: network.len(),
            staff,
            orders: self.orders,
            pending: self.pending,
            pool: self.pool,
            largest_branch,
            busiest_outlet,
            tiniest_outlet_with_pending: tiniest,
            upstream_token,
            seconds: started.elapsed().as_secs_f64(),
            seconds_indexing: self.indexing,
        }
    }
}

/// The branch (child of HQ) above `code`.
fn branch_of<'a>(parent: &HashMap<&'a str, &'a str>, mut code: &'a str) -> &'a str {
    while let Some(p) = parent.get(code) {
        if *p == "HQ" {
            return code;
        }
        code = p;
    }
    code
}

/// Zipf weights over the outlets that take orders, in a shuffled order so
/// the busy ones are spread over the country.
fn zipf_table(receivers: &[usize], d: &mut Dice) -> Vec<(f64, usize)> {
    let mut shuffled = receivers.to_vec();
    for i in (1..shuffled.len()).rev() {
        let j = (d.roll() % (i as u64 + 1)) as usize;
        shuffled.swap(i, j);
    }
    let mut acc = 0.0;
    shuffled
        .into_iter()
        .enumerate()
        .map(|(rank, idx)| {
            acc += 1.0 / ((rank + 1) as f64).powf(1.07);
            (acc, idx)
        })
        .collect()
}

fn pick_zipf(table: &[(f64, usize)], d: &mut Dice) -> usize {
    let total = table.last().map(|t| t.0).unwrap_or(0.0);
    let x = (d.roll() as f64 / u64::MAX as f64) * total;
    let i = table.partition_point(|t| t.0 < x).min(table.len() - 1);
    table[i].1
}

/// The mix of a company's last 60 days: most orders billed, a large pending
/// backlog (13.5 %), 0.5 % of all in the HQ pool, every state present.
fn write_orders(
    conn: &mut Connection,
    network: &[Outlet],
    count: usize,
    d: &mut Dice,
) -> Result<Stats, String> {
    let err = |e: rusqlite::Error| e.to_string();
    let receivers: Vec<usize> = network
        .iter()
        .enumerate()
        .filter(|(_, o)| o.accepts_ali_orders && o.kind != OutletKind::Hq)
        .map(|(i, _)| i)
        .collect();
    if receivers.is_empty() {
        return Err("the network has no outlet that takes orders".into());
    }
    let table = zipf_table(&receivers, d);
    let now = Utc::now();
    let mut stats = Stats::default();
    // A bulk load into a new file: nothing to lose to a power cut (the
    // data dir is regenerated), so no waiting for the disk, and the
    // secondary indexes are built once at the end instead of kept in step
    // row by row.
    conn.execute_batch("PRAGMA synchronous=OFF; PRAGMA cache_size=-262144;")
        .map_err(err)?;
    let indexes = drop_indexes(conn, BULK_TABLES).map_err(err)?;
    let mut counters = report::Bulk::default();
    let mut i = 0;
    while i < count {
        let tx = conn.transaction().map_err(err)?;
        let end = (i + 100_000).min(count);
        for n in i..end {
            let outlet = &network[pick_zipf(&table, d)];
            let (order, holder) = one_order(n, outlet, network, &receivers, now, d);
            orders::insert_bulk(&tx, &order, n as i64 + 1).map_err(err)?;
            counters.add(&tx, &order).map_err(err)?;
            orders::add_event(
                &tx,
                &order.order_no,
                order.created_at,
                "upstream",
                holder,
                "created",
                None,
                "pending",
                None,
                None,
            )
            .map_err(err)?;
            stats.count(&order, holder);
        }
        tx.commit().map_err(err)?;
        i = end;
    }
    let indexing = Instant::now();
    let tx = conn.transaction().map_err(err)?;
    counters.finish(&tx).map_err(err)?;
    orders::set_last_seq(&tx, count as i64).map_err(err)?;
    // The scope index and every ancestor's change log, from the rows; the
    // secondary indexes after them, so the change log's seq index is built
    // once, sorted, rather than kept in step row by row.
    scope::rebuild(&tx).map_err(err)?;
    tx.execute_batch(&indexes).map_err(err)?;
    tx.commit().map_err(err)?;
    conn.execute_batch("PRAGMA synchronous=FULL; PRAGMA optimize;")
        .map_err(err)?;
    stats.indexing = indexing.elapsed().as_secs_f64();
    Ok(stats)
}

/// The tables a bulk load fills whose secondary indexes it builds at its end.
const BULK_TABLES: &[&str] = &[
    "orders",
    "order_outlets",
    "order_events",
    "report_entry",
    "order_feed",
];

/// Drops the secondary indexes of `tables`; returns the SQL that makes
/// them again, exactly as the migrations wrote them.
fn drop_indexes(c: &Connection, tables: &[&str]) -> rusqlite::Result<String> {
    let mut again = String::new();
    let mut st = c.prepare(
        "SELECT name, sql FROM sqlite_master
         WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (SELECT value FROM json_each(?1))",
    )?;
    let list = serde_json::to_string(tables)
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    let found: Vec<(String, String)> = st
        .query_map([list], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (name, sql) in found {
        c.execute_batch(&format!("DROP INDEX \"{name}\";"))?;
        again.push_str(&sql);
        again.push_str(";\n");
    }
    Ok(again)
}

fn one_order<'a>(
    n: usize,
    outlet: &'a Outlet,
    network: &'a [Outlet],
    receivers: &[usize],
    now: DateTime<Utc>,
    d: &mut Dice,
) -> (Order, Option<&'a str>) {
    let roll = d.range(0, 1000);
    // Pending orders are recent (a backlog of days, most within hours);
    // the rest spread over 60 days.
    let age = if roll < 135 {
        if d.chance(70) {
            Duration::seconds(d.range(0, 6 * 3600))
        } else {
            Duration::seconds(d.range(0, 3 * 86_400))
        }
    } else {
        Duration::seconds(d.range(0, 60 * 86_400))
    };
    let at = now - age;
    let mut inbound = demo_order(d, at);
    inbound.order_no = format!("{}{:09}", at.format("%y%m%d"), n);
    inbound.shipper.province = outlet.province.clone();
    inbound.shipper.city = outlet.city.clone();
    inbound.shipper.district = outlet.district.clone();
    let mut o = inbound.into_order(Some(outlet.code.clone()), at);
    o.dispatch_reason = Some(crate::domain::dispatch::DispatchReason::rule(
        crate::domain::dispatch::DispatchRule::ShipperCity,
    ));
    let later = at + Duration::minutes(d.range(3, 90));
    let mut holder = Some(outlet.code.as_str());
    match roll {
        0..=4 => {
            o.current_outlet_code = None;
            o.dispatch_reason = None;
            holder = None;
        }
        5..=134 => {}
        135..=214 => {
            o.status = Status::Accepted;
            o.contacted_at = Some(later);
            o.accepting_outlet_code = Some(outlet.code.clone());
        }
        215..=804 => {
            o.status = Status::Billed;
            o.contacted_at = Some(later);
            o.accepting_outlet_code = Some(outlet.code.clone());
            // One in twenty is billed by another outlet (代开).
            let biller = if d.chance(5) {
                &network[*d.pick(receivers)]
            } else {
                outlet
            };
            o.billing_outlet_code = Some(biller.code.clone());
            o.waybill_no = Some(format!("{:09}", 100_000_000 + n));
        }
        805..=844 => {
            o.status = Status::PickupFailed;
            o.accepting_outlet_code = Some(outlet.code.clone());
            o.last_reason_code = Some("goods_not_ready".into());
        }
        845..=924 => {
            o.status = Status::Cancelled;
        }
        _ => {
            o.status = Status::Closed;
            o.last_reason_code = Some("unreachable".into());
        }
    }
    if o.status != Status::Pending {
        o.updated_at = later.min(now);
        o.version = 2;
    }
    (o, holder)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(dir: &Path, outlets: usize, orders: usize) -> GenerateOptions {
        GenerateOptions {
            data_dir: dir.to_path_buf(),
            outlets,
            orders,
            seed: 7,
            password: "pw-for-test".into(),
            upstream_token: Some("up".into()),
        }
    }

    #[test]
    fn a_small_national_set_has_the_shape_asked_for() {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = generate(&opts(dir.path(), 2_000, 20_000)).expect("generate");
        assert_eq!(s.outlets, 2_000);
        assert_eq!(s.orders, 20_000);
        assert_eq!(
            s.staff,
            2_000 + 1,
            "a clerk per non-HQ outlet plus admin and dispatcher"
        );
        assert!(s.pending > 2_000 && s.pending < 3_500, "{s:?}");
        assert!(s.pool > 40 && s.pool < 200, "{s:?}");
        let c = db::open(&dir.path().join("hub.db")).expect("open");
        let tree = crate::domain::OutletTree::new(db::outlets(&c).expect("outlets"));
        for code in [
            &s.largest_branch,
            &s.busiest_outlet,
            &s.tiniest_outlet_with_pending,
        ] {
            assert!(tree.get(code).is_some(), "{code} is an outlet");
        }
        let states: i64 = c
            .query_row("SELECT COUNT(DISTINCT status) FROM orders", [], |r| {
                r.get(0)
            })
            .expect("count");
        assert_eq!(states, 6, "every state present");
        let clerk: String = c
            .query_row(
                "SELECT login FROM staff WHERE outlet_code = ?1",
                [&s.tiniest_outlet_with_pending],
                |r| r.get(0),
            )
            .expect("clerk");
        assert_eq!(
            clerk,
            format!("{}.clerk", s.tiniest_outlet_with_pending.to_lowercase())
        );
    }

    /// The bulk load's index, change log, counters and sequence are what
    /// the order-by-order path would have made: rebuilding them from the
    /// rows changes nothing, and the next order gets the next sequence.
    #[test]
    fn a_bulk_load_indexes_and_counts_as_order_by_order_writes_do() {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = generate(&opts(dir.path(), 300, 3_000)).expect("generate");
        let c = db::open(&dir.path().join("hub.db")).expect("open");
        let dump = |sql: &str| -> Vec<String> {
            let mut st = c.prepare(sql).expect("prepare");
            st.query_map([], |r| {
                let n = r.as_ref().column_count();
                let cols = (0..n)
                    .map(|i| Ok(format!("{:?}", r.get::<_, rusqlite::types::Value>(i)?)))
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                Ok(cols.join("|"))
            })
            .expect("query")
            .collect::<rusqlite::Result<_>>()
            .expect("rows")
        };
        let tables = [
            "SELECT * FROM order_scope ORDER BY 1, 2, 3, 4",
            "SELECT * FROM scope_count WHERE n <> 0 ORDER BY 1, 2",
            "SELECT * FROM order_feed ORDER BY 1, 2",
            "SELECT * FROM report_day ORDER BY 1, 2",
            "SELECT * FROM report_entry ORDER BY 1",
        ];
        let before: Vec<Vec<String>> = tables.iter().map(|t| dump(t)).collect();
        assert!(before.iter().all(|t| !t.is_empty()));
        scope::rebuild(&c).expect("index again");
        report::rebuild(&c).expect("counters again");
        let after: Vec<Vec<String>> = tables.iter().map(|t| dump(t)).collect();
        for (t, (b, a)) in tables.iter().zip(before.iter().zip(&after)) {
            assert!(b == a, "{t} differs after a rebuild");
        }
        let seq: i64 = c
            .query_row("SELECT max(seq) FROM orders", [], |r| r.get(0))
            .expect("seq");
        assert_eq!(orders::last_seq(&c).expect("last"), seq);
        assert_eq!(seq, s.orders as i64);
        let indexes: i64 = c
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name IN
                   ('orders_seq', 'orders_current', 'order_events_order', 'report_entry_resp', 'order_feed_seq')",
                [],
                |r| r.get(0),
            )
            .expect("indexes");
        assert_eq!(indexes, 5, "every index made again");
    }

    #[test]
    fn a_database_with_data_is_refused_and_kept() {
        let dir = tempfile::tempdir().expect("tempdir");
        generate(&opts(dir.path(), 200, 100)).expect("first");
        let again = generate(&opts(dir.path(), 200, 100));
        assert!(again.is_err_and(|e| e.contains("already holds")));
        let c = db::open(&dir.path().join("hub.db")).expect("open");
        let n: i64 = c
            .query_row("SELECT COUNT(*) FROM orders", [], |r| r.get(0))
            .expect("count");
        assert_eq!(n, 100);
    }
}
