//! outlet-desk: the desktop client. With no server configured it starts an
//! order-hub in-process with the demo network (the embedded default).

#![cfg_attr(windows, windows_subsystem = "windows")]

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
use outlet_desk::config::{Paths, Renderer, Settings};
use outlet_desk::hub::{EmbeddedHub, HubConfig, demo};
use outlet_desk::store::Store;
use outlet_desk::ui::{self, Boot, ServerChoice, app::DemoAccount};

/// Set on the copy of the client relaunched with the software renderer,
/// so it never relaunches again.
const RELAUNCHED: &str = "OUTLET_DESK_SOFTWARE_RELAUNCH";

/// The outlet-desk client.
#[derive(Debug, Parser)]
#[command(name = "outlet-desk", version, about)]
struct Args {
    /// Keep settings and the cache here instead of the per-user dirs.
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// order-hub address, e.g. http://10.1.2.3:8080 (overrides the
    /// settings file). Without one, an embedded demo hub is started.
    #[arg(long)]
    server: Option<String>,
    /// Bench only: exit at the first frame, printing resident memory.
    #[arg(long, hide = true)]
    bench_first_frame: bool,
    /// Bench only: the same for an empty iced window (the anchor).
    #[arg(long, hide = true)]
    bench_empty: bool,
}

/// Logs to stderr and to `outlet-desk.log` in the data dir: on Windows the
/// client has no console, so the file is where a failure can be read.
fn init_logging(paths: &Paths) {
    use tracing_subscriber::fmt::writer::MakeWriterExt;
    let filter = || {
        tracing_subscriber::EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| "info,wgpu=warn,wgpu_hal=error,naga=warn,iced_wgpu=warn".into())
    };
    let _ = outlet_desk::private_files::private_dir(&paths.data_dir);
    let path = paths.data_dir.join("outlet-desk.log");
    // Keep one old log; a log never grows past a few MB.
    if std::fs::metadata(&path).is_ok_and(|m| m.len() > 4 * 1024 * 1024) {
        let _ = std::fs::rename(&path, paths.data_dir.join("outlet-desk.log.1"));
    }
    // Logins and addresses are in it: owner-only.
    let _ = outlet_desk::private_files::private_file(&path);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path);
    match file {
        Ok(f) => tracing_subscriber::fmt()
            .with_env_filter(filter())
            .with_ansi(false)
            .with_writer(std::io::stderr.and(std::sync::Mutex::new(f)))
            .init(),
        Err(_) => tracing_subscriber::fmt()
            .with_env_filter(filter())
            .with_writer(std::io::stderr)
            .init(),
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    if args.bench_empty {
        return match ui::bench_start::empty() {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("outlet-desk: {e}");
                ExitCode::FAILURE
            }
        };
    }
    // After the anchor above: the empty iced app stays a plain one.
    outlet_desk::memory::limit_arenas();
    // Beside the cache's open and the display's below; `App::new` waits.
    ui::warm::start_fonts();
    if args.bench_first_frame {
        ui::bench_start::arm();
    }
    let paths = match Paths::resolve(args.data_dir.clone()) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("outlet-desk: {e}");
            return ExitCode::FAILURE;
        }
    };
    if outlet_desk::instance::claim(&paths.data_dir) == outlet_desk::instance::Start::AlreadyRunning
    {
        // The running client came to the front; a second cache writer
        // would only fight it.
        eprintln!("outlet-desk: already running on this data dir; brought it to the front");
        return ExitCode::SUCCESS;
    }
    let (settings, mut notices, software) = load_settings(&paths);
    let store = match open_cache(&paths, &settings, &mut notices) {
        Ok(s) => s,
        Err(code) => return code,
    };
    // Held until the window closes: dropping it stops the embedded hub.
    let (server, embedded) = match choose_server(&args, &settings, &paths) {
        Ok(s) => s,
        Err(code) => return code,
    };
    tracing::info!("server: {}", server.url());
    ui::warm::start_client(server.url(), &settings);
    transport_notices(&server, &settings, &mut notices);
    let settings_path = paths.settings_file();
    let boot = Boot {
        paths,
        settings: settings.clone(),
        server,
        store,
        notices,
    };
    // The tray belongs to the GUI thread (Windows requires it there).
    ui::tray::install(settings.language);
    let started = Instant::now();
    let outcome = std::panic::catch_unwind(move || ui::application(boot).run());
    let failure = match outcome {
        Ok(Ok(())) => return ExitCode::SUCCESS,
        Ok(Err(e)) => e.to_string(),
        Err(_) => "the renderer panicked".to_owned(),
    };
    tracing::error!("outlet-desk stopped: {failure}");
    // Old graphics drivers are common on outlet PCs: when the GPU path dies
    // while starting, come back up on the software renderer and remember it.
    let early = started.elapsed() < Duration::from_secs(30);
    if early && !software && std::env::var_os(RELAUNCHED).is_none() {
        drop(embedded);
        return relaunch_in_software(settings, &settings_path);
    }
    eprintln!("outlet-desk: {failure}");
    ExitCode::FAILURE
}

/// Reads the settings, picks the renderer and starts the log. Returns the
/// settings, the notices for the login screen, and whether the software
/// renderer is in use.
/// Says on the login screen why a remote hub will be refused: a plain
/// `http://` address off this PC, or an unreadable company CA file.
fn transport_notices(server: &ServerChoice, settings: &Settings, notices: &mut Vec<String>) {
    if let ServerChoice::Remote(u) = &server {
        match settings.transport() {
            Err(e) => {
                tracing::error!("{e}");
                notices.push(outlet_desk::i18n::tf(
                    settings.language,
                    "net.ca_file_bad",
                    &[("path", &settings.ca_file)],
                ));
            }
            Ok(t) => {
                if let Err(e) = t.check(u) {
                    tracing::error!("{e}");
                    notices.push(outlet_desk::i18n::tf(
                        settings.language,
                        "net.insecure_http",
                        &[("url", u)],
                    ));
                }
            }
        }
    }
}

