//! outlet-desk: the desktop client. With no server configured it starts an
//! order-hub in-process with the demo network (the embedded default).

#![cfg_attr(windows, windows_subsystem = "windows")]

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
use outlet_desk::config::{Paths, Settings};
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
    let (settings, warnings) = Settings::load(&paths.settings_file());
    let software = settings.renderer == "software"
        || std::env::var("ICED_BACKEND").is_ok_and(|v| v == "tiny-skia");
    if settings.renderer == "software" && std::env::var_os("ICED_BACKEND").is_none() {
        // SAFETY: no other thread exists yet; iced reads this when it
        // creates its renderer.
        unsafe { std::env::set_var("ICED_BACKEND", "tiny-skia") };
    }
    init_logging(&paths);
    for w in &warnings {
        tracing::warn!("{w}");
    }
    // The details are in the log; the user gets one line in their language.
    let lang = settings.language;
    let mut notices = Vec::new();
    if !warnings.is_empty() {
        let path = paths.settings_file().display().to_string();
        notices.push(outlet_desk::i18n::tf(
            lang,
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
    let (store, problem) = match Store::open(&paths.cache_db()) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!("{e}");
            eprintln!("outlet-desk: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(p) = problem {
        tracing::warn!("{p}");
        notices.push(match &p {
            outlet_desk::store::StoreError::Corrupt { kept } => {
                outlet_desk::i18n::tf(lang, "cache.kept_aside", &[("kept", kept.as_str())])
            }
            other => other.user_message(lang),
        });
    }
    let url = args
        .server
        .clone()
        .filter(|s| !s.trim().is_empty())
        .or_else(|| Some(settings.server_url.clone()).filter(|s| !s.trim().is_empty()));
    // Held until the window closes: dropping it stops the embedded hub.
    let mut embedded = None;
    let server = match url {
        Some(u) => ServerChoice::Remote(u.trim().to_owned()),
        None => {
            // Random per data dir, readable by this PC's user only; the
            // login screen shows it (loopback only).
            let (password, new) = match demo::local_demo_password(&paths.hub_dir()) {
                Ok(p) => p,
                Err(e) => {
                    tracing::error!("{e}");
                    eprintln!("outlet-desk: {e}");
                    return ExitCode::FAILURE;
                }
            };
            let mut cfg = HubConfig::new(([127, 0, 0, 1], 0).into(), paths.hub_dir());
            cfg.demo = true;
            cfg.admin_password = Some(password.clone());
            cfg.demo_password = Some(password.clone());
            cfg.demo_reset_passwords = new;
            let hub = match EmbeddedHub::spawn(cfg) {
                Ok(h) => h,
                Err(e) => {
                    tracing::error!("{e}");
                    eprintln!("outlet-desk: {e}");
                    return ExitCode::FAILURE;
                }
            };
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
            embedded = Some(hub);
            ServerChoice::Embedded { url, accounts }
        }
    };
    tracing::info!("server: {}", server.url());
    // Say why the hub cannot be reached when the policy refuses it.
    if let ServerChoice::Remote(u) = &server {
        match settings.transport() {
            Err(e) => {
                tracing::error!("{e}");
                notices.push(outlet_desk::i18n::tf(
                    lang,
                    "net.ca_file_bad",
                    &[("path", &settings.ca_file)],
                ));
            }
            Ok(t) => {
                if let Err(e) = t.check(u) {
                    tracing::error!("{e}");
                    notices.push(outlet_desk::i18n::tf(
                        lang,
                        "net.insecure_http",
                        &[("url", u)],
                    ));
                }
            }
        }
    }
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
        // The relaunched client must be able to claim the data dir.
        outlet_desk::instance::release();
        let remembered = Settings {
            renderer: "software".into(),
            ..settings
        };
        if let Err(e) = remembered.save(&settings_path) {
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
        return match status {
            Ok(s) if s.success() => ExitCode::SUCCESS,
            Ok(_) => ExitCode::FAILURE,
            Err(e) => {
                tracing::error!("relaunch failed: {e}");
                ExitCode::FAILURE
            }
        };
    }
    eprintln!("outlet-desk: {failure}");
    ExitCode::FAILURE
}
