//! Pure sidebar parsing: an HTML string and a [`SiteProfile`] in, a [`SidebarTree`] out.
//!
//! No browser is involved: discovery hands over the sidebar's HTML once every menu is expanded,
//! and this module turns it into data. Every portal-specific detail comes from the
//! profile's selectors, so other portals work with other selectors.
//!
//! # The position contract
//!
//! A JavaScript twin running in the browser walks the live DOM by the same rules to find a menu
//! again from its [`MenuNode::position`], so these rules are a contract:
//!
//! - A *list* is the root (`sidebar_root` inside `sidebar`) or a children list.
//! - The *entries* of a list are its direct element children except those matching `children`
//!   (the children lists). They are numbered 0, 1, 2, … in document order, counting every entry
//!   (headers, items, menus and unrecognised elements alike), so expanding a menu — which inserts
//!   a sibling children list — never renumbers anything.
//! - An entry's *target* is the entry itself if it matches `header`, `item` or `menu`, otherwise
//!   its first descendant (document order) matching any of them. The target is classified by
//!   trying `header`, then `item`, then `menu` (like `el.matches(h) || el.matches(i) || …` and
//!   `entry.querySelector("h, i, m")` in the browser). An element matching `item` counts as an
//!   item only when its `id` is non-empty (the id is the item's identity); otherwise the search
//!   goes on. Entries without a target are skipped but still counted.
//! - A menu's children list is the entry's next element sibling if it matches `children`,
//!   otherwise the first descendant of the menu's target matching `children` (sites that nest
//!   the list inside the menu). No children list means a collapsed menu with no known children.
//! - A node's position is the entry numbers from the root down: `[4, 1, 0]` is entry 0 of the
//!   children list of entry 1 of the children list of root entry 4.
//! - Headers count only in the root list; one inside a children list is ignored (but counted).
//!
//! The browser twin must stop at the same depth ([`MAX_LIST_DEPTH`]), or it would find menus
//! that the parsed tree never contains.
//!
//! # Header layouts
//!
//! Headers title either the entries after them ([`Layout::HeaderFirst`], newer portals) or the
//! entries before them ([`Layout::TrailingHeader`], older portals). With [`Layout::Auto`], the
//! layout that leaves fewer root nodes without a header wins (header-first leaves those before
//! the first header untitled, trailing those after the last one); on a tie, more id-less root
//! entries (menus and headers) than items means trailing. Titled groups are kept even when
//! empty; an untitled group only when it has nodes.
//!
//! # Hostile input
//!
//! Lists nested deeper than [`MAX_LIST_DEPTH`] are ignored (with a warning), and every walk
//! through arbitrary HTML subtrees (text, descendant searches) uses an explicit stack, so HTML
//! nested thousands of levels deep cannot overflow the stack. (It can still be slow: html5ever
//! spends time quadratic in the nesting depth of block elements, a few seconds for 10,000
//! levels in a debug build. Real sidebars nest a handful of levels.)

use std::collections::HashSet;

use scraper::{ElementRef, Html, Selector};

use super::tree::{HeaderGroup, ItemNode, MenuNode, Node, SidebarTree};
use crate::config::{Layout, SiteProfile};

/// How many levels of children lists below the root list are walked (the root list is level 0,
/// so positions are at most `MAX_LIST_DEPTH + 1` long). Deeper lists are ignored with a warning.
///
/// Real portals nest a handful of levels. The cap exists for hostile or broken HTML, and it is
/// this low (rather than hundreds) because the tree must survive the structure cache:
/// `serde_json` refuses input nested deeper than 128 containers, and each menu level costs two
/// (the node object and its `children` array) on top of the six levels of the cache file's
/// envelope. 48 levels stay well inside that limit, and keep the derived (recursive) `Drop`,
/// `PartialEq` and `Debug` of the tree shallow.
pub const MAX_LIST_DEPTH: usize = 48;

/// Why a sidebar could not be parsed, or a profile's selectors are unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SidebarError {
    /// A selector in the site profile is not valid CSS (as understood by the `selectors` crate).
    #[error("`{key}` is not a valid CSS selector ({selector:?}): {reason}")]
    InvalidSelector {
        /// The profile key, e.g. `site.menu_text`.
        key: &'static str,
        /// The offending selector text.
        selector: String,
        /// The parser's explanation.
        reason: String,
    },
    /// The root list was not found: not inside any `site.sidebar` element, or — when the page has
    /// no such element — nowhere in the page.
    #[error(
        "sidebar root list not found: nothing matches `site.sidebar_root` ({selector:?}) inside the \
         `site.sidebar` element (or anywhere in the HTML when there is no such element)"
    )]
    RootNotFound {
        /// The `sidebar_root` selector that matched nothing.
        selector: String,
    },
}

/// The sidebar selectors of a [`SiteProfile`], compiled once.
///
/// Discovery parses the sidebar again after every round of expansion; compiling the selectors
/// once with [`compile_selectors`] and parsing with [`parse_sidebar_with`] avoids redoing it.
#[derive(Debug, Clone)]
pub struct SidebarSelectors {
    sidebar: Selector,
    sidebar_root: Selector,
    /// `sidebar_root` as written, for [`SidebarError::RootNotFound`].
    sidebar_root_text: String,
    header: Selector,
    header_text: Selector,
    item: Selector,
    item_text: Selector,
    menu: Selector,
    menu_text: Selector,
    collapsed_icon: Selector,
    expanded_icon: Selector,
    children: Selector,
    layout: Layout,
}

impl SidebarSelectors {
    /// The layout configured in the profile (possibly [`Layout::Auto`]).
    pub fn layout(&self) -> Layout {
        self.layout
    }
}

/// Compiles one selector, naming its profile key on failure.
fn compile(key: &'static str, selector: &str) -> Result<Selector, SidebarError> {
    Selector::parse(selector).map_err(|e| SidebarError::InvalidSelector {
        key,
        selector: selector.to_owned(),
        reason: e.to_string(),
    })
}

/// Compiles the sidebar selectors of `profile`.
///
/// The error names the first invalid key (e.g. `site.menu_text`), so a configuration mistake is
/// reported before any browser starts.
pub fn compile_selectors(profile: &SiteProfile) -> Result<SidebarSelectors, SidebarError> {
    Ok(SidebarSelectors {
        sidebar: compile("site.sidebar", &profile.sidebar)?,
        sidebar_root: compile("site.sidebar_root", &profile.sidebar_root)?,
        sidebar_root_text: profile.sidebar_root.clone(),
        header: compile("site.header", &profile.header)?,
        header_text: compile("site.header_text", &profile.header_text)?,
        item: compile("site.item", &profile.item)?,
        item_text: compile("site.item_text", &profile.item_text)?,
        menu: compile("site.menu", &profile.menu)?,
        menu_text: compile("site.menu_text", &profile.menu_text)?,
        collapsed_icon: compile("site.collapsed_icon", &profile.collapsed_icon)?,
        expanded_icon: compile("site.expanded_icon", &profile.expanded_icon)?,
        children: compile("site.children", &profile.children)?,
        layout: profile.layout,
    })
}

