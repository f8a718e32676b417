//! Scaling out: Wyrm's workers on a real Selenium Grid (hub + two nodes on 127.0.0.1).

mod support;

use std::time::Duration;

use support::grid::Grid;
use support::{finish, text, Harness};

/// The Grid's nodes start Debian's Chromium: its path goes in `goog:chromeOptions.binary`.
const GRID_CONFIG: &str = "webdriver:\n  binary: /usr/bin/chromium\n";

fn no_sessions(status: &serde_json::Value) -> bool {
    status["value"]["nodes"].as_array().is_some_and(|nodes| {
        nodes.iter().all(|n| {
            n["slots"]
                .as_array()
                .is_some_and(|slots| slots.iter().all(|s| s["session"].is_null()))
        })
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scrapes_on_a_selenium_grid_using_both_nodes() {
    let h = Harness::with_latency(200).await;
    h.write_config(GRID_CONFIG);
    let grid = Grid::start(2, 2).await;
    let output = h.run(&["-j", "4", "--webdriver-url", &grid.url]).await;
    let out = text(&output);
    assert_eq!(output.status.code(), Some(0), "{out}");
    h.assert_all_pages();

    // Both nodes served sessions: the summary names each node and what it did.
    let nodes: Vec<String> = grid
        .sessions_per_node()
        .await
        .into_iter()
        .map(|(uri, _)| uri)
        .collect();
    assert_eq!(nodes.len(), 2);
    for node in &nodes {
        assert!(
            out.contains(&format!("node      {node}:")),
            "{node} served nothing:\n{out}"
        );
        // The progress display knows too: every finished item names its node.
        assert!(
            out.contains("nodes: ") && out.contains(&format!("{node} ")),
            "the progress lines do not name {node}:\n{out}"
        );
    }
    let finished = h.log_events("item finished");
    assert!(
        finished.iter().all(|e| e["fields"]["node"].is_string()),
        "an item finished without its node: {finished:?}"
    );
    // Wyrm deleted every session it created.
    grid.wait_until(Duration::from_secs(10), no_sessions).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_dying_mid_run_costs_only_its_in_flight_items() {
    let h = Harness::with_latency(300).await;
    h.write_config(GRID_CONFIG);
    let mut grid = Grid::start(2, 2).await;
    let child = h.spawn(&["-j", "4", "--webdriver-url", &grid.url]).await;

    // Once both nodes are busy and some pages are on disk, one node crashes.
    grid.wait_until(Duration::from_secs(120), |status| {
        status["value"]["nodes"].as_array().is_some_and(|nodes| {
            nodes.iter().all(|n| {
                n["slots"]
                    .as_array()
                    .is_some_and(|s| s.iter().any(|s| !s["session"].is_null()))
            })
        })
    })
    .await;
    h.wait_for_pages(4).await;
    grid.kill_node(1).await;

    let output = finish(child, Duration::from_secs(300)).await;
    let out = text(&output);
    assert_eq!(output.status.code(), Some(0), "{out}");
    h.assert_all_pages();
    // The Grid notices the dead node; the surviving one holds none of Wyrm's sessions.
    let status = grid
        .wait_until(Duration::from_secs(30), |s| {
            s["value"]["nodes"]
                .as_array()
                .is_some_and(|n| n.iter().filter(|n| n["availability"] == "UP").count() == 1)
        })
        .await;
    let left: usize = grid.sessions_per_node().await.iter().map(|(_, n)| n).sum();
    assert_eq!(left, 0, "sessions left on the Grid: {status}");
}
