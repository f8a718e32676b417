//! The W3C WebDriver backend (via `fantoccini`): local chromedriver or any remote WebDriver
//! server such as a Selenium Grid.
//!
//! Every session it creates is recorded until it is closed, so [`Backend::shutdown`] can delete
//! the ones a cancelled task left behind; that is what makes "no browser is ever orphaned" hold
//! even when a task is aborted mid-item.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use fantoccini::error::{CmdError, ErrorStatus, NewSessionError};
use fantoccini::{Client, ClientBuilder, Locator};
use futures::future::BoxFuture;
use futures::FutureExt;
use serde_json::{json, Map, Value};

use super::driver::{self, ChromeDriver};
use super::{Backend, BrowserError, BrowserResult, Session};
use crate::config::{Config, Timeouts};

/// Chromium flags every session gets: headless operation on a closed network (without the
/// background-networking flags Chromium stalls on connections it cannot make).
const BASE_ARGS: &[&str] = &[
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
];

type Registry = Arc<Mutex<HashMap<String, Client>>>;

/// Creates WebDriver sessions on a local chromedriver (started on demand) or a remote server.
pub struct WebDriverBackend {
    url: String,
    state_dir: PathBuf,
    driver: tokio::sync::Mutex<Option<ChromeDriver>>,
    driver_group: AtomicI32,
    local: bool,
    capabilities: Map<String, Value>,
    session_create: Duration,
    live: Registry,
}

impl WebDriverBackend {
    /// Prepares the backend: checks the executables and starts chromedriver, or checks nothing
    /// for a remote server (its own browsers are its business).
    pub async fn start(config: &Config) -> BrowserResult<WebDriverBackend> {
        let wd = &config.webdriver;
        let timeouts = config.timeouts();
        let (url, driver, binary) = match &wd.remote_url {
            Some(remote) => (
                remote.trim_end_matches('/').to_string(),
                None,
                wd.binary.clone(),
            ),
            None => {
                let binary = driver::locate_browser(wd.binary.as_deref())?;
                let driver_path = driver::locate_driver(wd.driver_path.as_deref())?;
                let chromedriver =
                    ChromeDriver::start(&driver_path, Duration::from_secs(20)).await?;
                driver::record_group(&config.state_dir(), chromedriver.process_group());
                (
                    chromedriver.url().to_string(),
                    Some(chromedriver),
                    Some(binary),
                )
            }
        };
        let capabilities = build_capabilities(config, binary, &timeouts);
        let driver_group = AtomicI32::new(driver.as_ref().map_or(0, |d| d.process_group()));
        Ok(WebDriverBackend {
            url,
            state_dir: config.state_dir(),
            local: driver.is_some(),
            driver: tokio::sync::Mutex::new(driver),
            driver_group,
            capabilities,
            session_create: timeouts.session_create,
            live: Arc::new(Mutex::new(HashMap::new())),
        })
    }

    async fn create(&self) -> BrowserResult<Box<dyn Session>> {
        let mut caps = self.capabilities.clone();
        let profile = if self.local {
            let parent = self.state_dir.join(driver::PROFILES_DIR);
            let dir = std::fs::create_dir_all(&parent)
                .and_then(|()| {
                    tempfile::Builder::new()
                        .prefix("profile-")
                        .tempdir_in(&parent)
                })
                .map_err(|e| BrowserError::SessionCreate {
                    url: self.url.clone(),
                    reason: format!("cannot create a browser profile directory: {e}"),
                })?;
            push_arg(
                &mut caps,
                format!("--user-data-dir={}", dir.path().display()),
            );
            Some(dir)
        } else {
            None
        };
        let deadline = tokio::time::Instant::now() + self.session_create;
        let mut backoff = Duration::from_millis(250);
        let client = loop {
            let attempt = tokio::time::timeout_at(
                deadline,
                ClientBuilder::rustls()
                    .map_err(|e| BrowserError::SessionCreate {
                        url: self.url.clone(),
                        reason: e.to_string(),
                    })?
                    .capabilities(caps.clone())
                    .connect(&self.url),
            )
            .await;
            match attempt {
                Ok(Ok(client)) => break client,
                Ok(Err(e))
                    if is_retryable(&e) && tokio::time::Instant::now() + backoff < deadline =>
                {
                    tracing::debug!(error = %e, "session not created yet; retrying");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                }
                Ok(Err(e)) => {
                    return Err(BrowserError::SessionCreate {
                        url: self.url.clone(),
                        reason: e.to_string(),
                    })
                }
                Err(_) => {
                    return Err(BrowserError::Timeout {
                        what: format!("a new browser session at {}", self.url),
                        after: self.session_create,
                    })
                }
            }
        };
        let Some(id) = client.session_id().await.map_err(map_cmd)? else {
            // Without an id the session could not be tracked, and so not be closed for sure.
            let _ = client.close().await;
            return Err(BrowserError::SessionCreate {
                url: self.url.clone(),
                reason: "the WebDriver server answered without a session id".into(),
            });
        };
        let location = if self.local {
            None
        } else {
            grid_node_of(&client, &self.url, &id).await
        };
        if let Ok(mut live) = self.live.lock() {
            live.insert(id.clone(), client.clone());
        }
        tracing::debug!(session = %id, "browser session created");
        Ok(Box::new(WebDriverSession {
            client,
            id,
            location,
            profile,
            live: Arc::clone(&self.live),
        }))
    }
}

