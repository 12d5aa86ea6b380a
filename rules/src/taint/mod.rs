//! The language-neutral half of Argus's taint analysis: what a tainted value is, how
//! values meet at control-flow joins, what a finding's path looks like, and what a
//! function's summary records.
//!
//! A front end per language (`python::taint`) interprets one function body over the
//! tree-sitter tree with these values: it decides which expressions are sources, which
//! calls are sinks and sanitizers, and how statements move values. Everything here is
//! plain data with joins, so both front ends agree on what "tainted" means.
//!
//! A value carries *origins*: where its untrusted parts came from ([`Label`]), for which
//! sink kinds they have been made safe ([`KindSet`]) and the steps they took ([`Trace`]).
//! A value with no origins is fixed by the program itself.

pub mod fold;
pub mod outcome;

use std::collections::BTreeMap;
use std::fmt;
use std::rc::Rc;

use crate::Span;

pub use fold::Const;

/// The kinds of sinks, one per vulnerability class.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SinkKind {
    Sql,
    Command,
    Code,
    Path,
    Xss,
    Ssrf,
    Redirect,
    Log,
    Template,
    Ldap,
    Xpath,
    TrustBoundary,
    HeaderSplitting,
}

impl SinkKind {
    pub const ALL: [SinkKind; 13] = [
        SinkKind::Sql,
        SinkKind::Command,
        SinkKind::Code,
        SinkKind::Path,
        SinkKind::Xss,
        SinkKind::Ssrf,
        SinkKind::Redirect,
        SinkKind::Log,
        SinkKind::Template,
        SinkKind::Ldap,
        SinkKind::Xpath,
        SinkKind::TrustBoundary,
        SinkKind::HeaderSplitting,
    ];

    fn bit(self) -> u16 {
        1 << (self as u16)
    }

    /// What reaching this sink lets an attacker do, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            SinkKind::Sql => "SQL query",
            SinkKind::Command => "shell command",
            SinkKind::Code => "code evaluation",
            SinkKind::Path => "file path",
            SinkKind::Xss => "response body (HTML)",
            SinkKind::Ssrf => "server-side request URL",
            SinkKind::Redirect => "redirect target",
            SinkKind::Log => "log message",
            SinkKind::Template => "template source",
            SinkKind::Ldap => "LDAP query",
            SinkKind::Xpath => "XPath expression",
            SinkKind::TrustBoundary => "session attribute",
            SinkKind::HeaderSplitting => "HTTP response header",
        }
    }

    /// [`SinkKind::describe`] with its article, for "reaches `x` as ...".
    pub fn with_article(self) -> &'static str {
        match self {
            SinkKind::Sql => "an SQL query",
            SinkKind::Command => "a shell command",
            SinkKind::Code => "code to evaluate",
            SinkKind::Path => "a file path",
            SinkKind::Xss => "a response body (HTML)",
            SinkKind::Ssrf => "a server-side request URL",
            SinkKind::Redirect => "a redirect target",
            SinkKind::Log => "a log message",
            SinkKind::Template => "a template source",
            SinkKind::Ldap => "an LDAP query",
            SinkKind::Xpath => "an XPath expression",
            SinkKind::TrustBoundary => "a session attribute",
            SinkKind::HeaderSplitting => "an HTTP response header",
        }
    }

    /// Whether a low-confidence source (command line, environment) counts for this kind:
    /// only where the program text itself is built from it.
    pub fn accepts_low_confidence(self) -> bool {
        matches!(
            self,
            SinkKind::Sql
                | SinkKind::Command
                | SinkKind::Code
                | SinkKind::Template
                | SinkKind::Ldap
                | SinkKind::Xpath
        )
    }
}

/// A set of sink kinds: those a value has been made safe for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct KindSet(u16);

impl KindSet {
    pub const EMPTY: KindSet = KindSet(0);
    pub const ALL: KindSet = KindSet(u16::MAX);

    pub fn of(kinds: &[SinkKind]) -> KindSet {
        KindSet(kinds.iter().fold(0, |acc, k| acc | k.bit()))
    }

    pub fn contains(self, kind: SinkKind) -> bool {
        self.0 & kind.bit() != 0
    }

    pub fn union(self, other: KindSet) -> KindSet {
        KindSet(self.0 | other.0)
    }

    pub fn intersection(self, other: KindSet) -> KindSet {
        KindSet(self.0 & other.0)
    }
}

/// How much a source is trusted to be attacker-controlled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Confidence {
    /// Request data: parameters, headers, cookies, bodies.
    High,
    /// The command line, the environment, the console.
    Low,
}

