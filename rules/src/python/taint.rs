//! The Python front end of the taint analysis: which expressions are sources (Flask and
//! Django request data, `sys.argv`, `input()`, the environment), which calls are sinks
//! and sanitizers, and how each statement moves values, interpreted over the tree-sitter
//! tree of one function at a time.
//!
//! A function is analysed only when a rule asks about a sink call inside it, and at most
//! once per file: the result holds every flow found in it, what reaches each sink, and the
//! function's [`Summary`] for its callers. A file with no source at all is never analysed.
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
use crate::python::semantic::{Binding, Module, string_value};
use crate::python::{call, quote};
use crate::taint::{
    Confidence, Const, Flow, KindSet, Label, Origin, Shape, SinkHit, SinkKind, State, Step,
    Summary, Trace, Value, const_key, element_of, fold, load, prefix_fixes_host, remove, store,
};

const MAX_DEPTH: usize = 64;

/// Stack that must stay free below the interpreter: when less remains (deep code on a
/// small thread stack, large debug frames), the rest of the expression is opaque.
const STACK_RESERVE: usize = 96 * 1024;

fn stack_is_low() -> bool {
    stacker::remaining_stack().is_some_and(|left| left < STACK_RESERVE)
}

/// Tags the Python front end puts on values.
const REQUEST: u8 = 1;
const SESSION: u8 = 2;
const RESPONSE: u8 = 3;
const LOGGER: u8 = 4;
const NORMALIZED_PATH: u8 = 5;
/// A Django template: it escapes HTML in the values it renders unless told otherwise.
const AUTOESCAPING_TEMPLATE: u8 = 6;
/// An HTTP client session (`requests.Session()`): its `get`/`post` fetch a URL.
const HTTP_CLIENT: u8 = 7;
/// Text that starts with a base the program chose (`settings.API_URL`) followed by a
/// path (`/users/`): what comes after it cannot change the host it names.
const HOST_FIXED: u8 = 8;

/// `left + right` for text, knowing when the host of a URL is settled: once a base
/// that no request or parameter chose is followed by `/path`, later parts only choose
/// a path, so they cannot redirect the request or the browser elsewhere.
fn join_text(left: &Value, right: &Value) -> Value {
    let fixed = left.tag == Some(HOST_FIXED);
    let right = if fixed {
        right.sanitized(KindSet::of(&[SinkKind::Ssrf, SinkKind::Redirect]))
    } else {
        right.clone()
    };
    let mut out = left.concat(&right);
    let chosen_base = left.konst.is_none()
        && left.prefix.as_deref().is_none_or(str::is_empty)
        && left.all_origins().iter().all(|o| {
            matches!(o.label, Label::Opaque)
                || o.safe.contains(SinkKind::Ssrf) && o.safe.contains(SinkKind::Redirect)
        });
    let starts_path = right
        .as_str()
        .is_some_and(|s| s.starts_with('/') && !s.starts_with("//"));
    if fixed || chosen_base && starts_path {
        out.tag = Some(HOST_FIXED);
    }
    out
}

/// The tag of the object a call constructs, for the constructors the rules care about.
fn constructed_tag(qualified: &str) -> Option<u8> {
    match qualified {
        "logging.getLogger" | "structlog.get_logger" => Some(LOGGER),
        "requests.Session"
        | "requests.session"
        | "requests.sessions.Session"
        | "httpx.Client"
        | "httpx.AsyncClient"
        | "aiohttp.ClientSession"
        | "urllib3.PoolManager" => Some(HTTP_CLIENT),
        _ => None,
    }
}

/// A range of a node, used to key what is recorded at a node.
type Key = (usize, usize);

fn key(node: Node<'_>) -> Key {
    (node.start_byte(), node.end_byte())
}

/// What the analysis of one function found.
#[derive(Debug, Default)]
pub struct FnResult {
    /// Sources reaching sinks, keyed by the node whose rule reports them: the sink call,
    /// or the call into a same-file function with the sink inside.
    pub flows: Vec<(Key, Flow)>,
    /// What reaches each sink, by sink node and kind.
    pub reach: Vec<(Key, SinkKind, Value)>,
    pub summary: Summary,
    /// Code a constant condition never runs (`if DEBUG:` with `DEBUG = False`).
    pub dead: Vec<Key>,
    /// Stores into a parameter by subscript (`store[key] = value`), by parameter index:
    /// sinks when a caller passes the session.
    pub param_stores: Vec<(usize, SinkHit)>,
}

impl FnResult {
    /// Whether `node` lies in code a constant condition never runs.
    pub fn is_dead(&self, node: Node<'_>) -> bool {
        self.dead
            .iter()
            .any(|&(start, end)| start <= node.start_byte() && node.end_byte() <= end)
    }
}

/// Per-file taint facts, built on demand.
pub struct FileTaint<'t> {
    source: &'t str,
    root: Node<'t>,
    active: bool,
    flask: bool,
    results: RefCell<HashMap<usize, Rc<FnResult>>>,
    busy: RefCell<HashSet<usize>>,
    reported: RefCell<HashSet<(SinkKind, usize, usize)>>,
    called: OnceCell<HashSet<&'t str>>,
    /// The state of the enclosing function where a nested `def` appears: the variables
    /// the nested function reads from its closure.
    closures: RefCell<HashMap<usize, State>>,
    /// What each class's methods store in `self`, by class node.
    fields: RefCell<HashMap<usize, Rc<BTreeMap<String, Value>>>>,
}

impl<'t> FileTaint<'t> {
    pub fn new(root: Node<'t>, source: &'t str) -> FileTaint<'t> {
        // Every source names one of these words, or is a variable of a Flask URL rule
        // (`"/files/<name>"`); a file without them has no flow to find.
        let flask = source.contains("flask");
        let active = [
            "request", "Request", ".GET", ".POST", ".META", ".COOKIES", ".FILES", "argv", "input(",
            "environ", "getenv",
        ]
        .iter()
        .any(|w| source.contains(w))
            || flask && source.contains("/<");
        FileTaint {
            source,
            root,
            active,
            flask,
            results: RefCell::new(HashMap::new()),
            busy: RefCell::new(HashSet::new()),
            reported: RefCell::new(HashSet::new()),
            called: OnceCell::new(),
            closures: RefCell::new(HashMap::new()),
            fields: RefCell::new(HashMap::new()),
        }
    }

    /// Whether the file has anything a source could be.
    pub fn is_active(&self) -> bool {
        self.active
    }

    /// The function (or module) whose body holds the node with these ancestors.
    pub fn enclosing(&self, mut ancestors: impl Iterator<Item = Node<'t>>) -> Node<'t> {
        ancestors
            .find(|n| n.kind() == "function_definition")
            .unwrap_or(self.root)
    }

    /// Records that a flow to `sink` was reported; false when it already was, so a sink
    /// reached from two callers is one finding.
    pub fn mark_reported(&self, kind: SinkKind, sink: Span) -> bool {
        self.reported
            .borrow_mut()
            .insert((kind, sink.start_byte, sink.end_byte))
    }

    /// Whether a function of this name is called anywhere in the file.
    pub fn is_called(&self, name: &str) -> bool {
        self.called
            .get_or_init(|| {
                ast::descendants(self.root)
                    .filter(|n| n.kind() == "call")
                    .filter_map(|n| call::callee_name(n, self.source))
                    .collect()
            })
            .contains(name)
    }

    /// The analysis of `function` (a `function_definition`, or the module for top-level
    /// code), computed on first request.
    pub fn analysis(&self, module: &Module<'t>, function: Node<'t>) -> Rc<FnResult> {
        if let Some(done) = self.results.borrow().get(&function.id()) {
            return done.clone();
        }
        if !self.busy.borrow_mut().insert(function.id()) {
            // Recursion: the call is judged as an unknown function of its arguments.
            return Rc::new(recursive_result(function, self.source));
        }
        let interp = self.interpret(module, function, false);
        let params = parameters(function, self.source);
        let result = Rc::new(FnResult {
            flows: interp.flows,
            reach: interp.reach,
            summary: Summary {
                params: params.into_iter().map(|(n, _)| n).collect(),
                ret: interp.ret.unwrap_or_default(),
                sinks: interp.hits,
            },
            dead: interp.dead,
            param_stores: interp.param_stores,
        });
        self.busy.borrow_mut().remove(&function.id());
        self.results
            .borrow_mut()
            .insert(function.id(), result.clone());
        result
    }

    /// Runs the interpreter over `function`'s body. A `shallow` run does not follow calls
    /// into this file's functions or read fields other methods store: it finds what a
    /// method stores in `self`, without recursion between methods.
    fn interpret<'a>(
        &'a self,
        module: &'a Module<'t>,
        function: Node<'t>,
        shallow: bool,
    ) -> Interp<'a, 't> {
        let mut interp = Interp {
            ft: self,
            module,
            src: self.source,
            view: self.flask && is_route(function, self.source),
            ret: None,
            flows: Vec::new(),
            reach: Vec::new(),
            hits: Vec::new(),
            depth: 0,
            dead: Vec::new(),
            fields: BTreeMap::new(),
            loops: Vec::new(),
            shallow,
            parsed_urls: HashMap::new(),
            param_stores: Vec::new(),
            forms: HashMap::new(),
            class: None,
        };
        let mut state = if shallow {
            State::default()
        } else {
            self.closure_state(module, function)
        };
        let route = if interp.view {
            route_parameters(function, self.source)
        } else {
            Vec::new()
        };
        for (i, (name, node)) in parameters(function, self.source).iter().enumerate() {
            let value = if is_request_parameter(name, *node, self.source) {
                Value::clean().with_tag(REQUEST)
            } else if i == 0 && matches!(name.as_str(), "self" | "cls") {
                // The object's own state: not something a caller passes in.
                Value::opaque()
            } else if let Some((_, converter)) = route.iter().find(|(n, _)| n == name) {
                // `<int:id>` is a number by the time the view sees it.
                if matches!(converter.as_str(), "int" | "float" | "uuid") {
                    Value::clean()
                } else {
                    interp.source(
                        *node,
                        &format!("route parameter `{name}`"),
                        Confidence::High,
                    )
                }
            } else {
                Value::from_label(Label::Param(i), Trace::default())
            };
            state.set(name.clone(), value);
        }
        let body = if function.kind() == "function_definition" {
            function.child_by_field_name("body")
        } else {
            Some(function)
        };
        if let Some(body) = body {
            interp.block(body, &mut state);
        }
        interp
    }

    /// The variables a nested function sees in its closure: the enclosing function's
    /// state where the `def` appears, with that function's parameters made opaque. Empty
    /// for a top-level function or method.
    fn closure_state(&self, module: &Module<'t>, function: Node<'t>) -> State {
        if function.kind() != "function_definition" {
            return State::default();
        }
        let Some(outer) = function
            .parent()
            .and_then(|p| ast::ancestor_of_kind(p, &["function_definition", "class_definition"]))
            .filter(|o| o.kind() == "function_definition")
        else {
            return State::default();
        };
        if !self.closures.borrow().contains_key(&function.id()) {
            let _ = self.analysis(module, outer);
        }
        let Some(captured) = self.closures.borrow().get(&function.id()).cloned() else {
            return State::default();
        };
        State {
            vars: captured
                .vars
                .iter()
                .map(|(k, v)| (k.clone(), without_params(v)))
                .collect(),
            dead: false,
        }
    }

    /// What the methods of `class` store in `self.<name>` fields, by `self.<name>`,
    /// joined over every assignment; the methods' parameters are opaque here.
    fn class_fields(&self, module: &Module<'t>, class: Node<'t>) -> Rc<BTreeMap<String, Value>> {
        if let Some(done) = self.fields.borrow().get(&class.id()) {
            return done.clone();
        }
        let mut fields: BTreeMap<String, Value> = BTreeMap::new();
        let members = class
            .child_by_field_name("body")
            .map(ast::named_children)
            .unwrap_or_default();
        for member in members {
            let def = if member.kind() == "decorated_definition" {
                member.child_by_field_name("definition")
            } else {
                Some(member)
            };
            let Some(def) = def.filter(|d| d.kind() == "function_definition") else {
                continue;
            };
            for (name, value) in self.interpret(module, def, true).fields {
                let value = without_params(&value);
                let joined = match fields.get(&name) {
                    Some(v) => v.join(&value),
                    None => value,
                };
                fields.insert(name, joined);
            }
        }
        let fields = Rc::new(fields);
        self.fields.borrow_mut().insert(class.id(), fields.clone());
        fields
    }
}

