//! `--resume-info` benchmark: the browser-free work of `wyrm --resume-info` on a large output
//! tree, timed over repeated runs.
//!
//! ```text
//! cargo bench --bench resume_info -- [--items 1000] [--done 600] [--failed 50] [--page-kib 8] [--runs 20]
//! ```
//!
//! Setup (not timed): a sidebar of `--items` items under a few headers and menus is built as
//! HTML in the default portal markup, parsed with `parse_sidebar`, and saved to the structure
//! cache of a temporary output directory. `--done` items (three of every five) get a page file
//! (written atomically, `--page-kib` KiB each) and a `done` journal entry with its SHA-256;
//! `--failed` others get a `failed` entry.
//!
//! Timed, per run: load the structure cache, load the journal, and plan what remains with
//! `Selection::Remaining`, which plans the output paths and asks `JournalState::is_done` for
//! every item (hashing every done file). The target is 50 ms.
//! Runs are back to back, so the files are in the page cache: this is the cost of the work
//! itself, not of a cold disk.
//!
//! Then the command itself: `wyrm --resume-info` is run on the same tree as a user runs it
//! (process start, config, logging, the same work, the report), timed from spawn to exit.

use std::path::Path;
use std::time::{Duration, Instant};

use wyrm::config::SiteProfile;
use wyrm::demo::markup::{header, item, open_menu, sidebar};
use wyrm::journal::{now_rfc3339, ItemStatus, Journal, JournalEntry, JournalState};
use wyrm::orchestrator::plan::{plan, Selection};
use wyrm::sidebar::{cache, parse_sidebar};
use wyrm::storage::write_atomic;

const TARGET: Duration = Duration::from_millis(50);
const URL: &str = "https://portal.example/apis/4008/versions/4.6.1/docs";
const HEADERS: usize = 4;
const MENUS_PER_HEADER: usize = 5;

struct Args {
    items: usize,
    done: usize,
    failed: usize,
    page_kib: usize,
    runs: usize,
}

