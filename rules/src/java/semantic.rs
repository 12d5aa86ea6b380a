//! Compilation-unit facts about a Java file that many rules need: imports and the
//! constant fields, so `MessageDigest.getInstance(ALGORITHM)` can be judged by the
//! value of `ALGORITHM`.
//!
//! Built once per file, on first use, by one iterative pass over the tree.

use std::collections::HashMap;

use tree_sitter::Node;

use crate::ast;

/// Facts about one Java compilation unit.
pub struct Unit<'t> {
    /// Simple name → fully qualified name, from single-type imports.
    imports: HashMap<&'t str, &'t str>,
    /// `final` fields with an initializer: name → initializer expression.
    constants: HashMap<&'t str, Node<'t>>,
}

impl<'t> Unit<'t> {
    pub fn build(root: Node<'t>, source: &'t str) -> Unit<'t> {
        let text = |n: Node<'_>| source.get(n.byte_range()).unwrap_or_default();
        let mut imports = HashMap::new();
        let mut constants = HashMap::new();
        let mut nodes = ast::descendants(root);
        while let Some(node) = nodes.next() {
            match node.kind() {
                "import_declaration" => {
                    nodes.skip_children();
                    let is_wildcard = ast::named_children(node)
                        .iter()
                        .any(|c| c.kind() == "asterisk");
                    if let Some(name) = node.named_child(0)
                        && name.kind() == "scoped_identifier"
                        && !is_wildcard
                        && let Some(simple) = name.child_by_field_name("name")
                    {
                        imports.insert(text(simple), text(name));
                    }
                }
                "field_declaration" => {
                    let is_final = ast::named_children(node).iter().any(|c| {
                        c.kind() == "modifiers" && text(*c).split_whitespace().any(|m| m == "final")
                    });
                    if !is_final {
                        continue;
                    }
                    let mut cursor = node.walk();
                    for declarator in node.children_by_field_name("declarator", &mut cursor) {
                        if let (Some(name), Some(value)) = (
                            declarator.child_by_field_name("name"),
                            declarator.child_by_field_name("value"),
                        ) {
                            constants.insert(text(name), value);
                        }
                    }
                }
                _ => {}
            }
        }
        Unit { imports, constants }
    }

    /// The fully qualified name a simple type name was imported as.
    pub fn import(&self, simple_name: &str) -> Option<&'t str> {
        self.imports.get(simple_name).copied()
    }

    /// The value of a constant string expression: a literal, a `+` concatenation of
    /// constants, or a `final` field of this file initialised to one.
    pub fn constant_str(&self, node: Node<'_>, source: &str) -> Option<String> {
        self.constant_str_at(node, source, 0)
    }

    fn constant_str_at(&self, node: Node<'_>, source: &str, depth: usize) -> Option<String> {
        if depth > MAX_DEPTH {
            return None;
        }
        let node = ast::unparenthesize(node);
        match node.kind() {
            "string_literal" => string_value(node, source).map(str::to_string),
            "binary_expression" => {
                let op = node.child_by_field_name("operator")?;
                if source.get(op.byte_range())? != "+" {
                    return None;
                }
                let left =
                    self.constant_str_at(node.child_by_field_name("left")?, source, depth + 1)?;
                let right =
                    self.constant_str_at(node.child_by_field_name("right")?, source, depth + 1)?;
                Some(left + &right)
            }
            "identifier" => {
                let value = self.constant(source.get(node.byte_range())?)?;
                self.constant_str_at(value, source, depth + 1)
            }
            "field_access" => {
                // `Algorithms.MD5` or `this.ALGORITHM`: only fields declared in this file.
                let field = node.child_by_field_name("field")?;
                let value = self.constant(source.get(field.byte_range())?)?;
                self.constant_str_at(value, source, depth + 1)
            }
            _ => None,
        }
    }

    /// The initializer of a `final` field of this file.
    pub fn constant(&self, name: &str) -> Option<Node<'t>> {
        self.constants.get(name).copied()
    }
}

/// How far constant folding follows names and operators before it gives up.
const MAX_DEPTH: usize = 32;

/// The value of a string literal, without quotes. Escapes are kept as written.
pub fn string_value<'s>(node: Node<'_>, source: &'s str) -> Option<&'s str> {
    if node.kind() != "string_literal" {
        return None;
    }
    let text = source.get(node.byte_range())?;
    text.strip_prefix("\"\"\"")
        .and_then(|t| t.strip_suffix("\"\"\""))
        .or_else(|| text.strip_prefix('"').and_then(|t| t.strip_suffix('"')))
}
