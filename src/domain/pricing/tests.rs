//! Table tests pinning SPEC 3.5's boundaries and the manual's examples.
//! Expected figures are worked by hand in the comments.

use chrono::NaiveDate;

use super::*;
use crate::domain::order::{Cargo, Payment};
use crate::domain::rule::{FieldError, RuleError};
use crate::domain::{Outlet, OutletKind};

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 29).expect("date")
}

fn tier(w: i64, heavy: i64, v: i64, light: i64) -> Tier {
    Tier {
        from_weight_g: w,
        heavy_fen_per_kg: heavy,
        from_volume_cm3: v,
        light_fen_per_m3: light,
    }
}

/// Line `id` (see [`RateLine::new`]).
fn rl(
    id: i64,
    product: &str,
    origin: (Option<&str>, Option<&str>),
    dest: (&str, Option<&str>, Option<&str>),
    min: i64,
    tiers: Vec<Tier>,
) -> RateLine {
    RateLine {
        id,
        ..RateLine::new(product, origin, dest, min, tiers)
    }
}

/// Hangzhou → Beijing by 精准卡航: the city line (A), a dearer province
/// line (B), a district line from anywhere (C).
fn hz_bj() -> RateLine {
    rl(
        1,
        "JZKH",
        (Some("浙江省"), Some("杭州")),
        ("北京市", Some("北京"), None),
        3_000,
        vec![
            tier(0, 150, 0, 30_000),
            tier(100_000, 120, 500_000, 25_000),
            tier(500_000, 100, 3_000_000, 20_000),
        ],
    )
}

/// 泉州安溪县 via 厦门: the partner line and the trunk to 厦门 from 扬州.
fn anxi() -> Vec<RateLine> {
    let mut partner = rl(
        10,
        "AGENT_VEHICLE",
        (None, None),
        ("福建省", Some("泉州"), Some("安溪县")),
        2_000,
        vec![tier(0, 40, 0, 8_000)],
    );
    partner.via_province = Some("福建省".into());
    partner.via_city = Some("厦门".into());
    let trunk = rl(
        11,
        "JZQY_LONG",
        (Some("江苏省"), Some("扬州")),
        ("福建省", Some("厦门"), None),
        3_000,
        vec![tier(0, 130, 0, 26_000), tier(50_000, 110, 300_000, 22_000)],
    );
    vec![partner, trunk]
}

fn card() -> RateCard {
    let mut lines = vec![
        hz_bj(),
        rl(
            2,
            "JZKH",
            (Some("浙江省"), None),
            ("北京市", None, None),
            3_000,
            vec![tier(0, 200, 0, 40_000)],
        ),
        rl(
            3,
            "JZKH",
            (None, None),
            ("北京市", Some("北京"), Some("朝阳区")),
            5_000,
            vec![tier(0, 300, 0, 50_000)],
        ),
        rl(
            4,
            "JZKY",
            (Some("浙江省"), Some("杭州")),
            ("北京市", Some("北京"), None),
            5_000,
            vec![tier(0, 800, 0, 0)],
        ),
        rl(
            5,
            "JZCY",
            (Some("浙江省"), Some("杭州")),
            ("浙江省", Some("杭州"), None),
            1_000,
            vec![tier(0, 50, 0, 10_000)],
        ),
        rl(
            6,
            "JZKH",
            (Some("浙江省"), Some("杭州")),
            ("上海市", Some("上海"), None),
            1_000,
            vec![tier(0, 125, 0, 10_000)],
        ),
    ];
    lines.extend(anxi());
    RateCard::new(lines)
}

fn outlet(city: &str, province: &str, urban: bool) -> Outlet {
    Outlet {
        code: "X".into(),
        name: "X".into(),
        province: province.into(),
        city: city.into(),
        urban,
        ..Outlet::blank(OutletKind::Outlet, Some("HQ"))
    }
}

fn hangzhou() -> Outlet {
    outlet("杭州", "浙江省", true)
}

