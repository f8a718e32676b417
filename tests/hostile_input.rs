//! Hostile input through the public library API, without a browser or a network.
//!
//! - Sidebar titles that try to escape the output directory (`../`, absolute paths, drive
//!   letters), Windows device names, NUL and control characters, 10,000-character and
//!   non-ASCII titles: parsed, planned and *written to disk*, then the directory around the
//!   output directory is walked to prove nothing landed outside it and no two items share a file.
//! - A 10,000-item sidebar, the same way.
//! - A 20 MB content pane, and HTML nested 10,000 levels deep (`div`, `ul/li`, `table`) through
//!   the Markdown converter and the sidebar parser, on a 2 MiB stack.
//! - Invalid YAML, and a value of the wrong type in every key of the configuration.

use std::collections::{BTreeSet, HashSet};
use std::fs;
use std::path::{Component, Path, PathBuf};

use proptest::prelude::*;
use serde_json::Value;

use wyrm::config::{Config, SiteProfile};
use wyrm::demo::markup::{self, sidebar};
use wyrm::markdown::html_to_markdown;
use wyrm::orchestrator::plan::{plan, Selection};
use wyrm::sidebar::{parse_sidebar, SidebarTree};
use wyrm::storage::{plan_paths, resolve_in, slug, write_atomic, ItemLocation, STATE_DIR_NAME};

// ------------------------------------------------------------------------------------------
// Sidebar HTML in the default portal markup

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn item(id: &str, title: &str) -> String {
    markup::item(&escape(id), &escape(title))
}

/// An expanded menu followed by its children list.
fn menu(title: &str, children: &str) -> String {
    markup::open_menu(&escape(title), children)
}

fn header(title: &str) -> String {
    markup::header(&escape(title))
}

/// Titles an attacker (or a broken portal) could put in a sidebar.
fn hostile_titles() -> Vec<String> {
    let mut titles: Vec<String> = [
        "../",
        "..",
        ".",
        "...",
        "../../../../../../etc/passwd",
        "/etc/passwd",
        "/",
        "//",
        "\\",
        "..\\..\\Windows\\System32",
        "C:\\Windows\\System32\\drivers\\etc\\hosts",
        "C:",
        "\\\\server\\share\\file",
        "~",
        "~root/.ssh/authorized_keys",
        "$HOME",
        "%2e%2e%2f%2e%2e%2fetc",
        "file:///etc/passwd",
        ".wyrm",
        ".wyrm/structure.json",
        ".git",
        "CON",
        "NUL",
        "nul.md",
        "con.txt",
        "PRN",
        "AUX",
        "COM1",
        "LPT9",
        "\0",
        "a\0b",
        "\0../\0",
        "\u{1}\u{2}\u{7}\u{8}\u{1b}[31m\u{7f}",
        "\t\n\r\u{b}\u{c}",
        " ",
        "",
        "-",
        "--rf",
        "*",
        "?",
        "|",
        ":",
        "a/b/c",
        "a\\b",
        "index.md",
        ".md",
        "untitled",
        "untitled-2",
        "<script>alert(1)</script>",
        "&lt;&amp;&gt;",
        "数据",
        "数据 API",
        "Ωmega ∑ ∫",
        "🐉🔥",
        "\u{202e}gpj.exe",
        "\u{feff}\u{200b}\u{200d}",
        "ﬁle ① Ｆｕｌｌ",
        "Café Déjà vu",
        "Ünïcödé",
    ]
    .iter()
    .map(|title| title.to_string())
    .collect();
    titles.push("a".repeat(10_000));
    titles.push("../".repeat(3_334));
    titles.push("é".repeat(10_000));
    titles.push("数".repeat(10_000));
    titles.push("CON ".repeat(2_500));
    titles
}

// ------------------------------------------------------------------------------------------
// Writing a planned tree and checking what reached the disk

