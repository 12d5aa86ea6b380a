//! A new `requests` session, and a new connection, for every call.

crate::declare_recommendation! {
    /// ## What it finds
    /// Time in `requests` setting up rather than sending: creating a `Session` and its
    /// `HTTPAdapter`s (`requests/sessions.py` `__init__` and `mount`,
    /// `requests/adapters.py`), closing it again, and opening new connections
    /// (`urllib3/connection.py` `connect` and `_new_conn`: DNS, the TCP handshake and
    /// for HTTPS the TLS handshake and loading the CA bundle). `requests.get`,
    /// `requests.post` and the other module-level functions do all of this on every
    /// call, because each builds a throwaway session.
    ///
    /// ## Why it costs
    /// A session owns a connection pool; throwing it away after one request throws away
    /// the open connection, so the next call pays the handshakes again: one round trip
    /// for TCP, one or two more for TLS, plus the CPU of the TLS handshake and of
    /// reading the CA certificates. Against a remote service that is often more than the
    /// request itself.
    ///
    /// ## How to fix
    /// Create one `requests.Session` per service you call, at module level or start-up,
    /// and send every request through it so connections are kept alive and reused.
    /// requests does not promise that a `Session` is thread-safe, so in a threaded
    /// server keep one per thread (`threading.local()`):
    /// ```python
    /// HTTP = requests.Session()
    /// HTTP.mount("https://", HTTPAdapter(pool_maxsize=32))
    ///
    /// def fetch_price(item_id):
    ///     return HTTP.get(f"{PRICES}/price/{item_id}", timeout=5).json()
    /// ```
    pub REQUESTS_SESSION {
        id: "py-requests-session-per-call",
        name: "New requests session per call",
        runtimes: [Python],
        frames: [
            r"\(requests/(api|sessions)\.py\)$|^_close_pool_connections \(urllib3/connectionpool\.py\)$",
            r"^(\w+\.)?((__init__|mount|close|init_poolmanager) \(requests/(sessions|adapters)\.py\)|(connect|_new_conn|close) \(urllib3/(connection|connectionpool)\.py\)|create_connection \(util/connection\.py\))$",
        ],
        weight: Wall,
        states: [Running, Io],
        threshold: 5.0,
        finding: "creating requests sessions and opening new connections",
        action: "create one requests.Session at start-up and send every request through it",
        saving: 0.8,
    }
}
