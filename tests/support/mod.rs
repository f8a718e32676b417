//! Shared harness for the end-to-end tests: the sample portal served in-process on 127.0.0.1,
//! the real `wyrm` binary run as a child process against it, and checks on what it wrote and
//! left behind.

#![allow(dead_code)]

pub mod grid;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};
use tokio::sync::{Mutex, MutexGuard};
use wyrm::demo::{DemoOptions, DemoServer};

/// Browser tests run one at a time: they count browser processes machine-wide, and two
/// browser-heavy tests at once on 2 cores only slow each other down.
static BROWSER_TESTS: Mutex<()> = Mutex::const_new(());

pub struct Harness {
    pub server: DemoServer,
    pub dir: tempfile::TempDir,
    /// Put in the environment of every `wyrm` this harness runs; chromedriver and the browsers
    /// inherit it, so leftovers are found by tag, whatever else runs on the machine.
    pub tag: String,
    _serial: MutexGuard<'static, ()>,
}

/// The environment variable carrying a harness's tag.
pub const TAG_VAR: &str = "WYRM_TEST_RUN";

impl Harness {
    /// Starts the sample portal with `options` and a scratch directory with a config file.
    pub async fn start(options: DemoOptions) -> Harness {
        let serial = BROWSER_TESTS.lock().await;
        let server = DemoServer::start(options)
            .await
            .expect("demo server starts");
        let dir = tempfile::tempdir().expect("temp dir");
        let tag = dir
            .path()
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let harness = Harness {
            server,
            dir,
            tag,
            _serial: serial,
        };
        harness.write_config("");
        harness
    }

    /// The sample portal with `ms` of server latency per page request.
    pub async fn with_latency(ms: u64) -> Harness {
        Harness::start(DemoOptions {
            latency: Duration::from_millis(ms),
            ..DemoOptions::default()
        })
        .await
    }

    pub fn output(&self) -> PathBuf {
        self.dir.path().join("out")
    }

    pub fn log_file(&self) -> PathBuf {
        self.dir.path().join("wyrm.log")
    }

    pub fn config_path(&self) -> PathBuf {
        self.dir.path().join("config.yaml")
    }

    /// Writes the test config; `extra` is appended YAML (top-level keys not already set).
    pub fn write_config(&self, extra: &str) {
        let yaml = format!(
            r#"target_url: "{url}"
output_directory: "{out}"
log_file: "{log}"
log_level: INFO
delays:
  sidebar_wait: 20
  expand_menu: 5
  content_wait: 8
  session_create: 60
behavior:
  max_concurrent_tasks: 5
  task_start_delay: 0
  max_retries: 2
  retry_backoff: 0.1
  shutdown_grace: 10
{extra}
"#,
            url = self.server.url(),
            out = self.output().display(),
            log = self.log_file().display(),
        );
        std::fs::write(self.config_path(), yaml).expect("write config");
    }

    /// A `wyrm` command with this harness's config.
    pub fn wyrm(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_wyrm"));
        cmd.arg("--config")
            .arg(self.config_path())
            .args(args)
            .current_dir(self.dir.path())
            .env(TAG_VAR, &self.tag)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        cmd
    }

    /// Runs `wyrm` to completion and checks it left no browser behind.
    pub async fn run(&self, args: &[&str]) -> Output {
        let output = self.wyrm(args).output().await.expect("wyrm runs");
        self.assert_no_browsers_left("after wyrm exited").await;
        output
    }

    /// Fails the test if a browser or chromedriver started by this harness's runs is still
    /// alive after a bounded wait (renderers take a moment to go after their browser).
    pub async fn assert_no_browsers_left(&self, when: &str) {
        assert_no_browser_processes(&self.tag, when).await
    }

    pub async fn spawn(&self, args: &[&str]) -> Child {
        self.wyrm(args).spawn().expect("wyrm starts")
    }

    /// Waits (bounded) until at least `n` pages are written.
    pub async fn wait_for_pages(&self, n: usize) {
        wait_until(
            &format!("{n} pages written"),
            Duration::from_secs(120),
            || self.written().len() >= n,
        )
        .await
    }

    /// Every Markdown file in the output, relative path → content.
    pub fn written(&self) -> BTreeMap<PathBuf, String> {
        markdown_files(&self.output())
    }