/// A fresh directory with the output directory two levels below it, so that anything escaping
/// up to three levels lands in the sandbox, where it is seen.
struct Sandbox {
    _dir: tempfile::TempDir,
    root: PathBuf,
    output: PathBuf,
}

fn sandbox() -> Sandbox {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().to_path_buf();
    let output = root.join("level-1").join("level-2").join("output");
    fs::create_dir_all(&output).expect("output dir");
    Sandbox {
        _dir: dir,
        root,
        output,
    }
}

/// Every file and directory under `dir` (symbolic links are not followed).
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(&dir).expect("readable dir") {
            let entry = entry.expect("dir entry");
            let path = entry.path();
            if entry.file_type().expect("file type").is_dir() {
                pending.push(path.clone());
            }
            found.push(path);
        }
    }
    found
}

/// Plans `tree` into the sandbox's output directory, writes the items `write(index)` selects,
/// and checks: paths are distinct and contained, the state directory is never used, and the only
/// things on disk in the whole sandbox are the output directory's ancestors, the written files
/// and their directories.
fn plan_write_and_check(tree: &SidebarTree, sandbox: &Sandbox, write: impl Fn(usize) -> bool) {
    let planned = plan(tree, &sandbox.output, None, Selection::All).expect("plan");
    assert_eq!(planned.all.len(), tree.item_count());
    let mut relatives = HashSet::new();
    let mut written = BTreeSet::new();
    for (index, work) in planned.all.iter().enumerate() {
        assert!(
            relatives.insert(work.relative.clone()),
            "two items share {:?}",
            work.relative
        );
        assert!(
            work.relative
                .components()
                .all(|c| matches!(c, Component::Normal(_))),
            "{:?}",
            work.relative
        );
        assert!(work.path.starts_with(&sandbox.output), "{:?}", work.path);
        assert_eq!(
            resolve_in(&sandbox.output, &work.relative).ok().as_ref(),
            Some(&work.path)
        );
        let first = work.relative.components().next().map(|c| c.as_os_str());
        assert_ne!(first, Some(STATE_DIR_NAME.as_ref()), "{:?}", work.relative);
        if write(index) {
            write_atomic(&work.path, format!("# item {index}\n").as_bytes()).expect("write");
            written.insert(work.path.clone());
        }
    }
    // No file is the directory of another item.
    for path in &relatives {
        for ancestor in path.ancestors().skip(1) {
            assert!(
                !relatives.contains(ancestor),
                "{ancestor:?} is a file and a dir"
            );
        }
    }
    let allowed_dirs: HashSet<PathBuf> = written
        .iter()
        .flat_map(|path| path.ancestors().skip(1).map(Path::to_path_buf))
        .chain(sandbox.output.ancestors().map(Path::to_path_buf))
        .collect();
    for found in walk(&sandbox.root) {
        assert!(
            found.starts_with(&sandbox.output) || sandbox.output.starts_with(&found),
            "created outside the output directory: {found:?}"
        );
        if found.is_dir() {
            assert!(
                allowed_dirs.contains(&found),
                "unexpected directory {found:?}"
            );
        } else {
            assert!(written.contains(&found), "unexpected file {found:?}");
            assert_eq!(
                fs::read_to_string(&found)
                    .map(|t| t.starts_with("# item "))
                    .ok(),
                Some(true)
            );
        }
    }
    assert_eq!(
        walk(&sandbox.output).iter().filter(|p| p.is_file()).count(),
        written.len()
    );
}

// ------------------------------------------------------------------------------------------
// Sidebar → plan → disk

