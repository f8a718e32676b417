//! End to end: the real `wyrm` binary drives real headless Chromium through chromedriver
//! against the sample portal served on 127.0.0.1.

mod support;

use std::time::Duration;

use support::{finish, interrupt, temp_files, text, wait_until, Harness};
use wyrm::demo::{DemoOptions, Fault};
use wyrm::journal::JournalState;

/// The full scrape at concurrency 5, in the given session mode: every page, correct, bounded
/// and really concurrent, progress per item, nothing left running.
async fn full_scrape(mode: &str) {
    let h = Harness::with_latency(150).await;
    let output = h.run(&["-j", "5", "--session-mode", mode]).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));

    let all = h.all_ids();
    assert!(all.len() >= 40, "the sample portal has {} pages", all.len());
    let id_refs: Vec<&str> = all.iter().map(String::as_str).collect();
    let located = h.assert_pages(&id_refs);

    let stats = h.server.stats();
    assert!(
        stats.max_in_flight <= 5,
        "bound broken: {} in flight",
        stats.max_in_flight
    );
    assert!(
        stats.max_in_flight >= 2,
        "not concurrent: max {} in flight",
        stats.max_in_flight
    );
    assert_eq!(
        h.log_events("item finished").len(),
        all.len(),
        "one progress step per item"
    );
    assert!(temp_files(&h.output()).is_empty());

    // Content checks on the converted pages.
    let files = h.written();
    for page in h.server.pages() {
        let md = &files[&located[&page.id]];
        for code in &page.response_codes {
            assert!(
                md.contains(&format!("Response {code}")),
                "{}: tab {code} missing:\n{md}",
                page.id
            );
        }
    }
    let bash = files
        .values()
        .find(|t| t.contains("#!/bin/bash"))
        .expect("a guide with a bash block");
    assert!(bash.contains("```bash\n#!/bin/bash"), "{bash}");
    assert!(
        files
            .values()
            .any(|t| t.contains("| ---") || t.contains("|---")),
        "a GFM table"
    );
    // Hostile titles stay inside the output directory, and the output tree mirrors the sidebar.
    for path in files.keys() {
        assert!(path
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_))));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pooled_scrape_writes_every_page_concurrently() {
    full_scrape("pooled").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_item_scrape_writes_every_page_concurrently() {
    full_scrape("per_item").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_skips_force_overwrites_and_resume_info_needs_no_browser() {
    let h = Harness::start(DemoOptions::default()).await;
    let first = h.run(&["--max-items", "6"]).await;
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));
    assert_eq!(h.written().len(), 6);

    // --resume-info with the structure cached: works even with no browser installed at all.
    let info = h
        .wyrm(&["--resume-info"])
        .env("PATH", "/nonexistent")
        .output()
        .await
        .expect("runs");
    let info_text = text(&info);
    assert_eq!(info.status.code(), Some(0), "{info_text}");
    let total = h.all_ids().len();
    assert!(
        info_text.contains(&format!("Total:     {total}")),
        "{info_text}"
    );
    assert!(info_text.contains("Done:      6"), "{info_text}");
    assert!(
        info_text.contains(&format!("Remaining: {}", total - 6)),
        "{info_text}"
    );

    // A file changed behind Wyrm's back no longer matches the journal's hash: the rerun redoes
    // exactly that one and skips the rest.
    let (victim, _) = h.written().into_iter().next().expect("a file");
    let victim_path = h.output().join(&victim);
    std::fs::write(&victim_path, "tampered").expect("write");
    let second = h.run(&["--max-items", "6"]).await;
    let second_text = text(&second);
    assert_eq!(second.status.code(), Some(0), "{second_text}");
    assert!(
        second_text.contains("scraped   1") && second_text.contains("skipped   5"),
        "{second_text}"
    );
    assert!(std::fs::read_to_string(&victim_path)
        .unwrap()
        .contains("WYRM-MARKER-"));

    let third = h.run(&["--max-items", "6"]).await;
    assert!(
        text(&third).contains("scraped   0") && text(&third).contains("skipped   6"),
        "{}",
        text(&third)
    );

    // --force redoes every one of them.
    let forced = h.run(&["--max-items", "6", "--force"]).await;
    assert_eq!(forced.status.code(), Some(0), "{}", text(&forced));
    assert!(text(&forced).contains("scraped   6"), "{}", text(&forced));

    // The rest of the portal resumes where the first run stopped.
    let rest = h.run(&[]).await;
    assert_eq!(rest.status.code(), Some(0), "{}", text(&rest));
    assert!(
        text(&rest).contains(&format!("scraped   {}", total - 6)),
        "{}",
        text(&rest)
    );
    h.assert_all_pages();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_pages_are_retried_then_reported_and_the_rest_is_written() {
    let probe = wyrm::demo::demo_pages(0);
    let flaky = probe[3].id.clone();
    let broken = probe[7].id.clone();
    let h = Harness::start(
        DemoOptions::default()
            .with_fault(flaky.clone(), Fault::FailTimes(1))
            .with_fault(broken.clone(), Fault::AlwaysFail),
    )
    .await;
    let output = h.run(&["-j", "3", "--max-retries", "1"]).await;
    let out = text(&output);
    assert_eq!(output.status.code(), Some(1), "{out}");
    assert!(out.contains("failed    1"), "{out}");
    assert!(out.contains(&broken), "the failure names the item: {out}");
    let expected: Vec<String> = h.all_ids().into_iter().filter(|id| *id != broken).collect();
    let id_refs: Vec<&str> = expected.iter().map(String::as_str).collect();
    h.assert_pages(&id_refs);
    let stats = h.server.stats();
    assert_eq!(
        stats.requests_per_id.get(&flaky).copied(),
        Some(2),
        "flaky page retried once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_stops_cleanly_and_a_rerun_completes() {
    let h = Harness::with_latency(400).await;
    let child = h.spawn(&["-j", "2"]).await;
    // Interrupt once a few pages are on disk.
    h.wait_for_pages(3).await;
    interrupt(&child);
    let output = finish(child, Duration::from_secs(60)).await;
    let out = text(&output);
    assert_eq!(output.status.code(), Some(130), "{out}");
    assert!(out.contains("(interrupted)"), "{out}");
    h.assert_no_browsers_left("after SIGINT").await;
    assert!(temp_files(&h.output()).is_empty(), "partial files left");
    let partial = h.written().len();
    assert!(partial < h.all_ids().len(), "the run was interrupted early");
    for (path, md) in h.written() {
        assert!(
            md.contains("WYRM-MARKER-"),
            "{} is incomplete",
            path.display()
        );
    }

    let rerun = h.run(&["-j", "5"]).await;
    assert_eq!(rerun.status.code(), Some(0), "{}", text(&rerun));
    h.assert_all_pages();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_sigint_stops_at_once_and_still_ends_every_browser() {
    // Every page but the first hangs, so items are in flight when the signals arrive, and a
    // graceful stop would wait for them until `content_wait` and record them as failed.
    let ids = wyrm::demo::demo_pages(0);
    let options = ids.iter().skip(1).fold(DemoOptions::default(), |o, p| {
        o.with_fault(p.id.clone(), Fault::Hang)
    });
    let h = Harness::start(options).await;
    let child = h.spawn(&["-j", "3"]).await;
    let limit = Duration::from_secs(120);
    wait_until("pages in flight", limit, || {
        !h.written().is_empty() && h.server.stats().in_flight >= 2
    })
    .await;
    interrupt(&child);
    // The second signal goes once the first has been taken.
    wait_until("the first SIGINT taken", limit, || {
        std::fs::read_to_string(h.log_file())
            .unwrap_or_default()
            .contains("interrupted: finishing the items in flight")
    })
    .await;
    interrupt(&child);
    let output = finish(child, Duration::from_secs(60)).await;
    let out = text(&output);
    assert_eq!(output.status.code(), Some(130), "{out}");
    h.assert_no_browsers_left("after a second SIGINT").await;
    assert!(temp_files(&h.output()).is_empty(), "partial files left");
    assert_eq!(h.written().len(), 1, "{out}");
    // The hung items were abandoned, not waited out: neither done nor failed, so the next run
    // redoes them.
    let journal = std::fs::read_to_string(h.output().join(".wyrm/journal.jsonl")).unwrap();
    assert_eq!(journal.lines().count(), 1, "{journal}");
    assert!(journal.contains(&ids[0].id), "{journal}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_during_discovery_exits_130_and_ends_the_browsers() {
    // The sidebar takes a minute to arrive, so the signal lands while Wyrm waits for it.
    let h = Harness::start(DemoOptions {
        sidebar_latency: Duration::from_secs(60),
        ..DemoOptions::default()
    })
    .await;
    let child = h.spawn(&[]).await;
    wait_until("a browser", Duration::from_secs(60), || {
        !support::browser_processes(&h.tag).is_empty()
    })
    .await;
    interrupt(&child);
    let output = finish(child, Duration::from_secs(30)).await;
    let out = text(&output);
    assert_eq!(output.status.code(), Some(130), "{out}");
    assert!(
        out.contains("Interrupted before the sidebar was read"),
        "{out}"
    );
    h.assert_no_browsers_left("after SIGINT during discovery")
        .await;
    assert!(h.written().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_browser_says_how_to_install_it() {
    let h = Harness::start(DemoOptions::default()).await;
    let output = h
        .wyrm(&[])
        .env("PATH", "/nonexistent")
        .output()
        .await
        .expect("runs");
    let out = text(&output);
    assert_eq!(output.status.code(), Some(1), "{out}");
    assert!(
        out.contains("apt-get install chromium chromium-driver"),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_errors_name_the_key_and_exit_2() {
    let h = Harness::start(DemoOptions::default()).await;
    let bad = h.run(&["-j", "0"]).await;
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad));
    assert!(
        text(&bad).contains("behavior.max_concurrent_tasks"),
        "{}",
        text(&bad)
    );

    std::fs::write(
        h.config_path(),
        "target_url: http://127.0.0.1:1/\nbehaviour: {}\n",
    )
    .unwrap();
    let typo = h.run(&[]).await;
    assert_eq!(typo.status.code(), Some(2), "{}", text(&typo));
    assert!(text(&typo).contains("behaviour"), "{}", text(&typo));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trailing_header_layout_is_scraped_too() {
    let h = Harness::start(DemoOptions {
        layout: wyrm::demo::DemoLayout::Trailing,
        ..DemoOptions::default()
    })
    .await;
    let output = h.run(&["--max-items", "12"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let first: Vec<String> = h
        .server
        .pages()
        .iter()
        .take(12)
        .map(|p| p.id.clone())
        .collect();
    let id_refs: Vec<&str> = first.iter().map(String::as_str).collect();
    let located = h.assert_pages(&id_refs);
    // Items sit under their header's directory although the header comes after them.
    for page in h.server.pages().iter().take(12) {
        let top = located[&page.id].components().next().unwrap();
        assert_eq!(
            top.as_os_str().to_string_lossy(),
            wyrm::storage::slug(&page.header),
            "{} is under the wrong header",
            page.id
        );
    }
}

/// The attempts the journal records for `id` in its latest entry.
fn journal_attempts(h: &Harness, id: &str) -> Option<u32> {
    let journal = JournalState::load(&h.output().join(".wyrm")).ok()?;
    journal.get(id).map(|entry| entry.attempts)
}

/// A portal that shows its first page before any click: clicking that item changes nothing, so
/// Wyrm shows another page first. Both click modes (in-page and WebDriver pointer clicks).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_portal_that_lands_on_its_first_page_is_scraped_with_either_click_mode() {
    let h = Harness::start(DemoOptions {
        opens_first_page: true,
        ..DemoOptions::default()
    })
    .await;
    let first: Vec<String> = h.all_ids().into_iter().take(10).collect();
    let id_refs: Vec<&str> = first.iter().map(String::as_str).collect();
    for click in ["js", "native"] {
        h.write_config(&format!("site:\n  click: {click}\n"));
        let output = h.run(&["-j", "2", "--max-items", "10", "--force"]).await;
        assert_eq!(output.status.code(), Some(0), "{click}: {}", text(&output));
        h.assert_pages(&id_refs);
        assert_eq!(
            journal_attempts(&h, &first[0]),
            Some(1),
            "{click}: the landing page is captured on the first attempt"
        );
    }
}
