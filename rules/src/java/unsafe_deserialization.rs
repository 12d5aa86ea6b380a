use tree_sitter::Node;

use crate::java::calls::{self, Call};
use crate::java::semantic::{self, Binding};
use crate::java::text::simple_name;
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for deserializers that let the input choose which classes to instantiate:
    /// - `readObject()` or `readUnshared()` on a `new ObjectInputStream(..)` when the
    ///   method sets no `ObjectInputFilter` and the file sets no process-wide filter;
    /// - `XMLDecoder.readObject()`;
    /// - Jackson's `enableDefaultTyping()`, `activateDefaultTyping` with
    ///   `LaissezFaireSubTypeValidator`, and `@JsonTypeInfo(use = Id.CLASS)` or
    ///   `Id.MINIMAL_CLASS`;
    /// - SnakeYAML `load`, `loadAll` and `loadAs` on a `new Yaml()` built without a
    ///   `SafeConstructor`;
    /// - XStream `fromXML` in a file that never restricts the allowed types
    ///   (`allowTypes`, `allowTypesByWildcard`, `addPermission`, ..).
    ///
    /// Subclasses of `ObjectInputStream` (which can override `resolveClass`) and
    /// `readObject` inside a class's own `readObject(ObjectInputStream)` hook are not
    /// reported.
    ///
    /// ## Why is this bad?
    /// These formats carry class names. Deserializing attacker-controlled bytes makes the
    /// JVM instantiate any class on the classpath and run its deserialization code;
    /// chains of ordinary library classes ("gadgets") turn that into remote code
    /// execution, as in the Apache Commons Collections and Jackson polymorphic-typing
    /// CVEs.
    ///
    /// ## Example
    /// ```java
    /// ObjectInputStream in = new ObjectInputStream(request.getInputStream());
    /// Order order = (Order) in.readObject();
    /// ```
    ///
    /// Use instead:
    /// ```java
    /// ObjectInputStream in = new ObjectInputStream(request.getInputStream());
    /// in.setObjectInputFilter(ObjectInputFilter.Config.createFilter("com.example.Order;!*"));
    /// Order order = (Order) in.readObject();
    /// ```
    ///
    /// Better still, exchange data as JSON bound to concrete classes.
    pub UnsafeDeserialization {
        id: "java-unsafe-deserialization",
        title: "Deserialization lets the input choose classes",
        language: Java,
        category: Security,
        severity: Error,
        cwe: [502],
        precision: High,
        kinds: ["method_invocation", "annotation"],
        fix: "Restrict the classes that may be deserialized (an `ObjectInputFilter`, `SafeConstructor`, an XStream allow-list), or use a data-only format",
    }
}

/// XStream calls that restrict which types may be deserialized.
const XSTREAM_ALLOW_LIST: &[&str] = &[
    "allowTypes",
    "allowTypesByWildcard",
    "allowTypesByRegExp",
    "allowTypeHierarchy",
    "addPermission",
    "setupDefaultSecurity",
];

impl Rule for UnsafeDeserialization {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        if node.kind() == "annotation" {
            check_json_type_info(node, cx);
            return;
        }
        let Some(call) = Call::of(node, cx) else {
            return;
        };
        let message = match call.name {
            "readObject" | "readUnshared" => read_object(&call, cx),
            "enableDefaultTyping" | "enableDefaultTypingAsProperty" => Some(format!(
                "`{}` lets the JSON name any class to instantiate",
                call.name
            )),
            "activateDefaultTyping" | "activateDefaultTypingAsProperty" => {
                call.arg(0).filter(|v| is_permissive_validator(*v, cx)).map(|_| {
                    "`activateDefaultTyping` with `LaissezFaireSubTypeValidator` lets the JSON name any class to instantiate".to_string()
                })
            }
            "load" | "loadAll" | "loadAs" => yaml_load(&call, cx),
            "fromXML" => xstream_from_xml(&call, cx),
            _ => None,
        };
        if let Some(message) = message {
            cx.report(node, message);
        }
    }
}

fn read_object<'t>(call: &Call<'t>, cx: &Checker<'t>) -> Option<String> {
    let object = call.object?;
    if !call.args.is_empty() {
        return None;
    }
    let scope = semantic::scope_of(cx.ancestors())?;
    let created = creation_behind(object, scope, cx)?;
    match calls::created_type(created, cx)? {
        "XMLDecoder" => Some(
            "`XMLDecoder.readObject()` runs whatever constructors and setters the XML names"
                .to_string(),
        ),
        "ObjectInputStream" if !calls::is_anonymous_class(created) => {
            let filtered = calls::calls_in(scope, cx)
                .iter()
                .any(|c| c.name == "setObjectInputFilter")
                || calls::calls_in(cx.root(), cx)
                    .iter()
                    .any(|c| c.name == "setSerialFilter");
            (!filtered).then(|| {
                format!(
                    "`{}()` on an `ObjectInputStream` without an `ObjectInputFilter` instantiates any serializable class the stream names",
                    call.name
                )
            })
        }
        _ => None,
    }
}