fn draft(product: &str, dest: (&str, &str, &str), weight_g: i64, volume_cm3: i64) -> WaybillDraft {
    WaybillDraft {
        waybill_no: "12345678".into(),
        product_code: product.into(),
        dest_province: dest.0.into(),
        dest_city: dest.1.into(),
        dest_district: dest.2.into(),
        consignee: Consignee {
            name: "李四".into(),
            phone: "13900000000".into(),
            address: "中山路 2 号".into(),
        },
        cargo: Cargo {
            name: "服装".into(),
            pieces: 3,
            weight_g,
            volume_cm3,
            packaging: "纸箱".into(),
        },
        declared_value_fen: 100_000,
        cod_amount_fen: 0,
        cod_refund: CodRefund::ThreeDay,
        payment: Payment::Sender,
        pickup_required: false,
        pickup_distance_m: 0,
        single_pickup_address: true,
        delivery: Delivery::SelfPickup,
    }
}

fn bj(weight_g: i64, volume_cm3: i64) -> WaybillDraft {
    draft("JZKH", ("北京市", "北京", "海淀区"), weight_g, volume_cm3)
}

fn price(d: &WaybillDraft, o: &Outlet) -> Quote {
    quote(
        d,
        o,
        &card(),
        &standard_products(),
        &PriceParams::default(),
        day(),
    )
    .expect("priced")
}

fn amounts(q: &Quote) -> Vec<(&'static str, i64)> {
    q.charges
        .iter()
        .map(|c| (c.code.as_str(), c.amount_fen))
        .collect()
}

#[test]
fn manual_example_hangzhou_to_beijing_by_jzkh() {
    // 600 kg, 2 m³, pickup 15 km from an urban Hangzhou outlet, door
    // delivery, declared 10,000 yuan.
    let mut d = bj(600_000, 2_000_000);
    d.pickup_required = true;
    d.pickup_distance_m = 15_000;
    d.delivery = Delivery::Door;
    d.declared_value_fen = 1_000_000;
    let q = price(&d, &hangzhou());
    // FRT: weight 600 kg × 1.00 (tier from 500 kg) = 600; volume 2 m³ ×
    // 250 (tier from 0.5 m³) = 500; minimum 30 → 600 by weight.
    // BF 10,000 × 0.4 % = 40; JH 30; SH 100 (above 500 kg); ZHXX 2.
    assert_eq!(
        amounts(&q),
        vec![
            ("FRT", 60_000),
            ("BF", 4_000),
            ("JH", 3_000),
            ("SH", 10_000),
            ("ZHXX", 200)
        ]
    );
    assert_eq!(q.freight_basis, FreightBasis::Weight);
    assert_eq!((q.rate_line_id, q.rate_line_version), (1, 1));
    assert_eq!(q.chargeable_weight_g, 600_000);
    assert_eq!(q.discount(DiscountCode::AliServiceFee), 200);
    assert_eq!(q.discount(DiscountCode::AliFreePickup), 3_000);
    let reasons: Vec<&str> = q.discounts.iter().map(|d| d.reason.as_str()).collect();
    assert_eq!(
        reasons,
        [
            "discount.reason.ALI_SERVICE_FEE",
            "discount.reason.ALI_FREE_PICKUP"
        ]
    );
    assert_eq!(q.published_fen, 77_200);
    assert_eq!(q.discount_fen, 3_200);
    assert_eq!(q.total_fen, 74_000);
    assert_eq!((q.prepaid_fen, q.collect_fen), (74_000, 0));
}

#[test]
fn manual_example_anxi_via_xiamen_by_partner_line() {
    // From 扬州 to 泉州安溪县: freight on JZQY_LONG to 厦门, 中转费 on the
    // AGENT_VEHICLE line. 80 kg, 0.25 m³, declared 1,500 yuan, COD 5,000
    // yuan three-day, pickup, consignee pays.
    let mut d = draft(
        "AGENT_VEHICLE",
        ("福建省", "泉州", "安溪县"),
        80_000,
        250_000,
    );
    d.declared_value_fen = 150_000;
    d.cod_amount_fen = 500_000;
    d.pickup_required = true;
    d.pickup_distance_m = 5_000;
    d.payment = Payment::Receiver;
    let q = price(&d, &outlet("扬州", "江苏省", true));
    // FRT: 80 kg × 1.10 (tier from 50 kg) = 88; 0.25 m³ × 260 = 65 → 88.
    // ZZ: 80 kg × 0.40 = 32; 0.25 × 80 = 20; minimum 20 → 32.
    // BF: 1,500 × 0.4 % = 6 < 8 (partner line minimum) → 8.
    // HK: 5,000 × 0.5 % = 25. JH 30. ZHXX 2. No Ali discount off ltl.
    assert_eq!(
        amounts(&q),
        vec![
            ("FRT", 8_800),
            ("ZZ", 3_200),
            ("BF", 800),
            ("HK", 2_500),
            ("JH", 3_000),
            ("ZHXX", 200)
        ]
    );
    assert!(q.discounts.is_empty(), "partner lines get no Ali discount");
    assert_eq!(q.charges[2].basis, "minimum");
    assert_eq!((q.rate_line_id, q.transfer_line_id), (11, Some(10)));
    assert_eq!(q.total_fen, 18_500);
    assert_eq!((q.prepaid_fen, q.collect_fen), (0, 18_500));
}

