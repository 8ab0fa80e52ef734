//! 阿里巴巴成交比 figures (issue 12):
//! - the ratio bars of 200 child outlets drawn on the software renderer: a
//!   cold draw (the cache empty: a new answer or a resize) and a redraw as
//!   the pointer moves (the cache kept, only the hover drawn), each also
//!   with the visible 600 × 700 px of the frame rasterised; goal: a redraw
//!   within one frame, 16 ms;
//! - the drill-down's export: 100,000 orders written to .xlsx and to CSV,
//!   in rows per second (`BENCH_ROWS=N` to change).
//!
//! `cargo bench --bench report` (`BENCH_ROUNDS=N`, default 20).

use std::time::{Duration, Instant};

use iced::advanced::graphics::geometry::Renderer as _;
use iced::advanced::renderer::Headless;
use iced::widget::canvas::{self, Cache, Program};
use iced::{Color, Point, Rectangle, Size, mouse};
use outlet_desk::api::report::ReportColumn;
use outlet_desk::config::Style;
use outlet_desk::sync::report_client::RowPart;
use outlet_desk::ui::screen::report::Message;
use outlet_desk::ui::screen::report::chart::{Bar, Bars, Hover, Labels};

const BARS: usize = 200;
const GOAL: Duration = Duration::from_millis(16);

fn percentile(mut v: Vec<Duration>, p: f64) -> Duration {
    v.sort();
    v[((v.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    chart();
    export();
}

/// 100,000 orders behind a number, as the drill-down exports them.
fn export() {
    use outlet_desk::api::report::ReportOrder;
    use outlet_desk::domain::Status;
    use outlet_desk::export::{self, FileKind};
    let rows: usize = std::env::var("BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let at = chrono::Utc::now();
    let orders: Vec<ReportOrder> = (0..rows)
        .map(|i| ReportOrder {
            order_no: format!("ALI{i:012}"),
            created_at: at,
            status: if i % 3 == 0 {
                Status::Billed
            } else {
                Status::Accepted
            },
            responsible_outlet_code: Some(format!("JS-YZ-{:03}", i % 500)),
            current_outlet_code: Some(format!("JS-YZ-{:03}", i % 500)),
            accepting_outlet_code: Some(format!("JS-YZ-{:03}", i % 500)),
            billing_outlet_code: (i % 3 == 0).then(|| format!("JS-NJ-{:03}", i % 200)),
            waybill_no: (i % 3 == 0).then(|| format!("YD{i:010}")),
            reason_code: (i % 7 == 0).then(|| "unreachable".to_owned()),
            ali_discount_fen: (i % 5) as i64 * 100,
        })
        .collect();
    let names = |c: &str| format!("扬州第{}营业部 ({c})", &c[c.len() - 3..]);
    let reasons = |c: &str| c.to_owned();
    let dir = tempfile::tempdir().expect("temp dir");
    for kind in [FileKind::Xlsx, FileKind::Csv] {
        let started = Instant::now();
        let table = export::report_orders_table(
            &orders,
            "江苏分公司 · 有效单",
            &names,
            &reasons,
            outlet_desk::i18n::Lang::ZhCn,
        );
        let path = dir.path().join(format!("orders.{kind:?}"));
        export::write(&table, &path, kind, &mut |_| true).expect("written");
        let took = started.elapsed().as_secs_f64();
        let bytes = std::fs::metadata(&path).map_or(0, |m| m.len());
        println!(
            "export {kind:?}: {rows} orders in {took:.2} s = {:.0} rows/s ({:.1} MB)",
            rows as f64 / took,
            bytes as f64 / 1e6
        );
    }
}

/// 200 bars, cold and on hover, in two styles.
fn chart() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let mut renderer = rt
        .block_on(iced::Renderer::new(
            outlet_desk::ui::font::DEFAULT,
            14.into(),
            Some("tiny-skia"),
        ))
        .expect("the software renderer");
    let names: Vec<String> = (0..BARS).map(|i| format!("扬州第{i:03}营业部")).collect();
    let cache = Cache::new();
    let bars = Bars {
        bars: names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let valid = 40 + i as i64 % 17;
                let billed = (valid * (i as i64 * 37 % 100)) / 100;
                Bar {
                    name,
                    ratio: Some(billed as f64 / valid as f64),
                    valid,
                    billed,
                    low: billed * 100 < valid * 60,
                    open: Message::Behind(
                        RowPart::Subtree(format!("O{i}")),
                        ReportColumn::Billed,
                        name.clone(),
                    ),
                }
            })
            .collect(),
        average: Some(0.55),
        target: 0.6,
        labels: Labels {
            average: "平均 55.0%".into(),
            target: "目标 60%".into(),
            valid: "有效单".into(),
            billed: "已开单".into(),
        },
        cache: &cache,
    };
    let rounds: usize = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let size = Size::new(600.0, bars.height());
    let bounds = Rectangle::new(Point::ORIGIN, size);
    // What a 768-high window shows of the chart; the rest is scrolled away.
    let shot = Size::new(size.width as u32, 700);
    for style in [Style::ClassicBlue, Style::Dark] {
        let theme = outlet_desk::ui::theme::theme(style);
        let mut hover = Hover::default();
        let frame = |renderer: &mut iced::Renderer, hover: &Hover, at: Point| {
            let started = Instant::now();
            for g in bars.draw(
                hover,
                renderer,
                &theme,
                bounds,
                mouse::Cursor::Available(at),
            ) {
                renderer.draw_geometry(g);
            }
            let drawn = started.elapsed();
            renderer.screenshot(shot, 1.0, Color::BLACK);
            (drawn, started.elapsed())
        };
        let (mut cold, mut cold_frame, mut warm, mut warm_frame) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for round in 0..rounds {
            cache.clear();
            let (d, f) = frame(&mut renderer, &hover, Point::ORIGIN);
            cold.push(d);
            cold_frame.push(f);
            // The pointer moves to another bar: only the hover is new.
            let at = Point::new(300.0, 22.0 + 22.0 * (round % BARS) as f32 + 30.0);
            let moved = canvas::Event::Mouse(mouse::Event::CursorMoved { position: at });
            let _ = bars.update(&mut hover, &moved, bounds, mouse::Cursor::Available(at));
            let (d, f) = frame(&mut renderer, &hover, at);
            warm.push(d);
            warm_frame.push(f);
        }
        println!(
            "{style:?}, {BARS} bars, {} × {} px, {rounds} rounds:",
            size.width, size.height
        );
        for (what, v) in [
            ("cold draw (cache empty)", cold),
            ("cold frame (draw + rasterise)", cold_frame),
            ("hover redraw (cache kept)", warm),
            ("hover frame (redraw + rasterise)", warm_frame),
        ] {
            let (p50, p99) = (percentile(v.clone(), 0.5), percentile(v, 0.99));
            let verdict = if p99 <= GOAL { "ok" } else { "OVER" };
            println!(
                "  {what:34} p50 {:6.2} ms  p99 {:6.2} ms  (goal ≤ {} ms: {verdict})",
                p50.as_secs_f64() * 1e3,
                p99.as_secs_f64() * 1e3,
                GOAL.as_millis()
            );
        }
    }
}
