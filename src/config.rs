//! Configuration: `config.yaml`, its defaults, validation and command-line overrides.
//!
//! Loading is three plain steps so each can be tested without a browser: parse the YAML into
//! [`Config`] (unknown keys are errors), apply [`Overrides`] from the command line, then
//! [`Config::validate`] every value, naming the key path, the value and the rule it broke.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Why a configuration could not be used. Every variant names what the user must change.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("config file {path} not found (pass --config FILE, or --url URL to run without one)")]
    NotFound { path: PathBuf },
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {path} is empty (it needs at least `target_url:`; see the shipped config.yaml)")]
    Empty { path: PathBuf },
    #[error("config file {path} is not valid: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("invalid config value for `{key}`: {value} — {rule}")]
    Invalid {
        key: String,
        value: String,
        rule: String,
    },
    #[error("`target_url` is not set (put it in the config file or pass --url URL)")]
    MissingTargetUrl,
}

impl ConfigError {
    fn invalid(key: &str, value: impl std::fmt::Display, rule: &str) -> Self {
        ConfigError::Invalid {
            key: key.to_string(),
            value: value.to_string(),
            rule: rule.to_string(),
        }
    }
}

/// The whole configuration, as `config.yaml` spells it. Every key but `target_url` has a default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// The documentation portal's entry page (http or https).
    pub target_url: Option<String>,
    /// Root of the Markdown tree; Wyrm's own state lives in `<output_directory>/.wyrm/`.
    pub output_directory: PathBuf,
    /// JSON-lines log file.
    pub log_file: PathBuf,
    /// Console and file log level.
    pub log_level: LogLevel,
    pub webdriver: WebDriverConfig,
    pub delays: Delays,
    pub behavior: Behavior,
    /// The selector profile of the target site.
    pub site: SiteProfile,
    pub debug_settings: DebugSettings,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            target_url: None,
            output_directory: PathBuf::from("output"),
            log_file: PathBuf::from("logs/wyrm.log"),
            log_level: LogLevel::Info,
            webdriver: WebDriverConfig::default(),
            delays: Delays::default(),
            behavior: Behavior::default(),
            site: SiteProfile::default(),
            debug_settings: DebugSettings::default(),
        }
    }
}

/// Log levels in the spelling users of the earlier tool know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "UPPERCASE")]
pub enum LogLevel {
    #[serde(alias = "debug", alias = "Debug", alias = "TRACE", alias = "trace")]
    Debug,
    #[default]
    #[serde(alias = "info", alias = "Info")]
    Info,
    #[serde(alias = "warning", alias = "Warning", alias = "WARN", alias = "warn")]
    Warning,
    #[serde(alias = "error", alias = "Error")]
    Error,
    #[serde(alias = "critical", alias = "Critical")]
    Critical,
}

impl std::str::FromStr for LogLevel {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_uppercase().as_str() {
            "DEBUG" | "TRACE" => Ok(LogLevel::Debug),
            "INFO" => Ok(LogLevel::Info),
            "WARNING" | "WARN" => Ok(LogLevel::Warning),
            "ERROR" => Ok(LogLevel::Error),
            "CRITICAL" => Ok(LogLevel::Critical),
            _ => Err(format!(
                "`{s}` is not a log level (DEBUG, INFO, WARNING, ERROR or CRITICAL)"
            )),
        }
    }
}

impl LogLevel {
    /// The `tracing` filter directive for this level (CRITICAL has no own level: it maps to ERROR).
    pub fn as_filter(self) -> &'static str {
        match self {
            LogLevel::Debug => "debug",
            LogLevel::Info => "info",
            LogLevel::Warning => "warn",
            LogLevel::Error | LogLevel::Critical => "error",
        }
    }
}

/// Which browser Wyrm drives; Chromium speaks the same protocol as Chrome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum BrowserKind {
    #[default]
    #[serde(alias = "chromium", alias = "Chrome", alias = "Chromium")]
    Chrome,
}

