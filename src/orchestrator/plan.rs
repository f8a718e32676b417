//! Gathering the work: the sidebar's items, their output paths, and what resume leaves to do.
//! Plain functions over data, so the rules are tested without a browser.

use std::path::{Path, PathBuf};

use crate::journal::{ItemStatus, Journal, JournalEntry, JournalState};
use crate::sidebar::{Item, SidebarTree};
use crate::storage::{self, ItemLocation};

/// One item with its place in the output tree.
#[derive(Debug, Clone)]
pub struct WorkItem {
    pub item: Item,
    /// Relative to the output directory, e.g. `api-reference/volumes/get-volume.md`.
    pub relative: PathBuf,
    /// The full path the Markdown is written to.
    pub path: PathBuf,
}

/// Which items a run does.
#[derive(Debug, Clone, Copy)]
pub enum Selection<'a> {
    /// Every item (`--force`, or `behavior.skip_existing: false`).
    All,
    /// What is not done yet: done means the journal says so and the file still has the recorded
    /// hash (or, for items the journal never saw, that the file exists).
    Remaining(&'a JournalState),
    /// Only the items the journal records as failed (`--retry-failed`).
    Failed(&'a JournalState),
}

impl Selection<'_> {
    fn wants(&self, work: &WorkItem, output_dir: &Path) -> bool {
        match self {
            Selection::All => true,
            Selection::Remaining(journal) => {
                !journal.is_done(&work.item.id, output_dir, &work.relative)
            }
            Selection::Failed(journal) => journal
                .get(&work.item.id)
                .is_some_and(|entry| entry.status == ItemStatus::Failed),
        }
    }
}

/// Every item of the run, split into what remains to do and what resume skips.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// All items in sidebar order (after `--max-items`).
    pub all: Vec<WorkItem>,
    pub todo: Vec<WorkItem>,
    pub skipped: Vec<WorkItem>,
}

/// Assigns output paths to every item of `tree` (over the whole sidebar, so collision suffixes
/// are the same on every run whatever `max_items` is), keeps the first `max_items`, and splits
/// them by `selection`.
pub fn plan(
    tree: &SidebarTree,
    output_dir: &Path,
    max_items: Option<usize>,
    selection: Selection<'_>,
) -> Result<Plan, storage::StorageError> {
    let items = tree.items();
    let menu_ids: Vec<Vec<String>> = items
        .iter()
        .map(|item| {
            item.menu_positions
                .iter()
                .map(|p| p.iter().map(usize::to_string).collect::<Vec<_>>().join("."))
                .collect()
        })
        .collect();
    let locations: Vec<ItemLocation<'_>> = items
        .iter()
        .zip(&menu_ids)
        .map(|(item, ids)| ItemLocation {
            header: item.header.as_deref(),
            menu_path: &item.menu_path,
            menu_ids: ids,
            title: &item.title,
        })
        .collect();
    let relatives = storage::plan_paths(&locations);
    let limit = max_items.unwrap_or(usize::MAX);
    let mut plan = Plan::default();
    for (item, relative) in items.into_iter().zip(relatives).take(limit) {
        let path = storage::resolve_in(output_dir, &relative)?;
        let work = WorkItem {
            item,
            relative,
            path,
        };
        if selection.wants(&work, output_dir) {
            plan.todo.push(work.clone());
        } else {
            plan.skipped.push(work.clone());
        }
        plan.all.push(work);
    }
    Ok(plan)
}