/// Where the untrusted part of a value came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Label {
    /// A source: `what` names it (`request.args.get`); `at` is its start byte.
    Source {
        what: Rc<str>,
        confidence: Confidence,
        at: usize,
    },
    /// The function's parameter at this index; substituted at call sites by summaries.
    Param(usize),
    /// A value the analysis cannot see into (a field, an unknown call's result): not a
    /// source, but not a constant either. Only the older non-constant rules act on it.
    Opaque,
}

/// One step a value took, shown in a finding's path.
#[derive(Clone, Debug)]
pub struct Step {
    pub span: Span,
    pub note: String,
}

/// The steps an origin took, newest last; shared between the values derived from it.
#[derive(Clone, Debug, Default)]
pub struct Trace(Option<Rc<TraceNode>>);

#[derive(Debug)]
struct TraceNode {
    step: Step,
    previous: Trace,
    len: usize,
}

/// How many steps a trace keeps; older steps past this are summarised by the newest.
const MAX_TRACE: usize = 16;

impl Trace {
    pub fn then(&self, step: Step) -> Trace {
        let len = self.len();
        if len >= MAX_TRACE {
            return self.clone();
        }
        Trace(Some(Rc::new(TraceNode {
            step,
            previous: self.clone(),
            len: len + 1,
        })))
    }

    pub fn len(&self) -> usize {
        self.0.as_ref().map_or(0, |n| n.len)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// Appends `later` (a callee's steps) after this trace.
    pub fn extend(&self, later: &Trace) -> Trace {
        later
            .steps()
            .into_iter()
            .fold(self.clone(), |t, s| t.then(s))
    }

    /// The steps, oldest first.
    pub fn steps(&self) -> Vec<Step> {
        let mut steps = Vec::with_capacity(self.len());
        let mut node = self.0.as_ref();
        while let Some(n) = node {
            steps.push(n.step.clone());
            node = n.previous.0.as_ref();
        }
        steps.reverse();
        steps
    }
}

/// One untrusted part of a value.
#[derive(Clone, Debug)]
pub struct Origin {
    pub label: Label,
    /// The sink kinds this part has been sanitized for.
    pub safe: KindSet,
    pub trace: Trace,
}

impl Origin {
    /// Whether this part is a source that may reach a sink of `kind` unsanitized.
    pub fn is_source_for(&self, kind: SinkKind) -> bool {
        match &self.label {
            Label::Source { confidence, .. } => {
                !self.safe.contains(kind)
                    && (*confidence == Confidence::High || kind.accepts_low_confidence())
            }
            _ => false,
        }
    }
}

/// The shape of a container whose elements are tracked one by one.
#[derive(Clone, Debug, Default)]
pub enum Shape {
    /// Not a tracked container.
    #[default]
    Scalar,
    /// A list or tuple with known elements, in order.
    Seq(Rc<Vec<Value>>),
    /// A dict or map with known constant keys.
    Map(Rc<BTreeMap<String, Value>>),
}

/// A front end's mark on a value it treats specially (a request object).
pub type Tag = u8;

/// An abstract value: its untrusted origins, its constant value when known, its known
/// constant prefix (which decides whether input can choose a URL's host), and its
/// tracked elements.
#[derive(Clone, Debug, Default)]
pub struct Value {
    /// For containers: the parts not tracked by key or index.
    pub origins: Vec<Rc<Origin>>,
    pub konst: Option<Const>,
    pub prefix: Option<Rc<str>>,
    pub shape: Shape,
    pub tag: Option<Tag>,
}

/// How many origins a value keeps; more adds nothing to a finding.
const MAX_ORIGINS: usize = 6;

impl Value {
    /// A value fixed by the program, with no known constant.
    pub fn clean() -> Value {
        Value::default()
    }

    pub fn constant(c: Const) -> Value {
        let prefix = match &c {
            Const::Str(s) => Some(Rc::from(s.as_str())),
            _ => None,
        };
        Value {
            konst: Some(c),
            prefix,
            ..Value::default()
        }
    }

    pub fn opaque() -> Value {
        Value::from_label(Label::Opaque, Trace::default())
    }

    pub fn from_label(label: Label, trace: Trace) -> Value {
        Value {
            origins: vec![Rc::new(Origin {
                label,
                safe: KindSet::EMPTY,
                trace,
            })],
            ..Value::default()
        }
    }

    pub fn with_tag(mut self, tag: Tag) -> Value {
        self.tag = Some(tag);
        self
    }