    /// Checks that every expected page is written exactly once with its own marker and no
    /// other page's marker; returns the path of each page id.
    pub fn assert_pages(&self, ids: &[&str]) -> BTreeMap<String, PathBuf> {
        let files = self.written();
        let all_markers: Vec<(String, String)> = self
            .server
            .pages()
            .iter()
            .map(|p| (p.id.clone(), p.marker.clone()))
            .collect();
        let mut located = BTreeMap::new();
        for (path, text) in &files {
            let found: Vec<&String> = all_markers
                .iter()
                .filter(|(_, m)| text.contains(m.as_str()))
                .map(|(id, _)| id)
                .collect();
            assert_eq!(found.len(), 1, "{} holds markers {found:?}", path.display());
            assert!(
                located.insert(found[0].clone(), path.clone()).is_none(),
                "page {} written twice",
                found[0]
            );
        }
        for id in ids {
            assert!(located.contains_key(*id), "page {id} was not written");
        }
        assert_eq!(files.len(), ids.len(), "unexpected extra files");
        located
    }

    /// Checks that every page of the portal is written, each once and with its own marker.
    pub fn assert_all_pages(&self) -> BTreeMap<String, PathBuf> {
        let all = self.all_ids();
        let ids: Vec<&str> = all.iter().map(String::as_str).collect();
        self.assert_pages(&ids)
    }

    /// JSON log lines with the given message.
    pub fn log_events(&self, message: &str) -> Vec<serde_json::Value> {
        std::fs::read_to_string(self.log_file())
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|v| v["fields"]["message"] == message)
            .collect()
    }

    pub fn all_ids(&self) -> Vec<String> {
        self.server.pages().iter().map(|p| p.id.clone()).collect()
    }
}

pub fn text(output: &Output) -> String {
    format!(
        "--- stdout\n{}\n--- stderr\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn markdown_files(root: &Path) -> BTreeMap<PathBuf, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if entry.file_name() == ".wyrm" {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                let rel = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
                out.insert(rel, std::fs::read_to_string(&path).unwrap_or_default());
            }
        }
    }
    out
}

/// Files under `root` whose name marks them as temporary.
pub fn temp_files(root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if entry
                .file_name()
                .to_string_lossy()
                .starts_with(".wyrm-tmp-")
            {
                found.push(path);
            }
        }
    }
    found
}

/// Live (non-zombie) chromium / chrome / chromedriver processes whose environment carries `tag`.
pub fn browser_processes(tag: &str) -> Vec<String> {
    let needle = format!("{TAG_VAR}={tag}");
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let name = entry.file_name();
        if !name.to_string_lossy().chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // pid (comm) state ...
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let comm = &stat[open + 1..close];
        let state = stat[close + 1..].split_whitespace().next().unwrap_or("");
        let browserish = comm.starts_with("chrom") || comm == "chrome";
        let tagged = std::fs::read(entry.path().join("environ"))
            .map(|env| env.split(|b| *b == 0).any(|var| var == needle.as_bytes()))
            .unwrap_or(false);
        if browserish && tagged && state != "Z" && state != "X" {
            found.push(format!("{} {comm}", name.to_string_lossy()));
        }
    }
    found
}

/// Polls `ready` until it holds; fails the test, naming `what`, after `limit`.
pub async fn wait_until(what: &str, limit: Duration, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !ready() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits (bounded by `limit`) for a spawned `wyrm` to exit and returns its output.
pub async fn finish(child: Child, limit: Duration) -> Output {
    tokio::time::timeout(limit, child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("wyrm did not exit within {limit:?}"))
        .expect("wait for wyrm")
}

/// Sends `signal` to process `pid` (a negative pid names a process group).
pub fn send_signal(pid: i32, signal: i32) {
    // SAFETY: kill(2) has no memory effects; tests only signal processes they started.
    unsafe {
        libc::kill(pid, signal);
    }
}

/// Sends SIGINT to a spawned `wyrm`, as Ctrl-C would.
pub fn interrupt(child: &Child) {
    send_signal(child.id().expect("wyrm is running") as i32, libc::SIGINT);
}

/// Waits (bounded) until no tagged browser process is left. Fails the test if any remain.
pub async fn assert_no_browser_processes(tag: &str, when: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let left = browser_processes(tag);
        if left.is_empty() {
            return;
        }
        if Instant::now() > deadline {
            panic!("browser processes left {when}: {left:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
