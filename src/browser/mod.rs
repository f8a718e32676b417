//! The browser, behind a small interface of Wyrm's own.
//!
//! Sidebar, page and orchestration code only see [`Session`] (one live browser session) and
//! [`Backend`] (something that creates sessions and cleans up after them). The W3C WebDriver
//! implementation lives in [`webdriver`]; a Chrome DevTools Protocol backend could be added
//! beside it without touching the callers. [`pool`] hands sessions to workers.

pub mod driver;
pub mod pool;
pub mod webdriver;

use std::time::Duration;

use futures::future::BoxFuture;
use serde_json::Value;

pub use pool::{PoolStats, SessionPool};
pub use webdriver::WebDriverBackend;

/// What went wrong talking to a browser. The variants let callers decide: a dead session is
/// replaced, a timeout is retried, a missing executable ends the run with an install hint.
#[derive(Debug, thiserror::Error)]
pub enum BrowserError {
    #[error("{what} not found: {hint}")]
    NotInstalled { what: &'static str, hint: String },
    #[error("could not start chromedriver ({path}): {reason}")]
    DriverStart { path: String, reason: String },
    #[error("could not create a browser session at {url}: {reason}")]
    SessionCreate { url: String, reason: String },
    #[error("timed out after {:.1}s waiting for {what}", .after.as_secs_f64())]
    Timeout { what: String, after: Duration },
    /// The browser's own limit (page load or script timeout) ran out.
    #[error("the browser timed out: {0}")]
    DriverTimeout(String),
    #[error("the click on {target} was intercepted by another element")]
    ClickIntercepted { target: String },
    #[error("no element matches {0}")]
    NoSuchElement(String),
    #[error("script failed: {0}")]
    Script(String),
    /// The browser or its session is gone (crashed, deleted, node lost): the session is unusable.
    #[error("the browser session is gone: {0}")]
    SessionLost(String),
    #[error("WebDriver error: {0}")]
    Other(String),
}

impl BrowserError {
    /// Whether the session that produced this error must be thrown away.
    pub fn session_is_broken(&self) -> bool {
        matches!(self, BrowserError::SessionLost(_))
    }
}

pub type BrowserResult<T> = Result<T, BrowserError>;

/// One browser session used by one task at a time.
///
/// Most work is done with [`Session::execute`]: one round trip that runs a script in the page is
/// much faster than many element look-ups, and keeps the DOM logic next to the selectors.
pub trait Session: Send + Sync {
    /// The backend's session id (for logs).
    fn id(&self) -> &str;
    /// Where the session runs (a Grid node URI), when the backend knows.
    fn location(&self) -> Option<&str>;
    /// Loads `url` and waits for the document to load.
    fn goto<'a>(&'a self, url: &'a str) -> BoxFuture<'a, BrowserResult<()>>;
    /// Runs a synchronous script (`arguments[i]` are `args`) and returns its result.
    fn execute<'a>(
        &'a self,
        script: &'a str,
        args: Vec<Value>,
    ) -> BoxFuture<'a, BrowserResult<Value>>;
    /// Runs an asynchronous script: its last argument is a callback to call with the result.
    fn execute_async<'a>(
        &'a self,
        script: &'a str,
        args: Vec<Value>,
    ) -> BoxFuture<'a, BrowserResult<Value>>;
    /// A real (pointer) click on the first element matching the CSS selector, as a user would.
    fn click<'a>(&'a self, css: &'a str) -> BoxFuture<'a, BrowserResult<()>>;
    /// Ends the session and releases everything it holds (browser process, profile directory).
    fn close(self: Box<Self>) -> BoxFuture<'static, BrowserResult<()>>;
}

/// Creates sessions and guarantees that none outlives [`Backend::shutdown`].
pub trait Backend: Send + Sync {
    /// Creates a new, isolated session.
    fn new_session(&self) -> BoxFuture<'_, BrowserResult<Box<dyn Session>>>;
    /// Closes every session still open and stops every process the backend started.
    fn shutdown(&self) -> BoxFuture<'_, ()>;
    /// Stops every process at once, without talking to the browsers (second Ctrl-C).
    fn kill_now(&self);
}
