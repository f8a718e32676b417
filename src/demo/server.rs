//! The demo portal's HTTP server: the embedded browser app, the sidebar tree as JSON, page
//! bodies as JSON (with the configured latency and faults), and request statistics.
//!
//! It binds `127.0.0.1:0` only: the portal is a test fixture and must never be reachable from
//! another machine, and port 0 lets many servers run side by side (parallel tests).

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::content::{DemoPage, Node, Portal, ResponseExample};
use super::{DemoLayout, DemoOptions, Fault};

const INDEX_HTML: &str = include_str!("assets/index.html");
const APP_JS: &str = include_str!("assets/app.js");
const STYLE_CSS: &str = include_str!("assets/style.css");

/// How long [`DemoServer::shutdown`] lets open connections finish before it aborts the server
/// task. Requests in progress (latency, hangs) are released at once by the shutdown signal, so
/// this only matters for clients that hold a connection open without sending a request.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// Request statistics for `/api/pages/<id>`, the requests a scraper makes per item.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DemoStats {
    /// Page requests received (including failed, hanging and unknown-id ones).
    pub page_requests: u64,
    /// Page requests being handled right now. A request stops counting when it is answered or
    /// when its client goes away.
    pub in_flight: usize,
    /// The largest `in_flight` seen: how many requests the scraper had outstanding at once.
    pub max_in_flight: usize,
    /// Page requests per requested id.
    pub requests_per_id: HashMap<String, u64>,
}

/// A running demo portal. Dropping it also stops the server (in the background);
/// [`DemoServer::shutdown`] stops it and waits.
#[derive(Debug)]
pub struct DemoServer {
    address: SocketAddr,
    state: Arc<AppState>,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl DemoServer {
    /// Generates the portal, binds `127.0.0.1` on a free port and serves it in a tokio task.
    pub async fn start(options: DemoOptions) -> io::Result<DemoServer> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let address = listener.local_addr()?;
        let portal = Portal::build(options.extra_pages);
        warn_about_unknown_fault_ids(&portal, &options);
        let (stop, stop_signal) = watch::channel(false);
        let (stats, _) = watch::channel(DemoStats::default());
        let state = Arc::new(AppState {
            portal,
            options,
            stats,
            fault_hits: Mutex::new(HashMap::new()),
            stop_signal: stop_signal.clone(),
        });
        let app = router(Arc::clone(&state));
        let task = tokio::spawn(async move {
            let serving = axum::serve(listener, app).with_graceful_shutdown(stopped(stop_signal));
            if let Err(error) = serving.await {
                tracing::warn!(%error, "demo server stopped with an error");
            }
        });
        tracing::debug!(%address, "demo portal listening");
        Ok(DemoServer {
            address,
            state,
            stop,
            task: Some(task),
        })
    }

    /// The portal's entry page, e.g. `http://127.0.0.1:40123/docs`.
    pub fn url(&self) -> String {
        format!("http://{}/docs", self.address)
    }

    /// Every page, in depth-first sidebar order.
    pub fn pages(&self) -> &[DemoPage] {
        self.state.portal.pages()
    }

    /// A snapshot of the page-request statistics.
    pub fn stats(&self) -> DemoStats {
        self.state.stats.borrow().clone()
    }

    /// Waits until the statistics satisfy `condition` and returns them. Lets tests wait for an
    /// event (e.g. "no request in flight any more") without polling; wrap it in a timeout.
    pub async fn wait_for_stats(&self, mut condition: impl FnMut(&DemoStats) -> bool) -> DemoStats {
        let mut changes = self.state.stats.subscribe();
        // The sender lives in `self.state`, so the channel cannot close while we wait.
        let satisfied = match changes.wait_for(|stats| condition(stats)).await {
            Ok(stats) => stats.clone(),
            Err(_) => self.stats(),
        };
        satisfied
    }

    /// Clears the counters. Requests still in flight stay counted in `in_flight` (so the count
    /// cannot go negative when they finish), and `max_in_flight` restarts from that number.
    /// Fault counters ([`Fault::FailTimes`]) are not reset.
    pub fn reset_stats(&self) {
        self.state.stats.send_modify(|stats| {
            stats.page_requests = 0;
            stats.requests_per_id.clear();
            stats.max_in_flight = stats.in_flight;
        });
    }

    /// Stops the server and waits for its task to end. Hanging and delayed requests are
    /// answered (503) at once; open connections get a few seconds to close before the task is
    /// aborted.
    pub async fn shutdown(mut self) {
        self.stop.send_replace(true);
        if let Some(mut task) = self.task.take() {
            if tokio::time::timeout(SHUTDOWN_GRACE, &mut task)
                .await
                .is_err()
            {
                tracing::debug!("demo server connections still open; aborting");
                task.abort();
                let _ = task.await;
            }
        }
    }
}

