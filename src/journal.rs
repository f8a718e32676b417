//! The resume journal: a crash-safe record of every finished item, for resume.
//!
//! `<output>/.wyrm/journal.jsonl` is an append-only log with one JSON object per line, one line
//! per item whose attempts are over ([`JournalEntry`]: done with the SHA-256 of the written file,
//! failed with the last error, or skipped). Each line is written with a single `write_all` of the
//! whole line, newline included, followed by `sync_data`, so once [`Journal::record`] returns the
//! line survives a crash or a power cut. Reading it back ([`JournalState::load`]) keeps the last
//! entry per item id.
//!
//! An item counts as done only when the journal says so *and* the file on disk still has the
//! recorded hash ([`JournalState::is_done`]): a page deleted or edited by hand since is scraped
//! again. Items the journal does not know fall back to "the file exists", so output trees
//! written before the journal existed still resume.
//!
//! # Crashes
//!
//! A `kill -9` or a power cut during an append can leave a *torn* last line: part of a line,
//! without its newline (or a tail of zero bytes on some file systems). Readers skip a line that
//! does not parse, with a warning naming its line number. [`Journal::open`] repairs the file
//! before appending: a torn tail is cut off (or, if it parses as a complete entry and only the
//! newline is missing, completed), so the next record always starts on a line of its own.
//!
//! # Compaction
//!
//! Re-running failed items appends new lines for the same ids. When opening, if superseded
//! lines (older entries of an id, and lines that do not parse) outnumber the live entries 2:1
//! or more, the journal is rewritten with only the live entries: to a temporary file in the same
//! directory, fsync, rename over the journal, fsync the directory. A crash at any point leaves
//! either the old or the new journal, both complete.
//!
//! # Why JSON lines and not SQLite
//!
//! JSON lines plus fsync need no C library to build or link, a torn last line after `kill -9`
//! is easy to detect and ignore (an unterminated or unparsable line), and the file is
//! human-readable: `grep failed .wyrm/journal.jsonl` answers "what failed and why". The journal
//! holds one line per item, so reading the whole file is cheap (about a hundred kilobytes for a
//! thousand items).
//!
//! One process appends at a time: two runs writing into the same output directory at once are
//! not supported (their lines would interleave correctly, but compaction could drop lines).

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

/// The journal's file name inside the state directory (`<output>/.wyrm/`).
pub const JOURNAL_FILE: &str = "journal.jsonl";

/// How an item's attempts ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    /// The page was written; [`JournalEntry::sha256`] is the hash of the file.
    Done,
    /// Every attempt failed; [`JournalEntry::error`] says why.
    Failed,
    /// The file was already on disk with no journal entry (written before the journal existed)
    /// and was adopted as it is; [`JournalEntry::sha256`] is its hash.
    Skipped,
}

/// One line of the journal: the outcome of one item's series of attempts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// The item's identity (its sidebar element id).
    pub id: String,
    /// The item's file, relative to the output directory.
    pub path: PathBuf,
    pub status: ItemStatus,
    /// Attempts made (1 when the first one succeeded).
    pub attempts: u32,
    /// The last attempt's error, for a failed item.
    pub error: Option<String>,
    /// SHA-256 (lowercase hex) of the written file, for a done item.
    pub sha256: Option<String>,
    /// The page URL, where the item has one.
    pub url: Option<String>,
    /// When the first attempt started, RFC 3339 with milliseconds (see [`now_rfc3339`]).
    pub started_at: String,
    /// When the last attempt ended, RFC 3339 with milliseconds.
    pub finished_at: String,
}

