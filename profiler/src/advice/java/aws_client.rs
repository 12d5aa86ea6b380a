//! AWS SDK clients and credential providers built per call.

crate::declare_recommendation! {
    /// ## What it finds
    /// Time building AWS SDK clients and credential providers: SDK for Java 2.x client
    /// builders (`S3Client.builder().build()`, `S3Client.create()`) and
    /// `DefaultCredentialsProvider` builders, and SDK 1.x `AmazonS3ClientBuilder.build()`,
    /// `defaultClient()` and `DefaultAWSCredentialsProviderChain`.
    ///
    /// ## Why it costs
    /// Building a client loads its endpoint rules and service model, creates an HTTP
    /// client with its own connection pool and TLS context, and resolves region and
    /// credentials, which reads environment, profile files and may call the instance
    /// metadata service over HTTP. A client per request does all of that every time and
    /// never reuses a connection, so every call also pays a new TLS handshake.
    ///
    /// ## How to fix
    /// Build each client once, at startup, and share it; clients are thread-safe:
    /// ```java
    /// private static final S3Client S3 = S3Client.builder()
    ///         .region(Region.EU_WEST_1)
    ///         .build();
    ///
    /// byte[] load(String key) {
    ///     return S3.getObjectAsBytes(b -> b.bucket(BUCKET).key(key)).asByteArray();
    /// }
    /// ```
    /// In a Lambda function, build clients in a static field or the constructor, not in
    /// the handler.
    pub AWS_CLIENT {
        id: "java-aws-client-per-call",
        name: "AWS SDK client built per call",
        runtimes: [Java],
        frames: [
            r"^(software\.amazon\.awssdk\.core\.client\.builder\.SdkDefaultClientBuilder\.build|software\.amazon\.awssdk\.services\.\S+\.\w+Client\.create|software\.amazon\.awssdk\.auth\.credentials\.DefaultCredentialsProvider(\$(Default)?Builder)?\.(build|<init>)|com\.amazonaws\.client\.builder\.Aws(Sync|Async)?ClientBuilder\.build|com\.amazonaws\.services\.\S+ClientBuilder\.defaultClient|com\.amazonaws\.auth\.DefaultAWSCredentialsProviderChain\.<init>)$",
        ],
        weight: Wall,
        states: [Running, Io, Lock, Sleeping, Idle],
        threshold: 3.0,
        finding: "building AWS SDK clients and credential providers",
        action: "build each AWS client once at startup and share it",
        saving: 0.9,
    }
}