/// A value as seen outside the function that computed it: its parameters are opaque.
fn without_params(v: &Value) -> Value {
    v.map_origins(&|o: &Origin| {
        Rc::new(Origin {
            label: match o.label {
                Label::Param(_) => Label::Opaque,
                ref other => other.clone(),
            },
            safe: o.safe,
            trace: o.trace.clone(),
        })
    })
}

/// Whether a parameter holds the incoming request: named `request` or `req`, or
/// annotated with a request class (`http_request: HttpRequest`).
fn is_request_parameter(name: &str, param: Node<'_>, source: &str) -> bool {
    if matches!(name, "request" | "req") {
        return true;
    }
    let Some(annotation) = param.child_by_field_name("type") else {
        return false;
    };
    let text = source.get(annotation.byte_range()).unwrap_or_default();
    let last = text.rsplit('.').next().unwrap_or_default().trim();
    matches!(last, "HttpRequest" | "WSGIRequest" | "ASGIRequest")
}

fn recursive_result(function: Node<'_>, source: &str) -> FnResult {
    let params = parameters(function, source);
    let mut ret = Value::opaque();
    for i in 0..params.len() {
        ret = ret.join(&Value::from_label(Label::Param(i), Trace::default()));
    }
    FnResult {
        summary: Summary {
            params: params.into_iter().map(|(n, _)| n).collect(),
            ret,
            sinks: Vec::new(),
        },
        ..FnResult::default()
    }
}

/// The parameter names of a function, in order (`self` included).
fn parameters<'t>(function: Node<'t>, source: &str) -> Vec<(String, Node<'t>)> {
    let Some(params) = function.child_by_field_name("parameters") else {
        return Vec::new();
    };
    let text = |n: Node<'_>| source.get(n.byte_range()).unwrap_or_default().to_string();
    ast::named_children(params)
        .into_iter()
        .filter_map(|p| {
            let name = match p.kind() {
                "identifier" => Some(p),
                "default_parameter" | "typed_default_parameter" => p.child_by_field_name("name"),
                "typed_parameter" | "list_splat_pattern" | "dictionary_splat_pattern" => {
                    ast::named_children(p)
                        .into_iter()
                        .find(|c| c.kind() == "identifier")
                }
                _ => None,
            }?;
            Some((text(name), p))
        })
        .collect()
}

/// Whether a function is a Flask view: decorated with `@app.route(...)`, `@bp.get(...)`.
fn is_route(function: Node<'_>, source: &str) -> bool {
    let Some(parent) = function.parent() else {
        return false;
    };
    parent.kind() == "decorated_definition"
        && ast::named_children(parent)
            .into_iter()
            .filter(|d| d.kind() == "decorator")
            .any(|d| {
                let text = source.get(d.byte_range()).unwrap_or_default();
                [".route(", ".get(", ".post(", ".put(", ".patch(", ".delete("]
                    .iter()
                    .any(|w| text.contains(w))
            })
}

/// The variables of a Flask view's URL rules (`@app.route("/files/<path:name>")`), with
/// their converters (`path`; empty for the default string converter).
fn route_parameters(function: Node<'_>, source: &str) -> Vec<(String, String)> {
    let Some(parent) = function.parent() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for decorator in ast::named_children(parent) {
        if decorator.kind() != "decorator" {
            continue;
        }
        let text = source.get(decorator.byte_range()).unwrap_or_default();
        for part in text.split('<').skip(1) {
            let Some((variable, _)) = part.split_once('>') else {
                continue;
            };
            let (converter, name) = match variable.split_once(':') {
                Some((c, n)) => (c.trim(), n.trim()),
                None => ("", variable.trim()),
            };
            let converter = converter.split('(').next().unwrap_or_default();
            if !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                out.push((name.to_string(), converter.to_string()));
            }
        }
    }
    out
}

/// Attributes of a request object that carry client data.
const REQUEST_ATTRIBUTES: &[&str] = &[
    "args",
    "form",
    "values",
    "cookies",
    "headers",
    "files",
    "json",
    "data",
    "GET",
    "POST",
    "COOKIES",
    "META",
    "body",
    "FILES",
    "query_params",
    "path",
    "path_info",
    "full_path",
    "url",
    "base_url",
    "query_string",
    "stream",
    "view_args",
    "host",
    "referrer",
    "user_agent",
];

/// Whether `container[key]` reads a Django `request.META` entry that the server sets
/// (`REMOTE_ADDR`, `SERVER_PORT`, or one a middleware stored): only `HTTP_*` headers, the
/// query string, the path and the body's type and length come from the client.
fn is_server_meta(container: &str, key: Option<&Const>) -> bool {
    let Some(Const::Str(key)) = key else {
        return false;
    };
    container.ends_with(".META")
        && !key.starts_with("HTTP_")
        && !matches!(
            key.as_str(),
            "QUERY_STRING"
                | "PATH_INFO"
                | "SCRIPT_NAME"
                | "REQUEST_URI"
                | "RAW_URI"
                | "CONTENT_TYPE"
                | "CONTENT_LENGTH"
                | "SERVER_NAME"
                | "REMOTE_USER"
                | "REMOTE_IDENT"
        )
}

/// Functions whose result keeps their argument's text, so a redirect target built by
/// them is still chosen by the argument.
const URL_PASS_THROUGH: &[&str] = &[
    "urllib.parse.unquote",
    "urllib.parse.unquote_plus",
    "urllib.parse.urljoin",
    "urllib.parse.urlunparse",
    "urllib.parse.urlunsplit",
    "urlparse.urljoin",
    "base64.b64decode",
    "base64.urlsafe_b64decode",
    "base64.b32decode",
    "base64.b16decode",
    "codecs.decode",
    "html.unescape",
    "builtins.bytes",
    "builtins.bytearray",
];

/// Django form fields whose cleaned value is a number, a date, a boolean, a slug, or one
/// of the field's fixed choices.
const CONSTRAINED_FORM_FIELDS: &[&str] = &[
    "IntegerField",
    "FloatField",
    "DecimalField",
    "BooleanField",
    "NullBooleanField",
    "DateField",
    "DateTimeField",
    "TimeField",
    "DurationField",
    "UUIDField",
    "SlugField",
    "ChoiceField",
    "TypedChoiceField",
    "MultipleChoiceField",
    "ModelChoiceField",
];

/// Methods of a request object that return client data.
const REQUEST_METHODS: &[&str] = &[
    "get_json",
    "get_data",
    "get_full_path",
    "build_absolute_uri",
    "get_host",
    "read",
    "readline",
];

/// Calls whose result is a number or a boolean: nothing injectable survives them.
const NUMERIC: &[&str] = &[
    "builtins.int",
    "builtins.float",
    "builtins.bool",
    "builtins.len",
    "builtins.abs",
    "builtins.round",
    "builtins.hash",
    "builtins.id",
    "builtins.ord",
    "builtins.isinstance",
    "builtins.complex",
    "decimal.Decimal",
    "uuid.UUID",
    "math.floor",
    "math.ceil",
];

/// Sanitizers by qualified name, and the sink kinds their result is safe for.
fn sanitizer(name: &str) -> Option<KindSet> {
    use SinkKind::*;
    Some(match name {
        "html.escape"
        | "markupsafe.escape"
        | "flask.escape"
        | "jinja2.escape"
        | "django.utils.html.escape"
        | "django.utils.html.conditional_escape"
        | "cgi.escape"
        | "bleach.clean"
        | "xml.sax.saxutils.escape" => KindSet::of(&[Xss]),
        "shlex.quote" | "pipes.quote" | "shlex.join" => KindSet::of(&[Command]),
        "werkzeug.utils.secure_filename"
        | "werkzeug.secure_filename"
        | "os.path.basename"
        | "posixpath.basename"
        | "werkzeug.security.safe_join"
        | "werkzeug.utils.safe_join"
        | "flask.safe_join" => KindSet::of(&[Path]),
        "ldap.filter.escape_filter_chars"
        | "ldap3.utils.conv.escape_filter_chars"
        | "ldap.dn.escape_dn_chars" => KindSet::of(&[Ldap]),
        "psycopg2.sql.Identifier"
        | "psycopg2.sql.Literal"
        | "psycopg.sql.Identifier"
        | "psycopg.sql.Literal"
        | "psycopg2.extensions.quote_ident" => KindSet::of(&[Sql]),
        "urllib.parse.quote" | "urllib.parse.quote_plus" | "urllib.parse.urlencode" => {
            KindSet::of(&[Xss, Log, HeaderSplitting])
        }
        "flask.url_for" | "django.urls.reverse" => {
            KindSet::of(&[Xss, Log, HeaderSplitting, Redirect, Ssrf])
        }
        _ => return None,
    })
}

/// Method names that quote SQL identifiers whatever their receiver.
const SQL_QUOTE_METHODS: &[&str] = &["quote_name", "quote_name_unless_alias", "quote_ident"];

/// String methods whose result is the receiver's text, changed.
/// Methods whose result is a number or a boolean, whatever their receiver holds.
const NUMERIC_METHODS: &[&str] = &[
    "timestamp",
    "toordinal",
    "weekday",
    "isoweekday",
    "count",
    "find",
    "rfind",
    "index",
    "rindex",
    "bit_length",
    "startswith",
    "endswith",
    "isdigit",
    "isnumeric",
    "isalpha",
    "isalnum",
];

const STR_SAME: &[&str] = &[
    "strip",
    "lstrip",
    "rstrip",
    "lower",
    "upper",
    "title",
    "capitalize",
    "casefold",
    "swapcase",
    "encode",
    "decode",
    "removeprefix",
    "removesuffix",
    "zfill",
    "center",
    "ljust",
    "rjust",
    "expandtabs",
    "translate",
    "split",
    "rsplit",
    "splitlines",
    "partition",
    "rpartition",
    "copy",
    "items",
    "values",
    "keys",
    "getlist",
    "read",
    "to_dict",
];

