//! Printing figures (issue 13), each printed with its goal:
//! - 100 labels into one PDF (layout and the PDF with the font subset);
//! - a preview page render: one page laid out, then drawn on the preview's
//!   canvas and rasterised by the software renderer at the default zoom;
//! - the first preview after 打印 for a 10-order batch, as the app does it
//!   from the press: the layouts read from a real cache on a blocking
//!   thread, the preview opened (every page of the batch laid out), its
//!   first page drawn and rasterised (goal ≤ 300 ms).
//!
//! `cargo bench --bench print` (`BENCH_ROUNDS=N`, default 9).

use std::borrow::Cow;
use std::time::{Duration, Instant};

use iced::advanced::Renderer as _;
use iced::advanced::graphics::geometry::Renderer as _;
use iced::advanced::renderer::Headless;
use iced::{Color, Size};
use outlet_desk::domain::Order;
use outlet_desk::domain::print::{Document, Layout};
use outlet_desk::i18n::Lang;
use outlet_desk::print::page::Page;
use outlet_desk::print::{documents, pdf};
use outlet_desk::store::Store;
use outlet_desk::ui::screen::print::Preview;
use outlet_desk::ui::widget::page_view;

/// The preview's default zoom, screen pixels per millimetre.
const ZOOM: f32 = 3.0;
const FIRST_PREVIEW_GOAL: Duration = Duration::from_millis(300);

fn order(i: usize, pieces: i64) -> Order {
    serde_json::from_value(serde_json::json!({
        "order_no": format!("B{i:05}"),
        "logistics_no": format!("WLB{i:05}"),
        "shipper": {"name": "张三", "phone": "13812345678", "province": "江苏省", "city": "苏州",
                    "district": "吴中区", "address": "工业园区星湖街 328 号创意产业园 5 栋 1201 室"},
        "consignee": {"name": "李四", "phone": "13987654321", "province": "广东省", "city": "广州",
                      "district": "天河区", "address": "珠江新城华夏路 10 号富力中心写字楼 32 层东侧 3208 室"},
        "cargo": {"name": "服装", "pieces": pieces, "weight_g": 12500, "volume_cm3": 60000},
        "transport_mode": "standard", "declared_value": 150000, "payment": "sender",
        "created_at": "2026-11-29T01:00:00Z", "updated_at": "2026-11-29T01:00:00Z",
        "status": "accepted", "waybill_no": format!("DB2026{i:07}")
    }))
    .expect("order")
}

/// Median and slowest of `runs` timings of `f`.
fn timed(runs: usize, mut f: impl FnMut()) -> (Duration, Duration) {
    let mut t: Vec<Duration> = (0..runs)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed()
        })
        .collect();
    t.sort();
    (t[runs / 2], t[runs - 1])
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Draws `page` as the preview does and rasterises it; its size in pixels.
fn render(renderer: &mut iced::Renderer, page: &Page) -> Size<u32> {
    let size = Size::new(page.width_mm * ZOOM, page.height_mm * ZOOM);
    // A new frame, as the window starts each one: without it the layers of
    // every earlier call are drawn again.
    renderer.reset(iced::Rectangle::with_size(size));
    renderer.draw_geometry(page_view::draw(page, ZOOM, renderer, size));
    let px = Size::new(size.width.ceil() as u32, size.height.ceil() as u32);
    let _ = renderer.screenshot(px, 1.0, Color::WHITE);
    px
}