#[test]
fn partner_line_without_a_trunk_names_the_transfer_route() {
    let d = draft(
        "AGENT_VEHICLE",
        ("福建省", "泉州", "安溪县"),
        80_000,
        250_000,
    );
    let err = quote(
        &d,
        &hangzhou(),
        &card(),
        &standard_products(),
        &PriceParams::default(),
        day(),
    )
    .expect_err("no trunk from Hangzhou to Xiamen");
    assert_eq!(
        err,
        QuoteError::NoRate {
            route: "杭州 → 福建省 厦门 (JZQY_LONG)".into()
        }
    );
}

#[test]
fn free_pickup_boundaries() {
    // (weight g, volume cm³, distance m, urban, one address, product) → free?
    let cases: &[(i64, i64, i64, bool, bool, &str, bool)] = &[
        (500_000, 10_000, 5_000, true, true, "JZKH", false), // exactly 500 kg
        (500_001, 10_000, 5_000, true, true, "JZKH", true),  // a gram more
        (10_000, 3_000_000, 5_000, true, true, "JZKH", false), // exactly 3 m³
        (10_000, 3_000_001, 5_000, true, true, "JZKH", true),
        (600_000, 10_000, 20_000, true, true, "JZKH", true), // exactly 20 km
        (600_000, 10_000, 20_001, true, true, "JZKH", false),
        (600_000, 10_000, 5_000, false, true, "JZKH", false), // not urban
        (600_000, 10_000, 5_000, true, false, "JZKH", false), // two addresses
        (600_000, 10_000, 5_000, true, true, "JZKY", false),  // air
    ];
    for &(w, v, dist, urban, one, product, free) in cases {
        let mut d = bj(w, v);
        d.product_code = product.into();
        d.dest_district = String::new();
        d.pickup_required = true;
        d.pickup_distance_m = dist;
        d.single_pickup_address = one;
        let q = price(&d, &outlet("杭州", "浙江省", urban));
        assert_eq!(q.charge(ChargeCode::Jh), 3_000);
        let got = q.discount(DiscountCode::AliFreePickup);
        assert_eq!(
            got,
            if free { 3_000 } else { 0 },
            "{w} g {v} cm³ {dist} m urban={urban} one={one} {product}"
        );
    }
    // No pickup, nothing to waive.
    let q = price(&bj(600_000, 10_000), &hangzhou());
    assert_eq!(q.charge(ChargeCode::Jh), 0);
    assert_eq!(q.discount(DiscountCode::AliFreePickup), 0);
}

#[test]
fn service_fee_waived_only_on_ltl() {
    for (product, dest, waived) in [
        ("JZKH", ("北京市", "北京", ""), true),
        ("JZCY", ("浙江省", "杭州", ""), true),
        ("JZKY", ("北京市", "北京", ""), false),
    ] {
        let q = price(&draft(product, dest, 10_000, 10_000), &hangzhou());
        assert_eq!(q.charge(ChargeCode::Zhxx), 200, "{product}");
        assert_eq!(
            q.discount(DiscountCode::AliServiceFee),
            if waived { 200 } else { 0 },
            "{product}"
        );
    }
}

