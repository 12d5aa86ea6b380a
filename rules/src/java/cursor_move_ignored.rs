use tree_sitter::Node;

use crate::java::calls::{self, Call};
use crate::java::semantic::{self, Binding};
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for an Android `Cursor` moved with `moveToFirst()`, `moveToNext()`,
    /// `moveToLast()` or `moveToPosition(..)` as a statement of its own, its `boolean`
    /// result dropped, and then read with `getString(..)`, `getInt(..)` or another
    /// column getter before the cursor is moved again.
    ///
    /// ## Why is this bad?
    /// The move returns `false` when the query matched no row (or the position is out
    /// of range), and the cursor is then before the first row or after the last: the
    /// getter throws `CursorIndexOutOfBoundsException`. An empty result, such as an
    /// unknown id, crashes the app.
    ///
    /// ## Example
    /// ```java
    /// Cursor cursor = db.query("users", columns, "id = ?", args, null, null, null);
    /// cursor.moveToFirst();
    /// String name = cursor.getString(0);
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// Cursor cursor = db.query("users", columns, "id = ?", args, null, null, null);
    /// if (!cursor.moveToFirst()) {
    ///     return null;
    /// }
    /// String name = cursor.getString(0);
    /// ```
    pub CursorMoveIgnored {
        id: "java-cursor-move-ignored",
        title: "`Cursor.moveToFirst()` result ignored before reading a row",
        language: Java,
        category: Correctness,
        severity: Warning,
        cwe: [252],
        precision: High,
        kinds: ["method_invocation"],
        fix: "Test the result of the move before reading the row",
    }
}

/// The moves whose result says whether the cursor is on a row.
const MOVES: &[&str] = &[
    "moveToFirst",
    "moveToNext",
    "moveToLast",
    "moveToPrevious",
    "moveToPosition",
    "move",
];

/// Column getters, which need the cursor on a row.
const READS: &[&str] = &[
    "getString", "getInt", "getLong", "getShort", "getFloat", "getDouble", "getBlob",
    "getType", "isNull",
];

/// Calls that create a cursor.
const QUERIES: &[&str] = &["query", "rawQuery", "queryWithFactory", "rawQueryWithFactory"];

impl Rule for CursorMoveIgnored {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        let Some(call) = Call::of(node, cx) else {
            return;
        };
        if !MOVES.contains(&call.name) || !calls::result_ignored(cx) {
            return;
        }
        let Some(object) = call.object.filter(|o| o.kind() == "identifier") else {
            return;
        };
        let Some(scope) = semantic::scope_of(cx.ancestors()) else {
            return;
        };
        let locals = cx.java().locals(scope);
        let Some(decl) = locals.resolve(object, cx.source()) else {
            return;
        };
        let is_cursor = Binding::Local(decl)
            .type_name(cx.source())
            .is_some_and(|t| t == "Cursor" || t.ends_with("Cursor"))
            || decl
                .value
                .and_then(|v| Call::of(ast::unparenthesize(v), cx))
                .is_some_and(|c| QUERIES.contains(&c.name));
        if !is_cursor {
            return;
        }
        if !calls::read_before_move(decl, node, &locals, cx, MOVES, |name| READS.contains(&name)) {
            return;
        }
        let name = cx.text(object);
        cx.report(
            node,
            format!(
                "the result of `{name}.{}()` is ignored: if there is no row, the reads from `{name}` that follow throw",
                call.name
            ),
        )
        .help(format!("Test the result of `{name}.{}(..)` and handle the empty result before reading the row", call.name));
    }
}