/// Methods whose result is a number or a boolean.
const METHODS_CLEAN: &[&str] = &[
    "startswith",
    "endswith",
    "isdigit",
    "isnumeric",
    "isdecimal",
    "isalnum",
    "isalpha",
    "isidentifier",
    "isspace",
    "islower",
    "isupper",
    "count",
    "find",
    "rfind",
    "index",
    "rindex",
    "__len__",
    "exists",
    "is_file",
    "is_dir",
];

const SHELL_OPTIONAL: &[&str] = &[
    "subprocess.run",
    "subprocess.call",
    "subprocess.check_call",
    "subprocess.check_output",
    "subprocess.Popen",
];

const SHELL_ALWAYS: &[&str] = &[
    "os.system",
    "os.popen",
    "subprocess.getoutput",
    "subprocess.getstatusoutput",
    "commands.getoutput",
    "asyncio.create_subprocess_shell",
];

const SHELLS: &[&str] = &[
    "sh",
    "bash",
    "zsh",
    "dash",
    "ksh",
    "cmd",
    "cmd.exe",
    "powershell",
];

const LOG_METHODS: &[&str] = &[
    "debug",
    "info",
    "warning",
    "warn",
    "error",
    "critical",
    "exception",
    "fatal",
];

/// One argument of a call, evaluated.
struct Arg<'t> {
    node: Node<'t>,
    keyword: Option<&'t str>,
    value: Value,
}

/// Which argument a sink reads: by position or keyword, and for argument lists, which
/// element.
struct SinkArg {
    kind: SinkKind,
    arg: usize,
    element: Option<usize>,
}

struct Interp<'a, 't> {
    ft: &'a FileTaint<'t>,
    module: &'a Module<'t>,
    src: &'t str,
    view: bool,
    ret: Option<Value>,
    flows: Vec<(Key, Flow)>,
    reach: Vec<(Key, SinkKind, Value)>,
    hits: Vec<SinkHit>,
    depth: usize,
    /// Blocks a constant condition skips.
    dead: Vec<Key>,
    /// Values stored in `self.<name>`, joined.
    fields: BTreeMap<String, Value>,
    /// For each enclosing loop, the states at its `break` and `continue` statements.
    loops: Vec<State>,
    /// Whether calls into this file's functions and other methods' fields are left
    /// unexplored (see [`FileTaint::interpret`]).
    shallow: bool,
    /// Variables holding a parsed URL (`parsed = urlparse(url)`), with the URL's variable.
    parsed_urls: HashMap<String, String>,
    /// See [`FnResult::param_stores`].
    param_stores: Vec<(usize, SinkHit)>,
    /// Variables holding a Django form of a class of this file (`form = SearchForm(...)`).
    forms: HashMap<String, Node<'t>>,
    /// The class whose method is interpreted, found on the first `self.x` read.
    class: Option<Option<Node<'t>>>,
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

    fn block(&mut self, block: Node<'t>, st: &mut State) {
        for stmt in ast::named_children(block) {
            if st.dead {
                return;
            }
            self.stmt(stmt, st);
        }
    }

    fn stmt(&mut self, node: Node<'t>, st: &mut State) {
        if self.depth > MAX_DEPTH || stack_is_low() {
            return;
        }
        self.depth += 1;
        self.stmt_inner(node, st);
        self.depth -= 1;
    }

    fn stmt_inner(&mut self, node: Node<'t>, st: &mut State) {
        match node.kind() {
            "expression_statement" => {
                for child in ast::named_children(node) {
                    match child.kind() {
                        "assignment" => self.assignment(child, st),
                        "augmented_assignment" => self.augmented(child, st),
                        _ => {
                            let _ = self.eval(child, st);
                            if child.kind() == "call" && self.exits(child) {
                                st.dead = true;
                            }
                        }
                    }
                }
            }
            "block" => self.block(node, st),
            "if_statement" => self.if_chain(node, st),
            "for_statement" => {
                let iterable = node
                    .child_by_field_name("right")
                    .map(|r| self.eval(r, st))
                    .unwrap_or_default();
                let element = element_of(&iterable);
                let before = st.clone();
                let mut pass = st.clone();
                for _ in 0..2 {
                    if let Some(left) = node.child_by_field_name("left") {
                        self.assign(left, element.clone(), &mut pass, None);
                    }
                    if let Some(body) = node.child_by_field_name("body") {
                        self.loop_body(body, &mut pass);
                    }
                    pass = before.join(&pass);
                }
                *st = pass;
                if let Some(alt) = node.child_by_field_name("alternative") {
                    self.stmt(alt, st);
                }
            }
            "while_statement" => {
                let cond = node.child_by_field_name("condition");
                let taken = cond.and_then(|c| self.condition(c, st));
                if taken != Some(false) {
                    let before = st.clone();
                    let mut pass = st.clone();
                    for _ in 0..2 {
                        if let Some(body) = node.child_by_field_name("body") {
                            self.loop_body(body, &mut pass);
                        }
                        pass = before.join(&pass);
                    }
                    *st = pass;
                } else if let Some(body) = node.child_by_field_name("body") {
                    self.dead.push(key(body));
                }
                if let Some(alt) = node.child_by_field_name("alternative") {
                    self.stmt(alt, st);
                }
            }
            "else_clause" | "finally_clause" => {
                if let Some(body) = node.child_by_field_name("body") {
                    self.block(body, st);
                } else {
                    for c in ast::named_children(node) {
                        if c.kind() == "block" {
                            self.block(c, st);
                        }
                    }
                }
            }
            "try_statement" => {
                let before = st.clone();
                let mut tried = st.clone();
                if let Some(body) = node.child_by_field_name("body") {
                    self.block(body, &mut tried);
                }
                let mut out = tried.clone();
                let mut finally = None;
                for clause in ast::named_children(node) {
                    match clause.kind() {
                        "except_clause" | "except_group_clause" => {
                            let mut handler = before.join(&State {
                                dead: false,
                                ..tried.clone()
                            });
                            for c in ast::named_children(clause) {
                                if c.kind() == "block" {
                                    self.block(c, &mut handler);
                                }
                            }
                            out = out.join(&handler);
                        }
                        "else_clause" => self.stmt(clause, &mut out),
                        "finally_clause" => finally = Some(clause),
                        _ => {}
                    }
                }
                *st = out;
                if let Some(f) = finally {
                    let dead = st.dead;
                    st.dead = false;
                    self.stmt(f, st);
                    st.dead |= dead;
                }
            }
            "with_statement" => {
                for clause in ast::named_children(node) {
                    if clause.kind() == "with_clause" {
                        for item in ast::named_children(clause) {
                            let Some(value) = item.child_by_field_name("value") else {
                                continue;
                            };
                            if value.kind() == "as_pattern" {
                                let v = value
                                    .named_child(0)
                                    .map(|e| self.eval(e, st))
                                    .unwrap_or_default();
                                if let Some(alias) = value.child_by_field_name("alias")
                                    && let Some(target) = alias.named_child(0)
                                {
                                    self.assign(target, v, st, None);
                                }
                            } else {
                                let _ = self.eval(value, st);
                            }
                        }
                    }
                }
                if let Some(body) = node.child_by_field_name("body") {
                    self.block(body, st);
                }
            }
            "match_statement" => {
                if let Some(subject) = node.child_by_field_name("subject") {
                    let _ = self.eval(subject, st);
                }
                let before = st.clone();
                let mut out = st.clone();
                if let Some(body) = node.child_by_field_name("body") {
                    for case in ast::named_children(body) {
                        let mut branch = before.clone();
                        if let Some(block) = case.child_by_field_name("consequence") {
                            self.block(block, &mut branch);
                        }
                        out = out.join(&branch);
                    }
                }
                *st = out;
            }
            "return_statement" => {
                let value = node
                    .named_child(0)
                    .map(|e| self.eval(e, st))
                    .unwrap_or_default();
                if self.view {
                    self.view_return(node, &value);
                }
                self.ret = Some(match self.ret.take() {
                    Some(r) => r.join(&value),
                    None => value,
                });
                st.dead = true;
            }
            "raise_statement" => {
                for c in ast::named_children(node) {
                    let _ = self.eval(c, st);
                }
                st.dead = true;
            }
            "assert_statement" => {
                if let Some(cond) = node.named_child(0) {
                    let _ = self.eval(cond, st);
                    *st = self.refine(cond, st, true);
                }
            }
            "function_definition" | "decorated_definition" => {
                let def = if node.kind() == "decorated_definition" {
                    node.child_by_field_name("definition")
                } else {
                    Some(node)
                };
                if !self.shallow
                    && let Some(def) = def.filter(|d| d.kind() == "function_definition")
                {
                    self.ft.closures.borrow_mut().insert(def.id(), st.clone());
                }
            }
            "break_statement" | "continue_statement" => {
                if let Some(jumps) = self.loops.last_mut() {
                    *jumps = jumps.join(st);
                    st.dead = true;
                }
            }
            "class_definition"
            | "import_statement"
            | "import_from_statement"
            | "pass_statement"
            | "global_statement"
            | "nonlocal_statement"
            | "comment"
            | "future_import_statement" => {}
            _ => {
                for c in ast::named_children(node) {
                    let _ = self.eval(c, st);
                }
            }
        }
    }

    /// One pass over a loop body: the states at its `break` and `continue` statements
    /// join the state at its end.
    fn loop_body(&mut self, body: Node<'t>, pass: &mut State) {
        self.loops.push(State {
            dead: true,
            ..State::default()
        });
        self.block(body, pass);
        let jumps = self.loops.pop().unwrap_or_default();
        // A body that always returns still leaves its assignments to later passes.
        pass.dead = false;
        *pass = pass.join(&jumps);
    }

    /// `if`/`elif`/`else`, following only the branch a constant condition selects, and
    /// learning from allow-list checks on each side.
    fn if_chain(&mut self, node: Node<'t>, st: &mut State) {
        let Some(cond) = node.child_by_field_name("condition") else {
            return;
        };
        let consequence = node.child_by_field_name("consequence");
        let mut cursor = node.walk();
        let alternatives: Vec<Node<'t>> = node
            .children_by_field_name("alternative", &mut cursor)
            .collect();
        self.branch(cond, consequence, &alternatives, st);
    }

