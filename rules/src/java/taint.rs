//! The Java front end of the taint analysis: which expressions are sources (servlet
//! request data, Spring handler parameters, the environment, the console), which calls
//! are sinks and sanitizers, and how each statement moves values, interpreted over the
//! tree-sitter tree of one method or constructor at a time. Lambdas are interpreted where
//! they appear, with the variables they capture.
//!
//! A method is analysed only when a rule asks about a sink call inside it, and at most
//! once per file: the result holds every flow found in it, what reaches each sink, and the
//! method's [`Summary`] for callers in the same file. A file with no source at all is
//! never analysed.
//!
//! Invariant: the interpreter recurses over statements and expressions, but never deeper
//! than [`MAX_DEPTH`]; past it a value is opaque, which only the older non-constant rules
//! act on.

use std::cell::{OnceCell, RefCell};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::rc::Rc;

use tree_sitter::Node;

use crate::Span;
use crate::ast;
use crate::java::command_injection::SHELLS;
use crate::java::semantic::{Unit, simple_type_name, string_value};
use crate::java::sql_injection::{GENERIC_METHODS, SQL_METHODS, SQL_RECEIVER_WORDS, SQL_RECEIVERS};
use crate::java::text::{quote, simple_name};
use crate::taint::{
    Confidence, Const, Flow, KindSet, Label, Shape, SinkHit, SinkKind, State, Step, Summary, Tag,
    Trace, Value, const_key, element_of, fold, load, prefix_fixes_host, remove, store,
};

const MAX_DEPTH: usize = 32;

/// How many same-file calls deep summaries are computed, each on the stack of the last.
const MAX_NESTED_CALLS: usize = 8;

/// How many nested loops run their body twice; deeper loops run it once, so the work
/// stays linear in the nesting.
const MAX_LOOPS_TWICE: usize = 3;

/// Tags the Java front end puts on values.
const REQUEST: Tag = 1;
const RESPONSE: Tag = 2;
const SESSION: Tag = 3;
const WRITER: Tag = 4;
const NORMALIZED_PATH: Tag = 5;
const WRAPPED_REQUEST: Tag = 6;

/// A range of a node, used to key what is recorded at a node.
type Key = (usize, usize);

fn key(node: Node<'_>) -> Key {
    (node.start_byte(), node.end_byte())
}

/// What the analysis of one method found.
#[derive(Debug, Default)]
pub struct FnResult {
    /// Sources reaching sinks, keyed by the node whose rule reports them: the sink call,
    /// or the call into a same-file method with the sink inside.
    pub flows: Vec<(Key, Flow)>,
    /// What reaches each sink, by sink node and kind.
    pub reach: Vec<(Key, SinkKind, Value)>,
    pub summary: Summary,
}

/// Per-file taint facts, built on demand.
pub struct FileTaint<'t> {
    source: &'t str,
    root: Node<'t>,
    /// Whether the file reads request data, and whether it reads the command line,
    /// the environment or the console.
    request: bool,
    low: bool,
    results: RefCell<HashMap<usize, Rc<FnResult>>>,
    busy: RefCell<HashSet<usize>>,
    reported: RefCell<HashSet<(SinkKind, usize, usize)>>,
    methods: OnceCell<HashMap<&'t str, Vec<Node<'t>>>>,
    called: OnceCell<HashSet<&'t str>>,
    classes: OnceCell<HashSet<&'t str>>,
    /// Per sink kind, the methods of this file that reach a possible sink of it.
    reaching: RefCell<HashMap<SinkKind, HashSet<&'t str>>>,
}

/// Words request data is read with: the servlet request types and Spring's binding
/// annotations. A file without any has no high-confidence source.
const REQUEST_WORDS: &[&str] = &[
    "HttpServletRequest",
    "ServletRequest",
    "@RequestParam",
    "@PathVariable",
    "@RequestBody",
    "@RequestHeader",
    "@CookieValue",
    "@ModelAttribute",
    "@RequestMapping",
    "@GetMapping",
    "@PostMapping",
    "@PutMapping",
    "@DeleteMapping",
    "@PatchMapping",
];

/// Words the command line, the environment and the console are read with.
const LOW_WORDS: &[&str] = &[
    "System.getenv",
    "System.getProperty",
    "System.in",
    "String[] args",
    "String... args",
];

impl<'t> FileTaint<'t> {
    pub fn new(root: Node<'t>, source: &'t str) -> FileTaint<'t> {
        FileTaint {
            source,
            root,
            request: REQUEST_WORDS.iter().any(|w| source.contains(w)),
            low: LOW_WORDS.iter().any(|w| source.contains(w)),
            results: RefCell::new(HashMap::new()),
            busy: RefCell::new(HashSet::new()),
            reported: RefCell::new(HashSet::new()),
            methods: OnceCell::new(),
            called: OnceCell::new(),
            classes: OnceCell::new(),
            reaching: RefCell::new(HashMap::new()),
        }
    }

    /// Whether the file has anything a source could be.
    pub fn is_active(&self) -> bool {
        self.request || self.low
    }

    /// The method or constructor whose body holds the node with these ancestors.
    pub fn enclosing(&self, mut ancestors: impl Iterator<Item = Node<'t>>) -> Option<Node<'t>> {
        ancestors.find(|n| matches!(n.kind(), "method_declaration" | "constructor_declaration"))
    }

    /// Records that a flow to `sink` was reported; false when it already was, so a sink
    /// reached from two callers is one finding.
    pub fn mark_reported(&self, kind: SinkKind, sink: Span) -> bool {
        self.reported
            .borrow_mut()
            .insert((kind, sink.start_byte, sink.end_byte))
    }

    /// Whether a method of this name is called anywhere in the file.
    pub fn is_called(&self, name: &str) -> bool {
        self.called
            .get_or_init(|| {
                ast::descendants(self.root)
                    .filter(|n| n.kind() == "method_invocation")
                    .filter_map(|n| n.child_by_field_name("name"))
                    .filter_map(|n| self.source.get(n.byte_range()))
                    .collect()
            })
            .contains(name)
    }

    /// The methods with a body declared in this file, by name.
    fn methods(&self) -> &HashMap<&'t str, Vec<Node<'t>>> {
        self.methods.get_or_init(|| {
            let mut out: HashMap<&'t str, Vec<Node<'t>>> = HashMap::new();
            for n in ast::descendants(self.root) {
                if n.kind() == "method_declaration"
                    && n.child_by_field_name("body").is_some()
                    && let Some(name) = n.child_by_field_name("name")
                    && let Some(text) = self.source.get(name.byte_range())
                {
                    out.entry(text).or_default().push(n);
                }
            }
            out
        })
    }

    /// Whether a class, interface, enum or record of this name is declared in this file.
    fn declares_class(&self, name: &str) -> bool {
        self.classes
            .get_or_init(|| {
                ast::descendants(self.root)
                    .filter(|n| {
                        matches!(
                            n.kind(),
                            "class_declaration"
                                | "interface_declaration"
                                | "enum_declaration"
                                | "record_declaration"
                        )
                    })
                    .filter_map(|n| n.child_by_field_name("name"))
                    .filter_map(|n| self.source.get(n.byte_range()))
                    .collect()
            })
            .contains(name)
    }

    /// Whether `node` may be a sink of `kind` or a call into a method of this file, so
    /// that only methods with such a call are ever analysed.
    pub fn is_candidate(&self, node: Node<'t>, kind: SinkKind) -> bool {
        if !self.request && !kind.accepts_low_confidence() {
            return false;
        }
        let name = match node.kind() {
            "method_invocation" => node.child_by_field_name("name"),
            "object_creation_expression" => node.child_by_field_name("type"),
            "return_statement" => {
                return kind == SinkKind::Redirect
                    && self
                        .source
                        .get(node.byte_range())
                        .is_some_and(|t| t.contains("redirect"));
            }
            _ => None,
        };
        let Some(name) = name.and_then(|n| self.source.get(n.byte_range())) else {
            return false;
        };
        let name = simple_name(name.split('<').next().unwrap_or(name));
        sink_names(kind).contains(&name)
            || node.kind() == "method_invocation" && self.reaches_sink(name, kind)
    }

    /// Whether a method of this file called `name` has a possible sink of `kind` in its
    /// body or in the same-file methods it calls, however deep.
    fn reaches_sink(&self, name: &str, kind: SinkKind) -> bool {
        if let Some(known) = self.reaching.borrow().get(&kind) {
            return known.contains(name);
        }
        // Each method's callees, by name; then a fixpoint from the methods with a sink.
        let calls: Vec<(&'t str, Vec<&'t str>)> = self
            .methods()
            .iter()
            .flat_map(|(name, defs)| defs.iter().map(move |d| (*name, *d)))
            .map(|(name, def)| {
                let called = ast::descendants(def)
                    .filter_map(|n| match n.kind() {
                        "method_invocation" => n.child_by_field_name("name"),
                        "object_creation_expression" => n.child_by_field_name("type"),
                        _ => None,
                    })
                    .filter_map(|n| self.source.get(n.byte_range()))
                    .map(|t| simple_name(t.split('<').next().unwrap_or(t)))
                    .collect();
                (name, called)
            })
            .collect();
        let sinks = sink_names(kind);
        let mut reaching: HashSet<&'t str> = calls
            .iter()
            .filter(|(_, called)| called.iter().any(|c| sinks.contains(c)))
            .map(|(name, _)| *name)
            .collect();
        loop {
            let before = reaching.len();
            for (name, called) in &calls {
                if called.iter().any(|c| reaching.contains(c)) {
                    reaching.insert(name);
                }
            }
            if reaching.len() == before {
                break;
            }
        }
        let found = reaching.contains(name);
        self.reaching.borrow_mut().insert(kind, reaching);
        found
    }

    /// The analysis of `method`, computed on first request.
    pub fn analysis(&self, unit: &Unit<'t>, method: Node<'t>) -> Rc<FnResult> {
        if let Some(done) = self.results.borrow().get(&method.id()) {
            return done.clone();
        }
        // Recursion, or a chain of calls deeper than the analysis follows: the call is
        // judged as an unknown method of its arguments.
        let nested = self.busy.borrow().len();
        if nested >= MAX_NESTED_CALLS || !self.busy.borrow_mut().insert(method.id()) {
            return Rc::new(recursive_result(method, self.source));
        }
        let mut interp = Interp {
            ft: self,
            unit,
            src: self.source,
            types: HashMap::new(),
            ret: None,
            yields: Vec::new(),
            flows: Vec::new(),
            reach: Vec::new(),
            hits: Vec::new(),
            depth: 0,
            loops: 0,
            lambda_input: None,
            plain_response: false,
        };
        let mut state = State::default();
        let params = parameters(method, self.source);
        let handler = is_handler(method, self.source);
        let is_main = method
            .child_by_field_name("name")
            .is_some_and(|n| interp.text(n) == "main");
        for (i, p) in params.iter().enumerate() {
            let ty = p.ty.and_then(|t| simple_type_name(t, self.source));
            if let Some(ty) = ty {
                interp.types.insert(p.name.clone(), ty);
            }
            let value = if let Some(annotation) = p.annotation {
                // Spring converts to numbers, dates and UUIDs before the method runs.
                if ty.is_some_and(|t| crate::java::semantic::SAFE_TYPES.contains(&t)) {
                    Value::clean()
                } else {
                    interp.source(p.node, annotation, Confidence::High)
                }
            } else if handler && !p.annotated && ty == Some("String") {
                // Spring binds an unannotated `String` parameter to the request
                // parameter of the same name.
                interp.source(p.node, "request parameter", Confidence::High)
            } else if is_main && p.name == "args" {
                interp.source(p.node, "args", Confidence::Low)
            } else if let Some(tag) = tag_of_type(ty, &p.name) {
                Value::clean().with_tag(tag)
            } else {
                Value::from_label(Label::Param(i), Trace::default())
            };
            state.set(p.name.clone(), value);
        }
        if let Some(body) = method.child_by_field_name("body") {
            interp.block(body, &mut state);
        }
        let result = Rc::new(FnResult {
            flows: interp.flows,
            reach: interp.reach,
            summary: Summary {
                params: params.into_iter().map(|p| p.name).collect(),
                ret: interp.ret.unwrap_or_default(),
                sinks: interp.hits,
            },
        });
        self.busy.borrow_mut().remove(&method.id());
        self.results
            .borrow_mut()
            .insert(method.id(), result.clone());
        result
    }
}

