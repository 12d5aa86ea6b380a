//! `py-sql-injection`: request data reaching the sink is found by the taint analysis; values
//! it leaves open (parameters of functions not called in the file, opaque values) by the
//! older non-constant check.

use std::sync::LazyLock;

use regex::Regex;
use tree_sitter::Node;

use crate::python::{call, flows, quote};
use crate::taint::SinkKind;
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for SQL built from non-constant values with an f-string, `%`,
    /// `str.format`, `str.join` or `+`, and then run: directly or through a local
    /// variable, by DB-API cursors and connections (`execute`, `executemany`,
    /// `executescript`), SQLAlchemy (`text()`, `session.execute`, `engine.execute`),
    /// Django (`Model.objects.raw`, `QuerySet.extra`, `RawSQL`) or pandas (`read_sql`,
    /// `read_sql_query`).
    ///
    /// Queries with placeholders whose values are passed separately are fine, and so are
    /// queries assembled only from constants, numbers (`int(limit)`), placeholder lists
    /// (`", ".join("?" * len(ids))`) and quoted identifiers (`connection.ops.quote_name`,
    /// psycopg's `sql.Identifier`). A query built only from values the program computes
    /// itself (fields, results of other calls) is not reported, nor is a query passed in
    /// unchanged from a caller, unless it is request data: values from Flask or Django requests are
    /// followed through the function and same-file helpers, and the finding shows their
    /// path.
    ///
    /// ## Why is this bad?
    /// When a value is pasted into the SQL text, the database cannot tell data from
    /// code: a name such as `' OR '1'='1` changes the query's logic, and `'; DROP TABLE
    /// users; --` adds a statement. Attackers use this to read other users' data, bypass
    /// logins or destroy tables. Query parameters are sent apart from the SQL, so no value
    /// can change the statement.
    ///
    /// ## Example
    /// ```python
    /// def find_user(cursor, email):
    ///     cursor.execute(f"SELECT id, name FROM users WHERE email = '{email}'")
    ///     return cursor.fetchone()
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// def find_user(cursor, email):
    ///     cursor.execute("SELECT id, name FROM users WHERE email = %s", (email,))
    ///     return cursor.fetchone()
    /// ```
    ///
    /// Table and column names cannot be parameters: pick them from a fixed allowlist.
    pub SqlInjection {
        id: "py-sql-injection",
        title: "SQL built from non-constant values",
        language: Python,
        category: Security,
        severity: Error,
        cwe: [89],
        precision: Low,
        kinds: ["call"],
        fix: "Pass values as query parameters instead of formatting them into the SQL",
    }
}

const CALLEE_NAMES: &[&str] = &[
    "execute",
    "executemany",
    "executescript",
    "text",
    "raw",
    "extra",
    "RawSQL",
    "read_sql",
    "read_sql_query",
];

/// Words that make a string fragment SQL, for sinks whose name alone (`execute`,
/// `raw`) does not say so.
static SQL_WORDS: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(select|insert\s+into|update|delete\s+from|create|drop|alter|truncate|replace\s+into|merge\s+into|grant|revoke|pragma|where|from|values|order\s+by|group\s+by|join|limit|set)\b",
    )
    .ok()
});

/// Calls that make a value safe to paste into SQL: identifier quoting (Django's
/// `connection.ops.quote_name`, psycopg's `quote_ident` and `sql.Identifier`) and
/// psycopg's literal composition.
const SANITIZERS: &[&str] = &[
    ".quote_name",
    ".quote_name_unless_alias",
    ".quote_ident",
    "psycopg2.extensions.quote_ident",
    "psycopg2.sql.Identifier",
    "psycopg2.sql.Literal",
    "psycopg.sql.Identifier",
    "psycopg.sql.Literal",
];

/// How a sink takes its SQL.
struct Sink {
    /// Positional index and keyword of the SQL argument.
    index: usize,
    keyword: &'static str,
    /// Whether the SQL must look like SQL before it is reported.
    needs_sql_words: bool,
    help: &'static str,
}

impl Rule for SqlInjection {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        // Request data reaching the sink is reported with its path; a sink only constants
        // reach is not reported. The non-constant check below covers what the taint
        // analysis leaves to the caller: parameters of functions not called in this file.
        if flows::check(node, cx, SinkKind::Sql) != flows::Outcome::Unknown {
            return;
        }
        let Some(callee) = call::callee_name(node, cx.source()) else {
            return;
        };
        if !CALLEE_NAMES.contains(&callee) || flows::only_internal_values_reach(node, cx, SinkKind::Sql) {
            return;
        }
        if callee == "extra" {
            check_extra(node, cx);
            return;
        }
        let Some(sink) = sink(node, callee, cx) else {
            return;
        };
        let Some(sql) = call::argument(node, sink.index, sink.keyword, cx.source()) else {
            return;
        };
        report_if_built(node, sql, &sink, cx);
    }
}

