//! Orchestration: gather every item first, then scrape them concurrently.
//!
//! This is the only place that decides how many items run at once. A semaphore with
//! `behavior.max_concurrent_tasks` permits bounds the workers; a permit is acquired before a task
//! is spawned and moved into it, so it is released exactly when the task ends, however it ends.
//! Each task leases its own browser session from the [`SessionPool`] and never shares it.

pub mod plan;
pub mod shutdown;
pub mod worker;

use std::collections::{BTreeMap, HashSet};
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::FutureExt;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::browser::{Backend, BrowserError, PoolStats, SessionPool, WebDriverBackend};
use crate::config::{Config, SessionMode};
use crate::journal::{self, ItemStatus, Journal, JournalEntry, JournalState};
use crate::page::{PageContext, PageError};
use crate::progress::Progress;
use crate::sidebar::discover::{self, DiscoverError};
use crate::sidebar::{cache, SidebarTree};
use crate::storage::{self, StorageError};

pub use plan::{Plan, Selection, WorkItem};
pub use shutdown::{Shutdown, ShutdownTrigger};
use worker::ItemError;

/// Why a run could not proceed at all (item failures are not run errors: they are reported).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Browser(#[from] BrowserError),
    #[error(transparent)]
    Discover(#[from] DiscoverError),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("cannot save the sidebar structure: {0}")]
    Cache(#[from] cache::CacheError),
    #[error("interrupted before the sidebar was read")]
    Interrupted,
    #[error("the sidebar has no items matching `site.item` ({item}); check the site profile against the portal's markup (--save-html saves what Wyrm saw)")]
    EmptySidebar { item: String },
    #[error(transparent)]
    Journal(#[from] crate::journal::JournalError),
}

/// Per-run choices from the command line that are not configuration.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Re-scrape and overwrite existing files.
    pub force: bool,
    /// Only the first N items of the sidebar.
    pub max_items: Option<usize>,
    /// Save the sidebar HTML, the structure and every page's raw HTML in the debug directory.
    pub debug: bool,
    /// Also write the structure JSON here.
    pub save_structure: Option<PathBuf>,
    /// Also write the expanded sidebar HTML here.
    pub save_html: Option<PathBuf>,
    /// Redo only the items the journal records as failed.
    pub retry_failed: bool,
}

/// One item that could not be scraped.
#[derive(Debug, Clone)]
pub struct Failure {
    pub id: String,
    pub title: String,
    pub path: PathBuf,
    pub attempts: u32,
    pub reason: String,
    /// The item was not in the live sidebar: the cached structure is out of date.
    pub stale: bool,
}

/// What a run did.
#[derive(Debug, Clone, Default)]
pub struct RunSummary {
    /// Items in the sidebar (after `--max-items`).
    pub total: usize,
    pub scraped: usize,
    pub skipped: usize,
    pub failed: Vec<Failure>,
    /// Items never started because the run was interrupted.
    pub not_started: usize,
    pub interrupted: bool,
    pub elapsed: Duration,
    /// Time spent on the items phase (after discovery).
    pub items_elapsed: Duration,
    pub structure_from_cache: bool,
    pub sessions: PoolStats,
    /// Items completed per session location (Grid node), when known.
    pub locations: BTreeMap<String, usize>,
    /// Click-to-content time of every scraped item, in completion order.
    pub click_to_content: Vec<Duration>,
}

impl RunSummary {
    pub fn succeeded(&self) -> bool {
        self.failed.is_empty() && !self.interrupted
    }
}

/// The result of one item task.
enum Outcome {
    Scraped {
        location: Option<String>,
        saved: worker::Saved,
        attempts: u32,
    },
    Failed(Failure),
    /// Stopped by a second interrupt: neither done nor failed; the next run redoes it.
    Interrupted,
}

/// Records a finished item in the journal (a failed write there is logged, never fatal: the
/// Markdown file is already safe, and resume falls back to it).
fn note_in_journal(journal: &Journal, work: &WorkItem, outcome: &Outcome, started_at: String) {
    let (status, attempts, error, sha256, url) = match outcome {
        Outcome::Scraped {
            saved, attempts, ..
        } => (
            ItemStatus::Done,
            *attempts,
            None,
            Some(saved.sha256.clone()),
            saved.url.clone(),
        ),
        Outcome::Failed(f) => (
            ItemStatus::Failed,
            f.attempts,
            Some(f.reason.clone()),
            None,
            None,
        ),
        Outcome::Interrupted => return,
    };
    let entry = JournalEntry {
        id: work.item.id.clone(),
        path: work.relative.clone(),
        status,
        attempts,
        error,
        sha256,
        url,
        started_at,
        finished_at: journal::now_rfc3339(),
    };
    if let Err(e) = journal.record(&entry) {
        tracing::error!(error = %e, id = %work.item.id, "cannot record the item in the journal");
    }
}

/// Scrapes `config.target_url` into `config.output_directory`.
pub async fn run(
    config: &Config,
    options: &RunOptions,
    shutdown: Shutdown,
) -> Result<RunSummary, RunError> {
    let started = Instant::now();
    let output = config.output_directory.clone();
    std::fs::create_dir_all(config.state_dir()).map_err(|source| StorageError::Io {
        path: config.state_dir(),
        source,
    })?;
    // Before anything else: browsers a killed run left behind, whether or not this run needs one.
    crate::browser::driver::reap_orphans(&config.state_dir());
    let stray = storage::remove_stray_temp_files(&output)?;
    if stray > 0 {
        tracing::info!(stray, "removed temporary files left by an interrupted run");
    }

    let mut session_env = Lazy::new(config, shutdown.clone());
    let result = run_inner(config, options, shutdown.clone(), &mut session_env, started).await;
    session_env.close().await;
    result
}

/// What `--resume-info` reports: the plan (done = skipped, remaining = todo) and the journal.
pub struct ResumeInfo {
    pub plan: Plan,
    pub journal: JournalState,
}

/// The plan a run would follow: what is done and what remains. Starts no browser when the
/// structure is cached.
pub async fn resume_info(
    config: &Config,
    options: &RunOptions,
    shutdown: Shutdown,
) -> Result<ResumeInfo, RunError> {
    crate::browser::driver::reap_orphans(&config.state_dir());
    let mut env = Lazy::new(config, shutdown.clone());
    env.prewarm = false;
    let result = async {
        let (tree, _) = structure(config, options, &shutdown, &mut env).await?;
        let (plan, journal) = plan_run(config, &tree, options, true)?;
        Ok(ResumeInfo { plan, journal })
    }
    .await;
    env.close().await;
    result
}

/// Plans the run over `tree` with what the journal says now: only what remains when
/// `remaining_only`, otherwise as the options select (`--force`, `--retry-failed`).
fn plan_run(
    config: &Config,
    tree: &SidebarTree,
    options: &RunOptions,
    remaining_only: bool,
) -> Result<(Plan, JournalState), RunError> {
    let journal = JournalState::load(&config.state_dir())?;
    let selection = if remaining_only {
        Selection::Remaining(&journal)
    } else if options.retry_failed {
        Selection::Failed(&journal)
    } else if options.force || !config.behavior.skip_existing {
        Selection::All
    } else {
        Selection::Remaining(&journal)
    };
    let plan = plan::plan(tree, &config.output_directory, options.max_items, selection)?;
    Ok((plan, journal))
}

async fn run_inner(
    config: &Config,
    options: &RunOptions,
    shutdown: Shutdown,
    env: &mut Lazy<'_>,
    started: Instant,
) -> Result<RunSummary, RunError> {
    let url = config.target_url().to_string();
    let journal = Arc::new(Journal::open(&config.state_dir())?);
    let (tree, from_cache) = structure(config, options, &shutdown, env).await?;
    let (plan, state) = plan_run(config, &tree, options, false)?;
    plan::adopt_existing_files(&journal, &state, &plan.skipped);
    tracing::info!(
        total = plan.all.len(),
        todo = plan.todo.len(),
        skipped = plan.skipped.len(),
        "items gathered"
    );
    let mut summary = RunSummary {
        total: plan.all.len(),
        skipped: plan.skipped.len(),
        structure_from_cache: from_cache,
        ..RunSummary::default()
    };
    env.finish_warming().await;
    let ctx = Arc::new(PageContext::new(&url, &config.site, config.timeouts()));
    let debug_dir = options
        .debug
        .then(|| config.debug_settings.output_directory.join("pages"));
    let items_started = Instant::now();
    // Only a cached structure can turn out stale and need a second pass that must skip these.
    let first_pass: HashSet<String> = if from_cache {
        plan.todo.iter().map(|w| w.item.id.clone()).collect()
    } else {
        HashSet::new()
    };
    if shutdown.is_requested() {
        summary.interrupted = true;
        summary.not_started += plan.todo.len();
    } else if !plan.todo.is_empty() {
        let items = Items {
            pool: env.pool().await?,
            ctx: Arc::clone(&ctx),
            debug_dir: debug_dir.clone(),
            journal: Arc::clone(&journal),
        };
        scrape_all(config, plan.todo, &items, shutdown.clone(), &mut summary).await;
    }
    // Items missing from the live sidebar mean the cached structure is out of date: discover the
    // sidebar again and do what is still missing.
    if from_cache && summary.failed.iter().any(|f| f.stale) && !shutdown.is_requested() {
        tracing::warn!(
            "the cached sidebar structure no longer matches the site; discovering it again"
        );
        // The parked sessions show the old sidebar; closing them first also keeps the number of
        // open sessions within the concurrency while discovery starts new ones.
        if let Some(pool) = &env.pool {
            pool.drain().await;
        }
        let tree = match discover_structure(config, options, &shutdown, env).await {
            Ok((tree, _)) => tree,
            Err(RunError::Interrupted) => {
                // Keep what the first pass did; the stale items are left for the next run.
                summary.interrupted = true;
                summary.elapsed = started.elapsed();
                return Ok(summary);
            }
            Err(e) => return Err(e),
        };
        // The same selection as the first pass, less what that pass already did or reported:
        // only the stale items (wherever they sit now) and items new to the sidebar remain.
        let stale: HashSet<String> = summary
            .failed
            .iter()
            .filter(|f| f.stale)
            .map(|f| f.id.clone())
            .collect();
        summary.failed.retain(|f| !f.stale);
        summary.structure_from_cache = false;
        let (mut plan, _) = plan_run(config, &tree, options, false)?;
        plan.todo
            .retain(|w| stale.contains(&w.item.id) || !first_pass.contains(&w.item.id));
        summary.total = plan.all.len();
        env.finish_warming().await;
        let items = Items {
            pool: env.pool().await?,
            ctx,
            debug_dir,
            journal,
        };
        scrape_all(config, plan.todo, &items, shutdown, &mut summary).await;
    }
    summary.items_elapsed = items_started.elapsed();
    if let Some(pool) = env.pool.as_ref() {
        pool.drain().await;
        summary.sessions = pool.stats();
    }
    summary.elapsed = started.elapsed();
    Ok(summary)
}

/// What every item task shares.
struct Items {
    pool: Arc<SessionPool>,
    ctx: Arc<PageContext>,
    debug_dir: Option<PathBuf>,
    journal: Arc<Journal>,
}

/// The sidebar tree: from the cache when allowed and present, else discovered in a browser
/// (whose warm session then serves the first item).
async fn structure(
    config: &Config,
    options: &RunOptions,
    shutdown: &Shutdown,
    env: &mut Lazy<'_>,
) -> Result<(SidebarTree, bool), RunError> {
    let url = config.target_url();
    if !config.behavior.force_full_expansion {
        if let Some(cached) = cache::load(&config.output_directory, url) {
            tracing::info!(created_at = %cached.created_at, "using the cached sidebar structure (--force-full-expansion to rediscover)");
            save_debug_structure(config, options, &cached.tree, None)?;
            if options.save_html.is_some() || options.debug {
                tracing::warn!("the sidebar HTML is not saved: the structure came from the cache (--force-full-expansion reads the sidebar again)");
            }
            return Ok((cached.tree, true));
        }
    }
    discover_structure(config, options, shutdown, env).await
}

/// Discovers the sidebar in a browser and caches it; the warm session then serves the first
/// item.
async fn discover_structure(
    config: &Config,
    options: &RunOptions,
    shutdown: &Shutdown,
    env: &mut Lazy<'_>,
) -> Result<(SidebarTree, bool), RunError> {
    let url = config.target_url();
    let pool = env.pool().await?;
    let mut lease = pool.fresh().await?;
    let timeouts = config.timeouts();
    // Discovery takes a while; meanwhile the other workers' browsers start and load the portal.
    if env.prewarm && config.behavior.session_mode == SessionMode::Pooled {
        let workers = config.behavior.concurrency();
        let extra = options
            .max_items
            .map_or(workers, |n| n.min(workers))
            .saturating_sub(1);
        env.warming = Some(prewarm(Arc::clone(&pool), extra, config));
    }
    let mut watch = shutdown.clone();
    let discovered = tokio::select! {
        d = discover::discover(
            lease.session(),
            url,
            &config.site,
            &timeouts,
            config.behavior.max_expand_attempts,
        ) => d,
        _ = watch.reached(1) => {
            pool.discard(lease).await;
            return Err(RunError::Interrupted);
        }
    };
    let discovered = match discovered {
        Ok(d) => d,
        Err(e) => {
            pool.discard(lease).await;
            return Err(e.into());
        }
    };
    lease.on_portal = true;
    let pause = config.debug_settings.non_headless_pause_seconds;
    if !config.webdriver.headless && pause > 0.0 {
        // A deliberate pause the user asked for, to look at the expanded sidebar.
        tracing::info!(
            "keeping the browser open for {pause:.0}s (debug_settings.non_headless_pause_seconds)"
        );
        let mut interrupted = shutdown.clone();
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs_f64(pause)) => {}
            _ = interrupted.reached(1) => {}
        }
    }
    pool.checkin_warm(lease).await;
    tracing::info!(
        items = discovered.tree.item_count(),
        menus = discovered.tree.menu_count(),
        "sidebar discovered"
    );
    // Save what was read for debugging first: it is what a user needs when it is wrong.
    save_debug_structure(config, options, &discovered.tree, Some(&discovered.html))?;
    if discovered.tree.item_count() == 0 {
        return Err(RunError::EmptySidebar {
            item: config.site.item.clone(),
        });
    }
    if discovered.still_collapsed == 0 {
        cache::save(&config.output_directory, url, &discovered.tree)?;
    } else {
        // An incomplete tree must not stand in for the sidebar on later runs.
        tracing::warn!("the structure is not cached because some menus stayed collapsed");
    }
    Ok((discovered.tree, false))
}

