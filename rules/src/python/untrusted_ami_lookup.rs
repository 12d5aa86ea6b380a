use tree_sitter::Node;

use crate::python::call;
use crate::{Checker, Rule, ast, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks for boto3 EC2 image lookups by name (`describe_images` or
    /// `ec2.images.filter` with a `Filters` entry on `name`) that do not restrict the
    /// owner: no `Owners=` argument and no `owner-id` or `owner-alias` filter.
    ///
    /// ## Why is this bad?
    /// Anyone can publish a public AMI under any name. A lookup by name alone returns
    /// images from every account, and code that picks the first or the newest one can
    /// launch an attacker's image, with their back door, inside your account and with
    /// your instance role. Pinning the owner (`amazon`, your account id, the vendor's
    /// account) limits the lookup to images you trust.
    ///
    /// ## Example
    /// ```python
    /// def latest_ubuntu(ec2):
    ///     images = ec2.describe_images(
    ///         Filters=[{"Name": "name", "Values": ["ubuntu/images/*22.04*"]}]
    ///     )["Images"]
    ///     return max(images, key=lambda i: i["CreationDate"])["ImageId"]
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// CANONICAL = "099720109477"
    ///
    /// def latest_ubuntu(ec2):
    ///     images = ec2.describe_images(
    ///         Owners=[CANONICAL],
    ///         Filters=[{"Name": "name", "Values": ["ubuntu/images/*22.04*"]}],
    ///     )["Images"]
    ///     return max(images, key=lambda i: i["CreationDate"])["ImageId"]
    /// ```
    pub UntrustedAmiLookup {
        id: "py-untrusted-ami-lookup",
        title: "AMI looked up by name without pinning its owner",
        language: Python,
        category: Security,
        severity: Warning,
        cwe: [349],
        precision: High,
        kinds: ["call"],
        fix: "Pass `Owners=[...]` with the accounts you trust (`amazon`, your account id)",
    }
}

/// Filter names that pin the image's owner.
const OWNER_FILTERS: &[&str] = &["owner-id", "owner-alias"];

impl Rule for UntrustedAmiLookup {
    fn check<'t>(&self, node: Node<'t>, cx: &Checker<'t>) {
        let is_lookup = match call::callee_name(node, cx.source()) {
            Some("describe_images") => true,
            Some("filter") => call::receiver(node).is_some_and(|r| {
                r.kind() == "attribute"
                    && r.child_by_field_name("attribute")
                        .is_some_and(|a| cx.text(a) == "images")
            }),
            _ => false,
        };
        if !is_lookup
            || call::has_keyword_splat(node)
            || ["Owners", "ImageIds", "ExecutableUsers"]
                .iter()
                .any(|k| call::keyword(node, k, cx.source()).is_some())
        {
            return;
        }
        let Some(filters) = call::keyword(node, "Filters", cx.source()) else {
            return;
        };
        let filters = ast::unparenthesize(filters);
        if filters.kind() != "list" {
            return;
        }
        let names: Vec<String> = ast::named_children(filters)
            .into_iter()
            .filter_map(|f| filter_name(f, cx))
            .collect();
        if names.iter().any(|n| OWNER_FILTERS.contains(&n.as_str()))
            || !names.iter().any(|n| n == "name")
        {
            return;
        }
        cx.report(
            node,
            "images are looked up by name from any account, so a public AMI with a matching name can be picked",
        )
        .help("Pass `Owners=[...]` with the accounts you trust (`amazon`, `self`, or an account id)");
    }
}

/// The `"Name"` of a `{"Name": ..., "Values": [...]}` filter.
fn filter_name(filter: Node<'_>, cx: &Checker<'_>) -> Option<String> {
    if filter.kind() != "dictionary" {
        return None;
    }
    ast::named_children(filter).into_iter().find_map(|pair| {
        if pair.kind() != "pair" {
            return None;
        }
        let key = cx.python().constant_str(pair.child_by_field_name("key")?)?;
        (key == "Name")
            .then(|| cx.python().constant_str(pair.child_by_field_name("value")?))
            .flatten()
    })
}
