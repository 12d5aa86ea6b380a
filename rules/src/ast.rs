//! Tree helpers shared by the rules of both languages.
//!
//! Every traversal here is iterative: a file nested 10,000 levels deep must not
//! overflow the stack, so nothing in the rule path recurses over the tree.

use tree_sitter::{Node, TreeCursor};

/// Pre-order traversal of `node` and its descendants (including `node`), without recursion.
pub fn descendants(node: Node<'_>) -> Descendants<'_> {
    Descendants {
        cursor: node.walk(),
        depth: 0,
        started: false,
        skip: false,
        done: false,
    }
}

/// Iterator returned by [`descendants`]; [`Descendants::skip_children`] prunes a subtree.
pub struct Descendants<'t> {
    cursor: TreeCursor<'t>,
    /// How far below the starting node the cursor is. Counted here because
    /// `TreeCursor::depth` walks the cursor's whole stack on every call.
    depth: usize,
    started: bool,
    skip: bool,
    done: bool,
}

impl Descendants<'_> {
    /// Do not descend into the children of the node returned last.
    pub fn skip_children(&mut self) {
        self.skip = true;
    }
}

impl<'t> Iterator for Descendants<'t> {
    type Item = Node<'t>;

    fn next(&mut self) -> Option<Node<'t>> {
        if self.done {
            return None;
        }
        if !self.started {
            self.started = true;
            return Some(self.cursor.node());
        }
        if !std::mem::take(&mut self.skip) && self.cursor.goto_first_child() {
            self.depth += 1;
            return Some(self.cursor.node());
        }
        // The cursor never leaves the subtree it was created on: at depth 0 it is on the root.
        while self.depth > 0 {
            if self.cursor.goto_next_sibling() {
                return Some(self.cursor.node());
            }
            self.cursor.goto_parent();
            self.depth -= 1;
        }
        self.done = true;
        None
    }
}

/// `node`'s ancestors, nearest first (excluding `node`).
pub fn ancestors(node: Node<'_>) -> impl Iterator<Item = Node<'_>> {
    std::iter::successors(node.parent(), |n| n.parent())
}

/// The nearest ancestor whose kind is one of `kinds`.
pub fn ancestor_of_kind<'t>(node: Node<'t>, kinds: &[&str]) -> Option<Node<'t>> {
    ancestors(node).find(|n| kinds.contains(&n.kind()))
}

/// Whether `inner` lies within `outer` (inclusive).
pub fn contains(outer: Node<'_>, inner: Node<'_>) -> bool {
    outer.start_byte() <= inner.start_byte() && inner.end_byte() <= outer.end_byte()
}

/// The named children of `node`, collected (tree-sitter's iterator borrows a cursor).
pub fn named_children(node: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor).collect()
}

/// Skips the wrappers that do not change an expression's value: parentheses.
pub fn unparenthesize(mut node: Node<'_>) -> Node<'_> {
    while matches!(node.kind(), "parenthesized_expression")
        && let Some(inner) = node.named_child(0)
    {
        node = inner;
    }
    node
}

/// Splits an identifier into lowercase words: `apiKey`, `API_KEY` and `api-key` all give
/// `["api", "key"]`.
pub fn identifier_words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            continue;
        }
        let boundary = c.is_uppercase()
            && !current.is_empty()
            && (chars
                .get(i.wrapping_sub(1))
                .is_some_and(|p| p.is_lowercase() || p.is_numeric())
                || chars.get(i + 1).is_some_and(|n| n.is_lowercase()));
        if boundary {
            words.push(std::mem::take(&mut current));
        }
        current.extend(c.to_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// Pre-order traversal like [`descendants`] that also knows, for each node, its parent and
/// the field it fills in that parent, without calling `Node::parent` (which walks down
/// from the root on every call).
pub fn walk(node: Node<'_>) -> Walk<'_> {
    Walk {
        cursor: node.walk(),
        stack: Vec::new(),
        started: false,
        skip: false,
        done: false,
    }
}

/// One node visited by [`walk`].
#[derive(Clone, Copy, Debug)]
pub struct Step<'t> {
    pub node: Node<'t>,
    /// `None` for the node the walk started on.
    pub parent: Option<Node<'t>>,
    /// The grammar field `node` fills in `parent`, such as `"name"` or `"object"`.
    pub field: Option<&'t str>,
}

/// Iterator returned by [`walk`].
pub struct Walk<'t> {
    cursor: TreeCursor<'t>,
    /// Ancestors of the current node inside the walked subtree, outermost first.
    stack: Vec<Node<'t>>,
    started: bool,
    skip: bool,
    done: bool,
}

