//! The demo network's rate card, and a few demo orders already billed (some
//! by another outlet), so 开单 and the conversion report have data at once.

use rusqlite::Connection;

use super::pricing_store;
use crate::domain::order::Action;
use crate::domain::pricing::{RateLine, Tier, WaybillDraft};
use crate::domain::{OutletTree, Status};

/// (province, city, latitude, longitude) of every place the demo ships
/// from or to.
const PLACES: &[(&str, &str, f64, f64)] = &[
    ("江苏省", "南京", 32.06, 118.80),
    ("江苏省", "扬州", 32.39, 119.42),
    ("浙江省", "杭州", 30.27, 120.16),
    ("北京市", "北京", 39.90, 116.40),
    ("福建省", "福州", 26.07, 119.30),
    ("福建省", "厦门", 24.48, 118.09),
    ("福建省", "泉州", 24.87, 118.68),
    ("上海市", "上海", 31.23, 121.47),
    ("广东省", "广州", 23.13, 113.26),
    ("四川省", "成都", 30.66, 104.07),
    ("湖北省", "武汉", 30.59, 114.31),
    ("山东省", "青岛", 36.07, 120.38),
    ("陕西省", "西安", 34.34, 108.94),
    ("辽宁省", "沈阳", 41.80, 123.43),
    ("云南省", "昆明", 25.04, 102.71),
];

/// Provinces with a demo outlet: the card's origins.
const ORIGINS: &[&str] = &["江苏省", "浙江省", "北京市", "福建省", "上海市"];

/// Rough road distance in km between two places (great circle × 1.3).
fn km(a: (f64, f64), b: (f64, f64)) -> i64 {
    let (la1, lo1, la2, lo2) = (
        a.0.to_radians(),
        a.1.to_radians(),
        b.0.to_radians(),
        b.1.to_radians(),
    );
    let h = ((la2 - la1) / 2.0).sin().powi(2)
        + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
    (6371.0 * 2.0 * h.sqrt().asin() * 1.3) as i64
}

fn centre(province: &str) -> (f64, f64) {
    let pts: Vec<_> = PLACES.iter().filter(|p| p.0 == province).collect();
    let n = pts.len().max(1) as f64;
    (
        pts.iter().map(|p| p.2).sum::<f64>() / n,
        pts.iter().map(|p| p.3).sum::<f64>() / n,
    )
}

/// Three tiers: from 0, from 100 kg / 0.5 m³, from 500 kg / 3 m³, each a
/// little cheaper.
fn tiers(heavy: i64, light: i64) -> Vec<Tier> {
    [
        (0, 0, 100),
        (100_000, 500_000, 90),
        (500_000, 3_000_000, 80),
    ]
    .into_iter()
    .map(|(w, v, pct)| Tier {
        from_weight_g: w,
        heavy_fen_per_kg: heavy * pct / 100,
        from_volume_cm3: v,
        light_fen_per_m3: light * pct / 100,
    })
    .collect()
}