/// Checks every CSS selector of `profile` — the sidebar's and the content pane's — so that
/// configuration validation fails early, naming the key (e.g. `site.menu_text`).
pub fn validate_profile(profile: &SiteProfile) -> Result<(), SidebarError> {
    compile_selectors(profile)?;
    for (key, selector) in [
        ("site.loader", &profile.loader),
        ("site.content", &profile.content),
        ("site.response_tab", &profile.response_tab),
        ("site.response_tab_label", &profile.response_tab_label),
        ("site.response_panel", &profile.response_panel),
    ] {
        compile(key, selector)?;
    }
    Ok(())
}

/// Parses the sidebar in `html` with the selectors of `profile`.
///
/// `html` may be a whole document or just the sidebar's outer HTML (or the root list's). The root
/// list is the first `sidebar_root` inside the first `sidebar` element (which may itself be the
/// root list); when the HTML has no `sidebar` element at all, the first `sidebar_root` anywhere.
pub fn parse_sidebar(html: &str, profile: &SiteProfile) -> Result<SidebarTree, SidebarError> {
    parse_sidebar_with(html, &compile_selectors(profile)?)
}

/// [`parse_sidebar`] with selectors compiled beforehand.
pub fn parse_sidebar_with(
    html: &str,
    selectors: &SidebarSelectors,
) -> Result<SidebarTree, SidebarError> {
    // A fragment parses fine as a document: it simply lands in an implied <body>.
    let document = Html::parse_document(html);
    let root = find_root(&document, selectors).ok_or_else(|| SidebarError::RootNotFound {
        selector: selectors.sidebar_root_text.clone(),
    })?;
    let mut walker = Walker {
        sel: selectors,
        seen_ids: HashSet::new(),
        depth_warned: false,
    };
    let entries = walker.walk_list(root, &[], 0);
    let layout = resolve_layout(selectors.layout, &entries);
    Ok(SidebarTree {
        groups: group(entries, layout),
    })
}

/// Finds the root list; see [`parse_sidebar`]. Only the first `sidebar` element counts, exactly
/// like `document.querySelector(sidebar)` in the browser twin, so both sides agree on the root.
fn find_root<'a>(document: &'a Html, sel: &SidebarSelectors) -> Option<ElementRef<'a>> {
    match document.select(&sel.sidebar).next() {
        Some(sidebar) if sel.sidebar_root.matches(&sidebar) => Some(sidebar),
        Some(sidebar) => sidebar.select(&sel.sidebar_root).next(),
        None => document.select(&sel.sidebar_root).next(),
    }
}

/// A recognised entry of a list, before header grouping.
#[derive(Debug)]
enum Entry {
    Header(String),
    Node(Node),
}

/// What an entry's target is.
#[derive(Debug, Clone, Copy)]
enum Kind<'a> {
    Header,
    /// An item, with its (non-empty) id.
    Item(&'a str),
    Menu,
}

/// State of one parse: the selectors and the item ids seen so far.
struct Walker<'s> {
    sel: &'s SidebarSelectors,
    /// Ids already emitted; ids are identities, so a repeated id is dropped.
    seen_ids: HashSet<String>,
    /// Whether the depth-cap warning was already logged (once per parse is enough).
    depth_warned: bool,
}

impl Walker<'_> {
    /// Walks the entries of `list` (at nesting level `depth`, the root being 0) whose position
    /// prefix is `prefix`. Recursion happens only through children lists and stops at
    /// [`MAX_LIST_DEPTH`], so the stack depth is bounded whatever the input.
    fn walk_list(&mut self, list: ElementRef<'_>, prefix: &[usize], depth: usize) -> Vec<Entry> {
        let mut out = Vec::new();
        let entries = list
            .child_elements()
            .filter(|el| !self.sel.children.matches(el));
        for (number, entry) in entries.enumerate() {
            let mut position = Vec::with_capacity(prefix.len() + 1);
            position.extend_from_slice(prefix);
            position.push(number);
            let Some((kind, target)) = self.classify(entry) else {
                tracing::trace!(
                    ?position,
                    element = entry.value().name(),
                    "unrecognised sidebar entry"
                );
                continue;
            };
            match kind {
                Kind::Header if depth == 0 => {
                    out.push(Entry::Header(self.text_of(target, &self.sel.header_text)))
                }
                Kind::Header => {
                    tracing::debug!(?position, "header inside a children list ignored");
                }
                Kind::Item(id) => {
                    if let Some(item) = self.item(target, id, position) {
                        out.push(Entry::Node(Node::Item(item)));
                    }
                }
                Kind::Menu => {
                    let menu = self.menu(entry, target, position, depth);
                    out.push(Entry::Node(Node::Menu(menu)));
                }
            }
        }
        out
    }

    /// The entry's target and its kind: the entry itself or its first matching descendant.
    ///
    /// An element matching `item` is an item only when it has a non-empty `id` (ids are the
    /// items' identities); otherwise it is tried as a menu, and the search goes on. The browser
    /// twin (`dom.js`) applies the same test (`el.matches(item) && el.id`).
    fn classify<'a>(&self, entry: ElementRef<'a>) -> Option<(Kind<'a>, ElementRef<'a>)> {
        // `descendent_elements` starts with the entry itself and walks iteratively.
        entry.descendent_elements().find_map(|el| {
            let id = el.attr("id").filter(|id| !id.is_empty());
            let kind = if self.sel.header.matches(&el) {
                Kind::Header
            } else if let Some(id) = id.filter(|_| self.sel.item.matches(&el)) {
                Kind::Item(id)
            } else if self.sel.menu.matches(&el) {
                Kind::Menu
            } else {
                return None;
            };
            Some((kind, el))
        })
    }

    /// An item, unless its id was already seen.
    fn item(&mut self, target: ElementRef<'_>, id: &str, position: Vec<usize>) -> Option<ItemNode> {
        if self.seen_ids.contains(id) {
            tracing::warn!(
                id,
                ?position,
                "duplicate sidebar item id; keeping its first occurrence"
            );
            return None;
        }
        self.seen_ids.insert(id.to_owned());
        Some(ItemNode {
            id: id.to_owned(),
            title: self.text_of(target, &self.sel.item_text),
            position,
        })
    }

    /// A menu, with its children when it has a children list and the depth cap allows.
    fn menu(
        &mut self,
        entry: ElementRef<'_>,
        target: ElementRef<'_>,
        position: Vec<usize>,
        depth: usize,
    ) -> MenuNode {
        let sel = self.sel;
        let list = entry
            .next_siblings()
            .find_map(ElementRef::wrap)
            .filter(|next| sel.children.matches(next))
            .or_else(|| first_match(target, &sel.children, None));
        // Icons of sub-menus nested inside this menu must not count, hence the skip.
        let shows_expanded = first_match(target, &sel.expanded_icon, Some(&sel.children)).is_some();
        let shows_collapsed =
            first_match(target, &sel.collapsed_icon, Some(&sel.children)).is_some();
        let expanded = list.is_some() || (shows_expanded && !shows_collapsed);
        let title = self.text_of(target, &sel.menu_text);
        let children = match list {
            Some(list) if depth < MAX_LIST_DEPTH => self
                .walk_list(list, &position, depth + 1)
                .into_iter()
                .filter_map(|entry| match entry {
                    Entry::Node(node) => Some(node),
                    Entry::Header(_) => None,
                })
                .collect(),
            Some(_) => {
                if !self.depth_warned {
                    self.depth_warned = true;
                    tracing::warn!(
                        ?position,
                        max_depth = MAX_LIST_DEPTH,
                        "sidebar nested too deeply; deeper menus are ignored"
                    );
                }
                Vec::new()
            }
            None => Vec::new(),
        };
        MenuNode {
            title,
            position,
            expanded,
            children,
        }
    }

    /// The title of `target`: the text of its first `text_sel` descendant, else its own text.
    /// Children lists inside the target (nested-list sites) never contribute.
    fn text_of(&self, target: ElementRef<'_>, text_sel: &Selector) -> String {
        let skip = &self.sel.children;
        first_match(target, text_sel, Some(skip))
            .map(|el| text_without(el, skip))
            .filter(|text| !text.is_empty())
            .unwrap_or_else(|| text_without(target, skip))
    }
}