    fn branch(
        &mut self,
        cond: Node<'t>,
        consequence: Option<Node<'t>>,
        alternatives: &[Node<'t>],
        st: &mut State,
    ) {
        let taken = self.condition(cond, st);
        let mut yes = if taken == Some(false) {
            State {
                dead: true,
                ..State::default()
            }
        } else {
            self.refine(cond, st, true)
        };
        if let Some(block) = consequence {
            if taken == Some(false) {
                self.dead.push(key(block));
            } else {
                self.block(block, &mut yes);
            }
        }
        let mut no = if taken == Some(true) {
            State {
                dead: true,
                ..State::default()
            }
        } else {
            self.refine(cond, st, false)
        };
        if taken == Some(true) {
            self.dead.extend(alternatives.iter().map(|a| key(*a)));
        } else if let Some((first, rest)) = alternatives.split_first() {
            match first.kind() {
                "elif_clause" => {
                    if let Some(c) = first.child_by_field_name("condition") {
                        self.branch(c, first.child_by_field_name("consequence"), rest, &mut no);
                    }
                }
                _ => self.stmt(*first, &mut no),
            }
        }
        *st = yes.join(&no);
    }

    /// The constant truth of a condition, when it has one.
    fn condition(&mut self, cond: Node<'t>, st: &mut State) -> Option<bool> {
        self.eval(cond, st).konst.map(|c| c.truthy())
    }

    /// The state on the side of `cond` where it is `truth`: a variable checked against
    /// an allow-list, by a digit test or by a safe-URL check is clean there.
    fn refine(&mut self, cond: Node<'t>, st: &State, truth: bool) -> State {
        let mut out = st.clone();
        self.refine_into(cond, &mut out, truth, 0);
        out
    }

    fn refine_into(&mut self, cond: Node<'t>, st: &mut State, truth: bool, depth: usize) {
        if depth > 8 {
            return;
        }
        let cond = ast::unparenthesize(cond);
        match cond.kind() {
            "not_operator" => {
                if let Some(arg) = cond.child_by_field_name("argument") {
                    self.refine_into(arg, st, !truth, depth + 1);
                }
            }
            "boolean_operator" => {
                let op = cond
                    .child_by_field_name("operator")
                    .map(|o| self.text(o))
                    .unwrap_or_default();
                // Both sides hold when `a and b` is true, and when `a or b` is false.
                if (op == "and") == truth {
                    for side in ["left", "right"] {
                        if let Some(s) = cond.child_by_field_name(side) {
                            self.refine_into(s, st, truth, depth + 1);
                        }
                    }
                }
            }
            "comparison_operator" => {
                let operands = ast::named_children(cond);
                let [left, right] = operands.as_slice() else {
                    return;
                };
                let op = self
                    .src
                    .get(left.end_byte()..right.start_byte())
                    .unwrap_or_default()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ");
                // `urlparse(url).hostname in ALLOWED_HOSTS` vets where `url` leads.
                let host_of = self.parsed_url_host(*left);
                let Some(var) = host_of.clone().or_else(|| self.var_key(*left)) else {
                    return;
                };
                let holds = match op.as_str() {
                    "in" | "==" => truth,
                    "not in" | "!=" => !truth,
                    _ => return,
                };
                if !holds {
                    return;
                }
                let mut scratch = st.clone();
                let against = self.eval(*right, &mut scratch);
                if against.source_for(SinkKind::Sql).is_some()
                    || against.is_tainted() && op.contains("==")
                {
                    return;
                }
                let current = st.get(&var).cloned().unwrap_or_default();
                let clean = if host_of.is_some() {
                    Value {
                        tag: current.tag,
                        ..current.sanitized(KindSet::of(&[SinkKind::Ssrf, SinkKind::Redirect]))
                    }
                } else if op.contains('=') && against.konst.is_some() {
                    against
                } else {
                    Value {
                        tag: current.tag,
                        ..current.sanitized(KindSet::ALL)
                    }
                };
                st.set(var, clean);
            }
            "call" if truth => {
                let name = call::callee_name(cond, self.src).unwrap_or_default();
                let target = match name {
                    "isdigit" | "isnumeric" | "isdecimal" | "isalnum" | "isalpha"
                    | "isidentifier" => call::receiver(cond),
                    "url_has_allowed_host_and_scheme" | "is_safe_url" => {
                        call::positional(cond, 0).or_else(|| call::keyword(cond, "url", self.src))
                    }
                    "fullmatch" => call::positional(cond, 1).filter(|_| {
                        call::positional(cond, 0).is_some_and(|p| self.strict_pattern(p))
                    }),
                    "startswith" => call::receiver(cond).filter(|r| {
                        st.get(&self.var_key(*r).unwrap_or_default())
                            .is_some_and(|v| v.tag == Some(NORMALIZED_PATH))
                    }),
                    _ => None,
                };
                if let Some(target) = target
                    && let Some(var) = self.var_key(target)
                    && let Some(current) = st.get(&var).cloned()
                {
                    let kinds = if name == "startswith" {
                        KindSet::of(&[SinkKind::Path])
                    } else {
                        KindSet::ALL
                    };
                    st.set(var, current.sanitized(kinds));
                }
            }
            _ => {}
        }
    }

    /// The variable whose URL `node` reads the host of: `url` for
    /// `urlparse(url).hostname`, or for `parsed.netloc` after `parsed = urlsplit(url)`.
    fn parsed_url_host(&self, node: Node<'t>) -> Option<String> {
        let node = ast::unparenthesize(node);
        if node.kind() != "attribute" {
            return None;
        }
        let attr = node.child_by_field_name("attribute").map(|a| self.text(a));
        if !matches!(attr, Some("hostname" | "netloc")) {
            return None;
        }
        let object = ast::unparenthesize(node.child_by_field_name("object")?);
        match object.kind() {
            "identifier" => self.parsed_urls.get(self.text(object)).cloned(),
            "call" => self.parsed_url_argument(object),
            _ => None,
        }
    }

    /// The class `call` constructs when it is a Django form declared in this file.
    fn form_class(&self, call: Node<'t>) -> Option<Node<'t>> {
        if call.kind() != "call" {
            return None;
        }
        let function = call.child_by_field_name("function")?;
        if function.kind() != "identifier" {
            return None;
        }
        let [Binding::Definition(class)] = self.module.bindings(function)? else {
            return None;
        };
        let bases = class.child_by_field_name("superclasses")?;
        (class.kind() == "class_definition" && self.text(bases).contains("Form")).then_some(*class)
    }

    /// Whether `container[key]` reads `form.cleaned_data` for a field whose type admits
    /// only numbers, dates, booleans, slugs or one of fixed choices
    /// (`page = forms.IntegerField()`).
    fn constrained_form_field(&self, container: Node<'t>, key: Option<&Const>) -> bool {
        let Some(Const::Str(key)) = key else {
            return false;
        };
        let container = ast::unparenthesize(container);
        if container.kind() != "attribute"
            || container
                .child_by_field_name("attribute")
                .is_none_or(|a| self.text(a) != "cleaned_data")
        {
            return false;
        }
        let Some(class) = container
            .child_by_field_name("object")
            .filter(|o| o.kind() == "identifier")
            .and_then(|o| self.forms.get(self.text(o)))
        else {
            return false;
        };
        let Some(body) = class.child_by_field_name("body") else {
            return false;
        };
        ast::named_children(body)
            .into_iter()
            .filter(|s| s.kind() == "expression_statement")
            .filter_map(|s| s.named_child(0))
            .filter(|a| a.kind() == "assignment")
            .any(|a| {
                let named = a
                    .child_by_field_name("left")
                    .is_some_and(|l| self.text(l) == key);
                let field = a
                    .child_by_field_name("right")
                    .filter(|r| r.kind() == "call")
                    .and_then(|r| call::callee_name(r, self.src))
                    .unwrap_or_default();
                named && CONSTRAINED_FORM_FIELDS.contains(&field)
            })
    }

    /// `url` when `call` is `urlparse(url)` or `urlsplit(url)`.
    fn parsed_url_argument(&self, call: Node<'t>) -> Option<String> {
        let parses = matches!(
            self.module.resolve_call(call).as_deref(),
            Some("urllib.parse.urlparse" | "urllib.parse.urlsplit" | "urlparse.urlparse")
        );
        let arg = call::positional(call, 0)?;
        (parses && arg.kind() == "identifier").then(|| self.text(arg).to_string())
    }

    /// A regular expression that admits only word characters and a few separators.
    fn strict_pattern(&self, pattern: Node<'t>) -> bool {
        let Some(p) = string_value(ast::unparenthesize(pattern), self.src) else {
            return false;
        };
        !p.contains('.') && !p.contains("\\S") && !p.contains("\\W") && !p.contains("[^")
    }

    /// The state key of a variable or a `self.x`-style attribute.
    fn var_key(&self, node: Node<'t>) -> Option<String> {
        let node = ast::unparenthesize(node);
        match node.kind() {
            "identifier" => Some(self.text(node).to_string()),
            "attribute" => {
                let text = self.text(node);
                text.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
                    .then(|| text.to_string())
            }
            _ => None,
        }
    }

    /// Whether a call never returns: `abort(...)`, `sys.exit(...)`.
    fn exits(&self, call: Node<'t>) -> bool {
        matches!(
            self.module.resolve_call(call).as_deref(),
            Some("flask.abort" | "werkzeug.exceptions.abort" | "sys.exit" | "builtins.exit")
        )
    }

    fn assignment(&mut self, node: Node<'t>, st: &mut State) {
        let Some(right) = node.child_by_field_name("right") else {
            return;
        };
        // `a = b = value`: the right side is itself an assignment.
        let (value, value_node) = if right.kind() == "assignment" {
            self.assignment(right, st);
            let inner = right.child_by_field_name("left");
            (inner.map(|l| self.eval(l, st)).unwrap_or_default(), right)
        } else {
            (self.eval(right, st), right)
        };
        if let Some(left) = node.child_by_field_name("left") {
            if left.kind() == "identifier" {
                let name = self.text(left).to_string();
                match self.parsed_url_argument(ast::unparenthesize(right)) {
                    Some(url) => self.parsed_urls.insert(name.clone(), url),
                    None => self.parsed_urls.remove(&name),
                };
                match self.form_class(ast::unparenthesize(right)) {
                    Some(class) => self.forms.insert(name, class),
                    None => self.forms.remove(&name),
                };
            }
            self.assign(left, value, st, Some((node, value_node)));
        }
    }

    fn augmented(&mut self, node: Node<'t>, st: &mut State) {
        let (Some(left), Some(right)) = (
            node.child_by_field_name("left"),
            node.child_by_field_name("right"),
        ) else {
            return;
        };
        let op = node
            .child_by_field_name("operator")
            .map(|o| self.text(o))
            .unwrap_or_default();
        let current = self.eval(left, st);
        let value = self.eval(right, st);
        let result = match (op, &current.shape, &value.shape) {
            ("+=", Shape::Seq(a), Shape::Seq(b)) => Value {
                shape: Shape::Seq(Rc::new(a.iter().chain(b.iter()).cloned().collect())),
                ..current.clone()
            },
            ("+=", _, _) => current.concat(&value),
            ("-=" | "*=" | "/=" | "//=" | "%=", _, _)
                if !current.is_tainted() && !value.is_tainted() =>
            {
                match (&current.konst, &value.konst) {
                    (Some(a), Some(b)) => fold::binary(op.trim_end_matches('='), a, b)
                        .map(Value::constant)
                        .unwrap_or_default(),
                    _ => Value::clean(),
                }
            }
            _ => current.join(&value).flatten(),
        };
        self.assign(left, result, st, Some((node, right)));
    }

    /// Binds `value` to an assignment target. `site` is the assignment and its value,
    /// where subscript writes to sessions and headers are sinks.
    fn assign(
        &mut self,
        target: Node<'t>,
        value: Value,
        st: &mut State,
        site: Option<(Node<'t>, Node<'t>)>,
    ) {
        match target.kind() {
            "identifier" | "attribute" => {
                let Some(name) = self.var_key(target) else {
                    return;
                };
                let value = value.step(&self.step(target, format!("assigned to `{name}`")));
                if name.starts_with("self.") {
                    let joined = match self.fields.get(&name) {
                        Some(v) => v.join(&value),
                        None => value.clone(),
                    };
                    self.fields.insert(name.clone(), joined);
                }
                st.set(name, value);
            }
            "subscript" => {
                let Some(base) = target.child_by_field_name("value") else {
                    return;
                };
                let base_value = self.eval(base, st);
                if let Some((assignment, value_node)) = site {
                    let header = base.kind() == "attribute"
                        && base
                            .child_by_field_name("attribute")
                            .is_some_and(|a| self.text(a) == "headers")
                        && base
                            .child_by_field_name("object")
                            .is_some_and(|o| self.eval(o, &mut st.clone()).tag != Some(REQUEST));
                    if base_value.tag == Some(SESSION) {
                        self.sink(
                            assignment,
                            value_node,
                            SinkKind::TrustBoundary,
                            "session[...]",
                            &value,
                        );
                    } else if let [origin] = base_value.origins.as_slice()
                        && let Label::Param(i) = origin.label
                        && base_value.tag.is_none()
                    {
                        self.param_stores.push((
                            i,
                            SinkHit {
                                kind: SinkKind::TrustBoundary,
                                sink: Span::of(value_node, self.src),
                                sink_name: "session[...]".to_string(),
                                value: value.flatten(),
                            },
                        ));
                    } else if header || base_value.tag == Some(RESPONSE) {
                        self.sink(
                            assignment,
                            value_node,
                            SinkKind::HeaderSplitting,
                            "headers[...]",
                            &value,
                        );
                    }
                }
                let Some(var) = self.var_key(base) else {
                    return;
                };
                let index = target
                    .child_by_field_name("subscript")
                    .map(|i| self.eval(i, st))
                    .unwrap_or_default();
                let value =
                    value.step(&self.step(target, format!("stored in `{}`", self.text(target))));
                let updated = store(&base_value, index.konst.as_ref(), value);
                st.set(var, updated);
            }
            "pattern_list" | "tuple_pattern" | "list_pattern" | "tuple" | "list" => {
                let targets = ast::named_children(target);
                match &value.shape {
                    Shape::Seq(items) if items.len() == targets.len() => {
                        for (t, v) in targets.iter().zip(items.iter()) {
                            self.assign(*t, v.clone(), st, None);
                        }
                    }
                    _ => {
                        let flat = element_of(&value);
                        for t in targets {
                            self.assign(t, flat.clone(), st, None);
                        }
                    }
                }
            }
            "list_splat_pattern" => {
                if let Some(inner) = target.named_child(0) {
                    self.assign(inner, value.flatten(), st, None);
                }
            }
            _ => {}
        }
    }

    fn eval(&mut self, node: Node<'t>, st: &mut State) -> Value {
        if self.depth > MAX_DEPTH || stack_is_low() {
            return Value::opaque();
        }
        self.depth += 1;
        let v = self.eval_inner(node, st);
        self.depth -= 1;
        v
    }

    fn eval_inner(&mut self, node: Node<'t>, st: &mut State) -> Value {
        match node.kind() {
            "integer" => self
                .text(node)
                .replace('_', "")
                .parse::<i64>()
                .map(|i| Value::constant(Const::Int(i)))
                .unwrap_or_default(),
            "true" => Value::constant(Const::Bool(true)),
            "false" => Value::constant(Const::Bool(false)),
            "float" | "none" | "ellipsis" | "lambda" | "comment" => Value::clean(),
            "string" => self.string(node, st),
            "concatenated_string" => {
                let mut acc = Value::constant(Const::Str(String::new()));
                for part in ast::named_children(node) {
                    let v = self.eval(part, st);
                    acc = acc.concat(&v);
                }
                acc
            }
            "identifier" => self.name(node, st),
            "attribute" => self.attribute(node, st),
            "subscript" => {
                let base = node
                    .child_by_field_name("value")
                    .map(|b| self.eval(b, st))
                    .unwrap_or_default();
                match node.child_by_field_name("subscript") {
                    Some(i) if i.kind() == "slice" => base.flatten(),
                    Some(i) => {
                        let index = self.eval(i, st);
                        if node.child_by_field_name("value").is_some_and(|b| {
                            is_server_meta(self.text(b), index.konst.as_ref())
                                || self.constrained_form_field(b, index.konst.as_ref())
                        }) {
                            return Value::clean();
                        }
                        load(&base, index.konst.as_ref())
                    }
                    None => base.flatten(),
                }
            }
            "call" => self.call(node, st),
            "parenthesized_expression" | "await" => node
                .named_child(0)
                .map(|c| self.eval(c, st))
                .unwrap_or_default(),
            "binary_operator" => self.binary(node, st),
            "boolean_operator" => {
                let left = self.eval_field(node, "left", st);
                let right = self.eval_field(node, "right", st);
                let op = node
                    .child_by_field_name("operator")
                    .map(|o| self.text(o))
                    .unwrap_or_default();
                match (&left.konst, op) {
                    (Some(c), "or") if c.truthy() => left,
                    (Some(c), "or") if !c.truthy() => right,
                    (Some(c), "and") if !c.truthy() => left,
                    (Some(c), "and") if c.truthy() => right,
                    _ => left.join(&right),
                }
            }
            "not_operator" => {
                let v = self.eval_field(node, "argument", st);
                v.konst
                    .map(|c| Value::constant(Const::Bool(!c.truthy())))
                    .unwrap_or_default()
            }
            "comparison_operator" => {
                let operands = ast::named_children(node);
                let values: Vec<Value> = operands.iter().map(|o| self.eval(*o, st)).collect();
                if let ([l, r], [a, b]) = (operands.as_slice(), values.as_slice())
                    && let (Some(x), Some(y)) = (&a.konst, &b.konst)
                {
                    let op = self
                        .src
                        .get(l.end_byte()..r.start_byte())
                        .unwrap_or_default()
                        .trim();
                    if let Some(c) = fold::binary(op, x, y) {
                        return Value::constant(c);
                    }
                }
                Value::clean()
            }
            "unary_operator" => {
                let v = self.eval_field(node, "argument", st);
                match (v.konst, self.text(node).starts_with('-')) {
                    (Some(Const::Int(i)), true) => Value::constant(Const::Int(-i)),
                    (Some(c), false) => Value::constant(c),
                    _ => Value::clean(),
                }
            }
            "conditional_expression" => {
                let parts = ast::named_children(node);
                let [body, cond, alt] = parts.as_slice() else {
                    return Value::opaque();
                };
                match self.condition(*cond, st) {
                    Some(true) => self.eval(*body, st),
                    Some(false) => self.eval(*alt, st),
                    None => {
                        let mut yes = self.refine(*cond, st, true);
                        let a = self.eval(*body, &mut yes);
                        let mut no = self.refine(*cond, st, false);
                        let b = self.eval(*alt, &mut no);
                        a.join(&b)
                    }
                }
            }
            "named_expression" => {
                let v = self.eval_field(node, "value", st);
                if let Some(name) = node.child_by_field_name("name") {
                    self.assign(name, v.clone(), st, None);
                }
                v
            }
            "list" | "tuple" | "expression_list" => {
                let items = ast::named_children(node)
                    .into_iter()
                    .filter(|c| c.kind() != "comment")
                    .map(|c| self.eval(c, st))
                    .collect();
                Value {
                    shape: Shape::Seq(Rc::new(items)),
                    ..Value::default()
                }
            }
            "set" | "list_splat" | "dictionary_splat" => {
                let mut acc = Value::clean();
                for c in ast::named_children(node) {
                    acc = acc.join(&self.eval(c, st).flatten());
                }
                acc.konst = None;
                acc
            }
            "dictionary" => {
                let mut map = BTreeMap::new();
                let mut rest = Value::clean();
                for pair in ast::named_children(node) {
                    if pair.kind() != "pair" {
                        let v = self.eval(pair, st);
                        rest = rest.join(&v.flatten());
                        continue;
                    }
                    let k = pair
                        .child_by_field_name("key")
                        .map(|k| self.eval(k, st))
                        .unwrap_or_default();
                    let v = pair
                        .child_by_field_name("value")
                        .map(|v| self.eval(v, st))
                        .unwrap_or_default();
                    match k.konst.as_ref().and_then(const_key) {
                        Some(key) => {
                            map.insert(key, v);
                        }
                        None => rest = rest.join(&v.flatten()).join(&k),
                    }
                }
                Value {
                    origins: rest.all_origins(),
                    shape: Shape::Map(Rc::new(map)),
                    ..Value::default()
                }
            }
            "list_comprehension"
            | "set_comprehension"
            | "generator_expression"
            | "dictionary_comprehension" => {
                let mut inner = st.clone();
                for clause in ast::named_children(node) {
                    if clause.kind() == "for_in_clause" {
                        let it = clause
                            .child_by_field_name("right")
                            .map(|r| self.eval(r, &mut inner))
                            .unwrap_or_default();
                        if let Some(left) = clause.child_by_field_name("left") {
                            self.assign(left, element_of(&it), &mut inner, None);
                        }
                    }
                }
                let body = node
                    .child_by_field_name("body")
                    .map(|b| self.eval(b, &mut inner))
                    .unwrap_or_default();
                Value {
                    origins: body.all_origins(),
                    ..Value::default()
                }
            }
            "pair" => {
                let mut acc = Value::clean();
                for c in ast::named_children(node) {
                    acc = acc.join(&self.eval(c, st));
                }
                acc
            }
            _ => {
                let mut acc = Value::clean();
                for c in ast::named_children(node) {
                    acc = acc.join(&self.eval(c, st).flatten());
                }
                acc
            }
        }
    }

    fn string(&mut self, node: Node<'t>, st: &mut State) -> Value {
        if let Some(text) = string_value(node, self.src) {
            return Value::constant(Const::Str(text.to_string()));
        }
        let mut acc = Value::constant(Const::Str(String::new()));
        for part in ast::named_children(node) {
            let v = match part.kind() {
                "string_content" | "escape_sequence" => {
                    Value::constant(Const::Str(self.text(part).to_string()))
                }
                "interpolation" => part
                    .named_child(0)
                    .map(|e| self.eval(e, st))
                    .unwrap_or_default()
                    .flatten(),
                _ => continue,
            };
            acc = join_text(&acc, &v);
        }
        acc
    }

    /// The value of `node`'s child `field`; nothing (a clean value) when it is absent.
    fn eval_field(&mut self, node: Node<'t>, field: &str, st: &mut State) -> Value {
        node.child_by_field_name(field)
            .map(|c| self.eval(c, st))
            .unwrap_or_default()
    }

    fn binary(&mut self, node: Node<'t>, st: &mut State) -> Value {
        let left = self.eval_field(node, "left", st);
        let right = self.eval_field(node, "right", st);
        let op = node
            .child_by_field_name("operator")
            .map(|o| self.text(o))
            .unwrap_or_default();
        if let (Some(a), Some(b)) = (&left.konst, &right.konst)
            && !(op == "%" && matches!(a, Const::Str(_)))
            && let Some(c) = fold::binary(op, a, b)
        {
            return Value::constant(c);
        }
        match op {
            "+" => match (&left.shape, &right.shape) {
                (Shape::Seq(a), Shape::Seq(b)) => Value {
                    shape: Shape::Seq(Rc::new(a.iter().chain(b.iter()).cloned().collect())),
                    ..Value::default()
                },
                _ => join_text(&left, &right),
            },
            "%" if left.as_str().is_some() || left.prefix.is_some() => {
                let format = left.as_str().unwrap_or_default();
                let numeric = left.as_str().is_some() && formats_only_numbers(format);
                let prefix = left
                    .as_str()
                    .and_then(|s| s.split('%').next())
                    .map(|p| Value::constant(Const::Str(p.to_string())));
                let mut out = if numeric {
                    left.clone()
                } else {
                    left.concat(&right)
                };
                out.konst = None;
                out.prefix = prefix.and_then(|p| p.prefix);
                out
            }
            "*" => {
                let mut v = left.join(&right).flatten();
                v.konst = None;
                v
            }
            _ => Value::clean(),
        }
    }

    fn name(&mut self, node: Node<'t>, st: &mut State) -> Value {
        let name = self.text(node);
        if let Some(v) = st.get(name) {
            return v.clone();
        }
        match self.module.resolve(node).as_deref() {
            Some("flask.request" | "quart.request" | "werkzeug.local.request") => {
                return Value::clean().with_tag(REQUEST);
            }
            Some("flask.session") => return Value::clean().with_tag(SESSION),
            Some(_) => return Value::clean(),
            None => {}
        }
        match self.module.bindings(node) {
            Some([Binding::Assign(value)]) => {
                let value = ast::unparenthesize(*value);
                match value.kind() {
                    "string" | "integer" | "true" | "false" | "concatenated_string" => {
                        self.eval(value, &mut State::default())
                    }
                    "list" | "tuple" | "set" | "dictionary" if is_module_level(value) => {
                        let v = self.eval(value, &mut State::default());
                        if v.is_tainted() { Value::opaque() } else { v }
                    }
                    // `audit = logging.getLogger("audit")`: a logger whatever its name.
                    "call" => match self
                        .module
                        .resolve_call(value)
                        .as_deref()
                        .and_then(constructed_tag)
                    {
                        Some(tag) => Value::clean().with_tag(tag),
                        None => Value::opaque(),
                    },
                    _ => Value::opaque(),
                }
            }
            Some(bindings)
                if bindings
                    .iter()
                    .all(|b| matches!(b, Binding::Definition(_) | Binding::Import(_))) =>
            {
                Value::clean()
            }
            Some(_) => Value::opaque(),
            None if is_constant_name(name) => Value::clean(),
            None => Value::opaque(),
        }
    }

    fn attribute(&mut self, node: Node<'t>, st: &mut State) -> Value {
        if let Some(key) = self.var_key(node) {
            if let Some(v) = st.get(&key) {
                return v.clone();
            }
            if let Some(v) = self.self_attribute(node, &key) {
                return v;
            }
        }
        let attr = node
            .child_by_field_name("attribute")
            .map(|a| self.text(a))
            .unwrap_or_default();
        let Some(object) = node.child_by_field_name("object") else {
            return Value::opaque();
        };
        if let Some(q) = self.module.resolve(node).as_deref() {
            match q {
                "sys.argv" => return self.source(node, "sys.argv", Confidence::Low),
                "os.environ" => return self.source(node, "os.environ", Confidence::Low),
                _ => {}
            }
        }
        let base = self.eval(object, st);
        if base.tag == Some(REQUEST) {
            if REQUEST_ATTRIBUTES.contains(&attr) {
                let what = format!("{}.{attr}", self.text(object));
                let value = self.source(node, &what, Confidence::High);
                // The path of the current request names a page of this site: redirecting
                // to it (to add a slash or a flag) cannot leave the site.
                return if matches!(attr, "path" | "path_info" | "full_path") {
                    value.sanitized(KindSet::of(&[SinkKind::Redirect]))
                } else {
                    value
                };
            }
            if attr == "session" {
                return Value::clean().with_tag(SESSION);
            }
            return Value::clean().with_tag(REQUEST);
        }
        // Only a Django request has `.GET`, `.POST`, `.META`: a parameter read this way is
        // the request, whatever the view calls it (`def search(r): r.GET["q"]`).
        if matches!(attr, "GET" | "POST" | "COOKIES" | "META" | "FILES")
            && base
                .origins
                .iter()
                .any(|o| matches!(o.label, Label::Param(_)))
        {
            let what = format!("{}.{attr}", self.text(object));
            return self.source(node, &what, Confidence::High);
        }
        if base.is_tainted() {
            let mut v = base.flatten();
            v.konst = None;
            v.tag = None;
            return v;
        }
        if attr == "headers" && base.tag == Some(RESPONSE) {
            return Value::clean().with_tag(RESPONSE);
        }
        if attr.contains("logger") || attr == "log" {
            return Value::clean().with_tag(LOGGER);
        }
        if is_constant_name(attr) || self.module.resolve(node).is_some() {
            Value::clean()
        } else {
            Value::opaque()
        }
    }

    /// `self.<name>` read in a method: the request of a class-based view (`self.request`
    /// in a Django `View` or a Tornado `RequestHandler`), or a field another method of the
    /// class stores.
    fn self_attribute(&mut self, node: Node<'t>, key: &str) -> Option<Value> {
        let name = key.strip_prefix("self.").filter(|n| !n.contains('.'))?;
        // `Node::parent` walks down from the root: look the class up once per function.
        let class = match self.class {
            Some(class) => class,
            None => {
                let class = ast::ancestor_of_kind(node, &["function_definition"])
                    .and_then(|method| ast::ancestor_of_kind(method, &["class_definition"]));
                self.class = Some(class);
                class
            }
        }?;
        if name == "request" {
            let bases = class
                .child_by_field_name("superclasses")
                .map(|b| self.text(b))
                .unwrap_or_default();
            if bases.contains("View") || bases.contains("Handler") {
                return Some(Value::clean().with_tag(REQUEST));
            }
        }
        if self.shallow {
            return None;
        }
        self.ft.class_fields(self.module, class).get(key).cloned()
    }

    fn source(&self, node: Node<'t>, what: &str, confidence: Confidence) -> Value {
        let what = quote::short(what);
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

    fn call(&mut self, node: Node<'t>, st: &mut State) -> Value {
        let Some(function) = node.child_by_field_name("function") else {
            return Value::opaque();
        };
        let (receiver_node, method) = if function.kind() == "attribute" {
            (
                function.child_by_field_name("object"),
                function
                    .child_by_field_name("attribute")
                    .map(|a| self.text(a)),
            )
        } else {
            (None, None)
        };
        let qualified = self.module.resolve(function);
        let receiver = receiver_node.map(|r| self.eval(r, st));
        let mut args = Vec::new();
        for a in call::arguments(node) {
            let (keyword, value_node) = if a.kind() == "keyword_argument" {
                (
                    a.child_by_field_name("name").map(|n| self.text(n)),
                    a.child_by_field_name("value").unwrap_or(a),
                )
            } else {
                (None, a)
            };
            let value = self.eval(value_node, st);
            args.push(Arg {
                node: value_node,
                keyword,
                value,
            });
        }
        let name = qualified.as_deref().unwrap_or_default();
        let sink_name = quote::short(self.text(function));
        for s in self.sinks(node, name, method, receiver.as_ref(), receiver_node, &args) {
            let Some(arg) = args.get(s.arg) else { continue };
            let value = match (s.element, &arg.value.shape) {
                (Some(e), Shape::Seq(items)) => items.get(e).cloned().unwrap_or_default(),
                _ => arg.value.clone(),
            };
            // Without a shell the command line cannot inject more commands: it picks a
            // program, which the person typing it could run anyway.
            let value = if s.kind == SinkKind::Command
                && SHELL_OPTIONAL.contains(&name)
                && !self.uses_shell(node)
            {
                value.trusting_low_confidence(SinkKind::Command)
            } else {
                value
            };
            self.sink(node, arg.node, s.kind, &sink_name, &value);
        }
        self.result(
            node,
            function,
            name,
            method,
            receiver,
            receiver_node,
            &args,
            st,
        )
    }

    #[expect(clippy::too_many_arguments, reason = "one call's parts, read once")]
    fn result(
        &mut self,
        node: Node<'t>,
        function: Node<'t>,
        name: &str,
        method: Option<&'t str>,
        receiver: Option<Value>,
        receiver_node: Option<Node<'t>>,
        args: &[Arg<'t>],
        st: &mut State,
    ) -> Value {
        let joined = || {
            args.iter()
                .fold(Value::clean(), |acc, a| acc.join(&a.value.flatten()))
        };
        if NUMERIC.contains(&name) {
            return Value::clean();
        }
        if let Some(kinds) = sanitizer(name) {
            return joined().sanitized(kinds);
        }
        if let Some(tag) = constructed_tag(name) {
            return Value::clean().with_tag(tag);
        }
        match name {
            "builtins.input" | "builtins.raw_input" => {
                return self.source(node, "input()", Confidence::Low);
            }
            "os.getenv" | "os.environ.get" => {
                return self.source(node, self.text(function), Confidence::Low);
            }
            "flask.render_template" | "django.shortcuts.render" => {
                return Value::clean().with_tag(RESPONSE);
            }
            "markupsafe.Markup"
            | "flask.Markup"
            | "django.utils.safestring.mark_safe"
            | "flask.jsonify"
            | "flask.make_response"
            | "flask.Response"
            | "django.http.HttpResponse"
            | "django.http.JsonResponse"
            | "werkzeug.wrappers.Response" => {
                return Value::clean().with_tag(RESPONSE);
            }
            // The format string is markup or a filter; the values are escaped into it.
            "django.utils.html.format_html" | "ldap.filter.filter_format" => {
                let kind = if name.starts_with("ldap") {
                    SinkKind::Ldap
                } else {
                    SinkKind::Xss
                };
                let mut v = args.first().map(|a| a.value.flatten()).unwrap_or_default();
                for a in args.iter().skip(1) {
                    v = v.join(&a.value.flatten().sanitized(KindSet::of(&[kind])));
                }
                v.konst = None;
                return v;
            }
            // A user the credentials name, or an object the database holds: what the
            // request chose among stored records, not request text.
            "django.contrib.auth.authenticate"
            | "django.shortcuts.get_object_or_404"
            | "django.shortcuts.get_list_or_404" => return Value::opaque(),
            "django.template.Template"
            | "django.template.loader.get_template"
            | "django.template.loader.select_template" => {
                return Value::clean().with_tag(AUTOESCAPING_TEMPLATE);
            }
            "django.template.loader.render_to_string" => {
                return joined().sanitized(KindSet::of(&[SinkKind::Xss]));
            }
            "os.path.realpath" | "os.path.abspath" | "os.path.normpath" => {
                return joined().with_tag(NORMALIZED_PATH);
            }
            "builtins.str" | "builtins.repr" | "builtins.format" => {
                let mut v = joined().flatten();
                v.konst = args.first().and_then(|a| a.value.konst.clone());
                if !matches!(v.konst, Some(Const::Str(_))) {
                    v.konst = None;
                }
                return v;
            }
            _ => {}
        }
        if !self.shallow
            && let Some(def) = self.local_function(function, receiver_node)
        {
            return self.apply_summary(node, function, def, receiver_node.is_some(), args);
        }
        let Some(method) = method else {
            // An unknown function: its result may be made of its arguments, but a URL
            // built by someone else's helper (`add_query(base, q)`) rarely lets an
            // argument choose where a redirect goes; known URL functions are modelled.
            return if URL_PASS_THROUGH.contains(&name) {
                joined()
            } else {
                Value::opaque()
                    .join(&joined())
                    .sanitized(KindSet::of(&[SinkKind::Redirect]))
            };
        };
        let receiver = receiver.unwrap_or_default();
        if method == "render" && receiver.tag == Some(AUTOESCAPING_TEMPLATE) {
            return joined().sanitized(KindSet::of(&[SinkKind::Xss]));
        }
        if receiver.tag == Some(REQUEST) && REQUEST_METHODS.contains(&method) {
            let what = format!("{}()", self.text(function));
            let value = self.source(node, &what, Confidence::High);
            // Django escapes a leading `//` in the full path, so redirecting to it stays
            // on this site.
            // `get_host()` is checked against `ALLOWED_HOSTS` before it returns.
            return if matches!(method, "get_full_path" | "get_host") {
                value.sanitized(KindSet::of(&[SinkKind::Redirect]))
            } else {
                value
            };
        }
        if SQL_QUOTE_METHODS.contains(&method) {
            return joined().sanitized(KindSet::of(&[SinkKind::Sql]));
        }
        if METHODS_CLEAN.contains(&method) {
            return Value::clean();
        }
        let positional = |i: usize| {
            args.iter()
                .filter(|a| a.keyword.is_none())
                .nth(i)
                .map(|a| a.value.clone())
        };
        let var = receiver_node.and_then(|r| self.var_key(r));
        // `request.args.get("page", type=int)` converts, or falls back to the default.
        if matches!(method, "get" | "getlist")
            && args.iter().any(|a| {
                a.keyword == Some("type") && matches!(self.text(a.node), "int" | "float" | "bool")
            })
        {
            return Value::clean();
        }
        match method {
            "format" | "format_map" => {
                let prefix = receiver
                    .as_str()
                    .and_then(|s| s.split('{').next())
                    .map(Rc::from);
                let mut v = receiver.flatten().concat(&joined());
                v.konst = None;
                v.prefix = prefix;
                v
            }
            "join" => {
                let mut v = receiver.concat(&joined());
                v.konst = None;
                v.prefix = None;
                v
            }
            "replace" => {
                let from = positional(0).and_then(|v| v.as_str().map(str::to_string));
                let to = positional(1).unwrap_or_default();
                let mut v = receiver.flatten().concat(&to);
                v.konst = None;
                if from.is_some_and(|f| f.contains("\\n") || f.contains("\\r") || f.contains('\n'))
                {
                    v = v.sanitized(KindSet::of(&[SinkKind::Log, SinkKind::HeaderSplitting]));
                }
                v
            }
            "get" | "pop" | "setdefault"
                if matches!(receiver.shape, Shape::Map(_)) || receiver.tag.is_none() =>
            {
                let key = positional(0).and_then(|k| k.konst);
                let default = positional(1).unwrap_or_default();
                if receiver_node.is_some_and(|r| {
                    is_server_meta(self.text(r), key.as_ref())
                        || self.constrained_form_field(r, key.as_ref())
                }) {
                    return default;
                }
                let found = load(&receiver, key.as_ref());
                if method == "setdefault"
                    && let Some(var) = &var
                {
                    let stored = store(&receiver, key.as_ref(), default.clone());
                    st.set(var.clone(), stored);
                }
                if method == "pop"
                    && let Some(var) = &var
                {
                    st.set(var.clone(), remove(&receiver, key.as_ref()));
                }
                found.join(&default)
            }
            "append" | "add" | "appendleft" | "insert" | "extend" | "update" => {
                if let Some(var) = var {
                    let v = args.last().map(|a| a.value.clone()).unwrap_or_default();
                    let updated = match (method, &receiver.shape) {
                        ("append", Shape::Seq(items)) => {
                            let mut items = (**items).clone();
                            items.push(v);
                            Value {
                                shape: Shape::Seq(Rc::new(items)),
                                ..receiver.clone()
                            }
                        }
                        ("update", Shape::Map(_)) if matches!(v.shape, Shape::Map(_)) => {
                            let Shape::Map(extra) = &v.shape else {
                                return Value::clean();
                            };
                            let mut r = receiver.clone();
                            for (k, item) in extra.iter() {
                                r = store(&r, Some(&Const::Str(k.clone())), item.clone());
                            }
                            r
                        }
                        _ => {
                            let mut r = receiver.flatten();
                            r = r.join(&v.flatten());
                            r.konst = None;
                            r.tag = receiver.tag;
                            r
                        }
                    };
                    let step = self.step(node, format!("added to `{var}`"));
                    st.set(var, updated.step(&step));
                }
                Value::clean()
            }
            m if NUMERIC_METHODS.contains(&m) => Value::clean(),
            m if STR_SAME.contains(&m) => {
                let mut v = receiver.flatten();
                v.konst = match (m, &receiver.konst) {
                    ("lower", Some(Const::Str(s))) => Some(Const::Str(s.to_lowercase())),
                    ("upper", Some(Const::Str(s))) => Some(Const::Str(s.to_uppercase())),
                    ("strip", Some(Const::Str(s))) => Some(Const::Str(s.trim().to_string())),
                    _ => None,
                };
                v.tag = None;
                v
            }
            _ => {
                let base = if receiver.is_tainted() {
                    receiver.flatten()
                } else {
                    Value::opaque()
                };
                let mut v = base.join(&joined());
                v.konst = None;
                v.tag = if receiver.tag == Some(RESPONSE) || receiver.tag == Some(LOGGER) {
                    receiver.tag
                } else {
                    None
                };
                v
            }
        }
    }

    /// The `def` a call calls when it is a function of this file: a plain name bound to a
    /// `def`, or `self.method(...)` of the enclosing class.
    fn local_function(&self, function: Node<'t>, receiver: Option<Node<'t>>) -> Option<Node<'t>> {
        match function.kind() {
            "identifier" => match self.module.bindings(function)? {
                [Binding::Definition(def)] if def.kind() == "function_definition" => Some(*def),
                _ => None,
            },
            "attribute" => {
                let receiver = receiver?;
                if !matches!(self.text(receiver), "self" | "cls") {
                    return None;
                }
                let name = self.text(function.child_by_field_name("attribute")?);
                let class = ast::ancestor_of_kind(function, &["class_definition"])?;
                let body = class.child_by_field_name("body")?;
                ast::named_children(body).into_iter().find_map(|m| {
                    let def = if m.kind() == "decorated_definition" {
                        m.child_by_field_name("definition")?
                    } else {
                        m
                    };
                    (def.kind() == "function_definition"
                        && def
                            .child_by_field_name("name")
                            .is_some_and(|n| self.text(n) == name))
                    .then_some(def)
                })
            }
            _ => None,
        }
    }

    fn apply_summary(
        &mut self,
        node: Node<'t>,
        function: Node<'t>,
        def: Node<'t>,
        method: bool,
        args: &[Arg<'t>],
    ) -> Value {
        let result = self.ft.analysis(self.module, def);
        let summary = &result.summary;
        let mut bound = vec![Value::clean(); summary.params.len()];
        let offset = usize::from(method);
        let mut position = offset;
        for a in args {
            let index = match a.keyword {
                Some(k) => summary.params.iter().position(|p| p == k),
                None => {
                    position += 1;
                    Some(position - 1)
                }
            };
            if let Some(slot) = index.and_then(|i| bound.get_mut(i)) {
                *slot = a.value.clone();
            }
        }
        let callee = quote::short(self.text(function));
        let call_step = self.step(node, format!("passed to `{callee}()`"));
        // `remember(request.session, "key", value)` stores into the session.
        let session_stores = result
            .param_stores
            .iter()
            .filter(|(i, _)| bound.get(*i).is_some_and(|b| b.tag == Some(SESSION)))
            .map(|(_, hit)| hit);
        for hit in summary.sinks.iter().chain(session_stores) {
            let (flow, open) = Summary::instantiate(hit, &bound, &call_step);
            if let Some(flow) = flow {
                self.flows.push((key(node), flow));
            }
            self.hits.extend(open);
        }
        let ret = Summary::substitute(&summary.ret, &bound, &call_step);
        ret.step(&self.step(node, format!("returned from `{callee}()`")))
    }

    /// The sinks a call is, and which argument each reads.
    fn sinks(
        &self,
        node: Node<'t>,
        name: &str,
        method: Option<&str>,
        receiver: Option<&Value>,
        receiver_node: Option<Node<'t>>,
        args: &[Arg<'t>],
    ) -> Vec<SinkArg> {
        use SinkKind::*;
        let find = |index: usize, keyword: &str| {
            args.iter()
                .position(|a| a.keyword == Some(keyword))
                .or_else(|| {
                    args.iter()
                        .enumerate()
                        .filter(|(_, a)| a.keyword.is_none())
                        .nth(index)
                        .map(|(i, _)| i)
                })
        };
        let one = |kind: SinkKind, index: usize, keyword: &str| {
            find(index, keyword)
                .map(|arg| SinkArg {
                    kind,
                    arg,
                    element: None,
                })
                .into_iter()
                .collect::<Vec<_>>()
        };
        let receiver_text = receiver_node.map(|r| self.text(r).to_ascii_lowercase());
        // `Response(body, headers={...})`: the header values.
        let headers = || {
            args.iter()
                .position(|a| a.keyword == Some("headers"))
                .map(|arg| SinkArg {
                    kind: HeaderSplitting,
                    arg,
                    element: None,
                })
                .into_iter()
                .collect::<Vec<_>>()
        };
        match name {
            "sqlalchemy.text"
            | "sqlalchemy.sql.text"
            | "sqlalchemy.sql.expression.text"
            | "sqlmodel.text" => return one(Sql, 0, "text"),
            "django.db.models.RawSQL" | "django.db.models.expressions.RawSQL" => {
                return one(Sql, 0, "sql");
            }
            "pandas.read_sql" | "pandas.read_sql_query" => return one(Sql, 0, "sql"),
            "builtins.eval" | "builtins.exec" => return one(Code, 0, "source"),
            "builtins.open"
            | "io.open"
            | "codecs.open"
            | "os.open"
            | "os.remove"
            | "os.unlink"
            | "os.rmdir"
            | "os.removedirs"
            | "os.listdir"
            | "os.mkdir"
            | "os.makedirs"
            | "shutil.rmtree"
            | "flask.send_file"
            | "flask.send_from_directory" => return one(Path, 0, "file"),
            // Every part of a path built by `Path(base, *parts)` chooses where it leads.
            "pathlib.Path" | "pathlib.PurePath" => return self.all_positional(args, Path),
            "shutil.copy" | "shutil.copy2" | "shutil.copyfile" | "shutil.copytree"
            | "shutil.move" | "os.rename" | "os.replace" => {
                let mut v = one(Path, 0, "src");
                v.extend(one(Path, 1, "dst"));
                return v;
            }
            "django.http.HttpResponse" | "flask.Response" | "werkzeug.wrappers.Response"
                if self.declares_non_html(node) =>
            {
                return headers();
            }
            "flask.make_response"
            | "django.http.HttpResponse"
            | "markupsafe.Markup"
            | "flask.Markup"
            | "django.utils.safestring.mark_safe"
            | "flask.Response"
            | "werkzeug.wrappers.Response" => {
                let mut v = one(Xss, 0, "response");
                v.extend(headers());
                return v;
            }
            "requests.get"
            | "requests.post"
            | "requests.put"
            | "requests.patch"
            | "requests.delete"
            | "requests.head"
            | "requests.options"
            | "httpx.get"
            | "httpx.post"
            | "httpx.put"
            | "httpx.delete"
            | "urllib.request.urlopen"
            | "urllib.request.Request"
            | "urllib.urlopen"
            | "urllib2.urlopen"
            | "http.client.HTTPConnection"
            | "http.client.HTTPSConnection" => {
                return one(Ssrf, 0, "url");
            }
            "requests.request" | "httpx.request" => return one(Ssrf, 1, "url"),
            "flask.redirect"
            | "django.shortcuts.redirect"
            | "django.http.HttpResponseRedirect"
            | "django.http.HttpResponsePermanentRedirect" => return one(Redirect, 0, "location"),
            "flask.render_template_string"
            | "jinja2.Template"
            | "django.template.Template"
            | "mako.template.Template" => return one(Template, 0, "source"),
            "lxml.etree.XPath" | "lxml.etree.ETXPath" => return one(Xpath, 0, "path"),
            _ => {}
        }
        if SHELL_ALWAYS.contains(&name) {
            return one(Command, 0, "cmd");
        }
        if SHELL_OPTIONAL.contains(&name) {
            let shell = self.uses_shell(node);
            let Some(arg) = find(0, "args") else {
                return Vec::new();
            };
            if shell {
                return vec![SinkArg {
                    kind: Command,
                    arg,
                    element: None,
                }];
            }
            // Without a shell only the program, or the script of `sh -c`, is a command.
            let element = match args.get(arg).map(|a| &a.value.shape) {
                Some(Shape::Seq(items)) => {
                    let program = items.first().and_then(Value::as_str).unwrap_or_default();
                    let base = program.rsplit('/').next().unwrap_or_default();
                    if SHELLS.contains(&base) {
                        items
                            .iter()
                            .position(|i| matches!(i.as_str(), Some("-c" | "/c")))
                            .map(|p| p + 1)
                    } else {
                        Some(0)
                    }
                }
                _ => None,
            };
            return vec![SinkArg {
                kind: Command,
                arg,
                element,
            }];
        }
        if name.starts_with("logging.")
            && name
                .rsplit('.')
                .next()
                .is_some_and(|m| LOG_METHODS.contains(&m) || m == "log")
        {
            return self.log_arguments(args, usize::from(name.ends_with(".log")));
        }
        let Some(method) = method else {
            return Vec::new();
        };
        let receiver = receiver.cloned().unwrap_or_default();
        match method {
            "execute" | "executemany" | "executescript" => one(Sql, 0, "operation"),
            "raw" => one(Sql, 0, "raw_query"),
            "extra" => ["where", "select", "order_by", "tables"]
                .iter()
                .filter_map(|k| args.iter().position(|a| a.keyword == Some(k)))
                .map(|arg| SinkArg {
                    kind: Sql,
                    arg,
                    element: None,
                })
                .collect(),
            "from_string" => one(Template, 0, "source"),
            // An uploaded file (`request.files["f"].save(path)`) written where its
            // request says.
            "save"
                if receiver
                    .all_origins()
                    .iter()
                    .any(|o| !matches!(o.label, Label::Opaque)) =>
            {
                one(Path, 0, "dst")
            }
            "get" | "post" | "put" | "patch" | "delete" | "head" | "options"
                if receiver.tag == Some(HTTP_CLIENT) =>
            {
                one(Ssrf, 0, "url")
            }
            "request" if receiver.tag == Some(HTTP_CLIENT) => one(Ssrf, 1, "url"),
            "xpath" => one(Xpath, 0, "_path"),
            "search_s" | "search_st" | "search_ext" | "search_ext_s" => {
                let mut v = one(Ldap, 2, "filterstr");
                v.extend(one(Ldap, 0, "base"));
                v
            }
            "search"
                if receiver_text
                    .as_deref()
                    .is_some_and(|r| r.contains("ldap") || r.contains("conn")) =>
            {
                let mut v = one(Ldap, 1, "search_filter");
                v.extend(one(Ldap, 0, "search_base"));
                v
            }
            m if LOG_METHODS.contains(&m)
                && (receiver.tag == Some(LOGGER)
                    || receiver_text.as_deref().is_some_and(|r| r.contains("log"))) =>
            {
                self.log_arguments(args, 0)
            }
            "add" | "set" | "add_header" | "setdefault"
                if receiver_node.is_some_and(|r| self.text(r).ends_with("headers"))
                    && receiver.tag != Some(REQUEST) =>
            {
                one(HeaderSplitting, 1, "value")
            }
            "setdefault" | "update" if receiver.tag == Some(SESSION) => {
                self.all_positional(args, TrustBoundary)
            }
            _ => Vec::new(),
        }
    }

    /// Whether a `subprocess` call passes `shell=True`.
    fn uses_shell(&self, node: Node<'t>) -> bool {
        call::keyword(node, "shell", self.src)
            .is_some_and(|v| matches!(v.kind(), "true") || self.text(v) == "1")
    }

    /// Whether a response constructor names a constant media type that is not HTML
    /// (`content_type="text/plain"`, `mimetype="application/json"`): browsers do not
    /// render such a body as a page.
    fn declares_non_html(&self, node: Node<'t>) -> bool {
        ["content_type", "mimetype"].iter().any(|k| {
            call::keyword(node, k, self.src).is_some_and(|v| {
                v.kind() == "string"
                    && !self.text(v).to_ascii_lowercase().contains("html")
                    && !self.text(v).contains('{')
            })
        })
    }

    fn all_positional(&self, args: &[Arg<'t>], kind: SinkKind) -> Vec<SinkArg> {
        args.iter()
            .enumerate()
            .filter(|(_, a)| a.keyword.is_none())
            .map(|(arg, _)| SinkArg {
                kind,
                arg,
                element: None,
            })
            .collect()
    }

    /// The arguments of a logging call that can write a line break into the log: all
    /// positional ones, except those the constant format at `format_at` prints with
    /// `%r` (which escapes line breaks) or as numbers.
    fn log_arguments(&self, args: &[Arg<'t>], format_at: usize) -> Vec<SinkArg> {
        let positional: Vec<usize> = args
            .iter()
            .enumerate()
            .filter(|(_, a)| a.keyword.is_none())
            .map(|(i, _)| i)
            .collect();
        let conversions = positional
            .get(format_at)
            .and_then(|&i| args.get(i))
            .and_then(|a| a.value.as_str())
            .and_then(percent_conversions);
        positional
            .iter()
            .enumerate()
            .filter(|&(j, _)| {
                let conversion = j
                    .checked_sub(format_at + 1)
                    .and_then(|k| conversions.as_ref().and_then(|c| c.get(k)));
                !conversion.is_some_and(|c| "radiouxXeEfFgG".contains(*c))
            })
            .map(|(_, &arg)| SinkArg {
                kind: SinkKind::Log,
                arg,
                element: None,
            })
            .collect()
    }

    /// A Flask view's return value is the HTML body when it is a string.
    fn view_return(&mut self, node: Node<'t>, value: &Value) {
        if value.tag == Some(RESPONSE) || matches!(value.shape, Shape::Map(_)) {
            return;
        }
        let body = match &value.shape {
            // `return body, 200, {"Content-Type": "text/plain"}`: not a page.
            Shape::Seq(items) => {
                let at = node.named_child(0).unwrap_or(node);
                for headers in items.iter().skip(1) {
                    if matches!(headers.shape, Shape::Map(_) | Shape::Seq(_)) {
                        let name = "the view's response headers";
                        self.sink(node, at, SinkKind::HeaderSplitting, name, headers);
                    }
                }
                if items.iter().skip(1).any(declares_non_html) {
                    return;
                }
                items.first().cloned().unwrap_or_default()
            }
            _ => value.clone(),
        };
        if body.tag == Some(RESPONSE) {
            return;
        }
        let at = node.named_child(0).unwrap_or(node);
        self.sink(node, at, SinkKind::Xss, "the view's return value", &body);
    }

    /// Records what reaches a sink: a flow for each source, a summary hit for parameters.
    fn sink(&mut self, trigger: Node<'t>, at: Node<'t>, kind: SinkKind, name: &str, value: &Value) {
        let value = if matches!(kind, SinkKind::Ssrf | SinkKind::Redirect)
            && prefix_fixes_host(value.prefix.as_deref())
        {
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

fn is_module_level(node: Node<'_>) -> bool {
    ast::ancestor_of_kind(node, &["function_definition", "class_definition"]).is_none()
}

fn is_constant_name(name: &str) -> bool {
    name.chars().any(|c| c.is_ascii_uppercase()) && !name.chars().any(|c| c.is_ascii_lowercase())
}

/// The conversion characters of a `%`-format's positional specifiers, in order
/// (`"%s took %d ms"` gives `['s', 'd']`); `None` when it names mapping keys (`%(x)s`)
/// or takes widths from the arguments (`%*d`), which shift the arguments.
fn percent_conversions(format: &str) -> Option<Vec<char>> {
    let mut out = Vec::new();
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            continue;
        }
        loop {
            let next = chars.next()?;
            match next {
                '%' => break,
                '(' | '*' => return None,
                '#' | '0' | '-' | ' ' | '+' | '.' | 'h' | 'l' | 'L' => {}
                d if d.is_ascii_digit() => {}
                conversion => {
                    out.push(conversion);
                    break;
                }
            }
        }
    }
    Some(out)
}

/// Whether a header map of a view's return tuple sets a content type that is not HTML.
fn declares_non_html(headers: &Value) -> bool {
    let Shape::Map(map) = &headers.shape else {
        return false;
    };
    map.iter().any(|(k, v)| {
        k.eq_ignore_ascii_case("content-type")
            && v.as_str()
                .is_some_and(|t| !t.to_ascii_lowercase().contains("html"))
    })
}

/// Whether every `%` conversion of a format string is numeric (`%d`, `%05.2f`).
fn formats_only_numbers(format: &str) -> bool {
    let mut chars = format.chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        if c != '%' {
            continue;
        }
        if chars.peek() == Some(&'%') {
            chars.next();
            continue;
        }
        if chars.peek() == Some(&'(') {
            for c in chars.by_ref() {
                if c == ')' {
                    break;
                }
            }
        }
        let conversion = chars
            .by_ref()
            .find(|c| !matches!(c, '0'..='9' | '.' | '-' | '+' | ' ' | '#' | '*'));
        match conversion {
            Some('d' | 'i' | 'u' | 'f' | 'F' | 'e' | 'E' | 'g' | 'G' | 'x' | 'X' | 'o') => {
                any = true;
            }
            _ => return false,
        }
    }
    any
}

#[cfg(test)]
mod tests {
    use super::percent_conversions;

    #[test]
    fn percent_conversions_list_positional_specifiers_in_order() {
        assert_eq!(
            percent_conversions("%s took %5.1f ms (%r), 100%%"),
            Some(vec!['s', 'f', 'r'])
        );
        assert_eq!(percent_conversions("plain"), Some(vec![]));
        assert_eq!(percent_conversions("%(user)s"), None);
        assert_eq!(percent_conversions("%*d"), None);
    }
}