/// How to reach a browser.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebDriverConfig {
    pub browser: BrowserKind,
    pub headless: bool,
    /// The browser executable; `None` finds `chromium` / `chrome` on PATH.
    pub binary: Option<PathBuf>,
    /// The chromedriver executable; `None` finds it on PATH.
    pub driver_path: Option<PathBuf>,
    /// A WebDriver server (e.g. a Selenium Grid) to use instead of starting chromedriver.
    pub remote_url: Option<String>,
    pub window_width: u32,
    pub window_height: u32,
    /// Extra browser arguments, appended to Wyrm's own.
    pub args: Vec<String>,
    /// Extra capabilities merged into every new-session request (e.g. Grid node selection).
    pub capabilities: serde_json::Map<String, serde_json::Value>,
}

impl Default for WebDriverConfig {
    fn default() -> Self {
        Self {
            browser: BrowserKind::Chrome,
            headless: true,
            binary: None,
            driver_path: None,
            remote_url: None,
            window_width: 1920,
            window_height: 1080,
            args: Vec::new(),
            capabilities: serde_json::Map::new(),
        }
    }
}

/// Upper bounds, in seconds, for condition waits. None of them is ever slept: each bounds a wait
/// for something observable (an element, a changed and settled pane), so a fast site is fast.
/// The `_noheadless` variants replace their twin when `webdriver.headless` is false (a visible
/// browser renders slower).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Delays {
    pub navigation: f64,
    pub sidebar_wait: f64,
    pub expand_menu: f64,
    pub post_expand_settle: f64,
    pub content_wait: f64,
    /// How long the pane must stay unchanged before its content counts as final.
    pub content_settle: f64,
    /// Deadline for creating one browser session (a Grid may queue the request).
    pub session_create: f64,
    pub navigation_noheadless: Option<f64>,
    pub sidebar_wait_noheadless: Option<f64>,
    pub expand_menu_noheadless: Option<f64>,
    pub post_expand_settle_noheadless: Option<f64>,
    pub content_wait_noheadless: Option<f64>,
}

impl Default for Delays {
    fn default() -> Self {
        Self {
            navigation: 30.0,
            sidebar_wait: 30.0,
            expand_menu: 5.0,
            post_expand_settle: 0.1,
            content_wait: 30.0,
            content_settle: 0.05,
            session_create: 60.0,
            navigation_noheadless: None,
            sidebar_wait_noheadless: None,
            expand_menu_noheadless: None,
            post_expand_settle_noheadless: None,
            content_wait_noheadless: None,
        }
    }
}

/// The delays resolved for the chosen headless mode, as durations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    pub navigation: Duration,
    pub sidebar_wait: Duration,
    pub expand_menu: Duration,
    pub post_expand_settle: Duration,
    pub content_wait: Duration,
    pub content_settle: Duration,
    pub session_create: Duration,
}

/// How sessions are given to workers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SessionMode {
    /// Reuse up to `max_concurrent_tasks` warm sessions, one task at a time each.
    #[default]
    Pooled,
    /// A fresh browser for every item, closed afterwards.
    PerItem,
}

/// The largest concurrency Wyrm accepts; beyond it a typo is likelier than intent.
pub const MAX_CONCURRENCY: usize = 64;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Behavior {
    /// Passes over the sidebar when expanding collapsed menus.
    pub max_expand_attempts: u32,
    /// Number of items to scrape at the same time.
    pub max_concurrent_tasks: i64,
    /// Skip items whose output file exists (resume).
    pub skip_existing: bool,
    /// Ignore the cached sidebar structure and expand the sidebar again.
    pub force_full_expansion: bool,
    pub session_mode: SessionMode,
    /// A pooled session is replaced after this many items (bounds browser memory growth).
    pub recycle_after: u32,
    /// Minimum gap, in seconds, between two item starts (a rate limit on the target).
    pub task_start_delay: f64,
    /// Retries per item after the first attempt, each on a fresh session.
    pub max_retries: u32,
    /// First retry backoff in seconds; doubles per retry.
    pub retry_backoff: f64,
    /// After the first Ctrl-C, how long in-flight items may take to finish, in seconds.
    pub shutdown_grace: f64,
}

impl Default for Behavior {
    fn default() -> Self {
        Self {
            max_expand_attempts: 10,
            max_concurrent_tasks: 5,
            skip_existing: true,
            force_full_expansion: false,
            session_mode: SessionMode::Pooled,
            recycle_after: 100,
            task_start_delay: 0.2,
            max_retries: 2,
            retry_backoff: 0.5,
            shutdown_grace: 10.0,
        }
    }
}