/// The first descendant of `root` (not `root` itself), in document order, matching `want`,
/// not looking inside descendants matching `skip`. Iterative, so depth cannot hurt.
fn first_match<'a>(
    root: ElementRef<'a>,
    want: &Selector,
    skip: Option<&Selector>,
) -> Option<ElementRef<'a>> {
    let mut stack: Vec<_> = root.children().rev().collect();
    while let Some(node) = stack.pop() {
        let Some(el) = ElementRef::wrap(node) else {
            continue;
        };
        if want.matches(&el) {
            return Some(el);
        }
        if skip.is_some_and(|skip| skip.matches(&el)) {
            continue;
        }
        stack.extend(node.children().rev());
    }
    None
}

/// The text of `root` (like `textContent`), leaving out descendants matching `skip`, with
/// whitespace collapsed. Iterative, so depth cannot hurt.
fn text_without(root: ElementRef<'_>, skip: &Selector) -> String {
    let mut text = String::new();
    let mut stack: Vec<_> = root.children().rev().collect();
    while let Some(node) = stack.pop() {
        match node.value() {
            scraper::Node::Text(t) => text.push_str(t),
            scraper::Node::Element(_) => {
                if ElementRef::wrap(node).is_some_and(|el| skip.matches(&el)) {
                    continue;
                }
                stack.extend(node.children().rev());
            }
            _ => {}
        }
    }
    collapse_whitespace(&text)
}

/// Collapses every run of whitespace (including non-breaking spaces) to one space and trims.
pub(crate) fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The layout to group by: the configured one, or for [`Layout::Auto`] the detected one.
///
/// # The Auto rule
///
/// Without headers the layout does not matter (one untitled group). Otherwise, looking only at
/// the recognised entries of the root list:
///
/// 1. Header-first leaves the nodes *before the first header* untitled; trailing-header leaves
///    the nodes *after the last header* untitled. Pick the layout that leaves fewer untitled.
///    So a root list that ends with a header (and does not start with one) is trailing, and one
///    that starts with a header (and does not end with one) is header-first — which is how the
///    two real layouts look.
/// 2. On a tie (both ends are headers, or as many nodes before the first header as after the
///    last), use the design document's heuristic: more entries without ids (menus and headers)
///    than items with ids means trailing; otherwise header-first.
fn resolve_layout(configured: Layout, entries: &[Entry]) -> Layout {
    if configured != Layout::Auto {
        return configured;
    }
    let is_header = |e: &Entry| matches!(e, Entry::Header(_));
    let (Some(first), Some(last)) = (
        entries.iter().position(is_header),
        entries.iter().rposition(is_header),
    ) else {
        return Layout::HeaderFirst;
    };
    let untitled_if_header_first = first;
    let untitled_if_trailing = entries.len() - last - 1;
    let layout = if untitled_if_header_first != untitled_if_trailing {
        if untitled_if_header_first > untitled_if_trailing {
            Layout::TrailingHeader
        } else {
            Layout::HeaderFirst
        }
    } else {
        let with_ids = entries
            .iter()
            .filter(|e| matches!(e, Entry::Node(Node::Item(_))))
            .count();
        if entries.len() - with_ids > with_ids {
            Layout::TrailingHeader
        } else {
            Layout::HeaderFirst
        }
    };
    tracing::debug!(?layout, "sidebar layout detected");
    layout
}