#[test]
fn freight_tiers_bases_and_rounding() {
    // (weight g, volume cm³) → (FRT fen, basis)
    let cases = [
        // 99.999 kg × 1.50 = 149.9985 → 150 (the first tier to its end)
        ((99_999, 10_000), (15_000, FreightBasis::Weight)),
        // the tier's first gram: 100 kg × 1.20 = 120
        ((100_000, 10_000), (12_000, FreightBasis::Weight)),
        // 5 kg × 1.50 = 7.5, 0.01 m³ × 300 = 3 → the minimum 30 wins
        ((5_000, 10_000), (3_000, FreightBasis::Minimum)),
        // 100 kg → 120; 1 m³ × 250 = 250 → volume
        ((100_000, 1_000_000), (25_000, FreightBasis::Volume)),
        // volume tier's first cm³: 0.499999 m³ × 300 = 149.9997 → 150
        ((1_000, 499_999), (15_000, FreightBasis::Volume)),
        // 0.5 m³ × 250 = 125
        ((1_000, 500_000), (12_500, FreightBasis::Volume)),
    ];
    for ((w, v), (fen, basis)) in cases {
        let q = price(&bj(w, v), &hangzhou());
        assert_eq!(
            (q.charge(ChargeCode::Frt), q.freight_basis),
            (fen, basis),
            "{w} g {v} cm³"
        );
    }
    // Half-up to whole yuan: 1.25/kg to 上海.
    for (w, fen) in [(10_000, 1_300), (9_960, 1_200), (10_040, 1_300)] {
        // 10 kg → 12.50 → 13; 9.96 kg → 12.45 → 12; 10.04 kg → 12.55 → 13
        let q = price(&draft("JZKH", ("上海市", "上海", ""), w, 0), &hangzhou());
        assert_eq!(q.charge(ChargeCode::Frt), fen.max(1_000), "{w} g");
    }
}

#[test]
fn air_prices_the_chargeable_weight() {
    // 10 kg, 0.12 m³ → 120,000 / 6,000 = 20 kg chargeable × 8.00 = 160.
    let q = price(
        &draft("JZKY", ("北京市", "北京", ""), 10_000, 120_000),
        &hangzhou(),
    );
    assert_eq!(q.chargeable_weight_g, 20_000);
    assert_eq!(q.charge(ChargeCode::Frt), 16_000);
    assert_eq!(q.freight_basis, FreightBasis::Volume);
    // 30 kg real weight beats 20 kg volumetric: 240.
    let q = price(
        &draft("JZKY", ("北京市", "北京", ""), 30_000, 120_000),
        &hangzhou(),
    );
    assert_eq!(
        (q.chargeable_weight_g, q.charge(ChargeCode::Frt)),
        (30_000, 24_000)
    );
    assert_eq!(q.freight_basis, FreightBasis::Weight);
    // 2 kg → 16 < the 50 minimum.
    let q = price(
        &draft("JZKY", ("北京市", "北京", ""), 2_000, 0),
        &hangzhou(),
    );
    assert_eq!(
        (q.charge(ChargeCode::Frt), q.freight_basis),
        (5_000, FreightBasis::Minimum)
    );
}

#[test]
fn insurance_minimum_by_haul_and_mode() {
    // declared 1,000 yuan × 0.4 % = 4 yuan: the minimum applies.
    for (product, dest, min) in [
        ("JZKH", ("北京市", "北京", ""), 800),
        ("JZCY", ("浙江省", "杭州", ""), 600),
        ("JZKY", ("北京市", "北京", ""), 1_000),
    ] {
        let q = price(&draft(product, dest, 10_000, 10_000), &hangzhou());
        assert_eq!(q.charge(ChargeCode::Bf), min, "{product}");
        assert_eq!(
            q.charges
                .iter()
                .find(|c| c.code == ChargeCode::Bf)
                .map(|c| c.basis.as_str()),
            Some("minimum")
        );
    }
    // 3,125 yuan × 0.4 % = 12.50 → 13.
    let mut d = bj(10_000, 10_000);
    d.declared_value_fen = 312_500;
    assert_eq!(price(&d, &hangzhou()).charge(ChargeCode::Bf), 1_300);
}

