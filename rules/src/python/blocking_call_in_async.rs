use tree_sitter::Node;

use crate::python::{call, place};
use crate::{Checker, Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for blocking calls directly inside an `async def`: `time.sleep`, the
    /// `requests` functions, `urllib.request.urlopen`, and the `subprocess` functions
    /// that wait for the process (`run`, `call`, `check_call`, `check_output`).
    ///
    /// Calls in a nested plain `def` or lambda (run in an executor, say) are not
    /// reported.
    ///
    /// ## Why is this bad?
    /// An event loop runs one coroutine at a time; a coroutine only lets others run when
    /// it awaits. A blocking call holds the whole loop: for the length of a `time.sleep`
    /// or an HTTP request, every other request, timer and heartbeat in the process
    /// stalls. Under load, latency grows with every blocked call and health checks start
    /// failing.
    ///
    /// ## Example
    /// ```python
    /// import time
    /// import requests
    ///
    /// async def poll(url):
    ///     while True:
    ///         status = requests.get(url, timeout=5).json()
    ///         if status["done"]:
    ///             return status
    ///         time.sleep(1)
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// import asyncio
    /// import httpx
    ///
    /// async def poll(url):
    ///     async with httpx.AsyncClient(timeout=5) as client:
    ///         while True:
    ///             status = (await client.get(url)).json()
    ///             if status["done"]:
    ///                 return status
    ///             await asyncio.sleep(1)
    /// ```
    pub BlockingCallInAsync {
        id: "py-blocking-sleep-in-async",
        title: "Blocking call in an async function",
        language: Python,
        category: Concurrency,
        severity: Warning,
        cwe: [],
        precision: High,
        kinds: ["call"],
        fix: "Use the async equivalent (`await asyncio.sleep`, `httpx.AsyncClient`, `asyncio.create_subprocess_exec`) or `await asyncio.to_thread(...)`",
    }
}

/// Blocking functions and what to use instead.
const BLOCKING: &[(&str, &str)] = &[
    ("time.sleep", "Use `await asyncio.sleep(...)`"),
    ("urllib.request.urlopen", "Use an async HTTP client such as `httpx.AsyncClient` or `aiohttp`"),
    ("subprocess.run", "Use `await asyncio.create_subprocess_exec(...)`"),
    ("subprocess.call", "Use `await asyncio.create_subprocess_exec(...)`"),
    ("subprocess.check_call", "Use `await asyncio.create_subprocess_exec(...)`"),
    ("subprocess.check_output", "Use `await asyncio.create_subprocess_exec(...)`"),
];

const REQUESTS_FUNCTIONS: &[&str] = &[
    "get", "post", "put", "patch", "delete", "head", "options", "request",
];

const CALLEE_NAMES: &[&str] = &[
    "sleep", "urlopen", "run", "call", "check_call", "check_output", "get", "post", "put",
    "patch", "delete", "head", "options", "request",
];

impl Rule for BlockingCallInAsync {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        if !call::may_call(node, cx.source(), CALLEE_NAMES) {
            return;
        }
        let Some(name) = cx.python().resolve_call(node) else {
            return;
        };
        let help = if let Some((_, help)) = BLOCKING.iter().find(|(n, _)| *n == name) {
            *help
        } else if name
            .strip_prefix("requests.")
            .is_some_and(|f| REQUESTS_FUNCTIONS.contains(&f))
        {
            "Use an async HTTP client such as `httpx.AsyncClient` or `aiohttp`"
        } else {
            return;
        };
        if !place::enclosing_function(cx).is_some_and(place::is_async) {
            return;
        }
        cx.report(
            node,
            format!("`{name}` blocks the event loop: every other task waits until it returns"),
        )
        .help(format!("{help}, or run it with `await asyncio.to_thread(...)`"));
    }
}
