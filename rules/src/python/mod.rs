//! Python rules, one file each, and the module facts they share.

pub mod call;
pub mod quote;
pub mod semantic;

crate::register_rules! {
    weak_hash::WeakHash,
    mutable_default_argument::MutableDefaultArgument,
    swallowed_exception::SwallowedException,
    literal_identity_comparison::LiteralIdentityComparison,
    code_injection::CodeInjection,
    command_injection::CommandInjection,
    insecure_temp_file::InsecureTempFile,
    unsafe_deserialization::UnsafeDeserialization,
    certificate_validation_disabled::CertificateValidationDisabled,
    request_without_timeout::RequestWithoutTimeout,
    hardcoded_secret::HardcodedSecret,
    sql_injection::SqlInjection,
    resource_leak::ResourceLeak,
}
