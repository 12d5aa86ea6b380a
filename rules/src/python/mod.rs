//! Python rules, one file each, and the module facts they share.

pub mod call;
pub mod quote;
pub mod semantic;

crate::register_rules! {
    weak_hash::WeakHash,
    mutable_default_argument::MutableDefaultArgument,
    swallowed_exception::SwallowedException,
    literal_identity_comparison::LiteralIdentityComparison,
    code_injection::CodeInjection,
    command_injection::CommandInjection,
    insecure_temp_file::InsecureTempFile,
    unsafe_deserialization::UnsafeDeserialization,
    certificate_validation_disabled::CertificateValidationDisabled,
    request_without_timeout::RequestWithoutTimeout,
    hardcoded_secret::HardcodedSecret,
    sql_injection::SqlInjection,
    resource_leak::ResourceLeak,
}

#[cfg(test)]
mod tests {
    use crate::{Checker, Language};

    /// Runs every Python rule over every node, the way the engine walks.
    fn check_all(source: &str) -> usize {
        let mut parser = tree_sitter::Parser::new();
        parser
            .set_language(&tree_sitter_python::LANGUAGE.into())
            .unwrap();
        let tree = parser.parse(source, None).unwrap();
        let root = tree.root_node();
        let cx = Checker::new(Language::Python, source, root);
        let mut cursor = root.walk();
        'walk: loop {
            let node = cursor.node();
            for rule in super::RULES {
                if rule.meta().kinds.contains(&node.kind()) {
                    cx.set_rule(rule.meta());
                    rule.check(node, &cx);
                }
            }
            if cursor.goto_first_child() {
                cx.enter(node);
                continue;
            }
            while !cursor.goto_next_sibling() {
                if !cursor.goto_parent() {
                    break 'walk;
                }
                cx.leave();
            }
        }
        cx.into_findings().len()
    }

    #[test]
    fn deeply_nested_code_does_not_overflow_the_stack() {
        let n = 10_000;
        let sources = [
            format!("x = {}1{}\neval(x)\n", "(".repeat(n), ")".repeat(n)),
            format!(
                "import os\nos.system({}x{})\n",
                "f(".repeat(n),
                ")".repeat(n)
            ),
            format!("import os\nos{}.system(x)\n", ".path".repeat(n)),
            format!("cmd = {}u\nimport os\nos.system(cmd)\n", "'a' + ".repeat(n)),
            format!("def f(a={}{}): pass\n", "[".repeat(n), "]".repeat(n)),
            format!("g = {}open('x').read()\n", "lambda: ".repeat(n)),
            format!("x = {}1{}\n", "{'password': ".repeat(n), "}".repeat(n)),
            format!("x = a{}\neval(x)\n", "[0]".repeat(n)),
            format!("x = {}\n", "not ".repeat(n) + "y is 'a'"),
        ];
        // A small stack, so that any recursion over the tree fails here first.
        let handle = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || sources.iter().map(|s| check_all(s)).sum::<usize>())
            .unwrap();
        assert!(handle.join().unwrap() > 0);
    }
}
