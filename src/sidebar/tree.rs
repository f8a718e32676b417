//! The sidebar as data: header groups, menus and items, plus the flattened list of pages.
//!
//! Everything here is plain data with no reference to HTML or to a browser, so the same tree can
//! come from [`parse_sidebar`](super::parse::parse_sidebar), from the structure
//! [cache](super::cache), or be built by hand in tests.
//!
//! Identity matters more than text in this tree: real portals repeat menu names under several
//! headers and item names under several menus. An item is identified by its `id`; a menu by its
//! `position` (see [`MenuNode::position`]), which is what the browser side uses to find the menu
//! again in the live DOM.
//!
//! All traversals are iterative (explicit stacks), so even a tree built by hand with absurd
//! nesting cannot overflow the stack while being walked.

use serde::{Deserialize, Serialize};

/// The whole sidebar: its header groups in document order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SidebarTree {
    /// The groups, in the order their entries appear in the sidebar.
    pub groups: Vec<HeaderGroup>,
}

/// The entries titled by one header divider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeaderGroup {
    /// The header's text; `None` for entries that no header titles (before the first header in
    /// the header-first layout, after the last one in the trailing-header layout, or a sidebar
    /// without headers).
    pub title: Option<String>,
    /// The group's top-level items and menus, in document order.
    pub nodes: Vec<Node>,
}

/// One recognised sidebar entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Node {
    /// A page.
    Item(ItemNode),
    /// A (collapsible) menu holding further nodes.
    Menu(MenuNode),
}

impl Node {
    /// The node's position (entry numbers from the root list down).
    pub fn position(&self) -> &[usize] {
        match self {
            Node::Item(item) => &item.position,
            Node::Menu(menu) => &menu.position,
        }
    }

    /// The node's title.
    pub fn title(&self) -> &str {
        match self {
            Node::Item(item) => &item.title,
            Node::Menu(menu) => &menu.title,
        }
    }
}

/// A page entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemNode {
    /// The element's `id` attribute: the item's stable identity (never empty).
    pub id: String,
    /// The item's title, whitespace collapsed.
    pub title: String,
    /// Entry numbers from the root list down to this item.
    pub position: Vec<usize>,
}

/// A menu entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MenuNode {
    /// The menu's title, whitespace collapsed. Not unique: identity is [`MenuNode::position`].
    pub title: String,
    /// Entry numbers from the root list down to this menu, e.g. `[4, 1]` = root entry 4 (a
    /// menu), then entry 1 of that menu's children list. Entries are every direct element child
    /// of a list except the children lists themselves, so expanding a menu (which inserts a
    /// children list) never renumbers anything.
    pub position: Vec<usize>,
    /// Whether the menu is open: it has a children list, or it shows the expanded icon (and not
    /// the collapsed one). A menu that is not expanded has no known children yet.
    pub expanded: bool,
    /// The menu's items and sub-menus, in document order (empty while collapsed).
    pub children: Vec<Node>,
}

/// One page to scrape, flattened, in sidebar (depth-first document) order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    /// The item's identity (its element id).
    pub id: String,
    /// The item's title.
    pub title: String,
    /// The title of the header group the item belongs to.
    pub header: Option<String>,
    /// Titles of the enclosing menus, outermost first.
    pub menu_path: Vec<String>,
    /// The positions of those same menus: the identity of each level, since titles repeat.
    pub menu_positions: Vec<Vec<usize>>,
    /// The item's own position.
    pub position: Vec<usize>,
    /// Nesting depth: the number of enclosing menus (`== menu_path.len()`).
    pub depth: usize,
    /// 0-based index in the flattened list.
    pub order: usize,
}

impl SidebarTree {
    /// Every item, flattened in depth-first document order, with its header and menu path.
    pub fn items(&self) -> Vec<Item> {
        let mut out = Vec::new();
        for group in &self.groups {
            // `menus[i]` encloses the iterator `stack[i + 1]`; the group's own level has none.
            let mut stack: Vec<std::slice::Iter<'_, Node>> = vec![group.nodes.iter()];
            let mut menus: Vec<&MenuNode> = Vec::new();
            while let Some(level) = stack.last_mut() {
                match level.next() {
                    None => {
                        stack.pop();
                        menus.pop();
                    }
                    Some(Node::Menu(menu)) => {
                        menus.push(menu);
                        stack.push(menu.children.iter());
                    }
                    Some(Node::Item(item)) => {
                        let order = out.len();
                        out.push(Item {
                            id: item.id.clone(),
                            title: item.title.clone(),
                            header: group.title.clone(),
                            menu_path: menus.iter().map(|m| m.title.clone()).collect(),
                            menu_positions: menus.iter().map(|m| m.position.clone()).collect(),
                            position: item.position.clone(),
                            depth: menus.len(),
                            order,
                        });
                    }
                }
            }
        }
        out
    }

