//! Wyrm turns documentation portals — including JavaScript portals whose pages load only when a
//! sidebar item is clicked — into a clean Markdown folder tree.
//!
//! The crate is a library with a thin binary on top. Each module owns one concern:
//!
//! - [`config`]: `config.yaml`, defaults, validation and CLI overrides.
//! - [`browser`]: the WebDriver session interface, chromedriver and the session pool.
//! - [`sidebar`]: the sidebar tree — pure parsing, discovery in a browser, and the cache.
//! - [`page`]: opening one item in a session and extracting its content pane.
//! - [`markdown`]: HTML → Markdown.
//! - [`storage`]: slugs, output paths and atomic writes.
//! - [`journal`]: the crash-safe record of every finished item, for resume.
//! - [`orchestrator`]: gathering items and scraping them concurrently.
//! - [`progress`], [`logging`]: the progress display and the tracing setup.
//! - [`cli`]: every flag, the exit codes and the summary (the binary only calls it).
//! - [`error`]: the error types in one place.
//! - [`demo`]: the bundled sample portal used by `wyrm demo` and the tests.

pub mod browser;
pub mod cli;
pub mod config;
pub mod demo;
pub mod error;
pub mod journal;
pub mod logging;
pub mod markdown;
pub mod orchestrator;
pub mod page;
pub mod progress;
pub mod sidebar;
pub mod storage;
