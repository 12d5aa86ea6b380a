//! Module-level facts about a Python file that many rules need: what each imported name
//! refers to, which names shadow builtins, and which names are bound to constants.
//!
//! Built once per file, on first use, by one iterative pass over the tree.

use std::collections::{HashMap, HashSet};

use tree_sitter::Node;

use crate::ast;

/// Facts about one Python module.
pub struct Module<'t> {
    source: &'t str,
    /// Local name → qualified name, from every import in the file.
    imports: HashMap<&'t str, String>,
    /// Names bound at module level by `def`, `class` or assignment.
    definitions: HashSet<&'t str>,
    /// Names assigned exactly once in the whole file, with the assigned expression.
    single_assignments: HashMap<&'t str, Node<'t>>,
}

impl<'t> Module<'t> {
    pub fn build(root: Node<'t>, source: &'t str) -> Module<'t> {
        let text = |n: Node<'_>| source.get(n.byte_range()).unwrap_or_default();
        let mut imports = HashMap::new();
        let mut definitions = HashSet::new();
        let mut assignments: HashMap<&'t str, (usize, Node<'t>)> = HashMap::new();

        for node in ast::descendants(root) {
            match node.kind() {
                "import_statement" => {
                    for name in ast::named_children(node) {
                        match name.kind() {
                            "dotted_name" => {
                                // `import a.b` binds `a`, which refers to the package `a`.
                                let full = text(name);
                                let head = full.split('.').next().unwrap_or(full);
                                imports.insert(head, head.to_string());
                            }
                            "aliased_import" => {
                                if let (Some(target), Some(alias)) = (
                                    name.child_by_field_name("name"),
                                    name.child_by_field_name("alias"),
                                ) {
                                    imports.insert(text(alias), text(target).to_string());
                                }
                            }
                            _ => {}
                        }
                    }
                }
                "import_from_statement" => {
                    let Some(module) = node.child_by_field_name("module_name") else {
                        continue;
                    };
                    let module = text(module);
                    let mut cursor = node.walk();
                    for name in node.children_by_field_name("name", &mut cursor) {
                        match name.kind() {
                            "dotted_name" => {
                                let n = text(name);
                                imports.insert(n, format!("{module}.{n}"));
                            }
                            "aliased_import" => {
                                if let (Some(target), Some(alias)) = (
                                    name.child_by_field_name("name"),
                                    name.child_by_field_name("alias"),
                                ) {
                                    imports
                                        .insert(text(alias), format!("{module}.{}", text(target)));
                                }
                            }
                            _ => {}
                        }
                    }
                }
                "function_definition" | "class_definition" => {
                    if let Some(name) = node.child_by_field_name("name")
                        && is_module_level(node)
                    {
                        definitions.insert(text(name));
                    }
                }
                "assignment" => {
                    if let Some(left) = node.child_by_field_name("left")
                        && left.kind() == "identifier"
                    {
                        let name = text(left);
                        if is_module_level(node) {
                            definitions.insert(name);
                        }
                        let entry = assignments.entry(name).or_insert((0, node));
                        entry.0 += 1;
                        if let Some(right) = node.child_by_field_name("right") {
                            entry.1 = right;
                        }
                    }
                }
                "augmented_assignment" | "for_statement" | "with_item" | "named_expression" => {
                    // Rebinding: a name touched here is not a single assignment.
                    for target in ["left", "name", "value"] {
                        if let Some(left) = node.child_by_field_name(target)
                            && left.kind() == "identifier"
                        {
                            assignments.entry(text(left)).or_insert((0, left)).0 += 2;
                        }
                    }
                }
                _ => {}
            }
        }

        let single_assignments = assignments
            .into_iter()
            .filter(|(_, (count, node))| *count == 1 && node.kind() != "identifier")
            .map(|(name, (_, node))| (name, node))
            .collect();
        Module {
            source,
            imports,
            definitions,
            single_assignments,
        }
    }

    /// The qualified name an expression refers to: `hashlib.md5` for `hashlib.md5`,
    /// `md5` (after `from hashlib import md5`) or `h.md5` (after `import hashlib as h`);
    /// `builtins.eval` for an unshadowed builtin. `None` for anything else.
    pub fn resolve(&self, node: Node<'_>) -> Option<String> {
        match node.kind() {
            "identifier" => {
                let name = self.source.get(node.byte_range())?;
                if let Some(qualified) = self.imports.get(name) {
                    Some(qualified.clone())
                } else if !self.definitions.contains(name) && is_builtin(name) {
                    Some(format!("builtins.{name}"))
                } else {
                    None
                }
            }
            "attribute" => {
                let object = node.child_by_field_name("object")?;
                let attribute = node.child_by_field_name("attribute")?;
                let base = self.resolve(object)?;
                let attribute = self.source.get(attribute.byte_range())?;
                Some(format!("{base}.{attribute}"))
            }
            _ => None,
        }
    }

    /// The qualified name of the function a `call` node calls.
    pub fn resolve_call(&self, call: Node<'_>) -> Option<String> {
        self.resolve(call.child_by_field_name("function")?)
    }

    /// The value of a constant string expression: a literal without interpolation, an
    /// implicit or `+` concatenation of such, or a name the file binds once to one.
    pub fn constant_str(&self, node: Node<'_>) -> Option<String> {
        self.constant_str_at(node, 0)
    }

    fn constant_str_at(&self, node: Node<'_>, depth: usize) -> Option<String> {
        if depth > MAX_DEPTH {
            return None;
        }
        let node = ast::unparenthesize(node);
        match node.kind() {
            "string" => string_value(node, self.source).map(str::to_string),
            "concatenated_string" => ast::named_children(node)
                .into_iter()
                .map(|part| self.constant_str_at(part, depth + 1))
                .collect(),
            "binary_operator" => {
                let op = node.child_by_field_name("operator")?;
                if self.source.get(op.byte_range())? != "+" {
                    return None;
                }
                let left = self.constant_str_at(node.child_by_field_name("left")?, depth + 1)?;
                let right = self.constant_str_at(node.child_by_field_name("right")?, depth + 1)?;
                Some(left + &right)
            }
            "identifier" => {
                let value = self.single_assignment(self.source.get(node.byte_range())?)?;
                self.constant_str_at(value, depth + 1)
            }
            _ => None,
        }
    }

    /// The expression a name is bound to, when the file assigns it exactly once.
    pub fn single_assignment(&self, name: &str) -> Option<Node<'t>> {
        self.single_assignments.get(name).copied()
    }
}

