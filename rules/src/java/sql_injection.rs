use tree_sitter::Node;

use crate::java::flows;
use crate::java::semantic;
use crate::java::text::{quote, simple_name};
use crate::taint::SinkKind;
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for SQL (and JPQL/HQL) queries built by concatenation, `+=`,
    /// `String.format`, `formatted` or a `StringBuilder` with a part that is not a
    /// constant, and then run by JDBC (`Statement.execute*`, `addBatch`,
    /// `Connection.prepareStatement`, `prepareCall`, `nativeSQL`), Spring
    /// (`JdbcTemplate.query*`, `update`, `execute`, `batchUpdate`) or JPA/Hibernate
    /// (`createQuery`, `createNativeQuery`, `createSQLQuery`). The query may be built
    /// in the call or in a local variable.
    ///
    /// Constant queries and `?`-parameterized queries are fine; so are numbers and
    /// booleans concatenated in. A query received as a parameter and passed on
    /// unchanged is not reported here: whether it is safe depends on the caller. Servlet
    /// request data and Spring request parameters are followed through the method and
    /// same-file helpers, and the finding shows their path to the query.
    ///
    /// ## Why is this bad?
    /// When input is pasted into SQL text, the database cannot tell data from code. A
    /// name such as `x' OR '1'='1` changes the query's meaning: an attacker reads other
    /// users' rows, bypasses a login, or modifies and deletes data. Escaping by hand is
    /// easy to get wrong; bind parameters are not.
    ///
    /// ## Example
    /// ```java
    /// String sql = "SELECT * FROM users WHERE name = '" + name + "'";
    /// ResultSet rs = connection.createStatement().executeQuery(sql);
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// PreparedStatement ps = connection.prepareStatement("SELECT * FROM users WHERE name = ?");
    /// ps.setString(1, name);
    /// ResultSet rs = ps.executeQuery();
    /// ```
    ///
    /// Table and column names cannot be bound: choose them from a fixed allow-list.
    pub SqlInjection {
        id: "java-sql-injection",
        title: "SQL query built from non-constant data",
        language: Java,
        category: Security,
        severity: Error,
        cwe: [89],
        precision: Medium,
        kinds: ["method_invocation"],
        fix: "Use a parameterized query (`?` placeholders with `PreparedStatement.set*`, or bind arguments)",
    }
}

/// Methods that run or prepare the SQL given as their first argument: first the names
/// specific to database APIs, whatever the receiver, then the generic ones that count
/// only on a known SQL receiver. The taint analysis treats all of them as SQL sinks.
pub(crate) const SQL_SINK_NAMES: &[&str] = &[
    "executeQuery",
    "executeUpdate",
    "executeLargeUpdate",
    "addBatch",
    "prepareStatement",
    "prepareCall",
    "nativeSQL",
    "createNativeQuery",
    "createSQLQuery",
    "createQuery",
    "queryForObject",
    "queryForList",
    "queryForMap",
    "queryForRowSet",
    "queryForStream",
    "queryForLong",
    "queryForInt",
    "batchUpdate",
    "rawQuery",
    "execSQL",
    "execute",
    "query",
    "update",
    "executeLargeBatch",
];

/// How many of [`SQL_SINK_NAMES`] are specific to database APIs.
const SPECIFIC: usize = 20;

pub(crate) const SQL_METHODS: &[&str] = SQL_SINK_NAMES.split_at(SPECIFIC).0;

/// Names too common to trust without knowing the receiver.
pub(crate) const GENERIC_METHODS: &[&str] = SQL_SINK_NAMES.split_at(SPECIFIC).1;

/// Receiver types whose `execute`/`query`/`update` run SQL.
pub(crate) const SQL_RECEIVERS: &[&str] = &[
    "Statement",
    "PreparedStatement",
    "CallableStatement",
    "JdbcTemplate",
    "NamedParameterJdbcTemplate",
    "JdbcOperations",
    "NamedParameterJdbcOperations",
    "SimpleJdbcTemplate",
];

