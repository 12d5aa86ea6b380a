//! Recommendations over Python profiles (py-spy stacks: `function (package/module.py)`).

super::register_recommendations! {
    regex_compile::REGEX_COMPILE,
    logging_hot::LOGGING_HOT,
    json_hot::JSON_HOT,
    deepcopy_hot::DEEPCOPY_HOT,
    boto3_client::BOTO3_CLIENT,
    requests_session::REQUESTS_SESSION,
    sleep_hot::SLEEP_HOT,
    lock_contention::LOCK_CONTENTION,
    gc_pauses::GC_PAUSES,
    import_in_request::IMPORT_IN_REQUEST,
}
