//! The tray icon (StatusNotifierItem on Linux, the notification area on
//! Windows): 显示主窗口, 立即同步, 退出, and the count of orders waiting for
//! a call in its tooltip. Menu clicks reach the app through a subscription
//! fed by a plain thread, so no executor thread ever blocks on them.

use std::cell::RefCell;
use std::sync::{Mutex, OnceLock};

use tray_icon::menu::{Menu, MenuEvent, MenuItem};
use tray_icon::{Icon, TrayIcon, TrayIconBuilder};

use crate::i18n::{self, Lang};

/// What the tray menu asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// 显示主窗口.
    Show,
    /// 立即同步.
    SyncNow,
    /// 退出.
    Quit,
}

struct Tray {
    icon: TrayIcon,
    closes_to_tray: bool,
    /// 显示主窗口, 立即同步, 退出: relabelled when the language changes.
    items: [MenuItem; 3],
}

thread_local! {
    // The tray lives on the GUI thread, as Windows requires.
    static TRAY: RefCell<Option<Tray>> = const { RefCell::new(None) };
}

static COMMANDS: OnceLock<Mutex<Option<tokio::sync::mpsc::UnboundedReceiver<Command>>>> =
    OnceLock::new();

/// A 32×32 icon drawn in code: a blue rounded square with a white parcel.
fn icon() -> Option<Icon> {
    let n = 32usize;
    let mut rgba = vec![0u8; n * n * 4];
    for y in 0..n {
        for x in 0..n {
            let i = (y * n + x) * 4;
            let edge = x.min(y).min(n - 1 - x).min(n - 1 - y);
            let corner = (x < 3 || x > n - 4) && (y < 3 || y > n - 4);
            if corner {
                continue;
            }
            let parcel = (9..23).contains(&x) && (10..24).contains(&y);
            let tape = parcel && (x == 15 || x == 16 || y == 14);
            let (r, g, b) = if tape {
                (0x1E, 0x5E, 0xB8)
            } else if parcel {
                (0xFF, 0xFF, 0xFF)
            } else if edge == 0 {
                (0x12, 0x3E, 0x7A)
            } else {
                (0x1E, 0x5E, 0xB8)
            };
            rgba[i..i + 4].copy_from_slice(&[r, g, b, 0xFF]);
        }
    }
    Icon::from_rgba(rgba, n as u32, n as u32).ok()
}

/// Creates the tray on the GUI thread, before the window. Returns whether
/// one exists; without a tray (no session bus, headless) the client runs
/// as a plain window.
pub fn install(lang: Lang) -> bool {
    let show = MenuItem::new(i18n::t(lang, "tray.show"), true, None);
    let sync = MenuItem::new(i18n::t(lang, "tray.sync"), true, None);
    let quit = MenuItem::new(i18n::t(lang, "tray.quit"), true, None);
    let menu = Menu::new();
    if menu.append_items(&[&show, &sync, &quit]).is_err() {
        return false;
    }
    let mut builder = TrayIconBuilder::new()
        .with_menu(Box::new(menu))
        .with_tooltip(i18n::t(lang, "app.window_title"))
        .with_title("outlet-desk");
    if let Some(i) = icon() {
        builder = builder.with_icon(i);
    }
    let icon = match builder.build() {
        Ok(t) => t,
        Err(e) => {
            tracing::info!("no tray icon: {e}");
            return false;
        }
    };
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let _ = COMMANDS.set(Mutex::new(Some(rx)));
    let ids = (show.id().clone(), sync.id().clone(), quit.id().clone());
    let forwarded = std::thread::Builder::new()
        .name("tray-menu".into())
        .spawn(move || {
            while let Ok(ev) = MenuEvent::receiver().recv() {
                let cmd = if ev.id == ids.0 {
                    Command::Show
                } else if ev.id == ids.1 {
                    Command::SyncNow
                } else if ev.id == ids.2 {
                    Command::Quit
                } else {
                    continue;
                };
                if tx.send(cmd).is_err() {
                    return;
                }
            }
        });
    if let Err(e) = forwarded {
        tracing::warn!("tray menu thread: {e}");
    }
    // Closing to the tray only where a tray is surely shown: Windows always
    // has the notification area; a Linux desktop session names itself.
    let closes_to_tray = cfg!(windows) || std::env::var_os("XDG_CURRENT_DESKTOP").is_some();
    tracing::info!("tray icon installed (close to tray: {closes_to_tray})");
    TRAY.with(|t| {
        *t.borrow_mut() = Some(Tray {
            icon,
            closes_to_tray,
            items: [show, sync, quit],
        })
    });
    true
}

/// Whether closing the window should hide it to the tray.
pub fn closes_to_tray() -> bool {
    TRAY.with(|t| t.borrow().as_ref().is_some_and(|t| t.closes_to_tray))
}

/// Relabels the menu in `lang` (the language was switched).
pub fn set_language(lang: Lang) {
    TRAY.with(|t| {
        if let Some(t) = t.borrow().as_ref() {
            for (item, key) in t.items.iter().zip(["tray.show", "tray.sync", "tray.quit"]) {
                item.set_text(i18n::t(lang, key));
            }
        }
    });
}

/// Shows the waiting count in the tray's tooltip and title.
pub fn set_waiting(lang: Lang, waiting: i64) {
    TRAY.with(|t| {
        if let Some(t) = t.borrow().as_ref() {
            let tip = if waiting > 0 {
                // The whole view's uncalled orders: the tray speaks for
                // every place, not the list's.
                i18n::tf(lang, "tray.waiting", &[("n", &waiting.to_string())])
            } else {
                i18n::t(lang, "app.window_title")
            };
            let _ = t.icon.set_tooltip(Some(tip));
            t.icon.set_title(Some(if waiting > 0 {
                waiting.to_string()
            } else {
                String::new()
            }));
        }
    });
}

/// Menu commands, for the app's subscription (taken once).
pub fn commands() -> Option<tokio::sync::mpsc::UnboundedReceiver<Command>> {
    COMMANDS
        .get()
        .and_then(|m| m.lock().ok().and_then(|mut r| r.take()))
}
