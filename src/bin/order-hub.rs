//! order-hub: the company's order server (API.md "Running it").

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};
use outlet_desk::hub::{self, HubConfig};

/// The outlet-desk order server.
#[derive(Debug, Parser)]
#[command(name = "order-hub", version, about)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Directory of the server's database (hub.db).
    #[arg(long, default_value = "order-hub-data")]
    data_dir: PathBuf,
    /// Run on PostgreSQL instead of hub.db, shared by several hubs:
    /// postgres://USER:PASSWORD@HOST:PORT/DATABASE (or DATABASE_URL).
    /// An empty database gets its first start (HQ, admin, with --demo the
    /// demo).
    #[arg(long)]
    database: Option<String>,
    /// Seed the demo network and keep demo orders arriving.
    #[arg(long)]
    demo: bool,
    /// Demo inbound orders per minute (with --demo).
    #[arg(long)]
    demo_rate: Option<u32>,
    /// Session lifetime in seconds.
    #[arg(long, default_value_t = 12 * 3600)]
    token_ttl_seconds: u64,
    /// Serve HTTPS with this certificate chain (PEM); needs --tls-key.
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The certificate's private key (PEM).
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Connections at once (default: the open-file limit less a reserve).
    #[arg(long)]
    max_connections: Option<usize>,
    /// Cap on hub.db's size in MiB (writes then answer 503 storage_full).
    #[arg(long)]
    max_db_mib: Option<u64>,
    /// Writes per second each user may make (bursts of 12 seconds' worth).
    #[arg(long, default_value_t = 10.0)]
    write_rate: f64,
    /// The longest a long poll (`changes?wait=`) is held, in seconds
    /// (1..=30; shorter behind a proxy that drops idle requests).
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=30))]
    max_wait: u64,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Writes a national data set (outlets, staff, orders) into an empty
    /// data dir; every account's password is ORDER_HUB_DEMO_PASSWORD.
    Generate {
        /// The hub's data dir (must not hold data yet).
        #[arg(long)]
        data_dir: PathBuf,
        /// Outlets in all (HQ, branches and offices included).
        #[arg(long, default_value_t = 20_000)]
        outlets: usize,
        /// Orders in all.
        #[arg(long, default_value_t = 1_000_000)]
        orders: usize,
        /// Seed, for a reproducible data set.
        #[arg(long, default_value_t = 20_261_129)]
        seed: u64,
    },
    /// Copies a hub's whole database into a new, empty one — SQLite to
    /// PostgreSQL or back — and checks every table's row count and
    /// checksum on both sides before keeping it.
    Migrate {
        /// sqlite:PATH (a hub.db) or postgres://USER:PASSWORD@HOST:PORT/DB.
        #[arg(long)]
        from: hub::migrate::Endpoint,
        /// sqlite:PATH or postgres://…; must hold no data yet.
        #[arg(long)]
        to: hub::migrate::Endpoint,
        /// Copy live sessions too (else everyone logs in again).
        #[arg(long)]
        with_sessions: bool,
    },
}

/// `order-hub migrate`: prints each table's row counts and checksums.
fn migrate(opts: hub::migrate::Options) -> std::process::ExitCode {
    match hub::migrate::run(&opts) {
        Ok(reports) => {
            println!("{}", hub::migrate::HEADING);
            for r in &reports {
                println!("{}", r.line());
            }
            let rows: u64 = reports
                .iter()
                .filter_map(|r| r.copied.map(|(from, _)| from.rows))
                .sum();
            println!("copied {rows} rows; every count and checksum agrees");
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("order-hub migrate: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// `order-hub generate`: prints one JSON line naming the outlets a bench
/// needs (largest branch, busiest outlet, tiniest outlet with pending).
fn generate(data_dir: PathBuf, outlets: usize, orders: usize, seed: u64) -> std::process::ExitCode {
    let Some(password) = std::env::var("ORDER_HUB_DEMO_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty())
    else {
        eprintln!(
            "order-hub generate: set ORDER_HUB_DEMO_PASSWORD to the password of the generated accounts"
        );
        return std::process::ExitCode::from(2);
    };
    let opts = hub::generate::GenerateOptions {
        data_dir,
        outlets,
        orders,
        seed,
        password,
        upstream_token: std::env::var("ORDER_HUB_UPSTREAM_TOKEN").ok(),
    };
    match hub::generate::generate(&opts) {
        Ok(summary) => match serde_json::to_string(&summary) {
            Ok(line) => {
                println!("{line}");
                std::process::ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("order-hub generate: {e}");
                std::process::ExitCode::FAILURE
            }
        },
        Err(e) => {
            eprintln!("order-hub generate: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let args = match args.command {
        Some(Command::Migrate {
            from,
            to,
            with_sessions,
        }) => {
            // A sequence of blocking steps; it runs its own small runtime.
            return migrate(hub::migrate::Options {
                from,
                to,
                with_sessions,
            });
        }
        command => Args { command, ..args },
    };
    // Blocking work is capped by the hub itself (database and password
    // slots); this bound only keeps a bug from growing threads without end.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(128)
        .build();
    match rt {
        Ok(rt) => rt.block_on(run(args)),
        Err(e) => {
            eprintln!("order-hub: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    if let Some(Command::Generate {
        data_dir,
        outlets,
        orders,
        seed,
    }) = args.command
    {
        return generate(data_dir, outlets, orders, seed);
    }

    if (args.demo || args.demo_rate.is_some()) && !args.listen.ip().is_loopback() {
        eprintln!("order-hub: the demo only listens on loopback (127.0.0.1 or ::1)");
        return std::process::ExitCode::from(2);
    }
    let database = args
        .database
        .or_else(|| std::env::var("DATABASE_URL").ok())
        .filter(|u| !u.trim().is_empty());
    if let Some(url) = &database
        && let Err(e) = hub::pg::check_url(url)
    {
        eprintln!("order-hub: --database {e}");
        return std::process::ExitCode::from(2);
    }
    let mut cfg = HubConfig::new(args.listen, args.data_dir);
    cfg.postgres = database;
    cfg.demo = args.demo || args.demo_rate.is_some();
    cfg.demo_rate = args.demo_rate.unwrap_or(6);
    cfg.admin_password = std::env::var("ORDER_HUB_ADMIN_PASSWORD").ok();
    cfg.upstream_token = std::env::var("ORDER_HUB_UPSTREAM_TOKEN").ok();
    cfg.demo_password = std::env::var("ORDER_HUB_DEMO_PASSWORD").ok();
    cfg.token_ttl = std::time::Duration::from_secs(args.token_ttl_seconds.max(1));
    cfg.net.max_connections = args.max_connections;
    cfg.limits.max_db_bytes = args.max_db_mib.map(|m| m.saturating_mul(1 << 20));
    cfg.limits.writes_per_second = args.write_rate.max(0.1);
    cfg.limits.write_burst = (args.write_rate * 12.0).max(1.0);
    cfg.limits.max_long_poll = std::time::Duration::from_secs(args.max_wait);
    if let (Some(cert), Some(key)) = (args.tls_cert, args.tls_key) {
        cfg.net.tls = Some(hub::serve::TlsFiles { cert, key });
    }
    let running = match hub::start(cfg).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("order-hub: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    for line in &running.first_start.notices {
        println!("{line}");
    }
    println!("order-hub listening on {}", running.url());
    let _ = tokio::signal::ctrl_c().await;
    running.stop().await;
    std::process::ExitCode::SUCCESS
}