/// A journal operation that failed, naming the file or directory and what happened.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// The state directory could not be created.
    #[error("cannot create the state directory {}: {source}", path.display())]
    CreateDir { path: PathBuf, source: io::Error },
    /// The journal could not be opened or read.
    #[error("cannot read the resume journal {}: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },
    /// A line could not be appended or made durable (or a torn tail could not be repaired).
    #[error("cannot write to the resume journal {}: {source}", path.display())]
    Write { path: PathBuf, source: io::Error },
    /// Rewriting the journal without its superseded lines failed; the old journal is intact.
    #[error("cannot compact the resume journal {}: {source}", path.display())]
    Compact { path: PathBuf, source: io::Error },
    /// An entry cannot be written as JSON (e.g. its path is not valid UTF-8).
    #[error("cannot record item {id:?} in the resume journal {}: {source}", path.display())]
    Encode {
        path: PathBuf,
        id: String,
        source: serde_json::Error,
    },
}

/// The journal, open for appending. `Send + Sync`: workers share it (e.g. in an `Arc`), and
/// their appends are serialized by a mutex so lines never interleave.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: Mutex<AppendFile>,
}

/// The open file and the length of its complete lines, to roll back a failed append.
#[derive(Debug)]
struct AppendFile {
    file: File,
    len: u64,
}

impl Journal {
    /// Opens (creating) the journal in `state_dir`; compacts it first (atomic rewrite: temp file
    /// in the same dir, fsync, rename, fsync dir) when superseded lines outnumber live ones 2:1
    /// or more, and drops a torn last line.
    pub fn open(state_dir: &Path) -> Result<Journal, JournalError> {
        fs::create_dir_all(state_dir).map_err(|source| JournalError::CreateDir {
            path: state_dir.to_path_buf(),
            source,
        })?;
        let path = state_dir.join(JOURNAL_FILE);
        let bytes = read_if_exists(&path)?.unwrap_or_default();
        let scan = scan(&bytes, &path, false);
        let live = scan.entries.len();
        let superseded = scan.complete_lines - live;
        let compacted = superseded > 0 && superseded >= 2 * live;
        if compacted {
            compact(&path, &scan.entries)?;
            tracing::info!(
                file = %path.display(),
                live,
                superseded,
                "resume journal compacted"
            );
        }
        let write_error = |source| JournalError::Write {
            path: path.clone(),
            source,
        };
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(write_error)?;
        let mut len = file.metadata().map_err(write_error)?.len();
        if !compacted {
            // A compaction wrote complete lines only; otherwise repair a torn tail in place.
            match scan.tail {
                Tail::Clean => {}
                Tail::Torn { complete_len } => {
                    tracing::warn!(
                        file = %path.display(),
                        line = scan.complete_lines + 1,
                        "resume journal ends with a torn line (interrupted write); dropping it"
                    );
                    file.set_len(complete_len).map_err(write_error)?;
                    file.sync_data().map_err(write_error)?;
                    len = complete_len;
                }
                Tail::MissingNewline => {
                    file.write_all(b"\n").map_err(write_error)?;
                    file.sync_data().map_err(write_error)?;
                    len += 1;
                }
            }
        }
        Ok(Journal {
            path,
            file: Mutex::new(AppendFile { file, len }),
        })
    }

    /// Appends `entry` as one line and makes it durable (`sync_data`) before returning.
    ///
    /// On failure the journal is cut back to its previous length (best effort), so a half-written
    /// line cannot glue itself to the next record.
    pub fn record(&self, entry: &JournalEntry) -> Result<(), JournalError> {
        let mut line = serde_json::to_vec(entry).map_err(|source| JournalError::Encode {
            path: self.path.clone(),
            id: entry.id.clone(),
            source,
        })?;
        line.push(b'\n');
        // A panic while holding the lock cannot leave the file in a state the rollback below
        // does not handle, so a poisoned lock is still usable.
        let mut guard = self
            .file
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let appended = guard
            .file
            .write_all(&line)
            .and_then(|()| guard.file.sync_data());
        match appended {
            Ok(()) => {
                guard.len += line.len() as u64;
                Ok(())
            }
            Err(source) => {
                let len = guard.len;
                if let Err(error) = guard.file.set_len(len) {
                    tracing::warn!(file = %self.path.display(), %error, "cannot roll back a failed journal append");
                }
                Err(JournalError::Write {
                    path: self.path.clone(),
                    source,
                })
            }
        }
    }