    /// The number of items in the whole tree.
    pub fn item_count(&self) -> usize {
        self.nodes().filter(|n| matches!(n, Node::Item(_))).count()
    }

    /// The number of menus in the whole tree (expanded or not).
    pub fn menu_count(&self) -> usize {
        self.nodes().filter(|n| matches!(n, Node::Menu(_))).count()
    }

    /// The menus that are not expanded, in document order: after discovery, those it could not
    /// open (their pages are missing from the tree).
    pub fn collapsed_menus(&self) -> Vec<&MenuNode> {
        self.nodes()
            .filter_map(|n| match n {
                Node::Menu(menu) if !menu.expanded => Some(menu),
                _ => None,
            })
            .collect()
    }

    /// Whether the tree has no nodes at all.
    pub fn is_empty(&self) -> bool {
        self.groups.iter().all(|g| g.nodes.is_empty())
    }

    /// Every node of every group, depth-first in document order.
    pub fn nodes(&self) -> Nodes<'_> {
        Nodes {
            stack: self
                .groups
                .iter()
                .rev()
                .flat_map(|g| g.nodes.iter().rev())
                .collect(),
        }
    }

    /// The node at `position`, if the tree has one there.
    ///
    /// Positions are entry numbers (headers and unrecognised entries are counted too), not
    /// indexes into `children`, so this searches each level for the matching position.
    pub fn node_at(&self, position: &[usize]) -> Option<&Node> {
        let root = position.get(..1)?;
        let mut node = self
            .groups
            .iter()
            .flat_map(|g| g.nodes.iter())
            .find(|n| n.position() == root)?;
        for len in 2..=position.len() {
            let Node::Menu(menu) = node else {
                return None;
            };
            let want = &position[..len];
            node = menu.children.iter().find(|n| n.position() == want)?;
        }
        Some(node)
    }

    /// The menu at `position`, if the tree has a menu there.
    pub fn menu_at(&self, position: &[usize]) -> Option<&MenuNode> {
        match self.node_at(position)? {
            Node::Menu(menu) => Some(menu),
            Node::Item(_) => None,
        }
    }
}

/// Depth-first, document-order iterator over all nodes of a [`SidebarTree`]
/// (see [`SidebarTree::nodes`]).
#[derive(Debug, Clone)]
pub struct Nodes<'a> {
    /// Nodes still to visit, the next one on top.
    stack: Vec<&'a Node>,
}

impl<'a> Iterator for Nodes<'a> {
    type Item = &'a Node;