/// Starts `count` sessions in the background and parks them, on the portal, in the pool.
fn prewarm(pool: Arc<SessionPool>, count: usize, config: &Config) -> tokio::task::JoinHandle<()> {
    let url = config.target_url().to_string();
    let profile = config.site.clone();
    let timeouts = config.timeouts();
    tokio::spawn(async move {
        let warm_one = || async {
            let mut lease = match pool.fresh().await {
                Ok(lease) => lease,
                Err(e) => {
                    tracing::debug!(error = %e, "could not pre-start a session");
                    return;
                }
            };
            match discover::open_portal(lease.session(), &url, &profile, &timeouts).await {
                Ok(()) => {
                    lease.on_portal = true;
                    pool.checkin_warm(lease).await;
                }
                Err(e) => {
                    tracing::debug!(error = %e, "a pre-started session could not load the portal");
                    pool.discard(lease).await;
                }
            }
        };
        futures::future::join_all((0..count).map(|_| warm_one())).await;
    })
}

/// `--save-structure`, `--save-html` and `--debug` artefacts.
fn save_debug_structure(
    config: &Config,
    options: &RunOptions,
    tree: &SidebarTree,
    html: Option<&str>,
) -> Result<(), RunError> {
    let debug = &config.debug_settings;
    let mut structure_targets: Vec<PathBuf> = options.save_structure.iter().cloned().collect();
    let mut html_targets: Vec<PathBuf> = options.save_html.iter().cloned().collect();
    if options.debug {
        structure_targets.push(debug.output_directory.join(&debug.save_structure_filename));
        html_targets.push(debug.output_directory.join(&debug.save_html_filename));
    }
    if !structure_targets.is_empty() {
        let json = serde_json::to_vec_pretty(tree).map_err(cache::CacheError::Encode)?;
        for target in &structure_targets {
            storage::write_atomic(target, &json)?;
            tracing::info!(path = %target.display(), "saved the sidebar structure");
        }
    }
    if let Some(html) = html {
        for target in &html_targets {
            storage::write_atomic(target, html.as_bytes())?;
            tracing::info!(path = %target.display(), "saved the sidebar HTML");
        }
    }
    Ok(())
}

