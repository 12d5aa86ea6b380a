use tree_sitter::Node;

use crate::python::call;
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for XML parsers configured to load external entities:
    /// - `lxml` parsers (`etree.XMLParser`, `etree.XMLPullParser`, `etree.iterparse`,
    ///   `objectify.makeparser`) given `resolve_entities=True` or `no_network=False`;
    /// - SAX parsers, including those handed to `xml.dom.pulldom`, with
    ///   `setFeature(feature_external_ges, True)` or `feature_external_pes`.
    ///
    /// The standard library's `xml.etree.ElementTree`, `minidom` and default SAX parsers
    /// do not fetch external entities and are not reported.
    ///
    /// ## Why is this bad?
    /// An XML document can declare an entity whose value is a file or a URL
    /// (`<!ENTITY x SYSTEM "file:///etc/passwd">`). A parser that resolves it reads the
    /// file or makes the request on the attacker's behalf and pastes the result into the
    /// document: local files leak, internal services are reached (XXE, CWE-611).
    ///
    /// ## Example
    /// ```python
    /// from lxml import etree
    ///
    /// def parse_invoice(upload):
    ///     parser = etree.XMLParser(resolve_entities=True)
    ///     return etree.fromstring(upload.read(), parser)
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// import defusedxml.ElementTree as ET
    ///
    /// def parse_invoice(upload):
    ///     return ET.fromstring(upload.read())
    /// ```
    ///
    /// With lxml, keep `resolve_entities=False` and `no_network=True`.
    pub XmlExternalEntities {
        id: "py-xxe",
        title: "XML parser resolves external entities",
        language: Python,
        category: Security,
        severity: Error,
        cwe: [611, 827],
        precision: High,
        kinds: ["call"],
        fix: "Parse untrusted XML with `defusedxml`, or keep `resolve_entities=False` and `no_network=True`",
    }
}

const LXML_PARSERS: &[&str] = &[
    "lxml.etree.XMLParser",
    "lxml.etree.XMLPullParser",
    "lxml.etree.iterparse",
    "lxml.objectify.makeparser",
];

const LXML_PARSER_NAMES: &[&str] = &["XMLParser", "XMLPullParser", "iterparse", "makeparser"];

const SAX_FEATURES: &[&str] = &[
    "xml.sax.handler.feature_external_ges",
    "xml.sax.handler.feature_external_pes",
];

const SAX_FEATURE_URIS: &[&str] = &[
    "http://xml.org/sax/features/external-general-entities",
    "http://xml.org/sax/features/external-parameter-entities",
];

impl Rule for XmlExternalEntities {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        if call::callee_name(node, cx.source()) == Some("setFeature") {
            check_sax(node, cx);
        } else if call::may_call(node, cx.source(), LXML_PARSER_NAMES) {
            check_lxml(node, cx);
        }
    }
}

fn check_lxml<'t>(node: Node<'t>, cx: &Checker<'t>) {
    let Some(name) = cx.python().resolve_call(node) else {
        return;
    };
    if !LXML_PARSERS.contains(&name.as_str()) {
        return;
    }
    let keyword_is = |keyword: &str, kind: &str| {
        call::keyword(node, keyword, cx.source())
            .is_some_and(|v| ast::unparenthesize(v).kind() == kind)
    };
    if keyword_is("resolve_entities", "true") {
        cx.report(
            node,
            format!("`{name}` with `resolve_entities=True` expands external entities: files and URLs named by the document are read"),
        )
        .help("Pass `resolve_entities=False`, or parse untrusted XML with `defusedxml`");
    } else if keyword_is("no_network", "false") {
        cx.report(
            node,
            format!("`{name}` with `no_network=False` fetches external entities and DTDs over the network"),
        )
        .help("Keep `no_network=True` (the default) and `resolve_entities=False`");
    }
}

fn check_sax<'t>(node: Node<'t>, cx: &Checker<'t>) {
    let (Some(feature), Some(state)) = (call::positional(node, 0), call::positional(node, 1))
    else {
        return;
    };
    let enabled = match ast::unparenthesize(state).kind() {
        "true" => true,
        "integer" => cx.python().constant_int(state).is_some_and(|v| v != 0),
        _ => false,
    };
    if !enabled {
        return;
    }
    let is_external = cx
        .python()
        .resolve(feature)
        .is_some_and(|f| SAX_FEATURES.contains(&f.as_str()))
        || cx
            .python()
            .constant_str(feature)
            .is_some_and(|f| SAX_FEATURE_URIS.contains(&f.as_str()));
    if is_external {
        cx.report(
            node,
            format!(
                "enabling `{}` makes the SAX parser load external entities",
                cx.text(feature)
            ),
        )
        .help("Leave external entities off (the default since Python 3.7.1), or use `defusedxml.sax`");
    }
}
