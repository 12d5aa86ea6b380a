//! Python rules, one file each, and the module facts they share.

pub mod call;
pub mod flows;
pub mod place;
pub mod quote;
pub mod semantic;
pub mod settings;
pub mod taint;

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
    path_traversal::PathTraversal,
    xss::CrossSiteScripting,
    ssrf::ServerSideRequestForgery,
    open_redirect::OpenRedirect,
    log_injection::LogInjection,
    template_injection::TemplateInjection,
    ldap_injection::LdapInjection,
    xpath_injection::XpathInjection,
    trust_boundary_violation::TrustBoundaryViolation,
    http_response_splitting::HttpResponseSplitting,
    xml_external_entities::XmlExternalEntities,
    insecure_cookie::InsecureCookie,
    weak_cipher::WeakCipher,
    csrf_protection_disabled::CsrfProtectionDisabled,
    cors_any_origin::CorsAnyOrigin,
    cleartext_transport::CleartextTransport,
    loose_file_permissions::LooseFilePermissions,
    secret_in_log::SecretInLog,
    bind_all_interfaces::BindAllInterfaces,
    debug_enabled::DebugEnabled,
    unsafe_archive_extraction::UnsafeArchiveExtraction,
    paramiko_auto_add_policy::ParamikoAutoAddPolicy,
    insecure_random::InsecureRandom,
    mutating_while_iterating::MutatingWhileIterating,
    list_multiplication_aliasing::ListMultiplicationAliasing,
    raise_without_from::RaiseWithoutFrom,
    naive_datetime::NaiveDatetime,
    blocking_call_in_async::BlockingCallInAsync,
    none_equality::NoneEquality,
    useless_except_reraise::UselessExceptReraise,
    regex_compiled_in_loop::RegexCompiledInLoop,
    boto3_client_per_invocation::Boto3ClientPerInvocation,
    batch_result_unchecked::BatchResultUnchecked,
    sqs_short_polling::SqsShortPolling,
    list_membership_in_loop::ListMembershipInLoop,
    manual_pagination::ManualPagination,
    polling_instead_of_waiter::PollingInsteadOfWaiter,
    socket_without_timeout::SocketWithoutTimeout,
    assert_for_validation::AssertForValidation,
}
