//! The per-file context a rule sees: the source, the tree, lazily built semantic facts,
//! and the sink findings go into.
//!
//! Rules get `&Checker`; findings are collected through interior mutability so a rule
//! can hold borrowed semantic facts while it reports.

use std::cell::{Cell, OnceCell, RefCell};

use tree_sitter::Node;

use crate::{Language, RuleMeta, java, python};

/// A 1-based line and column. Columns count Unicode scalar values, not bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// Where a finding is: byte offsets into the file plus human positions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub start: Position,
    pub end: Position,
    pub start_byte: usize,
    pub end_byte: usize,
}

impl Span {
    /// The span of `node` in `source`.
    pub fn of(node: Node<'_>, source: &str) -> Span {
        let point = |byte: usize, p: tree_sitter::Point| {
            let line_start = byte.saturating_sub(p.column);
            let column = source
                .get(line_start..byte)
                .map_or(p.column, |text| text.chars().count());
            Position {
                line: p.row + 1,
                column: column + 1,
            }
        };
        Span {
            start: point(node.start_byte(), node.start_position()),
            end: point(node.end_byte(), node.end_position()),
            start_byte: node.start_byte(),
            end_byte: node.end_byte(),
        }
    }

    /// The span of a byte range; offsets are clamped to the source and to char boundaries.
    pub fn from_bytes(source: &str, start_byte: usize, end_byte: usize) -> Span {
        let start_byte = floor_char_boundary(source, start_byte);
        let end_byte = floor_char_boundary(source, end_byte.max(start_byte));
        Span {
            start: position_at(source, start_byte),
            end: position_at(source, end_byte),
            start_byte,
            end_byte,
        }
    }
}

fn floor_char_boundary(source: &str, mut at: usize) -> usize {
    at = at.min(source.len());
    while !source.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn position_at(source: &str, byte: usize) -> Position {
    let before = &source[..byte];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    Position {
        line: before.matches('\n').count() + 1,
        column: before[line_start..].chars().count() + 1,
    }
}

/// A replacement of a byte range; what a safe fix or a PR suggestion applies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub start_byte: usize,
    pub end_byte: usize,
    pub replacement: String,
}

/// One problem a rule found in one file.
#[derive(Clone, Debug)]
pub struct Finding {
    pub rule: &'static RuleMeta,
    pub span: Span,
    pub message: String,
    /// A one-line hint on how to fix it; falls back to the rule's default.
    pub help: Option<String>,
    /// A safe, mechanical fix, when the rule has one.
    pub fix: Option<Edit>,
    /// For data-flow findings: the steps from the source to the sink, sink last.
    pub path: Vec<Note>,
}

/// One step of a finding's path: where, and what happened there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    pub span: Span,
    pub message: String,
}

impl Finding {
    /// A finding with no hint of its own and no fix.
    pub fn new(rule: &'static RuleMeta, span: Span, message: String) -> Finding {
        Finding {
            rule,
            span,
            message,
            help: None,
            fix: None,
            path: Vec::new(),
        }
    }

    pub fn help(&self) -> &str {
        self.help.as_deref().unwrap_or(self.rule.fix)
    }
}

/// What a rule sees while it checks one file.
pub struct Checker<'t> {
    language: Language,
    source: &'t str,
    root: Node<'t>,
    current: Cell<Option<&'static RuleMeta>>,
    /// Ancestors of the node being checked, root first; maintained by the engine's walk.
    stack: RefCell<Vec<Node<'t>>>,
    findings: RefCell<Vec<Finding>>,
    python: OnceCell<python::semantic::Module<'t>>,
    python_taint: OnceCell<python::taint::FileTaint<'t>>,
    java: OnceCell<java::semantic::Unit<'t>>,
    java_taint: OnceCell<java::taint::FileTaint<'t>>,
    /// The last Java call taken apart: the engine runs every rule on one node before the
    /// next, so the dozens of rules dispatched on a call share one reading of it.
    last_call: RefCell<Option<(usize, Option<java::calls::Call<'t>>)>>,
}