/// The `new T(..)` a receiver was created by: the receiver itself, or the initializer
/// of the local or field it names, when that name is not reassigned.
fn creation_behind<'t>(object: Node<'t>, scope: Node<'t>, cx: &Checker<'t>) -> Option<Node<'t>> {
    let object = ast::unparenthesize(object);
    if object.kind() == "object_creation_expression" {
        return Some(object);
    }
    if !matches!(object.kind(), "identifier" | "field_access") {
        return None;
    }
    let unit = cx.java();
    let locals = unit.locals(scope);
    let value = match unit.resolve(&locals, object)? {
        Binding::Local(decl) => {
            if locals.writes_of(decl, cx.source()).next().is_some() {
                return None;
            }
            decl.value?
        }
        Binding::Field(field) => {
            if !field.is_final && unit.is_assigned(cx.text(field.name)) {
                return None;
            }
            field.value?
        }
    };
    let value = ast::unparenthesize(value);
    (value.kind() == "object_creation_expression").then_some(value)
}

/// `LaissezFaireSubTypeValidator.instance` or `new LaissezFaireSubTypeValidator()`.
fn is_permissive_validator(value: Node<'_>, cx: &Checker<'_>) -> bool {
    cx.text(value).contains("LaissezFaireSubTypeValidator")
}

fn check_json_type_info(annotation: Node<'_>, cx: &Checker<'_>) {
    let Some(name) = annotation.child_by_field_name("name") else {
        return;
    };
    if simple_name(cx.text(name)) != "JsonTypeInfo" {
        return;
    }
    let Some(args) = annotation.child_by_field_name("arguments") else {
        return;
    };
    for pair in ast::named_children(args) {
        if pair.kind() != "element_value_pair" {
            continue;
        }
        let (Some(key), Some(value)) = (
            pair.child_by_field_name("key"),
            pair.child_by_field_name("value"),
        ) else {
            continue;
        };
        let id = simple_name(cx.text(value));
        if cx.text(key) == "use" && matches!(id, "CLASS" | "MINIMAL_CLASS") {
            cx.report(
                pair,
                format!("`@JsonTypeInfo(use = Id.{id})` lets the JSON name the class to instantiate"),
            )
            .help("Use `JsonTypeInfo.Id.NAME` with `@JsonSubTypes` listing the allowed subtypes");
        }
    }
}

/// SnakeYAML loads through a `new Yaml()` that keeps the default, type-instantiating
/// constructor.
fn yaml_load<'t>(call: &Call<'t>, cx: &Checker<'t>) -> Option<String> {
    let object = call.object?;
    if call.args.is_empty() {
        return None;
    }
    let scope = semantic::scope_of(cx.ancestors())?;
    let created = creation_behind(object, scope, cx)?;
    if calls::created_type(created, cx)? != "Yaml"
        || cx
            .java()
            .import("Yaml")
            .is_some_and(|q| !q.starts_with("org.yaml.snakeyaml"))
    {
        return None;
    }
    // `new Yaml()` or `new Yaml(new Constructor())`; any other argument (a
    // `SafeConstructor`, a configured `LoaderOptions`) is trusted.
    let args = created
        .child_by_field_name("arguments")
        .map(calls::arguments)
        .unwrap_or_default();
    let default_constructor = match args.as_slice() {
        [] => true,
        [only] => calls::created_type(*only, cx) == Some("Constructor"),
        _ => false,
    };
    default_constructor.then(|| {
        format!(
            "`Yaml.{}` with the default constructor instantiates any class a `!!` tag names",
            call.name
        )
    })
}

fn xstream_from_xml<'t>(call: &Call<'t>, cx: &Checker<'t>) -> Option<String> {
    let object = call.object?;
    if calls::receiver_type(object, cx)? != "XStream" {
        return None;
    }
    let restricted = calls::calls_in(cx.root(), cx)
        .iter()
        .any(|c| XSTREAM_ALLOW_LIST.contains(&c.name));
    (!restricted).then(|| {
        "`XStream.fromXML` without an allow-list of types instantiates any class the XML names"
            .to_string()
    })
}
