//! The structure cache: the discovered [`SidebarTree`] of one target URL, saved as JSON in
//! `<output>/.wyrm/` so later runs skip the slow menu expansion (about 23 s → 0.4 s on the real
//! portal).
//!
//! A cache is only an optimisation, so reading it never fails loudly: a missing file is simply
//! no cache, and a file that cannot be trusted (corrupt, another format version, another URL) is
//! reported with a warning and ignored, which makes the caller expand the sidebar again.
//! Writing is atomic (temporary file in the same directory, fsync, rename), so an interrupted run
//! never leaves a half-written cache behind.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::tree::SidebarTree;
use crate::storage::{to_hex, STATE_DIR_NAME};

/// The cache file format. Bump it whenever the serialised shape of [`CachedStructure`] or the
/// meaning of its fields (e.g. the position contract) changes: older files are then ignored.
pub const CACHE_FORMAT_VERSION: u32 = 1;

/// The content of one cache file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CachedStructure {
    /// [`CACHE_FORMAT_VERSION`] at the time of writing.
    pub format_version: u32,
    /// The target URL whose sidebar this is (the file name only holds a hash of it).
    pub target_url: String,
    /// When the file was written, RFC 3339 in UTC (e.g. `2025-01-31T12:00:00Z`).
    pub created_at: String,
    /// The sidebar structure.
    pub tree: SidebarTree,
}

/// Why the cache could not be written.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// The cache could not be encoded.
    #[error("cannot encode the structure cache: {0}")]
    Encode(#[from] serde_json::Error),
    /// The cache file (or its directory) could not be written.
    #[error(transparent)]
    Write(#[from] crate::storage::StorageError),
}

/// The fields checked before the whole file is trusted. Reading them first gives precise
/// warnings: a file from another format version may not deserialise as today's tree at all.
#[derive(Deserialize)]
struct Envelope {
    format_version: u32,
    target_url: String,
}

/// Borrowing twin of [`CachedStructure`], so saving does not clone the tree.
#[derive(Serialize)]
struct CachedStructureRef<'a> {
    format_version: u32,
    target_url: &'a str,
    created_at: String,
    tree: &'a SidebarTree,
}

/// The cache file of `target_url`: `<output>/.wyrm/structure-<16 hex digits>.json`, the digits
/// being the start of the URL's SHA-256 (URLs make poor file names; 64 bits make collisions
/// practically impossible, and the stored URL is checked on load anyway).
pub fn cache_path(output_dir: &Path, target_url: &str) -> PathBuf {
    let digest = Sha256::digest(target_url.as_bytes());
    let hex = to_hex(&digest[..8]);
    output_dir
        .join(STATE_DIR_NAME)
        .join(format!("structure-{hex}.json"))
}

/// Loads the cached structure of `target_url`, or `None` when there is none to trust.
///
/// A missing file is silent; an unreadable or corrupt file, another format version or another
/// URL is logged as a warning naming the file and the reason.
pub fn load(output_dir: &Path, target_url: &str) -> Option<CachedStructure> {
    let path = cache_path(output_dir, target_url);
    let text = match fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            tracing::debug!(file = %path.display(), "no cached sidebar structure");
            return None;
        }
        Err(e) => {
            tracing::warn!(file = %path.display(), error = %e, "cannot read the cached sidebar structure; ignoring it");
            return None;
        }
    };
    let envelope: Envelope = match serde_json::from_str(&text) {
        Ok(envelope) => envelope,
        Err(e) => {
            tracing::warn!(file = %path.display(), error = %e, "corrupt sidebar structure cache; ignoring it");
            return None;
        }
    };
    if envelope.format_version != CACHE_FORMAT_VERSION {
        tracing::warn!(
            file = %path.display(),
            found = envelope.format_version,
            expected = CACHE_FORMAT_VERSION,
            "sidebar structure cache has another format version; ignoring it"
        );
        return None;
    }
    if envelope.target_url != target_url {
        tracing::warn!(
            file = %path.display(),
            cached_url = %envelope.target_url,
            target_url,
            "sidebar structure cache belongs to another URL; ignoring it"
        );
        return None;
    }
    match serde_json::from_str(&text) {
        Ok(cached) => Some(cached),
        Err(e) => {
            tracing::warn!(file = %path.display(), error = %e, "corrupt sidebar structure cache; ignoring it");
            None
        }
    }
}