/// Runs every item under the semaphore and fills `summary`.
async fn scrape_all(
    config: &Config,
    todo: Vec<WorkItem>,
    items: &Items,
    shutdown: Shutdown,
    summary: &mut RunSummary,
) {
    let behavior = &config.behavior;
    let concurrency = behavior.concurrency();
    let semaphore = Arc::new(Semaphore::new(concurrency));
    let progress = Progress::start(todo.len() as u64);
    let retry = RetryPolicy {
        max_retries: behavior.max_retries,
        backoff: Duration::from_secs_f64(behavior.retry_backoff),
        deadline: item_deadline(&items.ctx),
    };
    let start_gap = Duration::from_secs_f64(behavior.task_start_delay);
    let mut last_start: Option<tokio::time::Instant> = None;
    let mut tasks: JoinSet<Outcome> = JoinSet::new();
    let mut watch = shutdown.clone();
    let total = todo.len();
    let mut dispatched = 0;

    for work in todo {
        let permit = tokio::select! {
            biased;
            _ = watch.reached(1) => break,
            permit = Arc::clone(&semaphore).acquire_owned() => match permit {
                Ok(p) => p,
                Err(_) => break,
            },
        };
        // Politeness: at least `task_start_delay` between two starts, measured start to start.
        if let Some(last) = last_start {
            tokio::select! {
                biased;
                _ = watch.reached(1) => break,
                _ = tokio::time::sleep_until(last + start_gap) => {}
            }
        }
        last_start = Some(tokio::time::Instant::now());
        dispatched += 1;
        let (pool, ctx, progress, retry, debug_dir, journal) = (
            Arc::clone(&items.pool),
            Arc::clone(&items.ctx),
            progress.clone(),
            retry.clone(),
            items.debug_dir.clone(),
            Arc::clone(&items.journal),
        );
        let (mut task_shutdown, mut hard_stop) = (shutdown.clone(), shutdown.clone());
        tasks.spawn(async move {
            progress.item_started();
            let started_at = journal::now_rfc3339();
            // A bug that panics on one item must fail that item, not lose it from the summary.
            let attempt = AssertUnwindSafe(process(
                &pool,
                &work,
                &ctx,
                debug_dir.as_deref(),
                &retry,
                &mut task_shutdown,
            ))
            .catch_unwind();
            let outcome = tokio::select! {
                outcome = attempt => outcome.unwrap_or_else(|panic| {
                    Outcome::Failed(failure(&work, 1, panic_reason(panic.as_ref()), false))
                }),
                _ = hard_stop.reached(2) => return Outcome::Interrupted,
            };
            note_in_journal(&journal, &work, &outcome, started_at);
            let node = match &outcome {
                Outcome::Scraped { location, .. } => location.as_deref(),
                _ => None,
            };
            progress.item_finished(
                &work.item.id,
                matches!(outcome, Outcome::Scraped { .. }),
                node,
            );
            drop(permit);
            outcome
        });
        while let Some(done) = tasks.try_join_next() {
            record(done, summary);
        }
    }

    if shutdown.is_requested() {
        summary.interrupted = true;
        let grace = Duration::from_secs_f64(behavior.shutdown_grace);
        tracing::warn!(
            in_flight = tasks.len(),
            "interrupted: finishing the items in flight (up to {:.0}s), starting no new ones",
            grace.as_secs_f64()
        );
        let drained = tokio::time::timeout(grace, async {
            while let Some(done) = tasks.join_next().await {
                record(done, summary);
            }
        })
        .await;
        if drained.is_err() {
            tracing::warn!("items still in flight after the grace period were abandoned");
            tasks.abort_all();
        }
    }
    while let Some(done) = tasks.join_next().await {
        record(done, summary);
    }
    summary.not_started += total - dispatched;
    progress.finish();
}

