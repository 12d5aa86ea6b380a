//! Java rules, one file each, and the compilation-unit facts they share.

pub mod calls;
pub mod semantic;
pub mod text;

crate::register_rules! {
    weak_hash::WeakHash,
    string_reference_comparison::StringReferenceComparison,
    empty_catch_block::EmptyCatchBlock,
    equals_without_hashcode::EqualsWithoutHashcode,
    swallowed_interrupted_exception::SwallowedInterruptedException,
    lock_without_finally_unlock::LockWithoutFinallyUnlock,
    weak_cipher::WeakCipher,
    insecure_random::InsecureRandom,
    hardcoded_credentials::HardcodedCredentials,
    command_injection::CommandInjection,
    sql_injection::SqlInjection,
    resource_leak::ResourceLeak,
    unsafe_deserialization::UnsafeDeserialization,
    xxe::Xxe,
    insecure_cookie::InsecureCookie,
    trust_all_tls::TrustAllTls,
    csrf_disabled::CsrfDisabled,
    cors_any_origin::CorsAnyOrigin,
    cleartext_transport::CleartextTransport,
    loose_file_permissions::LooseFilePermissions,
    secret_in_log::SecretInLog,
    unsafe_archive_extraction::UnsafeArchiveExtraction,
    weak_key_size::WeakKeySize,
    static_date_format::StaticDateFormat,
    thread_run_called::ThreadRunCalled,
    double_checked_locking::DoubleCheckedLocking,
    synchronized_on_unsafe_lock::SynchronizedOnUnsafeLock,
    ignored_concurrency_result::IgnoredConcurrencyResult,
    ignored_file_operation_result::IgnoredFileOperationResult,
    ignored_read_result::IgnoredReadResult,
    finalize_without_super::FinalizeWithoutSuper,
    format_argument_mismatch::FormatArgumentMismatch,
    exception_cause_dropped::ExceptionCauseDropped,
    keyset_iteration_with_get::KeysetIterationWithGet,
    regex_compiled_in_loop::RegexCompiledInLoop,
    string_concat_in_loop::StringConcatInLoop,
}