impl Behavior {
    /// The validated concurrency as a count (call after [`Config::validate`]).
    pub fn concurrency(&self) -> usize {
        self.max_concurrent_tasks.clamp(1, MAX_CONCURRENCY as i64) as usize
    }
}

/// Where `--debug` and `--save-*` put their artefacts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DebugSettings {
    pub output_directory: PathBuf,
    pub save_structure_filename: String,
    pub save_html_filename: String,
    /// With a visible browser, keep it open this long after discovery so a person can look.
    pub non_headless_pause_seconds: f64,
}

impl Default for DebugSettings {
    fn default() -> Self {
        Self {
            output_directory: PathBuf::from("debug"),
            save_structure_filename: "sidebar_structure.json".into(),
            save_html_filename: "sidebar.html".into(),
            non_headless_pause_seconds: 0.0,
        }
    }
}

/// Values from the command line; each `Some` replaces the file's value.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overrides {
    pub target_url: Option<String>,
    pub output_directory: Option<PathBuf>,
    pub log_level: Option<LogLevel>,
    pub headless: Option<bool>,
    pub concurrency: Option<i64>,
    pub max_expand_attempts: Option<u32>,
    pub force_full_expansion: Option<bool>,
    pub remote_url: Option<String>,
    pub session_mode: Option<SessionMode>,
    pub max_retries: Option<u32>,
}

impl Config {
    /// Parses YAML text; `origin` names the file in errors.
    pub fn from_yaml(text: &str, origin: &Path) -> Result<Config, ConfigError> {
        if text.trim().is_empty() {
            return Err(ConfigError::Empty {
                path: origin.to_path_buf(),
            });
        }
        // Two steps: the YAML parser reports syntax errors with a line and a snippet; then
        // serde_path_to_error names the key path of a wrong type or an unknown key.
        let value: serde_json::Value =
            serde_saphyr::from_str(text).map_err(|e| ConfigError::Parse {
                path: origin.to_path_buf(),
                message: e.to_string(),
            })?;
        if !value.is_object() {
            return Err(ConfigError::Parse {
                path: origin.to_path_buf(),
                message: "the file must be a mapping of keys to values (`target_url: …`), as in the shipped config.yaml".into(),
            });
        }
        serde_path_to_error::deserialize(value).map_err(|e| {
            let key = e.path().to_string();
            ConfigError::Parse {
                path: origin.to_path_buf(),
                message: if key == "." {
                    e.inner().to_string()
                } else {
                    format!("`{key}`: {}", e.inner())
                },
            }
        })
    }

