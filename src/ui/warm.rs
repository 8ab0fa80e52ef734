//! Start-up work the first frame waits for but the GUI thread need not do
//! itself (issue 11), started on threads of their own as the process
//! starts and taken when the app is built: the text system (the system's
//! font list and the bundled CJK font) and the HTTP client (whose TLS
//! roots are read from the system's certificate store). Meanwhile the GUI
//! thread opens the cache and the display (the X input method alone reads
//! a 500 kB compose table). Without [`start`] (tests) the app does both
//! itself, as before.

use std::sync::{Mutex, PoisonError};
use std::thread::JoinHandle;

use crate::config::Settings;
use crate::i18n::Lang;
use crate::sync::{ClientError, HubClient};

type Built = (String, Lang, Result<HubClient, ClientError>);

static FONTS: Mutex<Option<JoinHandle<()>>> = Mutex::new(None);
static CLIENT: Mutex<Option<JoinHandle<Built>>> = Mutex::new(None);

/// Starts loading the fonts. Call it first thing in `main`.
pub fn start_fonts() {
    let spawned = std::thread::Builder::new()
        .name("fonts".into())
        .spawn(super::font::load);
    match spawned {
        Ok(h) => *FONTS.lock().unwrap_or_else(PoisonError::into_inner) = Some(h),
        // The app loads them itself then.
        Err(e) => tracing::warn!("font thread: {e}"),
    }
}

/// Starts building the HTTP client for `base`, as the app would.
pub fn start_client(base: &str, settings: &Settings) {
    let (base, lang, settings) = (base.to_owned(), settings.language, settings.clone());
    let spawned = std::thread::Builder::new()
        .name("http-client".into())
        .spawn(move || {
            let client = client_for(&base, lang, &settings);
            (base, lang, client)
        });
    match spawned {
        Ok(h) => *CLIENT.lock().unwrap_or_else(PoisonError::into_inner) = Some(h),
        Err(e) => tracing::warn!("http client thread: {e}"),
    }
}

/// Waits for the fonts (or loads them here): before the first layout, so
/// no text is ever shaped without the CJK font.
pub fn fonts_ready() {
    let started = FONTS.lock().unwrap_or_else(PoisonError::into_inner).take();
    if let Some(h) = started {
        let _ = h.join();
    }
    // Does nothing when the thread loaded them; loads them otherwise.
    super::font::load();
}

/// The client [`start_client`] built for `base` in `lang` (waiting for
/// it), or one built here.
pub fn client(base: &str, settings: &Settings) -> Result<HubClient, ClientError> {
    let started = CLIENT.lock().unwrap_or_else(PoisonError::into_inner).take();
    match started.map(JoinHandle::join) {
        Some(Ok((b, lang, client))) if b == base && lang == settings.language => client,
        _ => client_for(base, settings.language, settings),
    }
}

fn client_for(base: &str, lang: Lang, settings: &Settings) -> Result<HubClient, ClientError> {
    let transport = settings.transport().unwrap_or_else(|e| {
        tracing::error!("{e}");
        crate::sync::Transport::default()
    });
    HubClient::with_transport(base, lang, &transport)
}