impl Drop for DemoServer {
    fn drop(&mut self) {
        // Without this a forgotten server would keep serving until the runtime ends.
        self.stop.send_replace(true);
    }
}

/// What every request handler shares.
#[derive(Debug)]
struct AppState {
    portal: Portal,
    options: DemoOptions,
    /// A watch channel rather than a mutex so that [`DemoServer::wait_for_stats`] can await
    /// changes instead of polling.
    stats: watch::Sender<DemoStats>,
    /// How many times each [`Fault::FailTimes`] item has failed so far.
    fault_hits: Mutex<HashMap<String, u32>>,
    stop_signal: watch::Receiver<bool>,
}

impl AppState {
    /// Resolves when the server is asked to stop (or the server handle is gone).
    fn stopped(&self) -> impl Future<Output = ()> + Send + 'static {
        stopped(self.stop_signal.clone())
    }

    /// Sleeps for `delay`, unless the server stops first. Returns whether the whole delay passed.
    async fn delay(&self, delay: Duration) -> bool {
        if delay.is_zero() {
            return true;
        }
        tokio::select! {
            () = tokio::time::sleep(delay) => true,
            () = self.stopped() => false,
        }
    }

    /// Whether this request for `id` must fail, counting it against a [`Fault::FailTimes`].
    fn should_fail(&self, id: &str, fault: Option<Fault>) -> bool {
        match fault {
            Some(Fault::AlwaysFail) => true,
            Some(Fault::FailTimes(limit)) => {
                let mut hits = self
                    .fault_hits
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner);
                let count = hits.entry(id.to_owned()).or_insert(0);
                if *count < limit {
                    *count += 1;
                    true
                } else {
                    false
                }
            }
            _ => false,
        }
    }
}

async fn stopped(mut signal: watch::Receiver<bool>) {
    // An error means the sender is gone, which also means "stop".
    let _ = signal.wait_for(|stop| *stop).await;
}

fn warn_about_unknown_fault_ids(portal: &Portal, options: &DemoOptions) {
    for id in options.faults.keys() {
        if !portal.pages().iter().any(|page| &page.id == id) {
            tracing::warn!(%id, "demo fault configured for an id that is not in the portal");
        }
    }
}

/// Counts one page request as in flight for as long as it lives. Being a drop guard, it also
/// stops counting when hyper drops the handler because the client disconnected.
struct InFlight {
    state: Arc<AppState>,
}

impl InFlight {
    fn begin(state: &Arc<AppState>, id: &str) -> InFlight {
        state.stats.send_modify(|stats| {
            stats.page_requests += 1;
            *stats.requests_per_id.entry(id.to_owned()).or_insert(0) += 1;
            stats.in_flight += 1;
            stats.max_in_flight = stats.max_in_flight.max(stats.in_flight);
        });
        InFlight {
            state: Arc::clone(state),
        }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.state.stats.send_modify(|stats| {
            stats.in_flight = stats.in_flight.saturating_sub(1);
        });
    }
}

fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/docs", get(index))
        .route("/docs/", get(index))
        .route("/app.js", get(app_js))
        .route("/style.css", get(style_css))
        .route("/api/sidebar", get(sidebar))
        .route("/api/pages/{id}", get(page))
        .fallback(not_found)
        .with_state(state)
}

/// A static asset. `no-store` everywhere: every test server gets a new port, but a browser
/// profile reused across runs must never show a stale app.
fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [(CONTENT_TYPE, content_type), (CACHE_CONTROL, "no-store")],
        body,
    )
        .into_response()
}

async fn index() -> Response {
    asset("text/html; charset=utf-8", INDEX_HTML)
}

async fn app_js() -> Response {
    asset("text/javascript; charset=utf-8", APP_JS)
}

async fn style_css() -> Response {
    asset("text/css; charset=utf-8", STYLE_CSS)
}

async fn not_found() -> Response {
    error_response(StatusCode::NOT_FOUND, "not found")
}

fn error_response(status: StatusCode, message: &str) -> Response {
    json_response(status, &serde_json::json!({ "error": message }))
}

fn json_response(status: StatusCode, body: &impl Serialize) -> Response {
    (status, [(CACHE_CONTROL, "no-store")], Json(body)).into_response()
}

