//! The command line: `serve` (the default), `migrate`, `createsuperuser`, `account show`.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::app::{Application, prepare_database};
use crate::config::{
    DEFAULT_BIND, DEFAULT_DATABASE_URL, Lifecycle, Notifications, Operations, Providers,
    Reconciliation, Secret, Seller, Settings, Uploads,
};
use crate::db::Db;
use crate::domain::accounts;
use crate::error::Error;
use crate::ops::{report, verify};

#[derive(Parser, Debug)]
#[command(name = "tollgate", version, about = "Self-hosted billing backend")]
struct Cli {
    /// sqlite://FILE (created when missing) or postgres://USER@HOST/DB
    #[arg(long, global = true, env = "TOLLGATE_DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    database_url: String,
    /// Address to serve on.
    #[arg(long, global = true, env = "TOLLGATE_BIND", default_value = DEFAULT_BIND)]
    bind: String,
    /// Key that signs access tokens; when unset, one is generated and kept in the database.
    #[arg(
        long,
        global = true,
        env = "TOLLGATE_SECRET_KEY",
        hide_env_values = true
    )]
    secret_key: Option<String>,
    /// Comma-separated origins allowed to call the API from browsers (CORS); none by default.
    #[arg(
        long,
        global = true,
        env = "TOLLGATE_CORS_ORIGINS",
        value_delimiter = ','
    )]
    cors_origins: Vec<String>,
    /// Take the client address from X-Forwarded-For (only behind a proxy that sets it).
    #[arg(long, global = true, env = "TOLLGATE_TRUST_PROXY", value_parser = clap::builder::BoolishValueParser::new())]
    trust_proxy: bool,
    /// Requests per second allowed per client address (bursts of twice that); 0 = no limit.
    #[arg(long, global = true, env = "TOLLGATE_RATE_LIMIT", default_value_t = 0)]
    rate_limit: u32,
    /// Connections served at once; further ones wait to be accepted.
    #[arg(long, global = true, env = "TOLLGATE_MAX_CONNECTIONS", default_value_t = crate::server::DEFAULT_MAX_CONNECTIONS)]
    max_connections: usize,
    /// Seconds a client has to send a request's headers (also how long an idle keep-alive
    /// connection stays open).
    #[arg(long, global = true, env = "TOLLGATE_HEADER_TIMEOUT", default_value_t = crate::server::DEFAULT_HEADER_TIMEOUT.as_secs())]
    header_timeout: u64,
    /// Seconds a client has to send a request's body.
    #[arg(long, global = true, env = "TOLLGATE_BODY_TIMEOUT", default_value_t = crate::server::DEFAULT_BODY_TIMEOUT.as_secs())]
    body_timeout: u64,
    #[command(flatten)]
    notifications: Notifications,
    #[command(flatten)]
    reconciliation: Reconciliation,
    #[command(flatten)]
    uploads: Uploads,
    #[command(flatten)]
    providers: Providers,
    #[command(flatten)]
    lifecycle: Lifecycle,
    #[command(flatten)]
    seller: Seller,
    #[command(flatten)]
    operations: Operations,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Migrate, seed reference data, and serve the API (the default).
    Serve,
    /// Run the jobs (mails, webhooks) without serving; as many as wanted, on any machine.
    Worker,
    /// Apply pending database migrations and seed reference data, then exit.
    Migrate,
    /// Create a platform staff user (superuser); prompts for missing values on a terminal.
    Createsuperuser {
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        password: Option<String>,
    },
    /// Check the database's money invariants; exits non-zero naming each violation.
    Verify,
    /// Run every due step of the subscription lifecycle once (renewals, dunning, trials,
    /// scheduled plan changes) and print what it did; again for the same moment does nothing.
    Tick {
        /// The moment to run as of (RFC 3339, e.g. 2027-01-15T00:00:00Z); now when left out.
        #[arg(long)]
        now: Option<chrono::DateTime<chrono::Utc>>,
    },
    /// Add realistic demo data (accounts in every status, invoices, payments, ledgers).
    SeedDemo {
        /// How many accounts to add.
        #[arg(long, default_value_t = 10_000)]
        accounts: i64,
    },
    /// Bank statements: import one, pairing its transfers with pending payments.
    Statements {
        #[command(subcommand)]
        command: StatementsCommand,
    },
    /// Inspect accounts.
    Account {
        #[command(subcommand)]
        command: AccountCommand,
    },
}

