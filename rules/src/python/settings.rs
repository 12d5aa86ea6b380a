//! Configuration values a file sets, in the three shapes frameworks read them from:
//! `NAME = value` in a settings module or a config class, `app.config["NAME"] = value`,
//! and `app.config.update(NAME=value)`.

use tree_sitter::Node;

use crate::python::{call, place};
use crate::{Checker, ast};

/// One setting and the expression it is set to.
pub struct Setting<'t> {
    pub name: String,
    pub value: Node<'t>,
}

/// The setting an `assignment` (the node being checked) makes, if it makes one: an
/// `UPPER_CASE` name at module or class level, or a constant key of a `config` mapping.
pub fn assigned<'t>(assignment: Node<'t>, cx: &Checker<'t>) -> Option<Setting<'t>> {
    let left = assignment.child_by_field_name("left")?;
    let value = assignment.child_by_field_name("right")?;
    let name = match left.kind() {
        "identifier" => {
            let name = cx.text(left);
            let upper = name
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
            if !upper || !place::is_top_level(cx, true) {
                return None;
            }
            name.to_string()
        }
        "subscript" => {
            if !is_config(left.child_by_field_name("value")?, cx) {
                return None;
            }
            cx.python()
                .constant_str(left.child_by_field_name("subscript")?)?
        }
        _ => return None,
    };
    Some(Setting { name, value })
}

/// The settings a `config.update(NAME=value)` or `config.from_mapping(...)` call makes.
pub fn updated<'t>(node: Node<'t>, cx: &Checker<'t>) -> Vec<Setting<'t>> {
    let is_update = matches!(
        call::callee_name(node, cx.source()),
        Some("update" | "from_mapping")
    );
    if !is_update || !call::receiver(node).is_some_and(|r| is_config(r, cx)) {
        return Vec::new();
    }
    call::arguments(node)
        .into_iter()
        .filter(|a| a.kind() == "keyword_argument")
        .filter_map(|a| {
            Some(Setting {
                name: cx.text(a.child_by_field_name("name")?).to_string(),
                value: a.child_by_field_name("value")?,
            })
        })
        .collect()
}

/// `app.config`, `self.app.config`, `config`: a Flask-style configuration mapping.
fn is_config(node: Node<'_>, cx: &Checker<'_>) -> bool {
    let node = ast::unparenthesize(node);
    match node.kind() {
        "attribute" => node
            .child_by_field_name("attribute")
            .is_some_and(|a| cx.text(a) == "config"),
        "identifier" => cx.text(node) == "config",
        _ => false,
    }
}

/// Whether the module binds `name` at its top level: `INSTALLED_APPS` marks a Django
/// settings module.
pub fn module_defines(cx: &Checker<'_>, name: &str) -> bool {
    cx.python().bindings_at(name, 0).is_some()
}
