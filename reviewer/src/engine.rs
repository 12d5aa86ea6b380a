//! One parse and one walk per file.
//!
//! The engine indexes the enabled rules by node kind id, parses a file once with the
//! calling thread's parser, and walks the tree once without recursion. At each node it
//! runs only the rules that declared that kind, and it collects the suppression comments,
//! `@SuppressWarnings` annotations and the first syntax error in the same pass.

use std::cell::RefCell;

use argus_rules::{Checker, Finding, Language, Rule, Span, meta};
use tree_sitter::{Node, Parser, Tree};

use crate::rule_set::RuleSet;
use crate::suppress::{self, Suppressions};

/// Rules of one language, indexed by node kind id.
struct Dispatch {
    by_kind: Vec<Vec<&'static dyn Rule>>,
    comment_kinds: Vec<bool>,
}

impl Dispatch {
    fn new(language: Language, rules: &RuleSet) -> Dispatch {
        let grammar = language.grammar();
        let count = grammar.node_kind_count();
        let mut by_kind: Vec<Vec<&'static dyn Rule>> = vec![Vec::new(); count];
        let mut comment_kinds = vec![false; count];
        for id in 0..count {
            let Ok(id16) = u16::try_from(id) else { break };
            if !grammar.node_kind_is_named(id16) {
                continue;
            }
            let Some(kind) = grammar.node_kind_for_id(id16) else {
                continue;
            };
            comment_kinds[id] = language.comment_kinds().contains(&kind);
            for rule in rules.rules() {
                let meta = rule.meta();
                if meta.scope.includes(language) && meta.kinds.contains(&kind) {
                    by_kind[id].push(rule);
                }
            }
        }
        Dispatch {
            by_kind,
            comment_kinds,
        }
    }
}

/// What checking one file produced.
#[derive(Debug, Default)]
pub struct FileFindings {
    /// Findings after suppression, in no particular order.
    pub findings: Vec<Finding>,
}

/// Runs a fixed set of rules over files.
pub struct Engine {
    rules: RuleSet,
    java: Dispatch,
    python: Dispatch,
    warn_unused_suppressions: bool,
}

/// A file could not be parsed at all (the parser gave up); rare, but never a panic.
#[derive(Debug, thiserror::Error)]
#[error("the {language} parser could not parse the file")]
pub struct ParseError {
    pub language: Language,
}

thread_local! {
    /// One parser per language per worker thread: `Parser::parse` needs `&mut self`.
    static PARSERS: RefCell<[Option<Parser>; 2]> = const { RefCell::new([None, None]) };
}

/// Parses `source` with this thread's parser for `language`.
pub fn parse(language: Language, source: &str) -> Result<Tree, ParseError> {
    PARSERS.with(|parsers| {
        let mut parsers = parsers.borrow_mut();
        let slot = &mut parsers[language as usize];
        if slot.is_none() {
            let mut parser = Parser::new();
            parser
                .set_language(&language.grammar())
                .map_err(|_| ParseError { language })?;
            *slot = Some(parser);
        }
        slot.as_mut()
            .and_then(|parser| parser.parse(source, None))
            .ok_or(ParseError { language })
    })
}

impl Engine {
    pub fn new(rules: RuleSet, warn_unused_suppressions: bool) -> Engine {
        Engine {
            java: Dispatch::new(Language::Java, &rules),
            python: Dispatch::new(Language::Python, &rules),
            rules,
            warn_unused_suppressions,
        }
    }

    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// Parses and checks one file's source.
    pub fn check(&self, language: Language, source: &str) -> Result<FileFindings, ParseError> {
        let tree = parse(language, source)?;
        Ok(self.check_tree(language, source, &tree))
    }

    /// Checks an already parsed tree.
    pub fn check_tree(&self, language: Language, source: &str, tree: &Tree) -> FileFindings {
        let dispatch = match language {
            Language::Java => &self.java,
            Language::Python => &self.python,
        };
        let root = tree.root_node();
        let cx = Checker::new(language, source, root);
        let mut suppressions = Suppressions::default();
        let mut first_error: Option<Node<'_>> = None;
        let look_for_errors = root.has_error();

        let mut cursor = root.walk();
        'walk: loop {
            let node = cursor.node();
            let kind = usize::from(node.kind_id());
            if let Some(rules) = dispatch.by_kind.get(kind) {
                for rule in rules {
                    cx.set_rule(rule.meta());
                    rule.check(node, &cx);
                }
            }
            if dispatch.comment_kinds.get(kind).copied().unwrap_or(false) {
                suppressions.read_comment(node, &cx);
            } else if language == Language::Java
                && matches!(node.kind(), "annotation" | "single_element_annotation")
            {
                suppressions.read_annotation(node, &cx);
            }
            if look_for_errors && first_error.is_none() && (node.is_error() || node.is_missing()) {
                first_error = Some(node);
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

        if let Some(error) = first_error
            && self.rules.contains(meta::SyntaxError::META.id)
        {
            cx.push(syntax_error(error, source));
        }
        let findings = cx.into_findings();
        let findings = suppress::apply(
            findings,
            suppressions,
            &self.rules,
            self.warn_unused_suppressions,
        );
        FileFindings { findings }
    }
}

fn syntax_error(node: Node<'_>, source: &str) -> Finding {
    let rule = argus_rules::Describe::meta(&meta::SyntaxError);
    let (message, span) = if node.is_missing() {
        (
            format!("syntax error: missing `{}`", node.kind()),
            Span::of(node, source),
        )
    } else {
        // Point at what the parser could not place, up to the end of its first line.
        let text = source.get(node.byte_range()).unwrap_or_default();
        let first_line = text.lines().next().unwrap_or_default().trim_end();
        let shown: String = first_line.chars().take(60).collect();
        let ellipsis = if shown.len() < first_line.len() {
            "…"
        } else {
            ""
        };
        let span = Span::from_bytes(
            source,
            node.start_byte(),
            node.start_byte() + first_line.len(),
        );
        (
            format!("syntax error: cannot parse `{shown}{ellipsis}`"),
            span,
        )
    };
    Finding::new(rule, span, message)
}
