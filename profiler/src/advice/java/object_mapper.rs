//! A Jackson `ObjectMapper` created per call.

crate::declare_recommendation! {
    /// ## What it finds
    /// CPU time constructing Jackson's `com.fasterxml.jackson.databind.ObjectMapper` (or
    /// copying one), which shows when a mapper is created per request or per message.
    ///
    /// ## Why it costs
    /// A new mapper builds its factories, registers its modules, and starts with empty
    /// caches, so the first object it writes or reads introspects the class again and
    /// builds its serializers by reflection. A mapper per call pays all of that on every
    /// call and produces garbage besides.
    ///
    /// ## How to fix
    /// Configure one mapper and share it: it is thread-safe once configured. Derive
    /// per-call variants with `ObjectReader`/`ObjectWriter`, which are cheap and immutable:
    /// ```java
    /// private static final ObjectMapper MAPPER = new ObjectMapper()
    ///         .registerModule(new JavaTimeModule());
    /// private static final ObjectWriter ORDER_WRITER = MAPPER.writerFor(Order.class);
    ///
    /// String toJson(Order order) throws JsonProcessingException {
    ///     return ORDER_WRITER.writeValueAsString(order);
    /// }
    /// ```
    pub OBJECT_MAPPER {
        id: "java-object-mapper-per-call",
        name: "Jackson ObjectMapper created per call",
        runtimes: [Java],
        frames: [r"^com\.fasterxml\.jackson\.databind\.ObjectMapper\.(<init>|copy)$"],
        weight: Cpu,
        states: [Running],
        threshold: 3.0,
        finding: "creating Jackson `ObjectMapper`s",
        action: "create one `ObjectMapper` at startup and share it (or its `ObjectReader`/`ObjectWriter`)",
        saving: 0.9,
    }
}