#[test]
fn hostile_sidebar_titles_are_written_inside_the_output_directory() {
    // Each hostile text as a header, as a menu, as a sub-menu and as three items with that same
    // title (collisions), plus one item at the root: 6 uses of every text.
    let titles = hostile_titles();
    let mut entries = String::new();
    for (i, title) in titles.iter().enumerate() {
        let items: String = (0..3).map(|k| item(&format!("t{i}-{k}"), title)).collect();
        entries.push_str(&header(title));
        entries.push_str(&menu(title, &menu(title, &items)));
        entries.push_str(&item(&format!("t{i}-root"), title));
    }
    let tree = parse_sidebar(&sidebar(&entries), &SiteProfile::default()).expect("parses");
    assert_eq!(tree.item_count(), titles.len() * 4);
    let sandbox = sandbox();
    plan_write_and_check(&tree, &sandbox, |_| true);
}

#[test]
fn hostile_item_ids_are_only_identities() {
    // Ids never reach a path; hostile ones must still parse and plan like any other.
    let ids = [
        "../../x",
        "/etc/passwd",
        "CON",
        ".wyrm",
        "a\"b",
        "<x>",
        "数据",
        "\u{1}",
    ];
    let entries: String = ids.iter().map(|id| item(id, "Same title")).collect();
    let tree = parse_sidebar(&sidebar(&entries), &SiteProfile::default()).expect("parses");
    let got: Vec<String> = tree.items().into_iter().map(|i| i.id).collect();
    assert_eq!(got, ids);
    let sandbox = sandbox();
    plan_write_and_check(&tree, &sandbox, |_| true);
}

#[test]
fn ten_thousand_item_sidebar_is_planned_and_written_inside_the_output_directory() {
    // 10,000 items in 100 menus under 10 headers, every title and menu name hostile.
    let titles = hostile_titles();
    let short: Vec<&String> = titles.iter().filter(|t| t.len() < 100).collect();
    let mut entries = String::new();
    let mut next = 0;
    for h in 0..10 {
        entries.push_str(&header(short[h % short.len()]));
        for m in 0..10 {
            let items: String = (0..100)
                .map(|_| {
                    let id = format!("docs-node-{next}");
                    let title = &titles[next % titles.len()];
                    next += 1;
                    item(&id, title)
                })
                .collect();
            entries.push_str(&menu(short[(h * 10 + m) % short.len()], &items));
        }
    }
    let tree = parse_sidebar(&sidebar(&entries), &SiteProfile::default()).expect("parses");
    assert_eq!(tree.item_count(), 10_000);
    let sandbox = sandbox();
    // Every file is planned and checked; the first 100 and every 25th are written (500 files).
    plan_write_and_check(&tree, &sandbox, |index| index < 100 || index % 25 == 0);
}

/// Arbitrary text, biased towards the dangerous.
fn hostile_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "([./\\\\:~*?|<>\"\0\u{1}-\u{1f}\u{7f} a-zA-Z0-9_-]|\\.\\.|CON|NUL|com1|\\.wyrm|数据|é|🐉){0,24}",
        Just("../".to_owned()),
        Just("/etc/passwd".to_owned()),
        Just("..".to_owned()),
        "[a-zé/.]{1,3}".prop_map(|text| text.repeat(3_000)),
    ]
}