fn load_settings(paths: &Paths) -> (Settings, Vec<String>, bool) {
    let (settings, warnings) = Settings::load(&paths.settings_file());
    let software = settings.renderer == Renderer::Software
        || std::env::var("ICED_BACKEND").is_ok_and(|v| v == "tiny-skia");
    // Known issue of the software renderer (issue 9 item 14), not ours to
    // fix: iced_tiny_skia 0.14 repaints only what changed, and its
    // `Layer::damage` grows a changed shape by 1 px but takes a text at its
    // layout box, so the soft edge of a glyph drawn past that box survives
    // a screen change as a stray grey dot until the next full redraw (a
    // resize). No style of ours draws there;
    // iced offers no switch to turn damage tracking off. The one lever we
    // have, changing the background colour on every update (tiny-skia then
    // repaints the whole window), would cost a full repaint per key press
    // on exactly the slow PCs that need this renderer, so it is not done.
    // README → Known issues says the same for users.
    if settings.renderer == Renderer::Software && std::env::var_os("ICED_BACKEND").is_none() {
        // SAFETY: no other thread exists yet; iced reads this when it
        // creates its renderer.
        unsafe { std::env::set_var("ICED_BACKEND", "tiny-skia") };
    }
    init_logging(paths);
    for w in &warnings {
        tracing::warn!("{w}");
    }
    // The details are in the log; the user gets one line in their language.
    let mut notices = Vec::new();
    if !warnings.is_empty() {
        let path = paths.settings_file().display().to_string();
        notices.push(outlet_desk::i18n::tf(
            settings.language,
            "settings.problem",
            &[("path", &path)],
        ));
    }
    tracing::info!(
        "renderer: {}",
        if software {
            "software (tiny-skia)"
        } else {
            "GPU (wgpu), software fallback"
        }
    );
    (settings, notices, software)
}

/// Opens the local cache; a corrupt one is kept aside and the user told.
fn open_cache(
    paths: &Paths,
    settings: &Settings,
    notices: &mut Vec<String>,
) -> Result<Store, ExitCode> {
    let (store, problem) = Store::open(&paths.cache_db()).map_err(|e| {
        tracing::error!("{e}");
        eprintln!("outlet-desk: {e}");
        ExitCode::FAILURE
    })?;
    if let Some(p) = problem {
        tracing::warn!("{p}");
        notices.push(p.user_message(settings.language));
    }
    Ok(store)
}

/// `--server`, else the settings' server, else an embedded demo hub
/// (returned too: it runs while it is held).
fn choose_server(
    args: &Args,
    settings: &Settings,
    paths: &Paths,
) -> Result<(ServerChoice, Option<EmbeddedHub>), ExitCode> {
    let url = args
        .server
        .clone()
        .filter(|s| !s.trim().is_empty())
        .or_else(|| Some(settings.server_url.clone()).filter(|s| !s.trim().is_empty()));
    if let Some(u) = url {
        return Ok((ServerChoice::Remote(u.trim().to_owned()), None));
    }
    // Random per data dir, readable by this PC's user only; the login
    // screen shows it (loopback only).
    let (password, new) = demo::local_demo_password(&paths.hub_dir()).map_err(|e| {
        tracing::error!("{e}");
        eprintln!("outlet-desk: {e}");
        ExitCode::FAILURE
    })?;
    let mut cfg = HubConfig::new(([127, 0, 0, 1], 0).into(), paths.hub_dir());
    cfg.demo = true;
    cfg.admin_password = Some(password.clone());
    cfg.demo_password = Some(password.clone());
    cfg.demo_reset_passwords = new;
    let hub = EmbeddedHub::spawn(cfg).map_err(|e| {
        tracing::error!("{e}");
        eprintln!("outlet-desk: {e}");
        ExitCode::FAILURE
    })?;
    let mut accounts = vec![DemoAccount {
        login: "admin".into(),
        name: demo::ADMIN_NAME.into(),
        role: "admin".into(),
        password: password.clone(),
    }];
    accounts.extend(demo::demo_staff().into_iter().map(|s| DemoAccount {
        login: s.login,
        name: s.name,
        role: s.role.as_str().into(),
        password: password.clone(),
    }));
    let url = hub.url.clone();
    Ok((ServerChoice::Embedded { url, accounts }, Some(hub)))
}

/// Remembers the software renderer and starts this client again with it.
fn relaunch_in_software(settings: Settings, settings_path: &std::path::Path) -> ExitCode {
    // The relaunched client must be able to claim the data dir.
    outlet_desk::instance::release();
    let remembered = Settings {
        renderer: Renderer::Software,
        ..settings
    };
    if let Err(e) = remembered.save(settings_path) {
        tracing::warn!("could not remember the software renderer: {e}");
    }
    tracing::warn!("relaunching with the software renderer (tiny-skia)");
    let status = std::env::current_exe().and_then(|exe| {
        std::process::Command::new(exe)
            .args(std::env::args_os().skip(1))
            .env("ICED_BACKEND", "tiny-skia")
            .env(RELAUNCHED, "1")
            .status()
    });
    match status {
        Ok(s) if s.success() => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(e) => {
            tracing::error!("relaunch failed: {e}");
            ExitCode::FAILURE
        }
    }
}
