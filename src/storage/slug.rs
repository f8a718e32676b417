//! Slugs: safe, readable file and directory names made from titles.
//!
//! The rules are those of the tool Wyrm replaces, because its users have links and scripts
//! that depend on the names:
//!
//! 1. Unicode NFKD, then keep only ASCII (accents fold away, `数据` disappears);
//! 2. each run of whitespace, `-`, `_`, `/` or `\` becomes a single `-`;
//! 3. anything but ASCII letters, digits, `-` and `.` is dropped;
//! 4. lowercase;
//! 5. `-`, `_` and `.` are trimmed from both ends;
//! 6. at most [`MAX_SLUG_LEN`] characters (trimmed again after cutting);
//! 7. an empty result becomes `untitled`.
//!
//! Note that step 3 runs after step 2, so `Foo & Bar` becomes `foo--bar`: the old tool did the
//! same, and changing it would rename existing files.
//!
//! One rule is new: Windows reserves device names (`con`, `nul`, `com1`, …) even with an
//! extension (`con.txt`), so such slugs get [`RESERVED_NAME_SUFFIX`] after the device name:
//! `con` → `con-page`, `con.txt` → `con-page.txt`. The suffix goes before the first dot
//! because Windows only looks at the part before it.

use unicode_normalization::UnicodeNormalization;

/// Maximum length of a slug in bytes (slugs are ASCII), not counting [`RESERVED_NAME_SUFFIX`].
pub const MAX_SLUG_LEN: usize = 100;

/// Added to slugs that Windows would take for a device name.
pub const RESERVED_NAME_SUFFIX: &str = "-page";

/// What an empty slug becomes.
const EMPTY_SLUG: &str = "untitled";

/// Device names Windows reserves in every directory, with or without an extension.
const WINDOWS_DEVICE_NAMES: &[&str] = &[
    "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8",
    "com9", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
];

/// Turns `text` into a file or directory name: `^[a-z0-9.-]+$`, never `.` or `..`, never a
/// Windows device name, at most [`MAX_SLUG_LEN`] bytes (plus [`RESERVED_NAME_SUFFIX`]).
///
/// ```
/// use wyrm::storage::slug;
/// assert_eq!(slug("GET /api/types/Volume/instances"), "get-api-types-volume-instances");
/// assert_eq!(slug("Café Déjà vu"), "cafe-deja-vu");
/// ```
pub fn slug(text: &str) -> String {
    let ascii: String = text.nfkd().filter(char::is_ascii).collect();
    let dashed = dash_separator_runs(&ascii);
    let kept: String = dashed
        .chars()
        .filter(|&ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '.')
        .map(|ch| ch.to_ascii_lowercase())
        .collect();
    let trimmed = trim_edges(&kept);
    let cut = trim_edges(&trimmed[..trimmed.len().min(MAX_SLUG_LEN)]);
    if cut.is_empty() {
        EMPTY_SLUG.to_owned()
    } else {
        avoid_device_names(cut)
    }
}

/// Replaces each run of whitespace, `-`, `_`, `/` and `\` with one `-`.
fn dash_separator_runs(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_run = false;
    for ch in text.chars() {
        let is_separator = ch.is_whitespace() || matches!(ch, '-' | '_' | '/' | '\\');
        if !is_separator {
            out.push(ch);
        } else if !in_run {
            out.push('-');
        }
        in_run = is_separator;
    }
    out
}

/// Trims `-`, `_` and `.` from both ends. Trimming dots is what makes `.`, `..` and hidden
/// names (`.wyrm`) impossible.
fn trim_edges(text: &str) -> &str {
    text.trim_matches(['-', '_', '.'])
}