/// One sidebar entry: an optional header, 0–3 enclosing menus, the item's title.
fn hostile_entry() -> impl Strategy<Value = (Option<String>, Vec<String>, String)> {
    (
        prop::option::of(hostile_text()),
        prop::collection::vec(hostile_text(), 0..4),
        hostile_text(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Arbitrary headers, menu names and titles, through the HTML parser to the disk.
    #[test]
    fn arbitrary_sidebar_texts_stay_inside_the_output_directory(
        generated in prop::collection::vec(hostile_entry(), 1..8)
    ) {
        let mut entries = String::new();
        for (index, (header_title, menus, title)) in generated.iter().enumerate() {
            if let Some(header_title) = header_title {
                entries.push_str(&header(header_title));
            }
            let mut nested = item(&format!("p{index}"), title);
            for menu_title in menus.iter().rev() {
                nested = menu(menu_title, &nested);
            }
            entries.push_str(&nested);
        }
        let tree = parse_sidebar(&sidebar(&entries), &SiteProfile::default()).expect("parses");
        prop_assert_eq!(tree.item_count(), generated.len());
        let sandbox = sandbox();
        plan_write_and_check(&tree, &sandbox, |_| true);
    }

    /// Arbitrary texts (NUL and control characters included, which HTML cannot carry) straight
    /// into `slug`, `plan_paths`, `resolve_in` and `write_atomic`.
    #[test]
    fn arbitrary_path_parts_stay_inside_the_output_directory(
        generated in prop::collection::vec(hostile_entry(), 1..8)
    ) {
        for (header_title, menus, title) in &generated {
            for text in header_title.iter().chain(menus).chain([title]) {
                let name = slug(text);
                let mut parts = Path::new(&name).components();
                prop_assert!(matches!(parts.next(), Some(Component::Normal(_))), "{:?}", name);
                prop_assert!(parts.next().is_none(), "{:?}", name);
            }
        }
        let ids: Vec<Vec<String>> = generated
            .iter()
            .map(|(_, menus, _)| (0..menus.len()).map(|level| level.to_string()).collect())
            .collect();
        let locations: Vec<ItemLocation<'_>> = generated
            .iter()
            .zip(&ids)
            .map(|((header_title, menus, title), ids)| ItemLocation {
                header: header_title.as_deref(),
                menu_path: menus,
                menu_ids: ids,
                title,
            })
            .collect();
        let relatives = plan_paths(&locations);
        let distinct: HashSet<&PathBuf> = relatives.iter().collect();
        prop_assert_eq!(distinct.len(), relatives.len());
        let sandbox = sandbox();
        for relative in &relatives {
            let path = resolve_in(&sandbox.output, relative).expect("planned paths resolve");
            write_atomic(&path, b"x").expect("write");
        }
        for found in walk(&sandbox.root) {
            prop_assert!(
                found.starts_with(&sandbox.output) || sandbox.output.starts_with(&found),
                "escaped: {:?}",
                found
            );
        }
        prop_assert_eq!(
            walk(&sandbox.output).iter().filter(|p| p.is_file()).count(),
            relatives.len()
        );
    }
}

// ------------------------------------------------------------------------------------------
// Huge and deep HTML

/// The default stack of a test thread, set explicitly so that `RUST_MIN_STACK` cannot hide an
/// overflow.
const TEST_THREAD_STACK: usize = 2 * 1024 * 1024;

fn on_test_stack<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .stack_size(TEST_THREAD_STACK)
            .spawn_scoped(scope, work)
            .expect("thread starts")
            .join()
            .expect("no panic")
    })
}

#[test]
fn twenty_megabyte_content_pane_converts() {
    // An endpoint page's shape (headings, prose, a list, a table, a large JSON example),
    // repeated to 20 MB.
    let example: String = (0..40)
        .map(|i| format!("  \"field{i}\": \"value &lt;{i}&gt; with some text\",\n"))
        .collect();
    let mut html = String::with_capacity(21 << 20);
    let mut block = 0;
    while html.len() < 20 << 20 {
        html.push_str(&format!(
            r#"<h2 id="s{block}">Section {block}</h2><p>Some <b>bold</b>, <code>code</code> and a <a href="/x/{block}">link</a>.</p><ul><li>one</li><li>two <i>nested</i></li></ul><table><thead><tr><th>Field</th><th>Type</th></tr></thead><tbody><tr><td>id{block}</td><td>string</td></tr></tbody></table><pre><code class="language-json">{{"block": {block}, "a": "&lt;b&gt;",
{example}}}</code></pre>"#
        ));
        block += 1;
    }
    let last = block - 1;
    let markdown = html_to_markdown(&html);
    assert!(markdown.contains("## Section 0\n"), "first section missing");
    assert!(
        markdown.contains(&format!("## Section {last}\n")),
        "last section missing"
    );
    assert!(markdown.contains(&format!("{{\"block\": {last}, \"a\": \"<b>\",\n")));
    assert!(markdown.contains("  \"field39\": \"value <39> with some text\",\n}"));
    assert!(markdown.ends_with('\n'));
}