impl Backend for WebDriverBackend {
    fn new_session(&self) -> BoxFuture<'_, BrowserResult<Box<dyn Session>>> {
        self.create().boxed()
    }

    fn shutdown(&self) -> BoxFuture<'_, ()> {
        async move {
            let leftovers: Vec<(String, Client)> = match self.live.lock() {
                Ok(mut live) => live.drain().collect(),
                Err(_) => Vec::new(),
            };
            if !leftovers.is_empty() {
                tracing::debug!(count = leftovers.len(), "closing sessions left open");
            }
            let closes = leftovers.into_iter().map(|(id, client)| async move {
                match tokio::time::timeout(Duration::from_secs(10), client.close()).await {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => {
                        tracing::debug!(session = %id, error = %e, "session close failed")
                    }
                    Err(_) => tracing::warn!(session = %id, "session close timed out"),
                }
            });
            futures::future::join_all(closes).await;
            if let Some(driver) = self.driver.lock().await.take() {
                driver.stop().await;
                driver::forget_group(&self.state_dir);
            }
            self.driver_group.store(0, Ordering::SeqCst);
        }
        .boxed()
    }

    fn kill_now(&self) {
        driver::signal_group(self.driver_group.swap(0, Ordering::SeqCst), libc::SIGKILL);
    }
}

/// One WebDriver session.
struct WebDriverSession {
    client: Client,
    id: String,
    location: Option<String>,
    /// The session's own profile directory, removed when the session is dropped.
    profile: Option<tempfile::TempDir>,
    live: Registry,
}

impl Session for WebDriverSession {
    fn id(&self) -> &str {
        &self.id
    }

    fn location(&self) -> Option<&str> {
        self.location.as_deref()
    }

    fn goto<'a>(&'a self, url: &'a str) -> BoxFuture<'a, BrowserResult<()>> {
        async move { self.client.goto(url).await.map_err(map_cmd) }.boxed()
    }

    fn execute<'a>(
        &'a self,
        script: &'a str,
        args: Vec<Value>,
    ) -> BoxFuture<'a, BrowserResult<Value>> {
        async move { self.client.execute(script, args).await.map_err(map_cmd) }.boxed()
    }

    fn execute_async<'a>(
        &'a self,
        script: &'a str,
        args: Vec<Value>,
    ) -> BoxFuture<'a, BrowserResult<Value>> {
        async move {
            self.client
                .execute_async(script, args)
                .await
                .map_err(map_cmd)
        }
        .boxed()
    }

    fn click<'a>(&'a self, css: &'a str) -> BoxFuture<'a, BrowserResult<()>> {
        async move {
            let element = self.client.find(Locator::Css(css)).await.map_err(map_cmd)?;
            element.click().await.map_err(|e| match map_cmd(e) {
                BrowserError::ClickIntercepted { .. } => BrowserError::ClickIntercepted {
                    target: css.to_string(),
                },
                other => other,
            })
        }
        .boxed()
    }

    fn close(self: Box<Self>) -> BoxFuture<'static, BrowserResult<()>> {
        async move {
            let this = *self;
            if let Ok(mut live) = this.live.lock() {
                live.remove(&this.id);
            }
            let result =
                match tokio::time::timeout(Duration::from_secs(15), this.client.close()).await {
                    Ok(result) => result.map_err(map_cmd),
                    Err(_) => Err(BrowserError::Timeout {
                        what: "the browser session to close".into(),
                        after: Duration::from_secs(15),
                    }),
                };
            drop(this.profile);
            tracing::debug!(session = %this.id, "browser session closed");
            result
        }
        .boxed()
    }
}

