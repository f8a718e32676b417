//! Sidebar entries in the vendor portal's markup (the default site profile), as HTML strings,
//! for tests and benchmarks that need a sidebar without a browser. Titles are inserted as given:
//! escape them first when they are plain text that may contain `<` or `&`.

/// A header divider entry.
pub fn header(title: &str) -> String {
    format!(
        r#"<app-api-doc-item><li class="toc-item-divider"><a>{title}</a></li></app-api-doc-item>"#
    )
}

/// A page item entry, identified by `id`.
pub fn item(id: &str, title: &str) -> String {
    format!(
        r#"<app-api-doc-item><li class="toc-item-highlight clickable" id="{id}"><div class="toc-item-wrapper"><div class="toc-item-content"><span id="{id}-sp">{title}</span></div></div></li></app-api-doc-item>"#
    )
}

/// A menu entry showing the expanded (chevron-down) or collapsed (chevron-right) icon.
pub fn menu(title: &str, expanded: bool) -> String {
    let icon = if expanded {
        "dds__icon--chevron-down"
    } else {
        "dds__icon--chevron-right"
    };
    format!(
        r#"<app-api-doc-item><li class="toc-item-highlight clickable"><div class="toc-item-wrapper"><div class="toc-item-content"><i class="{icon}"></i><div class="align-middle dds__text-truncate dds__position-relative">{title}</div></div></div></li></app-api-doc-item>"#
    )
}

/// An expanded menu followed by its children list.
pub fn open_menu(title: &str, children: &str) -> String {
    format!("{}<ul>{children}</ul>", menu(title, true))
}

/// The sidebar wrapper and root list around `entries`.
pub fn sidebar(entries: &str) -> String {
    format!(r#"<div class="filter-api-sidebar-wrapper"><ul class="toc-nav">{entries}</ul></div>"#)
}