/// The sidebar tree the app renders. The layout and the `script_error` flags travel with it so
/// the app can place headers and make a click throw before any request is sent.
#[derive(Serialize)]
struct SidebarJson<'a> {
    layout: &'static str,
    sidebar_missing: bool,
    opens_first_page: bool,
    sections: Vec<SectionJson<'a>>,
}

#[derive(Serialize)]
struct SectionJson<'a> {
    header: &'a str,
    nodes: Vec<NodeJson<'a>>,
}

#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum NodeJson<'a> {
    Item {
        id: &'a str,
        title: &'a str,
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        script_error: bool,
    },
    Menu {
        title: &'a str,
        children: Vec<NodeJson<'a>>,
    },
}

fn sidebar_json(state: &AppState) -> SidebarJson<'_> {
    SidebarJson {
        layout: match state.options.layout {
            DemoLayout::HeaderFirst => "header_first",
            DemoLayout::Trailing => "trailing",
        },
        sidebar_missing: state.options.sidebar_missing,
        opens_first_page: state.options.opens_first_page,
        sections: state
            .portal
            .sections()
            .iter()
            .map(|section| SectionJson {
                header: &section.header,
                nodes: nodes_json(&section.nodes, state),
            })
            .collect(),
    }
}

fn nodes_json<'a>(nodes: &'a [Node], state: &AppState) -> Vec<NodeJson<'a>> {
    nodes
        .iter()
        .map(|node| match node {
            Node::Item { id, title } => NodeJson::Item {
                id,
                title,
                script_error: state.options.faults.get(id) == Some(&Fault::ScriptError),
            },
            Node::Menu { title, children } => NodeJson::Menu {
                title,
                children: nodes_json(children, state),
            },
        })
        .collect()
}

async fn sidebar(State(state): State<Arc<AppState>>) -> Response {
    if !state.delay(state.options.sidebar_latency).await {
        return error_response(StatusCode::SERVICE_UNAVAILABLE, "server is shutting down");
    }
    json_response(StatusCode::OK, &sidebar_json(&state))
}

/// A page as the app receives it. `fault` tells the app to misbehave on purpose.
#[derive(Serialize)]
struct PageJson<'a> {
    id: &'a str,
    title: &'a str,
    html: &'a str,
    responses: &'a [ResponseExample],
    #[serde(skip_serializing_if = "Option::is_none")]
    fault: Option<&'static str>,
}

