//! Concurrency benchmark: scrapes the sample portal (served on 127.0.0.1 with a fixed server
//! latency) at several concurrency levels in `pooled` and `per_item` modes, and prints a
//! Markdown table.
//!
//! ```text
//! cargo bench --bench concurrency -- [--pages 200] [--latency-ms 300] [--levels 1,2,5,8] [--modes pooled,per_item]
//! cargo bench --bench concurrency -- --grid [--levels 4]   # a local Selenium Grid (2 nodes × 2) against local chromedriver
//! ```
//!
//! Figures per run: end-to-end wall time (browser start, sidebar discovery, every page),
//! items-phase pages per second, p50/p95 click-to-content latency, and the peak proportional set
//! size (PSS) of all browser and driver processes, sampled every 200 ms.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use wyrm::config::{Behavior, Config, SessionMode, WebDriverConfig};
use wyrm::demo::{demo_pages, DemoOptions, DemoServer};
use wyrm::orchestrator::{self, RunOptions, Shutdown};

#[path = "../tests/support/grid.rs"]
#[allow(dead_code)] // shared with the tests, which use more of it
mod grid;

struct Args {
    pages: usize,
    latency_ms: u64,
    levels: Vec<usize>,
    modes: Vec<SessionMode>,
    grid: bool,
}

fn parse_args() -> Args {
    let mut args = Args {
        pages: 200,
        latency_ms: 300,
        levels: vec![1, 2, 5, 8],
        modes: vec![SessionMode::Pooled, SessionMode::PerItem],
        grid: false,
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut it = argv.iter();
    while let Some(flag) = it.next() {
        let value = || it.clone().next().cloned().unwrap_or_default();
        match flag.as_str() {
            "--grid" => {
                args.grid = true;
                args.modes = vec![SessionMode::Pooled];
                if !argv.iter().any(|a| a == "--levels") {
                    args.levels = vec![4];
                }
                continue;
            }
            "--pages" => args.pages = value().parse().unwrap_or(args.pages),
            "--latency-ms" => args.latency_ms = value().parse().unwrap_or(args.latency_ms),
            "--levels" => args.levels = value().split(',').filter_map(|v| v.parse().ok()).collect(),
            "--modes" => {
                args.modes = value()
                    .split(',')
                    .filter_map(|m| match m {
                        "pooled" => Some(SessionMode::Pooled),
                        "per_item" => Some(SessionMode::PerItem),
                        _ => None,
                    })
                    .collect()
            }
            _ => continue, // `cargo bench` passes `--bench`; ignore what is not ours
        }
        it.next();
    }
    args
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let args = parse_args();
    let base = demo_pages(0).len();
    let server = DemoServer::start(DemoOptions {
        latency: Duration::from_millis(args.latency_ms),
        extra_pages: args.pages.saturating_sub(base),
        ..DemoOptions::default()
    })
    .await
    .expect("the sample portal starts");
    let pages = server.pages().len();
    println!(
        "Sample portal: {pages} pages, {} ms server latency per page, {} cores",
        args.latency_ms,
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!();
    println!("| where | mode | concurrency | wall time (s) | items phase (pages/s) | click→content p50 (ms) | p95 (ms) | peak browser PSS (MiB) | failed |");
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|");
    let grid = if args.grid {
        Some(grid::Grid::start(2, 2).await)
    } else {
        None
    };
    let mut targets: Vec<Option<&str>> = vec![None];
    if let Some(grid) = &grid {
        targets.push(Some(grid.url.as_str()));
    }
    for remote in targets {
        for &mode in &args.modes {
            for &level in &args.levels {
                let row = run_once(&server.url(), remote, mode, level).await;
                println!("{row}");
            }
        }
    }
    drop(grid);
    server.shutdown().await;
}

async fn run_once(url: &str, remote: Option<&str>, mode: SessionMode, level: usize) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = Config {
        target_url: Some(url.to_string()),
        output_directory: dir.path().join("out"),
        log_file: dir.path().join("wyrm.log"),
        webdriver: WebDriverConfig {
            remote_url: remote.map(str::to_string),
            binary: remote.map(|_| "/usr/bin/chromium".into()),
            ..WebDriverConfig::default()
        },
        behavior: Behavior {
            max_concurrent_tasks: level as i64,
            session_mode: mode,
            task_start_delay: 0.0,
            ..Behavior::default()
        },
        ..Config::default()
    };
    config.validate().expect("valid config");

    let peak = Arc::new(AtomicU64::new(0));
    let sampler = {
        let peak = Arc::clone(&peak);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(200));
            loop {
                tick.tick().await;
                peak.fetch_max(browser_pss_kib(), Ordering::Relaxed);
            }
        })
    };
    let started = Instant::now();
    let summary = orchestrator::run(&config, &RunOptions::default(), Shutdown::never())
        .await
        .expect("the run completes");
    let wall = started.elapsed();
    sampler.abort();

    let mut latencies: Vec<Duration> = summary.click_to_content.clone();
    latencies.sort();
    let pct = |p: f64| -> f64 {
        if latencies.is_empty() {
            return 0.0;
        }
        let i = ((latencies.len() as f64 - 1.0) * p).round() as usize;
        latencies[i].as_secs_f64() * 1000.0
    };
    let rate = summary.scraped as f64 / summary.items_elapsed.as_secs_f64().max(1e-9);
    format!(
        "| {} | {} | {level} | {:.1} | {rate:.2} | {:.0} | {:.0} | {:.0} | {} |",
        if remote.is_some() {
            "Grid 2×2"
        } else {
            "local"
        },
        match mode {
            SessionMode::Pooled => "pooled",
            SessionMode::PerItem => "per_item",
        },
        wall.as_secs_f64(),
        pct(0.5),
        pct(0.95),
        peak.load(Ordering::Relaxed) as f64 / 1024.0,
        summary.failed.len()
    )
}

/// Sum of the PSS of the chromium / chromedriver processes descending from this benchmark
/// (chromedriver is its child; the browsers and their helpers are chromedriver's), in KiB.
fn browser_pss_kib() -> u64 {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    // pid → (parent pid, is a browser or driver process)
    let procs: Vec<(u32, u32, bool, std::path::PathBuf)> = entries
        .flatten()
        .filter_map(|e| {
            let pid: u32 = e.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(e.path().join("stat")).ok()?;
            let (open, close) = (stat.find('(')?, stat.rfind(')')?);
            let browser = stat[open + 1..close].starts_with("chrom");
            let ppid = stat[close + 1..].split_whitespace().nth(1)?.parse().ok()?;
            Some((pid, ppid, browser, e.path()))
        })
        .collect();
    let mut ours = std::collections::HashSet::from([std::process::id()]);
    loop {
        let before = ours.len();
        for (pid, ppid, _, _) in &procs {
            if ours.contains(ppid) {
                ours.insert(*pid);
            }
        }
        if ours.len() == before {
            break;
        }
    }
    procs
        .iter()
        .filter(|(pid, _, browser, _)| *browser && ours.contains(pid))
        .map(|(_, _, _, path)| pss_kib(path))
        .sum()
}

fn pss_kib(proc_dir: &Path) -> u64 {
    std::fs::read_to_string(proc_dir.join("smaps_rollup"))
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("Pss:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}
