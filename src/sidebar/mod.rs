//! The sidebar tree: pure parsing, discovery in a browser, and the structure cache.
//!
//! - [`tree`]: the data — header groups, menus, items — and the flattened list of pages.
//! - [`parse`]: HTML string → [`SidebarTree`], driven by the site profile's selectors. Pure, so
//!   it is tested without a browser; it also defines the *position contract* shared with the
//!   JavaScript that finds menus in the live page.
//! - [`discover`]: expanding the sidebar in a live browser session.
//! - [`cache`]: the discovered structure saved per target URL, so later runs skip expansion.

pub mod cache;
pub mod discover;
pub mod parse;
pub mod tree;

pub use cache::{CacheError, CachedStructure, CACHE_FORMAT_VERSION};
pub use parse::{
    compile_selectors, parse_sidebar, parse_sidebar_with, validate_profile, SidebarError,
    SidebarSelectors, MAX_LIST_DEPTH,
};
pub use tree::{HeaderGroup, Item, ItemNode, MenuNode, Node, SidebarTree};
