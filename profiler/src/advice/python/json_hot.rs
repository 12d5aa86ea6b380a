//! JSON encoded or decoded on a hot path.

crate::declare_recommendation! {
    /// ## What it finds
    /// CPU time inside the standard `json` module (`json/__init__.py`,
    /// `json/encoder.py`, `json/decoder.py`): `json.dumps`, `json.loads` and their C
    /// speed-ups, which run under those frames.
    ///
    /// `pickle.dumps` and `pickle.loads` run entirely in C with no Python frame of their
    /// own, so a Python profile shows their time on the line that calls them, and this
    /// recommendation cannot see it; only the pure-Python fallbacks (`copyreg.py`,
    /// `pickle.py`) appear as frames. JSON parsed by botocore while it creates clients is
    /// left to `py-boto3-client-per-call`, whose fix removes it.
    ///
    /// ## Why it costs
    /// Encoding walks every object and builds strings; decoding allocates a new dict,
    /// list and string for every value. The same document is often encoded or decoded
    /// several times per request: a round trip `json.loads(json.dumps(x))` used as a
    /// copy, or a cached value stored as JSON text and parsed on every read. And
    /// `json.dumps(..., indent=...)` and `json.dump` to a file do not use the C encoder
    /// at all: they run the pure-Python one, several times slower.
    ///
    /// ## How to fix
    /// Encode and decode once per request, and keep parsed values in caches instead of
    /// JSON text. Drop `indent` and `sort_keys` from machine-to-machine responses, and
    /// write `f.write(json.dumps(x))` rather than `json.dump(x, f)`. When JSON itself is
    /// the bulk of the work, use a faster codec:
    /// ```python
    /// import orjson
    ///
    /// body = orjson.dumps(payload)   # bytes, several times faster than json.dumps
    /// data = orjson.loads(body)
    /// ```
    pub JSON_HOT {
        id: "py-json-hot",
        name: "JSON encoding or decoding on a hot path",
        runtimes: [Python],
        frames: [
            r"\(json/(__init__|encoder|decoder)\.py\)$",
        ],
        unless: [
            r"\(botocore/loaders\.py\)$",
        ],
        weight: Cpu,
        states: [Running],
        threshold: 10.0,
        finding: "encoding and decoding JSON",
        action: "encode and decode each document once per request, drop indent and sort_keys, or use orjson",
        saving: 0.5,
    }
}
