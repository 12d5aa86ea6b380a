//! boto3 clients and sessions created per request.

crate::declare_recommendation! {
    /// ## What it finds
    /// CPU time creating boto3 or botocore clients, resources and sessions while the
    /// program runs: `boto3.client`, `boto3.resource`, `boto3.session.Session`,
    /// `botocore.session.Session.create_client`, and below them `botocore/loaders.py`
    /// reading and parsing the service's JSON model.
    ///
    /// ## Why it costs
    /// Creating a client loads and parses the service model and endpoint JSON files,
    /// builds a Python class with one method per API operation, resolves credentials and
    /// registers event handlers: tens of milliseconds of CPU each time. A client created
    /// inside a request handler or a per-item function pays that on every call, and
    /// also opens new HTTPS connections because each client has its own pool.
    ///
    /// ## How to fix
    /// Create clients once, at module level or at start-up, and share them; boto3
    /// clients are thread-safe (resources and sessions are not, so give each thread its
    /// own if you use them):
    /// ```python
    /// S3 = boto3.client("s3")
    ///
    /// def presign(key):
    ///     return S3.generate_presigned_url(
    ///         "get_object", Params={"Bucket": BUCKET, "Key": key})
    /// ```
    /// In AWS Lambda, create them outside the handler so warm invocations reuse them.
    pub BOTO3_CLIENT {
        id: "py-boto3-client-per-call",
        name: "boto3 client created per call",
        runtimes: [Python],
        frames: [
            r"^((\w+\.)?(client|resource|__init__|create_client)|get_session) \((boto3/__init__|boto3/session|botocore/session)\.py\)$",
        ],
        weight: Cpu,
        states: [Running],
        threshold: 5.0,
        finding: "creating boto3 clients and sessions",
        action: "create each boto3 client once, at module level or start-up, and reuse it",
        saving: 0.95,
    }
}