/// `con` → `con-page`, `con.txt` → `con-page.txt`; other names are returned unchanged.
fn avoid_device_names(slug: &str) -> String {
    let (stem, extension) = slug.split_at(slug.find('.').unwrap_or(slug.len()));
    if WINDOWS_DEVICE_NAMES.contains(&stem) {
        format!("{stem}{RESERVED_NAME_SUFFIX}{extension}")
    } else {
        slug.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn documented_examples() {
        let examples = [
            ("Query System's SDCs", "query-systems-sdcs"),
            (
                "GET /api/types/Volume/instances",
                "get-api-types-volume-instances",
            ),
            ("Café Déjà vu", "cafe-deja-vu"),
            ("System::{id}", "systemid"),
            ("v1.0 Release", "v1.0-release"),
            ("../../etc/passwd", "etc-passwd"),
            ("..", "untitled"),
            ("数据 API", "api"),
        ];
        for (title, expected) in examples {
            assert_eq!(slug(title), expected, "slug({title:?})");
        }
    }

    #[test]
    fn separator_runs_become_one_dash() {
        assert_eq!(slug("a \t\n_-/\\ b"), "a-b");
        assert_eq!(slug("snake_case_name"), "snake-case-name");
        assert_eq!(slug(r"C:\Program Files\x"), "c-program-files-x");
    }

    #[test]
    fn dropping_happens_after_dashing() {
        // Kept from the old tool: the `&` is dropped after the spaces became dashes.
        assert_eq!(slug("Foo & Bar"), "foo--bar");
    }

    #[test]
    fn compatibility_forms_fold() {
        assert_eq!(slug("ﬁle ①"), "file-1");
        assert_eq!(slug("Ｆｕｌｌｗｉｄｔｈ"), "fullwidth");
        assert_eq!(slug("Ångström"), "angstrom");
    }

    #[test]
    fn edges_are_trimmed() {
        assert_eq!(slug("  -_.Hello._-  "), "hello");
        assert_eq!(slug(".hidden"), "hidden");
        assert_eq!(slug(".wyrm"), "wyrm");
        assert_eq!(slug("trailing dot."), "trailing-dot");
    }

    #[test]
    fn inner_dots_are_kept() {
        assert_eq!(slug("a..b"), "a..b");
        assert_eq!(slug("config.yaml"), "config.yaml");
    }

    #[test]
    fn empty_results_become_untitled() {
        for title in ["", "   ", ".", "...", "-", "!!!", "数据", "\0\u{1}", "/"] {
            assert_eq!(slug(title), "untitled", "slug({title:?})");
        }
    }

    #[test]
    fn long_titles_are_cut_and_trimmed_again() {
        let long = "a".repeat(150);
        assert_eq!(slug(&long), "a".repeat(100));
        let dash_at_cut = format!("{}-{}", "b".repeat(99), "c".repeat(50));
        assert_eq!(slug(&dash_at_cut), "b".repeat(99));
    }

    #[test]
    fn windows_device_names_get_a_suffix() {
        assert_eq!(slug("CON"), "con-page");
        assert_eq!(slug("nul"), "nul-page");
        assert_eq!(slug("Com1"), "com1-page");
        assert_eq!(slug("LPT9"), "lpt9-page");
        assert_eq!(slug("aux.txt"), "aux-page.txt");
        assert_eq!(slug("con.tar.gz"), "con-page.tar.gz");
        assert_eq!(slug("COM¹"), "com1-page");
    }

    #[test]
    fn similar_names_are_not_device_names() {
        for name in [
            "console", "com10", "com0", "lpt", "nullable", "aux-info", "icon",
        ] {
            assert_eq!(slug(name), name);
        }
    }

    fn slug_is_safe(slug: &str) -> bool {
        !slug.is_empty()
            && slug.len() <= MAX_SLUG_LEN + RESERVED_NAME_SUFFIX.len()
            && slug
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
            && slug != "."
            && slug != ".."
            && !slug.starts_with(['.', '-'])
            && !slug.ends_with(['.', '-'])
    }

    proptest! {
        #[test]
        fn slugs_are_always_safe(text in any::<String>()) {
            let s = slug(&text);
            prop_assert!(slug_is_safe(&s), "{:?} -> {:?}", text, s);
        }

        #[test]
        fn slugs_of_hostile_titles_are_safe(
            text in "([./\\\\\0\u{1}-\u{1f} a-zA-Z0-9_-]|CON|nul|\\.\\.|数据|é){0,40}"
        ) {
            let s = slug(&text);
            prop_assert!(slug_is_safe(&s), "{:?} -> {:?}", text, s);
            let stem = s.split('.').next().unwrap_or_default();
            prop_assert!(!WINDOWS_DEVICE_NAMES.contains(&stem));
        }
    }

    #[test]
    fn very_long_title_is_bounded() {
        let title = "Ünïcödé ".repeat(10_000);
        let s = slug(&title);
        assert!(s.len() <= MAX_SLUG_LEN);
        assert!(s.starts_with("unicode-unicode"));
    }
}