    /// Reads the config file, or falls back to defaults when the file is absent but the command
    /// line supplies a target URL (so `wyrm --url …` needs no file). An explicitly named file
    /// must exist.
    pub fn load(path: &Path, explicit: bool, overrides: &Overrides) -> Result<Config, ConfigError> {
        let mut config = match std::fs::read_to_string(path) {
            Ok(text) if text.trim().is_empty() && overrides.target_url.is_some() && !explicit => {
                Config::default()
            }
            Ok(text) => Config::from_yaml(&text, path)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if explicit || overrides.target_url.is_none() {
                    return Err(ConfigError::NotFound {
                        path: path.to_path_buf(),
                    });
                }
                Config::default()
            }
            Err(source) => {
                return Err(ConfigError::Read {
                    path: path.to_path_buf(),
                    source,
                })
            }
        };
        config.apply(overrides);
        config.validate()?;
        Ok(config)
    }

    /// Applies command-line overrides on top of the file's values.
    pub fn apply(&mut self, o: &Overrides) {
        if let Some(v) = &o.target_url {
            self.target_url = Some(v.clone());
        }
        if let Some(v) = &o.output_directory {
            self.output_directory = v.clone();
        }
        if let Some(v) = o.log_level {
            self.log_level = v;
        }
        if let Some(v) = o.headless {
            self.webdriver.headless = v;
        }
        if let Some(v) = o.concurrency {
            self.behavior.max_concurrent_tasks = v;
        }
        if let Some(v) = o.max_expand_attempts {
            self.behavior.max_expand_attempts = v;
        }
        if let Some(v) = o.force_full_expansion {
            self.behavior.force_full_expansion = v;
        }
        if let Some(v) = &o.remote_url {
            self.webdriver.remote_url = Some(v.clone());
        }
        if let Some(v) = o.session_mode {
            self.behavior.session_mode = v;
        }
        if let Some(v) = o.max_retries {
            self.behavior.max_retries = v;
        }
    }

    /// Checks every value; the error names the key path, the value and the rule.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let url = self
            .target_url
            .as_deref()
            .ok_or(ConfigError::MissingTargetUrl)?;
        validate_http_url("target_url", url)?;
        if let Some(remote) = &self.webdriver.remote_url {
            validate_http_url("webdriver.remote_url", remote)?;
        }
        if self.output_directory.as_os_str().is_empty() {
            return Err(ConfigError::invalid(
                "output_directory",
                "\"\"",
                "must name a directory",
            ));
        }
        for (key, value) in [
            ("webdriver.window_width", self.webdriver.window_width),
            ("webdriver.window_height", self.webdriver.window_height),
        ] {
            if !(100..=10_000).contains(&value) {
                return Err(ConfigError::invalid(
                    key,
                    value,
                    "must be between 100 and 10000 pixels",
                ));
            }
        }
        self.delays.validate()?;
        self.behavior.validate()?;
        check_seconds(
            "debug_settings.non_headless_pause_seconds",
            self.debug_settings.non_headless_pause_seconds,
        )?;
        crate::sidebar::validate_profile(&self.site).map_err(|e| match e {
            crate::sidebar::SidebarError::InvalidSelector {
                key,
                selector,
                reason,
            } => ConfigError::invalid(
                key,
                format!("{selector:?}"),
                &format!("must be a valid CSS selector ({reason})"),
            ),
            other => ConfigError::invalid("site", "", &other.to_string()),
        })?;
        Ok(())
    }

    /// The validated target URL.
    pub fn target_url(&self) -> &str {
        self.target_url.as_deref().unwrap_or_default()
    }

    /// The delays for the configured headless mode.
    pub fn timeouts(&self) -> Timeouts {
        self.delays.resolve(self.webdriver.headless)
    }

    /// Wyrm's private state directory inside the output tree.
    pub fn state_dir(&self) -> PathBuf {
        self.output_directory.join(crate::storage::STATE_DIR_NAME)
    }
}

impl Delays {
    fn validate(&self) -> Result<(), ConfigError> {
        let required = [
            ("delays.navigation", self.navigation),
            ("delays.sidebar_wait", self.sidebar_wait),
            ("delays.expand_menu", self.expand_menu),
            ("delays.post_expand_settle", self.post_expand_settle),
            ("delays.content_wait", self.content_wait),
            ("delays.content_settle", self.content_settle),
            ("delays.session_create", self.session_create),
        ];
        let optional = [
            ("delays.navigation_noheadless", self.navigation_noheadless),
            (
                "delays.sidebar_wait_noheadless",
                self.sidebar_wait_noheadless,
            ),
            ("delays.expand_menu_noheadless", self.expand_menu_noheadless),
            (
                "delays.post_expand_settle_noheadless",
                self.post_expand_settle_noheadless,
            ),
            (
                "delays.content_wait_noheadless",
                self.content_wait_noheadless,
            ),
        ];
        for (key, value) in required {
            check_seconds(key, value)?;
        }
        for (key, value) in optional {
            if let Some(value) = value {
                check_seconds(key, value)?;
            }
        }
        Ok(())
    }

    fn resolve(&self, headless: bool) -> Timeouts {
        let pick = |base: f64, visible: Option<f64>| {
            let secs = if headless {
                base
            } else {
                visible.unwrap_or(base)
            };
            Duration::from_secs_f64(secs)
        };
        Timeouts {
            navigation: pick(self.navigation, self.navigation_noheadless),
            sidebar_wait: pick(self.sidebar_wait, self.sidebar_wait_noheadless),
            expand_menu: pick(self.expand_menu, self.expand_menu_noheadless),
            post_expand_settle: pick(self.post_expand_settle, self.post_expand_settle_noheadless),
            content_wait: pick(self.content_wait, self.content_wait_noheadless),
            content_settle: Duration::from_secs_f64(self.content_settle),
            session_create: Duration::from_secs_f64(self.session_create),
        }
    }
}