fn record(done: Result<Outcome, tokio::task::JoinError>, summary: &mut RunSummary) {
    match done {
        Ok(Outcome::Scraped {
            location, saved, ..
        }) => {
            summary.scraped += 1;
            summary.click_to_content.push(saved.click_to_content);
            if let Some(location) = location {
                *summary.locations.entry(location).or_default() += 1;
            }
        }
        Ok(Outcome::Failed(f)) => summary.failed.push(f),
        Ok(Outcome::Interrupted) => summary.not_started += 1,
        Err(e) if e.is_cancelled() => summary.not_started += 1,
        Err(e) => tracing::error!(error = %e, "an item task panicked"),
    }
}

#[derive(Clone)]
struct RetryPolicy {
    max_retries: u32,
    backoff: Duration,
    deadline: Duration,
}

/// One item with retries: the first attempt may use a warm pooled session; every retry uses a
/// fresh one, after an exponential backoff.
async fn process(
    pool: &SessionPool,
    work: &WorkItem,
    ctx: &PageContext,
    debug_dir: Option<&Path>,
    retry: &RetryPolicy,
    shutdown: &mut Shutdown,
) -> Outcome {
    let mut last_error = String::new();
    let mut attempts = 0;
    for attempt in 0..=retry.max_retries {
        if attempt > 0 {
            if shutdown.is_requested() {
                break;
            }
            let wait = retry.backoff * 2u32.saturating_pow(attempt - 1);
            tracing::info!(id = %work.item.id, attempt = attempt + 1, error = %last_error, "retrying after {:.1}s", wait.as_secs_f64());
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = shutdown.reached(1) => break,
            }
        }
        attempts += 1;
        let lease = if attempt == 0 {
            pool.checkout().await
        } else {
            pool.replacement().await
        };
        let mut lease = match lease {
            Ok(lease) => lease,
            Err(e) => {
                last_error = ItemError::Session(e).to_string();
                continue;
            }
        };
        let location = lease.session().location().map(str::to_string);
        let result = tokio::time::timeout(
            retry.deadline,
            worker::scrape_item(&mut lease, work, ctx, debug_dir),
        )
        .await
        .unwrap_or(Err(ItemError::Deadline(retry.deadline.as_secs_f64())));
        match result {
            Ok(saved) => {
                pool.checkin(lease).await;
                tracing::debug!(id = %work.item.id, path = %work.relative.display(), bytes = saved.bytes, sha256 = %saved.sha256, attempts, "item saved");
                return Outcome::Scraped {
                    location,
                    saved,
                    attempts,
                };
            }
            Err(e) => {
                tracing::warn!(id = %work.item.id, title = %work.item.title, attempt = attempts, error = %e, "item attempt failed");
                last_error = e.to_string();
                pool.discard(lease).await;
                if matches!(e, ItemError::Page(PageError::NotInSidebar { .. })) {
                    // Retrying cannot help: the sidebar itself has changed.
                    return Outcome::Failed(failure(work, attempts, last_error, true));
                }
            }
        }
    }
    Outcome::Failed(failure(work, attempts, last_error, false))
}

