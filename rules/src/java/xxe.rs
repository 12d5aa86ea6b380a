use tree_sitter::Node;

use crate::java::calls::{self, Call, Use};
use crate::java::semantic;
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for XML parsers created in a method that does not harden them before use:
    /// `DocumentBuilderFactory`, `SAXParserFactory`, `XMLInputFactory`,
    /// `TransformerFactory`, `SchemaFactory` and `XMLReaderFactory.createXMLReader()`.
    ///
    /// A factory counts as hardened when the method sets, on it, one of:
    /// `disallow-doctype-decl` (true), `XMLConstants.FEATURE_SECURE_PROCESSING` (true),
    /// `external-general-entities` or `load-external-dtd` (false),
    /// `XMLInputFactory.SUPPORT_DTD` or `IS_SUPPORTING_EXTERNAL_ENTITIES` (false), or
    /// `XMLConstants.ACCESS_EXTERNAL_DTD` / `ACCESS_EXTERNAL_SCHEMA` /
    /// `ACCESS_EXTERNAL_STYLESHEET` (`""`). A factory that is returned, stored in a field
    /// or passed to another method may be hardened there, and is not reported.
    ///
    /// ## Why is this bad?
    /// By default the JDK parsers resolve external entities and DTDs. A document with
    /// `<!ENTITY x SYSTEM "file:///etc/passwd">` makes the server read local files,
    /// call internal URLs (SSRF) or expand entities until it runs out of memory.
    ///
    /// ## Example
    /// ```java
    /// DocumentBuilderFactory dbf = DocumentBuilderFactory.newInstance();
    /// Document doc = dbf.newDocumentBuilder().parse(upload);
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// DocumentBuilderFactory dbf = DocumentBuilderFactory.newInstance();
    /// dbf.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    /// Document doc = dbf.newDocumentBuilder().parse(upload);
    /// ```
    pub Xxe {
        id: "java-xxe",
        title: "XML parser resolves external entities",
        language: Java,
        category: Security,
        severity: Error,
        cwe: [611],
        precision: High,
        kinds: ["method_invocation"],
        fix: "Disable DTDs (`disallow-doctype-decl`) or external entities on the factory before parsing",
    }
}

/// Factory classes and the static methods that create them.
const FACTORIES: &[(&str, &[&str])] = &[
    ("DocumentBuilderFactory", &["newInstance", "newDefaultInstance", "newNSInstance", "newDefaultNSInstance"]),
    ("SAXParserFactory", &["newInstance", "newDefaultInstance", "newNSInstance", "newDefaultNSInstance"]),
    ("XMLInputFactory", &["newInstance", "newFactory", "newDefaultFactory"]),
    ("TransformerFactory", &["newInstance", "newDefaultInstance"]),
    ("SAXTransformerFactory", &["newInstance", "newDefaultInstance"]),
    ("SchemaFactory", &["newInstance", "newDefaultInstance"]),
    ("XMLReaderFactory", &["createXMLReader"]),
];

/// Settings that make a parser safe: a fragment of the name (or constant) and the
/// value it must be set to.
const HARDENING: &[(&str, &str)] = &[
    ("disallow-doctype-decl", "true"),
    ("FEATURE_SECURE_PROCESSING", "true"),
    ("secure-processing", "true"),
    ("external-general-entities", "false"),
    ("load-external-dtd", "false"),
    ("SUPPORT_DTD", "false"),
    ("supportDTD", "false"),
    ("IS_SUPPORTING_EXTERNAL_ENTITIES", "false"),
    ("isSupportingExternalEntities", "false"),
    ("ACCESS_EXTERNAL_DTD", "\"\""),
    ("accessExternalDTD", "\"\""),
    ("ACCESS_EXTERNAL_SCHEMA", "\"\""),
    ("accessExternalSchema", "\"\""),
    ("ACCESS_EXTERNAL_STYLESHEET", "\"\""),
    ("accessExternalStylesheet", "\"\""),
];

impl Rule for Xxe {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        let Some(call) = Call::of(node, cx) else {
            return;
        };
        let class = call.receiver_name(cx);
        if !FACTORIES
            .iter()
            .any(|(c, methods)| *c == class && methods.contains(&call.name))
        {
            return;
        }
        let Some(scope) = semantic::scope_of(cx.ancestors()) else {
            return;
        };
        let locals = cx.java().locals(scope);
        let exposed = match locals.parent(node).map(|p| (p.kind(), p)) {
            // `DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(..)`.
            Some(("method_invocation", parent))
                if parent
                    .child_by_field_name("object")
                    .is_some_and(|o| o.id() == node.id()) =>
            {
                !is_hardening(parent, cx) && parses(class, parent, cx)
            }
            _ => match calls::stored_in(node, &locals, cx) {
                Some(decl) => {
                    let uses = calls::uses(decl, &locals, cx);
                    let escapes = uses.iter().any(|u| matches!(u, Use::Escapes));
                    let hardened = uses
                        .iter()
                        .any(|u| matches!(u, Use::Receiver(c) if is_hardening(c.node, cx)));
                    let used = uses
                        .iter()
                        .any(|u| matches!(u, Use::Receiver(c) if parses(class, c.node, cx)));
                    used && !escapes && !hardened
                }
                None => false,
            },
        };
        if exposed {
            cx.report(
                node,
                format!("`{class}.{}()` creates a parser that resolves external entities, and this method never disables them", call.name),
            );
        }
    }
}

/// Whether a call on the factory leads to parsing a document. A `TransformerFactory`
/// parses only with a stylesheet: `newTransformer()` copies a tree it is given; a
/// document builder used only for `newDocument()` or `getDOMImplementation()` reads nothing.
fn parses<'t>(class: &str, call: Node<'t>, cx: &Checker<'t>) -> bool {
    if class == "DocumentBuilderFactory" {
        // `newDocumentBuilder().newDocument()` or `.getDOMImplementation()` builds
        // documents and reads nothing.
        let builds_only = call.parent().is_some_and(|p| {
            p.kind() == "method_invocation"
                && p.child_by_field_name("object").is_some_and(|o| o.id() == call.id())
                && p.child_by_field_name("name")
                    .is_some_and(|n| matches!(cx.text(n), "newDocument" | "getDOMImplementation"))
        });
        return !builds_only;
    }
    if !class.ends_with("TransformerFactory") {
        return true;
    }
    Call::of(call, cx).is_some_and(|c| {
        matches!(c.name, "newTransformer" | "newTemplates" | "newTransformerHandler") && !c.args.is_empty()
    })
}

/// `f.setFeature(NAME, true)`, `f.setProperty(NAME, false)`, `f.setAttribute(NAME, "")`
/// with a setting from [`HARDENING`].
fn is_hardening<'t>(node: Node<'t>, cx: &Checker<'t>) -> bool {
    let Some(call) = Call::of(node, cx) else {
        return false;
    };
    if !matches!(call.name, "setFeature" | "setProperty" | "setAttribute") {
        return false;
    }
    let (Some(name), Some(value)) = (call.arg(0), call.arg(1)) else {
        return false;
    };
    let name = cx
        .java()
        .constant_str(name, cx.source())
        .unwrap_or_else(|| cx.text(name).to_string());
    let value = ast::unparenthesize(value);
    let value = cx.text(value).trim_start_matches("Boolean.").to_ascii_lowercase();
    HARDENING
        .iter()
        .any(|(key, expected)| name.contains(key) && value == *expected)
}