impl Behavior {
    fn validate(&self) -> Result<(), ConfigError> {
        if self.max_expand_attempts == 0 {
            return Err(ConfigError::invalid(
                "behavior.max_expand_attempts",
                0,
                "must be greater than 0",
            ));
        }
        let n = self.max_concurrent_tasks;
        if n < 1 {
            return Err(ConfigError::invalid(
                "behavior.max_concurrent_tasks",
                n,
                "must be at least 1 (it is the number of items scraped at the same time)",
            ));
        }
        if n > MAX_CONCURRENCY as i64 {
            return Err(ConfigError::invalid(
                "behavior.max_concurrent_tasks",
                n,
                &format!(
                    "must be at most {MAX_CONCURRENCY}: every task drives its own browser, and more would exhaust the machine or hammer the site"
                ),
            ));
        }
        if self.recycle_after == 0 {
            return Err(ConfigError::invalid(
                "behavior.recycle_after",
                0,
                "must be at least 1 item per session",
            ));
        }
        if self.max_retries > 20 {
            return Err(ConfigError::invalid(
                "behavior.max_retries",
                self.max_retries,
                "must be at most 20",
            ));
        }
        check_seconds("behavior.task_start_delay", self.task_start_delay)?;
        check_seconds("behavior.retry_backoff", self.retry_backoff)?;
        check_seconds("behavior.shutdown_grace", self.shutdown_grace)?;
        Ok(())
    }
}

/// A duration in seconds must be finite, ≥ 0 and below a day (a larger one is a unit mistake).
fn check_seconds(key: &str, value: f64) -> Result<(), ConfigError> {
    if !value.is_finite() || value < 0.0 {
        return Err(ConfigError::invalid(
            key,
            value,
            "must be a number of seconds ≥ 0",
        ));
    }
    if value > 86_400.0 {
        return Err(ConfigError::invalid(
            key,
            value,
            "must be at most 86400 seconds (one day)",
        ));
    }
    Ok(())
}

fn validate_http_url(key: &str, value: &str) -> Result<(), ConfigError> {
    match url::Url::parse(value) {
        Ok(u) if (u.scheme() == "http" || u.scheme() == "https") && u.host().is_some() => Ok(()),
        Ok(_) => Err(ConfigError::invalid(
            key,
            value,
            "must be an http:// or https:// URL with a host",
        )),
        Err(e) => Err(ConfigError::invalid(
            key,
            value,
            &format!("is not a valid URL ({e})"),
        )),
    }
}

/// How the sidebar places its header dividers relative to the entries they title.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// Decide from the markup (more id-less entries than id'd ones plus dividers → trailing).
    #[default]
    Auto,
    /// Newer portals: a header divider comes before the entries it titles.
    HeaderFirst,
    /// Older portals: entries come first and their header divider follows them.
    TrailingHeader,
}

/// How Wyrm clicks sidebar entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ClickMode {
    /// Dispatch the pointer and click events in the page after the loader is gone: one round
    /// trip per click (a WebDriver element click costs 150–400 ms in chromedriver on its own).
    #[default]
    Js,
    /// A WebDriver element click (real pointer input), for sites whose handlers need trusted
    /// events; a click the loader overlay intercepts is retried once the overlay is gone.
    Native,
}