/// A failure reason from a panic's payload (a `&str` or `String` message, as `panic!` makes).
fn panic_reason(payload: &(dyn std::any::Any + Send)) -> String {
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    format!("internal error (panic): {message}")
}

fn failure(work: &WorkItem, attempts: u32, reason: String, stale: bool) -> Failure {
    Failure {
        id: work.item.id.clone(),
        title: work.item.title.clone(),
        path: work.relative.clone(),
        attempts,
        reason,
        stale,
    }
}

/// A backstop for one attempt. Every wait inside has its own deadline; this bounds the attempt
/// as a whole when the browser stops answering, or when those waits add up (loading the portal,
/// opening the menus on the item's path, and up to three clicks: for an item whose click changed
/// nothing, another item and the click again).
fn item_deadline(ctx: &PageContext) -> Duration {
    let t = &ctx.timeouts;
    t.navigation + t.sidebar_wait + t.expand_menu * 8 + t.content_wait * 3 + Duration::from_secs(30)
}

/// The browser backend and pool, started only when a browser is needed (a cached structure and
/// nothing left to do start none).
struct Lazy<'a> {
    config: &'a Config,
    shutdown: Shutdown,
    pool: Option<Arc<SessionPool>>,
    /// Sessions being started ahead of the items phase.
    warming: Option<tokio::task::JoinHandle<()>>,
    /// Whether discovery may start the workers' sessions meanwhile (not when only reporting).
    prewarm: bool,
}

