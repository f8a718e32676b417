//! Planning output paths: where each sidebar item's Markdown file goes.
//!
//! The output mirrors the sidebar: `<header>/<menu>/<submenu>/…/<title>.md`, every part a
//! [`slug`]. Names are unique per directory — files and directories share one namespace, as
//! they do on disk — and collisions are resolved in sidebar order with `-2`, `-3`, … so the
//! same sidebar always gives the same paths.

use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

use super::slug::{slug, MAX_SLUG_LEN, RESERVED_NAME_SUFFIX};
use super::{StorageError, STATE_DIR_NAME};

/// Most directory levels (header included) a planned path has. Menus nested deeper are folded
/// into the deepest directory: their items are stored there.
pub const MAX_DIR_LEVELS: usize = 32;

/// Upper bound on the byte length of a planned relative path. Half of Linux's `PATH_MAX`, so
/// that the path still fits once joined to an output directory with a long name.
pub const MAX_RELATIVE_PATH_BYTES: usize = 2048;

const MARKDOWN_EXTENSION: &str = ".md";

/// Longest collision suffix: `-` and the digits of a `usize`.
const MAX_COLLISION_SUFFIX_LEN: usize = 1 + 20;

/// Longest possible directory name.
const MAX_DIR_NAME_LEN: usize =
    MAX_SLUG_LEN + RESERVED_NAME_SUFFIX.len() + MAX_COLLISION_SUFFIX_LEN;

/// Longest possible file name.
const MAX_FILE_NAME_LEN: usize = MAX_DIR_NAME_LEN + MARKDOWN_EXTENSION.len();

/// Where one item sits in the sidebar, as storage needs it.
#[derive(Debug, Clone, Copy)]
pub struct ItemLocation<'a> {
    /// The section header above the item, if any. Headers are identified by their title:
    /// two headers with the same title are one group.
    pub header: Option<&'a str>,
    /// Titles of the menus that contain the item, outermost first.
    pub menu_path: &'a [String],
    /// A stable identity for each menu of `menu_path` (e.g. its position in the tree, `"3.1"`).
    /// Items whose menus have the same identities share a directory; two menus that merely
    /// have the same title get two. Missing identities fall back to the menu title.
    pub menu_ids: &'a [String],
    /// The item's own title.
    pub title: &'a str,
}

/// Relative output paths (e.g. `api-reference/volumes/get-volume.md`) for items given in
/// sidebar order; same input → same output on every run.
///
/// Every path is distinct (also from the directories of the other paths), consists of
/// [`Component::Normal`] parts only, has at most [`MAX_DIR_LEVELS`] directories, is at most
/// [`MAX_RELATIVE_PATH_BYTES`] long, and never uses [`STATE_DIR_NAME`].
pub fn plan_paths(items: &[ItemLocation<'_>]) -> Vec<PathBuf> {
    let mut tree = DirTree::new();
    items.iter().map(|item| tree.place(item)).collect()
}

/// Joins `relative` to `root`, refusing anything that could leave `root`: an empty path, an
/// absolute path, a drive prefix, `..` (and, for good measure, a leading `.`).
///
/// This is a lexical check, a second line of defence behind [`slug`]: planned paths never
/// fail it. Symbolic links inside `root` are followed like any other directory.
pub fn resolve_in(root: &Path, relative: &Path) -> Result<PathBuf, StorageError> {
    let mut components = relative.components().peekable();
    let only_normal = components.peek().is_some()
        && components.all(|component| matches!(component, Component::Normal(_)));
    if only_normal {
        Ok(root.join(relative))
    } else {
        Err(StorageError::Escapes(relative.to_path_buf()))
    }
}

/// How a directory is recognised among its parent's subdirectories.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum DirKey {
    Header(String),
    MenuId(String),
    MenuTitle(String),
}

/// One planned directory.
struct Dir {
    path: PathBuf,
    /// Byte length of `path`.
    path_len: usize,
    /// Number of directories in `path`.
    levels: usize,
    names: NameAllocator,
    subdirs: HashMap<DirKey, usize>,
}

impl Dir {
    /// Whether a subdirectory, and a file in it, are guaranteed to fit the limits whatever
    /// their names. Depending on the worst case, not the actual name, means every item under
    /// the same menus gets the same answer.
    fn has_room_for_subdir(&self) -> bool {
        let separator = usize::from(self.levels > 0);
        let deepest_file = self.path_len + separator + MAX_DIR_NAME_LEN + 1 + MAX_FILE_NAME_LEN;
        self.levels < MAX_DIR_LEVELS && deepest_file <= MAX_RELATIVE_PATH_BYTES
    }
}

/// All directories planned so far; index 0 is the output directory itself.
struct DirTree {
    dirs: Vec<Dir>,
}

const ROOT: usize = 0;

