//! The command line: every flag lives here, and each maps onto the library.
//!
//! Exit codes: 0 everything done, 1 some item failed or the run failed, 2 usage or configuration
//! error, 130 interrupted.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

use crate::config::{Config, LogLevel, Overrides, SessionMode};
use crate::demo::{DemoOptions, DemoServer};
use crate::journal::ItemStatus;
use crate::orchestrator::{self, shutdown, RunOptions, RunSummary, Shutdown};

/// Wyrm turns documentation portals — including JavaScript portals whose pages load only when a
/// sidebar item is clicked — into a clean Markdown folder tree.
#[derive(Debug, Parser)]
#[command(name = "wyrm", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub run: RunArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the bundled sample portal on 127.0.0.1 and scrape it.
    Demo(DemoArgs),
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Server latency per page request, in milliseconds.
    #[arg(long, default_value_t = 100)]
    pub latency_ms: u64,
    /// Extra generated endpoint pages (the sample has about 50 pages without them).
    #[arg(long, default_value_t = 0)]
    pub extra_pages: usize,
    /// Only serve the sample portal (until Ctrl-C), to look at it in a browser; no scrape.
    #[arg(long)]
    pub serve_only: bool,
}

/// Options of a scrape (they also apply to `wyrm demo`).
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Configuration file [default: config.yaml; optional when --url is given]
    #[arg(short, long, value_name = "FILE", global = true)]
    pub config: Option<PathBuf>,
    /// The portal to scrape (overrides `target_url`).
    #[arg(long, value_name = "URL", global = true)]
    pub url: Option<String>,
    /// Output directory (overrides `output_directory`).
    #[arg(short, long, value_name = "DIR", global = true)]
    pub output: Option<PathBuf>,
    /// Items scraped at the same time (overrides `behavior.max_concurrent_tasks`).
    #[arg(
        short = 'j',
        long,
        value_name = "N",
        global = true,
        allow_negative_numbers = true
    )]
    pub concurrency: Option<i64>,
    /// Run the browser headless (the default).
    #[arg(long, overrides_with = "no_headless", global = true)]
    pub headless: bool,
    /// Show the browser window.
    #[arg(long, global = true)]
    pub no_headless: bool,
    /// Log level: DEBUG, INFO, WARNING, ERROR or CRITICAL.
    #[arg(short, long, value_name = "LEVEL", global = true)]
    pub log_level: Option<LogLevel>,
    /// DEBUG logs, and save the sidebar HTML, the structure and each page's raw HTML in the debug directory.
    #[arg(long, global = true)]
    pub debug: bool,
    /// Also save the sidebar structure as JSON (default file from `debug_settings`).
    #[arg(long, value_name = "FILE", num_args = 0..=1, global = true)]
    pub save_structure: Option<Option<PathBuf>>,
    /// Also save the expanded sidebar HTML (default file from `debug_settings`).
    #[arg(long, value_name = "FILE", num_args = 0..=1, global = true)]
    pub save_html: Option<Option<PathBuf>>,
    /// Passes over the sidebar when expanding menus (overrides `behavior.max_expand_attempts`).
    #[arg(long, value_name = "N", global = true)]
    pub max_expand_attempts: Option<u32>,
    /// Re-scrape and overwrite files that already exist.
    #[arg(long, global = true)]
    pub force: bool,
    /// Only the first N items of the sidebar.
    #[arg(long, value_name = "N", global = true)]
    pub max_items: Option<usize>,
    /// Show what is done and what remains, then exit (no browser when the structure is cached).
    #[arg(long, global = true)]
    pub resume_info: bool,
    /// Ignore the cached sidebar structure and expand the sidebar again.
    #[arg(long, global = true)]
    pub force_full_expansion: bool,
    /// Redo only the items that failed in earlier runs (as recorded in the journal).
    #[arg(long, global = true, conflicts_with = "force")]
    pub retry_failed: bool,
    /// Create sessions on this WebDriver server (e.g. a Selenium Grid) instead of a local chromedriver.
    #[arg(long, value_name = "URL", global = true)]
    pub webdriver_url: Option<String>,
    /// How workers get browsers: `pooled` (reuse warm sessions) or `per_item` (a fresh browser per item).
    #[arg(long, value_name = "MODE", global = true, value_parser = parse_session_mode)]
    pub session_mode: Option<SessionMode>,
    /// Retries per failed item (overrides `behavior.max_retries`).
    #[arg(long, value_name = "N", global = true)]
    pub max_retries: Option<u32>,
}