/// The demo card: from every demo province to every demo city by 精准卡航,
/// 精准汽运(长途), 精准空运 and 整车; within a province by the short-haul
/// products; Hangzhou → Beijing by 精准卡航 (the manual's example); and
/// 泉州安溪县 by 汽运偏线 via 厦门.
pub fn lines() -> Vec<RateLine> {
    let mut out = Vec::new();
    for origin in ORIGINS {
        let from = centre(origin);
        for (prov, city, lat, lon) in PLACES {
            let d = km(from, (*lat, *lon)).max(30);
            let dest = (*prov, Some(*city), None);
            let o = (Some(*origin), None);
            if prov == origin {
                out.push(RateLine::new(
                    "JZCY",
                    o,
                    dest,
                    1_500,
                    tiers(40 + d / 10, 8_000),
                ));
                out.push(RateLine::new(
                    "JZQY_SHORT",
                    o,
                    dest,
                    1_200,
                    tiers(30 + d / 10, 6_000),
                ));
                continue;
            }
            let road = 50 + d * 6 / 100;
            out.push(RateLine::new(
                "JZQY_LONG",
                o,
                dest,
                2_500,
                tiers(road, road * 190),
            ));
            out.push(RateLine::new(
                "JZKH",
                o,
                dest,
                3_000,
                tiers(road * 6 / 5, road * 220),
            ));
            out.push(RateLine::new(
                "JZKY",
                o,
                dest,
                5_000,
                tiers(600 + d * 4 / 10, 0),
            ));
            out.push(RateLine::new(
                "JZZC",
                o,
                dest,
                80_000 + d * 600,
                tiers(road / 3, road * 50),
            ));
        }
    }
    // The manual's example: Hangzhou's own, cheaper 精准卡航 line to Beijing.
    out.push(RateLine::new(
        "JZKH",
        (Some("浙江省"), Some("杭州")),
        ("北京市", Some("北京"), None),
        3_000,
        tiers(150, 30_000),
    ));
    let mut anxi = RateLine::new(
        "AGENT_VEHICLE",
        (None, None),
        ("福建省", Some("泉州"), Some("安溪县")),
        2_000,
        tiers(40, 8_000),
    );
    anxi.via_province = Some("福建省".into());
    anxi.via_city = Some("厦门".into());
    out.push(anxi);
    // From Fujian itself 厦门 is short haul: the trunk to it for partner
    // lines starting in Fujian.
    out.push(RateLine::new(
        "JZQY_LONG",
        (Some("福建省"), None),
        ("福建省", Some("厦门"), None),
        2_500,
        tiers(60, 12_000),
    ));
    out
}

/// Seeds the demo card (first start of a demo hub).
pub fn seed_card(c: &Connection) -> rusqlite::Result<()> {
    for l in lines() {
        pricing_store::insert_rate_line(c, &l, "admin")?;
    }
    Ok(())
}

/// Bills some of the seeded demo orders: some by their own outlet (one
/// step from pending, or after acceptance), some by another outlet with
/// the logistics number (代开).
pub fn bill_some(c: &mut Connection, tree: &OutletTree) -> Result<(), String> {
    let staff = super::demo::demo_staff();
    let clerks: Vec<_> = staff
        .iter()
        .filter(|s| s.role == crate::domain::Role::Clerk)
        .collect();
    let mut pending: Vec<(String, String)> = {
        let mut st = c
            .prepare("SELECT order_no, current_outlet_code FROM orders WHERE status = 'pending' AND current_outlet_code IS NOT NULL ORDER BY created_at")
            .map_err(|e| e.to_string())?;
        let rows = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(|e| e.to_string())?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| e.to_string())?
    };
    pending.retain(|(_, at)| tree.get(at).is_some());
    let mut billed = 0;
    for (i, (order_no, at)) in pending.iter().enumerate() {
        if billed >= 9 {
            break;
        }
        let Some(own) = clerks.iter().find(|s| tree.is_within(at, &s.outlet_code)) else {
            continue;
        };
        let other = clerks
            .iter()
            .find(|s| !tree.is_within(at, &s.outlet_code) && !tree.is_within(&s.outlet_code, at));
        let tx = c.transaction().map_err(|e| e.to_string())?;
        let Some(o) = super::orders::get(&tx, order_no).map_err(|e| e.to_string())? else {
            continue;
        };
        if o.status != Status::Pending {
            continue;
        }
        let mut draft = WaybillDraft::from_order(&o);
        if draft.product_code == "AGENT_VEHICLE" {
            draft.product_code = "JZQY_LONG".into();
        }
        draft.waybill_no = format!("{}", 80_000_000 + billed * 7 + 1);
        draft.pickup_distance_m = 8_000;
        let by_other = i % 3 == 2 && other.is_some();
        let result = if by_other {
            let accept = Action::Accept {
                weight_g: o.cargo.weight_g.max(1),
                volume_cm3: o.cargo.volume_cm3,
                pickup_required: false,
                pickup_time: None,
            };
            super::routes::accept_and_import(
                &tx,
                tree,
                own,
                other.copied().unwrap_or(own),
                &o,
                &accept,
                &draft,
            )
        } else {
            super::routes::import_waybill(&tx, tree, own, order_no, &draft, None, None).map(|_| ())
        };
        match result {
            Ok(()) => {
                tx.commit().map_err(|e| e.to_string())?;
                billed += 1;
            }
            Err(e) => tracing::debug!("demo billing of {order_no} skipped: {}", e.code),
        }
    }
    Ok(())
}