    /// Every origin, tracked elements included.
    pub fn all_origins(&self) -> Vec<Rc<Origin>> {
        let mut out = Vec::new();
        self.collect_origins(&mut out, 0);
        out
    }

    fn collect_origins(&self, out: &mut Vec<Rc<Origin>>, depth: usize) {
        for o in &self.origins {
            push_origin(out, o.clone());
        }
        if depth > 8 {
            return;
        }
        match &self.shape {
            Shape::Scalar => {}
            Shape::Seq(items) => items.iter().for_each(|v| v.collect_origins(out, depth + 1)),
            Shape::Map(items) => items
                .values()
                .for_each(|v| v.collect_origins(out, depth + 1)),
        }
    }

    /// The value as one flat string-like value: elements folded in, shape dropped.
    pub fn flatten(&self) -> Value {
        Value {
            origins: self.all_origins(),
            konst: self.konst.clone(),
            prefix: self.prefix.clone(),
            shape: Shape::Scalar,
            tag: self.tag,
        }
    }

    pub fn is_tainted(&self) -> bool {
        !self.all_origins().is_empty()
    }

    /// The first origin that is a source reaching a sink of `kind`.
    pub fn source_for(&self, kind: SinkKind) -> Option<Rc<Origin>> {
        self.all_origins()
            .into_iter()
            .find(|o| o.is_source_for(kind))
    }

    /// Whether a parameter or an opaque value reaches a sink of `kind` unsanitized.
    pub fn unresolved_for(&self, kind: SinkKind) -> bool {
        self.all_origins()
            .iter()
            .any(|o| !matches!(o.label, Label::Source { .. }) && !o.safe.contains(kind))
    }

    /// The value with every origin marked safe for `kinds`.
    pub fn sanitized(&self, kinds: KindSet) -> Value {
        self.map_origins(&|o| {
            Rc::new(Origin {
                label: o.label.clone(),
                safe: o.safe.union(kinds),
                trace: o.trace.clone(),
            })
        })
    }

    /// The value with its low-confidence sources (command line, environment, console)
    /// marked safe for `kind`: for sinks where the person at the console already has
    /// that power, such as choosing which program to run.
    pub fn trusting_low_confidence(&self, kind: SinkKind) -> Value {
        let kinds = KindSet::of(&[kind]);
        self.map_origins(&|o| {
            let low = matches!(
                o.label,
                Label::Source {
                    confidence: Confidence::Low,
                    ..
                }
            );
            Rc::new(Origin {
                label: o.label.clone(),
                safe: if low { o.safe.union(kinds) } else { o.safe },
                trace: o.trace.clone(),
            })
        })
    }

    /// The value with `step` added to every origin's trace.
    pub fn step(&self, step: &Step) -> Value {
        if !self.is_tainted() {
            return self.clone();
        }
        self.map_origins(&|o| {
            Rc::new(Origin {
                label: o.label.clone(),
                safe: o.safe,
                trace: o.trace.then(step.clone()),
            })
        })
    }

    pub fn map_origins(&self, f: &dyn Fn(&Origin) -> Rc<Origin>) -> Value {
        Value {
            origins: self.origins.iter().map(|o| f(o)).collect(),
            konst: self.konst.clone(),
            prefix: self.prefix.clone(),
            shape: match &self.shape {
                Shape::Scalar => Shape::Scalar,
                Shape::Seq(items) => {
                    Shape::Seq(Rc::new(items.iter().map(|v| v.map_origins(f)).collect()))
                }
                Shape::Map(items) => Shape::Map(Rc::new(
                    items
                        .iter()
                        .map(|(k, v)| (k.clone(), v.map_origins(f)))
                        .collect(),
                )),
            },
            tag: self.tag,
        }
    }

    /// The value where control flow meets: either may be what the variable holds.
    pub fn join(&self, other: &Value) -> Value {
        let mut origins = self.origins.clone();
        for o in &other.origins {
            push_origin(&mut origins, o.clone());
        }
        let shape = match (&self.shape, &other.shape) {
            (Shape::Seq(a), Shape::Seq(b)) if a.len() == b.len() => Shape::Seq(Rc::new(
                a.iter().zip(b.iter()).map(|(x, y)| x.join(y)).collect(),
            )),
            (Shape::Map(a), Shape::Map(b)) => {
                let mut merged = (**a).clone();
                for (k, v) in b.iter() {
                    let joined = merged.get(k).map_or_else(|| v.clone(), |m| m.join(v));
                    merged.insert(k.clone(), joined);
                }
                Shape::Map(Rc::new(merged))
            }
            (Shape::Scalar, Shape::Scalar) => Shape::Scalar,
            _ => {
                for o in self.all_origins().into_iter().chain(other.all_origins()) {
                    push_origin(&mut origins, o);
                }
                Shape::Scalar
            }
        };
        Value {
            origins,
            konst: (self.konst == other.konst)
                .then(|| self.konst.clone())
                .flatten(),
            prefix: common_prefix(self.prefix.as_deref(), other.prefix.as_deref()),
            shape,
            tag: if self.tag == other.tag {
                self.tag
            } else {
                None
            },
        }
    }