    /// The journal file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// What the journal says, read back: the last entry per id wins; a line that does not parse (a
/// torn write) is skipped with a `tracing::warn` naming the line number; a missing file is an
/// empty state.
#[derive(Debug, Clone, Default)]
pub struct JournalState {
    pub entries: HashMap<String, JournalEntry>,
}

impl JournalState {
    /// Reads `state_dir/journal.jsonl`. Only an unreadable file is an error.
    pub fn load(state_dir: &Path) -> Result<JournalState, JournalError> {
        let path = state_dir.join(JOURNAL_FILE);
        let Some(bytes) = read_if_exists(&path)? else {
            return Ok(JournalState::default());
        };
        let entries = scan(&bytes, &path, true)
            .entries
            .into_iter()
            .map(|(_, entry)| (entry.id.clone(), entry))
            .collect();
        Ok(JournalState { entries })
    }

    /// The latest entry of item `id`.
    pub fn get(&self, id: &str) -> Option<&JournalEntry> {
        self.entries.get(id)
    }

    /// Resume's rule: an item is done when the journal says Done (or Skipped: adopted) for it AND the file at
    /// output_root/path exists and its SHA-256 equals the recorded one. Items absent from the
    /// journal fall back to "the file exists" (output trees written before the journal existed
    /// still resume).
    ///
    /// `relative` is where the item goes today; an entry recorded for another path (the sidebar
    /// changed and the item moved) does not count, and neither does a path that would leave
    /// `output_root`.
    pub fn is_done(&self, id: &str, output_root: &Path, relative: &Path) -> bool {
        let Ok(file) = crate::storage::resolve_in(output_root, relative) else {
            return false;
        };
        let Some(entry) = self.entries.get(id) else {
            return file.is_file();
        };
        let Some(recorded) = entry.sha256.as_deref() else {
            return false;
        };
        matches!(entry.status, ItemStatus::Done | ItemStatus::Skipped)
            && entry.path == relative
            && crate::storage::sha256_file(&file).is_ok_and(|actual| actual == recorded)
    }