fn parse_args() -> Args {
    let mut args = Args {
        items: 1_000,
        done: 600,
        failed: 50,
        page_kib: 8,
        runs: 20,
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut it = argv.iter();
    while let Some(flag) = it.next() {
        let slot = match flag.as_str() {
            "--items" => &mut args.items,
            "--done" => &mut args.done,
            "--failed" => &mut args.failed,
            "--page-kib" => &mut args.page_kib,
            "--runs" => &mut args.runs,
            _ => continue, // `cargo bench` passes `--bench`; ignore what is not ours
        };
        if let Some(value) = it.next().and_then(|v| v.parse().ok()) {
            *slot = value;
        }
    }
    args.done = args.done.min(args.items);
    args.failed = args.failed.min(args.items - args.done);
    args.runs = args.runs.max(1);
    args
}

/// `items` items spread evenly over `HEADERS` headers × `MENUS_PER_HEADER` expanded menus, with
/// titles that repeat across menus (as real portals' do), so collision handling is exercised.
fn sidebar_html(items: usize) -> String {
    let menus = HEADERS * MENUS_PER_HEADER;
    let mut entries = String::new();
    let mut next = 0;
    for m in 0..menus {
        if m % MENUS_PER_HEADER == 0 {
            entries.push_str(&header(&format!("API group {}", m / MENUS_PER_HEADER)));
        }
        let mut children = String::new();
        let end = items * (m + 1) / menus;
        while next < end {
            let verb = ["GET", "POST", "PUT", "DELETE"][next % 4];
            let title = format!("{verb} /api/types/Resource/instances/{}", next % 37);
            children.push_str(&item(&format!("docs-node-{next}"), &title));
            next += 1;
        }
        entries.push_str(&open_menu(
            &format!("Resource {}", m % MENUS_PER_HEADER),
            &children,
        ));
    }
    sidebar(&entries)
}

/// A page of about `kib` KiB, different for every item.
fn page(index: usize, kib: usize) -> Vec<u8> {
    let mut text = format!("# Item {index}\n\n");
    let line = format!("| field{index} | string | The value of field {index}. |\n");
    while text.len() < kib * 1024 {
        text.push_str(&line);
    }
    text.into_bytes()
}

/// Builds the output tree and returns its directory (inside `root`).
fn build(root: &Path, args: &Args) -> std::path::PathBuf {
    let output = root.join("output");
    let tree = parse_sidebar(&sidebar_html(args.items), &SiteProfile::default())
        .expect("the generated sidebar parses");
    assert_eq!(tree.item_count(), args.items);
    cache::save(&output, URL, &tree).expect("the structure is cached");
    let planned = plan(&tree, &output, None, Selection::All).expect("paths are planned");
    let journal = Journal::open(&output.join(".wyrm")).expect("the journal opens");
    // Items 0, 1 and 2 of every five are done (until `done` of them are), then the first of the
    // others fail (until `failed` of them do); the rest are untouched.
    let (mut done, mut failed) = (0, 0);
    let order = (0..args.items)
        .filter(|i| i % 5 < 3)
        .chain((0..args.items).filter(|i| i % 5 >= 3));
    for index in order {
        let work = &planned.all[index];
        let status = if done < args.done {
            done += 1;
            ItemStatus::Done
        } else if failed < args.failed {
            failed += 1;
            ItemStatus::Failed
        } else {
            break;
        };
        let started_at = now_rfc3339();
        let sha256 = (status == ItemStatus::Done).then(|| {
            write_atomic(&work.path, &page(index, args.page_kib)).expect("the page is written")
        });
        journal
            .record(&JournalEntry {
                id: work.item.id.clone(),
                path: work.relative.clone(),
                status,
                attempts: if status == ItemStatus::Done { 1 } else { 3 },
                error: (status == ItemStatus::Failed)
                    .then(|| "content pane did not show the item within 30 s".to_owned()),
                sha256,
                url: Some(format!("{URL}#{}", work.item.id)),
                started_at,
                finished_at: now_rfc3339(),
            })
            .expect("the entry is recorded");
    }
    output
}

/// Time of each phase of one run, and the numbers it found.
struct Run {
    cache: Duration,
    journal: Duration,
    plan: Duration,
    done: usize,
    failed: usize,
}

impl Run {
    fn total(&self) -> Duration {
        self.cache + self.journal + self.plan
    }
}

/// What `--resume-info` does without a browser: the cached structure, the journal, and the plan
/// of what remains (`Selection::Remaining` asks `JournalState::is_done` for every item, which
/// hashes every done file).
fn resume_info(output: &Path) -> Run {
    let t0 = Instant::now();
    let cached = cache::load(output, URL).expect("the structure cache loads");
    let t1 = Instant::now();
    let state = JournalState::load(&output.join(".wyrm")).expect("the journal loads");
    let t2 = Instant::now();
    let planned =
        plan(&cached.tree, output, None, Selection::Remaining(&state)).expect("paths are planned");
    let t3 = Instant::now();
    Run {
        cache: t1 - t0,
        journal: t2 - t1,
        plan: t3 - t2,
        done: planned.skipped.len(),
        failed: state.failed().len(),
    }
}

/// The path planning alone (`Selection::All` checks nothing on disk), to split the plan phase.
fn plan_paths_only(output: &Path) -> Duration {
    let cached = cache::load(output, URL).expect("the structure cache loads");
    let started = Instant::now();
    plan(&cached.tree, output, None, Selection::All).expect("paths are planned");
    started.elapsed()
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

/// Wall time of the real `wyrm --resume-info` on `output`, from spawn to exit.
fn command_run(output: &Path) -> Duration {
    let started = Instant::now();
    let result = std::process::Command::new(env!("CARGO_BIN_EXE_wyrm"))
        .args(["--resume-info", "--url", URL, "--output"])
        .arg(output)
        // No config file there: `--url` stands in for one; the log goes beside the output.
        .current_dir(output.parent().unwrap_or(output))
        .env("PATH", "/nonexistent") // it must not need a browser
        .output()
        .expect("wyrm runs");
    let elapsed = started.elapsed();
    assert!(
        result.status.success(),
        "wyrm --resume-info failed: {}",
        String::from_utf8_lossy(&result.stderr)
    );
    elapsed
}

fn main() {
    let args = parse_args();
    let dir = tempfile::tempdir().expect("temp dir");
    let output = build(dir.path(), &args);
    let runs: Vec<Run> = (0..args.runs).map(|_| resume_info(&output)).collect();
    for run in &runs {
        assert_eq!(run.done, args.done, "every written item counts as done");
        assert_eq!(run.failed, args.failed);
    }
    let totals: Vec<Duration> = runs.iter().map(Run::total).collect();
    let (min, max) = (
        *totals.iter().min().expect("at least one run"),
        *totals.iter().max().expect("at least one run"),
    );
    let med = median(totals);
    let phase = |pick: fn(&Run) -> Duration| ms(median(runs.iter().map(pick).collect()));
    let paths_only = ms(median(
        (0..args.runs).map(|_| plan_paths_only(&output)).collect(),
    ));
    println!(
        "--resume-info work on {} items ({} done with {} KiB pages, {} failed), {} runs, {} build:",
        args.items,
        args.done,
        args.page_kib,
        args.failed,
        args.runs,
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "optimised"
        }
    );
    println!(
        "  total   min {:.2} ms   median {:.2} ms   max {:.2} ms",
        ms(min),
        ms(med),
        ms(max)
    );
    println!(
        "  median per phase: cache load {:.2} ms, journal load {:.2} ms, plan with is_done × {} {:.2} ms (of which path planning {:.2} ms)",
        phase(|r| r.cache),
        phase(|r| r.journal),
        args.items,
        phase(|r| r.plan),
        paths_only
    );
    let commands: Vec<Duration> = (0..args.runs).map(|_| command_run(&output)).collect();
    let command_min = *commands.iter().min().expect("at least one run");
    let command_med = median(commands);
    println!(
        "  the command `wyrm --resume-info` (spawn to exit): min {:.2} ms   median {:.2} ms",
        ms(command_min),
        ms(command_med)
    );
    let verdict = if med <= TARGET && command_med <= TARGET {
        "met"
    } else {
        "NOT met"
    };
    println!(
        "  target {} ms (median): {verdict}{}",
        TARGET.as_millis(),
        if max > TARGET && med <= TARGET {
            " (the slowest run exceeded it)"
        } else {
            ""
        }
    );
}