impl<'a> Lazy<'a> {
    fn new(config: &'a Config, shutdown: Shutdown) -> Self {
        Lazy {
            config,
            shutdown,
            pool: None,
            warming: None,
            prewarm: true,
        }
    }

    async fn pool(&mut self) -> Result<Arc<SessionPool>, BrowserError> {
        if let Some(pool) = &self.pool {
            return Ok(Arc::clone(pool));
        }
        let backend: Arc<dyn Backend> = Arc::new(WebDriverBackend::start(self.config).await?);
        // A second interrupt kills the browsers at once, whatever the workers are doing.
        let (killer, mut shutdown) = (Arc::clone(&backend), self.shutdown.clone());
        tokio::spawn(async move {
            shutdown.reached(2).await;
            killer.kill_now();
        });
        let pool = Arc::new(SessionPool::new(
            backend,
            self.config.behavior.session_mode,
            self.config.behavior.recycle_after,
        ));
        self.pool = Some(Arc::clone(&pool));
        Ok(pool)
    }

    /// Waits for the sessions started ahead of the items phase, unless the run is interrupted.
    async fn finish_warming(&mut self) {
        if let Some(mut warming) = self.warming.take() {
            let mut watch = self.shutdown.clone();
            tokio::select! {
                _ = &mut warming => {}
                _ = watch.reached(1) => {
                    warming.abort();
                    let _ = warming.await;
                }
            }
        }
    }

    /// Closes every session and stops every process the run started.
    async fn close(&mut self) {
        if let Some(warming) = self.warming.take() {
            warming.abort();
            let _ = warming.await;
        }
        if let Some(pool) = self.pool.take() {
            pool.drain().await;
            pool.backend().shutdown().await;
        }
    }
}