/// The URI of the Grid node that runs session `id`, read from the Grid's `/status` (Selenium
/// Grid 4 lists every node's slots with the session each holds). `None` for a server that is
/// not a Grid or does not say.
async fn grid_node_of(client: &Client, server: &str, id: &str) -> Option<String> {
    use http_body_util::BodyExt;
    let mut request = client.raw_request();
    request
        .url(&format!("{server}/status"))
        .skip_cookie_navigation();
    let response = tokio::time::timeout(Duration::from_secs(5), request.send())
        .await
        .ok()?
        .ok()?;
    let body = response.into_body().collect().await.ok()?.to_bytes();
    let status: Value = serde_json::from_slice(&body).ok()?;
    node_holding(&status, id)
}

/// Finds the node whose slots hold session `id` in a Grid `/status` document.
fn node_holding(status: &Value, id: &str) -> Option<String> {
    status["value"]["nodes"]
        .as_array()?
        .iter()
        .find(|node| {
            node["slots"].as_array().is_some_and(|slots| {
                slots
                    .iter()
                    .any(|slot| slot["session"]["sessionId"].as_str() == Some(id))
            })
        })
        .and_then(|node| node["uri"].as_str())
        .map(str::to_string)
}

/// The new-session capabilities: Wyrm's Chromium flags, the user's extra arguments and
/// capabilities, and session timeouts that leave the condition waits in charge.
fn build_capabilities(
    config: &Config,
    binary: Option<PathBuf>,
    timeouts: &Timeouts,
) -> Map<String, Value> {
    let wd = &config.webdriver;
    let mut args: Vec<String> = BASE_ARGS.iter().map(|s| s.to_string()).collect();
    if wd.headless {
        args.push("--headless".into());
    }
    args.push(format!(
        "--window-size={},{}",
        wd.window_width, wd.window_height
    ));
    args.extend(wd.args.iter().cloned());
    let mut chrome = json!({ "args": args });
    if let Some(binary) = binary {
        chrome["binary"] = Value::String(binary.display().to_string());
    }
    // A backstop only: every in-page wait has its own deadline, and one opening script waits
    // for the loader, the pane and the response tabs, each bounded by `content_wait`.
    let script_ms = (timeouts.content_wait * 3 + Duration::from_secs(30)).as_millis() as u64;
    let mut caps = Map::new();
    caps.insert("browserName".into(), json!("chrome"));
    caps.insert(
        "timeouts".into(),
        json!({ "script": script_ms, "pageLoad": timeouts.navigation.as_millis() as u64 }),
    );
    caps.insert("goog:chromeOptions".into(), chrome);
    merge_json(&mut caps, &wd.capabilities);
    caps
}

/// Deep-merges `extra` into `base` (objects merge key by key; anything else replaces).
fn merge_json(base: &mut Map<String, Value>, extra: &Map<String, Value>) {
    for (key, value) in extra {
        match (base.get_mut(key), value) {
            (Some(Value::Object(b)), Value::Object(e)) => merge_json(b, e),
            (Some(Value::Array(b)), Value::Array(e)) if key == "args" => {
                b.extend(e.iter().cloned())
            }
            _ => {
                base.insert(key.clone(), value.clone());
            }
        }
    }
}

fn push_arg(caps: &mut Map<String, Value>, arg: String) {
    if let Some(Value::Array(args)) = caps
        .get_mut("goog:chromeOptions")
        .and_then(|c| c.get_mut("args"))
    {
        args.push(Value::String(arg));
    }
}