/// How far constant folding follows names and operators before it gives up.
const MAX_DEPTH: usize = 32;

fn is_module_level(node: Node<'_>) -> bool {
    // Module-level statements sit directly under `module`, or under a decorated
    // definition, `if`/`try` blocks at module level; functions and classes end the scope.
    let mut current = node.parent();
    while let Some(parent) = current {
        match parent.kind() {
            "module" => return true,
            "function_definition" | "class_definition" | "lambda" => return false,
            _ => current = parent.parent(),
        }
    }
    false
}

fn is_builtin(name: &str) -> bool {
    matches!(
        name,
        "eval"
            | "exec"
            | "compile"
            | "open"
            | "input"
            | "__import__"
            | "getattr"
            | "setattr"
            | "print"
            | "list"
            | "dict"
            | "set"
            | "bytearray"
            | "int"
            | "float"
            | "str"
            | "bytes"
            | "len"
            | "isinstance"
    )
}

/// The value of a plain string literal (no interpolation), without quotes or prefix.
/// Escapes are kept as written; rules only compare against simple values.
pub fn string_value<'s>(node: Node<'_>, source: &'s str) -> Option<&'s str> {
    if node.kind() != "string" {
        return None;
    }
    let mut content_start = None;
    let mut content_end = None;
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        match child.kind() {
            "interpolation" => return None,
            "string_start" => content_start = Some(child.end_byte()),
            "string_end" => content_end = Some(child.start_byte()),
            _ => {}
        }
    }
    source.get(content_start?..content_end?)
}
