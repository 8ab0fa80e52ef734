//! outlet-desk: the desktop client. With no server configured it starts an
//! order-hub in-process with the demo network (the embedded default).

#![cfg_attr(windows, windows_subsystem = "windows")]

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use outlet_desk::config::{Paths, Settings};
use outlet_desk::hub::{EmbeddedHub, HubConfig, demo};
use outlet_desk::store::Store;
use outlet_desk::ui::{self, Boot, ServerChoice, app::DemoAccount};

/// Password of every account in the embedded demo (loopback only).
const DEMO_PASSWORD: &str = "demo1234";

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

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,wgpu=warn,naga=warn,iced_wgpu=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let paths = match Paths::resolve(args.data_dir) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("outlet-desk: {e}");
            return ExitCode::FAILURE;
        }
    };
    let (settings, mut notices) = Settings::load(&paths.settings_file());
    for w in &notices {
        tracing::warn!("{w}");
    }
    let (store, problem) = match Store::open(&paths.cache_db()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("outlet-desk: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(p) = problem {
        tracing::warn!("{p}");
        notices.push(p.to_string());
    }
    let url = args
        .server
        .clone()
        .filter(|s| !s.trim().is_empty())
        .or_else(|| Some(settings.server_url.clone()).filter(|s| !s.trim().is_empty()));
    // Held until the window closes: dropping it stops the embedded hub.
    let mut _embedded = None;
    let server = match url {
        Some(u) => ServerChoice::Remote(u.trim().to_owned()),
        None => {
            let mut cfg = HubConfig::new(([127, 0, 0, 1], 0).into(), paths.hub_dir());
            cfg.demo = true;
            cfg.admin_password = Some(DEMO_PASSWORD.into());
            cfg.demo_password = Some(DEMO_PASSWORD.into());
            let hub = match EmbeddedHub::spawn(cfg) {
                Ok(h) => h,
                Err(e) => {
                    eprintln!("outlet-desk: {e}");
                    return ExitCode::FAILURE;
                }
            };
            let mut accounts = vec![DemoAccount {
                login: "admin".into(),
                name: "系统管理员".into(),
                role: "admin".into(),
                password: DEMO_PASSWORD.into(),
            }];
            accounts.extend(demo::demo_staff().into_iter().map(|s| DemoAccount {
                login: s.login,
                name: s.name,
                role: s.role.as_str().into(),
                password: DEMO_PASSWORD.into(),
            }));
            let url = hub.url.clone();
            _embedded = Some(hub);
            ServerChoice::Embedded { url, accounts }
        }
    };
    tracing::info!("server: {}", server.url());
    let boot = Boot {
        paths,
        settings,
        server,
        store,
        notices,
    };
    match ui::application(boot).run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("outlet-desk: {e}");
            ExitCode::FAILURE
        }
    }
}