/// Words in a receiver's name that say it runs SQL, when its type is not known.
pub(crate) const SQL_RECEIVER_WORDS: &[&str] = &[
    "jdbc", "template", "stmt", "statement", "sql", "db", "database", "dao",
];

impl Rule for SqlInjection {
    fn check<'t>(&self, call: Node<'t>, cx: &Checker<'t>) {
        // Request data reaching the query is reported with its path; a query only
        // constants reach is not reported. The non-constant check below covers what the
        // taint analysis leaves open: parameters and values it cannot see into.
        if flows::check(call, cx, SinkKind::Sql) != flows::Outcome::Unknown {
            return;
        }
        let Some(name) = call.child_by_field_name("name") else {
            return;
        };
        let method = cx.text(name);
        let specific = SQL_METHODS.contains(&method);
        if !specific && !GENERIC_METHODS.contains(&method) {
            return;
        }
        let Some(query) = call
            .child_by_field_name("arguments")
            .and_then(|a| a.named_child(0))
        else {
            return;
        };
        let Some(scope) = semantic::scope_of(cx.ancestors()) else {
            return;
        };
        let unit = cx.java();
        let locals = unit.locals(scope);
        let object = call.child_by_field_name("object").map(ast::unparenthesize);
        if !specific && !object.is_some_and(|o| runs_sql(o, &locals, cx)) {
            return;
        }
        let Some(dynamic) = unit.dynamic_part(&locals, query) else {
            return;
        };
        if !dynamic.built {
            return;
        }
        let from = quote(cx.text(dynamic.source));
        let query_text = ast::unparenthesize(query);
        let subject = if query_text.kind() == "identifier" {
            let line = dynamic.source.start_position().row + 1;
            format!("`{}` (built from `{from}` on line {line})", cx.text(query_text))
        } else {
            format!("SQL built from `{from}`")
        };
        let help = match method {
            "createQuery" | "createNativeQuery" | "createSQLQuery" => format!(
                "Use a named parameter: `\"... = :value\"` with `.setParameter(\"value\", {from})`"
            ),
            m if m.starts_with("query") || m == "batchUpdate" || m == "update" && !is_statement(object, &locals, cx) => format!(
                "Use `?` in the SQL and pass `{from}` as a bind argument: `{method}(\"... = ?\", .., {from})`"
            ),
            _ => format!(
                "Use `prepareStatement(\"... = ?\")` and bind `{from}` with `setString`/`setObject`; choose table or column names from an allow-list"
            ),
        };
        cx.report(
            query,
            format!("{subject} is passed to `{method}`: input can change the query"),
        )
        .help(help);
    }
}

/// Whether the receiver of `execute`/`query`/`update` is a JDBC statement or a Spring
/// template: by declared type, or failing that by name.
fn runs_sql<'t>(object: Node<'t>, locals: &semantic::Locals<'t>, cx: &Checker<'t>) -> bool {
    let unit = cx.java();
    match object.kind() {
        "identifier" | "field_access" => {
            if let Some(ty) = unit.type_of(locals, object) {
                return SQL_RECEIVERS.contains(&ty);
            }
            let name = object
                .child_by_field_name("field")
                .map_or(cx.text(object), |f| cx.text(f));
            ast::identifier_words(name)
                .iter()
                .any(|w| SQL_RECEIVER_WORDS.contains(&w.as_str()))
        }
        // `connection.createStatement().execute(..)`, `getJdbcTemplate().query(..)`.
        "method_invocation" => object.child_by_field_name("name").is_some_and(|n| {
            let name = cx.text(n);
            name == "createStatement"
                || ast::identifier_words(name)
                    .iter()
                    .any(|w| w == "jdbc" || w == "template")
        }),
        _ => false,
    }
}

fn is_statement<'t>(object: Option<Node<'t>>, locals: &semantic::Locals<'t>, cx: &Checker<'t>) -> bool {
    object.is_some_and(|o| {
        cx.java()
            .type_of(locals, o)
            .is_some_and(|t| t.ends_with("Statement"))
            || simple_name(cx.text(o)).to_ascii_lowercase().contains("stmt")
    })
}