/// A Grid answers "session not created" while all its slots are busy; that is worth retrying.
fn is_retryable(e: &NewSessionError) -> bool {
    match e {
        NewSessionError::SessionNotCreated(wd) => {
            let msg = wd.message.to_ascii_lowercase();
            !(msg.contains("cannot find") || msg.contains("no such file") || msg.contains("binary"))
        }
        NewSessionError::Lost(_) | NewSessionError::Failed(_) => true,
        _ => false,
    }
}

/// Maps fantoccini's errors onto the distinctions Wyrm acts on.
fn map_cmd(e: CmdError) -> BrowserError {
    match e {
        CmdError::Standard(wd) => {
            let message = wd.message.to_string();
            match wd.error {
                ErrorStatus::ElementClickIntercepted => {
                    BrowserError::ClickIntercepted { target: message }
                }
                ErrorStatus::NoSuchElement => BrowserError::NoSuchElement(message),
                ErrorStatus::JavascriptError => BrowserError::Script(message),
                ErrorStatus::ScriptTimeout | ErrorStatus::Timeout => {
                    BrowserError::DriverTimeout(message)
                }
                ErrorStatus::InvalidSessionId
                | ErrorStatus::NoSuchWindow
                | ErrorStatus::SessionNotCreated => BrowserError::SessionLost(message),
                _ if is_lost_message(&message) => BrowserError::SessionLost(message),
                _ => BrowserError::Other(message),
            }
        }
        // Transport failures and answers that are not WebDriver at all (a Grid relaying a dead
        // node says "Connection failure") leave the session unusable.
        CmdError::Failed(_) | CmdError::FailedC(_) | CmdError::Lost(_) | CmdError::NotW3C(_) => {
            BrowserError::SessionLost(e.to_string())
        }
        other => BrowserError::Other(other.to_string()),
    }
}

fn is_lost_message(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    [
        "chrome not reachable",
        "disconnected",
        "session deleted",
        "tab crashed",
        "target crashed",
        "no such session",
        "target window already closed",
    ]
    .iter()
    .any(|needle| m.contains(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capabilities_carry_flags_binary_and_user_extras() {
        let mut config = Config::default();
        config.webdriver.args = vec!["--lang=de".into()];
        config.webdriver.capabilities = serde_json::from_value(json!({
            "goog:chromeOptions": { "args": ["--mute-audio"] },
            "se:name": "wyrm"
        }))
        .unwrap();
        let caps = build_capabilities(
            &config,
            Some(PathBuf::from("/usr/bin/chromium")),
            &config.timeouts(),
        );
        let args = caps["goog:chromeOptions"]["args"].as_array().unwrap();
        for flag in [
            "--headless",
            "--disable-background-networking",
            "--lang=de",
            "--mute-audio",
        ] {
            assert!(
                args.iter().any(|a| a == flag),
                "{flag} missing from {args:?}"
            );
        }
        assert_eq!(caps["goog:chromeOptions"]["binary"], "/usr/bin/chromium");
        assert_eq!(caps["se:name"], "wyrm");
    }

    #[test]
    fn the_grid_node_holding_a_session_is_found_in_the_status_document() {
        let status = json!({ "value": { "ready": true, "nodes": [
            { "uri": "http://127.0.0.1:5555", "slots": [ { "session": null } ] },
            { "uri": "http://127.0.0.1:5556", "slots": [
                { "session": { "sessionId": "other" } },
                { "session": { "sessionId": "abc" } } ] }
        ] } });
        assert_eq!(
            node_holding(&status, "abc").as_deref(),
            Some("http://127.0.0.1:5556")
        );
        assert_eq!(node_holding(&status, "nope"), None);
        assert_eq!(
            node_holding(&json!({ "value": { "ready": true } }), "abc"),
            None
        );
    }

    #[test]
    fn visible_mode_drops_headless() {
        let mut config = Config::default();
        config.webdriver.headless = false;
        let caps = build_capabilities(&config, None, &config.timeouts());
        let args = caps["goog:chromeOptions"]["args"].as_array().unwrap();
        assert!(!args.iter().any(|a| a == "--headless"));
        assert!(caps["goog:chromeOptions"].get("binary").is_none());
    }
}