fn sink(node: Node<'_>, callee: &str, cx: &Checker<'_>) -> Option<Sink> {
    let method = call::receiver(node).is_some();
    Some(match callee {
        "execute" | "executemany" | "executescript" if method => Sink {
            index: 0,
            keyword: "operation",
            needs_sql_words: true,
            help: "Pass values as query parameters: `cursor.execute(\"... WHERE id = %s\", (user_id,))`",
        },
        "raw" if method => Sink {
            index: 0,
            keyword: "raw_query",
            needs_sql_words: true,
            help: "Pass values as `params`: `Model.objects.raw(\"... WHERE id = %s\", [value])`",
        },
        _ => {
            let name = cx.python().resolve_call(node)?;
            match name.as_str() {
                "sqlalchemy.text"
                | "sqlalchemy.sql.text"
                | "sqlalchemy.sql.expression.text"
                | "sqlmodel.text" => Sink {
                    index: 0,
                    keyword: "text",
                    needs_sql_words: false,
                    help: "Use bind parameters: `text(\"... WHERE id = :id\")`, then pass `{\"id\": value}` to `execute`",
                },
                "django.db.models.RawSQL" | "django.db.models.expressions.RawSQL" => Sink {
                    index: 0,
                    keyword: "sql",
                    needs_sql_words: false,
                    help: "Pass values as the params argument: `RawSQL(\"... = %s\", (value,))`",
                },
                "pandas.read_sql"
                | "pandas.read_sql_query"
                | "pandas.io.sql.read_sql"
                | "pandas.io.sql.read_sql_query" => Sink {
                    index: 0,
                    keyword: "sql",
                    needs_sql_words: false,
                    help: "Pass values with `params=`: `pd.read_sql(\"... WHERE id = %(id)s\", con, params={\"id\": value})`",
                },
                _ => return None,
            }
        }
    })
}

/// `QuerySet.extra(where=[...], select={...}, order_by=[...], tables=[...])`: every
/// string in those is pasted into the SQL.
fn check_extra<'t>(node: Node<'t>, cx: &Checker<'t>) {
    if call::receiver(node).is_none() {
        return;
    }
    let sink = Sink {
        index: usize::MAX,
        keyword: "",
        needs_sql_words: false,
        help: "Pass values through `params=`/`select_params=`, or use `filter()` and `annotate()` instead of `extra()`",
    };
    for keyword in ["where", "select", "order_by", "tables"] {
        let Some(value) = call::keyword(node, keyword, cx.source()) else {
            continue;
        };
        let value = ast::unparenthesize(value);
        let parts = match value.kind() {
            "list" | "tuple" => ast::named_children(value),
            "dictionary" => ast::named_children(value)
                .into_iter()
                .filter_map(|pair| pair.child_by_field_name("value"))
                .collect(),
            _ => vec![value],
        };
        for part in parts {
            if part.kind() != "comment" {
                report_if_built(node, part, &sink, cx);
            }
        }
    }
}

fn report_if_built<'t>(node: Node<'t>, sql: Node<'t>, sink: &Sink, cx: &Checker<'t>) {
    let Some(build) = cx.python().dynamic_string_build(sql, SANITIZERS) else {
        return;
    };
    if sink.needs_sql_words && !looks_like_sql(build.node, cx) {
        return;
    }
    let target = node
        .child_by_field_name("function")
        .map_or("the query", |f| cx.text(f));
    let built_elsewhere = !ast::contains(sql, build.node);
    let message = if built_elsewhere {
        format!(
            "SQL built with {} from non-constant values (line {}) reaches `{}`",
            build.how.describe(),
            build.node.start_position().row + 1,
            quote::short(target),
        )
    } else {
        format!(
            "SQL built with {} from non-constant values reaches `{}`",
            build.how.describe(),
            quote::short(target),
        )
    };
    cx.report(sql, message).help(sink.help);
}

/// Whether the constant text around a built string reads as SQL.
fn looks_like_sql(built: Node<'_>, cx: &Checker<'_>) -> bool {
    let Some(words) = SQL_WORDS.as_ref() else {
        return false;
    };
    let mut nodes = ast::descendants(built);
    while let Some(part) = nodes.next() {
        let text = match part.kind() {
            "string_content" => Some(cx.text(part).to_string()),
            "identifier" => cx.python().constant_str(part),
            "interpolation" => {
                nodes.skip_children();
                None
            }
            _ => None,
        };
        if text.is_some_and(|t| words.is_match(&t)) {
            return true;
        }
    }
    false
}
