//! Recommendations over Java profiles (JFR stacks: `package.Class.method`).

super::register_recommendations! {
    pattern_compile::PATTERN_COMPILE,
    string_format::STRING_FORMAT,
    exception_creation::EXCEPTION_CREATION,
    object_mapper::OBJECT_MAPPER,
    aws_client::AWS_CLIENT,
    gc_pauses::GC_PAUSES,
    hashmap_resize::HASHMAP_RESIZE,
    monitor_contention::MONITOR_CONTENTION,
    thread_park::THREAD_PARK,
}