#[derive(Subcommand, Debug)]
enum StatementsCommand {
    /// Import a statement file (camt.053, MT940, or CSV with a profile); prints what it read,
    /// added and matched. A malformed file stores nothing and exits non-zero.
    Import {
        file: std::path::PathBuf,
        /// camt053, mt940 or csv; read from the file when left out (CSV needs --profile).
        #[arg(long)]
        format: Option<crate::domain::statements::Format>,
        /// The CSV column-mapping profile's name.
        #[arg(long)]
        profile: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
enum AccountCommand {
    /// Status, plan, credits, subscription, invoices, payments and ledger of one account.
    Show { id: i64 },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // Held until `main` returns, which writes out the log lines still buffered.
    let _logs = crate::telemetry::logs::init(cli.operations.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = Settings {
        database_url: cli.database_url,
        bind: cli.bind,
        secret_key: cli.secret_key.filter(|k| !k.is_empty()).map(Secret::new),
        cors_origins: cli
            .cors_origins
            .into_iter()
            .filter(|o| !o.is_empty())
            .collect(),
        trust_proxy: cli.trust_proxy,
        rate_limit_per_second: cli.rate_limit,
        max_connections: cli.max_connections,
        header_timeout: std::time::Duration::from_secs(cli.header_timeout.max(1)),
        body_timeout: std::time::Duration::from_secs(cli.body_timeout.max(1)),
        notifications: cli.notifications,
        reconciliation: cli.reconciliation,
        uploads: cli.uploads,
        providers: cli.providers,
        lifecycle: cli.lifecycle,
        seller: cli.seller,
        operations: cli.operations,
        ..Settings::default()
    };
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let app = Application::build(&settings).await?;
            tracing::info!("tollgate listening on http://{}", settings.bind);
            app.run_until_stopped().await
        }
        Command::Worker => crate::app::run_worker(&settings).await,
        Command::Migrate => {
            prepare_database(&settings).await?;
            println!("Database is up to date.");
            Ok(())
        }
        Command::Createsuperuser { email, password } => {
            let email = match email {
                Some(e) => e,
                None => prompt_line("Email: ")?,
            };
            let password = match password {
                Some(p) => p,
                None => prompt_new_password()?,
            };
            let db = prepare_database(&settings).await?;
            let user = accounts::create_staff_user(&db, &email, &password)
                .await
                .map_err(describe)?;
            println!("Superuser created: {} (id {})", user.email, user.id);
            Ok(())
        }
        Command::SeedDemo { accounts } => {
            let db = prepare_database(&settings).await?;
            let bar = indicatif::ProgressBar::new(accounts.max(0) as u64);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:40} {pos}/{len} accounts  {per_sec}  eta {eta}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            let started = std::time::Instant::now();
            crate::ops::demo::seed(&db, accounts, |n| bar.set_position(n as u64))
                .await
                .map_err(describe)?;
            bar.finish();
            println!(
                "Added {accounts} demo accounts in {:.1} s.",
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Verify => {
            let db = Db::connect(&settings.database_url).await?;
            let violations = verify::verify(&db).await.map_err(describe)?;
            if violations.is_empty() {
                println!("OK: no violations found.");
                return Ok(());
            }
            for v in &violations {
                println!("VIOLATION [{}] {}", v.check, v.detail);
            }
            anyhow::bail!("{} violation(s) found", violations.len())
        }
        Command::Tick { now } => {
            let db = prepare_database(&settings).await?;
            if let Some(now) = now {
                db.clock().set(now);
            }
            let at = db.now();
            let ticked = crate::domain::lifecycle::tick(&db, at)
                .await
                .map_err(describe)?;
            print!("{}", report::ticked(at, &ticked));
            Ok(())
        }
        Command::Statements {
            command:
                StatementsCommand::Import {
                    file,
                    format,
                    profile,
                },
        } => {
            let db = prepare_database(&settings).await?;
            let profiles = crate::app::statement_profiles(&settings)?;
            let import = crate::ops::statements::Import {
                file: &file,
                format,
                profile: profile.as_deref(),
                profiles: &profiles,
            };
            crate::ops::statements::import(&db, import)
                .await
                .map_err(describe)
        }
        Command::Account {
            command: AccountCommand::Show { id },
        } => {
            let db = prepare_database(&settings).await?;
            let r = report::account_report(&db, id).await.map_err(describe)?;
            print!("{}", report::render(&r));
            Ok(())
        }
    }
}

/// Domain errors as a person reads them at a terminal.
fn describe(e: Error) -> anyhow::Error {
    match e {
        Error::Invalid { fields, .. } => {
            let lines: Vec<String> = fields
                .iter()
                .map(|(field, msgs)| format!("{field}: {}", msgs.join(" ")))
                .collect();
            anyhow::anyhow!(lines.join("; "))
        }
        other => anyhow::anyhow!(other.to_string()),
    }
}

fn prompt_line(prompt: &str) -> anyhow::Result<String> {
    if !std::io::stdin().is_terminal() {
        anyhow::bail!("missing --email (no terminal to prompt on)");
    }
    print!("{prompt}");
    std::io::stdout().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim().to_owned())
}

fn prompt_new_password() -> anyhow::Result<String> {
    if !std::io::stdin().is_terminal() {
        anyhow::bail!("missing --password (no terminal to prompt on)");
    }
    let first = rpassword::prompt_password("Password: ")?;
    let again = rpassword::prompt_password("Password (again): ")?;
    if first != again {
        anyhow::bail!("passwords do not match");
    }
    Ok(first)
}