#[test]
fn cod_fee_bands() {
    // (COD yuan, refund) → fee yuan
    let cases = [
        (1_000, CodRefund::ThreeDay, 10),   // 5 → min 10
        (9_999, CodRefund::ThreeDay, 50),   // 49.995 → 50
        (10_000, CodRefund::ThreeDay, 40),  // 0.4 % from 10,000
        (30_000, CodRefund::ThreeDay, 100), // 120 → max 100
        (1_000, CodRefund::SameDay, 20),    // 10 → min 20
        (5_000, CodRefund::SameDay, 50),
        (30_000, CodRefund::SameDay, 200), // 300 → max 200
    ];
    for (cod, refund, fee) in cases {
        let mut d = bj(10_000, 10_000);
        d.cod_amount_fen = cod * 100;
        d.cod_refund = refund;
        let q = price(&d, &hangzhou());
        assert_eq!(q.charge(ChargeCode::Hk), fee * 100, "{cod} {refund:?}");
    }
    assert!(
        !price(&bj(10_000, 10_000), &hangzhou())
            .charges
            .iter()
            .any(|c| c.code == ChargeCode::Hk),
        "no COD, no HK line"
    );
}

#[test]
fn delivery_fee_steps() {
    // (weight g, volume cm³) → SH yuan
    let cases = [
        (300_000, 10_000, 55),
        (301_000, 10_000, 60),  // 301 × 0.20 = 60.2
        (500_000, 10_000, 100), // 500 × 0.20
        (500_001, 10_000, 100),
        (100_000, 2_500_000, 100), // from 2.5 m³
        (100_000, 2_499_999, 55),
    ];
    for (w, v, sh) in cases {
        let mut d = bj(w, v);
        d.delivery = Delivery::Door;
        assert_eq!(
            price(&d, &hangzhou()).charge(ChargeCode::Sh),
            sh * 100,
            "{w} {v}"
        );
    }
}

#[test]
fn most_specific_origin_then_destination() {
    let o = |city: &str, prov: &str| outlet(city, prov, true);
    // (outlet, destination) → line id
    let cases = [
        // Hangzhou's own city line beats the district line from anywhere.
        (o("杭州", "浙江省"), ("北京市", "北京", "朝阳区"), 1),
        // Another Zhejiang city: the province line beats the any-origin
        // district line.
        (o("宁波", "浙江省"), ("北京", "北京市", "海淀区"), 2),
        (o("宁波", "浙江省"), ("北京市", "北京", "朝阳区"), 2),
        // From Jiangsu only the any-origin district line applies.
        (o("南京", "江苏省"), ("北京市", "北京", "朝阳区"), 3),
    ];
    for (outlet, dest, id) in cases {
        let q = price(&draft("JZKH", dest, 10_000, 10_000), &outlet);
        assert_eq!(q.rate_line_id, id, "{} → {dest:?}", outlet.city);
    }
    let err = quote(
        &draft("JZKH", ("北京市", "北京", "海淀区"), 10_000, 10_000),
        &o("南京", "江苏省"),
        &card(),
        &standard_products(),
        &PriceParams::default(),
        day(),
    )
    .expect_err("no line");
    assert_eq!(
        err,
        QuoteError::NoRate {
            route: "南京 → 北京市 北京 海淀区 (JZKH)".into()
        }
    );
}

#[test]
fn effective_dates_and_retired_lines() {
    let mut old = hz_bj();
    old.effective_to = Some(NaiveDate::from_ymd_opt(2026, 11, 28).expect("date"));
    let mut future = hz_bj();
    future.id = 7;
    future.effective_from = NaiveDate::from_ymd_opt(2026, 11, 30).expect("date");
    let mut retired = hz_bj();
    retired.id = 8;
    retired.retired = true;
    let mut today = hz_bj();
    today.id = 9;
    today.effective_from = day();
    today.effective_to = Some(day());
    let products = standard_products();
    let p = PriceParams::default();
    let d = bj(10_000, 10_000);
    let card = RateCard::new([old.clone(), future.clone(), retired.clone()]);
    assert!(matches!(
        quote(&d, &hangzhou(), &card, &products, &p, day()),
        Err(QuoteError::NoRate { .. })
    ));
    let card = RateCard::new([old, future, retired, today]);
    let q = quote(&d, &hangzhou(), &card, &products, &p, day()).expect("priced");
    assert_eq!(
        q.rate_line_id, 9,
        "a line is in force on its first and last day"
    );
}

