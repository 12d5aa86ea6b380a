use regex_syntax::ast::{self, Ast, RepetitionKind, RepetitionRange};
use regex_syntax::hir::{self, Class, ClassUnicode, ClassUnicodeRange, Hir, HirKind};
use tree_sitter::Node;

use crate::python::call;
use crate::python::semantic::Binding;
use crate::{Checker, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for constant regular expressions given to `re.compile`, `re.match`,
    /// `re.search`, `re.fullmatch`, `re.sub`, `re.findall` and the other `re` functions
    /// whose repeated group can match the same text in many ways, when something after
    /// the group can make the match fail:
    /// - a repeated group holding a repeated character set, where everything else in the
    ///   group is optional or made of the same characters: `(a+)+`, `(\w+\s?)*`,
    ///   `(\d*\d)+`;
    /// - a repeated alternation whose branches match the same character or the same
    ///   string repeated: `(\w|\d)+`, `(.|\s)*`, `(a|aa)+`.
    ///
    /// ## Why is this bad?
    /// Python's `re` is a backtracking engine. When a subject almost matches and then
    /// fails, it tries every way of splitting the text between the inner and the outer
    /// repetition before giving up, and their number doubles with each extra character.
    /// Thirty characters are enough to hold a worker for minutes, so a single request
    /// with a crafted value is a denial of service (ReDoS).
    ///
    /// ## Example
    /// ```python
    /// import re
    ///
    /// WORDS = re.compile(r"^(\w+\s?)*$")
    ///
    /// def is_sentence(text):
    ///     return WORDS.match(text) is not None
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// import re
    ///
    /// WORDS = re.compile(r"^\w+(\s\w+)*\s?$")
    ///
    /// def is_sentence(text):
    ///     return WORDS.match(text) is not None
    /// ```
    pub CatastrophicBacktrackingRegex {
        id: "py-catastrophic-backtracking-regex",
        title: "Regular expression with exponential backtracking",
        language: Python,
        category: Security,
        severity: Warning,
        cwe: [1333],
        precision: High,
        kinds: ["call"],
        fix: "Rewrite the pattern so each character can be matched by only one repetition",
    }
}

/// `re` functions whose first argument is the pattern.
const RE_FUNCTIONS: &[&str] = &[
    "compile",
    "match",
    "search",
    "fullmatch",
    "sub",
    "subn",
    "split",
    "findall",
    "finditer",
    "_lazy_re_compile",
];

/// Deeper patterns are not analysed.
const NEST_LIMIT: u32 = 64;

/// How many constant bindings a pattern name is followed through.
const MAX_DEPTH: usize = 4;

impl Rule for CatastrophicBacktrackingRegex {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        let Some(callee) = call::callee_name(node, cx.source()) else {
            return;
        };
        if !RE_FUNCTIONS.contains(&callee) {
            return;
        }
        let Some(name) = cx.python().resolve_call(node) else {
            return;
        };
        let is_re = name.strip_prefix("re.").is_some_and(|f| RE_FUNCTIONS.contains(&f))
            || name.ends_with(".regex_helper._lazy_re_compile");
        if !is_re {
            return;
        }
        let Some(argument) = call::argument(node, 0, "pattern", cx.source())
            .or_else(|| call::keyword(node, "regex", cx.source()))
        else {
            return;
        };
        let Some(pattern) = pattern_text(argument, cx, 0) else {
            return;
        };
        let verbose = call::argument_values(node).iter().skip(1).any(|a| {
            let text = cx.text(*a);
            text.contains("VERBOSE") || text.contains("re.X")
        });
        let anchored_end = callee == "fullmatch";
        if let Some(problem) = analyse(&pattern, verbose, anchored_end) {
            cx.report(
                argument,
                format!("{problem}, so a near-miss input makes matching take exponential time"),
            )
            .help("Make the repetitions unambiguous (each character matched by one of them), or bound the input length");
        }
    }
}

/// The text of a constant pattern, with the escapes of non-raw string literals decoded.
fn pattern_text(node: Node<'_>, cx: &Checker<'_>, depth: usize) -> Option<String> {
    let node = crate::ast::unparenthesize(node);
    match node.kind() {
        "string" => string_literal(node, cx),
        "concatenated_string" => crate::ast::named_children(node)
            .into_iter()
            .filter(|part| part.kind() != "comment")
            .map(|part| string_literal(part, cx))
            .collect(),
        "identifier" if depth < MAX_DEPTH => match cx.python().bindings(node)? {
            [Binding::Assign(value)] => pattern_text(*value, cx, depth + 1),
            _ => None,
        },
        _ => None,
    }
}

fn string_literal(node: Node<'_>, cx: &Checker<'_>) -> Option<String> {
    let content = crate::python::semantic::string_value(node, cx.source())?;
    let prefix = node
        .child(0)
        .map(|start| cx.text(start).trim_end_matches(['"', '\'']))
        .unwrap_or_default();
    if prefix.contains(['r', 'R']) {
        Some(content.to_string())
    } else {
        decode_escapes(content)
    }
}