fn recursive_result(method: Node<'_>, source: &str) -> FnResult {
    let params = parameters(method, source);
    let mut ret = Value::opaque();
    for i in 0..params.len() {
        ret = ret.join(&Value::from_label(Label::Param(i), Trace::default()));
    }
    FnResult {
        summary: Summary {
            params: params.into_iter().map(|p| p.name).collect(),
            ret,
            sinks: Vec::new(),
        },
        ..FnResult::default()
    }
}

/// One formal parameter.
struct Param<'t> {
    node: Node<'t>,
    name: String,
    ty: Option<Node<'t>>,
    /// The Spring annotation that binds it to request data, when it has one.
    annotation: Option<&'static str>,
    /// Whether it has any annotation at all.
    annotated: bool,
}

/// Spring annotations whose parameters are request data.
const SPRING_SOURCES: &[(&str, &str)] = &[
    ("RequestParam", "@RequestParam"),
    ("PathVariable", "@PathVariable"),
    ("RequestBody", "@RequestBody"),
    ("RequestHeader", "@RequestHeader"),
    ("CookieValue", "@CookieValue"),
    ("ModelAttribute", "@ModelAttribute"),
];

/// Whether a method is a Spring request handler: annotated `@GetMapping`,
/// `@RequestMapping` and the like.
fn is_handler(method: Node<'_>, source: &str) -> bool {
    ast::named_children(method)
        .into_iter()
        .filter(|c| c.kind() == "modifiers")
        .flat_map(ast::named_children)
        .filter_map(|a| a.child_by_field_name("name"))
        .filter_map(|n| source.get(n.byte_range()))
        .any(|n| simple_name(n).ends_with("Mapping"))
}

fn parameters<'t>(method: Node<'t>, source: &str) -> Vec<Param<'t>> {
    let Some(params) = method.child_by_field_name("parameters") else {
        return Vec::new();
    };
    let text = |n: Node<'_>| source.get(n.byte_range()).unwrap_or_default();
    ast::named_children(params)
        .into_iter()
        .filter_map(|p| {
            let (name, ty) = match p.kind() {
                "formal_parameter" => (
                    p.child_by_field_name("name")?,
                    p.child_by_field_name("type"),
                ),
                "spread_parameter" => {
                    let declarator = ast::named_children(p)
                        .into_iter()
                        .find(|c| c.kind() == "variable_declarator")?;
                    (declarator.child_by_field_name("name")?, None)
                }
                _ => return None,
            };
            let modifiers = ast::named_children(p)
                .into_iter()
                .find(|c| c.kind() == "modifiers");
            let annotated = modifiers.is_some_and(|m| {
                ast::named_children(m)
                    .iter()
                    .any(|a| a.kind().ends_with("annotation"))
            });
            let annotation = modifiers.and_then(|m| {
                ast::named_children(m).into_iter().find_map(|a| {
                    let n = text(a.child_by_field_name("name")?);
                    SPRING_SOURCES
                        .iter()
                        .find(|(s, _)| simple_name(n) == *s)
                        .map(|(_, what)| *what)
                })
            });
            Some(Param {
                node: p,
                name: text(name).to_string(),
                ty,
                annotation,
                annotated,
            })
        })
        .collect()
}

/// The tag a parameter or local of this declared type carries.
fn tag_of_type(ty: Option<&str>, name: &str) -> Option<Tag> {
    match ty {
        Some("HttpServletRequest" | "ServletRequest" | "HttpServletRequestWrapper") => {
            Some(REQUEST)
        }
        Some("HttpServletResponse" | "ServletResponse" | "HttpServletResponseWrapper") => {
            Some(RESPONSE)
        }
        Some("HttpSession") => Some(SESSION),
        None if matches!(name, "request" | "req") => Some(REQUEST),
        _ => None,
    }
}

/// Request methods whose results are attacker-controlled.
const REQUEST_METHODS: &[&str] = &[
    "getParameter",
    "getParameterValues",
    "getParameterMap",
    "getParameterNames",
    "getHeader",
    "getHeaders",
    "getHeaderNames",
    "getCookies",
    "getQueryString",
    "getInputStream",
    "getReader",
    "getRequestURI",
    "getRequestURL",
    "getPathInfo",
    "getPart",
    "getParts",
];

/// Methods whose result carries no text of their inputs: tests, sizes, positions.
const METHODS_CLEAN: &[&str] = &[
    "equals",
    "equalsIgnoreCase",
    "contains",
    "containsKey",
    "containsValue",
    "startsWith",
    "endsWith",
    "isEmpty",
    "isBlank",
    "length",
    "size",
    "indexOf",
    "lastIndexOf",
    "compareTo",
    "compareToIgnoreCase",
    "hashCode",
    "matches",
    "hasNext",
    "hasMoreElements",
    "hasMoreTokens",
    "exists",
    "isDirectory",
    "isFile",
    "getLength",
    "count",
    "parseInt",
    "parseLong",
    "parseDouble",
    "parseFloat",
    "parseShort",
    "parseByte",
    "parseBoolean",
    "fromString",
    "getClass",
    "intValue",
    "longValue",
    "booleanValue",
];

/// Wrapper types whose `valueOf` is numeric.
const NUMERIC_TYPES: &[&str] = &[
    "Integer",
    "Long",
    "Double",
    "Float",
    "Short",
    "Byte",
    "Boolean",
    "UUID",
    "BigDecimal",
    "BigInteger",
];

/// Encoders and the sink kinds their output is safe for.
fn sanitizer(method: &str) -> Option<KindSet> {
    use SinkKind::*;
    Some(match method {
        "escapeHtml"
        | "escapeHtml3"
        | "escapeHtml4"
        | "escapeXml"
        | "escapeXml10"
        | "escapeXml11"
        | "htmlEscape"
        | "encodeForHTML"
        | "encodeForHTMLAttribute"
        | "encodeForJavaScript"
        | "encodeForXML"
        | "encodeForXMLAttribute"
        | "forHtml"
        | "forHtmlContent"
        | "forHtmlAttribute"
        | "forJavaScript"
        | "forXml" => KindSet::of(&[Xss]),
        "encodeForSQL" => KindSet::of(&[Sql]),
        "encodeForLDAP" | "encodeForDN" => KindSet::of(&[Ldap]),
        "encodeForXPath" => KindSet::of(&[Xpath]),
        "encodeForOS" => KindSet::of(&[Command]),
        "encodeForURL" => KindSet::of(&[HeaderSplitting, Xss]),
        // JSON is served as `application/json`, which browsers do not render as HTML.
        "writeValueAsString" | "toJson" => KindSet::of(&[Xss]),
        _ => return None,
    })
}

/// The method or type names a sink of each kind is called by.
pub fn sink_names(kind: SinkKind) -> &'static [&'static str] {
    use SinkKind::*;
    match kind {
        Sql => crate::java::sql_injection::SQL_SINK_NAMES,
        Command => &["exec", "command", "ProcessBuilder"],
        Path => PATH_SINK_NAMES,
        Xss => WRITE_METHODS,
        Ldap => &["search"],
        Xpath => &["evaluate", "compile"],
        TrustBoundary => &["setAttribute", "putValue"],
        Redirect => &[
            "sendRedirect",
            "setHeader",
            "addHeader",
            "RedirectView",
            "ModelAndView",
        ],
        Ssrf => SSRF_SINK_NAMES,
        Log => LOG_METHODS,
        HeaderSplitting => &["setHeader", "addHeader", "addCookie"],
        Code => &["eval", "parseExpression", "evaluate"],
        Template => &[],
    }
}

/// Names a path sink can have, in three runs: the file classes a path is given to, the
/// `Paths`/`Path` methods that build one, and the `Files` methods that act on one.
const PATH_SINK_NAMES: &[&str] = &[
    "File",
    "FileInputStream",
    "FileOutputStream",
    "FileReader",
    "FileWriter",
    "RandomAccessFile",
    "ZipFile",
    "JarFile",
    "get",
    "of",
    "resolve",
    "resolveSibling",
    "readAllBytes",
    "readAllLines",
    "readString",
    "write",
    "writeString",
    "newInputStream",
    "newOutputStream",
    "newBufferedReader",
    "newBufferedWriter",
    "lines",
    "delete",
    "deleteIfExists",
    "copy",
    "move",
    "createFile",
    "createDirectory",
    "createDirectories",
    "list",
    "walk",
    "newByteChannel",
];

/// The file classes at the start of [`PATH_SINK_NAMES`].
const PATH_TYPES: &[&str] = PATH_SINK_NAMES.split_at(8).0;

/// The `Files` methods at the end of [`PATH_SINK_NAMES`], after the four path builders.
const FILES_METHODS: &[&str] = PATH_SINK_NAMES.split_at(12).1;

const WRITE_METHODS: &[&str] = &["print", "println", "write", "printf", "format", "append"];

const SSRF_SINK_NAMES: &[&str] = &[
    "openConnection",
    "openStream",
    "getContent",
    "newBuilder",
    "uri",
    "getForObject",
    "getForEntity",
    "postForObject",
    "postForEntity",
    "postForLocation",
    "exchange",
    "patchForObject",
    "headForHeaders",
    "optionsForAllow",
];

const LOG_METHODS: &[&str] = &[
    "info", "warn", "error", "debug", "trace", "fatal", "log", "severe", "warning", "fine",
    "finer", "finest", "config",
];

/// One argument at a call: its node and value.
struct Arg<'t> {
    node: Node<'t>,
    value: Value,
}

struct Interp<'a, 't> {
    ft: &'a FileTaint<'t>,
    unit: &'a Unit<'t>,
    src: &'t str,
    /// Declared simple types of parameters and locals, by name.
    types: HashMap<String, &'t str>,
    ret: Option<Value>,
    /// Values `yield`ed by the switch expression being interpreted.
    yields: Vec<Value>,
    flows: Vec<(Key, Flow)>,
    reach: Vec<(Key, SinkKind, Value)>,
    hits: Vec<SinkHit>,
    depth: usize,
    /// Loops around the statement being interpreted.
    loops: usize,
    /// What the parameters of a lambda passed to `forEach`/`map`/.. receive.
    lambda_input: Option<Value>,
    /// Whether the response was last given a content type that is not HTML
    /// (`application/json`, `text/plain`), which browsers do not render as a page.
    plain_response: bool,
}