impl DirTree {
    fn new() -> Self {
        let mut names = NameAllocator::default();
        names.reserve(STATE_DIR_NAME);
        let root = Dir {
            path: PathBuf::new(),
            path_len: 0,
            levels: 0,
            names,
            subdirs: HashMap::new(),
        };
        DirTree { dirs: vec![root] }
    }

    /// Plans the path of one item, creating its directories on first use.
    fn place(&mut self, item: &ItemLocation<'_>) -> PathBuf {
        let header = item
            .header
            .map(|header| (DirKey::Header(header.to_owned()), header));
        let menus = item.menu_path.iter().enumerate().map(|(level, title)| {
            let key = match item.menu_ids.get(level) {
                Some(id) => DirKey::MenuId(id.clone()),
                None => DirKey::MenuTitle(title.clone()),
            };
            (key, title.as_str())
        });
        let mut dir = ROOT;
        for (key, title) in header.into_iter().chain(menus) {
            if !self.dirs[dir].has_room_for_subdir() {
                break;
            }
            dir = self.subdir(dir, key, title);
        }
        let file_name = self.dirs[dir]
            .names
            .claim(&slug(item.title), MARKDOWN_EXTENSION);
        self.dirs[dir].path.join(file_name)
    }

    /// The subdirectory of `parent` identified by `key`, named after `title` when created.
    fn subdir(&mut self, parent: usize, key: DirKey, title: &str) -> usize {
        if let Some(&existing) = self.dirs[parent].subdirs.get(&key) {
            return existing;
        }
        let parent_dir = &mut self.dirs[parent];
        let name = parent_dir.names.claim(&slug(title), "");
        let separator = usize::from(parent_dir.levels > 0);
        let child = Dir {
            path_len: parent_dir.path_len + separator + name.len(),
            path: parent_dir.path.join(name),
            levels: parent_dir.levels + 1,
            names: NameAllocator::default(),
            subdirs: HashMap::new(),
        };
        let index = self.dirs.len();
        self.dirs[parent].subdirs.insert(key, index);
        self.dirs.push(child);
        index
    }
}

/// Hands out unique names within one directory.
#[derive(Default)]
struct NameAllocator {
    taken: HashSet<String>,
    /// For each natural name that collided, the next suffix number to try, so that many
    /// pages with the same title do not cost quadratic time.
    next_suffix: HashMap<String, usize>,
}

impl NameAllocator {
    fn reserve(&mut self, name: &str) {
        self.taken.insert(name.to_owned());
    }