    /// String concatenation: `self + other`, taint from both, prefix from the left.
    pub fn concat(&self, other: &Value) -> Value {
        let mut origins = self.all_origins();
        for o in other.all_origins() {
            push_origin(&mut origins, o);
        }
        let konst = match (&self.konst, &other.konst) {
            (Some(a), Some(b)) => fold::add(a, b),
            _ => None,
        };
        let prefix = match (&self.konst, &self.prefix, &other.prefix) {
            (Some(Const::Str(a)), _, Some(b)) => Some(Rc::from(format!("{a}{b}").as_str())),
            (_, Some(a), _) => Some(a.clone()),
            _ => None,
        };
        Value {
            origins,
            konst,
            prefix,
            shape: Shape::Scalar,
            tag: None,
        }
    }

    /// The string value when known.
    pub fn as_str(&self) -> Option<&str> {
        match &self.konst {
            Some(Const::Str(s)) => Some(s),
            _ => None,
        }
    }
}

fn push_origin(origins: &mut Vec<Rc<Origin>>, origin: Rc<Origin>) {
    // The same label on two paths keeps the less sanitized of the two.
    if let Some(existing) = origins.iter_mut().find(|o| o.label == origin.label) {
        if existing.safe != origin.safe {
            let safe = existing.safe.intersection(origin.safe);
            let trace = if existing.safe == safe {
                existing.trace.clone()
            } else {
                origin.trace.clone()
            };
            *existing = Rc::new(Origin {
                label: existing.label.clone(),
                safe,
                trace,
            });
        }
        return;
    }
    if origins.len() < MAX_ORIGINS {
        origins.push(origin);
    }
}

fn common_prefix(a: Option<&str>, b: Option<&str>) -> Option<Rc<str>> {
    let (a, b) = (a?, b?);
    let len = a
        .char_indices()
        .zip(b.chars())
        .take_while(|((_, x), y)| x == y)
        .last()
        .map_or(0, |((i, c), _)| i + c.len_utf8());
    (len > 0).then(|| Rc::from(&a[..len]))
}

/// Whether a URL built with this constant prefix has its scheme and host fixed, so input
/// after it can only choose a path on a known server.
pub fn prefix_fixes_host(prefix: Option<&str>) -> bool {
    let Some(prefix) = prefix else {
        return false;
    };
    if let Some((scheme, rest)) = prefix.split_once("://") {
        return !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '+')
            && rest.find('/').is_some_and(|i| i > 0);
    }
    // A relative path: `/x...` stays on this host, `//x` does not.
    let mut chars = prefix.chars();
    chars.next() == Some('/') && chars.next().is_some_and(|c| c != '/' && c != '\\')
}

/// The string key of a constant used as a map key or an index.
pub fn const_key(c: &Const) -> Option<String> {
    match c {
        Const::Str(s) => Some(s.clone()),
        Const::Int(i) => Some(i.to_string()),
        Const::Bool(_) => None,
    }
}

/// What iterating a value yields.
pub fn element_of(v: &Value) -> Value {
    match &v.shape {
        Shape::Seq(items) => items
            .iter()
            .fold(Value::clean(), |acc, i| acc.join(i))
            .join(&Value {
                origins: v.origins.clone(),
                ..Value::default()
            }),
        Shape::Map(_) => Value {
            origins: v.origins.clone(),
            ..Value::default()
        },
        Shape::Scalar => {
            let mut f = v.flatten();
            f.konst = None;
            f.tag = None;
            f
        }
    }
}