/// Groups root entries under their headers according to `layout` (never `Auto` here).
///
/// Titled groups are kept even when empty (the header exists in the sidebar); an untitled group
/// is emitted only when it has nodes.
fn group(entries: Vec<Entry>, layout: Layout) -> Vec<HeaderGroup> {
    let mut groups = Vec::new();
    let mut title: Option<String> = None;
    let mut nodes = Vec::new();
    let trailing = layout == Layout::TrailingHeader;
    for entry in entries {
        match entry {
            Entry::Node(node) => nodes.push(node),
            Entry::Header(header) if trailing => groups.push(HeaderGroup {
                title: Some(header),
                nodes: std::mem::take(&mut nodes),
            }),
            Entry::Header(header) => {
                if title.is_some() || !nodes.is_empty() {
                    groups.push(HeaderGroup {
                        title: title.take(),
                        nodes: std::mem::take(&mut nodes),
                    });
                }
                title = Some(header);
            }
        }
    }
    if title.is_some() || !nodes.is_empty() {
        groups.push(HeaderGroup { title, nodes });
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::markup::{self, header, item, menu};
    use crate::sidebar::tree::Item;

    /// `sidebar-header-first.html` from the design notes, verbatim: the newer header-first layout.
    const SAMPLE_HEADER_FIRST: &str = r#"<div class="filter-api-sidebar-wrapper">
  <ul class="toc-nav">
    <app-api-doc-item>
      <li class="toc-item-divider">
        <a>Authentication</a>
      </li>
    </app-api-doc-item>
    <app-api-doc-item>
      <li class="toc-item-highlight clickable" id="docs-node-123">
        <div class="toc-item-wrapper">
          <div class="toc-item-content">
            <span id="docs-node-123-sp">Login</span>
          </div>
        </div>
      </li>
    </app-api-doc-item>
    <app-api-doc-item>
      <li class="toc-item-highlight clickable">
        <div class="toc-item-wrapper">
          <div class="toc-item-content">
            <i class="dds__icon--chevron-right"></i>
            <div class="align-middle dds__text-truncate dds__position-relative">Users</div>
          </div>
        </div>
      </li>
    </app-api-doc-item>
    <ul>
      <app-api-doc-item>
        <li class="toc-item-highlight clickable" id="docs-node-456">
          <div class="toc-item-wrapper">
            <div class="toc-item-content">
              <span id="docs-node-456-sp">Create User</span>
            </div>
          </div>
        </li>
      </app-api-doc-item>
      <app-api-doc-item>
        <li class="toc-item-highlight clickable" id="docs-node-789">
          <div class="toc-item-wrapper">
            <div class="toc-item-content">
              <span id="docs-node-789-sp">Delete User</span>
            </div>
          </div>
        </li>
      </app-api-doc-item>
    </ul>
  </ul>
</div>
"#;

    /// `sidebar-trailing-header.html` from the design notes, verbatim: the older trailing-header layout.
    const SAMPLE_TRAILING_HEADER: &str = r#"<div class="filter-api-sidebar-wrapper">
  <ul class="toc-nav">
    <app-api-doc-item>
      <li class="toc-item-highlight clickable" id="docs-node-100">
        <div class="toc-item-wrapper">
          <div class="toc-item-content">
            <span id="docs-node-100-sp">Get All Items</span>
          </div>
        </div>
      </li>
    </app-api-doc-item>
    <app-api-doc-item>
      <li class="toc-item-highlight clickable" id="docs-node-200">
        <div class="toc-item-wrapper">
          <div class="toc-item-content">
            <span id="docs-node-200-sp">Create Item</span>
          </div>
        </div>
      </li>
    </app-api-doc-item>
    <app-api-doc-item>
      <li class="toc-item-highlight clickable">
        <div class="toc-item-wrapper">
          <div class="toc-item-content">
            <i class="dds__icon--chevron-right"></i>
            <div class="align-middle dds__text-truncate dds__position-relative">Resources</div>
          </div>
        </div>
      </li>
    </app-api-doc-item>
    <app-api-doc-item>
      <li class="toc-item-divider">
        <a>API Resources</a>
      </li>
    </app-api-doc-item>
  </ul>
</div>
"#;

    // ---------------------------------------------------------------- helpers

    fn profile(layout: Layout) -> SiteProfile {
        SiteProfile {
            layout,
            ..SiteProfile::default()
        }
    }

    fn parse(html: &str) -> SidebarTree {
        parse_sidebar(html, &SiteProfile::default()).unwrap()
    }

    fn parse_as(html: &str, layout: Layout) -> SidebarTree {
        parse_sidebar(html, &profile(layout)).unwrap()
    }

    /// An expanded menu followed by its children list.
    fn open_menu(title: &str, children: &[String]) -> String {
        markup::open_menu(title, &children.concat())
    }

    /// The whole sidebar (newer markup, with `app-api-doc-sidebar`) around root entries.
    fn sidebar(entries: &[String]) -> String {
        format!(
            r#"<div class="filter-api-sidebar-wrapper"><app-api-doc-sidebar><ul class="toc-nav">{}</ul></app-api-doc-sidebar></div>"#,
            entries.concat()
        )
    }

    fn n_item(id: &str, title: &str, position: &[usize]) -> Node {
        Node::Item(ItemNode {
            id: id.into(),
            title: title.into(),
            position: position.to_vec(),
        })
    }

    fn n_menu(title: &str, position: &[usize], expanded: bool, children: Vec<Node>) -> Node {
        Node::Menu(MenuNode {
            title: title.into(),
            position: position.to_vec(),
            expanded,
            children,
        })
    }

    fn group(title: Option<&str>, nodes: Vec<Node>) -> HeaderGroup {
        HeaderGroup {
            title: title.map(str::to_owned),
            nodes,
        }
    }

    fn ids(tree: &SidebarTree) -> Vec<String> {
        tree.items().into_iter().map(|i| i.id).collect()
    }

    fn titles(tree: &SidebarTree) -> Vec<Option<String>> {
        tree.groups.iter().map(|g| g.title.clone()).collect()
    }

    /// Runs `f` on a thread with a deliberately modest stack, so that a recursive walk over deep
    /// input would overflow instead of passing thanks to a generous default.
    fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
        std::thread::Builder::new()
            .stack_size(1024 * 1024)
            .spawn(f)
            .unwrap()
            .join()
            .unwrap()
    }

    // ---------------------------------------------------------------- the samples

    fn header_first_expected() -> SidebarTree {
        SidebarTree {
            groups: vec![group(
                Some("Authentication"),
                vec![
                    n_item("docs-node-123", "Login", &[1]),
                    n_menu(
                        "Users",
                        &[2],
                        true,
                        vec![
                            n_item("docs-node-456", "Create User", &[2, 0]),
                            n_item("docs-node-789", "Delete User", &[2, 1]),
                        ],
                    ),
                ],
            )],
        }
    }

    fn trailing_expected() -> SidebarTree {
        SidebarTree {
            groups: vec![group(
                Some("API Resources"),
                vec![
                    n_item("docs-node-100", "Get All Items", &[0]),
                    n_item("docs-node-200", "Create Item", &[1]),
                    n_menu("Resources", &[2], false, vec![]),
                ],
            )],
        }
    }

    #[test]
    fn header_first_sample_explicit_and_auto() {
        let expected = header_first_expected();
        assert_eq!(parse_as(SAMPLE_HEADER_FIRST, Layout::HeaderFirst), expected);
        assert_eq!(parse_as(SAMPLE_HEADER_FIRST, Layout::Auto), expected);
    }

    #[test]
    fn trailing_header_sample_explicit_and_auto() {
        let expected = trailing_expected();
        assert_eq!(
            parse_as(SAMPLE_TRAILING_HEADER, Layout::TrailingHeader),
            expected
        );
        assert_eq!(parse_as(SAMPLE_TRAILING_HEADER, Layout::Auto), expected);
    }

    #[test]
    fn explicit_layout_overrides_detection() {
        // Forcing the wrong layout still parses; it only changes which header titles what.
        let tree = parse_as(SAMPLE_HEADER_FIRST, Layout::TrailingHeader);
        assert_eq!(titles(&tree), [Some("Authentication".into()), None]);
        assert!(tree.groups[0].nodes.is_empty());
        assert_eq!(
            tree.groups[1].nodes,
            header_first_expected().groups[0].nodes
        );

        let tree = parse_as(SAMPLE_TRAILING_HEADER, Layout::HeaderFirst);
        assert_eq!(titles(&tree), [None, Some("API Resources".into())]);
        assert_eq!(tree.groups[0].nodes, trailing_expected().groups[0].nodes);
        assert!(tree.groups[1].nodes.is_empty());
    }

    #[test]
    fn sample_items_flatten_with_header_and_menu_path() {
        let items = parse(SAMPLE_HEADER_FIRST).items();
        assert_eq!(items.len(), 3);
        assert_eq!(
            items[1],
            Item {
                id: "docs-node-456".into(),
                title: "Create User".into(),
                header: Some("Authentication".into()),
                menu_path: vec!["Users".into()],
                menu_positions: vec![vec![2]],
                position: vec![2, 0],
                depth: 1,
                order: 1,
            }
        );
        let tree = parse(SAMPLE_TRAILING_HEADER);
        assert_eq!(tree.item_count(), 2);
        assert_eq!(tree.menu_count(), 1);
        let collapsed = tree.collapsed_menus();
        assert_eq!(collapsed.len(), 1);
        assert_eq!(
            (
                collapsed[0].title.as_str(),
                collapsed[0].position.as_slice()
            ),
            ("Resources", &[2][..])
        );
        assert!(parse(SAMPLE_HEADER_FIRST).collapsed_menus().is_empty());
    }

    // ---------------------------------------------------------------- positions and nesting

    #[test]
    fn nesting_four_levels_with_exact_positions() {
        let html = sidebar(&[
            header("Intro"),
            item("a", "Overview"),
            open_menu(
                "Level 1",
                &[
                    item("b", "B"),
                    open_menu(
                        "Level 2",
                        &[
                            "<app-api-doc-item><span>not an entry kind</span></app-api-doc-item>"
                                .into(),
                            open_menu("Level 3", &[item("c", "Deep"), menu("Level 4", false)]),
                            item("d", "D"),
                        ],
                    ),
                    item("e", "E"),
                ],
            ),
            menu("Closed", false),
            item("f", "F"),
        ]);
        let expected = SidebarTree {
            groups: vec![group(
                Some("Intro"),
                vec![
                    n_item("a", "Overview", &[1]),
                    n_menu(
                        "Level 1",
                        &[2],
                        true,
                        vec![
                            n_item("b", "B", &[2, 0]),
                            n_menu(
                                "Level 2",
                                &[2, 1],
                                true,
                                vec![
                                    n_menu(
                                        "Level 3",
                                        &[2, 1, 1],
                                        true,
                                        vec![
                                            n_item("c", "Deep", &[2, 1, 1, 0]),
                                            n_menu("Level 4", &[2, 1, 1, 1], false, vec![]),
                                        ],
                                    ),
                                    n_item("d", "D", &[2, 1, 2]),
                                ],
                            ),
                            n_item("e", "E", &[2, 2]),
                        ],
                    ),
                    n_menu("Closed", &[3], false, vec![]),
                    n_item("f", "F", &[4]),
                ],
            )],
        };
        let tree = parse(&html);
        assert_eq!(tree, expected);

        let items = tree.items();
        let deep = items.iter().find(|i| i.id == "c").unwrap();
        assert_eq!(deep.menu_path, ["Level 1", "Level 2", "Level 3"]);
        assert_eq!(deep.menu_positions, [vec![2], vec![2, 1], vec![2, 1, 1]]);
        assert_eq!(deep.depth, 3);
        assert_eq!(ids(&tree), ["a", "b", "c", "d", "e", "f"]);
        let collapsed: Vec<&[usize]> = tree
            .collapsed_menus()
            .iter()
            .map(|m| m.position.as_slice())
            .collect();
        assert_eq!(collapsed, [&[2, 1, 1, 1][..], &[3][..]]);
        assert_eq!(
            tree.menu_at(&[2, 1, 1]).map(|m| m.title.as_str()),
            Some("Level 3")
        );
    }

    #[test]
    fn expanding_a_menu_renumbers_nothing() {
        let entries = |expanded: bool| {
            let middle = if expanded {
                open_menu("Middle", &[item("m1", "M1"), item("m2", "M2")])
            } else {
                menu("Middle", false)
            };
            sidebar(&[
                header("H"),
                item("a", "A"),
                menu("Before", false),
                middle,
                item("b", "B"),
                menu("After", false),
                item("c", "C"),
            ])
        };
        let collapsed = parse(&entries(false));
        let expanded = parse(&entries(true));
        assert_eq!(expanded.node_at(&[3, 1]).map(Node::title), Some("M2"));
        for node in collapsed.nodes() {
            let twin = expanded.node_at(node.position()).unwrap();
            assert_eq!(twin.title(), node.title(), "at {:?}", node.position());
        }
        let after: Vec<(&str, &[usize])> = expanded.groups[0].nodes[3..]
            .iter()
            .map(|n| (n.title(), n.position()))
            .collect();
        assert_eq!(
            after,
            [("B", &[4][..]), ("After", &[5][..]), ("C", &[6][..])]
        );
    }

    #[test]
    fn unrecognised_entries_and_nested_headers_are_counted_but_skipped() {
        let html = sidebar(&[
            "<p>stray</p>".into(),
            header("Top"),
            "<app-api-doc-item><!-- nothing --></app-api-doc-item>".into(),
            open_menu("Menu", &[header("Not a group"), "<div></div>".into(), item("z", "Z")]),
            r#"<li class="toc-item-highlight clickable" id="direct"><span id="direct-sp">Direct</span></li>"#.into(),
        ]);
        let tree = parse(&html);
        assert_eq!(
            tree,
            SidebarTree {
                groups: vec![group(
                    Some("Top"),
                    vec![
                        n_menu("Menu", &[3], true, vec![n_item("z", "Z", &[3, 2])]),
                        n_item("direct", "Direct", &[4]),
                    ],
                )],
            }
        );
    }

    #[test]
    fn items_without_id_are_skipped_but_counted() {
        let html = sidebar(&[
            // Matches `item`, but an empty id is no identity (and `menu` wants no id at all).
            r#"<app-api-doc-item><li class="toc-item-highlight clickable" id=""><span>Blank</span></li></app-api-doc-item>"#.into(),
            item("k", "K"),
        ]);
        assert_eq!(parse(&html).groups[0].nodes, [n_item("k", "K", &[1])]);

        // With an `item` selector that does not require an id, an id-less element falls through
        // to `menu`, and the search goes on inside it.
        let profile = SiteProfile {
            item: "li.toc-item-highlight".into(),
            menu: "li.toc-item-highlight".into(),
            ..SiteProfile::default()
        };
        let html = sidebar(&[item("i", "I"), menu("M", false)]);
        let tree = parse_sidebar(&html, &profile).unwrap();
        assert_eq!(
            tree.groups[0].nodes,
            [n_item("i", "I", &[0]), n_menu("M", &[1], false, vec![])]
        );
        let profile = SiteProfile {
            item: "app-api-doc-item, li[id]".into(),
            ..SiteProfile::default()
        };
        assert_eq!(
            parse_sidebar(&html, &profile).unwrap(),
            tree,
            "the wrapper has no id: look inside"
        );
    }

    #[test]
    fn duplicate_texts_are_preserved_in_order() {
        let html = sidebar(&[
            header("Volumes"),
            open_menu("GET", &[item("v1", "List"), item("v2", "List")]),
            header("Hosts"),
            open_menu("GET", &[item("h1", "List")]),
        ]);
        let tree = parse(&html);
        assert_eq!(
            titles(&tree),
            [Some("Volumes".into()), Some("Hosts".into())]
        );
        let items = tree.items();
        let column = |f: fn(&Item) -> String| items.iter().map(f).collect::<Vec<_>>();
        assert_eq!(column(|i| i.id.clone()), ["v1", "v2", "h1"]);
        assert_eq!(column(|i| i.title.clone()), ["List", "List", "List"]);
        assert_eq!(
            column(|i| format!("{:?}", i.header)),
            [
                r#"Some("Volumes")"#,
                r#"Some("Volumes")"#,
                r#"Some("Hosts")"#
            ]
        );
        assert_eq!(column(|i| i.menu_path.join("/")), ["GET", "GET", "GET"]);
        // Same menu name, different identities.
        assert_eq!(
            column(|i| format!("{:?}", i.menu_positions)),
            ["[[1]]", "[[1]]", "[[3]]"]
        );
    }

    #[test]
    fn duplicate_ids_keep_the_first_occurrence() {
        let html = sidebar(&[
            open_menu("Menu", &[item("x", "First"), item("x", "Again inside")]),
            item("x", "Again at root"),
            item("y", "Y"),
        ]);
        let tree = parse(&html);
        assert_eq!(ids(&tree), ["x", "y"]);
        assert_eq!(tree.items()[0].title, "First");
        assert_eq!(tree.items()[0].position, [0, 0]);
        assert_eq!(tree.items()[1].position, [2]);
        assert_eq!(tree.item_count(), 2);
    }

    // ---------------------------------------------------------------- menus

    #[test]
    fn menu_expanded_state_follows_list_and_icons() {
        let no_icon = r#"<app-api-doc-item><li class="toc-item-highlight clickable"><div class="align-middle dds__text-truncate">Bare</div></li></app-api-doc-item>"#;
        let both_icons = r#"<app-api-doc-item><li class="toc-item-highlight clickable"><i class="dds__icon--chevron-right"></i><i class="dds__icon--chevron-down"></i><div class="align-middle dds__text-truncate">Both</div></li></app-api-doc-item>"#;
        let html = sidebar(&[
            menu("Down, no list", true),
            menu("Right, no list", false),
            format!("{}<ul></ul>", menu("Right, empty list", false)),
            no_icon.into(),
            both_icons.into(),
        ]);
        let expanded: Vec<(String, bool)> = parse(&html)
            .nodes()
            .map(|n| match n {
                Node::Menu(m) => (m.title.clone(), m.expanded),
                Node::Item(_) => unreachable!(),
            })
            .collect();
        assert_eq!(
            expanded,
            [
                ("Down, no list".to_owned(), true),
                ("Right, no list".to_owned(), false),
                ("Right, empty list".to_owned(), true),
                ("Bare".to_owned(), false),
                ("Both".to_owned(), false),
            ]
        );
    }

    #[test]
    fn only_the_immediately_following_list_belongs_to_a_menu() {
        let html = sidebar(&[
            item("a", "A"),
            "<ul><app-api-doc-item><li class=\"toc-item-highlight\" id=\"orphan\">Orphan</li></app-api-doc-item></ul>".into(),
            menu("M", false),
            "<!-- comment --> text ".into(),
            "<ul>".into(),
            item("b", "B"),
            "</ul>".into(),
        ]);
        let tree = parse(&html);
        // The list after the item is nobody's; the list after the menu (comment and text in
        // between do not count as elements) is the menu's; lists are not entries.
        assert_eq!(
            tree.groups[0].nodes,
            [
                n_item("a", "A", &[0]),
                n_menu("M", &[1], true, vec![n_item("b", "B", &[1, 0])])
            ]
        );
    }

    /// A site that nests each children list inside its menu element, with its own selectors.
    fn nested_profile() -> SiteProfile {
        SiteProfile {
            sidebar: "nav.docs".into(),
            sidebar_root: "ul.tree".into(),
            header: "li.section".into(),
            header_text: "h3".into(),
            item: "li.page[id]".into(),
            item_text: "a".into(),
            menu: "li.folder".into(),
            menu_text: "span.label".into(),
            collapsed_icon: "i.closed".into(),
            expanded_icon: "i.open".into(),
            children: "ul".into(),
            layout: Layout::Auto,
            ..SiteProfile::default()
        }
    }

    #[test]
    fn nested_list_sites_find_children_inside_the_menu() {
        let html = r#"<nav class="docs"><ul class="tree">
            <li class="section"><h3>Guides</h3></li>
            <li class="page" id="p1"><a>Start</a></li>
            <li class="folder"><i class="open"></i><span class="label">Folder</span>
              <ul>
                <li class="page" id="p2"><a>Inside</a></li>
                <li class="folder"><i class="closed"></i><span class="label">Sub</span></li>
                <li class="folder"><i class="open"></i>Unlabelled <ul><li class="page" id="p3"><a>Leaf</a></li></ul></li>
              </ul>
            </li>
          </ul></nav>"#;
        let tree = parse_sidebar(html, &nested_profile()).unwrap();
        assert_eq!(
            tree,
            SidebarTree {
                groups: vec![group(
                    Some("Guides"),
                    vec![
                        n_item("p1", "Start", &[1]),
                        n_menu(
                            "Folder",
                            &[2],
                            true,
                            vec![
                                n_item("p2", "Inside", &[2, 0]),
                                n_menu("Sub", &[2, 1], false, vec![]),
                                // The fallback title leaves the nested list's text out.
                                n_menu(
                                    "Unlabelled",
                                    &[2, 2],
                                    true,
                                    vec![n_item("p3", "Leaf", &[2, 2, 0])]
                                ),
                            ],
                        ),
                    ],
                )],
            }
        );
    }

    // ---------------------------------------------------------------- text

    #[test]
    fn whitespace_is_collapsed_everywhere() {
        let html = sidebar(&[
            header("\n   API \t\n  Resources  "),
            item("w", "  Get \n\t All&nbsp;&nbsp; Items  "),
            open_menu("\n  Big\n\n   Menu ", &[]),
        ]);
        let tree = parse(&html);
        assert_eq!(titles(&tree), [Some("API Resources".into())]);
        let nodes: Vec<&str> = tree.nodes().map(Node::title).collect();
        assert_eq!(nodes, ["Get All Items", "Big Menu"]);
        assert_eq!(collapse_whitespace(" \u{a0}a \r\n b\u{2003}c  "), "a b c");
        assert_eq!(collapse_whitespace(" \t\n"), "");
    }

    #[test]
    fn item_text_falls_back_to_the_items_own_text() {
        let html = sidebar(&[
            r#"<app-api-doc-item><li class="toc-item-highlight clickable" id="f1"><div><b>Fallback</b>   title</div></li></app-api-doc-item>"#.into(),
            r#"<app-api-doc-item><li class="toc-item-highlight clickable" id="f2"><span id="f2-sp">  </span><i>Empty span</i></li></app-api-doc-item>"#.into(),
            r#"<app-api-doc-item><li class="toc-item-highlight clickable" id="f3"></li></app-api-doc-item>"#.into(),
            r#"<app-api-doc-item><li class="toc-item-divider">Plain header</li></app-api-doc-item>"#.into(),
            r#"<app-api-doc-item><li class="toc-item-highlight clickable"><i class="dds__icon--chevron-right"></i> Plain menu </li></app-api-doc-item>"#.into(),
        ]);
        let tree = parse_as(&html, Layout::HeaderFirst);
        let nodes: Vec<(&str, &[usize])> =
            tree.nodes().map(|n| (n.title(), n.position())).collect();
        assert_eq!(
            nodes,
            [
                ("Fallback title", &[0][..]),
                ("Empty span", &[1][..]),
                ("", &[2][..]),
                ("Plain menu", &[4][..])
            ]
        );
        assert_eq!(titles(&tree), [None, Some("Plain header".into())]);
    }

    // ---------------------------------------------------------------- input shapes and errors

    #[test]
    fn accepts_documents_and_fragments() {
        let expected = header_first_expected();
        let document = format!(
            "<!DOCTYPE html><html><head><title>Docs</title></head><body><header><ul><li>nav</li></ul></header>{SAMPLE_HEADER_FIRST}<div id=\"documentation\"></div></body></html>"
        );
        assert_eq!(parse(&document), expected);
        // The root list's own outer HTML, without the wrapper.
        let start = SAMPLE_HEADER_FIRST.find("<ul class=\"toc-nav\">").unwrap();
        let end = SAMPLE_HEADER_FIRST.rfind("</div>").unwrap();
        assert_eq!(parse(&SAMPLE_HEADER_FIRST[start..end]), expected);
        // Older markup without app-api-doc-sidebar is the sample itself; newer with it:
        let newer = sidebar(&[header("Authentication"), item("docs-node-123", "Login")]);
        assert_eq!(parse(&newer).item_count(), 1);
        // A profile whose `sidebar` is the root list itself.
        let same = SiteProfile {
            sidebar: "ul.toc-nav".into(),
            ..SiteProfile::default()
        };
        assert_eq!(parse_sidebar(SAMPLE_HEADER_FIRST, &same).unwrap(), expected);
    }

    #[test]
    fn only_the_first_sidebar_counts() {
        // Like `document.querySelector` in the browser twin: an empty first sidebar is an error
        // rather than a silent switch to another element than the one discovery works on.
        let html = format!(
            "<div class=\"filter-api-sidebar-wrapper\"><p>loading…</p></div>{SAMPLE_TRAILING_HEADER}"
        );
        assert_eq!(
            parse_sidebar(&html, &SiteProfile::default()),
            Err(SidebarError::RootNotFound {
                selector: "ul.toc-nav".into()
            })
        );
        let html = format!("{SAMPLE_TRAILING_HEADER}{SAMPLE_HEADER_FIRST}");
        assert_eq!(parse(&html), trailing_expected());
    }

    #[test]
    fn missing_root_is_an_error_naming_the_selector() {
        let not_found = SidebarError::RootNotFound {
            selector: "ul.toc-nav".into(),
        };
        let profile = SiteProfile::default();
        assert_eq!(parse_sidebar("", &profile), Err(not_found.clone()));
        assert_eq!(parse_sidebar("   \n", &profile), Err(not_found.clone()));
        assert_eq!(
            parse_sidebar("<html><body><p>No sidebar here</p></body></html>", &profile),
            Err(not_found.clone())
        );
        // A sidebar without its root list: the root list elsewhere on the page is not used.
        let html = "<div class=\"filter-api-sidebar-wrapper\"></div><ul class=\"toc-nav\"></ul>";
        let error = parse_sidebar(html, &profile).unwrap_err();
        assert_eq!(error, not_found);
        let message = error.to_string();
        assert!(
            message.contains("ul.toc-nav") && message.contains("site.sidebar_root"),
            "{message}"
        );
    }

    #[test]
    fn an_empty_root_list_is_an_empty_tree() {
        let tree =
            parse("<div class=\"filter-api-sidebar-wrapper\"><ul class=\"toc-nav\"></ul></div>");
        assert_eq!(tree, SidebarTree::default());
        assert!(tree.is_empty());
    }

    #[test]
    fn malformed_html_is_recovered() {
        // Unclosed <li>s (closed by the next <li>), stray end tags, an unclosed <span>, and a
        // document cut off in the middle of a tag. (A stray `</div>` is not in the list: HTML
        // parsers rightly let it close the sidebar's wrapper, like browsers do.)
        let html = r#"<div class="filter-api-sidebar-wrapper"><ul class="toc-nav">
            <li class="toc-item-divider"><a>Head</a>
            <li class="toc-item-highlight clickable" id="n1"><span id="n1-sp">One</span></b></span></p>
            <li class="toc-item-highlight clickable" id="n2"><span id="n2-sp">Two
            <li class="toc-item-highlight clickable"><i class="dds__icon--chevron-right"></i><div class="align-middle dds__text-truncate">Menu
            <li class="toc-item-highlight clickable" id="n3"><span id="n3-s"#;
        let tree = parse(html);
        assert_eq!(
            tree,
            SidebarTree {
                groups: vec![group(
                    Some("Head"),
                    vec![
                        n_item("n1", "One", &[1]),
                        n_item("n2", "Two", &[2]),
                        n_menu("Menu", &[3], false, vec![]),
                        // The cut-off `<span` is dropped; the item keeps its id, with no title.
                        n_item("n3", "", &[4]),
                    ],
                )],
            }
        );
        // Garbage does not panic.
        for junk in [
            "<",
            "<ul class=\"toc-nav\"",
            "<<<>>>",
            "</ul></ul>",
            "\u{0}\u{feff}<ul class=toc-nav><li id=x class=toc-item-highlight>",
        ] {
            let _ = parse_sidebar(junk, &SiteProfile::default());
        }
    }

    #[test]
    fn invalid_selectors_name_their_key() {
        type Setter = fn(&mut SiteProfile, String);
        let keys: [(&str, Setter); 16] = [
            ("site.sidebar", |p, s| p.sidebar = s),
            ("site.sidebar_root", |p, s| p.sidebar_root = s),
            ("site.header", |p, s| p.header = s),
            ("site.header_text", |p, s| p.header_text = s),
            ("site.item", |p, s| p.item = s),
            ("site.item_text", |p, s| p.item_text = s),
            ("site.menu", |p, s| p.menu = s),
            ("site.menu_text", |p, s| p.menu_text = s),
            ("site.collapsed_icon", |p, s| p.collapsed_icon = s),
            ("site.expanded_icon", |p, s| p.expanded_icon = s),
            ("site.children", |p, s| p.children = s),
            ("site.loader", |p, s| p.loader = s),
            ("site.content", |p, s| p.content = s),
            ("site.response_tab", |p, s| p.response_tab = s),
            ("site.response_tab_label", |p, s| p.response_tab_label = s),
            ("site.response_panel", |p, s| p.response_panel = s),
        ];
        assert_eq!(validate_profile(&SiteProfile::default()), Ok(()));
        for (key, set) in keys {
            for bad in ["div[[", "", "   ", "li:nonsense-pseudo"] {
                let mut profile = SiteProfile::default();
                set(&mut profile, bad.into());
                let error = validate_profile(&profile).unwrap_err();
                match &error {
                    SidebarError::InvalidSelector {
                        key: k,
                        selector,
                        reason,
                    } => {
                        assert_eq!((*k, selector.as_str()), (key, bad));
                        assert!(!reason.is_empty());
                    }
                    other => panic!("{other:?}"),
                }
                assert!(error.to_string().contains(key), "{error}");
            }
        }
        let profile = SiteProfile {
            menu_text: "div..x".into(),
            ..SiteProfile::default()
        };
        let error = parse_sidebar(SAMPLE_HEADER_FIRST, &profile).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("`site.menu_text` is not a valid CSS selector"),
            "{error}"
        );
    }

    #[test]
    fn compiled_selectors_parse_repeatedly() {
        let selectors = compile_selectors(&profile(Layout::TrailingHeader)).unwrap();
        assert_eq!(selectors.layout(), Layout::TrailingHeader);
        assert_eq!(
            parse_sidebar_with(SAMPLE_TRAILING_HEADER, &selectors).unwrap(),
            trailing_expected()
        );
        assert_eq!(
            parse_sidebar_with(SAMPLE_TRAILING_HEADER, &selectors).unwrap(),
            trailing_expected()
        );
    }

    // ---------------------------------------------------------------- Auto layout

    fn auto_titles(entries: &[String]) -> Vec<(Option<String>, Vec<String>)> {
        parse_as(&sidebar(entries), Layout::Auto)
            .groups
            .into_iter()
            .map(|g| {
                (
                    g.title,
                    g.nodes.iter().map(|n| n.title().to_owned()).collect(),
                )
            })
            .collect()
    }

    fn s(text: &str) -> String {
        text.to_owned()
    }

    #[test]
    fn auto_without_headers_is_one_untitled_group() {
        assert_eq!(
            auto_titles(&[item("a", "A"), menu("M", false)]),
            [(None, vec![s("A"), s("M")])]
        );
    }

    #[test]
    fn auto_prefers_the_layout_leaving_fewer_nodes_untitled() {
        // Two nodes before the first header, one after the last: trailing.
        assert_eq!(
            auto_titles(&[
                item("a", "A"),
                item("b", "B"),
                header("H1"),
                item("c", "C"),
                header("H2"),
                item("d", "D")
            ]),
            [
                (Some(s("H1")), vec![s("A"), s("B")]),
                (Some(s("H2")), vec![s("C")]),
                (None, vec![s("D")]),
            ]
        );
        // One before, two after: header-first.
        assert_eq!(
            auto_titles(&[
                item("a", "A"),
                header("H1"),
                item("b", "B"),
                header("H2"),
                item("c", "C"),
                item("d", "D")
            ]),
            [
                (None, vec![s("A")]),
                (Some(s("H1")), vec![s("B")]),
                (Some(s("H2")), vec![s("C"), s("D")]),
            ]
        );
    }

    #[test]
    fn auto_ties_use_the_id_heuristic() {
        // Headers at both ends, items dominate: header-first.
        assert_eq!(
            auto_titles(&[header("H1"), item("a", "A"), item("b", "B"), header("H2")]),
            [
                (Some(s("H1")), vec![s("A"), s("B")]),
                (Some(s("H2")), vec![])
            ]
        );
        // Headers at both ends, id-less entries dominate: trailing.
        assert_eq!(
            auto_titles(&[
                header("H1"),
                menu("M1", false),
                menu("M2", false),
                item("a", "A"),
                header("H2")
            ]),
            [
                (Some(s("H1")), vec![]),
                (Some(s("H2")), vec![s("M1"), s("M2"), s("A")])
            ]
        );
    }

    // ---------------------------------------------------------------- size and depth

    #[test]
    fn ten_thousand_items_parse() {
        let entries: Vec<String> = (0..10_000)
            .map(|i| item(&format!("docs-node-{i}"), &format!("Item {i}")))
            .collect();
        let html = sidebar(&entries);
        let tree = on_small_stack(move || parse(&html));
        assert_eq!(tree.item_count(), 10_000);
        let items = tree.items();
        for (i, item) in items.iter().enumerate() {
            assert_eq!(item.position, [i]);
            assert_eq!(item.id, format!("docs-node-{i}"));
            assert_eq!(item.title, format!("Item {i}"));
        }
    }

    // html5ever spends time quadratic in the nesting depth on block elements such as `<li>`
    // and `<ul>` (scope checks walk its stack of open elements), about 5 s for 10,000 levels
    // in a debug build; the walker itself is linear. So only the first deep test uses the
    // portal's block markup; the others use custom elements, which html5ever parses linearly.

    #[test]
    fn ten_thousand_nested_menus_are_capped_without_overflow() {
        let levels = 10_000;
        let mut html =
            String::from(r#"<div class="filter-api-sidebar-wrapper"><ul class="toc-nav">"#);
        for level in 0..levels {
            html.push_str(&format!(
                r#"<li class="toc-item-highlight clickable"><i class="dds__icon--chevron-down"></i>L{level}</li><ul>"#
            ));
        }
        html.push_str(&item("bottom", "Bottom"));
        html.push_str(&"</ul>".repeat(levels + 1));
        html.push_str("</div>");
        let tree = on_small_stack(move || parse(&html));
        // Lists at levels 0..=MAX_LIST_DEPTH are walked: one menu each; nothing deeper.
        assert_eq!(tree.menu_count(), MAX_LIST_DEPTH + 1);
        assert_eq!(tree.item_count(), 0);
        let deepest = tree.nodes().last().unwrap();
        assert_eq!(deepest.position(), vec![0; MAX_LIST_DEPTH + 1]);
        assert_eq!(deepest.title(), format!("L{MAX_LIST_DEPTH}"));
        match deepest {
            Node::Menu(m) => assert!(m.expanded && m.children.is_empty()),
            Node::Item(_) => panic!("expected a menu"),
        }
    }

    /// A nested-list site made of custom elements (cheap to parse at any depth).
    fn custom_profile() -> SiteProfile {
        SiteProfile {
            sidebar: "x-nav".into(),
            sidebar_root: "x-tree".into(),
            header: "x-section".into(),
            header_text: "x-label".into(),
            item: "x-page[id]".into(),
            item_text: "x-label".into(),
            menu: "x-folder".into(),
            menu_text: "x-label".into(),
            collapsed_icon: "x-closed".into(),
            expanded_icon: "x-open".into(),
            children: "x-list".into(),
            layout: Layout::Auto,
            ..SiteProfile::default()
        }
    }

    #[test]
    fn ten_thousand_nested_lists_inside_menus_are_capped_without_overflow() {
        let levels = 10_000;
        let mut html = String::from("<x-nav><x-tree><x-section><x-label>S</x-label></x-section>");
        for level in 0..levels {
            html.push_str(&format!(
                "<x-folder><x-open></x-open><x-label>F{level}</x-label><x-list>"
            ));
        }
        html.push_str(r#"<x-page id="leaf"><x-label>Leaf</x-label></x-page>"#);
        html.push_str(&"</x-list></x-folder>".repeat(levels));
        html.push_str("</x-tree></x-nav>");
        let tree = on_small_stack(move || parse_sidebar(&html, &custom_profile()).unwrap());
        assert_eq!(titles(&tree), [Some("S".into())]);
        assert_eq!(tree.menu_count(), MAX_LIST_DEPTH + 1);
        assert_eq!(tree.item_count(), 0);
        let deepest = tree.nodes().last().unwrap();
        let mut position = vec![0; MAX_LIST_DEPTH + 1];
        position[0] = 1;
        assert_eq!(
            (deepest.title(), deepest.position()),
            (format!("F{MAX_LIST_DEPTH}").as_str(), position.as_slice())
        );
    }

    #[test]
    fn ten_thousand_nested_elements_inside_entries_do_not_overflow() {
        let levels = 10_000;
        let wrap = |inner: &str| {
            format!(
                "{}{inner}{}",
                "<x-wrap>".repeat(levels),
                "</x-wrap>".repeat(levels)
            )
        };
        let html = [
            "<x-nav><x-tree>".to_owned(),
            // An entry whose only target is at the bottom of 10,000 wrappers.
            wrap(r#"<x-page id="deep"><x-label>Deep</x-label></x-page>"#),
            // An item whose title element and text are 10,000 levels down.
            format!(
                r#"<x-page id="title">{}</x-page>"#,
                wrap("<x-label>  Deep   title </x-label>")
            ),
            // An item without a title element: the fallback text is 10,000 levels down.
            format!(r#"<x-page id="fallback">{}</x-page>"#, wrap("Fallback")),
            // Unrecognised, then 10,000 nested children lists (which are never entries).
            wrap("junk"),
            wrap("<x-list></x-list>").replace("x-wrap", "x-list"),
            r#"<x-page id="after"><x-label>After</x-label></x-page></x-tree></x-nav>"#.to_owned(),
        ]
        .concat();
        let tree = on_small_stack(move || parse_sidebar(&html, &custom_profile()).unwrap());
        let nodes: Vec<(&str, &str, &[usize])> = tree
            .nodes()
            .map(|n| match n {
                Node::Item(i) => (i.id.as_str(), i.title.as_str(), i.position.as_slice()),
                Node::Menu(_) => panic!("no menus here"),
            })
            .collect();
        assert_eq!(
            nodes,
            [
                ("deep", "Deep", &[0][..]),
                ("title", "Deep title", &[1][..]),
                ("fallback", "Fallback", &[2][..]),
                ("after", "After", &[4][..]),
            ]
        );
    }
}