/// Python's escape sequences in a non-raw literal; unknown escapes such as `\d` stay as
/// written, as Python keeps them.
fn decode_escapes(content: &str) -> Option<String> {
    let mut out = String::with_capacity(content.len());
    let mut chars = content.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            '\\' => out.push('\\'),
            '\'' => out.push('\''),
            '"' => out.push('"'),
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            '\n' => {}
            // Octal, hex and named escapes rarely shape a pattern; give up on them.
            '0'..='7' | 'x' | 'N' | 'u' | 'U' => return None,
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    Some(out)
}

/// Describes the first ambiguous repetition in `pattern`; `None` when there is none or
/// the pattern uses syntax (look-around, back-references) the analysis does not read.
fn analyse(pattern: &str, verbose: bool, anchored_end: bool) -> Option<String> {
    let ast = ast::parse::ParserBuilder::new()
        .ignore_whitespace(verbose)
        .nest_limit(NEST_LIMIT)
        .build()
        .parse(pattern)
        .ok()?;
    let analysis = Analysis { pattern };
    analysis.visit(&ast, anchored_end)
}

struct Analysis<'p> {
    pattern: &'p str,
}

impl Analysis<'_> {
    fn hir(&self, ast: &Ast) -> Option<Hir> {
        hir::translate::Translator::new()
            .translate(self.pattern, ast)
            .ok()
    }

    /// Visits `ast`; `followed` says whether something after it can make the match fail.
    fn visit(&self, ast: &Ast, followed: bool) -> Option<String> {
        match ast {
            Ast::Repetition(repetition) => {
                if followed
                    && is_unbounded(&repetition.op.kind)
                    && let Some(problem) = self.ambiguous_body(&repetition.ast)
                {
                    let span = &repetition.span;
                    let text = self.pattern.get(span.start.offset..span.end.offset)?;
                    return Some(format!("`{text}` {problem}"));
                }
                self.visit(&repetition.ast, followed)
            }
            Ast::Group(group) => self.visit(&group.ast, followed),
            Ast::Alternation(alternation) => alternation
                .asts
                .iter()
                .find_map(|branch| self.visit(branch, followed)),
            Ast::Concat(concat) => {
                // `later_can_fail[i]`: whether a part after the i-th can fail, read from
                // the end so each part is translated once.
                let mut later_can_fail = vec![false; concat.asts.len()];
                let mut any = false;
                for (i, part) in concat.asts.iter().enumerate().rev() {
                    if let Some(slot) = later_can_fail.get_mut(i) {
                        *slot = any;
                    }
                    any = any || self.can_fail(part);
                }
                concat
                    .asts
                    .iter()
                    .zip(later_can_fail)
                    .find_map(|(part, later)| self.visit(part, followed || later))
            }
            _ => None,
        }
    }

    /// Whether matching `ast` can fail: it needs at least one character, or asserts
    /// something (`$`, `\b`).
    fn can_fail(&self, ast: &Ast) -> bool {
        if matches!(ast, Ast::Empty(_) | Ast::Flags(_)) {
            return false;
        }
        self.hir(ast).is_none_or(|hir| {
            hir.properties().minimum_len() != Some(0) || !hir.properties().look_set().is_empty()
        })
    }

    /// Why the body of an unbounded repetition can split the same text in many ways.
    fn ambiguous_body(&self, body: &Ast) -> Option<&'static str> {
        let body = strip_groups(body);
        if let Ast::Alternation(alternation) = body {
            return self
                .overlapping_branches(&alternation.asts)
                .then_some("repeats branches that match the same text");
        }
        let parts: Vec<&Ast> = match body {
            Ast::Concat(concat) => concat.asts.iter().collect(),
            other => vec![other],
        };
        let hirs: Vec<Hir> = parts
            .iter()
            .map(|p| self.hir(p))
            .collect::<Option<Vec<_>>>()?;
        hirs.iter().enumerate().find_map(|(i, candidate)| {
            let set = repeated_set(candidate)?;
            let others_fit = hirs.iter().enumerate().all(|(j, other)| {
                j == i
                    || other.properties().minimum_len() == Some(0)
                        && other.properties().look_set().is_empty()
                    || fits_in(other, &set)
            });
            others_fit.then_some("repeats a group whose inner repetition can match the same text")
        })
    }

    /// Whether two branches match the same single character, or one matches a string and
    /// the other that string repeated.
    fn overlapping_branches(&self, branches: &[Ast]) -> bool {
        let Some(hirs) = branches
            .iter()
            .map(|b| self.hir(b))
            .collect::<Option<Vec<_>>>()
        else {
            return false;
        };
        hirs.iter().enumerate().any(|(i, a)| {
            hirs.iter().skip(i + 1).any(|b| {
                if let (Some(x), Some(y)) = (single_char_set(a), single_char_set(b)) {
                    return intersects(&x, &y);
                }
                match (literal(a), literal(b)) {
                    (Some(x), Some(y)) => repeats(&x, &y) || repeats(&y, &x),
                    _ => false,
                }
            })
        })
    }
}

