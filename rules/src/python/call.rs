//! Reading a call's callee and arguments the way Python binds them, so rules ask for
//! "the first positional argument or `cmd=`" instead of walking argument lists.
//!
//! Comments are named nodes in tree-sitter and may sit between arguments; every helper
//! here skips them.

use tree_sitter::Node;

use crate::ast;

/// The last name of the called expression: `run` for `subprocess.run(...)` and for
/// `run(...)`. Rules compare it before resolving anything, to stay cheap on every call.
pub fn callee_name<'s>(call: Node<'_>, source: &'s str) -> Option<&'s str> {
    // Every rule on `call` asks this first, for every call in the file, so the common
    // shapes `name` and `a.b.name` are read from the callee's text; anything else
    // (spaces, comments, subscripts, non-ASCII names) goes through the tree.
    let function = call.child(0)?;
    let text = source.get(function.byte_range())?;
    let dotted = text
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.');
    if dotted && !text.starts_with(|c: char| c.is_ascii_digit()) {
        return text.rsplit('.').next().filter(|name| !name.is_empty());
    }
    callee_name_from_tree(function, source)
}

/// Whether a call may go to a function whose last name is one of `names`: it is called
/// by that name, or by a bare name that an import may have renamed
/// (`from lxml.etree import XMLParser as Parser`). A cheap filter before resolving.
pub fn may_call(call: Node<'_>, source: &str, names: &[&str]) -> bool {
    callee_name(call, source).is_some_and(|name| names.contains(&name))
        || call
            .child_by_field_name("function")
            .is_some_and(|f| f.kind() == "identifier")
}

fn callee_name_from_tree<'s>(function: Node<'_>, source: &'s str) -> Option<&'s str> {
    let name = match function.kind() {
        "identifier" => function,
        "attribute" => function.child_by_field_name("attribute")?,
        _ => return None,
    };
    source.get(name.byte_range())
}

/// The receiver of a method call: `cursor` for `cursor.execute(...)`.
pub fn receiver(call: Node<'_>) -> Option<Node<'_>> {
    let function = call.child_by_field_name("function")?;
    (function.kind() == "attribute")
        .then(|| function.child_by_field_name("object"))
        .flatten()
}

/// The arguments of a call, without punctuation and comments. A call written
/// `f(x for x in y)` has the generator as its only argument.
pub fn arguments(call: Node<'_>) -> Vec<Node<'_>> {
    let Some(arguments) = call.child_by_field_name("arguments") else {
        return Vec::new();
    };
    if arguments.kind() == "generator_expression" {
        return vec![arguments];
    }
    ast::named_children(arguments)
        .into_iter()
        .filter(|a| a.kind() != "comment")
        .collect()
}

/// The expressions a call passes: positional values, keyword values and splats.
pub fn argument_values(call: Node<'_>) -> Vec<Node<'_>> {
    arguments(call)
        .into_iter()
        .filter_map(|a| match a.kind() {
            "keyword_argument" => a.child_by_field_name("value"),
            _ => Some(a),
        })
        .collect()
}

/// The positional argument at `index`; `None` when absent or when a `*args` before it
/// hides where it lands.
pub fn positional(call: Node<'_>, index: usize) -> Option<Node<'_>> {
    let mut seen = 0;
    for argument in arguments(call) {
        match argument.kind() {
            "keyword_argument" | "dictionary_splat" => {}
            "list_splat" => return None,
            _ if seen == index => return Some(argument),
            _ => seen += 1,
        }
    }
    None
}

/// The value of the keyword argument `name`.
pub fn keyword<'t>(call: Node<'t>, name: &str, source: &str) -> Option<Node<'t>> {
    arguments(call).into_iter().find_map(|argument| {
        (argument.kind() == "keyword_argument"
            && argument
                .child_by_field_name("name")
                .and_then(|n| source.get(n.byte_range()))
                == Some(name))
        .then(|| argument.child_by_field_name("value"))
        .flatten()
    })
}

/// The argument bound to a parameter that can be passed by position or by keyword.
pub fn argument<'t>(call: Node<'t>, index: usize, name: &str, source: &str) -> Option<Node<'t>> {
    keyword(call, name, source).or_else(|| positional(call, index))
}

/// Whether the call passes `**kwargs`, which may hold any keyword argument.
pub fn has_keyword_splat(call: Node<'_>) -> bool {
    arguments(call)
        .iter()
        .any(|a| a.kind() == "dictionary_splat")
}

/// The operands and operators of a `comparison_operator`, in order: `a < b <= c` has
/// three operands and two operators. Comments are skipped.
pub fn comparison_parts(comparison: Node<'_>) -> (Vec<Node<'_>>, Vec<Node<'_>>) {
    let mut operands = Vec::new();
    let mut operators = Vec::new();
    let mut cursor = comparison.walk();
    let mut more = cursor.goto_first_child();
    while more {
        let child = cursor.node();
        if cursor.field_name() == Some("operators") {
            operators.push(child);
        } else if child.is_named() && child.kind() != "comment" {
            operands.push(child);
        }
        more = cursor.goto_next_sibling();
    }
    (operands, operators)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_are_found_by_position_and_keyword() {
        let source = "f(a, # note\n b, *rest, c=1, **kw)\n";
        let mut parser = tree_sitter::Parser::new();
        parser
            .set_language(&tree_sitter_python::LANGUAGE.into())
            .unwrap();
        let tree = parser.parse(source, None).unwrap();
        let call = ast::descendants(tree.root_node())
            .find(|n| n.kind() == "call")
            .unwrap();
        let text = |n: Option<Node<'_>>| n.map(|n| &source[n.byte_range()]);
        assert_eq!(callee_name(call, source), Some("f"));
        for (code, name) in [
            ("a.b.run(x)", Some("run")),
            ("run (x)", Some("run")),
            ("a . b(x)", Some("b")),
            ("x[0].close()", Some("close")),
            ("'{}'.format(x)", Some("format")),
            ("f(x)(y)", None),
            ("requests.Session().get(u)", Some("get")),
            ("émettre(x)", Some("émettre")),
        ] {
            let tree = parser.parse(code, None).unwrap();
            let call = ast::descendants(tree.root_node())
                .find(|n| n.kind() == "call")
                .unwrap();
            assert_eq!(callee_name(call, code), name, "{code}");
        }
        assert_eq!(text(positional(call, 1)), Some("b"));
        assert_eq!(text(positional(call, 2)), None);
        assert_eq!(text(keyword(call, "c", source)), Some("1"));
        assert_eq!(text(argument(call, 0, "c", source)), Some("1"));
        assert!(has_keyword_splat(call));
        assert_eq!(argument_values(call).len(), 5);
    }
}