impl<'t> Walk<'t> {
    /// Do not descend into the children of the node returned last.
    pub fn skip_children(&mut self) {
        self.skip = true;
    }

    /// The ancestors of the node returned last, nearest first, up to the walk's start.
    pub fn ancestors(&self) -> impl Iterator<Item = Node<'t>> + '_ {
        self.stack.iter().rev().copied()
    }

    fn step(&self) -> Step<'t> {
        Step {
            node: self.cursor.node(),
            parent: self.stack.last().copied(),
            field: self.cursor.field_name(),
        }
    }
}

impl<'t> Iterator for Walk<'t> {
    type Item = Step<'t>;

    fn next(&mut self) -> Option<Step<'t>> {
        if self.done {
            return None;
        }
        if !self.started {
            self.started = true;
            return Some(self.step());
        }
        let current = self.cursor.node();
        if !std::mem::take(&mut self.skip) && self.cursor.goto_first_child() {
            self.stack.push(current);
            return Some(self.step());
        }
        // As in `Descendants`, the cursor never leaves the subtree it was created on; the
        // stack holds one node per level below the start.
        while !self.stack.is_empty() {
            if self.cursor.goto_next_sibling() {
                return Some(self.step());
            }
            self.cursor.goto_parent();
            self.stack.pop();
        }
        self.done = true;
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifier_words_split_camel_snake_and_acronyms() {
        assert_eq!(identifier_words("apiKey"), ["api", "key"]);
        assert_eq!(identifier_words("API_KEY"), ["api", "key"]);
        assert_eq!(
            identifier_words("HTTPSecretToken"),
            ["http", "secret", "token"]
        );
        assert_eq!(identifier_words("db-password2"), ["db", "password2"]);
    }

    #[test]
    fn descendants_visits_every_node_in_preorder_and_can_skip() {
        let mut parser = tree_sitter::Parser::new();
        parser
            .set_language(&tree_sitter_python::LANGUAGE.into())
            .unwrap();
        let tree = parser.parse("a = f(b)\nc = 1\n", None).unwrap();
        let all: Vec<_> = descendants(tree.root_node()).map(|n| n.kind()).collect();
        assert_eq!(all.first(), Some(&"module"));
        assert_eq!(all.iter().filter(|k| **k == "identifier").count(), 4);

        let mut it = descendants(tree.root_node());
        let mut seen = Vec::new();
        while let Some(n) = it.next() {
            if n.kind() == "call" {
                it.skip_children();
            }
            seen.push(n.kind());
        }
        assert!(seen.contains(&"call"));
        assert!(!seen.contains(&"argument_list"));
        assert_eq!(seen.last(), Some(&"integer"));
    }

    #[test]
    fn walk_reports_parents_and_fields_like_the_tree() {
        let mut parser = tree_sitter::Parser::new();
        parser
            .set_language(&tree_sitter_python::LANGUAGE.into())
            .unwrap();
        let tree = parser.parse("a = f(b)\nc = 1\n", None).unwrap();
        let steps: Vec<_> = walk(tree.root_node()).collect();
        assert_eq!(steps.len(), descendants(tree.root_node()).count());
        for step in &steps {
            assert_eq!(step.parent, step.node.parent());
        }
        let call = steps.iter().find(|s| s.node.kind() == "call").unwrap();
        assert_eq!(call.field, Some("right"));
    }
}