/// `base[index]`: the element under a constant index when tracked, the untracked part
/// otherwise; an unknown index reads any element.
pub fn load(base: &Value, index: Option<&Const>) -> Value {
    let untracked = || Value {
        origins: base.origins.clone(),
        ..Value::default()
    };
    match (&base.shape, index) {
        (Shape::Map(items), Some(k)) => match const_key(k).and_then(|k| items.get(&k)) {
            Some(v) => v.clone(),
            None => untracked(),
        },
        (Shape::Seq(items), Some(Const::Int(i))) => {
            let len = i64::try_from(items.len()).unwrap_or(i64::MAX);
            let at = if *i < 0 { len + i } else { *i };
            usize::try_from(at)
                .ok()
                .and_then(|a| items.get(a))
                .cloned()
                .unwrap_or_else(untracked)
        }
        (Shape::Scalar, _) => {
            let mut v = base.flatten();
            v.konst = None;
            v.tag = None;
            v
        }
        _ => base.flatten(),
    }
}

/// `base[index] = value`: a strong update under a constant index, a weak one otherwise.
pub fn store(base: &Value, index: Option<&Const>, value: Value) -> Value {
    match (&base.shape, index) {
        (Shape::Map(items), Some(k)) if const_key(k).is_some() => {
            let mut items = (**items).clone();
            if let Some(k) = const_key(k) {
                items.insert(k, value);
            }
            Value {
                shape: Shape::Map(Rc::new(items)),
                ..base.clone()
            }
        }
        (Shape::Seq(items), Some(Const::Int(i)))
            if usize::try_from(*i).is_ok_and(|i| i < items.len()) =>
        {
            let mut items = (**items).clone();
            if let Some(slot) = usize::try_from(*i).ok().and_then(|i| items.get_mut(i)) {
                *slot = value;
            }
            Value {
                shape: Shape::Seq(Rc::new(items)),
                ..base.clone()
            }
        }
        _ => {
            let mut v = base.clone();
            for o in value.all_origins() {
                if !v.origins.iter().any(|x| x.label == o.label) {
                    v.origins.push(o);
                }
            }
            v
        }
    }
}

/// `base.pop(index)` or `base.remove(index)`: the container without that element; no
/// index removes the last element of a sequence.
pub fn remove(base: &Value, index: Option<&Const>) -> Value {
    match (&base.shape, index) {
        (Shape::Map(items), Some(k)) => {
            let mut items = (**items).clone();
            if let Some(k) = const_key(k) {
                items.remove(&k);
            }
            Value {
                shape: Shape::Map(Rc::new(items)),
                ..base.clone()
            }
        }
        (Shape::Seq(items), index) => {
            let mut items = (**items).clone();
            let at = match index {
                Some(Const::Int(i)) => usize::try_from(*i).ok(),
                None => items.len().checked_sub(1),
                _ => None,
            };
            match at {
                Some(at) if at < items.len() => {
                    items.remove(at);
                    Value {
                        shape: Shape::Seq(Rc::new(items)),
                        ..base.clone()
                    }
                }
                _ => base.flatten(),
            }
        }
        _ => base.clone(),
    }
}

/// A variable store at one program point. `dead` marks a point no path reaches (after
/// `return` or `raise`), which joins treat as absent.
#[derive(Clone, Debug, Default)]
pub struct State {
    pub vars: BTreeMap<String, Value>,
    pub dead: bool,
}

impl State {
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.vars.get(name)
    }

    pub fn set(&mut self, name: impl Into<String>, value: Value) {
        self.vars.insert(name.into(), value);
    }

    pub fn join(&self, other: &State) -> State {
        if self.dead {
            return other.clone();
        }
        if other.dead {
            return self.clone();
        }
        let mut vars = self.vars.clone();
        for (k, v) in &other.vars {
            let joined = vars.get(k).map_or_else(|| v.clone(), |m| m.join(v));
            vars.insert(k.clone(), joined);
        }
        State { vars, dead: false }
    }
}

/// A source reaching a sink: what a taint rule reports.
#[derive(Clone, Debug)]
pub struct Flow {
    pub kind: SinkKind,
    /// The tainted expression at the sink.
    pub sink: Span,
    /// The sink call, for the message: `cursor.execute`.
    pub sink_name: String,
    pub origin: Rc<Origin>,
}

impl Flow {
    /// What the source was and where: `request.args.get` and its line.
    pub fn source(&self) -> (&str, usize) {
        match &self.origin.label {
            Label::Source { what, .. } => {
                let line = self
                    .origin
                    .trace
                    .steps()
                    .first()
                    .map_or(0, |s| s.span.start.line);
                (what, line)
            }
            _ => ("input", 0),
        }
    }