/// The selector profile of one documentation site. Everything portal-specific lives here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SiteProfile {
    /// The element that contains the whole sidebar; waited for after navigation.
    pub sidebar: String,
    /// The root list inside `sidebar` whose direct children are walked in order.
    pub sidebar_root: String,
    /// An entry that is a header divider (group title).
    pub header: String,
    /// Inside a header entry: the element whose text is the group title (falls back to the entry's text).
    pub header_text: String,
    /// An entry that is a page item. Items are identified by their `id` attribute.
    pub item: String,
    /// Inside an item: the element holding its title (falls back to the item's trimmed text).
    pub item_text: String,
    /// An entry that is a (collapsible) menu.
    pub menu: String,
    /// Inside a menu: the element holding its title.
    pub menu_text: String,
    /// Inside a menu: present while the menu is collapsed.
    pub collapsed_icon: String,
    /// Inside a menu: present while the menu is expanded.
    pub expanded_icon: String,
    /// A list element holding a menu's children (a sibling after the menu entry, or nested in it).
    pub children: String,
    /// The loading overlay; while visible it intercepts clicks.
    pub loader: String,
    /// The content pane that shows the selected page.
    pub content: String,
    /// Response tabs inside the content pane (clicked one by one to capture every panel).
    pub response_tab: String,
    /// Inside a response tab: its label.
    pub response_tab_label: String,
    /// The currently shown response panel.
    pub response_panel: String,
    /// Header placement.
    pub layout: Layout,
    /// How entries are clicked.
    pub click: ClickMode,
}