fn parse_session_mode(s: &str) -> Result<SessionMode, String> {
    match s.replace('-', "_").as_str() {
        "pooled" => Ok(SessionMode::Pooled),
        "per_item" => Ok(SessionMode::PerItem),
        _ => Err(format!("`{s}` is not a session mode (pooled or per_item)")),
    }
}

impl RunArgs {
    fn overrides(&self) -> Overrides {
        Overrides {
            target_url: self.url.clone(),
            output_directory: self.output.clone(),
            log_level: if self.debug {
                Some(LogLevel::Debug)
            } else {
                self.log_level
            },
            headless: match (self.headless, self.no_headless) {
                (_, true) => Some(false),
                (true, false) => Some(true),
                _ => None,
            },
            concurrency: self.concurrency,
            max_expand_attempts: self.max_expand_attempts,
            force_full_expansion: self.force_full_expansion.then_some(true),
            remote_url: self.webdriver_url.clone(),
            session_mode: self.session_mode,
            max_retries: self.max_retries,
        }
    }

    /// The config file, and whether it was named explicitly (then it must exist).
    fn config_file(&self) -> (PathBuf, bool) {
        match &self.config {
            Some(path) => (path.clone(), true),
            None => (PathBuf::from("config.yaml"), false),
        }
    }

    fn run_options(&self, config: &Config) -> RunOptions {
        let debug = &config.debug_settings;
        let default_in_debug = |name: &str| debug.output_directory.join(name);
        RunOptions {
            force: self.force,
            max_items: self.max_items,
            debug: self.debug,
            save_structure: self
                .save_structure
                .clone()
                .map(|f| f.unwrap_or_else(|| default_in_debug(&debug.save_structure_filename))),
            save_html: self
                .save_html
                .clone()
                .map(|f| f.unwrap_or_else(|| default_in_debug(&debug.save_html_filename))),
            retry_failed: self.retry_failed,
        }
    }
}

/// Parses the command line and runs it; the process's exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let code = runtime.block_on(dispatch(cli));
    // Anything still running (a hung browser call after a second Ctrl-C) must not hold the exit.
    runtime.shutdown_timeout(Duration::from_secs(2));
    ExitCode::from(code)
}

async fn dispatch(cli: Cli) -> u8 {
    let overrides = cli.run.overrides();
    match cli.command {
        Some(Command::Demo(demo)) => run_demo(&cli.run, &demo, overrides).await,
        None => {
            let (file, explicit) = cli.run.config_file();
            let config = match Config::load(&file, explicit, &overrides) {
                Ok(config) => config,
                Err(e) => {
                    eprintln!("error: {e}");
                    return 2;
                }
            };
            scrape(&cli.run, &config).await
        }
    }
}

/// Runs one scrape (or `--resume-info`) with logging and signal handling set up.
async fn scrape(args: &RunArgs, config: &Config) -> u8 {
    if let Err(e) = crate::logging::init(config.log_level, &config.log_file) {
        eprintln!("error: {e}");
        return 2;
    }
    let (trigger, shutdown) = shutdown::channel();
    let signals = tokio::spawn(listen_for_interrupts(trigger));
    let code = if args.resume_info {
        report_resume_info(args, config, shutdown).await
    } else {
        let options = args.run_options(config);
        match orchestrator::run(config, &options, shutdown).await {
            Ok(summary) => {
                print_summary(config, &summary);
                if summary.interrupted {
                    130
                } else if summary.succeeded() {
                    0
                } else {
                    1
                }
            }
            Err(orchestrator::RunError::Interrupted) => {
                eprintln!("Interrupted before the sidebar was read: nothing was scraped.");
                130
            }
            Err(e) => {
                tracing::error!(error = %e, "run failed");
                eprintln!("error: {e}");
                1
            }
        }
    };
    signals.abort();
    code
}

/// First Ctrl-C (or SIGTERM): graceful stop. Second: immediate stop (browsers killed).
async fn listen_for_interrupts(trigger: shutdown::ShutdownTrigger) {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut interrupt), Ok(mut terminate)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) else {
        tracing::warn!("cannot listen for Ctrl-C; an interrupt will stop Wyrm without cleanup");
        return;
    };
    loop {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
        let notice = match trigger.escalate() {
            1 => "\nInterrupted: finishing the pages in flight, starting no new ones (Ctrl-C again to stop at once)…",
            _ => "\nStopping now.",
        };
        // Through the progress display, so the notice does not tear the bar.
        crate::progress::suspend(|| eprintln!("{notice}"));
    }
}

