use tree_sitter::Node;

use crate::java::calls::Call;
use crate::java::text::simple_name;
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for `System.exit(..)`, `Runtime.getRuntime().exit(..)` and
    /// `Runtime.getRuntime().halt(..)` in server code: a class that extends
    /// `HttpServlet`, implements `Filter`, or is a Spring `@Controller`,
    /// `@RestController`, `@Service` or `@Component`, or a JAX-RS `@Path` resource.
    ///
    /// ## Why is this bad?
    /// The call stops the whole JVM, and with it every other request the server is
    /// handling, the other applications in the same container, and the shutdown hooks
    /// that flush data. One bad request, or one an attacker sends on purpose, takes the
    /// service down. An error in a request should fail that request.
    ///
    /// ## Example
    /// ```java
    /// @RestController
    /// class AdminController {
    ///     @PostMapping("/reload")
    ///     void reload() {
    ///         if (!config.reload()) {
    ///             System.exit(1);
    ///         }
    ///     }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// if (!config.reload()) {
    ///     throw new ResponseStatusException(HttpStatus.INTERNAL_SERVER_ERROR, "reload failed");
    /// }
    /// ```
    pub SystemExitInServer {
        id: "java-system-exit-in-server",
        title: "`System.exit` in server code",
        language: Java,
        category: Security,
        severity: Warning,
        cwe: [382],
        precision: High,
        kinds: ["method_invocation"],
        fix: "Throw an exception or return an error response; let the container manage the JVM",
    }
}

/// Supertypes of servlet-container components.
const SERVER_TYPES: &[&str] = &["HttpServlet", "GenericServlet", "Filter", "Servlet", "HttpFilter"];

/// Annotations of request-handling and managed components.
const SERVER_ANNOTATIONS: &[&str] = &[
    "Controller",
    "RestController",
    "Service",
    "Component",
    "Path",
    "WebServlet",
    "WebFilter",
];

impl Rule for SystemExitInServer {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        let Some(call) = Call::of(node, cx) else {
            return;
        };
        let stops = match call.name {
            "exit" => {
                call.receiver_name(cx) == "System"
                    || call.object.is_some_and(|o| is_runtime(o, cx))
            }
            "halt" => call.object.is_some_and(|o| is_runtime(o, cx)),
            _ => false,
        };
        if !stops || call.args.len() != 1 {
            return;
        }
        let Some(class) = cx.ancestors().find(|a| a.kind() == "class_declaration") else {
            return;
        };
        let Some(kind) = server_kind(class, cx) else {
            return;
        };
        cx.report(
            node,
            format!(
                "`{}` in a {kind} stops the whole JVM, and with it the server and every request it is handling",
                cx.text(node)
            ),
        );
    }
}

/// `Runtime.getRuntime()`.
fn is_runtime<'t>(object: Node<'t>, cx: &Checker<'t>) -> bool {
    Call::of(object, cx).is_some_and(|c| c.name == "getRuntime" && c.receiver_name(cx) == "Runtime")
}

/// What makes `class` server code, for the message.
fn server_kind(class: Node<'_>, cx: &Checker<'_>) -> Option<String> {
    let annotation = ast::named_children(class)
        .into_iter()
        .filter(|c| c.kind() == "modifiers")
        .flat_map(ast::named_children)
        .filter(|m| matches!(m.kind(), "annotation" | "marker_annotation"))
        .filter_map(|m| m.child_by_field_name("name"))
        .map(|n| simple_name(cx.text(n)))
        .find(|n| SERVER_ANNOTATIONS.contains(n));
    if let Some(annotation) = annotation {
        return Some(format!("`@{annotation}` class"));
    }
    let supertypes = ["superclass", "interfaces"]
        .iter()
        .filter_map(|f| class.child_by_field_name(f))
        .flat_map(ast::descendants)
        .filter(|n| n.kind() == "type_identifier")
        .map(|n| cx.text(n))
        .find(|t| SERVER_TYPES.contains(t));
    supertypes.map(|t| format!("`{t}`"))
}