const DEPTH: usize = 10_000;

fn nested(open: &str, inner: &str, close: &str) -> String {
    format!("{}{inner}{}", open.repeat(DEPTH), close.repeat(DEPTH))
}

#[test]
fn deeply_nested_divs_convert_on_a_small_stack() {
    let html = nested("<div>", "deep text", "</div>");
    let markdown = on_test_stack(|| html_to_markdown(&html));
    assert!(markdown.contains("deep text"), "{markdown:.200}");
}

#[test]
fn deeply_nested_lists_convert_on_a_small_stack() {
    let html = nested("<ul><li>", "deep item", "</li></ul>");
    let markdown = on_test_stack(|| html_to_markdown(&html));
    assert!(markdown.contains("deep item"), "{markdown:.200}");
}

#[test]
fn deeply_nested_tables_convert_on_a_small_stack() {
    let html = nested("<table><tr><td>", "deep cell", "</td></tr></table>");
    let markdown = on_test_stack(|| html_to_markdown(&html));
    assert!(markdown.contains("deep cell"), "{markdown:.200}");
}

/// A sidebar whose first item holds `nesting` around its title, followed by a plain item.
fn deep_sidebar(open: &str, close: &str) -> String {
    let deep_item = format!(
        r#"<app-api-doc-item><li class="toc-item-highlight clickable" id="deep"><div class="toc-item-content">{}</div></li></app-api-doc-item>"#,
        nested(open, r#"<span id="deep-sp">Deep</span>"#, close)
    );
    sidebar(&format!("{deep_item}{}", item("after", "After")))
}

fn parse_deep_sidebar(open: &str, close: &str) -> Vec<(String, String)> {
    let html = deep_sidebar(open, close);
    let tree = on_test_stack(|| parse_sidebar(&html, &SiteProfile::default()).expect("parses"));
    tree.items().into_iter().map(|i| (i.id, i.title)).collect()
}

fn ids_and_titles(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(id, title)| (id.to_string(), title.to_string()))
        .collect()
}

#[test]
fn deeply_nested_divs_in_the_sidebar_parse_on_a_small_stack() {
    assert_eq!(
        parse_deep_sidebar("<div>", "</div>"),
        ids_and_titles(&[("deep", "Deep"), ("after", "After")])
    );
}

#[test]
fn deeply_nested_lists_in_the_sidebar_parse_on_a_small_stack() {
    // `ul` is the default profile's children list; nested inside an item it is just markup.
    let items = parse_deep_sidebar("<ul><li>", "</li></ul>");
    assert_eq!(items.len(), 2, "{items:?}");
    assert_eq!(items[1], ("after".to_owned(), "After".to_owned()));
}

#[test]
fn deeply_nested_tables_in_the_sidebar_parse_on_a_small_stack() {
    let items = parse_deep_sidebar("<table><tr><td>", "</td></tr></table>");
    assert_eq!(items.len(), 2, "{items:?}");
    assert_eq!(items[1], ("after".to_owned(), "After".to_owned()));
}

// ------------------------------------------------------------------------------------------
// Configuration

fn from_yaml(text: &str) -> Result<Config, wyrm::config::ConfigError> {
    Config::from_yaml(text, Path::new("hostile.yaml"))
}

/// The error `text` gives, from parsing or else from validation; `None` if it is accepted.
fn config_error(text: &str) -> Option<String> {
    match from_yaml(text) {
        Err(error) => Some(error.to_string()),
        Ok(config) => config.validate().err().map(|error| error.to_string()),
    }
}

/// Deterministic pseudo-random bytes (no dependency, same on every run).
fn garbage(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed;
    (0..len)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 56) as u8
        })
        .collect()
}