impl<'t> Interp<'_, 't> {
    fn text(&self, node: Node<'_>) -> &'t str {
        self.src.get(node.byte_range()).unwrap_or_default()
    }

    fn step(&self, node: Node<'_>, note: String) -> Step {
        Step {
            span: Span::of(node, self.src),
            note,
        }
    }

    fn source(&self, node: Node<'t>, what: &str, confidence: Confidence) -> Value {
        let what = quote(what);
        let trace = Trace::default().then(self.step(node, format!("tainted by `{what}`")));
        Value::from_label(
            Label::Source {
                what: Rc::from(what.as_str()),
                confidence,
                at: node.start_byte(),
            },
            trace,
        )
    }

    fn block(&mut self, block: Node<'t>, st: &mut State) {
        for stmt in ast::named_children(block) {
            if st.dead {
                return;
            }
            self.stmt(stmt, st);
        }
    }

    fn stmt(&mut self, node: Node<'t>, st: &mut State) {
        if self.depth > MAX_DEPTH {
            return;
        }
        self.depth += 1;
        self.stmt_inner(node, st);
        self.depth -= 1;
    }

    fn stmt_inner(&mut self, node: Node<'t>, st: &mut State) {
        match node.kind() {
            "local_variable_declaration" => self.declaration(node, st),
            "expression_statement" => {
                for c in ast::named_children(node) {
                    let _ = self.eval(c, st);
                }
            }
            "block" | "constructor_body" => self.block(node, st),
            "labeled_statement" => {
                for c in ast::named_children(node) {
                    if c.kind() != "identifier" {
                        self.stmt(c, st);
                    }
                }
            }
            "synchronized_statement" => {
                if let Some(body) = node.child_by_field_name("body") {
                    self.block(body, st);
                }
            }
            "if_statement" => {
                let Some(cond) = node.child_by_field_name("condition") else {
                    return;
                };
                let yes = node.child_by_field_name("consequence");
                let no = node.child_by_field_name("alternative");
                self.branch(cond, yes, no, st);
            }
            "while_statement" => {
                let cond = node.child_by_field_name("condition");
                let taken = cond.and_then(|c| self.condition(c, st));
                if taken != Some(false) {
                    let body = node.child_by_field_name("body");
                    self.loop_body(body, None, None, st);
                }
            }
            "do_statement" => {
                if let Some(body) = node.child_by_field_name("body") {
                    self.stmt(body, st);
                }
                st.dead = false;
                let body = node.child_by_field_name("body");
                self.loop_body(body, None, None, st);
            }
            "for_statement" => {
                let mut cursor = node.walk();
                let inits: Vec<Node<'t>> =
                    node.children_by_field_name("init", &mut cursor).collect();
                for init in inits {
                    if init.kind() == "local_variable_declaration" {
                        self.declaration(init, st);
                    } else {
                        let _ = self.eval(init, st);
                    }
                }
                let cond = node.child_by_field_name("condition");
                let taken = cond.and_then(|c| self.condition(c, st));
                if taken != Some(false) {
                    let body = node.child_by_field_name("body");
                    let mut cursor = node.walk();
                    let updates: Vec<Node<'t>> =
                        node.children_by_field_name("update", &mut cursor).collect();
                    self.loop_body(body, Some(&updates), None, st);
                }
            }
            "enhanced_for_statement" => {
                let iterable = node
                    .child_by_field_name("value")
                    .map(|v| self.eval(v, st))
                    .unwrap_or_default();
                let element = element_of(&iterable);
                let name = node
                    .child_by_field_name("name")
                    .map(|n| self.text(n).to_string());
                if let (Some(name), Some(ty)) = (
                    &name,
                    node.child_by_field_name("type")
                        .and_then(|t| simple_type_name(t, self.src)),
                ) {
                    self.types.insert(name.clone(), ty);
                }
                let body = node.child_by_field_name("body");
                let bind = name.map(|n| (n, element));
                self.loop_body(body, None, bind.as_ref(), st);
            }
            "try_statement" | "try_with_resources_statement" => self.try_statement(node, st),
            "switch_expression" => {
                let _ = self.switch(node, st);
            }
            "return_statement" => {
                let expr = node.named_child(0);
                let value = expr.map(|e| self.eval(e, st)).unwrap_or_default();
                if let Some(expr) = expr
                    && value
                        .prefix
                        .as_deref()
                        .is_some_and(|p| p.starts_with("redirect:"))
                {
                    self.sink(node, expr, SinkKind::Redirect, "redirect:", &value);
                }
                self.ret = Some(match self.ret.take() {
                    Some(r) => r.join(&value),
                    None => value,
                });
                st.dead = true;
            }
            "throw_statement" => {
                for c in ast::named_children(node) {
                    let _ = self.eval(c, st);
                }
                st.dead = true;
            }
            "yield_statement" => {
                let v = node
                    .named_child(0)
                    .map(|e| self.eval(e, st))
                    .unwrap_or_default();
                self.yields.push(v);
                st.dead = true;
            }
            "break_statement"
            | "continue_statement"
            | "empty_statement"
            | "line_comment"
            | "block_comment"
            | "class_declaration"
            | "local_class_declaration"
            | "interface_declaration"
            | "enum_declaration"
            | "record_declaration" => {}
            _ => {
                for c in ast::named_children(node) {
                    let _ = self.eval(c, st);
                }
            }
        }
    }

    /// A loop body run twice, joined with the state before it: enough for values
    /// carried from one iteration to the next to reach the sinks of the second.
    fn loop_body(
        &mut self,
        body: Option<Node<'t>>,
        updates: Option<&[Node<'t>]>,
        bind: Option<&(String, Value)>,
        st: &mut State,
    ) {
        let before = st.clone();
        let mut pass = st.clone();
        let passes = if self.loops < MAX_LOOPS_TWICE { 2 } else { 1 };
        self.loops += 1;
        for _ in 0..passes {
            if let Some((name, value)) = bind {
                pass.set(name.clone(), value.clone());
            }
            if let Some(body) = body {
                self.stmt(body, &mut pass);
            }
            pass.dead = false;
            for u in updates.unwrap_or_default() {
                let _ = self.eval(*u, &mut pass);
            }
            pass = before.join(&pass);
        }
        self.loops -= 1;
        *st = pass;
    }

    fn declaration(&mut self, node: Node<'t>, st: &mut State) {
        let ty = node
            .child_by_field_name("type")
            .and_then(|t| simple_type_name(t, self.src));
        let mut cursor = node.walk();
        let declarators: Vec<Node<'t>> = node
            .children_by_field_name("declarator", &mut cursor)
            .collect();
        for d in declarators {
            let Some(name_node) = d.child_by_field_name("name") else {
                continue;
            };
            let name = self.text(name_node).to_string();
            // `var x = new T(..)` has type `T`; other `var`s have none known here.
            let ty = match ty {
                Some("var") => d
                    .child_by_field_name("value")
                    .filter(|v| v.kind() == "object_creation_expression")
                    .and_then(|v| v.child_by_field_name("type"))
                    .and_then(|t| simple_type_name(t, self.src)),
                t => t,
            };
            match ty {
                Some(ty) => {
                    self.types.insert(name.clone(), ty);
                }
                None => {
                    self.types.remove(&name);
                }
            }
            let value = match d.child_by_field_name("value") {
                Some(v) => {
                    let value = self.eval(v, st);
                    let value = match (value.tag, tag_of_type(ty, &name)) {
                        (None, Some(tag)) if !value.is_tainted() => value.with_tag(tag),
                        _ => value,
                    };
                    value.step(&self.step(name_node, format!("assigned to `{name}`")))
                }
                None => Value::clean(),
            };
            st.set(name, value);
        }
    }

    fn try_statement(&mut self, node: Node<'t>, st: &mut State) {
        if let Some(resources) = node.child_by_field_name("resources") {
            for r in ast::named_children(resources) {
                if let (Some(name), Some(value)) = (
                    r.child_by_field_name("name"),
                    r.child_by_field_name("value"),
                ) {
                    let v = self.eval(value, st);
                    if let Some(ty) = r
                        .child_by_field_name("type")
                        .and_then(|t| simple_type_name(t, self.src))
                    {
                        self.types.insert(self.text(name).to_string(), ty);
                    }
                    st.set(self.text(name), v);
                } else {
                    let _ = self.eval(r, st);
                }
            }
        }
        let before = st.clone();
        let mut tried = st.clone();
        if let Some(body) = node.child_by_field_name("body") {
            self.block(body, &mut tried);
        }
        let mut out = tried.clone();
        let mut finally = None;
        for clause in ast::named_children(node) {
            match clause.kind() {
                "catch_clause" => {
                    let mut handler = before.join(&State {
                        dead: false,
                        ..tried.clone()
                    });
                    if let Some(body) = clause.child_by_field_name("body") {
                        self.block(body, &mut handler);
                    }
                    out = out.join(&handler);
                }
                "finally_clause" => finally = Some(clause),
                _ => {}
            }
        }
        *st = out;
        if let Some(f) = finally {
            let dead = st.dead;
            st.dead = false;
            for c in ast::named_children(f) {
                if c.kind() == "block" {
                    self.block(c, st);
                }
            }
            st.dead |= dead;
        }
    }

    /// `switch`, old and arrow forms: on a constant only the matching case runs.
    fn switch(&mut self, node: Node<'t>, st: &mut State) -> Value {
        let subject = node
            .child_by_field_name("condition")
            .map(|c| self.eval(c, st))
            .unwrap_or_default();
        let Some(body) = node.child_by_field_name("body") else {
            return Value::clean();
        };
        let groups: Vec<Node<'t>> = ast::named_children(body)
            .into_iter()
            .filter(|g| matches!(g.kind(), "switch_block_statement_group" | "switch_rule"))
            .collect();
        let mut labels: Vec<(bool, Vec<Option<Const>>)> = Vec::new();
        for g in &groups {
            let mut default = false;
            let mut values = Vec::new();
            for l in ast::named_children(*g) {
                if l.kind() != "switch_label" {
                    continue;
                }
                let cases = ast::named_children(l);
                if cases.is_empty() || self.text(l).trim_start().starts_with("default") {
                    default = true;
                }
                for c in cases {
                    values.push(self.eval(c, &mut State::default()).konst);
                }
            }
            labels.push((default, values));
        }
        let saved = std::mem::take(&mut self.yields);
        let before = st.clone();
        let mut value = None;
        let all_constant = labels.iter().all(|(_, v)| v.iter().all(Option::is_some));
        let chosen = match &subject.konst {
            Some(k) if all_constant => Some(
                labels
                    .iter()
                    .position(|(_, v)| v.iter().any(|c| c.as_ref() == Some(k)))
                    .or_else(|| labels.iter().position(|(d, _)| *d)),
            ),
            _ => None,
        };
        match chosen {
            Some(None) => {}
            Some(Some(first)) => {
                for g in groups.iter().skip(first) {
                    let (v, fell) = self.switch_group(*g, st);
                    value = join_opt(value, v);
                    if !fell || st.dead {
                        break;
                    }
                }
                st.dead = false;
            }
            None => {
                let has_default = labels.iter().any(|(d, _)| *d);
                let mut out = if has_default {
                    State {
                        dead: true,
                        ..State::default()
                    }
                } else {
                    before.clone()
                };
                for g in &groups {
                    let mut branch = before.clone();
                    let (v, _) = self.switch_group(*g, &mut branch);
                    value = join_opt(value, v);
                    branch.dead = false;
                    out = out.join(&branch);
                }
                *st = out;
            }
        }
        let yielded = std::mem::replace(&mut self.yields, saved);
        for y in yielded {
            value = join_opt(value, Some(y));
        }
        value.unwrap_or_default()
    }

    /// Runs one case; returns the arrow case's value and whether control falls through.
    fn switch_group(&mut self, group: Node<'t>, st: &mut State) -> (Option<Value>, bool) {
        for c in ast::named_children(group) {
            match c.kind() {
                "switch_label" => {}
                "break_statement" => return (None, false),
                // `case X -> expr;` gives the switch expression its value; a block
                // gives it by `yield`.
                "expression_statement" if group.kind() == "switch_rule" => {
                    let v = c.named_child(0).map(|e| self.eval(e, st));
                    return (v, false);
                }
                _ if group.kind() == "switch_rule" => {
                    self.stmt(c, st);
                    return (None, false);
                }
                _ => {
                    self.stmt(c, st);
                    if st.dead {
                        return (None, false);
                    }
                }
            }
        }
        (None, group.kind() != "switch_rule")
    }

    fn branch(
        &mut self,
        cond: Node<'t>,
        consequence: Option<Node<'t>>,
        alternative: Option<Node<'t>>,
        st: &mut State,
    ) {
        let taken = self.condition(cond, st);
        let dead = || State {
            dead: true,
            ..State::default()
        };
        let mut yes = if taken == Some(false) {
            dead()
        } else {
            self.refine(cond, st, true)
        };
        if taken != Some(false)
            && let Some(c) = consequence
        {
            self.stmt(c, &mut yes);
        }
        let mut no = if taken == Some(true) {
            dead()
        } else {
            self.refine(cond, st, false)
        };
        if taken != Some(true)
            && let Some(a) = alternative
        {
            self.stmt(a, &mut no);
        }
        *st = yes.join(&no);
    }

    fn condition(&mut self, cond: Node<'t>, st: &mut State) -> Option<bool> {
        self.eval(cond, st).konst.map(|c| c.truthy())
    }

    fn refine(&mut self, cond: Node<'t>, st: &State, truth: bool) -> State {
        let mut out = st.clone();
        self.refine_into(cond, &mut out, truth, 0);
        out
    }

    /// What a condition proves on the side where it is `truth`: a variable found in an
    /// allow-list, equal to a constant or matching a strict pattern is clean there.
    fn refine_into(&mut self, cond: Node<'t>, st: &mut State, truth: bool, depth: usize) {
        if depth > 8 {
            return;
        }
        let cond = ast::unparenthesize(cond);
        match cond.kind() {
            "unary_expression" => {
                let op = cond.child_by_field_name("operator").map(|o| self.text(o));
                if op == Some("!")
                    && let Some(operand) = cond.child_by_field_name("operand")
                {
                    self.refine_into(operand, st, !truth, depth + 1);
                }
            }
            "binary_expression" => {
                let op = cond
                    .child_by_field_name("operator")
                    .map(|o| self.text(o))
                    .unwrap_or_default();
                if (op == "&&" && truth) || (op == "||" && !truth) {
                    for side in ["left", "right"] {
                        if let Some(s) = cond.child_by_field_name(side) {
                            self.refine_into(s, st, truth, depth + 1);
                        }
                    }
                } else if (op == "||" && truth) || (op == "&&" && !truth) {
                    // Either side holds: what both sides prove, joined.
                    let (Some(l), Some(r)) = (
                        cond.child_by_field_name("left"),
                        cond.child_by_field_name("right"),
                    ) else {
                        return;
                    };
                    let mut left = st.clone();
                    self.refine_into(l, &mut left, truth, depth + 1);
                    let mut right = st.clone();
                    self.refine_into(l, &mut right, !truth, depth + 1);
                    self.refine_into(r, &mut right, truth, depth + 1);
                    *st = left.join(&right);
                }
            }
            "method_invocation" if truth => {
                let name = cond
                    .child_by_field_name("name")
                    .map(|n| self.text(n))
                    .unwrap_or_default();
                let object = cond.child_by_field_name("object");
                let args = cond
                    .child_by_field_name("arguments")
                    .map(ast::named_children)
                    .unwrap_or_default();
                let mut scratch = st.clone();
                let (target, value) = match name {
                    "contains" | "containsKey" => {
                        let Some(o) = object else { return };
                        // An allow-list is fixed by the program: a field or a constant
                        // collection, never request data.
                        if self
                            .eval(o, &mut scratch)
                            .all_origins()
                            .iter()
                            .any(|o| !matches!(o.label, Label::Opaque))
                        {
                            return;
                        }
                        (args.first().copied(), None)
                    }
                    "equals" | "equalsIgnoreCase" => {
                        let (Some(o), Some(a)) = (object, args.first().copied()) else {
                            return;
                        };
                        let ov = self.eval(o, &mut scratch);
                        let av = self.eval(a, &mut scratch);
                        if av.konst.is_some() && !av.is_tainted() {
                            (Some(o), (name == "equals").then_some(av))
                        } else if ov.konst.is_some() && !ov.is_tainted() {
                            (Some(a), (name == "equals").then_some(ov))
                        } else {
                            return;
                        }
                    }
                    // `PATTERN.matcher(x).matches()` with `PATTERN = Pattern.compile("..")`.
                    "matches" if args.is_empty() => {
                        let Some(matcher) = object.map(ast::unparenthesize) else {
                            return;
                        };
                        if matcher.kind() != "method_invocation"
                            || matcher
                                .child_by_field_name("name")
                                .is_none_or(|n| self.text(n) != "matcher")
                        {
                            return;
                        }
                        let compiled = matcher
                            .child_by_field_name("object")
                            .and_then(|o| self.unit.field(self.text(o), o))
                            .and_then(|f| f.value)
                            .filter(|v| v.kind() == "method_invocation")
                            .and_then(|v| v.child_by_field_name("arguments"))
                            .and_then(|a| a.named_child(0));
                        if !compiled.is_some_and(|p| self.strict_pattern(p)) {
                            return;
                        }
                        let target = matcher
                            .child_by_field_name("arguments")
                            .and_then(|a| a.named_child(0));
                        (target, None)
                    }
                    "matches" => {
                        let pattern = args.first().copied();
                        if !pattern.is_some_and(|p| self.strict_pattern(p)) {
                            return;
                        }
                        let target = if args.len() == 2 {
                            args.get(1).copied()
                        } else {
                            object
                        };
                        (target, None)
                    }
                    "isNumeric" | "isAlphanumeric" | "isAlpha" | "isDigits" | "isCreatable" => {
                        (args.first().copied(), None)
                    }
                    "startsWith" => {
                        let Some(o) = object else { return };
                        if self.eval(o, &mut scratch).tag != Some(NORMALIZED_PATH) {
                            return;
                        }
                        (Some(o), None)
                    }
                    _ => return,
                };
                // `ALLOWED.contains(url.getHost())`: the URL's host is checked.
                let (target, kinds) = match target.map(ast::unparenthesize) {
                    Some(t)
                        if t.kind() == "method_invocation"
                            && t.child_by_field_name("name").is_some_and(|n| {
                                matches!(self.text(n), "getHost" | "getAuthority")
                            }) =>
                    {
                        (
                            t.child_by_field_name("object"),
                            KindSet::of(&[SinkKind::Ssrf, SinkKind::Redirect]),
                        )
                    }
                    t if name == "startsWith" => (t, KindSet::of(&[SinkKind::Path])),
                    t => (t, KindSet::ALL),
                };
                if let Some(target) = target
                    && let Some(var) = self.var_key(target)
                    && let Some(current) = st.get(&var).cloned()
                {
                    let clean = match value {
                        Some(v) => v,
                        None => current.sanitized(kinds),
                    };
                    st.set(var, clean);
                }
            }
            _ => {}
        }
    }

    /// A regular expression that admits only word characters and a few separators.
    fn strict_pattern(&self, pattern: Node<'t>) -> bool {
        let pattern = ast::unparenthesize(pattern);
        let text = string_value(pattern, self.src)
            .map(str::to_string)
            .or_else(|| self.unit.constant_str(pattern, self.src));
        let Some(p) = text else {
            return false;
        };
        is_strict_regex(&p)
    }

    /// The state key of a local, a parameter or a field of `this`.
    fn var_key(&self, node: Node<'t>) -> Option<String> {
        let node = ast::unparenthesize(node);
        match node.kind() {
            "identifier" => Some(self.text(node).to_string()),
            "field_access"
                if node
                    .child_by_field_name("object")
                    .is_some_and(|o| o.kind() == "this") =>
            {
                node.child_by_field_name("field")
                    .map(|f| self.text(f).to_string())
            }
            _ => None,
        }
    }

    fn eval(&mut self, node: Node<'t>, st: &mut State) -> Value {
        if self.depth > MAX_DEPTH {
            return Value::opaque();
        }
        self.depth += 1;
        let v = self.eval_inner(node, st);
        self.depth -= 1;
        v
    }

    fn eval_field(&mut self, node: Node<'t>, field: &str, st: &mut State) -> Value {
        node.child_by_field_name(field)
            .map(|c| self.eval(c, st))
            .unwrap_or_default()
    }

    fn eval_inner(&mut self, node: Node<'t>, st: &mut State) -> Value {
        match node.kind() {
            "string_literal" => string_value(node, self.src)
                .map(|s| Value::constant(Const::Str(s.to_string())))
                .unwrap_or_default(),
            "character_literal" => {
                let t = self.text(node);
                let inner = t
                    .strip_prefix('\'')
                    .and_then(|t| t.strip_suffix('\''))
                    .unwrap_or(t);
                Value::constant(Const::Str(inner.to_string()))
            }
            "decimal_integer_literal" => self
                .text(node)
                .replace('_', "")
                .trim_end_matches(['l', 'L'])
                .parse::<i64>()
                .map(|i| Value::constant(Const::Int(i)))
                .unwrap_or_default(),
            "true" => Value::constant(Const::Bool(true)),
            "false" => Value::constant(Const::Bool(false)),
            "null_literal"
            | "hex_integer_literal"
            | "octal_integer_literal"
            | "binary_integer_literal"
            | "decimal_floating_point_literal"
            | "hex_floating_point_literal"
            | "class_literal"
            | "this"
            | "super"
            | "method_reference"
            | "line_comment"
            | "block_comment" => Value::clean(),
            "identifier" => self.name(node, st),
            "field_access" => self.field_access(node, st),
            "parenthesized_expression" => node
                .named_child(0)
                .map(|c| self.eval(c, st))
                .unwrap_or_default(),
            "cast_expression" => self.eval_field(node, "value", st),
            "binary_expression" => self.binary(node, st),
            "unary_expression" => {
                let v = self.eval_field(node, "operand", st);
                let op = node
                    .child_by_field_name("operator")
                    .map(|o| self.text(o))
                    .unwrap_or_default();
                match (op, &v.konst) {
                    ("!", Some(Const::Bool(b))) => Value::constant(Const::Bool(!b)),
                    ("-", Some(Const::Int(i))) => i
                        .checked_neg()
                        .map(|i| Value::constant(Const::Int(i)))
                        .unwrap_or_default(),
                    _ => Value::clean(),
                }
            }
            "update_expression" => {
                for c in ast::named_children(node) {
                    if let Some(var) = self.var_key(c) {
                        st.set(var, Value::clean());
                    }
                }
                Value::clean()
            }
            "instanceof_expression" => {
                let _ = self.eval_field(node, "left", st);
                Value::clean()
            }
            "ternary_expression" => {
                let Some(cond) = node.child_by_field_name("condition") else {
                    return Value::opaque();
                };
                match self.condition(cond, st) {
                    Some(true) => self.eval_field(node, "consequence", st),
                    Some(false) => self.eval_field(node, "alternative", st),
                    None => {
                        let mut yes = self.refine(cond, st, true);
                        let a = self.eval_field(node, "consequence", &mut yes);
                        let mut no = self.refine(cond, st, false);
                        let b = self.eval_field(node, "alternative", &mut no);
                        a.join(&b)
                    }
                }
            }
            "assignment_expression" => self.assignment(node, st),
            "method_invocation" => self.call(node, st),
            "object_creation_expression" => self.creation(node, st),
            "array_creation_expression" => match node.child_by_field_name("value") {
                Some(init) => self.eval(init, st),
                None => {
                    // `new String[3]`: that many tracked elements, all unset.
                    let mut cursor = node.walk();
                    let dims: Vec<Node<'t>> = node
                        .children_by_field_name("dimensions", &mut cursor)
                        .filter(|d| d.kind() == "dimensions_expr")
                        .collect();
                    let size = match dims.as_slice() {
                        [one] => match one.named_child(0).map(|e| self.eval(e, st).konst) {
                            Some(Some(Const::Int(n))) => usize::try_from(n).ok(),
                            _ => None,
                        },
                        _ => None,
                    };
                    match size {
                        Some(n) if n <= 64 => Value {
                            shape: Shape::Seq(Rc::new(vec![Value::clean(); n])),
                            ..Value::default()
                        },
                        _ => Value::clean(),
                    }
                }
            },
            "array_initializer" => {
                let items: Vec<Value> = ast::named_children(node)
                    .into_iter()
                    .map(|c| self.eval(c, st))
                    .collect();
                Value {
                    shape: Shape::Seq(Rc::new(items)),
                    ..Value::default()
                }
            }
            "array_access" => {
                let base = self.eval_field(node, "array", st);
                let index = self.eval_field(node, "index", st);
                load(&base, index.konst.as_ref())
            }
            "lambda_expression" => {
                // The body runs with the variables it captures; what it assigns stays in it.
                let mut inner = st.clone();
                if let Some(params) = node.child_by_field_name("parameters") {
                    let names: Vec<Node<'t>> = if params.kind() == "identifier" {
                        vec![params]
                    } else {
                        ast::descendants(params)
                            .filter(|n| n.kind() == "identifier")
                            .collect()
                    };
                    let input = self.lambda_input.take().unwrap_or_else(Value::opaque);
                    for n in names {
                        inner.set(self.text(n), input.clone());
                    }
                }
                // The lambda's value stands for what it returns, so `map(x -> x.trim())`
                // and `() -> "id " + id` carry their inputs.
                match node.child_by_field_name("body") {
                    Some(body) if body.kind() == "block" => {
                        let saved = self.ret.take();
                        self.block(body, &mut inner);
                        std::mem::replace(&mut self.ret, saved).unwrap_or_default()
                    }
                    Some(body) => self.eval(body, &mut inner),
                    None => Value::clean(),
                }
            }
            "switch_expression" => self.switch(node, st),
            _ => {
                for c in ast::named_children(node) {
                    let _ = self.eval(c, st);
                }
                Value::opaque()
            }
        }
    }

    fn name(&mut self, node: Node<'t>, st: &mut State) -> Value {
        let name = self.text(node);
        if let Some(v) = st.get(name) {
            return v.clone();
        }
        if let Some(field) = self.unit.field(name, node) {
            if let Some(s) = self.unit.constant_str(node, self.src) {
                return Value::constant(Const::Str(s));
            }
            if field.is_final
                && let Some(value) = field.value
                && matches!(value.kind(), "decimal_integer_literal" | "true" | "false")
            {
                return self.eval(value, &mut State::default());
            }
            return Value::opaque();
        }
        if name.starts_with(|c: char| c.is_ascii_uppercase()) {
            // A type used as a qualifier, or an inherited constant.
            Value::clean()
        } else {
            Value::opaque()
        }
    }

    fn field_access(&mut self, node: Node<'t>, st: &mut State) -> Value {
        if let Some(var) = self.var_key(node)
            && let Some(v) = st.get(&var)
        {
            return v.clone();
        }
        let text = self.text(node);
        if text == "System.in" {
            return self.source(node, "System.in", Confidence::Low);
        }
        if let Some(s) = self.unit.constant_str(node, self.src) {
            return Value::constant(Const::Str(s));
        }
        let Some(object) = node.child_by_field_name("object") else {
            return Value::opaque();
        };
        if object.kind() == "this" {
            return Value::opaque();
        }
        let base = self.eval(object, st);
        if base.is_tainted() {
            let mut v = base.flatten();
            v.konst = None;
            v.tag = None;
            return v;
        }
        let field = node
            .child_by_field_name("field")
            .map(|f| self.text(f))
            .unwrap_or_default();
        if field == "length" || field.starts_with(|c: char| c.is_ascii_uppercase()) {
            Value::clean()
        } else {
            Value::opaque()
        }
    }

    fn binary(&mut self, node: Node<'t>, st: &mut State) -> Value {
        let op = node
            .child_by_field_name("operator")
            .map(|o| self.text(o))
            .unwrap_or_default();
        if op == "+" {
            return self.sum(node, st);
        }
        let left = self.eval_field(node, "left", st);
        // `a && b`, `a || b`: a constant left side decides without the right.
        match (op, &left.konst) {
            ("&&", Some(Const::Bool(false))) => return left,
            ("||", Some(Const::Bool(true))) => return left,
            _ => {}
        }
        let right = self.eval_field(node, "right", st);
        if let (Some(a), Some(b)) = (&left.konst, &right.konst)
            && let Some(c) = fold::binary(op, a, b)
        {
            let mut v = if op == "+" {
                left.concat(&right)
            } else {
                Value::default()
            };
            let prefix = match &c {
                Const::Str(s) => Some(Rc::from(s.as_str())),
                _ => None,
            };
            v.konst = Some(c);
            v.prefix = prefix;
            return v;
        }
        match op {
            "+" => left.concat(&right),
            "&&" | "||" => match (&left.konst, &right.konst) {
                (Some(Const::Bool(true)), _) if op == "&&" => right,
                (Some(Const::Bool(false)), _) if op == "||" => right,
                _ => Value::clean(),
            },
            _ => Value::clean(),
        }
    }

    /// `a + b + c ..`: the operands of a chain of `+`, found without recursion (a long
    /// concatenation nests as deep as it has terms), then added left to right.
    fn sum(&mut self, node: Node<'t>, st: &mut State) -> Value {
        let mut operands = Vec::new();
        let mut left = node;
        while left.kind() == "binary_expression"
            && left
                .child_by_field_name("operator")
                .is_some_and(|o| self.text(o) == "+")
        {
            if let Some(r) = left.child_by_field_name("right") {
                operands.push(r);
            }
            match left.child_by_field_name("left") {
                Some(l) => left = l,
                None => break,
            }
        }
        operands.push(left);
        let mut acc: Option<Value> = None;
        for operand in operands.into_iter().rev() {
            let v = self.eval(operand, st);
            acc = Some(match acc {
                None => v,
                Some(a) => {
                    let mut sum = a.concat(&v);
                    if let Some(Const::Str(s)) = &sum.konst {
                        sum.prefix = Some(Rc::from(s.as_str()));
                    }
                    sum
                }
            });
        }
        acc.unwrap_or_default()
    }

    fn assignment(&mut self, node: Node<'t>, st: &mut State) -> Value {
        let (Some(left), Some(right)) = (
            node.child_by_field_name("left"),
            node.child_by_field_name("right"),
        ) else {
            return Value::opaque();
        };
        let op = node
            .child_by_field_name("operator")
            .map(|o| self.text(o))
            .unwrap_or("=");
        let value = self.eval(right, st);
        let value = match op {
            "=" => value,
            "+=" => self.eval(left, st).concat(&value),
            _ => {
                let current = self.eval(left, st);
                match (&current.konst, &value.konst) {
                    (Some(a), Some(b)) => fold::binary(op.trim_end_matches('='), a, b)
                        .map(Value::constant)
                        .unwrap_or_default(),
                    _ => Value::clean(),
                }
            }
        };
        self.assign(left, value.clone(), st);
        value
    }

    fn assign(&mut self, target: Node<'t>, value: Value, st: &mut State) {
        let target = ast::unparenthesize(target);
        if target.kind() == "array_access" {
            let Some(base) = target.child_by_field_name("array") else {
                return;
            };
            let Some(var) = self.var_key(base) else {
                return;
            };
            let base_value = self.eval(base, st);
            let index = self.eval_field(target, "index", st);
            let value =
                value.step(&self.step(target, format!("stored in `{}`", quote(self.text(target)))));
            st.set(var, store(&base_value, index.konst.as_ref(), value));
            return;
        }
        if let Some(name) = self.var_key(target) {
            let value = value.step(&self.step(target, format!("assigned to `{name}`")));
            st.set(name, value);
        }
    }

    /// The declared simple type of a receiver expression, when known.
    fn type_of(&self, expr: Node<'t>) -> Option<&'t str> {
        let expr = ast::unparenthesize(expr);
        let name = match expr.kind() {
            "identifier" => self.text(expr),
            "field_access" => self.text(expr.child_by_field_name("field")?),
            "object_creation_expression" => {
                let t = expr.child_by_field_name("type")?;
                return simple_type_name(t, self.src);
            }
            _ => return None,
        };
        if expr.kind() == "identifier"
            && let Some(t) = self.types.get(name)
        {
            return Some(t);
        }
        self.unit
            .field(name, expr)
            .and_then(|f| simple_type_name(f.ty, self.src))
    }

    fn call(&mut self, node: Node<'t>, st: &mut State) -> Value {
        let Some(name_node) = node.child_by_field_name("name") else {
            return Value::opaque();
        };
        let name = self.text(name_node);
        let object = node.child_by_field_name("object").map(ast::unparenthesize);
        // `new File(x).getName()`, `Paths.get(x).getFileName()`: only the last part of the
        // path is kept, and the object is not used to open anything.
        if matches!(name, "getName" | "getFileName")
            && let Some(o) = object
            && self.builds_path(o)
        {
            let inner = o
                .child_by_field_name("arguments")
                .map(ast::named_children)
                .unwrap_or_default();
            let mut v = Value::clean();
            for a in inner {
                v = v.join(&self.eval(a, st).flatten());
            }
            v.konst = None;
            return v.sanitized(KindSet::of(&[SinkKind::Path]));
        }
        let receiver = object.map(|o| self.eval(o, st));
        // `values.forEach(v -> ..)`: the lambda's parameter is an element of the receiver.
        let saved = self.lambda_input.take();
        if matches!(
            name,
            "forEach" | "map" | "filter" | "ifPresent" | "peek" | "anyMatch" | "flatMap"
        ) {
            self.lambda_input = receiver.as_ref().map(element_of);
        }
        let mut args = Vec::new();
        if let Some(list) = node.child_by_field_name("arguments") {
            for a in crate::java::calls::arguments(list) {
                let value = self.eval(a, st);
                args.push(Arg { node: a, value });
            }
        }
        self.lambda_input = saved;
        let qualifier = object
            .map(|o| simple_name(self.text(o)))
            .unwrap_or_default();
        let sink_name = match object {
            Some(o) => format!("{}.{name}", quote(self.text(o))),
            None => name.to_string(),
        };
        let sinks = self.call_sinks(name, object, receiver.as_ref(), &args);
        let mut checked = KindSet::EMPTY;
        if matches!(name, "openConnection" | "openStream" | "getContent")
            && args.is_empty()
            && let (Some(o), Some(r)) = (object, &receiver)
        {
            self.sink(node, o, SinkKind::Ssrf, &sink_name, &r.clone());
            checked = KindSet::of(&[SinkKind::Ssrf]);
        }
        let shell = runs_shell(&args);
        for (kind, index) in sinks {
            if let Some(arg) = args.get(index) {
                // Without a shell the command line cannot inject more commands: it picks
                // a program, which the person typing it could run anyway. Likewise code
                // evaluated from the console or arguments is a script shell's input.
                let value = if kind == SinkKind::Command && !shell || kind == SinkKind::Code {
                    arg.value.trusting_low_confidence(kind)
                } else {
                    arg.value.clone()
                };
                self.sink(node, arg.node, kind, &sink_name, &value);
                checked = checked.union(KindSet::of(&[kind]));
            }
        }
        // The sink was checked here; the path or URL it builds is not checked again.
        self.call_result(node, name, object, qualifier, receiver, &args, st)
            .sanitized(checked)
    }

    /// Whether `expr` is `new File(..)` or `Paths.get(..)`/`Path.of(..)`.
    fn builds_path(&self, expr: Node<'t>) -> bool {
        match expr.kind() {
            "object_creation_expression" => {
                expr.child_by_field_name("type")
                    .and_then(|t| simple_type_name(t, self.src))
                    == Some("File")
            }
            "method_invocation" => {
                let n = expr.child_by_field_name("name").map(|n| self.text(n));
                let o = expr
                    .child_by_field_name("object")
                    .map(|o| simple_name(self.text(o)));
                matches!(
                    (o, n),
                    (Some("Paths"), Some("get")) | (Some("Path"), Some("of"))
                )
            }
            _ => false,
        }
    }

    #[expect(clippy::too_many_arguments, reason = "one call's parts, read once")]
    fn call_result(
        &mut self,
        node: Node<'t>,
        name: &'t str,
        object: Option<Node<'t>>,
        qualifier: &'t str,
        receiver: Option<Value>,
        args: &[Arg<'t>],
        st: &mut State,
    ) -> Value {
        let joined = || {
            args.iter()
                .fold(Value::clean(), |acc, a| acc.join(&a.value.flatten()))
        };
        let recv = receiver.clone().unwrap_or_default();
        let recv_type = object.and_then(|o| self.type_of(o));
        let is_request = recv.tag == Some(REQUEST)
            || matches!(recv_type, Some("HttpServletRequest" | "ServletRequest"));
        if is_request && !recv.is_tainted() {
            if REQUEST_METHODS.contains(&name) {
                let what = format!("{}.{name}", object.map_or("", |o| self.text(o)));
                return self.source(node, &what, Confidence::High);
            }
            if name == "getSession" {
                return Value::clean().with_tag(SESSION);
            }
            return Value::clean();
        }
        if recv.tag == Some(WRAPPED_REQUEST)
            && name.starts_with("get")
            && ["Parameter", "Value", "Header", "Cookie", "Query"]
                .iter()
                .any(|w| name.contains(w))
        {
            let what = format!("{}.{name}", object.map_or("", |o| self.text(o)));
            return self.source(node, &what, Confidence::High);
        }
        let is_response = recv.tag == Some(RESPONSE)
            || matches!(recv_type, Some("HttpServletResponse" | "ServletResponse"));
        if is_response {
            if matches!(name, "getWriter" | "getOutputStream") {
                return Value::clean().with_tag(WRITER);
            }
            if name == "setContentType"
                && let Some(t) = args.first().and_then(|a| a.value.as_str())
            {
                self.plain_response = !t.to_ascii_lowercase().contains("html");
            }
            if matches!(
                name,
                "encodeRedirectURL" | "encodeURL" | "encodeRedirectUrl" | "encodeUrl"
            ) {
                return joined();
            }
            return Value::clean();
        }
        if recv.tag == Some(WRITER) {
            return Value::clean().with_tag(WRITER);
        }
        if qualifier == "System" && matches!(name, "getenv" | "getProperty") {
            return self.source(node, &format!("System.{name}"), Confidence::Low);
        }
        if let Some(kinds) = sanitizer(name) {
            let mut v = joined();
            v.konst = None;
            return v.sanitized(kinds);
        }
        if qualifier == "FilenameUtils" && name == "getName" {
            return joined().sanitized(KindSet::of(&[SinkKind::Path]));
        }
        if matches!(name, "getName" | "getFileName") && matches!(recv_type, Some("File" | "Path")) {
            return recv.flatten().sanitized(KindSet::of(&[SinkKind::Path]));
        }
        if name == "valueOf" && NUMERIC_TYPES.contains(&qualifier) {
            return Value::clean();
        }
        // A file's contents are not the request data that chose the file.
        if qualifier == "Files"
            && matches!(
                name,
                "readAllBytes"
                    | "readAllLines"
                    | "readString"
                    | "lines"
                    | "newInputStream"
                    | "newBufferedReader"
            )
        {
            return Value::opaque();
        }
        if METHODS_CLEAN.contains(&name) {
            return Value::clean();
        }
        if let Some(def) = self.local_method(node, name, object, args.len()) {
            return self.apply_summary(node, name, def, args);
        }
        if let Some(v) = self.value_method(node, name, object, qualifier, receiver, args, st) {
            return v;
        }
        // An unknown method: its result may be made of its receiver and arguments.
        let mut v = joined();
        if object.is_some() {
            v = v.join(&recv.flatten());
        }
        if v.is_tainted() {
            v.konst = None;
            v.tag = None;
            v.prefix = None;
            v.shape = Shape::Scalar;
            return v;
        }
        if matches!(
            name,
            "getLogger" | "getInstance" | "encoder" | "getDecoder" | "getEncoder" | "getRuntime"
        ) {
            return Value::clean();
        }
        Value::opaque()
    }

    /// What a method of a value computes: container reads and writes, builders,
    /// strings and iterators. `None` for any other method.
    #[expect(clippy::too_many_arguments, reason = "one call's parts, read once")]
    fn value_method(
        &mut self,
        node: Node<'t>,
        name: &'t str,
        object: Option<Node<'t>>,
        qualifier: &'t str,
        receiver: Option<Value>,
        args: &[Arg<'t>],
        st: &mut State,
    ) -> Option<Value> {
        let joined = || {
            args.iter()
                .fold(Value::clean(), |acc, a| acc.join(&a.value.flatten()))
        };
        let recv = receiver.clone().unwrap_or_default();
        let var = object.and_then(|o| self.var_key(o));
        // `List.of(..)`, `Map.of(..)`, `Paths.get(..)`: a static method, not a container's.
        let is_static = object.is_some_and(|o| {
            matches!(
                o.kind(),
                "identifier" | "field_access" | "scoped_identifier"
            ) && qualifier.starts_with(|c: char| c.is_ascii_uppercase())
                && self.var_key(o).is_none_or(|v| !st.vars.contains_key(&v))
                && !semantic_is_constant(qualifier)
        });
        let receiver = if is_static { None } else { receiver };
        if is_static {
            match (qualifier, name) {
                ("List" | "Set" | "Arrays" | "Stream", "of" | "asList") => {
                    return Some(Value {
                        shape: Shape::Seq(Rc::new(args.iter().map(|a| a.value.clone()).collect())),
                        ..Value::default()
                    });
                }
                ("Map", "of") => {
                    let mut items = BTreeMap::new();
                    let mut untracked = Value::clean();
                    for pair in args.chunks(2) {
                        if let [k, v] = pair {
                            match k.value.konst.as_ref().and_then(const_key) {
                                Some(k) => {
                                    items.insert(k, v.value.clone());
                                }
                                None => untracked = untracked.join(&v.value.flatten()),
                            }
                        }
                    }
                    return Some(Value {
                        origins: untracked.origins,
                        shape: Shape::Map(Rc::new(items)),
                        ..Value::default()
                    });
                }
                _ => {}
            }
        }
        match name {
            "add" | "addElement" | "push" | "offer" if receiver.is_some() => {
                let value = match args {
                    [one] => one.value.clone(),
                    [_, second] => second.value.clone(),
                    _ => joined(),
                };
                let updated = match (&recv.shape, args) {
                    (Shape::Seq(items), [_]) => {
                        let mut items = (**items).clone();
                        items.push(value);
                        Value {
                            shape: Shape::Seq(Rc::new(items)),
                            ..recv.clone()
                        }
                    }
                    (Shape::Seq(items), [index, _]) => match &index.value.konst {
                        Some(Const::Int(i))
                            if usize::try_from(*i).is_ok_and(|i| i <= items.len()) =>
                        {
                            let mut items = (**items).clone();
                            items.insert(usize::try_from(*i).unwrap_or_default(), value);
                            Value {
                                shape: Shape::Seq(Rc::new(items)),
                                ..recv.clone()
                            }
                        }
                        _ => store(&recv, None, value),
                    },
                    _ => store(&recv, None, value),
                };
                if let Some(var) = var {
                    st.set(var, updated);
                }
                return Some(Value::clean());
            }
            "put" | "setProperty" | "putIfAbsent" if receiver.is_some() && args.len() == 2 => {
                let (k, v) = match args {
                    [k, v] => (k.value.konst.clone(), v.value.clone()),
                    _ => (None, Value::clean()),
                };
                let updated = store(&recv, k.as_ref(), v);
                if let Some(var) = var {
                    st.set(var, updated);
                }
                return Some(Value::clean());
            }
            "get" | "getProperty" | "elementAt" | "getOrDefault"
                if receiver.is_some() && !args.is_empty() =>
            {
                let index = args.first().and_then(|a| a.value.konst.clone());
                let mut v = load(&recv, index.as_ref());
                if name == "getOrDefault" {
                    v = v.join(&args.get(1).map(|a| a.value.clone()).unwrap_or_default());
                }
                return Some(v);
            }
            "remove" if receiver.is_some() && args.len() == 1 => {
                let index = args.first().and_then(|a| a.value.konst.clone());
                let removed = load(&recv, index.as_ref());
                // `remove(object)` with an unknown argument leaves the container as it was.
                if let Some(var) = var
                    && index.is_some()
                {
                    st.set(var, remove(&recv, index.as_ref()));
                }
                return Some(removed);
            }
            "append" | "insert" if receiver.is_some() => {
                let added = match args {
                    [one] => one.value.clone(),
                    [_, second] => second.value.clone(),
                    _ => joined(),
                };
                let updated = if name == "append" {
                    recv.concat(&added)
                } else {
                    let mut v = recv.concat(&added);
                    v.konst = None;
                    v.prefix = None;
                    v
                };
                if let Some(root) = object.and_then(|o| self.builder_root(o)) {
                    let updated = if added.is_tainted() {
                        updated.step(&self.step(node, format!("appended to `{root}`")))
                    } else {
                        updated.clone()
                    };
                    st.set(root, updated);
                }
                return Some(updated);
            }
            "toString" | "intern" | "trim" | "strip" | "toCharArray" | "getBytes" | "toURL"
            | "toURI" | "toLowerCase" | "toUpperCase" | "clone" | "orElse" | "reverse"
                if receiver.is_some() =>
            {
                let mut v = recv.flatten();
                v.tag = None;
                if matches!(name, "toLowerCase" | "toUpperCase" | "reverse") {
                    v.konst = None;
                    v.prefix = None;
                }
                if name == "orElse" {
                    v = v.join(&joined());
                }
                return Some(v);
            }
            "charAt" if receiver.is_some() => {
                if let (Some(s), Some(Const::Int(i))) = (
                    recv.as_str(),
                    args.first().and_then(|a| a.value.konst.as_ref()),
                ) && let Some(c) = usize::try_from(*i).ok().and_then(|i| s.chars().nth(i))
                {
                    return Some(Value::constant(Const::Str(c.to_string())));
                }
                return Some(Value::clean());
            }
            "concat" if receiver.is_some() => return Some(recv.concat(&joined())),
            "create" if qualifier == "URI" => {
                let mut v = args.first().map(|a| a.value.flatten()).unwrap_or_default();
                v.konst = None;
                return Some(v);
            }
            "valueOf" | "copyValueOf" if qualifier == "String" => {
                let mut v = joined();
                if let Some(Const::Int(i)) = &v.konst {
                    v.konst = Some(Const::Str(i.to_string()));
                }
                return Some(v);
            }
            "format" if qualifier == "String" => {
                let mut v = joined();
                v.konst = None;
                v.prefix = args
                    .first()
                    .and_then(|a| a.value.as_str())
                    .and_then(|s| s.split('%').next())
                    .filter(|p| !p.is_empty())
                    .map(Rc::from);
                return Some(v);
            }
            // `replaceAll("[^A-Za-z0-9]", "")`: only the listed word characters are left.
            "replaceAll"
                if receiver.is_some()
                    && args
                        .first()
                        .and_then(|a| a.value.as_str())
                        .is_some_and(removes_all_but_word_chars)
                    && args.get(1).and_then(|a| a.value.as_str()).is_some_and(|r| {
                        r.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    }) =>
            {
                let mut v = recv.flatten();
                v.konst = None;
                v.tag = None;
                v.prefix = None;
                return Some(v.sanitized(KindSet::ALL));
            }
            "replace" | "replaceAll"
                if receiver.is_some()
                    && args
                        .first()
                        .and_then(|a| a.value.as_str())
                        .is_some_and(|p| {
                            p.contains("\\n")
                                || p.contains("\\r")
                                || p.contains('\n')
                                || p.contains('\r')
                        }) =>
            {
                // Removing line breaks leaves nothing to forge a log entry or a header with.
                let mut v = recv
                    .flatten()
                    .join(&args.get(1).map(|a| a.value.flatten()).unwrap_or_default());
                v.konst = None;
                v.tag = None;
                v.prefix = None;
                return Some(v.sanitized(KindSet::of(&[SinkKind::Log, SinkKind::HeaderSplitting])));
            }
            "normalize" | "toRealPath" | "getCanonicalPath" | "getCanonicalFile"
                if receiver.is_some() =>
            {
                let mut v = recv.flatten();
                v.konst = None;
                return Some(v.with_tag(NORMALIZED_PATH));
            }
            "formatted" | "replace" | "replaceAll" | "replaceFirst" | "substring" | "split"
            | "repeat" | "subSequence"
                if receiver.is_some() =>
            {
                let mut v = if name == "formatted" {
                    recv.flatten().join(&joined())
                } else if matches!(name, "replace" | "replaceAll" | "replaceFirst") {
                    recv.flatten()
                        .join(&args.get(1).map(|a| a.value.flatten()).unwrap_or_default())
                } else {
                    recv.flatten()
                };
                v.konst = None;
                v.tag = None;
                if name != "substring" {
                    v.prefix = None;
                }
                return Some(v);
            }
            "encode" if qualifier == "URLEncoder" => {
                let mut v = args.first().map(|a| a.value.flatten()).unwrap_or_default();
                v.konst = None;
                return Some(v.sanitized(KindSet::of(&[
                    SinkKind::HeaderSplitting,
                    SinkKind::Log,
                    SinkKind::Xss,
                ])));
            }
            "nextElement" | "next" | "nextLine" | "readLine" | "nextToken" | "getValue"
            | "getKey" | "iterator" | "elements" | "keys" | "keySet" | "values" | "entrySet"
            | "stream" | "asList" | "of" | "getFirst" | "peek" | "poll" | "pop" => {
                let mut v = recv.flatten().join(&joined());
                v.konst = None;
                v.tag = None;
                return Some(v);
            }
            _ => {}
        }
        None
    }

    /// The variable a chain of builder calls starts from: `sb` in `sb.append(a).append(b)`.
    fn builder_root(&self, mut expr: Node<'t>) -> Option<String> {
        for _ in 0..32 {
            expr = ast::unparenthesize(expr);
            if expr.kind() != "method_invocation" {
                return self.var_key(expr);
            }
            let name = expr.child_by_field_name("name").map(|n| self.text(n));
            if !matches!(name, Some("append" | "insert" | "reverse")) {
                return None;
            }
            expr = expr.child_by_field_name("object")?;
        }
        None
    }

    /// The method of this file a call calls: by name and arity, in the class the receiver
    /// names (`this`, a local of a class type declared here, `new Inner()`, `Helper.m`).
    fn local_method(
        &self,
        call: Node<'t>,
        name: &str,
        object: Option<Node<'t>>,
        arity: usize,
    ) -> Option<Node<'t>> {
        let candidates: Vec<Node<'t>> = self
            .ft
            .methods()
            .get(name)?
            .iter()
            .copied()
            .filter(|m| {
                m.child_by_field_name("parameters").map_or(0, |p| {
                    ast::named_children(p)
                        .iter()
                        .filter(|c| matches!(c.kind(), "formal_parameter" | "spread_parameter"))
                        .count()
                }) == arity
            })
            .collect();
        let class_of = |m: Node<'t>| {
            ast::ancestor_of_kind(
                m,
                &[
                    "class_declaration",
                    "enum_declaration",
                    "record_declaration",
                    "interface_declaration",
                ],
            )
            .and_then(|c| c.child_by_field_name("name"))
            .map(|n| self.text(n))
        };
        let class: Option<&str> = match object.map(|o| (o.kind(), o)) {
            None | Some(("this" | "super", _)) => {
                let here = class_of(call);
                if let Some(m) = candidates.iter().find(|m| class_of(**m) == here) {
                    return Some(*m);
                }
                return (candidates.len() == 1)
                    .then(|| candidates.first().copied())
                    .flatten();
            }
            Some(("object_creation_expression", o)) => o
                .child_by_field_name("type")
                .and_then(|t| simple_type_name(t, self.src)),
            Some(("identifier", o)) => self.type_of(o).or_else(|| {
                Some(self.text(o)).filter(|t| t.starts_with(|c: char| c.is_ascii_uppercase()))
            }),
            _ => None,
        };
        let class = class?;
        candidates.into_iter().find(|m| class_of(*m) == Some(class))
    }

    fn apply_summary(
        &mut self,
        node: Node<'t>,
        name: &str,
        def: Node<'t>,
        args: &[Arg<'t>],
    ) -> Value {
        let result = self.ft.analysis(self.unit, def);
        let summary = &result.summary;
        let bound: Vec<Value> = args.iter().map(|a| a.value.clone()).collect();
        let call_step = self.step(node, format!("passed to `{name}()`"));
        for hit in &summary.sinks {
            let (flow, open) = Summary::instantiate(hit, &bound, &call_step);
            if let Some(flow) = flow {
                self.flows.push((key(node), flow));
            }
            self.hits.extend(open);
        }
        let ret = Summary::substitute(&summary.ret, &bound, &call_step);
        ret.step(&self.step(node, format!("returned from `{name}()`")))
    }

    /// The sinks a method call is, and which argument each reads.
    fn call_sinks(
        &self,
        name: &str,
        object: Option<Node<'t>>,
        receiver: Option<&Value>,
        args: &[Arg<'t>],
    ) -> Vec<(SinkKind, usize)> {
        use SinkKind::*;
        let all = |kind: SinkKind| (0..args.len()).map(|i| (kind, i)).collect::<Vec<_>>();
        let recv = receiver.cloned().unwrap_or_default();
        let ty = object.and_then(|o| self.type_of(o));
        let text = object
            .map(|o| self.text(o).to_ascii_lowercase())
            .unwrap_or_default();
        let object_name = object
            .filter(|o| o.kind() == "method_invocation")
            .and_then(|o| o.child_by_field_name("name"))
            .map(|n| self.text(n));
        let qualifier = object
            .map(|o| simple_name(self.text(o)))
            .unwrap_or_default();
        let response = recv.tag == Some(RESPONSE)
            || matches!(ty, Some("HttpServletResponse" | "ServletResponse"));
        let mut out = Vec::new();
        if SQL_METHODS.contains(&name)
            || GENERIC_METHODS.contains(&name) && self.runs_sql(object, ty, object_name)
        {
            out.push((Sql, 0));
        }
        match name {
            "exec"
                if ty == Some("Runtime")
                    || object_name == Some("getRuntime")
                    || text.contains("runtime") =>
            {
                // The command and its environment; a third argument is the directory.
                out.extend(all(Command).into_iter().take(2));
            }
            "command"
                if ty == Some("ProcessBuilder")
                    || text.contains("processbuilder")
                    || text == "pb" =>
            {
                out.extend(all(Command));
            }
            "get" if qualifier == "Paths" => out.extend(all(Path)),
            "of" if qualifier == "Path" => out.extend(all(Path)),
            n if qualifier == "Files" && FILES_METHODS.contains(&n) => {
                // `Files.copy(InputStream, Path)` reads the stream's bytes, not a path.
                let stream = args.first().is_some_and(|a| {
                    self.text(a.node).to_ascii_lowercase().contains("stream")
                        || self.type_of(a.node).is_some_and(|t| t.contains("Stream"))
                });
                if !stream {
                    out.push((Path, 0));
                }
                if matches!(n, "copy" | "move") {
                    out.push((Path, 1));
                }
            }
            n if WRITE_METHODS.contains(&n) && recv.tag == Some(WRITER) && !self.plain_response => {
                out.extend(all(Xss));
            }
            "search"
                if matches!(
                    ty,
                    Some(
                        "DirContext"
                            | "InitialDirContext"
                            | "LdapContext"
                            | "InitialLdapContext"
                            | "LdapTemplate"
                            | "LdapOperations"
                    )
                ) || text.contains("ctx")
                    || text.contains("ldap")
                    || text.contains("dircontext") =>
            {
                out.push((Ldap, 0));
                out.push((Ldap, 1));
            }
            "evaluate" | "compile"
                if ty == Some("XPath")
                    || text.contains("xpath")
                    || text == "xp"
                    || object_name == Some("newXPath") =>
            {
                out.push((Xpath, 0));
            }
            "setAttribute" | "putValue"
                if recv.tag == Some(SESSION) || ty == Some("HttpSession") =>
            {
                out.extend(all(TrustBoundary));
            }
            "sendRedirect" if response => out.push((Redirect, 0)),
            "setHeader" | "addHeader" if response => {
                let location = args
                    .first()
                    .and_then(|a| a.value.as_str())
                    .is_some_and(|h| h.eq_ignore_ascii_case("location"));
                if location {
                    out.push((Redirect, 1));
                } else {
                    out.push((HeaderSplitting, 0));
                    out.push((HeaderSplitting, 1));
                }
            }
            "addCookie" if response => out.push((HeaderSplitting, 0)),
            "newBuilder" if qualifier == "HttpRequest" => out.push((Ssrf, 0)),
            "uri" => out.push((Ssrf, 0)),
            "getForObject" | "getForEntity" | "postForObject" | "postForEntity"
            | "postForLocation" | "exchange" | "patchForObject" | "headForHeaders"
            | "optionsForAllow"
                if matches!(
                    ty,
                    Some("RestTemplate" | "RestOperations" | "TestRestTemplate")
                ) || text.contains("rest") =>
            {
                out.push((Ssrf, 0));
            }
            n if LOG_METHODS.contains(&n)
                && (matches!(ty, Some("Logger" | "Log" | "ExtendedLogger"))
                    || matches!(object_name, Some("getLogger" | "getLog"))
                    || ty.is_none()
                        && ast::identifier_words(qualifier)
                            .last()
                            .is_some_and(|w| matches!(w.as_str(), "log" | "logger"))) =>
            {
                out.extend(all(Log));
            }
            "eval"
                if ty.is_some_and(|t| t.contains("ScriptEngine"))
                    || text.contains("engine")
                    || text.contains("script") =>
            {
                out.push((Code, 0));
            }
            "evaluate" if ty == Some("GroovyShell") || text.contains("shell") => {
                out.push((Code, 0));
            }
            "parseExpression"
                if ty.is_some_and(|t| t.contains("ExpressionParser"))
                    || text.contains("parser") =>
            {
                out.push((Code, 0));
            }
            _ => {}
        }
        out
    }

    /// Whether the receiver of `execute`/`query`/`update` runs SQL: a JDBC statement or
    /// a Spring template, by declared type, by name, or by the call that made it.
    fn runs_sql(&self, object: Option<Node<'t>>, ty: Option<&str>, made_by: Option<&str>) -> bool {
        let Some(object) = object else {
            return false;
        };
        if let Some(ty) = ty {
            return SQL_RECEIVERS.contains(&ty);
        }
        if let Some(made_by) = made_by {
            return made_by == "createStatement"
                || ast::identifier_words(made_by)
                    .iter()
                    .any(|w| w == "jdbc" || w == "template");
        }
        let name = object
            .child_by_field_name("field")
            .map_or(self.text(object), |f| self.text(f));
        ast::identifier_words(name)
            .iter()
            .any(|w| SQL_RECEIVER_WORDS.contains(&w.as_str()))
    }

    fn creation(&mut self, node: Node<'t>, st: &mut State) -> Value {
        let ty = node
            .child_by_field_name("type")
            .and_then(|t| simple_type_name(t, self.src))
            .unwrap_or_default();
        let mut args = Vec::new();
        if let Some(list) = node.child_by_field_name("arguments") {
            for a in crate::java::calls::arguments(list) {
                let value = self.eval(a, st);
                args.push(Arg { node: a, value });
            }
        }
        if ast::named_children(node)
            .iter()
            .any(|c| c.kind() == "class_body")
        {
            return Value::clean();
        }
        // `new RequestWrapper(request)`: a class from elsewhere that reads the request.
        if args.iter().any(|a| a.value.tag == Some(REQUEST)) && !self.ft.declares_class(ty) {
            return Value::clean().with_tag(WRAPPED_REQUEST);
        }
        use SinkKind::*;
        let sinks: Vec<(SinkKind, usize)> = match ty {
            "File" => (0..args.len()).map(|i| (Path, i)).collect(),
            t if PATH_TYPES.contains(&t) => vec![(Path, 0)],
            "ProcessBuilder" => (0..args.len()).map(|i| (Command, i)).collect(),
            "RedirectView" => vec![(Redirect, 0)],
            "ModelAndView"
                if args
                    .first()
                    .and_then(|a| a.value.prefix.as_deref())
                    .is_some_and(|p| p.starts_with("redirect:")) =>
            {
                vec![(Redirect, 0)]
            }
            _ => Vec::new(),
        };
        let sink_name = format!("new {ty}");
        let shell = runs_shell(&args);
        for (kind, index) in &sinks {
            if let Some(arg) = args.get(*index) {
                let value = if *kind == Command && !shell {
                    arg.value.trusting_low_confidence(*kind)
                } else {
                    arg.value.clone()
                };
                self.sink(node, arg.node, *kind, &sink_name, &value);
            }
        }
        let joined = args
            .iter()
            .fold(Value::clean(), |acc, a| acc.join(&a.value.flatten()));
        match ty {
            "URL" | "URI" if args.len() == 1 => {
                // What a URL is made of; the request it makes is the sink.
                let mut v = args.first().map(|a| a.value.flatten()).unwrap_or_default();
                v.konst = None;
                v
            }
            "URL" | "URI" => {
                // `new URL(protocol, host, [port,] file)`, `new URI(scheme, host|authority,
                // ..)`: constant scheme and host fix where the request goes.
                let host_at = if ty == "URI" && args.len() == 7 { 2 } else { 1 };
                let mut v = joined;
                v.konst = None;
                v.prefix = match (
                    args.first().and_then(|a| a.value.as_str()),
                    args.get(host_at).and_then(|a| a.value.as_str()),
                ) {
                    (Some(scheme), Some(host)) => Some(Rc::from(format!("{scheme}://{host}/"))),
                    _ => None,
                };
                v
            }
            "StringBuilder" | "StringBuffer" | "String" => match args.first() {
                None => Value::constant(Const::Str(String::new())),
                Some(a)
                    if a.value
                        .konst
                        .as_ref()
                        .is_some_and(|c| matches!(c, Const::Int(_))) =>
                {
                    Value::constant(Const::Str(String::new()))
                }
                Some(_) => {
                    let mut v = joined;
                    if ty == "String" && args.len() > 1 {
                        v.konst = None;
                    }
                    v
                }
            },
            "ArrayList" | "LinkedList" | "Vector" | "ArrayDeque" | "Stack"
                if args.is_empty()
                    || args
                        .first()
                        .is_some_and(|a| matches!(a.value.konst, Some(Const::Int(_)))) =>
            {
                Value {
                    shape: Shape::Seq(Rc::new(Vec::new())),
                    ..Value::default()
                }
            }
            "HashMap" | "TreeMap" | "LinkedHashMap" | "Hashtable" | "ConcurrentHashMap"
            | "Properties"
                if args.is_empty() =>
            {
                Value {
                    shape: Shape::Map(Rc::new(BTreeMap::new())),
                    ..Value::default()
                }
            }
            // A stream over a file: its contents are not the request data that chose it.
            t if t != "File" && PATH_TYPES.contains(&t) => Value::opaque(),
            _ if !sinks.is_empty() => {
                // The sink was checked here; what it opens is not checked again.
                let mut v = joined;
                v.konst = None;
                v.sanitized(KindSet::of(&[sinks.first().map_or(Path, |(k, _)| *k)]))
            }
            _ => {
                let mut v = joined;
                v.konst = None;
                v.prefix = None;
                v.tag = None;
                v
            }
        }
    }

    /// Records what reaches a sink: a flow for each source, a summary hit for parameters.
    fn sink(&mut self, trigger: Node<'t>, at: Node<'t>, kind: SinkKind, name: &str, value: &Value) {
        let prefix = value
            .prefix
            .as_deref()
            .map(|p| p.strip_prefix("redirect:").unwrap_or(p));
        let value =
            if matches!(kind, SinkKind::Ssrf | SinkKind::Redirect) && prefix_fixes_host(prefix) {
                value.sanitized(KindSet::of(&[kind]))
            } else {
                value.flatten()
            };
        let hit = SinkHit {
            kind,
            sink: Span::of(at, self.src),
            sink_name: name.to_string(),
            value: value.clone(),
        };
        let (flow, open) = hit.outcomes();
        if let Some(flow) = flow {
            self.flows.push((key(trigger), flow));
        }
        self.hits.extend(open);
        self.reach.push((key(trigger), kind, value));
    }
}

/// Whether a name is written like a constant (`ALLOWED`), so a qualifier spelled so is
/// a field, not a type.
fn semantic_is_constant(name: &str) -> bool {
    crate::java::semantic::is_constant_name(name) && name.len() > 1
}

/// Whether a command's program, as far as it is a constant, is a shell: the first element
/// of an array or list, the first word of a command line, or the first of several
/// arguments.
fn runs_shell(args: &[Arg<'_>]) -> bool {
    let Some(first) = args.first() else {
        return false;
    };
    let program = match &first.value.shape {
        Shape::Seq(items) => items.first().and_then(|i| i.prefix.clone()),
        _ => first.value.prefix.clone(),
    };
    let Some(program) = program else {
        return false;
    };
    let word = program.split_whitespace().next().unwrap_or_default();
    let base = word.rsplit(['/', '\\']).next().unwrap_or(word);
    SHELLS.contains(&base.to_ascii_lowercase().as_str())
}

/// Whether a regular expression, as written in a Java string literal, admits only
/// characters it lists: no `.` outside a class, no negated class, and no class escape
/// that admits spaces, line breaks or punctuation (`\\s`, `\\S`, `\\W`, `\\D`).
fn is_strict_regex(pattern: &str) -> bool {
    let mut in_class = false;
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                // `\\s` in the literal is `\s` in the regex.
                let mut escaped = chars.next();
                if escaped == Some('\\') {
                    escaped = chars.next();
                }
                if matches!(escaped, Some('s' | 'S' | 'W' | 'D' | 'n' | 'r' | 'R' | 'X')) {
                    return false;
                }
            }
            '[' if !in_class => {
                if chars.peek() == Some(&'^') {
                    return false;
                }
                in_class = true;
            }
            ']' if in_class => in_class = false,
            '.' if !in_class => return false,
            _ => {}
        }
    }
    true
}

/// Whether a pattern matches every character outside a class of word characters
/// (`[^A-Za-z0-9]`, `[^\\w-]+`), so replacing its matches leaves only those.
fn removes_all_but_word_chars(pattern: &str) -> bool {
    let Some(rest) = pattern.strip_prefix("[^") else {
        return false;
    };
    let rest = rest.trim_end_matches(['+', '*']);
    let Some(class) = rest.strip_suffix(']') else {
        return false;
    };
    let listed = class.replace("\\\\w", "").replace("\\\\d", "");
    !class.is_empty()
        && listed
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn join_opt(a: Option<Value>, b: Option<Value>) -> Option<Value> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.join(&b)),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::{is_strict_regex, removes_all_but_word_chars};

    #[test]
    fn strict_regexes_list_their_characters() {
        assert!(is_strict_regex("[A-Za-z0-9][A-Za-z0-9.-]{0,252}"));
        assert!(is_strict_regex("\\\\d+"));
        assert!(is_strict_regex("[a-z_]+"));
        assert!(!is_strict_regex(".*"));
        assert!(!is_strict_regex("[^<>]+"));
        assert!(!is_strict_regex("[\\\\w\\\\s]+"));
        assert!(!is_strict_regex("\\\\S+"));
    }

    #[test]
    fn replacing_all_but_word_characters_leaves_only_them() {
        assert!(removes_all_but_word_chars("[^A-Za-z0-9]"));
        assert!(removes_all_but_word_chars("[^\\\\w-]+"));
        assert!(!removes_all_but_word_chars("[^A-Za-z0-9./]"));
        assert!(!removes_all_but_word_chars("[<>]"));
        assert!(!removes_all_but_word_chars("[^]"));
    }
}