fn main() {
    let rounds: usize = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(9);
    let now = chrono::Utc::now();
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    // The app loads its bundled font once at start; so does the bench.
    iced::advanced::graphics::text::font_system()
        .write()
        .expect("font system")
        .load_font(Cow::Borrowed(outlet_desk::ui::font::CJK_BYTES));
    let mut renderer = rt
        .block_on(iced::Renderer::new(
            outlet_desk::ui::font::DEFAULT,
            14.into(),
            Some("tiny-skia"),
        ))
        .expect("the software renderer");
    let label = Layout::default_for(Document::Label);
    // Warm the font tables (once per process in the app too).
    let warm = documents::build(&[order(0, 1)], &label, Lang::ZhCn, now);
    render(&mut renderer, &warm[0]);

    println!("print bench, {rounds} rounds (median / slowest):");
    let hundred: Vec<Order> = (0..100).map(|i| order(i, 1)).collect();
    let mut size = 0;
    let (p50, max) = timed(rounds, || {
        let pages = documents::build(&hundred, &label, Lang::ZhCn, now);
        size = pdf::write(&pages, 1).map(|b| b.len()).unwrap_or(0);
    });
    println!(
        "  100 labels into one PDF: {:.1} / {:.1} ms, {} KB (goal: a batch prints without waiting)",
        ms(p50),
        ms(max),
        size / 1024
    );

    let one = [order(1, 1)];
    for doc in [Document::Label, Document::DeliveryNote] {
        let layout = Layout::default_for(doc);
        let (lay50, lay_max) = timed(rounds * 3, || {
            let _ = documents::build(&one, &layout, Lang::ZhCn, now);
        });
        let pages = documents::build(&one, &layout, Lang::ZhCn, now);
        let mut px = Size::new(0, 0);
        let (draw50, draw_max) = timed(rounds * 3, || px = render(&mut renderer, &pages[0]));
        println!(
            "  preview page render, {}: laid out {:.2} / {:.2} ms, drawn + rasterised {} × {} px {:.2} / {:.2} ms (goal: within a frame, 16 ms)",
            doc.as_str(),
            ms(lay50),
            ms(lay_max),
            px.width,
            px.height,
            ms(draw50),
            ms(draw_max)
        );
    }

    first_preview(&rt, &mut renderer, rounds, now);
}

/// From the 打印 press to the preview's first page drawn: the layouts read
/// from the cache off the GUI thread, the preview opened on the batch (all
/// its pages laid out), the first page drawn and rasterised.
fn first_preview(
    rt: &tokio::runtime::Runtime,
    renderer: &mut iced::Renderer,
    rounds: usize,
    now: chrono::DateTime<chrono::Utc>,
) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (store, _) = Store::open(&dir.path().join("cache.sqlite")).expect("cache");
    // A PC with its own label adjustment, as a clerk's usually has.
    let mut setup = rt.block_on(store.run(|s| s.print_setup())).expect("setup");
    setup.adjust(Document::Label, |l| l.font_size_pt += 1.0);
    let local = setup.local.clone();
    rt.block_on(store.run(move |s| s.save_print_layouts(&local)))
        .expect("saved");
    let ten: Vec<Order> = (0..10).map(|i| order(i, 3)).collect();
    for doc in Document::ALL {
        let mut parts = [Vec::new(), Vec::new(), Vec::new(), Vec::new()];
        let mut pages = 0;
        for _ in 0..rounds {
            let pressed = Instant::now();
            let setup = rt.block_on(store.run(|s| s.print_setup())).expect("setup");
            let read = pressed.elapsed();
            let (preview, _printers) =
                Preview::open(ten.clone(), setup, doc, Lang::ZhCn, now, false, &store);
            let opened = pressed.elapsed();
            pages = preview.pages().len();
            render(renderer, &preview.pages()[0]);
            let drawn = pressed.elapsed();
            parts[0].push(read);
            parts[1].push(opened - read);
            parts[2].push(drawn - opened);
            parts[3].push(drawn);
        }
        let median = |v: &mut Vec<Duration>| {
            v.sort();
            v[v.len() / 2]
        };
        let [read, open, draw, total] = &mut parts;
        total.sort();
        let slowest = total[total.len() - 1];
        let verdict = if slowest <= FIRST_PREVIEW_GOAL {
            "ok"
        } else {
            "OVER"
        };
        println!(
            "  first preview after 打印, 10 orders, {} ({pages} pages): {:.1} / {:.1} ms (goal ≤ {} ms: {verdict}) = layouts read {:.1} + pages laid out {:.1} + first page drawn {:.1}",
            doc.as_str(),
            ms(median(total)),
            ms(slowest),
            FIRST_PREVIEW_GOAL.as_millis(),
            ms(median(read)),
            ms(median(open)),
            ms(median(draw)),
        );
    }
}
