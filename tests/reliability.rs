//! Never lose work: kill -9 at random moments, site faults, a crashed browser and a stale
//! structure cache, each against the real binary, real Chromium and the sample portal.

mod support;

use std::time::Duration;

use std::os::unix::process::ExitStatusExt;
use support::{finish, send_signal, temp_files, text, Harness};
use wyrm::demo::{demo_pages, DemoOptions, Fault};

use wyrm::journal::{ItemStatus, JournalState};

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

/// A small pseudo-random sequence (no extra crate): different moments on every run, from
/// `min_ms` up to `min_ms + span_ms`.
fn moments(n: usize, min_ms: u64, span_ms: u64) -> Vec<u64> {
    use std::hash::{BuildHasher, Hasher};
    let mut seed = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    (0..n)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            min_ms + seed % span_ms
        })
        .collect()
}

/// The journal reads back whole: every complete line is a JSON record (only a torn last line,
/// without its newline, may be cut), and every item it records as done (or adopted) has exactly
/// the file it hashed.
fn assert_journal_sound(h: &Harness, trial: usize) {
    let state_dir = h.output().join(".wyrm");
    let raw = std::fs::read_to_string(state_dir.join("journal.jsonl")).unwrap_or_default();
    let complete = match raw.rfind('\n') {
        Some(end) => &raw[..end],
        None => "",
    };
    for line in complete.lines() {
        assert!(
            serde_json::from_str::<serde_json::Value>(line).is_ok(),
            "trial {trial}: a corrupt journal line: {line:?}"
        );
    }
    let journal = JournalState::load(&state_dir)
        .unwrap_or_else(|e| panic!("trial {trial}: the journal does not read back: {e}"));
    for entry in journal.entries.values() {
        if !matches!(entry.status, ItemStatus::Done | ItemStatus::Skipped) {
            continue;
        }
        let file = h.output().join(&entry.path);
        let hash = wyrm::storage::sha256_file(&file)
            .unwrap_or_else(|e| panic!("trial {trial}: {} is recorded as done: {e}", entry.id));
        assert_eq!(
            entry.sha256.as_deref(),
            Some(hash.as_str()),
            "trial {trial}: {} does not hold what the journal recorded",
            file.display()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_at_random_moments_loses_nothing_and_a_rerun_writes_exactly_the_rest() {
    // Enough pages that ten interrupted runs cannot finish the portal between them: every kill
    // lands on a live run with pages still to write.
    let h = Harness::start(DemoOptions {
        latency: Duration::from_millis(400),
        extra_pages: 120,
        ..DemoOptions::default()
    })
    .await;
    let total = h.all_ids().len();
    // From browser start-up through discovery to writing pages.
    for (trial, delay) in moments(10, 200, 4_000).iter().enumerate() {
        let mut child = h.spawn(&["-j", "3"]).await;
        tokio::time::sleep(Duration::from_millis(*delay)).await;
        assert!(
            child.try_wait().expect("wait").is_none(),
            "trial {trial}: the run ended before the kill at {delay} ms"
        );
        child.start_kill().expect("SIGKILL");
        let status = child.wait().await.expect("wait");
        assert_eq!(status.signal(), Some(libc::SIGKILL), "trial {trial}");
        assert_files_complete(&h);
        assert_journal_sound(&h, trial);
        assert!(
            h.written().len() < total,
            "trial {trial}: nothing was left to do"
        );
    }

    // The final run reaps the browsers the killed runs left (h.run fails on any left over),
    // and writes exactly the missing pages.
    let before = h.written().len();
    let last = h.run(&["-j", "5"]).await;
    let out = text(&last);
    assert_eq!(last.status.code(), Some(0), "{out}");
    let all = h.assert_all_pages();
    let expected = format!("scraped   {}", all.len() - before);
    assert!(
        out.lines().any(|l| l.trim() == expected),
        "the rerun must write exactly the missing pages ({} of {}):\n{out}",
        all.len() - before,
        all.len()
    );
    assert!(temp_files(&h.output()).is_empty(), "stray temp files");
    assert!(
        !h.output().join(".wyrm/profiles").exists()
            || std::fs::read_dir(h.output().join(".wyrm/profiles"))
                .map(|d| d.count() == 0)
                .unwrap_or(true),
        "browser profiles of the killed runs are left"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn site_faults_are_reported_and_the_run_goes_on() {
    let pages = demo_pages(0);
    // Each fault, and what its report must say.
    let faults = [
        (pages[2].id.clone(), Fault::AlwaysFail, "HTTP 500"),
        (pages[5].id.clone(), Fault::Hang, "did not show new content"),
        (
            pages[9].id.clone(),
            Fault::NoUpdate,
            "did not show new content",
        ),
        (pages[13].id.clone(), Fault::ScriptError, "TypeError"),
    ];
    let mut options = DemoOptions::default();
    for (id, fault, _) in &faults {
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
    for (id, _, why) in &faults {
        let report = out
            .lines()
            .find(|l| l.contains('✗') && l.contains(id.as_str()))
            .unwrap_or_else(|| panic!("{id} is not reported:\n{out}"));
        assert!(
            report.contains(why),
            "{id}'s report does not say {why:?}: {report}"
        );
    }
    let healthy: Vec<String> = h
        .all_ids()
        .into_iter()
        .filter(|id| !faults.iter().any(|(f, _, _)| f == id))
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

    // --retry-failed redoes only the failed items. (It may view a healthy page on the way: an
    // item whose click changes nothing is clicked again after another item, so requests are no
    // measure; the journal and the files are.)
    let finished_at = |state: &JournalState| -> Vec<Option<String>> {
        healthy
            .iter()
            .map(|id| state.get(id).map(|e| e.finished_at.clone()))
            .collect()
    };
    let state_dir = h.output().join(".wyrm");
    let healthy_before = finished_at(&JournalState::load(&state_dir).unwrap());
    let files_before = h.written();
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
        finished_at(&JournalState::load(&state_dir).unwrap()),
        healthy_before,
        "a healthy item was scraped again"
    );
    assert_eq!(h.written(), files_before, "a file changed");
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
    h.wait_for_pages(5).await;
    let victim = a_browser_process(&h.tag).expect("a running browser");
    send_signal(victim, libc::SIGKILL);
    let output = finish(child, Duration::from_secs(300)).await;
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