    /// `base + extension` if free, else the first free `base-N + extension` with N ≥ 2. A
    /// suffixed name is checked against every name taken, natural or suffixed, so `x`, `x`,
    /// `x-2` give `x`, `x-2`, `x-2-2`.
    fn claim(&mut self, base: &str, extension: &str) -> String {
        let natural = format!("{base}{extension}");
        if self.taken.insert(natural.clone()) {
            return natural;
        }
        let mut number = self.next_suffix.get(&natural).copied().unwrap_or(2);
        loop {
            let candidate = format!("{base}-{number}{extension}");
            number += 1;
            if self.taken.insert(candidate.clone()) {
                self.next_suffix.insert(natural, number);
                return candidate;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// An owned item, so tests can build `ItemLocation`s from literals.
    #[derive(Debug, Clone)]
    struct Item {
        header: Option<String>,
        menus: Vec<String>,
        ids: Vec<String>,
        title: String,
    }

    fn item(header: Option<&str>, menus: &[(&str, &str)], title: &str) -> Item {
        Item {
            header: header.map(str::to_owned),
            menus: menus.iter().map(|(title, _)| (*title).to_owned()).collect(),
            ids: menus.iter().map(|(_, id)| (*id).to_owned()).collect(),
            title: title.to_owned(),
        }
    }

    fn plan(items: &[Item]) -> Vec<String> {
        let locations: Vec<ItemLocation<'_>> = items
            .iter()
            .map(|item| ItemLocation {
                header: item.header.as_deref(),
                menu_path: &item.menus,
                menu_ids: &item.ids,
                title: &item.title,
            })
            .collect();
        plan_paths(&locations)
            .into_iter()
            .map(|path| path.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn layout_follows_header_menus_and_title() {
        let items = [
            item(Some("API Reference"), &[("Volumes", "1")], "Get Volume"),
            item(
                Some("API Reference"),
                &[("Volumes", "1"), ("Snapshots", "1.1")],
                "List",
            ),
            item(None, &[("Guides", "2")], "Install"),
            item(None, &[], "Overview"),
        ];
        assert_eq!(
            plan(&items),
            [
                "api-reference/volumes/get-volume.md",
                "api-reference/volumes/snapshots/list.md",
                "guides/install.md",
                "overview.md",
            ]
        );
    }

    #[test]
    fn colliding_items_get_numbered_in_sidebar_order() {
        let items = [
            item(None, &[], "X"),
            item(None, &[], "x"),
            item(None, &[], "x!"),
        ];
        assert_eq!(plan(&items), ["x.md", "x-2.md", "x-3.md"]);
    }

    #[test]
    fn suffixed_names_never_collide_with_natural_ones() {
        let items = [
            item(None, &[], "x"),
            item(None, &[], "x"),
            item(None, &[], "x-2"),
        ];
        assert_eq!(plan(&items), ["x.md", "x-2.md", "x-2-2.md"]);
        let items = [
            item(None, &[], "x-2"),
            item(None, &[], "x"),
            item(None, &[], "x"),
        ];
        assert_eq!(plan(&items), ["x-2.md", "x.md", "x-3.md"]);
    }

    #[test]
    fn different_menus_with_the_same_title_get_different_directories() {
        let items = [
            item(None, &[("Volumes", "1")], "a"),
            item(None, &[("Volumes", "2")], "b"),
            item(None, &[("Volumes", "1")], "c"),
        ];
        assert_eq!(
            plan(&items),
            ["volumes/a.md", "volumes-2/b.md", "volumes/c.md"]
        );
    }

    #[test]
    fn same_menu_id_under_different_parents_is_a_different_directory() {
        let items = [
            item(Some("A"), &[("M", "1")], "x"),
            item(Some("B"), &[("M", "1")], "x"),
        ];
        assert_eq!(plan(&items), ["a/m/x.md", "b/m/x.md"]);
    }

    #[test]
    fn headers_are_identified_by_title() {
        let items = [
            item(Some("Guides"), &[], "a"),
            item(Some("Other"), &[], "b"),
            item(Some("Guides"), &[], "c"),
            item(Some("guides!"), &[], "d"),
        ];
        assert_eq!(
            plan(&items),
            ["guides/a.md", "other/b.md", "guides/c.md", "guides-2/d.md"]
        );
    }

    #[test]
    fn files_and_directories_share_one_namespace() {
        let items = [
            item(None, &[("x.md", "1")], "a"),
            item(None, &[], "x"),
            item(None, &[("Y", "2")], "b"),
            item(None, &[], "y"),
        ];
        assert_eq!(plan(&items), ["x.md/a.md", "x-2.md", "y/b.md", "y.md"]);
    }

    #[test]
    fn missing_menu_ids_fall_back_to_titles() {
        let items = [
            Item {
                header: None,
                menus: vec!["M".into(), "Sub".into()],
                ids: vec!["1".into()],
                title: "a".into(),
            },
            Item {
                header: None,
                menus: vec!["M".into(), "Sub".into()],
                ids: vec![],
                title: "b".into(),
            },
        ];
        assert_eq!(plan(&items), ["m/sub/a.md", "m-2/sub/b.md"]);
    }

    #[test]
    fn state_directory_name_is_never_used() {
        let items = [
            item(Some(".wyrm"), &[(".wyrm", "1")], ".wyrm"),
            item(None, &[], ".wyrm"),
        ];
        let paths = plan(&items);
        assert!(paths
            .iter()
            .all(|path| !path.split('/').any(|part| part == STATE_DIR_NAME)));
        let mut root_names = DirTree::new().dirs.remove(ROOT).names;
        assert_eq!(root_names.claim(".wyrm", ""), ".wyrm-2");
    }

    #[test]
    fn same_input_gives_same_output() {
        let items: Vec<Item> = (0..200)
            .map(|i| {
                item(
                    Some(["A", "B"][i % 2]),
                    &[("M", ["1", "2", "3"][i % 3])],
                    ["t", "T", "t-2"][i % 3],
                )
            })
            .collect();
        let first = plan(&items);
        assert_eq!(first, plan(&items));
        let unique: HashSet<&String> = first.iter().collect();
        assert_eq!(unique.len(), first.len());
    }

    #[test]
    fn thousand_level_menus_are_folded() {
        let menus: Vec<(String, String)> = (0..1_000)
            .map(|level| (format!("Level {level}"), format!("id{level}")))
            .collect();
        let refs: Vec<(&str, &str)> = menus
            .iter()
            .map(|(t, i)| (t.as_str(), i.as_str()))
            .collect();
        let items = [
            item(Some("Header"), &refs, "Deepest"),
            item(Some("Header"), &refs[..500], "Shallower"),
            item(Some("Header"), &refs[..5], "Shallow"),
        ];
        let paths = plan(&items);
        for path in &paths {
            assert!(path.len() <= MAX_RELATIVE_PATH_BYTES);
            assert!(path.split('/').count() <= MAX_DIR_LEVELS + 1, "{path}");
        }
        assert_eq!(paths[0].split('/').count(), MAX_DIR_LEVELS + 1);
        let folded_dir = |path: &str| path.rsplit_once('/').map(|(dir, _)| dir.to_owned());
        assert_eq!(folded_dir(&paths[0]), folded_dir(&paths[1]));
        assert!(paths[2].starts_with("header/level-0/level-1/level-2/level-3/level-4/shallow"));
    }

    #[test]
    fn long_names_limit_depth_by_length() {
        let menus: Vec<(String, String)> = (0..1_000)
            .map(|level| (format!("{level}{}", "m".repeat(200)), level.to_string()))
            .collect();
        let refs: Vec<(&str, &str)> = menus
            .iter()
            .map(|(t, i)| (t.as_str(), i.as_str()))
            .collect();
        let paths = plan(&[item(Some(&"h".repeat(500)), &refs, &"t".repeat(500))]);
        assert!(
            paths[0].len() <= MAX_RELATIVE_PATH_BYTES,
            "{}",
            paths[0].len()
        );
        assert!(paths[0].split('/').all(|part| part.len() <= 255));
        assert!(paths[0].split('/').count() > 10);
    }

    #[test]
    fn resolve_in_accepts_plain_relative_paths() {
        let root = Path::new("/out");
        assert_eq!(
            resolve_in(root, Path::new("a/b.md")).ok(),
            Some(PathBuf::from("/out/a/b.md"))
        );
        assert_eq!(
            resolve_in(root, Path::new("a..b/c.md")).ok(),
            Some(PathBuf::from("/out/a..b/c.md"))
        );
    }

    #[test]
    fn resolve_in_refuses_escapes() {
        let root = Path::new("/out");
        for bad in ["", "/etc/passwd", "../x", "a/../../x", "a/..", "./a", ".."] {
            let result = resolve_in(root, Path::new(bad));
            assert!(
                matches!(result, Err(StorageError::Escapes(_))),
                "{bad:?} gave {result:?}"
            );
        }
    }

    #[test]
    fn escape_error_names_the_path() {
        let message = resolve_in(Path::new("/out"), Path::new("../secret"))
            .map_err(|error| error.to_string())
            .err();
        assert_eq!(
            message.as_deref(),
            Some("refusing to write outside the output directory: ../secret")
        );
    }

    fn hostile_text() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "([./\\\\\0\u{1}-\u{1f} a-zA-Z_-]|\\.\\.|/abs|\\.wyrm|CON|数据){0,20}",
            Just("../".to_owned()),
            Just("/abs".to_owned()),
            Just("..".to_owned()),
            Just(".wyrm".to_owned()),
            "[a-z]{1,3}".prop_map(|text| text.repeat(3_400)),
        ]
    }

    fn hostile_item() -> impl Strategy<Value = Item> {
        (
            prop::option::of(hostile_text()),
            prop::collection::vec((hostile_text(), "[0-3]"), 0..5),
            hostile_text(),
        )
            .prop_map(|(header, menus, title)| Item {
                header,
                ids: menus.iter().map(|(_, id)| id.clone()).collect(),
                menus: menus.into_iter().map(|(title, _)| title).collect(),
                title,
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn planned_paths_are_distinct_contained_and_bounded(
            items in prop::collection::vec(hostile_item(), 0..20)
        ) {
            let locations: Vec<ItemLocation<'_>> = items
                .iter()
                .map(|item| ItemLocation {
                    header: item.header.as_deref(),
                    menu_path: &item.menus,
                    menu_ids: &item.ids,
                    title: &item.title,
                })
                .collect();
            let paths = plan_paths(&locations);
            prop_assert_eq!(paths.len(), items.len());
            let files: HashSet<&PathBuf> = paths.iter().collect();
            prop_assert_eq!(files.len(), paths.len());
            let root = Path::new("/output/root");
            for path in &paths {
                prop_assert!(path.components().all(|c| matches!(c, Component::Normal(_))));
                prop_assert!(path.as_os_str().len() <= MAX_RELATIVE_PATH_BYTES);
                prop_assert!(path.components().count() <= MAX_DIR_LEVELS + 1);
                let first = path.components().next().map(|c| c.as_os_str().to_owned());
                prop_assert!(first.as_deref() != Some(std::ffi::OsStr::new(STATE_DIR_NAME)));
                // No file is also used as a directory by another path.
                for ancestor in path.ancestors().skip(1) {
                    prop_assert!(!files.contains(&ancestor.to_path_buf()));
                }
                let resolved = resolve_in(root, path);
                prop_assert!(resolved.is_ok_and(|full| full.starts_with(root)));
            }
        }

        #[test]
        fn resolve_in_never_leaves_root(relative in hostile_text()) {
            let root = Path::new("/output/root");
            if let Ok(full) = resolve_in(root, Path::new(&relative)) {
                prop_assert!(full.starts_with(root));
                prop_assert!(full.components().all(|c| !matches!(c, Component::ParentDir)));
            }
        }
    }
}