impl<'t> Checker<'t> {
    pub fn new(language: Language, source: &'t str, root: Node<'t>) -> Checker<'t> {
        Checker {
            language,
            source,
            root,
            current: Cell::new(None),
            stack: RefCell::new(Vec::new()),
            findings: RefCell::new(Vec::new()),
            python: OnceCell::new(),
            python_taint: OnceCell::new(),
            java: OnceCell::new(),
            java_taint: OnceCell::new(),
            last_call: RefCell::new(None),
        }
    }

    pub fn language(&self) -> Language {
        self.language
    }

    pub fn source(&self) -> &'t str {
        self.source
    }

    pub fn root(&self) -> Node<'t> {
        self.root
    }

    /// The source text of `node`.
    pub fn text(&self, node: Node<'_>) -> &'t str {
        self.source.get(node.byte_range()).unwrap_or_default()
    }

    /// Module-level facts for Python: imports and constants. Built on first use.
    pub fn python(&self) -> &python::semantic::Module<'t> {
        self.python
            .get_or_init(|| python::semantic::Module::build(self.root, self.source))
    }

    /// Taint facts for Python: flows from sources to sinks, per function, computed only
    /// for the functions a rule asks about.
    pub fn python_taint(&self) -> &python::taint::FileTaint<'t> {
        self.python_taint
            .get_or_init(|| python::taint::FileTaint::new(self.root, self.source))
    }

    /// Compilation-unit facts for Java: imports and constants. Built on first use.
    pub fn java(&self) -> &java::semantic::Unit<'t> {
        self.java
            .get_or_init(|| java::semantic::Unit::build(self.root, self.source))
    }

    /// Taint facts for Java: flows from sources to sinks, per method, computed only for
    /// the methods a rule asks about.
    pub fn java_taint(&self) -> &java::taint::FileTaint<'t> {
        self.java_taint
            .get_or_init(|| java::taint::FileTaint::new(self.root, self.source))
    }

    /// The Java call `node` taken apart by `read`, remembered for consecutive requests.
    pub(crate) fn java_call(
        &self,
        node: Node<'t>,
        read: impl FnOnce() -> Option<java::calls::Call<'t>>,
    ) -> Option<java::calls::Call<'t>> {
        if let Some((id, call)) = self.last_call.borrow().as_ref()
            && *id == node.id()
        {
            return call.clone();
        }
        let call = read();
        *self.last_call.borrow_mut() = Some((node.id(), call.clone()));
        call
    }

    /// The ancestors of the node being checked, nearest first, in O(1) per step.
    ///
    /// Prefer this to `Node::parent`, which walks down from the root on every call.
    pub fn ancestors(&self) -> impl Iterator<Item = Node<'t>> + '_ {
        (1..).map_while(move |i| {
            let stack = self.stack.borrow();
            stack
                .len()
                .checked_sub(i)
                .and_then(|at| stack.get(at).copied())
        })
    }

    /// Called by the engine's walk when it descends into `node`.
    pub fn enter(&self, node: Node<'t>) {
        self.stack.borrow_mut().push(node);
    }

    /// Called by the engine's walk when it leaves the node entered last.
    pub fn leave(&self) {
        self.stack.borrow_mut().pop();
    }

    /// Sets the rule whose findings `report` records. Called by the engine.
    pub fn set_rule(&self, rule: &'static RuleMeta) {
        self.current.set(Some(rule));
    }

    /// Reports a finding on `node` for the rule being run.
    pub fn report(&self, node: Node<'_>, message: impl Into<String>) -> Report<'_, 't> {
        self.report_span(Span::of(node, self.source), message)
    }

    /// Reports a finding on an explicit span for the rule being run.
    pub fn report_span(&self, span: Span, message: impl Into<String>) -> Report<'_, 't> {
        Report {
            checker: self,
            span,
            message: message.into(),
            help: None,
            fix: None,
            path: Vec::new(),
            rule: self.current.get(),
        }
    }

    /// Records a finding for a rule other than the one being run (engine rules).
    pub fn push(&self, finding: Finding) {
        self.findings.borrow_mut().push(finding);
    }

    /// Everything reported so far, in report order.
    pub fn into_findings(self) -> Vec<Finding> {
        self.findings.into_inner()
    }
}

/// A finding being built; it is recorded when dropped, so `cx.report(n, m).help(h);`
/// reads as one statement.
pub struct Report<'c, 't> {
    checker: &'c Checker<'t>,
    span: Span,
    message: String,
    help: Option<String>,
    fix: Option<Edit>,
    path: Vec<Note>,
    rule: Option<&'static RuleMeta>,
}

impl Report<'_, '_> {
    /// A one-line hint specific to this finding.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// The path from a source to the sink, one note per step.
    pub fn path(mut self, steps: Vec<(Span, String)>) -> Self {
        self.path = steps
            .into_iter()
            .map(|(span, message)| Note { span, message })
            .collect();
        self
    }

    /// A safe replacement of `node`'s text.
    pub fn fix(mut self, node: Node<'_>, replacement: impl Into<String>) -> Self {
        self.fix = Some(Edit {
            start_byte: node.start_byte(),
            end_byte: node.end_byte(),
            replacement: replacement.into(),
        });
        self
    }
}

impl Drop for Report<'_, '_> {
    fn drop(&mut self) {
        // A report outside a rule run has no rule to attribute it to; only the engine
        // sets the rule, so this cannot happen for catalogue rules.
        if let Some(rule) = self.rule {
            self.checker.push(Finding {
                rule,
                span: self.span,
                message: std::mem::take(&mut self.message),
                help: self.help.take(),
                fix: self.fix.take(),
                path: std::mem::take(&mut self.path),
            });
        }
    }
}
