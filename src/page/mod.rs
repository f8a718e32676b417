//! Opening one sidebar item in a session and extracting its content pane.
//!
//! The pane keeps showing the previous page until the new one is rendered, so "the pane exists"
//! proves nothing after a click. Wyrm snapshots the pane, clicks, and waits until the pane differs
//! from the snapshot, the loader is gone, and nothing has changed for a short quiet period.
//! Endpoint pages render only the selected response tab, so every tab is clicked and captured.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::browser::pool::Lease;
use crate::browser::BrowserError;
use crate::config::{ClickMode, SiteProfile, Timeouts};
use crate::sidebar::discover::{
    self, async_script, click_when_clear, expand_menu, profile_json, DiscoverError, DOM_JS,
};
use crate::sidebar::Item;

/// Why an item could not be extracted.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error(transparent)]
    Browser(#[from] BrowserError),
    #[error(transparent)]
    Portal(#[from] DiscoverError),
    #[error("item {id} is not in the live sidebar ({detail}); the site changed since the structure was cached")]
    NotInSidebar { id: String, detail: String },
    #[error("the content pane ({selector}) did not show new content within {:.1}s after the click{}", .after.as_secs_f64(), reported(.page_errors))]
    PaneNeverUpdated {
        selector: String,
        after: Duration,
        /// What the page reported meanwhile (script errors, alerts).
        page_errors: Vec<String>,
    },
    #[error("the page script failed: {0}")]
    Script(String),
}

/// `; the page reported: a | b` for a failure message, or nothing.
fn reported(errors: &[String]) -> String {
    if errors.is_empty() {
        String::new()
    } else {
        format!("; the page reported: {}", errors.join(" | "))
    }
}

impl PageError {
    /// The pane showed nothing new after the click, with what the page reported meanwhile.
    fn never_updated(ctx: &PageContext, page_errors: Vec<String>) -> PageError {
        PageError::PaneNeverUpdated {
            selector: ctx.profile.content.clone(),
            after: ctx.timeouts.content_wait,
            page_errors,
        }
    }

    /// Whether the session is unusable afterwards.
    pub fn session_is_broken(&self) -> bool {
        match self {
            PageError::Browser(e) => e.session_is_broken(),
            PageError::Portal(DiscoverError::Browser(e)) => e.session_is_broken(),
            _ => false,
        }
    }
}

/// What the pane showed for one item.
#[derive(Debug, Clone)]
pub struct PageContent {
    pub html: String,
    /// The page URL after the click, when the portal routes items to URLs.
    pub url: Option<String>,
    /// From the click to the settled pane (the portal's latency plus Wyrm's waiting overhead).
    pub click_to_content: Duration,
}

/// Everything opening an item needs besides the session and the item.
pub struct PageContext {
    pub target_url: String,
    pub profile: SiteProfile,
    pub profile_json: Value,
    pub timeouts: Timeouts,
    scripts: Scripts,
}

impl PageContext {
    pub fn new(target_url: &str, profile: &SiteProfile, timeouts: Timeouts) -> PageContext {
        PageContext {
            target_url: target_url.to_string(),
            profile: profile.clone(),
            profile_json: profile_json(profile),
            timeouts,
            scripts: Scripts::new(),
        }
    }
}

/// Opens `item` in the leased session and returns the pane's HTML with every response tab.
pub async fn open_item(
    lease: &mut Lease,
    item: &Item,
    ctx: &PageContext,
) -> Result<PageContent, PageError> {
    if !lease.on_portal {
        discover::open_portal(
            lease.session(),
            &ctx.target_url,
            &ctx.profile,
            &ctx.timeouts,
        )
        .await?;
        lease.on_portal = true;
    }
    let menus: Vec<Value> = item
        .menu_positions
        .iter()
        .zip(&item.menu_path)
        .map(|(position, title)| json!({ "position": position, "title": title }))
        .collect();
    let mut errors = match show(lease, &item.id, &menus, ctx).await? {
        Shown::Content(content) => return Ok(content),
        Shown::Unchanged(errors) => errors,
    };
    // The click left the pane exactly as it was: it may already hold what this item shows (a
    // portal that lands on this page, or a previous item with the same content). Show another
    // page first so the pane has something to change from, then click this item again.
    let other = lease
        .session()
        .execute(
            &ctx.scripts.another_item,
            vec![ctx.profile_json.clone(), json!(item.id)],
        )
        .await?;
    let Some(other) = other.as_str() else {
        return Err(PageError::never_updated(ctx, errors));
    };
    tracing::debug!(id = %item.id, via = other, "the pane already showed this item's page; opening another item first");
    if let Shown::Unchanged(_) = show(lease, other, &[], ctx).await? {
        return Err(PageError::never_updated(ctx, errors));
    }
    match show(lease, &item.id, &menus, ctx).await? {
        Shown::Content(content) => Ok(content),
        Shown::Unchanged(again) => {
            // An alert still showing from the first click does not count as new the second time.
            let new: Vec<String> = again.into_iter().filter(|e| !errors.contains(e)).collect();
            errors.extend(new);
            Err(PageError::never_updated(ctx, errors))
        }
    }
}

/// What one click on an item led to.
enum Shown {
    Content(PageContent),
    /// Nothing new appeared: the pane is exactly as it was before the click. With what the page
    /// reported meanwhile.
    Unchanged(Vec<String>),
}

/// Reveals the item `id` (opening the `menus` on its path), clicks it and captures the pane.
async fn show(
    lease: &Lease,
    id: &str,
    menus: &[Value],
    ctx: &PageContext,
) -> Result<Shown, PageError> {
    let args = vec![
        ctx.profile_json.clone(),
        json!(id),
        Value::Array(menus.to_vec()),
        discover::ms(ctx.timeouts.content_wait),
        discover::ms(ctx.timeouts.content_settle),
    ];
    // Each pass either finishes or opens one more menu on the item's path.
    for _ in 0..=menus.len() + 1 {
        let started = Instant::now();
        let step = match ctx.profile.click {
            ClickMode::Js => {
                lease
                    .session()
                    .execute_async(&ctx.scripts.open_js, args.clone())
                    .await?
            }
            ClickMode::Native => open_native(lease, ctx, &args).await?,
        };
        if let Some(position) = step.get("expand") {
            let position: Vec<usize> = serde_json::from_value(position.clone()).map_err(|e| {
                PageError::Script(format!("the item script named no menu position: {e}"))
            })?;
            if !expand_menu(lease.session(), &ctx.profile, &ctx.timeouts, &position).await? {
                return Err(PageError::NotInSidebar {
                    id: id.to_string(),
                    detail: format!("the menu at {position:?} did not open"),
                });
            }
            continue;
        }
        return finish(step, id, ctx, started);
    }
    Err(PageError::NotInSidebar {
        id: id.to_string(),
        detail: "its menus would not stay open".into(),
    })
}

/// The native-click variant: locate, snapshot, a WebDriver click, then capture.
async fn open_native(lease: &Lease, ctx: &PageContext, args: &[Value]) -> Result<Value, PageError> {
    let session = lease.session();
    let located = session.execute(&ctx.scripts.locate, args.to_vec()).await?;
    let Some(Value::String(target)) = located.get("target").cloned() else {
        return Ok(located);
    };
    click_when_clear(session, &ctx.profile, ctx.timeouts.content_wait, &target).await?;
    Ok(session
        .execute_async(&ctx.scripts.capture, args.to_vec())
        .await?)
}

/// Turns a script's answer into content or the error it describes.
fn finish(step: Value, id: &str, ctx: &PageContext, started: Instant) -> Result<Shown, PageError> {
    if let Some(missing) = step.get("missing").and_then(Value::as_str) {
        return Err(PageError::NotInSidebar {
            id: id.to_string(),
            detail: missing.to_string(),
        });
    }
    if let Some(error) = step.get("error").and_then(Value::as_str) {
        return Err(PageError::Script(error.to_string()));
    }
    if step.get("blocked").is_some() {
        return Err(PageError::Browser(BrowserError::Timeout {
            what: format!(
                "the loader ({}) to go away before the click",
                ctx.profile.loader
            ),
            after: ctx.timeouts.content_wait,
        }));
    }
    let page_errors: Vec<String> = step
        .get("errors")
        .and_then(|e| serde_json::from_value(e.clone()).ok())
        .unwrap_or_default();
    if step.get("unchanged") == Some(&Value::Bool(true)) {
        return Ok(Shown::Unchanged(page_errors));
    }
    let Some(html) = step.get("html").and_then(Value::as_str) else {
        return Err(PageError::never_updated(ctx, page_errors));
    };
    let click_to_content = step
        .get("contentMs")
        .and_then(Value::as_f64)
        .map(|ms| Duration::from_secs_f64(ms / 1000.0))
        .unwrap_or_else(|| started.elapsed());
    Ok(Shown::Content(PageContent {
        html: html.to_string(),
        url: step.get("url").and_then(Value::as_str).map(str::to_string),
        click_to_content,
    }))
}

/// The in-page scripts, assembled once per run.
pub struct Scripts {
    /// JS clicks: locate, wait out the loader, click, capture — one round trip.
    open_js: String,
    /// Native clicks, step 1: locate and mark the item, snapshot the pane.
    locate: String,
    /// Native clicks, step 3: wait for and capture the new content.
    capture: String,
    /// The id of another visible item, to show before an item whose click changed nothing.
    another_item: String,
}

impl Scripts {
    fn new() -> Scripts {
        let lib = |body: &str| async_script(&format!("{ITEM_JS}\n{body}"));
        Scripts {
            open_js: lib(
                "const [, id, menus, timeout, quiet] = arguments;
                 const loc = locate(id, menus);
                 if (!loc.ready) return loc;
                 if (!(await W.settle(() => !W.loaderVisible(), null, 0, timeout))) return { blocked: true };
                 const el = document.getElementById(id);
                 if (!el) return { missing: 'the item element vanished' };
                 const before = paneHtml();
                 watchErrors();
                 const t0 = performance.now();
                 W.click(el);
                 return await capture(before, timeout, quiet, t0);",
            ),
            locate: format!(
                "{DOM_JS}\n{ITEM_JS}\nconst [, id, menus] = arguments;
                 const loc = locate(id, menus);
                 if (!loc.ready) return loc;
                 const el = document.getElementById(id);
                 if (!el) return {{ missing: 'the item element vanished' }};
                 window.__wyrmBefore = paneHtml();
                 watchErrors();
                 return {{ target: W.mark(el, 'item') }};"
            ),
            capture: lib(
                "const [, , , timeout, quiet] = arguments;
                 return await capture(window.__wyrmBefore, timeout, quiet);",
            ),
            another_item: format!("{DOM_JS}\n{ITEM_JS}\nreturn anotherItem(arguments[1]);"),
        }
    }
}

/// Locating an item and capturing the pane, shared by both click modes.
const ITEM_JS: &str = include_str!("item.js");
