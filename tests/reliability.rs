//! Never lose work: kill -9 at random moments, site faults, a crashed browser and a stale
//! structure cache, each against the real binary, real Chromium and the sample portal.

mod support;

use std::time::{Duration, Instant};

use support::{temp_files, text, Harness};
use wyrm::demo::{demo_pages, DemoOptions, Fault};
use wyrm::journal::JournalState;

/// Every Markdown file is complete: it holds exactly one marker and ends with a newline.
fn assert_files_complete(h: &Harness) {
    for (path, md) in h.written() {
        assert!(
            md.contains("WYRM-MARKER-") && md.ends_with('\n'),
            "{} is partial or corrupt",
            path.display()
        );
    }
}

/// A small pseudo-random sequence (no extra crate): different moments on every run.
fn moments(n: usize, max_ms: u64) -> Vec<u64> {
    use std::hash::{BuildHasher, Hasher};
    let mut seed = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    (0..n)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            300 + seed % max_ms
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_at_random_moments_loses_nothing_and_a_rerun_writes_exactly_the_rest() {
    let h = Harness::with_latency(150).await;
    let trials = moments(10, 9_000);
    let mut survived = 0;
    for (trial, delay) in trials.iter().enumerate() {
        let mut child = h.spawn(&["-j", "3"]).await;
        tokio::time::sleep(Duration::from_millis(*delay)).await;
        let _ = child.start_kill(); // SIGKILL
        let _ = child.wait().await;
        assert_files_complete(&h);
        JournalState::load(&h.output().join(".wyrm"))
            .unwrap_or_else(|e| panic!("trial {trial}: the journal does not read back: {e}"));
        survived += 1;
    }
    assert_eq!(survived, 10);

    let before = h.written().len();
    let last = h.run(&["-j", "5"]).await;
    let out = text(&last);
    assert_eq!(last.status.code(), Some(0), "{out}");
    let all = h.assert_all_pages();
    assert!(
        out.contains(&format!("scraped   {}", all.len() - before)),
        "the rerun must write exactly the missing pages ({} of {}):\n{out}",
        all.len() - before,
        all.len()
    );
    assert!(temp_files(&h.output()).is_empty(), "stray temp files");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn site_faults_are_reported_and_the_run_goes_on() {
    let pages = demo_pages(0);
    let faults = [
        (pages[2].id.clone(), Fault::AlwaysFail),
        (pages[5].id.clone(), Fault::Hang),
        (pages[9].id.clone(), Fault::NoUpdate),
        (pages[13].id.clone(), Fault::ScriptError),
    ];
    let mut options = DemoOptions::default();
    for (id, fault) in &faults {
        options = options.with_fault(id.clone(), *fault);
    }
    let h = Harness::start(options).await;
    std::fs::write(
        h.config_path(),
        std::fs::read_to_string(h.config_path())
            .unwrap()
            .replace("content_wait: 8", "content_wait: 3"),
    )
    .unwrap();
    let output = h.run(&["-j", "4", "--max-retries", "1"]).await;
    let out = text(&output);
    assert_eq!(output.status.code(), Some(1), "{out}");
    assert!(
        out.contains(&format!("failed    {}", faults.len())),
        "{out}"
    );
    for (id, _) in &faults {
        assert!(out.contains(id.as_str()), "{id} is not reported:\n{out}");
    }
    let healthy: Vec<String> = h
        .all_ids()
        .into_iter()
        .filter(|id| !faults.iter().any(|(f, _)| f == id))
        .collect();
    let ids: Vec<&str> = healthy.iter().map(String::as_str).collect();
    h.assert_pages(&ids);

    // The journal knows why; --resume-info shows it without a browser.
    let info = h
        .wyrm(&["--resume-info"])
        .env("PATH", "/nonexistent")
        .output()
        .await
        .unwrap();
    let info_text = text(&info);
    assert_eq!(info.status.code(), Some(0), "{info_text}");
    assert!(
        info_text.contains(&format!("Failed:    {}", faults.len())),
        "{info_text}"
    );
    assert!(info_text.contains("Pending:   0"), "{info_text}");

    // --retry-failed touches only the failed items.
    let healthy_before = h.server.stats().requests_per_id.get(&healthy[0]).copied();
    let retry = h
        .run(&["-j", "4", "--max-retries", "0", "--retry-failed"])
        .await;
    let retry_text = text(&retry);
    assert_eq!(retry.status.code(), Some(1), "{retry_text}");
    assert!(
        retry_text.contains(&format!("failed    {}", faults.len())),
        "{retry_text}"
    );
    assert_eq!(
        h.server.stats().requests_per_id.get(&healthy[0]).copied(),
        healthy_before,
        "a healthy page was fetched again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sidebar_that_never_appears_is_a_clear_error() {
    let h = Harness::start(DemoOptions {
        sidebar_missing: true,
        ..DemoOptions::default()
    })
    .await;
    std::fs::write(
        h.config_path(),
        std::fs::read_to_string(h.config_path())
            .unwrap()
            .replace("sidebar_wait: 20", "sidebar_wait: 3"),
    )
    .unwrap();
    let output = h.run(&[]).await;
    let out = text(&output);
    assert_eq!(output.status.code(), Some(1), "{out}");
    assert!(
        out.contains("div.filter-api-sidebar-wrapper") && out.contains("did not appear"),
        "{out}"
    );
}

/// The main process of one tagged Chromium (not a renderer or helper).
fn a_browser_process(tag: &str) -> Option<i32> {
    let needle = format!("{}={tag}", support::TAG_VAR);
    std::fs::read_dir("/proc")
        .ok()?
        .flatten()
        .find_map(|entry| {
            let pid: i32 = entry.file_name().to_str()?.parse().ok()?;
            let comm = std::fs::read_to_string(entry.path().join("comm")).ok()?;
            let cmdline = std::fs::read(entry.path().join("cmdline")).ok()?;
            let env = std::fs::read(entry.path().join("environ")).ok()?;
            let tagged = env.split(|b| *b == 0).any(|v| v == needle.as_bytes());
            let main = !cmdline.windows(7).any(|w| w == b"--type=");
            (comm.trim() == "chromium" && tagged && main).then_some(pid)
        })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_that_crashes_mid_run_costs_only_a_retry() {
    let h = Harness::with_latency(300).await;
    let child = h.spawn(&["-j", "3"]).await;
    let deadline = Instant::now() + Duration::from_secs(120);
    while h.written().len() < 5 {
        assert!(Instant::now() < deadline, "no pages appeared");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let victim = a_browser_process(&h.tag).expect("a running browser");
    // SAFETY: kills a Chromium process started by this test's wyrm.
    unsafe {
        libc::kill(victim, libc::SIGKILL);
    }
    let output = tokio::time::timeout(Duration::from_secs(300), child.wait_with_output())
        .await
        .expect("the run finishes")
        .expect("wait");
    let out = text(&output);
    assert_eq!(output.status.code(), Some(0), "{out}");
    h.assert_all_pages();
    h.assert_no_browsers_left("after a browser crash").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_structure_cache_is_rediscovered() {
    let h = Harness::start(DemoOptions::default()).await;
    let first = h.run(&["--max-items", "3"]).await;
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));

    // The site "changed": the cache names an item the live sidebar does not have.
    let cache_dir = h.output().join(".wyrm");
    let cache = std::fs::read_dir(&cache_dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("structure-"))
        })
        .expect("a structure cache");
    let real = &h.server.pages()[4].id;
    let doctored = std::fs::read_to_string(&cache)
        .unwrap()
        .replace(&format!("\"{real}\""), "\"docs-node-0000001\"");
    std::fs::write(&cache, doctored).unwrap();

    let output = h.run(&[]).await;
    let out = text(&output);
    assert_eq!(output.status.code(), Some(0), "{out}");
    h.assert_all_pages();
    let log = std::fs::read_to_string(h.log_file()).unwrap();
    assert!(
        log.contains("no longer matches the site"),
        "no warning logged"
    );
    assert!(!std::fs::read_to_string(&cache)
        .unwrap()
        .contains("docs-node-0000001"));
}
