//! The bundled sample portal: a small click-driven documentation site, served from memory by a
//! local HTTP server, used by `wyrm demo` and by the end-to-end tests.
//!
//! The site imitates the markup and the behaviour of Wyrm's default target (see the default
//! [`crate::config::SiteProfile`]): a sidebar whose menus only put their children in the DOM once
//! expanded, items without links that load their page through `fetch` when clicked, a full-page
//! loader overlay that intercepts clicks, a content pane that keeps the old page until the new
//! one has rendered (in two steps), and response tabs that render one panel at a time.
//! [`DemoOptions`] adds latency and per-item faults so scrapers can be tested against slow and
//! broken portals.
//!
//! - [`content`]: the generated pages (pure Rust, the single source of truth).
//! - [`server`]: the HTTP server and its request statistics.
//! - [`markup`]: sidebar entries in the portal's markup, for tests and benchmarks.
//! - `assets/`: the browser app (HTML, JavaScript, CSS), compiled into the binary.

pub mod content;
pub mod markup;
pub mod server;

use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;

pub use content::{demo_pages, marker_for, DemoPage};
pub use server::{DemoServer, DemoStats};

/// How the demo server behaves.
#[derive(Debug, Clone, Default)]
pub struct DemoOptions {
    /// Added to every `/api/pages/<id>` response, to imitate a slow back end.
    pub latency: Duration,
    /// Added to the `/api/sidebar` response, to imitate a slow first render.
    pub sidebar_latency: Duration,
    /// That many generated endpoint pages are added (in two extra menus), for benchmarks.
    pub extra_pages: usize,
    /// Where header dividers sit relative to the entries they title.
    pub layout: DemoLayout,
    /// Misbehaviour per item id. Ids that are not in the portal are ignored.
    pub faults: HashMap<String, Fault>,
    /// The app never renders the sidebar (its wrapper element never appears).
    pub sidebar_missing: bool,
    /// The app opens its first page as soon as the sidebar is rendered, as portals that land on
    /// an overview page do: clicking that item then leaves the pane as it is.
    pub opens_first_page: bool,
}

impl DemoOptions {
    /// Adds a fault for one item; convenient when building options from command-line pairs.
    pub fn with_fault(mut self, id: impl Into<String>, fault: Fault) -> Self {
        self.faults.insert(id.into(), fault);
        self
    }
}

/// Where the sidebar puts its header dividers; the real portal has used both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DemoLayout {
    /// Newer portals: each header comes before the entries it titles.
    #[default]
    HeaderFirst,
    /// Older portals: the entries come first and their header divider follows them.
    Trailing,
}

impl FromStr for DemoLayout {
    type Err = ParseDemoError;

    /// Accepts `header-first` / `header_first` and `trailing`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "header-first" => Ok(DemoLayout::HeaderFirst),
            "trailing" | "trailing-header" => Ok(DemoLayout::Trailing),
            _ => Err(ParseDemoError::Layout(text.to_owned())),
        }
    }
}

/// A deliberate misbehaviour of one item, to test how a scraper copes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The first n page requests for the item answer HTTP 500; later ones succeed. The count is
    /// kept apart from [`DemoStats`], so [`DemoServer::reset_stats`] does not re-arm it.
    FailTimes(u32),
    /// Every page request answers HTTP 500.
    AlwaysFail,
    /// The page request never answers (until the server shuts down); the loader stays up.
    Hang,
    /// The page request succeeds, but the app leaves the content pane unchanged.
    NoUpdate,
    /// The click handler throws an uncaught JavaScript error before any request is made.
    ScriptError,
}

impl FromStr for Fault {
    type Err = ParseDemoError;

    /// Accepts `fail:N` (or `fail-times:N`), `always-fail`, `hang`, `no-update` and
    /// `script-error`; underscores work in place of dashes.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let normalized = text.trim().to_ascii_lowercase().replace('_', "-");
        if let Some(count) = normalized
            .strip_prefix("fail-times:")
            .or_else(|| normalized.strip_prefix("fail:"))
        {
            return count
                .trim()
                .parse()
                .map(Fault::FailTimes)
                .map_err(|_| ParseDemoError::Fault(text.to_owned()));
        }
        match normalized.as_str() {
            "always-fail" => Ok(Fault::AlwaysFail),
            "hang" => Ok(Fault::Hang),
            "no-update" => Ok(Fault::NoUpdate),
            "script-error" => Ok(Fault::ScriptError),
            _ => Err(ParseDemoError::Fault(text.to_owned())),
        }
    }
}

/// A demo option that could not be parsed from text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseDemoError {
    #[error("unknown demo layout {0:?} (expected header-first or trailing)")]
    Layout(String),
    #[error(
        "unknown demo fault {0:?} (expected fail:N, always-fail, hang, no-update or script-error)"
    )]
    Fault(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_parse_from_text() {
        assert_eq!("fail:3".parse(), Ok(Fault::FailTimes(3)));
        assert_eq!("fail_times:1".parse(), Ok(Fault::FailTimes(1)));
        assert_eq!("always-fail".parse(), Ok(Fault::AlwaysFail));
        assert_eq!("HANG".parse(), Ok(Fault::Hang));
        assert_eq!("no_update".parse(), Ok(Fault::NoUpdate));
        assert_eq!("script-error".parse(), Ok(Fault::ScriptError));
        assert!("fail:x".parse::<Fault>().is_err());
        assert!("explode".parse::<Fault>().is_err());
    }

    #[test]
    fn layouts_parse_from_text() {
        assert_eq!("header-first".parse(), Ok(DemoLayout::HeaderFirst));
        assert_eq!("trailing".parse(), Ok(DemoLayout::Trailing));
        assert!("sideways".parse::<DemoLayout>().is_err());
    }

    #[test]
    fn defaults_are_quiet() {
        let options = DemoOptions::default();
        assert_eq!(options.latency, Duration::ZERO);
        assert_eq!(options.extra_pages, 0);
        assert_eq!(options.layout, DemoLayout::HeaderFirst);
        assert!(options.faults.is_empty());
        assert!(!options.sidebar_missing);
        assert!(!options.opens_first_page);
    }
}