    /// The path from source to sink, one note per step, the sink last.
    pub fn path(&self) -> Vec<Step> {
        let mut steps = self.origin.trace.steps();
        steps.push(Step {
            span: self.sink,
            note: format!(
                "reaches `{}` as {}",
                self.sink_name,
                self.kind.with_article()
            ),
        });
        steps
    }
}

/// What a sink inside a function is reached by: recorded for the function's summary, so
/// callers can tell which of their arguments reach it.
#[derive(Clone, Debug)]
pub struct SinkHit {
    pub kind: SinkKind,
    pub sink: Span,
    pub sink_name: String,
    pub value: Value,
}

impl SinkHit {
    /// What the sink records: a flow when a source reaches it, and the hit itself, for
    /// the function's summary, when one of the function's parameters still reaches it
    /// unsanitized.
    pub fn outcomes(self) -> (Option<Flow>, Option<SinkHit>) {
        let flow = self.value.source_for(self.kind).map(|origin| Flow {
            kind: self.kind,
            sink: self.sink,
            sink_name: self.sink_name.clone(),
            origin,
        });
        let open = self
            .value
            .all_origins()
            .iter()
            .any(|o| matches!(o.label, Label::Param(_)) && !o.safe.contains(self.kind));
        (flow, open.then_some(self))
    }
}

/// What calling a function does with its arguments, computed once per function.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    /// The parameter names, in order, for keyword arguments.
    pub params: Vec<String>,
    /// The returned value; `Param` origins stand for the arguments.
    pub ret: Value,
    /// Sinks parameters reach inside the function.
    pub sinks: Vec<SinkHit>,
}

impl Summary {
    /// A sink the callee's parameters reach, seen at a call site with arguments `bound`:
    /// the flow it makes if a source now reaches it, and the hit it stays for the caller's
    /// own summary if one of the caller's parameters still reaches it unsanitized.
    pub fn instantiate(
        hit: &SinkHit,
        bound: &[Value],
        call: &Step,
    ) -> (Option<Flow>, Option<SinkHit>) {
        SinkHit {
            value: Summary::substitute(&hit.value, bound, call),
            ..hit.clone()
        }
        .outcomes()
    }

    /// The summary's value `v` at a call site: each parameter origin replaced by the
    /// argument's origins, sanitized as the callee sanitized it and with the callee's steps
    /// after the argument's own.
    pub fn substitute(v: &Value, args: &[Value], call: &Step) -> Value {
        let mut out = Value {
            origins: Vec::new(),
            konst: v.konst.clone(),
            prefix: v.prefix.clone(),
            shape: match &v.shape {
                Shape::Scalar => Shape::Scalar,
                Shape::Seq(items) => Shape::Seq(Rc::new(
                    items
                        .iter()
                        .map(|i| Summary::substitute(i, args, call))
                        .collect(),
                )),
                Shape::Map(items) => Shape::Map(Rc::new(
                    items
                        .iter()
                        .map(|(k, i)| (k.clone(), Summary::substitute(i, args, call)))
                        .collect(),
                )),
            },
            tag: v.tag,
        };
        for o in &v.origins {
            match o.label {
                Label::Param(i) => {
                    let Some(arg) = args.get(i) else { continue };
                    for a in arg.all_origins() {
                        push_origin(
                            &mut out.origins,
                            Rc::new(Origin {
                                label: a.label.clone(),
                                safe: a.safe.union(o.safe),
                                trace: a.trace.then(call.clone()).extend(&o.trace),
                            }),
                        );
                    }
                }
                _ => push_origin(&mut out.origins, o.clone()),
            }
        }
        out
    }
}

impl fmt::Display for SinkKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_hosts_are_recognised_by_prefix() {
        assert!(prefix_fixes_host(Some("https://api.example.com/v1/")));
        assert!(prefix_fixes_host(Some("/account?next=")));
        assert!(!prefix_fixes_host(Some("https://")));
        assert!(!prefix_fixes_host(Some("//")));
        assert!(!prefix_fixes_host(Some("/")));
        assert!(!prefix_fixes_host(None));
    }

    #[test]
    fn joins_keep_the_less_sanitized_path() {
        let source = Value::from_label(
            Label::Source {
                what: Rc::from("input"),
                confidence: Confidence::High,
                at: 0,
            },
            Trace::default(),
        );
        let escaped = source.sanitized(KindSet::of(&[SinkKind::Xss]));
        assert!(escaped.source_for(SinkKind::Xss).is_none());
        assert!(escaped.join(&source).source_for(SinkKind::Xss).is_some());
        assert!(escaped.source_for(SinkKind::Sql).is_some());
    }
}
