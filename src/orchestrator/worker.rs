//! The work for one item: open it in a session the worker owns, extract it, save it.

use std::path::Path;

use crate::browser::pool::Lease;
use crate::markdown;
use crate::page::{self, PageContext, PageError};
use crate::storage::{self, StorageError};

use super::plan::WorkItem;

/// Why one attempt at an item failed.
#[derive(Debug, thiserror::Error)]
pub enum ItemError {
    #[error(transparent)]
    Page(#[from] PageError),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("gave up after {0:.0}s")]
    Deadline(f64),
    #[error("no browser session: {0}")]
    Session(crate::browser::BrowserError),
    #[error("converting the page to Markdown failed: {0}")]
    Convert(String),
}

/// What a finished item produced.
#[derive(Debug, Clone)]
pub struct Saved {
    pub sha256: String,
    pub url: Option<String>,
    pub bytes: usize,
    pub click_to_content: std::time::Duration,
}

/// Opens, extracts and atomically writes one item. The lease is the caller's; this function
/// never shares it.
pub async fn scrape_item(
    lease: &mut Lease,
    work: &WorkItem,
    ctx: &PageContext,
    debug_dir: Option<&Path>,
) -> Result<Saved, ItemError> {
    let content = page::open_item(lease, &work.item, ctx).await?;
    if let Some(dir) = debug_dir {
        let raw = storage::resolve_in(dir, &work.relative.with_extension("html"))?;
        storage::write_atomic(&raw, content.html.as_bytes())?;
    }
    let click_to_content = content.click_to_content;
    let html = content.html;
    let title = work.item.title.clone();
    // Conversion is CPU work on possibly huge panes: keep it off the async workers.
    let document = tokio::task::spawn_blocking(move || {
        markdown::page_document(&title, &markdown::html_to_markdown(&html))
    })
    .await
    .map_err(|e| ItemError::Convert(e.to_string()))?;
    let sha256 = storage::write_atomic(&work.path, document.as_bytes())?;
    Ok(Saved {
        sha256,
        url: content.url,
        bytes: document.len(),
        click_to_content,
    })
}