/// Saves `tree` as the cached structure of `target_url`, atomically, and returns the file's path.
pub fn save(
    output_dir: &Path,
    target_url: &str,
    tree: &SidebarTree,
) -> Result<PathBuf, CacheError> {
    let path = cache_path(output_dir, target_url);
    let cached = CachedStructureRef {
        format_version: CACHE_FORMAT_VERSION,
        target_url,
        created_at: humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
        tree,
    };
    let mut bytes = serde_json::to_vec_pretty(&cached)?;
    bytes.push(b'\n');
    crate::storage::write_atomic(&path, &bytes)?;
    tracing::debug!(file = %path.display(), "sidebar structure cached");
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SiteProfile;
    use crate::sidebar::parse::{parse_sidebar, MAX_LIST_DEPTH};
    use crate::sidebar::tree::{HeaderGroup, ItemNode, MenuNode, Node};

    const URL: &str = "https://developer.dell.com/apis/4008/versions/4.6.1/docs";

    fn tree() -> SidebarTree {
        SidebarTree {
            groups: vec![
                HeaderGroup {
                    title: Some("Authentication".into()),
                    nodes: vec![
                        Node::Item(ItemNode {
                            id: "docs-node-123".into(),
                            title: "Login".into(),
                            position: vec![1],
                        }),
                        Node::Menu(MenuNode {
                            title: "Users".into(),
                            position: vec![2],
                            expanded: true,
                            children: vec![Node::Item(ItemNode {
                                id: "docs-node-456".into(),
                                title: "Create \"User\" – ünïcode".into(),
                                position: vec![2, 0],
                            })],
                        }),
                    ],
                },
                HeaderGroup {
                    title: None,
                    nodes: vec![Node::Menu(MenuNode {
                        title: "Closed".into(),
                        position: vec![3],
                        expanded: false,
                        children: vec![],
                    })],
                },
            ],
        }
    }

    /// Rewrites the saved cache file of `URL` through a JSON value.
    fn tamper(dir: &Path, edit: impl FnOnce(&mut serde_json::Value)) {
        let path = cache_path(dir, URL);
        let mut value: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
        edit(&mut value);
        fs::write(&path, serde_json::to_string(&value).unwrap()).unwrap();
    }

    #[test]
    fn cache_path_hashes_the_url() {
        let path = cache_path(Path::new("/out"), URL);
        assert_eq!(
            path,
            Path::new("/out/.wyrm/structure-d24da6bcd84c3315.json")
        );
        assert_ne!(
            cache_path(Path::new("/out"), "https://example.com/a"),
            cache_path(Path::new("/out"), "https://example.com/b")
        );
    }

    #[test]
    fn round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let tree = tree();
        let path = save(dir.path(), URL, &tree).unwrap();
        assert_eq!(path, cache_path(dir.path(), URL));
        let cached = load(dir.path(), URL).unwrap();
        assert_eq!(cached.format_version, CACHE_FORMAT_VERSION);
        assert_eq!(cached.target_url, URL);
        assert_eq!(cached.tree, tree);
        let created = humantime::parse_rfc3339(&cached.created_at).unwrap();
        let age = SystemTime::now().duration_since(created).unwrap();
        assert!(age.as_secs() < 60, "{}", cached.created_at);
        assert!(cached.created_at.ends_with('Z'));
        // Only the cache file is left in .wyrm: the temporary file was renamed, not copied.
        let names: Vec<_> = fs::read_dir(dir.path().join(STATE_DIR_NAME))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, [path.file_name().unwrap().to_owned()]);
    }

    #[test]
    fn save_overwrites_and_keeps_urls_apart() {
        let dir = tempfile::tempdir().unwrap();
        save(dir.path(), URL, &SidebarTree::default()).unwrap();
        save(dir.path(), URL, &tree()).unwrap();
        save(
            dir.path(),
            "https://example.com/other",
            &SidebarTree::default(),
        )
        .unwrap();
        assert_eq!(load(dir.path(), URL).unwrap().tree, tree());
        assert_eq!(
            load(dir.path(), "https://example.com/other").unwrap().tree,
            SidebarTree::default()
        );
        // `save` creates the output directory too.
        let nested = dir.path().join("not/yet/there");
        save(&nested, URL, &tree()).unwrap();
        assert!(load(&nested, URL).is_some());
    }

    #[test]
    fn missing_cache_is_none() {
        let dir = tempfile::tempdir().unwrap();
        assert!(load(dir.path(), URL).is_none());
        assert!(load(&dir.path().join("absent"), URL).is_none());
    }

    #[test]
    fn corrupt_cache_is_none() {
        let dir = tempfile::tempdir().unwrap();
        let path = save(dir.path(), URL, &tree()).unwrap();
        let full = fs::read_to_string(&path).unwrap();
        for corrupt in [
            "",
            "not json",
            "{}",
            "[1,2,3]",
            "\u{0}\u{1}",
            &full[..full.len() / 2],
        ] {
            fs::write(&path, corrupt).unwrap();
            assert!(load(dir.path(), URL).is_none(), "{corrupt:?}");
        }
        // Right envelope, broken tree.
        fs::write(&path, &full).unwrap();
        tamper(dir.path(), |v| {
            v["tree"]["groups"][0]["nodes"][0]["kind"] = "folder".into()
        });
        assert!(load(dir.path(), URL).is_none());
        // Not UTF-8.
        fs::write(&path, [0xff, 0xfe, 0x00]).unwrap();
        assert!(load(dir.path(), URL).is_none());
        // A directory where the file should be.
        fs::remove_file(&path).unwrap();
        fs::create_dir(&path).unwrap();
        assert!(load(dir.path(), URL).is_none());
    }

    #[test]
    fn other_format_version_is_none() {
        let dir = tempfile::tempdir().unwrap();
        save(dir.path(), URL, &tree()).unwrap();
        tamper(dir.path(), |v| {
            v["format_version"] = (CACHE_FORMAT_VERSION + 1).into()
        });
        assert!(load(dir.path(), URL).is_none());
        // Even when the rest no longer looks like today's tree.
        tamper(dir.path(), |v| v["tree"] = serde_json::json!({"menus": []}));
        assert!(load(dir.path(), URL).is_none());
        tamper(dir.path(), |v| v["format_version"] = 0.into());
        assert!(load(dir.path(), URL).is_none());
    }

    #[test]
    fn other_url_is_none() {
        let dir = tempfile::tempdir().unwrap();
        save(dir.path(), URL, &tree()).unwrap();
        tamper(dir.path(), |v| {
            v["target_url"] = "https://example.com/copied".into()
        });
        assert!(load(dir.path(), URL).is_none());
    }

    #[test]
    fn unwritable_output_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("file");
        fs::write(&blocker, "").unwrap();
        let error = save(&blocker, URL, &tree()).unwrap_err();
        assert!(matches!(error, CacheError::Write(_)), "{error:?}");
        assert!(error.to_string().contains(".wyrm"), "{error}");
    }

    #[test]
    fn the_deepest_parsed_tree_survives_the_cache() {
        // serde_json refuses input nested deeper than 128 containers; MAX_LIST_DEPTH keeps
        // every parsed tree under that limit.
        let levels = MAX_LIST_DEPTH + 10;
        let mut html = String::from(r#"<ul class="toc-nav">"#);
        for level in 0..levels {
            html.push_str(&format!(
                r#"<li class="toc-item-highlight clickable" id="i{level}">I</li><li class="toc-item-highlight clickable">M{level}</li><ul>"#
            ));
        }
        html.push_str(&"</ul>".repeat(levels + 1));
        let tree = parse_sidebar(&html, &SiteProfile::default()).unwrap();
        assert_eq!(tree.menu_count(), MAX_LIST_DEPTH + 1);
        let deepest = tree.items().pop().unwrap();
        assert_eq!(deepest.position.len(), MAX_LIST_DEPTH + 1);
        let dir = tempfile::tempdir().unwrap();
        save(dir.path(), URL, &tree).unwrap();
        assert_eq!(load(dir.path(), URL).map(|c| c.tree), Some(tree));

        // Why the cap: a hand-built tree far deeper than any parse produces saves fine but cannot
        // be read back; that is reported and ignored like any other unusable cache.
        let mut node = Node::Menu(MenuNode {
            title: "M".into(),
            position: vec![0],
            expanded: false,
            children: vec![],
        });
        for _ in 0..70 {
            node = Node::Menu(MenuNode {
                title: "M".into(),
                position: vec![0],
                expanded: true,
                children: vec![node],
            });
        }
        let too_deep = SidebarTree {
            groups: vec![HeaderGroup {
                title: None,
                nodes: vec![node],
            }],
        };
        save(dir.path(), URL, &too_deep).unwrap();
        assert!(load(dir.path(), URL).is_none());
    }
}