#[test]
fn invalid_yaml_is_an_error() {
    let mut documents: Vec<String> = [
        // Tabs for indentation. (A tab before a top-level key, `\ttarget_url: …`, is accepted
        // by serde-saphyr as separation space, so it is not in this list.)
        "target_url: https://example.com/docs\nbehavior:\n\tmax_retries: 2\n",
        "target_url: https://example.com/docs\nwebdriver:\n  headless: true\n\t  args: []\n",
        // Unclosed quotes and brackets.
        "target_url: \"https://example.com/docs\n",
        "target_url: 'https://example.com/docs\n",
        "target_url: https://example.com/docs\nsite: {sidebar: \"div\n",
        "target_url: https://example.com/docs\nwebdriver: {args: [a, b\n",
        "{",
        "]",
        // Not a mapping at the top level.
        "- target_url: https://example.com/docs\n- output_directory: out\n",
        "[https://example.com/docs]",
        "https://example.com/docs",
        "42",
        "~",
        "---\n...\n",
        // Broken structure.
        "target_url: https://example.com/docs\n  output_directory: out\n",
        ": :\n",
        "target_url: https://example.com/docs\ntarget_url: https://other.example\n",
        "target_url: *undefined_alias\n",
        "target_url: !!binary AAAA\n",
        "target_url: https://example.com/docs\n? [complex, key]\n: value\n",
        "%YAML 9.9\n---\ntarget_url: https://example.com/docs\n",
        "target_url: https://example.com/docs\nbehavior: &a {max_retries: *a}\n",
    ]
    .iter()
    .map(|text| text.to_string())
    .collect();
    // Binary garbage: every byte value, NULs, and pseudo-random bytes (lossily decoded, since
    // a config file is read as text).
    let all_bytes: Vec<u8> = (0..=255).collect();
    documents.push(String::from_utf8_lossy(&all_bytes).into_owned());
    documents.push("\0".repeat(64));
    documents.push("target_url: https://example.com/docs\n\0\u{1}\u{2}: \u{7f}\n".to_owned());
    for seed in 0..16 {
        documents.push(String::from_utf8_lossy(&garbage(seed, 4096)).into_owned());
    }
    for text in &documents {
        assert!(
            config_error(text).is_some(),
            "accepted invalid YAML {text:?}"
        );
    }
}

#[test]
fn hostile_yaml_structures_are_bounded() {
    // Run on a test-sized stack: the parser must refuse these by its budgets, not by crashing.
    let head = "target_url: https://example.com/docs\nwebdriver:\n  capabilities:\n";
    let deep_flow = format!("{head}    x: {}{}\n", "[".repeat(DEPTH), "]".repeat(DEPTH));
    let deep_block: String = (0..5_000)
        .map(|depth| format!("{}k{depth}:\n", " ".repeat(4 + depth)))
        .collect();
    let deep_block = format!("{head}{deep_block}");
    // "Billion laughs": ten levels of ten aliases each, 10^10 nodes once expanded.
    let mut alias_bomb = format!("{head}    a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for level in 1..10 {
        let refs = vec![format!("*a{}", level - 1); 10].join(", ");
        alias_bomb.push_str(&format!("    a{level}: &a{level} [{refs}]\n"));
    }
    for text in [deep_flow, deep_block, alias_bomb] {
        let error = on_test_stack(|| config_error(&text));
        assert!(error.is_some(), "accepted {:.100}", text);
    }
}

/// A value of the wrong type for `value`: a nested map for scalars, a string for maps and lists.
fn wrong_type_for(value: &Value) -> &'static str {
    match value {
        Value::Object(_) | Value::Array(_) => "\"not a map or list\"",
        _ => "{x: 1}",
    }
}

