//! Live progress: an `indicatif` bar on a terminal, plain lines at a steady interval otherwise.
//!
//! The bar counts the items to process and advances once per finished item (scraped or failed;
//! items that resume skips are left out of the plan before any task starts). Log lines printed while
//! it is shown go through [`suspend`], so they appear above the bar without tearing it.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The bar currently on screen, if any, for the console log writer.
static ACTIVE_BAR: Mutex<Option<ProgressBar>> = Mutex::new(None);

/// How often plain progress lines are printed when stderr is not a terminal.
const PLAIN_INTERVAL: Duration = Duration::from_secs(5);

/// Runs `f` (which writes to the terminal) with the progress bar hidden meanwhile.
pub fn suspend<R>(f: impl FnOnce() -> R) -> R {
    let bar = ACTIVE_BAR.lock().ok().and_then(|b| b.clone());
    match bar {
        Some(bar) => bar.suspend(f),
        None => f(),
    }
}

/// A handle shared by every task of a run.
#[derive(Clone)]
pub struct Progress {
    inner: Arc<Inner>,
}

struct Inner {
    bar: Option<ProgressBar>,
    total: u64,
    done: AtomicU64,
    failed: AtomicU64,
    in_flight: AtomicUsize,
    /// Items scraped per session location (Grid node), when the backend reports one.
    nodes: Mutex<BTreeMap<String, u64>>,
    started: Instant,
    ticker: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Progress {
    /// Starts showing progress for `total` items.
    pub fn start(total: u64) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bar:30.cyan/blue} {pos}/{len} {per_sec} ETA {eta} {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar.enable_steady_tick(Duration::from_millis(200));
            if let Ok(mut active) = ACTIVE_BAR.lock() {
                *active = Some(bar.clone());
            }
            bar
        });
        let progress = Progress {
            inner: Arc::new(Inner {
                bar,
                total,
                done: AtomicU64::new(0),
                failed: AtomicU64::new(0),
                in_flight: AtomicUsize::new(0),
                nodes: Mutex::new(BTreeMap::new()),
                started: Instant::now(),
                ticker: Mutex::new(None),
            }),
        };
        if progress.inner.bar.is_none() && total > 0 {
            let inner = Arc::clone(&progress.inner);
            let ticker = tokio::spawn(async move {
                let mut interval = tokio::time::interval(PLAIN_INTERVAL);
                interval.tick().await;
                loop {
                    interval.tick().await;
                    eprintln!("{}", inner.line());
                }
            });
            if let Ok(mut slot) = progress.inner.ticker.lock() {
                *slot = Some(ticker);
            }
        }
        progress
    }

    pub fn item_started(&self) {
        let n = self.inner.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.show_in_flight(n);
    }

    /// One item is finished, whatever its outcome; `node` is where its session ran, if known.
    pub fn item_finished(&self, id: &str, ok: bool, node: Option<&str>) {
        if let (Some(node), Ok(mut nodes)) = (node, self.inner.nodes.lock()) {
            *nodes.entry(node.to_string()).or_default() += 1;
        }
        let n = self
            .inner
            .in_flight
            .fetch_sub(1, Ordering::SeqCst)
            .saturating_sub(1);
        let done = self.inner.done.fetch_add(1, Ordering::SeqCst) + 1;
        if !ok {
            self.inner.failed.fetch_add(1, Ordering::SeqCst);
        }
        tracing::info!(target: "wyrm::progress", done, total = self.inner.total, id, ok, node, "item finished");
        if let Some(bar) = &self.inner.bar {
            bar.inc(1);
        }
        self.show_in_flight(n);
    }

    /// Removes the bar (or stops the plain lines) and prints a last line.
    pub fn finish(&self) {
        if let Some(ticker) = self.inner.ticker.lock().ok().and_then(|mut t| t.take()) {
            ticker.abort();
        }
        if let Some(bar) = &self.inner.bar {
            bar.finish_and_clear();
            if let Ok(mut active) = ACTIVE_BAR.lock() {
                *active = None;
            }
        }
        if self.inner.total > 0 {
            eprintln!("{}", self.inner.line());
        }
    }

    fn show_in_flight(&self, n: usize) {
        if let Some(bar) = &self.inner.bar {
            bar.set_message(format!("· {n} in flight{}", self.inner.nodes_text()));
        }
    }
}

impl Inner {
    /// A plain progress line: done/total, rate, elapsed, in flight.
    fn line(&self) -> String {
        let done = self.done.load(Ordering::SeqCst);
        let elapsed = self.started.elapsed().as_secs_f64();
        let rate = if elapsed > 0.0 {
            done as f64 / elapsed
        } else {
            0.0
        };
        let pct = (done * 100).checked_div(self.total).unwrap_or(100);
        let eta = if rate > 0.0 {
            format!("{:.0}s", self.total.saturating_sub(done) as f64 / rate)
        } else {
            "?".to_string()
        };
        format!(
            "progress: {done}/{} ({pct}%) · {rate:.1} pages/s · {elapsed:.0}s elapsed · ETA {eta} · {} in flight · {} failed{}",
            self.total,
            self.in_flight.load(Ordering::SeqCst),
            self.failed.load(Ordering::SeqCst),
            self.nodes_text(),
        )
    }

    /// ` · nodes: <node> <count>, …` once any session reported where it runs; empty otherwise.
    fn nodes_text(&self) -> String {
        let nodes = match self.nodes.lock() {
            Ok(nodes) if !nodes.is_empty() => nodes,
            _ => return String::new(),
        };
        let list: Vec<String> = nodes.iter().map(|(n, c)| format!("{n} {c}")).collect();
        format!(" · nodes: {}", list.join(", "))
    }
}