    /// The items whose latest entry is [`ItemStatus::Failed`], sorted by id.
    pub fn failed(&self) -> Vec<&JournalEntry> {
        let mut failed: Vec<&JournalEntry> = self
            .entries
            .values()
            .filter(|entry| entry.status == ItemStatus::Failed)
            .collect();
        failed.sort_by(|a, b| a.id.cmp(&b.id));
        failed
    }
}

/// The current time as RFC 3339 in UTC with milliseconds, e.g. `2025-01-31T12:00:00.123Z`.
pub fn now_rfc3339() -> String {
    humantime::format_rfc3339_millis(SystemTime::now()).to_string()
}

/// The whole file, or `None` when it does not exist.
fn read_if_exists(path: &Path) -> Result<Option<Vec<u8>>, JournalError> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(JournalError::Read {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// How the file ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tail {
    /// Empty, or the last line ends with a newline.
    Clean,
    /// The bytes after the last newline do not parse: cut the file at `complete_len`.
    Torn { complete_len: u64 },
    /// The bytes after the last newline are a whole entry; only the newline is missing.
    MissingNewline,
}

/// The journal's lines, read.
struct Scan {
    /// The live entries (last one per id) with the line index of that last entry, ordered by it.
    entries: Vec<(usize, JournalEntry)>,
    /// Lines that count as written: every newline-terminated line (parsable or not, blank lines
    /// excepted) plus an unterminated last line that parses.
    complete_lines: usize,
    tail: Tail,
}

/// Parses the journal's bytes. `warn` logs each unparsable line (readers want that; `open`
/// reports the torn tail itself).
fn scan(bytes: &[u8], path: &Path, warn: bool) -> Scan {
    let mut latest: HashMap<String, (usize, JournalEntry)> = HashMap::new();
    let mut complete_lines = 0;
    let mut tail = Tail::Clean;
    let mut offset = 0;
    for (index, raw) in bytes.split_inclusive(|&byte| byte == b'\n').enumerate() {
        let start = offset;
        offset += raw.len();
        let terminated = raw.ends_with(b"\n");
        let line = raw.strip_suffix(b"\n").unwrap_or(raw);
        if line.iter().all(u8::is_ascii_whitespace) && terminated {
            continue;
        }
        match serde_json::from_slice::<JournalEntry>(line) {
            Ok(entry) => {
                complete_lines += 1;
                if !terminated {
                    tail = Tail::MissingNewline;
                }
                latest.insert(entry.id.clone(), (index, entry));
            }
            Err(error) => {
                if terminated {
                    complete_lines += 1;
                } else {
                    tail = Tail::Torn {
                        complete_len: start as u64,
                    };
                }
                if warn {
                    tracing::warn!(
                        file = %path.display(),
                        line = index + 1,
                        %error,
                        "skipping a resume journal line that does not parse (torn write?)"
                    );
                }
            }
        }
    }
    let mut entries: Vec<(usize, JournalEntry)> = latest.into_values().collect();
    entries.sort_by_key(|(index, _)| *index);
    Scan {
        entries,
        complete_lines,
        tail,
    }
}

/// Rewrites the journal with only `entries`, atomically.
fn compact(path: &Path, entries: &[(usize, JournalEntry)]) -> Result<(), JournalError> {
    let compact_error = |source| JournalError::Compact {
        path: path.to_path_buf(),
        source,
    };
    let mut text = Vec::with_capacity(entries.len() * 256);
    for (_, entry) in entries {
        // These entries were just parsed from JSON, so they serialise again.
        serde_json::to_writer(&mut text, entry)
            .map_err(|error| compact_error(io::Error::other(error)))?;
        text.push(b'\n');
    }
    // The shared atomic write: its temporary file is one the next run's clean-up recognises.
    crate::storage::write_atomic(path, &text).map_err(|error| JournalError::Compact {
        path: path.to_path_buf(),
        source: io::Error::other(error),
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    fn entry(id: &str, status: ItemStatus) -> JournalEntry {
        JournalEntry {
            id: id.to_owned(),
            path: PathBuf::from(format!("api/{id}.md")),
            status,
            attempts: 1,
            error: (status == ItemStatus::Failed).then(|| "content did not load".to_owned()),
            sha256: None,
            url: Some(format!("https://portal.example/docs#{id}")),
            started_at: now_rfc3339(),
            finished_at: now_rfc3339(),
        }
    }

    fn journal_text(state: &Path) -> String {
        fs::read_to_string(state.join(JOURNAL_FILE)).unwrap()
    }

    fn line_count(state: &Path) -> usize {
        journal_text(state).lines().count()
    }

    #[test]
    fn journal_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Journal>();
    }

    #[test]
    fn round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join(".wyrm");
        let journal = Journal::open(&state).unwrap();
        assert_eq!(journal.path(), state.join(JOURNAL_FILE));
        let mut done = entry("a", ItemStatus::Done);
        done.sha256 = Some("ab".repeat(32));
        done.attempts = 3;
        let failed = entry("b", ItemStatus::Failed);
        let mut skipped = entry("c", ItemStatus::Skipped);
        skipped.url = None;
        skipped.path = PathBuf::from("Ünï cödé/\"quoted\"\n.md");
        for e in [&done, &failed, &skipped] {
            journal.record(e).unwrap();
        }
        let text = journal_text(&state);
        assert_eq!(text.lines().count(), 3);
        assert!(text.ends_with('\n'));
        assert!(text.contains(r#""status":"done""#), "{text}");
        assert!(text.contains(r#""status":"skipped""#), "{text}");
        let loaded = JournalState::load(&state).unwrap();
        assert_eq!(loaded.entries.len(), 3);
        assert_eq!(loaded.get("a"), Some(&done));
        assert_eq!(loaded.get("b"), Some(&failed));
        assert_eq!(loaded.get("c"), Some(&skipped));
        assert_eq!(loaded.get("d"), None);
    }

    #[test]
    fn timestamps_are_rfc3339_with_millis() {
        let now = now_rfc3339();
        assert!(humantime::parse_rfc3339(&now).is_ok(), "{now}");
        assert!(now.ends_with('Z') && now.contains('.'), "{now}");
    }

    #[test]
    fn missing_journal_is_an_empty_state() {
        let dir = tempfile::tempdir().unwrap();
        let state = JournalState::load(&dir.path().join("nothing-here")).unwrap();
        assert!(state.entries.is_empty());
        assert!(state.failed().is_empty());
    }

    #[test]
    fn last_entry_wins() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(dir.path()).unwrap();
        journal.record(&entry("a", ItemStatus::Failed)).unwrap();
        journal.record(&entry("b", ItemStatus::Failed)).unwrap();
        let mut retried = entry("a", ItemStatus::Done);
        retried.attempts = 2;
        journal.record(&retried).unwrap();
        let state = JournalState::load(dir.path()).unwrap();
        assert_eq!(state.entries.len(), 2);
        assert_eq!(state.get("a"), Some(&retried));
        assert_eq!(state.get("b").map(|e| e.status), Some(ItemStatus::Failed));
    }

    #[test]
    fn torn_last_line_is_ignored_and_cut_before_the_next_record() {
        let dir = tempfile::tempdir().unwrap();
        let first = entry("a", ItemStatus::Done);
        let second = entry("b", ItemStatus::Done);
        {
            let journal = Journal::open(dir.path()).unwrap();
            journal.record(&first).unwrap();
        }
        // A crash in the middle of the second append: half a line, no newline.
        let whole = serde_json::to_string(&second).unwrap();
        let mut file = OpenOptions::new()
            .append(true)
            .open(dir.path().join(JOURNAL_FILE))
            .unwrap();
        file.write_all(&whole.as_bytes()[..whole.len() / 2])
            .unwrap();
        drop(file);

        let state = JournalState::load(dir.path()).unwrap();
        assert_eq!(state.entries.len(), 1);
        assert_eq!(state.get("a"), Some(&first));

        let journal = Journal::open(dir.path()).unwrap();
        assert_eq!(line_count(dir.path()), 1, "the torn tail is cut");
        let third = entry("c", ItemStatus::Failed);
        journal.record(&third).unwrap();
        let text = journal_text(dir.path());
        assert_eq!(text.lines().count(), 2);
        for line in text.lines() {
            serde_json::from_str::<JournalEntry>(line).expect("every line parses");
        }
        let state = JournalState::load(dir.path()).unwrap();
        assert_eq!(state.entries.len(), 2);
        assert_eq!(state.get("c"), Some(&third));
        assert_eq!(state.get("b"), None);
    }

    #[test]
    fn zero_filled_tail_and_garbage_lines_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let first = entry("a", ItemStatus::Done);
        let mut text = serde_json::to_string(&first).unwrap();
        text.push_str("\n{not json}\n\n");
        let mut bytes = text.into_bytes();
        bytes.extend_from_slice(&[0; 100]);
        fs::write(dir.path().join(JOURNAL_FILE), &bytes).unwrap();
        assert_eq!(JournalState::load(dir.path()).unwrap().entries.len(), 1);

        let journal = Journal::open(dir.path()).unwrap();
        journal.record(&entry("b", ItemStatus::Done)).unwrap();
        let state = JournalState::load(dir.path()).unwrap();
        assert_eq!(state.entries.len(), 2);
        assert!(!journal_text(dir.path()).contains('\0'));
    }

    #[test]
    fn unterminated_but_complete_last_line_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let first = entry("a", ItemStatus::Done);
        fs::write(
            dir.path().join(JOURNAL_FILE),
            serde_json::to_string(&first).unwrap(),
        )
        .unwrap();
        let journal = Journal::open(dir.path()).unwrap();
        journal.record(&entry("b", ItemStatus::Done)).unwrap();
        assert_eq!(line_count(dir.path()), 2);
        let state = JournalState::load(dir.path()).unwrap();
        assert_eq!(state.get("a"), Some(&first));
        assert!(state.get("b").is_some());
    }

    #[test]
    fn compaction_keeps_exactly_the_live_entries() {
        let dir = tempfile::tempdir().unwrap();
        {
            let journal = Journal::open(dir.path()).unwrap();
            for attempt in 1..=3 {
                for id in ["x", "y", "z"] {
                    let mut e = entry(id, ItemStatus::Failed);
                    e.attempts = attempt;
                    journal.record(&e).unwrap();
                }
            }
        }
        // 9 lines, 3 live, 6 superseded: 2:1, so opening compacts.
        assert_eq!(line_count(dir.path()), 9);
        let before = JournalState::load(dir.path()).unwrap();
        let journal = Journal::open(dir.path()).unwrap();
        assert_eq!(line_count(dir.path()), 3);
        let after = JournalState::load(dir.path()).unwrap();
        assert_eq!(after.entries, before.entries);
        assert!(after.entries.values().all(|e| e.attempts == 3));
        // Live entries keep the order of their latest line.
        let ids: Vec<String> = journal_text(dir.path())
            .lines()
            .map(|line| serde_json::from_str::<JournalEntry>(line).unwrap().id)
            .collect();
        assert_eq!(ids, ["x", "y", "z"]);
        // No temporary file is left, and the reopened journal still appends.
        let names: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, [JOURNAL_FILE]);
        journal.record(&entry("w", ItemStatus::Done)).unwrap();
        assert_eq!(JournalState::load(dir.path()).unwrap().entries.len(), 4);
    }

    #[test]
    fn below_the_ratio_nothing_is_rewritten() {
        let dir = tempfile::tempdir().unwrap();
        {
            let journal = Journal::open(dir.path()).unwrap();
            for id in ["x", "y", "z"] {
                journal.record(&entry(id, ItemStatus::Failed)).unwrap();
            }
            for id in ["x", "y", "z", "x", "y"] {
                journal.record(&entry(id, ItemStatus::Failed)).unwrap();
            }
        }
        // 8 lines, 3 live, 5 superseded: below 2:1.
        Journal::open(dir.path()).unwrap();
        assert_eq!(line_count(dir.path()), 8);
    }

    #[test]
    fn is_done_checks_status_path_and_hash() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path();
        let state_dir = out.join(".wyrm");
        let journal = Journal::open(&state_dir).unwrap();

        let matching = Path::new("api/a.md");
        let hash = crate::storage::write_atomic(&out.join(matching), b"# A\n").unwrap();
        let mut a = entry("a", ItemStatus::Done);
        a.sha256 = Some(hash.clone());
        journal.record(&a).unwrap();

        let changed = Path::new("api/b.md");
        let old_hash = crate::storage::write_atomic(&out.join(changed), b"# B\n").unwrap();
        let mut b = entry("b", ItemStatus::Done);
        b.sha256 = Some(old_hash);
        journal.record(&b).unwrap();
        crate::storage::write_atomic(&out.join(changed), b"# B, edited by hand\n").unwrap();

        let missing = Path::new("api/c.md");
        let mut c = entry("c", ItemStatus::Done);
        c.sha256 = Some(hash.clone());
        journal.record(&c).unwrap();

        let failed = Path::new("api/d.md");
        crate::storage::write_atomic(&out.join(failed), b"# A\n").unwrap();
        let mut d = entry("d", ItemStatus::Failed);
        d.sha256 = Some(hash.clone());
        journal.record(&d).unwrap();

        let legacy = Path::new("old/legacy.md");
        crate::storage::write_atomic(&out.join(legacy), b"written before the journal").unwrap();

        let state = JournalState::load(&state_dir).unwrap();
        assert!(state.is_done("a", out, matching), "matching hash");
        assert!(!state.is_done("b", out, changed), "file changed since");
        assert!(!state.is_done("c", out, missing), "file missing");
        assert!(!state.is_done("d", out, failed), "failed, even with a file");
        assert!(
            state.is_done("legacy", out, legacy),
            "unknown id, file present"
        );
        assert!(!state.is_done("nobody", out, Path::new("old/none.md")));
        assert!(
            !state.is_done("a", out, Path::new("api/b.md")),
            "recorded for another path"
        );
        assert!(!state.is_done("legacy", out, Path::new("../old/legacy.md")));
        assert!(!state.is_done("legacy", out, Path::new("")));
    }

    #[test]
    fn failed_lists_failed_items_sorted_by_id() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(dir.path()).unwrap();
        for (id, status) in [
            ("m", ItemStatus::Failed),
            ("c", ItemStatus::Failed),
            ("d", ItemStatus::Done),
            ("s", ItemStatus::Skipped),
            ("a", ItemStatus::Failed),
            ("m", ItemStatus::Done),
        ] {
            journal.record(&entry(id, status)).unwrap();
        }
        let state = JournalState::load(dir.path()).unwrap();
        let ids: Vec<&str> = state.failed().iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["a", "c"]);
        assert_eq!(
            state.failed()[0].error.as_deref(),
            Some("content did not load")
        );
    }

    #[test]
    fn a_thousand_entries_load() {
        let dir = tempfile::tempdir().unwrap();
        let mut text = String::new();
        for i in 0..1_000 {
            let mut e = entry(&format!("docs-node-{i}"), ItemStatus::Done);
            e.sha256 = Some(format!("{i:064x}"));
            text.push_str(&serde_json::to_string(&e).unwrap());
            text.push('\n');
        }
        fs::write(dir.path().join(JOURNAL_FILE), text).unwrap();
        let started = Instant::now();
        let state = JournalState::load(dir.path()).unwrap();
        let elapsed = started.elapsed();
        assert_eq!(state.entries.len(), 1_000);
        assert_eq!(
            state.get("docs-node-999").and_then(|e| e.sha256.as_deref()),
            Some(format!("{:064x}", 999).as_str())
        );
        // No timing assertion (CI machines vary); the figure is in the test output.
        println!("loaded 1,000 journal entries in {elapsed:?}");
    }

    #[test]
    fn concurrent_records_never_interleave() {
        let dir = tempfile::tempdir().unwrap();
        let journal = std::sync::Arc::new(Journal::open(dir.path()).unwrap());
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let journal = journal.clone();
                std::thread::spawn(move || {
                    for i in 0..25 {
                        let mut e = entry(&format!("t{t}-{i}"), ItemStatus::Done);
                        e.error = Some("x".repeat(5_000));
                        journal.record(&e).unwrap();
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        let text = journal_text(dir.path());
        assert_eq!(text.lines().count(), 100);
        assert!(text
            .lines()
            .all(|line| serde_json::from_str::<JournalEntry>(line).is_ok()));
    }

    #[test]
    fn errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("file");
        fs::write(&blocker, "not a directory").unwrap();
        let error = Journal::open(&blocker.join(".wyrm")).unwrap_err();
        assert!(matches!(error, JournalError::CreateDir { .. }), "{error:?}");
        assert!(error.to_string().contains("file"), "{error}");

        // A directory where the journal should be.
        fs::create_dir(dir.path().join(JOURNAL_FILE)).unwrap();
        let error = JournalState::load(dir.path()).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("cannot read the resume journal"),
            "{error}"
        );
        assert!(error.to_string().contains(JOURNAL_FILE), "{error}");
    }

    #[cfg(unix)]
    #[test]
    fn non_utf8_path_is_an_encode_error() {
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(dir.path()).unwrap();
        let mut e = entry("bad", ItemStatus::Done);
        e.path = PathBuf::from(std::ffi::OsStr::from_bytes(b"\xff.md"));
        let error = journal.record(&e).unwrap_err();
        assert!(matches!(error, JournalError::Encode { .. }), "{error:?}");
        assert!(error.to_string().contains("\"bad\""), "{error}");
        journal.record(&entry("ok", ItemStatus::Done)).unwrap();
        assert_eq!(line_count(dir.path()), 1);
    }
}
