use tree_sitter::Node;

use crate::java::calls::{self, Call, Use};
use crate::java::semantic;
use crate::java::text::quote;
use crate::{Checker, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for AWS SDK clients built on every iteration of a loop, or on every call of
    /// a Lambda handler's `handleRequest`: `AmazonS3ClientBuilder.standard()..build()`,
    /// `AmazonS3ClientBuilder.defaultClient()` (SDK v1), `S3Client.create()` and
    /// `S3Client.builder()..build()` (SDK v2).
    ///
    /// Only types imported from `com.amazonaws` or `software.amazon.awssdk` (or
    /// used in a file with a wildcard import from them) are considered. A client stored
    /// in a field (lazy initialisation), returned, or added to a collection (one client
    /// per region) is not reported.
    ///
    /// ## Why is this bad?
    /// Building a client resolves credentials and region, and creates an HTTP connection
    /// pool and its threads. Doing it per iteration or per invocation adds latency to
    /// every call, throws away warm TLS connections, and can exhaust file descriptors or
    /// hit credential-provider throttling. In Lambda, a client built outside the handler
    /// is reused across warm invocations for free.
    ///
    /// ## Example
    /// ```java
    /// public class Handler implements RequestHandler<S3Event, Void> {
    ///     public Void handleRequest(S3Event event, Context context) {
    ///         S3Client s3 = S3Client.create();
    ///         ..
    ///     }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// public class Handler implements RequestHandler<S3Event, Void> {
    ///     private static final S3Client S3 = S3Client.create();
    ///
    ///     public Void handleRequest(S3Event event, Context context) {
    ///         ..
    ///     }
    /// }
    /// ```
    pub AwsClientInLoopOrHandler {
        id: "java-aws-client-in-loop-or-handler",
        title: "AWS SDK client built in a loop or a Lambda handler",
        language: Java,
        category: AwsBestPractice,
        severity: Warning,
        cwe: [400],
        precision: Medium,
        kinds: ["method_invocation"],
        fix: "Build the client once, in a field or the constructor, and reuse it",
    }
}

/// Methods that store a value in a collection or a holder.
const STORES: &[&str] = &["put", "putIfAbsent", "add", "offer", "set", "register"];

impl Rule for AwsClientInLoopOrHandler {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        let Some(root) = Call::of(node, cx) else {
            return;
        };
        let receiver = root.receiver_name(cx);
        let needs_build = match root.name {
            "standard" if receiver.ends_with("ClientBuilder") => true,
            "defaultClient" if receiver.ends_with("ClientBuilder") => false,
            "builder" if receiver.ends_with("Client") => true,
            "create" if receiver.ends_with("Client") => false,
            _ => return,
        };
        if !root.args.is_empty() || !calls::is_aws_type(receiver, cx) {
            return;
        }
        let Some(scope) = semantic::scope_of(cx.ancestors()) else {
            return;
        };
        let locals = cx.java().locals(scope);
        let built = if needs_build {
            calls::built_by(node, &locals, cx)
        } else {
            Some(node)
        };
        let Some(client) = built else {
            return;
        };
        if is_kept(client, &locals, cx) {
            return;
        }
        let place = if calls::enclosing_loop(node, cx).is_some() {
            "on every iteration of the loop"
        } else if in_lambda_handler(cx) {
            "on every invocation of the Lambda handler"
        } else {
            return;
        };
        cx.report(
            client,
            format!("`{}` builds a new AWS client {place}", quote(cx.text(client))),
        )
        .help("Build the client once, in a field or the constructor, and reuse it");
    }
}

/// Whether the client outlives this iteration or invocation: stored in a field,
/// returned, or stored in a collection, directly or through a local.
fn is_kept<'t>(client: Node<'t>, locals: &semantic::Locals<'t>, cx: &Checker<'t>) -> bool {
    if let Some(decl) = calls::stored_in(client, locals, cx) {
        return calls::uses(decl, locals, cx)
            .iter()
            .zip(locals.uses_of(decl, cx.source()))
            .any(|(role, used)| matches!(role, Use::Escapes) && escape_keeps(used, locals, cx));
    }
    escape_keeps(client, locals, cx)
}

/// Whether `value` is returned, assigned to something other than a local, or handed to
/// a method that stores it.
fn escape_keeps<'t>(value: Node<'t>, locals: &semantic::Locals<'t>, cx: &Checker<'t>) -> bool {
    let mut expr = value;
    while let Some(p) = locals.parent(expr)
        && matches!(p.kind(), "parenthesized_expression" | "cast_expression")
    {
        expr = p;
    }
    let Some(parent) = locals.parent(expr) else {
        return false;
    };
    match parent.kind() {
        "return_statement" | "lambda_expression" | "yield_statement" => true,
        "assignment_expression" => parent
            .child_by_field_name("left")
            .is_some_and(|l| l.kind() != "identifier" || locals.resolve(l, cx.source()).is_none()),
        "variable_declarator" => locals.ancestors(parent).any(|a| a.kind() == "field_declaration"),
        "argument_list" => locals
            .parent(parent)
            .and_then(|c| Call::of(c, cx))
            .is_some_and(|c| STORES.contains(&c.name) || c.name.starts_with("compute")),
        _ => false,
    }
}

/// Whether the node being checked runs in `handleRequest` of a class implementing
/// `RequestHandler` or `RequestStreamHandler`, lambdas included.
fn in_lambda_handler(cx: &Checker<'_>) -> bool {
    let mut ancestors = cx.ancestors();
    for ancestor in ancestors.by_ref() {
        match ancestor.kind() {
            "method_declaration" => {
                let is_handle = ancestor
                    .child_by_field_name("name")
                    .is_some_and(|n| cx.text(n) == "handleRequest");
                if !is_handle {
                    return false;
                }
                break;
            }
            "class_body" | "constructor_declaration" | "static_initializer" => return false,
            _ => {}
        }
    }
    let Some(class) = ancestors.find(|a| a.kind() != "class_body") else {
        return false;
    };
    class.kind() == "class_declaration"
        && class.child_by_field_name("interfaces").is_some_and(|i| {
            let text = cx.text(i);
            text.contains("RequestHandler") || text.contains("RequestStreamHandler")
        })
}