    fn next(&mut self) -> Option<&'a Node> {
        let node = self.stack.pop()?;
        if let Node::Menu(menu) = node {
            self.stack.extend(menu.children.iter().rev());
        }
        Some(node)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: &str, title: &str, position: &[usize]) -> Node {
        Node::Item(ItemNode {
            id: id.into(),
            title: title.into(),
            position: position.to_vec(),
        })
    }

    fn menu(title: &str, position: &[usize], expanded: bool, children: Vec<Node>) -> Node {
        Node::Menu(MenuNode {
            title: title.into(),
            position: position.to_vec(),
            expanded,
            children,
        })
    }

    /// Two groups; the second has a two-level menu and a collapsed menu.
    fn sample() -> SidebarTree {
        SidebarTree {
            groups: vec![
                HeaderGroup {
                    title: None,
                    nodes: vec![item("a", "A", &[0])],
                },
                HeaderGroup {
                    title: Some("Header".into()),
                    nodes: vec![
                        menu(
                            "Outer",
                            &[2],
                            true,
                            vec![
                                item("b", "B", &[2, 0]),
                                menu("Inner", &[2, 1], true, vec![item("c", "C", &[2, 1, 0])]),
                                item("d", "D", &[2, 2]),
                            ],
                        ),
                        menu("Closed", &[3], false, vec![]),
                        item("e", "E", &[4]),
                    ],
                },
            ],
        }
    }

    #[test]
    fn items_are_flattened_depth_first_with_paths() {
        let items = sample().items();
        let ids: Vec<&str> = items.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "c", "d", "e"]);
        assert_eq!(
            items[2],
            Item {
                id: "c".into(),
                title: "C".into(),
                header: Some("Header".into()),
                menu_path: vec!["Outer".into(), "Inner".into()],
                menu_positions: vec![vec![2], vec![2, 1]],
                position: vec![2, 1, 0],
                depth: 2,
                order: 2,
            }
        );
        assert_eq!(items[0].header, None);
        assert_eq!(items[0].depth, 0);
        assert_eq!(items[3].menu_path, ["Outer"]);
        assert_eq!(items[4].menu_path, Vec::<String>::new());
        for (i, item) in items.iter().enumerate() {
            assert_eq!(item.order, i);
            assert_eq!(item.depth, item.menu_path.len());
            assert_eq!(item.menu_positions.len(), item.depth);
        }
    }

    #[test]
    fn counts_and_collapsed_menus() {
        let tree = sample();
        assert_eq!(tree.item_count(), 5);
        assert_eq!(tree.menu_count(), 3);
        let collapsed = tree.collapsed_menus();
        assert_eq!(collapsed.len(), 1);
        assert_eq!(collapsed[0].title, "Closed");
        assert_eq!(collapsed[0].position, [3]);
        assert!(!tree.is_empty());
        assert!(SidebarTree::default().is_empty());
        assert_eq!(SidebarTree::default().items(), Vec::new());
    }

    #[test]
    fn nodes_iterate_in_document_order() {
        let tree = sample();
        let titles: Vec<&str> = tree.nodes().map(Node::title).collect();
        assert_eq!(
            titles,
            ["A", "Outer", "B", "Inner", "C", "D", "Closed", "E"]
        );
    }

    #[test]
    fn node_at_finds_by_position() {
        let tree = sample();
        assert_eq!(tree.node_at(&[2, 1, 0]).map(Node::title), Some("C"));
        assert_eq!(
            tree.menu_at(&[2, 1]).map(|m| m.title.as_str()),
            Some("Inner")
        );
        assert_eq!(tree.menu_at(&[3]).map(|m| m.expanded), Some(false));
        assert_eq!(tree.node_at(&[0]).map(Node::title), Some("A"));
        assert!(tree.menu_at(&[0]).is_none(), "an item is not a menu");
        assert!(tree.node_at(&[1]).is_none(), "entry 1 is the header");
        assert!(tree.node_at(&[]).is_none());
        assert!(tree.node_at(&[0, 0]).is_none(), "items have no children");
        assert!(tree.node_at(&[2, 5]).is_none());
    }

    #[test]
    fn serde_round_trip_uses_kind_tags() {
        let tree = sample();
        let json = serde_json::to_string(&tree).unwrap();
        assert!(json.contains(r#""kind":"item""#), "{json}");
        assert!(json.contains(r#""kind":"menu""#), "{json}");
        let back: SidebarTree = serde_json::from_str(&json).unwrap();
        assert_eq!(back, tree);
    }

    #[test]
    fn deep_trees_are_walked_without_recursion() {
        // Built bottom-up; 5,000 levels would overflow a recursive walker on a small stack.
        // Dropping such a tree is recursive (derived `Drop`), so it is taken apart by hand.
        let depth = 5_000;
        let mut node = item("leaf", "Leaf", &[0]);
        for _ in 0..depth {
            node = menu("M", &[0], true, vec![node]);
        }
        let tree = SidebarTree {
            groups: vec![HeaderGroup {
                title: None,
                nodes: vec![node],
            }],
        };
        let items = tree.items();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].depth, depth);
        assert_eq!(tree.menu_count(), depth);
        assert_eq!(tree.item_count(), 1);
        dismantle(tree);
    }

    /// Drops a deep tree level by level so that the derived, recursive `Drop` stays shallow.
    fn dismantle(tree: SidebarTree) {
        let mut pending: Vec<Node> = tree.groups.into_iter().flat_map(|g| g.nodes).collect();
        while let Some(node) = pending.pop() {
            if let Node::Menu(mut menu) = node {
                pending.append(&mut menu.children);
            }
        }
    }
}