/// Every key path of the default configuration (sections and leaves), with its default value.
fn config_keys() -> Vec<(Vec<String>, Value)> {
    let defaults = serde_json::to_value(Config::default()).expect("config serialises");
    let mut keys = Vec::new();
    let mut pending: Vec<(Vec<String>, Value)> = vec![(Vec::new(), defaults)];
    while let Some((path, value)) = pending.pop() {
        if let Value::Object(map) = &value {
            for (key, child) in map {
                let mut child_path = path.clone();
                child_path.push(key.clone());
                pending.push((child_path, child.clone()));
            }
        }
        if !path.is_empty() {
            keys.push((path, value));
        }
    }
    keys.sort_by(|a, b| a.0.cmp(&b.0));
    keys
}

/// A YAML document with a valid `target_url` and `path` set to `value`.
fn document_with(path: &[String], value: &str) -> String {
    let mut text = String::new();
    if path != ["target_url"] {
        text.push_str("target_url: https://example.com/docs\n");
    }
    for (depth, key) in path.iter().enumerate() {
        text.push_str(&"  ".repeat(depth));
        text.push_str(key);
        text.push(':');
        text.push(if depth + 1 == path.len() { ' ' } else { '\n' });
    }
    text.push_str(value);
    text.push('\n');
    text
}

#[test]
fn a_wrong_type_in_any_config_key_is_an_error() {
    let keys = config_keys();
    assert!(keys.len() > 50, "only {} keys found", keys.len());
    for (path, default) in &keys {
        let text = document_with(path, wrong_type_for(default));
        assert!(
            config_error(&text).is_some(),
            "a wrong type for `{}` was accepted:\n{text}",
            path.join(".")
        );
    }
}

// Checked against the code of commit 58f4f6e (type errors name the key path since eac9c49): all
// 62 key paths (57 leaves and the 5 sections) give a message containing the key's last path
// segment, e.g. "`webdriver.window_width`: invalid type: map, expected u32". Keys whose message
// does NOT contain the key name: none.
#[test]
fn a_wrong_type_error_names_the_key() {
    let mut unnamed = Vec::new();
    for (path, default) in config_keys() {
        let text = document_with(&path, wrong_type_for(&default));
        let message = config_error(&text).unwrap_or_default();
        let last = path.last().expect("non-empty path");
        if !message.contains(last.as_str()) {
            unnamed.push(format!("{}: {message}", path.join(".")));
        }
    }
    assert!(
        unnamed.is_empty(),
        "{} type errors do not name their key:\n{}",
        unnamed.len(),
        unnamed.join("\n")
    );
}

/// `text` as a YAML double-quoted scalar; characters YAML does not allow raw (controls, DEL, the
/// C1 range, the byte-order mark and the non-characters U+FFFE/U+FFFF) are escaped.
fn yaml_quoted(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() || matches!(c, '\u{feff}' | '\u{fffe}' | '\u{ffff}') => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Any YAML scalar: numbers of every size and sign, booleans, null, and arbitrary text (quoted,
/// so that it stays one value whatever characters it holds).
fn yaml_scalar() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|f| format!("{f:?}")),
        any::<bool>().prop_map(|b| b.to_string()),
        Just("null".to_string()),
        Just("~".to_string()),
        ".{0,80}".prop_map(|s| yaml_quoted(&s)),
        "[a-zA-Z0-9 ./:_-]{0,40}".prop_map(|s| format!("'{}'", s.replace('\'', "''"))),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Any value in any config key: loading never panics, and a value that is refused is refused
    /// with a message naming that key.
    #[test]
    fn any_value_in_any_config_key_is_accepted_or_refused_by_name(
        index in 0..1_000usize,
        value in yaml_scalar(),
    ) {
        let keys = config_keys();
        let (path, _) = &keys[index % keys.len()];
        let text = document_with(path, &value);
        if let Some(message) = config_error(&text) {
            let last = path.last().expect("non-empty path");
            prop_assert!(
                message.contains(last.as_str()),
                "the error for `{}` = {value} does not name it: {message}",
                path.join(".")
            );
        }
    }
}