async fn report_resume_info(args: &RunArgs, config: &Config, shutdown: Shutdown) -> u8 {
    let options = args.run_options(config);
    match orchestrator::resume_info(config, &options, shutdown).await {
        Ok(info) => {
            let plan = &info.plan;
            let total = plan.all.len();
            let done = plan.skipped.len();
            let failed: Vec<_> = plan
                .todo
                .iter()
                .filter_map(|w| {
                    info.journal
                        .get(&w.item.id)
                        .filter(|e| e.status == ItemStatus::Failed)
                        .map(|e| (w, e))
                })
                .collect();
            let pending = plan.todo.len() - failed.len();
            let pct = if total == 0 {
                100.0
            } else {
                done as f64 * 100.0 / total as f64
            };
            println!("Target:    {}", config.target_url());
            println!("Output:    {}", config.output_directory.display());
            println!("Total:     {total}");
            println!("Done:      {done} ({pct:.1}%)");
            println!("Failed:    {}", failed.len());
            for (work, entry) in &failed {
                println!(
                    "  ✗ {}  {}: {}",
                    work.item.id,
                    work.relative.display(),
                    entry.error.as_deref().unwrap_or("unknown error")
                );
            }
            println!("Pending:   {pending}");
            println!("Remaining: {}", plan.todo.len());
            if !plan.todo.is_empty() {
                println!("Next:");
                for work in plan.todo.iter().take(5) {
                    println!("  {}  {}", work.item.id, work.relative.display());
                }
            }
            0
        }
        Err(e) => {
            eprintln!("error: {e}");
            1
        }
    }
}

fn print_summary(config: &Config, s: &RunSummary) {
    let rate = if s.items_elapsed.as_secs_f64() > 0.0 {
        s.scraped as f64 / s.items_elapsed.as_secs_f64()
    } else {
        0.0
    };
    println!();
    println!(
        "Wyrm {} — {}{}",
        env!("CARGO_PKG_VERSION"),
        config.target_url(),
        if s.interrupted { " (interrupted)" } else { "" }
    );
    println!("  items     {}", s.total);
    println!("  scraped   {}", s.scraped);
    println!("  skipped   {} (already on disk)", s.skipped);
    println!("  failed    {}", s.failed.len());
    for f in &s.failed {
        println!(
            "    ✗ {} “{}” → {} after {} attempt(s): {}",
            f.id,
            f.title,
            f.path.display(),
            f.attempts,
            f.reason
        );
    }
    if s.not_started > 0 {
        println!(
            "  pending   {} (not started; run again to resume)",
            s.not_started
        );
    }
    println!(
        "  elapsed   {:.1}s (items {:.1}s, {:.2} pages/s, structure {})",
        s.elapsed.as_secs_f64(),
        s.items_elapsed.as_secs_f64(),
        rate,
        if s.structure_from_cache {
            "from cache"
        } else {
            "discovered"
        }
    );
    if s.sessions.created > 0 {
        println!(
            "  sessions  {} created, at most {} open at once",
            s.sessions.created, s.sessions.peak_open
        );
    }
    for (location, count) in &s.locations {
        println!("  node      {location}: {count} items");
    }
    println!("  output    {}", config.output_directory.display());
}

/// `wyrm demo`: serve the bundled sample portal on loopback and scrape it.
async fn run_demo(args: &RunArgs, demo: &DemoArgs, mut overrides: Overrides) -> u8 {
    let server = match DemoServer::start(DemoOptions {
        latency: Duration::from_millis(demo.latency_ms),
        extra_pages: demo.extra_pages,
        ..DemoOptions::default()
    })
    .await
    .context("cannot start the sample portal")
    {
        Ok(server) => server,
        Err(e) => {
            eprintln!("error: {e:#}");
            return 1;
        }
    };
    overrides.target_url = Some(server.url());
    if overrides.output_directory.is_none() {
        overrides.output_directory = Some(PathBuf::from("output/demo"));
    }
    // The demo needs no config file; one that exists still supplies browser paths and delays.
    let (file, explicit) = args.config_file();
    let config = match Config::load(&file, explicit, &overrides) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("error: {e}");
            server.shutdown().await;
            return 2;
        }
    };
    println!(
        "Sample portal: {} ({} pages, {} ms latency)",
        server.url(),
        server.pages().len(),
        demo.latency_ms
    );
    let code = if demo.serve_only {
        println!("Serving until Ctrl-C.");
        let _ = tokio::signal::ctrl_c().await;
        0
    } else {
        scrape(args, &config).await
    };
    server.shutdown().await;
    code
}
