//! Configuration: `config.yaml`, its defaults, validation and command-line overrides.

use serde::{Deserialize, Serialize};

/// How the sidebar places its header dividers relative to the entries they title.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// Decide from the markup (more id-less entries than id'd ones plus dividers → trailing).
    #[default]
    Auto,
    /// Newer portals: a header divider comes before the entries it titles.
    HeaderFirst,
    /// Older portals: entries come first and their header divider follows them.
    TrailingHeader,
}

/// The selector profile of one documentation site. Everything portal-specific lives here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SiteProfile {
    /// The element that contains the whole sidebar; waited for after navigation.
    pub sidebar: String,
    /// The root list inside `sidebar` whose direct children are walked in order.
    pub sidebar_root: String,
    /// An entry that is a header divider (group title).
    pub header: String,
    /// Inside a header entry: the element whose text is the group title (falls back to the entry's text).
    pub header_text: String,
    /// An entry that is a page item. Items are identified by their `id` attribute.
    pub item: String,
    /// Inside an item: the element holding its title (falls back to the item's trimmed text).
    pub item_text: String,
    /// An entry that is a (collapsible) menu.
    pub menu: String,
    /// Inside a menu: the element holding its title.
    pub menu_text: String,
    /// Inside a menu: present while the menu is collapsed.
    pub collapsed_icon: String,
    /// Inside a menu: present while the menu is expanded.
    pub expanded_icon: String,
    /// A list element holding a menu's children (a sibling after the menu entry, or nested in it).
    pub children: String,
    /// The loading overlay; while visible it intercepts clicks.
    pub loader: String,
    /// The content pane that shows the selected page.
    pub content: String,
    /// Response tabs inside the content pane (clicked one by one to capture every panel).
    pub response_tab: String,
    /// Inside a response tab: its label.
    pub response_tab_label: String,
    /// The currently shown response panel.
    pub response_panel: String,
    /// Header placement.
    pub layout: Layout,
}

impl Default for SiteProfile {
    fn default() -> Self {
        Self {
            sidebar: "div.filter-api-sidebar-wrapper".into(),
            sidebar_root: "ul.toc-nav".into(),
            header: "li.toc-item-divider".into(),
            header_text: "a".into(),
            item: "li.toc-item-highlight[id]".into(),
            item_text: "span[id$='-sp']".into(),
            menu: "li.toc-item-highlight:not([id])".into(),
            menu_text: "div.align-middle.dds__text-truncate".into(),
            collapsed_icon: "i.dds__icon--chevron-right".into(),
            expanded_icon: "i.dds__icon--chevron-down".into(),
            children: "ul".into(),
            loader: "#loaderActive, div.loader-overlay".into(),
            content: "#documentation".into(),
            response_tab: "app-api-doc-response button[role=tab]".into(),
            response_tab_label: ".dds__tabs__tab__label".into(),
            response_panel: "app-api-doc-response div[role=tabpanel][aria-hidden=false]".into(),
            layout: Layout::Auto,
        }
    }
}