impl Default for SiteProfile {
    fn default() -> Self {
        Self {
            sidebar: "div.filter-api-sidebar-wrapper".into(),
            sidebar_root: "ul.toc-nav".into(),
            header: "li.toc-item-divider".into(),
            header_text: "a".into(),
            item: "li.toc-item-highlight[id]".into(),
            item_text: "span[id$='-sp']".into(),
            menu: "li.toc-item-highlight:not([id])".into(),
            menu_text: "div.align-middle.dds__text-truncate".into(),
            collapsed_icon: "i.dds__icon--chevron-right".into(),
            expanded_icon: "i.dds__icon--chevron-down".into(),
            children: "ul".into(),
            loader: "#loaderActive, div.loader-overlay".into(),
            content: "#documentation".into(),
            response_tab: "app-api-doc-response button[role=tab]".into(),
            response_tab_label: ".dds__tabs__tab__label".into(),
            response_panel: "app-api-doc-response div[role=tabpanel][aria-hidden=false]".into(),
            layout: Layout::Auto,
            click: ClickMode::Js,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(yaml: &str) -> Result<Config, ConfigError> {
        Config::from_yaml(yaml, Path::new("test.yaml"))
    }

    fn invalid_key(yaml: &str) -> String {
        let config = parse(yaml).expect("parses");
        match config.validate() {
            Err(ConfigError::Invalid { key, .. }) => key,
            other => panic!("expected an invalid value, got {other:?}"),
        }
    }

    #[test]
    fn the_shipped_config_is_valid_and_documents_every_default() {
        let text = include_str!("../config.yaml");
        let config = parse(text).expect("shipped config parses");
        config.validate().expect("shipped config is valid");
        assert_eq!(config.behavior.max_concurrent_tasks, 5);
        assert_eq!(config.site, SiteProfile::default());
        assert!(text.contains("Number of items to scrape at the same time"));
        let defaults = Config::default();
        assert_eq!(config.behavior, defaults.behavior);
        assert_eq!(config.webdriver, defaults.webdriver);
    }

    #[test]
    fn only_target_url_is_required() {
        let config = parse("target_url: https://example.com/docs\n").unwrap();
        config.validate().unwrap();
        assert_eq!(config.output_directory, PathBuf::from("output"));
        assert_eq!(config.state_dir(), PathBuf::from("output/.wyrm"));
        assert!(matches!(
            parse("log_level: INFO\n").unwrap().validate(),
            Err(ConfigError::MissingTargetUrl)
        ));
    }

    #[test]
    fn unknown_keys_are_named() {
        for (yaml, name) in [
            ("target_url: http://x.org\nbehaviour: {}\n", "behaviour"),
            (
                "target_url: http://x.org\nbehavior: {max_concurent_tasks: 3}\n",
                "max_concurent_tasks",
            ),
            (
                "target_url: http://x.org\nsite: {sidebar_rot: ul}\n",
                "sidebar_rot",
            ),
        ] {
            let err = parse(yaml).unwrap_err().to_string();
            assert!(err.contains(name), "{err}");
        }
    }

    #[test]
    fn bad_values_name_key_value_and_rule() {
        let base = "target_url: http://x.org\n";
        assert_eq!(
            invalid_key(&format!("{base}behavior: {{max_concurrent_tasks: 0}}")),
            "behavior.max_concurrent_tasks"
        );
        assert_eq!(
            invalid_key(&format!("{base}behavior: {{max_concurrent_tasks: -3}}")),
            "behavior.max_concurrent_tasks"
        );
        assert_eq!(
            invalid_key(&format!("{base}behavior: {{max_concurrent_tasks: 65}}")),
            "behavior.max_concurrent_tasks"
        );
        assert_eq!(
            invalid_key(&format!("{base}behavior: {{max_expand_attempts: 0}}")),
            "behavior.max_expand_attempts"
        );
        assert_eq!(
            invalid_key(&format!("{base}delays: {{content_wait: -1}}")),
            "delays.content_wait"
        );
        assert_eq!(
            invalid_key(&format!("{base}delays: {{expand_menu_noheadless: -1}}")),
            "delays.expand_menu_noheadless"
        );
        assert_eq!(invalid_key("target_url: ftp://x.org\n"), "target_url");
        assert_eq!(invalid_key("target_url: not a url\n"), "target_url");
        assert_eq!(
            invalid_key(&format!(
                "{base}webdriver: {{remote_url: 'localhost:4444'}}"
            )),
            "webdriver.remote_url"
        );
        assert_eq!(
            invalid_key(&format!("{base}site: {{menu_text: 'div[['}}")),
            "site.menu_text"
        );
        let err = parse(&format!("{base}behavior: {{max_concurrent_tasks: 0}}"))
            .unwrap()
            .validate()
            .unwrap_err()
            .to_string();
        assert!(err.contains('0') && err.contains("at least 1"), "{err}");
    }

    #[test]
    fn wrong_types_are_parse_errors_naming_the_key() {
        let err = parse("target_url: http://x.org\nbehavior: {max_concurrent_tasks: lots}\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("`behavior.max_concurrent_tasks`"), "{err}");
        let err = parse("target_url: http://x.org\nlog_level: LOUD\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("`log_level`") && err.contains("LOUD"), "{err}");
        let err = parse("- a\n- b\n").unwrap_err().to_string();
        assert!(err.contains("must be a mapping"), "{err}");
    }

    #[test]
    fn empty_and_missing_files_are_clear_unless_url_is_given() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.yaml");
        std::fs::write(&empty, "  \n").unwrap();
        let none = Overrides::default();
        assert!(matches!(
            Config::load(&empty, true, &none),
            Err(ConfigError::Empty { .. })
        ));
        let missing = dir.path().join("missing.yaml");
        assert!(matches!(
            Config::load(&missing, false, &none),
            Err(ConfigError::NotFound { .. })
        ));
        let with_url = Overrides {
            target_url: Some("http://127.0.0.1:9/".into()),
            ..Overrides::default()
        };
        let config =
            Config::load(&missing, false, &with_url).expect("--url stands in for the file");
        assert_eq!(config.target_url(), "http://127.0.0.1:9/");
        assert!(matches!(
            Config::load(&missing, true, &with_url),
            Err(ConfigError::NotFound { .. })
        ));
    }

    #[test]
    fn overrides_win_over_the_file() {
        let mut config =
            parse("target_url: http://a.org\nbehavior: {max_concurrent_tasks: 3}\n").unwrap();
        config.apply(&Overrides {
            target_url: Some("http://b.org".into()),
            concurrency: Some(7),
            headless: Some(false),
            session_mode: Some(SessionMode::PerItem),
            ..Overrides::default()
        });
        assert_eq!(config.target_url(), "http://b.org");
        assert_eq!(config.behavior.concurrency(), 7);
        assert!(!config.webdriver.headless);
        assert_eq!(config.behavior.session_mode, SessionMode::PerItem);
    }

    #[test]
    fn noheadless_delays_apply_only_with_a_visible_browser() {
        let mut config = parse(
            "target_url: http://a.org\ndelays: {content_wait: 4, content_wait_noheadless: 9}\n",
        )
        .unwrap();
        assert_eq!(config.timeouts().content_wait, Duration::from_secs(4));
        config.webdriver.headless = false;
        assert_eq!(config.timeouts().content_wait, Duration::from_secs(9));
        assert_eq!(config.timeouts().navigation, Duration::from_secs(30));
    }
}
