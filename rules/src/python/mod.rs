//! Python rules, one file each, and the module facts they share.

pub mod call;
pub mod flows;
pub mod quote;
pub mod semantic;
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
}