#[test]
fn bad_drafts_name_the_field() {
    let products = standard_products();
    let p = PriceParams::default();
    type Change = Box<dyn Fn(&mut WaybillDraft)>;
    let cases: Vec<(Change, &str, &str)> = vec![
        (
            Box::new(|d| d.declared_value_fen = 0),
            "declared_value_fen",
            "declared_value_required",
        ),
        (
            Box::new(|d| d.declared_value_fen = -5),
            "declared_value_fen",
            "declared_value_required",
        ),
        (
            Box::new(|d| d.cargo.weight_g = -1),
            "cargo.weight_g",
            "out_of_range",
        ),
        (
            Box::new(|d| d.cargo.weight_g = 0),
            "cargo.weight_g",
            "out_of_range",
        ),
        (
            Box::new(|d| d.cargo.weight_g = 100_000_001),
            "cargo.weight_g",
            "out_of_range",
        ),
        (
            Box::new(|d| d.cargo.volume_cm3 = -1),
            "cargo.volume_cm3",
            "out_of_range",
        ),
        (
            Box::new(|d| d.cargo.volume_cm3 = 200_000_001),
            "cargo.volume_cm3",
            "out_of_range",
        ),
        (
            Box::new(|d| d.cargo.pieces = 0),
            "cargo.pieces",
            "out_of_range",
        ),
        (
            Box::new(|d| d.product_code = "TELEPORT".into()),
            "product_code",
            "unknown_product",
        ),
        (
            Box::new(|d| d.dest_city = " ".into()),
            "dest_city",
            "required",
        ),
        (
            Box::new(|d| d.consignee.name = String::new()),
            "consignee.name",
            "required",
        ),
        (
            Box::new(|d| d.cod_amount_fen = -1),
            "cod_amount_fen",
            "out_of_range",
        ),
        (
            Box::new(|d| d.pickup_distance_m = -1),
            "pickup_distance_m",
            "out_of_range",
        ),
    ];
    for (change, field, code) in cases {
        let mut d = bj(10_000, 10_000);
        change(&mut d);
        let err = quote(&d, &hangzhou(), &card(), &products, &p, day()).expect_err(field);
        assert_eq!(
            err,
            QuoteError::Invalid(RuleError::Fields(vec![FieldError::new(field, code)])),
            "{field}"
        );
    }
}

#[test]
fn waybill_numbers() {
    let pattern = WaybillPattern::new(DEFAULT_NUMBER_PATTERN).expect("default compiles");
    let products = standard_products();
    for (no, ok) in [
        ("12345678", true),
        ("123456789", true),
        ("1234567", false),
        ("1234567890", false),
        ("1234a678", false),
        ("", false),
        (" 12345678", false),
    ] {
        let mut d = bj(10_000, 10_000);
        d.waybill_no = no.into();
        let got = d.check(&products, &pattern);
        if ok {
            assert_eq!(got, Ok(()), "{no:?}");
        } else {
            let Err(RuleError::Fields(f)) = got else {
                panic!("{no:?} accepted")
            };
            assert_eq!(f[0].field, "waybill_no", "{no:?}");
        }
    }
    let custom = WaybillPattern::new("^DP[0-9]{6}$").expect("compiles");
    assert!(custom.matches("DP123456"));
    assert!(!custom.matches("12345678"));
    assert!(WaybillPattern::new("[").is_err());
}