async fn page(State(state): State<Arc<AppState>>, Path(id): Path<String>) -> Response {
    let _in_flight = InFlight::begin(&state, &id);
    if !state.delay(state.options.latency).await {
        return error_response(StatusCode::SERVICE_UNAVAILABLE, "server is shutting down");
    }
    let Some(body) = state.portal.body(&id) else {
        return error_response(StatusCode::NOT_FOUND, "no such page");
    };
    let fault = state.options.faults.get(&id).copied();
    if fault == Some(Fault::Hang) {
        state.stopped().await;
        return error_response(StatusCode::SERVICE_UNAVAILABLE, "server is shutting down");
    }
    if state.should_fail(&id, fault) {
        return error_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            "demo fault: server error",
        );
    }
    let page = PageJson {
        id: &id,
        title: &body.title,
        html: &body.html,
        responses: &body.responses,
        fault: match fault {
            Some(Fault::NoUpdate) => Some("no_update"),
            Some(Fault::ScriptError) => Some("script_error"),
            _ => None,
        },
    };
    json_response(StatusCode::OK, &page)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    /// A bound for waits in tests; they normally finish in milliseconds.
    const TEST_TIMEOUT: Duration = Duration::from_secs(10);

    struct Reply {
        status: u16,
        headers: String,
        body: String,
    }

    /// A minimal HTTP/1.1 GET over a raw socket (no HTTP client dependency needed).
    async fn http_get(server: &DemoServer, path: &str) -> Reply {
        let mut stream = TcpStream::connect(server.address).await.expect("connect");
        let request =
            format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.expect("write");
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await.expect("read");
        let text = String::from_utf8(raw).expect("utf-8 reply");
        let (head, body) = text.split_once("\r\n\r\n").expect("head and body");
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|code| code.parse().ok())
            .expect("status code");
        Reply {
            status,
            headers: head.to_ascii_lowercase(),
            body: body.to_owned(),
        }
    }

    fn json(reply: &Reply) -> serde_json::Value {
        serde_json::from_str(&reply.body).expect("json body")
    }

    async fn start(options: DemoOptions) -> DemoServer {
        DemoServer::start(options).await.expect("start demo server")
    }

    #[tokio::test]
    async fn binds_loopback_and_serves_the_app() {
        let server = start(DemoOptions::default()).await;
        assert!(server.address.ip().is_loopback());
        assert!(server.url().starts_with("http://127.0.0.1:"));
        assert!(server.url().ends_with("/docs"));
        for path in ["/", "/docs"] {
            let reply = http_get(&server, path).await;
            assert_eq!(reply.status, 200);
            assert!(reply.headers.contains("text/html"));
            assert!(reply.body.contains("id=\"documentation\""));
            assert!(reply.body.contains("/app.js"));
        }
        let script = http_get(&server, "/app.js").await;
        assert_eq!(script.status, 200);
        assert!(script.headers.contains("javascript"));
        let style = http_get(&server, "/style.css").await;
        assert_eq!(style.status, 200);
        assert!(style.headers.contains("text/css"));
        assert_eq!(http_get(&server, "/nowhere").await.status, 404);
        server.shutdown().await;
    }

    #[tokio::test]
    async fn sidebar_json_describes_the_tree() {
        let server = start(DemoOptions {
            layout: DemoLayout::Trailing,
            ..DemoOptions::default()
        })
        .await;
        let reply = http_get(&server, "/api/sidebar").await;
        assert_eq!(reply.status, 200);
        let tree = json(&reply);
        assert_eq!(tree["layout"], "trailing");
        assert_eq!(tree["sidebar_missing"], false);
        assert_eq!(tree["opens_first_page"], false);
        let sections = tree["sections"].as_array().expect("sections");
        assert!(sections.len() >= 3);
        assert_eq!(sections[0]["header"], server.pages()[0].header);
        assert!(reply.body.contains(&server.pages()[0].id));
        assert!(!reply.body.contains("WYRM-MARKER"));
        assert!(reply.body.contains("\"kind\":\"menu\""));
        server.shutdown().await;
    }

    #[tokio::test]
    async fn serves_page_json_and_404_for_unknown_ids() {
        let server = start(DemoOptions::default()).await;
        let endpoint = server
            .pages()
            .iter()
            .find(|p| p.is_endpoint)
            .expect("an endpoint")
            .clone();
        let reply = http_get(&server, &format!("/api/pages/{}", endpoint.id)).await;
        assert_eq!(reply.status, 200);
        let page = json(&reply);
        assert_eq!(page["id"], endpoint.id.as_str());
        assert!(page["html"]
            .as_str()
            .expect("html")
            .contains(&endpoint.marker));
        let codes: Vec<u64> = page["responses"]
            .as_array()
            .expect("responses")
            .iter()
            .filter_map(|r| r["code"].as_u64())
            .collect();
        let expected: Vec<u64> = endpoint.response_codes.iter().map(|&c| c.into()).collect();
        assert_eq!(codes, expected);
        assert!(page.get("fault").is_none());
        let missing = http_get(&server, "/api/pages/docs-node-1").await;
        assert_eq!(missing.status, 404);
        let stats = server.stats();
        assert_eq!(stats.page_requests, 2);
        assert_eq!(stats.requests_per_id.get(&endpoint.id), Some(&1));
        server.shutdown().await;
    }

    #[tokio::test]
    async fn fail_times_fails_then_succeeds() {
        let id = super::super::demo_pages(0)[3].id.clone();
        let server = start(DemoOptions::default().with_fault(&id, Fault::FailTimes(1))).await;
        let path = format!("/api/pages/{id}");
        assert_eq!(http_get(&server, &path).await.status, 500);
        server.reset_stats();
        assert_eq!(http_get(&server, &path).await.status, 200);
        assert_eq!(http_get(&server, &path).await.status, 200);
        assert_eq!(server.stats().requests_per_id.get(&id), Some(&2));
        server.shutdown().await;
    }

    #[tokio::test]
    async fn always_fail_and_flags_reach_the_app() {
        let pages = super::super::demo_pages(0);
        let (failing, silent, throwing) = (&pages[0].id, &pages[1].id, &pages[2].id);
        let server = start(
            DemoOptions::default()
                .with_fault(failing, Fault::AlwaysFail)
                .with_fault(silent, Fault::NoUpdate)
                .with_fault(throwing, Fault::ScriptError),
        )
        .await;
        for _ in 0..2 {
            let reply = http_get(&server, &format!("/api/pages/{failing}")).await;
            assert_eq!(reply.status, 500);
        }
        let quiet = http_get(&server, &format!("/api/pages/{silent}")).await;
        assert_eq!(json(&quiet)["fault"], "no_update");
        let tree = http_get(&server, "/api/sidebar").await.body;
        let flagged = format!(
            "\"id\":\"{throwing}\",\"title\":\"{}\",\"script_error\":true",
            pages[2].title
        );
        assert!(tree.contains(&flagged), "{tree}");
        assert_eq!(tree.matches("script_error").count(), 1);
        server.shutdown().await;
    }

    #[tokio::test]
    async fn latency_is_applied() {
        let latency = Duration::from_millis(150);
        let server = start(DemoOptions {
            latency,
            ..DemoOptions::default()
        })
        .await;
        let id = server.pages()[0].id.clone();
        let started = Instant::now();
        assert_eq!(
            http_get(&server, &format!("/api/pages/{id}")).await.status,
            200
        );
        assert!(started.elapsed() >= latency);
        server.shutdown().await;
    }

    #[tokio::test]
    async fn sidebar_latency_is_applied() {
        let sidebar_latency = Duration::from_millis(120);
        let server = start(DemoOptions {
            sidebar_latency,
            ..DemoOptions::default()
        })
        .await;
        let started = Instant::now();
        assert_eq!(http_get(&server, "/api/sidebar").await.status, 200);
        assert!(started.elapsed() >= sidebar_latency);
        server.shutdown().await;
    }

    #[tokio::test]
    async fn counts_concurrent_requests() {
        let server = start(DemoOptions {
            latency: Duration::from_millis(300),
            ..DemoOptions::default()
        })
        .await;
        let paths: Vec<String> = server.pages()[..3]
            .iter()
            .map(|p| format!("/api/pages/{}", p.id))
            .collect();
        let (a, b, c) = tokio::join!(
            http_get(&server, &paths[0]),
            http_get(&server, &paths[1]),
            http_get(&server, &paths[2]),
        );
        assert!([a.status, b.status, c.status].iter().all(|&s| s == 200));
        let stats = server.stats();
        assert!(stats.max_in_flight >= 2, "{stats:?}");
        assert_eq!(stats.page_requests, 3);
        assert_eq!(stats.in_flight, 0);
        server.reset_stats();
        assert_eq!(server.stats(), DemoStats::default());
        server.shutdown().await;
    }

    #[tokio::test]
    async fn a_disconnected_client_stops_counting() {
        let id = super::super::demo_pages(0)[0].id.clone();
        let server = start(DemoOptions::default().with_fault(&id, Fault::Hang)).await;
        let mut stream = TcpStream::connect(server.address).await.expect("connect");
        let request = format!("GET /api/pages/{id} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        stream.write_all(request.as_bytes()).await.expect("write");
        let busy = tokio::time::timeout(TEST_TIMEOUT, server.wait_for_stats(|s| s.in_flight == 1));
        assert!(busy.await.is_ok(), "the request never arrived");
        drop(stream);
        let idle = tokio::time::timeout(TEST_TIMEOUT, server.wait_for_stats(|s| s.in_flight == 0));
        assert!(idle.await.is_ok(), "the dropped request still counts");
        assert_eq!(server.stats().max_in_flight, 1);
        server.shutdown().await;
    }

    #[tokio::test]
    async fn shutdown_releases_hanging_requests() {
        let id = super::super::demo_pages(0)[0].id.clone();
        let server = start(DemoOptions::default().with_fault(&id, Fault::Hang)).await;
        let address = server.address;
        let hanging = tokio::spawn(async move {
            let mut stream = TcpStream::connect(address).await.expect("connect");
            let request = format!(
                "GET /api/pages/{id} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
            );
            stream.write_all(request.as_bytes()).await.expect("write");
            let mut raw = Vec::new();
            let _ = stream.read_to_end(&mut raw).await;
            String::from_utf8_lossy(&raw).into_owned()
        });
        let busy = tokio::time::timeout(TEST_TIMEOUT, server.wait_for_stats(|s| s.in_flight == 1));
        assert!(busy.await.is_ok(), "the request never arrived");
        let stopping = tokio::time::timeout(TEST_TIMEOUT, server.shutdown());
        assert!(stopping.await.is_ok(), "shutdown did not return");
        let reply = tokio::time::timeout(TEST_TIMEOUT, hanging)
            .await
            .expect("the hanging request was released")
            .expect("client task");
        assert!(reply.starts_with("HTTP/1.1 503"), "{reply}");
        assert!(TcpStream::connect(address).await.is_err());
    }

    #[tokio::test]
    async fn shutdown_with_an_idle_connection_returns() {
        let server = start(DemoOptions::default()).await;
        let _idle = TcpStream::connect(server.address).await.expect("connect");
        let stopping = tokio::time::timeout(TEST_TIMEOUT, server.shutdown());
        assert!(stopping.await.is_ok(), "shutdown did not return");
    }
}