fn is_unbounded(kind: &RepetitionKind) -> bool {
    matches!(
        kind,
        RepetitionKind::ZeroOrMore
            | RepetitionKind::OneOrMore
            | RepetitionKind::Range(RepetitionRange::AtLeast(_))
    )
}

fn strip_groups(mut ast: &Ast) -> &Ast {
    while let Ast::Group(group) = ast {
        ast = &group.ast;
    }
    ast
}

/// The characters of `X` in an unbounded `X+`, `X*` or `X{n,}` over one character set.
fn repeated_set(hir: &Hir) -> Option<ClassUnicode> {
    let hir = strip_captures(hir);
    match hir.kind() {
        HirKind::Repetition(repetition) if repetition.max.is_none() => {
            single_char_set(&repetition.sub)
        }
        _ => None,
    }
}

fn strip_captures(mut hir: &Hir) -> &Hir {
    while let HirKind::Capture(capture) = hir.kind() {
        hir = &capture.sub;
    }
    hir
}

/// The set of a class, or of a one-character literal.
fn single_char_set(hir: &Hir) -> Option<ClassUnicode> {
    let hir = strip_captures(hir);
    match hir.kind() {
        HirKind::Class(Class::Unicode(class)) => Some(class.clone()),
        HirKind::Literal(hir::Literal(bytes)) => {
            let text = std::str::from_utf8(bytes).ok()?;
            let mut chars = text.chars();
            let c = chars.next()?;
            chars
                .next()
                .is_none()
                .then(|| ClassUnicode::new([ClassUnicodeRange::new(c, c)]))
        }
        _ => None,
    }
}

/// Whether `hir` can match a non-empty string made only of characters of `set`: a
/// literal of such characters, a class sharing one with it, or a repetition of either.
fn fits_in(hir: &Hir, set: &ClassUnicode) -> bool {
    let hir = strip_captures(hir);
    match hir.kind() {
        HirKind::Literal(hir::Literal(bytes)) => std::str::from_utf8(bytes).is_ok_and(|text| {
            text.chars()
                .all(|c| intersects(&ClassUnicode::new([ClassUnicodeRange::new(c, c)]), set))
        }),
        HirKind::Class(Class::Unicode(class)) => intersects(class, set),
        HirKind::Repetition(repetition) => fits_in(&repetition.sub, set),
        _ => false,
    }
}

fn intersects(a: &ClassUnicode, b: &ClassUnicode) -> bool {
    let mut both = a.clone();
    both.intersect(b);
    !both.ranges().is_empty()
}

fn literal(hir: &Hir) -> Option<String> {
    match strip_captures(hir).kind() {
        HirKind::Literal(hir::Literal(bytes)) => String::from_utf8(bytes.to_vec()).ok(),
        _ => None,
    }
}

/// Whether `long` is `short` written two or more times.
fn repeats(short: &str, long: &str) -> bool {
    !short.is_empty()
        && long.len() >= 2 * short.len()
        && long.len().is_multiple_of(short.len())
        && long.as_bytes().chunks(short.len()).all(|c| c == short.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_nested_and_overlapping_repetitions() {
        for pattern in [
            r"^(a+)+$",
            r"^(\w+\s?)*$",
            r"(\d*\d)+x",
            r"^(\w|\d)+$",
            r"^(.|\s)*$",
            r"^(a|aa)+$",
            r"^(?:\w+_)*!",
            r"^(?P<name>\s*\w+)*$",
        ] {
            assert!(analyse(pattern, false, false).is_some(), "{pattern}");
        }
    }

    #[test]
    fn leaves_unambiguous_patterns_alone() {
        for pattern in [
            r"^(\w+\s)*$",
            r"^(\d+\.)*\d+$",
            r"(\s*,\s*\w+)*",
            r"^([a-z0-9]+(-[a-z0-9]+)*\.)+[a-z]{2,}$",
            r"^(.|\n)*$",
            r"(a+)+",
            r"^(a|ab)+$",
            r"(?=x)(a+)+$",
            r"^[\w.+-]+@[\w-]+\.[\w.-]+$",
            r"^(\d{1,3}\.){3}\d{1,3}$",
        ] {
            assert!(analyse(pattern, false, false).is_none(), "{pattern}");
        }
    }

    #[test]
    fn fullmatch_makes_the_end_a_failure_point() {
        assert!(analyse(r"(a+)+", false, true).is_some());
    }

    #[test]
    fn decodes_non_raw_escapes() {
        assert_eq!(decode_escapes(r"\\d+\.\n").as_deref(), Some("\\d+\\.\n"));
        assert_eq!(decode_escapes(r"\d").as_deref(), Some("\\d"));
    }
}
