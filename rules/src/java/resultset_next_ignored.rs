use tree_sitter::Node;

use crate::java::calls::{self, Call};
use crate::java::semantic;
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for `rs.next();` on a JDBC `ResultSet` whose result is dropped, followed
    /// by `rs.getString(..)`, `rs.getInt(..)` or another getter on the same result set.
    ///
    /// ## Why is this bad?
    /// `next()` returns `false` when the query matched no row, and the cursor is then
    /// past the end: the getter throws `SQLException` ("no current row" or "exhausted
    /// result set"). An empty result, usually an ordinary case such as an unknown id,
    /// becomes an internal error instead of a "not found".
    ///
    /// ## Example
    /// ```java
    /// ResultSet rs = statement.executeQuery();
    /// rs.next();
    /// return rs.getString("name");
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// ResultSet rs = statement.executeQuery();
    /// if (!rs.next()) {
    ///     throw new NotFoundException(id);
    /// }
    /// return rs.getString("name");
    /// ```
    pub ResultsetNextIgnored {
        id: "java-resultset-next-ignored",
        title: "`ResultSet.next()` result ignored before reading a row",
        language: Java,
        category: Correctness,
        severity: Warning,
        cwe: [252],
        precision: High,
        kinds: ["method_invocation"],
        fix: "Test the result of `next()` before reading the row",
    }
}

/// Methods that move the cursor.
const MOVES: &[&str] = &["next", "previous", "first", "last", "absolute", "relative", "beforeFirst", "afterLast"];

/// Getters that do not read the current row.
const NOT_ROW: &[&str] = &[
    "getMetaData", "getStatement", "getWarnings", "getRow", "getFetchSize", "getType",
    "getConcurrency", "getHoldability", "getCursorName", "getFetchDirection",
];

impl Rule for ResultsetNextIgnored {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        let Some(call) = Call::of(node, cx) else {
            return;
        };
        if call.name != "next" || !call.args.is_empty() || !calls::result_ignored(cx) {
            return;
        }
        let Some(object) = call.object.filter(|o| o.kind() == "identifier") else {
            return;
        };
        let Some(scope) = semantic::scope_of(cx.ancestors()) else {
            return;
        };
        let unit = cx.java();
        let locals = unit.locals(scope);
        let Some(decl) = locals.resolve(object, cx.source()) else {
            return;
        };
        let is_result_set = semantic::Binding::Local(decl)
            .type_name(cx.source())
            .is_some_and(|t| t == "ResultSet")
            || decl
                .value
                .and_then(|v| Call::of(ast::unparenthesize(v), cx))
                .is_some_and(|c| c.name == "executeQuery");
        if !is_result_set {
            return;
        }
        // Reading a row, not moving the cursor again first (`while (rs.next())` after
        // skipping a header row).
        let is_read = |name: &str| name.starts_with("get") && !NOT_ROW.contains(&name);
        if !calls::read_before_move(decl, node, &locals, cx, MOVES, is_read) {
            return;
        }
        let name = cx.text(object);
        cx.report(
            node,
            format!("the result of `{name}.next()` is ignored: if there is no row, the reads from `{name}` that follow throw `SQLException`"),
        )
        .help(format!("Write `if (!{name}.next()) {{ .. }}` and handle the empty result"));
    }
}