#[test]
fn rate_line_checks() {
    let products = standard_products();
    let field = |l: &RateLine| match l.check(&products) {
        Ok(()) => None,
        Err(RuleError::Fields(f)) => Some((f[0].field.clone(), f[0].code.clone())),
        Err(e) => panic!("{e}"),
    };
    let s = |a: &str, b: &str| Some((a.to_owned(), b.to_owned()));
    assert_eq!(field(&hz_bj()), None);
    let mut l = hz_bj();
    l.tiers.swap(1, 2);
    assert_eq!(field(&l), s("tiers", "tiers_not_ascending"));
    let mut l = hz_bj();
    l.tiers[1].from_volume_cm3 = 0;
    assert_eq!(
        field(&l),
        s("tiers", "tiers_not_ascending"),
        "volume steps too"
    );
    let mut l = hz_bj();
    l.tiers[0].from_weight_g = 1;
    assert_eq!(field(&l), s("tiers", "first_tier_not_zero"));
    let mut l = hz_bj();
    l.tiers[2].heavy_fen_per_kg = -1;
    assert_eq!(field(&l), s("tiers", "negative_price"));
    let mut l = hz_bj();
    l.tiers.clear();
    assert_eq!(field(&l), s("tiers", "required"));
    let mut l = hz_bj();
    l.min_charge_fen = -100;
    assert_eq!(field(&l), s("min_charge_fen", "negative_price"));
    let mut l = hz_bj();
    l.product_code = "XX".into();
    assert_eq!(field(&l), s("product_code", "unknown_product"));
    let mut l = hz_bj();
    l.effective_to = NaiveDate::from_ymd_opt(2025, 1, 1);
    assert_eq!(field(&l), s("effective_to", "before_from"));
    let mut l = anxi().remove(0);
    l.via_city = None;
    assert_eq!(field(&l), s("via_city", "required"));
    let mut l = hz_bj();
    l.via_city = Some("厦门".into());
    assert_eq!(field(&l), s("via_city", "via_only_partner"));
}

#[test]
fn overlapping_lines() {
    let a = hz_bj();
    let mut b = hz_bj();
    b.id = 2;
    b.dest_province = "北京".into(); // spelled differently, same place
    assert!(a.overlaps(&b));
    assert!(b.check_against([&a]).is_err());
    // Back to back is fine.
    let mut a2 = a.clone();
    a2.effective_to = NaiveDate::from_ymd_opt(2026, 12, 31);
    b.effective_from = NaiveDate::from_ymd_opt(2027, 1, 1).expect("date");
    assert!(!a2.overlaps(&b));
    // A line never overlaps itself, nor a retired one, nor another product.
    assert!(!a.overlaps(&a));
    let mut r = b.clone();
    r.effective_from = a.effective_from;
    r.retired = true;
    assert!(!a.overlaps(&r));
    let mut other = b.clone();
    other.effective_from = a.effective_from;
    other.product_code = "JZQY_LONG".into();
    assert!(!a.overlaps(&other));
    // A different origin level is another route (the more specific wins).
    let mut prov = b.clone();
    prov.effective_from = a.effective_from;
    prov.origin_city = None;
    assert!(!a.overlaps(&prov));
}

#[test]
fn place_names_match_with_or_without_suffix() {
    assert!(same_place("北京市", "北京"));
    assert!(same_place("福建省", "福建"));
    assert!(same_place("广西壮族自治区", "广西"));
    assert!(!same_place("泉州", "厦门"));
    assert_eq!(place_key("市"), "市", "a bare suffix stays");
}

#[test]
fn shipped_parameters_are_the_spec_defaults() {
    let defaults = crate::domain::params::defaults().expect("defaults load");
    let from_toml = PriceParams::from_values(defaults.iter().map(|(k, v)| (*k, v)));
    assert_eq!(from_toml, PriceParams::default());
    // Every fee parameter the pricing reads is an administrator's parameter.
    let mut p = PriceParams::default();
    for (key, _) in &defaults {
        p.set(key, 7);
    }
    assert_eq!(p.insurance_ppm, 7);
    assert_eq!(p.delivery_fen_per_kg, 7);
    assert_eq!(p.free_pickup_max_distance_m, 7);
    assert_eq!(p.cod_same_day_max_fen, 7);
}

#[test]
fn the_number_pattern_parameter_must_be_a_regular_expression() {
    use crate::domain::params::def;
    use serde_json::json;
    let d = def("waybill.number_pattern").expect("defined");
    assert_eq!(d.validate(&json!(DEFAULT_NUMBER_PATTERN), None), Ok(()));
    assert_eq!(d.validate(&json!("^DP[0-9]{6}$"), None), Ok(()));
    for bad in [json!("["), json!(""), json!(12)] {
        assert_eq!(
            d.validate(&bad, None),
            Err(RuleError::field("value", "invalid_pattern")),
            "{bad}"
        );
    }
}
