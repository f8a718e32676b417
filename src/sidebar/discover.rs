//! Sidebar discovery in a live browser session: load the portal, wait for the sidebar, expand
//! every collapsed menu, read the sidebar's HTML and parse it.
//!
//! Menus are opened one at a time, each waited for before the next, because every expansion
//! shifts the layout (clicking several back to back misses some), and nested menus only appear
//! once their parent is open. All waits are conditions with deadlines from `delays`.

use std::time::Duration;

use serde_json::{json, Value};

use super::{parse_sidebar, SidebarError, SidebarTree};
use crate::browser::{BrowserError, Session};
use crate::config::{ClickMode, SiteProfile, Timeouts};

/// The in-page sidebar walker shared by discovery and page opening.
pub const DOM_JS: &str = include_str!("dom.js");

/// Why discovery failed.
#[derive(Debug, thiserror::Error)]
pub enum DiscoverError {
    #[error("the sidebar ({selector}) did not appear within {:.0}s at {url}; check `site.sidebar` and that the URL shows the documentation", .after.as_secs_f64())]
    SidebarMissing {
        selector: String,
        url: String,
        after: Duration,
    },
    #[error(transparent)]
    Browser(#[from] BrowserError),
    #[error(transparent)]
    Parse(#[from] SidebarError),
}

/// The outcome of discovery: the tree, plus the raw HTML for `--save-html` / `--debug`.
pub struct Discovered {
    pub tree: SidebarTree,
    pub html: String,
    /// Menus that were still collapsed when the attempts ran out (their pages are missing).
    pub still_collapsed: usize,
}

/// Runs `body` (which may `await` and must `return` a value) after the sidebar walker, as an
/// asynchronous script whose result goes to the WebDriver callback.
pub fn async_script(body: &str) -> String {
    format!(
        "{DOM_JS}\nconst __done = arguments[arguments.length - 1];\n(async () => {{ {body} }})().then(__done, (e) => __done({{ error: String(e && e.stack || e) }}));"
    )
}

/// Loads `url` and waits until the sidebar has entries and no loader shows.
pub async fn open_portal(
    session: &dyn Session,
    url: &str,
    profile: &SiteProfile,
    timeouts: &Timeouts,
) -> Result<(), DiscoverError> {
    session.goto(url).await?;
    wait_for_sidebar(session, url, profile, timeouts).await
}

/// Waits until the sidebar root has at least one entry and the loader is gone.
pub async fn wait_for_sidebar(
    session: &dyn Session,
    url: &str,
    profile: &SiteProfile,
    timeouts: &Timeouts,
) -> Result<(), DiscoverError> {
    let script = async_script(
        "const ok = await W.settle(() => { const r = W.root(); return r && W.entries(r).length > 0 && !W.loaderVisible(); }, null, 0, arguments[1]); return !!ok;",
    );
    let ready = session
        .execute_async(
            &script,
            vec![profile_json(profile), ms(timeouts.sidebar_wait)],
        )
        .await?;
    if ready == Value::Bool(true) {
        Ok(())
    } else {
        Err(DiscoverError::SidebarMissing {
            selector: profile.sidebar.clone(),
            url: url.to_string(),
            after: timeouts.sidebar_wait,
        })
    }
}

/// Expands every collapsed menu (up to `max_attempts` passes over the sidebar), then reads and
/// parses the sidebar.
pub async fn discover(
    session: &dyn Session,
    url: &str,
    profile: &SiteProfile,
    timeouts: &Timeouts,
    max_attempts: u32,
) -> Result<Discovered, DiscoverError> {
    open_portal(session, url, profile, timeouts).await?;
    let mut failed_last_pass = 0;
    for pass in 1..=max_attempts {
        let collapsed = collapsed_menus(session, profile).await?;
        if collapsed.is_empty() {
            failed_last_pass = 0;
            break;
        }
        tracing::debug!(pass, count = collapsed.len(), "expanding collapsed menus");
        failed_last_pass = 0;
        for position in collapsed {
            match expand_menu(session, profile, timeouts, &position).await {
                Ok(true) => {}
                Ok(false) => {
                    failed_last_pass += 1;
                    tracing::debug!(?position, "menu did not open");
                }
                Err(e) if e.session_is_broken() => return Err(e.into()),
                Err(e) => {
                    failed_last_pass += 1;
                    tracing::debug!(?position, error = %e, "menu click failed");
                }
            }
        }
    }
    let html = sidebar_html(session, profile).await?;
    let tree = parse_sidebar(&html, profile)?;
    let still_collapsed = tree.collapsed_menus().len().max(failed_last_pass);
    if still_collapsed > 0 {
        tracing::warn!(
            still_collapsed,
            "some menus stayed collapsed after {max_attempts} expansion passes; their pages are missing (raise behavior.max_expand_attempts)"
        );
    }
    Ok(Discovered {
        tree,
        html,
        still_collapsed,
    })
}

/// Positions of the menus that are in the DOM and still collapsed, in document order.
async fn collapsed_menus(
    session: &dyn Session,
    profile: &SiteProfile,
) -> Result<Vec<Vec<usize>>, BrowserError> {
    let script = format!(
        "{DOM_JS}\nreturn W.menus().filter((m) => !m.open && W.visible(m.el)).map((m) => m.position);"
    );
    let value = session
        .execute(&script, vec![profile_json(profile)])
        .await?;
    serde_json::from_value(value)
        .map_err(|e| BrowserError::Script(format!("the sidebar walker listed menus oddly: {e}")))
}

/// Opens the menu at `position` if it is collapsed and waits until it shows as open and the
/// sidebar has settled. Returns whether it is open.
pub async fn expand_menu(
    session: &dyn Session,
    profile: &SiteProfile,
    timeouts: &Timeouts,
    position: &[usize],
) -> Result<bool, BrowserError> {
    let args = vec![
        profile_json(profile),
        json!(position),
        ms(timeouts.expand_menu),
        ms(timeouts.post_expand_settle),
    ];
    let state = match profile.click {
        ClickMode::Js => {
            let script = async_script(&format!(
                "{MENU_JS}\nif (!(await W.settle(() => !W.loaderVisible(), null, 0, arguments[2]))) return 'blocked';\n\
                 const t = W.at(arguments[1]); if (!t || t.kind !== 'menu') return 'missing';\n\
                 if (W.menuState(t.entry, t.el).open) return 'open';\n\
                 W.click(t.el);\nreturn await waitOpen();"
            ));
            session.execute_async(&script, args).await?
        }
        ClickMode::Native => {
            let mark = format!(
                "{DOM_JS}\nconst t = W.at(arguments[1]); if (!t || t.kind !== 'menu') return null; \
                 if (W.menuState(t.entry, t.el).open) return 'open'; return W.mark(t.el, 'menu');"
            );
            match session.execute(&mark, args.clone()).await? {
                Value::String(s) if s == "open" => return Ok(true),
                Value::String(css) => {
                    click_when_clear(session, profile, timeouts.expand_menu, &css).await?;
                    let wait = async_script(&format!("{MENU_JS}\nreturn await waitOpen();"));
                    session.execute_async(&wait, args).await?
                }
                _ => return Ok(false),
            }
        }
    };
    Ok(matches!(state.as_str(), Some("open" | "opened")))
}

/// Waits until the menu at `arguments[1]` is open, the loader gone and the sidebar quiet.
const MENU_JS: &str = "async function waitOpen() {
  const ok = await W.settle(() => { const t = W.at(arguments_[1]); return t && W.menuState(t.entry, t.el).open && !W.loaderVisible(); }, W.root(), arguments_[3], arguments_[2]);
  return ok ? 'opened' : 'closed';
}
const arguments_ = arguments;";

/// A real click on `target` once no loader covers the page; a click the overlay still
/// intercepts is retried after the loader is gone again, and finally done in script.
pub async fn click_when_clear(
    session: &dyn Session,
    profile: &SiteProfile,
    deadline: Duration,
    target: &str,
) -> Result<(), BrowserError> {
    let wait_clear =
        async_script("return !!(await W.settle(() => !W.loaderVisible(), null, 0, arguments[1]));");
    for _ in 0..3 {
        session
            .execute_async(&wait_clear, vec![profile_json(profile), ms(deadline)])
            .await?;
        match session.click(target).await {
            Ok(()) => return Ok(()),
            Err(BrowserError::ClickIntercepted { .. }) => {
                tracing::debug!(target, "click intercepted; waiting for the overlay");
            }
            Err(e) => return Err(e),
        }
    }
    let js_click =
        "const el = document.querySelector(arguments[0]); if (el) { el.click(); return true; } return false;";
    match session.execute(js_click, vec![json!(target)]).await? {
        Value::Bool(true) => Ok(()),
        _ => Err(BrowserError::NoSuchElement(target.to_string())),
    }
}

/// The sidebar's outer HTML (the whole document when the sidebar cannot be found).
async fn sidebar_html(
    session: &dyn Session,
    profile: &SiteProfile,
) -> Result<String, BrowserError> {
    let script = "const s = document.querySelector(arguments[0].sidebar); return (s || document.documentElement).outerHTML;";
    let value = session.execute(script, vec![profile_json(profile)]).await?;
    match value {
        Value::String(html) => Ok(html),
        other => Err(BrowserError::Script(format!(
            "reading the sidebar's HTML returned {other} instead of text"
        ))),
    }
}

/// The profile as the in-page scripts receive it.
/// It carries the parser's depth cap too, so the in-page walker stops where the parser does.
pub fn profile_json(profile: &SiteProfile) -> Value {
    let mut value = serde_json::to_value(profile).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut value {
        map.insert("max_list_depth".into(), json!(super::MAX_LIST_DEPTH));
    }
    value
}

/// A duration as whole milliseconds for a script argument.
pub fn ms(d: Duration) -> Value {
    json!(d.as_millis() as u64)
}