/// Records, as Skipped with their hash, the files resume skipped that the journal has never
/// seen (an output tree from before the journal), so that later runs check them by hash too.
pub fn adopt_existing_files(journal: &Journal, state: &JournalState, skipped: &[WorkItem]) {
    for work in skipped.iter().filter(|w| state.get(&w.item.id).is_none()) {
        let Ok(sha256) = storage::sha256_file(&work.path) else {
            continue;
        };
        let now = crate::journal::now_rfc3339();
        let entry = JournalEntry {
            id: work.item.id.clone(),
            path: work.relative.clone(),
            status: ItemStatus::Skipped,
            attempts: 0,
            error: None,
            sha256: Some(sha256),
            url: None,
            started_at: now.clone(),
            finished_at: now,
        };
        if let Err(e) = journal.record(&entry) {
            tracing::warn!(error = %e, "cannot record an existing file in the journal");
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SiteProfile;
    use crate::demo::markup::{header, item, menu};
    use crate::sidebar::parse_sidebar;

    /// A sidebar with a duplicate title under one menu, the same menu name under two headers
    /// and a hostile title.
    fn tree() -> SidebarTree {
        let html = format!(
            r#"<div class="filter-api-sidebar-wrapper"><ul class="toc-nav">{}{}{}<ul>{}{}{}</ul>{}{}<ul>{}</ul></ul></div>"#,
            header("API"),
            item("n1", "Intro"),
            menu("Volumes", true),
            item("n2", "List"),
            item("n3", "List"),
            item("n4", "../../etc/passwd"),
            header("Admin"),
            menu("Volumes", true),
            item("n5", "List"),
        );
        parse_sidebar(&html, &SiteProfile::default()).expect("parses")
    }

    #[test]
    fn paths_mirror_the_sidebar_and_resolve_collisions_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let state = JournalState::default();
        let plan = plan(&tree(), dir.path(), None, Selection::Remaining(&state)).unwrap();
        let rel: Vec<String> = plan
            .all
            .iter()
            .map(|w| w.relative.display().to_string())
            .collect();
        assert_eq!(
            rel,
            [
                "api/intro.md",
                "api/volumes/list.md",
                "api/volumes/list-2.md",
                "api/volumes/etc-passwd.md",
                "admin/volumes/list.md",
            ]
        );
        assert!(plan.all.iter().all(|w| w.path.starts_with(dir.path())));
    }

    #[test]
    fn existing_files_are_skipped_unless_forced_and_max_items_cuts_in_sidebar_order() {
        let dir = tempfile::tempdir().unwrap();
        let empty = JournalState::default();
        let remaining = Selection::Remaining(&empty);
        let first = plan(&tree(), dir.path(), None, remaining).unwrap();
        crate::storage::write_atomic(&first.all[1].path, b"done").unwrap();

        let resumed = plan(&tree(), dir.path(), None, remaining).unwrap();
        assert_eq!(resumed.skipped.len(), 1);
        assert_eq!(resumed.skipped[0].item.id, "n2");
        assert_eq!(resumed.todo.len(), 4);

        let forced = plan(&tree(), dir.path(), None, Selection::All).unwrap();
        assert_eq!(forced.todo.len(), 5);

        let cut = plan(&tree(), dir.path(), Some(3), remaining).unwrap();
        let ids: Vec<&str> = cut.all.iter().map(|w| w.item.id.as_str()).collect();
        assert_eq!(ids, ["n1", "n2", "n3"]);
        // Cutting never changes a path: suffixes are computed over the whole sidebar.
        assert_eq!(cut.all[2].relative, first.all[2].relative);
    }

    #[test]
    fn the_journal_decides_what_is_done_and_what_failed() {
        use crate::journal::{Journal, JournalEntry};
        let dir = tempfile::tempdir().unwrap();
        let state_dir = dir.path().join(".wyrm");
        let all = plan(&tree(), dir.path(), None, Selection::All).unwrap().all;
        let journal = Journal::open(&state_dir).unwrap();
        let entry = |work: &WorkItem, status, sha256: Option<String>| JournalEntry {
            id: work.item.id.clone(),
            path: work.relative.clone(),
            status,
            attempts: 1,
            error: None,
            sha256,
            url: None,
            started_at: crate::journal::now_rfc3339(),
            finished_at: crate::journal::now_rfc3339(),
        };
        // n1 done and intact; n2 done but its file changed since; n3 failed.
        let sha = crate::storage::write_atomic(&all[0].path, b"one").unwrap();
        journal
            .record(&entry(&all[0], ItemStatus::Done, Some(sha)))
            .unwrap();
        let sha = crate::storage::write_atomic(&all[1].path, b"two").unwrap();
        journal
            .record(&entry(&all[1], ItemStatus::Done, Some(sha)))
            .unwrap();
        crate::storage::write_atomic(&all[1].path, b"tampered").unwrap();
        journal
            .record(&entry(&all[2], ItemStatus::Failed, None))
            .unwrap();

        let state = JournalState::load(&state_dir).unwrap();
        let resumed = plan(&tree(), dir.path(), None, Selection::Remaining(&state)).unwrap();
        let todo: Vec<&str> = resumed.todo.iter().map(|w| w.item.id.as_str()).collect();
        assert_eq!(todo, ["n2", "n3", "n4", "n5"]);
        let retry = plan(&tree(), dir.path(), None, Selection::Failed(&state)).unwrap();
        let todo: Vec<&str> = retry.todo.iter().map(|w| w.item.id.as_str()).collect();
        assert_eq!(todo, ["n3"]);
    }

    #[test]
    fn files_from_before_the_journal_are_adopted_and_then_checked_by_hash() {
        let dir = tempfile::tempdir().unwrap();
        let state_dir = dir.path().join(".wyrm");
        let all = plan(&tree(), dir.path(), None, Selection::All).unwrap().all;
        crate::storage::write_atomic(&all[4].path, b"old tool").unwrap();
        let journal = Journal::open(&state_dir).unwrap();
        let state = JournalState::load(&state_dir).unwrap();
        let first = plan(&tree(), dir.path(), None, Selection::Remaining(&state)).unwrap();
        assert_eq!(first.skipped.len(), 1, "resumed by file presence");
        adopt_existing_files(&journal, &state, &first.skipped);

        let state = JournalState::load(&state_dir).unwrap();
        assert_eq!(state.get("n5").map(|e| e.status), Some(ItemStatus::Skipped));
        let second = plan(&tree(), dir.path(), None, Selection::Remaining(&state)).unwrap();
        assert_eq!(second.skipped.len(), 1, "an adopted file counts as done");
        crate::storage::write_atomic(&all[4].path, b"changed").unwrap();
        let third = plan(&tree(), dir.path(), None, Selection::Remaining(&state)).unwrap();
        assert!(third.skipped.is_empty(), "a changed adopted file is redone");
    }
}
